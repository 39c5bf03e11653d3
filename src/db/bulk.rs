//! Bulk loading for benchmarks: many matters with their events, written
//! with explicit ids: COPY on PostgreSQL, multi-row INSERTs on SQLite.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{events, matters};
use super::{AnyConnection, DbError};
use crate::domain::{Channel, EventKind, Rating, Source, State};

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = matters, treat_none_as_default_value = false)]
pub struct BulkMatter {
    pub id: i64,
    pub code: String,
    pub channel: Channel,
    pub source: Source,
    pub state: State,
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub town_id: Option<i64>,
    pub place_id: Option<i64>,
    pub address: String,
    pub citizen_name: Option<String>,
    pub citizen_phone: Option<String>,
    pub unit_id: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sign_due_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub accepted_at: Option<NaiveDateTime>,
    pub dispatched_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub rating: Option<Rating>,
    /// PostgreSQL's search tokens (`db::search::tokens_for`); `None` lets
    /// its trigger compute them (slowly, in SQL).
    pub search: Option<String>,
}

#[derive(Insertable, Clone, Debug)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct BulkEvent {
    pub matter_id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: &'static str,
    pub kind: EventKind,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub note: &'static str,
    pub public: bool,
    pub matter_version: i32,
}

/// The next free matter id.
pub fn next_matter_id(conn: &mut AnyConnection) -> QueryResult<i64> {
    let max: Option<i64> = matters::table
        .select(diesel::dsl::max(matters::id))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

/// Writes a batch of matters and their events in one transaction: on
/// PostgreSQL with COPY (binary rows, no statement to parse: multi-row
/// INSERTs kept its server busy parsing parameters and made 1,000,000
/// matters take 270 s), on SQLite with multi-row INSERTs (in process,
/// where statements cost little).
pub fn write(
    conn: &mut AnyConnection,
    batch: &[BulkMatter],
    evs: &[BulkEvent],
) -> Result<(), DbError> {
    match conn {
        AnyConnection::Sqlite(c) => c.transaction::<_, diesel::result::Error, _>(|c| {
            for chunk in batch.chunks(500) {
                diesel::insert_into(matters::table)
                    .values(chunk)
                    .execute(c)?;
            }
            for chunk in evs.chunks(2000) {
                diesel::insert_into(events::table)
                    .values(chunk)
                    .execute(c)?;
            }
            Ok(())
        })?,
        AnyConnection::Postgresql(c) => c.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::copy_from(matters::table)
                .from_insertable(batch)
                .execute(c)?;
            diesel::copy_from(events::table)
                .from_insertable(evs)
                .execute(c)?;
            Ok(())
        })?,
    }
    Ok(())
}

#[derive(QueryableByName)]
struct IndexSql {
    #[diesel(sql_type = diesel::sql_types::Text)]
    sql: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Drops the secondary indexes of matters and events (not the keys, nor
/// the unique index of the codes) and returns how to build them again.
pub fn drop_indexes(conn: &mut AnyConnection) -> Result<Vec<String>, DbError> {
    use diesel::connection::SimpleConnection;
    let found: Vec<IndexSql> = match conn {
        AnyConnection::Sqlite(_) => diesel::sql_query(
            "SELECT sql, name FROM sqlite_master WHERE type = 'index' \
             AND tbl_name IN ('matters', 'events') AND sql IS NOT NULL \
             AND sql NOT LIKE 'CREATE UNIQUE%'",
        )
        .load(conn)?,
        AnyConnection::Postgresql(_) => diesel::sql_query(
            "SELECT indexdef AS sql, indexname AS name FROM pg_indexes \
             WHERE tablename IN ('matters', 'events') AND indexdef NOT LIKE 'CREATE UNIQUE%'",
        )
        .load(conn)?,
    };
    for index in &found {
        conn.batch_execute(&format!("DROP INDEX {};", index.name))?;
    }
    Ok(found.into_iter().map(|i| i.sql).collect())
}

/// Builds again what [`drop_indexes`] dropped.
pub fn restore_indexes(conn: &mut AnyConnection, indexes: &[String]) -> Result<(), DbError> {
    use diesel::connection::SimpleConnection;
    for sql in indexes {
        conn.batch_execute(sql)?;
    }
    Ok(())
}

/// After explicit ids, PostgreSQL's identity sequence must catch up.
pub fn sync_sequences(conn: &mut AnyConnection) -> QueryResult<()> {
    if let AnyConnection::Postgresql(_) = conn {
        use diesel::connection::SimpleConnection;
        conn.batch_execute(
            "SELECT setval(pg_get_serial_sequence('matters', 'id'), (SELECT COALESCE(MAX(id), 1) FROM matters));",
        )?;
    }
    Ok(())
}

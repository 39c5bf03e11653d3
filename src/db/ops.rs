//! Operations on a whole database: checking its invariants, copying a live
//! SQLite file, and removing citizens' details past a retention period.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;

use super::schema::{citizen_contacts, matters, photos};
use super::{AnyConnection, DbError, fund};
use crate::domain::State;

/// What `shishi check` finds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    pub matters: i64,
    pub events: i64,
    /// Matters whose state is not what their last transition says.
    pub state_mismatches: i64,
    /// Matters whose version is not their number of events.
    pub version_mismatches: i64,
    pub fund: crate::domain::money::Fund,
}

impl Health {
    /// Whether every invariant holds.
    pub fn sound(&self) -> bool {
        self.state_mismatches == 0
            && self.version_mismatches == 0
            && self.fund.available() >= 0
            && self.fund.outstanding() >= 0
    }
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection, sql: &str) -> QueryResult<i64> {
    diesel::sql_query(sql).get_result::<N>(conn).map(|r| r.n)
}

/// Reads the whole database once and checks what every step keeps true: a
/// matter's state is its last transition's, its version counts its events,
/// and the fund never goes below zero.
pub fn check(conn: &mut AnyConnection) -> Result<Health, DbError> {
    Ok(Health {
        matters: count(conn, "SELECT COUNT(*) AS n FROM matters")?,
        events: count(conn, "SELECT COUNT(*) AS n FROM events")?,
        state_mismatches: count(
            conn,
            "SELECT COUNT(*) AS n FROM matters m WHERE m.state <> COALESCE((
                SELECT e.to_state FROM events e
                WHERE e.matter_id = m.id AND e.to_state IS NOT NULL
                ORDER BY e.id DESC LIMIT 1), '')",
        )?,
        version_mismatches: count(
            conn,
            "SELECT COUNT(*) AS n FROM matters m WHERE m.version <> (
                SELECT COUNT(*) FROM events e WHERE e.matter_id = m.id)",
        )?,
        fund: fund::position(conn)?,
    })
}

/// Copies a live SQLite database to `target` as one consistent snapshot
/// (`VACUUM INTO`: readers and the writer go on meanwhile). The copy is a
/// complete database file, compacted, without a write-ahead log to carry.
pub fn backup(conn: &mut AnyConnection, target: &str) -> Result<(), DbError> {
    match conn {
        AnyConnection::Sqlite(c) => {
            diesel::sql_query("VACUUM INTO ?")
                .bind::<diesel::sql_types::Text, _>(target)
                .execute(c)?;
            Ok(())
        }
        AnyConnection::Postgresql(_) => Err(DbError::SqliteOnly(
            "backup (PostgreSQL is backed up with its own tools: pg_dump --format=custom)",
        )),
    }
}

/// Removes the citizen's name, phone and photos from matters that ended
/// (closed, or rejected or merged, which are final) before `now -
/// older_than_days`. Every count, rate and timeline stays as it was, and
/// so do staff's photos of the work: only who asked, and what they showed,
/// is forgotten. Returns how many matters lost a name or phone, and how
/// many photos were removed.
pub fn anonymize(
    conn: &mut AnyConnection,
    older_than_days: u32,
    now: DateTime<Utc>,
) -> Result<(usize, usize), DbError> {
    let before = (now - Duration::days(i64::from(older_than_days))).naive_utc();
    let ended = matters::state
        .eq(State::Closed)
        .and(matters::closed_at.lt(before))
        .or(matters::state
            .eq_any([State::Rejected, State::Merged])
            .and(matters::updated_at.lt(before)));
    // How they asked to hear back goes with who they are.
    diesel::delete(
        citizen_contacts::table.filter(
            citizen_contacts::matter_id
                .eq_any(matters::table.filter(ended.clone()).select(matters::id)),
        ),
    )
    .execute(conn)?;
    let photos = diesel::delete(photos::table.filter(photos::by_citizen.eq(true)).filter(
        photos::matter_id.eq_any(matters::table.filter(ended.clone()).select(matters::id)),
    ))
    .execute(conn)?;
    let changed = diesel::update(
        matters::table.filter(ended).filter(
            matters::citizen_name
                .is_not_null()
                .or(matters::citizen_phone.is_not_null()),
        ),
    )
    .set((
        matters::citizen_name.eq(None::<String>),
        matters::citizen_phone.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok((changed, photos))
}

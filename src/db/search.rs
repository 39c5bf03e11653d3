//! The search index (see `domain::search` for what it holds).
//!
//! SQLite: an FTS5 table `matter_search` (contentless: the tokens only,
//! rowid = matter id), kept by triggers on `matters` that call
//! `shishi_terms`, a function this module registers on every connection
//! (so writes to matters need Shishi's own connections, not the sqlite3
//! shell). PostgreSQL: a `tsvector` column `matters.search_terms` with a
//! GIN index. Shishi hands each new matter's tokens in as text (column
//! `search`, emptied again by a trigger that casts them into place); the
//! trigger computes them in SQL (function `shishi_terms`, migration
//! `search`, the same tokens) for a row that comes without them and when a
//! searched field changes.
//!
//! Both give the matters whose tokens include all of a query's, newest
//! (highest id) first, a page at a time: SQLite reads the index's lists in
//! id order and stops at the page's end; PostgreSQL walks the matters
//! newest first testing the column, or, for a rare token, reads the GIN
//! index and sorts the few it finds — its planner picks by the token's
//! frequency.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::AnyConnection;
use crate::domain::search::{Fields, document_text, document_tsvector};

/// What a new matter's `search` column holds: on PostgreSQL its tokens
/// (computed here: the trigger's SQL takes ~0.3 ms a row, this a few
/// microseconds), on SQLite nothing (its triggers fill the FTS5 table).
pub fn tokens_for(conn: &AnyConnection, f: &Fields<'_>) -> Option<String> {
    tokens_on(matches!(conn, AnyConnection::Postgresql(_)), f)
}

/// [`tokens_for`], for a thread that knows the backend but holds no
/// connection (the generator makes its batches on one).
pub fn tokens_on(postgres: bool, f: &Fields<'_>) -> Option<String> {
    postgres.then(|| document_tsvector(f))
}

#[declare_sql_function]
extern "SQL" {
    /// The tokens of a matter, as SQLite's triggers index them.
    fn shishi_terms(
        title: Nullable<Text>,
        description: Nullable<Text>,
        address: Nullable<Text>,
        code: Nullable<Text>,
        phone: Nullable<Text>,
    ) -> Text;
}

/// Makes `shishi_terms` known to a SQLite connection (before anything
/// writes to matters on it).
pub fn register(conn: &mut diesel::SqliteConnection) -> QueryResult<()> {
    shishi_terms_utils::register_impl(
        conn,
        |title: Option<String>,
         description: Option<String>,
         address: Option<String>,
         code: Option<String>,
         phone: Option<String>| {
            document_text(&Fields {
                title: title.as_deref().unwrap_or_default(),
                description: description.as_deref().unwrap_or_default(),
                address: address.as_deref().unwrap_or_default(),
                code: code.as_deref().unwrap_or_default(),
                phone: phone.as_deref(),
            })
        },
    )
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// Which way a page is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Newest first, below `from`.
    Older,
    /// Oldest first, above `from` (a page read backwards).
    Newer,
}

/// Up to `limit` ids of matters indexed under every one of `tokens`, from
/// just past `from` (exclusive; `None`: from the newest or oldest end) in
/// `direction`.
pub fn candidates(
    conn: &mut AnyConnection,
    tokens: &[String],
    from: Option<i64>,
    direction: Direction,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let (cmp, order, edge) = match direction {
        Direction::Older => ("<", "DESC", i64::MAX),
        Direction::Newer => (">", "ASC", i64::MIN),
    };
    let from = from.unwrap_or(edge);
    let rows: Vec<Id> = match conn {
        AnyConnection::Sqlite(c) => {
            // Each token a quoted string; tokens never hold a quote (it
            // separates words), doubling one anyway keeps the syntax whole.
            let q = tokens
                .iter()
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" AND ");
            return sqlite_candidates(c, &q, from, direction, limit);
        }
        AnyConnection::Postgresql(c) => {
            let q = tokens
                .iter()
                .map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(" & ");
            diesel::sql_query(format!(
                "SELECT id FROM matters WHERE search_terms @@ CAST($1 AS tsquery) \
                 AND id {cmp} $2 ORDER BY id {order} LIMIT $3"
            ))
            .bind::<Text, _>(q)
            .bind::<BigInt, _>(from)
            .bind::<BigInt, _>(limit)
            .load(c)?
        }
    };
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// SQLite: the filed matters the FTS5 query `q` finds, and every matter of
/// the tail (not filed yet: each one a candidate, checked by the caller
/// like the rest), in id order.
fn sqlite_candidates(
    c: &mut diesel::SqliteConnection,
    q: &str,
    from: i64,
    direction: Direction,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let filed = mark(c)?;
    let tail = |c: &mut diesel::SqliteConnection, lo: i64, hi: i64, order: &str, n: i64| {
        diesel::sql_query(format!(
            "SELECT id FROM matters WHERE id > ? AND id < ? ORDER BY id {order} LIMIT ?"
        ))
        .bind::<BigInt, _>(lo)
        .bind::<BigInt, _>(hi)
        .bind::<BigInt, _>(n)
        .load::<Id>(c)
    };
    let index = |c: &mut diesel::SqliteConnection, lo: i64, hi: i64, order: &str, n: i64| {
        diesel::sql_query(format!(
            "SELECT rowid AS id FROM matter_search WHERE matter_search MATCH ? \
             AND rowid > ? AND rowid < ? ORDER BY rowid {order} LIMIT ?"
        ))
        .bind::<Text, _>(q)
        .bind::<BigInt, _>(lo)
        .bind::<BigInt, _>(hi)
        .bind::<BigInt, _>(n)
        .load::<Id>(c)
    };
    let mut ids = Vec::new();
    match direction {
        Direction::Older => {
            ids.extend(tail(c, filed, from, "DESC", limit)?);
            let rest = limit - ids.len() as i64;
            if rest > 0 {
                ids.extend(index(c, i64::MIN, from.min(filed + 1), "DESC", rest)?);
            }
        }
        Direction::Newer => {
            ids.extend(index(c, from, filed.saturating_add(1), "ASC", limit)?);
            let rest = limit - ids.len() as i64;
            if rest > 0 {
                ids.extend(tail(c, from.max(filed), i64::MAX, "ASC", rest)?);
            }
        }
    }
    Ok(ids.into_iter().map(|r| r.id).collect())
}

/// The setting that says up to which matter id SQLite's index is filed.
const FILED: &str = "search_indexed";

fn mark(c: &mut diesel::SqliteConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Mark {
        #[diesel(sql_type = BigInt)]
        filed: i64,
    }
    let found: Option<Mark> =
        diesel::sql_query("SELECT CAST(value AS INTEGER) AS filed FROM settings WHERE name = ?")
            .bind::<Text, _>(FILED)
            .get_result(c)
            .optional()?;
    Ok(found.map_or(0, |m| m.filed))
}

/// Files up to `limit` of the matters received since the last time into
/// SQLite's index, in one transaction, and returns how many. On PostgreSQL
/// every matter is filed as it is stored: nothing to do.
pub fn catch_up(conn: &mut AnyConnection, limit: i64) -> QueryResult<usize> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(0);
    };
    c.immediate_transaction(|c| {
        let filed = mark(c)?;
        let upto: Vec<Id> =
            diesel::sql_query("SELECT id FROM matters WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?")
                .bind::<BigInt, _>(filed)
                .bind::<BigInt, _>(limit - 1)
                .load(c)?;
        let upto = match upto.first() {
            Some(last) => last.id,
            None => {
                let newest: Vec<Id> =
                    diesel::sql_query("SELECT coalesce(max(id), 0) AS id FROM matters").load(c)?;
                newest.first().map_or(filed, |n| n.id)
            }
        };
        if upto <= filed {
            return Ok(0);
        }
        let n = diesel::sql_query(
            "INSERT INTO matter_search (rowid, terms) \
             SELECT id, shishi_terms(title, description, address, code, citizen_phone) \
             FROM matters WHERE id > ? AND id <= ?",
        )
        .bind::<BigInt, _>(filed)
        .bind::<BigInt, _>(upto)
        .execute(c)?;
        diesel::sql_query("UPDATE settings SET value = CAST(? AS TEXT) WHERE name = ?")
            .bind::<BigInt, _>(upto)
            .bind::<Text, _>(FILED)
            .execute(c)?;
        Ok(n)
    })
}

/// The tokens the database holds for matter `id` (tests hold them to
/// `domain::search::document`; on SQLite, FTS5 keeps no copy, so the
/// function the triggers call is asked instead).
pub fn stored_tokens(conn: &mut AnyConnection, id: i64) -> QueryResult<Vec<String>> {
    #[derive(QueryableByName)]
    struct Terms {
        #[diesel(sql_type = Nullable<Text>)]
        terms: Option<String>,
    }
    let found: Vec<Terms> = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            "SELECT shishi_terms(title, description, address, code, citizen_phone) AS terms \
             FROM matters WHERE id = ?",
        )
        .bind::<BigInt, _>(id)
        .load(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT array_to_string(tsvector_to_array(search_terms), ' ') AS terms \
             FROM matters WHERE id = $1",
        )
        .bind::<BigInt, _>(id)
        .load(c)?,
    };
    let mut tokens: Vec<String> = found
        .into_iter()
        .filter_map(|t| t.terms)
        .flat_map(|t| t.split(' ').map(str::to_owned).collect::<Vec<_>>())
        .filter(|t| !t.is_empty())
        .collect();
    tokens.sort_unstable();
    Ok(tokens)
}

//! The search index (see `domain::search` for what it holds).
//!
//! SQLite: an FTS5 table `matter_search` (contentless: the tokens only,
//! rowid = matter id), kept by triggers on `matters` that call
//! `shishi_terms`, a function this module registers on every connection
//! (so writes to matters need Shishi's own connections, not the sqlite3
//! shell). PostgreSQL: a `tsvector` column `matters.search_terms` with a
//! GIN index (of the tokens and the matter's id bucket, `shishi_bucket`).
//! Shishi hands each new matter's tokens in as text (column `search`,
//! emptied again by a trigger that casts them into place); the trigger
//! computes them in SQL (function `shishi_terms`, migration `search`, the
//! same tokens) for a row that comes without them and when a searched
//! field changes.
//!
//! Both give the matters whose tokens include all of a query's, newest
//! (highest id) first, a page at a time: SQLite reads the index's lists in
//! id order and stops at the page's end; PostgreSQL walks the newest
//! matters testing the column, then reads the index bucket by bucket, then
//! the token's whole list (see `pg_candidates`).

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

impl Direction {
    /// The comparison past a cursor and the order, in SQL.
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Direction::Older => ("<", "DESC"),
            Direction::Newer => (">", "ASC"),
        }
    }
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
    candidates_with(conn, tokens, from, direction, limit, Reading::PLANNED)
}

/// How PostgreSQL reads a word's matches: see [`pg_candidates`].
#[derive(Clone, Copy, Debug)]
pub struct Reading {
    /// How many matters past the page's start are read one by one first,
    /// testing each against the query (a word in most matters is found
    /// among them, where its bucket would have them all visited).
    pub window: i64,
    /// The most matters read one by one after the window, when the matches
    /// found there say that the rest lie within so many.
    pub walk_max: i64,
    /// For a query in Chinese, how many buckets are read from the index
    /// one after the other, past the walk, before the word's whole list
    /// is.
    pub buckets: i64,
}

impl Reading {
    /// What Shishi uses: the window and the walk find a common word's page
    /// ("路灯", in one matter in twelve: a page of 117 in ~1,400); the
    /// buckets (64: 262,144 matters) one under a burst of others.
    pub const PLANNED: Reading = Reading {
        window: 256,
        walk_max: 4_096,
        buckets: 64,
    };
}

/// How many low bits of a matter's id PostgreSQL's search index drops to
/// file it under a bucket (`shishi_bucket`, migration `search_buckets`):
/// 4,096 matters a bucket.
pub const BUCKET_BITS: u32 = 12;

/// The bucket matter `id` is filed under, as the index names it (no
/// word's token holds '@', a separator; `pg_by_bucket` names them so).
pub fn bucket_token(id: i64) -> String {
    format!("@{}", id >> BUCKET_BITS)
}

/// [`candidates`], read PostgreSQL's way `reading` (tests try small ones;
/// SQLite reads its index's lists in order and has no use for it).
pub fn candidates_with(
    conn: &mut AnyConnection,
    tokens: &[String],
    from: Option<i64>,
    direction: Direction,
    limit: i64,
    reading: Reading,
) -> QueryResult<Vec<i64>> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let from = from.unwrap_or(match direction {
        Direction::Older => i64::MAX,
        Direction::Newer => i64::MIN,
    });
    match conn {
        AnyConnection::Sqlite(c) => {
            // Each token a quoted string; tokens never hold a quote (it
            // separates words), doubling one anyway keeps the syntax whole.
            let q = tokens
                .iter()
                .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                .collect::<Vec<_>>()
                .join(" AND ");
            sqlite_candidates(c, &q, from, direction, limit)
        }
        AnyConnection::Postgresql(c) => {
            let q = tokens
                .iter()
                .map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")))
                .collect::<Vec<_>>()
                .join(" & ");
            pg_candidates(c, &q, from, direction, limit, reading)
        }
    }
}

/// PostgreSQL's candidates, read the way the matches' density asks for,
/// as seen, not as guessed (the planner guesses a word's frequency from
/// its statistics, and for a word they do not list, one never used or
/// `k路灯`, guesses a common one). First the window's matters are read
/// one by one, and when the matches there say the rest are near, the walk
/// goes on: a common word's page is found so, reading only the rows it
/// passes. A query in Chinese not found whole is looked for bucket by
/// bucket from there on: each bucket's list is read with the word's, and
/// the matches in it visited (all of them: dearer than a walk for a word
/// in most matters), so a common word under a burst of other matters (the
/// benchmark stores ~25,000 alike just before it searches) costs a few
/// buckets, not its whole list. What is left comes from the word's list,
/// read and sorted: the word is rare, or a code or phone number (letters
/// and digits: rare, read straight away).
fn pg_candidates(
    c: &mut diesel::PgConnection,
    q: &str,
    from: i64,
    direction: Direction,
    limit: i64,
    reading: Reading,
) -> QueryResult<Vec<i64>> {
    let short = |found: &Vec<i64>| limit - found.len() as i64;
    let past = |found: &Vec<i64>| found.last().copied().unwrap_or(from);
    let mut found = Vec::new();
    if reading.window > 0 {
        found = pg_walk(c, q, from, direction, reading.window, limit)?;
    }
    if short(&found) > 0 && !found.is_empty() {
        // At the density seen, the rest lie this many matters further on.
        let further = short(&found).saturating_mul(reading.window) / found.len() as i64;
        if further <= reading.walk_max {
            // Twice as far, to be likely done; and the window's matters
            // past its last match again.
            let walk = further.saturating_mul(2).min(reading.walk_max) + reading.window;
            let more = pg_walk(c, q, past(&found), direction, walk, short(&found))?;
            found.extend(more);
        }
    }
    // The ids not read yet lie beyond `bound` (exclusive).
    let mut bound = from;
    if short(&found) > 0 && reading.buckets > 0 && !q.is_ascii() {
        // The first bucket: that of the first id past the last match.
        let first = match (direction, past(&found)) {
            (Direction::Older, i64::MAX) => pg_newest(c)?,
            (Direction::Older, p) => Some(p - 1),
            (Direction::Newer, p) => Some(p.saturating_add(1).max(0)),
        };
        let Some(first) = first else {
            return Ok(found);
        };
        let first = first >> BUCKET_BITS;
        let last = match direction {
            Direction::Older => (first - reading.buckets + 1).max(0),
            Direction::Newer => first.saturating_add(reading.buckets - 1),
        };
        let more = pg_by_bucket(c, q, past(&found), direction, (first, last), short(&found))?;
        found.extend(more);
        bound = match direction {
            Direction::Older if last == 0 => return Ok(found),
            Direction::Older => last << BUCKET_BITS,
            Direction::Newer => ((last + 1) << BUCKET_BITS) - 1,
        };
    }
    if short(&found) > 0 {
        let from = match direction {
            Direction::Older => past(&found).min(bound),
            Direction::Newer => past(&found).max(bound),
        };
        found.extend(pg_listed(c, q, from, direction, short(&found))?);
    }
    Ok(found)
}

/// Up to `limit` matches of `q` past `from`, in the buckets from `first`
/// to `last` (in `direction`), a bucket at a time: a nested loop over the
/// buckets, each one's matches read from the index (its list and the
/// query's, GIN stepping over the latter) and sorted, the loop left as
/// soon as the limit is reached.
fn pg_by_bucket(
    c: &mut diesel::PgConnection,
    q: &str,
    from: i64,
    direction: Direction,
    (first, last): (i64, i64),
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let (cmp, order) = direction.sql();
    let step = match direction {
        Direction::Older => -1,
        Direction::Newer => 1,
    };
    let rows: Vec<Id> = diesel::sql_query(format!(
        "SELECT m.id FROM generate_series($3, $4, {step}) AS b (n) \
         CROSS JOIN LATERAL (SELECT id FROM matters \
         WHERE (search_terms || shishi_bucket(id)) @@ \
         (CAST($1 AS tsquery) && CAST('''@' || b.n || '''' AS tsquery)) AND id + 0 {cmp} $2 \
         ORDER BY id {order}) m LIMIT $5"
    ))
    .bind::<Text, _>(q)
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(first)
    .bind::<BigInt, _>(last)
    .bind::<BigInt, _>(limit)
    .load(c)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The newest matter's id (`None`: no matters).
fn pg_newest(c: &mut diesel::PgConnection) -> QueryResult<Option<i64>> {
    #[derive(QueryableByName)]
    struct Newest {
        #[diesel(sql_type = Nullable<BigInt>)]
        id: Option<i64>,
    }
    let rows: Vec<Newest> = diesel::sql_query("SELECT max(id) AS id FROM matters").load(c)?;
    Ok(rows.first().and_then(|r| r.id))
}

/// Matches among the next `window` matters past `from`, read one by one.
fn pg_walk(
    c: &mut diesel::PgConnection,
    q: &str,
    from: i64,
    direction: Direction,
    window: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let (cmp, order) = direction.sql();
    let rows: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM (SELECT id, search_terms FROM matters WHERE id {cmp} $2 \
         ORDER BY id {order} LIMIT $3) w \
         WHERE w.search_terms @@ CAST($1 AS tsquery) ORDER BY id {order} LIMIT $4"
    ))
    .bind::<Text, _>(q)
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(window)
    .bind::<BigInt, _>(limit)
    .load(c)?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Every match of `q` past `from`, from the index's lists, sorted. The
/// expression is the index's (migration
/// `search_buckets`); the CTE keeps the planner off a walk by id, and
/// `id + 0` off intersecting the lists with a range of the primary key.
fn pg_listed(
    c: &mut diesel::PgConnection,
    q: &str,
    from: i64,
    direction: Direction,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    let (cmp, order) = direction.sql();
    let rows: Vec<Id> = diesel::sql_query(format!(
        "WITH listed AS MATERIALIZED (SELECT id FROM matters \
         WHERE (search_terms || shishi_bucket(id)) @@ CAST($1 AS tsquery) AND id + 0 {cmp} $2) \
         SELECT id FROM listed ORDER BY id {order} LIMIT $3"
    ))
    .bind::<Text, _>(q)
    .bind::<BigInt, _>(from)
    .bind::<BigInt, _>(limit)
    .load(c)?;
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
        // Merge work in proportion to what was filed (see MERGE_EVERY).
        let pages = (n as i64 / MERGE_EVERY).max(MERGE_AT_LEAST);
        diesel::sql_query(format!(
            "INSERT INTO matter_search (matter_search, rank) VALUES ('merge', {pages})"
        ))
        .execute(c)?;
        Ok(n)
    })
}

/// FTS5 writes what a transaction files as a segment of its own, and
/// searches read every segment, so segments are merged as they come. Left
/// to itself (`automerge`), FTS5 merges in lumps: some 64 pages per level
/// of the index every 64 pages written, 15–35 ms that held every
/// submission behind the writer at 10,000 a second. The migration
/// `search_merge` turns that off, and each filing merges one page per
/// `MERGE_EVERY` matters it filed, at least `MERGE_AT_LEAST` (a page holds
/// some 40 matters' tokens, and FTS5's own pace is one merged page per page
/// written per level: this is about twice that). A merge only touches a
/// level of four segments or more; FTS5's `crisismerge` (16 on a level)
/// still stands behind it.
const MERGE_EVERY: i64 = 4;
const MERGE_AT_LEAST: i64 = 64;

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

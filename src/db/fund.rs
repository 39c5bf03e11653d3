//! The rolling fund's ledger. Every write first takes the fund's lock row,
//! so writers queue one behind another (a row lock in PostgreSQL, the write
//! lock in SQLite) and a balance checked inside the transaction stays true
//! until it commits: the balance can never go negative, however approvals race.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{fund_ledger, fund_lock};
use crate::domain::money::{Entry, Fund};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = fund_ledger)]
pub struct LedgerEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub kind: Entry,
    pub amount_fen: i64,
    pub matter_id: Option<i64>,
    pub actor: String,
    pub note: String,
}

/// Waits for, and takes, the fund's lock until the transaction ends.
pub fn lock(conn: &mut AnyConnection) -> QueryResult<()> {
    diesel::update(fund_lock::table.find(1))
        .set(fund_lock::turns.eq(fund_lock::turns + 1))
        .execute(conn)
        .map(drop)
}

/// The fund's position: the ledger's sums by kind, kept beside the lock row
/// by a trigger on every entry (migration 000011), so reading it is one row
/// however long the ledger grows.
pub fn position(conn: &mut AnyConnection) -> QueryResult<Fund> {
    let (allocated, reserved, released, spent): (i64, i64, i64, i64) = fund_lock::table
        .find(1)
        .select((
            fund_lock::allocated_fen,
            fund_lock::reserved_fen,
            fund_lock::released_fen,
            fund_lock::spent_fen,
        ))
        .first(conn)?;
    Ok(Fund::from_entries([
        (Entry::Allocation, allocated),
        (Entry::Reservation, reserved),
        (Entry::Release, released),
        (Entry::Spend, spent),
    ]))
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    total: i64,
}

/// The position summed from the ledger itself (what [`position`] keeps).
pub fn summed(conn: &mut AnyConnection) -> QueryResult<Fund> {
    let totals: Vec<Total> = diesel::sql_query(
        "SELECT kind, CAST(SUM(amount_fen) AS BIGINT) AS total FROM fund_ledger GROUP BY kind",
    )
    .load(conn)?;
    Ok(Fund::from_entries(totals.into_iter().filter_map(|t| {
        t.kind.parse::<Entry>().ok().map(|k| (k, t.total))
    })))
}

/// Adds one entry. The caller holds the lock.
pub fn add(
    conn: &mut AnyConnection,
    kind: Entry,
    amount: i64,
    matter_id: Option<i64>,
    actor: &str,
    note: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(fund_ledger::table)
        .values((
            fund_ledger::at.eq(at.naive_utc()),
            fund_ledger::kind.eq(kind),
            fund_ledger::amount_fen.eq(amount),
            fund_ledger::matter_id.eq(matter_id),
            fund_ledger::actor.eq(actor),
            fund_ledger::note.eq(note),
        ))
        .execute(conn)
        .map(drop)
}

/// Puts money into the fund (admin).
pub fn allocate(
    conn: &mut AnyConnection,
    amount: i64,
    actor: &str,
    note: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        lock(conn)?;
        add(conn, Entry::Allocation, amount, None, actor, note, at)
    })
}

/// The newest entries first.
/// The ledger's entries, newest first by their date (entries recorded
/// late, or imported, sit where their date puts them).
pub fn ledger(conn: &mut AnyConnection, limit: i64, offset: i64) -> QueryResult<Vec<LedgerEntry>> {
    fund_ledger::table
        .order((fund_ledger::at.desc(), fund_ledger::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(LedgerEntry::as_select())
        .load(conn)
}

pub fn entry_count(conn: &mut AnyConnection) -> QueryResult<i64> {
    fund_ledger::table.count().get_result(conn)
}

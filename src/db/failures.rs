//! Failures counted against someone, shared by every instance: failed
//! logins (subjects `pair:NAME@ADDR`, `ip:ADDR`, `account:NAME`, see
//! `app::accounts`) and tracking codes looked up that do not exist or
//! rating digits that do not match (`code:ADDR`, see `app::guesses`).
//! The table is still called `login_failures`, after its first use.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::{count_star, min};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::login_failures;

/// Records one failure against each subject.
pub fn record(conn: &mut AnyConnection, subjects: &[String], at: DateTime<Utc>) -> QueryResult<()> {
    let at = at.naive_utc();
    conn.transaction(|conn| {
        for subject in subjects {
            diesel::insert_into(login_failures::table)
                .values((
                    login_failures::subject.eq(subject),
                    login_failures::at.eq(at),
                ))
                .execute(conn)?;
        }
        // Old records are of no use; keep the table small.
        diesel::delete(
            login_failures::table.filter(login_failures::at.lt(at - chrono::Duration::days(1))),
        )
        .execute(conn)?;
        Ok(())
    })
}

/// How many failures a subject has had since `since`, and the earliest.
pub fn since(
    conn: &mut AnyConnection,
    subject: &str,
    since: DateTime<Utc>,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    login_failures::table
        .filter(login_failures::subject.eq(subject))
        .filter(login_failures::at.ge(since.naive_utc()))
        .select((count_star(), min(login_failures::at)))
        .first(conn)
}

pub fn clear(conn: &mut AnyConnection, subject: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::subject.eq(subject)))
        .execute(conn)
        .map(drop)
}

//! Messages waiting to be sent (see `app::notify` for what is written
//! here, and `notify` for the sender). A row is written in the same
//! transaction as the step it tells of, so no message is lost and none is
//! sent for a step that did not happen.
//!
//! Several instances may send from one PostgreSQL database: each claims
//! its rows with `FOR UPDATE SKIP LOCKED` and holds them until it has
//! marked them sent (or failed), so no two send the same row. SQLite has
//! one writer; its sender takes the database's write lock for the same
//! span.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{citizen_contacts, outbox};

/// A message to write.
#[derive(Clone, Debug)]
pub struct NewMessage<'a> {
    /// What it says (a key of the locale files' `notify.*`).
    pub kind: &'a str,
    /// `email` or `webhook`.
    pub transport: &'a str,
    pub recipient: &'a str,
    pub matter_id: Option<i64>,
    /// What the message is made of, as JSON.
    pub params: &'a str,
    /// Written once, whoever writes it (the daily digest).
    pub dedupe: Option<&'a str>,
}

/// A message to send.
#[derive(Clone, Debug, Queryable)]
pub struct Message {
    pub id: i64,
    pub kind: String,
    pub transport: String,
    pub recipient: String,
    pub matter_id: Option<i64>,
    pub params: String,
    pub attempts: i32,
}

pub fn insert(c: &mut AnyConnection, m: &NewMessage<'_>, now: DateTime<Utc>) -> QueryResult<()> {
    let now = now.naive_utc();
    let values = (
        outbox::kind.eq(m.kind),
        outbox::transport.eq(m.transport),
        outbox::recipient.eq(m.recipient),
        outbox::matter_id.eq(m.matter_id),
        outbox::params.eq(m.params),
        outbox::dedupe.eq(m.dedupe),
        outbox::created_at.eq(now),
        outbox::next_at.eq(now),
    );
    match m.dedupe {
        // Another instance may have written it already: then nothing.
        Some(_) => super::on_backend!(c, |c| diesel::insert_into(outbox::table)
            .values(values)
            .on_conflict_do_nothing()
            .execute(c)
            .map(drop)),
        None => diesel::insert_into(outbox::table)
            .values(values)
            .execute(c)
            .map(drop),
    }
}

const COLUMNS: (
    outbox::id,
    outbox::kind,
    outbox::transport,
    outbox::recipient,
    outbox::matter_id,
    outbox::params,
    outbox::attempts,
) = (
    outbox::id,
    outbox::kind,
    outbox::transport,
    outbox::recipient,
    outbox::matter_id,
    outbox::params,
    outbox::attempts,
);

/// Up to `limit` messages due now by these transports, claimed for this
/// sender until the transaction `c` is in ends.
pub fn claim(
    c: &mut AnyConnection,
    transports: &[&str],
    limit: i64,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Message>> {
    let due = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::transport.eq_any(transports))
        .filter(outbox::next_at.le(now.naive_utc()))
        .order(outbox::id)
        .limit(limit)
        .select(COLUMNS);
    match c {
        AnyConnection::Postgresql(c) => due.for_update().skip_locked().load(c),
        AnyConnection::Sqlite(c) => due.load(c),
    }
}

pub fn mark_sent(c: &mut AnyConnection, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(Some(now.naive_utc())),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(c)
        .map(drop)
}

/// A failed attempt: tried again after a wait that doubles with each
/// attempt (5 s, 10 s, 20 s … at most 6 hours).
pub fn mark_failed(
    c: &mut AnyConnection,
    m: &Message,
    error: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let wait =
        Duration::seconds(5 * 2i64.pow(u32::try_from(m.attempts.clamp(0, 10)).unwrap_or(10)))
            .min(Duration::hours(6));
    let error: String = error.chars().take(500).collect();
    diesel::update(outbox::table.find(m.id))
        .set((
            outbox::attempts.eq(m.attempts + 1),
            outbox::next_at.eq((now + wait).naive_utc()),
            outbox::last_error.eq(Some(error)),
        ))
        .execute(c)
        .map(drop)
}

/// Forgets messages sent before `sent_before` (they hold addresses and
/// numbers), and gives up those still unsent that were written before
/// `stale_before`. Returns how many of each.
pub fn tidy(
    c: &mut AnyConnection,
    sent_before: NaiveDateTime,
    stale_before: NaiveDateTime,
) -> QueryResult<(usize, usize)> {
    let forgotten =
        diesel::delete(outbox::table.filter(outbox::sent_at.lt(sent_before))).execute(c)?;
    let given_up = diesel::delete(
        outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::created_at.lt(stale_before)),
    )
    .execute(c)?;
    Ok((forgotten, given_up))
}

/// How many messages wait, and how many have failed at least once.
pub fn waiting(c: &mut AnyConnection) -> QueryResult<(i64, i64)> {
    let waiting = outbox::table
        .filter(outbox::sent_at.is_null())
        .count()
        .get_result(c)?;
    let failing = outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::attempts.gt(0))
        .count()
        .get_result(c)?;
    Ok((waiting, failing))
}

/// How the citizen asked to hear back about a matter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    pub email: Option<String>,
    /// Text messages to the phone number, through the webhook.
    pub sms: bool,
    /// The messages' language (`zh-CN` or `en`).
    pub lang: String,
}

impl Contact {
    /// Whether the citizen asked to be told anything at all.
    pub fn wants_news(&self) -> bool {
        self.email.is_some() || self.sms
    }
}

pub fn set_contact(c: &mut AnyConnection, matter_id: i64, contact: &Contact) -> QueryResult<()> {
    if !contact.wants_news() {
        return Ok(());
    }
    diesel::insert_into(citizen_contacts::table)
        .values((
            citizen_contacts::matter_id.eq(matter_id),
            citizen_contacts::email.eq(contact.email.as_deref()),
            citizen_contacts::sms.eq(contact.sms),
            citizen_contacts::lang.eq(&contact.lang),
        ))
        .execute(c)
        .map(drop)
}

pub fn contact(c: &mut AnyConnection, matter_id: i64) -> QueryResult<Contact> {
    let found: Option<(Option<String>, bool, String)> = citizen_contacts::table
        .find(matter_id)
        .select((
            citizen_contacts::email,
            citizen_contacts::sms,
            citizen_contacts::lang,
        ))
        .first(c)
        .optional()?;
    Ok(found
        .map(|(email, sms, lang)| Contact { email, sms, lang })
        .unwrap_or_default())
}

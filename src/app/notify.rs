//! Who hears of what, written to the outbox in the transaction of the step
//! it tells of (see `db::outbox`; the `notify` module sends). The citizen
//! hears of their request's submission, acceptance, dispatch, resolution
//! and reopening, by e-mail if they left an address and by text message
//! (the webhook) if they agreed to; a unit's staff hear of a matter
//! dispatched to them, and get a daily digest of their matters nearing or
//! past their deadline. A message is written as what it is made of (its
//! kind and parameters); the sender words it from the locale files.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde_json::json;

use crate::db::outbox::{self, Contact, NewMessage};
use crate::db::schema::{citizen_contacts, matters};
use crate::db::{AnyConnection, users};
use crate::domain::{State, clock, phone};

pub const EMAIL: &str = "email";
pub const WEBHOOK: &str = "webhook";

/// What a citizen hears of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum News {
    Submitted,
    Accepted,
    Dispatched,
    Resolved,
    Reopened,
}

impl News {
    pub fn kind(self) -> &'static str {
        match self {
            News::Submitted => "citizen_submitted",
            News::Accepted => "citizen_accepted",
            News::Dispatched => "citizen_dispatched",
            News::Resolved => "citizen_resolved",
            News::Reopened => "citizen_reopened",
        }
    }
}

/// Tells the citizen who asked for matter `id` (as they asked to be told).
pub fn citizen(c: &mut AnyConnection, id: i64, news: News, now: DateTime<Utc>) -> QueryResult<()> {
    let contact = outbox::contact(c, id)?;
    if !contact.wants_news() {
        return Ok(());
    }
    let (code, title, phone): (String, String, Option<String>) = matters::table
        .find(id)
        .select((matters::code, matters::title, matters::citizen_phone))
        .first(c)?;
    let about = About {
        id,
        code: &code,
        title: &title,
        phone: phone.as_deref(),
    };
    tell(c, &about, &contact, news, now)
}

/// The matter a message is about.
pub struct About<'a> {
    pub id: i64,
    pub code: &'a str,
    pub title: &'a str,
    /// The citizen's phone, as stored.
    pub phone: Option<&'a str>,
}

/// Tells the citizen as `contact` says, when the matter is at hand (a new
/// request: nothing to read back, and nothing at all when they asked for
/// no news).
pub fn tell(
    c: &mut AnyConnection,
    about: &About<'_>,
    contact: &Contact,
    news: News,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if !contact.wants_news() {
        return Ok(());
    }
    let id = about.id;
    let params =
        json!({ "code": about.code, "title": about.title, "lang": contact.lang }).to_string();
    let texts = about.phone.filter(|p| contact.sms && phone::is_mobile(p));
    let reach = [(EMAIL, contact.email.as_deref()), (WEBHOOK, texts)];
    for (transport, recipient) in reach {
        let Some(recipient) = recipient else { continue };
        let m = NewMessage {
            kind: news.kind(),
            transport,
            recipient,
            matter_id: Some(id),
            params: &params,
            dedupe: None,
        };
        outbox::insert(c, &m, now)?;
    }
    Ok(())
}

/// Tells a unit's staff of matter `id`, just dispatched to them.
pub fn unit_dispatched(
    c: &mut AnyConnection,
    id: i64,
    unit_id: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let emails = users::unit_emails(c, unit_id)?;
    if emails.is_empty() {
        return Ok(());
    }
    let (code, title, due): (String, String, Option<chrono::NaiveDateTime>) = matters::table
        .find(id)
        .select((matters::code, matters::title, matters::due_at))
        .first(c)?;
    let due = due.map(|d| clock::today(d.and_utc()).format("%Y-%m-%d").to_string());
    let params = json!({ "code": code, "title": title, "id": id, "due": due }).to_string();
    for email in &emails {
        let m = NewMessage {
            kind: "unit_dispatched",
            transport: EMAIL,
            recipient: email,
            matter_id: Some(id),
            params: &params,
            dedupe: None,
        };
        outbox::insert(c, &m, now)?;
    }
    Ok(())
}

/// A digest's matters nearing their deadline: due within this many days.
pub const DIGEST_DAYS: i64 = 2;

/// Writes today's digest for every member of staff with an e-mail address
/// whose unit has open matters due within [`DIGEST_DAYS`] or overdue; once
/// a day, however many instances or runs write it. Returns how many.
pub fn daily_digests(c: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let today = clock::today(now);
    let horizon = (now + Duration::days(DIGEST_DAYS)).naive_utc();
    let mut written = 0;
    for (user_id, unit_id, email) in users::with_email(c)? {
        let rows: Vec<(String, String, Option<chrono::NaiveDateTime>)> = matters::table
            .filter(matters::unit_id.eq(unit_id))
            .filter(matters::state.eq_any([State::Assigned, State::InProgress]))
            .filter(matters::due_at.lt(horizon))
            .order(matters::due_at.asc())
            .limit(50)
            .select((matters::code, matters::title, matters::due_at))
            .load(c)?;
        if rows.is_empty() {
            continue;
        }
        let overdue = rows
            .iter()
            .filter(|(_, _, due)| due.is_some_and(|d| d < now.naive_utc()))
            .count();
        let list: Vec<_> = rows
            .iter()
            .map(|(code, title, due)| {
                let due = due.map(|d| clock::today(d.and_utc()).format("%Y-%m-%d").to_string());
                json!({ "code": code, "title": title, "due": due })
            })
            .collect();
        let params = json!({ "date": today.format("%Y-%m-%d").to_string(),
            "overdue": overdue, "matters": list })
        .to_string();
        let dedupe = format!("digest:{user_id}:{today}");
        let m = NewMessage {
            kind: "unit_digest",
            transport: EMAIL,
            recipient: &email,
            matter_id: None,
            params: &params,
            dedupe: Some(&dedupe),
        };
        outbox::insert(c, &m, now)?;
        written += 1;
    }
    Ok(written)
}

/// Where a person asks their requests' codes to be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// A mobile number, as normalised; the codes go by text message.
    Mobile(String),
    Email(String),
}

/// Sends the codes of the requests of the last year given with this
/// number or address to it, if there are any. The asker learns nothing
/// either way (the page says the same); returns how many were found.
pub fn find_requests(
    c: &mut AnyConnection,
    reach: &Reach,
    lang: &str,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let since = (now - Duration::days(365)).naive_utc();
    let found: Vec<(String, String)> = match reach {
        Reach::Mobile(number) => matters::table
            .filter(matters::citizen_phone.eq(number))
            .filter(matters::created_at.ge(since))
            .order(matters::id.desc())
            .limit(20)
            .select((matters::code, matters::title))
            .load(c)?,
        Reach::Email(email) => matters::table
            .inner_join(citizen_contacts::table)
            .filter(citizen_contacts::email.eq(email))
            .filter(matters::created_at.ge(since))
            .order(matters::id.desc())
            .limit(20)
            .select((matters::code, matters::title))
            .load(c)?,
    };
    if found.is_empty() {
        return Ok(0);
    }
    let list: Vec<_> = found
        .iter()
        .map(|(code, title)| json!({ "code": code, "title": title }))
        .collect();
    let params = json!({ "lang": lang, "matters": list }).to_string();
    let (transport, recipient) = match reach {
        Reach::Mobile(n) => (WEBHOOK, n.as_str()),
        Reach::Email(e) => (EMAIL, e.as_str()),
    };
    let m = NewMessage {
        kind: "citizen_found",
        transport,
        recipient,
        matter_id: None,
        params: &params,
        dedupe: None,
    };
    outbox::insert(c, &m, now)?;
    Ok(found.len())
}

/// Stores how the citizen asked to hear back about a new request.
pub fn remember(c: &mut AnyConnection, id: i64, contact: &Contact) -> QueryResult<()> {
    outbox::set_contact(c, id, contact)
}

/// Asks for the codes of one's requests (see [`find_requests`]) at most
/// this many times an hour from one address…
pub const FIND_PER_ADDRESS_HOUR: i64 = 5;
/// …and has them sent to one number or address at most this many times a day.
pub const FIND_PER_REACH_DAY: i64 = 3;

/// What became of a request for one's codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finding {
    /// Taken: the codes go out if there are any (or the number or address
    /// had its share today, and nothing goes out; the asker is not told).
    Taken,
    /// This address asked too often; it may ask again then.
    Refused { until: DateTime<Utc> },
}

/// Takes a request from `address` for the codes of the requests given
/// with `reach`, within both limits.
pub fn ask_for_codes(
    c: &mut AnyConnection,
    address: &str,
    reach: &Reach,
    lang: &str,
    now: DateTime<Utc>,
) -> super::Result<Finding> {
    use crate::db::failures;
    let by_address = format!("find:{address}");
    let hour = Duration::hours(1);
    let (asked, first) = failures::since(c, &by_address, now - hour)?;
    if asked >= FIND_PER_ADDRESS_HOUR {
        let until = first.map_or(now, |f| f.and_utc()) + hour;
        return Ok(Finding::Refused { until });
    }
    let by_reach = match reach {
        Reach::Mobile(n) | Reach::Email(n) => format!("find:{}", n.to_lowercase()),
    };
    failures::record(c, &[by_address, by_reach.clone()], now)?;
    let (sent, _) = failures::since(c, &by_reach, now - Duration::days(1))?;
    if sent <= FIND_PER_REACH_DAY {
        find_requests(c, reach, lang, now)?;
    }
    Ok(Finding::Taken)
}

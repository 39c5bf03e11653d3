//! The citizen's rating of a resolved online request, and what happens
//! when nobody rates it in time: satisfied or basically satisfied closes
//! it, unsatisfied sends it back to be handled again, and after the
//! configured days it closes itself, counted as unrated.

use chrono::{DateTime, Utc};

use super::{Error, Result};
use crate::db::AnyConnection;
use crate::db::matters::{self, Applied, Extra, Matter, MatterUpdate, Step};
use crate::domain::lifecycle::next_state;
use crate::domain::roles::{Actor, may_take};
use crate::domain::{Channel, EventKind, Rating, Refusal, State, Transition, phone};

/// The most characters a rating's comment keeps.
pub const COMMENT_CHARS: usize = 500;

/// A comment as stored: trimmed, line breaks kept, other control
/// characters dropped, at most [`COMMENT_CHARS`].
pub fn clean_comment(typed: &str) -> String {
    typed
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(COMMENT_CHARS)
        .collect()
}

/// What a citizen gives when rating.
pub struct Given<'a> {
    pub rating: Rating,
    pub comment: &'a str,
    /// The last four digits of the phone number given with the request,
    /// as typed.
    pub digits: &'a str,
}

/// Whether `typed` is the last four digits of the request's phone number.
/// Refused as [`Refusal::PhoneDigits`] when not (or when the request came
/// without a phone, so nobody can show it is theirs).
fn is_theirs(m: &Matter, typed: &str) -> Result<()> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    match &m.citizen_phone {
        Some(stored) if typed.len() == 4 && phone::last_four(stored) == typed => Ok(()),
        _ => Err(Error::Refused(Refusal::PhoneDigits)),
    }
}

/// The citizen's rating of the matter with tracking code `code`, given on
/// its status page at `version` by the person who asked. Refused when the
/// digits are not theirs, when the matter is not an online one waiting for
/// its rating, or changed since the page was shown.
pub fn rate(
    c: &mut AnyConnection,
    code: &str,
    version: Option<i32>,
    given: &Given<'_>,
    now: DateTime<Utc>,
) -> Result<i32> {
    let m = matters::by_code(c, code)?.ok_or(Error::NotFound)?;
    is_theirs(&m, given.digits)?;
    let rating = given.rating;
    let comment = given.comment;
    let version = version.ok_or(Error::Refused(Refusal::Rating))?;
    let transition = rating.transition();
    let allowed = may_take(Actor::Citizen, transition) && m.channel.is_rated_by_citizen();
    let (Ok(to), true) = (next_state(m.channel, m.state, transition), allowed) else {
        return Err(Error::Refused(Refusal::Rating));
    };
    let comment = clean_comment(comment);
    let update = MatterUpdate {
        state: Some(to),
        rating: Some(Some(rating)),
        rating_comment: Some(Some(comment.clone())),
        closed_at: (to == State::Closed).then_some(now.naive_utc()),
        ..MatterUpdate::default()
    };
    let step = Step {
        actor_id: None,
        actor: "citizen",
        kind: EventKind::Rated(rating),
        from_state: Some(m.state),
        to_state: Some(to),
        note: &comment,
        public: true,
        at: now,
    };
    // The rating and the message it causes, together or neither.
    crate::db::atomic_or(c, |c| {
        let v = written(
            &m,
            version,
            matters::apply(c, m.id, version, &update, &step, &Extra::Nothing)?,
        )?;
        if transition == Transition::RateUnsatisfied {
            super::notify::citizen(c, m.id, super::notify::News::Reopened, now)?;
        }
        Ok(v)
    })
}

/// Closes online matters resolved more than `days` ago that nobody rated,
/// counted as unrated: the `Timeout` step, taken by the system. Each matter
/// is its own versioned step, so several instances sweeping at once close
/// each matter once. Returns how many were closed.
pub fn close_unrated(c: &mut AnyConnection, days: i64, now: DateTime<Utc>) -> Result<usize> {
    if !may_take(Actor::System, Transition::Timeout) {
        return Ok(0);
    }
    let cutoff = now - chrono::Duration::days(days);
    let mut closed = 0;
    for (id, version) in matters::unrated_since(c, cutoff, 500)? {
        match time_out(c, id, version, now) {
            Ok(_) => closed += 1,
            // Rated or changed meanwhile: nothing to close.
            Err(Error::Stale { .. } | Error::Refused(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(closed)
}

/// The system's `Timeout` step on one resolved online matter at `version`.
pub fn time_out(c: &mut AnyConnection, id: i64, version: i32, now: DateTime<Utc>) -> Result<i32> {
    let to = next_state(Channel::Online, State::Resolved, Transition::Timeout)
        .map_err(|_| Error::Refused(Refusal::NotAllowed))?;
    let update = MatterUpdate {
        state: Some(to),
        closed_at: Some(now.naive_utc()),
        ..MatterUpdate::default()
    };
    let step = Step {
        actor_id: None,
        actor: "system",
        kind: EventKind::Took(Transition::Timeout),
        from_state: Some(State::Resolved),
        to_state: Some(to),
        note: "",
        public: true,
        at: now,
    };
    match matters::apply(c, id, version, &update, &step, &Extra::Nothing)? {
        Applied::Done(v) => Ok(v),
        Applied::Stale => Err(Error::Stale { seen: version }),
        Applied::Refused(r) => Err(Error::Refused(r)),
    }
}

fn written(m: &Matter, version: i32, applied: Applied) -> Result<i32> {
    match applied {
        Applied::Done(v) => Ok(v),
        Applied::Stale => Err(Error::Stale { seen: version }),
        Applied::Refused(r) => {
            log::debug!("rating of {} refused: {r:?}", m.code);
            Err(Error::Refused(r))
        }
    }
}

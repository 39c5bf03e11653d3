//! Guessing tracking codes must not pay. A code has 40 random bits, so a
//! random guess almost never finds a matter; someone who guesses a lot
//! misses a lot. Misses — codes looked up that do not exist, and rating
//! digits that do not match — are counted per client address in the
//! database, where every instance sees them, and an address that reaches
//! `track_max_misses` within `track_window_minutes` is refused lookups for
//! the rest of the window. Lookups that find their matter count nothing
//! and are not slowed: the refusal itself is remembered in memory by the
//! web layer (see `web::guesses`), which asks here only after a miss.

use chrono::{DateTime, Duration, Utc};

use super::Result;
use crate::config::Settings;
use crate::db::{AnyConnection, failures};

/// The failure subject for code misses from `address`.
fn subject(address: &str) -> String {
    format!("code:{address}")
}

/// Records a miss from `address`. Returns until when the address is
/// refused, if this miss reached the limit.
pub fn missed(
    c: &mut AnyConnection,
    address: &str,
    s: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let subject = subject(address);
    failures::record(c, std::slice::from_ref(&subject), now)?;
    refused_until(c, &subject, s, now)
}

fn refused_until(
    c: &mut AnyConnection,
    subject: &str,
    s: &Settings,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>> {
    let window = Duration::minutes(s.track_window_minutes);
    let (count, first) = failures::since(c, subject, now - window)?;
    Ok((count >= s.track_max_misses)
        .then(|| first.map_or(now, |f| f.and_utc()) + window)
        .filter(|until| *until > now))
}

//! The rolling fund (滚动资金): money put in by an administrator.
//! Reserving, spending and releasing happen in the steps of micro-matters
//! (`app::steps::micro`).

use chrono::{DateTime, Utc};

use super::{Error, Result, Staff};
use crate::db::{AnyConnection, fund};
use crate::domain::access::{Page, may_view};

/// The most characters an allocation's note keeps.
pub const NOTE_CHARS: usize = 200;

/// Puts `amount` fen into the fund, with a note (control characters
/// dropped, at most [`NOTE_CHARS`]).
pub fn allocate(
    c: &mut AnyConnection,
    user: &Staff,
    amount: i64,
    note: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    if !may_view(user.role, Page::FundAdmin) {
        return Err(Error::Forbidden);
    }
    let note: String = note
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(NOTE_CHARS)
        .collect();
    Ok(fund::allocate(c, amount, &user.display_name, &note, now)?)
}

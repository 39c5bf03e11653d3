//! Micro-matters (微实事) and the rolling fund: accepting one approves its
//! money and reserves it; resolving it records what was spent, and the
//! rest of the reservation goes back. Whether the fund covers a
//! reservation is checked inside the step's transaction (`db::matters`).

use super::Planned;
use crate::db::matters::{Extra, Matter};
use crate::domain::Refusal;
use crate::domain::money::settle as split;

/// The approved amount: as typed, or else as requested.
pub(super) fn approve(p: &mut Planned, m: &Matter, typed: Option<i64>) -> Result<(), Refusal> {
    let amount = typed
        .filter(|a| *a > 0)
        .or(m.requested_fen)
        .ok_or(Refusal::Amount)?;
    p.update.approved_fen = Some(Some(amount));
    p.extra = Extra::Reserve { amount };
    Ok(())
}

/// What was spent, at most what was approved (nothing at all is allowed).
pub(super) fn settle(p: &mut Planned, m: &Matter, spent: Option<i64>) -> Result<(), Refusal> {
    let approved = m.approved_fen.unwrap_or(0);
    let (spent, released) = spent
        .and_then(|s| split(approved, s))
        .ok_or(Refusal::Spent)?;
    p.update.spent_fen = Some(Some(spent));
    p.extra = Extra::Settle { spent, released };
    Ok(())
}

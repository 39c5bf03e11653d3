//! Party-member volunteer service: a volunteer claims a community's
//! request for a menu item, and resolving it records the service given
//! (date, hours, outcome) for the volunteer's home unit and the community.

use chrono::{DateTime, Utc};

use super::{Context, Planned, StepInput};
use crate::app::Staff;
use crate::db::matters::{Extra, Matter};
use crate::domain::Refusal;
use crate::domain::clock;
use crate::domain::step::service_day_ok;

/// A volunteer takes up a service where it was asked for: no unit to name,
/// and the category's time to sign for it.
pub(super) fn claim(p: &mut Planned, ctx: &Context, now: DateTime<Utc>) {
    p.update.sign_due_at = Some(Some(super::general::sign_due(ctx, now)));
}

/// The service record that resolving a service request writes.
pub(super) fn service(
    p: &mut Planned,
    m: &Matter,
    user: &Staff,
    input: &StepInput,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let served_on = input
        .served_on
        .filter(|d| service_day_ok(*d, clock::today(now)))
        .ok_or(Refusal::ServedOn)?;
    let minutes = input.minutes.ok_or(Refusal::Hours)?;
    let community_id = m.unit_id.ok_or(Refusal::Unit)?;
    p.extra = Extra::Service {
        user_id: user.id,
        community_id,
        served_on,
        minutes,
        outcome: p.note.clone(),
    };
    Ok(())
}

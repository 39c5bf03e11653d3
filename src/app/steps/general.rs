//! What a step does in every channel: the state and the times it records,
//! triage (accept, merge), dispatch and hand-back, extensions and re-routing.

use chrono::{DateTime, Duration, Utc};

use super::{Context, Decision, Planned, Typed};
use crate::db::matters::Matter;
use crate::domain::lifecycle::next_state;
use crate::domain::step::EXTENSION_DAYS;
use crate::domain::{Channel, Deadlines, EventKind, Refusal, State, Transition, UnitKind};

/// The state a transition leads to, and when each step first (or last)
/// happened, for the measures.
pub(super) fn transition(
    p: &mut Planned,
    m: &Matter,
    t: Transition,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let target = next_state(m.channel, m.state, t).map_err(|_| Refusal::NotAllowed)?;
    let stamp = now.naive_utc();
    p.update.state = Some(target);
    p.to_state = Some(target);
    match t {
        Transition::Accept if m.accepted_at.is_none() => p.update.accepted_at = Some(stamp),
        Transition::Dispatch | Transition::Claim if m.dispatched_at.is_none() => {
            p.update.dispatched_at = Some(stamp)
        }
        Transition::SignFor if m.signed_at.is_none() => p.update.signed_at = Some(stamp),
        Transition::Resolve => p.update.resolved_at = Some(stamp),
        _ if target == State::Closed => p.update.closed_at = Some(stamp),
        _ => {}
    }
    Ok(())
}

/// Triage may move the request to another channel and category; a new
/// category brings its own resolve-by date, counted from receipt.
pub(super) fn accept(
    p: &mut Planned,
    ctx: &Context,
    input: &super::StepInput,
) -> Result<(), Refusal> {
    let m = &ctx.matter;
    let channel = match input.channel {
        Typed::Blank => m.channel,
        Typed::Given(c) => c,
        Typed::Unreadable => return Err(Refusal::Channel),
    };
    let category = match input.category {
        Typed::Blank => m.category_id,
        Typed::Given(id) if ctx.categories.iter().any(|c| c.id == id && c.active) => id,
        _ => return Err(Refusal::Category),
    };
    if channel != m.channel {
        p.update.channel = Some(channel);
    }
    if category != m.category_id {
        p.update.category_id = Some(category);
        let deadlines = ctx
            .categories
            .iter()
            .find(|c| c.id == category)
            .and_then(|c| Deadlines::new(c.sign_hours, c.resolve_days));
        p.update.due_at = Some(deadlines.map(|d| d.resolve_by(m.created_at.and_utc()).naive_utc()));
    }
    Ok(())
}

/// A duplicate follows its primary, which must be another live matter.
pub(super) fn merge(p: &mut Planned, m: &Matter, primary: Option<&Matter>) -> Result<(), Refusal> {
    match primary {
        Some(primary)
            if primary.id != m.id && !matches!(primary.state, State::Merged | State::Rejected) =>
        {
            p.update.merged_into = Some(Some(primary.id));
            Ok(())
        }
        _ => Err(Refusal::Primary),
    }
}

/// To a handling unit (not the district itself), which must sign for it
/// within its category's limit.
pub(super) fn dispatch(
    p: &mut Planned,
    ctx: &Context,
    unit: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let unit = unit
        .and_then(|id| {
            ctx.units
                .iter()
                .find(|u| u.id == id && u.kind != UnitKind::District)
        })
        .ok_or(Refusal::Unit)?;
    p.update.unit_id = Some(Some(unit.id));
    p.update.sign_due_at = Some(Some(sign_due(ctx, now)));
    Ok(())
}

/// When a matter dispatched or claimed now must be signed for.
pub(super) fn sign_due(ctx: &Context, now: DateTime<Utc>) -> chrono::NaiveDateTime {
    let sign_hours = ctx.category().map_or(24, |c| c.sign_hours);
    (now + Duration::hours(i64::from(sign_hours))).naive_utc()
}

/// 退单: back to the dispatcher, unit and pending extension forgotten.
pub(super) fn hand_back(p: &mut Planned) {
    p.public = false;
    p.update.unit_id = Some(None);
    p.update.sign_due_at = Some(None);
    p.update.extension_days = Some(None);
    p.update.extension_reason = Some(None);
}

pub(super) fn ask_extension(p: &mut Planned, days: Option<i32>) -> Result<(), Refusal> {
    let days = days
        .filter(|d| EXTENSION_DAYS.contains(d))
        .ok_or(Refusal::Days)?;
    p.public = false;
    p.kind = EventKind::ExtensionRequested;
    p.update.extension_days = Some(Some(days));
    p.update.extension_reason = Some(Some(p.note.clone()));
    Ok(())
}

/// An approved extension moves the resolve-by date on from the later of
/// the old date and now.
pub(super) fn decide_extension(
    p: &mut Planned,
    m: &Matter,
    decision: Option<Decision>,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    match decision.ok_or(Refusal::Decision)? {
        Decision::Approve => {
            p.kind = EventKind::ExtensionApproved;
            let days = i64::from(m.extension_days.unwrap_or(0));
            let from = m.due_at.map_or(now, |d| d.and_utc().max(now));
            p.update.due_at = Some(Some((from + Duration::days(days)).naive_utc()));
        }
        Decision::Refuse => {
            p.kind = EventKind::ExtensionRefused;
            p.public = false;
        }
    }
    p.update.extension_days = Some(None);
    p.update.extension_reason = Some(None);
    Ok(())
}

pub(super) fn reroute(p: &mut Planned, m: &Matter, channel: Typed<Channel>) -> Result<(), Refusal> {
    let Typed::Given(channel) = channel else {
        return Err(Refusal::Channel);
    };
    if channel == m.channel {
        return Err(Refusal::Channel);
    }
    p.public = false;
    p.kind = EventKind::Rerouted(channel);
    p.update.channel = Some(channel);
    Ok(())
}

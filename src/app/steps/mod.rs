//! Taking a step on a matter: what a step does besides moving the matter
//! to its next state. The rules common to every channel are in `general`;
//! what a channel adds is in the file named after it (`projects` for the
//! leader and department channels' milestones, `micro` for the fund,
//! `volunteer` for claims and service records). `take` checks, plans and
//! writes a step in one transaction; the web form, planning and the demo
//! all take steps through it.

mod general;
mod input;
mod micro;
mod projects;
mod volunteer;

use chrono::{DateTime, Utc};

pub use input::{Decision, MilestoneInput, StepInput, Typed};

use super::notify::{self, News};
use super::{Error, Result, Staff, photos};
use crate::db::AnyConnection;
use crate::db::catalog::{self, Category, Unit};
use crate::db::matters::{self, Applied, Extra, Matter, MatterUpdate, Milestone, Step};
use crate::domain::access::{Action, Claim, MatterFacts, Plan, may, planner_may_take};
use crate::domain::lifecycle::next_state;
use crate::domain::step::{NoteRule, note_ok, note_rule};
use crate::domain::{Channel, EventKind, Refusal, State, Transition};

/// What a step is planned from: the matter and the lists its rules consult.
pub struct Context {
    pub matter: Matter,
    pub categories: Vec<Category>,
    pub units: Vec<Unit>,
    pub milestones: Vec<Milestone>,
    /// The matter a merge names as its primary, when it exists.
    pub merge_target: Option<Matter>,
}

impl Context {
    fn category(&self) -> Option<&Category> {
        self.categories
            .iter()
            .find(|c| c.id == self.matter.category_id)
    }
}

/// A checked step, ready to be written.
pub struct Planned {
    pub update: MatterUpdate,
    pub kind: EventKind,
    pub to_state: Option<State>,
    pub public: bool,
    pub note: String,
    pub extra: Extra,
}

/// Who is taking a step, and so which rule allows it.
#[derive(Clone, Copy, Debug)]
pub enum As {
    /// A staff member in their role, within their scope ([`may`]).
    Staff,
    /// Whoever just planned the matter, taking its first steps
    /// ([`planner_may_take`]).
    Planner(Plan),
}

/// How the matter looks to the permission check, seen by `user`.
pub fn facts(m: &Matter, user: &Staff) -> MatterFacts {
    MatterFacts {
        channel: m.channel,
        state: m.state,
        extension_pending: m.extension_days.is_some(),
        claim: match m.claimed_by {
            None => Claim::Nobody,
            Some(id) if id == user.id => Claim::Me,
            Some(_) => Claim::Someone,
        },
    }
}

/// Takes `action` on matter `id` as `user`: the matter must be in the
/// user's scope and still at `version` (when given: a form's), the role
/// must allow the action, and the step must meet the rules of the matter's
/// channel. Checked, planned and written in one transaction; returns the
/// matter's new version.
pub fn take(
    c: &mut AnyConnection,
    user: &Staff,
    id: i64,
    version: Option<i32>,
    action: Action,
    input: &StepInput,
    now: DateTime<Utc>,
) -> Result<i32> {
    take_as(c, user, As::Staff, id, version, action, input, now)
}

/// Accepts matter `id` and dispatches it to `input.unit` in one
/// transaction — the dispatcher's usual pair of steps as one form: neither
/// is taken unless both may be. The note goes with the acceptance.
pub fn accept_and_dispatch(
    c: &mut AnyConnection,
    user: &Staff,
    id: i64,
    version: Option<i32>,
    input: &StepInput,
    now: DateTime<Utc>,
) -> Result<i32> {
    let dispatch = StepInput {
        note: String::new(),
        public: false,
        ..input.clone()
    };
    crate::db::write_transaction(c, |c| {
        let accepted = take(
            c,
            user,
            id,
            version,
            Action::Take(Transition::Accept),
            input,
            now,
        )?;
        take(
            c,
            user,
            id,
            Some(accepted),
            Action::Take(Transition::Dispatch),
            &dispatch,
            now,
        )
    })
}

/// [`take`], allowed by the rule `who` names.
#[allow(clippy::too_many_arguments)]
pub fn take_as(
    c: &mut AnyConnection,
    user: &Staff,
    who: As,
    id: i64,
    version: Option<i32>,
    action: Action,
    input: &StepInput,
    now: DateTime<Utc>,
) -> Result<i32> {
    let m = matters::by_id(c, id)?.ok_or(Error::NotFound)?;
    let allowed = match who {
        As::Staff => {
            if !user.scope.covers(m.channel, m.unit_id) {
                return Err(Error::Forbidden);
            }
            may(user.role, action, facts(&m, user))
        }
        As::Planner(plan) => match action {
            Action::Take(t) => {
                planner_may_take(plan, t) && next_state(m.channel, m.state, t).is_ok()
            }
            _ => false,
        },
    };
    let version = version.unwrap_or(m.version);
    if version != m.version {
        return Err(Error::Stale { seen: version });
    }
    if !allowed {
        return Err(Error::Forbidden);
    }
    let merge_target = match (&input.primary, action) {
        (Some(code), Action::Take(Transition::Merge)) => matters::by_code(c, code)?,
        _ => None,
    };
    let ctx = Context {
        categories: catalog::all_categories(c)?,
        units: catalog::all_units(c)?,
        milestones: matters::milestones_of(c, id)?,
        merge_target,
        matter: m,
    };
    let planned = plan(action, input, &ctx, user, now)?;
    let with_photos = takes_photos(action) && !input.photos.is_empty();
    let news = news_of(action);
    let step = Step {
        actor_id: Some(user.id),
        actor: &user.display_name,
        kind: planned.kind,
        from_state: planned.to_state.map(|_| ctx.matter.state),
        to_state: planned.to_state,
        note: &planned.note,
        public: planned.public,
        at: now,
    };
    if !with_photos && news.is_none() {
        return applied(
            matters::apply(c, id, version, &planned.update, &step, &planned.extra)?,
            version,
        );
    }
    // The step, its photos and the messages it causes together, or none.
    crate::db::atomic_or(c, |c| {
        let v = applied(
            matters::apply(c, id, version, &planned.update, &step, &planned.extra)?,
            version,
        )?;
        if with_photos {
            let rng = &mut rand::rng();
            photos::keep(c, rng, id, v, false, planned.public, &input.photos, now)?;
        }
        if let Some(news) = news {
            notify::citizen(c, id, news, now)?;
            if news == News::Dispatched
                && let Some(unit_id) = matters::by_id(c, id)?.and_then(|m| m.unit_id)
            {
                notify::unit_dispatched(c, id, unit_id, now)?;
            }
        }
        Ok(v)
    })
}

/// What the citizen hears of a step, if anything.
fn news_of(action: Action) -> Option<News> {
    match action {
        Action::Take(Transition::Accept) => Some(News::Accepted),
        Action::Take(Transition::Dispatch) => Some(News::Dispatched),
        Action::Take(Transition::Resolve) => Some(News::Resolved),
        Action::Take(Transition::Reopen) => Some(News::Reopened),
        _ => None,
    }
}

/// The steps a member of staff may add photos to: a progress note and the
/// resolution (the finished work).
pub fn takes_photos(action: Action) -> bool {
    matches!(action, Action::Note | Action::Take(Transition::Resolve))
}

fn applied(outcome: Applied, version: i32) -> Result<i32> {
    match outcome {
        Applied::Done(v) => Ok(v),
        Applied::Stale => Err(Error::Stale { seen: version }),
        Applied::Refused(r) => Err(Error::Refused(r)),
    }
}

/// Turns an action and what was typed for it into the step to write, by
/// the rules of the matter's channel; or says why not.
pub fn plan(
    action: Action,
    input: &StepInput,
    ctx: &Context,
    user: &Staff,
    now: DateTime<Utc>,
) -> Result<Planned, Refusal> {
    let m = &ctx.matter;
    let note = input.note.trim().to_owned();
    if note_rule(action) == NoteRule::Required && note.is_empty() {
        return Err(Refusal::NoteRequired);
    }
    if !note_ok(&note) {
        return Err(Refusal::NoteInvalid);
    }
    let mut p = Planned {
        update: MatterUpdate::default(),
        kind: match action {
            Action::Take(t) => EventKind::Took(t),
            Action::Urge => EventKind::Urge,
            Action::Instruct => EventKind::Instruction,
            Action::Milestone => EventKind::Milestone,
            _ => EventKind::Note,
        },
        to_state: None,
        public: true,
        note,
        extra: Extra::Nothing,
    };
    if let Action::Take(t) = action {
        general::transition(&mut p, m, t, now)?;
    }
    match action {
        Action::Take(Transition::Accept) => general::accept(&mut p, ctx, input)?,
        Action::Take(Transition::Merge) => general::merge(&mut p, m, ctx.merge_target.as_ref())?,
        Action::Take(Transition::Claim) if m.channel == Channel::Volunteer => {
            volunteer::claim(&mut p, ctx, now)
        }
        Action::Take(Transition::Dispatch | Transition::Claim) => {
            general::dispatch(&mut p, ctx, input.unit, now)?
        }
        Action::Take(Transition::Return) => general::hand_back(&mut p),
        Action::Take(Transition::SendBack) | Action::Urge | Action::Instruct => p.public = false,
        Action::Take(_) => {}
        Action::Note => p.public = input.public,
        Action::Milestone => return projects::milestone(p, ctx, &input.milestone),
        Action::AskExtension => general::ask_extension(&mut p, input.days)?,
        Action::DecideExtension => general::decide_extension(&mut p, m, input.decision, now)?,
        Action::Reroute => general::reroute(&mut p, m, input.channel)?,
    }
    // What each channel adds to its steps.
    match (action, m.channel) {
        (Action::Take(Transition::Accept), Channel::Micro) => {
            micro::approve(&mut p, m, input.amount)?
        }
        (Action::Take(Transition::Resolve), Channel::Micro) if m.spent_fen.is_none() => {
            micro::settle(&mut p, m, input.amount)?
        }
        (Action::Take(Transition::Resolve), Channel::Volunteer) => {
            volunteer::service(&mut p, m, user, input, now)?
        }
        (Action::Take(Transition::Claim), _) => p.update.claimed_by = Some(Some(user.id)),
        _ => {}
    }
    Ok(p)
}

//! A matter's page, and every action taken on it. Which actions appear and
//! which are taken is decided by `domain::access::may`; this file only turns
//! forms into steps and steps into pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::db::catalog::{self, Category, Unit};
use crate::db::inbox;
use crate::db::matters::{self, Applied, Event, Extra, Matter, MatterUpdate, Milestone, Step};
use crate::db::{fund, users, volunteers};
use crate::domain::UnitKind;
use crate::domain::access::{Action, Claim, MatterFacts, Page, may, sees_citizen};
use crate::domain::lifecycle::next_state;
use crate::domain::money::{self, parse_yuan, yuan};
use crate::domain::request::mask_phone;
use crate::domain::{Channel, Deadlines, EventKind, State, Transition, tracking};
use crate::views::Choice;
use crate::views::staff::{ActionView, ConflictPage, MatterPage, MilestoneView, StaffEventView};
use crate::web::AppState;
use crate::web::auth::{StaffUser, staff_form};
use crate::web::error::{AppError, ErrorKind, OrInternal};
use crate::web::i18n::Lang;
use crate::web::{csrf, db, page, see_other};

/// Whether an action's form asks for a note, and must have one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Note {
    None,
    Optional,
    Required,
}

/// The fields an action's form has.
#[derive(Clone, Copy)]
struct Spec {
    note: Note,
    /// The note's label key.
    note_label: &'static str,
    public_choice: bool,
    unit: bool,
    channel: bool,
    category: bool,
    primary: bool,
    days: bool,
    decision: bool,
    /// An amount in yuan (micro-matters: approved on accept, spent on resolve).
    amount: bool,
    /// Date, hours and outcome of a volunteer service.
    service: bool,
    /// The fields of a milestone.
    milestone: bool,
}

/// The form of `action` on a matter of `channel`.
fn spec_in(action: Action, channel: Channel) -> Spec {
    let s = spec(action);
    match (action, channel) {
        (Action::Take(Transition::Accept), Channel::Micro) => Spec { amount: true, ..s },
        (Action::Take(Transition::Resolve), Channel::Micro) => Spec { amount: true, ..s },
        (Action::Take(Transition::Resolve), Channel::Volunteer) => Spec {
            service: true,
            note_label: "staff.form.outcome",
            ..s
        },
        (Action::Take(Transition::Claim), Channel::Volunteer) => Spec { unit: false, ..s },
        _ => s,
    }
}

fn spec(action: Action) -> Spec {
    let base = Spec {
        note: Note::Optional,
        note_label: "staff.form.note",
        public_choice: false,
        unit: false,
        channel: false,
        category: false,
        primary: false,
        days: false,
        decision: false,
        amount: false,
        service: false,
        milestone: false,
    };
    match action {
        Action::Take(Transition::Accept) => Spec {
            channel: true,
            category: true,
            ..base
        },
        Action::Take(Transition::Reject) => Spec {
            note: Note::Required,
            note_label: "staff.form.reason",
            ..base
        },
        Action::Take(Transition::Merge) => Spec {
            primary: true,
            ..base
        },
        Action::Take(Transition::Dispatch) | Action::Take(Transition::Claim) => Spec {
            unit: true,
            note: Note::None,
            ..base
        },
        Action::Take(Transition::SignFor) => Spec {
            note: Note::None,
            ..base
        },
        Action::Take(Transition::Return) => Spec {
            note: Note::Required,
            note_label: "staff.form.reason",
            ..base
        },
        Action::Take(Transition::Resolve) => Spec {
            note: Note::Required,
            note_label: "staff.form.reply",
            ..base
        },
        Action::Take(Transition::SendBack) | Action::Take(Transition::Reopen) => Spec {
            note: Note::Required,
            note_label: "staff.form.reason",
            ..base
        },
        Action::Take(_) => base,
        Action::Note => Spec {
            note: Note::Required,
            public_choice: true,
            ..base
        },
        Action::Urge => base,
        Action::AskExtension => Spec {
            note: Note::Required,
            note_label: "staff.form.reason",
            days: true,
            ..base
        },
        Action::DecideExtension => Spec {
            decision: true,
            ..base
        },
        Action::Reroute => Spec {
            channel: true,
            ..base
        },
        Action::Instruct => Spec {
            note: Note::Required,
            note_label: "staff.form.instruction",
            ..base
        },
        Action::Milestone => Spec {
            note: Note::None,
            milestone: true,
            ..base
        },
    }
}

/// Everything a matter's page is built from (and a step is planned from).
pub struct Context {
    pub matter: Matter,
    pub events: Vec<Event>,
    pub units: Vec<Unit>,
    pub categories: Vec<Category>,
    pub primary: Option<Matter>,
    pub milestones: Vec<Milestone>,
    /// Display name of whoever claimed it.
    pub claimant: Option<String>,
    /// The service menu item a volunteer request asks for.
    pub menu_item: Option<String>,
    /// What the fund can still approve (micro-matters only).
    pub fund_available: Option<i64>,
}

async fn load(state: &web::Data<AppState>, l: Lang, id: i64) -> Result<Context, AppError> {
    let found = db(state, l, move |c| {
        let Some(matter) = matters::by_id(c, id)? else {
            return Ok(None);
        };
        let primary = match matter.merged_into {
            Some(p) => matters::by_id(c, p)?,
            None => None,
        };
        let claimant = match matter.claimed_by {
            Some(uid) => users::by_id(c, uid)?.map(|u| u.display_name),
            None => None,
        };
        let menu_item = match matter.menu_item_id {
            Some(item) => volunteers::menu_item(c, item)?.map(|i| i.title),
            None => None,
        };
        let fund_available = if matter.channel == Channel::Micro {
            Some(fund::position(c)?.available())
        } else {
            None
        };
        Ok(Some(Context {
            milestones: matters::milestones_of(c, id)?,
            claimant,
            menu_item,
            fund_available,
            events: matters::all_events(c, id)?,
            units: catalog::all_units(c)?,
            categories: catalog::all_categories(c)?,
            primary,
            matter,
        }))
    })
    .await?;
    found.ok_or(ErrorKind::NotFound.lang(l))
}

fn channel_of(m: &Matter, _l: Lang) -> Result<Channel, AppError> {
    Ok(m.channel)
}

fn state_of(m: &Matter, _l: Lang) -> Result<State, AppError> {
    Ok(m.state)
}

pub fn facts(m: &Matter, user: &StaffUser, l: Lang) -> Result<MatterFacts, AppError> {
    Ok(MatterFacts {
        channel: channel_of(m, l)?,
        state: state_of(m, l)?,
        extension_pending: m.extension_days.is_some(),
        claim: match m.claimed_by {
            None => Claim::Nobody,
            Some(id) if id == user.id => Claim::Me,
            Some(_) => Claim::Someone,
        },
    })
}

/// 403 unless the matter is within the user's scope.
fn ensure_scope(user: &StaffUser, m: &Matter, l: Lang) -> Result<(), AppError> {
    if user.scope.covers(channel_of(m, l)?, m.unit_id) {
        Ok(())
    } else {
        Err(ErrorKind::Forbidden.lang(l))
    }
}

fn unit_label(units: &[Unit], id: Option<i64>, l: Lang) -> Option<String> {
    id.and_then(|id| units.iter().find(|u| u.id == id))
        .map(|u| l.pick(&u.name, &u.name_en).to_owned())
}

/// A project's progress in percent: 100 once accepted, else the mean of
/// its milestones (0 without any).
pub fn project_progress(state: State, milestones: &[Milestone]) -> i32 {
    if state == State::Closed {
        return 100;
    }
    let n = i32::try_from(milestones.len()).unwrap_or(i32::MAX);
    if n == 0 {
        0
    } else {
        milestones.iter().map(|m| m.progress).sum::<i32>() / n
    }
}

/// The label of an event kind on a timeline.
pub fn event_label(l: Lang, kind: &str) -> String {
    l.t(&format!("event.{kind}"))
}

fn event_views(l: Lang, events: &[Event]) -> Vec<StaffEventView> {
    events
        .iter()
        .map(|e| StaffEventView {
            at: l.time(&e.at),
            label: l.t(e.kind.label_key()),
            actor: if e.actor == "citizen" {
                l.t("staff.matter.citizen")
            } else {
                e.actor.clone()
            },
            note: e.note.clone(),
            public: e.public,
        })
        .collect()
}

fn build_page(
    req: &HttpRequest,
    user: &StaffUser,
    l: Lang,
    ctx: &Context,
    done: Option<&str>,
    error: Option<(Action, String)>,
) -> Result<MatterPage, AppError> {
    let m = &ctx.matter;
    let facts = facts(m, user, l)?;
    let see_citizen = sees_citizen(user.role);
    let now = Utc::now();
    let actions = Action::all()
        .into_iter()
        .filter(|a| may(user.role, *a, facts))
        .map(|a| {
            let s = spec_in(a, facts.channel);
            ActionView {
                code: a.code(),
                label: l.t(&format!("staff.action.{}", a.code())),
                note: s.note != Note::None,
                note_required: s.note == Note::Required,
                note_label: l.t(s.note_label),
                public_choice: s.public_choice,
                unit: s.unit,
                channel: s.channel,
                category: s.category,
                primary: s.primary,
                days: s.days,
                decision: s.decision,
                amount: s.amount,
                service: s.service,
                milestone: s.milestone,
                error: error
                    .as_ref()
                    .filter(|(ea, _)| *ea == a)
                    .map(|(_, msg)| msg.clone()),
            }
        })
        .collect();
    let handling_units = ctx
        .units
        .iter()
        .filter(|u| u.kind != UnitKind::District)
        .map(|u| {
            Choice::new(
                u.id,
                l.pick(&u.name, &u.name_en),
                &m.unit_id.map(|i| i.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let channels = Channel::ALL
        .iter()
        .map(|c| Choice {
            value: c.code().into(),
            label: l.t(&format!("channel.{}", c.code())),
            selected: *c == m.channel,
        })
        .collect();
    let categories = ctx
        .categories
        .iter()
        .filter(|c| c.active || c.id == m.category_id)
        .map(|c| {
            Choice::new(
                c.id,
                l.pick(&c.name, &c.name_en),
                &m.category_id.to_string(),
            )
        })
        .collect();
    let phone = m.citizen_phone.clone().unwrap_or_default();
    Ok(MatterPage {
        l,
        nav: super::nav(user, l, csrf::token(req), "inbox"),
        csrf: csrf::token(req),
        id: m.id,
        code: m.code.clone(),
        version: m.version,
        title: m.title.clone(),
        description: m.description.clone(),
        state: m.state.code(),
        state_label: l.t(m.state.label_key()),
        channel_label: l.t(m.channel.label_key()),
        source_label: l.t(m.source.label_key()),
        category: ctx
            .categories
            .iter()
            .find(|c| c.id == m.category_id)
            .map(|c| l.pick(&c.name, &c.name_en).to_owned())
            .unwrap_or_default(),
        place: unit_label(&ctx.units, m.place_id, l).unwrap_or_default(),
        address: m.address.clone(),
        citizen_name: if see_citizen {
            m.citizen_name.clone()
        } else {
            None
        },
        phone: if see_citizen {
            phone
        } else {
            mask_phone(&phone)
        },
        unit: unit_label(&ctx.units, m.unit_id, l),
        received: l.time(&m.created_at),
        due: m.due_at.as_ref().map(|d| l.date(d)),
        sign_due: m
            .sign_due_at
            .as_ref()
            .filter(|_| m.state == State::Assigned)
            .map(|d| l.time(d)),
        overdue: inbox::is_overdue(m, now),
        extension: m
            .extension_days
            .map(|d| (d, m.extension_reason.clone().unwrap_or_default())),
        radio_date: m.radio_date.map(|d| d.format("%Y-%m-%d").to_string()),
        primary: ctx.primary.as_ref().map(|p| (p.id, p.code.clone())),
        events: event_views(l, &ctx.events),
        actions,
        units: handling_units,
        channels,
        categories,
        milestones: ctx
            .milestones
            .iter()
            .map(|ms| MilestoneView {
                id: ms.id,
                title: ms.title.clone(),
                planned_on: ms.planned_on.format("%Y-%m-%d").to_string(),
                done_on: ms
                    .done_on
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                progress: ms.progress,
            })
            .collect(),
        progress: project_progress(m.state, &ctx.milestones),
        claimant: ctx.claimant.clone(),
        menu_item: ctx.menu_item.clone(),
        requested: m.requested_fen.map(yuan),
        approved: m.approved_fen.map(yuan),
        spent: m.spent_fen.map(yuan),
        fund_available: ctx.fund_available.map(yuan),
        rating: m.rating.as_ref().map(|r| l.t(r.label_key())),
        rating_comment: m.rating_comment.clone().unwrap_or_default(),
        today: now
            .with_timezone(&crate::domain::clock::china())
            .format("%Y-%m-%d")
            .to_string(),
        done: match done {
            Some("intake") => Some(l.t("staff.intake.done")),
            Some(code) => {
                Action::from_code(code).map(|a| l.t(&format!("staff.action.{}", a.code())))
            }
            None => None,
        },
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<i64>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Matters, l)?;
    let ctx = load(&state, l, path.into_inner()).await?;
    ensure_scope(&user, &ctx.matter, l)?;
    let done = (!query.done.is_empty()).then_some(query.done.as_str());
    Ok(page(&req, build_page(&req, &user, l, &ctx, done, None)?))
}

/// Every field any action's form may post. Strings, so that nothing typed
/// is lost before it is checked.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ActForm {
    pub csrf_token: String,
    pub version: String,
    pub note: String,
    pub public: Option<String>,
    pub unit: String,
    pub channel: String,
    pub category: String,
    pub primary: String,
    pub days: String,
    pub decision: String,
    pub amount: String,
    pub served_on: String,
    pub hours: String,
    pub milestone: String,
    pub title: String,
    pub planned_on: String,
    pub done_on: String,
    pub progress: String,
}

/// A checked form, ready to be written.
pub struct Planned {
    pub update: MatterUpdate,
    pub kind: EventKind,
    pub to_state: Option<State>,
    pub public: bool,
    pub note: String,
    pub extra: Extra,
}

/// Hours as typed ("2", "1.5") into minutes: half an hour to a day.
pub fn parse_hours(typed: &str) -> Option<i32> {
    let hours: f64 = typed.trim().parse().ok()?;
    if !hours.is_finite() || !(0.25..=24.0).contains(&hours) {
        return None;
    }
    // Rounded to whole minutes; the bounds above keep it far inside i32.
    Some((hours * 60.0).round() as i32)
}

/// Why a form cannot be taken: a message key for the person.
pub struct Refusal(pub &'static str);

/// Turns an action's form into the step to write, by the rules of the
/// matter's channel; or says why not. Used by the web form and by the demo
/// history alike. `now` is when the step happens.
pub fn plan(
    action: Action,
    form: &ActForm,
    ctx: &Context,
    user: &StaffUser,
    merge_target: Option<&Matter>,
    l: Lang,
    now: chrono::DateTime<Utc>,
) -> Result<Result<Planned, Refusal>, AppError> {
    let m = &ctx.matter;
    let s = spec_in(action, channel_of(m, l)?);
    let note: String = form.note.trim().to_owned();
    if s.note == Note::Required && note.is_empty() {
        return Ok(Err(Refusal("staff.error.note_required")));
    }
    if note.chars().count() > 2000
        || note
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Ok(Err(Refusal("staff.error.note_invalid")));
    }
    let channel = channel_of(m, l)?;
    let state = state_of(m, l)?;
    let mut update = MatterUpdate::default();
    let mut public = true;
    let mut kind = match action {
        Action::Take(t) => EventKind::Took(t),
        Action::Note => EventKind::Note,
        Action::Urge => EventKind::Urge,
        _ => EventKind::Note,
    };
    let mut to_state = None;
    let mut extra = Extra::Nothing;
    let stamp = now.naive_utc();

    if let Action::Take(t) = action {
        let target = next_state(channel, state, t).or_500(l)?;
        update.state = Some(target);
        to_state = Some(target);
        // When each step first (or last) happened, for the measures.
        match t {
            Transition::Accept if m.accepted_at.is_none() => update.accepted_at = Some(stamp),
            Transition::Dispatch | Transition::Claim if m.dispatched_at.is_none() => {
                update.dispatched_at = Some(stamp)
            }
            Transition::SignFor if m.signed_at.is_none() => update.signed_at = Some(stamp),
            Transition::Resolve => update.resolved_at = Some(stamp),
            _ if target == State::Closed => update.closed_at = Some(stamp),
            _ => {}
        }
    }
    match action {
        Action::Take(Transition::Accept) => {
            let new_channel = if form.channel.is_empty() {
                channel
            } else {
                match form.channel.parse::<Channel>() {
                    Ok(c) => c,
                    Err(_) => return Ok(Err(Refusal("staff.error.channel"))),
                }
            };
            let category = if form.category.is_empty() {
                m.category_id
            } else {
                match form
                    .category
                    .parse::<i64>()
                    .ok()
                    .filter(|id| ctx.categories.iter().any(|c| c.id == *id && c.active))
                {
                    Some(id) => id,
                    None => return Ok(Err(Refusal("staff.error.category"))),
                }
            };
            if new_channel != channel {
                update.channel = Some(new_channel);
            }
            if category != m.category_id {
                update.category_id = Some(category);
                let deadlines = ctx
                    .categories
                    .iter()
                    .find(|c| c.id == category)
                    .and_then(|c| Deadlines::new(c.sign_hours, c.resolve_days));
                update.due_at =
                    Some(deadlines.map(|d| d.resolve_by(m.created_at.and_utc()).naive_utc()));
            }
        }
        Action::Take(Transition::Merge) => {
            let Some(primary) = merge_target else {
                return Ok(Err(Refusal("staff.error.primary")));
            };
            if primary.id == m.id || matches!(primary.state, State::Merged | State::Rejected) {
                return Ok(Err(Refusal("staff.error.primary")));
            }
            update.merged_into = Some(Some(primary.id));
        }
        Action::Take(Transition::Claim) if !s.unit => {
            // A volunteer takes up a service where it was asked for.
            let sign_hours = ctx
                .categories
                .iter()
                .find(|c| c.id == m.category_id)
                .map_or(24, |c| c.sign_hours);
            update.sign_due_at = Some(Some(
                (now + Duration::hours(i64::from(sign_hours))).naive_utc(),
            ));
        }
        Action::Take(Transition::Dispatch) | Action::Take(Transition::Claim) => {
            let unit = form.unit.parse::<i64>().ok().and_then(|id| {
                ctx.units
                    .iter()
                    .find(|u| u.id == id && u.kind != UnitKind::District)
            });
            let Some(unit) = unit else {
                return Ok(Err(Refusal("staff.error.unit")));
            };
            let sign_hours = ctx
                .categories
                .iter()
                .find(|c| c.id == m.category_id)
                .map_or(24, |c| c.sign_hours);
            update.unit_id = Some(Some(unit.id));
            update.sign_due_at = Some(Some(
                (now + Duration::hours(i64::from(sign_hours))).naive_utc(),
            ));
        }
        Action::Take(Transition::Return) => {
            public = false;
            update.unit_id = Some(None);
            update.sign_due_at = Some(None);
            update.extension_days = Some(None);
            update.extension_reason = Some(None);
        }
        Action::Take(Transition::SendBack) => public = false,
        Action::Take(_) => {}
        Action::Note => public = form.public.is_some(),
        Action::Urge => public = false,
        Action::Instruct => {
            public = false;
            kind = EventKind::Instruction;
        }
        Action::Milestone => {
            let existing = form
                .milestone
                .trim()
                .parse::<i64>()
                .ok()
                .and_then(|id| ctx.milestones.iter().find(|ms| ms.id == id));
            let title = form.title.trim();
            let title = if title.is_empty() {
                existing.map(|e| e.title.clone()).unwrap_or_default()
            } else {
                title.to_owned()
            };
            if title.is_empty()
                || title.chars().count() > 100
                || title.chars().any(char::is_control)
            {
                return Ok(Err(Refusal("staff.error.milestone_title")));
            }
            let day = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
            let Some(planned_on) = day(&form.planned_on).or(existing.map(|e| e.planned_on)) else {
                return Ok(Err(Refusal("staff.error.planned_on")));
            };
            let done_on = if form.done_on.trim().is_empty() {
                None
            } else {
                match day(&form.done_on) {
                    Some(d) => Some(d),
                    None => return Ok(Err(Refusal("staff.error.done_on"))),
                }
            };
            let progress = if form.progress.trim().is_empty() {
                existing.map_or(0, |e| e.progress)
            } else {
                match form
                    .progress
                    .trim()
                    .parse::<i32>()
                    .ok()
                    .filter(|p| (0..=100).contains(p))
                {
                    Some(p) => p,
                    None => return Ok(Err(Refusal("staff.error.progress"))),
                }
            };
            let progress = if done_on.is_some() { 100 } else { progress };
            kind = EventKind::Milestone;
            let summary = format!("{title} · {progress}%");
            extra = Extra::Milestone {
                id: existing.map(|e| e.id),
                title,
                planned_on,
                done_on,
                progress,
            };
            return Ok(Ok(Planned {
                update,
                kind,
                to_state,
                public,
                note: summary,
                extra,
            }));
        }
        Action::AskExtension => {
            let Some(days) = form
                .days
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|d| (1..=90).contains(d))
            else {
                return Ok(Err(Refusal("staff.error.days")));
            };
            public = false;
            kind = EventKind::ExtensionRequested;
            update.extension_days = Some(Some(days));
            update.extension_reason = Some(Some(note.clone()));
        }
        Action::DecideExtension => {
            let days = i64::from(m.extension_days.unwrap_or(0));
            match form.decision.as_str() {
                "approve" => {
                    kind = EventKind::ExtensionApproved;
                    let from = m.due_at.map_or(now, |d| d.and_utc().max(now));
                    update.due_at = Some(Some((from + Duration::days(days)).naive_utc()));
                }
                "refuse" => {
                    kind = EventKind::ExtensionRefused;
                    public = false;
                }
                _ => return Ok(Err(Refusal("staff.error.decision"))),
            }
            update.extension_days = Some(None);
            update.extension_reason = Some(None);
        }
        Action::Reroute => {
            let Some(new_channel) = form
                .channel
                .parse::<Channel>()
                .ok()
                .filter(|c| *c != channel)
            else {
                return Ok(Err(Refusal("staff.error.channel")));
            };
            public = false;
            kind = EventKind::Rerouted(new_channel);
            update.channel = Some(new_channel);
        }
    }
    // What each channel adds to its steps.
    match (action, channel) {
        (Action::Take(Transition::Accept), Channel::Micro) => {
            let Some(amount) = parse_yuan(&form.amount).or(m.requested_fen) else {
                return Ok(Err(Refusal("staff.error.amount")));
            };
            update.approved_fen = Some(Some(amount));
            extra = Extra::Reserve { amount };
        }
        (Action::Take(Transition::Resolve), Channel::Micro) if m.spent_fen.is_none() => {
            let approved = m.approved_fen.unwrap_or(0);
            let spent = if form.amount.trim() == "0" {
                Some(0)
            } else {
                parse_yuan(&form.amount)
            };
            let Some((spent, released)) = spent.and_then(|s| money::settle(approved, s)) else {
                return Ok(Err(Refusal("staff.error.spent")));
            };
            update.spent_fen = Some(Some(spent));
            extra = Extra::Settle { spent, released };
        }
        (Action::Take(Transition::Resolve), Channel::Volunteer) => {
            let served_on = NaiveDate::parse_from_str(form.served_on.trim(), "%Y-%m-%d").ok();
            let today = now
                .with_timezone(&crate::domain::clock::china())
                .date_naive();
            let Some(served_on) =
                served_on.filter(|d| *d <= today && *d > today - Duration::days(366))
            else {
                return Ok(Err(Refusal("staff.error.served_on")));
            };
            let Some(minutes) = parse_hours(&form.hours) else {
                return Ok(Err(Refusal("staff.error.hours")));
            };
            let Some(community_id) = m.unit_id else {
                return Ok(Err(Refusal("staff.error.unit")));
            };
            extra = Extra::Service {
                user_id: user.id,
                community_id,
                served_on,
                minutes,
                outcome: note.clone(),
            };
        }
        (Action::Take(Transition::Claim), _) => update.claimed_by = Some(Some(user.id)),
        _ => {}
    }

    Ok(Ok(Planned {
        update,
        kind,
        to_state,
        public,
        note,
        extra,
    }))
}

pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<(i64, String)>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Matters, l).await?;
    let (id, code) = path.into_inner();
    let action = Action::from_code(&code).ok_or(ErrorKind::NotFound.lang(l))?;
    let ctx = load(&state, l, id).await?;
    ensure_scope(&user, &ctx.matter, l)?;
    let m = &ctx.matter;

    let Ok(version) = form.version.trim().parse::<i32>() else {
        return Err(ErrorKind::BadRequest.lang(l));
    };
    if version != m.version {
        return conflict(&req, &state, &user, l, id, version).await;
    }
    if !may(user.role, action, facts(m, &user, l)?) {
        return Err(ErrorKind::Forbidden.lang(l));
    }

    // A merge names its primary by tracking code.
    let merge_target = if action == Action::Take(Transition::Merge) {
        match tracking::normalize(&state.settings.code_prefix, &form.primary) {
            Some(code) => db(&state, l, move |c| Ok(matters::by_code(c, &code)?)).await?,
            None => None,
        }
    } else {
        None
    };

    let planned = match plan(
        action,
        &form,
        &ctx,
        &user,
        merge_target.as_ref(),
        l,
        Utc::now(),
    )? {
        Ok(p) => p,
        Err(Refusal(key)) => {
            let body = build_page(&req, &user, l, &ctx, None, Some((action, l.t(key))))?;
            let mut res = page(&req, body);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };

    let from_state = state_of(m, l)?;
    let (actor_id, actor) = (user.id, user.display_name.clone());
    let applied = db(&state, l, move |c| {
        let step = Step {
            actor_id: Some(actor_id),
            actor: &actor,
            kind: planned.kind,
            from_state: planned.to_state.map(|_| from_state),
            to_state: planned.to_state,
            note: &planned.note,
            public: planned.public,
            at: Utc::now(),
        };
        Ok(matters::apply(
            c,
            id,
            version,
            &planned.update,
            &step,
            &planned.extra,
        )?)
    })
    .await?;
    match applied {
        Applied::Done(_) => Ok(see_other(&format!(
            "/staff/matters/{id}?done={}",
            action.code()
        ))),
        Applied::Stale => conflict(&req, &state, &user, l, id, version).await,
        Applied::Refused(key) => {
            // Checked inside the transaction (the fund's balance): the page
            // again, as it is now, with the reason.
            let ctx = load(&state, l, id).await?;
            let body = build_page(&req, &user, l, &ctx, None, Some((action, l.t(key))))?;
            let mut res = page(&req, body);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
    }
}

/// 409: the matter changed since the form was loaded; here is what changed.
async fn conflict(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    id: i64,
    version: i32,
) -> Result<HttpResponse, AppError> {
    let changes = db(state, l, move |c| {
        Ok(matters::events_after(c, id, version)?)
    })
    .await?;
    let body = ConflictPage {
        l,
        nav: super::nav(user, l, csrf::token(req), "inbox"),
        id,
        changes: event_views(l, &changes),
    };
    let mut res = page(req, body);
    *res.status_mut() = StatusCode::CONFLICT;
    Ok(res)
}

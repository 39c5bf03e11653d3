//! A matter's page, and every action taken on it: the form of each action
//! this user may take, read into a step and handed to `app::steps::take`,
//! which decides and writes. This file only turns forms into steps and
//! outcomes into pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::app::matters::{self as app_matters, MatterView};
use crate::app::steps::{self, Decision, MilestoneInput, StepInput, Typed};
use crate::app::{self, Staff};
use crate::db::inbox;
use crate::domain::access::{Action, Page, may, sees_citizen};
use crate::domain::money::{parse_yuan, yuan};
use crate::domain::phone;
use crate::domain::step::{NoteRule, note_rule, service_minutes};
use crate::domain::{Channel, State, Transition, UnitKind, clock, tracking};
use crate::views::staff::{
    ActionView, ConflictPage, MatterPage, MilestoneView, SimilarView, StaffEventView,
};
use crate::views::{Choice, PhotoView};
use crate::web::auth::{PageAccess, StaffUser, staff_form};
use crate::web::error::{AppError, ErrorKind, from_app};
use crate::web::i18n::Lang;
use crate::web::request_form::unit_label;
use crate::web::{AppState, call, csrf, db, db_read, page, see_other, upload};

/// The fields an action's form shows besides its note.
#[derive(Clone, Copy, Default)]
struct Fields {
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

impl Fields {
    /// Whether the form has any field at all.
    fn any(&self) -> bool {
        self.public_choice
            || self.unit
            || self.channel
            || self.category
            || self.primary
            || self.days
            || self.decision
            || self.amount
            || self.service
            || self.milestone
    }
}

/// The form of `action` on a matter of `channel`.
fn fields(action: Action, channel: Channel) -> Fields {
    use Transition as T;
    let base = Fields {
        note_label: "staff.form.note",
        ..Fields::default()
    };
    let reason = Fields {
        note_label: "staff.form.reason",
        ..base
    };
    match (action, channel) {
        (Action::Take(T::Accept), Channel::Micro) => Fields {
            channel: true,
            category: true,
            amount: true,
            unit: true,
            ..base
        },
        (Action::Take(T::Accept), c) => Fields {
            channel: true,
            category: true,
            // Accepted and dispatched in one form where the channel dispatches.
            unit: T::Dispatch.applies_to(c),
            ..base
        },
        (Action::Take(T::Resolve), Channel::Micro) => Fields {
            note_label: "staff.form.reply",
            amount: true,
            ..base
        },
        (Action::Take(T::Resolve), Channel::Volunteer) => Fields {
            note_label: "staff.form.outcome",
            service: true,
            ..base
        },
        (Action::Take(T::Resolve), _) => Fields {
            note_label: "staff.form.reply",
            ..base
        },
        (Action::Take(T::Claim), Channel::Volunteer) => base,
        (Action::Take(T::Dispatch | T::Claim), _) => Fields { unit: true, ..base },
        (Action::Take(T::Merge), _) => Fields {
            primary: true,
            ..base
        },
        (Action::Take(T::Reject | T::Return | T::SendBack | T::Reopen), _) => reason,
        (Action::Note, _) => Fields {
            public_choice: true,
            ..base
        },
        (Action::AskExtension, _) => Fields {
            days: true,
            ..reason
        },
        (Action::DecideExtension, _) => Fields {
            decision: true,
            ..base
        },
        (Action::Reroute, _) => Fields {
            channel: true,
            ..base
        },
        (Action::Instruct, _) => Fields {
            note_label: "staff.form.instruction",
            ..base
        },
        (Action::Milestone, _) => Fields {
            milestone: true,
            ..base
        },
        (Action::Take(_) | Action::Urge, _) => base,
    }
}

fn action_view(action: Action, channel: Channel, l: Lang, error: Option<String>) -> ActionView {
    let f = fields(action, channel);
    let note = note_rule(action);
    ActionView {
        code: action.code(),
        label: l.t(action.label_key()),
        note: note != NoteRule::None,
        note_required: note == NoteRule::Required,
        note_label: l.t(f.note_label),
        public_choice: f.public_choice,
        unit: f.unit,
        channel: f.channel,
        category: f.category,
        primary: f.primary,
        days: f.days,
        decision: f.decision,
        amount: f.amount,
        service: f.service,
        milestone: f.milestone,
        photos: steps::takes_photos(action),
        simple: note == NoteRule::None && !f.any() && !steps::takes_photos(action),
        unit_optional: action == Action::Take(Transition::Accept),
        error,
    }
}

/// Where a step stands on the matter page: the steps that move the matter
/// on first (the next one is the page's primary action), then those that
/// record or ask, and last those that send it back or away.
fn rank(action: Action) -> u8 {
    use Transition as T;
    match action {
        Action::Take(
            T::Accept | T::Dispatch | T::Claim | T::SignFor | T::Resolve | T::Verify | T::Close,
        ) => 0,
        Action::DecideExtension | Action::Milestone => 1,
        Action::Note | Action::Instruct | Action::Urge => 2,
        Action::AskExtension | Action::Reroute => 3,
        Action::Take(T::Merge) => 4,
        Action::Take(_) => 5,
    }
}

fn event_views(
    l: Lang,
    events: &[crate::db::matters::Event],
    photos: &[crate::db::photos::Photo],
) -> Vec<StaffEventView> {
    events
        .iter()
        .map(|e| StaffEventView {
            photos: photos
                .iter()
                .filter(|p| {
                    !p.by_citizen
                        && p.matter_id == e.matter_id
                        && p.matter_version == e.matter_version
                })
                .map(PhotoView::of)
                .collect(),
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

/// The choices the action forms offer.
struct Choices {
    units: Vec<Choice>,
    channels: Vec<Choice>,
    categories: Vec<Choice>,
}

fn choices(v: &MatterView, l: Lang) -> Choices {
    let m = &v.matter;
    let unit = m
        .unit_id
        .or_else(|| app_matters::suggested_unit(&v.names.units, m.place_id))
        .map(|i| i.to_string())
        .unwrap_or_default();
    Choices {
        units: v
            .names
            .units
            .iter()
            .filter(|u| u.kind != UnitKind::District)
            .map(|u| Choice::new(u.id, l.pick(&u.name, &u.name_en), &unit))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|c| Choice {
                value: c.code().into(),
                label: l.t(c.label_key()),
                selected: *c == m.channel,
            })
            .collect(),
        categories: v
            .names
            .all_categories
            .iter()
            .filter(|c| c.active || c.id == m.category_id)
            .map(|c| {
                Choice::new(
                    c.id,
                    l.pick(&c.name, &c.name_en),
                    &m.category_id.to_string(),
                )
            })
            .collect(),
    }
}

fn milestone_views(v: &MatterView) -> Vec<MilestoneView> {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    v.milestones
        .iter()
        .map(|ms| MilestoneView {
            id: ms.id,
            title: ms.title.clone(),
            planned_on: day(ms.planned_on),
            done_on: ms.done_on.map(day).unwrap_or_default(),
            progress: ms.progress,
        })
        .collect()
}

/// The forms of the steps this user may take here, one with the error of
/// the last try when there was one.
fn action_views(
    user: &Staff,
    channel: Channel,
    facts: crate::domain::access::MatterFacts,
    l: Lang,
    error: Option<&(Action, String)>,
) -> Vec<ActionView> {
    let mut allowed: Vec<Action> = Action::all()
        .into_iter()
        .filter(|a| may(user.role, *a, facts))
        .collect();
    allowed.sort_by_key(|a| rank(*a));
    allowed
        .into_iter()
        .map(|a| {
            let message = error.filter(|(ea, _)| *ea == a).map(|(_, msg)| msg.clone());
            action_view(a, channel, l, message)
        })
        .collect()
}

/// The possible duplicates, as the page lists them.
fn similar_views(v: &MatterView, l: Lang) -> Vec<SimilarView> {
    v.similar
        .iter()
        .map(|s| SimilarView {
            id: s.near.id,
            code: s.near.code.clone(),
            title: s.near.title.clone(),
            state_label: l.t(s.near.state.label_key()),
            received: l.time(&s.near.created_at),
            likeness: format!("{:.0}%", s.likeness * 100.0),
        })
        .collect()
}

fn build_page(
    req: &HttpRequest,
    user: &Staff,
    l: Lang,
    v: &MatterView,
    done: Option<&str>,
    error: Option<(Action, String)>,
) -> MatterPage {
    let m = &v.matter;
    let facts = steps::facts(m, user);
    let see_citizen = sees_citizen(user.role);
    let now = Utc::now();
    let actions = action_views(user, m.channel, facts, l, error.as_ref());
    let Choices {
        units,
        channels,
        categories,
    } = choices(v, l);
    let phone = m.citizen_phone.clone().unwrap_or_default();
    MatterPage {
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
        category: v
            .names
            .category(m.category_id)
            .map(|c| l.pick(&c.name, &c.name_en).to_owned())
            .unwrap_or_default(),
        place: unit_label(&v.names, m.place_id, l).unwrap_or_default(),
        address: m.address.clone(),
        citizen_name: m.citizen_name.clone().filter(|_| see_citizen),
        phone: if see_citizen {
            phone
        } else {
            phone::mask(&phone)
        },
        unit: unit_label(&v.names, m.unit_id, l),
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
        similar: similar_views(v, l),
        may_merge: may(
            user.role,
            Action::Take(crate::domain::Transition::Merge),
            facts,
        ),
        primary: v.primary.as_ref().map(|p| (p.id, p.code.clone())),
        events: event_views(l, &v.events, &v.photos),
        photos: v
            .photos
            .iter()
            .filter(|p| p.by_citizen)
            .map(PhotoView::of)
            .collect(),
        actions,
        units,
        channels,
        categories,
        milestones: milestone_views(v),
        progress: app_matters::project_progress(m.state, &v.milestones),
        claimant: v.claimant.clone(),
        menu_item: v.menu_item.clone(),
        requested: m.requested_fen.map(yuan),
        approved: m.approved_fen.map(yuan),
        spent: m.spent_fen.map(yuan),
        fund_available: v.fund_available.map(yuan),
        rating: m.rating.map(|r| l.t(r.label_key())),
        rating_comment: m.rating_comment.clone().unwrap_or_default(),
        today: clock::today(now).format("%Y-%m-%d").to_string(),
        done: match done {
            Some("intake") => Some(l.t("staff.intake.done")),
            Some(code) => Action::from_code(code).map(|a| l.t(a.label_key())),
            None => None,
        },
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    done: String,
}

async fn view(
    state: &web::Data<AppState>,
    user: &Staff,
    l: Lang,
    id: i64,
) -> Result<MatterView, AppError> {
    let user = user.clone();
    let names = crate::web::request_form::load_catalog(state, l).await?;
    db_read(state, l, move |c| app_matters::view(c, &user, id, names)).await
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
    let v = view(&state, &user, l, path.into_inner()).await?;
    let done = (!query.done.is_empty()).then_some(query.done.as_str());
    Ok(page(&req, build_page(&req, &user, l, &v, done, None)))
}

/// Every field any action's form may post. Strings, so that nothing typed
/// is lost before it is read.
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

impl ActForm {
    /// The form read into a step's input; the rules decide what will do.
    fn read(&self, code_prefix: &str) -> StepInput {
        let day = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
        StepInput {
            note: self.note.clone(),
            public: self.public.is_some(),
            unit: self.unit.trim().parse().ok(),
            channel: Typed::parse(&self.channel),
            category: Typed::parse(&self.category),
            primary: tracking::normalize(code_prefix, &self.primary),
            days: self.days.trim().parse().ok(),
            decision: match self.decision.as_str() {
                "approve" => Some(Decision::Approve),
                "refuse" => Some(Decision::Refuse),
                _ => None,
            },
            // "0" spent is an answer; nothing else reads as nothing.
            amount: if self.amount.trim() == "0" {
                Some(0)
            } else {
                parse_yuan(&self.amount)
            },
            served_on: day(&self.served_on),
            minutes: service_minutes(&self.hours),
            milestone: MilestoneInput {
                id: self.milestone.trim().parse().ok(),
                title: self.title.clone(),
                planned_on: day(&self.planned_on),
                done_on: match Typed::<String>::parse(&self.done_on) {
                    Typed::Given(t) => day(&t).map_or(Typed::Unreadable, Typed::Given),
                    _ => Typed::Blank,
                },
                progress: Typed::parse(&self.progress),
            },
            photos: Vec::new(),
        }
    }
}

pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<(i64, String)>,
    posted: upload::Posted<ActForm>,
) -> Result<HttpResponse, AppError> {
    let form = &posted.form;
    let user = staff_form(&req, &form.csrf_token, Page::Matters, l).await?;
    let (id, code) = path.into_inner();
    let action = Action::from_code(&code).ok_or(ErrorKind::NotFound.lang(l))?;
    // The matter must exist and be this user's before the form is read.
    let seer = user.clone();
    db(&state, l, move |c| app_matters::visible(c, &seer, id)).await?;
    let Ok(version) = form.version.trim().parse::<i32>() else {
        return Err(ErrorKind::BadRequest.lang(l));
    };
    let mut input = form.read(&state.settings.code_prefix);
    if steps::takes_photos(action) && posted.has_files() {
        let too_many = posted.too_many;
        match upload::prepare(&state.decoders, posted.files, too_many, l).await? {
            Ok(photos) => input.photos = photos,
            Err(problem) => {
                let v = view(&state, &user, l, id).await?;
                let why = format!("{}{}", l.t("staff.form.photos"), l.t(problem.key()));
                let body = build_page(&req, &user, l, &v, None, Some((action, why)));
                let mut res = page(&req, body);
                *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(res);
            }
        }
    }
    let acting = user.clone();
    // Accepted with a unit chosen: dispatched in the same stroke.
    let both = action == Action::Take(Transition::Accept) && input.unit.is_some();
    let taken = call(&state, l, move |c| {
        if both {
            steps::accept_and_dispatch(c, &acting, id, Some(version), &input, Utc::now())
        } else {
            steps::take(c, &acting, id, Some(version), action, &input, Utc::now())
        }
    })
    .await?;
    let done = if both { "dispatch" } else { action.code() };
    match taken {
        Ok(_) => Ok(see_other(&format!("/staff/matters/{id}?done={done}"))),
        Err(app::Error::Stale { seen }) => conflict(&req, &state, &user, l, id, seen).await,
        Err(app::Error::Refused(why)) => {
            // The page again, as it is now, with the reason beside the form.
            let v = view(&state, &user, l, id).await?;
            let body = build_page(&req, &user, l, &v, None, Some((action, l.t(why.key()))));
            let mut res = page(&req, body);
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(from_app(e, l)),
    }
}

/// 409: the matter changed since the form was loaded; here is what changed.
async fn conflict(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &Staff,
    l: Lang,
    id: i64,
    version: i32,
) -> Result<HttpResponse, AppError> {
    let changes = db(state, l, move |c| {
        app_matters::changes_since(c, id, version)
    })
    .await?;
    let body = ConflictPage {
        l,
        nav: super::nav(user, l, csrf::token(req), "inbox"),
        id,
        changes: event_views(l, &changes, &[]),
    };
    let mut res = page(req, body);
    *res.status_mut() = StatusCode::CONFLICT;
    Ok(res)
}

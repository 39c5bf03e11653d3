//! A matter's page, and every action taken on it. Which actions appear and
//! which are taken is decided by `domain::access::may`; this file only turns
//! forms into steps and steps into pages.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::db::catalog::{self, Category, Unit};
use crate::db::inbox;
use crate::db::matters::{self, Applied, Event, Matter, MatterUpdate, Step};
use crate::domain::access::{Action, MatterFacts, Page, may, sees_citizen};
use crate::domain::lifecycle::next_state;
use crate::domain::request::mask_phone;
use crate::domain::{Channel, Deadlines, State, Transition, tracking};
use crate::error::{AppError, ErrorKind, OrInternal};
use crate::startup::AppState;
use crate::views::Choice;
use crate::views::staff::{ActionView, ConflictPage, MatterPage, StaffEventView};
use crate::web::auth::StaffUser;
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
    }
}

/// Everything a matter's page is built from.
struct Context {
    matter: Matter,
    events: Vec<Event>,
    units: Vec<Unit>,
    categories: Vec<Category>,
    primary: Option<Matter>,
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
        Ok(Some(Context {
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

fn channel_of(m: &Matter, l: Lang) -> Result<Channel, AppError> {
    m.channel.parse().or_500(l)
}

fn state_of(m: &Matter, l: Lang) -> Result<State, AppError> {
    m.state.parse().or_500(l)
}

fn facts(m: &Matter, l: Lang) -> Result<MatterFacts, AppError> {
    Ok(MatterFacts {
        channel: channel_of(m, l)?,
        state: state_of(m, l)?,
        extension_pending: m.extension_days.is_some(),
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

/// The label of an event kind on a timeline.
pub fn event_label(l: Lang, kind: &str) -> String {
    l.t(&format!("event.{kind}"))
}

fn event_views(l: Lang, events: &[Event]) -> Vec<StaffEventView> {
    events
        .iter()
        .map(|e| StaffEventView {
            at: l.time(&e.at),
            label: event_label(l, &e.kind),
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
    let facts = facts(m, l)?;
    let see_citizen = sees_citizen(user.role);
    let now = Utc::now();
    let actions = Action::all()
        .into_iter()
        .filter(|a| may(user.role, *a, facts))
        .map(|a| {
            let s = spec(a);
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
        .filter(|u| u.kind != "district")
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
            selected: c.code() == m.channel,
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
        state: m.state.clone(),
        state_label: l.t(&format!("state.{}", m.state)),
        channel_label: l.t(&format!("channel.{}", m.channel)),
        source_label: l.t(&format!("source.{}", m.source)),
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
            .filter(|_| m.state == "assigned")
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
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActForm {
    csrf_token: String,
    version: String,
    note: String,
    public: Option<String>,
    unit: String,
    channel: String,
    category: String,
    primary: String,
    days: String,
    decision: String,
}

/// A checked form, ready to be written.
struct Planned {
    update: MatterUpdate,
    kind: String,
    to_state: Option<State>,
    public: bool,
    note: String,
}

/// Why a form cannot be taken: a message key for the person.
struct Refusal(&'static str);

fn plan(
    action: Action,
    form: &ActForm,
    ctx: &Context,
    merge_target: Option<&Matter>,
    l: Lang,
) -> Result<Result<Planned, Refusal>, AppError> {
    let m = &ctx.matter;
    let now = Utc::now();
    let s = spec(action);
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
    let mut kind = action.code().to_owned();
    let mut to_state = None;

    if let Action::Take(t) = action {
        let target = next_state(channel, state, t).or_500(l)?;
        update.state = Some(target.code().to_owned());
        to_state = Some(target);
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
                update.channel = Some(new_channel.code().to_owned());
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
            if primary.id == m.id || matches!(primary.state.as_str(), "merged" | "rejected") {
                return Ok(Err(Refusal("staff.error.primary")));
            }
            update.merged_into = Some(Some(primary.id));
        }
        Action::Take(Transition::Dispatch) | Action::Take(Transition::Claim) => {
            let unit = form.unit.parse::<i64>().ok().and_then(|id| {
                ctx.units
                    .iter()
                    .find(|u| u.id == id && u.kind != "district")
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
            kind = "extension_requested".into();
            update.extension_days = Some(Some(days));
            update.extension_reason = Some(Some(note.clone()));
        }
        Action::DecideExtension => {
            let days = i64::from(m.extension_days.unwrap_or(0));
            match form.decision.as_str() {
                "approve" => {
                    kind = "extension_approved".into();
                    let from = m.due_at.map_or(now, |d| d.and_utc().max(now));
                    update.due_at = Some(Some((from + Duration::days(days)).naive_utc()));
                }
                "refuse" => {
                    kind = "extension_refused".into();
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
            kind = format!("reroute_{}", new_channel.code());
            update.channel = Some(new_channel.code().to_owned());
        }
    }
    Ok(Ok(Planned {
        update,
        kind,
        to_state,
        public,
        note,
    }))
}

pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<(i64, String)>,
    form: web::Form<ActForm>,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    user.require(Page::Matters, l)?;
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
    if !may(user.role, action, facts(m, l)?) {
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

    let planned = match plan(action, &form, &ctx, merge_target.as_ref(), l)? {
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
            kind: &planned.kind,
            from_state: planned.to_state.map(|_| from_state),
            to_state: planned.to_state,
            note: &planned.note,
            public: planned.public,
            at: Utc::now(),
        };
        Ok(matters::apply(c, id, version, &planned.update, &step)?)
    })
    .await?;
    match applied {
        Applied::Done(_) => Ok(see_other(&format!(
            "/staff/matters/{id}?done={}",
            action.code()
        ))),
        Applied::Stale => conflict(&req, &state, &user, l, id, version).await,
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

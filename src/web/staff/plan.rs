//! Starting matters that are not citizens' requests: a key project for a
//! leader to claim, a department or town matter, a community micro-matter,
//! and a community's request for a volunteer service from the menu. Each is
//! stored like any request and then taken through the ordinary steps.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::db::catalog::{self, Unit};
use crate::db::matters::{self, Applied, Intake, Step};
use crate::db::{AnyConnection, DbError, volunteers};
use crate::domain::UnitKind;
use crate::domain::access::{Action, Page, may};
use crate::domain::money::parse_yuan;
use crate::domain::request::{ADDRESS_CHARS, DESCRIPTION_CHARS, TITLE_CHARS};
use crate::domain::{Channel, Deadlines, Role, Source, Transition};
use crate::views::Choice;
use crate::views::staff::PlanPage;
use crate::web::AppState;
use crate::web::auth::StaffUser;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::staff::matter::{self as matter_page, ActForm, Context};
use crate::web::{csrf, db, page, see_other};

/// What is being planned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Project,
    Department,
    Micro,
    Service,
}

impl Kind {
    fn page(self) -> Page {
        match self {
            Kind::Project => Page::PlanProject,
            Kind::Department => Page::PlanDepartment,
            Kind::Micro => Page::RaiseMicro,
            Kind::Service => Page::ServiceRequest,
        }
    }

    fn channel(self) -> Channel {
        match self {
            Kind::Project => Channel::Leader,
            Kind::Department => Channel::Department,
            Kind::Micro => Channel::Micro,
            Kind::Service => Channel::Volunteer,
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Kind::Project => "/staff/plan/project",
            Kind::Department => "/staff/plan/department",
            Kind::Micro => "/staff/plan/micro",
            Kind::Service => "/staff/plan/service",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Project => "project",
            Kind::Department => "department",
            Kind::Micro => "micro",
            Kind::Service => "service",
        }
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlanForm {
    csrf_token: String,
    title: String,
    description: String,
    category: String,
    unit: String,
    address: String,
    amount: String,
    menu_item: String,
}

/// The lists a planning form chooses from.
struct Lists {
    units: Vec<Unit>,
    categories: Vec<catalog::Category>,
    menu: Vec<volunteers::MenuItem>,
}

async fn lists(state: &web::Data<AppState>, l: Lang) -> Result<Lists, AppError> {
    db(state, l, |c| {
        Ok(Lists {
            units: catalog::all_units(c)?,
            categories: catalog::active_categories(c)?,
            menu: volunteers::menu(c)?,
        })
    })
    .await
}

/// The units the matter may belong to: owner units for department matters,
/// communities for micro-matters and services, towns and communities for a
/// project's place. Unit staff choose among their own units.
fn unit_choices<'a>(kind: Kind, user: &StaffUser, lists: &'a Lists) -> Vec<&'a Unit> {
    let own =
        |u: &Unit| user.role != Role::UnitStaff || user.scope.covers(kind.channel(), Some(u.id));
    lists
        .units
        .iter()
        .filter(|u| match kind {
            Kind::Project => matches!(
                u.kind,
                UnitKind::Town | UnitKind::Community | UnitKind::Department
            ),
            Kind::Department => matches!(u.kind, UnitKind::Town | UnitKind::Department),
            Kind::Micro | Kind::Service => u.kind == UnitKind::Community,
        })
        .filter(|u| own(u))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn plan_page(
    req: &HttpRequest,
    user: &StaffUser,
    l: Lang,
    kind: Kind,
    lists: &Lists,
    form: &PlanForm,
    errors: Vec<(&'static str, &'static str)>,
) -> PlanPage {
    PlanPage {
        l,
        nav: super::nav(user, l, csrf::token(req), "plan"),
        csrf: csrf::token(req),
        action: kind.path(),
        title: l.t(&format!("staff.plan.{}_title", kind.key())),
        intro: l.t(&format!("staff.plan.{}_intro", kind.key())),
        unit_label: l.t(&format!("staff.plan.{}_unit", kind.key())),
        categories: lists
            .categories
            .iter()
            .map(|c| Choice::new(c.id, l.pick(&c.name, &c.name_en), &form.category))
            .collect(),
        units: unit_choices(kind, user, lists)
            .into_iter()
            .map(|u| Choice::new(u.id, l.pick(&u.name, &u.name_en), &form.unit))
            .collect(),
        menu: lists
            .menu
            .iter()
            .filter(|m| m.active)
            .map(|m| Choice::new(m.id, &m.title, &form.menu_item))
            .collect(),
        amount: kind == Kind::Micro,
        service: kind == Kind::Service,
        form_title: form.title.clone(),
        description: form.description.clone(),
        address: form.address.clone(),
        amount_value: form.amount.clone(),
        errors: errors.into_iter().map(|(f, k)| (f, l.t(k))).collect(),
    }
}

fn bounded(text: &str, (min, max): (usize, usize), multiline: bool) -> Option<&'static str> {
    let n = text.chars().count();
    if n == 0 {
        Some("form.error.required")
    } else if text
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        Some("form.error.control")
    } else if n < min {
        Some("form.error.too_short")
    } else if n > max {
        Some("form.error.too_long")
    } else {
        None
    }
}

/// What a checked planning form holds.
pub struct Checked {
    pub title: String,
    pub description: String,
    pub category: catalog::Category,
    pub unit: Unit,
    pub address: String,
    pub amount: Option<i64>,
    pub menu_item: Option<volunteers::MenuItem>,
}

fn check(
    kind: Kind,
    user: &StaffUser,
    lists: &Lists,
    form: &PlanForm,
) -> Result<Checked, Vec<(&'static str, &'static str)>> {
    let mut errors = Vec::new();
    let menu_item = lists
        .menu
        .iter()
        .find(|m| m.active && form.menu_item.trim().parse() == Ok(m.id))
        .cloned();
    let title = match (kind, form.title.trim(), &menu_item) {
        (Kind::Service, "", Some(item)) => item.title.clone(),
        (_, t, _) => t.to_owned(),
    };
    if let Some(e) = bounded(&title, TITLE_CHARS, false) {
        errors.push(("title", e));
    }
    let description = form.description.trim().to_owned();
    if let Some(e) = bounded(&description, DESCRIPTION_CHARS, true) {
        errors.push(("description", e));
    }
    let address = form.address.trim().to_owned();
    if !address.is_empty()
        && let Some(e) = bounded(&address, ADDRESS_CHARS, false)
    {
        errors.push(("address", e));
    }
    let category = lists
        .categories
        .iter()
        .find(|c| form.category.trim().parse() == Ok(c.id))
        .cloned();
    if category.is_none() {
        errors.push((
            "category",
            if form.category.trim().is_empty() {
                "form.error.required"
            } else {
                "form.error.choice"
            },
        ));
    }
    let unit = unit_choices(kind, user, lists)
        .into_iter()
        .find(|u| form.unit.trim().parse() == Ok(u.id))
        .cloned();
    if unit.is_none() {
        errors.push((
            "unit",
            if form.unit.trim().is_empty() {
                "form.error.required"
            } else {
                "form.error.choice"
            },
        ));
    }
    let amount = parse_yuan(&form.amount);
    if kind == Kind::Micro && amount.is_none() {
        errors.push(("amount", "staff.error.amount"));
    }
    if kind == Kind::Service && menu_item.is_none() {
        errors.push(("menu_item", "form.error.choice"));
    }
    match (category, unit) {
        (Some(category), Some(unit)) if errors.is_empty() => Ok(Checked {
            title,
            description,
            category,
            unit,
            address,
            amount: amount.filter(|_| kind == Kind::Micro),
            menu_item,
        }),
        _ => Err(errors),
    }
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    kind: web::Data<Kind>,
) -> Result<HttpResponse, AppError> {
    let kind = **kind;
    user.require(kind.page(), l)?;
    let lists = lists(&state, l).await?;
    Ok(page(
        &req,
        plan_page(
            &req,
            &user,
            l,
            kind,
            &lists,
            &PlanForm::default(),
            Vec::new(),
        ),
    ))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    kind: web::Data<Kind>,
    form: web::Form<PlanForm>,
) -> Result<HttpResponse, AppError> {
    // The user is known only once the body is read: a lapsed session must not
    // leave the body unread (the connection would be dropped under the client).
    let user = StaffUser::extract(&req).await?;
    let kind = **kind;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    user.require(kind.page(), l)?;
    let lists = lists(&state, l).await?;
    let checked = match check(kind, &user, &lists, &form) {
        Ok(c) => c,
        Err(errors) => {
            let mut res = page(&req, plan_page(&req, &user, l, kind, &lists, &form, errors));
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let prefix = state.settings.code_prefix.clone();
    let units = lists.units.clone();
    let user_for_steps = user.clone();
    let id = db(&state, l, move |c| {
        start(
            c,
            &prefix,
            kind,
            &checked,
            &units,
            &user_for_steps,
            l,
            Utc::now(),
        )
    })
    .await?;
    Ok(see_other(&format!("/staff/matters/{id}")))
}

/// Stores the planned matter and takes it as far as its kind goes on its
/// own: a project is accepted (waiting for a leader's claim), a department
/// matter accepted and dispatched to its owner unit, a service request
/// accepted (waiting for a volunteer); a micro-matter waits for approval.
#[allow(clippy::too_many_arguments)]
pub fn start(
    c: &mut AnyConnection,
    prefix: &str,
    kind: Kind,
    checked: &Checked,
    units: &[Unit],
    user: &StaffUser,
    l: Lang,
    now: chrono::DateTime<Utc>,
) -> Result<i64, DbError> {
    let town_id = match checked.unit.kind {
        UnitKind::Town => Some(checked.unit.id),
        UnitKind::Community => checked.unit.parent_id,
        _ => None,
    };
    // Projects and department matters are planned over a year; micro-matters
    // and services keep their category's short limits.
    let deadlines = match kind {
        Kind::Project | Kind::Department => Deadlines::new(checked.category.sign_hours, 365),
        Kind::Micro | Kind::Service => {
            Deadlines::new(checked.category.sign_hours, checked.category.resolve_days)
        }
    };
    let intake = Intake {
        code: "",
        channel: kind.channel(),
        source: Source::Staff,
        category_id: checked.category.id,
        title: &checked.title,
        description: &checked.description,
        town_id,
        place_id: Some(checked.unit.id),
        address: &checked.address,
        citizen_name: None,
        citizen_phone: None,
        received: now,
        due: deadlines.map(|d| d.resolve_by(now)),
        radio_date: None,
        recorded_by: Some((user.id, &user.display_name)),
        unit_id: kind_unit(kind, checked),
        requested_fen: checked.amount,
        menu_item_id: checked.menu_item.as_ref().map(|m| m.id),
        api: None,
    };
    let (id, _) = matters::insert_with_new_code(c, prefix, &mut rand::rng(), &intake)?;

    // The steps a planner takes at once, as a dispatcher would.
    let mut steps: Vec<(Transition, ActForm)> = Vec::new();
    match kind {
        Kind::Project | Kind::Service => steps.push((Transition::Accept, ActForm::default())),
        Kind::Department => {
            steps.push((Transition::Accept, ActForm::default()));
            steps.push((
                Transition::Dispatch,
                ActForm {
                    unit: checked.unit.id.to_string(),
                    ..ActForm::default()
                },
            ));
        }
        Kind::Micro => {}
    }
    let planner = StaffUser {
        role: Role::Dispatcher,
        ..user.clone()
    };
    let categories = catalog::all_categories(c)?;
    for (t, form) in steps {
        take(
            c,
            id,
            &planner,
            Action::Take(t),
            &form,
            units,
            &categories,
            l,
            now,
        )?;
    }
    Ok(id)
}

/// The unit a planned matter starts with: the owner of a department matter,
/// the community of a micro-matter or service request; none for a project
/// (its lead unit comes with the leader's claim).
fn kind_unit(kind: Kind, checked: &Checked) -> Option<i64> {
    match kind {
        Kind::Project | Kind::Department => None,
        Kind::Micro | Kind::Service => Some(checked.unit.id),
    }
}

/// Takes one step on a matter the way the matter page's form does: the
/// same permission check, the same plan, one transaction. Used by planning
/// and by the demo history.
#[allow(clippy::too_many_arguments)]
pub fn take(
    c: &mut AnyConnection,
    id: i64,
    user: &StaffUser,
    action: Action,
    form: &ActForm,
    units: &[Unit],
    categories: &[catalog::Category],
    l: Lang,
    now: chrono::DateTime<Utc>,
) -> Result<Applied, DbError> {
    let Some(matter) = matters::by_id(c, id)? else {
        return Err(DbError::Migrate(format!("matter {id} vanished")));
    };
    let ctx = Context {
        categories: categories.to_vec(),
        milestones: matters::milestones_of(c, id)?,
        units: units.to_vec(),
        matter,
        events: Vec::new(),
        primary: None,
        claimant: None,
        menu_item: None,
        fund_available: None,
    };
    let facts =
        matter_page::facts(&ctx.matter, user, l).map_err(|e| DbError::Migrate(e.to_string()))?;
    if !may(user.role, action, facts) {
        return Ok(Applied::Refused("error.forbidden_text"));
    }
    let planned = match matter_page::plan(action, form, &ctx, user, None, l, now) {
        Ok(Ok(p)) => p,
        Ok(Err(refusal)) => return Ok(Applied::Refused(refusal.0)),
        Err(e) => return Err(DbError::Migrate(e.to_string())),
    };
    let from_state = Some(ctx.matter.state);
    let step = Step {
        actor_id: Some(user.id),
        actor: &user.display_name,
        kind: planned.kind,
        from_state: planned.to_state.and(from_state),
        to_state: planned.to_state,
        note: &planned.note,
        public: planned.public,
        at: now,
    };
    Ok(matters::apply(
        c,
        id,
        ctx.matter.version,
        &planned.update,
        &step,
        &planned.extra,
    )?)
}

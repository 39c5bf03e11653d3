//! The planning forms: a key project for a leader to claim, a department
//! or town matter, a community micro-matter, and a community's request for
//! a volunteer service. What each starts as is `app::plan`'s business.

use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::app::Staff;
use crate::app::plan::{self, Lists, PlanInput};
use crate::domain::access::Plan;
use crate::domain::request::{Field, Problem};
use crate::views::Choice;
use crate::views::staff::PlanPage;
use crate::web::auth::{PageAccess, StaffUser};
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::{AppState, csrf, db, page, see_other};

/// Where each kind's form lives.
pub fn path(plan: Plan) -> &'static str {
    match plan {
        Plan::Project => "/staff/plan/project",
        Plan::Department => "/staff/plan/department",
        Plan::Micro => "/staff/plan/micro",
        Plan::Service => "/staff/plan/service",
    }
}

/// The title, introduction and unit label of each kind's form.
fn texts(plan: Plan) -> [&'static str; 3] {
    match plan {
        Plan::Project => [
            "staff.plan.project_title",
            "staff.plan.project_intro",
            "staff.plan.project_unit",
        ],
        Plan::Department => [
            "staff.plan.department_title",
            "staff.plan.department_intro",
            "staff.plan.department_unit",
        ],
        Plan::Micro => [
            "staff.plan.micro_title",
            "staff.plan.micro_intro",
            "staff.plan.micro_unit",
        ],
        Plan::Service => [
            "staff.plan.service_title",
            "staff.plan.service_intro",
            "staff.plan.service_unit",
        ],
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

impl PlanForm {
    fn input(&self) -> PlanInput {
        PlanInput {
            title: self.title.clone(),
            description: self.description.clone(),
            category: self.category.clone(),
            unit: self.unit.clone(),
            address: self.address.clone(),
            amount: self.amount.clone(),
            menu_item: self.menu_item.clone(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn plan_page(
    req: &HttpRequest,
    user: &Staff,
    l: Lang,
    kind: Plan,
    lists: &Lists,
    form: &PlanForm,
    problems: Vec<(Field, Problem)>,
) -> PlanPage {
    let [title, intro, unit_label] = texts(kind);
    PlanPage {
        l,
        nav: super::nav(user, l, csrf::token(req), path(kind)),
        csrf: csrf::token(req),
        action: path(kind),
        title: l.t(title),
        intro: l.t(intro),
        unit_label: l.t(unit_label),
        categories: lists
            .categories
            .iter()
            .map(|c| Choice::new(c.id, l.pick(&c.name, &c.name_en), &form.category))
            .collect(),
        units: plan::unit_choices(kind, user, lists)
            .into_iter()
            .map(|u| Choice::new(u.id, l.pick(&u.name, &u.name_en), &form.unit))
            .collect(),
        menu: lists
            .menu
            .iter()
            .filter(|m| m.active)
            .map(|m| Choice::new(m.id, &m.title, &form.menu_item))
            .collect(),
        amount: kind == Plan::Micro,
        service: kind == Plan::Service,
        form_title: form.title.clone(),
        description: form.description.clone(),
        address: form.address.clone(),
        amount_value: form.amount.clone(),
        errors: problems
            .into_iter()
            .map(|(f, p)| (f.name(), l.t(p.key())))
            .collect(),
    }
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    kind: web::Data<Plan>,
) -> Result<HttpResponse, AppError> {
    let kind = **kind;
    user.require(kind.page(), l)?;
    let lists = db(&state, l, plan::lists).await?;
    let body = plan_page(
        &req,
        &user,
        l,
        kind,
        &lists,
        &PlanForm::default(),
        Vec::new(),
    );
    Ok(page(&req, body))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    kind: web::Data<Plan>,
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
    let lists = db(&state, l, plan::lists).await?;
    let checked = match plan::check(kind, &user, &lists, &form.input()) {
        Ok(c) => c,
        Err(problems) => {
            let mut res = page(
                &req,
                plan_page(&req, &user, l, kind, &lists, &form, problems),
            );
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let prefix = state.settings.code_prefix.clone();
    let planner = user.clone();
    let id = db(&state, l, move |c| {
        plan::start(c, &prefix, kind, &checked, &planner, Utc::now())
    })
    .await?;
    Ok(see_other(&format!("/staff/matters/{id}")))
}

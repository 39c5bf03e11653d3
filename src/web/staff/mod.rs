//! The staff workspace under `/staff/`: login, inbox, a matter's page and
//! its actions, intake of requests taken by phone, radio or at the counter.

pub mod admin;
pub mod dashboard;
pub mod export;
pub mod fund;
pub mod inbox;
pub mod intake;
pub mod login;
pub mod matter;
pub mod plan;
pub mod volunteer;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

use crate::web::routes::Table;

use crate::domain::access::{Page, Plan, may_plan, may_view};
use crate::views::staff::{StaffHome, StaffNav};
use crate::web::auth::StaffUser;
use crate::web::i18n::Lang;
use crate::web::{csrf, page};

/// The staff workspace's routes.
pub fn routes(t: &mut Table<'_>) {
    t.get("/staff", home)
        .get("/staff/", home)
        .get("/staff/login", login::form)
        .post("/staff/login", login::submit)
        .post("/staff/logout", login::logout)
        .get("/staff/matters", inbox::inbox)
        .get("/staff/matters.{format}", export::inbox)
        .get("/staff/fund.{format}", export::fund_ledger)
        .get("/staff/dashboard.{format}", export::dashboard_tables)
        .get("/staff/overdue", inbox::overdue)
        .post("/staff/matters/bulk", inbox::bulk)
        .get("/staff/matters/{id}", matter::show)
        .post("/staff/matters/{id}/{action}", matter::act)
        .get("/staff/intake", intake::form)
        .post("/staff/intake", intake::submit)
        .get("/staff/dashboard", dashboard::show)
        .get("/staff/admin", admin::show)
        .post("/staff/admin/categories", admin::add_category)
        .post("/staff/admin/categories/{id}", admin::update_category)
        .post("/staff/admin/units", admin::add_unit)
        .post("/staff/admin/keys", admin::add_key)
        .post("/staff/admin/keys/{id}/revoke", admin::revoke_key)
        .post("/staff/admin/users/{id}/disable", admin::disable_user)
        .post("/staff/admin/users/{id}/email", admin::set_user_email)
        .get("/staff/fund", fund::ledger)
        .post("/staff/fund/allocate", fund::allocate)
        .get("/staff/volunteers", volunteer::overview)
        .post("/staff/volunteers/teams", volunteer::add_team)
        .post("/staff/volunteers/menu", volunteer::add_menu_item)
        .get("/staff/volunteers/{id}", volunteer::record)
        .get("/staff/me", volunteer::me)
        .post("/staff/me/report", volunteer::report)
        .post("/staff/me/claims", volunteer::claim)
        .post("/staff/me/services", volunteer::service);
    for kind in Plan::ALL {
        t.resource(plan::path(kind), &[Method::GET, Method::POST], |path| {
            web::resource(path)
                .app_data(web::Data::new(kind))
                .route(web::get().to(plan::form))
                .route(web::post().to(plan::submit))
        });
    }
}

/// `/staff`: where each role starts: the inbox, or a welcome page for
/// roles without one.
async fn home(req: HttpRequest, user: StaffUser, l: Lang) -> HttpResponse {
    if user.role == crate::domain::Role::Volunteer {
        return crate::web::see_other("/staff/me");
    }
    if may_view(user.role, Page::Matters) {
        return crate::web::see_other("/staff/matters");
    }
    let nav = nav(&user, l, csrf::token(&req), "home");
    page(&req, StaffHome { l, nav })
}

/// The navigation every staff page carries.
pub fn nav(user: &StaffUser, l: Lang, csrf: String, current: &'static str) -> StaffNav {
    StaffNav {
        display_name: user.display_name.clone(),
        role: l.t(user.role.label_key()),
        csrf,
        current,
        inbox: may_view(user.role, Page::Matters),
        overdue: may_view(user.role, Page::Overdue),
        intake: may_view(user.role, Page::Intake),
        dashboard: may_view(user.role, Page::Dashboard),
        fund: may_view(user.role, Page::Fund),
        volunteers: may_view(user.role, Page::Volunteers),
        me: may_view(user.role, Page::VolunteerSelf),
        admin: may_view(user.role, Page::Administration),
        plans: [
            (Plan::Project, "staff.nav.plan_project"),
            (Plan::Department, "staff.nav.plan_department"),
            (Plan::Micro, "staff.nav.plan_micro"),
            (Plan::Service, "staff.nav.plan_service"),
        ]
        .into_iter()
        .filter(|(kind, _)| may_plan(user.role, *kind))
        .map(|(kind, key)| (plan::path(kind), l.t(key)))
        .collect(),
    }
}

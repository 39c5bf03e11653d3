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

use actix_web::{HttpRequest, HttpResponse, web};

use crate::domain::access::{Page, may_view};
use crate::views::staff::{StaffHome, StaffNav};
use crate::web::auth::StaffUser;
use crate::web::i18n::Lang;
use crate::web::{csrf, page};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/staff", web::get().to(home))
        .route("/staff/", web::get().to(home))
        .route("/staff/login", web::get().to(login::form))
        .route("/staff/login", web::post().to(login::submit))
        .route("/staff/logout", web::post().to(login::logout))
        .route("/staff/matters", web::get().to(inbox::inbox))
        .route("/staff/matters.{format}", web::get().to(export::inbox))
        .route("/staff/fund.{format}", web::get().to(export::fund_ledger))
        .route(
            "/staff/dashboard.{format}",
            web::get().to(export::dashboard_tables),
        )
        .route("/staff/overdue", web::get().to(inbox::overdue))
        .route("/staff/matters/{id}", web::get().to(matter::show))
        .route("/staff/matters/{id}/{action}", web::post().to(matter::act))
        .route("/staff/intake", web::get().to(intake::form))
        .route("/staff/intake", web::post().to(intake::submit))
        .route("/staff/dashboard", web::get().to(dashboard::show))
        .route("/staff/admin", web::get().to(admin::show))
        .route(
            "/staff/admin/categories",
            web::post().to(admin::add_category),
        )
        .route(
            "/staff/admin/categories/{id}",
            web::post().to(admin::update_category),
        )
        .route("/staff/admin/units", web::post().to(admin::add_unit))
        .route("/staff/admin/keys", web::post().to(admin::add_key))
        .route(
            "/staff/admin/keys/{id}/revoke",
            web::post().to(admin::revoke_key),
        )
        .route(
            "/staff/admin/users/{id}/disable",
            web::post().to(admin::disable_user),
        )
        .route("/staff/fund", web::get().to(fund::ledger))
        .route("/staff/fund/allocate", web::post().to(fund::allocate))
        .route("/staff/volunteers", web::get().to(volunteer::overview))
        .route(
            "/staff/volunteers/teams",
            web::post().to(volunteer::add_team),
        )
        .route(
            "/staff/volunteers/menu",
            web::post().to(volunteer::add_menu_item),
        )
        .route("/staff/volunteers/{id}", web::get().to(volunteer::record))
        .route("/staff/me", web::get().to(volunteer::me))
        .route("/staff/me/report", web::post().to(volunteer::report))
        .route("/staff/me/claims", web::post().to(volunteer::claim))
        .route("/staff/me/services", web::post().to(volunteer::service));
    for kind in [
        plan::Kind::Project,
        plan::Kind::Department,
        plan::Kind::Micro,
        plan::Kind::Service,
    ] {
        cfg.service(
            web::resource(kind.path())
                .app_data(web::Data::new(kind))
                .route(web::get().to(plan::form))
                .route(web::post().to(plan::submit)),
        );
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
        role: l.t(&format!("role.{}", user.role.code())),
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
            (
                plan::Kind::Project,
                Page::PlanProject,
                "staff.nav.plan_project",
            ),
            (
                plan::Kind::Department,
                Page::PlanDepartment,
                "staff.nav.plan_department",
            ),
            (plan::Kind::Micro, Page::RaiseMicro, "staff.nav.plan_micro"),
            (
                plan::Kind::Service,
                Page::ServiceRequest,
                "staff.nav.plan_service",
            ),
        ]
        .into_iter()
        .filter(|(_, page, _)| may_view(user.role, *page))
        .map(|(kind, _, key)| (kind.path(), l.t(key)))
        .collect(),
    }
}

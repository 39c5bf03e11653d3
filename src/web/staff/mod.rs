//! The staff workspace under `/staff/`: login, inbox, a matter's page and
//! its actions, intake of requests taken by phone, radio or at the counter.

pub mod inbox;
pub mod intake;
pub mod login;
pub mod matter;

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
        .route("/staff/overdue", web::get().to(inbox::overdue))
        .route("/staff/matters/{id}", web::get().to(matter::show))
        .route("/staff/matters/{id}/{action}", web::post().to(matter::act))
        .route("/staff/intake", web::get().to(intake::form))
        .route("/staff/intake", web::post().to(intake::submit));
}

/// `/staff`: where each role starts: the inbox, or a welcome page for
/// roles without one.
async fn home(req: HttpRequest, user: StaffUser, l: Lang) -> HttpResponse {
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
    }
}

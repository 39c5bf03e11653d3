//! The route table (DESIGN.md section 4: these paths are a contract), and
//! what happens to requests that cannot be read.

use actix_web::error::{InternalError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};

use crate::error::ErrorKind;
use crate::web::i18n::Lang;
use crate::web::{open311, public, staff};

/// Largest form body taken, in bytes. The longest legitimate form (a 2,000
/// character description in Chinese, percent-encoded) is about 20 KiB; up
/// to this size an overlong field gets its own message on the form again,
/// beyond it the body is refused unread.
pub const FORM_LIMIT: usize = 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(public::home))
        .route("/submit", web::get().to(public::submit_form))
        .route("/submit", web::post().to(public::submit))
        .route("/track", web::get().to(public::lookup))
        .route("/track/{code}", web::get().to(public::track))
        .route("/track/{code}/qr.svg", web::get().to(public::qr))
        .route("/track/{code}/rate", web::post().to(public::rate))
        .route("/projects", web::get().to(public::projects))
        .route("/healthz", web::get().to(public::healthz))
        .route("/static/style.css", web::get().to(public::stylesheet))
        .configure(staff::configure)
        .configure(open311::configure)
        .default_service(web::to(not_found));
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ErrorKind::NotFound.lang(Lang::of(&req)).error_response()
}

fn bad_request(req: &HttpRequest, cause: impl std::fmt::Display) -> actix_web::Error {
    log::info!("unreadable request to {}: {cause}", req.path());
    let response = ErrorKind::BadRequest.lang(Lang::of(req)).error_response();
    InternalError::from_response(cause.to_string(), response).into()
}

/// Forms: bounded size; anything unreadable gets the 400 page.
pub fn form_config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(FORM_LIMIT)
        .error_handler(|err: UrlencodedError, req| bad_request(req, err))
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, req| bad_request(req, err))
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, req| bad_request(req, err))
}

//! The route table (DESIGN.md section 4: these paths are a contract), and
//! what happens to requests that cannot be read.

use actix_web::error::{InternalError, PathError, QueryPayloadError, UrlencodedError};
use actix_web::http::Method;
use actix_web::{
    FromRequest, Handler, HttpRequest, HttpResponse, Resource, Responder, ResponseError, Route, web,
};

use crate::web::error::ErrorKind;
use crate::web::i18n::Lang;
use crate::web::{find, open311, photos, public, staff};

/// Largest form body taken, in bytes. The longest legitimate form (a 2,000
/// character description in Chinese, percent-encoded) is about 20 KiB; up
/// to this size an overlong field gets its own message on the form again,
/// beyond it the body is refused unread.
pub const FORM_LIMIT: usize = 1024 * 1024;

/// Every route of the app. The server registers them through this, and
/// [`list`] reads them from it, so the access tests cover each new route.
pub fn routes(t: &mut Table<'_>) {
    t.get("/", public::home)
        .get("/submit", public::submit_form)
        .post("/submit", public::submit)
        .get("/track", public::lookup)
        .get("/track/{code}", public::track)
        .get("/track/{code}/qr.svg", public::qr)
        .post("/track/{code}/rate", public::rate)
        .get("/projects", public::projects)
        .get("/privacy", public::privacy)
        .get("/find", find::form)
        .post("/find", find::ask)
        .get("/photos/{token}", photos::full)
        .get("/photos/{token}/thumb", photos::thumb)
        .get("/healthz", public::healthz)
        .get("/readyz", public::readyz)
        .get("/static/style.css", public::stylesheet)
        .get("/favicon.ico", public::favicon);
    staff::routes(t);
    open311::routes(t);
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    routes(&mut Table {
        cfg: Some(&mut *cfg),
        seen: Vec::new(),
    });
    cfg.default_service(web::to(not_found));
}

/// Every (method, path pattern) the app answers.
pub fn list() -> Vec<(Method, String)> {
    let mut t = Table {
        cfg: None,
        seen: Vec::new(),
    };
    routes(&mut t);
    t.seen
}

/// Registers routes and remembers them.
pub struct Table<'a> {
    cfg: Option<&'a mut web::ServiceConfig>,
    seen: Vec<(Method, String)>,
}

impl Table<'_> {
    pub fn get<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, || web::get().to(handler))
    }

    pub fn post<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, || web::post().to(handler))
    }

    fn add(&mut self, method: Method, path: &str, route: impl FnOnce() -> Route) -> &mut Self {
        self.seen.push((method, path.to_owned()));
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, route());
        }
        self
    }

    /// A resource built by hand (with its own app data), answering `methods`.
    pub fn resource(
        &mut self,
        path: &str,
        methods: &[Method],
        make: impl FnOnce(&str) -> Resource,
    ) -> &mut Self {
        self.seen
            .extend(methods.iter().map(|m| (m.clone(), path.to_owned())));
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.service(make(path));
        }
        self
    }
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

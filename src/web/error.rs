//! One error type for the web layer, mapped to HTTP once. Internal causes
//! are logged; the person sees a clear page in their language.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, RETRY_AFTER};
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use crate::app;
use crate::db::DbError;
use crate::views::ErrorPage;
use crate::web::i18n::Lang;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// 404: no such page or record.
    NotFound,
    /// 400: the request could not be read (malformed, too large).
    BadRequest,
    /// 403: the form's CSRF token is missing or wrong.
    Csrf,
    /// 303 to the login page, then back to this path.
    LoginRequired(String),
    /// 403: this role may not open this page or take this action.
    Forbidden,
    /// 409: the matter changed since the form was loaded.
    Conflict,
    /// 429: too many submissions from one address; retry after so many seconds.
    TooMany { retry_after: u64 },
    /// 429: too many tracking codes looked up that do not exist.
    TooManyLookups { retry_after: u64 },
    /// 413: an upload larger than any form takes.
    TooLarge,
    /// 503: the database cannot be reached.
    Unavailable,
    /// 500: a bug or a failed query; details are in the log.
    Internal,
}

impl ErrorKind {
    /// This error, to be shown in `lang`.
    pub fn lang(self, lang: Lang) -> AppError {
        AppError { kind: self, lang }
    }
}

/// An error on its way to becoming a page.
#[derive(Clone, Debug)]
pub struct AppError {
    pub kind: ErrorKind,
    pub lang: Lang,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.kind)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self.kind {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Csrf | ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::LoginRequired(_) => StatusCode::SEE_OTHER,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::TooMany { .. } | ErrorKind::TooManyLookups { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let l = self.lang;
        if let ErrorKind::LoginRequired(target) = &self.kind {
            return HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, target.as_str()))
                .finish();
        }
        let (title, text) = match &self.kind {
            ErrorKind::NotFound => (l.t("error.not_found_title"), l.t("error.not_found_text")),
            ErrorKind::BadRequest => (
                l.t("error.bad_request_title"),
                l.t("error.bad_request_text"),
            ),
            ErrorKind::Csrf => (l.t("error.csrf_title"), l.t("error.csrf_text")),
            ErrorKind::Forbidden => (l.t("error.forbidden_title"), l.t("error.forbidden_text")),
            ErrorKind::Conflict => (l.t("error.conflict_title"), l.t("error.conflict_text")),
            ErrorKind::LoginRequired(_) => (l.t("staff.login.title"), String::new()),
            ErrorKind::TooMany { retry_after } => {
                let retry_after = *retry_after;
                let minutes = retry_after.div_ceil(60).max(1).to_string();
                (
                    l.t("error.too_many_title"),
                    l.tf("error.too_many_text", &[("minutes", &minutes)]),
                )
            }
            ErrorKind::TooManyLookups { retry_after } => {
                let minutes = retry_after.div_ceil(60).max(1).to_string();
                (
                    l.t("error.too_many_lookups_title"),
                    l.tf("error.too_many_lookups_text", &[("minutes", &minutes)]),
                )
            }
            ErrorKind::TooLarge => (l.t("error.too_large_title"), l.t("error.too_large_text")),
            ErrorKind::Unavailable => (l.t("error.unavailable_title"), l.t("error.internal_text")),
            ErrorKind::Internal => (l.t("error.internal_title"), l.t("error.internal_text")),
        };
        let page = ErrorPage { l, title, text };
        let mut res = HttpResponse::build(self.status_code());
        res.insert_header((CONTENT_TYPE, "text/html; charset=utf-8"));
        if let ErrorKind::TooMany { retry_after } | ErrorKind::TooManyLookups { retry_after } =
            &self.kind
        {
            res.insert_header((RETRY_AFTER, (*retry_after).max(1).to_string()));
        }
        match page.render() {
            Ok(html) => res.body(html),
            Err(e) => {
                log::error!("error page did not render: {e}");
                res.body(page.text)
            }
        }
    }
}

/// Turns any failure into a logged 500.
pub trait OrInternal<T> {
    fn or_500(self, lang: Lang) -> Result<T, AppError>;
}

impl<T, E: fmt::Display> OrInternal<T> for Result<T, E> {
    fn or_500(self, lang: Lang) -> Result<T, AppError> {
        self.map_err(|e| {
            log::error!("internal error: {e}");
            ErrorKind::Internal.lang(lang)
        })
    }
}

/// A use case's error as the page it becomes. A refusal that a form should
/// show beside its fields is caught by the handler before it gets here.
pub fn from_app(e: app::Error, lang: Lang) -> AppError {
    let kind = match e {
        app::Error::NotFound => ErrorKind::NotFound,
        app::Error::Forbidden => ErrorKind::Forbidden,
        app::Error::Stale { .. } | app::Error::Duplicate => ErrorKind::Conflict,
        app::Error::Refused(_) => ErrorKind::BadRequest,
        app::Error::Db(DbError::Pool(e)) => {
            log::error!("database unavailable: {e}");
            ErrorKind::Unavailable
        }
        app::Error::Db(DbError::Writer(e)) => {
            log::error!("write not committed: {e}");
            ErrorKind::Unavailable
        }
        app::Error::Db(e) => {
            log::error!("{e}");
            ErrorKind::Internal
        }
    };
    kind.lang(lang)
}

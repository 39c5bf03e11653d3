//! The page language of a request: `?lang=` (remembered in a cookie), the
//! cookie, then Accept-Language; Simplified Chinese when nothing says
//! otherwise.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};

pub use crate::i18n::Lang;

pub const COOKIE: &str = "lang";

impl Lang {
    /// Decides the language of one request.
    pub fn of(req: &HttpRequest) -> Lang {
        query_lang(req.query_string())
            .or_else(|| req.cookie(COOKIE).and_then(|c| Lang::from_tag(c.value())))
            .or_else(|| {
                req.headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|h| h.to_str().ok())
                    .and_then(Lang::negotiate)
            })
            .unwrap_or_default()
    }
}

fn query_lang(query: &str) -> Option<Lang> {
    form_pairs(query)
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(&v))
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((k.to_owned(), v.to_owned()))
    })
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::of(req)))
    }
}

/// Middleware: a `?lang=` choice is remembered in a cookie for a year.
pub async fn remember(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = query_lang(req.query_string());
    let current = req.cookie(COOKIE).and_then(|c| Lang::from_tag(c.value()));
    let mut res = next.call(req).await?;
    if let Some(lang) = chosen
        && current != Some(lang)
    {
        let cookie = Cookie::build(COOKIE, lang.code())
            .path("/")
            .same_site(SameSite::Lax)
            .http_only(true)
            .max_age(CookieDuration::days(365))
            .finish();
        // A header that cannot be added leaves the language unremembered, nothing worse.
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

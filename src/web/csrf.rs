//! CSRF protection for every form: the signed double-submit pattern.
//!
//! Each browser gets a random token in an encrypted, HttpOnly,
//! SameSite=Strict cookie; every form carries the same token in a hidden
//! field. A POST is taken only when the two match. Another site can neither
//! read the cookie nor forge one (it is encrypted with the server's key), so
//! it cannot make a browser post a form that passes.

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;

use crate::web::AppState;

pub const COOKIE: &str = "shishi_csrf";
pub const FIELD: &str = "csrf_token";
const TOKEN_LEN: usize = 43;

/// A token minted during this request, to be set as a cookie on the way out.
#[derive(Clone)]
struct Minted(String);

/// The browser's token, from its cookie.
fn from_cookie(req: &HttpRequest) -> Option<String> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let cookie = req.cookie(COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let value = jar.private(&state.key).get(COOKIE)?.value().to_owned();
    (value.len() == TOKEN_LEN).then_some(value)
}

/// The token a form on this page must carry. A browser without one gets a
/// fresh token, sent back as a cookie with the response.
pub fn token(req: &HttpRequest) -> String {
    if let Some(minted) = req.extensions().get::<Minted>() {
        return minted.0.clone();
    }
    if let Some(existing) = from_cookie(req) {
        return existing;
    }
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let fresh = URL_SAFE_NO_PAD.encode(bytes);
    req.extensions_mut().insert(Minted(fresh.clone()));
    fresh
}

/// Whether a posted token is this browser's. Compared in constant time.
pub fn verify(req: &HttpRequest, posted: &str) -> bool {
    let Some(expected) = from_cookie(req) else {
        return false;
    };
    expected.len() == posted.len()
        && expected
            .bytes()
            .zip(posted.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

fn seal(key: &Key, token: &str, secure: bool) -> Option<Cookie<'static>> {
    let mut jar = CookieJar::new();
    let cookie = Cookie::build(COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .finish();
    jar.private_mut(key).add(cookie);
    jar.get(COOKIE).cloned()
}

/// Middleware: sets the cookie of a token minted while handling the request.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let minted = res.request().extensions().get::<Minted>().cloned();
    if let Some(Minted(token)) = minted
        && let Some(state) = res.request().app_data::<web::Data<AppState>>().cloned()
        && let Some(cookie) = seal(&state.key, &token, state.settings.secure_cookies)
    {
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

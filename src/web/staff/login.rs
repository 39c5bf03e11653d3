//! Login and logout. Failed logins are counted per account and per address
//! in the database (so every instance sees them): past a few, each further
//! attempt is slowed down; past the limit, refused for the rest of the window.

use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::app::accounts;
use crate::db::users;
use crate::views::staff::LoginPage;
use crate::web::AppState;
use crate::web::auth::{StaffUser, log_in, log_out};
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::{client, csrf, db, page, see_other};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
}

/// Only paths inside the staff workspace are followed after login.
fn safe_next(next: &str) -> &str {
    if next.starts_with("/staff/")
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.starts_with("/staff/login")
    {
        next
    } else {
        "/staff"
    }
}

pub async fn form(req: HttpRequest, l: Lang, query: web::Query<LoginQuery>) -> HttpResponse {
    let body = LoginPage {
        l,
        csrf: csrf::token(&req),
        next: safe_next(&query.next).to_owned(),
        username: String::new(),
        error: None,
    };
    page(&req, body)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    username: String,
    password: String,
    next: String,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    l: Lang,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    let form = form.into_inner();
    // No account name holds a control character (and PostgreSQL refuses a
    // NUL in text): such a name simply matches no one.
    let username: String = form
        .username
        .trim()
        .chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(60)
        .collect();
    let password: String = form.password.chars().take(200).collect();
    let attempt = std::sync::Arc::new(accounts::Attempt::new(
        &username,
        &client::address(&req).to_string(),
    ));
    let settings = state.settings.clone();
    let throttle = {
        let attempt = attempt.clone();
        db(&state, l, move |c| {
            accounts::throttle(c, &attempt, &settings, Utc::now())
        })
        .await?
    };
    let (status, error) = match throttle {
        accounts::Throttle::Refused { minutes } => (
            StatusCode::TOO_MANY_REQUESTS,
            l.tf("staff.login.refused", &[("minutes", &minutes.to_string())]),
        ),
        accounts::Throttle::Go {
            wait_ms,
            earlier,
            here,
        } => {
            if wait_ms > 0 {
                log::info!(
                    "login for {username:?} held back {wait_ms} ms ({earlier} recent failures)"
                );
                actix_web::rt::time::sleep(Duration::from_millis(wait_ms)).await;
            }
            let lookup = username.clone();
            let checked = db(&state, l, move |c| {
                accounts::check_password(c, &lookup, &password)
            })
            .await?;
            match checked {
                accounts::Login::Welcome(user) => {
                    db(&state, l, move |c| accounts::succeeded(c, &attempt)).await?;
                    log_in(&session, &user).map_err(|_| ErrorKind::Internal.lang(l))?;
                    log::info!("login: {} ({})", user.username, user.role);
                    return Ok(see_other(safe_next(&form.next)));
                }
                accounts::Login::Disabled => (StatusCode::FORBIDDEN, l.t("staff.login.disabled")),
                accounts::Login::Wrong => {
                    db(&state, l, move |c| {
                        accounts::failed(c, &attempt, Utc::now())
                    })
                    .await?;
                    log::warn!("failed login for {username:?} ({earlier} earlier)");
                    let left = state.settings.login_max_per_account - here - 1;
                    let message = if left <= 2 && left > 0 {
                        l.tf("staff.login.wrong_left", &[("left", &left.to_string())])
                    } else {
                        l.t("staff.login.wrong")
                    };
                    (StatusCode::UNAUTHORIZED, message)
                }
            }
        }
    };
    let body = LoginPage {
        l,
        csrf: csrf::token(&req),
        next: safe_next(&form.next).to_owned(),
        username,
        error: Some(error),
    };
    let mut res = page(&req, body);
    *res.status_mut() = status;
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogoutForm {
    csrf_token: String,
}

/// Ends the session here and everywhere else this user is logged in.
pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    l: Lang,
    form: web::Form<LogoutForm>,
) -> Result<HttpResponse, AppError> {
    // The user is known only once the body is read: a lapsed session must not
    // leave the body unread (the connection would be dropped under the client).
    let user = StaffUser::extract(&req).await?;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    let id = user.id;
    db(&state, l, move |c| Ok(users::end_sessions(c, id)?)).await?;
    log_out(&session);
    Ok(see_other("/staff/login"))
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_staff_paths_are_followed() {
        assert_eq!(
            safe_next("/staff/matters?state=submitted"),
            "/staff/matters?state=submitted"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/staff/login",
            "/\\evil",
            "",
            "/track/x",
        ] {
            assert_eq!(safe_next(bad), "/staff", "{bad}");
        }
    }
}

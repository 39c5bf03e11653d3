//! `/find`: a lost tracking code. The citizen gives the mobile number or
//! e-mail address they left with their requests, and the codes of the last
//! year's go to it (through the outbox, `app::notify::ask_for_codes`). The
//! page answers the same whether or not anything was found, so it tells
//! nobody whether a number was used; asking is limited per client address
//! and per number or address.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::app::notify::{Finding, Reach, ask_for_codes};
use crate::domain::request::Problem;
use crate::domain::{phone, request};
use crate::views::FindPage;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::{AppState, call, client, csrf, page};

fn find_page(req: &HttpRequest, state: &AppState, l: Lang, typed: &str) -> FindPage {
    let s = &state.settings;
    FindPage {
        l,
        csrf: csrf::token(req),
        typed: typed.chars().take(254).collect(),
        error: None,
        done: false,
        by_email: s.email_on(),
        by_sms: s.sms_on(),
        contact: s
            .privacy_contact
            .clone()
            .unwrap_or_else(|| l.t("privacy.contact_default")),
    }
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>, l: Lang) -> HttpResponse {
    page(&req, find_page(&req, &state, l, ""))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindForm {
    csrf_token: String,
    contact: String,
}

/// What was typed, as somewhere the codes can be sent from here.
fn reach(typed: &str, state: &AppState) -> Result<Reach, Problem> {
    let s = &state.settings;
    if typed.contains('@') && s.email_on() {
        return match request::email(typed)? {
            Some(email) => Ok(Reach::Email(email)),
            None => Err(Problem::Required),
        };
    }
    if typed.trim().is_empty() {
        return Err(Problem::Required);
    }
    let number = phone::normalize(typed).map_err(|_| {
        if s.email_on() {
            Problem::NotAnEmail
        } else {
            Problem::NotAPhoneNumber
        }
    })?;
    if phone::is_mobile(&number) && s.sms_on() {
        Ok(Reach::Mobile(number))
    } else {
        Err(Problem::SmsNeedsMobile)
    }
}

pub async fn ask(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<FindForm>,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    let mut body = find_page(&req, &state, l, &form.contact);
    let reach = match reach(&form.contact, &state) {
        Ok(reach) => reach,
        Err(problem) => {
            body.error = Some(l.t(problem.key()));
            let mut res = page(&req, body);
            *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let address = client::address(&req).to_string();
    let lang = l.code().to_owned();
    let finding = call(&state, l, move |c| {
        ask_for_codes(c, &address, &reach, &lang, Utc::now())
    })
    .await?
    .map_err(|e| crate::web::error::from_app(e, l))?;
    match finding {
        Finding::Taken => {
            body.done = true;
            body.typed.clear();
            Ok(page(&req, body))
        }
        Finding::Refused { until } => Err(ErrorKind::TooMany {
            retry_after: u64::try_from((until - Utc::now()).num_seconds()).unwrap_or(0) + 1,
        }
        .lang(l)),
    }
}

//! Staff intake: a request taken by phone, on the radio call-in show
//! (民生微访谈, with the episode's date) or at a counter. The citizen gets
//! the same tracking code and status page as on the web.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::app::requests::{self, Catalog, Origin, RECORDED_SOURCES, radio_date_ok};
use crate::domain::access::Page;
use crate::domain::request::RequestInput;
use crate::domain::{Source, clock};
use crate::views::staff::IntakePage;
use crate::views::{Choice, FormErrors};
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser, staff_form};
use crate::web::error::AppError;
use crate::web::i18n::Lang;
use crate::web::request_form::{category_choices, load_catalog, place_groups, store};
use crate::web::{csrf, page, see_other};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IntakeForm {
    csrf_token: String,
    source: String,
    radio_date: String,
    category: String,
    title: String,
    description: String,
    place: String,
    address: String,
    name: String,
    phone: String,
    consent: Option<String>,
    email: String,
    sms: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn intake_page(
    req: &HttpRequest,
    user: &StaffUser,
    l: Lang,
    catalog: &Catalog,
    input: &RequestInput,
    errors: FormErrors,
    source: &str,
    radio_date: &str,
    source_error: Option<String>,
    radio_error: Option<String>,
) -> IntakePage {
    IntakePage {
        l,
        nav: super::nav(user, l, csrf::token(req), "intake"),
        csrf: csrf::token(req),
        categories: category_choices(catalog, l, &input.category),
        places: place_groups(catalog, l, &input.place),
        input: input.clone(),
        errors,
        sources: RECORDED_SOURCES
            .iter()
            .map(|s| Choice {
                value: s.code().into(),
                label: l.t(s.label_key()),
                selected: s.code() == source,
            })
            .collect(),
        radio_date: radio_date.chars().take(10).collect(),
        source_error,
        radio_error,
        offer_email: false,
        offer_sms: false,
    }
}

/// The page, offering news by e-mail and text message as this server can
/// send them.
fn offering(mut page: IntakePage, state: &AppState) -> IntakePage {
    page.offer_email = state.settings.email_on();
    page.offer_sms = state.settings.sms_on();
    page
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Intake, l)?;
    let catalog = load_catalog(&state, l).await?;
    let body = intake_page(
        &req,
        &user,
        l,
        &catalog,
        &RequestInput::default(),
        FormErrors::default(),
        "phone",
        "",
        None,
        None,
    );
    Ok(page(&req, offering(body, &state)))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<IntakeForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Intake, l).await?;
    let catalog = load_catalog(&state, l).await?;
    let input = RequestInput {
        category: form.category.clone(),
        title: form.title.clone(),
        description: form.description.clone(),
        place: form.place.clone(),
        address: form.address.clone(),
        name: form.name.clone(),
        phone: form.phone.clone(),
        consent: form.consent.is_some(),
        email: if state.settings.email_on() {
            form.email.clone()
        } else {
            String::new()
        },
        sms: form.sms.is_some() && state.settings.sms_on(),
    };
    let source = RECORDED_SOURCES
        .into_iter()
        .find(|s| s.code() == form.source);
    let source_error = source.is_none().then(|| l.t("form.error.choice"));
    let today = clock::today(Utc::now());
    let radio_date = match source {
        Some(Source::Radio) => {
            match NaiveDate::parse_from_str(form.radio_date.trim(), "%Y-%m-%d") {
                Ok(d) if radio_date_ok(d, today) => Ok(Some(d)),
                _ => Err(l.t("staff.intake.radio_date_error")),
            }
        }
        _ => Ok(None),
    };
    let checked = requests::check(&input, &catalog);
    let (valid, source, radio_date) = match (checked, source, radio_date) {
        (Ok(valid), Some(source), Ok(radio_date)) => (valid, source, radio_date),
        (checked, _, radio_date) => {
            let errors = FormErrors(checked.err().unwrap_or_default());
            let body = intake_page(
                &req,
                &user,
                l,
                &catalog,
                &input,
                errors,
                &form.source,
                &form.radio_date,
                source_error,
                radio_date.err(),
            );
            let mut res = page(&req, offering(body, &state));
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let origin = Origin::Recorded {
        source,
        radio_date,
        by: (user.id, user.display_name.clone()),
    };
    let receipt = store(&state, l, valid, origin).await?;
    Ok(see_other(&format!(
        "/staff/matters/{}?done=intake",
        receipt.id
    )))
}

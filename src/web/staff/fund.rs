//! The rolling fund (滚动资金) of micro-matters: its position and ledger,
//! and the admin's allocations into it.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;

use crate::app;
use crate::db::{fund, matters};
use crate::domain::access::Page;
use crate::domain::money::{parse_yuan, yuan};
use crate::views::staff::{FundPage, LedgerRow};
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser, staff_form};
use crate::web::error::AppError;
use crate::web::i18n::Lang;
use crate::web::{csrf, db, page, see_other};

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FundQuery {
    page: String,
}

async fn show(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    page_no: i64,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let offset = (page_no - 1) * PER_PAGE;
    let (position, entries, count) = db(state, l, move |c| {
        Ok((
            fund::position(c)?,
            fund::ledger(c, PER_PAGE, offset)?,
            fund::entry_count(c)?,
        ))
    })
    .await?;
    let ids: Vec<i64> = entries.iter().filter_map(|e| e.matter_id).collect();
    let codes = db(state, l, move |c| Ok(matters::codes_of(c, &ids)?)).await?;
    let pages = ((count + PER_PAGE - 1) / PER_PAGE).max(1);
    let body = FundPage {
        l,
        nav: super::nav(user, l, csrf::token(req), "fund"),
        csrf: csrf::token(req),
        allocated: yuan(position.allocated),
        outstanding: yuan(position.outstanding()),
        spent: yuan(position.spent),
        available: yuan(position.available()),
        rows: entries
            .iter()
            .map(|e| LedgerRow {
                at: l.time(&e.at),
                kind: l.t(e.kind.label_key()),
                amount: yuan(e.amount_fen),
                matter: e.matter_id.and_then(|id| {
                    codes
                        .iter()
                        .find(|(i, _)| *i == id)
                        .map(|(i, code)| (*i, code.clone()))
                }),
                actor: e.actor.clone(),
                note: e.note.clone(),
            })
            .collect(),
        page: page_no,
        pages,
        can_allocate: crate::domain::access::may_view(user.role, Page::FundAdmin),
        error,
    };
    Ok(page(req, body))
}

pub async fn ledger(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    query: web::Query<FundQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Fund, l)?;
    let page_no = query.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000);
    show(&req, &state, &user, l, page_no, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AllocateForm {
    csrf_token: String,
    amount: String,
    note: String,
}

pub async fn allocate(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<AllocateForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::FundAdmin, l).await?;
    let Some(amount) = parse_yuan(&form.amount) else {
        let mut res = show(&req, &state, &user, l, 1, Some(l.t("staff.error.amount"))).await?;
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    };
    let note = form.note.clone();
    db(&state, l, move |c| {
        app::fund::allocate(c, &user, amount, &note, Utc::now())
    })
    .await?;
    Ok(see_other("/staff/fund"))
}

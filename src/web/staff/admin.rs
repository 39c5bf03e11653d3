//! Administration: categories and their deadlines, the unit tree, and
//! staff accounts (adding accounts is `shishi user add`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::db::{api_keys, catalog, users};
use crate::domain::access::Page;
use crate::domain::{Deadlines, UnitKind};
use crate::views::staff::{AdminCategory, AdminKey, AdminPage, AdminUnit, AdminUser};
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser, staff_form};
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::{csrf, db, page, see_other};

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Administration, l)?;
    show_with(&req, &state, &user, l, None).await
}

async fn show_with(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    render(req, state, user, l, error, None).await
}

async fn render(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    error: Option<String>,
    new_key: Option<String>,
) -> Result<HttpResponse, AppError> {
    let (categories, units, accounts, keys) = db(state, l, |c| {
        Ok((
            catalog::all_categories(c)?,
            catalog::all_units(c)?,
            users::list(c)?,
            api_keys::list(c)?,
        ))
    })
    .await?;
    let unit_name = |id: Option<i64>| {
        id.and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let body = AdminPage {
        l,
        nav: super::nav(user, l, csrf::token(req), "admin"),
        csrf: csrf::token(req),
        error: error.clone(),
        new_key,
        keys: keys
            .iter()
            .map(|k| AdminKey {
                id: k.id,
                client: k.client.clone(),
                created: l.time(&k.created_at),
                revoked: k.revoked_at.as_ref().map(|t| l.time(t)),
            })
            .collect(),
        categories: categories
            .iter()
            .map(|c| AdminCategory {
                id: c.id,
                code: c.code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
                sign_hours: c.sign_hours,
                resolve_days: c.resolve_days,
                active: c.active,
            })
            .collect(),
        units: units
            .iter()
            .map(|u| AdminUnit {
                code: u.code.clone(),
                name: u.name.clone(),
                name_en: u.name_en.clone(),
                kind: l.t(u.kind.label_key()),
                parent: unit_name(u.parent_id),
            })
            .collect(),
        towns: units
            .iter()
            .filter(|u| u.kind == UnitKind::Town)
            .map(|u| crate::views::Choice::new(u.id, &u.name, ""))
            .collect(),
        users: accounts
            .iter()
            .map(|a| AdminUser {
                id: a.id,
                username: a.username.clone(),
                display_name: a.display_name.clone(),
                role: l.t(a.role.label_key()),
                unit: unit_name(a.unit_id),
                active: a.active,
                email: a.email.clone().unwrap_or_default(),
            })
            .collect(),
    };
    let mut res = page(req, body);
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn clean(text: &str, max: usize) -> Option<String> {
    let t = text.trim();
    (!t.is_empty() && t.chars().count() <= max && !t.chars().any(char::is_control))
        .then(|| t.to_owned())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    csrf_token: String,
    code: String,
    name: String,
    name_en: String,
    sign_hours: String,
    resolve_days: String,
    active: Option<String>,
}

/// The fields of a category form, checked: names and deadlines.
fn checked_category(form: &CategoryForm) -> Option<(String, String, Deadlines)> {
    let deadlines = Deadlines::new(
        form.sign_hours.trim().parse().ok()?,
        form.resolve_days.trim().parse().ok()?,
    )?;
    Some((clean(&form.name, 30)?, clean(&form.name_en, 60)?, deadlines))
}

pub async fn update_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<i64>,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let Some((name, name_en, d)) = checked_category(&form) else {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_category"))).await;
    };
    let (id, active) = (path.into_inner(), form.active.is_some());
    let n = db(&state, l, move |c| {
        Ok(catalog::update_category(
            c,
            id,
            &name,
            &name_en,
            d.sign_hours,
            d.resolve_days,
            active,
        )?)
    })
    .await?;
    state.catalog.forget();
    if n == 0 {
        return Err(ErrorKind::NotFound.lang(l));
    }
    Ok(see_other("/staff/admin"))
}

pub async fn add_category(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<CategoryForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let code = form.code.trim().to_lowercase();
    let code_ok = !code.is_empty()
        && code.len() <= 30
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let (Some((name, name_en, d)), true) = (checked_category(&form), code_ok) else {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_category"))).await;
    };
    let added = db(&state, l, move |c| {
        if catalog::all_categories(c)?.iter().any(|x| x.code == code) {
            return Ok(false);
        }
        catalog::add_category(c, &code, &name, &name_en, d.sign_hours, d.resolve_days)?;
        Ok(true)
    })
    .await?;
    state.catalog.forget();
    if !added {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_code_taken"))).await;
    }
    Ok(see_other("/staff/admin"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UnitForm {
    csrf_token: String,
    code: String,
    name: String,
    name_en: String,
    kind: String,
    parent: String,
}

pub async fn add_unit(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<UnitForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let code = form.code.trim().to_uppercase();
    let code_ok = !code.is_empty()
        && code.len() <= 20
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let kind = form
        .kind
        .parse::<UnitKind>()
        .ok()
        .filter(|k| *k != UnitKind::District);
    let (Some(name), Some(name_en), Some(kind), true) = (
        clean(&form.name, 40),
        clean(&form.name_en, 80),
        kind,
        code_ok,
    ) else {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_unit"))).await;
    };
    let parent_hint = form.parent.trim().parse::<i64>().ok();
    let added = db(&state, l, move |c| {
        let units = catalog::all_units(c)?;
        if units.iter().any(|u| u.code == code) {
            return Ok(false);
        }
        // Departments and towns hang under the district; communities under a town.
        let parent = match kind.parent_kind() {
            Some(UnitKind::District) => units
                .iter()
                .find(|u| u.kind == UnitKind::District)
                .map(|u| u.id),
            Some(UnitKind::Town) => {
                parent_hint.filter(|p| units.iter().any(|u| u.id == *p && u.kind == UnitKind::Town))
            }
            _ => None,
        };
        let Some(parent) = parent else {
            return Ok(false);
        };
        catalog::add_unit(c, &code, &name, &name_en, kind, Some(parent))?;
        Ok(true)
    })
    .await?;
    state.catalog.forget();
    if !added {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_unit"))).await;
    }
    Ok(see_other("/staff/admin"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DisableForm {
    csrf_token: String,
}

pub async fn disable_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<i64>,
    form: web::Form<DisableForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let id = path.into_inner();
    if id == user.id {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_self"))).await;
    }
    to_account(&state, l, id, |c, account| {
        users::disable(c, &account.username).map(drop)
    })
    .await
}

/// Does `change` to account `id` and goes back to the page; 404 when
/// there is no such account.
async fn to_account(
    state: &web::Data<AppState>,
    l: Lang,
    id: i64,
    change: impl FnOnce(&mut crate::db::AnyConnection, &users::User) -> diesel::QueryResult<()>
    + Send
    + 'static,
) -> Result<HttpResponse, AppError> {
    let found = db(state, l, move |c| {
        let Some(account) = users::by_id(c, id)? else {
            return Ok(false);
        };
        change(c, &account)?;
        Ok(true)
    })
    .await?;
    if found {
        Ok(see_other("/staff/admin"))
    } else {
        Err(ErrorKind::NotFound.lang(l))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    csrf_token: String,
    email: String,
}

/// Sets (or, blank, clears) the e-mail address a member of staff gets the
/// matters dispatched to their unit and the daily digest at.
pub async fn set_user_email(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<i64>,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let id = path.into_inner();
    let Ok(email) = crate::domain::request::email(&form.email) else {
        return show_with(&req, &state, &user, l, Some(l.t("form.error.email"))).await;
    };
    to_account(&state, l, id, move |c, _| {
        users::set_email(c, id, email.as_deref())
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct KeyForm {
    csrf_token: String,
    client: String,
}

/// Makes an Open311 key for a named client and shows it, once.
pub async fn add_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<KeyForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let Some(client) = clean(&form.client, 60) else {
        return show_with(&req, &state, &user, l, Some(l.t("admin.error_client"))).await;
    };
    let key = db(&state, l, move |c| {
        Ok(api_keys::create(c, &client, chrono::Utc::now())?)
    })
    .await?;
    render(&req, &state, &user, l, None, Some(key)).await
}

pub async fn revoke_key(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<i64>,
    form: web::Form<DisableForm>,
) -> Result<HttpResponse, AppError> {
    let _user = staff_form(&req, &form.csrf_token, Page::Administration, l).await?;
    let id = path.into_inner();
    db(&state, l, move |c| {
        Ok(api_keys::revoke(c, id, chrono::Utc::now())?)
    })
    .await?;
    Ok(see_other("/staff/admin"))
}

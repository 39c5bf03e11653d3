//! Party-member volunteer service (党员志愿服务): teams and their service
//! menu, volunteers who report to a community (报到) and claim recipients
//! and posts (两认领), and the record of their services, seen by both their
//! home unit and the community (双管理).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;

use crate::app;
use crate::app::volunteers::ClaimKind;
use crate::db::catalog::{self, Unit};
use crate::db::volunteers::{self, Profile, ServiceRecord, VolunteerClaim};
use crate::domain::UnitKind;
use crate::domain::access::{Belonging, Page, sees_volunteer};
use crate::domain::step::service_minutes;
use crate::domain::{Role, clock};
use crate::views::Choice;
use crate::views::staff::{
    MePage, ServiceRow, TeamRow, VolunteerPage, VolunteerRow, VolunteersPage,
};
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser, staff_form};
use crate::web::error::{AppError, ErrorKind, from_app};
use crate::web::i18n::Lang;
use crate::web::{call, csrf, db, page, see_other};

fn hours(minutes: i64) -> String {
    format!("{:.1}", minutes as f64 / 60.0)
}

fn unit_name(units: &[Unit], id: Option<i64>, l: Lang) -> String {
    id.and_then(|id| units.iter().find(|u| u.id == id))
        .map(|u| l.pick(&u.name, &u.name_en).to_owned())
        .unwrap_or_default()
}

/// Whether `user` may see this volunteer's record.
fn sees(user: &StaffUser, volunteer_id: i64, profile: Option<&Profile>) -> bool {
    let belonging = Belonging {
        home_unit: profile.and_then(|p| p.home_unit_id),
        community: profile.and_then(|p| p.community_id),
    };
    sees_volunteer(user.role, &user.scope, user.id == volunteer_id, belonging)
}

fn service_rows(l: Lang, units: &[Unit], services: &[ServiceRecord]) -> Vec<ServiceRow> {
    services
        .iter()
        .map(|s| ServiceRow {
            served_on: s.served_on.format("%Y-%m-%d").to_string(),
            community: unit_name(units, Some(s.community_id), l),
            hours: hours(i64::from(s.minutes)),
            outcome: s.outcome.clone(),
            matter_id: s.matter_id,
        })
        .collect()
}

pub async fn overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Volunteers, l)?;
    let (teams, menu, people, profiles, services, units) = db(&state, l, |c| {
        Ok((
            volunteers::teams(c)?,
            volunteers::menu(c)?,
            volunteers::volunteers(c)?,
            volunteers::profiles(c)?,
            volunteers::all_services(c)?,
            catalog::all_units(c)?,
        ))
    })
    .await?;
    let minutes_of = |uid: i64| {
        services
            .iter()
            .filter(|s| s.user_id == uid)
            .map(|s| i64::from(s.minutes))
            .sum::<i64>()
    };
    let team_rows = teams
        .iter()
        .map(|t| {
            let members: Vec<i64> = profiles
                .iter()
                .filter(|p| p.team_id == Some(t.id))
                .map(|p| p.user_id)
                .collect();
            TeamRow {
                name: t.name.clone(),
                specialty: t.specialty.clone(),
                unit: unit_name(&units, t.unit_id, l),
                items: menu
                    .iter()
                    .filter(|m| m.team_id == t.id)
                    .map(|m| m.title.clone())
                    .collect(),
                members: members.len(),
                hours: hours(members.iter().map(|m| minutes_of(*m)).sum()),
            }
        })
        .collect();
    let volunteer_rows = people
        .iter()
        .filter_map(|(id, name, active)| {
            let profile = profiles.iter().find(|p| p.user_id == *id);
            sees(&user, *id, profile).then(|| VolunteerRow {
                id: *id,
                name: name.clone(),
                active: *active,
                team: profile
                    .and_then(|p| p.team_id)
                    .and_then(|t| teams.iter().find(|x| x.id == t))
                    .map(|t| t.name.clone())
                    .unwrap_or_default(),
                home_unit: unit_name(&units, profile.and_then(|p| p.home_unit_id), l),
                community: unit_name(&units, profile.and_then(|p| p.community_id), l),
                services: services.iter().filter(|s| s.user_id == *id).count(),
                hours: hours(minutes_of(*id)),
            })
        })
        .collect();
    let admin = crate::domain::access::may_view(user.role, Page::VolunteerAdmin);
    let body = VolunteersPage {
        l,
        nav: super::nav(&user, l, csrf::token(&req), "volunteers"),
        csrf: csrf::token(&req),
        team_count: teams.len(),
        item_count: menu.len(),
        volunteer_count: people.len(),
        total_hours: hours(services.iter().map(|s| i64::from(s.minutes)).sum()),
        teams: team_rows,
        volunteers: volunteer_rows,
        admin,
        team_choices: teams
            .iter()
            .map(|t| Choice::new(t.id, &t.name, ""))
            .collect(),
        unit_choices: units
            .iter()
            .filter(|u| u.kind == UnitKind::Department || u.kind == UnitKind::Town)
            .map(|u| Choice::new(u.id, l.pick(&u.name, &u.name_en), ""))
            .collect(),
    };
    Ok(page(&req, body))
}

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if user.id != id {
        user.require(Page::Volunteers, l)?;
    }
    let found = db(&state, l, move |c| {
        let Some(person) = crate::db::users::by_id(c, id)? else {
            return Ok(None);
        };
        Ok(Some((
            person,
            volunteers::profile(c, id)?,
            volunteers::claims_of(c, id)?,
            volunteers::services_of(c, id)?,
            volunteers::teams(c)?,
            catalog::all_units(c)?,
        )))
    })
    .await?;
    let Some((person, profile, claims, services, teams, units)) = found else {
        return Err(ErrorKind::NotFound.lang(l));
    };
    if person.role != Role::Volunteer {
        return Err(ErrorKind::NotFound.lang(l));
    }
    if !sees(&user, id, profile.as_ref()) {
        return Err(ErrorKind::Forbidden.lang(l));
    }
    let total: i64 = services.iter().map(|s| i64::from(s.minutes)).sum();
    let body = VolunteerPage {
        l,
        nav: super::nav(&user, l, csrf::token(&req), "volunteers"),
        name: person.display_name,
        team: profile
            .as_ref()
            .and_then(|p| p.team_id)
            .and_then(|t| teams.iter().find(|x| x.id == t))
            .map(|t| t.name.clone())
            .unwrap_or_default(),
        home_unit: unit_name(&units, profile.as_ref().and_then(|p| p.home_unit_id), l),
        community: unit_name(&units, profile.as_ref().and_then(|p| p.community_id), l),
        reported: profile
            .as_ref()
            .and_then(|p| p.reported_at)
            .map(|t| l.date(&t))
            .unwrap_or_default(),
        claims: claim_rows(l, &units, &claims),
        hours: hours(total),
        services: service_rows(l, &units, &services),
    };
    Ok(page(&req, body))
}

/// A volunteer's own page: reporting, claims, open service requests of
/// their team, and their services.
pub async fn me(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    user.require(Page::VolunteerSelf, l)?;
    me_page(&req, &state, &user, l, None).await
}

async fn me_page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    error: Option<String>,
) -> Result<HttpResponse, AppError> {
    let volunteer = user.clone();
    let own = db(state, l, move |c| {
        app::volunteers::own(c, &volunteer, Utc::now())
    })
    .await?;
    let profile = own.profile.as_ref();
    let typed = |id: Option<i64>| id.map(|t| t.to_string()).unwrap_or_default();
    let units = |kinds: &[UnitKind], typed: &str| -> Vec<Choice> {
        own.units
            .iter()
            .filter(|u| kinds.contains(&u.kind))
            .map(|u| Choice::new(u.id, l.pick(&u.name, &u.name_en), typed))
            .collect()
    };
    let total: i64 = own.services.iter().map(|s| i64::from(s.minutes)).sum();
    let body = MePage {
        l,
        nav: super::nav(user, l, csrf::token(req), "me"),
        csrf: csrf::token(req),
        id: user.id,
        error,
        reported: profile.and_then(|p| p.reported_at).map(|t| l.date(&t)),
        teams: own
            .teams
            .iter()
            .map(|t| Choice::new(t.id, &t.name, &typed(profile.and_then(|p| p.team_id))))
            .collect(),
        home_units: units(
            &[UnitKind::Department, UnitKind::Town],
            &typed(profile.and_then(|p| p.home_unit_id)),
        ),
        communities: units(
            &[UnitKind::Community],
            &typed(profile.and_then(|p| p.community_id)),
        ),
        claims: claim_rows(l, &own.units, &own.claims),
        requests: own
            .requests
            .iter()
            .map(|m| {
                (
                    m.id,
                    m.code.clone(),
                    m.title.clone(),
                    unit_name(&own.units, m.unit_id, l),
                    l.t(m.state.label_key()),
                )
            })
            .collect(),
        hours: hours(total),
        services: service_rows(l, &own.units, &own.services),
        today: clock::today(Utc::now()).format("%Y-%m-%d").to_string(),
    };
    Ok(page(req, body))
}

/// A volunteer's claims: kind, name, community.
fn claim_rows(l: Lang, units: &[Unit], claims: &[VolunteerClaim]) -> Vec<(String, String, String)> {
    claims
        .iter()
        .map(|c| {
            let kind = match ClaimKind::parse(&c.kind) {
                Some(ClaimKind::Post) => "staff.volunteer.claim_post",
                _ => "staff.volunteer.claim_recipient",
            };
            (
                l.t(kind),
                c.name.clone(),
                unit_name(units, Some(c.community_id), l),
            )
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    csrf_token: String,
    team: String,
    home_unit: String,
    community: String,
}

pub async fn report(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::VolunteerSelf, l).await?;
    let (team, home, community) = (
        form.team.parse().ok(),
        form.home_unit.parse().ok(),
        form.community.parse().ok(),
    );
    let volunteer = user.clone();
    let done = call(&state, l, move |c| {
        app::volunteers::report(c, &volunteer, team, home, community, Utc::now())
    })
    .await?;
    answer(&req, &state, &user, l, done).await
}

/// Back to the volunteer's page, or the page again with why not.
async fn answer(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    done: app::Result<()>,
) -> Result<HttpResponse, AppError> {
    match done {
        Ok(()) => Ok(see_other("/staff/me")),
        Err(app::Error::Refused(why)) => refuse(req, state, user, l, why.key()).await,
        Err(e) => Err(from_app(e, l)),
    }
}

async fn refuse(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    key: &str,
) -> Result<HttpResponse, AppError> {
    let mut res = me_page(req, state, user, l, Some(l.t(key))).await?;
    *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ClaimForm {
    csrf_token: String,
    kind: String,
    name: String,
    community: String,
}

/// 两认领: a service recipient or a service post in a community.
pub async fn claim(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<ClaimForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::VolunteerSelf, l).await?;
    let kind = ClaimKind::parse(&form.kind);
    let (name, community) = (form.name.clone(), form.community.parse().ok());
    let volunteer = user.clone();
    let done = call(&state, l, move |c| {
        app::volunteers::claim(c, &volunteer, kind, &name, community, Utc::now())
    })
    .await?;
    answer(&req, &state, &user, l, done).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ServiceForm {
    csrf_token: String,
    community: String,
    served_on: String,
    hours: String,
    outcome: String,
}

/// A service given at a claimed post or to a claimed recipient, outside
/// any request.
pub async fn service(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::VolunteerSelf, l).await?;
    let community = form.community.parse().ok();
    let served_on = NaiveDate::parse_from_str(form.served_on.trim(), "%Y-%m-%d").ok();
    let minutes = service_minutes(&form.hours);
    let outcome = form.outcome.clone();
    let volunteer = user.clone();
    let done = call(&state, l, move |c| {
        app::volunteers::record_service(
            c,
            &volunteer,
            community,
            served_on,
            minutes,
            &outcome,
            Utc::now(),
        )
    })
    .await?;
    answer(&req, &state, &user, l, done).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TeamForm {
    csrf_token: String,
    name: String,
    specialty: String,
    unit: String,
}

pub async fn add_team(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<TeamForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::VolunteerAdmin, l).await?;
    let (name, specialty, unit) = (
        form.name.clone(),
        form.specialty.clone(),
        form.unit.parse().ok(),
    );
    let added = call(&state, l, move |c| {
        app::volunteers::add_team(c, &user, &name, &specialty, unit, Utc::now())
    })
    .await?;
    admin_answer(added.map(drop), l)
}

/// Back to the overview; a form that cannot be read is a bad request, a
/// name taken a conflict.
fn admin_answer(done: app::Result<()>, l: Lang) -> Result<HttpResponse, AppError> {
    match done {
        Ok(()) => Ok(see_other("/staff/volunteers")),
        Err(app::Error::Refused(_)) => Err(ErrorKind::BadRequest.lang(l)),
        Err(e) => Err(from_app(e, l)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MenuForm {
    csrf_token: String,
    team: String,
    title: String,
    description: String,
}

pub async fn add_menu_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<MenuForm>,
) -> Result<HttpResponse, AppError> {
    let user = staff_form(&req, &form.csrf_token, Page::VolunteerAdmin, l).await?;
    let (team, title, description) = (
        form.team.parse().ok(),
        form.title.clone(),
        form.description.clone(),
    );
    let added = call(&state, l, move |c| {
        app::volunteers::add_menu_item(c, &user, team, &title, &description)
    })
    .await?;
    admin_answer(added, l)
}

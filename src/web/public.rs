//! Citizen pages: home, the request form, the receipt and status page, the
//! QR code, and the health check. No login.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use governor::clock::{Clock, DefaultClock};
use serde::Deserialize;

use crate::app;
use crate::app::requests::Catalog;
use crate::app::requests::{self, Origin};
use crate::db::matters::Find;
use crate::db::{self, catalog, matters};
use crate::domain::request::{Field, RequestInput};
use crate::domain::{Channel, EventKind, Rating, Refusal, State, Transition, tracking};
use crate::views::{
    Asked, EventView, FormErrors, HomePage, LookupPage, PhotoView, PrivacyPage, ProjectRow,
    ProjectsPage, StateTabLink, SubmitPage, TrackPage,
};
use crate::web::AppState;
use crate::web::error::{AppError, ErrorKind, OrInternal, from_app};
use crate::web::i18n::Lang;
use crate::web::request_form::{category_choices, load_catalog, place_groups, store, unit_label};
use crate::web::staff::dashboard;
use crate::web::{call, client, csrf, db, db_read, guesses, page, see_other, upload};

pub async fn home(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    let m = dashboard::current(&state, l).await?;
    let figures = matters::PublicFigures {
        received: m.overall.total,
        in_progress: m.overall.open,
        closed: m.overall.closed,
    };
    let body = HomePage {
        l,
        figures,
        channels: dashboard::channel_figures(l, &m),
        response: dashboard::percent(m.overall.response_rate()),
        resolution: dashboard::percent(m.overall.resolution_rate()),
        satisfaction: dashboard::percent(m.overall.satisfaction_rate()),
    };
    Ok(page(&req, body))
}

/// `/projects`: the key projects and department matters, with their
/// progress, for anyone to follow.
/// A project as `/projects` lists it.
fn project_row(
    l: Lang,
    m: &crate::db::matters::Matter,
    milestones: &[crate::db::matters::Milestone],
    units: &[catalog::Unit],
    leaders: &[(i64, String)],
) -> ProjectRow {
    ProjectRow {
        code: m.code.clone(),
        title: m.title.clone(),
        // A project closed is a project accepted as done (已验收通过).
        state_label: if m.state == State::Closed {
            l.t("projects.accepted")
        } else {
            l.t(m.state.label_key())
        },
        state: m.state.code(),
        unit: m
            .unit_id
            .and_then(|id| units.iter().find(|u| u.id == id))
            .map(|u| l.pick(&u.name, &u.name_en).to_owned())
            .unwrap_or_default(),
        leader: m
            .claimed_by
            .and_then(|id| leaders.iter().find(|(i, _)| *i == id))
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        progress: app::matters::project_progress(m.state, milestones),
    }
}

/// `/projects`: which kind of project, which of them, and the page.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProjectsQuery {
    channel: String,
    show: String,
    page: String,
}

/// Projects a page of `/projects` lists.
const PROJECTS_PER_PAGE: usize = 25;

pub async fn projects(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    query: web::Query<ProjectsQuery>,
) -> Result<HttpResponse, AppError> {
    let (rows, units, leaders) = db(&state, l, |c| {
        let rows = matters::projects(c)?;
        let leaders = crate::db::users::names(c)?;
        Ok((rows, catalog::all_units(c)?, leaders))
    })
    .await?;
    let channel = match query.channel.as_str() {
        "department" => Channel::Department,
        _ => Channel::Leader,
    };
    // Under way, or accepted as done (closed, for a project).
    let show = match query.show.as_str() {
        s @ ("open" | "done") => s,
        _ => "",
    };
    let shown = |m: &crate::db::matters::Matter, show: &str| match show {
        "open" => m.state.is_open(),
        "done" => m.state == State::Closed,
        _ => true,
    };
    let href = |channel: Channel, show: &str, page: usize| {
        let mut h = format!("/projects?channel={}", channel.code());
        if !show.is_empty() {
            h.push_str(&format!("&show={show}"));
        }
        if page > 1 {
            h.push_str(&format!("&page={page}"));
        }
        h
    };
    let count = |c: Channel, show: &str| {
        rows.iter()
            .filter(|(m, _)| m.channel == c && shown(m, show))
            .count()
    };
    let tabs = [Channel::Leader, Channel::Department]
        .into_iter()
        .map(|c| StateTabLink {
            label: l.t(c.label_key()),
            count: count(c, ""),
            href: href(c, "", 1),
            current: c == channel,
        })
        .collect();
    let shows = [
        ("", "projects.all"),
        ("open", "projects.open"),
        ("done", "projects.accepted"),
    ]
    .into_iter()
    .map(|(s, key)| StateTabLink {
        label: l.t(key),
        count: count(channel, s),
        href: href(channel, s, 1),
        current: s == show,
    })
    .collect();
    let listed: Vec<_> = rows
        .iter()
        .filter(|(m, _)| m.channel == channel && shown(m, show))
        .collect();
    let pages = listed.len().div_ceil(PROJECTS_PER_PAGE).max(1);
    let at = query.page.parse::<usize>().unwrap_or(1).clamp(1, pages);
    let body = ProjectsPage {
        l,
        tabs,
        shows,
        rows: listed
            .iter()
            .skip((at - 1) * PROJECTS_PER_PAGE)
            .take(PROJECTS_PER_PAGE)
            .map(|(m, milestones)| project_row(l, m, milestones, &units, &leaders))
            .collect(),
        page: l.tf(
            "projects.page",
            &[("n", &at.to_string()), ("of", &pages.to_string())],
        ),
        prev: (at > 1).then(|| href(channel, show, at - 1)),
        next: (at < pages).then(|| href(channel, show, at + 1)),
    };
    Ok(page(&req, body))
}

/// `/privacy`: what is collected, why, who sees it, how long it is kept
/// and whom to ask.
pub async fn privacy(req: HttpRequest, state: web::Data<AppState>, l: Lang) -> HttpResponse {
    let s = &state.settings;
    let contact = s
        .privacy_contact
        .clone()
        .unwrap_or_else(|| l.t("privacy.contact_default"));
    let body = PrivacyPage {
        l,
        keep: l.tf(
            "privacy.keep_text",
            &[("days", &s.retention_days.to_string())],
        ),
        ask: l.tf("privacy.ask_text", &[("contact", &contact)]),
    };
    page(&req, body)
}

/// Liveness: the process answers. No database, no pool: a probe that
/// restarts processes must not restart one because the database is slow.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Readiness: 200 when a pooled connection comes within two seconds, the
/// database answers and no migration is pending; 503 with the reason
/// otherwise, so a load balancer sends no one here.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool.clone();
    let checked = web::block(move || -> Result<bool, String> {
        let mut conn = pool
            .get_timeout(std::time::Duration::from_secs(2))
            .map_err(|e| format!("no database connection: {e}"))?;
        db::ping(&mut conn).map_err(|e| e.to_string())?;
        db::migrations_pending(&mut conn).map_err(|e| e.to_string())
    })
    .await;
    let (status, text) = match checked {
        Ok(Ok(false)) => (actix_web::http::StatusCode::OK, "ready".to_owned()),
        Ok(Ok(true)) => (
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "migrations pending: run `shishi migrate`".to_owned(),
        ),
        Ok(Err(why)) => (actix_web::http::StatusCode::SERVICE_UNAVAILABLE, why),
        Err(e) => (
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            e.to_string(),
        ),
    };
    HttpResponse::build(status)
        .content_type("text/plain; charset=utf-8")
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(text)
}

pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/css; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(include_str!("../../static/style.css"))
}

/// The browser's tab icon (a PNG in an ICO, 32 px): asked for by every
/// browser, so answered rather than left a 404 in the console.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/x-icon"))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(&include_bytes!("../../static/favicon.ico")[..])
}

/// The form's fields as posted. Everything is a string so that whatever
/// was typed can be shown again beside its message.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SubmitForm {
    csrf_token: String,
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

impl SubmitForm {
    fn input(&self) -> RequestInput {
        RequestInput {
            category: self.category.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            place: self.place.clone(),
            address: self.address.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            consent: self.consent.is_some(),
            email: self.email.clone(),
            sms: self.sms.is_some(),
        }
    }
}

fn submit_page(
    req: &HttpRequest,
    state: &AppState,
    l: Lang,
    catalog: &Catalog,
    input: &RequestInput,
    errors: FormErrors,
) -> SubmitPage {
    SubmitPage {
        l,
        csrf: csrf::token(req),
        categories: category_choices(catalog, l, &input.category),
        places: place_groups(catalog, l, &input.place),
        input: input.clone(),
        errors,
        photos_again: false,
        offer_email: state.settings.email_on(),
        offer_sms: state.settings.sms_on(),
    }
}

pub async fn submit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    let catalog = load_catalog(&state, l).await?;
    Ok(page(
        &req,
        submit_page(
            &req,
            &state,
            l,
            &catalog,
            &RequestInput::default(),
            FormErrors::default(),
        ),
    ))
}

/// Counts one submission against the address's allowance.
fn check_rate(state: &AppState, req: &HttpRequest, l: Lang) -> Result<(), AppError> {
    let limiter = &state.submit_limiter;
    if limiter.len() > 100_000 {
        limiter.retain_recent();
    }
    limiter
        .check_key(&client::address(req))
        .map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            ErrorKind::TooMany {
                retry_after: wait.as_secs().max(1),
            }
            .lang(l)
        })
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    posted: upload::Posted<SubmitForm>,
) -> Result<HttpResponse, AppError> {
    let form = &posted.form;
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    check_rate(&state, &req, l)?;
    let catalog = load_catalog(&state, l).await?;
    let mut input = form.input();
    if !state.settings.email_on() {
        input.email.clear();
    }
    input.sms &= state.settings.sms_on();
    let chosen = posted.has_files();
    let photos = upload::prepare(&state.decoders, posted.files, posted.too_many, l).await?;
    let checked = requests::check(&input, &catalog);
    let (valid, photos) = match (checked, photos) {
        (Ok(valid), Ok(photos)) => (valid, photos),
        (checked, photos) => {
            let mut problems = checked.err().unwrap_or_default();
            let photos_ok = photos.as_ref().is_ok();
            if let Err(problem) = photos {
                problems.push((Field::Photos, problem));
            }
            let mut body = submit_page(&req, &state, l, &catalog, &input, FormErrors(problems));
            body.photos_again = chosen && photos_ok;
            return Ok(page(&req, body)
                .customize_status(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let mut valid = requests::NewRequest { photos, ..valid };
    valid.contact.lang = l.code().to_owned();
    // Only what this server can send (a crafted form may ask for more).
    if !state.settings.email_on() {
        valid.contact.email = None;
    }
    valid.contact.sms &= state.settings.sms_on();

    let receipt = store(&state, l, valid, Origin::Web).await?;
    Ok(see_other(&format!("/track/{}?new=1", receipt.code)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LookupQuery {
    code: String,
}

/// The lookup box: a typed code leads to its status page.
pub async fn lookup(
    req: HttpRequest,
    l: Lang,
    state: web::Data<AppState>,
    query: web::Query<LookupQuery>,
) -> Result<HttpResponse, AppError> {
    if query.code.trim().is_empty() {
        return Ok(page(&req, LookupPage::new(l, "", None)));
    }
    match tracking::normalize(&state.settings.code_prefix, &query.code) {
        Some(code) => Ok(see_other(&format!("/track/{code}"))),
        None => Ok(page(
            &req,
            LookupPage::new(l, &query.code, Some("track.invalid_code")),
        )
        .customize_status(actix_web::http::StatusCode::BAD_REQUEST)),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TrackQuery {
    new: Option<String>,
    rated: Option<String>,
    rate_error: Option<String>,
}

pub async fn track(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<String>,
    query: web::Query<TrackQuery>,
) -> Result<HttpResponse, AppError> {
    let typed = path.into_inner();
    let Some(code) = tracking::normalize(&state.settings.code_prefix, &typed) else {
        return Ok(unknown_code(&req, l, &typed));
    };
    if code != typed {
        return Ok(see_other(&format!("/track/{code}")));
    }
    guesses::check(&state, &req, l)?;
    let lookup = code.clone();
    let found = db_read(&state, l, move |c| {
        db::reads(c, |c| track_view(c, &lookup)).map_err(Into::into)
    })
    .await?;
    let Some(view) = found else {
        guesses::missed(&state, &req, l).await?;
        return Ok(unknown_code(&req, l, &typed));
    };
    let catalog = load_catalog(&state, l).await?;
    Ok(page(
        &req,
        track_page(&req, l, &catalog, &code, &view, &query),
    ))
}

/// The status page (or receipt) of `code`, whose matter is `view.own`.
fn track_page(
    req: &HttpRequest,
    l: Lang,
    catalog: &Catalog,
    code: &str,
    view: &TrackView,
    query: &TrackQuery,
) -> TrackPage {
    let (own, matter) = (&view.own, &view.shown);
    let category = catalog.category(own.category_id);
    let event = |e: &matters::PublicEvent| EventView {
        at: l.time(&e.at),
        label: l.t(e.kind.label_key()),
        note: e.note.clone(),
        photos: view
            .photos
            .iter()
            .filter(|p| {
                !p.by_citizen && p.matter_id == e.matter_id && p.matter_version == e.version
            })
            .map(PhotoView::of)
            .collect(),
    };
    // The citizen rates their own online request once it is resolved.
    let may_rate =
        own.id == matter.id && matter.state == State::Resolved && matter.channel == Channel::Online;
    TrackPage {
        l,
        receipt: query.new.is_some(),
        code: code.to_owned(),
        asked: Asked {
            title: own.title.clone(),
            description: own.description.clone(),
            category: category
                .map(|c| l.pick(&c.name, &c.name_en).to_owned())
                .unwrap_or_default(),
            place: unit_label(catalog, own.place_id, l).unwrap_or_default(),
            address: own.address.clone(),
            received: l.time(&own.created_at),
            photos: view
                .photos
                .iter()
                .filter(|p| p.by_citizen && p.matter_id == own.id)
                .map(PhotoView::of)
                .collect(),
        },
        urgent: category.is_some_and(|c| crate::domain::category::is_urgent(&c.code)),
        project: view.progress.is_some(),
        progress: view.progress,
        state: matter.state.code(),
        // A project closed is a project accepted as done (已验收通过).
        state_label: if view.progress.is_some() && matter.state == State::Closed {
            l.t("projects.accepted")
        } else {
            l.t(matter.state.label_key())
        },
        channel: l.t(matter.channel.label_key()),
        unit: unit_label(catalog, matter.unit_id, l),
        expected: matter.due_at.as_ref().map(|d| l.date(d)),
        events: view.events.iter().map(event).collect(),
        reply: view
            .events
            .iter()
            .rev()
            .find(|e| e.kind == EventKind::Took(Transition::Resolve) && !e.note.is_empty())
            .map(event),
        rate: (may_rate && own.has_phone).then(|| (csrf::token(req), matter.version)),
        rate_without_phone: may_rate && !own.has_phone,
        rating: matter.rating.as_ref().map(|r| l.t(r.label_key())),
        rate_error: query.rate_error.as_deref().map(|why| match why {
            "digits" => l.t("track.rate_digits_error"),
            _ => l.t("track.rate_error"),
        }),
        rated: query.rated.is_some(),
    }
}

/// What a status page shows: the citizen's own matter (what they asked)
/// and the one whose progress is shown — the same, or the primary it was
/// merged into — with the public timeline.
struct TrackView {
    own: matters::Tracked,
    shown: matters::Tracked,
    events: Vec<matters::PublicEvent>,
    /// The public photos of both.
    photos: Vec<db::photos::Photo>,
    /// A project's progress by its milestones (percent).
    progress: Option<i32>,
}

/// A matter's public view and timeline, following a merge to its primary
/// (down a chain, but never round in circles).
fn track_view(
    c: &mut db::AnyConnection,
    code: &str,
) -> Result<Option<TrackView>, diesel::result::Error> {
    let Some(first) = matters::tracked(c, Find::Code(code))? else {
        return Ok(None);
    };
    let photos_of = |c: &mut db::AnyConnection, t: &matters::Timeline| match t.has_photos {
        true => db::photos::of_matter(c, t.matter.id, false),
        false => Ok(Vec::new()),
    };
    let mut photos = photos_of(c, &first)?;
    let own = first.matter;
    let mut events = first.events;
    let mut matter = own.clone();
    for _ in 0..5 {
        let Some(primary_id) = matter.merged_into else {
            break;
        };
        let Some(primary) = matters::tracked(c, Find::Id(primary_id))? else {
            break;
        };
        let since = events.last().map(|e| e.at);
        photos.extend(photos_of(c, &primary)?);
        events.extend(
            primary
                .events
                .into_iter()
                .filter(|e| since.is_none_or(|t| e.at >= t) && e.kind != EventKind::Submitted),
        );
        matter = primary.matter;
    }
    let progress = match matter.channel {
        Channel::Leader | Channel::Department => Some(app::matters::project_progress(
            matter.state,
            &matters::milestones_of(c, matter.id)?,
        )),
        _ => None,
    };
    Ok(Some(TrackView {
        own,
        shown: matter,
        events,
        photos,
        progress,
    }))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RateForm {
    csrf_token: String,
    version: String,
    /// The last four digits of the phone number given with the request.
    digits: String,
    rating: String,
    comment: String,
}

/// The citizen's rating of a resolved online request: satisfied or
/// basically satisfied closes it; unsatisfied sends it back to be handled
/// again. Only the person who asked may rate: the form asks for the last
/// four digits of their phone number, and wrong digits count as a missed
/// guess (see `web::guesses`).
pub async fn rate(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<String>,
    form: web::Form<RateForm>,
) -> Result<HttpResponse, AppError> {
    if !csrf::verify(&req, &form.csrf_token) {
        return Err(ErrorKind::Csrf.lang(l));
    }
    let code = tracking::normalize(&state.settings.code_prefix, &path)
        .ok_or(ErrorKind::NotFound.lang(l))?;
    guesses::check(&state, &req, l)?;
    let Ok(rating) = form.rating.parse::<Rating>() else {
        return Ok(see_other(&format!("/track/{code}?rate_error=choice")));
    };
    let version = form.version.trim().parse::<i32>().ok();
    let lookup = code.clone();
    let (comment, digits) = (form.comment.clone(), form.digits.clone());
    let rated = call(&state, l, move |c| {
        let given = app::rating::Given {
            rating,
            comment: &comment,
            digits: &digits,
        };
        app::rating::rate(c, &lookup, version, &given, Utc::now())
    })
    .await?;
    match rated {
        Ok(_) => Ok(see_other(&format!("/track/{code}?rated=1"))),
        Err(app::Error::NotFound) => {
            guesses::missed(&state, &req, l).await?;
            Err(ErrorKind::NotFound.lang(l))
        }
        Err(app::Error::Refused(Refusal::PhoneDigits)) => {
            guesses::missed(&state, &req, l).await?;
            Ok(see_other(&format!("/track/{code}?rate_error=digits")))
        }
        Err(app::Error::Refused(_) | app::Error::Stale { .. }) => {
            Ok(see_other(&format!("/track/{code}?rate_error=state")))
        }
        Err(e) => Err(from_app(e, l)),
    }
}

fn unknown_code(req: &HttpRequest, l: Lang, typed: &str) -> HttpResponse {
    let mut body = LookupPage::new(l, typed, Some("track.not_found_text"));
    body.title = l.t("track.not_found_title");
    page(req, body).customize_status(actix_web::http::StatusCode::NOT_FOUND)
}

/// The receipt's QR code: an SVG that opens the status page.
pub async fn qr(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let code = tracking::normalize(&state.settings.code_prefix, &path)
        .ok_or(ErrorKind::NotFound.lang(l))?;
    let base = match &state.settings.public_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let info = req.connection_info();
            format!("{}://{}", info.scheme(), info.host())
        }
    };
    let url = format!("{base}/track/{code}");
    let svg = qrcode::QrCode::new(url.as_bytes())
        .or_500(l)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .insert_header((CACHE_CONTROL, "public, max-age=86400"))
        .body(svg))
}

/// Sets a response's status, keeping everything else.
trait CustomizeStatus {
    fn customize_status(self, status: actix_web::http::StatusCode) -> HttpResponse;
}

impl CustomizeStatus for HttpResponse {
    fn customize_status(mut self, status: actix_web::http::StatusCode) -> HttpResponse {
        *self.status_mut() = status;
        self
    }
}

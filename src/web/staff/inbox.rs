//! The inbox: every matter this user may see, filtered, sorted and paged,
//! with counts per state; and the overdue list on its own.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::app::requests::Catalog;
use crate::db::catalog::Unit;
use crate::db::inbox::{self, Count, Cursor, Filter, MAX_PER_PAGE, Sort};
use crate::domain::UnitKind;
use crate::domain::access::{Page, sees_citizen};
use crate::domain::phone;
use crate::domain::{Channel, Role, State};
use crate::views::Choice;
use crate::views::staff::{InboxPage, InboxRow, StateTab};
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser};
use crate::web::error::AppError;
use crate::web::i18n::Lang;
use crate::web::{csrf, db, page};

/// The inbox's query string, as typed. Unknown values are ignored rather
/// than refused: a stale bookmark still opens the inbox.
#[derive(Deserialize, Serialize, Default, Clone)]
#[serde(default)]
pub struct InboxQuery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub channel: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub category: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub unit: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub town: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub overdue: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub q: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sort: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub page: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub per_page: String,
    /// The page after this row (see `inbox::Cursor`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub after: String,
    /// The page before this row.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub before: String,
    /// After a bulk step: how many were taken, and the codes that were not.
    #[serde(skip_serializing)]
    pub bulk_done: String,
    #[serde(skip_serializing)]
    pub bulk_refused: String,
}

/// What waits for this role when it opens the inbox with no filter.
fn default_states(role: Role) -> &'static str {
    match role {
        Role::Admin | Role::Dispatcher => "submitted",
        Role::UnitStaff => "assigned,in_progress",
        Role::Leader => "",
        Role::Volunteer => "accepted,assigned,in_progress",
    }
}

/// The order this role's inbox opens in: those who act on matters see
/// what is due first; those who follow them, what came in last.
fn default_sort(role: Role) -> Sort {
    match role {
        Role::Admin | Role::Dispatcher | Role::UnitStaff => Sort::Due,
        Role::Leader | Role::Volunteer => Sort::Newest,
    }
}

/// What a search typed in the inbox looks for: a telephone number typed
/// the way a caller ID or a caller gives it (`+86 138 1234 5678`,
/// `(0757) 8622 1234`, `075786221234`) in the form numbers are stored in
/// (`domain::phone`), so that it finds the caller's matters; anything else
/// as typed, without control characters (they match nothing, and
/// PostgreSQL refuses a NUL), at most 100 characters.
fn searched(typed: &str) -> String {
    let text: String = typed
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect();
    crate::domain::phone::normalize(&text).unwrap_or(text)
}

fn parse_states(text: &str) -> Vec<State> {
    text.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn parse_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

impl InboxQuery {
    /// The filter this query asks for, for a user of `role` (whose default
    /// view applies when the query names no state).
    pub fn filter_for(&self, role: Role) -> Filter {
        self.filter(role)
    }

    fn filter(&self, role: Role) -> Filter {
        let states = self
            .state
            .clone()
            .unwrap_or_else(|| default_states(role).to_owned());
        Filter {
            states: parse_states(&states),
            channel: self.channel.parse::<Channel>().ok(),
            category_id: self.category.parse().ok(),
            unit_id: self.unit.parse().ok(),
            town_id: self.town.parse().ok(),
            overdue: self.overdue == "1",
            from: parse_day(&self.from).and_then(crate::domain::clock::day_start),
            until: parse_day(&self.to)
                .and_then(|d| d.succ_opt())
                .and_then(crate::domain::clock::day_start),
            text: Some(searched(&self.q)).filter(|t| !t.is_empty()),
            sort: Sort::from_code(&self.sort).unwrap_or(default_sort(role)),
            page: self.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000),
            per_page: self
                .per_page
                .parse::<i64>()
                .unwrap_or(25)
                .clamp(1, MAX_PER_PAGE),
            cursor: Cursor::parse(&self.after, false).or_else(|| Cursor::parse(&self.before, true)),
        }
    }

    /// Whether a filter other than the state is set.
    fn filtered(&self) -> bool {
        [
            &self.channel,
            &self.category,
            &self.unit,
            &self.town,
            &self.from,
            &self.to,
            &self.q,
            &self.overdue,
            &self.sort,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }

    /// This query with another page (or state), as a link.
    fn link(&self, base: &str, change: impl FnOnce(&mut InboxQuery)) -> String {
        let mut q = self.clone();
        change(&mut q);
        let encoded = serde_urlencoded::to_string(&q).unwrap_or_default();
        format!("{base}?{encoded}")
    }
}

pub async fn inbox(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Matters, l)?;
    show(req, state, user, l, query.into_inner(), false).await
}

pub async fn overdue(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    query: web::Query<InboxQuery>,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Overdue, l)?;
    let mut query = query.into_inner();
    query.overdue = "1".into();
    if query.state.is_none() {
        query.state = Some(String::new());
    }
    show(req, state, user, l, query, true).await
}

/// What one inbox page is read from.
struct Found {
    page: inbox::Page,
    total: Count,
    /// `None` for a text search: its results are counted as a whole.
    counts: Option<Vec<(State, Count)>>,
    /// The catalog's names (shared, not copied).
    names: Arc<Catalog>,
    /// A text search given up at its time limit.
    too_slow: bool,
}

async fn find(
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    f: Filter,
) -> Result<Found, AppError> {
    let scope = user.scope.clone();
    let now = Utc::now();
    let names = crate::web::request_form::load_catalog(state, l).await?;
    let limit = std::time::Duration::from_millis(state.settings.search_timeout_ms);
    db(state, l, move |c| {
        let Some((page, ranked_total)) = inbox::search_counted_within(c, &scope, &f, now, limit)?
        else {
            return Ok(Found {
                page: inbox::Page::default(),
                total: Count::default(),
                counts: None,
                names: names.clone(),
                too_slow: true,
            });
        };
        if let Some(total) = ranked_total {
            return Ok(Found {
                page,
                total,
                counts: None,
                names: names.clone(),
                too_slow: false,
            });
        }
        let counts = inbox::counts_by_state(c, &scope, &f, now)?;
        // The counts per state share every other filter: the total is the
        // sum over the states shown, with no query of its own.
        let total = counts
            .iter()
            .filter(|(s, _)| f.states.is_empty() || f.states.contains(s))
            .fold(Count::default(), |all, (_, n)| all.plus(*n));
        Ok(Found {
            page,
            total,
            counts: Some(counts),
            names,
            too_slow: false,
        })
    })
    .await
}

fn unit_name(units: &[Unit], id: Option<i64>, l: Lang) -> String {
    id.and_then(|id| units.iter().find(|u| u.id == id))
        .map(|u| l.pick(&u.name, &u.name_en).to_owned())
        .unwrap_or_default()
}

fn rows(found: &Found, l: Lang, show_phone: bool) -> Vec<InboxRow> {
    let now = Utc::now();
    found
        .page
        .rows
        .iter()
        .map(|m| {
            // The deadline at risk: its name, its day, its nearness.
            let risk = at_risk(m)
                .map(|(kind, d)| {
                    let (note, class) = nearness(d, now, l);
                    (l.t(kind), l.date(&d), note, class)
                })
                .unwrap_or_default();
            let category = found.names.category(m.category_id);
            InboxRow {
                id: m.id,
                code: m.code.clone(),
                title: m.title.clone(),
                state: m.state.code(),
                state_label: l.t(m.state.label_key()),
                channel_label: l.t(m.channel.label_key()),
                category: category
                    .map(|c| l.pick(&c.name, &c.name_en).to_owned())
                    .unwrap_or_default(),
                unit: unit_name(&found.names.units, m.unit_id, l),
                town: unit_name(&found.names.units, m.town_id, l),
                received: l.time(&m.created_at),
                due_kind: risk.0,
                due: risk.1,
                due_note: risk.2,
                due_class: risk.3,
                overdue: inbox::is_overdue(m, now),
                urgent: category.is_some_and(|c| crate::domain::category::is_urgent(&c.code)),
                phone: match (show_phone, m.citizen_phone.as_deref()) {
                    (true, Some(phone)) => phone::mask(phone),
                    _ => String::new(),
                },
            }
        })
        .collect()
}

/// The deadline at risk and its name: an assigned matter's signing (or its
/// finishing, if that comes first), any other open matter's finishing.
fn at_risk(m: &crate::db::matters::Matter) -> Option<(&'static str, chrono::NaiveDateTime)> {
    let finish = m
        .due_at
        .filter(|_| m.state.is_open())
        .map(|d| ("staff.inbox.due_finish", d));
    let sign = m
        .sign_due_at
        .filter(|_| m.state == State::Assigned)
        .map(|d| ("staff.inbox.due_sign", d));
    match (sign, finish) {
        (Some(s), Some(f)) => Some(if f.1 < s.1 { f } else { s }),
        (s, f) => s.or(f),
    }
}

/// How near deadline `at` is, in words and as a class: past ("超期 N 天",
/// "overdue"), today or within two days ("soon"), or further off (no words).
fn nearness(
    at: chrono::NaiveDateTime,
    now: chrono::DateTime<Utc>,
    l: Lang,
) -> (String, &'static str) {
    use crate::domain::clock::today;
    let days = (today(at.and_utc()) - today(now)).num_days();
    if at.and_utc() < now {
        let late = (-days).max(0).to_string();
        (l.tf("staff.inbox.due_late", &[("n", &late)]), "overdue")
    } else if days == 0 {
        (l.t("staff.inbox.due_today"), "soon")
    } else if days <= 2 {
        (
            l.tf("staff.inbox.due_left", &[("n", &days.to_string())]),
            "soon",
        )
    } else {
        (String::new(), "")
    }
}

/// The same view from its first page.
fn first_page(q: &mut InboxQuery) {
    q.page = String::new();
    q.after = String::new();
    q.before = String::new();
}

/// A tab per state (and one for all), each with its count (none for a
/// text search, whose results are counted as a whole).
fn tabs(
    query: &InboxQuery,
    base: &str,
    counts: Option<&[(State, Count)]>,
    l: Lang,
) -> Vec<StateTab> {
    let shown = query.state.clone().unwrap_or_default();
    let counts: Vec<(State, Option<Count>)> = match counts {
        Some(counts) => counts.iter().map(|(s, n)| (*s, Some(*n))).collect(),
        None => State::ALL.into_iter().map(|s| (s, None)).collect(),
    };
    let shown_count = |n: Option<Count>| n.map(|n| n.to_string()).unwrap_or_default();
    let mut tabs = vec![StateTab {
        label: l.t("staff.inbox.all_states"),
        count: shown_count(
            counts
                .iter()
                .map(|(_, n)| *n)
                .try_fold(Count::default(), |all, n| n.map(|n| all.plus(n))),
        ),
        href: query.link(base, |q| {
            q.state = Some(String::new());
            first_page(q);
        }),
        current: shown.is_empty(),
    }];
    tabs.extend(counts.iter().map(|(s, count)| StateTab {
        label: l.t(s.label_key()),
        count: shown_count(*count),
        href: query.link(base, |q| {
            q.state = Some(s.code().to_owned());
            first_page(q);
        }),
        current: shown == s.code(),
    }));
    tabs
}

/// The links to the pages before and after this one: by the rows at its
/// edges (see `inbox::Cursor`).
fn page_links(
    query: &InboxQuery,
    base: &str,
    filter: &Filter,
    found: &Found,
) -> (Option<String>, Option<String>) {
    let page_no = filter.page;
    let first_row = found.page.first.map(|c| c.text());
    let last_row = found.page.last.map(|c| c.text());
    let prev = (page_no > 1).then(|| {
        query.link(base, |q| {
            first_page(q);
            if page_no > 2
                && let Some(first) = &first_row
            {
                q.page = (page_no - 1).to_string();
                q.before = first.clone();
            }
        })
    });
    let next = found.page.more.then_some(last_row).flatten().map(|last| {
        query.link(base, |q| {
            first_page(q);
            q.page = (page_no + 1).to_string();
            q.after = last;
        })
    });
    (prev, next)
}

/// The filter form's choices.
struct Choices {
    states: Vec<Choice>,
    channels: Vec<Choice>,
    categories: Vec<Choice>,
    units: Vec<Choice>,
    towns: Vec<Choice>,
    sorts: Vec<Choice>,
}

fn choices(query: &InboxQuery, filter: &Filter, found: &Found, l: Lang) -> Choices {
    let shown = query.state.clone().unwrap_or_default();
    let mut states = vec![Choice {
        value: "assigned,in_progress".into(),
        label: l.t("staff.inbox.waiting_for_unit"),
        selected: shown == "assigned,in_progress",
    }];
    states.extend(State::ALL.iter().map(|s| Choice {
        value: s.code().into(),
        label: l.t(s.label_key()),
        selected: shown == s.code(),
    }));
    let unit_choice = |u: &Unit, typed: &str| Choice::new(u.id, l.pick(&u.name, &u.name_en), typed);
    Choices {
        states,
        channels: Channel::ALL
            .iter()
            .map(|c| Choice {
                value: c.code().into(),
                label: l.t(c.label_key()),
                selected: query.channel == c.code(),
            })
            .collect(),
        categories: found
            .names
            .all_categories
            .iter()
            .map(|c| Choice::new(c.id, l.pick(&c.name, &c.name_en), &query.category))
            .collect(),
        units: found
            .names
            .units
            .iter()
            .filter(|u| u.kind != UnitKind::District)
            .map(|u| unit_choice(u, &query.unit))
            .collect(),
        towns: found
            .names
            .units
            .iter()
            .filter(|u| u.kind == UnitKind::Town)
            .map(|u| unit_choice(u, &query.town))
            .collect(),
        sorts: Sort::ALL
            .iter()
            .map(|s| Choice {
                value: s.code().into(),
                label: l.t(s.label_key()),
                selected: filter.sort == *s,
            })
            .collect(),
    }
}

/// The matter a tracking code typed in the search names, whatever its
/// state and whatever the other filters say (the search then opens it).
async fn coded(
    state: &web::Data<AppState>,
    user: &StaffUser,
    l: Lang,
    typed: &str,
) -> Result<Option<i64>, AppError> {
    // Words and phone numbers are no code: no trip to the database for them.
    let prefix = &state.settings.code_prefix;
    if crate::domain::tracking::normalize(prefix, typed).is_none() {
        return Ok(None);
    }
    let (user, typed, prefix) = (user.clone(), typed.to_owned(), prefix.clone());
    db(state, l, move |c| {
        crate::app::matters::by_typed_code(c, &user, &prefix, &typed)
    })
    .await
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
    mut query: InboxQuery,
    overdue_page: bool,
) -> Result<HttpResponse, AppError> {
    if let Some(id) = coded(&state, &user, l, &query.q).await? {
        return Ok(crate::web::see_other(&format!("/staff/matters/{id}")));
    }
    let filter = query.filter(user.role);
    // Links carry the states actually shown, so paging keeps the default view.
    if query.state.is_none() {
        query.state = Some(default_states(user.role).to_owned());
    }
    let found = find(&state, &user, l, filter.clone()).await?;
    let show_phone = sees_citizen(user.role);
    let base = if overdue_page {
        "/staff/overdue"
    } else {
        "/staff/matters"
    };
    let (prev, next) = page_links(&query, base, &filter, &found);
    let Choices {
        states,
        channels,
        categories,
        units,
        towns,
        sorts,
    } = choices(&query, &filter, &found, l);
    let body = InboxPage {
        l,
        nav: super::nav(
            &user,
            l,
            csrf::token(&req),
            if overdue_page { "overdue" } else { "inbox" },
        ),
        title: l.t(if overdue_page {
            "staff.overdue.title"
        } else {
            "staff.inbox.title"
        }),
        action: base,
        rows: rows(&found, l, show_phone),
        summary: l.tf("staff.inbox.total", &[("n", &found.total.to_string())]),
        filtered: query.filtered(),
        // Accepting several at once where they wait for it.
        bulk: matches!(user.role, Role::Dispatcher | Role::Admin)
            && filter.states == [State::Submitted]
            && !overdue_page,
        bulk_done: query
            .bulk_done
            .parse::<usize>()
            .ok()
            .map(|n| l.tf("staff.inbox.bulk_done", &[("n", &n.to_string())])),
        bulk_refused: Some(query.bulk_refused.chars().take(2000).collect::<String>())
            .filter(|c| !c.is_empty())
            .map(|codes| l.tf("staff.inbox.bulk_refused", &[("codes", &codes)])),
        all_states: (filter.text.is_some() && !filter.states.is_empty()).then(|| {
            query.link(base, |q| {
                q.state = Some(String::new());
                first_page(q);
            })
        }),
        ranked: found.counts.is_none(),
        too_slow: found.too_slow,
        export_csv: query.link("/staff/matters.csv", first_page),
        export_xlsx: query.link("/staff/matters.xlsx", first_page),
        page: l.tf("staff.inbox.page", &[("n", &filter.page.to_string())]),
        prev,
        next,
        tabs: tabs(&query, base, found.counts.as_deref(), l),
        states,
        channels,
        categories,
        units,
        towns,
        sorts,
        overdue: filter.overdue,
        overdue_page,
        from: query.from.chars().take(10).collect(),
        to: query.to.chars().take(10).collect(),
        q: query.q.chars().take(100).collect(),
        show_phone,
    };
    let mut res = page(&req, body);
    if found.too_slow {
        // The page, with its notice, as a 503: the search was not served
        // (and a load test counts it as the failure it is).
        *res.status_mut() = actix_web::http::StatusCode::SERVICE_UNAVAILABLE;
    }
    Ok(res)
}

/// Most matters one bulk step takes.
const BULK_MAX: usize = 100;

/// `POST /staff/matters/bulk`: accepts the matters ticked in the inbox
/// (`m<id>=1`), each dispatched to `unit` when one is chosen; each one on
/// its own, so one that someone else took meanwhile does not stop the rest.
/// Back to the inbox with what was done and what was not.
pub async fn bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    l: Lang,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let token = form.get("csrf_token").cloned().unwrap_or_default();
    let user = crate::web::auth::staff_form(&req, &token, Page::Matters, l).await?;
    let ids: Vec<i64> = form
        .keys()
        .filter_map(|k| k.strip_prefix('m')?.parse().ok())
        .take(BULK_MAX)
        .collect();
    let unit = form.get("unit").and_then(|u| u.trim().parse::<i64>().ok());
    let acting = user.clone();
    let (done, refused) = db(&state, l, move |c| {
        let input = crate::app::steps::StepInput {
            unit,
            ..Default::default()
        };
        let (mut done, mut refused) = (0, Vec::new());
        for id in ids {
            let now = Utc::now();
            let taken = match unit {
                Some(_) => {
                    crate::app::steps::accept_and_dispatch(c, &acting, id, None, &input, now)
                }
                None => crate::app::steps::take(
                    c,
                    &acting,
                    id,
                    None,
                    crate::domain::access::Action::Take(crate::domain::Transition::Accept),
                    &input,
                    now,
                ),
            };
            match taken {
                Ok(_) => done += 1,
                Err(e @ crate::app::Error::Db(_)) => return Err(e),
                Err(_) => refused.push(id),
            }
        }
        let codes = crate::db::matters::codes_of(c, &refused)?;
        Ok((
            done,
            codes.into_iter().map(|(_, code)| code).collect::<Vec<_>>(),
        ))
    })
    .await?;
    let mut back = format!("/staff/matters?state=submitted&bulk_done={done}");
    if !refused.is_empty() {
        back.push_str(&format!("&bulk_refused={}", refused.join(",")));
    }
    Ok(crate::web::see_other(&back))
}

//! The staff inbox: matters filtered, sorted and paged within a user's scope.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::schema::matters;
use super::{AnyConnection, MultiBackend};
use crate::db::matters::Matter;
use crate::domain::access::Scope;
use crate::domain::{Channel, State};

/// The open states a deadline applies to.
const OPEN: [&str; 4] = ["submitted", "accepted", "assigned", "in_progress"];

/// How the inbox is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    Oldest,
    /// Soonest deadline first.
    Due,
    /// Most recently changed first.
    Updated,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Newest, Sort::Oldest, Sort::Due, Sort::Updated];

    pub fn code(self) -> &'static str {
        match self {
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
            Sort::Due => "due",
            Sort::Updated => "updated",
        }
    }

    pub fn from_code(code: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// What the inbox shows. Every field narrows the list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub states: Vec<State>,
    pub channel: Option<Channel>,
    pub category_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub town_id: Option<i64>,
    pub overdue: bool,
    /// Received on or after this day (UTC+8 midnight, given as UTC).
    pub from: Option<DateTime<Utc>>,
    /// Received before this instant.
    pub until: Option<DateTime<Utc>>,
    pub text: Option<String>,
    pub sort: Sort,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
}

/// The largest page the inbox serves.
pub const MAX_PER_PAGE: i64 = 100;
/// The largest page read at once (exports read in pages this size).
pub const MAX_CHUNK: i64 = 1000;

type Boxed<'a> = matters::BoxedQuery<'a, MultiBackend>;

fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Applies a filter to a boxed matters query (plain or grouped); the
/// state filter is left out when `$with_states` is false (for the counts
/// per state).
macro_rules! narrow {
    ($q:expr, $scope:expr, $f:expr, $now:expr, $with_states:expr) => {{
        let (scope, f, now): (&Scope, &Filter, DateTime<Utc>) = ($scope, $f, $now);
        let mut q = $q;
        q = match scope {
            Scope::All => q,
            Scope::Units(units) => q.filter(matters::unit_id.eq_any(units.clone())),
            Scope::Channel(c) => q.filter(matters::channel.eq(c.code())),
            Scope::Nothing => q.filter(matters::id.lt(0)),
        };
        if $with_states && !f.states.is_empty() {
            q = q.filter(
                matters::state.eq_any(f.states.iter().map(|s| s.code()).collect::<Vec<_>>()),
            );
        }
        if let Some(c) = f.channel {
            q = q.filter(matters::channel.eq(c.code()));
        }
        if let Some(id) = f.category_id {
            q = q.filter(matters::category_id.eq(id));
        }
        if let Some(id) = f.unit_id {
            q = q.filter(matters::unit_id.eq(id));
        }
        if let Some(id) = f.town_id {
            q = q.filter(matters::town_id.eq(id));
        }
        if f.overdue {
            let now = now.naive_utc();
            q = q.filter(
                matters::state
                    .eq_any(OPEN)
                    .and(matters::due_at.lt(now))
                    .or(matters::state
                        .eq("assigned")
                        .and(matters::sign_due_at.lt(now))),
            );
        }
        if let Some(from) = f.from {
            q = q.filter(matters::created_at.ge(from.naive_utc()));
        }
        if let Some(until) = f.until {
            q = q.filter(matters::created_at.lt(until.naive_utc()));
        }
        if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pattern = escape_like(text);
            q = q.filter(
                matters::title
                    .like(pattern.clone())
                    .escape('\\')
                    .or(matters::description.like(pattern.clone()).escape('\\'))
                    .or(matters::code.like(pattern.to_uppercase()).escape('\\')),
            );
        }
        q
    }};
}

fn filtered<'a>(scope: &'a Scope, f: &'a Filter, now: DateTime<Utc>) -> Boxed<'a> {
    narrow!(
        matters::table.into_boxed::<MultiBackend>(),
        scope,
        f,
        now,
        true
    )
}

/// One page of matters and how many match in all.
pub fn search(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<(Vec<Matter>, i64)> {
    let total: i64 = filtered(scope, f, now).select(count_star()).first(conn)?;
    let per_page = f.per_page.clamp(1, MAX_CHUNK);
    let offset = (f.page.max(1) - 1).saturating_mul(per_page);
    let q = filtered(scope, f, now);
    let q = match f.sort {
        Sort::Newest => q.order((matters::created_at.desc(), matters::id.desc())),
        Sort::Oldest => q.order((matters::created_at.asc(), matters::id.asc())),
        Sort::Due => q.order((
            matters::due_at.is_null().asc(),
            matters::due_at.asc(),
            matters::id.asc(),
        )),
        Sort::Updated => q.order((matters::updated_at.desc(), matters::id.desc())),
    };
    let rows = q
        .limit(per_page)
        .offset(offset)
        .select(Matter::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// How many matters are in each state, under every filter but the state.
pub fn counts_by_state(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(String, i64)>> {
    let grouped = matters::table
        .group_by(matters::state)
        .select((matters::state, count_star()))
        .into_boxed::<MultiBackend>();
    narrow!(grouped, scope, f, now, false).load(conn)
}

/// Whether a matter is past its deadline now.
pub fn is_overdue(m: &Matter, now: DateTime<Utc>) -> bool {
    let now = now.naive_utc();
    let open = OPEN.contains(&m.state.as_str());
    (open && m.due_at.is_some_and(|d| d < now))
        || (m.state == "assigned" && m.sign_due_at.is_some_and(|d| d < now))
}

/// Midnight at the start of a day in UTC+8, as UTC.
pub fn china_day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(crate::web::i18n::china()).single())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}

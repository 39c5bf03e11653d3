//! The staff inbox: matters filtered, sorted and paged within a user's scope.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::literal::{FirstOf, Limited, UnionAll};
use super::schema::matters;
use super::{AnyConnection, MultiBackend};
use crate::db::matters::Matter;
use crate::db::search::{self as index, Direction};
use crate::domain::access::Scope;
use crate::domain::search::{Fields, Query, Tier};
use crate::domain::{Channel, State};

// Deadlines soonest first, matters without one after them: `NULLS LAST`
// (both backends read it straight off a `(…, due_at, id)` index, where
// ordering by `due_at IS NULL` first made them sort every matching row).
// Diesel writes it for PostgreSQL only; these two work on both.
diesel::postfix_operator!(
    NullsLast,
    " NULLS LAST",
    diesel::expression::expression_types::NotSelectable
);
diesel::postfix_operator!(
    NullsFirst,
    " NULLS FIRST",
    diesel::expression::expression_types::NotSelectable
);

/// The open states a deadline applies to.
const OPEN: [State; 4] = [
    State::Submitted,
    State::Accepted,
    State::Assigned,
    State::InProgress,
];

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

    /// The message key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Sort::Newest => "staff.inbox.sort_newest",
            Sort::Oldest => "staff.inbox.sort_oldest",
            Sort::Due => "staff.inbox.sort_due",
            Sort::Updated => "staff.inbox.sort_updated",
        }
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
    /// 1-based; how far back the page is shown as (and, with no cursor,
    /// where it starts: see [`MAX_OFFSET`]).
    pub page: i64,
    pub per_page: i64,
    /// Where the page starts, given by the row before (or after) it.
    pub cursor: Option<Cursor>,
}

/// A page's place in the list: just after (or, going back, just before) a
/// row, known by its sort key and id. A page found this way costs the same
/// however deep it lies, where an OFFSET reads and throws away every row
/// before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    /// The row's sort key (`None`: a matter with no deadline, in the
    /// deadline sort).
    pub key: Option<NaiveDateTime>,
    pub id: i64,
    /// The page before the row rather than after it.
    pub back: bool,
    /// In the results of a text search, the row's rank (which the list is
    /// ordered by, then newest first) instead of a sort key.
    pub tier: Option<Tier>,
}

impl Cursor {
    /// The row's place as text for a link: nanoseconds since 1970 (the
    /// whole precision stored, or `n`), a dot, the id; in search results
    /// `r` and the rank, a dot, the id.
    pub fn text(&self) -> String {
        match (
            self.tier,
            self.key.and_then(|t| t.and_utc().timestamp_nanos_opt()),
        ) {
            (Some(tier), _) => format!("r{}.{}", tier.number(), self.id),
            (None, Some(nanos)) => format!("{nanos}.{}", self.id),
            (None, None) => format!("n.{}", self.id),
        }
    }

    pub fn parse(text: &str, back: bool) -> Option<Cursor> {
        let (key, id) = text.trim().split_once('.')?;
        let id = id.parse().ok()?;
        let mut tier = None;
        let key = match key {
            "n" => None,
            ranked if ranked.starts_with('r') => {
                tier = Some(Tier::from_number(ranked[1..].parse().ok()?)?);
                None
            }
            nanos => Some(DateTime::from_timestamp_nanos(nanos.parse().ok()?).naive_utc()),
        };
        Some(Cursor {
            key,
            id,
            back,
            tier,
        })
    }

    /// Row `m`'s place under a sort.
    pub fn at(sort: Sort, m: &Matter) -> Cursor {
        Cursor {
            key: sort.key(m),
            id: m.id,
            back: false,
            tier: None,
        }
    }

    fn ranked(tier: Tier, id: i64) -> Cursor {
        Cursor {
            key: None,
            id,
            back: false,
            tier: Some(tier),
        }
    }
}

/// One page of the inbox.
#[derive(Debug, Default)]
pub struct Page {
    pub rows: Vec<Matter>,
    /// Whether another page follows.
    pub more: bool,
    /// The places of the first and the last row (for the links to the
    /// pages before and after).
    pub first: Option<Cursor>,
    pub last: Option<Cursor>,
}

impl Sort {
    /// The value a matter is sorted by (before its id).
    pub fn key(self, m: &Matter) -> Option<NaiveDateTime> {
        match self {
            Sort::Newest | Sort::Oldest => Some(m.created_at),
            Sort::Updated => Some(m.updated_at),
            Sort::Due => m.due_at,
        }
    }
}

/// A count that stops at [`COUNT_CAP`]: the inbox says "100+" rather than
/// reading a million index entries to say exactly how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Count {
    pub n: i64,
    pub capped: bool,
}

impl Count {
    fn of(found: usize) -> Count {
        let found = found as i64;
        Count {
            n: found.min(COUNT_CAP),
            capped: found > COUNT_CAP,
        }
    }

    pub fn plus(self, other: Count) -> Count {
        Count {
            n: self.n + other.n,
            capped: self.capped || other.capped,
        }
    }
}

impl std::fmt::Display for Count {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.capped {
            write!(f, "{}+", self.n)
        } else {
            write!(f, "{}", self.n)
        }
    }
}

/// Counts stop here. Each inbox page counts eight states, so this bounds
/// the index entries a page reads for them (at most 8 × 101). At 1,000 the
/// counts were 95 % of PostgreSQL's time on a filtered inbox page at
/// 1,000,000 matters (0.54 ms each, 4.3 ms a page; issue 15); a number
/// past a hundred tells a dispatcher no more than "100+" does.
pub const COUNT_CAP: i64 = 100;
/// Pages without a cursor (a typed page number) start at most this far in.
pub const MAX_OFFSET: i64 = 10_000;

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
        // One state is an equality: PostgreSQL walks an index that starts
        // with it in order, where `= ANY(array)` made it filter the whole
        // newest-first index (issue 15: 10 ms → 0.4 ms at 1,000,000).
        if $with_states {
            match f.states.as_slice() {
                [] => {}
                [one] => q = q.filter(matters::state.eq(*one)),
                many => q = q.filter(matters::state.eq_any(many.to_vec())),
            }
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
                        .eq(State::Assigned)
                        .and(matters::sign_due_at.lt(now))),
            );
        }
        if let Some(from) = f.from {
            q = q.filter(matters::created_at.ge(from.naive_utc()));
        }
        if let Some(until) = f.until {
            q = q.filter(matters::created_at.lt(until.naive_utc()));
        }
        // A query the index can narrow down is looked up there instead
        // (see `ranked`); one it cannot (a single character) is a scan.
        if let Some(text) = scanned_text(f) {
            let pattern = escape_like(text);
            q = q.filter(
                matters::title
                    .like(pattern.clone())
                    .escape('\\')
                    .or(matters::description.like(pattern.clone()).escape('\\'))
                    .or(matters::address.like(pattern.clone()).escape('\\'))
                    .or(matters::code.like(pattern.to_uppercase()).escape('\\'))
                    .or(matters::citizen_phone.like(pattern.clone()).escape('\\')),
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

/// The filter's text as a search the index answers, if it is one.
fn indexed_query(f: &Filter) -> Option<Query> {
    f.text
        .as_deref()
        .and_then(Query::parse)
        .filter(Query::indexed)
}

/// The filter's text when it is matched by scanning (no two neighbouring
/// characters to look up).
fn scanned_text(f: &Filter) -> Option<&str> {
    let text = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
    match Query::parse(text) {
        Some(q) if !q.indexed() => Some(text),
        _ => None,
    }
}

/// One page of matters in the filter's order (or, for a text search, by
/// rank), and whether another page follows it.
pub fn search(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<Page> {
    if let Some(query) = indexed_query(f) {
        return ranked(conn, scope, f, now, &query);
    }
    let (rows, more) = sorted(conn, scope, f, now)?;
    Ok(Page {
        first: rows.first().map(|m| Cursor::at(f.sort, m)),
        last: rows.last().map(|m| Cursor::at(f.sort, m)),
        rows,
        more,
    })
}

/// At most this many candidates are read from the index at once.
const MAX_CANDIDATES: i64 = 2000;

/// A text search's page: the matters found in the tracking code or phone
/// first, then in the title, then elsewhere (see `domain::search`), newest
/// first within each, under every other filter. Candidates come from the
/// index in that order, a growing batch at a time; each is checked for the
/// query itself and for its rank, so what is shown is exactly what a
/// substring match would show.
fn ranked(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    query: &Query,
) -> QueryResult<Page> {
    let per_page = f.per_page.clamp(1, MAX_CHUNK);
    let back = f.cursor.is_some_and(|c| c.back);
    let mut found = ranked_rows(conn, scope, f, now, query, per_page + 1)?;
    let more = back || found.len() as i64 > per_page;
    found.truncate(per_page as usize);
    if back {
        found.reverse();
    }
    Ok(ranked_page(rows_of(conn, found)?, more))
}

/// Up to `want` results of a text search from the filter's cursor on, in
/// the order read (backwards when the cursor points back).
fn ranked_rows(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    query: &Query,
    want: i64,
) -> QueryResult<Vec<(Tier, i64)>> {
    let back = f.cursor.is_some_and(|c| c.back);
    let (direction, tiers): (Direction, Vec<Tier>) = if back {
        (Direction::Newer, Tier::ALL.into_iter().rev().collect())
    } else {
        (Direction::Older, Tier::ALL.to_vec())
    };
    let start = f.cursor.and_then(|c| c.tier.map(|t| (t, c.id)));
    if start.is_none()
        && !back
        && let Some(all) = all_at_once(conn, scope, f, now, query, want)?
    {
        return Ok(all);
    }
    // Codes and phone numbers are letters, digits and dashes: a query with
    // anything else (a word in Chinese) is never found in them, and their
    // tier is not read (a round trip and an index reading of every such
    // search: "路灯" on PostgreSQL at 1,000,000, 588 → 613 searches a
    // second, alternating builds three times each). Should a stored
    // number hold such a query anyway, its matter is listed with the text
    // tier's, where its grams are too.
    let keyless = !query.is_ascii();
    let mut found: Vec<(Tier, i64)> = Vec::new();
    'tiers: for tier in tiers {
        if keyless && tier == Tier::Key {
            continue;
        }
        let mut from = match start {
            Some((t, _)) if (!back && tier < t) || (back && tier > t) => continue,
            Some((t, id)) if t == tier => Some(id),
            _ => None,
        };
        let tokens = query.tokens(tier);
        // Codes and phone numbers share no word but by a burst of alike
        // requests: no buckets for them.
        let reading = match tier {
            Tier::Key => index::Reading {
                buckets: 0,
                window: first_window(query),
                ..index::Reading::PLANNED
            },
            _ => index::Reading {
                window: first_window(query),
                ..index::Reading::PLANNED
            },
        };
        let mut batch = (want + 16).min(MAX_CANDIDATES);
        loop {
            let ids = index::candidates_with(conn, &tokens, from, direction, batch, reading)?;
            let Some(&last) = ids.last() else { break };
            from = Some(last);
            for (at, id) in tiers_of(conn, scope, f, now, query, &ids)? {
                let here =
                    at == Some(tier) || (keyless && tier == Tier::Text && at == Some(Tier::Key));
                if here {
                    found.push((tier, id));
                    if found.len() as i64 >= want {
                        break 'tiers;
                    }
                }
            }
            if (ids.len() as i64) < batch {
                break;
            }
            batch = (batch * 4).min(MAX_CANDIDATES);
        }
    }
    Ok(found)
}

/// The first `want` results of a search from the top, from one reading of
/// the index when it holds few enough matches: every match, in any tier,
/// has the query's plain grams, so when those find fewer matters than a
/// batch, they are all the candidates there are, ranked here. A caller's
/// number or a code is one index read instead of one per tier (three GIN
/// reads of 1.7 ms each for a phone number at 1,000,000 matters on
/// PostgreSQL: 388 → 727 searches a second). Tried only for letters and
/// digits: a word in Chinese is most often a common one ("路灯": one matter
/// in twelve), where the extra reading cost 30 % of the searches a second.
/// `None`: not tried, or too many to take at once; the tiers are read in
/// turn.
fn all_at_once(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    query: &Query,
    want: i64,
) -> QueryResult<Option<Vec<(Tier, i64)>>> {
    if !query.is_ascii() {
        return Ok(None);
    }
    let batch = (want + 16).min(MAX_CANDIDATES);
    let reading = index::Reading {
        window: first_window(query),
        ..index::Reading::PLANNED
    };
    let ids = index::candidates_with(
        conn,
        &query.tokens(Tier::Text),
        None,
        Direction::Older,
        batch,
        reading,
    )?;
    if ids.len() as i64 >= batch {
        return Ok(None);
    }
    let mut found: Vec<(Tier, i64)> = tiers_of(conn, scope, f, now, query, &ids)?
        .into_iter()
        .filter_map(|(tier, id)| tier.map(|t| (t, id)))
        .collect();
    found.sort_by_key(|&(tier, id)| (tier, std::cmp::Reverse(id)));
    found.truncate(want.max(0) as usize);
    Ok(Some(found))
}

/// How many of the newest matters PostgreSQL reads one by one before the
/// index's lists: none for a query looked up by four-digit grams, whose
/// lists are short, where the window reads 256 rows (0.45 ms of a 1 ms
/// phone search at 1,000,000 matters).
fn first_window(query: &Query) -> i64 {
    if query.by_digit_grams() {
        0
    } else {
        index::Reading::PLANNED.window
    }
}

/// Each candidate within the filter, in the order given, with the tier
/// the query is found in (`None`: not found, only its grams were).
/// Checked on the searched fields alone; whole rows are read only for
/// the page (a first page reads a hundred to count).
fn tiers_of(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    query: &Query,
    ids: &[i64],
) -> QueryResult<Vec<(Option<Tier>, i64)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Searched> = filtered(scope, f, now)
        .filter(matters::id.eq_any(ids))
        .select(SEARCHED)
        .load(conn)?;
    let mut by_id: std::collections::HashMap<i64, Searched> =
        rows.into_iter().map(|m| (m.0, m)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| {
            let (_, title, description, address, code, phone) = by_id.remove(id)?;
            let seen = Fields {
                title: &title,
                description: &description,
                address: &address,
                code: &code,
                phone: phone.as_deref(),
            };
            Some((query.tier_of(&seen), *id))
        })
        .collect())
}

/// A matter's id and the fields search looks at.
type Searched = (i64, String, String, String, String, Option<String>);
const SEARCHED: (
    matters::id,
    matters::title,
    matters::description,
    matters::address,
    matters::code,
    matters::citizen_phone,
) = (
    matters::id,
    matters::title,
    matters::description,
    matters::address,
    matters::code,
    matters::citizen_phone,
);

/// The whole rows of these matters, in this order.
fn rows_of(conn: &mut AnyConnection, found: Vec<(Tier, i64)>) -> QueryResult<Vec<(Tier, Matter)>> {
    let ids: Vec<i64> = found.iter().map(|(_, id)| *id).collect();
    let rows: Vec<Matter> = matters::table
        .filter(matters::id.eq_any(&ids))
        .select(Matter::as_select())
        .load(conn)?;
    let mut by_id: std::collections::HashMap<i64, Matter> =
        rows.into_iter().map(|m| (m.id, m)).collect();
    Ok(found
        .into_iter()
        .filter_map(|(t, id)| by_id.remove(&id).map(|m| (t, m)))
        .collect())
}

fn ranked_page(found: Vec<(Tier, Matter)>, more: bool) -> Page {
    Page {
        first: found.first().map(|(t, m)| Cursor::ranked(*t, m.id)),
        last: found.last().map(|(t, m)| Cursor::ranked(*t, m.id)),
        rows: found.into_iter().map(|(_, m)| m).collect(),
        more,
    }
}

/// How many matters a text search finds, up to [`COUNT_CAP`] (`None`: not
/// a text search the index answers; the counts per state apply).
pub fn count_ranked(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<Option<Count>> {
    let Some(query) = indexed_query(f) else {
        return Ok(None);
    };
    let all = Filter {
        per_page: COUNT_CAP,
        cursor: None,
        ..f.clone()
    };
    let page = ranked(conn, scope, &all, now, &query)?;
    Ok(Some(Count {
        n: page.rows.len() as i64,
        capped: page.more,
    }))
}

/// [`search`], and for a text search also how many it finds (up to
/// [`COUNT_CAP`]; `None` otherwise). On the first page both come from one
/// reading of the index: the first [`COUNT_CAP`] results, of which the
/// page shows the first few.
pub fn search_counted(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<(Page, Option<Count>)> {
    let Some(query) = indexed_query(f) else {
        return Ok((search(conn, scope, f, now)?, None));
    };
    let per_page = f.per_page.clamp(1, MAX_CHUNK);
    if f.cursor.is_some() || per_page > COUNT_CAP {
        let page = ranked(conn, scope, f, now, &query)?;
        return Ok((page, count_ranked(conn, scope, f, now)?));
    }
    // The first page: read up to the cap, show the first few.
    let mut found = ranked_rows(conn, scope, f, now, &query, COUNT_CAP + 1)?;
    let count = Count::of(found.len());
    let more = found.len() as i64 > per_page;
    found.truncate(per_page as usize);
    Ok((ranked_page(rows_of(conn, found)?, more), Some(count)))
}

/// [`search_counted`], with each statement of a text search limited to
/// `limit` on PostgreSQL: `None` when one ran out of time (a search by a
/// common word over many millions of matters, or one held up by a lock),
/// so that a slow search gives its connection back instead of holding it
/// while the staff member waits or gives up. (SQLite reads in process,
/// one reader per worker: there is no pool to hold.)
pub fn search_counted_within(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    limit: std::time::Duration,
) -> QueryResult<Option<(Page, Option<Count>)>> {
    if indexed_query(f).is_none() || matches!(conn, AnyConnection::Sqlite(_)) {
        return search_counted(conn, scope, f, now).map(Some);
    }
    let started = std::time::Instant::now();
    let found = conn.transaction(|c| {
        // No parallel workers either: at 10,000,000 matters the planner
        // gave a search's list reading two, started afresh (a process
        // each) for every statement: 5.5 ms alone and 22 ms under load
        // for a list that held nothing (0.27 ms without them). One round
        // trip for both settings.
        diesel::connection::SimpleConnection::batch_execute(
            c,
            &format!(
                "SET LOCAL statement_timeout = {}; SET LOCAL max_parallel_workers_per_gather = 0",
                limit.as_millis().max(1)
            ),
        )?;
        search_counted(c, scope, f, now)
    });
    match found {
        // A statement cancelled by the limit. (Its message is in the
        // server's language; a statement only ends that way at the limit.)
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::Unknown,
            _,
        )) if started.elapsed() >= limit => Ok(None),
        other => other.map(Some),
    }
}

/// One page in the filter's sort, and whether another page follows it.
fn sorted(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<(Vec<Matter>, bool)> {
    let per_page = f.per_page.clamp(1, MAX_CHUNK);
    // Going back, the order is turned round and the rows read turned back.
    let back = f.cursor.is_some_and(|x| x.back);
    let mut rows = read_sorted(conn, scope, f, now, f.cursor, per_page + 1)?;
    // Deadlines forward from a dated row: the dated rows after it, then
    // (when they run out) those without a deadline from the first. Asked
    // as one condition (`… OR due_at IS NULL`), no index could bound it.
    if let Some(at @ Cursor { key: Some(_), .. }) = f.cursor
        && f.sort == Sort::Due
        && !at.back
        && rows.len() as i64 <= per_page
    {
        let undated = Cursor {
            key: None,
            id: i64::MIN,
            back: false,
            tier: None,
        };
        let wanted = per_page + 1 - rows.len() as i64;
        rows.extend(read_sorted(conn, scope, f, now, Some(undated), wanted)?);
    }
    let more = back || rows.len() as i64 > per_page;
    rows.truncate(per_page as usize);
    if back {
        rows.reverse();
    }
    Ok((rows, more))
}

/// Up to `limit` rows in the filter's sort (turned round going back),
/// past `cursor` or at the filter's page.
fn read_sorted(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    cursor: Option<Cursor>,
    limit: i64,
) -> QueryResult<Vec<Matter>> {
    let back = cursor.is_some_and(|x| x.back);
    let page = ordered(filtered(scope, f, now), f.sort, back);
    let (page, offset) = match cursor {
        None => (
            page,
            (f.page.max(1) - 1)
                .saturating_mul(f.per_page.clamp(1, MAX_CHUNK))
                .min(MAX_OFFSET),
        ),
        Some(at) => (after(page, f.sort, at), 0),
    };
    // On PostgreSQL a page from the top (or a cursor) under plain
    // equalities has its limit in the text, so that its statement is
    // planned once (see `planned_once`); other pages bind it, as SQLite's
    // always do.
    let literal = offset == 0 && f.states.len() <= 1 && planned_once(conn, scope, f);
    let page = if literal {
        page
    } else {
        page.offset(offset).limit(limit)
    };
    if f.sort != Sort::Due {
        let page = page.select(Matter::as_select());
        return if literal {
            Limited::new(page, limit).load(conn)
        } else {
            page.load(conn)
        };
    }
    // By deadline, a unit's open matters (several units, two states) are
    // sorted, not read in order off an index. So the page is chosen by id
    // alone, off `(unit, state, due)`, which holds all that needs, and only
    // its rows are read whole. PostgreSQL sorts the index's entries rather
    // than whole rows (a town's page at 1,000,000 matters: 473 → 812 a
    // second). SQLite stops reading each unit and state at a page, and an
    // index that holds all the read needs is the one it chooses (whole
    // rows, it took the index made last: 306 → 2,520 a second with both).
    // The other sorts read their rows in order off their indexes.
    let ids: Vec<i64> = if let Some(ids) = merged_ids(conn, scope, f, now, cursor, offset, limit)? {
        ids
    } else if literal {
        Limited::new(page.select(matters::id), limit).load(conn)?
    } else {
        page.select(matters::id).load(conn)?
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ordered(matters::table.into_boxed(), f.sort, back)
        .filter(matters::id.eq_any(ids))
        .select(Matter::as_select())
        .load(conn)
}

/// Whether the filter's statements on PostgreSQL may be planned once for
/// all values (their limit written in: see `db::literal`), beyond one
/// state each (the caller's to check). Only when every condition is an
/// equality on one value, which an index of the sort takes whole. A plan
/// kept for any units or states (`= ANY`), a date range or a text is
/// costed as if the matches were spread evenly, and wrongly chosen: a
/// town's open matters by deadline, planned once, walked the deadline
/// index of every matter for the few of theirs (1,088 pages a second at
/// 1,000,000 matters fell to 6).
fn planned_once(conn: &AnyConnection, scope: &Scope, f: &Filter) -> bool {
    matches!(conn, AnyConnection::Postgresql(_))
        && matches!(scope, Scope::All | Scope::Channel(_))
        && !f.overdue
        && f.from.is_none()
        && f.until.is_none()
        && f.text.is_none()
}

/// The most parts (units × states) read as one merged page.
const MAX_PARTS: usize = 64;

/// On PostgreSQL, a unit's page by deadline (its units and below, in a
/// few states) as the merge of one ordered reading per unit and state,
/// each off `(unit, state, due)` and no longer than the page: with
/// `= ANY` of both the server reads every open matter of the units and
/// sorts them (a town at 1,000,000 matters: 1,475 index entries, 0.75 ms,
/// planned on every call). Each part is plain equalities, so the whole is
/// planned once (see `planned_once`). `None`: not such a page.
fn merged_ids(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
    cursor: Option<Cursor>,
    offset: i64,
    limit: i64,
) -> QueryResult<Option<Vec<i64>>> {
    let Scope::Units(units) = scope else {
        return Ok(None);
    };
    if f.sort != Sort::Due
        || offset != 0
        || f.states.is_empty()
        || units.len() * f.states.len() > MAX_PARTS
        || !planned_once(conn, &Scope::All, f)
    {
        return Ok(None);
    }
    let back = cursor.is_some_and(|x| x.back);
    let mut parts = Vec::with_capacity(units.len() * f.states.len());
    for &unit in units {
        for &state in &f.states {
            let part = narrow!(
                matters::table.into_boxed::<MultiBackend>(),
                &Scope::All,
                f,
                now,
                false
            )
            .filter(matters::unit_id.eq(unit))
            .filter(matters::state.eq(state));
            let part = match cursor {
                Some(at) => after(part, f.sort, at),
                None => part,
            };
            let part = ordered(part, f.sort, back).select((matters::id, matters::due_at));
            parts.push(Limited::new(part, limit));
        }
    }
    let order = if back {
        "due_at DESC NULLS FIRST, id DESC"
    } else {
        "due_at ASC NULLS LAST, id ASC"
    };
    FirstOf::ids(parts, order, limit).load(conn).map(Some)
}

/// A query in a sort's order (turned round going back).
fn ordered(q: Boxed<'_>, sort: Sort, back: bool) -> Boxed<'_> {
    let (c, k) = (matters::created_at, matters::id);
    let (u, due) = (matters::updated_at, matters::due_at);
    match (sort, back) {
        (Sort::Newest, false) | (Sort::Oldest, true) => q.order((c.desc(), k.desc())),
        (Sort::Oldest, false) | (Sort::Newest, true) => q.order((c.asc(), k.asc())),
        (Sort::Updated, false) => q.order((u.desc(), k.desc())),
        (Sort::Updated, true) => q.order((u.asc(), k.asc())),
        (Sort::Due, false) => q.order((NullsLast::new(due.asc()), k.asc())),
        (Sort::Due, true) => q.order((NullsFirst::new(due.desc()), k.desc())),
    }
}

/// Rows past the cursor, in the direction of reading. Each condition leads
/// with a plain range on the sort column so that its index bounds the scan.
fn after(q: Boxed<'_>, sort: Sort, at: Cursor) -> Boxed<'_> {
    let (c, k, u, due) = (
        matters::created_at,
        matters::id,
        matters::updated_at,
        matters::due_at,
    );
    let id = at.id;
    // "Later in the list" is a smaller key for the newest-first sorts.
    let descending = matches!(sort, Sort::Newest | Sort::Updated) != at.back;
    match (sort, at.key) {
        (Sort::Newest | Sort::Oldest, Some(t)) if descending => {
            q.filter(c.le(t).and(c.lt(t).or(k.lt(id))))
        }
        (Sort::Newest | Sort::Oldest, Some(t)) => q.filter(c.ge(t).and(c.gt(t).or(k.gt(id)))),
        (Sort::Updated, Some(t)) if descending => q.filter(u.le(t).and(u.lt(t).or(k.lt(id)))),
        (Sort::Updated, Some(t)) => q.filter(u.ge(t).and(u.gt(t).or(k.gt(id)))),
        // Deadlines: soonest first, then those with none.
        // (Those without a deadline after these: see `sorted`.)
        (Sort::Due, Some(t)) if !at.back => q.filter(due.ge(t).and(due.gt(t).or(k.gt(id)))),
        (Sort::Due, Some(t)) => q.filter(due.le(t).and(due.lt(t).or(k.lt(id)))),
        (Sort::Due, None) if !at.back => q.filter(due.is_null().and(k.gt(id))),
        (Sort::Due, None) => q.filter(due.is_null().and(k.lt(id)).or(due.is_not_null())),
        // A cursor without a key under a sort that has one: a forged link.
        (_, None) => q.filter(k.lt(0)),
    }
}

/// How many matters are in each state, under every filter but the state,
/// each up to [`COUNT_CAP`]. On PostgreSQL the eight capped readings go
/// in one statement (`UNION ALL`): as eight queries they were eight round
/// trips on every inbox page. SQLite reads in process, one by one.
pub fn counts_by_state(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(State, Count)>> {
    let once = planned_once(conn, scope, f);
    if let Some(found) = merged_counts(conn, scope, f, now)? {
        return Ok(found);
    }
    if let AnyConnection::Postgresql(pg) = conn {
        let parts = State::ALL.into_iter().map(|state| {
            narrow!(
                matters::table.into_boxed::<diesel::pg::Pg>(),
                scope,
                f,
                now,
                false
            )
            .filter(matters::state.eq(state.code()))
            .select(matters::state)
        });
        // Each part has one state: the cap goes in the text when the
        // rest allows (see `planned_once`).
        let found: Vec<State> = if once {
            UnionAll::new(parts.map(|q| Limited::new(q, COUNT_CAP + 1)).collect()).load(pg)?
        } else {
            UnionAll::new(parts.map(|q| q.limit(COUNT_CAP + 1)).collect()).load(pg)?
        };
        return Ok(State::ALL
            .into_iter()
            .map(|state| {
                (
                    state,
                    Count::of(found.iter().filter(|s| **s == state).count()),
                )
            })
            .collect());
    }
    State::ALL
        .into_iter()
        .map(|state| {
            let q = narrow!(
                matters::table.into_boxed::<MultiBackend>(),
                scope,
                f,
                now,
                false
            );
            let ids: Vec<i64> = q
                .filter(matters::state.eq(state.code()))
                .select(matters::id)
                .limit(COUNT_CAP + 1)
                .load(conn)?;
            Ok((state, Count::of(ids.len())))
        })
        .collect()
}

/// On PostgreSQL, a unit's counts (its units and below) as for each
/// state the first [`COUNT_CAP`] + 1 of one reading per unit, each capped
/// alike: plain equalities, so planned once (`= ANY` of the units was
/// planned on every page: 0.34 ms of a town's at 1,000,000 matters).
/// `None`: not such a filter, or too many units.
fn merged_counts(
    conn: &mut AnyConnection,
    scope: &Scope,
    f: &Filter,
    now: DateTime<Utc>,
) -> QueryResult<Option<Vec<(State, Count)>>> {
    let Scope::Units(units) = scope else {
        return Ok(None);
    };
    if units.is_empty()
        || units.len() * State::ALL.len() > MAX_PARTS
        || !planned_once(conn, &Scope::All, f)
    {
        return Ok(None);
    }
    let AnyConnection::Postgresql(pg) = conn else {
        return Ok(None);
    };
    let per_state = State::ALL.into_iter().map(|state| {
        let parts = units
            .iter()
            .map(|&unit| {
                let q = narrow!(
                    matters::table.into_boxed::<diesel::pg::Pg>(),
                    &Scope::All,
                    f,
                    now,
                    false
                )
                .filter(matters::unit_id.eq(unit))
                .filter(matters::state.eq(state.code()))
                .select(matters::state);
                Limited::new(q, COUNT_CAP + 1)
            })
            .collect();
        FirstOf::states(parts, COUNT_CAP + 1)
    });
    let found: Vec<State> = UnionAll::new(per_state.collect()).load(pg)?;
    Ok(Some(
        State::ALL
            .into_iter()
            .map(|state| {
                (
                    state,
                    Count::of(found.iter().filter(|s| **s == state).count()),
                )
            })
            .collect(),
    ))
}

/// Whether a matter is past its deadline now.
pub fn is_overdue(m: &Matter, now: DateTime<Utc>) -> bool {
    let now = now.naive_utc();
    (m.state.is_open() && m.due_at.is_some_and(|d| d < now))
        || (m.state == State::Assigned && m.sign_due_at.is_some_and(|d| d < now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_are_escaped() {
        assert_eq!(escape_like("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}

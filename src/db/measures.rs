//! The measures (考核), computed from the stored matters each time they are
//! asked for: nothing here is a counter kept on the side.
//!
//! - response rate 响应率 = signed for within the limit / dispatched
//! - resolution rate 解决率 = resolved / accepted
//! - satisfaction rate 满意率 = (satisfied + basically satisfied) / rated,
//!   counting every rating given (an unsatisfied one that reopened a matter too)

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::AnyConnection;

/// Counts behind the rates, for one group of matters.
#[derive(Clone, Debug, Default, PartialEq, Eq, QueryableByName)]
pub struct Tally {
    #[diesel(sql_type = Nullable<Text>)]
    pub grp: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub total: i64,
    #[diesel(sql_type = BigInt)]
    pub dispatched: i64,
    #[diesel(sql_type = BigInt)]
    pub signed_on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub accepted: i64,
    #[diesel(sql_type = BigInt)]
    pub resolved: i64,
    #[diesel(sql_type = BigInt)]
    pub rated: i64,
    #[diesel(sql_type = BigInt)]
    pub satisfied: i64,
    #[diesel(sql_type = BigInt)]
    pub closed: i64,
    #[diesel(sql_type = BigInt)]
    pub claimed: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.total += other.total;
        self.dispatched += other.dispatched;
        self.signed_on_time += other.signed_on_time;
        self.accepted += other.accepted;
        self.resolved += other.resolved;
        self.rated += other.rated;
        self.satisfied += other.satisfied;
        self.closed += other.closed;
        self.claimed += other.claimed;
        self.overdue += other.overdue;
        self.open += other.open;
    }

    pub fn response_rate(&self) -> Option<f64> {
        ratio(self.signed_on_time, self.dispatched)
    }

    pub fn resolution_rate(&self) -> Option<f64> {
        ratio(self.resolved, self.accepted)
    }

    pub fn satisfaction_rate(&self) -> Option<f64> {
        ratio(self.satisfied, self.rated)
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// A timestamp literal for SQL. Only ever our own clock, never input.
fn sql_time(t: DateTime<Utc>) -> String {
    t.naive_utc().format("%Y-%m-%d %H:%M:%S").to_string()
}

#[derive(QueryableByName)]
struct Rated {
    #[diesel(sql_type = Nullable<Text>)]
    grp: Option<String>,
    #[diesel(sql_type = BigInt)]
    rated: i64,
    #[diesel(sql_type = BigInt)]
    satisfied: i64,
}

/// Received and closed per month (in UTC+8), oldest first.
#[derive(Clone, Debug, QueryableByName)]
pub struct MonthCount {
    #[diesel(sql_type = Text)]
    pub month: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Matters received per month since `since`, and matters closed per month.
pub fn monthly(
    conn: &mut AnyConnection,
    since: DateTime<Utc>,
) -> QueryResult<(Vec<MonthCount>, Vec<MonthCount>)> {
    let since = sql_time(since);
    let month = |column: &str, conn: &AnyConnection| match conn {
        AnyConnection::Sqlite(_) => format!("substr(datetime({column}, '+8 hours'), 1, 7)"),
        AnyConnection::Postgresql(_) => {
            format!("to_char({column} + interval '8 hours', 'YYYY-MM')")
        }
    };
    let received = format!(
        "SELECT {m} AS month, COUNT(*) AS n FROM matters WHERE created_at >= '{since}' GROUP BY {m} ORDER BY 1",
        m = month("created_at", conn)
    );
    // `state || ''` keeps the planner on the closed_at index (a year of
    // rows) instead of the state index (every closed matter ever).
    let closed = format!(
        "SELECT {m} AS month, COUNT(*) AS n FROM matters WHERE closed_at >= '{since}' AND (state || '') = 'closed' GROUP BY {m} ORDER BY 1",
        m = month("closed_at", conn)
    );
    Ok((
        diesel::sql_query(received).load(conn)?,
        diesel::sql_query(closed).load(conn)?,
    ))
}

/// Volunteer service in figures: teams, menu items, volunteers, services and minutes.
#[derive(Clone, Debug, Default, QueryableByName)]
pub struct VolunteerFigures {
    #[diesel(sql_type = BigInt)]
    pub teams: i64,
    #[diesel(sql_type = BigInt)]
    pub items: i64,
    #[diesel(sql_type = BigInt)]
    pub volunteers: i64,
    #[diesel(sql_type = BigInt)]
    pub services: i64,
    #[diesel(sql_type = BigInt)]
    pub minutes: i64,
}

pub fn volunteer_figures(conn: &mut AnyConnection) -> QueryResult<VolunteerFigures> {
    diesel::sql_query(
        "SELECT (SELECT COUNT(*) FROM volunteer_teams) AS teams,
                (SELECT COUNT(*) FROM menu_items) AS items,
                (SELECT COUNT(*) FROM users WHERE role = 'volunteer') AS volunteers,
                (SELECT COUNT(*) FROM service_records) AS services,
                CAST((SELECT COALESCE(SUM(minutes), 0) FROM service_records) AS BIGINT) AS minutes",
    )
    .get_result(conn)
}

/// The tallies overall, per channel and per unit, from one pass over the
/// matters and one over the rating events (grouped by channel and unit,
/// then added up here).
pub struct Grouped {
    pub overall: Tally,
    pub channels: Vec<Tally>,
    pub units: Vec<Tally>,
}

pub fn grouped(conn: &mut AnyConnection, now: DateTime<Utc>) -> QueryResult<Grouped> {
    let now = sql_time(now);
    let key = "channel || '|' || COALESCE(CAST(unit_id AS TEXT), '')";
    let sql = format!(
        "SELECT {key} AS grp, COUNT(*) AS total,
           CAST(COALESCE(SUM(CASE WHEN dispatched_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS dispatched,
           CAST(COALESCE(SUM(CASE WHEN signed_at IS NOT NULL AND sign_due_at IS NOT NULL AND signed_at <= sign_due_at THEN 1 ELSE 0 END), 0) AS BIGINT) AS signed_on_time,
           CAST(COALESCE(SUM(CASE WHEN accepted_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS accepted,
           CAST(COALESCE(SUM(CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS resolved,
           CAST(0 AS BIGINT) AS rated,
           CAST(0 AS BIGINT) AS satisfied,
           CAST(COALESCE(SUM(CASE WHEN state = 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed,
           CAST(COALESCE(SUM(CASE WHEN claimed_by IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS claimed,
           CAST(COALESCE(SUM(CASE WHEN state IN ('submitted', 'accepted', 'assigned', 'in_progress')
                 AND ((due_at IS NOT NULL AND due_at < '{now}') OR (state = 'assigned' AND sign_due_at < '{now}'))
                 THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue,
           CAST(COALESCE(SUM(CASE WHEN state IN ('submitted', 'accepted', 'assigned', 'in_progress', 'resolved') THEN 1 ELSE 0 END), 0) AS BIGINT) AS open
         FROM matters WHERE state NOT IN ('rejected', 'merged') GROUP BY grp"
    );
    let mut cells: Vec<Tally> = diesel::sql_query(sql).load(conn)?;
    let ratings: Vec<Rated> = diesel::sql_query(
        "SELECT m.channel || '|' || COALESCE(CAST(m.unit_id AS TEXT), '') AS grp, COUNT(*) AS rated,
           CAST(COALESCE(SUM(CASE WHEN e.kind IN ('rate_satisfied', 'rate_basic') THEN 1 ELSE 0 END), 0) AS BIGINT) AS satisfied
         FROM events e JOIN matters m ON m.id = e.matter_id
         WHERE e.kind IN ('rate_satisfied', 'rate_basic', 'rate_unsatisfied')
         GROUP BY grp",
    )
    .load(conn)?;
    for r in ratings {
        match cells.iter_mut().find(|t| t.grp == r.grp) {
            Some(t) => {
                t.rated = r.rated;
                t.satisfied = r.satisfied;
            }
            // Rated matters later rejected or merged still count their ratings.
            None => cells.push(Tally {
                grp: r.grp,
                rated: r.rated,
                satisfied: r.satisfied,
                ..Tally::default()
            }),
        }
    }
    let mut overall = Tally::default();
    let mut channels: Vec<Tally> = Vec::new();
    let mut units: Vec<Tally> = Vec::new();
    for cell in &cells {
        overall.add(cell);
        let (channel, unit) = cell
            .grp
            .as_deref()
            .and_then(|g| g.split_once('|'))
            .unwrap_or(("", ""));
        let into = |list: &mut Vec<Tally>, key: Option<String>| match list
            .iter_mut()
            .find(|t| t.grp == key)
        {
            Some(t) => t.add(cell),
            None => {
                let mut t = cell.clone();
                t.grp = key;
                list.push(t);
            }
        };
        into(&mut channels, Some(channel.to_owned()));
        into(&mut units, (!unit.is_empty()).then(|| unit.to_owned()));
    }
    Ok(Grouped {
        overall,
        channels,
        units,
    })
}

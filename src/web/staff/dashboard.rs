//! The dashboard: each channel's headline figures, the three rates overall,
//! per channel and per unit, overdue counts, and a month-by-month trend,
//! all computed from the stored matters when the page is asked for.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{Datelike, Duration, Utc};

use crate::db::measures::{self, MonthCount, Tally, VolunteerFigures};
use crate::db::{AnyConnection, DbError, fund};
use crate::domain::Channel;
use crate::domain::UnitKind;
use crate::domain::access::Page;
use crate::domain::money::{Fund, yuan};
use crate::views::staff::{Bar, ChannelFigures, DashboardPage, RateRow, Trend};
use crate::web::AppState;
use crate::web::auth::{PageAccess, StaffUser};
use crate::web::error::AppError;
use crate::web::i18n::Lang;
use crate::web::{csrf, db, page};

/// Everything the dashboards show.
pub struct Measures {
    pub overall: Tally,
    pub channels: Vec<Tally>,
    pub units: Vec<Tally>,
    pub fund: Fund,
    pub volunteers: VolunteerFigures,
    pub received: Vec<MonthCount>,
    pub closed: Vec<MonthCount>,
}

/// The last counted figures, with when they were counted and how long that
/// took, and the turn to count them. Counting a million matters takes
/// seconds (ten million, a couple of minutes), so figures are reused for
/// the configured lifetime and at least nine times as long as a count took
/// (counting takes at most a tenth of a core); one count runs at a time;
/// a request that finds the figures due shows them and has them counted
/// again in the background, and one that finds none yet waits for the
/// count under way instead of starting its own.
#[derive(Default)]
pub struct MeasuresCache {
    last: std::sync::Mutex<Option<Counted>>,
    counting: std::sync::Arc<tokio::sync::Mutex<()>>,
}

#[derive(Clone)]
struct Counted {
    at: std::time::Instant,
    took: std::time::Duration,
    measures: std::sync::Arc<Measures>,
}

impl Counted {
    fn due(&self, ttl: std::time::Duration) -> bool {
        due(self.at.elapsed(), self.took, ttl)
    }
}

/// Whether figures counted `age` ago, in a count that took `took`, are due
/// to be counted again, by the lifetime `ttl`.
fn due(age: std::time::Duration, took: std::time::Duration, ttl: std::time::Duration) -> bool {
    age >= ttl.max(took * 9)
}

impl MeasuresCache {
    fn get(&self) -> Option<Counted> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// How long ago the figures were counted (`None`: never yet).
    pub fn age(&self) -> Option<std::time::Duration> {
        self.get().map(|c| c.at.elapsed())
    }

    fn put(&self, counted: Counted) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(counted);
    }
}

/// The figures as kept, counted again when due (a lifetime of zero: counted
/// for every request).
pub async fn current(
    state: &web::Data<AppState>,
    l: Lang,
) -> Result<std::sync::Arc<Measures>, AppError> {
    let ttl = std::time::Duration::from_secs(state.settings.measures_ttl_secs);
    let cache = &state.measures;
    if ttl.is_zero() {
        return count(state, l).await;
    }
    match cache.get() {
        Some(c) if !c.due(ttl) => Ok(c.measures),
        Some(c) => {
            // Unless someone is counting already, count in the background;
            // the previous figures will do meanwhile.
            if let Ok(turn) = cache.counting.clone().try_lock_owned() {
                let state = state.clone();
                actix_web::rt::spawn(async move {
                    let _turn = turn;
                    if let Err(e) = count(&state, Lang::Zh).await {
                        log::warn!("counting the dashboard's figures: {e}");
                    }
                });
            }
            Ok(c.measures)
        }
        None => {
            let _turn = cache.counting.lock().await;
            // Counted while this request waited for its turn.
            match cache.get() {
                Some(c) => Ok(c.measures),
                None => count(state, l).await,
            }
        }
    }
}

async fn count(state: &web::Data<AppState>, l: Lang) -> Result<std::sync::Arc<Measures>, AppError> {
    let started = std::time::Instant::now();
    let measures = std::sync::Arc::new(db(state, l, |c| Ok(measure(c)?)).await?);
    state.measures.put(Counted {
        at: std::time::Instant::now(),
        took: started.elapsed(),
        measures: measures.clone(),
    });
    Ok(measures)
}

/// Counts the figures when they are missing or half their lifetime old (and
/// nine counts' time), so that visitors seldom find them due; the server
/// calls this in the background.
pub async fn refresh(state: &web::Data<AppState>) -> Result<(), AppError> {
    let _turn = state.measures.counting.lock().await;
    let half = std::time::Duration::from_secs(state.settings.measures_ttl_secs / 2);
    match state.measures.get() {
        Some(c) if !c.due(half) => Ok(()),
        _ => count(state, Lang::Zh).await.map(|_| ()),
    }
}

pub fn measure(c: &mut AnyConnection) -> Result<Measures, DbError> {
    let now = Utc::now();
    let grouped = measures::grouped(c, now)?;
    let since = now - Duration::days(365);
    let (received, closed) = measures::monthly(c, since)?;
    Ok(Measures {
        overall: grouped.overall,
        channels: grouped.channels,
        units: grouped.units,
        fund: fund::position(c)?,
        volunteers: measures::volunteer_figures(c)?,
        received,
        closed,
    })
}

/// A rate as a percentage, or a dash when nothing was counted.
pub fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

pub fn rate_row(label: String, t: &Tally) -> RateRow {
    RateRow {
        label,
        total: t.total,
        response: percent(t.response_rate()),
        response_parts: format!("{}/{}", t.signed_on_time, t.dispatched),
        resolution: percent(t.resolution_rate()),
        resolution_parts: format!("{}/{}", t.resolved, t.accepted),
        satisfaction: percent(t.satisfaction_rate()),
        satisfaction_parts: format!("{}/{}", t.satisfied, t.rated),
        overdue: t.overdue,
    }
}

fn channel_tally(m: &Measures, c: Channel) -> Tally {
    m.channels
        .iter()
        .find(|t| t.grp.as_deref() == Some(c.code()))
        .cloned()
        .unwrap_or_default()
}

/// The headline figures of each channel, in the channel's own terms.
pub fn channel_figures(l: Lang, m: &Measures) -> Vec<ChannelFigures> {
    let leader = channel_tally(m, Channel::Leader);
    let department = channel_tally(m, Channel::Department);
    let micro = channel_tally(m, Channel::Micro);
    let online = channel_tally(m, Channel::Online);
    let v = &m.volunteers;
    let figure = |key: &str, value: String| (l.t(key), value);
    vec![
        ChannelFigures {
            code: Channel::Leader.code(),
            name: l.t("channel.leader"),
            figures: vec![
                figure("dashboard.claimed", leader.claimed.to_string()),
                figure("dashboard.accepted", leader.closed.to_string()),
            ],
            headline: l.tf(
                "dashboard.leader_headline",
                &[
                    ("a", &leader.closed.to_string()),
                    ("b", &leader.claimed.to_string()),
                ],
            ),
        },
        ChannelFigures {
            code: Channel::Department.code(),
            name: l.t("channel.department"),
            figures: vec![
                figure("dashboard.planned", department.total.to_string()),
                figure("dashboard.accepted", department.closed.to_string()),
            ],
            headline: l.tf(
                "dashboard.department_headline",
                &[
                    ("a", &department.closed.to_string()),
                    ("b", &department.total.to_string()),
                ],
            ),
        },
        ChannelFigures {
            code: Channel::Micro.code(),
            name: l.t("channel.micro"),
            figures: vec![
                figure("dashboard.fund_total", yuan(m.fund.allocated)),
                figure("dashboard.fund_used", yuan(m.fund.spent)),
                figure("dashboard.fund_outstanding", yuan(m.fund.outstanding())),
                figure("dashboard.fund_balance", yuan(m.fund.available())),
                figure("dashboard.micro_closed", micro.closed.to_string()),
            ],
            headline: l.tf(
                "dashboard.micro_headline",
                &[
                    ("a", &micro.closed.to_string()),
                    ("b", &micro.total.to_string()),
                ],
            ),
        },
        ChannelFigures {
            code: Channel::Volunteer.code(),
            name: l.t("channel.volunteer"),
            figures: vec![
                figure("dashboard.teams", v.teams.to_string()),
                figure("dashboard.menu_items", v.items.to_string()),
                figure("dashboard.volunteers", v.volunteers.to_string()),
                figure("dashboard.services", v.services.to_string()),
                figure(
                    "dashboard.service_hours",
                    format!("{:.1}", v.minutes as f64 / 60.0),
                ),
            ],
            headline: l.tf(
                "dashboard.volunteer_headline",
                &[("a", &v.teams.to_string()), ("b", &v.items.to_string())],
            ),
        },
        ChannelFigures {
            code: Channel::Online.code(),
            name: l.t("channel.online"),
            figures: vec![
                figure("dashboard.received", online.total.to_string()),
                figure("dashboard.closed", online.closed.to_string()),
            ],
            headline: l.tf(
                "dashboard.online_headline",
                &[
                    ("a", &online.closed.to_string()),
                    ("b", &online.total.to_string()),
                ],
            ),
        },
    ]
}

/// Received and closed per month over the last twelve months, as bars.
pub fn trend(l: Lang, m: &Measures) -> Trend {
    let today = Utc::now()
        .with_timezone(&crate::domain::clock::china())
        .date_naive();
    let mut months = Vec::new();
    let (mut y, mut mo) = (today.year(), today.month());
    for _ in 0..12 {
        months.push(format!("{y:04}-{mo:02}"));
        if mo == 1 {
            y -= 1;
            mo = 12;
        } else {
            mo -= 1;
        }
    }
    months.reverse();
    let count = |list: &[MonthCount], month: &str| {
        list.iter().find(|c| c.month == month).map_or(0, |c| c.n)
    };
    let max = months
        .iter()
        .map(|mo| count(&m.received, mo).max(count(&m.closed, mo)))
        .max()
        .unwrap_or(0)
        .max(1);
    let (height, slot) = (160i64, 48i64);
    let bars = months
        .iter()
        .enumerate()
        .map(|(i, month)| {
            let (r, c) = (count(&m.received, month), count(&m.closed, month));
            let i = i64::try_from(i).unwrap_or(0);
            Bar {
                x: 40 + i * slot,
                received_h: r * height / max,
                closed_h: c * height / max,
                received: r,
                closed: c,
                label: month[5..].to_owned(),
            }
        })
        .collect();
    Trend {
        bars,
        max,
        width: 40 + 12 * slot + 10,
        height,
        caption: l.t("dashboard.trend_caption"),
        received_label: l.t("dashboard.received"),
        closed_label: l.t("dashboard.closed"),
    }
}

/// The rates of each channel.
pub fn per_channel(l: Lang, m: &Measures) -> Vec<RateRow> {
    Channel::ALL
        .iter()
        .map(|c| rate_row(l.t(&format!("channel.{}", c.code())), &channel_tally(m, *c)))
        .collect()
}

/// Towns and departments with their tallies, best first: communities count
/// towards their town; units without matters are left out.
pub fn ranked_units(
    l: Lang,
    m: &Measures,
    units: &[crate::db::catalog::Unit],
) -> Vec<(String, Tally)> {
    let mut ranked: Vec<(i64, String, Tally)> = units
        .iter()
        .filter(|u| u.kind == UnitKind::Town || u.kind == UnitKind::Department)
        .map(|u| {
            (
                u.id,
                l.pick(&u.name, &u.name_en).to_owned(),
                Tally::default(),
            )
        })
        .collect();
    for t in &m.units {
        let Some(id) = t.grp.as_deref().and_then(|g| g.parse::<i64>().ok()) else {
            continue;
        };
        let Some(unit) = units.iter().find(|u| u.id == id) else {
            continue;
        };
        let owner = if unit.kind == UnitKind::Community {
            unit.parent_id.unwrap_or(unit.id)
        } else {
            unit.id
        };
        if let Some(slot) = ranked.iter_mut().find(|(uid, _, _)| *uid == owner) {
            slot.2.add(t);
        }
    }
    ranked.retain(|(_, _, t)| t.total > 0);
    ranked.sort_by(|a, b| {
        let key = |t: &Tally| {
            (
                t.resolution_rate().unwrap_or(0.0),
                t.response_rate().unwrap_or(0.0),
            )
        };
        key(&b.2)
            .partial_cmp(&key(&a.2))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    ranked.into_iter().map(|(_, name, t)| (name, t)).collect()
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: StaffUser,
    l: Lang,
) -> Result<HttpResponse, AppError> {
    user.require(Page::Dashboard, l)?;
    let m = current(&state, l).await?;
    // The units' names from the shared catalog, not read again each time.
    let names = crate::web::request_form::load_catalog(&state, l).await?;

    let ranked = ranked_units(l, &m, &names.units);
    let body = DashboardPage {
        l,
        nav: super::nav(&user, l, csrf::token(&req), "dashboard"),
        channels: channel_figures(l, &m),
        overall: rate_row(l.t("dashboard.overall"), &m.overall),
        per_channel: per_channel(l, &m),
        per_unit: ranked
            .iter()
            .map(|(name, t)| rate_row(name.clone(), t))
            .collect(),
        trend: trend(l, &m),
        open: m.overall.open,
    };
    Ok(page(&req, body))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    fn due(age: u64, took: u64) -> bool {
        super::due(
            Duration::from_secs(age),
            Duration::from_secs(took),
            Duration::from_secs(60),
        )
    }

    #[test]
    fn figures_are_due_after_their_lifetime_and_nine_counts_time() {
        // A quick count: due when the lifetime is over.
        assert!(!due(59, 1));
        assert!(due(61, 1));
        // A count of two minutes (ten million matters): not before 18.
        assert!(!due(600, 120));
        assert!(due(1081, 120));
    }
}

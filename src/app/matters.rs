//! A matter as a staff member sees it: everything its page shows, and what
//! changed since a version (for a form that came too late).

use super::{Error, Result, Staff};
use crate::app::requests::Catalog;
use crate::db::matters::{self, Event, Matter, Milestone};
use crate::db::{AnyConnection, fund, users, volunteers};
use crate::domain::{Channel, State};
use std::sync::Arc;

/// Everything a matter's page is built from.
pub struct MatterView {
    pub matter: Matter,
    pub events: Vec<Event>,
    /// Every unit and category (shared, kept a few seconds by the caller:
    /// names, the suggested unit, the action forms' choices).
    pub names: Arc<Catalog>,
    /// The matter this one was merged into.
    pub primary: Option<Matter>,
    pub milestones: Vec<Milestone>,
    /// Display name of whoever claimed it.
    pub claimant: Option<String>,
    /// The service menu item a volunteer request asks for.
    pub menu_item: Option<String>,
    /// What the fund can still approve (micro-matters only).
    pub fund_available: Option<i64>,
    /// Every photo of the matter, the citizen's and staff's.
    pub photos: Vec<crate::db::photos::Photo>,
    /// Possible duplicates: open matters of the last [`DUPLICATE_DAYS`] in
    /// the same place with a title alike, most alike first.
    pub similar: Vec<Similar>,
}

/// How far back the duplicates panel looks.
pub const DUPLICATE_DAYS: i64 = 30;
/// How many possible duplicates it shows.
pub const DUPLICATES_SHOWN: usize = 5;

/// A possible duplicate of the matter shown.
#[derive(Clone, Debug)]
pub struct Similar {
    pub near: matters::Near,
    /// 0 to 1 (see `domain::search::similarity`).
    pub likeness: f64,
}

/// The possible duplicates of `m` (an open matter with a place), found
/// among the newest open matters of its place and compared by title.
pub fn similar(
    c: &mut AnyConnection,
    m: &Matter,
    names: &Catalog,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Similar>> {
    let Some(place_id) = m.place_id else {
        return Ok(Vec::new());
    };
    if !m.state.is_open() {
        return Ok(Vec::new());
    }
    let place = names
        .units
        .iter()
        .find(|u| u.id == place_id)
        .map(|u| u.name.as_str())
        .unwrap_or_default();
    let since = (now - chrono::Duration::days(DUPLICATE_DAYS)).naive_utc();
    let mut found: Vec<Similar> = matters::open_near(c, m.id, place_id, since)?
        .into_iter()
        .map(|near| Similar {
            likeness: crate::domain::search::similarity(&m.title, &near.title, place),
            near,
        })
        .filter(|s| s.likeness >= crate::domain::search::SIMILAR)
        .collect();
    found.sort_by(|a, b| {
        b.likeness
            .total_cmp(&a.likeness)
            .then(b.near.created_at.cmp(&a.near.created_at))
    });
    found.truncate(DUPLICATES_SHOWN);
    Ok(found)
}

/// The unit a matter about `place` goes to unless the dispatcher says
/// otherwise: a community's matters to its town (夏北社区 → 桂城街道), a
/// town's to the town itself.
pub fn suggested_unit(units: &[crate::db::catalog::Unit], place: Option<i64>) -> Option<i64> {
    let place = units.iter().find(|u| Some(u.id) == place)?;
    match place.kind {
        crate::domain::UnitKind::Community => place.parent_id,
        crate::domain::UnitKind::Town => Some(place.id),
        _ => None,
    }
}

/// The matter whose tracking code `typed` is (in any case, with or without
/// dashes and spaces), in any state, if `user` may see it.
pub fn by_typed_code(
    c: &mut AnyConnection,
    user: &Staff,
    prefix: &str,
    typed: &str,
) -> Result<Option<i64>> {
    let Some(code) = crate::domain::tracking::normalize(prefix, typed) else {
        return Ok(None);
    };
    Ok(matters::by_code(c, &code)?
        .filter(|m| user.scope.covers(m.channel, m.unit_id))
        .map(|m| m.id))
}

/// Matter `id`, if it is within `user`'s scope.
pub fn visible(c: &mut AnyConnection, user: &Staff, id: i64) -> Result<Matter> {
    let matter = matters::by_id(c, id)?.ok_or(Error::NotFound)?;
    if user.scope.covers(matter.channel, matter.unit_id) {
        Ok(matter)
    } else {
        Err(Error::Forbidden)
    }
}

/// Matter `id` as `user` may see it: not found, or outside their scope.
/// The names of units and categories come from `names` (kept a few
/// seconds by the caller), not from the database on every view.
pub fn view(
    c: &mut AnyConnection,
    user: &Staff,
    id: i64,
    names: Arc<Catalog>,
) -> Result<MatterView> {
    let matters::WithEvents {
        matter,
        events,
        has_photos,
        has_milestones,
    } = matters::with_events(c, id)?.ok_or(Error::NotFound)?;
    if !user.scope.covers(matter.channel, matter.unit_id) {
        return Err(Error::Forbidden);
    }
    let primary = match matter.merged_into {
        Some(p) => matters::by_id(c, p)?,
        None => None,
    };
    let claimant = match matter.claimed_by {
        Some(uid) => users::by_id(c, uid)?.map(|u| u.display_name),
        None => None,
    };
    let menu_item = match matter.menu_item_id {
        Some(item) => volunteers::menu_item(c, item)?.map(|i| i.title),
        None => None,
    };
    let fund_available = if matter.channel == Channel::Micro {
        Some(fund::position(c)?.available())
    } else {
        None
    };
    Ok(MatterView {
        similar: similar(c, &matter, &names, chrono::Utc::now())?,
        milestones: if has_milestones {
            matters::milestones_of(c, id)?
        } else {
            Vec::new()
        },
        claimant,
        menu_item,
        fund_available,
        events,
        photos: if has_photos {
            crate::db::photos::of_matter(c, id, true)?
        } else {
            Vec::new()
        },
        names,
        primary,
        matter,
    })
}

/// What happened to matter `id` after `version`, for a form posted at that
/// version: the person sees what changed instead of overwriting it.
pub fn changes_since(c: &mut AnyConnection, id: i64, version: i32) -> Result<Vec<Event>> {
    Ok(matters::events_after(c, id, version)?)
}

/// A project's progress in percent: 100 once accepted (closed), else the
/// mean of its milestones (0 without any).
pub fn project_progress(state: State, milestones: &[Milestone]) -> i32 {
    if state == State::Closed {
        return 100;
    }
    let n = i32::try_from(milestones.len()).unwrap_or(i32::MAX);
    if n == 0 {
        0
    } else {
        milestones.iter().map(|m| m.progress).sum::<i32>() / n
    }
}

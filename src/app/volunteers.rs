//! Party-member volunteer service (党员志愿服务) outside a request: a
//! volunteer reports to a community (报到), claims recipients and posts
//! (两认领) and records the services given there; administrators keep the
//! teams and their menu. Services asked for through a request are steps
//! (`app::steps::volunteer`).

use chrono::{DateTime, NaiveDate, Utc};

use super::{Error, Result, Staff};
use crate::db::catalog::{self, Unit};
use crate::db::matters::Matter;
use crate::db::volunteers::{Profile, ServiceRecord, Team, VolunteerClaim};
use crate::db::{AnyConnection, inbox, volunteers};
use crate::domain::access::{Page, may_view};
use crate::domain::clock;
use crate::domain::step::{OUTCOME_CHARS, service_day_ok};
use crate::domain::{Channel, Refusal, State, UnitKind};

/// The most characters a team's name or specialty, a claim's name or a
/// menu item's title holds.
pub const NAME_CHARS: usize = 60;
/// The most characters a menu item's description holds.
pub const DESCRIPTION_CHARS: usize = 500;

fn require(user: &Staff, page: Page) -> Result<()> {
    if may_view(user.role, page) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

fn of_kind(units: &[Unit], id: Option<i64>, kinds: &[UnitKind]) -> Option<i64> {
    id.filter(|id| units.iter().any(|u| u.id == *id && kinds.contains(&u.kind)))
}

fn name_ok(text: &str) -> bool {
    !text.is_empty() && text.chars().count() <= NAME_CHARS && !text.chars().any(char::is_control)
}

/// What a volunteer's own page shows.
pub struct Own {
    pub profile: Option<Profile>,
    pub claims: Vec<VolunteerClaim>,
    pub services: Vec<ServiceRecord>,
    pub teams: Vec<Team>,
    pub units: Vec<Unit>,
    /// Open service requests for them: the ones they claimed, and the
    /// unclaimed ones asking for one of their team's menu items.
    pub requests: Vec<Matter>,
}

/// A volunteer's own page.
pub fn own(c: &mut AnyConnection, user: &Staff, now: DateTime<Utc>) -> Result<Own> {
    require(user, Page::VolunteerSelf)?;
    let filter = inbox::Filter {
        states: vec![State::Accepted, State::Assigned, State::InProgress],
        channel: Some(Channel::Volunteer),
        per_page: 100,
        page: 1,
        ..inbox::Filter::default()
    };
    let open = inbox::search(c, &user.scope, &filter, now)?.rows;
    let profile = volunteers::profile(c, user.id)?;
    let my_team = profile.as_ref().and_then(|p| p.team_id);
    let team_items: Vec<i64> = volunteers::menu(c)?
        .iter()
        .filter(|m| Some(m.team_id) == my_team)
        .map(|m| m.id)
        .collect();
    let requests = open
        .into_iter()
        .filter(|m| {
            m.claimed_by == Some(user.id)
                || (m.claimed_by.is_none()
                    && m.menu_item_id.is_some_and(|i| team_items.contains(&i)))
        })
        .collect();
    Ok(Own {
        profile,
        claims: volunteers::claims_of(c, user.id)?,
        services: volunteers::services_of(c, user.id)?,
        teams: volunteers::teams(c)?,
        units: catalog::all_units(c)?,
        requests,
    })
}

/// 报到: a volunteer reports to a community, naming their team and home
/// unit (a department or town) if they have them.
pub fn report(
    c: &mut AnyConnection,
    user: &Staff,
    team: Option<i64>,
    home_unit: Option<i64>,
    community: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    require(user, Page::VolunteerSelf)?;
    let teams = volunteers::teams(c)?;
    let units = catalog::all_units(c)?;
    let team = team.filter(|t| teams.iter().any(|x| x.id == *t));
    let home = of_kind(&units, home_unit, &[UnitKind::Department, UnitKind::Town]);
    let community = of_kind(&units, community, &[UnitKind::Community]).ok_or(Refusal::Community)?;
    Ok(volunteers::report(c, user.id, team, home, community, now)?)
}

/// What a volunteer claims in a community (两认领).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimKind {
    /// A person they serve.
    Recipient,
    /// A service post they staff.
    Post,
}

impl ClaimKind {
    pub fn code(self) -> &'static str {
        match self {
            ClaimKind::Recipient => "recipient",
            ClaimKind::Post => "post",
        }
    }

    pub fn parse(code: &str) -> Option<ClaimKind> {
        [ClaimKind::Recipient, ClaimKind::Post]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

/// 认领: a recipient or a post, by name, in a community.
pub fn claim(
    c: &mut AnyConnection,
    user: &Staff,
    kind: Option<ClaimKind>,
    name: &str,
    community: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    require(user, Page::VolunteerSelf)?;
    let kind = kind.ok_or(Refusal::Choice)?;
    let name = name.trim();
    if !name_ok(name) {
        return Err(Refusal::ClaimName.into());
    }
    let units = catalog::all_units(c)?;
    let community = of_kind(&units, community, &[UnitKind::Community]).ok_or(Refusal::Community)?;
    Ok(volunteers::add_claim(
        c,
        user.id,
        kind.code(),
        name,
        community,
        now,
    )?)
}

/// A service given at a claimed post or to a claimed recipient, outside
/// any request.
pub fn record_service(
    c: &mut AnyConnection,
    user: &Staff,
    community: Option<i64>,
    served_on: Option<NaiveDate>,
    minutes: Option<i32>,
    outcome: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    require(user, Page::VolunteerSelf)?;
    let units = catalog::all_units(c)?;
    let community = of_kind(&units, community, &[UnitKind::Community]).ok_or(Refusal::Community)?;
    let served_on = served_on
        .filter(|d| service_day_ok(*d, clock::today(now)))
        .ok_or(Refusal::ServedOn)?;
    let minutes = minutes.ok_or(Refusal::Hours)?;
    let outcome = outcome.trim();
    if outcome.is_empty() || outcome.chars().count() > OUTCOME_CHARS {
        return Err(Refusal::NoteRequired.into());
    }
    Ok(volunteers::record_service(
        c, user.id, community, served_on, minutes, outcome, now,
    )?)
}

/// A new volunteer team; its name must be new.
pub fn add_team(
    c: &mut AnyConnection,
    user: &Staff,
    name: &str,
    specialty: &str,
    unit: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64> {
    require(user, Page::VolunteerAdmin)?;
    let (name, specialty) = (name.trim(), specialty.trim());
    if !name_ok(name) || !name_ok(specialty) {
        return Err(Refusal::ClaimName.into());
    }
    if volunteers::teams(c)?.iter().any(|t| t.name == name) {
        return Err(Error::Duplicate);
    }
    Ok(volunteers::add_team(c, name, specialty, unit, now)?)
}

/// A new item on a team's service menu.
pub fn add_menu_item(
    c: &mut AnyConnection,
    user: &Staff,
    team: Option<i64>,
    title: &str,
    description: &str,
) -> Result<()> {
    require(user, Page::VolunteerAdmin)?;
    let (title, description) = (title.trim(), description.trim());
    if !name_ok(title) || description.chars().count() > DESCRIPTION_CHARS {
        return Err(Refusal::ClaimName.into());
    }
    let team = team.ok_or(Refusal::Choice)?;
    if !volunteers::teams(c)?.iter().any(|t| t.id == team) {
        return Err(Refusal::Choice.into());
    }
    Ok(volunteers::add_menu_item(c, team, title, description)?)
}

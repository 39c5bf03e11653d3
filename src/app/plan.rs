//! Starting matters that are not citizens' requests: a key project for a
//! leader to claim, a department's or town's own key matter, a community
//! micro-matter, and a community's request for a volunteer service from
//! the menu. Each is stored like any request and then takes its first
//! steps in its planner's name (`domain::access::Plan::first_steps`).

use chrono::{DateTime, Utc};
use diesel::Connection;

use super::steps::{self, As, StepInput};
use super::{Error, Result, Staff};
use crate::db::AnyConnection;
use crate::db::catalog::{self, Category, Unit};
use crate::db::matters::{self, Intake};
use crate::db::volunteers::{self, MenuItem};
use crate::domain::access::{Action, Plan, may_plan};
use crate::domain::money::parse_yuan;
use crate::domain::request::{self, Field, Problem, noted};
use crate::domain::{Deadlines, Role, Source, Transition, UnitKind};

/// The lists a planning form chooses from.
pub struct Lists {
    pub units: Vec<Unit>,
    /// The active categories.
    pub categories: Vec<Category>,
    pub menu: Vec<MenuItem>,
}

pub fn lists(c: &mut AnyConnection) -> Result<Lists> {
    Ok(Lists {
        units: catalog::all_units(c)?,
        categories: catalog::active_categories(c)?,
        menu: volunteers::menu(c)?,
    })
}

/// The units a planned matter may belong to: owner units for department
/// matters, communities for micro-matters and services, towns, communities
/// and departments for a project. Unit staff choose among their own units.
pub fn unit_choices<'a>(plan: Plan, user: &Staff, lists: &'a Lists) -> Vec<&'a Unit> {
    let own =
        |u: &Unit| user.role != Role::UnitStaff || user.scope.covers(plan.channel(), Some(u.id));
    lists
        .units
        .iter()
        .filter(|u| match plan {
            Plan::Project => matches!(
                u.kind,
                UnitKind::Town | UnitKind::Community | UnitKind::Department
            ),
            Plan::Department => matches!(u.kind, UnitKind::Town | UnitKind::Department),
            Plan::Micro | Plan::Service => u.kind == UnitKind::Community,
        })
        .filter(|u| own(u))
        .collect()
}

/// A planning form as typed.
#[derive(Clone, Debug, Default)]
pub struct PlanInput {
    pub title: String,
    pub description: String,
    pub category: String,
    pub unit: String,
    pub address: String,
    /// Yuan, as typed (micro-matters).
    pub amount: String,
    pub menu_item: String,
}

/// A planning form that passed every rule.
#[derive(Clone, Debug)]
pub struct Checked {
    pub title: String,
    pub description: String,
    pub category: Category,
    pub unit: Unit,
    pub address: String,
    pub amount: Option<i64>,
    pub menu_item: Option<MenuItem>,
}

/// Checks a planning form with the same field rules as every request form;
/// returns every problem found.
pub fn check(
    plan: Plan,
    user: &Staff,
    lists: &Lists,
    input: &PlanInput,
) -> Result<Checked, Vec<(Field, Problem)>> {
    let mut problems = Vec::new();
    let p = &mut problems;
    let menu_item = lists
        .menu
        .iter()
        .find(|m| m.active && input.menu_item.trim().parse() == Ok(m.id))
        .cloned();
    // A service request may leave its title to the menu item it asks for.
    let typed_title = match (plan, input.title.trim(), &menu_item) {
        (Plan::Service, "", Some(item)) => item.title.as_str(),
        (_, t, _) => t,
    };
    let title = noted(p, Field::Title, request::title(typed_title));
    let description = noted(
        p,
        Field::Description,
        request::description(&input.description),
    );
    let address = noted(p, Field::Address, request::optional_address(&input.address));
    let category_ids: Vec<i64> = lists.categories.iter().map(|c| c.id).collect();
    let category = noted(
        p,
        Field::Category,
        request::choice(&input.category, &category_ids),
    );
    let choices = unit_choices(plan, user, lists);
    let unit_ids: Vec<i64> = choices.iter().map(|u| u.id).collect();
    let unit = noted(p, Field::Unit, request::choice(&input.unit, &unit_ids));
    let amount = parse_yuan(&input.amount);
    if plan == Plan::Micro && amount.is_none() {
        p.push((Field::Amount, Problem::BadAmount));
    }
    if plan == Plan::Service && menu_item.is_none() {
        p.push((Field::MenuItem, Problem::UnknownChoice));
    }
    let category = category.and_then(|id| lists.categories.iter().find(|c| c.id == id));
    let unit = unit.and_then(|id| choices.into_iter().find(|u| u.id == id));
    match (title, description, address, category, unit) {
        (Some(title), Some(description), Some(address), Some(category), Some(unit))
            if problems.is_empty() =>
        {
            Ok(Checked {
                title,
                description,
                category: category.clone(),
                unit: unit.clone(),
                address: address.unwrap_or_default(),
                amount: amount.filter(|_| plan == Plan::Micro),
                menu_item,
            })
        }
        _ => Err(problems),
    }
}

/// Stores the planned matter and takes its first steps in the planner's
/// name. Returns its id.
pub fn start(
    c: &mut AnyConnection,
    prefix: &str,
    plan: Plan,
    checked: &Checked,
    user: &Staff,
    now: DateTime<Utc>,
) -> Result<i64> {
    if !may_plan(user.role, plan) {
        return Err(Error::Forbidden);
    }
    let town_id = match checked.unit.kind {
        UnitKind::Town => Some(checked.unit.id),
        UnitKind::Community => checked.unit.parent_id,
        _ => None,
    };
    // Projects and department matters are planned over a year; micro-matters
    // and services keep their category's short limits.
    let resolve_days = match plan {
        Plan::Project | Plan::Department => 365,
        Plan::Micro | Plan::Service => checked.category.resolve_days,
    };
    let deadlines = Deadlines::new(checked.category.sign_hours, resolve_days);
    let intake = Intake {
        code: "",
        channel: plan.channel(),
        source: Source::Staff,
        category_id: checked.category.id,
        title: &checked.title,
        description: &checked.description,
        town_id,
        place_id: Some(checked.unit.id),
        address: &checked.address,
        citizen_name: None,
        citizen_phone: None,
        received: now,
        due: deadlines.map(|d| d.resolve_by(now)),
        radio_date: None,
        recorded_by: Some((user.id, &user.display_name)),
        // A micro-matter or service starts in its community; a department
        // matter gets its owner by its first dispatch, a project its lead
        // unit with the leader's claim.
        unit_id: matches!(plan, Plan::Micro | Plan::Service).then_some(checked.unit.id),
        requested_fen: checked.amount,
        menu_item_id: checked.menu_item.as_ref().map(|m| m.id),
        api: None,
    };
    // The matter and its first steps stand or fall together.
    c.transaction::<_, Error, _>(|c| {
        let (id, _) = matters::insert_with_new_code(c, prefix, &mut rand::rng(), &intake)?;
        for t in plan.first_steps() {
            let input = StepInput {
                unit: (*t == Transition::Dispatch).then_some(checked.unit.id),
                ..StepInput::default()
            };
            steps::take_as(
                c,
                user,
                As::Planner(plan),
                id,
                None,
                Action::Take(*t),
                &input,
                now,
            )?;
        }
        Ok(id)
    })
}

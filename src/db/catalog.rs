//! Units and categories: the lists the forms choose from.

use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{categories, units};
use crate::domain::UnitKind;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = categories)]
pub struct Category {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub sign_hours: i32,
    pub resolve_days: i32,
    pub active: bool,
    pub sort_order: i32,
    /// Extra fields it asks for (Open311 attributes), as JSON.
    pub attributes: Option<String>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = units)]
pub struct Unit {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub kind: UnitKind,
    pub parent_id: Option<i64>,
}

/// The categories a citizen may pick, in their display order.
pub fn active_categories(conn: &mut AnyConnection) -> QueryResult<Vec<Category>> {
    categories::table
        .filter(categories::active.eq(true))
        .order((categories::sort_order, categories::id))
        .select(Category::as_select())
        .load(conn)
}

pub fn category(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Category>> {
    categories::table
        .find(id)
        .select(Category::as_select())
        .first(conn)
        .optional()
}

/// Towns and communities, the places a request can be about.
pub fn places(conn: &mut AnyConnection) -> QueryResult<Vec<Unit>> {
    units::table
        .filter(units::kind.eq_any([UnitKind::Town, UnitKind::Community]))
        .order(units::id)
        .select(Unit::as_select())
        .load(conn)
}

pub fn unit(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Unit>> {
    units::table
        .find(id)
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

pub fn unit_by_code(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<Unit>> {
    units::table
        .filter(units::code.eq(code))
        .select(Unit::as_select())
        .first(conn)
        .optional()
}

/// Every unit; the tree is small enough to hold at once.
pub fn all_units(conn: &mut AnyConnection) -> QueryResult<Vec<Unit>> {
    units::table
        .order(units::id)
        .select(Unit::as_select())
        .load(conn)
}

/// All categories, active or not.
pub fn all_categories(conn: &mut AnyConnection) -> QueryResult<Vec<Category>> {
    categories::table
        .order((categories::sort_order, categories::id))
        .select(Category::as_select())
        .load(conn)
}

/// `root` and every unit below it.
pub fn subtree(units: &[Unit], root: i64) -> Vec<i64> {
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            units
                .iter()
                .filter(|u| u.parent_id == Some(parent))
                .map(|u| u.id),
        );
        i += 1;
    }
    found
}

/// Changes a category's names, deadlines and whether citizens may pick it.
pub fn update_category(
    conn: &mut AnyConnection,
    id: i64,
    name: &str,
    name_en: &str,
    sign_hours: i32,
    resolve_days: i32,
    active: bool,
) -> QueryResult<usize> {
    diesel::update(categories::table.find(id))
        .set((
            categories::name.eq(name),
            categories::name_en.eq(name_en),
            categories::sign_hours.eq(sign_hours),
            categories::resolve_days.eq(resolve_days),
            categories::active.eq(active),
        ))
        .execute(conn)
}

pub fn add_category(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    name_en: &str,
    sign_hours: i32,
    resolve_days: i32,
) -> QueryResult<()> {
    let next: Option<i32> = categories::table
        .select(diesel::dsl::max(categories::sort_order))
        .first(conn)?;
    diesel::insert_into(categories::table)
        .values((
            categories::code.eq(code),
            categories::name.eq(name),
            categories::name_en.eq(name_en),
            categories::sign_hours.eq(sign_hours),
            categories::resolve_days.eq(resolve_days),
            categories::active.eq(true),
            categories::sort_order.eq(next.unwrap_or(0) + 1),
        ))
        .execute(conn)
        .map(drop)
}

pub fn add_unit(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    name_en: &str,
    kind: UnitKind,
    parent_id: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(units::table)
        .values((
            units::code.eq(code),
            units::name.eq(name),
            units::name_en.eq(name_en),
            units::kind.eq(kind),
            units::parent_id.eq(parent_id),
        ))
        .execute(conn)
        .map(drop)
}

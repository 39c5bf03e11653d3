//! Volunteer teams, the service menu, volunteers' reports and claims, and
//! the services they deliver.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{
    menu_items, service_records, users, volunteer_claims, volunteer_profiles, volunteer_teams,
};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = volunteer_teams)]
pub struct Team {
    pub id: i64,
    pub name: String,
    pub specialty: String,
    pub unit_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = menu_items)]
pub struct MenuItem {
    pub id: i64,
    pub team_id: i64,
    pub title: String,
    pub description: String,
    pub active: bool,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = volunteer_profiles)]
pub struct Profile {
    pub user_id: i64,
    pub team_id: Option<i64>,
    pub home_unit_id: Option<i64>,
    pub community_id: Option<i64>,
    pub reported_at: Option<NaiveDateTime>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = volunteer_claims)]
pub struct VolunteerClaim {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub name: String,
    pub community_id: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = service_records)]
pub struct ServiceRecord {
    pub id: i64,
    pub user_id: i64,
    pub matter_id: Option<i64>,
    pub community_id: i64,
    pub served_on: NaiveDate,
    pub minutes: i32,
    pub outcome: String,
    pub created_at: NaiveDateTime,
}

pub fn teams(conn: &mut AnyConnection) -> QueryResult<Vec<Team>> {
    volunteer_teams::table
        .order(volunteer_teams::id)
        .select(Team::as_select())
        .load(conn)
}

pub fn add_team(
    conn: &mut AnyConnection,
    name: &str,
    specialty: &str,
    unit_id: Option<i64>,
    at: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(volunteer_teams::table)
        .values((
            volunteer_teams::name.eq(name),
            volunteer_teams::specialty.eq(specialty),
            volunteer_teams::unit_id.eq(unit_id),
            volunteer_teams::created_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    volunteer_teams::table
        .filter(volunteer_teams::name.eq(name))
        .select(volunteer_teams::id)
        .first(conn)
}

pub fn menu(conn: &mut AnyConnection) -> QueryResult<Vec<MenuItem>> {
    menu_items::table
        .order(menu_items::id)
        .select(MenuItem::as_select())
        .load(conn)
}

pub fn menu_item(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<MenuItem>> {
    menu_items::table
        .find(id)
        .select(MenuItem::as_select())
        .first(conn)
        .optional()
}

pub fn add_menu_item(
    conn: &mut AnyConnection,
    team_id: i64,
    title: &str,
    description: &str,
) -> QueryResult<()> {
    diesel::insert_into(menu_items::table)
        .values((
            menu_items::team_id.eq(team_id),
            menu_items::title.eq(title),
            menu_items::description.eq(description),
            menu_items::active.eq(true),
        ))
        .execute(conn)
        .map(drop)
}

pub fn profile(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<Profile>> {
    volunteer_profiles::table
        .find(user_id)
        .select(Profile::as_select())
        .first(conn)
        .optional()
}

/// 报到: a volunteer reports to a community (and names team and home unit).
pub fn report(
    conn: &mut AnyConnection,
    user_id: i64,
    team_id: Option<i64>,
    home_unit_id: Option<i64>,
    community_id: i64,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::delete(volunteer_profiles::table.find(user_id)).execute(conn)?;
        diesel::insert_into(volunteer_profiles::table)
            .values((
                volunteer_profiles::user_id.eq(user_id),
                volunteer_profiles::team_id.eq(team_id),
                volunteer_profiles::home_unit_id.eq(home_unit_id),
                volunteer_profiles::community_id.eq(Some(community_id)),
                volunteer_profiles::reported_at.eq(Some(at.naive_utc())),
            ))
            .execute(conn)
            .map(drop)
    })
}

pub fn profiles(conn: &mut AnyConnection) -> QueryResult<Vec<Profile>> {
    volunteer_profiles::table
        .select(Profile::as_select())
        .load(conn)
}

/// 认领: a service recipient or a service post.
pub fn add_claim(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: &str,
    name: &str,
    community_id: i64,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(volunteer_claims::table)
        .values((
            volunteer_claims::user_id.eq(user_id),
            volunteer_claims::kind.eq(kind),
            volunteer_claims::name.eq(name),
            volunteer_claims::community_id.eq(community_id),
            volunteer_claims::created_at.eq(at.naive_utc()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn claims_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<VolunteerClaim>> {
    volunteer_claims::table
        .filter(volunteer_claims::user_id.eq(user_id))
        .order(volunteer_claims::id)
        .select(VolunteerClaim::as_select())
        .load(conn)
}

pub fn services_of(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<ServiceRecord>> {
    service_records::table
        .filter(service_records::user_id.eq(user_id))
        .order(service_records::served_on.desc())
        .select(ServiceRecord::as_select())
        .load(conn)
}

/// A service delivered outside a request (at a claimed post, say).
pub fn record_service(
    conn: &mut AnyConnection,
    user_id: i64,
    community_id: i64,
    served_on: NaiveDate,
    minutes: i32,
    outcome: &str,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(service_records::table)
        .values((
            service_records::user_id.eq(user_id),
            service_records::matter_id.eq(None::<i64>),
            service_records::community_id.eq(community_id),
            service_records::served_on.eq(served_on),
            service_records::minutes.eq(minutes),
            service_records::outcome.eq(outcome),
            service_records::created_at.eq(at.naive_utc()),
        ))
        .execute(conn)
        .map(drop)
}

/// Each volunteer's id, display name and total minutes of service.
pub fn volunteers(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, String, bool)>> {
    users::table
        .filter(users::role.eq(crate::domain::Role::Volunteer))
        .order(users::id)
        .select((users::id, users::display_name, users::active))
        .load(conn)
}

pub fn all_services(conn: &mut AnyConnection) -> QueryResult<Vec<ServiceRecord>> {
    service_records::table
        .select(ServiceRecord::as_select())
        .load(conn)
}

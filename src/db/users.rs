//! Staff accounts.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::users;
use crate::domain::Role;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub password_hash: String,
    pub active: bool,
    pub session_version: i32,
    pub created_at: NaiveDateTime,
    /// For the matters dispatched to their unit and the daily digest.
    pub email: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub unit_id: Option<i64>,
    pub password_hash: &'a str,
    pub active: bool,
    pub session_version: i32,
    pub created_at: NaiveDateTime,
}

/// The e-mail addresses of a unit's active staff.
pub fn unit_emails(conn: &mut AnyConnection, unit_id: i64) -> QueryResult<Vec<String>> {
    let found: Vec<Option<String>> = users::table
        .filter(users::unit_id.eq(unit_id))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select(users::email)
        .load(conn)?;
    Ok(found.into_iter().flatten().collect())
}

/// Active staff with a unit and an e-mail address: (id, unit, e-mail).
pub fn with_email(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, i64, String)>> {
    let found: Vec<(i64, Option<i64>, Option<String>)> = users::table
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .filter(users::unit_id.is_not_null())
        .select((users::id, users::unit_id, users::email))
        .load(conn)?;
    Ok(found
        .into_iter()
        .filter_map(|(id, unit, email)| Some((id, unit?, email?)))
        .collect())
}

/// Sets (or clears) a user's e-mail address.
pub fn set_email(conn: &mut AnyConnection, id: i64, email: Option<&str>) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::email.eq(email))
        .execute(conn)
        .map(drop)
}

pub fn insert(conn: &mut AnyConnection, user: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)?;
    users::table
        .filter(users::username.eq(user.username))
        .select(users::id)
        .first(conn)
}

pub fn by_username(conn: &mut AnyConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<User>> {
    users::table
        .order(users::username)
        .select(User::as_select())
        .load(conn)
}

/// Disables an account and ends its sessions. Returns whether it existed.
pub fn disable(conn: &mut AnyConnection, username: &str) -> QueryResult<bool> {
    let n = diesel::update(users::table.filter(users::username.eq(username)))
        .set((
            users::active.eq(false),
            users::session_version.eq(users::session_version + 1),
        ))
        .execute(conn)?;
    Ok(n > 0)
}

/// Ends every session of a user (logout).
pub fn end_sessions(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::session_version.eq(users::session_version + 1))
        .execute(conn)
        .map(drop)
}

/// Every account's id and display name.
pub fn names(conn: &mut AnyConnection) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .select((users::id, users::display_name))
        .load(conn)
}

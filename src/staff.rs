//! Account administration shared by the command line and the tests:
//! checks what is typed, hashes the password, stores the account.

use chrono::Utc;

use crate::auth::{MIN_PASSWORD_CHARS, hash_password};
use crate::db::{AnyConnection, catalog, users};
use crate::domain::Role;

/// An account to create.
pub struct UserSpec<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub unit_code: Option<&'a str>,
    pub password: &'a str,
}

/// Creates an account, or says in plain words why not.
pub fn add_user(conn: &mut AnyConnection, spec: &UserSpec<'_>) -> Result<i64, String> {
    let username = spec.username.trim();
    if username.is_empty()
        || username.chars().count() > 40
        || !username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("the login name must be 1-40 letters, digits, '.', '_' or '-'".into());
    }
    let role: Role = spec.role.parse().map_err(|_| {
        format!(
            "unknown role {:?}: use admin, dispatcher, leader, unit or volunteer",
            spec.role
        )
    })?;
    let unit_id = match spec.unit_code {
        Some(code) => Some(
            catalog::unit_by_code(conn, code)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no unit with code {code}"))?
                .id,
        ),
        None if role == Role::UnitStaff => return Err("unit staff need --unit CODE".into()),
        None => None,
    };
    if spec.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if users::by_username(conn, username)
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err(format!("a user named {username} already exists"));
    }
    let hash = hash_password(spec.password)?;
    users::insert(
        conn,
        &users::NewUser {
            username,
            display_name: spec.display_name.trim(),
            role,
            unit_id,
            password_hash: &hash,
            active: true,
            session_version: 1,
            created_at: Utc::now().naive_utc(),
        },
    )
    .map_err(|e| e.to_string())
}

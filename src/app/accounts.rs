//! Staff accounts: Argon2id password hashes (PHC strings, verified in
//! constant time by the argon2 crate), adding an account, the staff member
//! a session stands for, and the login throttle's rules.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use rand::RngCore;

use super::Result;
use crate::config::Settings;
use crate::db::{AnyConnection, catalog, failures, users};
use crate::domain::Role;
use crate::domain::access::Scope;

/// The shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Hashes a password with Argon2id and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Hash(e.to_string()))
}

/// Whether `password` matches a stored hash. A malformed hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

static DECOY: LazyLock<String> = LazyLock::new(|| {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hash_password(&String::from_utf8_lossy(&bytes)).unwrap_or_default()
});

/// A hash of nothing anybody types, verified when the account does not
/// exist so that a wrong name takes as long as a wrong password.
pub fn decoy_hash() -> &'static str {
    &DECOY
}

/// Why an account was not added.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the login name must be 1-40 letters, digits, '.', '_' or '-'")]
    BadName,
    #[error("unknown role {0:?}: use admin, dispatcher, leader, unit or volunteer")]
    UnknownRole(String),
    #[error("no unit with code {0}")]
    UnknownUnit(String),
    #[error("unit staff need --unit CODE")]
    UnitRequired,
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    ShortPassword,
    #[error("a user named {0} already exists")]
    Exists(String),
    #[error("the password could not be hashed: {0}")]
    Hash(String),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

impl From<diesel::result::Error> for AccountError {
    fn from(e: diesel::result::Error) -> Self {
        AccountError::Db(e.into())
    }
}

/// An account to create.
pub struct UserSpec<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub unit_code: Option<&'a str>,
    pub password: &'a str,
}

/// Creates an account, or says in plain words why not.
pub fn add_user(conn: &mut AnyConnection, spec: &UserSpec<'_>) -> Result<i64, AccountError> {
    let username = spec.username.trim();
    if username.is_empty()
        || username.chars().count() > 40
        || !username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AccountError::BadName);
    }
    let role: Role = spec
        .role
        .parse()
        .map_err(|_| AccountError::UnknownRole(spec.role.to_owned()))?;
    let unit_id = match spec.unit_code {
        Some(code) => Some(
            catalog::unit_by_code(conn, code)?
                .ok_or_else(|| AccountError::UnknownUnit(code.to_owned()))?
                .id,
        ),
        None if role == Role::UnitStaff => return Err(AccountError::UnitRequired),
        None => None,
    };
    if spec.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::ShortPassword);
    }
    if users::by_username(conn, username)?.is_some() {
        return Err(AccountError::Exists(username.to_owned()));
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
    .map_err(AccountError::from)
}

/// A logged-in, active staff member: who is acting in a use case.
#[derive(Clone, Debug)]
pub struct Staff {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_id: Option<i64>,
    /// Which matters this user sees.
    pub scope: Scope,
}

impl Staff {
    /// The staff member an account stands for, with the scope of its unit.
    pub fn of(user: users::User, units: &[catalog::Unit]) -> Staff {
        let tree = match user.unit_id {
            Some(unit) => catalog::subtree(units, unit),
            None => Vec::new(),
        };
        Staff {
            scope: Scope::of(user.role, tree),
            id: user.id,
            username: user.username,
            display_name: user.display_name,
            role: user.role,
            unit_id: user.unit_id,
        }
    }
}

/// The staff member a session names, if the account still exists, is
/// active, and has not ended its sessions since (`session_version`).
/// `units` are all the units (the scope is the user's unit and those under it).
pub fn session_user(
    conn: &mut AnyConnection,
    id: i64,
    session_version: i32,
    units: &[catalog::Unit],
) -> Result<Option<Staff>> {
    let Some(user) = users::by_id(conn, id)? else {
        return Ok(None);
    };
    if !user.active || user.session_version != session_version {
        return Ok(None);
    }
    Ok(Some(Staff::of(user, units)))
}

/// What the login throttle says before a password is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// Too many failures from this address (for this account, or at all):
    /// refused for so many more minutes.
    Refused { minutes: i64 },
    /// Go ahead after waiting this long. `earlier` failures were counted;
    /// `here` of them for this account from this address.
    Go {
        wait_ms: u64,
        earlier: i64,
        here: i64,
    },
}

/// Who a login attempt counts against: the account from this address, the
/// address, and the account as a whole.
pub struct Attempt {
    pair: String,
    address: String,
    account: String,
}

impl Attempt {
    /// An attempt at `username` from `address`.
    pub fn new(username: &str, address: &str) -> Attempt {
        let name = username.to_lowercase();
        Attempt {
            pair: format!("pair:{name}@{address}"),
            address: format!("ip:{address}"),
            account: format!("account:{name}"),
        }
    }
}

/// Failed logins are counted in the database (so every instance sees
/// them). An address that keeps failing is refused for the rest of the
/// window: for the one account it keeps guessing (after
/// `login_max_per_account` failures), or for every account (after
/// `login_max_per_address`). Failures on an account from everywhere only
/// slow each attempt down (by up to five seconds): they never lock the
/// account, so someone guessing from one address cannot keep its owner,
/// at another, out.
pub fn throttle(
    conn: &mut AnyConnection,
    attempt: &Attempt,
    s: &Settings,
    now: DateTime<Utc>,
) -> Result<Throttle> {
    let window = Duration::minutes(s.login_window_minutes);
    let since = now - window;
    let pair = failures::since(conn, &attempt.pair, since)?;
    let address = failures::since(conn, &attempt.address, since)?;
    let account = failures::since(conn, &attempt.account, since)?;
    let refused_for = |(count, first): (i64, Option<NaiveDateTime>), max: i64| {
        (count >= max).then(|| {
            let until = first.map_or(now, |f| f.and_utc() + window);
            ((until - now).num_seconds() + 59).max(60) / 60
        })
    };
    if let Some(minutes) = refused_for(pair, s.login_max_per_account)
        .or_else(|| refused_for(address, s.login_max_per_address))
    {
        return Ok(Throttle::Refused { minutes });
    }
    let earlier = pair.0.max(address.0).max(account.0);
    let wait_ms = if earlier > s.login_slow_after {
        let extra = u64::try_from(earlier - s.login_slow_after).unwrap_or(0);
        (extra * s.login_slowdown_ms).min(5_000)
    } else {
        0
    };
    Ok(Throttle::Go {
        wait_ms,
        earlier,
        here: pair.0,
    })
}

/// How a password check went.
pub enum Login {
    Welcome(users::User),
    Disabled,
    Wrong,
}

/// Checks a password. Slow on purpose (Argon2id): run it off the async
/// workers. An unknown name is checked against a decoy, so it takes as long.
pub fn check_password(conn: &mut AnyConnection, username: &str, password: &str) -> Result<Login> {
    let user = users::by_username(conn, username)?;
    let hash = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let matches = verify_password(password, &hash);
    Ok(match user {
        Some(user) if matches && user.active => Login::Welcome(user),
        Some(_) if matches => Login::Disabled,
        _ => Login::Wrong,
    })
}

/// Records a failed attempt against the account from its address, the
/// address and the account.
pub fn failed(conn: &mut AnyConnection, attempt: &Attempt, now: DateTime<Utc>) -> Result<()> {
    let subjects = [
        attempt.pair.clone(),
        attempt.address.clone(),
        attempt.account.clone(),
    ];
    Ok(failures::record(conn, &subjects, now)?)
}

/// A successful login forgets the account's failures (its address keeps
/// the ones it made at other accounts).
pub fn succeeded(conn: &mut AnyConnection, attempt: &Attempt) -> Result<()> {
    failures::clear(conn, &attempt.account)?;
    Ok(failures::clear(conn, &attempt.pair)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_argon2id_salted_and_verify() {
        let a = hash_password("correct horse").expect("hash");
        let b = hash_password("correct horse").expect("hash");
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct horsE", &a));
        assert!(!verify_password("anything", "not a hash"));
        assert!(!verify_password("", decoy_hash()));
    }
}

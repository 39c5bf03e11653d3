//! Settings every instance shares, kept in the database itself.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::prelude::*;
use rand::RngCore;

use super::schema::settings;
use super::{AnyConnection, DbError};

const SECRET_KEY: &str = "secret_key";

/// The key that signs and encrypts cookies: made once, on first start, and
/// kept with the data, so a restart logs nobody out and every instance on
/// one database uses the same one. Returns its 64 bytes.
pub fn secret_key(conn: &mut AnyConnection) -> Result<Vec<u8>, DbError> {
    if let Some(key) = read_key(conn)? {
        return Ok(key);
    }
    let mut fresh = [0u8; 64];
    rand::rng().fill_bytes(&mut fresh);
    // Two instances starting together may both get here; the primary key
    // lets one insert win and both then read the winner.
    let _ = diesel::insert_into(settings::table)
        .values((
            settings::name.eq(SECRET_KEY),
            settings::value.eq(STANDARD.encode(fresh)),
        ))
        .execute(conn);
    read_key(conn)?
        .ok_or_else(|| DbError::Inconsistent("the secret key could not be stored".into()))
}

fn read_key(conn: &mut AnyConnection) -> Result<Option<Vec<u8>>, DbError> {
    let stored: Option<String> = settings::table
        .filter(settings::name.eq(SECRET_KEY))
        .select(settings::value)
        .first(conn)
        .optional()?;
    Ok(stored
        .and_then(|s| STANDARD.decode(s).ok())
        .filter(|k| k.len() >= 64))
}

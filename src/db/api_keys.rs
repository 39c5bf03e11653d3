//! Open311 API keys. A key is shown once when made; only its SHA-256 is
//! kept (keys are 256 random bits, so a fast hash is enough to make a
//! stolen table useless).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::AnyConnection;
use super::schema::api_keys;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = api_keys)]
pub struct ApiKey {
    pub id: i64,
    pub client: String,
    pub key_hash: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

fn digest(key: &str) -> String {
    let hash = Sha256::digest(key.as_bytes());
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes a key for `client`; returns it (the only time it is seen).
pub fn create(conn: &mut AnyConnection, client: &str, at: DateTime<Utc>) -> QueryResult<String> {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let key = URL_SAFE_NO_PAD.encode(bytes);
    diesel::insert_into(api_keys::table)
        .values((
            api_keys::client.eq(client),
            api_keys::key_hash.eq(digest(&key)),
            api_keys::created_at.eq(at.naive_utc()),
        ))
        .execute(conn)?;
    Ok(key)
}

pub fn revoke(conn: &mut AnyConnection, id: i64, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set(api_keys::revoked_at.eq(Some(at.naive_utc())))
    .execute(conn)
}

pub fn list(conn: &mut AnyConnection) -> QueryResult<Vec<ApiKey>> {
    api_keys::table
        .order(api_keys::id)
        .select(ApiKey::as_select())
        .load(conn)
}

/// The client a valid, unrevoked key belongs to.
pub fn client_of(conn: &mut AnyConnection, key: &str) -> QueryResult<Option<String>> {
    api_keys::table
        .filter(api_keys::key_hash.eq(digest(key)))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::client)
        .first(conn)
        .optional()
}

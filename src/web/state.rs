//! What every handler can reach: the pool, the cookie key, the settings,
//! and the server's shared, short-lived memory (limits, caches, turns).

use std::net::IpAddr;

use actix_web::cookie::Key;
use governor::DefaultKeyedRateLimiter;

use crate::config::Settings;
use crate::db::Pool;

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub key: Key,
    pub settings: Settings,
    /// Citizen submissions per client address.
    pub submit_limiter: DefaultKeyedRateLimiter<IpAddr>,
    /// The dashboard's figures as last counted (see `web::staff::dashboard::current`).
    pub measures: super::staff::dashboard::MeasuresCache,
    /// Turns for the heaviest reads (an Open311 list builds up to 1,000
    /// documents): two at a time, the rest wait their turn, so memory stays
    /// bounded however many clients ask at once.
    pub heavy: tokio::sync::Semaphore,
    /// Categories and places for the request forms.
    pub catalog: super::request_form::CatalogCache,
    /// Turns for downloads: a few at once, each with a thread and a connection.
    pub downloads: super::staff::export::Downloads,
    /// Addresses refused lookups of tracking codes (see `web::guesses`).
    pub refused: super::guesses::Refused,
    /// Turns for decoding uploaded photos (see `web::upload`).
    pub decoders: std::sync::Arc<tokio::sync::Semaphore>,
    /// SQLite's group-commit writer (`None` on PostgreSQL).
    pub writer: Option<crate::db::writer::Writer>,
}

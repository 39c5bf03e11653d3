//! Builds the application: database (migrated), pool, key, routes, server.
//! Tests bind port 0 and read the port back.

use std::net::TcpListener;
use std::num::NonZeroU32;

use actix_session::SessionMiddleware;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_web::cookie::{Key, SameSite, time::Duration as CookieDuration};
use actix_web::dev::Server;
use actix_web::middleware::{Compress, DefaultHeaders, from_fn};
use actix_web::{App, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use governor::{Quota, RateLimiter};
use secrecy::ExposeSecret;

use crate::config::Settings;
use crate::db::{self, DbError, Pool};
use crate::web::{AppState, csrf, i18n, metrics, request_log, routes};

/// Threads each HTTP worker may run blocking database work on at once
/// (actix's default is 512 shared by all workers). Work beyond the pool's
/// connections only waits for one, so more would buy nothing.
const BLOCKING_THREADS_PER_WORKER: usize = 256;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("cannot listen: {0}")]
    Bind(std::io::Error),
    #[error(
        "SHISHI_SECRET_KEY must be at least 64 bytes (e.g. the output of `openssl rand -base64 64`)"
    )]
    Key,
}

/// A server bound to its address, ready to be awaited.
pub struct Application {
    pub address: std::net::SocketAddr,
    pub port: u16,
    pub server: Server,
    pub pool: Pool,
    pub state: web::Data<AppState>,
    /// The metrics server, when `--metrics-bind` asks for one.
    pub metrics: Option<MetricsServer>,
}

/// `/metrics` on its own address.
pub struct MetricsServer {
    pub address: std::net::SocketAddr,
    pub server: Server,
}

impl Application {
    pub fn build(settings: Settings) -> Result<Application, StartError> {
        let pool = db::connect(&settings.database_url, settings.pool_size)?;
        let key = cookie_key(&settings, &pool)?;
        let per_hour = NonZeroU32::new(settings.submit_per_hour.max(1)).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(settings.submit_burst.max(1)).unwrap_or(NonZeroU32::MIN);
        let writer = crate::db::writer::Writer::start(&pool);
        let state = web::Data::new(AppState {
            pool,
            key,
            submit_limiter: RateLimiter::keyed(Quota::per_hour(per_hour).allow_burst(burst)),
            measures: Default::default(),
            writer,
            catalog: Default::default(),
            downloads: Default::default(),
            heavy: tokio::sync::Semaphore::new(2),
            refused: Default::default(),
            decoders: crate::web::upload::decoders(),
            settings: settings.clone(),
        });

        let key_for_sessions = state.key.clone();
        let pool = state.pool.clone();
        let shared = state.clone();
        let secure = settings.secure_cookies;
        let listener = TcpListener::bind(&settings.bind).map_err(StartError::Bind)?;
        let address = listener.local_addr().map_err(StartError::Bind)?;
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                .app_data(routes::form_config())
                .app_data(routes::query_config())
                .app_data(routes::path_config())
                .configure(routes::configure)
                .wrap(from_fn(csrf::middleware))
                .wrap(session(&key_for_sessions, secure))
                .wrap(from_fn(i18n::remember))
                .wrap(security_headers())
                .wrap(Compress::default())
                .wrap(from_fn(request_log::requests))
        })
        .listen(listener)
        .map_err(StartError::Bind)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers.max(1));
        }
        server = server.worker_max_blocking_threads(BLOCKING_THREADS_PER_WORKER);
        let metrics = match &settings.metrics_bind {
            Some(bind) => Some(metrics_server(bind, shared.clone())?),
            None => None,
        };
        Ok(Application {
            address,
            port: address.port(),
            server: server.run(),
            pool,
            state: shared,
            metrics,
        })
    }
}

/// The metrics server: `GET /metrics` and nothing else, on its own address.
/// It does not listen for signals: it ends with the process, after the main
/// server's graceful stop.
fn metrics_server(bind: &str, state: web::Data<AppState>) -> Result<MetricsServer, StartError> {
    metrics::install();
    let listener = TcpListener::bind(bind).map_err(StartError::Bind)?;
    let address = listener.local_addr().map_err(StartError::Bind)?;
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(metrics::serve))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(StartError::Bind)?
    .run();
    Ok(MetricsServer { address, server })
}

/// Headers on every response: no inline script, no framing, no sniffing,
/// no tracking codes leaking to other sites through the Referer.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
        ))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
}

fn cookie_key(settings: &Settings, pool: &Pool) -> Result<Key, StartError> {
    let material = match &settings.secret_key {
        Some(secret) => {
            let secret = secret.expose_secret();
            STANDARD
                .decode(secret.trim())
                .ok()
                .filter(|k| k.len() >= 64)
                .unwrap_or_else(|| secret.as_bytes().to_vec())
        }
        None => {
            let mut conn = pool.get().map_err(DbError::Pool)?;
            db::settings::secret_key(&mut conn)?
        }
    };
    Key::try_from(material.as_slice()).map_err(|_| StartError::Key)
}

/// The staff session: all its state in one cookie, encrypted and signed
/// with the server's key; HttpOnly, SameSite=Lax, Secure when configured;
/// it lapses after 12 hours.
fn session(key: &Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
        .cookie_name("shishi_session".into())
        .cookie_secure(secure)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default().state_ttl(CookieDuration::hours(12)))
        .build()
}

//! HTTP: handlers by area, forms, CSRF, language, and the route table.

pub mod auth;
pub mod client;
pub mod csrf;
pub mod error;
pub mod find;
pub mod guesses;
pub mod i18n;
pub mod metrics;
pub mod open311;
pub mod photos;
pub mod public;
pub mod request_form;
pub mod request_log;
pub mod routes;
pub mod staff;
pub mod state;
pub mod upload;

use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::app;
use crate::db::{AnyConnection, DbError};
use error::{AppError, ErrorKind};
use i18n::Lang;

pub use state::AppState;

/// Runs a use case (or a read) on the blocking pool, off the async
/// workers, and hands back its own answer; only a task that could not run
/// at all becomes an error page here.
pub async fn call<T, F>(
    state: &web::Data<AppState>,
    lang: Lang,
    work: F,
) -> Result<app::Result<T>, AppError>
where
    F: FnOnce(&mut AnyConnection) -> app::Result<T> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    let result = web::block(move || {
        // Requests waiting for a pooled connection, for /metrics.
        let waiting = ::metrics::gauge!("shishi_db_waiting");
        waiting.increment(1.0);
        let conn = pool.get();
        waiting.decrement(1.0);
        let mut conn = conn.map_err(DbError::Pool)?;
        work(&mut conn)
    })
    .await;
    result.map_err(|e| {
        log::error!("blocking task failed: {e}");
        ErrorKind::Internal.lang(lang)
    })
}

/// [`call`], with every error of the use case turned into its page.
pub async fn db<T, F>(state: &web::Data<AppState>, lang: Lang, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut AnyConnection) -> app::Result<T> + Send + 'static,
    T: Send + 'static,
{
    call(state, lang, work)
        .await?
        .map_err(|e| error::from_app(e, lang))
}

/// A short read (a few lookups by index) that runs in place when the
/// database is SQLite and a connection is free: it takes microseconds there,
/// less than handing it to the blocking pool and back (two thread switches).
/// SQLite readers never wait for a lock in WAL mode, so the worker is not
/// held. On PostgreSQL, or with the pool busy, it goes the way of [`db`].
pub async fn db_read<T, F>(state: &web::Data<AppState>, lang: Lang, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut AnyConnection) -> app::Result<T> + Send + 'static,
    T: Send + 'static,
{
    if let Some(mut conn) = state.pool.try_get()
        && matches!(*conn, AnyConnection::Sqlite(_))
    {
        return work(&mut conn).map_err(|e| error::from_app(e, lang));
    }
    db(state, lang, work).await
}

/// A write that a citizen waits for (a new request). On SQLite it joins the
/// writer's next batch (see `db::writer`; `work` may run twice there, and
/// only the last run counts); on PostgreSQL it is [`call`].
pub async fn write<T, F>(
    state: &web::Data<AppState>,
    lang: Lang,
    work: F,
) -> Result<app::Result<T>, AppError>
where
    F: Fn(&mut AnyConnection) -> app::Result<T> + Send + 'static,
    T: Send + 'static,
{
    match &state.writer {
        Some(writer) => Ok(writer.write(work).await),
        None => call(state, lang, work).await,
    }
}

/// A template (or anything else that responds) as a response.
pub fn page(req: &HttpRequest, body: impl Responder) -> HttpResponse {
    body.respond_to(req).map_into_boxed_body()
}

/// 303 See Other: where a form goes after it has been taken.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location))
        .finish()
}

//! HTTP: handlers by area, forms, CSRF, language, and the route table.

pub mod auth;
pub mod csrf;
pub mod error;
pub mod i18n;
pub mod open311;
pub mod public;
pub mod request_form;
pub mod routes;
pub mod staff;
pub mod state;

use actix_web::{HttpRequest, HttpResponse, Responder, web};

use crate::db::{AnyConnection, DbError};
use crate::web::error::{AppError, ErrorKind};
use i18n::Lang;

pub use state::AppState;

/// Runs blocking database work on the thread pool, off the async workers.
pub async fn db<T, F>(state: &web::Data<AppState>, lang: Lang, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    let pool = state.pool.clone();
    let result = web::block(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await;
    match result {
        Ok(done) => answer(done, lang),
        Err(e) => {
            log::error!("blocking task failed: {e}");
            Err(ErrorKind::Internal.lang(lang))
        }
    }
}

/// A short read (a few lookups by index) that runs in place when the
/// database is SQLite and a connection is free: it takes microseconds there,
/// less than handing it to the blocking pool and back (two thread switches).
/// SQLite readers never wait for a lock in WAL mode, so the worker is not
/// held. On PostgreSQL, or with the pool busy, it goes the way of [`db`].
pub async fn db_read<T, F>(state: &web::Data<AppState>, lang: Lang, work: F) -> Result<T, AppError>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    if let Some(mut conn) = state.pool.try_get()
        && matches!(*conn, AnyConnection::Sqlite(_))
    {
        return answer(work(&mut conn), lang);
    }
    db(state, lang, work).await
}

/// A write that a citizen waits for (a new request). On SQLite it joins the
/// writer's next batch (see `db::writer`; `work` may run twice there, and
/// only the last run counts); on PostgreSQL it is [`db`].
pub async fn write<T, F>(state: &web::Data<AppState>, lang: Lang, work: F) -> Result<T, AppError>
where
    F: Fn(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
    T: Send + 'static,
{
    match &state.writer {
        Some(writer) => answer(writer.write(work).await, lang),
        None => db(state, lang, work).await,
    }
}

fn answer<T>(done: Result<T, DbError>, lang: Lang) -> Result<T, AppError> {
    match done {
        Ok(value) => Ok(value),
        Err(DbError::Pool(e)) => {
            log::error!("database unavailable: {e}");
            Err(ErrorKind::Unavailable.lang(lang))
        }
        Err(DbError::Writer(e)) => {
            log::error!("{e}");
            Err(ErrorKind::Unavailable.lang(lang))
        }
        Err(e) => {
            log::error!("{e}");
            Err(ErrorKind::Internal.lang(lang))
        }
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

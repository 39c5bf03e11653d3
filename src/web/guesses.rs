//! The web side of `app::guesses`: addresses refused lookups of tracking
//! codes, remembered in memory so that checking one costs a map lookup,
//! not a query. An address gets here when one of its misses reaches the
//! limit (counted in the database, so misses at every instance add up);
//! another instance learns of it at that address's next miss there.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::{HttpRequest, web};
use chrono::{DateTime, Utc};

use crate::app;
use crate::web::error::{AppError, ErrorKind};
use crate::web::i18n::Lang;
use crate::web::{AppState, client};

/// Addresses refused lookups, and until when.
#[derive(Default)]
pub struct Refused(Mutex<HashMap<IpAddr, DateTime<Utc>>>);

impl Refused {
    /// Seconds `address` must still wait, if it is refused now.
    fn wait(&self, address: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let until = *map.get(&address)?;
        (until > now).then(|| u64::try_from((until - now).num_seconds()).unwrap_or(0) + 1)
    }

    fn refuse(&self, address: IpAddr, until: DateTime<Utc>, now: DateTime<Utc>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= 10_000 {
            map.retain(|_, u| *u > now);
        }
        map.insert(address, until);
    }
}

/// Seconds the request's client must still wait before it may look up
/// codes again, if it is refused now.
pub fn wait(state: &AppState, req: &HttpRequest) -> Option<u64> {
    state.refused.wait(client::address(req), Utc::now())
}

/// Refuses the request (429 with `Retry-After`) when its client has
/// missed too often.
pub fn check(state: &AppState, req: &HttpRequest, l: Lang) -> Result<(), AppError> {
    match wait(state, req) {
        Some(retry_after) => Err(ErrorKind::TooManyLookups { retry_after }.lang(l)),
        None => Ok(()),
    }
}

/// Counts a miss against the request's client; remembers the refusal
/// when this one reached the limit.
pub async fn missed(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    l: Lang,
) -> Result<(), AppError> {
    count(state, req)
        .await
        .map_err(|e| crate::web::error::from_app(e, l))
}

/// [`missed`], for callers that answer errors their own way (Open311).
pub async fn count(state: &web::Data<AppState>, req: &HttpRequest) -> Result<(), app::Error> {
    let address = client::address(req);
    let settings = state.settings.clone();
    let text = address.to_string();
    let now = Utc::now();
    let until = match &state.writer {
        Some(writer) => {
            writer
                .write(move |c| app::guesses::missed(c, &text, &settings, now))
                .await
        }
        None => {
            let pool = state.pool.clone();
            web::block(move || {
                let mut c = pool.get().map_err(crate::db::DbError::Pool)?;
                app::guesses::missed(&mut c, &text, &settings, now)
            })
            .await
            .map_err(|e| app::Error::Db(crate::db::DbError::Writer(e.to_string())))?
        }
    }?;
    if let Some(until) = until {
        log::warn!(client:% = address; "tracking-code lookups refused until {until}");
        state.refused.refuse(address, until, now);
    }
    Ok(())
}

//! Online requests as the Open311 API lists them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::matters::Matter;
use super::schema::{events, matters};
use super::{AnyConnection, MultiBackend};
use crate::domain::{Channel, State};

/// Which online requests a list shows.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub states: Vec<State>,
    /// Only these categories (`None`: all).
    pub category_ids: Option<Vec<i64>>,
    /// Received at or after / at or before.
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

/// The online requests with these tracking codes.
pub fn by_codes(conn: &mut AnyConnection, codes: &[String]) -> QueryResult<Vec<Matter>> {
    matters::table
        .filter(matters::code.eq_any(codes))
        .filter(matters::channel.eq(Channel::Online))
        .select(Matter::as_select())
        .load(conn)
}

/// The newest `limit` online requests the listing asks for.
pub fn listed(conn: &mut AnyConnection, l: &Listing, limit: i64) -> QueryResult<Vec<Matter>> {
    let mut q = matters::table
        .filter(matters::channel.eq(Channel::Online))
        .filter(matters::state.eq_any(l.states.clone()))
        .into_boxed::<MultiBackend>();
    if let Some(ids) = &l.category_ids {
        q = q.filter(matters::category_id.eq_any(ids.clone()));
    }
    if let Some(s) = l.start {
        q = q.filter(matters::created_at.ge(s.naive_utc()));
    }
    if let Some(e) = l.end {
        q = q.filter(matters::created_at.le(e.naive_utc()));
    }
    q.order((matters::created_at.desc(), matters::id.desc()))
        .limit(limit)
        .select(Matter::as_select())
        .load(conn)
}

/// The latest public note of each of these matters that has one.
pub fn latest_public_notes(
    conn: &mut AnyConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, String>> {
    let notes: Vec<(i64, String)> = events::table
        .filter(events::matter_id.eq_any(ids))
        .filter(events::public.eq(true))
        .filter(events::note.ne(""))
        .order(events::id.desc())
        .select((events::matter_id, events::note))
        .load(conn)?;
    let mut latest = HashMap::new();
    // Newest first: the first seen of each matter is its latest.
    for (id, note) in notes {
        latest.entry(id).or_insert(note);
    }
    Ok(latest)
}

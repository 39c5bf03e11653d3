//! Matters and their events: how they are stored and read back.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{events, matters};
use crate::domain::{Channel, Source, State};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = matters)]
pub struct Matter {
    pub id: i64,
    pub code: String,
    pub channel: String,
    pub source: String,
    pub state: String,
    pub category_id: i64,
    pub title: String,
    pub description: String,
    pub town_id: Option<i64>,
    pub place_id: Option<i64>,
    pub address: String,
    pub citizen_name: Option<String>,
    pub citizen_phone: Option<String>,
    pub unit_id: Option<i64>,
    pub merged_into: Option<i64>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sign_due_at: Option<NaiveDateTime>,
    pub due_at: Option<NaiveDateTime>,
    pub radio_date: Option<chrono::NaiveDate>,
    pub extension_days: Option<i32>,
    pub extension_reason: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = matters)]
pub struct NewMatter<'a> {
    pub code: &'a str,
    pub channel: &'a str,
    pub source: &'a str,
    pub state: &'a str,
    pub category_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub town_id: Option<i64>,
    pub place_id: Option<i64>,
    pub address: &'a str,
    pub citizen_name: Option<&'a str>,
    pub citizen_phone: Option<&'a str>,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub radio_date: Option<chrono::NaiveDate>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub matter_id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub kind: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub note: String,
    pub public: bool,
    pub matter_version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent<'a> {
    pub matter_id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub kind: &'a str,
    pub from_state: Option<&'a str>,
    pub to_state: Option<&'a str>,
    pub note: &'a str,
    pub public: bool,
    pub matter_version: i32,
}

/// A request as the intake forms hand it over.
pub struct Intake<'a> {
    pub code: &'a str,
    pub channel: Channel,
    pub source: Source,
    pub category_id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub town_id: Option<i64>,
    pub place_id: Option<i64>,
    pub address: &'a str,
    pub citizen_name: Option<&'a str>,
    pub citizen_phone: Option<&'a str>,
    pub received: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
    pub radio_date: Option<chrono::NaiveDate>,
    /// The staff member who recorded it; `None` when the citizen sent it.
    pub recorded_by: Option<(i64, &'a str)>,
}

/// Stores a new matter in state `submitted` with its first, public event,
/// in one transaction. Fails with a unique violation if the code is taken.
pub fn insert_submitted(conn: &mut AnyConnection, intake: &Intake<'_>) -> QueryResult<i64> {
    conn.transaction(|conn| {
        let now = intake.received.naive_utc();
        diesel::insert_into(matters::table)
            .values(NewMatter {
                code: intake.code,
                channel: intake.channel.code(),
                source: intake.source.code(),
                state: State::Submitted.code(),
                category_id: intake.category_id,
                title: intake.title,
                description: intake.description,
                town_id: intake.town_id,
                place_id: intake.place_id,
                address: intake.address,
                citizen_name: intake.citizen_name,
                citizen_phone: intake.citizen_phone,
                version: 1,
                created_at: now,
                updated_at: now,
                due_at: intake.due.map(|d| d.naive_utc()),
                radio_date: intake.radio_date,
            })
            .execute(conn)?;
        let id: i64 = matters::table
            .filter(matters::code.eq(intake.code))
            .select(matters::id)
            .first(conn)?;
        diesel::insert_into(events::table)
            .values(NewEvent {
                matter_id: id,
                at: now,
                actor_id: intake.recorded_by.map(|(id, _)| id),
                actor: intake.recorded_by.map_or("citizen", |(_, name)| name),
                kind: "submitted",
                from_state: None,
                to_state: Some(State::Submitted.code()),
                note: "",
                public: true,
                matter_version: 1,
            })
            .execute(conn)?;
        Ok(id)
    })
}

pub fn by_code(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<Matter>> {
    matters::table
        .filter(matters::code.eq(code))
        .select(Matter::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Matter>> {
    matters::table
        .find(id)
        .select(Matter::as_select())
        .first(conn)
        .optional()
}

/// The events a citizen may see, oldest first.
pub fn public_events(conn: &mut AnyConnection, matter_id: i64) -> QueryResult<Vec<Event>> {
    events::table
        .filter(events::matter_id.eq(matter_id))
        .filter(events::public.eq(true))
        .order(events::id)
        .select(Event::as_select())
        .load(conn)
}

/// The figures on the home page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublicFigures {
    pub received: i64,
    pub in_progress: i64,
    pub closed: i64,
}

pub fn public_figures(conn: &mut AnyConnection) -> QueryResult<PublicFigures> {
    let rows: Vec<(String, i64)> = matters::table
        .group_by(matters::state)
        .select((matters::state, count_star()))
        .load(conn)?;
    let mut figures = PublicFigures::default();
    for (state, n) in rows {
        figures.received += n;
        match state.parse::<State>() {
            Ok(State::Closed) => figures.closed += n,
            Ok(s) if s.is_open() || s == State::Resolved => figures.in_progress += n,
            _ => {}
        }
    }
    Ok(figures)
}

/// Every event of a matter, oldest first (staff see internal ones too).
pub fn all_events(conn: &mut AnyConnection, matter_id: i64) -> QueryResult<Vec<Event>> {
    events::table
        .filter(events::matter_id.eq(matter_id))
        .order(events::id)
        .select(Event::as_select())
        .load(conn)
}

/// What happened to a matter after it was at `version`.
pub fn events_after(
    conn: &mut AnyConnection,
    matter_id: i64,
    version: i32,
) -> QueryResult<Vec<Event>> {
    events::table
        .filter(events::matter_id.eq(matter_id))
        .filter(events::matter_version.gt(version))
        .order(events::id)
        .select(Event::as_select())
        .load(conn)
}

/// The columns a step may change; `None` leaves a column alone.
#[derive(AsChangeset, Default, Debug)]
#[diesel(table_name = matters)]
pub struct MatterUpdate {
    pub state: Option<String>,
    pub channel: Option<String>,
    pub category_id: Option<i64>,
    pub unit_id: Option<Option<i64>>,
    pub merged_into: Option<Option<i64>>,
    pub due_at: Option<Option<NaiveDateTime>>,
    pub sign_due_at: Option<Option<NaiveDateTime>>,
    pub extension_days: Option<Option<i32>>,
    pub extension_reason: Option<Option<String>>,
}

/// The event a step writes.
pub struct Step<'a> {
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub kind: &'a str,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub note: &'a str,
    pub public: bool,
    pub at: DateTime<Utc>,
}

/// How a step went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Written; the matter is now at this version.
    Done(i32),
    /// The matter is no longer at the expected version: nothing was written.
    Stale,
}

/// Writes one step of a matter's life: the changed columns, the next
/// version and the event, in one transaction, only if the matter is still
/// at `expected_version`. The versioned UPDATE comes first, so on SQLite the
/// transaction takes the write lock before it reads anything.
pub fn apply(
    conn: &mut AnyConnection,
    matter_id: i64,
    expected_version: i32,
    update: &MatterUpdate,
    step: &Step<'_>,
) -> QueryResult<Applied> {
    conn.transaction(|conn| {
        let now = step.at.naive_utc();
        let changed = diesel::update(
            matters::table
                .filter(matters::id.eq(matter_id))
                .filter(matters::version.eq(expected_version)),
        )
        .set((
            update,
            matters::version.eq(matters::version + 1),
            matters::updated_at.eq(now),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Ok(Applied::Stale);
        }
        let version = expected_version + 1;
        diesel::insert_into(events::table)
            .values(NewEvent {
                matter_id,
                at: now,
                actor_id: step.actor_id,
                actor: step.actor,
                kind: step.kind,
                from_state: step.from_state.map(State::code),
                to_state: step.to_state.map(State::code),
                note: step.note,
                public: step.public,
                matter_version: version,
            })
            .execute(conn)?;
        Ok(Applied::Done(version))
    })
}

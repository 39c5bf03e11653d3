//! Matters and their events: how they are stored and read back.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::AnyConnection;
use super::schema::{events, matters};
use crate::domain::{Channel, EventKind, Rating, Refusal, Source, State};

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = matters)]
pub struct Matter {
    pub id: i64,
    pub code: String,
    pub channel: Channel,
    pub source: Source,
    pub state: State,
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
    pub accepted_at: Option<NaiveDateTime>,
    pub dispatched_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub rating: Option<Rating>,
    pub rating_comment: Option<String>,
    pub claimed_by: Option<i64>,
    pub requested_fen: Option<i64>,
    pub approved_fen: Option<i64>,
    pub spent_fen: Option<i64>,
    pub menu_item_id: Option<i64>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address_id: Option<String>,
    pub api_client: Option<String>,
    pub attributes: Option<String>,
}

/// `None` is written as NULL (none of these columns has another default),
/// so the statement's text is always the same and Diesel keeps it prepared.
#[derive(Insertable)]
#[diesel(table_name = matters, treat_none_as_default_value = false)]
pub struct NewMatter<'a> {
    pub code: &'a str,
    pub channel: Channel,
    pub source: Source,
    pub state: State,
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
    pub unit_id: Option<i64>,
    pub requested_fen: Option<i64>,
    pub menu_item_id: Option<i64>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address_id: Option<&'a str>,
    pub api_client: Option<&'a str>,
    pub attributes: Option<&'a str>,
    /// PostgreSQL's search tokens, computed here rather than by its
    /// trigger's SQL (see `db::search`); `None` on SQLite.
    pub search: Option<&'a str>,
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct Event {
    pub id: i64,
    pub matter_id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub kind: EventKind,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub note: String,
    pub public: bool,
    pub matter_version: i32,
}

#[derive(Insertable)]
#[diesel(table_name = events, treat_none_as_default_value = false)]
pub struct NewEvent<'a> {
    pub matter_id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub kind: EventKind,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub note: &'a str,
    pub public: bool,
    pub matter_version: i32,
}

/// A request as the intake forms hand it over.
#[derive(Clone, Copy)]
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
    /// Planned matters start with a unit (a department matter's owner, a
    /// micro-matter's community), an amount asked for, a menu item.
    pub unit_id: Option<i64>,
    pub requested_fen: Option<i64>,
    pub menu_item_id: Option<i64>,
    /// Open311 requests: a point, an address id, the client, extra fields.
    pub api: Option<ApiOrigin<'a>>,
}

/// Where an Open311 request came from and what it carries besides the form's fields.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApiOrigin<'a> {
    pub client: &'a str,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub address_id: Option<&'a str>,
    pub attributes: Option<&'a str>,
}

/// Stores a new matter in state `submitted` with its first, public event,
/// in one transaction. Fails with a unique violation if the code is taken.
pub fn insert_submitted(conn: &mut AnyConnection, intake: &Intake<'_>) -> QueryResult<i64> {
    insert_unless_taken(conn, intake)?.ok_or_else(|| {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new(format!("the code {} is taken", intake.code)),
        )
    })
}

/// [`insert_submitted`], or `None` (and nothing stored) if the code is
/// taken. A taken code is not an error (`ON CONFLICT DO NOTHING`), so the
/// work joins a transaction already open without a savepoint of its own:
/// on PostgreSQL a savepoint is two more round trips on every submission,
/// kept only to try another code after a clash of 40 random bits.
///
/// Atomic by itself: on PostgreSQL the matter and its first event are one
/// statement ([`WithFirstEvent`]), which needs no transaction (a lone
/// submission sends one statement, not BEGIN, two inserts and COMMIT);
/// on SQLite they go in a transaction unless one is open.
fn insert_unless_taken(conn: &mut AnyConnection, intake: &Intake<'_>) -> QueryResult<Option<i64>> {
    let now = intake.received.naive_utc();
    let search = super::search::tokens_for(
        conn,
        &crate::domain::search::Fields {
            title: intake.title,
            description: intake.description,
            address: intake.address,
            code: intake.code,
            phone: intake.citizen_phone,
        },
    );
    let insert = diesel::insert_into(matters::table)
        .values(NewMatter {
            code: intake.code,
            channel: intake.channel,
            source: intake.source,
            state: State::Submitted,
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
            unit_id: intake.unit_id,
            requested_fen: intake.requested_fen,
            menu_item_id: intake.menu_item_id,
            lat: intake.api.and_then(|a| a.lat),
            lng: intake.api.and_then(|a| a.lng),
            address_id: intake.api.and_then(|a| a.address_id),
            api_client: intake.api.map(|a| a.client),
            attributes: intake.api.and_then(|a| a.attributes),
            search: search.as_deref(),
        })
        .on_conflict(matters::code)
        .do_nothing()
        .returning(matters::id);
    let event = FirstEvent {
        at: now,
        actor_id: intake.recorded_by.map(|(id, _)| id),
        actor: intake.recorded_by.map_or("citizen", |(_, name)| name),
    };
    if let AnyConnection::Postgresql(pg) = conn {
        return WithFirstEvent {
            matter: insert,
            // Its matter_id is the new matter's id (`m.id`) in the SQL.
            event: event.of(0),
        }
        .get_result(pg)
        .optional();
    }
    super::joined(conn, |conn| {
        let Some(id): Option<i64> =
            super::on_backend!(&mut *conn, |c| insert.get_result(c).optional())?
        else {
            return Ok(None);
        };
        let event = diesel::insert_into(events::table).values(event.of(id));
        super::on_backend!(&mut *conn, |c| event.execute(c))?;
        Ok(Some(id))
    })
}

/// A new matter's first event: public, `submitted`, at version 1.
#[derive(Clone, Copy)]
struct FirstEvent<'a> {
    at: NaiveDateTime,
    actor_id: Option<i64>,
    actor: &'a str,
}

impl<'a> FirstEvent<'a> {
    fn of(self, matter_id: i64) -> NewEvent<'a> {
        NewEvent {
            matter_id,
            at: self.at,
            actor_id: self.actor_id,
            actor: self.actor,
            kind: EventKind::Submitted,
            from_state: None,
            to_state: Some(State::Submitted),
            note: "",
            public: true,
            matter_version: 1,
        }
    }
}

/// `WITH m AS (<the matter's insert … RETURNING id>) INSERT INTO events
/// … SELECT m.id, … FROM m RETURNING matter_id`: on PostgreSQL a matter
/// and its first event in one statement, so in one round trip and atomic
/// without a transaction. When the insert stores nothing (a taken code),
/// neither does the statement, and it returns no row.
struct WithFirstEvent<'a, I> {
    matter: I,
    event: NewEvent<'a>,
}

impl<I> diesel::query_builder::QueryId for WithFirstEvent<'_, I> {
    type QueryId = ();
    // Prepared once per connection all the same: keyed by its SQL.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<I> diesel::query_builder::Query for WithFirstEvent<'_, I> {
    type SqlType = diesel::sql_types::BigInt;
}

impl<I> RunQueryDsl<diesel::PgConnection> for WithFirstEvent<'_, I> {}

impl<I> diesel::query_builder::QueryFragment<diesel::pg::Pg> for WithFirstEvent<'_, I>
where
    I: diesel::query_builder::QueryFragment<diesel::pg::Pg>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text, Timestamp};
        let e = &self.event;
        out.push_sql("WITH m AS (");
        self.matter.walk_ast(out.reborrow())?;
        out.push_sql(
            ") INSERT INTO events (matter_id, at, actor_id, actor, kind, from_state, \
             to_state, note, public, matter_version) SELECT m.id, ",
        );
        out.push_bind_param::<Timestamp, _>(&e.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<BigInt>, _>(&e.actor_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.actor)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.from_state)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&e.to_state)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&e.note)?;
        out.push_sql(", ");
        out.push_bind_param::<Bool, _>(&e.public)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&e.matter_version)?;
        out.push_sql(" FROM m RETURNING matter_id");
        Ok(())
    }
}

/// Stores `intake` under a fresh tracking code (its own `code` is ignored).
/// A clash of 40 random bits is rare; a few tries make it vanish.
pub fn insert_with_new_code<R: rand::Rng + ?Sized>(
    conn: &mut AnyConnection,
    prefix: &str,
    rng: &mut R,
    intake: &Intake<'_>,
) -> Result<(i64, String), super::DbError> {
    let mut last = String::new();
    for _ in 0..5 {
        let code = crate::domain::tracking::generate(prefix, rng);
        let mut fresh = *intake;
        fresh.code = &code;
        if let Some(id) = insert_unless_taken(conn, &fresh)? {
            return Ok((id, code));
        }
        last = code;
    }
    Err(super::DbError::NoFreeCode(format!(
        "the code {last} is taken"
    )))
}

pub fn by_code(conn: &mut AnyConnection, code: &str) -> QueryResult<Option<Matter>> {
    matters::table
        .filter(matters::code.eq(code))
        .select(Matter::as_select())
        .first(conn)
        .optional()
}

/// An open matter near another, as the duplicates panel lists it.
#[derive(Clone, Debug, Queryable)]
pub struct Near {
    pub id: i64,
    pub code: String,
    pub title: String,
    pub state: State,
    pub created_at: NaiveDateTime,
}

/// At most this many of a place's newest open matters are compared.
pub const NEAR_LIMIT: i64 = 200;

/// The open matters (not yet resolved, not merged) received since `since`
/// in place `place_id`, newest first, other than `id`: the candidates for
/// the duplicates panel (at most [`NEAR_LIMIT`]), read off the place's
/// index (place, state, received).
pub fn open_near(
    conn: &mut AnyConnection,
    id: i64,
    place_id: i64,
    since: NaiveDateTime,
) -> QueryResult<Vec<Near>> {
    // A reading per state, each in order off (place, state, received):
    // one query with `state IN (…)` and a sort let PostgreSQL walk every
    // matter of the last 30 days instead (150 ms a page at 1,000,000).
    // On PostgreSQL the four readings go in one statement (UNION ALL: one
    // round trip, not four); SQLite runs them one by one, in process.
    macro_rules! reading {
        ($boxed:expr, $state:expr) => {
            $boxed
                .filter(matters::place_id.eq(place_id))
                .filter(matters::state.eq($state))
                .filter(matters::created_at.ge(since))
                .filter(matters::id.ne(id))
                .order((matters::created_at.desc(), matters::id.desc()))
                .limit(NEAR_LIMIT)
                .select((
                    matters::id,
                    matters::code,
                    matters::title,
                    matters::state,
                    matters::created_at,
                ))
        };
    }
    let [a, b, c, d] = [
        State::Submitted,
        State::Accepted,
        State::Assigned,
        State::InProgress,
    ];
    let mut found: Vec<Near> = match conn {
        AnyConnection::Postgresql(pg) => {
            // Not boxed: the statement is the same every time, so it is
            // prepared once per connection and kept.
            let q = |s: State| reading!(matters::table, s);
            q(a).union_all(q(b))
                .union_all(q(c))
                .union_all(q(d))
                .load(pg)?
        }
        AnyConnection::Sqlite(lite) => {
            let mut found = Vec::new();
            for state in [a, b, c, d] {
                found.extend(reading!(matters::table, state).load::<Near>(lite)?);
            }
            found
        }
    };
    found.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    found.truncate(NEAR_LIMIT as usize);
    Ok(found)
}

pub fn by_id(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<Matter>> {
    matters::table
        .find(id)
        .select(Matter::as_select())
        .first(conn)
        .optional()
}

/// A matter as staff see it: the whole row, its whole history (oldest
/// first), and whether it has photos and milestones (read only then). The
/// staff's matter page is read all day. On PostgreSQL, where each query is
/// a round trip, it is one statement kept prepared, a row per event with
/// the matter's columns repeated; on SQLite, which reads in process, the
/// matter and its events are two, so that the matter's thirty columns are
/// decoded once, not once per event.
pub fn with_events(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<WithEvents>> {
    use super::schema::{milestones, photos};
    let has_photos = diesel::dsl::exists(photos::table.filter(photos::matter_id.eq(matters::id)));
    let has_milestones =
        diesel::dsl::exists(milestones::table.filter(milestones::matter_id.eq(matters::id)));
    match conn {
        AnyConnection::Sqlite(c) => {
            let head: Option<(Matter, bool, bool)> = matters::table
                .filter(matters::id.eq(id))
                .select((Matter::as_select(), has_photos, has_milestones))
                .first(c)
                .optional()?;
            let Some((matter, has_photos, has_milestones)) = head else {
                return Ok(None);
            };
            let events = events::table
                .filter(events::matter_id.eq(id))
                .order(events::id.asc())
                .select(Event::as_select())
                .load(c)?;
            Ok(Some(WithEvents {
                matter,
                events,
                has_photos,
                has_milestones,
            }))
        }
        AnyConnection::Postgresql(c) => {
            type Row = (Matter, Option<Event>, bool, bool);
            let rows: Vec<Row> = matters::table
                .left_join(events::table.on(events::matter_id.eq(matters::id)))
                .filter(matters::id.eq(id))
                .select((
                    Matter::as_select(),
                    Option::<Event>::as_select(),
                    has_photos,
                    has_milestones,
                ))
                .order(events::id.asc())
                .load(c)?;
            let mut rows = rows.into_iter();
            let Some((matter, first, has_photos, has_milestones)) = rows.next() else {
                return Ok(None);
            };
            let events = first
                .into_iter()
                .chain(rows.filter_map(|(_, e, _, _)| e))
                .collect();
            Ok(Some(WithEvents {
                matter,
                events,
                has_photos,
                has_milestones,
            }))
        }
    }
}

/// What [`with_events`] reads.
pub struct WithEvents {
    pub matter: Matter,
    pub events: Vec<Event>,
    pub has_photos: bool,
    pub has_milestones: bool,
}

/// What the public status page shows of a matter: one query, and the
/// citizen's details are not even read. Its category, unit and place are
/// named from the catalog the server keeps (no join to read them again).
#[derive(Clone, Debug, Queryable)]
pub struct Tracked {
    pub id: i64,
    pub code: String,
    pub channel: Channel,
    pub state: State,
    pub version: i32,
    pub merged_into: Option<i64>,
    pub created_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub rating: Option<Rating>,
    pub title: String,
    pub description: String,
    pub address: String,
    /// Whether a phone number came with the request (rating needs its
    /// last digits); never the number itself.
    pub has_phone: bool,
    pub category_id: i64,
    pub unit_id: Option<i64>,
    /// The community or town the request is about.
    pub place_id: Option<i64>,
}

/// How [`tracked`] finds its matter.
pub enum Find<'a> {
    Code(&'a str),
    Id(i64),
}

/// A matter's public view with its public timeline, oldest first.
#[derive(Clone, Debug)]
pub struct Timeline {
    pub matter: Tracked,
    pub events: Vec<PublicEvent>,
    /// Whether it has public photos (read apart, and only then).
    pub has_photos: bool,
}

/// A matter's public view and the timeline a citizen may see (only the
/// public events, and only what the page shows of them), in one query: a
/// status page is the most read page there is, and on PostgreSQL every
/// query is a round trip to another process. One row per public event
/// with the matter's columns repeated (a handful of rows).
pub fn tracked(conn: &mut AnyConnection, find: Find<'_>) -> QueryResult<Option<Timeline>> {
    use super::schema::photos;
    // Built by the query builder (not written as SQL text) so that the
    // statement is prepared once per connection and kept.
    let has_photos = diesel::dsl::exists(
        photos::table
            .filter(photos::matter_id.eq(matters::id))
            .filter(photos::public.eq(true)),
    );
    let query = matters::table
        .left_join(
            events::table.on(events::matter_id
                .eq(matters::id)
                .and(events::public.eq(true))),
        )
        .select((
            (
                matters::id,
                matters::code,
                matters::channel,
                matters::state,
                matters::version,
                matters::merged_into,
                matters::created_at,
                matters::due_at,
                matters::rating,
                matters::title,
                matters::description,
                matters::address,
                matters::citizen_phone.is_not_null(),
                matters::category_id,
                matters::unit_id,
                matters::place_id,
            ),
            (
                events::at,
                events::kind,
                events::note,
                events::matter_id,
                events::matter_version,
            )
                .nullable(),
            has_photos,
        ))
        .order(events::id.asc());
    type Row = (Tracked, Option<PublicEvent>, bool);
    let rows: Vec<Row> = match find {
        Find::Code(code) => {
            super::on_backend!(conn, |c| query.filter(matters::code.eq(code)).load(c))
        }
        Find::Id(id) => super::on_backend!(conn, |c| query.filter(matters::id.eq(id)).load(c)),
    }?;
    let mut rows = rows.into_iter();
    let Some((matter, first, has_photos)) = rows.next() else {
        return Ok(None);
    };
    let events = first
        .into_iter()
        .chain(rows.filter_map(|(_, e, _)| e))
        .collect();
    Ok(Some(Timeline {
        matter,
        events,
        has_photos,
    }))
}

/// One line of the public timeline.
#[derive(Clone, Debug, Queryable)]
pub struct PublicEvent {
    pub at: NaiveDateTime,
    pub kind: EventKind,
    pub note: String,
    pub matter_id: i64,
    /// The matter's version after this event (its photos carry it too).
    pub version: i32,
}

/// The figures on the home page.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublicFigures {
    pub received: i64,
    pub in_progress: i64,
    pub closed: i64,
}

pub fn public_figures(conn: &mut AnyConnection) -> QueryResult<PublicFigures> {
    let rows: Vec<(State, i64)> = matters::table
        .group_by(matters::state)
        .select((matters::state, count_star()))
        .load(conn)?;
    let mut figures = PublicFigures::default();
    for (state, n) in rows {
        figures.received += n;
        match state {
            State::Closed => figures.closed += n,
            s if s.is_open() || s == State::Resolved => figures.in_progress += n,
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
    pub state: Option<State>,
    pub channel: Option<Channel>,
    pub category_id: Option<i64>,
    pub unit_id: Option<Option<i64>>,
    pub merged_into: Option<Option<i64>>,
    pub due_at: Option<Option<NaiveDateTime>>,
    pub sign_due_at: Option<Option<NaiveDateTime>>,
    pub extension_days: Option<Option<i32>>,
    pub extension_reason: Option<Option<String>>,
    pub accepted_at: Option<NaiveDateTime>,
    pub dispatched_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub resolved_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub rating: Option<Option<Rating>>,
    pub rating_comment: Option<Option<String>>,
    pub claimed_by: Option<Option<i64>>,
    pub approved_fen: Option<Option<i64>>,
    pub spent_fen: Option<Option<i64>>,
}

/// The event a step writes.
pub struct Step<'a> {
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub kind: EventKind,
    pub from_state: Option<State>,
    pub to_state: Option<State>,
    pub note: &'a str,
    pub public: bool,
    pub at: DateTime<Utc>,
}

/// What a step writes besides the matter and its event, in the same
/// transaction.
#[derive(Debug, Default)]
pub enum Extra {
    #[default]
    Nothing,
    /// Set aside money from the fund for an approved micro-matter.
    Reserve { amount: i64 },
    /// Record a micro-matter's spending; the unspent rest goes back.
    Settle { spent: i64, released: i64 },
    /// Record a delivered volunteer service.
    Service {
        user_id: i64,
        community_id: i64,
        served_on: NaiveDate,
        minutes: i32,
        outcome: String,
    },
    /// Add (no id) or update a milestone.
    Milestone {
        id: Option<i64>,
        title: String,
        planned_on: NaiveDate,
        done_on: Option<NaiveDate>,
        progress: i32,
    },
}

/// How a step went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Written; the matter is now at this version.
    Done(i32),
    /// The matter is no longer at the expected version: nothing was written.
    Stale,
    /// A rule checked inside the transaction said no: nothing was written.
    Refused(Refusal),
}

/// A step's transaction ends early with this.
enum Abort {
    Db(diesel::result::Error),
    Stale,
    Refused(Refusal),
}

impl From<diesel::result::Error> for Abort {
    fn from(e: diesel::result::Error) -> Self {
        Abort::Db(e)
    }
}

/// Writes one step of a matter's life: the changed columns, the next
/// version, whatever the step adds (fund entries, a service record, a
/// milestone) and the event, in one transaction, only if the matter is still
/// at `expected_version`. The versioned UPDATE comes first, so on SQLite the
/// transaction takes the write lock before it reads anything.
pub fn apply(
    conn: &mut AnyConnection,
    matter_id: i64,
    expected_version: i32,
    update: &MatterUpdate,
    step: &Step<'_>,
    extra: &Extra,
) -> QueryResult<Applied> {
    let outcome = conn.transaction::<i32, Abort, _>(|conn| {
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
            return Err(Abort::Stale);
        }
        write_extra(conn, matter_id, step, extra)?;
        let version = expected_version + 1;
        diesel::insert_into(events::table)
            .values(NewEvent {
                matter_id,
                at: now,
                actor_id: step.actor_id,
                actor: step.actor,
                kind: step.kind,
                from_state: step.from_state,
                to_state: step.to_state,
                note: step.note,
                public: step.public,
                matter_version: version,
            })
            .execute(conn)?;
        Ok(version)
    });
    match outcome {
        Ok(version) => Ok(Applied::Done(version)),
        Err(Abort::Stale) => Ok(Applied::Stale),
        Err(Abort::Refused(key)) => Ok(Applied::Refused(key)),
        Err(Abort::Db(e)) => Err(e),
    }
}

fn write_extra(
    conn: &mut AnyConnection,
    matter_id: i64,
    step: &Step<'_>,
    extra: &Extra,
) -> Result<(), Abort> {
    match extra {
        Extra::Nothing => Ok(()),
        Extra::Reserve { amount } => reserve(conn, matter_id, step, *amount),
        Extra::Settle { spent, released } => settle(conn, matter_id, step, *spent, *released),
        Extra::Service {
            user_id,
            community_id,
            served_on,
            minutes,
            outcome,
        } => {
            use super::schema::service_records;
            diesel::insert_into(service_records::table)
                .values((
                    service_records::user_id.eq(user_id),
                    service_records::matter_id.eq(Some(matter_id)),
                    service_records::community_id.eq(community_id),
                    service_records::served_on.eq(served_on),
                    service_records::minutes.eq(minutes),
                    service_records::outcome.eq(outcome),
                    service_records::created_at.eq(step.at.naive_utc()),
                ))
                .execute(conn)?;
            Ok(())
        }
        Extra::Milestone {
            id,
            title,
            planned_on,
            done_on,
            progress,
        } => {
            let milestone = NewMilestone {
                matter_id,
                title,
                planned_on: *planned_on,
                done_on: *done_on,
                progress: *progress,
                created_at: step.at.naive_utc(),
            };
            write_milestone(conn, *id, &milestone)
        }
    }
}

/// Sets money aside for an approved micro-matter, if the fund covers it.
fn reserve(
    conn: &mut AnyConnection,
    matter_id: i64,
    step: &Step<'_>,
    amount: i64,
) -> Result<(), Abort> {
    use super::fund;
    use crate::domain::money::Entry;
    fund::lock(conn)?;
    if !fund::position(conn)?.can_reserve(amount) {
        return Err(Abort::Refused(Refusal::FundShort));
    }
    fund::add(
        conn,
        Entry::Reservation,
        amount,
        Some(matter_id),
        step.actor,
        step.note,
        step.at,
    )?;
    Ok(())
}

/// Records a micro-matter's spending; the unspent rest of its reservation
/// goes back into the fund.
fn settle(
    conn: &mut AnyConnection,
    matter_id: i64,
    step: &Step<'_>,
    spent: i64,
    released: i64,
) -> Result<(), Abort> {
    use super::fund;
    use crate::domain::money::Entry;
    fund::lock(conn)?;
    if spent > 0 {
        fund::add(
            conn,
            Entry::Spend,
            spent,
            Some(matter_id),
            step.actor,
            step.note,
            step.at,
        )?;
    }
    if released > 0 {
        fund::add(
            conn,
            Entry::Release,
            released,
            Some(matter_id),
            step.actor,
            "",
            step.at,
        )?;
    }
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = super::schema::milestones)]
struct NewMilestone<'a> {
    matter_id: i64,
    title: &'a str,
    planned_on: NaiveDate,
    done_on: Option<NaiveDate>,
    progress: i32,
    created_at: NaiveDateTime,
}

/// Adds a milestone (no id) or updates one of this matter's.
fn write_milestone(
    conn: &mut AnyConnection,
    id: Option<i64>,
    m: &NewMilestone<'_>,
) -> Result<(), Abort> {
    use super::schema::milestones;
    let Some(id) = id else {
        diesel::insert_into(milestones::table)
            .values(m)
            .execute(conn)?;
        return Ok(());
    };
    let n = diesel::update(
        milestones::table
            .filter(milestones::id.eq(id))
            .filter(milestones::matter_id.eq(m.matter_id)),
    )
    .set((
        milestones::title.eq(m.title),
        milestones::planned_on.eq(m.planned_on),
        milestones::done_on.eq(m.done_on),
        milestones::progress.eq(m.progress),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(Abort::Refused(Refusal::Milestone));
    }
    Ok(())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = super::schema::milestones)]
pub struct Milestone {
    pub id: i64,
    pub matter_id: i64,
    pub title: String,
    pub planned_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub progress: i32,
    pub created_at: NaiveDateTime,
}

pub fn milestones_of(conn: &mut AnyConnection, matter_id: i64) -> QueryResult<Vec<Milestone>> {
    use super::schema::milestones;
    milestones::table
        .filter(milestones::matter_id.eq(matter_id))
        .order((milestones::planned_on, milestones::id))
        .select(Milestone::as_select())
        .load(conn)
}

/// Resolved online matters that nobody rated since before `cutoff`, with
/// their versions: at most `limit` of them.
pub fn unrated_since(
    conn: &mut AnyConnection,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(i64, i32)>> {
    matters::table
        .filter(matters::state.eq(State::Resolved))
        .filter(matters::channel.eq(Channel::Online))
        .filter(matters::resolved_at.lt(cutoff.naive_utc()))
        .select((matters::id, matters::version))
        .limit(limit)
        .load(conn)
}

/// The tracking codes of some matters, by id.
pub fn codes_of(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    matters::table
        .filter(matters::id.eq_any(ids))
        .select((matters::id, matters::code))
        .load(conn)
}

/// Leader projects and department matters (not rejected or merged), each
/// with its milestones, newest first.
pub fn projects(conn: &mut AnyConnection) -> QueryResult<Vec<(Matter, Vec<Milestone>)>> {
    use super::schema::milestones;
    let list: Vec<Matter> = matters::table
        .filter(matters::channel.eq_any([Channel::Leader, Channel::Department]))
        .filter(matters::state.ne_all([State::Rejected, State::Merged]))
        .order(matters::created_at.desc())
        .limit(1000)
        .select(Matter::as_select())
        .load(conn)?;
    let ids: Vec<i64> = list.iter().map(|m| m.id).collect();
    let all: Vec<Milestone> = milestones::table
        .filter(milestones::matter_id.eq_any(&ids))
        .select(Milestone::as_select())
        .load(conn)?;
    Ok(list
        .into_iter()
        .map(|m| {
            let own = all
                .iter()
                .filter(|ms| ms.matter_id == m.id)
                .cloned()
                .collect();
            (m, own)
        })
        .collect())
}

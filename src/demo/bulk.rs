//! `shishi demo --matters N`: many generated matters for benchmarks, spread
//! over channels, states, units, categories and three years, each with a
//! timeline that leads to its state, written with multi-row INSERTs. The
//! same seed gives the same matters.

use std::collections::HashSet;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{DemoError, ONLINE_THEMES, person};
use crate::db::bulk::{self, BulkEvent, BulkMatter};
use crate::db::catalog::{self, Category, Unit};
use crate::db::schema::matters as matters_t;
use crate::db::{self, AnyConnection};
use crate::domain::{Channel, EventKind, Rating, Source, State, Transition, UnitKind, tracking};

/// What a bulk generation wrote.
pub struct BulkReport {
    pub matters: usize,
    pub events: usize,
    pub seconds: f64,
}

/// The units and categories matters are spread over.
struct Spread {
    categories: Vec<Category>,
    places: Vec<Unit>,
    departments: Vec<Unit>,
}

/// How far along its life a generated matter has come: 0 submitted … 5
/// closed, or rejected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Reached(usize),
    Rejected,
}

/// When each step of a generated matter happened.
struct Times {
    created: DateTime<Utc>,
    /// Accept, dispatch, sign, resolve, close.
    steps: [DateTime<Utc>; 5],
}

/// Opens the database for writing in bulk: a generator may trade
/// durability for speed (if it dies, it is rerun on a fresh file), so no
/// journal (each page is written once, not to the log and again into the
/// file) and a big page cache.
fn open(url: &str) -> Result<AnyConnection, DemoError> {
    use diesel::connection::SimpleConnection;
    db::migrate(&db::Backend::from_url(url))?;
    let mut conn = db::open(url)?;
    if let AnyConnection::Sqlite(_) = conn {
        conn.batch_execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;")?;
        // Leaving WAL needs the database to itself: with a server (or a
        // test's app) connected, the generator stays in WAL, just slower.
        if let Err(e) = conn.batch_execute("PRAGMA journal_mode = OFF;") {
            log::info!("generating with the write-ahead log: {e}");
        }
    }
    if let AnyConnection::Postgresql(_) = conn {
        bulk_session(&mut conn)?;
    }
    Ok(conn)
}

/// A PostgreSQL session of the generator: commits need not wait for the
/// disk (a failed run is rerun), and index builds get memory (a GIN build
/// flushes to disk each time it fills `maintenance_work_mem`).
fn bulk_session(conn: &mut AnyConnection) -> Result<(), DemoError> {
    use diesel::connection::SimpleConnection;
    conn.batch_execute("SET synchronous_commit = off; SET maintenance_work_mem = '1GB';")?;
    Ok(())
}

fn spread(conn: &mut AnyConnection) -> Result<Spread, DemoError> {
    let units = catalog::all_units(conn)?;
    let of = |kinds: &[UnitKind]| -> Vec<Unit> {
        units
            .iter()
            .filter(|u| kinds.contains(&u.kind))
            .cloned()
            .collect()
    };
    let spread = Spread {
        categories: catalog::active_categories(conn)?,
        places: of(&[UnitKind::Town, UnitKind::Community]),
        departments: of(&[UnitKind::Department]),
    };
    if spread.places.is_empty() || spread.categories.is_empty() || spread.departments.is_empty() {
        return Err(DemoError(
            "the database has no units or categories to spread matters over".into(),
        ));
    }
    Ok(spread)
}

fn fields_of(m: &BulkMatter) -> crate::domain::search::Fields<'_> {
    crate::domain::search::Fields {
        title: &m.title,
        description: &m.description,
        address: &m.address,
        code: &m.code,
        phone: m.citizen_phone.as_deref(),
    }
}

/// The generated matters were received over this span (three years).
const SPAN_MINUTES: i64 = 3 * 365 * 24 * 60;

/// Adds `n` generated matters (see the module's notes).
pub fn generate(url: &str, n: usize, prefix: &str, seed: u64) -> Result<BulkReport, DemoError> {
    let started = Instant::now();
    let mut conn = open(url)?;
    let spread = spread(&mut conn)?;
    let mut codes: HashSet<String> = matters_t::table
        .select(matters_t::code)
        .load::<String>(&mut conn)?
        .into_iter()
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = Utc::now();
    let mut next_id = bulk::next_matter_id(&mut conn)?;
    // Many rows: the indexes are built once at the end (sorting), rather than
    // grown one random insert at a time.
    let dropped = if n >= 50_000 {
        Some(bulk::drop_indexes(&mut conn)?)
    } else {
        None
    };
    // One thread makes the batches while this one writes them (the
    // database works while the next batch is made).
    let postgres = matches!(conn, AnyConnection::Postgresql(_));
    let (written, written_events) = std::thread::scope(|s| -> Result<(usize, usize), DemoError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<(Vec<BulkMatter>, Vec<BulkEvent>)>(2);
        s.spawn(move || {
            let mut made = 0;
            while made < n {
                let take = 5000.min(n - made);
                let mut batch = Vec::with_capacity(take);
                let mut evs = Vec::with_capacity(take * 6);
                for _ in 0..take {
                    let code = loop {
                        let c = tracking::generate(prefix, &mut rng);
                        if codes.insert(c.clone()) {
                            break c;
                        }
                    };
                    // Received in the order of their ids, as in life (a
                    // search's "newest first" is by id): the k-th of n is
                    // about (n - k) / n of the span old.
                    let age = ((n - (made + batch.len())) as f64 - rng.random::<f64>()) / n as f64;
                    let age_minutes = 1 + (age.max(0.0) * SPAN_MINUTES as f64) as i64;
                    let (mut matter, timeline) =
                        matter(&mut rng, &spread, next_id, code, now, age_minutes);
                    next_id += 1;
                    matter.search = crate::db::search::tokens_on(postgres, &fields_of(&matter));
                    batch.push(matter);
                    evs.extend(timeline);
                }
                made += batch.len();
                if tx.send((batch, evs)).is_err() {
                    return; // the writer stopped (an error): so do we
                }
            }
        });
        let (mut matters, mut events) = (0, 0);
        for (batch, evs) in rx {
            bulk::write(&mut conn, &batch, &evs)?;
            matters += batch.len();
            events += evs.len();
        }
        Ok((matters, events))
    })?;
    finish(&mut conn, url, dropped)?;
    Ok(BulkReport {
        matters: written,
        events: written_events,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// After the rows: the indexes built again, the sequences caught up,
/// SQLite's search index filed, PostgreSQL's statistics gathered.
fn finish(
    conn: &mut AnyConnection,
    url: &str,
    dropped: Option<Vec<String>>,
) -> Result<(), DemoError> {
    if let Some(mut indexes) = dropped {
        match conn {
            AnyConnection::Sqlite(_) => bulk::restore_indexes(conn, &indexes)?,
            // Two at a time (a GIN build uses one core), longest first:
            // the search index, then the events'.
            AnyConnection::Postgresql(_) => {
                indexes.sort_by_key(|sql| (!sql.contains("USING gin"), !sql.contains(" events ")));
                on_two(conn, url, indexes)?;
            }
        }
    }
    bulk::sync_sequences(conn)?;
    // SQLite's search index files them in large batches, here all at once.
    while crate::db::search::catch_up(conn, 250_000)? > 0 {}
    use diesel::connection::SimpleConnection;
    match conn {
        AnyConnection::Sqlite(_) => conn.batch_execute("PRAGMA journal_mode = WAL;")?,
        // Planner statistics now, not when autovacuum next looks: without
        // them the planner guesses a handful of rows where tens of
        // thousands match (issue 15's inbox at 200,000 matters: 30 ms a
        // query, 1.6 ms after ANALYZE). About 0.7 s at 100,000 matters.
        // VACUUM as well: it marks the pages all-visible, so the inbox's
        // capped counts read the index alone (index-only scans).
        AnyConnection::Postgresql(_) => on_two(
            conn,
            url,
            vec![
                "VACUUM ANALYZE events".to_owned(),
                "VACUUM ANALYZE matters".to_owned(),
                "VACUUM ANALYZE".to_owned(),
            ],
        )?,
    }
    Ok(())
}

/// Runs these statements in order on two connections at once (this one
/// and another to `url`), each taking the next when done.
fn on_two(conn: &mut AnyConnection, url: &str, statements: Vec<String>) -> Result<(), DemoError> {
    use diesel::connection::SimpleConnection;
    let queue = std::sync::Mutex::new(statements.into_iter());
    let next = || queue.lock().unwrap_or_else(|e| e.into_inner()).next();
    let work = |c: &mut AnyConnection| -> Result<(), DemoError> {
        while let Some(sql) = next() {
            c.batch_execute(&sql)?;
        }
        Ok(())
    };
    let mut other = db::open(url)?;
    bulk_session(&mut other)?;
    std::thread::scope(|s| {
        let helper = s.spawn(|| work(&mut other));
        let mine = work(conn);
        let theirs = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        mine.and(theirs)
    })
}

fn channel(rng: &mut StdRng) -> Channel {
    match rng.random::<f64>() {
        r if r < 0.85 => Channel::Online,
        r if r < 0.93 => Channel::Micro,
        r if r < 0.96 => Channel::Department,
        r if r < 0.97 => Channel::Leader,
        _ => Channel::Volunteer,
    }
}

/// Most of the last month is still under way; older matters are closed,
/// or (a few) rejected.
fn stage(rng: &mut StdRng, recent: bool) -> Stage {
    let roll: f64 = rng.random();
    if !recent {
        return if roll < 0.03 {
            Stage::Rejected
        } else {
            Stage::Reached(5)
        };
    }
    Stage::Reached(match roll {
        x if x < 0.10 => 0,
        x if x < 0.20 => 1,
        x if x < 0.35 => 2,
        x if x < 0.60 => 3,
        x if x < 0.70 => 4,
        _ => 5,
    })
}

impl Times {
    /// Steps spaced over the time there was, never past now.
    fn spaced(created: DateTime<Utc>, now: DateTime<Utc>) -> Times {
        let span = (now - created).num_minutes().max(10);
        let at = |fraction: f64| created + Duration::minutes(((span as f64) * fraction) as i64);
        Times {
            created,
            steps: [at(0.02), at(0.04), at(0.08), at(0.5), at(0.7)],
        }
    }
}

/// The events that lead a matter of `channel` to `stage`, and where they
/// leave it.
fn timeline(
    id: i64,
    channel: Channel,
    stage: Stage,
    times: &Times,
    rating: Option<Rating>,
) -> (State, Vec<BulkEvent>) {
    use State::*;
    let ev =
        |at: DateTime<Utc>, kind: EventKind, from: Option<State>, to: State, version: usize| {
            BulkEvent {
                matter_id: id,
                at: at.naive_utc(),
                actor_id: None,
                actor: if kind == EventKind::Submitted {
                    "citizen"
                } else {
                    "staff"
                },
                kind,
                from_state: from,
                to_state: Some(to),
                note: "",
                public: true,
                matter_version: i32::try_from(version).unwrap_or(1),
            }
        };
    let mut events = vec![ev(times.created, EventKind::Submitted, None, Submitted, 1)];
    let reached = match stage {
        Stage::Rejected => {
            let reject = EventKind::Took(Transition::Reject);
            events.push(ev(times.steps[0], reject, Some(Submitted), Rejected, 2));
            return (Rejected, events);
        }
        Stage::Reached(n) => n,
    };
    let (dispatch, close) = match channel {
        Channel::Leader => (Transition::Claim, Transition::Verify),
        Channel::Volunteer => (Transition::Claim, Transition::Close),
        Channel::Department => (Transition::Dispatch, Transition::Verify),
        Channel::Micro => (Transition::Dispatch, Transition::Close),
        Channel::Online => (Transition::Dispatch, Transition::RateSatisfied),
    };
    let close = rating.map_or(EventKind::Took(close), EventKind::Rated);
    let steps = [
        (EventKind::Took(Transition::Accept), Submitted, Accepted),
        (EventKind::Took(dispatch), Accepted, Assigned),
        (EventKind::Took(Transition::SignFor), Assigned, InProgress),
        (EventKind::Took(Transition::Resolve), InProgress, Resolved),
        (close, Resolved, Closed),
    ];
    let mut state = Submitted;
    for (k, (kind, from, to)) in steps.into_iter().enumerate().take(reached) {
        events.push(ev(times.steps[k], kind, Some(from), to, k + 2));
        state = to;
    }
    (state, events)
}

/// One generated matter and its timeline. The random draws come in a
/// fixed order, so a seed always gives the same matters.
fn matter(
    rng: &mut StdRng,
    s: &Spread,
    id: i64,
    code: String,
    now: DateTime<Utc>,
    age_minutes: i64,
) -> (BulkMatter, Vec<BulkEvent>) {
    let channel = channel(rng);
    let category = &s.categories[rng.random_range(0..s.categories.len())];
    let place = &s.places[rng.random_range(0..s.places.len())];
    let town = if place.kind == UnitKind::Town {
        Some(place.id)
    } else {
        place.parent_id
    };
    let unit = match channel {
        Channel::Online if rng.random_bool(0.25) => {
            s.departments[rng.random_range(0..s.departments.len())].id
        }
        Channel::Online | Channel::Department | Channel::Leader => town.unwrap_or(place.id),
        Channel::Micro | Channel::Volunteer => place.id,
    };
    let times = Times::spaced(now - Duration::minutes(age_minutes), now);
    let stage = stage(rng, age_minutes < 30 * 24 * 60);
    let rating = (channel == Channel::Online && stage == Stage::Reached(5)).then(|| {
        if rng.random_bool(0.9) {
            Rating::Satisfied
        } else {
            Rating::Basic
        }
    });
    let (state, events) = timeline(id, channel, stage, &times, rating);
    let reached = |n: usize| matches!(stage, Stage::Reached(r) if r >= n).then_some(());
    let [t_accept, t_dispatch, t_sign, t_resolve, t_close] = times.steps;
    let (theme, _) = ONLINE_THEMES[rng.random_range(0..ONLINE_THEMES.len())];
    let online = channel == Channel::Online;
    let source = match (online, online && rng.random_bool(0.7)) {
        (false, _) => Source::Staff,
        (true, true) => Source::Web,
        (true, false) => Source::Radio,
    };
    let citizen_name = online.then(|| person(rng));
    let citizen_phone = online.then(|| {
        format!(
            "13{}{:08}",
            rng.random_range(0..10),
            rng.random_range(0..100_000_000u32)
        )
    });
    let matter = BulkMatter {
        id,
        code,
        channel,
        source,
        state,
        category_id: category.id,
        title: format!("{}{}", place.name, theme),
        description: format!("{}附近{}，希望尽快处理。", place.name, theme),
        town_id: town,
        place_id: Some(place.id),
        address: String::new(),
        citizen_name,
        citizen_phone,
        unit_id: reached(2).map(|_| unit),
        version: i32::try_from(events.len()).unwrap_or(1),
        created_at: times.created.naive_utc(),
        updated_at: events.last().map_or(times.created.naive_utc(), |e| e.at),
        sign_due_at: reached(2)
            .map(|_| (t_dispatch + Duration::hours(i64::from(category.sign_hours))).naive_utc()),
        due_at: Some(
            (times.created + Duration::days(i64::from(category.resolve_days))).naive_utc(),
        ),
        accepted_at: reached(1).map(|_| t_accept.naive_utc()),
        dispatched_at: reached(2).map(|_| t_dispatch.naive_utc()),
        signed_at: reached(3).map(|_| t_sign.naive_utc()),
        resolved_at: reached(4).map(|_| t_resolve.naive_utc()),
        closed_at: reached(5).map(|_| t_close.naive_utc()),
        rating,
        search: None,
    };
    (matter, events)
}

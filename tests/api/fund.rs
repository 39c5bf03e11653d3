//! The fund never goes negative, on the real database: random interleavings
//! of allocations, reservations (approving a micro-matter), spends and
//! releases (settling one), taken through the application layer on SQLite
//! or PostgreSQL, each checked against the ledger; then approvals racing
//! on separate connections.

use diesel::Connection;
use proptest::prelude::*;
use shishi::app::plan::{self, Checked};
use shishi::app::steps::{self, StepInput};
use shishi::app::{self, Staff, accounts};
use shishi::db::{self, AnyConnection, catalog, fund};
use shishi::domain::access::{Action, Plan};
use shishi::domain::{Refusal, Transition};

use crate::helpers::{PASSWORD, fresh_database};

/// One step of a random history.
#[derive(Clone, Debug)]
enum Op {
    /// Put this many fen into the fund.
    Allocate(i64),
    /// Raise a micro-matter asking for this many fen.
    Raise(i64),
    /// Approve the k-th raised matter for this many fen.
    Approve(usize, i64),
    /// Settle the k-th: dispatch, sign, resolve having spent this percentage
    /// of what was approved (over 100: more than approved, refused).
    Settle(usize, i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (1i64..300_000).prop_map(Op::Allocate),
        3 => (1i64..300_000).prop_map(Op::Raise),
        5 => (0usize..4, 1i64..500_000).prop_map(|(k, a)| Op::Approve(k, a)),
        4 => (0usize..4, 0i64..=140).prop_map(|(k, p)| Op::Settle(k, p)),
    ]
}

/// A raised matter as the model knows it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Micro {
    Raised,
    Approved(i64),
    Settled,
}

struct World {
    url: String,
    admin: Staff,
    dispatcher: Staff,
    unit: Staff,
    checked: Checked,
}

impl World {
    fn new() -> (World, Option<tempfile::TempDir>) {
        let (url, dir) = fresh_database();
        db::migrate(&db::Backend::from_url(&url)).expect("migrate");
        let mut c = db::open(&url).expect("open");
        let staff = |c: &mut AnyConnection, name: &str, role: &str, unit: Option<&str>| {
            let id = accounts::add_user(
                c,
                &accounts::UserSpec {
                    username: name,
                    display_name: name,
                    role,
                    unit_code: unit,
                    password: PASSWORD,
                },
            )
            .expect("user");
            let units = shishi::db::catalog::all_units(c).expect("units");
            accounts::session_user(c, id, 1, &units)
                .expect("read")
                .expect("active")
        };
        let admin = staff(&mut c, "admin", "admin", None);
        let dispatcher = staff(&mut c, "dispatcher", "dispatcher", None);
        let unit = staff(&mut c, "xiabei", "unit", Some("GC-XB"));
        let lists = plan::lists(&mut c).expect("lists");
        let input = plan::PlanInput {
            title: "夏北社区加装路灯".into(),
            description: "三巷夜间无照明，居民申请加装两盏路灯。".into(),
            category: catalog::active_categories(&mut c).expect("categories")[0]
                .id
                .to_string(),
            unit: catalog::unit_by_code(&mut c, "GC-XB")
                .expect("unit")
                .expect("GC-XB")
                .id
                .to_string(),
            address: String::new(),
            amount: "1".into(),
            menu_item: String::new(),
        };
        let checked = plan::check(Plan::Micro, &dispatcher, &lists, &input).expect("valid form");
        (
            World {
                url,
                admin,
                dispatcher,
                unit,
                checked,
            },
            dir,
        )
    }

    fn conn(&self) -> AnyConnection {
        db::open(&self.url).expect("open")
    }

    fn raise(&self, c: &mut AnyConnection, amount: i64) -> i64 {
        let checked = Checked {
            amount: Some(amount),
            ..self.checked.clone()
        };
        plan::start(
            c,
            "NH",
            Plan::Micro,
            &checked,
            &self.dispatcher,
            chrono::Utc::now(),
        )
        .expect("raised")
    }

    fn approve(&self, c: &mut AnyConnection, id: i64, amount: i64) -> app::Result<i32> {
        let input = StepInput {
            amount: Some(amount),
            ..StepInput::default()
        };
        steps::take(
            c,
            &self.dispatcher,
            id,
            None,
            Action::Take(Transition::Accept),
            &input,
            chrono::Utc::now(),
        )
    }

    /// Dispatch to the community, sign for it, resolve with `spent`.
    fn settle(&self, c: &mut AnyConnection, id: i64, spent: i64) -> app::Result<i32> {
        let now = chrono::Utc::now();
        let to_unit = StepInput {
            unit: self.unit.unit_id,
            ..StepInput::default()
        };
        steps::take(
            c,
            &self.dispatcher,
            id,
            None,
            Action::Take(Transition::Dispatch),
            &to_unit,
            now,
        )?;
        steps::take(
            c,
            &self.unit,
            id,
            None,
            Action::Take(Transition::SignFor),
            &StepInput::default(),
            now,
        )?;
        let reply = StepInput {
            note: "已完工".into(),
            amount: Some(spent),
            ..StepInput::default()
        };
        steps::take(
            c,
            &self.unit,
            id,
            None,
            Action::Take(Transition::Resolve),
            &reply,
            now,
        )
    }
}

/// What the histories did, so the test knows it tried every path.
#[derive(Default, Debug)]
struct Tally {
    approved: usize,
    refused: usize,
    settled: usize,
    overspent: usize,
}

/// Runs one history against the model; returns what it found wrong.
fn run(w: &World, ops: &[Op], tally: &mut Tally) -> Result<(), TestCaseError> {
    let mut c = w.conn();
    let mut available = fund::position(&mut c).expect("position").available();
    let mut raised: Vec<(i64, Micro)> = Vec::new();
    for op in ops {
        match *op {
            Op::Allocate(a) => {
                app::fund::allocate(&mut c, &w.admin, a, "拨入", chrono::Utc::now())
                    .expect("allocated");
                available += a;
            }
            Op::Raise(a) => raised.push((w.raise(&mut c, a), Micro::Raised)),
            Op::Approve(k, a) => {
                let Some((id, Micro::Raised)) = raised.get(k).copied() else {
                    continue;
                };
                match w.approve(&mut c, id, a) {
                    Ok(_) => {
                        prop_assert!(a <= available, "approved {a} with {available} available");
                        available -= a;
                        raised[k].1 = Micro::Approved(a);
                        tally.approved += 1;
                    }
                    Err(app::Error::Refused(Refusal::FundShort)) => {
                        prop_assert!(a > available, "refused {a} with {available} available");
                        tally.refused += 1;
                    }
                    Err(e) => return Err(TestCaseError::fail(format!("approve: {e}"))),
                }
            }
            Op::Settle(k, percent) => {
                let Some((id, Micro::Approved(a))) = raised.get(k).copied() else {
                    continue;
                };
                let s = a * percent / 100 + i64::from(percent > 100);
                match w.settle(&mut c, id, s) {
                    Ok(_) => {
                        prop_assert!(s <= a);
                        available += a - s;
                        raised[k].1 = Micro::Settled;
                        tally.settled += 1;
                    }
                    Err(app::Error::Refused(Refusal::Spent)) => {
                        prop_assert!(s > a);
                        tally.overspent += 1;
                        // Dispatched and signed, not resolved: settle it in full.
                        let reply = StepInput {
                            note: "已完工".into(),
                            amount: Some(a),
                            ..StepInput::default()
                        };
                        steps::take(
                            &mut c,
                            &w.unit,
                            id,
                            None,
                            Action::Take(Transition::Resolve),
                            &reply,
                            chrono::Utc::now(),
                        )
                        .expect("resolved");
                        raised[k].1 = Micro::Settled;
                    }
                    Err(e) => return Err(TestCaseError::fail(format!("settle: {e}"))),
                }
            }
        }
        let position = fund::position(&mut c).expect("position");
        // The kept position is the ledger's sums, entry by entry.
        prop_assert_eq!(
            position,
            fund::summed(&mut c).expect("summed"),
            "after {:?}",
            op
        );
        prop_assert_eq!(position.available(), available, "after {:?}", op);
        prop_assert!(
            position.available() >= 0 && position.outstanding() >= 0,
            "{:?}",
            position
        );
        let outstanding: i64 = raised
            .iter()
            .map(|(_, m)| if let Micro::Approved(a) = m { *a } else { 0 })
            .sum();
        prop_assert!(
            position.outstanding() >= outstanding,
            "{:?} vs {outstanding}",
            position
        );
    }
    Ok(())
}

#[test]
fn the_fund_never_goes_negative_on_the_real_database() {
    let (world, _dir) = World::new();
    let config = ProptestConfig {
        cases: 40,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_202),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let tally = std::sync::Mutex::new(Tally::default());
    runner
        .run(&prop::collection::vec(op(), 1..30), |ops| {
            run(&world, &ops, &mut tally.lock().expect("tally"))
        })
        .expect("every history keeps the fund sound");
    let tally = tally.into_inner().expect("tally");
    // Every path was taken: approvals and refusals, settlements within and
    // over the approved amount.
    assert!(
        tally.approved >= 10 && tally.refused >= 5 && tally.settled >= 5 && tally.overspent >= 2,
        "{tally:?}"
    );
    let mut c = world.conn();
    let health = db::ops::check(&mut c).expect("check");
    assert!(health.sound(), "{health:?}");
}

#[test]
fn racing_approvals_never_take_more_than_there_is() {
    let (world, _dir) = World::new();
    let mut c = world.conn();
    for round in 0..4 {
        // Just enough for some of them: which ones is the race's business.
        app::fund::allocate(&mut c, &world.admin, 1_000_000, "拨入", chrono::Utc::now())
            .expect("allocated");
        let before = fund::position(&mut c).expect("position").available();
        let ids: Vec<i64> = (0..4).map(|_| world.raise(&mut c, 300_000)).collect();
        let results: Vec<app::Result<i32>> = std::thread::scope(|s| {
            let handles: Vec<_> = ids
                .iter()
                .map(|id| {
                    let world = &world;
                    s.spawn(move || world.approve(&mut world.conn(), *id, 300_000))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let approved = results.iter().filter(|r| r.is_ok()).count() as i64;
        for r in &results {
            assert!(
                matches!(r, Ok(_) | Err(app::Error::Refused(Refusal::FundShort))),
                "round {round}: {r:?}"
            );
        }
        let after = fund::position(&mut c).expect("position");
        assert_eq!(
            after,
            fund::summed(&mut c).expect("summed"),
            "round {round}"
        );
        let after = after.available();
        assert_eq!(after, before - approved * 300_000, "round {round}");
        assert!(
            (0..300_000).contains(&after),
            "round {round}: {after} left, {approved} approved"
        );
        // Spend what was approved, so the next round starts from the rest.
        for (id, r) in ids.iter().zip(&results) {
            if r.is_ok() {
                world.settle(&mut c, *id, 300_000).expect("settled");
            }
        }
        c.transaction::<_, diesel::result::Error, _>(|_| Ok(()))
            .expect("connection still sound");
    }
}

#[test]
fn the_ledger_is_kept_as_written() {
    use diesel::prelude::*;
    use shishi::db::schema::fund_ledger;
    let (world, _dir) = World::new();
    let mut c = world.conn();
    app::fund::allocate(&mut c, &world.admin, 50_000, "拨入", chrono::Utc::now())
        .expect("allocated");
    let before = fund::position(&mut c).expect("position");
    let rewritten = diesel::update(fund_ledger::table)
        .set(fund_ledger::amount_fen.eq(1))
        .execute(&mut c);
    assert!(rewritten.is_err(), "an entry cannot be changed");
    let removed = diesel::delete(fund_ledger::table).execute(&mut c);
    assert!(removed.is_err(), "nor taken out");
    assert_eq!(fund::position(&mut c).expect("position"), before);
    assert_eq!(fund::summed(&mut c).expect("summed"), before);
}

//! Group commit for SQLite.
//!
//! SQLite takes one writer at a time, and with `synchronous = FULL` every
//! commit waits for the disk. When many citizens submit at once, each
//! request used to queue for the write lock (SQLite's busy handler sleeps in
//! growing steps) and then pay its own flush. Here one thread holds one
//! connection and takes the waiting writes in batches: one `BEGIN IMMEDIATE`,
//! each write in its own savepoint (a failed one undoes only itself), one
//! `COMMIT`, one flush — and only then is each request answered. An
//! acknowledged write is as durable as before; there are just fewer flushes.
//!
//! PostgreSQL does the same by itself (its WAL writer groups commits), so
//! there every write goes straight to the pool.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::{AnyConnection, DbError, Pool};

/// How many writes one commit takes at most.
const BATCH: usize = 256;
/// Writes waiting beyond this many are refused ("busy, try again").
const QUEUE: usize = 8192;

/// A write: runs inside the batch's transaction and hands back what answers
/// its request once the commit is known (`None`: committed; `Some`: why not).
type Job = Box<dyn FnOnce(&mut AnyConnection) -> Answer + Send>;
type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

/// The queue into the writer thread.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::SyncSender<Job>,
}

impl Writer {
    /// Starts the writer thread when the pool is SQLite's; `None` otherwise.
    pub fn start(pool: &Pool) -> Option<Writer> {
        let conn = pool.get().ok()?;
        if !matches!(*conn, AnyConnection::Sqlite(_)) {
            return None;
        }
        drop(conn);
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let pool = pool.clone();
        std::thread::Builder::new()
            .name("shishi-writer".into())
            .spawn(move || run(&pool, &queue))
            .ok()?;
        Some(Writer { jobs })
    }

    /// Runs `work` in the next batch and answers once that batch is on disk.
    pub async fn write<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let done = in_savepoint(conn, work);
            Box::new(move |failed: Option<&str>| {
                let answer = match (done, failed) {
                    (Ok(value), None) => Ok(value),
                    (Ok(_), Some(why)) => Err(DbError::Writer(why.to_owned())),
                    (Err(e), _) => Err(e),
                };
                let _ = reply.send(answer);
            })
        });
        self.jobs.try_send(job).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => DbError::Writer("too many writes waiting".into()),
            mpsc::TrySendError::Disconnected(_) => DbError::Writer("the writer has stopped".into()),
        })?;
        answer
            .await
            .map_err(|_| DbError::Writer("the write was abandoned".into()))?
    }
}

/// Runs one write in a savepoint of its own: a failure (or a panic) undoes
/// only that write, and the batch and the thread carry on. The savepoint
/// statements are prepared once and kept (Diesel's own nested transactions
/// parse theirs anew each time).
fn in_savepoint<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, DbError>,
) -> Result<T, DbError> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SAVEPOINT shishi_write").execute(conn)?;
    let done = catch_unwind(AssertUnwindSafe(|| work(conn)))
        .unwrap_or_else(|_| Err(DbError::Writer("a write failed unexpectedly".into())));
    if done.is_err() {
        diesel::sql_query("ROLLBACK TO shishi_write").execute(conn)?;
    }
    diesel::sql_query("RELEASE shishi_write").execute(conn)?;
    done
}

fn run(pool: &Pool, queue: &mpsc::Receiver<Job>) {
    let mut conn = None;
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if conn.is_none() {
            conn = connect(pool);
        }
        let Some(c) = conn.as_mut() else {
            drop(batch); // each request hears "abandoned"
            continue;
        };
        if !commit_batch(c, batch) {
            // A transaction left in a state Diesel cannot recover: the pool
            // closes the connection (`has_broken`), the next batch opens another.
            conn = None;
        }
    }
}

/// Runs one batch in one transaction and answers every write in it. Returns
/// whether the connection can be used again.
fn commit_batch(conn: &mut AnyConnection, batch: Vec<Job>) -> bool {
    let begun = match conn {
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgresql(_) => return false,
    };
    if let Err(e) = begun {
        log::error!("cannot begin a batch of writes: {e}");
        drop(batch); // each request hears "abandoned"
        return !broken(conn);
    }
    let answers: Vec<Answer> = batch.into_iter().map(|job| job(conn)).collect();
    let failed = <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn)
        .err()
        .map(|e| e.to_string());
    if let Some(why) = &failed {
        log::error!(
            "a batch of {} writes was not committed: {why}",
            answers.len()
        );
        let _ = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn);
    }
    for answer in answers {
        answer(failed.as_deref());
    }
    !broken(conn)
}

fn broken(conn: &mut AnyConnection) -> bool {
    <AnyConnection as TransactionManager<AnyConnection>>::is_broken_transaction_manager(conn)
}

/// The writer's connection. It keeps SQLite's automatic checkpoints: they
/// run right after a commit, between batches, when no write is open, so they
/// can finish and let the next batch start the log from its beginning. (A
/// checkpointer on another thread, tried for speed, never caught up under
/// steady writes, and the log grew past a gigabyte in ten seconds.)
fn connect(pool: &Pool) -> Option<super::Conn> {
    match pool.get() {
        Ok(c) => Some(c),
        Err(e) => {
            log::error!("the writer has no connection: {e}");
            std::thread::sleep(Duration::from_millis(100));
            None
        }
    }
}

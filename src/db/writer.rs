//! Group commit for SQLite.
//!
//! SQLite takes one writer at a time, and with `synchronous = FULL` every
//! commit waits for the disk. When many citizens submit at once, each
//! request used to queue for the write lock (SQLite's busy handler sleeps in
//! growing steps) and then pay its own flush. Here one thread holds one
//! connection and takes the waiting writes in batches: one `BEGIN IMMEDIATE`,
//! the writes, one `COMMIT`, one flush — and only then is each request
//! answered. An acknowledged write is as durable as before; there are just
//! fewer flushes.
//!
//! A write that fails must undo only itself. Savepoints around each write
//! would do that, but they make SQLite copy every page the batch has already
//! touched once more for each write (a tenth of the writer's time). So a
//! batch first runs without them; in the rare batch where a write fails, the
//! whole transaction is rolled back and the batch runs again, each write in
//! its own savepoint. That is why a write must be able to run twice
//! (`Fn`, not `FnOnce`): the first run's effects are gone when the second
//! starts.
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

/// A write waiting in the queue: it can run (more than once, see the module
/// notes), and it answers its request once the commit is known.
trait Job: Send {
    /// Runs the write inside the batch's transaction; `false` if it failed.
    fn run(&mut self, conn: &mut AnyConnection) -> bool;
    /// Answers the request: `failed` says why the commit itself failed.
    fn answer(self: Box<Self>, failed: Option<&str>);
}

struct Pending<T, E, F> {
    work: F,
    done: Option<Result<T, E>>,
    reply: tokio::sync::oneshot::Sender<Result<T, E>>,
}

impl<T, E, F> Job for Pending<T, E, F>
where
    F: Fn(&mut AnyConnection) -> Result<T, E> + Send,
    T: Send,
    E: From<DbError> + Send,
{
    fn run(&mut self, conn: &mut AnyConnection) -> bool {
        let done = catch_unwind(AssertUnwindSafe(|| (self.work)(conn)))
            .unwrap_or_else(|_| Err(DbError::Writer("a write failed unexpectedly".into()).into()));
        let ok = done.is_ok();
        self.done = Some(done);
        ok
    }

    fn answer(self: Box<Self>, failed: Option<&str>) {
        let answer = match (self.done, failed) {
            (Some(Ok(value)), None) => Ok(value),
            (Some(Err(e)), _) => Err(e),
            (_, Some(why)) => Err(DbError::Writer(why.to_owned()).into()),
            (None, None) => Err(DbError::Writer("the write did not run".into()).into()),
        };
        let _ = self.reply.send(answer);
    }
}

/// The queue into the writer thread.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::SyncSender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer thread when the pool is SQLite's; `None` otherwise.
    pub fn start(pool: &Pool) -> Option<Writer> {
        let conn = pool.get().ok()?;
        if !matches!(*conn, AnyConnection::Sqlite(_)) {
            return None;
        }
        drop(conn);
        let (jobs, queue) = mpsc::sync_channel::<Box<dyn Job>>(QUEUE);
        let pool = pool.clone();
        std::thread::Builder::new()
            .name("shishi-writer".into())
            .spawn(move || run(&pool, &queue))
            .ok()?;
        Some(Writer { jobs })
    }

    /// Runs `work` in the next batch and answers once that batch is on disk.
    /// `work` may run twice; only the last run's effects are kept.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: Fn(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = Box::new(Pending {
            work,
            done: None,
            reply,
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

/// How often the writer files new matters into the search index (see
/// `db::search::catch_up`), and how many at most at a time. Filing holds
/// the writer, so every submission waiting meanwhile waits for it: a slice
/// of 250 with its merge work takes 4–12 ms. (Filing 20,000 at a time
/// every 250 ms took 25–65 ms under a stream of submissions, ~2,500 new
/// matters each time at 10,000 a second, and was the submissions' p99 on
/// SQLite.) A writer that has fallen behind files its next slice after the
/// next batch of writes, so the two take turns until it has caught up.
const FILE_EVERY: Duration = Duration::from_millis(250);
const FILE_AT_MOST: i64 = 250;

fn run(pool: &Pool, queue: &mpsc::Receiver<Box<dyn Job>>) {
    let mut conn = None;
    let mut filed = std::time::Instant::now();
    let mut behind = false;
    loop {
        let wait = if behind {
            Duration::ZERO
        } else {
            FILE_EVERY.saturating_sub(filed.elapsed())
        };
        let first = match queue.recv_timeout(wait) {
            Ok(job) => Some(job),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if behind || filed.elapsed() >= FILE_EVERY {
            filed = std::time::Instant::now();
            if conn.is_none() {
                conn = connect(pool);
            }
            behind = match conn
                .as_mut()
                .map(|c| super::search::catch_up(c, FILE_AT_MOST))
            {
                Some(Ok(n)) => n as i64 >= FILE_AT_MOST,
                Some(Err(e)) => {
                    log::error!("filing new matters for search: {e}");
                    false
                }
                None => false,
            };
        }
        let Some(first) = first else { continue };
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
fn commit_batch(conn: &mut AnyConnection, mut batch: Vec<Box<dyn Job>>) -> bool {
    metrics::histogram!("shishi_writer_batch_size").record(batch.len() as f64);
    let started = std::time::Instant::now();
    if !begin(conn) {
        drop(batch); // each request hears "abandoned"
        return !broken(conn);
    }
    let all_ran = batch.iter_mut().all(|job| job.run(conn));
    if !all_ran {
        // Undo the batch and run it again, each write in a savepoint.
        let _ = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn);
        if !begin(conn) {
            drop(batch);
            return !broken(conn);
        }
        for job in &mut batch {
            if let Err(e) = in_savepoint(conn, job.as_mut()) {
                // The savepoint itself failed: the transaction is not sound.
                log::error!("a write's savepoint failed: {e}");
                let _ = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(
                    conn,
                );
                for job in batch {
                    job.answer(Some("the write could not be isolated"));
                }
                return !broken(conn);
            }
        }
    }
    let committing = std::time::Instant::now();
    let failed = <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn)
        .err()
        .map(|e| e.to_string());
    // The commit (with its flush to disk), and the whole batch.
    metrics::histogram!("shishi_writer_commit_seconds").record(committing.elapsed().as_secs_f64());
    metrics::histogram!("shishi_writer_batch_seconds").record(started.elapsed().as_secs_f64());
    if let Some(why) = &failed {
        log::error!("a batch of {} writes was not committed: {why}", batch.len());
        let _ = <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn);
    }
    for job in batch {
        job.answer(failed.as_deref());
    }
    !broken(conn)
}

fn begin(conn: &mut AnyConnection) -> bool {
    let begun = match conn {
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgresql(_) => return false,
    };
    if let Err(e) = &begun {
        log::error!("cannot begin a batch of writes: {e}");
    }
    begun.is_ok()
}

/// Runs one write in a savepoint of its own: a failure undoes only that
/// write. Err only when the savepoint statements themselves fail.
fn in_savepoint(conn: &mut AnyConnection, job: &mut dyn Job) -> Result<(), DbError> {
    use diesel::RunQueryDsl;
    diesel::sql_query("SAVEPOINT shishi_write").execute(conn)?;
    if !job.run(conn) {
        diesel::sql_query("ROLLBACK TO shishi_write").execute(conn)?;
    }
    diesel::sql_query("RELEASE shishi_write").execute(conn)?;
    Ok(())
}

fn broken(conn: &mut AnyConnection) -> bool {
    <AnyConnection as TransactionManager<AnyConnection>>::is_broken_transaction_manager(conn)
}

/// The writer's connection. `temp_store` keeps its statement journals in
/// memory: in a file they cost more than the writes themselves. It keeps
/// SQLite's automatic checkpoints every 1,000 pages: they run right after a
/// commit, between batches, when no write is open, so they can finish and
/// let the next batch start the log from its beginning. (A checkpointer on
/// another thread, tried for speed, never caught up under steady writes, and
/// the log grew past a gigabyte in ten seconds. Checkpoints every 10,000
/// pages helped at 10,000 matters but at 1,000,000 each took long enough to
/// hold submissions up to a p99 of 116 ms, and the readers after them found
/// 40 MB of log to search.)
fn connect(pool: &Pool) -> Option<super::Conn> {
    use diesel::connection::SimpleConnection;
    let opened = pool.get().map_err(|e| e.to_string()).and_then(|mut c| {
        c.batch_execute("PRAGMA temp_store = MEMORY")
            .map_err(|e| e.to_string())?;
        Ok(c)
    });
    match opened {
        Ok(c) => Some(c),
        Err(e) => {
            log::error!("the writer has no connection: {e}");
            std::thread::sleep(Duration::from_millis(100));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::RunQueryDsl;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        x: i64,
    }

    /// Writes that fail after writing something leave nothing behind, and
    /// every other write of their batch is kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_write_undoes_only_itself() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("w.db");
        let pool = crate::db::connect(path.to_str().expect("path"), Some(4)).expect("pool");
        diesel::sql_query("CREATE TABLE t (x BIGINT NOT NULL)")
            .execute(&mut pool.get().expect("conn"))
            .expect("table");
        let writer = Writer::start(&pool).expect("SQLite has a writer");
        let runs = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for i in 0..300_i64 {
            let writer = writer.clone();
            let runs = runs.clone();
            tasks.push(tokio::spawn(async move {
                writer
                    .write(move |c| -> Result<i64, DbError> {
                        runs.fetch_add(1, Ordering::SeqCst);
                        diesel::sql_query(format!("INSERT INTO t VALUES ({i})")).execute(c)?;
                        if i % 7 == 0 {
                            return Err(DbError::Writer(format!("{i} fails")));
                        }
                        Ok(i)
                    })
                    .await
            }));
        }
        for (i, task) in tasks.into_iter().enumerate() {
            let answer = task.await.expect("task");
            assert_eq!(answer.is_err(), i % 7 == 0, "write {i}: {answer:?}");
        }
        let rows: Vec<Row> = diesel::sql_query("SELECT x FROM t ORDER BY x")
            .load(&mut pool.get().expect("conn"))
            .expect("rows");
        let kept: Vec<i64> = rows.into_iter().map(|r| r.x).collect();
        let expected: Vec<i64> = (0..300).filter(|i| i % 7 != 0).collect();
        assert_eq!(kept, expected);
        // The batches with a failure ran a second time, in savepoints.
        assert!(runs.load(Ordering::SeqCst) > 300);
    }
}

//! Storage: one connection type over SQLite and PostgreSQL, the pool, the
//! embedded migrations, and one file per table group with its queries.
//!
//! The backend is picked from the database URL at run time. Query code is
//! written once against [`AnyConnection`]; it matches on the variant only
//! where the SQL really differs.

pub mod api_keys;
pub mod bulk;
pub mod catalog;
pub mod failures;
pub mod fund;
pub mod inbox;
pub mod literal;
pub mod matters;
pub mod measures;
pub mod online;
pub mod ops;
pub mod outbox;
pub mod photos;
pub mod schema;
pub mod search;
pub mod settings;
pub mod types;
pub mod users;
pub mod volunteers;
pub mod writer;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to either backend.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs one Diesel query on the concrete connection of either backend. Through
/// `AnyConnection` a query's SQL text is built on every execution to find its
/// prepared statement; on the concrete connection a query without boxed parts
/// is found by its type. Worth it on the hottest paths (the status page).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// Runs `work` atomically: in a transaction (or savepoint) of its own, or on
/// SQLite as part of the transaction already open on `conn`, whose owner rolls
/// back on the error this returns. That saves a savepoint per write inside the
/// SQLite writer's batches, where every write already has one. (SQLite undoes
/// just the failed statement, so a caller may try again after a unique-key
/// clash; PostgreSQL aborts the whole transaction, so there it always gets a
/// savepoint.)
pub fn atomic<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    atomic_or(conn, work)
}

/// Runs `work` in the transaction already open on `conn` (on either
/// backend, with no savepoint), or in one of its own. For work that leaves
/// nothing to undo when it fails, because its owner's transaction is rolled
/// back on the error: an expected clash must not be an error (`ON CONFLICT
/// DO NOTHING`), for on PostgreSQL an error aborts the whole transaction.
pub fn joined<T>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> diesel::QueryResult<T>,
) -> diesel::QueryResult<T> {
    if in_transaction(conn) {
        work(conn)
    } else {
        conn.transaction(work)
    }
}

/// Whether a transaction is open on `conn`.
fn in_transaction(conn: &mut AnyConnection) -> bool {
    use diesel::connection::TransactionManager;
    matches!(
        AnyConnection::transaction_manager_status_mut(conn).transaction_depth(),
        Ok(Some(_))
    )
}

/// [`atomic`] for work that may fail with an error of its own.
pub fn atomic_or<T, E: From<diesel::result::Error>>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E> {
    if matches!(conn, AnyConnection::Sqlite(_)) && in_transaction(conn) {
        work(conn)
    } else {
        conn.transaction(work)
    }
}

/// Runs several reads that should agree with each other (a matter and its
/// timeline). On SQLite they share one transaction, so one snapshot. On
/// PostgreSQL a transaction at its default isolation (read committed)
/// gives each statement a snapshot of its own anyway, so BEGIN and COMMIT
/// would be two more round trips for nothing: the reads run as they are.
pub fn reads<T, E: From<diesel::result::Error>>(
    conn: &mut AnyConnection,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E> {
    match conn {
        AnyConnection::Sqlite(_) => conn.transaction(work),
        AnyConnection::Postgresql(_) => work(conn),
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type Conn = r2d2::PooledConnection<Manager>;

/// Which database a URL names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres(String),
    /// A file path (or `:memory:`).
    Sqlite(String),
}

impl Backend {
    /// `postgres://` and `postgresql://` select PostgreSQL; anything else
    /// (a path, `sqlite://path`, `sqlite:path`) is a SQLite file.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(url.to_owned())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Backend::Sqlite(path.to_owned())
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres(_) => "postgresql",
            Backend::Sqlite(_) => "sqlite",
        }
    }
}

/// What went wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot connect to the database: {0}")]
    Connect(#[from] diesel::ConnectionError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot migrate the database: {0}")]
    Migrate(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    /// The SQLite writer could not take or commit a write.
    #[error("write not committed: {0}")]
    Writer(String),
    /// Five fresh tracking codes in a row were taken (never seen: 40 random bits).
    #[error("no free tracking code: {0}")]
    NoFreeCode(String),
    /// A SQLite-only operation was asked of PostgreSQL.
    #[error("{0} works only on SQLite")]
    SqliteOnly(&'static str),
    /// The stored data breaks something the code relies on.
    #[error("the stored data is inconsistent: {0}")]
    Inconsistent(String),
}

/// Opens connections of one backend; SQLite connections get their pragmas.
#[derive(Clone, Debug)]
pub struct Manager {
    backend: Backend,
}

impl Manager {
    pub fn new(backend: Backend) -> Manager {
        Manager { backend }
    }

    fn open(&self) -> Result<AnyConnection, DbError> {
        match &self.backend {
            Backend::Postgres(url) => Ok(AnyConnection::Postgresql(
                PgConnection::establish(url).map_err(DbError::Connect)?,
            )),
            Backend::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path).map_err(DbError::Connect)?;
                // WAL lets readers run beside the one writer; busy_timeout makes
                // a second writer wait instead of failing with "database is
                // locked"; synchronous=FULL makes every acknowledged commit
                // survive a crash of the process and of the machine. (The
                // writer's own connection adds two settings: `db::writer`.)
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = FULL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA journal_size_limit = 67108864;",
                )?;
                // The search index's triggers call it (see `search`).
                search::register(&mut conn)?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        self.open().map_err(|e| match e {
            DbError::Connect(e) => r2d2::Error::ConnectionError(e),
            DbError::Query(e) => r2d2::Error::QueryError(e),
            other => r2d2::Error::ConnectionError(diesel::ConnectionError::BadConnection(
                other.to_string(),
            )),
        })
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    /// A connection handed back in the middle of a transaction (a panic, a
    /// failed rollback) is closed rather than lent out again.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        use diesel::connection::TransactionManager;
        std::thread::panicking()
            || AnyConnection::is_broken_transaction_manager(conn)
            || !matches!(
                AnyConnection::transaction_manager_status_mut(conn).transaction_depth(),
                Ok(None)
            )
    }
}

/// One connection outside the pool (command-line tools and tests).
pub fn open(url: &str) -> Result<AnyConnection, DbError> {
    Manager::new(Backend::from_url(url)).open()
}

/// Runs the pending migrations of the URL's backend on one connection.
pub fn migrate(backend: &Backend) -> Result<usize, DbError> {
    let mut conn = Manager::new(backend.clone()).open()?;
    let applied = match &mut conn {
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| DbError::Migrate(e.to_string()))?;
    Ok(applied.len())
}

/// Connections a pool keeps unless told otherwise. SQLite reads in this
/// process, so its connections are only how many may read at once: 16.
/// PostgreSQL's are server processes, and more of them busy than the server
/// has cores only wait there, descheduled mid-statement: twice the cores
/// (of this machine, where the benchmark and a small district run both),
/// at least 4. On 2 cores its p99s at 1,000,000 matters were 2–10 times
/// longer with 16 than with 4 (docs/PERFORMANCE.md, "The pool").
pub fn default_pool_size(backend: &Backend) -> u32 {
    match backend {
        Backend::Sqlite(_) => 16,
        Backend::Postgres(_) => {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            u32::try_from(cores * 2).unwrap_or(u32::MAX).max(4)
        }
    }
}

/// Migrates, then builds the pool (of `max_size` connections, or
/// [`default_pool_size`]).
pub fn connect(url: &str, max_size: Option<u32>) -> Result<Pool, DbError> {
    let backend = Backend::from_url(url);
    migrate(&backend)?;
    let max_size = max_size.unwrap_or_else(|| default_pool_size(&backend));
    r2d2::Pool::builder()
        .max_size(max_size)
        // A broken connection shows itself as a query error; testing each
        // one on checkout would cost a round trip on every request.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .build(Manager::new(backend))
        .map_err(DbError::Pool)
}

/// `SELECT 1`: the database answers.
pub fn ping(conn: &mut AnyConnection) -> Result<(), DbError> {
    conn.batch_execute("SELECT 1").map_err(DbError::Query)
}

/// Whether the database lacks migrations this build has (a server started
/// against a database that an older `shishi migrate` left behind, or one
/// rolled back under it).
pub fn migrations_pending(conn: &mut AnyConnection) -> Result<bool, DbError> {
    match conn {
        AnyConnection::Postgresql(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
        AnyConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
    }
    .map_err(|e| DbError::Migrate(e.to_string()))
}

/// Rolls back the newest migration (tests of readiness).
pub fn revert_last_migration(url: &str) -> Result<(), DbError> {
    let mut conn = open(url)?;
    match &mut conn {
        AnyConnection::Postgresql(c) => c.revert_last_migration(POSTGRES_MIGRATIONS).map(drop),
        AnyConnection::Sqlite(c) => c.revert_last_migration(SQLITE_MIGRATIONS).map(drop),
    }
    .map_err(|e| DbError::Migrate(e.to_string()))
}

/// Runs `f` in one transaction that, on SQLite, takes the write lock before
/// anything is read (`BEGIN IMMEDIATE`): a transaction that reads first
/// and writes after fails at once on SQLite when another connection writes
/// in between, where this one waits its turn. For use cases that take more
/// than one step together.
pub fn write_transaction<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    let AnyConnection::Sqlite(inner) = conn else {
        return conn.transaction(f);
    };
    AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(done) => {
            <AnyConnection as TransactionManager<AnyConnection>>::commit_transaction(conn)?;
            Ok(done)
        }
        Err(e) => {
            <AnyConnection as TransactionManager<AnyConnection>>::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_picks_the_backend() {
        assert_eq!(
            Backend::from_url("postgres://u@h/db"),
            Backend::Postgres("postgres://u@h/db".into())
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db"),
            Backend::Postgres("postgresql://h/db".into())
        );
        assert_eq!(
            Backend::from_url("shishi.db"),
            Backend::Sqlite("shishi.db".into())
        );
        assert_eq!(
            Backend::from_url("sqlite:///var/lib/s.db"),
            Backend::Sqlite("/var/lib/s.db".into())
        );
        assert_eq!(
            Backend::from_url("sqlite:data/s.db"),
            Backend::Sqlite("data/s.db".into())
        );
    }
}

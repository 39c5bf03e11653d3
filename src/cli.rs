//! The command line: `serve` and `migrate`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::db::{self, DbError};
use crate::demo::DemoError;
use crate::startup::StartError;

/// Why a command failed; `main` prints it and exits with status 1.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("the demo was not loaded: {0}")]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Account(#[from] crate::app::accounts::AccountError),
    #[error(transparent)]
    App(#[from] crate::app::Error),
    #[error("cannot read the password from standard input: {0}")]
    Stdin(std::io::Error),
    #[error("{0} exists already; give a new file")]
    BackupExists(String),
    #[error("no user named {0}")]
    NoSuchUser(String),
    #[error("the database breaks an invariant (see above)")]
    Unsound,
    #[error("the server stopped with an error: {0}")]
    Serve(std::io::Error),
    #[error("messages cannot be sent: {0}")]
    Notify(String),
    #[error("not an e-mail address: {0}")]
    Email(String),
}

#[derive(Parser, Debug)]
#[command(
    name = "shishi",
    version,
    about = "Shishi (实事): livelihood requests, tracked from submission to closure"
)]
pub struct Cli {
    /// Database: a SQLite file path, or a postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "shishi.db", global = true)]
    pub database_url: String,

    /// Log lines as text (for people) or JSON (for log shippers).
    #[arg(
        long,
        env = "SHISHI_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

/// How log lines are written.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database, then serve.
    Serve(ServeArgs),
    /// Run the pending database migrations and exit.
    Migrate,
    /// Staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Check the database's invariants (states, versions, the fund); exits 1
    /// if one does not hold.
    Check,
    /// Copy a live SQLite database to FILE as one consistent snapshot.
    Backup {
        /// Where the copy goes; it must not exist yet.
        file: String,
    },
    /// Remove citizens' personal data from matters that ended more than
    /// DAYS days ago; every figure and timeline stays.
    Anonymize {
        /// DAYS: the retention the privacy notice states (the server's
        /// SHISHI_RETENTION_DAYS), three years by default.
        #[arg(long, env = "SHISHI_RETENTION_DAYS", default_value_t = crate::config::RETENTION_DAYS)]
        older_than: u32,
    },
    /// Load the demo district and a year of its history into an empty database.
    Demo {
        /// Then add this many generated matters over three years (for benchmarks).
        #[arg(long)]
        matters: Option<usize>,
        /// Seed of the generated matters.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input.
    Add {
        /// Login name.
        name: String,
        /// admin, dispatcher, leader, unit or volunteer.
        #[arg(long)]
        role: String,
        /// Code of the user's unit (required for unit staff), e.g. GC or ZJ.
        #[arg(long)]
        unit: Option<String>,
        /// Name shown to colleagues (default: the login name).
        #[arg(long)]
        display_name: Option<String>,
        /// E-mail address for the matters dispatched to the user's unit
        /// and the daily digest of deadlines (optional).
        #[arg(long)]
        email: Option<String>,
    },
    /// List accounts.
    List,
    /// Disable an account and end its sessions.
    Disable { name: String },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SHISHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Cookie key (at least 64 bytes, or base64 of them). Default: made once and kept in the database.
    #[arg(long, env = "SHISHI_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<secrecy::SecretString>,
    /// Address citizens reach the service on (for QR codes), e.g. https://shishi.example.gov.cn
    #[arg(long, env = "SHISHI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mark cookies Secure (when served over HTTPS).
    #[arg(long, env = "SHISHI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Reverse proxies (addresses or networks, comma-separated) whose
    /// Forwarded / X-Forwarded-For headers name the client, e.g. 127.0.0.1.
    #[arg(long, env = "SHISHI_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::config::proxy)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Submissions one address may make at once.
    #[arg(long, env = "SHISHI_SUBMIT_BURST", default_value_t = 5)]
    pub submit_burst: u32,
    /// Submissions one address may make per hour after its burst.
    #[arg(long, env = "SHISHI_SUBMIT_PER_HOUR", default_value_t = 20)]
    pub submit_per_hour: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SHISHI_WORKERS")]
    pub workers: Option<usize>,
    /// Days a resolved online request waits for the citizen's rating before it closes itself.
    #[arg(long, env = "SHISHI_RATING_DAYS", default_value_t = 7)]
    pub rating_days: i64,
    /// Seconds the dashboard's figures are reused before being counted again.
    #[arg(long, env = "SHISHI_MEASURES_TTL", default_value_t = 60)]
    pub measures_ttl: u64,
    /// Milliseconds a statement of an inbox text search may run on
    /// PostgreSQL before the search is given up.
    #[arg(long, env = "SHISHI_SEARCH_TIMEOUT_MS", default_value_t = 2000)]
    pub search_timeout_ms: u64,
    /// Most database connections this instance keeps open (default: 16 on
    /// SQLite; on PostgreSQL twice this machine's cores, at least 4). On
    /// PostgreSQL about twice the database server's cores divided by the
    /// instances (docs/PERFORMANCE.md); more only wait inside PostgreSQL.
    #[arg(long, env = "SHISHI_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// Open311 jurisdiction_id this server answers for (optional).
    #[arg(long, env = "SHISHI_JURISDICTION_ID")]
    pub jurisdiction_id: Option<String>,
    /// Days after a matter ends before `shishi anonymize` removes the
    /// citizen's personal data, as the privacy notice at /privacy states.
    #[arg(long, env = "SHISHI_RETENTION_DAYS", default_value_t = crate::config::RETENTION_DAYS)]
    pub retention_days: u32,
    /// Whom citizens ask about their data, shown on /privacy (default: the
    /// 12345 hotline), e.g. "区政务服务数据管理局，电话 0757-86338888".
    #[arg(long, env = "SHISHI_PRIVACY_CONTACT")]
    pub privacy_contact: Option<String>,
    /// Serve Prometheus metrics at /metrics on this address (e.g.
    /// 127.0.0.1:9090); never on the public one. Off when not given.
    #[arg(long, env = "SHISHI_METRICS_BIND")]
    pub metrics_bind: Option<String>,
    /// Send e-mail through this server: smtp://host:25,
    /// smtp://host:587?tls=required, smtps://user:password@host. Off when
    /// not given (the forms then ask for no e-mail address).
    #[arg(long, env = "SHISHI_SMTP_URL")]
    pub smtp_url: Option<secrecy::SecretString>,
    /// The sender of e-mail.
    #[arg(
        long,
        env = "SHISHI_MAIL_FROM",
        default_value = "Shishi <noreply@localhost>"
    )]
    pub mail_from: String,
    /// Post text messages as JSON to this URL (the SMS gateway's adapter),
    /// signed with HMAC-SHA256 in X-Shishi-Signature. Off when not given.
    #[arg(long, env = "SHISHI_NOTIFY_WEBHOOK")]
    pub notify_webhook: Option<String>,
    /// The webhook's signing key (required with --notify-webhook).
    #[arg(long, env = "SHISHI_NOTIFY_SECRET")]
    pub notify_secret: Option<secrecy::SecretString>,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut logger =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"));
    if cli.log_format == LogFormat::Json {
        logger.format(json_line);
    }
    logger.init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("shishi: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Migrate => {
            let backend = db::Backend::from_url(&cli.database_url);
            let applied = db::migrate(&backend)?;
            println!("{}: {applied} migration(s) applied", backend.name());
            Ok(())
        }
        Command::User(command) => user(&cli.database_url, command),
        Command::Check => {
            let mut conn = db::open(&cli.database_url)?;
            let h = db::ops::check(&mut conn)?;
            println!("matters: {}", h.matters);
            println!("events: {}", h.events);
            println!("state mismatches: {}", h.state_mismatches);
            println!("version mismatches: {}", h.version_mismatches);
            println!("fund allocated fen: {}", h.fund.allocated);
            println!("fund available fen: {}", h.fund.available());
            println!("fund outstanding fen: {}", h.fund.outstanding());
            if h.sound() {
                println!("sound");
                Ok(())
            } else {
                Err(Error::Unsound)
            }
        }
        Command::Backup { file } => {
            if std::path::Path::new(&file).exists() {
                return Err(Error::BackupExists(file));
            }
            let mut conn = db::open(&cli.database_url)?;
            db::ops::backup(&mut conn, &file)?;
            println!("copied to {file}");
            Ok(())
        }
        Command::Anonymize { older_than } => {
            let mut conn = db::open(&cli.database_url)?;
            let (n, photos) = db::ops::anonymize(&mut conn, older_than, chrono::Utc::now())?;
            println!("{n} matter(s) anonymized, {photos} citizen photo(s) removed");
            Ok(())
        }
        Command::Demo {
            matters: Some(n),
            seed,
        } => {
            // The district first, when the database is new; then the bulk.
            db::migrate(&db::Backend::from_url(&cli.database_url))?;
            let mut conn = db::open(&cli.database_url)?;
            let empty = crate::demo::count_matters(&mut conn).map_err(DbError::from)? == 0;
            drop(conn);
            if empty {
                let report = crate::demo::load(&cli.database_url, "NH")?;
                print_accounts(report);
            }
            let bulk = crate::demo::generate(&cli.database_url, n, "NH", seed)?;
            println!(
                "generated {} matters and {} events in {:.1} s",
                bulk.matters, bulk.events, bulk.seconds
            );
            Ok(())
        }
        Command::Demo { matters: None, .. } => {
            let report = crate::demo::load(&cli.database_url, "NH")?;
            print_accounts(report);
            Ok(())
        }
        Command::Serve(args) => {
            let mut settings = Settings::new(cli.database_url);
            settings.bind = args.bind;
            settings.secret_key = args.secret_key;
            settings.public_url = args.public_url;
            settings.secure_cookies = args.secure_cookies;
            settings.trusted_proxies = args.trusted_proxies;
            settings.submit_burst = args.submit_burst;
            settings.submit_per_hour = args.submit_per_hour;
            settings.workers = args.workers;
            settings.rating_days = args.rating_days.clamp(1, 365);
            settings.jurisdiction_id = args.jurisdiction_id;
            settings.measures_ttl_secs = args.measures_ttl;
            settings.search_timeout_ms = args.search_timeout_ms.max(1);
            settings.pool_size = args.pool_size.map(|n| n.clamp(2, 1000));
            settings.metrics_bind = args.metrics_bind;
            settings.retention_days = args.retention_days;
            settings.privacy_contact = args.privacy_contact;
            settings.smtp_url = args.smtp_url;
            settings.mail_from = args.mail_from;
            settings.notify_webhook = args.notify_webhook;
            settings.notify_secret = args.notify_secret;
            serve(settings)
        }
    }
}

fn serve(settings: Settings) -> Result<(), Error> {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let rating_days = settings.rating_days;
        let app = crate::startup::Application::build(settings)?;
        log::info!("listening on http://{}", app.address);
        if let Some(metrics) = app.metrics {
            log::info!("metrics on http://{}/metrics", metrics.address);
            actix_web::rt::spawn(metrics.server);
        }
        // Keep the dashboard's figures counted in the background, so that no
        // visitor waits for a count of a large database.
        let state = app.state.clone();
        actix_web::rt::spawn(async move {
            let every =
                std::time::Duration::from_secs(state.settings.measures_ttl_secs.max(5) / 2 + 1);
            let mut tick = actix_web::rt::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = crate::web::staff::dashboard::refresh(&state).await {
                    log::warn!("counting the dashboard's figures: {e}");
                }
            }
        });
        // The messages the steps wrote, sent on a thread of their own.
        crate::notify::Sender::new(&app.state.settings)
            .map_err(|e| Error::Notify(e.to_string()))?
            .start(app.pool.clone())
            .map_err(|e| Error::Notify(e.to_string()))?;
        // Every ten minutes, close what nobody rated in time.
        let pool = app.pool.clone();
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(std::time::Duration::from_secs(600));
            loop {
                tick.tick().await;
                let pool = pool.clone();
                let swept = actix_web::web::block(move || {
                    let mut conn = pool.get().map_err(|e| e.to_string())?;
                    crate::app::rating::close_unrated(&mut conn, rating_days, chrono::Utc::now())
                        .map_err(|e| e.to_string())
                })
                .await;
                match swept {
                    Ok(Ok(0)) => {}
                    Ok(Ok(n)) => log::info!("closed {n} unrated matter(s)"),
                    Ok(Err(e)) => log::warn!("closing unrated matters: {e}"),
                    Err(e) => log::warn!("closing unrated matters: {e}"),
                }
            }
        });
        app.server.await.map_err(Error::Serve)
    })
}

fn user(database_url: &str, command: UserCommand) -> Result<(), Error> {
    let backend = db::Backend::from_url(database_url);
    db::migrate(&backend)?;
    let mut conn = db::open(database_url)?;
    match command {
        UserCommand::Add {
            name,
            role,
            unit,
            display_name,
            email,
        } => {
            let email = match email.as_deref().map(crate::domain::request::email) {
                Some(Ok(found)) => found,
                Some(Err(_)) => return Err(Error::Email(email.unwrap_or_default())),
                None => None,
            };
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(Error::Stdin)?;
            let password = password.trim_end_matches(['\r', '\n']);
            let id = crate::app::accounts::add_user(
                &mut conn,
                &crate::app::accounts::UserSpec {
                    username: &name,
                    display_name: display_name.as_deref().unwrap_or(&name),
                    role: &role,
                    unit_code: unit.as_deref(),
                    password,
                },
            )?;
            if let Some(email) = &email {
                db::users::set_email(&mut conn, id, Some(email)).map_err(DbError::from)?;
            }
            println!("user {name} added (id {id}, role {role})");
            Ok(())
        }
        UserCommand::List => {
            let users = db::users::list(&mut conn).map_err(DbError::from)?;
            let units = db::catalog::all_units(&mut conn).map_err(DbError::from)?;
            println!(
                "{:<20} {:<11} {:<10} {:<8} name",
                "login", "role", "unit", "status"
            );
            for u in users {
                let unit = u
                    .unit_id
                    .and_then(|id| units.iter().find(|x| x.id == id))
                    .map(|x| x.code.as_str())
                    .unwrap_or("-");
                let status = if u.active { "active" } else { "disabled" };
                println!(
                    "{:<20} {:<11} {:<10} {:<8} {}",
                    u.username, u.role, unit, status, u.display_name
                );
            }
            Ok(())
        }
        UserCommand::Disable { name } => {
            if db::users::disable(&mut conn, &name).map_err(DbError::from)? {
                println!("user {name} disabled");
                Ok(())
            } else {
                Err(Error::NoSuchUser(name))
            }
        }
    }
}

fn print_accounts(report: crate::demo::Report) {
    println!(
        "demo loaded: {} matters, {} events in {:.1} s",
        report.matters, report.events, report.seconds
    );
    println!("accounts (one password per role):");
    for (role, names, password) in report.accounts {
        println!(
            "  {:<11} {:<60} {}",
            role.code(),
            names.join(", "),
            password
        );
    }
}

/// A log record as one line of JSON: time (UTC), level, target, message,
/// and the record's key-values as fields of their own.
fn json_line(
    buf: &mut env_logger::fmt::Formatter,
    record: &log::Record<'_>,
) -> std::io::Result<()> {
    use std::io::Write;
    struct Fields<'a>(&'a mut serde_json::Map<String, serde_json::Value>);
    impl<'kvs> log::kv::VisitSource<'kvs> for Fields<'_> {
        fn visit_pair(
            &mut self,
            key: log::kv::Key<'kvs>,
            value: log::kv::Value<'kvs>,
        ) -> Result<(), log::kv::Error> {
            let json = if let Some(n) = value.to_u64() {
                serde_json::Value::from(n)
            } else if let Some(n) = value.to_i64() {
                serde_json::Value::from(n)
            } else if let Some(b) = value.to_bool() {
                serde_json::Value::from(b)
            } else {
                serde_json::Value::from(value.to_string())
            };
            self.0.insert(key.to_string(), json);
            Ok(())
        }
    }
    let mut line = serde_json::Map::new();
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    line.insert("ts".into(), now.into());
    line.insert("level".into(), record.level().as_str().into());
    line.insert("target".into(), record.target().into());
    line.insert("msg".into(), record.args().to_string().into());
    let _ = record.key_values().visit(&mut Fields(&mut line));
    writeln!(buf, "{}", serde_json::Value::Object(line))
}

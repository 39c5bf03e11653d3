//! The command line: `serve` and `migrate`.

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Settings;
use crate::db;

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

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate the database, then serve.
    Serve(ServeArgs),
    /// Run the pending database migrations and exit.
    Migrate,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SHISHI_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    /// Cookie key (at least 64 bytes, or base64 of them). Default: made once and kept in the database.
    #[arg(long, env = "SHISHI_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Address citizens reach the service on (for QR codes), e.g. https://shishi.example.gov.cn
    #[arg(long, env = "SHISHI_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Mark cookies Secure (when served over HTTPS).
    #[arg(long, env = "SHISHI_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Submissions one address may make at once.
    #[arg(long, env = "SHISHI_SUBMIT_BURST", default_value_t = 5)]
    pub submit_burst: u32,
    /// Submissions one address may make per hour after its burst.
    #[arg(long, env = "SHISHI_SUBMIT_PER_HOUR", default_value_t = 20)]
    pub submit_per_hour: u32,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "SHISHI_WORKERS")]
    pub workers: Option<usize>,
}

pub fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("shishi: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Migrate => {
            let backend = db::Backend::from_url(&cli.database_url);
            let applied = db::migrate(&backend).map_err(|e| e.to_string())?;
            println!("{}: {applied} migration(s) applied", backend.name());
            Ok(())
        }
        Command::Serve(args) => {
            let mut settings = Settings::new(cli.database_url);
            settings.bind = args.bind;
            settings.secret_key = args.secret_key;
            settings.public_url = args.public_url;
            settings.secure_cookies = args.secure_cookies;
            settings.submit_burst = args.submit_burst;
            settings.submit_per_hour = args.submit_per_hour;
            settings.workers = args.workers;
            serve(settings)
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let app = crate::startup::Application::build(settings).map_err(|e| e.to_string())?;
        log::info!("listening on http://{}", app.address);
        app.server.await.map_err(|e| e.to_string())
    })
}

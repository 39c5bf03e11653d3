//! Typed settings, from command-line flags and the environment.

use ipnet::IpNet;
use secrecy::SecretString;

/// Days personal data is kept after a matter ends (three years), unless
/// `SHISHI_RETENTION_DAYS` says otherwise.
pub const RETENTION_DAYS: u32 = 1095;

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `postgres://…` or a SQLite path (`sqlite://` and `sqlite:` prefixes allowed).
    pub database_url: String,
    /// Address to listen on; port 0 picks a free one (tests do this).
    pub bind: String,
    /// Cookie key material; when absent, one is made and kept in the database.
    /// A `SecretString`: `{:?}` of the settings shows `[REDACTED]`, never the key.
    pub secret_key: Option<SecretString>,
    /// The tracking-code prefix, e.g. `NH` for Nanhai.
    pub code_prefix: String,
    /// Citizen submissions one address may make at once…
    pub submit_burst: u32,
    /// …and per hour after that.
    pub submit_per_hour: u32,
    /// The address citizens reach the service on, for QR codes. When absent,
    /// the request's own host is used.
    pub public_url: Option<String>,
    /// Mark cookies `Secure` (set this when served over HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` headers are
    /// believed (see `web::client`). Empty: nobody's.
    pub trusted_proxies: Vec<IpNet>,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
    /// Largest database pool; `None` means `db::default_pool_size`.
    pub pool_size: Option<u32>,
    /// Failed logins before each further attempt is slowed down.
    pub login_slow_after: i64,
    /// Extra wait per failure past `login_slow_after`, in milliseconds.
    pub login_slowdown_ms: u64,
    /// Failed logins for one account within the window before it is refused.
    pub login_max_per_account: i64,
    /// Failed logins from one address within the window before it is refused.
    pub login_max_per_address: i64,
    /// The throttling window, in minutes.
    pub login_window_minutes: i64,
    /// Tracking codes looked up that do not exist (and rating digits that
    /// do not match) from one address within the window before its
    /// lookups are refused.
    pub track_max_misses: i64,
    /// That window, in minutes.
    pub track_window_minutes: i64,
    /// Days a resolved online matter waits for its rating before it closes
    /// itself, counted as unrated.
    pub rating_days: i64,
    /// Open311 `jurisdiction_id`: when set, a call naming another is refused.
    pub jurisdiction_id: Option<String>,
    /// Seconds the dashboard's figures may be reused before they are
    /// counted again (0: count on every request).
    pub measures_ttl_secs: u64,
    /// Milliseconds each statement of a text search in the inbox may run on
    /// PostgreSQL before it is given up (the staff member is told to
    /// narrow it), so that one slow search cannot hold the pool.
    pub search_timeout_ms: u64,
    /// Days after a matter ends before `anonymize` removes the citizen's
    /// personal data from it, as the privacy notice states.
    pub retention_days: u32,
    /// Whom citizens ask about their data (privacy notice); `None`: the
    /// locale's default (the 12345 hotline).
    pub privacy_contact: Option<String>,
    /// Where `/metrics` is served (its own address); `None`: nowhere.
    pub metrics_bind: Option<String>,
    /// The mail server messages go through (`smtp://host:25`,
    /// `smtps://user:password@host`, `smtp://host:587?tls=required`);
    /// `None`: no e-mail (the forms do not ask for an address).
    pub smtp_url: Option<SecretString>,
    /// The sender of e-mail, e.g. `实事 <noreply@example.gov.cn>`.
    pub mail_from: String,
    /// Where text messages are posted as signed JSON, for the SMS
    /// gateway's adapter; `None`: no text messages.
    pub notify_webhook: Option<String>,
    /// The key the webhook's HMAC-SHA256 signature is made with.
    pub notify_secret: Option<SecretString>,
}

impl Settings {
    /// Whether e-mail can be sent (and so is offered on the forms).
    pub fn email_on(&self) -> bool {
        self.smtp_url.is_some()
    }

    /// Whether text messages can be sent (and so are offered).
    pub fn sms_on(&self) -> bool {
        self.notify_webhook.is_some()
    }

    /// The defaults `shishi serve` uses with no flags and no environment.
    pub fn new(database_url: impl Into<String>) -> Settings {
        Settings {
            database_url: database_url.into(),
            bind: "127.0.0.1:8080".into(),
            secret_key: None,
            code_prefix: "NH".into(),
            submit_burst: 5,
            submit_per_hour: 20,
            public_url: None,
            secure_cookies: false,
            trusted_proxies: Vec::new(),
            workers: None,
            pool_size: None,
            login_slow_after: 2,
            login_slowdown_ms: 1000,
            login_max_per_account: 5,
            login_max_per_address: 20,
            login_window_minutes: 15,
            track_max_misses: 30,
            track_window_minutes: 10,
            rating_days: 7,
            jurisdiction_id: None,
            measures_ttl_secs: 60,
            search_timeout_ms: 2000,
            retention_days: RETENTION_DAYS,
            privacy_contact: None,
            metrics_bind: None,
            smtp_url: None,
            mail_from: "Shishi <noreply@localhost>".into(),
            notify_webhook: None,
            notify_secret: None,
        }
    }
}

/// A trusted proxy as given: a network (`10.0.0.0/8`) or one address
/// (`127.0.0.1`, `::1`).
pub fn proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| {
            format!("{text:?} is not an address or a network (e.g. 127.0.0.1 or 10.0.0.0/8)")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxies_are_addresses_or_networks() {
        assert_eq!(
            proxy("127.0.0.1").map(|n| n.to_string()),
            Ok("127.0.0.1/32".into())
        );
        assert_eq!(
            proxy(" 10.0.0.0/8 ").map(|n| n.to_string()),
            Ok("10.0.0.0/8".into())
        );
        assert_eq!(proxy("::1").map(|n| n.to_string()), Ok("::1/128".into()));
        assert!(proxy("nginx").is_err() && proxy("10.0.0.0/33").is_err());
    }

    #[test]
    fn the_secret_key_never_shows_in_debug_output() {
        let mut settings = Settings::new("x.db");
        settings.secret_key = Some(SecretString::from("a-very-secret-cookie-key-material"));
        let shown = format!("{settings:?}");
        assert!(!shown.contains("a-very-secret"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}

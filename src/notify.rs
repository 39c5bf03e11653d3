//! The sender: delivers what `app::notify` wrote to the outbox, by e-mail
//! (SMTP, `--smtp-url`) and as text messages through the SMS gateway's
//! webhook (`--notify-webhook`: a JSON POST signed with HMAC-SHA256). It
//! runs in `serve`, on a thread of its own, and words each message from the
//! locale files in the language the citizen asked in.
//!
//! A message is marked sent once the mail server or the webhook accepted
//! it (2xx). A failed attempt is tried again after a wait that doubles
//! (`db::outbox::mark_failed`); a message still unsent after two days is
//! given up and logged. If the process dies between a delivery and its
//! mark, that one message goes again after the restart: e-mails carry a
//! Message-ID and webhook posts an `X-Shishi-Delivery` id made from the
//! outbox row, so a receiver can tell a repeat. Several instances on one
//! PostgreSQL database claim rows with `FOR UPDATE SKIP LOCKED`.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use hmac::{Hmac, Mac};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{SmtpTransport, Transport};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::app::notify::{EMAIL, WEBHOOK};
use crate::config::Settings;
use crate::db::outbox::{self, Message};
use crate::db::{AnyConnection, Pool};
use crate::domain::clock;
use crate::i18n::Lang;

/// How long a message may wait for its transport before it is given up.
pub const GIVE_UP_AFTER_HOURS: i64 = 48;
/// How long sent messages are kept (they hold addresses and numbers).
pub const KEEP_SENT_DAYS: i64 = 30;
/// The daily digest goes out from this hour, China time.
pub const DIGEST_HOUR: u32 = 8;

/// What the sender needs, read from the settings once.
pub struct Sender {
    smtp: Option<SmtpTransport>,
    from: Mailbox,
    webhook: Option<(String, Vec<u8>)>,
    agent: ureq::Agent,
    base: String,
    host: String,
    /// Seconds between looks at an empty outbox.
    poll: Duration,
}

/// Why the sender cannot start.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("--smtp-url: {0}")]
    Smtp(String),
    #[error("--mail-from is not an address: {0}")]
    From(String),
    #[error("--notify-webhook needs --notify-secret (SHISHI_NOTIFY_SECRET)")]
    NoSecret,
}

impl Sender {
    pub fn new(settings: &Settings) -> Result<Sender, SetupError> {
        let smtp = match &settings.smtp_url {
            Some(url) => Some(
                SmtpTransport::from_url(url.expose_secret())
                    .map_err(|e| SetupError::Smtp(e.to_string()))?
                    .timeout(Some(Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        let from = settings
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| SetupError::From(e.to_string()))?;
        let webhook = match (&settings.notify_webhook, &settings.notify_secret) {
            (Some(url), Some(secret)) => {
                Some((url.clone(), secret.expose_secret().as_bytes().to_vec()))
            }
            (Some(_), None) => return Err(SetupError::NoSecret),
            (None, _) => None,
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .provider(ureq::tls::TlsProvider::NativeTls)
                    .build(),
            )
            .build()
            .into();
        let base = match &settings.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", settings.bind),
        };
        let host = from.email.domain().to_owned();
        Ok(Sender {
            smtp,
            from,
            webhook,
            agent,
            base,
            host,
            poll: Duration::from_secs(1),
        })
    }

    /// Sends until the process ends, on a thread of its own.
    pub fn start(self, pool: Pool) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name("notify".into())
            .spawn(move || self.run(&pool))
    }

    fn run(&self, pool: &Pool) {
        let mut last_tidy: Option<DateTime<Utc>> = None;
        loop {
            let now = Utc::now();
            let sent = match pool.get() {
                Ok(mut c) => {
                    if last_tidy.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
                        self.tidy(&mut c, now);
                        last_tidy = Some(now);
                    }
                    self.round(&mut c, now).unwrap_or_else(|e| {
                        log::warn!(target: "shishi::notify", "outbox: {e}");
                        0
                    })
                }
                Err(e) => {
                    log::warn!(target: "shishi::notify", "no database connection: {e}");
                    0
                }
            };
            if sent == 0 {
                std::thread::sleep(self.poll);
            }
        }
    }

    /// Once a minute: today's digests once it is time, forgetting what was
    /// sent long ago, giving up what waited too long.
    fn tidy(&self, c: &mut AnyConnection, now: DateTime<Utc>) {
        if self.smtp.is_some() && now.with_timezone(&clock::china()).hour() >= DIGEST_HOUR {
            match crate::app::notify::daily_digests(c, now) {
                Ok(_) => {}
                Err(e) => log::warn!(target: "shishi::notify", "digests: {e}"),
            }
        }
        let sent_before = (now - chrono::Duration::days(KEEP_SENT_DAYS)).naive_utc();
        let stale_before = (now - chrono::Duration::hours(GIVE_UP_AFTER_HOURS)).naive_utc();
        match outbox::tidy(c, sent_before, stale_before) {
            Ok((_, 0)) => {}
            Ok((_, given_up)) => log::warn!(
                target: "shishi::notify",
                "gave up {given_up} message(s) unsent after {GIVE_UP_AFTER_HOURS} hours"
            ),
            Err(e) => log::warn!(target: "shishi::notify", "outbox: {e}"),
        }
    }

    /// The transports this sender has: it claims only their messages (the
    /// others wait, and are given up in time).
    fn transports(&self) -> Vec<&'static str> {
        let mut on = Vec::new();
        if self.smtp.is_some() {
            on.push(EMAIL);
        }
        if self.webhook.is_some() {
            on.push(WEBHOOK);
        }
        on
    }

    /// Claims what is due and sends it; returns how many were tried.
    fn round(&self, c: &mut AnyConnection, now: DateTime<Utc>) -> diesel::QueryResult<usize> {
        let transports = self.transports();
        if transports.is_empty() {
            return Ok(0);
        }
        match c {
            // Rows stay claimed (locked) until they are marked: no other
            // instance sends them meanwhile.
            AnyConnection::Postgresql(_) => diesel::Connection::transaction(c, |c| {
                let batch = outbox::claim(c, &transports, 10, now)?;
                for m in &batch {
                    self.deliver(c, m)?;
                }
                Ok(batch.len())
            }),
            // One writer, one sender: no claim needed, and no write lock
            // held while a mail server answers.
            AnyConnection::Sqlite(_) => {
                let batch = outbox::claim(c, &transports, 10, now)?;
                for m in &batch {
                    self.deliver(c, m)?;
                }
                Ok(batch.len())
            }
        }
    }

    fn deliver(&self, c: &mut AnyConnection, m: &Message) -> diesel::QueryResult<()> {
        let outcome = match m.transport.as_str() {
            EMAIL if self.smtp.is_some() => self.email(m),
            WEBHOOK if self.webhook.is_some() => self.post(m),
            // Its transport is not configured here: it waits (and is
            // given up in time).
            _ => return Ok(()),
        };
        let now = Utc::now();
        match outcome {
            Ok(()) => {
                log::info!(target: "shishi::notify", "sent message {} ({}, {})", m.id, m.kind, m.transport);
                outbox::mark_sent(c, m.id, now)
            }
            Err(why) => {
                log::warn!(target: "shishi::notify", "message {} ({}) not sent, attempt {}: {why}", m.id, m.kind, m.attempts + 1);
                outbox::mark_failed(c, m, &why, now)
            }
        }
    }

    fn email(&self, m: &Message) -> Result<(), String> {
        let Some(smtp) = &self.smtp else {
            return Err("no mail server".into());
        };
        let (subject, body) = self.words(m);
        let to = m
            .recipient
            .parse::<Mailbox>()
            .map_err(|e| format!("not an address: {e}"))?;
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<shishi-{}@{}>", m.id, self.host)))
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        smtp.send(&email).map(drop).map_err(|e| e.to_string())
    }

    fn post(&self, m: &Message) -> Result<(), String> {
        let Some((url, secret)) = &self.webhook else {
            return Err("no webhook".into());
        };
        let (_, text) = self.words(m);
        let params: Value = serde_json::from_str(&m.params).unwrap_or(Value::Null);
        let body = serde_json::json!({
            "id": m.id,
            "kind": m.kind,
            "to": m.recipient,
            "text": text,
            "code": params.get("code"),
        })
        .to_string();
        let signature = sign(secret, body.as_bytes());
        let res = self
            .agent
            .post(url)
            .header("Content-Type", "application/json; charset=utf-8")
            .header("X-Shishi-Signature", &format!("sha256={signature}"))
            .header("X-Shishi-Delivery", &m.id.to_string())
            .send(body.as_bytes())
            .map_err(|e| e.to_string())?;
        match res.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(format!("the webhook answered {status}")),
        }
    }

    /// The message's subject and text, from the locale files.
    fn words(&self, m: &Message) -> (String, String) {
        words(m, &self.base)
    }
}

/// HMAC-SHA256 of `body` under `secret`, in lower-case hex: what the
/// receiver computes to check `X-Shishi-Signature`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A message's subject and text in its language, with links under `base`.
pub fn words(m: &Message, base: &str) -> (String, String) {
    let p: Value = serde_json::from_str(&m.params).unwrap_or(Value::Null);
    let text = |key: &str| p.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    let l = p
        .get("lang")
        .and_then(Value::as_str)
        .and_then(Lang::from_tag)
        .unwrap_or_default();
    let code = text("code");
    let list = |l: Lang| {
        p.get("matters")
            .and_then(Value::as_array)
            .map(|ms| {
                ms.iter()
                    .map(|x| {
                        let code = x.get("code").and_then(Value::as_str).unwrap_or("");
                        let title = x.get("title").and_then(Value::as_str).unwrap_or("");
                        match x.get("due").and_then(Value::as_str) {
                            Some(due) => l.tf(
                                "notify.line_due",
                                &[("code", code), ("title", title), ("due", due)],
                            ),
                            None => format!("{code} {title}  {base}/track/{code}"),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    let id = p.get("id").and_then(Value::as_i64).unwrap_or(0).to_string();
    let overdue = p
        .get("overdue")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .to_string();
    let count = p
        .get("matters")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
        .to_string();
    let args = [
        ("code", code.as_str()),
        ("title", &text("title")),
        ("url", &format!("{base}/track/{code}")),
        ("staff_url", &format!("{base}/staff/matters/{id}")),
        ("due", &text("due")),
        ("date", &text("date")),
        ("overdue", &overdue),
        ("count", &count),
        ("list", &list(l)),
        ("inbox_url", &format!("{base}/staff/matters?overdue=1")),
    ];
    let subject = l.tf(&format!("notify.{}.subject", m.kind), &args);
    let body = format!(
        "{}\n\n{}",
        l.tf(&format!("notify.{}.text", m.kind), &args),
        l.t("notify.footer")
    );
    (subject, body)
}

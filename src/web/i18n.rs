//! The page language: `?lang=` (remembered in a cookie), the cookie, then
//! Accept-Language; Simplified Chinese when nothing says otherwise.

use std::future::{Ready, ready};

use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpRequest};
use chrono::{Datelike, FixedOffset, NaiveDateTime, Timelike};

pub const COOKIE: &str = "lang";

/// A language the interface is translated into.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The locale file's name and the `<html lang>` value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The other language, for the switch link.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    /// The message `key` in this language.
    pub fn t(&self, key: &str) -> String {
        rust_i18n::t!(key, locale = self.code()).into_owned()
    }

    /// The message `key` with `%{name}` placeholders filled in.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key);
        for (name, value) in args {
            text = text.replace(&format!("%{{{name}}}"), value);
        }
        text
    }

    /// Picks the data column in this language (unit and category names).
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// A language tag as sent in `?lang=`, a cookie, or Accept-Language.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        match primary {
            "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The best of our languages for an Accept-Language header.
    pub fn negotiate(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("");
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_tag(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// Decides the language of one request.
    pub fn of(req: &HttpRequest) -> Lang {
        query_lang(req.query_string())
            .or_else(|| req.cookie(COOKIE).and_then(|c| Lang::from_tag(c.value())))
            .or_else(|| {
                req.headers()
                    .get(actix_web::http::header::ACCEPT_LANGUAGE)
                    .and_then(|h| h.to_str().ok())
                    .and_then(Lang::negotiate)
            })
            .unwrap_or_default()
    }

    /// A UTC time from the database, shown in Asia/Shanghai (UTC+8, no DST).
    pub fn time(&self, at: &NaiveDateTime) -> String {
        // Written out by hand: chrono's `format` parses its pattern on every
        // call, and a timeline shows many times.
        let local = at.and_utc().with_timezone(&china());
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            local.year(),
            local.month(),
            local.day(),
            local.hour(),
            local.minute()
        )
    }

    /// The local date of a UTC time.
    pub fn date(&self, at: &NaiveDateTime) -> String {
        let local = at.and_utc().with_timezone(&china());
        format!(
            "{:04}-{:02}-{:02}",
            local.year(),
            local.month(),
            local.day()
        )
    }
}

/// Asia/Shanghai. China has kept UTC+8 all year since 1991.
const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

pub fn china() -> FixedOffset {
    CHINA
}

fn query_lang(query: &str) -> Option<Lang> {
    form_pairs(query)
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Lang::from_tag(&v))
}

fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((k.to_owned(), v.to_owned()))
    })
}

impl FromRequest for Lang {
    type Error = actix_web::Error;
    type Future = Ready<Result<Lang, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Lang::of(req)))
    }
}

/// Middleware: a `?lang=` choice is remembered in a cookie for a year.
pub async fn remember(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let chosen = query_lang(req.query_string());
    let current = req.cookie(COOKIE).and_then(|c| Lang::from_tag(c.value()));
    let mut res = next.call(req).await?;
    if let Some(lang) = chosen
        && current != Some(lang)
    {
        let cookie = Cookie::build(COOKIE, lang.code())
            .path("/")
            .same_site(SameSite::Lax)
            .http_only(true)
            .max_age(CookieDuration::days(365))
            .finish();
        // A header that cannot be added leaves the language unremembered, nothing worse.
        let _ = res.response_mut().add_cookie(&cookie);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_chrono_would_in_china() {
        let l = Lang::Zh;
        for (at, time, date) in [
            ("2026-11-30T15:59:00", "2026-11-30 23:59", "2026-11-30"),
            ("2026-11-30T16:00:00", "2026-12-01 00:00", "2026-12-01"),
            ("2024-02-28T16:05:59", "2024-02-29 00:05", "2024-02-29"),
            ("0999-12-31T16:00:00", "1000-01-01 00:00", "1000-01-01"),
        ] {
            let at: NaiveDateTime = at.parse().expect("a test time");
            let chrono = at.and_utc().with_timezone(&china());
            assert_eq!(l.time(&at), time);
            assert_eq!(l.time(&at), chrono.format("%Y-%m-%d %H:%M").to_string());
            assert_eq!(l.date(&at), date);
            assert_eq!(l.date(&at), chrono.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn tags_and_headers() {
        assert_eq!(Lang::from_tag("zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("zh_Hans"), Some(Lang::Zh));
        assert_eq!(Lang::from_tag("EN-us"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::negotiate("fr-FR,en;q=0.8,zh;q=0.5"), Some(Lang::En));
        assert_eq!(Lang::negotiate("en;q=0.3, zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::negotiate("de, fr"), None);
        assert_eq!(Lang::negotiate("en;q=0"), None);
    }

    #[test]
    fn every_key_is_translated_both_ways() {
        // A key missing in a locale comes back as the key itself.
        for key in [
            "app.name",
            "submit.consent",
            "form.error.phone",
            "state.in_progress",
            "event.sign",
        ] {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(lang.t(key), key, "{key} in {}", lang.code());
            }
        }
        assert_ne!(Lang::Zh.t("app.tagline"), Lang::En.t("app.tagline"));
    }

    #[test]
    fn times_are_shown_in_china_time() {
        let utc = chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .and_then(|d| d.and_hms_opt(20, 5, 0))
            .expect("time");
        assert_eq!(Lang::Zh.time(&utc), "2026-12-01 04:05");
        assert_eq!(Lang::En.date(&utc), "2026-12-01");
    }
}

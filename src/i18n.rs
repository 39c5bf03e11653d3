//! The interface's languages: Simplified Chinese (the default) and
//! English. Every string a person reads is looked up here by key in the
//! locale files; times are written in China time. (Which language a web
//! request gets is `web::i18n`'s question.)

use chrono::{Datelike, NaiveDateTime, Timelike};

use crate::domain::clock::china;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::china;

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

//! Time as the district lives it: stored and computed in UTC, shown and
//! counted in days of China time (Asia/Shanghai, UTC+8 all year since 1991).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

const CHINA: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+8 is a valid offset"),
};

/// Asia/Shanghai's offset.
pub fn china() -> FixedOffset {
    CHINA
}

/// The day it is in China at `now`.
pub fn today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&CHINA).date_naive()
}

/// Midnight at the start of a day in China, as UTC.
pub fn day_start(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(CHINA).single())
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_china_day_starts_at_sixteen_hundred_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 1).expect("day");
        let start = day_start(day).expect("start");
        assert_eq!(start.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(today(start), day);
        assert_eq!(
            today(start - chrono::Duration::seconds(1)),
            day.pred_opt().expect("day")
        );
    }
}

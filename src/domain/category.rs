//! Categories set two deadlines (时限): how soon a unit must sign for a
//! matter, and how soon it must be resolved.

use chrono::{DateTime, Duration, Utc};

/// The code of the category for urgent safety hazards (紧急安全隐患): its
/// citizens are told to call 110, 119 or 120 first when life or property
/// is in danger.
pub const URGENT: &str = "urgent";

/// Whether the category with `code` is for urgent hazards.
pub fn is_urgent(code: &str) -> bool {
    code == URGENT
}

/// The limits a category sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadlines {
    /// Hours from dispatch to signing for it (签收时限).
    pub sign_hours: i32,
    /// Days from receipt to resolution (办结时限).
    pub resolve_days: i32,
}

impl Deadlines {
    /// Limits an admin may set: at least an hour to sign, at most a year to resolve.
    pub fn new(sign_hours: i32, resolve_days: i32) -> Option<Deadlines> {
        ((1..=24 * 30).contains(&sign_hours) && (1..=366).contains(&resolve_days)).then_some(
            Deadlines {
                sign_hours,
                resolve_days,
            },
        )
    }

    /// When a matter received at `received` is expected to be resolved.
    pub fn resolve_by(self, received: DateTime<Utc>) -> DateTime<Utc> {
        received + Duration::days(i64::from(self.resolve_days))
    }

    /// When a matter dispatched at `dispatched` must be signed for.
    pub fn sign_by(self, dispatched: DateTime<Utc>) -> DateTime<Utc> {
        dispatched + Duration::hours(i64::from(self.sign_hours))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn deadlines_add_up_from_the_start() {
        let d = Deadlines::new(24, 7).expect("valid");
        let t = Utc
            .with_ymd_and_hms(2026, 1, 31, 23, 0, 0)
            .single()
            .expect("time");
        assert_eq!(
            d.resolve_by(t),
            Utc.with_ymd_and_hms(2026, 2, 7, 23, 0, 0)
                .single()
                .expect("time")
        );
        assert_eq!(
            d.sign_by(t),
            Utc.with_ymd_and_hms(2026, 2, 1, 23, 0, 0)
                .single()
                .expect("time")
        );
    }

    #[test]
    fn silly_limits_are_refused() {
        assert!(Deadlines::new(0, 7).is_none());
        assert!(Deadlines::new(2, 0).is_none());
        assert!(Deadlines::new(-1, 7).is_none());
        assert!(Deadlines::new(24, 400).is_none());
        assert!(Deadlines::new(2, 1).is_some());
    }
}

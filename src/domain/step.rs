//! The fields a staff member fills in when taking a step, and their
//! rules: which steps need a note, how long a note may be, how many days
//! an extension may ask for, what a milestone and a service record hold.

use chrono::{Duration, NaiveDate};

use super::access::Action;
use super::channel::Channel;
use super::lifecycle::Transition;

/// Whether an action's form asks for a note, and must have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteRule {
    /// No note field.
    None,
    Optional,
    /// A reason, a reply, an instruction or an outcome is required.
    Required,
}

/// The note an action takes.
pub fn note_rule(action: Action) -> NoteRule {
    use Transition as T;
    match action {
        Action::Take(T::Dispatch | T::Claim | T::SignFor) | Action::Milestone => NoteRule::None,
        Action::Take(T::Reject | T::Return | T::Resolve | T::SendBack | T::Reopen)
        | Action::Note
        | Action::AskExtension
        | Action::Instruct => NoteRule::Required,
        Action::Take(_) | Action::Urge | Action::DecideExtension | Action::Reroute => {
            NoteRule::Optional
        }
    }
}

/// The most characters a note holds.
pub const NOTE_CHARS: usize = 2000;

/// Whether a note (already trimmed) may be stored: not too long, and no
/// control characters but line breaks and tabs.
pub fn note_ok(note: &str) -> bool {
    note.chars().count() <= NOTE_CHARS
        && !note
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// Days an extension may ask for.
pub const EXTENSION_DAYS: std::ops::RangeInclusive<i32> = 1..=90;

/// The most characters a milestone's title holds.
pub const MILESTONE_TITLE_CHARS: usize = 100;

/// Whether a milestone title (trimmed) may be stored.
pub fn milestone_title_ok(title: &str) -> bool {
    !title.is_empty()
        && title.chars().count() <= MILESTONE_TITLE_CHARS
        && !title.chars().any(char::is_control)
}

/// A milestone's progress, in percent.
pub const PROGRESS: std::ops::RangeInclusive<i32> = 0..=100;

/// Whether a matter of this channel is settled against the fund when it
/// is approved (accepted) and resolved.
pub fn uses_fund(channel: Channel) -> bool {
    channel == Channel::Micro
}

/// Hours of service as typed ("2", "1.5") into minutes: a quarter of an
/// hour to a day.
pub fn service_minutes(typed: &str) -> Option<i32> {
    let hours: f64 = typed.trim().parse().ok()?;
    if !hours.is_finite() || !(0.25..=24.0).contains(&hours) {
        return None;
    }
    // Rounded to whole minutes; the bounds above keep it far inside i32.
    Some((hours * 60.0).round() as i32)
}

/// Whether a service given on `day` may be recorded on `today`: within
/// the last year, not in the future.
pub fn service_day_ok(day: NaiveDate, today: NaiveDate) -> bool {
    day <= today && day > today - Duration::days(366)
}

/// The most characters a volunteer's service outcome holds.
pub const OUTCOME_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_and_reasons_are_required_and_dispatch_has_no_note() {
        assert_eq!(
            note_rule(Action::Take(Transition::Resolve)),
            NoteRule::Required
        );
        assert_eq!(
            note_rule(Action::Take(Transition::Reject)),
            NoteRule::Required
        );
        assert_eq!(
            note_rule(Action::Take(Transition::Dispatch)),
            NoteRule::None
        );
        assert_eq!(
            note_rule(Action::Take(Transition::Accept)),
            NoteRule::Optional
        );
        assert!(note_ok("第一行\n第二行\t"));
        assert!(!note_ok("a\u{0}b"));
        assert!(!note_ok(&"长".repeat(NOTE_CHARS + 1)));
    }

    #[test]
    fn hours_and_days_of_service() {
        assert_eq!(service_minutes("1.5"), Some(90));
        assert_eq!(service_minutes(" 0.25 "), Some(15));
        for bad in ["0", "0.2", "25", "NaN", "inf", "", "two"] {
            assert_eq!(service_minutes(bad), None, "{bad}");
        }
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).expect("day");
        assert!(service_day_ok(today, today));
        assert!(!service_day_ok(today + Duration::days(1), today));
        assert!(service_day_ok(today - Duration::days(365), today));
        assert!(!service_day_ok(today - Duration::days(366), today));
    }
}

//! What an event on a matter's timeline records. Every change to a matter
//! writes one; the kind says what happened, the states say where it went.

use std::fmt;
use std::str::FromStr;

use super::channel::Channel;
use super::code::UnknownCode;
use super::lifecycle::Transition;
use super::rating::Rating;

/// The kind of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// The request arrived (from a citizen, or recorded by staff).
    Submitted,
    /// A staff member or the system took a transition (not a rating).
    Took(Transition),
    /// The citizen rated the reply.
    Rated(Rating),
    /// A progress note, public or internal.
    Note,
    /// 催办
    Urge,
    /// 批示: a leader's instruction.
    Instruction,
    /// A milestone was added or updated.
    Milestone,
    ExtensionRequested,
    ExtensionApproved,
    ExtensionRefused,
    /// Moved to another channel.
    Rerouted(Channel),
}

impl EventKind {
    /// Every kind, for reading codes back and for tests.
    pub fn all() -> Vec<EventKind> {
        let mut all = vec![EventKind::Submitted];
        all.extend(
            Transition::ALL
                .into_iter()
                .filter(|t| !matches!(t, Transition::RateSatisfied | Transition::RateUnsatisfied))
                .map(EventKind::Took),
        );
        all.extend(Rating::ALL.into_iter().map(EventKind::Rated));
        all.extend([
            EventKind::Note,
            EventKind::Urge,
            EventKind::Instruction,
            EventKind::Milestone,
            EventKind::ExtensionRequested,
            EventKind::ExtensionApproved,
            EventKind::ExtensionRefused,
        ]);
        all.extend(Channel::ALL.into_iter().map(EventKind::Rerouted));
        all
    }

    /// The stable code stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Took(Transition::RateSatisfied) => "rate_satisfied",
            EventKind::Took(Transition::RateUnsatisfied) => "rate_unsatisfied",
            EventKind::Took(t) => t.code(),
            EventKind::Rated(Rating::Satisfied) => "rate_satisfied",
            EventKind::Rated(Rating::Basic) => "rate_basic",
            EventKind::Rated(Rating::Unsatisfied) => "rate_unsatisfied",
            EventKind::Note => "note",
            EventKind::Urge => "urge",
            EventKind::Instruction => "instruction",
            EventKind::Milestone => "milestone",
            EventKind::ExtensionRequested => "extension_requested",
            EventKind::ExtensionApproved => "extension_approved",
            EventKind::ExtensionRefused => "extension_refused",
            EventKind::Rerouted(Channel::Leader) => "reroute_leader",
            EventKind::Rerouted(Channel::Department) => "reroute_department",
            EventKind::Rerouted(Channel::Micro) => "reroute_micro",
            EventKind::Rerouted(Channel::Volunteer) => "reroute_volunteer",
            EventKind::Rerouted(Channel::Online) => "reroute_online",
        }
    }

    /// The message key of its line on a timeline.
    pub fn label_key(self) -> &'static str {
        match self {
            EventKind::Submitted => "event.submitted",
            EventKind::Took(t) => match t {
                Transition::Accept => "event.accept",
                Transition::Reject => "event.reject",
                Transition::Merge => "event.merge",
                Transition::Dispatch => "event.dispatch",
                Transition::Claim => "event.claim",
                Transition::SignFor => "event.sign",
                Transition::Return => "event.return",
                Transition::Resolve => "event.resolve",
                Transition::Verify => "event.verify",
                Transition::SendBack => "event.send_back",
                Transition::RateSatisfied => "event.rate_satisfied",
                Transition::RateUnsatisfied => "event.rate_unsatisfied",
                Transition::Timeout => "event.timeout",
                Transition::Close => "event.close",
                Transition::Reopen => "event.reopen",
            },
            EventKind::Rated(Rating::Satisfied) => "event.rate_satisfied",
            EventKind::Rated(Rating::Basic) => "event.rate_basic",
            EventKind::Rated(Rating::Unsatisfied) => "event.rate_unsatisfied",
            EventKind::Note => "event.note",
            EventKind::Urge => "event.urge",
            EventKind::Instruction => "event.instruction",
            EventKind::Milestone => "event.milestone",
            EventKind::ExtensionRequested => "event.extension_requested",
            EventKind::ExtensionApproved => "event.extension_approved",
            EventKind::ExtensionRefused => "event.extension_refused",
            EventKind::Rerouted(Channel::Leader) => "event.reroute_leader",
            EventKind::Rerouted(Channel::Department) => "event.reroute_department",
            EventKind::Rerouted(Channel::Micro) => "event.reroute_micro",
            EventKind::Rerouted(Channel::Volunteer) => "event.reroute_volunteer",
            EventKind::Rerouted(Channel::Online) => "event.reroute_online",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl FromStr for EventKind {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::all()
            .into_iter()
            .find(|k| k.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_code_and_reads_back() {
        let all = EventKind::all();
        let mut codes: Vec<&str> = all.iter().map(|k| k.code()).collect();
        for k in &all {
            assert_eq!(k.code().parse::<EventKind>(), Ok(*k), "{k:?}");
            assert_eq!(k.label_key(), format!("event.{}", k.code()), "{k:?}");
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len(), "codes are distinct");
        // A rating transition is stored as the rating it came from.
        assert_eq!(
            "rate_satisfied".parse::<EventKind>(),
            Ok(EventKind::Rated(Rating::Satisfied))
        );
        assert!("rate_great".parse::<EventKind>().is_err());
    }
}

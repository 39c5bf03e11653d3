//! One lifecycle for all channels (DESIGN.md section 2): the states, the
//! transitions between them, and what each channel adds.

use std::fmt;
use std::str::FromStr;

use super::channel::Channel;
use super::code::{UnknownCode, codes};

/// Where a matter stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum State {
    /// 待受理: waiting for triage.
    Submitted,
    /// 已受理: accepted, waiting to be dispatched or claimed.
    Accepted,
    /// 已派单: a unit (or leader) has it, not yet signed for.
    Assigned,
    /// 办理中: being worked on.
    InProgress,
    /// 已办结: a reply is out; waiting for acceptance, rating or close.
    Resolved,
    /// 已关闭
    Closed,
    /// 不予受理
    Rejected,
    /// 已合并 into another matter as a duplicate.
    Merged,
}

codes!(State {
    Submitted => "submitted", "state.submitted";
    Accepted => "accepted", "state.accepted";
    Assigned => "assigned", "state.assigned";
    InProgress => "in_progress", "state.in_progress";
    Resolved => "resolved", "state.resolved";
    Closed => "closed", "state.closed";
    Rejected => "rejected", "state.rejected";
    Merged => "merged", "state.merged";
});

impl State {
    /// A state nothing more happens in unless someone reopens the matter.
    pub fn is_final(self) -> bool {
        matches!(self, State::Closed | State::Rejected | State::Merged)
    }

    /// Still waiting for someone in the office to act.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            State::Submitted | State::Accepted | State::Assigned | State::InProgress
        )
    }
}

/// A change of state. Actions that leave the state alone (notes, urging,
/// extensions, re-routing) are not transitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Transition {
    /// 受理: triage accepts the request.
    Accept,
    /// Triage rejects it, with a reason.
    Reject,
    /// Triage finds it duplicates another matter.
    Merge,
    /// 派单 to a handling unit.
    Dispatch,
    /// 认领: a district leader takes a key project.
    Claim,
    /// 签收: the unit takes it on.
    SignFor,
    /// 退单: the unit hands it back to the dispatcher, with a reason.
    Return,
    /// 办结: the unit replies to the citizen.
    Resolve,
    /// 验收通过: acceptance passes (leader and department matters).
    Verify,
    /// 验收不通过: acceptance fails and the work goes on.
    SendBack,
    /// The citizen is satisfied or basically satisfied (online matters).
    RateSatisfied,
    /// The citizen is not satisfied: the matter is handled again.
    RateUnsatisfied,
    /// Nobody rated it in time; it closes itself, counted as unrated.
    Timeout,
    /// A dispatcher closes a resolved matter that needs no acceptance.
    Close,
    /// Work starts again on a resolved or closed matter.
    Reopen,
}

impl Transition {
    pub const ALL: [Transition; 15] = [
        Transition::Accept,
        Transition::Reject,
        Transition::Merge,
        Transition::Dispatch,
        Transition::Claim,
        Transition::SignFor,
        Transition::Return,
        Transition::Resolve,
        Transition::Verify,
        Transition::SendBack,
        Transition::RateSatisfied,
        Transition::RateUnsatisfied,
        Transition::Timeout,
        Transition::Close,
        Transition::Reopen,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Transition::Accept => "accept",
            Transition::Reject => "reject",
            Transition::Merge => "merge",
            Transition::Dispatch => "dispatch",
            Transition::Claim => "claim",
            Transition::SignFor => "sign",
            Transition::Return => "return",
            Transition::Resolve => "resolve",
            Transition::Verify => "verify",
            Transition::SendBack => "send_back",
            Transition::RateSatisfied => "rate_satisfied",
            Transition::RateUnsatisfied => "rate_unsatisfied",
            Transition::Timeout => "timeout",
            Transition::Close => "close",
            Transition::Reopen => "reopen",
        }
    }

    /// Whether this transition exists for matters of this channel at all.
    pub fn applies_to(self, channel: Channel) -> bool {
        match self {
            // Leaders claim key projects; volunteers take up service requests.
            Transition::Claim => matches!(channel, Channel::Leader | Channel::Volunteer),
            Transition::Dispatch => !matches!(channel, Channel::Leader | Channel::Volunteer),
            Transition::Verify | Transition::SendBack => channel.needs_acceptance(),
            Transition::Close => !channel.needs_acceptance(),
            Transition::RateSatisfied | Transition::RateUnsatisfied | Transition::Timeout => {
                channel.is_rated_by_citizen()
            }
            _ => true,
        }
    }

    /// The states this transition may start from, whatever the channel.
    fn sources(self) -> &'static [State] {
        use State::*;
        match self {
            Transition::Accept | Transition::Reject => &[Submitted],
            Transition::Merge => &[Submitted, Accepted],
            Transition::Dispatch | Transition::Claim => &[Accepted],
            Transition::SignFor => &[Assigned],
            Transition::Return => &[Assigned, InProgress],
            Transition::Resolve => &[InProgress],
            Transition::Verify
            | Transition::SendBack
            | Transition::RateSatisfied
            | Transition::RateUnsatisfied
            | Transition::Timeout
            | Transition::Close => &[Resolved],
            Transition::Reopen => &[Resolved, Closed],
        }
    }

    /// The state this transition leads to.
    pub fn target(self) -> State {
        match self {
            Transition::Accept => State::Accepted,
            Transition::Reject => State::Rejected,
            Transition::Merge => State::Merged,
            Transition::Dispatch | Transition::Claim => State::Assigned,
            Transition::SignFor => State::InProgress,
            Transition::Return => State::Accepted,
            Transition::Resolve => State::Resolved,
            Transition::Verify
            | Transition::RateSatisfied
            | Transition::Timeout
            | Transition::Close => State::Closed,
            Transition::SendBack | Transition::RateUnsatisfied | Transition::Reopen => {
                State::InProgress
            }
        }
    }
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.code())
    }
}

impl FromStr for Transition {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Transition::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

/// Why a transition cannot be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransitionError {
    /// The transition does not exist in this channel (e.g. claiming an online request).
    NotInChannel {
        transition: Transition,
        channel: Channel,
    },
    /// The matter is not in a state this transition starts from.
    WrongState {
        transition: Transition,
        state: State,
    },
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransitionError::NotInChannel {
                transition,
                channel,
            } => {
                write!(f, "{transition} does not apply to {channel} matters")
            }
            TransitionError::WrongState { transition, state } => {
                write!(f, "{transition} cannot be taken from {state}")
            }
        }
    }
}

impl std::error::Error for TransitionError {}

/// The state a matter of `channel` in `state` moves to when `transition`
/// is taken, or why it cannot be taken.
pub fn next_state(
    channel: Channel,
    state: State,
    transition: Transition,
) -> Result<State, TransitionError> {
    if !transition.applies_to(channel) {
        return Err(TransitionError::NotInChannel {
            transition,
            channel,
        });
    }
    if !transition.sources().contains(&state) {
        return Err(TransitionError::WrongState { transition, state });
    }
    Ok(transition.target())
}

/// Every transition that can be taken from `state` in `channel`.
pub fn available(channel: Channel, state: State) -> Vec<Transition> {
    Transition::ALL
        .into_iter()
        .filter(|t| next_state(channel, state, *t).is_ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Channel as C;
    use State as S;
    use Transition as T;

    /// The whole lifecycle written out by hand, independently of the code
    /// above: (transition, from, to, channels where it exists).
    fn expected() -> Vec<(Transition, State, State, &'static [Channel])> {
        const ALL: &[Channel] = &Channel::ALL;
        const DISPATCHED: &[Channel] = &[C::Department, C::Micro, C::Online];
        const CLAIMED: &[Channel] = &[C::Leader, C::Volunteer];
        const ACCEPTED_BY_ACCEPTOR: &[Channel] = &[C::Leader, C::Department];
        const CLOSED_PLAINLY: &[Channel] = &[C::Micro, C::Volunteer, C::Online];
        vec![
            (T::Accept, S::Submitted, S::Accepted, ALL),
            (T::Reject, S::Submitted, S::Rejected, ALL),
            (T::Merge, S::Submitted, S::Merged, ALL),
            (T::Merge, S::Accepted, S::Merged, ALL),
            (T::Dispatch, S::Accepted, S::Assigned, DISPATCHED),
            (T::Claim, S::Accepted, S::Assigned, CLAIMED),
            (T::SignFor, S::Assigned, S::InProgress, ALL),
            (T::Return, S::Assigned, S::Accepted, ALL),
            (T::Return, S::InProgress, S::Accepted, ALL),
            (T::Resolve, S::InProgress, S::Resolved, ALL),
            (T::Verify, S::Resolved, S::Closed, ACCEPTED_BY_ACCEPTOR),
            (
                T::SendBack,
                S::Resolved,
                S::InProgress,
                ACCEPTED_BY_ACCEPTOR,
            ),
            (T::RateSatisfied, S::Resolved, S::Closed, &[C::Online]),
            (T::RateUnsatisfied, S::Resolved, S::InProgress, &[C::Online]),
            (T::Timeout, S::Resolved, S::Closed, &[C::Online]),
            (T::Close, S::Resolved, S::Closed, CLOSED_PLAINLY),
            (T::Reopen, S::Resolved, S::InProgress, ALL),
            (T::Reopen, S::Closed, S::InProgress, ALL),
        ]
    }

    #[test]
    fn every_allowed_and_every_forbidden_transition() {
        let table = expected();
        let mut allowed = 0;
        let mut forbidden = 0;
        for channel in Channel::ALL {
            for state in State::ALL {
                for transition in Transition::ALL {
                    let want = table
                        .iter()
                        .find(|(t, from, _, chans)| {
                            *t == transition && *from == state && chans.contains(&channel)
                        })
                        .map(|(_, _, to, _)| *to);
                    let got = next_state(channel, state, transition);
                    match want {
                        Some(to) => {
                            assert_eq!(got, Ok(to), "{channel} {state} {transition}");
                            allowed += 1;
                        }
                        None => {
                            assert!(
                                got.is_err(),
                                "{channel} {state} {transition} should be refused"
                            );
                            forbidden += 1;
                        }
                    }
                }
            }
        }
        // 5 channels x 8 states x 15 transitions.
        assert_eq!(allowed + forbidden, 600);
        assert_eq!(allowed, 65);
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(
            next_state(C::Online, S::Accepted, T::Claim),
            Err(TransitionError::NotInChannel {
                transition: T::Claim,
                channel: C::Online
            })
        );
        assert_eq!(
            next_state(C::Online, S::Closed, T::Accept),
            Err(TransitionError::WrongState {
                transition: T::Accept,
                state: S::Closed
            })
        );
    }

    #[test]
    fn final_states_only_leave_by_reopening() {
        for channel in Channel::ALL {
            for state in State::ALL.into_iter().filter(|s| s.is_final()) {
                for t in available(channel, state) {
                    assert_eq!(t, T::Reopen, "{channel} {state}");
                }
            }
            assert!(available(channel, S::Rejected).is_empty());
            assert!(available(channel, S::Merged).is_empty());
        }
    }

    #[test]
    fn codes_round_trip() {
        for s in State::ALL {
            assert_eq!(s.code().parse::<State>(), Ok(s));
        }
        for t in Transition::ALL {
            assert_eq!(t.code().parse::<Transition>(), Ok(t));
        }
    }
}

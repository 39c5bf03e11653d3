//! Every permission question of the staff workspace, answered in one place:
//! which pages a role may open, which actions it may take on a matter in a
//! given channel and state, and whose matters it sees.

use super::channel::Channel;
use super::lifecycle::{State, Transition, next_state};
use super::roles::{Actor, Role, may_take};

/// Something a staff member does to a matter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// A change of state.
    Take(Transition),
    /// A progress note, public or internal.
    Note,
    /// 催办: a dispatcher presses the unit; recorded on the timeline.
    Urge,
    /// 延期: the unit asks for more days.
    AskExtension,
    /// A dispatcher approves or refuses a pending extension.
    DecideExtension,
    /// Move the matter to another channel.
    Reroute,
}

impl Action {
    /// Every action, for tests and for listing the forms of a matter page.
    pub fn all() -> Vec<Action> {
        let mut all: Vec<Action> = Transition::ALL.into_iter().map(Action::Take).collect();
        all.extend([
            Action::Note,
            Action::Urge,
            Action::AskExtension,
            Action::DecideExtension,
            Action::Reroute,
        ]);
        all
    }

    /// The path segment its form posts to.
    pub fn code(self) -> &'static str {
        match self {
            Action::Take(t) => t.code(),
            Action::Note => "note",
            Action::Urge => "urge",
            Action::AskExtension => "ask_extension",
            Action::DecideExtension => "decide_extension",
            Action::Reroute => "reroute",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        Action::all().into_iter().find(|a| a.code() == code)
    }
}

/// A staff page (or group of pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Page {
    /// The inbox and a matter's page.
    Matters,
    /// Overdue matters, listed on their own.
    Overdue,
    /// Recording a request taken by phone, radio or at the counter.
    Intake,
}

impl Page {
    pub const ALL: [Page; 3] = [Page::Matters, Page::Overdue, Page::Intake];
}

/// Whether `role` may open `page`.
pub fn may_view(role: Role, page: Page) -> bool {
    match page {
        Page::Matters => role != Role::Volunteer,
        Page::Overdue => matches!(role, Role::Admin | Role::Dispatcher | Role::UnitStaff),
        Page::Intake => matches!(role, Role::Admin | Role::Dispatcher),
    }
}

/// What the matter looks like to the permission check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatterFacts {
    pub channel: Channel,
    pub state: State,
    /// A unit has asked for an extension that nobody has decided yet.
    pub extension_pending: bool,
}

/// Whether `role` may take `action` on a matter with these facts. The
/// matter must also be within the role's [`Scope`]; that is checked with
/// the unit tree, by [`Scope::covers`].
pub fn may(role: Role, action: Action, m: MatterFacts) -> bool {
    use Role::*;
    use State::*;
    let working = matches!(m.state, Assigned | InProgress);
    match action {
        Action::Take(t) => {
            may_take(Actor::Staff(role), t) && next_state(m.channel, m.state, t).is_ok()
        }
        Action::Note => {
            matches!(role, Admin | Dispatcher | UnitStaff | Leader)
                && !matches!(m.state, Rejected | Merged)
        }
        Action::Urge => matches!(role, Admin | Dispatcher) && working,
        Action::AskExtension => role == UnitStaff && working && !m.extension_pending,
        Action::DecideExtension => {
            matches!(role, Admin | Dispatcher) && working && m.extension_pending
        }
        Action::Reroute => {
            matches!(role, Admin | Dispatcher) && matches!(m.state, Submitted | Accepted)
        }
    }
}

/// Whether a role sees citizens' names and full phone numbers on a
/// matter's page (everywhere else phones are masked).
pub fn sees_citizen(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dispatcher | Role::UnitStaff)
}

/// Which matters a staff member sees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every matter (admins, dispatchers).
    All,
    /// Matters handled by these units: the user's unit and all below it.
    Units(Vec<i64>),
    /// Matters of one channel (leaders see the key projects).
    Channel(Channel),
    /// None at all.
    Nothing,
}

impl Scope {
    /// The scope of `role`; `unit_tree` is the user's unit and every unit below it.
    pub fn of(role: Role, unit_tree: Vec<i64>) -> Scope {
        match role {
            Role::Admin | Role::Dispatcher => Scope::All,
            Role::UnitStaff if !unit_tree.is_empty() => Scope::Units(unit_tree),
            Role::Leader => Scope::Channel(Channel::Leader),
            Role::UnitStaff | Role::Volunteer => Scope::Nothing,
        }
    }

    /// Whether a matter handled by `unit` in `channel` is within the scope.
    pub fn covers(&self, channel: Channel, unit: Option<i64>) -> bool {
        match self {
            Scope::All => true,
            Scope::Units(units) => unit.is_some_and(|u| units.contains(&u)),
            Scope::Channel(c) => *c == channel,
            Scope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;
    use Transition as T;

    /// The rules written out again by hand: who may take which action in
    /// which state, for an online matter without a pending extension.
    fn expected(role: Role, action: Action, state: State, pending: bool) -> bool {
        use State::*;
        let dispatcher = matches!(role, Admin | Dispatcher);
        let unit = role == UnitStaff;
        let working = matches!(state, Assigned | InProgress);
        match action {
            Action::Take(T::Accept | T::Reject) => dispatcher && state == Submitted,
            Action::Take(T::Merge) => dispatcher && matches!(state, Submitted | Accepted),
            Action::Take(T::Dispatch) => dispatcher && state == Accepted,
            Action::Take(T::Close) => dispatcher && state == Resolved,
            Action::Take(T::Reopen) => dispatcher && matches!(state, Resolved | Closed),
            Action::Take(T::SignFor) => unit && state == Assigned,
            Action::Take(T::Return) => unit && working,
            Action::Take(T::Resolve) => unit && state == InProgress,
            // Not in the online channel, or not a staff member's to take.
            Action::Take(
                T::Claim
                | T::Verify
                | T::SendBack
                | T::RateSatisfied
                | T::RateUnsatisfied
                | T::Timeout,
            ) => false,
            Action::Note => !matches!(role, Volunteer) && !matches!(state, Rejected | Merged),
            Action::Urge => dispatcher && working,
            Action::AskExtension => unit && working && !pending,
            Action::DecideExtension => dispatcher && working && pending,
            Action::Reroute => dispatcher && matches!(state, Submitted | Accepted),
        }
    }

    #[test]
    fn the_whole_matrix_of_role_action_and_state() {
        let mut checked = 0;
        let mut allowed = 0;
        for role in Role::ALL {
            for action in Action::all() {
                for state in State::ALL {
                    for pending in [false, true] {
                        let facts = MatterFacts {
                            channel: Channel::Online,
                            state,
                            extension_pending: pending,
                        };
                        let got = may(role, action, facts);
                        assert_eq!(
                            got,
                            expected(role, action, state, pending),
                            "{role} {action:?} {state} {pending}"
                        );
                        checked += 1;
                        allowed += usize::from(got);
                    }
                }
            }
        }
        assert_eq!(checked, 5 * 20 * 8 * 2);
        assert!(allowed > 50, "{allowed}");
    }

    #[test]
    fn channel_rules_reach_the_matrix() {
        let resolved = |channel| MatterFacts {
            channel,
            state: State::Resolved,
            extension_pending: false,
        };
        assert!(may(
            Dispatcher,
            Action::Take(T::Verify),
            resolved(Channel::Leader)
        ));
        assert!(!may(
            Dispatcher,
            Action::Take(T::Close),
            resolved(Channel::Leader)
        ));
        assert!(may(
            Dispatcher,
            Action::Take(T::Close),
            resolved(Channel::Micro)
        ));
        let accepted = MatterFacts {
            channel: Channel::Leader,
            state: State::Accepted,
            extension_pending: false,
        };
        assert!(may(Leader, Action::Take(T::Claim), accepted));
        assert!(!may(Dispatcher, Action::Take(T::Dispatch), accepted));
    }

    #[test]
    fn pages_by_role() {
        let table: &[(Role, &[Page])] = &[
            (Admin, &[Page::Matters, Page::Overdue, Page::Intake]),
            (Dispatcher, &[Page::Matters, Page::Overdue, Page::Intake]),
            (Leader, &[Page::Matters]),
            (UnitStaff, &[Page::Matters, Page::Overdue]),
            (Volunteer, &[]),
        ];
        for (role, pages) in table {
            for page in Page::ALL {
                assert_eq!(
                    may_view(*role, page),
                    pages.contains(&page),
                    "{role} {page:?}"
                );
            }
        }
    }

    #[test]
    fn scopes() {
        assert!(Scope::of(Dispatcher, vec![]).covers(Channel::Online, None));
        let unit = Scope::of(UnitStaff, vec![3, 30, 31]);
        assert!(unit.covers(Channel::Online, Some(31)));
        assert!(!unit.covers(Channel::Online, Some(4)));
        assert!(!unit.covers(Channel::Online, None));
        assert_eq!(Scope::of(UnitStaff, vec![]), Scope::Nothing);
        assert!(Scope::of(Leader, vec![]).covers(Channel::Leader, None));
        assert!(!Scope::of(Leader, vec![]).covers(Channel::Online, Some(3)));
        assert!(!Scope::of(Volunteer, vec![1]).covers(Channel::Online, Some(1)));
        assert!(sees_citizen(UnitStaff) && !sees_citizen(Leader) && !sees_citizen(Volunteer));
    }

    #[test]
    fn action_codes_round_trip() {
        for a in Action::all() {
            assert_eq!(Action::from_code(a.code()), Some(a));
        }
    }
}

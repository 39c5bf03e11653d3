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
    /// 批示: a leader's instruction on a project they claimed.
    Instruct,
    /// Add or update a milestone of a leader or department matter.
    Milestone,
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
            Action::Instruct,
            Action::Milestone,
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
            Action::Instruct => "instruct",
            Action::Milestone => "milestone",
        }
    }

    pub fn from_code(code: &str) -> Option<Action> {
        Action::all().into_iter().find(|a| a.code() == code)
    }
}

impl Action {
    /// The message key of its button and form.
    pub fn label_key(self) -> &'static str {
        match self {
            Action::Take(t) => match t {
                Transition::Accept => "staff.action.accept",
                Transition::Reject => "staff.action.reject",
                Transition::Merge => "staff.action.merge",
                Transition::Dispatch => "staff.action.dispatch",
                Transition::Claim => "staff.action.claim",
                Transition::SignFor => "staff.action.sign",
                Transition::Return => "staff.action.return",
                Transition::Resolve => "staff.action.resolve",
                Transition::Verify => "staff.action.verify",
                Transition::SendBack => "staff.action.send_back",
                Transition::RateSatisfied => "staff.action.rate_satisfied",
                Transition::RateUnsatisfied => "staff.action.rate_unsatisfied",
                Transition::Timeout => "staff.action.timeout",
                Transition::Close => "staff.action.close",
                Transition::Reopen => "staff.action.reopen",
            },
            Action::Note => "staff.action.note",
            Action::Urge => "staff.action.urge",
            Action::AskExtension => "staff.action.ask_extension",
            Action::DecideExtension => "staff.action.decide_extension",
            Action::Reroute => "staff.action.reroute",
            Action::Instruct => "staff.action.instruct",
            Action::Milestone => "staff.action.milestone",
        }
    }
}

/// A matter staff start themselves rather than receive from a citizen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plan {
    /// A key project for a district leader to claim (区领导认领).
    Project,
    /// A department's or town's own key matter (部门镇街).
    Department,
    /// A community micro-matter, paid from the fund (微实事).
    Micro,
    /// A community's request for a service from the volunteers' menu.
    Service,
}

impl Plan {
    pub const ALL: [Plan; 4] = [Plan::Project, Plan::Department, Plan::Micro, Plan::Service];

    /// The channel the planned matter belongs to.
    pub fn channel(self) -> Channel {
        match self {
            Plan::Project => Channel::Leader,
            Plan::Department => Channel::Department,
            Plan::Micro => Channel::Micro,
            Plan::Service => Channel::Volunteer,
        }
    }

    /// The page its form is on.
    pub fn page(self) -> Page {
        match self {
            Plan::Project => Page::PlanProject,
            Plan::Department => Page::PlanDepartment,
            Plan::Micro => Page::RaiseMicro,
            Plan::Service => Page::ServiceRequest,
        }
    }

    /// The steps a planned matter takes at once, in its planner's name: a
    /// project is accepted (and waits for a leader's claim), a department
    /// matter is accepted and dispatched to the unit that owns it, a
    /// service request is accepted (and waits for a volunteer); a
    /// micro-matter waits for a dispatcher to approve its money.
    pub fn first_steps(self) -> &'static [Transition] {
        match self {
            Plan::Project | Plan::Service => &[Transition::Accept],
            Plan::Department => &[Transition::Accept, Transition::Dispatch],
            Plan::Micro => &[],
        }
    }
}

/// Whether `role` may plan a matter of this kind.
pub fn may_plan(role: Role, plan: Plan) -> bool {
    may_view(role, plan.page())
}

/// Whether whoever planned a new matter takes `transition` on it as one of
/// its first steps, whatever their role: a unit plans its own key matter
/// and it goes to itself, without waiting for a dispatcher. This is all
/// that planning lets a role do; every later step is [`may`]'s question.
pub fn planner_may_take(plan: Plan, transition: Transition) -> bool {
    plan.first_steps().contains(&transition)
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
    /// Measures and charts.
    Dashboard,
    /// Planning a key project for a leader to claim.
    PlanProject,
    /// Planning a department or town matter.
    PlanDepartment,
    /// Raising a community micro-matter.
    RaiseMicro,
    /// The rolling fund and its ledger.
    Fund,
    /// Putting money into the fund.
    FundAdmin,
    /// Volunteer teams, the service menu, volunteers and their records.
    Volunteers,
    /// Creating teams and menu items.
    VolunteerAdmin,
    /// A community asking for a menu item.
    ServiceRequest,
    /// A volunteer's own page: report, claims, services.
    VolunteerSelf,
    /// Categories, units and accounts.
    Administration,
}

impl Page {
    pub const ALL: [Page; 14] = [
        Page::Matters,
        Page::Overdue,
        Page::Intake,
        Page::Dashboard,
        Page::PlanProject,
        Page::PlanDepartment,
        Page::RaiseMicro,
        Page::Fund,
        Page::FundAdmin,
        Page::Volunteers,
        Page::VolunteerAdmin,
        Page::ServiceRequest,
        Page::VolunteerSelf,
        Page::Administration,
    ];
}

/// Whether `role` may open `page`.
pub fn may_view(role: Role, page: Page) -> bool {
    use Role::*;
    match page {
        // Volunteers work on their own page; their service requests are
        // reached from there.
        Page::Matters => true,
        Page::Overdue => matches!(role, Admin | Dispatcher | UnitStaff),
        Page::Intake | Page::PlanProject | Page::VolunteerAdmin => {
            matches!(role, Admin | Dispatcher)
        }
        Page::Dashboard | Page::Fund | Page::Volunteers => role != Volunteer,
        Page::PlanDepartment | Page::RaiseMicro | Page::ServiceRequest => {
            matches!(role, Admin | Dispatcher | UnitStaff)
        }
        Page::FundAdmin | Page::Administration => role == Admin,
        Page::VolunteerSelf => role == Volunteer,
    }
}

/// What the matter looks like to the permission check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatterFacts {
    pub channel: Channel,
    pub state: State,
    /// A unit has asked for an extension that nobody has decided yet.
    pub extension_pending: bool,
    /// Who has claimed it (leader projects, volunteer services).
    pub claim: Claim,
}

/// Whether a matter is claimed, as seen by the person asking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    Nobody,
    Me,
    Someone,
}

/// Whether `role` may take `action` on a matter with these facts. The
/// matter must also be within the role's [`Scope`]; that is checked with
/// the unit tree, by [`Scope::covers`].
pub fn may(role: Role, action: Action, m: MatterFacts) -> bool {
    use Role::*;
    use State::*;
    let working = matches!(m.state, Assigned | InProgress);
    let live = !matches!(m.state, Closed | Rejected | Merged);
    let volunteer_work = m.channel == Channel::Volunteer;
    match action {
        Action::Take(t) => {
            let allowed =
                may_take(Actor::Staff(role), t) && next_state(m.channel, m.state, t).is_ok();
            // One leader per project, one volunteer per service: a claim is
            // only taken from nobody, and a volunteer works only on what
            // they claimed. Units do not handle volunteer services.
            let claim_rule = match (role, t) {
                (Leader, Transition::Claim) => {
                    m.channel == Channel::Leader && m.claim != Claim::Someone
                }
                (Volunteer, Transition::Claim) => volunteer_work && m.claim == Claim::Nobody,
                (Volunteer, _) => volunteer_work && m.claim == Claim::Me,
                (UnitStaff, _) => !volunteer_work,
                _ => true,
            };
            allowed && claim_rule
        }
        Action::Note => {
            (matches!(role, Admin | Dispatcher | UnitStaff | Leader)
                || (role == Volunteer && m.claim == Claim::Me))
                && !matches!(m.state, Rejected | Merged)
        }
        Action::Urge => matches!(role, Admin | Dispatcher) && working,
        Action::AskExtension => {
            role == UnitStaff && working && !m.extension_pending && !volunteer_work
        }
        Action::DecideExtension => {
            matches!(role, Admin | Dispatcher) && working && m.extension_pending
        }
        Action::Reroute => {
            matches!(role, Admin | Dispatcher) && matches!(m.state, Submitted | Accepted)
        }
        Action::Instruct => {
            role == Leader && m.channel == Channel::Leader && m.claim == Claim::Me && live
        }
        Action::Milestone => {
            m.channel.needs_acceptance()
                && live
                && match role {
                    Admin | Dispatcher | UnitStaff => true,
                    Leader => m.claim == Claim::Me,
                    Volunteer => false,
                }
        }
    }
}

/// Whether a role sees citizens' names and full phone numbers on a
/// matter's page (everywhere else phones are masked).
pub fn sees_citizen(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Dispatcher | Role::UnitStaff)
}

/// Where a volunteer belongs: their home unit and the community they
/// reported to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Belonging {
    pub home_unit: Option<i64>,
    pub community: Option<i64>,
}

/// Whether a staff member sees a volunteer's record (双管理, managed by
/// both): everyone sees their own; unit staff see volunteers whose home unit
/// or community is one of theirs; other roles with the volunteers' overview
/// see every volunteer; a volunteer sees no one else.
pub fn sees_volunteer(role: Role, scope: &Scope, is_self: bool, volunteer: Belonging) -> bool {
    if is_self {
        return true;
    }
    match scope {
        Scope::Units(units) => [volunteer.home_unit, volunteer.community]
            .into_iter()
            .flatten()
            .any(|u| units.contains(&u)),
        _ => role != Role::Volunteer,
    }
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
            Role::Volunteer => Scope::Channel(Channel::Volunteer),
            Role::UnitStaff => Scope::Nothing,
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
        // Online matters: no claims, milestones or instructions, no volunteers.
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
            Action::Instruct | Action::Milestone => false,
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
                            claim: Claim::Nobody,
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
        assert_eq!(checked, 5 * 22 * 8 * 2);
        assert!(allowed > 50, "{allowed}");
    }

    fn facts(channel: Channel, state: State, claim: Claim) -> MatterFacts {
        MatterFacts {
            channel,
            state,
            extension_pending: false,
            claim,
        }
    }

    #[test]
    fn channel_rules_reach_the_matrix() {
        use Claim::*;
        let resolved = |channel| facts(channel, State::Resolved, Nobody);
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
        let project = |claim| facts(Channel::Leader, State::Accepted, claim);
        assert!(may(Leader, Action::Take(T::Claim), project(Nobody)));
        assert!(
            !may(Leader, Action::Take(T::Claim), project(Someone)),
            "one leader per project"
        );
        assert!(!may(Dispatcher, Action::Take(T::Dispatch), project(Nobody)));
        let working = |claim| facts(Channel::Leader, State::InProgress, claim);
        assert!(may(Leader, Action::Instruct, working(Me)));
        assert!(!may(Leader, Action::Instruct, working(Someone)));
        assert!(may(Leader, Action::Milestone, working(Me)));
        assert!(may(UnitStaff, Action::Milestone, working(Nobody)));
        assert!(!may(
            Dispatcher,
            Action::Milestone,
            facts(Channel::Online, State::InProgress, Nobody)
        ));
        assert!(!may(
            UnitStaff,
            Action::Milestone,
            facts(Channel::Leader, State::Closed, Nobody)
        ));

        let service = |state, claim| facts(Channel::Volunteer, state, claim);
        assert!(may(
            Volunteer,
            Action::Take(T::Claim),
            service(State::Accepted, Nobody)
        ));
        assert!(!may(
            Volunteer,
            Action::Take(T::Claim),
            service(State::Accepted, Someone)
        ));
        assert!(may(
            Volunteer,
            Action::Take(T::SignFor),
            service(State::Assigned, Me)
        ));
        assert!(!may(
            Volunteer,
            Action::Take(T::SignFor),
            service(State::Assigned, Someone)
        ));
        assert!(may(
            Volunteer,
            Action::Take(T::Resolve),
            service(State::InProgress, Me)
        ));
        assert!(!may(
            UnitStaff,
            Action::Take(T::Resolve),
            service(State::InProgress, Nobody)
        ));
        assert!(!may(
            Volunteer,
            Action::Take(T::Resolve),
            facts(Channel::Online, State::InProgress, Me)
        ));
        assert!(!may(
            Leader,
            Action::Take(T::Claim),
            service(State::Accepted, Nobody)
        ));
    }

    #[test]
    fn pages_by_role() {
        use Page::*;
        let table: &[(Role, &[Page])] = &[
            (
                Admin,
                &[
                    Matters,
                    Overdue,
                    Intake,
                    Dashboard,
                    PlanProject,
                    PlanDepartment,
                    RaiseMicro,
                    Fund,
                    FundAdmin,
                    Volunteers,
                    VolunteerAdmin,
                    ServiceRequest,
                    Administration,
                ],
            ),
            (
                Dispatcher,
                &[
                    Matters,
                    Overdue,
                    Intake,
                    Dashboard,
                    PlanProject,
                    PlanDepartment,
                    RaiseMicro,
                    Fund,
                    Volunteers,
                    VolunteerAdmin,
                    ServiceRequest,
                ],
            ),
            (Leader, &[Matters, Dashboard, Fund, Volunteers]),
            (
                UnitStaff,
                &[
                    Matters,
                    Overdue,
                    Dashboard,
                    PlanDepartment,
                    RaiseMicro,
                    Fund,
                    Volunteers,
                    ServiceRequest,
                ],
            ),
            (Volunteer, &[Matters, VolunteerSelf]),
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
        assert!(Scope::of(Volunteer, vec![]).covers(Channel::Volunteer, Some(1)));
        assert!(sees_citizen(UnitStaff) && !sees_citizen(Leader) && !sees_citizen(Volunteer));
    }

    #[test]
    fn who_may_plan_what() {
        use Plan::*;
        // Written out by hand: leaders and volunteers plan nothing; units
        // plan their own key matters, micro-matters and service requests.
        let table: &[(Role, &[Plan])] = &[
            (Admin, &[Project, Department, Micro, Service]),
            (Dispatcher, &[Project, Department, Micro, Service]),
            (Leader, &[]),
            (UnitStaff, &[Department, Micro, Service]),
            (Volunteer, &[]),
        ];
        let mut checked = 0;
        for (role, plans) in table {
            for plan in Plan::ALL {
                assert_eq!(
                    may_plan(*role, plan),
                    plans.contains(&plan),
                    "{role} {plan:?}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 5 * 4);
    }

    #[test]
    fn a_planner_takes_only_the_first_steps_and_they_lead_somewhere() {
        use Plan::*;
        let table: &[(Plan, &[Transition])] = &[
            (Project, &[T::Accept]),
            (Department, &[T::Accept, T::Dispatch]),
            (Micro, &[]),
            (Service, &[T::Accept]),
        ];
        for (plan, steps) in table {
            for t in Transition::ALL {
                assert_eq!(
                    planner_may_take(*plan, t),
                    steps.contains(&t),
                    "{plan:?} {t}"
                );
            }
            // Each first step is a real step from where the matter stands.
            let mut state = State::Submitted;
            for t in plan.first_steps() {
                state = next_state(plan.channel(), state, *t).expect("a valid first step");
            }
        }
        // A unit may plan a department matter and so accept and dispatch it
        // at once; later, the same unit may not accept or dispatch anything.
        assert!(may_plan(UnitStaff, Department) && planner_may_take(Department, T::Dispatch));
        let accepted = facts(Channel::Department, State::Accepted, Claim::Nobody);
        assert!(!may(UnitStaff, Action::Take(T::Dispatch), accepted));
        let submitted = facts(Channel::Department, State::Submitted, Claim::Nobody);
        assert!(!may(UnitStaff, Action::Take(T::Accept), submitted));
    }

    #[test]
    fn every_action_has_a_label() {
        for a in Action::all() {
            assert_eq!(a.label_key(), format!("staff.action.{}", a.code()));
        }
    }

    #[test]
    fn volunteers_are_seen_by_both_their_units() {
        let from = |home, community| Belonging {
            home_unit: home,
            community,
        };
        let town = Scope::of(UnitStaff, vec![3, 30, 31]);
        assert!(sees_volunteer(
            UnitStaff,
            &town,
            false,
            from(Some(3), Some(40))
        ));
        assert!(sees_volunteer(
            UnitStaff,
            &town,
            false,
            from(Some(9), Some(31))
        ));
        assert!(!sees_volunteer(
            UnitStaff,
            &town,
            false,
            from(Some(9), Some(40))
        ));
        assert!(!sees_volunteer(UnitStaff, &town, false, from(None, None)));
        assert!(sees_volunteer(
            Dispatcher,
            &Scope::All,
            false,
            from(None, None)
        ));
        assert!(sees_volunteer(
            Leader,
            &Scope::Channel(Channel::Leader),
            false,
            from(None, None)
        ));
        let volunteer = Scope::Channel(Channel::Volunteer);
        assert!(!sees_volunteer(
            Volunteer,
            &volunteer,
            false,
            from(Some(3), Some(31))
        ));
        assert!(sees_volunteer(
            Volunteer,
            &volunteer,
            true,
            from(None, None)
        ));
    }

    #[test]
    fn action_codes_round_trip() {
        for a in Action::all() {
            assert_eq!(Action::from_code(a.code()), Some(a));
        }
    }
}

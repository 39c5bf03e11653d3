//! Who may do what (DESIGN.md section 3). Every permission question in the
//! product is answered here, in one place.

use super::code::codes;
use super::lifecycle::Transition;

/// A staff member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Manages units, users, categories, deadlines, the fund and API keys.
    Admin,
    /// 受理派单员: triage, dispatch, urge, extensions, acceptance, close.
    Dispatcher,
    /// 区领导: claims key projects and gives instructions.
    Leader,
    /// 承办人员: handles the matters of one unit.
    UnitStaff,
    /// 志愿者: party-member volunteer.
    Volunteer,
}

codes!(Role {
    Admin => "admin", "role.admin";
    Dispatcher => "dispatcher", "role.dispatcher";
    Leader => "leader", "role.leader";
    UnitStaff => "unit", "role.unit";
    Volunteer => "volunteer", "role.volunteer";
});

/// Whoever takes a step in a matter's life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// The person who raised the request, known only by its tracking code.
    Citizen,
    /// A logged-in staff member.
    Staff(Role),
    /// The server itself (timeouts).
    System,
}

/// Whether `actor` may take `transition` at all. Whether the matter is in
/// the right state is [`super::lifecycle::next_state`]'s question; whether it
/// belongs to the actor's unit is asked by the staff workspace.
pub fn may_take(actor: Actor, transition: Transition) -> bool {
    use Transition as T;
    match actor {
        Actor::Citizen => matches!(transition, T::RateSatisfied | T::RateUnsatisfied),
        Actor::System => transition == T::Timeout,
        Actor::Staff(role) => match role {
            Role::Admin | Role::Dispatcher => matches!(
                transition,
                T::Accept
                    | T::Reject
                    | T::Merge
                    | T::Dispatch
                    | T::Verify
                    | T::SendBack
                    | T::Close
                    | T::Reopen
            ),
            Role::Leader => transition == T::Claim,
            Role::UnitStaff => matches!(transition, T::SignFor | T::Return | T::Resolve),
            // Volunteers take up and deliver services (volunteer channel only,
            // which `access::may` checks).
            Role::Volunteer => matches!(transition, T::Claim | T::SignFor | T::Resolve),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transition as T;

    #[test]
    fn the_whole_matrix_of_actor_and_transition() {
        let table: &[(Actor, &[Transition])] = &[
            (Actor::Citizen, &[T::RateSatisfied, T::RateUnsatisfied]),
            (Actor::System, &[T::Timeout]),
            (
                Actor::Staff(Role::Admin),
                &[
                    T::Accept,
                    T::Reject,
                    T::Merge,
                    T::Dispatch,
                    T::Verify,
                    T::SendBack,
                    T::Close,
                    T::Reopen,
                ],
            ),
            (
                Actor::Staff(Role::Dispatcher),
                &[
                    T::Accept,
                    T::Reject,
                    T::Merge,
                    T::Dispatch,
                    T::Verify,
                    T::SendBack,
                    T::Close,
                    T::Reopen,
                ],
            ),
            (Actor::Staff(Role::Leader), &[T::Claim]),
            (
                Actor::Staff(Role::UnitStaff),
                &[T::SignFor, T::Return, T::Resolve],
            ),
            (
                Actor::Staff(Role::Volunteer),
                &[T::Claim, T::SignFor, T::Resolve],
            ),
        ];
        for (actor, allowed) in table {
            for t in Transition::ALL {
                assert_eq!(may_take(*actor, t), allowed.contains(&t), "{actor:?} {t}");
            }
        }
        // Every transition has somebody who may take it.
        for t in Transition::ALL {
            assert!(
                table.iter().any(|(a, _)| may_take(*a, t)),
                "{t} is orphaned"
            );
        }
    }

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.code().parse::<Role>(), Ok(r));
        }
        assert!("root".parse::<Role>().is_err());
    }
}

//! The five channels (五种办事途径) and the ways a request reaches the office.

use super::code::codes;

/// The channel a matter belongs to. Every matter is in exactly one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Key projects claimed by a district leader (区领导认领).
    Leader,
    /// District-level matters a department or town plans itself (部门镇街).
    Department,
    /// Community micro-matters paid from the rolling fund (微实事).
    Micro,
    /// Party-member volunteer service (党员志愿服务).
    Volunteer,
    /// The 24-hour online platform and the radio call-in show (线上平台).
    Online,
}

codes!(Channel {
    Leader => "leader", "channel.leader";
    Department => "department", "channel.department";
    Micro => "micro", "channel.micro";
    Volunteer => "volunteer", "channel.volunteer";
    Online => "online", "channel.online";
});

impl Channel {
    /// Leader and department matters end with an acceptance (验收), not a
    /// plain close.
    pub fn needs_acceptance(self) -> bool {
        matches!(self, Channel::Leader | Channel::Department)
    }

    /// Only online matters are rated by the citizen who raised them.
    pub fn is_rated_by_citizen(self) -> bool {
        self == Channel::Online
    }
}

/// How a request reached the office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    Web,
    Radio,
    Phone,
    WalkIn,
    Api,
    /// Planned by staff (projects, department matters, micro-matters).
    Staff,
}

codes!(Source {
    Web => "web", "source.web";
    Radio => "radio", "source.radio";
    Phone => "phone", "source.phone";
    WalkIn => "walk-in", "source.walk-in";
    Api => "api", "source.api";
    Staff => "staff", "source.staff";
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Channel::ALL {
            assert_eq!(c.code().parse::<Channel>(), Ok(c));
        }
        for s in Source::ALL {
            assert_eq!(s.code().parse::<Source>(), Ok(s));
        }
        assert!("nope".parse::<Channel>().is_err());
        assert!("".parse::<Source>().is_err());
    }

    #[test]
    fn acceptance_and_rating_belong_to_the_right_channels() {
        let accepted: Vec<_> = Channel::ALL
            .into_iter()
            .filter(|c| c.needs_acceptance())
            .collect();
        assert_eq!(accepted, [Channel::Leader, Channel::Department]);
        let rated: Vec<_> = Channel::ALL
            .into_iter()
            .filter(|c| c.is_rated_by_citizen())
            .collect();
        assert_eq!(rated, [Channel::Online]);
    }
}

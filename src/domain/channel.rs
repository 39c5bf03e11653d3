//! The five channels (五种办事途径) and the ways a request reaches the office.

use std::fmt;
use std::str::FromStr;

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

impl Channel {
    pub const ALL: [Channel; 5] = [
        Channel::Leader,
        Channel::Department,
        Channel::Micro,
        Channel::Volunteer,
        Channel::Online,
    ];

    /// The stable code stored in the database and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Leader => "leader",
            Channel::Department => "department",
            Channel::Micro => "micro",
            Channel::Volunteer => "volunteer",
            Channel::Online => "online",
        }
    }

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

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A code that names no known channel, source, state or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}

impl FromStr for Channel {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
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

impl Source {
    pub const ALL: [Source; 6] = [
        Source::Web,
        Source::Radio,
        Source::Phone,
        Source::WalkIn,
        Source::Api,
        Source::Staff,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Source::Web => "web",
            Source::Radio => "radio",
            Source::Phone => "phone",
            Source::WalkIn => "walk-in",
            Source::Api => "api",
            Source::Staff => "staff",
        }
    }
}

impl FromStr for Source {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Source::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

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

//! The citizen's rating of a resolved online request (评价).

use super::code::codes;
use super::lifecycle::Transition;

/// What the citizen thought of the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意: the matter is handled again.
    Unsatisfied,
}

codes!(Rating {
    Satisfied => "satisfied", "rating.satisfied";
    Basic => "basic", "rating.basic";
    Unsatisfied => "unsatisfied", "rating.unsatisfied";
});

impl Rating {
    /// The step a rating takes: satisfied or basically satisfied closes the
    /// matter, unsatisfied sends it back to work.
    pub fn transition(self) -> Transition {
        match self {
            Rating::Satisfied | Rating::Basic => Transition::RateSatisfied,
            Rating::Unsatisfied => Transition::RateUnsatisfied,
        }
    }

    /// Whether it counts towards the satisfaction rate's numerator.
    pub fn is_satisfied(self) -> bool {
        self != Rating::Unsatisfied
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_read_back_and_only_unsatisfied_reopens() {
        for r in Rating::ALL {
            assert_eq!(r.code().parse::<Rating>(), Ok(r));
        }
        assert!("great".parse::<Rating>().is_err());
        let closing: Vec<_> = Rating::ALL
            .into_iter()
            .filter(|r| r.transition() == Transition::RateSatisfied)
            .collect();
        assert_eq!(closing, [Rating::Satisfied, Rating::Basic]);
        assert_eq!(
            Rating::Unsatisfied.transition(),
            Transition::RateUnsatisfied
        );
    }
}

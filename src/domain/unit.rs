//! Units (单位) form a tree: the district, its departments and towns, and
//! the villages and communities under the towns.

use std::str::FromStr;

use super::channel::UnknownCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnitKind {
    /// 区
    District,
    /// 区直部门
    Department,
    /// 镇街
    Town,
    /// 村居
    Community,
}

impl UnitKind {
    pub const ALL: [UnitKind; 4] = [
        UnitKind::District,
        UnitKind::Department,
        UnitKind::Town,
        UnitKind::Community,
    ];

    pub fn code(self) -> &'static str {
        match self {
            UnitKind::District => "district",
            UnitKind::Department => "department",
            UnitKind::Town => "town",
            UnitKind::Community => "community",
        }
    }

    /// The kind a unit's parent must have; `None` for the district (the root).
    pub fn parent_kind(self) -> Option<UnitKind> {
        match self {
            UnitKind::District => None,
            UnitKind::Department | UnitKind::Town => Some(UnitKind::District),
            UnitKind::Community => Some(UnitKind::Town),
        }
    }

    /// A citizen's request is placed in a town or one of its communities.
    pub fn is_place(self) -> bool {
        matches!(self, UnitKind::Town | UnitKind::Community)
    }
}

impl FromStr for UnitKind {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitKind::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_has_one_root_and_towns_hold_communities() {
        let roots: Vec<_> = UnitKind::ALL
            .into_iter()
            .filter(|k| k.parent_kind().is_none())
            .collect();
        assert_eq!(roots, [UnitKind::District]);
        assert_eq!(UnitKind::Community.parent_kind(), Some(UnitKind::Town));
        for k in UnitKind::ALL {
            assert_eq!(k.code().parse::<UnitKind>(), Ok(k));
        }
        assert!(UnitKind::Town.is_place() && !UnitKind::Department.is_place());
    }
}

//! Units (单位) form a tree: the district, its departments and towns, and
//! the villages and communities under the towns.

use super::code::codes;

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

codes!(UnitKind {
    District => "district", "admin.kind_district";
    Department => "department", "admin.kind_department";
    Town => "town", "admin.kind_town";
    Community => "community", "admin.kind_community";
});

impl UnitKind {
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

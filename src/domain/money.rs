//! Money: an integer number of fen (分), never a float. Shown as ¥1,234.50.

use super::code::codes;

/// Formats fen as yuan with thousands separators: 123456 → "¥1,234.56".
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}

/// Reads an amount in yuan as typed ("1234", "1,234.5", "¥1234.50") into
/// fen. At most two decimals; positive; at most one billion yuan.
pub fn parse_yuan(typed: &str) -> Option<i64> {
    let cleaned: String = typed
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| *c != ',' && *c != '，' && !c.is_whitespace())
        .collect();
    let (whole, frac) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty() || whole.len() > 10 || frac.len() > 2 {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    let fen = whole.checked_mul(100)?.checked_add(frac)?;
    (fen > 0 && fen <= 100_000_000_000).then_some(fen)
}

/// The kinds of entry in the fund's ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Money put into the fund by the district.
    Allocation,
    /// Set aside for an approved micro-matter.
    Reservation,
    /// A reservation's unspent rest, back in the fund.
    Release,
    /// Spent on a micro-matter (out of its reservation).
    Spend,
}

codes!(Entry {
    Allocation => "allocation", "staff.fund.kind_allocation";
    Reservation => "reservation", "staff.fund.kind_reservation";
    Release => "release", "staff.fund.kind_release";
    Spend => "spend", "staff.fund.kind_spend";
});

/// The fund's position, from the sums of its ledger.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fund {
    pub allocated: i64,
    pub reserved: i64,
    pub released: i64,
    pub spent: i64,
}

impl Fund {
    /// Adds up ledger entries.
    pub fn from_entries(entries: impl IntoIterator<Item = (Entry, i64)>) -> Fund {
        let mut f = Fund::default();
        for (kind, amount) in entries {
            match kind {
                Entry::Allocation => f.allocated += amount,
                Entry::Reservation => f.reserved += amount,
                Entry::Release => f.released += amount,
                Entry::Spend => f.spent += amount,
            }
        }
        f
    }

    /// What can still be approved: allocated, less reservations, plus what came back.
    pub fn available(&self) -> i64 {
        self.allocated - self.reserved + self.released
    }

    /// Set aside and not yet spent or released.
    pub fn outstanding(&self) -> i64 {
        self.reserved - self.released - self.spent
    }

    /// Whether reserving `amount` keeps the balance from going negative.
    pub fn can_reserve(&self, amount: i64) -> bool {
        amount > 0 && amount <= self.available()
    }
}

/// How a micro-matter's reservation is settled when its spending is
/// recorded: (spend, release). Spending more than was approved is refused.
pub fn settle(approved: i64, spent: i64) -> Option<(i64, i64)> {
    (spent >= 0 && spent <= approved).then_some((spent, approved - spent))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_shown_with_separators() {
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(123_456), "¥1,234.56");
        assert_eq!(yuan(15_000_000_000), "¥150,000,000.00");
        assert_eq!(yuan(-100), "-¥1.00");
    }

    #[test]
    fn typed_amounts_become_fen() {
        assert_eq!(parse_yuan("1234"), Some(123_400));
        assert_eq!(parse_yuan("¥1,234.5"), Some(123_450));
        assert_eq!(parse_yuan(" 0.01 "), Some(1));
        for bad in [
            "",
            "0",
            "-5",
            "1.234",
            "abc",
            "1e5",
            "12345678901",
            "1.2.3",
            "NaN",
        ] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_balance_follows_the_ledger() {
        let f = Fund::from_entries([
            (Entry::Allocation, 1000),
            (Entry::Reservation, 300),
            (Entry::Spend, 250),
            (Entry::Release, 50),
            (Entry::Reservation, 600),
        ]);
        assert_eq!(f.available(), 150);
        assert_eq!(f.outstanding(), 600);
        assert!(f.can_reserve(150) && !f.can_reserve(151) && !f.can_reserve(0));
        assert_eq!(settle(300, 250), Some((250, 50)));
        assert_eq!(settle(300, 301), None);
        assert_eq!(settle(300, 0), Some((0, 300)));
    }
}

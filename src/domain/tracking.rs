//! Tracking codes (受理编号): unguessable, and easy to read aloud on the
//! phone or the radio. `NH-7KQ3-M9XD`: a prefix and eight characters from an
//! alphabet of 32 that leaves out the look-alikes 0/O and 1/I, so 40 random
//! bits.

use rand::Rng;

/// 2-9 and A-Z without I and O.
const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
const BODY_LEN: usize = 8;

/// A fresh random code with the district's prefix.
pub fn generate<R: Rng + ?Sized>(prefix: &str, rng: &mut R) -> String {
    let mut body = String::with_capacity(BODY_LEN);
    for _ in 0..BODY_LEN {
        body.push(char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]));
    }
    format!("{prefix}-{}-{}", &body[..4], &body[4..])
}

/// Reads what a person typed (any case, with or without dashes and
/// spaces) as a code, or `None` if it cannot be one.
pub fn normalize(prefix: &str, typed: &str) -> Option<String> {
    let compact: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let body = compact.strip_prefix(&prefix.to_ascii_uppercase())?;
    if body.len() != BODY_LEN || !body.bytes().all(|b| ALPHABET.contains(&b)) {
        return None;
    }
    Some(format!("{prefix}-{}-{}", &body[..4], &body[4..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn generated_codes_read_back_as_themselves() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let code = generate("NH", &mut rng);
            assert_eq!(code.len(), 12);
            assert_eq!(normalize("NH", &code).as_deref(), Some(code.as_str()));
            assert!(!code[3..].contains(['0', 'O', '1', 'I']));
        }
    }

    #[test]
    fn typed_codes_are_forgiven_their_case_and_spacing() {
        assert_eq!(
            normalize("NH", " nh 7kq3 m9xd ").as_deref(),
            Some("NH-7KQ3-M9XD")
        );
        assert_eq!(
            normalize("NH", "NH7KQ3M9XD").as_deref(),
            Some("NH-7KQ3-M9XD")
        );
    }

    #[test]
    fn non_codes_are_refused() {
        for bad in [
            "",
            "NH",
            "NH-7KQ3-M9X",
            "NH-7KQ3-M9XDD",
            "XX-7KQ3-M9XD",
            "NH-7KQ0-M9XD",
            "NH-<sc-ript",
        ] {
            assert_eq!(normalize("NH", bad), None, "{bad}");
        }
    }

    #[test]
    fn codes_spread_over_the_whole_alphabet() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..200 {
            seen.extend(generate("NH", &mut rng).bytes());
        }
        for b in ALPHABET {
            assert!(seen.contains(b), "{}", char::from(*b));
        }
    }
}

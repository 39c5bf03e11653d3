//! Telephone numbers as people have them: mainland mobiles and landlines
//! with their area code (and perhaps an extension), read however they were
//! typed, stored in one form, and masked wherever a list shows them.
//!
//! Stored forms: a mobile is its 11 digits (`13812345678`); a landline is
//! area code, dash, number (`0757-86221234`), then dash and extension if
//! one was given (`0757-86221234-808`). Every entrance (the citizen's form,
//! staff intake, Open311, the search for one's own requests) reads numbers
//! with [`normalize`], so the same phone is always the same text.

use super::request::Problem;

/// The most characters a typed phone number may have.
const TYPED_CHARS: usize = 40;

/// Words people write before an extension: 转 and 分机 in Chinese, ext or
/// x in English, `#` or `,` from a dialler.
const EXTENSION_MARKS: [&str; 7] = ["转", "分机", "ext.", "ext", "x", "#", ","];

/// Reads a typed telephone number: a mainland mobile (`138 1234 5678`,
/// `+86 138-1234-5678`) or a landline with its area code (`0757-86221234`,
/// `(0757) 8622 1234`, `075786221234`, `+86 757 86221234`), with an
/// optional extension (`0757-86221234-808`, `0757-86221234转808`). Returns
/// the stored form.
pub fn normalize(typed: &str) -> Result<String, Problem> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(Problem::Required);
    }
    if typed.chars().count() > TYPED_CHARS {
        return Err(Problem::NotAPhoneNumber);
    }
    // Chinese input methods may type full-width digits.
    let lower: String = typed
        .to_lowercase()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    let (number, extension) = split_extension(&lower);
    let groups = digit_groups(number).ok_or(Problem::NotAPhoneNumber)?;
    let groups = without_country(groups);
    if let Some(ext) = extension {
        let ext = digit_groups(ext)
            .filter(|g| g.len() == 1 && (1..=6).contains(&g[0].len()))
            .ok_or(Problem::NotAPhoneNumber)?;
        return landline(&groups.concat())
            .map(|l| format!("{l}-{}", ext[0]))
            .ok_or(Problem::NotAPhoneNumber);
    }
    let whole = groups.concat();
    if let Some(mobile) = mobile(&whole) {
        return Ok(mobile);
    }
    if let Some(line) = landline(&whole) {
        return Ok(line);
    }
    // `0757-86221234-808`: a last short group after a whole landline is
    // its extension.
    if let [rest @ .., last] = groups.as_slice()
        && !rest.is_empty()
        && (1..=6).contains(&last.len())
        && let Some(line) = landline(&rest.concat())
    {
        return Ok(format!("{line}-{last}"));
    }
    Err(Problem::NotAPhoneNumber)
}

/// The number before an extension mark, and what follows it.
fn split_extension(typed: &str) -> (&str, Option<&str>) {
    for mark in EXTENSION_MARKS {
        if let Some((number, ext)) = typed.split_once(mark) {
            return (number, Some(ext));
        }
    }
    (typed, None)
}

/// The runs of digits, when everything between them is a separator people
/// write in phone numbers (spaces, dashes, dots, brackets) and a `+` comes
/// only first. `None` for anything else.
fn digit_groups(text: &str) -> Option<Vec<String>> {
    let text = text.trim();
    let body = text.strip_prefix('+').unwrap_or(text);
    let mut groups = vec![String::new()];
    for c in body.chars() {
        match c {
            '0'..='9' => groups.last_mut()?.push(c),
            ' ' | '-' | '.' | '(' | ')' | '（' | '）' | '\u{3000}' => {
                if !groups.last()?.is_empty() {
                    groups.push(String::new());
                }
            }
            _ => return None,
        }
    }
    groups.retain(|g| !g.is_empty());
    if groups.is_empty() {
        return None;
    }
    if text.starts_with('+') {
        // After a `+` only China's country code is understood.
        groups[0].insert(0, '+');
    }
    Some(groups)
}

/// Drops China's country code (`+86`, `0086`, `+86 (0)757`) so that what
/// is left is dialled as within the mainland: a landline gets its trunk
/// `0` back.
fn without_country(mut groups: Vec<String>) -> Vec<String> {
    let first = groups[0].clone();
    let rest = first
        .strip_prefix("+86")
        .or_else(|| first.strip_prefix("0086"));
    let Some(rest) = rest else {
        return groups;
    };
    groups[0] = rest.to_owned();
    groups.retain(|g| !g.is_empty());
    let whole = groups.concat();
    if whole.starts_with('0') || whole.starts_with('1') {
        groups
    } else {
        // `+86 757 86221234`: the area code without its trunk prefix.
        groups.insert(0, "0".to_owned());
        groups
    }
}

/// Eleven digits starting 13 to 19.
fn mobile(digits: &str) -> Option<String> {
    let b = digits.as_bytes();
    (b.len() == 11
        && b.iter().all(u8::is_ascii_digit)
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1]))
    .then(|| digits.to_owned())
}

/// An area code and a local number: `010` and `02x` are followed by eight
/// digits, the four-digit codes `03xx`–`09xx` by seven or eight; a local
/// number starts with 2 to 9.
fn landline(digits: &str) -> Option<String> {
    let b = digits.as_bytes();
    if b.len() < 3 || !b.iter().all(u8::is_ascii_digit) || b[0] != b'0' {
        return None;
    }
    let (area_len, local_lens): (usize, &[usize]) = match b[1] {
        b'1' if b[2] == b'0' => (3, &[8]),
        b'2' => (3, &[8]),
        b'3'..=b'9' => (4, &[7, 8]),
        _ => return None,
    };
    let local = digits.get(area_len..)?;
    let first = local.as_bytes().first()?;
    (local_lens.contains(&local.len()) && (b'2'..=b'9').contains(first))
        .then(|| format!("{}-{local}", &digits[..area_len]))
}

/// Whether a stored number is a mobile (one a text message can reach).
pub fn is_mobile(stored: &str) -> bool {
    mobile(stored).is_some()
}

/// The number without its extension, in digits only.
fn main_digits(stored: &str) -> String {
    let mut parts = stored.split('-');
    let area = parts.next().unwrap_or_default();
    match parts.next() {
        Some(local) => format!("{area}{local}"),
        None => area.to_owned(),
    }
}

/// The last four digits of the number (not of its extension): what a
/// citizen gives beside their code to rate their own request.
pub fn last_four(stored: &str) -> String {
    let digits: Vec<char> = main_digits(stored)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

/// The number for lists: `138****1234`, `0757****1234` (the area code, not
/// the extension, stays). What is not a stored number is all stars.
pub fn mask(stored: &str) -> String {
    let head = match stored.split_once('-') {
        Some((area, _)) if landline(&main_digits(stored)).is_some() => area.to_owned(),
        _ if mobile(stored).is_some() => stored[..3].to_owned(),
        _ => return "*".repeat(stored.chars().count().clamp(4, 11)),
    };
    format!("{head}****{}", last_four(stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_however_typed() {
        for typed in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "+8613812345678",
            "0086 13812345678",
            " 138.1234.5678 ",
            "138１２３４５６７８",
        ] {
            assert_eq!(normalize(typed).as_deref(), Ok("13812345678"), "{typed}");
        }
    }

    #[test]
    fn landlines_however_typed() {
        for typed in [
            "0757-86221234",
            "075786221234",
            "0757 8622 1234",
            "(0757) 86221234",
            "（0757）86221234",
            "0757-8622-1234",
            "+86 757 86221234",
            "+86 (0)757 86221234",
            "0086-757-86221234",
        ] {
            assert_eq!(normalize(typed).as_deref(), Ok("0757-86221234"), "{typed}");
        }
        assert_eq!(normalize("010-62345678").as_deref(), Ok("010-62345678"));
        assert_eq!(normalize("02087654321").as_deref(), Ok("020-87654321"));
        assert_eq!(normalize("0898-6234567").as_deref(), Ok("0898-6234567"));
    }

    #[test]
    fn extensions() {
        for typed in [
            "0757-86221234-808",
            "0757-86221234转808",
            "0757 86221234 分机 808",
            "0757-86221234 ext. 808",
            "0757-86221234 x808",
            "075786221234#808",
        ] {
            assert_eq!(
                normalize(typed).as_deref(),
                Ok("0757-86221234-808"),
                "{typed}"
            );
        }
    }

    #[test]
    fn refused() {
        assert_eq!(normalize(""), Err(Problem::Required));
        for typed in [
            "12812345678",
            "1381234567",
            "abcdefghijk",
            "86221234",
            "0757-1234567",
            "010-6234567",
            "0757-862212345",
            "13812345678转808",
            "0757-86221234转",
            "0757-86221234转1234567",
            "+1 212 555 0100",
            "0757-86221234-808-9",
        ] {
            assert_eq!(
                normalize(typed),
                Err(Problem::NotAPhoneNumber),
                "{typed} should be refused"
            );
        }
    }

    #[test]
    fn masks() {
        assert_eq!(mask("13812341234"), "138****1234");
        assert_eq!(mask("0757-86221234"), "0757****1234");
        assert_eq!(mask("0757-86221234-808"), "0757****1234");
        assert_eq!(mask("010-62345678"), "010****5678");
        assert_eq!(mask("123"), "****");
        assert_eq!(last_four("0757-86221234-808"), "1234");
        assert_eq!(last_four("13812345678"), "5678");
        assert!(is_mobile("13812345678"));
        assert!(!is_mobile("0757-86221234"));
    }
}

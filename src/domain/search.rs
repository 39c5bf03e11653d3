//! Free-text search over matters: what the index holds and what a query
//! asks of it.
//!
//! Chinese has no spaces between words and a dispatcher's query is often
//! two characters ("路灯", "井盖"), so the index holds character *bigrams*:
//! every two neighbouring characters of a field (three where all are ASCII
//! letters or digits, and every four digits in a row as well: see
//! `grams`). A query finds the matters
//! whose index has every bigram of the query; each one is then checked for
//! the query itself (a matter with "路灯" and "灯坏" somewhere has both
//! bigrams of "路灯坏" without containing it). What comes back is exactly
//! what a substring match would find.
//!
//! The same bigrams are written three ways so that results can be ranked
//! with the index alone:
//! - plain: from every field searched (title, description, address,
//!   tracking code, phone);
//! - `k` + bigram: from the tracking code and the phone number;
//! - `t` + bigram: from the title.
//!
//! A matter whose code or phone holds the query comes first (a dispatcher
//! types a caller's number or a code read out on the phone), then those
//! whose title holds it, then the rest; newest first within each.
//!
//! Text is folded before anything else: full-width letters and digits
//! become ASCII (an IME's "１３８" is "138"), ASCII letters lower case.
//! Separators (spaces, ASCII punctuation, Chinese punctuation) end a run of
//! characters; no bigram spans them. PostgreSQL computes the same tokens in
//! SQL (migration `search`, function `shishi_terms`); a test holds the two
//! to the same answers.

/// Where in a matter a query was found: the order of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// In the tracking code or the phone number.
    Key = 0,
    /// In the title.
    Title = 1,
    /// Anywhere else searched (or spread over several fields).
    Text = 2,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Key, Tier::Title, Tier::Text];

    /// The prefix of this tier's tokens in the index.
    pub fn prefix(self) -> &'static str {
        match self {
            Tier::Key => "k",
            Tier::Title => "t",
            Tier::Text => "",
        }
    }

    pub fn number(self) -> u8 {
        self as u8
    }

    pub fn from_number(n: u8) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.number() == n)
    }
}

/// The fields of a matter that search looks at.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fields<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub address: &'a str,
    pub code: &'a str,
    pub phone: Option<&'a str>,
}

/// Punctuation outside ASCII that separates words: the ideographic space,
/// CJK symbols and punctuation, general punctuation (dashes, quotes, …),
/// the middle dots, and the full-width forms of ASCII punctuation.
/// PostgreSQL's `shishi_fold`/`shishi_bigrams` list the same ranges.
const SEPARATOR_RANGES: [(char, char); 11] = [
    ('\u{00B7}', '\u{00B7}'),
    ('\u{2010}', '\u{2027}'),
    ('\u{3000}', '\u{3003}'),
    ('\u{3008}', '\u{3011}'),
    ('\u{3014}', '\u{301F}'),
    ('\u{30FB}', '\u{30FB}'),
    ('\u{FF01}', '\u{FF0F}'),
    ('\u{FF1A}', '\u{FF20}'),
    ('\u{FF3B}', '\u{FF40}'),
    ('\u{FF5B}', '\u{FF65}'),
    ('\u{FE30}', '\u{FE4F}'),
];

/// Whether `c` ends a run of searchable characters.
pub fn is_separator(c: char) -> bool {
    (c.is_ascii() && !c.is_ascii_alphanumeric())
        || SEPARATOR_RANGES
            .iter()
            .any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// One character folded: full-width letters and digits to ASCII, ASCII
/// letters to lower case; anything else as it is.
pub fn fold_char(c: char) -> char {
    let c = match c {
        '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    };
    c.to_ascii_lowercase()
}

/// A text folded (see [`fold_char`]).
pub fn fold(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// How many digits in a row make a gram of their own (see [`grams`]).
pub const DIGIT_GRAM: usize = 4;

/// Whether `gram` (without a tier's prefix) is one of [`DIGIT_GRAM`]
/// digits.
pub fn is_digit_gram(gram: &str) -> bool {
    gram.len() == DIGIT_GRAM && gram.bytes().all(|b| b.is_ascii_digit())
}

/// The grams of a folded text, each with `prefix`, into `out`: within each
/// run of searchable characters, every two neighbours, except that where
/// both are ASCII (letters, digits) it takes three instead. A pair of
/// digits says next to nothing (there are a hundred, and every phone
/// number and code has ten of them), so a caller's number looked up by its
/// digit pairs read most of the index; by its digit triples, a tenth.
/// Where four digits or more stand in a row, every four of them are a
/// gram too: there are a thousand digit triples, and at 10,000,000 matters
/// one of a phone number's was in 145,043 of them; there are ten thousand
/// four-digit grams, and two of a number's, apart, leave next to nothing
/// to check. (Six digits were tried first: a million grams, each with a
/// short list of its own, made the index's every insertion land on a page
/// of its own; at 10,000,000 the index took 14 minutes to build and
/// submissions fell from 2,980 to 2,062 a second, p99 26 → 180 ms.)
fn grams(prefix: &str, folded: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = folded.chars().collect();
    let mut push = |gram: &[char]| {
        let mut token = String::with_capacity(prefix.len() + 4 * gram.len());
        token.push_str(prefix);
        token.extend(gram);
        out.push(token);
    };
    for run in chars.split(|c| is_separator(*c)) {
        for (i, pair) in run.windows(2).enumerate() {
            if !(pair[0].is_ascii() && pair[1].is_ascii()) {
                push(pair);
            } else if let Some(triple) = run.get(i..i + 3).filter(|t| t[2].is_ascii()) {
                push(triple);
            }
        }
        for digits in run.windows(DIGIT_GRAM) {
            if digits.iter().all(char::is_ascii_digit) {
                push(digits);
            }
        }
    }
}

/// The tokens a matter is indexed under, each once, sorted.
pub fn document(f: &Fields<'_>) -> Vec<String> {
    let (title, description, address, code) = (
        fold(f.title),
        fold(f.description),
        fold(f.address),
        fold(f.code),
    );
    let phone = fold(f.phone.unwrap_or_default());
    let mut out = Vec::new();
    for text in [&title, &description, &address, &code, &phone] {
        grams("", text, &mut out);
    }
    grams(Tier::Key.prefix(), &code, &mut out);
    grams(Tier::Key.prefix(), &phone, &mut out);
    grams(Tier::Title.prefix(), &title, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

/// [`document`] as one string, tokens separated by spaces (SQLite's FTS5
/// table takes it so).
pub fn document_text(f: &Fields<'_>) -> String {
    document(f).join(" ")
}

/// [`document`] in PostgreSQL's `tsvector` text form: each token quoted,
/// separated by spaces (what `matters.search` holds there).
pub fn document_tsvector(f: &Fields<'_>) -> String {
    document(f)
        .iter()
        .map(|t| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// At most `n` of `items`, evenly spaced, the first and the last among them.
fn spread(items: Vec<String>, n: usize) -> Vec<String> {
    if items.len() <= n {
        return items;
    }
    if n < 2 {
        return items.into_iter().take(n).collect();
    }
    let last = items.len() - 1;
    let mut picked: Vec<usize> = (0..n).map(|k| k * last / (n - 1)).collect();
    picked.dedup();
    picked.into_iter().map(|i| items[i].clone()).collect()
}

/// How alike two titles are, from 0 to 1: the share of grams they have in
/// common (Dice's coefficient over the index's grams), leaving out those of
/// `shared` (the name of the place both are in, which says nothing about
/// what they ask).
pub fn similarity(a: &str, b: &str, shared: &str) -> f64 {
    let grams = |text: &str| {
        let mut out = Vec::new();
        grams("", &fold(text), &mut out);
        out.sort_unstable();
        out.dedup();
        out
    };
    let skip = grams(shared);
    let keep = |g: &String| skip.binary_search(g).is_err();
    let a: Vec<String> = grams(a).into_iter().filter(keep).collect();
    let b: Vec<String> = grams(b).into_iter().filter(keep).collect();
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.iter().filter(|g| b.binary_search(g).is_ok()).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Titles at least this alike are shown as possible duplicates.
pub const SIMILAR: f64 = 0.5;

/// A query as typed, ready to be looked up and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The words (split at white space), folded: each must occur.
    pub parts: Vec<String>,
    /// The grams looked up: of each part, at most [`LOOKUP_PER_PART`]
    /// (of four digits in a row, [`DIGIT_LOOKUP`] four-digit grams),
    /// spread along it, each once.
    grams: Vec<String>,
}

/// How many grams of one word are looked up in the index. Each one more
/// costs a list read from the index, and past a few they narrow nothing
/// down: four of a phone number's nine digit triples already single it
/// out. What the index finds is checked against the whole word anyway.
pub const LOOKUP_PER_PART: usize = 4;

/// How many four-digit grams of one word are looked up (see [`grams`]).
pub const DIGIT_LOOKUP: usize = 2;

impl Query {
    /// `None` when nothing is left to look for.
    pub fn parse(text: &str) -> Option<Query> {
        let folded = fold(text);
        let mut parts: Vec<String> = folded.split_whitespace().map(str::to_owned).collect();
        parts.sort();
        parts.dedup();
        if parts.is_empty() {
            return None;
        }
        let mut lookup = Vec::new();
        for p in &parts {
            let mut all = Vec::new();
            grams("", p, &mut all);
            let (digits, rest): (Vec<String>, Vec<String>) =
                all.into_iter().partition(|g| is_digit_gram(g));
            // Four digits in a row (a phone number, the last four of one)
            // are looked up by their four-digit grams alone.
            let (mut all, n) = if digits.is_empty() {
                (rest, LOOKUP_PER_PART)
            } else {
                (digits, DIGIT_LOOKUP)
            };
            // A run of digits or letters shares its start with many
            // others (a mobile number's "138", a code's prefix): its
            // grams are looked up from its second half, which is rarer
            // (issue 15: a phone number at 1,000,000 matters read the
            // long list of "138").
            if p.is_ascii() && all.len() >= 2 * n {
                all.drain(..all.len() / 2);
            }
            lookup.extend(spread(all, n));
        }
        lookup.sort_unstable();
        lookup.dedup();
        Some(Query {
            parts,
            grams: lookup,
        })
    }

    /// Whether the index can narrow this query down. A query with no two
    /// neighbouring searchable characters ("灯", "A 1"), or only two ASCII
    /// ones ("12"), cannot: it is matched by reading matters in order.
    pub fn indexed(&self) -> bool {
        !self.grams.is_empty()
    }

    /// Whether it is looked up by four-digit grams (a phone number, the
    /// last four of one): their lists are short, so they are read
    /// straight away.
    pub fn by_digit_grams(&self) -> bool {
        self.grams.iter().any(|g| is_digit_gram(g))
    }

    /// Whether every part is ASCII: a code, a phone number, a Latin word.
    /// Such a query is rare in titles and texts and its matches cluster
    /// (a caller's own matters), so it is read differently from Chinese.
    pub fn is_ascii(&self) -> bool {
        self.parts.iter().all(|p| p.is_ascii())
    }

    /// The tokens a matter in `tier` has in the index, all of them.
    pub fn tokens(&self, tier: Tier) -> Vec<String> {
        self.grams
            .iter()
            .map(|b| format!("{}{b}", tier.prefix()))
            .collect()
    }

    /// Where in these fields the query is found, if it is: each part as a
    /// substring of some field (after folding), ranked by [`Tier`].
    pub fn tier_of(&self, f: &Fields<'_>) -> Option<Tier> {
        let code = fold(f.code);
        let phone = fold(f.phone.unwrap_or_default());
        let title = fold(f.title);
        let in_key = |p: &str| code.contains(p) || phone.contains(p);
        if self.parts.iter().all(|p| in_key(p)) {
            return Some(Tier::Key);
        }
        if self.parts.iter().all(|p| title.contains(p.as_str())) {
            return Some(Tier::Title);
        }
        let (description, address) = (fold(f.description), fold(f.address));
        self.parts
            .iter()
            .all(|p| {
                in_key(p)
                    || title.contains(p.as_str())
                    || description.contains(p.as_str())
                    || address.contains(p.as_str())
            })
            .then_some(Tier::Text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(title: &'a str, description: &'a str) -> Fields<'a> {
        Fields {
            title,
            description,
            address: "",
            code: "NH2412000001",
            phone: Some("13812345678"),
        }
    }

    #[test]
    fn a_two_character_query_is_one_bigram() {
        let q = Query::parse("路灯").expect("query");
        assert_eq!(q.tokens(Tier::Text), vec!["路灯"]);
        assert_eq!(q.tokens(Tier::Title), vec!["t路灯"]);
        let doc = document(&fields("西街路灯不亮", ""));
        for t in q.tokens(Tier::Text).iter().chain(&q.tokens(Tier::Title)) {
            assert!(doc.contains(t), "{t} in {doc:?}");
        }
    }

    #[test]
    fn separators_end_runs_and_full_width_folds() {
        let mut out = Vec::new();
        grams("", &fold("Ａ１，路灯 b"), &mut out);
        assert_eq!(out, vec!["路灯"], "two ASCII characters are no token");
        out.clear();
        grams("", &fold("1380号A栋"), &mut out);
        assert_eq!(out, vec!["138", "380", "0号", "号a", "a栋", "1380"]);
        out.clear();
        // Four digits in a row are a gram too; a letter ends the row.
        grams("", "tel1381234567x8", &mut out);
        let four: Vec<&String> = out.iter().filter(|g| is_digit_gram(g)).collect();
        assert_eq!(
            four,
            vec!["1381", "3812", "8123", "1234", "2345", "3456", "4567"]
        );
        assert!(out.contains(&"67x".to_owned()) && out.contains(&"7x8".to_owned()));
        assert!(is_separator('，') && is_separator('、') && is_separator('\u{3000}'));
        assert!(!is_separator('路') && !is_separator('a') && !is_separator('7'));
    }

    #[test]
    fn tiers_rank_key_then_title_then_text() {
        let q = Query::parse("路灯").expect("query");
        assert_eq!(q.tier_of(&fields("路灯不亮", "")), Some(Tier::Title));
        assert_eq!(q.tier_of(&fields("不亮", "西街路灯")), Some(Tier::Text));
        assert_eq!(q.tier_of(&fields("不亮", "西街路 灯")), None);
        let phone = Query::parse("1381234").expect("query");
        assert_eq!(phone.tier_of(&fields("x", "")), Some(Tier::Key));
        // Parts in different fields: still found, ranked last.
        let spread = Query::parse("路灯 1381234").expect("query");
        assert_eq!(spread.tier_of(&fields("路灯", "")), Some(Tier::Text));
    }

    #[test]
    fn a_long_word_is_looked_up_by_a_few_grams_spread_along_it() {
        let q = Query::parse("13812345678").expect("query");
        // Eight four-digit grams: the first and the last of the second
        // half (not the "138…" that one mobile number in ten starts with).
        assert_eq!(q.tokens(Tier::Text), vec!["2345", "5678"]);
        assert_eq!(q.tokens(Tier::Key), vec!["k2345", "k5678"]);
        let last_four = Query::parse("5678").expect("query");
        assert_eq!(last_four.tokens(Tier::Text), vec!["5678"]);
        // Three digits: their triple; of a longer run of letters and
        // digits, four of the second half's triples.
        let part = Query::parse("123").expect("query");
        assert_eq!(part.tokens(Tier::Text), vec!["123"]);
        let code = Query::parse("nh7kq3m9xd").expect("query");
        assert_eq!(code.tokens(Tier::Text), vec!["3m9", "9xd", "m9x", "q3m"]);
        let chinese = Query::parse("夏北社区路灯不亮了").expect("query");
        // Eight pairs: the first, the last and two between.
        assert_eq!(
            chinese.tokens(Tier::Text),
            vec!["亮了", "夏北", "社区", "路灯"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        );
        let short = Query::parse("路灯不亮").expect("query");
        assert_eq!(short.tokens(Tier::Text).len(), 3);
    }

    #[test]
    fn titles_alike_apart_from_their_place() {
        let same = similarity("夏北社区路灯不亮", "夏北社区路灯不亮", "夏北社区");
        assert!((same - 1.0).abs() < 1e-9);
        let reworded = similarity("三巷路灯不亮", "三巷路灯坏了很久", "夏北社区");
        assert!(reworded >= SIMILAR, "{reworded}");
        let other = similarity("夏北社区路灯不亮", "夏北社区井盖破损", "夏北社区");
        assert!(
            other < 0.2,
            "the place's name alone is no likeness: {other}"
        );
        assert_eq!(similarity("", "路灯", ""), 0.0);
    }

    #[test]
    fn one_character_is_not_indexed() {
        assert!(!Query::parse("灯").expect("query").indexed());
        assert!(Query::parse("灯A").expect("query").indexed());
        assert!(!Query::parse("12").expect("query").indexed());
        assert!(Query::parse("123").expect("query").indexed());
        assert!(Query::parse("   ").is_none());
    }
}

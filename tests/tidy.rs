//! Tidy tests: they read the source tree and fail when it breaks a rule
//! of its architecture (docs/ARCHITECTURE.md), in the spirit of
//! rust-analyzer's `tidy.rs`. Nothing here runs the program.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer. A module may use only
/// modules of a lower layer (and itself), so the layers point down and no
/// two modules can use each other. A new module must be given a layer here.
const LAYERS: &[(&str, u8)] = &[
    ("config", 0),
    ("domain", 0),
    ("db", 1),
    ("app", 2),
    ("i18n", 3),
    ("demo", 3),
    ("views", 4),
    ("notify", 4),
    ("web", 5),
    ("startup", 6),
    ("cli", 7),
];

/// Crates a module must not use, whatever its layer: the domain has no
/// I/O, and below the web nothing knows about HTTP or templates.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "actix_web",
            "actix_session",
            "diesel",
            "askama",
            "rust_i18n",
        ],
    ),
    ("db", &["actix_web", "actix_session", "askama", "rust_i18n"]),
    (
        "app",
        &["actix_web", "actix_session", "askama", "rust_i18n"],
    ),
    ("demo", &["actix_web", "actix_session", "askama"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to (`None` for the crate root).
fn module_of(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src()).expect("under src");
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs").to_owned();
    (name != "lib" && name != "main").then_some(name)
}

/// The code of a file without its comments (a doc may name any module).
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules a piece of code uses through `crate::` paths,
/// including grouped ones (`use crate::{db, domain::State}`).
fn uses(code: &str) -> Vec<String> {
    let mut used = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    used.push(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            used.push(name);
        }
    }
    used
}

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

#[test]
fn layers_only_point_down() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut broken = Vec::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(file) else {
            continue;
        };
        *seen.entry(module.clone()).or_default() += 1;
        let Some(own) = layer(&module) else {
            broken.push(format!(
                "{}: module `{module}` has no layer in tests/tidy.rs",
                file.display()
            ));
            continue;
        };
        let code = code_of(&std::fs::read_to_string(file).expect("read"));
        for used in uses(&code) {
            if used == module || used == "self" || used == "super" {
                continue;
            }
            match layer(&used) {
                Some(theirs) if theirs < own => {}
                _ => broken.push(format!(
                    "{}: `{module}` (layer {own}) uses `crate::{used}`",
                    file.display()
                )),
            }
        }
        if let Some((_, crates)) = FORBIDDEN.iter().find(|(m, _)| *m == module) {
            for krate in *crates {
                let token = format!("{krate}::");
                if code.contains(&token) || code.contains(&format!("use {krate};")) {
                    broken.push(format!(
                        "{}: `{module}` uses the crate {krate}",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
    // The test saw the whole tree: every layer has files.
    for (module, _) in LAYERS {
        assert!(seen.contains_key(*module), "no files of `{module}` found");
    }
}

#[test]
fn the_scanner_sees_what_it_must() {
    assert_eq!(
        uses("use crate::{db, domain::State};\nlet x = crate::web::y();"),
        ["db", "domain", "web"]
    );
    assert_eq!(uses(&code_of("// see crate::web\nuse crate::db;")), ["db"]);
    assert_eq!(uses("$crate::domain::code::X"), ["domain"]);
}

/// The longest a function in `src/` may be, in lines: one a reader can
/// hold. (The demo's data tables are constants, not functions.)
const LONGEST_FUNCTION: usize = 100;

/// Every function in `code` and its length in lines: from its `fn` line to
/// the closing brace at the same indentation.
fn functions(code: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = code.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let signature = trimmed
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("async ")
            .trim_start_matches("const ");
        let Some(rest) = signature.strip_prefix("fn ") else {
            continue;
        };
        if line.trim_end().ends_with(';') {
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let closing = " ".repeat(indent) + "}";
        let end = lines[i + 1..]
            .iter()
            .position(|l| l.starts_with(&closing) && l.len() - l.trim_start().len() == indent)
            .map_or(lines.len(), |at| i + 1 + at);
        found.push((name, end - i + 1));
    }
    found
}

#[test]
fn functions_are_short_enough_to_hold() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let mut long = Vec::new();
    for file in &files {
        let code = std::fs::read_to_string(file).expect("read");
        for (name, length) in functions(&code) {
            if length > LONGEST_FUNCTION {
                long.push(format!("{}: fn {name} is {length} lines", file.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these:\n{}", long.join("\n"));
}

#[test]
fn the_function_counter_counts() {
    let code =
        "fn a() {\n    x();\n}\n\npub async fn b(\n    y: u8,\n) -> u8 {\n    y\n}\n    fn c();\n";
    assert_eq!(functions(code), [("a".to_owned(), 3), ("b".to_owned(), 5)]);
}

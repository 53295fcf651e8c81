//! The layout's rules, checked: every source file says what it owns,
//! dependencies flow one way, no crate outgrows the rest, the trait's
//! methods are listed in few places, and functions stay short enough to
//! hold in one's head. `ARCHITECTURE.md` states the same rules in prose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root")
        .to_path_buf()
}

/// The workspace's crates: folder and package name, bottom layer first.
/// A crate may depend (normal dependencies) only on crates of a lower layer.
const LAYERS: [(&str, &str, u8); 17] = [
    ("contract", "procreg", 0),
    ("reference-impl", "procreg-memory", 1),
    ("model", "procreg-model", 1),
    ("remote", "procreg-remote", 1),
    ("backends/kit", "procreg-storage", 1),
    ("mutants", "procreg-mutants", 2),
    ("backends/sqlite", "procreg-sqlite", 2),
    ("backends/postgres", "procreg-postgres", 2),
    ("crash", "procreg-crash", 2),
    ("conformance", "procreg-conformance", 3),
    ("sim", "procreg-sim", 4),
    ("bridges/lash", "procreg-lash", 4),
    ("picture", "procreg-picture", 5),
    ("report", "procreg-report", 6),
    ("cli", "procreg-cli", 7),
    ("tests", "procreg-tests", 8),
    ("", "", 9),
];

/// Crates nothing may depend on except the CLI, the bridges and the workspace tests.
const BACKENDS: [&str; 2] = ["procreg-sqlite", "procreg-postgres"];

/// Functions allowed over [`FUNCTION_LINES_MAX`]: tables, one entry per
/// item, that read best as one list.
const TABLES: [(&str, &str); 9] = [
    ("mutants/src/lib.rs", "zoo"),
    ("contract/src/call.rs", "dispatch"),
    ("conformance/src/checks/lease/mod.rs", "checks"),
    ("conformance/src/checks/reg/mod.rs", "checks"),
    ("conformance/src/checks/grant/mod.rs", "checks"),
    ("conformance/src/checks/event/mod.rs", "checks"),
    ("conformance/src/checks/replay/mod.rs", "checks"),
    ("conformance/src/checks/term/mod.rs", "checks"),
    ("conformance/src/checks/wake/mod.rs", "checks"),
];

/// The longest function a reader should have to hold, in lines.
const FUNCTION_LINES_MAX: usize = 100;

/// The largest share of the workspace's source lines one crate may hold, in percent.
const CRATE_SHARE_MAX_PERCENT: usize = 40;

/// Files that may write `impl ProcessRegistry for`: the real backends and
/// the contract's two wrappers (forwarding and call handling).
const REGISTRY_IMPLS_MAX: usize = 6;

fn crates() -> impl Iterator<Item = (&'static str, &'static str, u8)> {
    LAYERS
        .into_iter()
        .filter(|(folder, _, _)| !folder.is_empty())
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name == "target") {
                    continue;
                }
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace_root())
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn every_source_file_opens_with_what_it_owns() {
    let mut missing = Vec::new();
    for (folder, _, _) in crates() {
        for path in rust_files(&workspace_root().join(folder)) {
            let text = read(&path);
            let first = text.lines().find(|line| !line.trim().is_empty());
            if !first.is_some_and(|line| line.starts_with("//!")) {
                missing.push(relative(&path));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "files without a `//!` opening: {missing:#?}"
    );
}

/// The `procreg*` packages a manifest lists in `section` (`dependencies`).
fn procreg_dependencies(manifest: &str, section: &str) -> Vec<String> {
    let header = format!("[{section}]");
    let mut inside = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == header;
            continue;
        }
        if !inside {
            continue;
        }
        let name = line.split(['=', '.', ' ']).next().unwrap_or("").trim();
        if name == "procreg" || name.starts_with("procreg-") {
            found.push(name.to_owned());
        }
    }
    found
}

#[test]
fn dependencies_flow_one_way() {
    let layer_of: BTreeMap<&str, u8> = crates().map(|(_, name, layer)| (name, layer)).collect();
    let mut wrong = Vec::new();
    for (folder, name, layer) in crates() {
        let manifest = read(&workspace_root().join(folder).join("Cargo.toml"));
        for dependency in procreg_dependencies(&manifest, "dependencies") {
            let Some(&below) = layer_of.get(dependency.as_str()) else {
                wrong.push(format!(
                    "{name} depends on {dependency}, which is not in LAYERS"
                ));
                continue;
            };
            if below >= layer {
                wrong.push(format!(
                    "{name} (layer {layer}) depends on {dependency} (layer {below})"
                ));
            }
            let may_use_backends = matches!(name, "procreg-cli" | "procreg-tests" | "procreg-lash");
            if BACKENDS.contains(&dependency.as_str()) && !may_use_backends {
                wrong.push(format!("{name} depends on the backend {dependency}"));
            }
        }
    }
    let suite = read(&workspace_root().join("conformance/Cargo.toml"));
    if procreg_dependencies(&suite, "dependencies").contains(&"procreg-memory".to_owned()) {
        wrong.push("procreg-conformance uses procreg-memory beyond its tests".to_owned());
    }
    if suite.contains("[features]") {
        wrong.push("procreg-conformance has cargo features; it must have none".to_owned());
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn no_crate_holds_more_than_its_share_of_the_source() {
    let mut lines: BTreeMap<&str, usize> = BTreeMap::new();
    for (folder, name, _) in crates() {
        let count = rust_files(&workspace_root().join(folder).join("src"))
            .iter()
            .map(|path| read(path).lines().count())
            .sum();
        lines.insert(name, count);
    }
    let total: usize = lines.values().sum();
    let over: Vec<String> = lines
        .iter()
        .filter(|(_, count)| **count * 100 > total * CRATE_SHARE_MAX_PERCENT)
        .map(|(name, count)| format!("{name}: {count} of {total} lines"))
        .collect();
    assert!(
        over.is_empty(),
        "over {CRATE_SHARE_MAX_PERCENT}% of the source: {over:?}"
    );
}

#[test]
fn few_files_implement_the_trait_by_hand() {
    let mut implementing = Vec::new();
    for (folder, _, _) in crates() {
        for path in rust_files(&workspace_root().join(folder)) {
            let text = read(&path);
            let hand_written = text.lines().any(|line| {
                let line = line.trim_start();
                line.starts_with("impl") && line.contains("ProcessRegistry for ")
            });
            if hand_written {
                implementing.push(relative(&path));
            }
        }
    }
    assert!(
        implementing.len() <= REGISTRY_IMPLS_MAX,
        "{} files implement ProcessRegistry by hand (at most {REGISTRY_IMPLS_MAX}; build on \
         procreg::ForwardRegistry or procreg::CallHandler instead): {implementing:#?}",
        implementing.len()
    );
}

/// `source` with comments and the contents of string and char literals
/// blanked out (newlines kept), so braces can be counted.
fn code_only(source: &str) -> String {
    let bytes = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut index = 0;
    let blank = |out: &mut String, text: &str| {
        out.extend(text.chars().map(|c| if c == '\n' { '\n' } else { ' ' }));
    };
    while index < bytes.len() {
        let rest = &source[index..];
        let end = if rest.starts_with("//") {
            rest.find('\n').unwrap_or(rest.len())
        } else if let Some(comment) = rest.strip_prefix("/*") {
            comment.find("*/").map_or(rest.len(), |at| at + 4)
        } else if let Some(len) = raw_string_len(rest, index == 0 || !is_ident(bytes[index - 1])) {
            len
        } else if rest.starts_with('"') {
            quoted_len(rest, b'"')
        } else if rest.starts_with('\'') {
            char_literal_len(rest).unwrap_or(0)
        } else {
            0
        };
        if end > 0 {
            blank(&mut out, &rest[..end]);
            index += end;
        } else {
            let character = rest.chars().next().unwrap_or(' ');
            out.push(character);
            index += character.len_utf8();
        }
    }
    out
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`) at the start of `rest`.
fn raw_string_len(rest: &str, at_token_start: bool) -> Option<usize> {
    let after_r = rest.strip_prefix('r').filter(|_| at_token_start)?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    let body = after_r[hashes..].strip_prefix('"')?;
    let close = format!("\"{}", "#".repeat(hashes));
    let end = body.find(&close)?;
    Some(1 + hashes + 1 + end + close.len())
}

/// The length of a literal quoted with `quote`, escapes honoured.
fn quoted_len(rest: &str, quote: u8) -> usize {
    let bytes = rest.as_bytes();
    let mut index = 1;
    while index < bytes.len() && bytes[index] != quote {
        index += if bytes[index] == b'\\' { 2 } else { 1 };
    }
    (index + 1).min(bytes.len())
}

/// The length of a char literal at the start of `rest`, or `None` for a lifetime.
fn char_literal_len(rest: &str) -> Option<usize> {
    let mut chars = rest.char_indices().skip(1);
    let (_, first) = chars.next()?;
    if first == '\\' {
        return Some(quoted_len(rest, b'\''));
    }
    let (at, second) = chars.next()?;
    (second == '\'').then_some(at + 1)
}

/// Every function of `source` longer than `max` lines: (name, first line, lines).
fn long_functions(source: &str, max: usize) -> Vec<(String, usize, usize)> {
    let code = code_only(source);
    let lines: Vec<&str> = code.lines().collect();
    let mut long = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(name) = function_name(line) else {
            continue;
        };
        let mut depth = 0i64;
        let mut opened = false;
        let mut end = None;
        'scan: for (offset, text) in lines[start..].iter().enumerate() {
            for character in text.chars() {
                match character {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    ';' if !opened => break 'scan,
                    _ => {}
                }
                if opened && depth == 0 {
                    end = Some(start + offset);
                    break 'scan;
                }
            }
        }
        if let Some(end) = end {
            let length = end - start + 1;
            if length > max {
                long.push((name, start + 1, length));
            }
        }
    }
    long
}

/// The name of the function a line declares, if it declares one.
fn function_name(line: &str) -> Option<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let at = words.iter().position(|word| *word == "fn")?;
    let qualifiers_only = words[..at].iter().all(|word| {
        matches!(*word, "pub" | "async" | "const" | "unsafe" | "extern") || word.starts_with("pub(")
    });
    if !qualifiers_only {
        return None;
    }
    let name = words.get(at + 1)?;
    Some(name.split(['(', '<']).next().unwrap_or(name).to_owned())
}

#[test]
fn the_function_scanner_sees_through_strings_and_comments() {
    let source = "fn a() {\n    let s = \"}}}\";\n    // }\n    let c = '}';\n    let r = r#\"}\"#;\n}\nfn b() {\n}\n";
    assert!(long_functions(source, 6).is_empty());
    assert_eq!(long_functions(source, 5), vec![("a".to_owned(), 1, 6)]);
    assert_eq!(
        function_name("    pub(crate) async fn go<T>(x: T) {"),
        Some("go".into())
    );
    assert_eq!(function_name("    let f = |x| x; // fn"), None);
}

#[test]
fn no_function_runs_over_a_hundred_lines() {
    let mut long = Vec::new();
    for (folder, _, _) in crates() {
        for path in rust_files(&workspace_root().join(folder)) {
            let file = relative(&path);
            for (name, line, length) in long_functions(&read(&path), FUNCTION_LINES_MAX) {
                if TABLES.contains(&(file.as_str(), name.as_str())) {
                    continue;
                }
                long.push(format!("{file}:{line} {name} ({length} lines)"));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over {FUNCTION_LINES_MAX} lines (split them along their steps): {long:#?}"
    );
}

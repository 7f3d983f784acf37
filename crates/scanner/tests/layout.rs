//! The workspace's layout, checked from its sources: the engine's top-level modules import each
//! other without a circle, and no function outside tests, in any crate, runs past one long
//! screen.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A function longer than this is split into named phases.
const MAX_FUNCTION_LINES: usize = 150;

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// A file's code without comments and without its `mod tests` (tests may reach anywhere).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file");
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn top_module(path: &Path) -> String {
    let relative = path.strip_prefix(src()).expect("under src");
    let first = relative.components().next().expect("a component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// Which top-level modules each top-level module names through `crate::`.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| top_module(f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files.iter().filter(|f| !f.ends_with("tests.rs")) {
        let from = top_module(file);
        let code = code_of(file);
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if name != from && modules.contains(&name) && from != "lib" {
                edges.entry(from.clone()).or_default().insert(name);
            }
        }
    }
    edges
}

fn circle_through(
    edges: &BTreeMap<String, BTreeSet<String>>,
    path: &mut Vec<String>,
) -> Option<Vec<String>> {
    let last = path.last().expect("a start").clone();
    for next in edges.get(&last).into_iter().flatten() {
        if let Some(at) = path.iter().position(|m| m == next) {
            let mut circle = path[at..].to_vec();
            circle.push(next.clone());
            return Some(circle);
        }
        path.push(next.clone());
        if let Some(circle) = circle_through(edges, path) {
            return Some(circle);
        }
        path.pop();
    }
    None
}

#[test]
fn the_engines_modules_import_each_other_without_a_circle() {
    let edges = imports();
    assert!(edges.len() > 10, "the modules were read: {edges:?}");
    assert!(
        edges["services"].contains("collect"),
        "a known import is seen"
    );
    for start in edges.keys() {
        let circle = circle_through(&edges, &mut vec![start.clone()]);
        assert!(
            circle.is_none(),
            "an import circle: {}",
            circle.unwrap_or_default().join(" -> ")
        );
    }
}

#[test]
fn no_function_outside_tests_is_longer_than_a_long_screen() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    for crate_sources in [
        "crates/scanner/src",
        "crates/cli/src",
        "crates/lambda/src",
        "infra/src",
    ] {
        sources(&workspace.join(crate_sources), &mut files);
    }
    assert!(files.len() > 100, "every crate's sources were read");
    let mut long = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("tests.rs")) {
        let code = code_of(file);
        let lines: Vec<&str> = code.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let unqualified = ["pub(crate) ", "pub(super) ", "pub ", "async ", "const "]
                .iter()
                .fold(trimmed, |rest, qualifier| {
                    rest.strip_prefix(qualifier).unwrap_or(rest)
                });
            let is_fn = unqualified.starts_with("fn ");
            if !is_fn || trimmed.ends_with(';') {
                continue;
            }
            let indent = &line[..line.len() - trimmed.len()];
            let closing = format!("{indent}}}");
            if let Some(length) = lines[start..].iter().position(|l| *l == closing) {
                if length + 1 > MAX_FUNCTION_LINES {
                    long.push(format!(
                        "{}:{} ({} lines)",
                        file.display(),
                        start + 1,
                        length + 1
                    ));
                }
            }
        }
    }
    assert!(long.is_empty(), "functions to split into phases: {long:#?}");
}

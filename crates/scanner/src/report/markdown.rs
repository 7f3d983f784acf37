//! A pull-request comment.

use std::fmt::Write as _;

use super::{compact, headline, verdict};
use crate::model::Report;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Renders the Markdown report.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### {}\n", cell(&headline(report)));
    if !report.complete {
        let _ = writeln!(out, "> [!CAUTION]\n> {}", verdict(report));
        for failure in &report.failures {
            let _ = writeln!(out, "> - `{}`", cell(&failure.to_string()));
        }
        out.push('\n');
    }
    if report.findings.is_empty() {
        if report.complete {
            let _ = writeln!(out, "{}", verdict(report));
        }
        return out;
    }
    let _ = writeln!(
        out,
        "| Severity | Kind | Resource | Path | Expected | Actual | Message |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for f in &report.findings {
        let kind = match &f.rule_id {
            Some(rule) => format!("{} `{rule}`", f.kind),
            None => f.kind.to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | `{}/{}` | {} | {} | {} | {} |",
            f.severity,
            kind,
            f.resource_type,
            cell(&f.logical_name),
            f.path
                .as_deref()
                .map(|p| format!("`{}`", cell(p)))
                .unwrap_or_default(),
            cell(&compact(f.expected.as_ref())),
            cell(&compact(f.actual.as_ref())),
            cell(&f.message),
        );
    }
    if !report.expired_ignores.is_empty() {
        let _ = writeln!(out, "\nExpired ignore rules (no longer applied):");
        for ignore in &report.expired_ignores {
            let _ = writeln!(out, "- `{}`", cell(ignore));
        }
    }
    out
}

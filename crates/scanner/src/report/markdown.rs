//! A pull-request comment.

use std::fmt::Write as _;

use super::{compact, headline, matrix, truncate, verdict};
use crate::model::{ParityMatrix, Report};

/// Widest a matrix cell is shown in a comment; the full value is in the JSON report.
const CELL_WIDTH: usize = 40;

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A table cell outside code spans: markup in values (names and tags are user-controlled) is
/// shown, not rendered.
fn text(value: &str) -> String {
    cell(value)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
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
    if let Some(matrix) = matrix(report) {
        render_matrix(matrix, &mut out);
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
            text(&compact(f.expected.as_ref())),
            text(&compact(f.actual.as_ref())),
            text(&match f.attribution_line() {
                Some(line) => format!("{} ({line})", f.message),
                None => f.message.clone(),
            }),
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

/// The parity matrix as a table: differing cells in bold, declared differences in italics.
fn render_matrix(matrix: &ParityMatrix, out: &mut String) {
    let _ = writeln!(
        out,
        "#### Parity of {} logical resources across {}\n",
        matrix.resources,
        matrix.environments.join(", ")
    );
    if matrix.rows.is_empty() {
        return;
    }
    let envs: Vec<String> = matrix.environments.iter().map(|e| cell(e)).collect();
    let _ = writeln!(out, "| Resource | Field | {} | |", envs.join(" | "));
    let _ = writeln!(out, "|---|---|{}---|", "---|".repeat(envs.len()));
    for row in &matrix.rows {
        let cells: Vec<String> = matrix
            .environments
            .iter()
            .zip(super::cell_texts(matrix, row))
            .map(|(env, c)| {
                let text = format!("`{}`", cell(&truncate(&c, CELL_WIDTH)).replace('`', "'"));
                if row.outliers.contains(env) && !row.expected {
                    format!("**{text}**")
                } else {
                    text
                }
            })
            .collect();
        let _ = writeln!(
            out,
            "| `{}/{}` | {} | {} | {} |",
            row.resource_type,
            cell(&row.logical_name),
            row.path
                .as_deref()
                .map(|p| format!("`{}`", cell(p)))
                .unwrap_or_else(|| "_exists_".into()),
            cells.join(" | "),
            if row.expected {
                "_expected_"
            } else {
                "**differs**"
            }
        );
    }
    out.push('\n');
}

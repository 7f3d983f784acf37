//! Human output, grouped by resource.

use std::fmt::Write as _;

use super::{compact, headline, verdict, RenderOptions};
use crate::model::{Report, Severity};

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_label(severity: Severity, color: bool) -> String {
    let label = format!("{:<8}", severity.as_str().to_uppercase());
    let code = match severity {
        Severity::Critical => "1;31",
        Severity::High => "31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    };
    paint(&label, code, color)
}

/// Renders the text report.
pub fn render(report: &Report, options: &RenderOptions) -> String {
    let color = options.color;
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(&headline(report), "1", color));
    if !report.baseline_files.is_empty() {
        let _ = writeln!(out, "baselines: {}", report.baseline_files.join(" <- "));
    }

    // Findings are sorted most severe first; group them by resource in that order.
    let mut groups: Vec<(String, Vec<&crate::model::Finding>)> = Vec::new();
    for finding in &report.findings {
        let title = format!(
            "{} {}{}{}",
            finding.resource_type,
            finding.logical_name,
            finding
                .physical_id
                .as_deref()
                .map(|id| format!(" ({id})"))
                .unwrap_or_default(),
            if finding.region.is_empty() {
                String::new()
            } else {
                format!(" [{}]", finding.region)
            },
        );
        match groups.iter_mut().find(|(t, _)| *t == title) {
            Some((_, list)) => list.push(finding),
            None => groups.push((title, vec![finding])),
        }
    }
    for (title, findings) in groups {
        let _ = writeln!(out, "\n{}", paint(&title, "1", color));
        for f in findings {
            let rule = f
                .rule_id
                .as_deref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default();
            let path = f
                .path
                .as_deref()
                .map(|p| format!("  {p}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {}{rule}{path}",
                severity_label(f.severity, color),
                f.kind
            );
            let _ = writeln!(out, "           {}", f.message);
            if f.expected.is_some() || f.actual.is_some() {
                // A comparison's two sides are its two environments.
                let (left, right) = match report.environment.split_once("..") {
                    Some(sides) if report.command == "compare" => sides,
                    _ => ("expected", "actual"),
                };
                let _ = writeln!(
                    out,
                    "           {left}: {}   {right}: {}",
                    compact(f.expected.as_ref()),
                    compact(f.actual.as_ref())
                );
            }
            if let Some(source) = &f.source {
                let _ = writeln!(
                    out,
                    "           declared at {}:{}",
                    source.file, source.line
                );
            }
        }
    }

    if !report.expired_ignores.is_empty() {
        let _ = writeln!(out, "\nexpired ignore rules (no longer applied):");
        for ignore in &report.expired_ignores {
            let _ = writeln!(out, "  - {ignore}");
        }
    }
    if !report.failures.is_empty() {
        let _ = writeln!(out, "\n{}", paint("failed reads:", "1;31", color));
        for failure in &report.failures {
            let _ = writeln!(out, "  - {failure}");
        }
    }
    let verdict = verdict(report);
    if !verdict.is_empty() {
        let code = if report.complete { "32" } else { "1;31" };
        let _ = writeln!(out, "\n{}", paint(verdict, code, color));
    }
    out
}

//! A preview report as text (a table), JSON, or Markdown (a pull-request or issue comment).

use std::fmt::Write as _;

use super::{Preview, PreviewReport, PullRequestState};
use crate::report::Format;

/// The formats a preview report is written in.
pub const FORMATS: [Format; 3] = [Format::Text, Format::Json, Format::Markdown];

/// `report` in `format` (text for any format outside [`FORMATS`]).
pub fn render(report: &PreviewReport, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(report).expect("a report serializes") + "\n",
        Format::Markdown => markdown(report),
        _ => text(report),
    }
}

fn money(usd: Option<f64>) -> String {
    usd.map_or_else(|| "unknown".to_string(), |v| format!("${v:.2}"))
}

fn state(preview: &Preview) -> &'static str {
    match (preview.stale, preview.pull_request) {
        (true, _) => "STALE",
        (false, PullRequestState::Open) => "open",
        (false, PullRequestState::Closed) => "closed",
        (false, PullRequestState::Unknown) => "unknown",
    }
}

fn age(preview: &Preview) -> String {
    preview
        .age_days
        .map_or_else(|| "?".to_string(), |d| format!("{d}d"))
}

/// The summary line: how many previews are stale and what they cost; incomplete, it says so.
fn summary(report: &PreviewReport) -> String {
    let stale = stale(report).len();
    let head = format!(
        "driftscan previews: {} in {} — {} preview(s), {stale} stale, about ${:.0}/month",
        report.parent,
        report.region,
        report.previews.len(),
        report.stale_monthly_usd
    );
    if report.complete {
        head
    } else {
        format!(
            "INCOMPLETE {head}: {} read(s) failed, so previews, costs and orphans may be missing; this is not a clean result",
            report.failures.len()
        )
    }
}

fn prices_line(report: &PreviewReport) -> String {
    match (&report.prices_taken, report.prices_outdated) {
        (Some(taken), false) => format!("prices of {taken}"),
        (Some(taken), true) => {
            format!("prices of {taken}, over a year old: give newer ones with --prices")
        }
        (None, _) => format!("no prices for {}: give them with --prices", report.region),
    }
}

/// Why a preview is stale, and what is left of it without the rest.
fn why(preview: &Preview) -> String {
    let said: Vec<&str> = preview
        .reasons
        .iter()
        .chain(&preview.orphans)
        .map(String::as_str)
        .collect();
    said.join("; ")
}

/// The stale previews.
fn stale(report: &PreviewReport) -> Vec<&Preview> {
    report.previews.iter().filter(|p| p.stale).collect()
}

fn text(report: &PreviewReport) -> String {
    let mut out = summary(report) + "\n";
    let _ = writeln!(out, "{}\n", prices_line(report));
    let _ = writeln!(
        out,
        "{:<10} {:<8} {:>5} {:>10} {:>9}  why",
        "preview", "state", "age", "resources", "monthly"
    );
    for preview in &report.previews {
        let count: usize = preview.resources.values().sum();
        let row = format!(
            "{:<10} {:<8} {:>5} {:>10} {:>9}  {}",
            preview.environment,
            state(preview),
            age(preview),
            count,
            money(preview.monthly_usd),
            why(preview)
        );
        let _ = writeln!(out, "{}", row.trim_end());
    }
    let stale = stale(report);
    if !stale.is_empty() {
        out.push_str(
            "\nTo remove the stale previews (driftscan only reads; run these yourself):\n",
        );
        for preview in stale {
            let _ = writeln!(out, "  {}", preview.destroy);
        }
    }
    for failure in &report.failures {
        let _ = writeln!(out, "could not read: {failure}");
    }
    out
}

fn markdown(report: &PreviewReport) -> String {
    let mut out = format!("### {}\n\n{}\n\n", summary(report), prices_line(report));
    out.push_str(
        "| preview | state | age | resources | monthly | why |\n|---|---|---|---|---|---|\n",
    );
    for preview in &report.previews {
        let count: usize = preview.resources.values().sum();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {count} | {} | {} |",
            preview.environment,
            state(preview),
            age(preview),
            money(preview.monthly_usd),
            why(preview)
        );
    }
    let stale = stale(report);
    if !stale.is_empty() {
        out.push_str("\n```sh\n");
        for preview in stale {
            let _ = writeln!(out, "{}", preview.destroy);
        }
        out.push_str("```\n");
    }
    out
}

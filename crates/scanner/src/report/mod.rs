//! Rendering a [`Report`]: text for terminals, JSON, Markdown for pull requests, SARIF 2.1.0 for
//! code scanning, JUnit XML for CI test views.

pub mod asff;
mod html;
mod junit;
mod markdown;
pub mod ocsf;
mod run;
mod sarif;
mod text;

pub use run::{render_run, RunSummary, SummaryRow, RUN_SCHEMA};
pub use sarif::github_limits;
pub use text::diff as text_diff;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

use crate::model::{Cell, Finding, FindingKind, ParityMatrix, ParityRow, Report};

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Grouped by resource, for a terminal.
    Text,
    /// The versioned JSON report.
    Json,
    /// A pull-request comment.
    Markdown,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// One self-contained HTML page (no scripts, nothing fetched).
    Html,
    /// AWS Security Finding Format: a JSON array of findings, as Security Hub imports them.
    Asff,
    /// OCSF 1.3 Compliance Finding events: a JSON array.
    Ocsf,
    /// OCSF events, one per line (JSON Lines).
    OcsfJsonl,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 9] = [
        Format::Text,
        Format::Json,
        Format::Markdown,
        Format::Sarif,
        Format::Junit,
        Format::Html,
        Format::Asff,
        Format::Ocsf,
        Format::OcsfJsonl,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Text => "text",
            Format::Json => "json",
            Format::Markdown => "markdown",
            Format::Sarif => "sarif",
            Format::Junit => "junit",
            Format::Html => "html",
            Format::Asff => "asff",
            Format::Ocsf => "ocsf",
            Format::OcsfJsonl => "ocsf-jsonl",
        }
    }

    /// A format of one document per finding (ASFF, OCSF), the same for one report or many.
    pub fn is_per_finding(self) -> bool {
        matches!(self, Format::Asff | Format::Ocsf | Format::OcsfJsonl)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown format `{s}` (expected one of {})",
                    known.join(", ")
                )
            })
    }
}

/// Rendering options.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// ANSI colours (text only): on a terminal, unless `NO_COLOR` is set.
    pub color: bool,
    /// driftscan's version, for SARIF and JUnit.
    pub version: String,
    /// Whole values in the text matrix's cells (`--wide`), not what each adds or lacks.
    pub wide: bool,
    /// The run's time (milliseconds since the epoch): what ASFF and OCSF stamp findings with.
    pub now_ms: u64,
}

/// Renders `report` in `format`.
pub fn render(report: &Report, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Text => text::render(report, options),
        Format::Json => {
            let mut out = serde_json::to_string_pretty(report).expect("reports serialize");
            out.push('\n');
            out
        }
        Format::Markdown => markdown::render(report),
        Format::Sarif => sarif::render(report, options),
        Format::Junit => junit::render(report, options),
        Format::Html => html::render(report, options),
        Format::Asff | Format::Ocsf | Format::OcsfJsonl => {
            render_findings(&[report], format, options)
        }
    }
}

/// Why reports cannot be written in a format: ASFF needs each scan's account.
pub fn check_renderable(reports: &[&Report], format: Format) -> Result<(), asff::AsffError> {
    if format == Format::Asff {
        for report in reports {
            asff::account_of(report)?;
        }
    }
    Ok(())
}

/// The findings of `reports`, one document each, in a per-finding format
/// ([`Format::is_per_finding`]; anything else renders each report, one after the other).
/// ASFF leaves out what [`check_renderable`] refuses.
pub fn render_findings(reports: &[&Report], format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Asff => asff::render(reports, options.now_ms),
        Format::Ocsf => ocsf::render(reports, options.now_ms, options),
        Format::OcsfJsonl => ocsf::render_lines(reports, options.now_ms, options),
        other => reports.iter().map(|r| render(r, other, options)).collect(),
    }
}

/// The parity matrix of a comparison of three or more environments (two are shown pairwise,
/// as findings with a diff).
pub(crate) fn matrix(report: &Report) -> Option<&ParityMatrix> {
    report
        .parity
        .as_ref()
        .filter(|matrix| matrix.environments.len() >= 3)
}

/// A matrix cell as text: the compact value, or what the environment's state is.
pub(crate) fn cell_text(cell: &Cell) -> String {
    match cell {
        Cell::Value(value) => compact(Some(value)),
        Cell::Present => "present".into(),
        Cell::Absent => "absent".into(),
        Cell::Unknown => "unknown".into(),
    }
}

/// What each cell of a matrix row shows. A list value shows what that environment has beyond the
/// row's measure (the reference environment's value, else the majority's; without either, what
/// every other environment has) as `+ tcp 5432 from 0.0.0.0/0`, what it lacks as `- ...`, and
/// `= 2 rules` where it matches; any other value shows compactly ([`cell_text`]).
pub(crate) fn cell_texts(matrix: &ParityMatrix, row: &ParityRow) -> Vec<String> {
    let lists: Option<Vec<&[Value]>> = row
        .cells
        .iter()
        .map(|cell| match cell {
            Cell::Value(Value::Array(items)) => Some(items.as_slice()),
            _ => None,
        })
        .collect();
    let Some(lists) = lists else {
        return row.cells.iter().map(cell_text).collect();
    };
    let noun = match row.path.as_deref().and_then(|p| p.rsplit('.').next()) {
        Some("ingress" | "egress" | "rules") => "rule",
        _ => "item",
    };
    let measure = matrix
        .reference
        .as_ref()
        .and_then(|r| matrix.environments.iter().position(|e| e == r))
        .or_else(|| (0..lists.len()).find(|&i| !row.outliers.contains(&matrix.environments[i])));
    (0..lists.len())
        .map(|i| {
            let base: Vec<&Value> = match measure {
                Some(m) => lists[m].iter().collect(),
                // What every other environment has.
                None => lists[i]
                    .iter()
                    .chain(
                        lists
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| *j != i)
                            .flat_map(|(_, l)| l.iter()),
                    )
                    .filter(|item| {
                        lists
                            .iter()
                            .enumerate()
                            .all(|(j, l)| j == i || l.contains(item))
                    })
                    .collect(),
            };
            list_delta(lists[i], &base, noun)
        })
        .collect()
}

/// `+ added, - removed` of `items` against `base`, or `= N <noun>s` when they hold the same.
fn list_delta(items: &[Value], base: &[&Value], noun: &str) -> String {
    let added = items.iter().filter(|item| !base.contains(item));
    let removed = base.iter().filter(|item| !items.contains(item));
    let changes: Vec<String> = added
        .map(|item| format!("+ {}", element_label(item)))
        .chain(removed.map(|item| format!("- {}", element_label(item))))
        .collect();
    if changes.is_empty() {
        let plural = if items.len() == 1 { "" } else { "s" };
        format!("= {} {noun}{plural}", items.len())
    } else {
        changes.join(", ")
    }
}

/// A list element in few words: a security group rule as `tcp 5432 from 0.0.0.0/0`, anything
/// else as compact JSON.
fn element_label(item: &Value) -> String {
    let (Some(protocol), Some(peer)) = (item.get("protocol"), item.get("peer")) else {
        return compact(Some(item));
    };
    let port = |key: &str| item.get(key).and_then(Value::as_i64);
    let ports = match (port("from_port"), port("to_port")) {
        (Some(from), Some(to)) if from == to => format!(" {from}"),
        (Some(from), Some(to)) => format!(" {from}-{to}"),
        _ => String::new(),
    };
    let source = peer
        .get("cidr")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let group = peer.get("group")?;
            let name = group.get("name").or_else(|| group.get("id"))?;
            name.as_str().map(str::to_string)
        })
        .unwrap_or_else(|| compact(Some(peer)));
    format!("{}{ports} from {source}", compact(Some(protocol)))
}

/// `text` cut to at most `width` characters, the cut marked with `…`.
pub(crate) fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let kept: String = text.chars().take(width.saturating_sub(1)).collect();
        format!("{kept}…")
    }
}

/// Findings grouped by resource (`kind name (id) [region]`), in the report's order (most
/// severe first).
pub(crate) fn by_resource(report: &Report) -> Vec<(String, Vec<&Finding>)> {
    let mut groups: Vec<(String, Vec<&Finding>)> = Vec::new();
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
    groups
}

/// The rule a finding reports under: its compliance rule, else its kind.
pub(crate) fn rule_id(finding: &Finding) -> String {
    finding
        .rule_id
        .clone()
        .unwrap_or_else(|| finding.kind.as_str().to_string())
}

/// The finding's rule with the controls it implements: `db-ingress-from-anywhere [FSBP EC2.19]`.
pub(crate) fn rule_with_controls(rule: &str) -> String {
    match crate::rules::controls::labels(rule) {
        Some(labels) => format!("{rule} [{labels}]"),
        None => rule.to_string(),
    }
}

/// Compact one-line JSON for a value in a message or table.
pub(crate) fn compact(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// The headline: environment, counts by severity, completeness. An incomplete report leads
/// with `INCOMPLETE` and says its findings cover only what was read, never plain "no findings".
pub(crate) fn headline(report: &Report) -> String {
    let by_severity: Vec<String> = report
        .counts
        .by_severity
        .iter()
        .rev()
        .map(|(severity, n)| format!("{n} {severity}"))
        .collect();
    let findings = match report.counts.total {
        0 => "no findings".to_string(),
        1 => format!("1 finding ({})", by_severity.join(", ")),
        n => format!("{n} findings ({})", by_severity.join(", ")),
    };
    let scope = format!(
        "driftscan {}: {} in {}",
        report.command,
        report.environment,
        report.regions.join(", ")
    );
    let resources = report.counts.resources;
    if report.complete {
        return format!("{scope} — {findings}, {resources} resources checked");
    }
    let failed = match report.failures.len() {
        1 => "1 read failed".to_string(),
        n => format!("{n} reads failed"),
    };
    format!(
        "INCOMPLETE {scope} — {failed}; {findings} in what was read, {resources} resources checked"
    )
}

/// What an empty report means: clean only when the scan was complete.
pub(crate) fn verdict(report: &Report) -> &'static str {
    match (report.complete, report.findings.is_empty()) {
        (true, true) => match report.command.as_str() {
            "compare" => "No differences.",
            _ => "No drift: the environment matches its baseline.",
        },
        (true, false) => "",
        (false, _) => "INCOMPLETE: some reads failed, so what they cover is unknown. This is not a clean result.",
    }
}

/// Pseudo-rules for findings that are not compliance findings.
pub(crate) const KIND_RULES: [(FindingKind, &str); 4] = [
    (
        FindingKind::Drift,
        "A declared field does not match the live value.",
    ),
    (FindingKind::Missing, "A declared resource does not exist."),
    (
        FindingKind::Unmanaged,
        "A live resource is declared in no baseline.",
    ),
    (
        FindingKind::Difference,
        "The two environments differ where they should not.",
    ),
];

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests;

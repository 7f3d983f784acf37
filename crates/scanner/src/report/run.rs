//! A run of many reports (`scan --all`, `compare --all`): the organization summary, then every
//! report, in each format.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::{html, render, Format, RenderOptions};
use crate::model::{Report, Severity};

/// The `schema` of a run's JSON document.
pub const RUN_SCHEMA: &str = "driftscan.run/v1";

/// One report's line in the organization summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryRow {
    /// `scan` or `compare`.
    pub command: String,
    /// The environment (`A..B..C` for a comparison).
    pub environment: String,
    /// The account it lives in, when the configuration says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Regions read.
    pub regions: Vec<String>,
    /// Whether every read succeeded.
    pub complete: bool,
    /// Failed reads.
    pub failures: usize,
    /// Findings by severity.
    pub findings: BTreeMap<Severity, usize>,
    /// Resources checked.
    pub resources: usize,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
}

/// The organization summary: a row per report and the totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// One per report, in run order.
    pub rows: Vec<SummaryRow>,
    /// Distinct accounts among the rows.
    pub accounts: usize,
    /// Reports whose every read succeeded.
    pub complete: usize,
    /// Reports with failed reads.
    pub incomplete: usize,
    /// Findings by severity across every report.
    pub findings: BTreeMap<Severity, usize>,
}

impl RunSummary {
    /// Summarizes `reports`; `accounts` maps an environment to its account.
    pub fn of(reports: &[Report], accounts: &BTreeMap<String, String>) -> RunSummary {
        let rows: Vec<SummaryRow> = reports
            .iter()
            .map(|r| SummaryRow {
                command: r.command.clone(),
                environment: r.environment.clone(),
                account: accounts.get(&r.environment).cloned(),
                regions: r.regions.clone(),
                complete: r.complete,
                failures: r.failures.len(),
                findings: r.counts.by_severity.clone(),
                resources: r.counts.resources,
                duration_ms: r.duration_ms,
            })
            .collect();
        let mut findings = BTreeMap::new();
        for row in &rows {
            for (severity, n) in &row.findings {
                *findings.entry(*severity).or_insert(0) += n;
            }
        }
        let mut distinct: Vec<&str> = rows.iter().filter_map(|r| r.account.as_deref()).collect();
        distinct.sort();
        distinct.dedup();
        RunSummary {
            accounts: distinct.len(),
            complete: rows.iter().filter(|r| r.complete).count(),
            incomplete: rows.iter().filter(|r| !r.complete).count(),
            findings,
            rows,
        }
    }

    fn count(map: &BTreeMap<Severity, usize>, severity: Severity) -> usize {
        map.get(&severity).copied().unwrap_or(0)
    }

    /// The table as text (also what Markdown and HTML show).
    fn cells(&self) -> (Vec<&'static str>, Vec<Vec<String>>, Vec<String>) {
        let header = vec![
            "environment",
            "account",
            "regions",
            "complete",
            "critical",
            "high",
            "medium",
            "low",
            "info",
            "resources",
            "seconds",
        ];
        let severities = |map: &BTreeMap<Severity, usize>| -> Vec<String> {
            Severity::ALL
                .iter()
                .rev()
                .map(|s| Self::count(map, *s).to_string())
                .collect()
        };
        let rows = self
            .rows
            .iter()
            .map(|r| {
                let mut cells = vec![
                    r.environment.clone(),
                    r.account.clone().unwrap_or_else(|| "-".into()),
                    r.regions.join(" "),
                    if r.complete {
                        "yes".into()
                    } else {
                        format!("NO ({} failed)", r.failures)
                    },
                ];
                cells.extend(severities(&r.findings));
                cells.push(r.resources.to_string());
                cells.push(format!("{:.1}", r.duration_ms as f64 / 1000.0));
                cells
            })
            .collect();
        let mut total = vec![
            format!("{} reports", self.rows.len()),
            format!("{} accounts", self.accounts),
            String::new(),
            format!("{} incomplete", self.incomplete),
        ];
        total.extend(severities(&self.findings));
        total.push(
            self.rows
                .iter()
                .map(|r| r.resources)
                .sum::<usize>()
                .to_string(),
        );
        total.push(String::new());
        (header, rows, total)
    }

    /// A plain-text table, columns padded.
    pub fn text(&self) -> String {
        let (header, rows, total) = self.cells();
        let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
        for row in rows.iter().chain(std::iter::once(&total)) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: Vec<String>| -> String {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };
        let mut out = String::new();
        out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
        for row in rows {
            out.push_str(&line(row));
        }
        out.push_str(&line(total));
        out
    }
}

/// Renders a run: every report, then (text) or before them (Markdown, HTML) the summary; JSON
/// as one document; SARIF as one log with a run per report; JUnit with a suite per report.
pub fn render_run(
    reports: &[Report],
    accounts: &BTreeMap<String, String>,
    format: Format,
    options: &RenderOptions,
) -> String {
    let summary = RunSummary::of(reports, accounts);
    match format {
        Format::Text => {
            let mut out = String::new();
            for report in reports {
                out.push_str(&render(report, Format::Text, options));
                out.push('\n');
            }
            let _ = writeln!(
                out,
                "driftscan run: {} reports, {} accounts, {} incomplete",
                summary.rows.len(),
                summary.accounts,
                summary.incomplete
            );
            out.push_str(&summary.text());
            out
        }
        Format::Json => {
            #[derive(Serialize)]
            struct RunDocument<'a> {
                schema: &'static str,
                summary: &'a RunSummary,
                reports: &'a [Report],
            }
            let document = RunDocument {
                schema: RUN_SCHEMA,
                summary: &summary,
                reports,
            };
            serde_json::to_string_pretty(&document).expect("runs serialize") + "\n"
        }
        Format::Markdown => {
            let mut out = String::from("### driftscan run\n\n");
            let (header, rows, total) = summary.cells();
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
            for row in rows.into_iter().chain(std::iter::once(total)) {
                let _ = writeln!(out, "| {} |", row.join(" | ").replace('\n', " "));
            }
            for report in reports {
                out.push('\n');
                out.push_str(&render(report, Format::Markdown, options));
            }
            out
        }
        Format::Sarif => {
            let mut runs: Vec<Value> = Vec::new();
            for report in reports {
                let log: Value = serde_json::from_str(&render(report, Format::Sarif, options))
                    .expect("our SARIF parses");
                if let Some(Value::Array(more)) = log.get("runs") {
                    runs.extend(more.iter().cloned());
                }
            }
            let log = serde_json::json!({
                "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                "version": "2.1.0",
                "runs": runs,
            });
            serde_json::to_string_pretty(&log).expect("SARIF serializes") + "\n"
        }
        Format::Junit => super::junit::render_all(reports, options),
        Format::Html => {
            let (header, rows, total) = summary.cells();
            html::run_page(reports, &header, &rows, &total, options)
        }
        Format::Asff | Format::Ocsf | Format::OcsfJsonl => {
            let all: Vec<&Report> = reports.iter().collect();
            super::render_findings(&all, format, options)
        }
    }
}

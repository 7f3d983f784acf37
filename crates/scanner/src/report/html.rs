//! One self-contained HTML page: the summary, every incomplete read at the top, the parity matrix
//! of a comparison, and each resource's differences side by side. No script, font or style is
//! fetched (a Content-Security-Policy forbids it), so the file reads the same from a CI artifact,
//! an S3 link or a laptop; every value is escaped, since names and tags are user-controlled.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use super::{cell_text, rule_id, truncate, verdict, RenderOptions};
use crate::model::{Cell, ParityMatrix, ParityRow, Report};

/// Widest a matrix cell is shown; the full value is in the cell's tooltip and in the
/// resource's side-by-side table.
const CELL_WIDTH: usize = 48;

const STYLE: &str = r#"
:root { color-scheme: light; --fg: #1b1f24; --muted: #636c76; --line: #d0d7de; --bad: #b42318;
  --bad-bg: #fee4e2; --warn-bg: #fff4d6; --ok: #1a7f37; --ok-bg: #dafbe1; --grey: #8c959f; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  margin: 0 auto; padding: 24px 32px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; }
h3 { font-size: 14px; margin: 18px 0 6px; font-family: ui-monospace, monospace; }
.meta { color: var(--muted); margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; font-weight: 600; }
code, pre, td.value { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
.incomplete { border: 2px solid var(--bad); background: var(--bad-bg); padding: 12px 16px; border-radius: 6px; }
.incomplete h2 { color: var(--bad); margin-top: 0; }
.verdict.clean { color: var(--ok); font-weight: 600; } .verdict.failed { color: var(--bad); font-weight: 700; }
.summary th { width: 200px; }
.sev { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; margin-right: 4px; }
.sev-critical { background: #7a0916; color: #fff; } .sev-high { background: var(--bad); color: #fff; }
.sev-medium { background: #f5b400; color: #1b1f24; } .sev-low { background: #b6e3ff; color: #1b1f24; }
.sev-info { background: #eaeef2; color: #424a53; }
tr.unexpected td.differs { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
tr.expected td { color: var(--grey); } tr.expected td.differs { background: #f6f8fa; }
td.absent, td.unknown { font-style: italic; }
.tag { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.changed-by { font-size: 12px; color: var(--muted); }
.legend span { margin-right: 16px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -1px; border: 1px solid var(--line); }
table.diff { table-layout: fixed; } table.diff th:first-child { width: 26%; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"#;

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A full value, pretty-printed (strings as they are).
fn pretty(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "—".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

fn full_cell(cell: &Cell) -> String {
    match cell {
        Cell::Value(value) => pretty(Some(value)),
        other => cell_text(other),
    }
}

/// A matrix row's class: a finding or a declared difference.
fn row_class(row: &ParityRow) -> &'static str {
    if row.expected {
        "expected"
    } else {
        "unexpected"
    }
}

/// A matrix cell's classes: what the environment's state is, and whether it differs.
fn cell_class(row: &ParityRow, environment: &str, cell: &Cell) -> String {
    let state = match cell {
        Cell::Absent => "value absent",
        Cell::Unknown => "value unknown",
        _ => "value",
    };
    if row.outliers.iter().any(|e| e == environment) {
        format!("{state} differs")
    } else {
        state.to_string()
    }
}

fn title(report: &Report) -> String {
    match report.command.as_str() {
        "compare" => format!("driftscan compare: {}", report.environments().join(" · ")),
        _ => format!("driftscan scan: {}", report.environment),
    }
}

/// The page around `body`: styles inline, and a policy that lets the browser fetch nothing.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

/// Renders the HTML report.
pub fn render(report: &Report, options: &RenderOptions) -> String {
    page(&title(report), &report_body(report, options, "h1"))
}

/// A run's page: the organization summary, then every report (each under its own heading).
pub(crate) fn run_page(
    reports: &[Report],
    header: &[&str],
    rows: &[Vec<String>],
    total: &[String],
    options: &RenderOptions,
) -> String {
    let mut body = String::new();
    let incomplete = reports.iter().filter(|r| !r.complete).count();
    let _ = writeln!(
        body,
        "<header>\n<h1>driftscan run: {} reports</h1>\n<p class=\"meta\">driftscan {}</p>\n</header>",
        reports.len(),
        escape(&options.version)
    );
    if incomplete > 0 {
        let _ = writeln!(
            body,
            "<section class=\"incomplete\" id=\"incomplete\">\n<h2>INCOMPLETE: {incomplete} of {} reports could not read everything; what they cover is unknown, not clean.</h2>\n<ul>",
            reports.len()
        );
        for report in reports.iter().filter(|r| !r.complete) {
            let _ = writeln!(
                body,
                "<li><a href=\"#report-{}\">{}</a>: {} failed read(s)</li>",
                escape(&report.environment),
                escape(&report.environment),
                report.failures.len()
            );
        }
        body.push_str("</ul>\n</section>\n");
    }
    body.push_str("<section id=\"summary\">\n<h2>Organization summary</h2>\n<table class=\"summary-table\">\n<thead><tr>");
    for h in header {
        let _ = write!(body, "<th>{}</th>", escape(h));
    }
    body.push_str("</tr></thead>\n<tbody>\n");
    for (i, row) in rows.iter().enumerate() {
        let class = if reports.get(i).is_some_and(|r| !r.complete) {
            " class=\"unexpected\""
        } else {
            ""
        };
        let _ = write!(body, "<tr{class}>");
        for (j, cell) in row.iter().enumerate() {
            if j == 0 {
                let _ = write!(
                    body,
                    "<td><a href=\"#report-{}\">{}</a></td>",
                    escape(cell),
                    escape(cell)
                );
            } else {
                let _ = write!(body, "<td>{}</td>", escape(cell));
            }
        }
        body.push_str("</tr>\n");
    }
    body.push_str("<tr>");
    for cell in total {
        let _ = write!(body, "<th>{}</th>", escape(cell));
    }
    body.push_str("</tr>\n</tbody>\n</table>\n</section>\n");
    for report in reports {
        let _ = writeln!(
            body,
            "<div class=\"report\" id=\"report-{}\">",
            escape(&report.environment)
        );
        body.push_str(&report_body(report, options, "h2"));
        body.push_str("</div>\n");
    }
    page(&format!("driftscan run: {} reports", reports.len()), &body)
}

/// One report's sections, under a heading of `level`.
fn report_body(report: &Report, options: &RenderOptions, level: &str) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(
        out,
        "<header>\n<{level}>{}</{level}>",
        escape(&title(report))
    );
    let _ = writeln!(
        out,
        "<p class=\"meta\">{} in {} · driftscan {}{}</p>\n</header>",
        escape(&report.environment),
        escape(&report.regions.join(", ")),
        escape(&options.version),
        if report.duration_ms > 0 {
            format!(" · {:.1} s", report.duration_ms as f64 / 1000.0)
        } else {
            String::new()
        }
    );
    incomplete(report, &mut out);
    summary(report, &mut out);
    match &report.parity {
        Some(matrix) => {
            parity(matrix, &mut out);
            resources_side_by_side(matrix, &mut out);
        }
        None => findings(report, &mut out),
    }
    if !report.expired_ignores.is_empty() {
        out.push_str("<section id=\"expired-ignores\"><h2>Expired ignore rules (no longer applied)</h2><ul>\n");
        for ignore in &report.expired_ignores {
            let _ = writeln!(out, "<li><code>{}</code></li>", escape(ignore));
        }
        out.push_str("</ul></section>\n");
    }
    let _ = writeln!(
        out,
        "<footer>Baselines: {}. Report schema {}.</footer>",
        if report.baseline_files.is_empty() {
            "none".to_string()
        } else {
            escape(&report.baseline_files.join(" ← "))
        },
        escape(&report.schema)
    );
    out
}

/// Every failed read, first thing on the page: an incomplete report must never look clean.
fn incomplete(report: &Report, out: &mut String) {
    if report.complete {
        return;
    }
    let _ = writeln!(
        out,
        "<section class=\"incomplete\" id=\"incomplete\">\n<h2>{}</h2>\n<ul>",
        escape(verdict(report))
    );
    for failure in &report.failures {
        let _ = writeln!(
            out,
            "<li><code>{}</code></li>",
            escape(&failure.to_string())
        );
    }
    out.push_str("</ul>\n</section>\n");
}

fn summary(report: &Report, out: &mut String) {
    let severities: String = report
        .counts
        .by_severity
        .iter()
        .rev()
        .map(|(severity, n)| {
            format!(
                "<span class=\"sev sev-{severity}\">{n} {severity}</span>",
                severity = severity.as_str()
            )
        })
        .collect();
    let _ = writeln!(
        out,
        "<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"summary\">\n\
         <tr><th>Environments</th><td>{}</td></tr>\n\
         <tr><th>Regions</th><td>{}</td></tr>\n\
         <tr><th>Completeness</th><td id=\"completeness\">{}</td></tr>\n\
         <tr><th>Resources checked</th><td>{}</td></tr>\n\
         <tr><th>Findings</th><td id=\"findings-count\">{} {}</td></tr>\n</table>",
        escape(&report.environments().join(", ")),
        escape(&report.regions.join(", ")),
        if report.complete {
            "complete"
        } else {
            "INCOMPLETE"
        },
        report.counts.resources,
        report.counts.total,
        severities
    );
    let verdict = verdict(report);
    if !verdict.is_empty() {
        let class = if report.complete { "clean" } else { "failed" };
        let _ = writeln!(out, "<p class=\"verdict {class}\">{}</p>", escape(verdict));
    }
    out.push_str("</section>\n");
}

fn field_name(row: &ParityRow) -> String {
    row.path.clone().unwrap_or_else(|| "(exists)".into())
}

/// The matrix: a row per differing field, a column per environment.
fn parity(matrix: &ParityMatrix, out: &mut String) {
    let measure = match &matrix.reference {
        Some(reference) => format!("differs from the reference, {}", escape(reference)),
        None => "differs from the majority".to_string(),
    };
    let _ = writeln!(
        out,
        "<section id=\"parity\">\n<h2>Parity matrix</h2>\n<p>{} logical resources compared; {} fields differ, {} of them unexpected.</p>\n\
         <p class=\"legend\"><span><span class=\"swatch\" style=\"background:#fee4e2\"></span> {measure} (a finding)</span>\
         <span><span class=\"swatch\" style=\"background:#f6f8fa\"></span> expected: declared by the baselines</span></p>",
        matrix.resources,
        matrix.rows.len(),
        matrix.unexpected().count()
    );
    if matrix.rows.is_empty() {
        out.push_str("<p>Every compared field is equal in every environment.</p>\n</section>\n");
        return;
    }
    out.push_str("<table class=\"matrix\">\n<thead><tr><th>Resource</th><th>Field</th>");
    for env in &matrix.environments {
        let _ = write!(out, "<th>{}</th>", escape(env));
    }
    out.push_str("<th></th></tr></thead>\n<tbody>\n");
    for row in &matrix.rows {
        let class = row_class(row);
        let _ = write!(
            out,
            "<tr class=\"{class}\"><td><code>{}/{}</code></td><td><code>{}</code></td>",
            row.resource_type,
            escape(&row.logical_name),
            escape(&field_name(row))
        );
        let texts = super::cell_texts(matrix, row);
        for ((env, cell), text) in matrix.environments.iter().zip(&row.cells).zip(&texts) {
            let _ = write!(
                out,
                "<td class=\"{}\" title=\"{}\">{}</td>",
                cell_class(row, env, cell),
                escape(&full_cell(cell)),
                escape(&truncate(text, CELL_WIDTH))
            );
        }
        let _ = writeln!(
            out,
            "<td class=\"tag\">{}</td></tr>",
            if row.expected { "expected" } else { "differs" }
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

/// Each resource that differs: its differing fields, full values side by side.
fn resources_side_by_side(matrix: &ParityMatrix, out: &mut String) {
    let mut resources: BTreeMap<(String, &str), Vec<&ParityRow>> = BTreeMap::new();
    for row in &matrix.rows {
        resources
            .entry((row.resource_type.to_string(), row.logical_name.as_str()))
            .or_default()
            .push(row);
    }
    if resources.is_empty() {
        return;
    }
    out.push_str("<section id=\"resources\">\n<h2>Resources, side by side</h2>\n");
    for ((kind, name), rows) in resources {
        let _ = write!(
            out,
            "<article class=\"resource\">\n<h3>{kind} {}</h3>\n<table class=\"diff\"><thead><tr><th>Field</th>",
            escape(name)
        );
        for env in &matrix.environments {
            let _ = write!(out, "<th>{}</th>", escape(env));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in rows {
            let class = row_class(row);
            let _ = write!(
                out,
                "<tr class=\"{class}\"><td><code>{}</code></td>",
                escape(&field_name(row))
            );
            for (env, cell) in matrix.environments.iter().zip(&row.cells) {
                let _ = write!(
                    out,
                    "<td class=\"{}\"><pre>{}</pre></td>",
                    cell_class(row, env, cell),
                    escape(&full_cell(cell))
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n</article>\n");
    }
    out.push_str("</section>\n");
}

/// A scan's findings by resource: each expectation beside what was found.
fn findings(report: &Report, out: &mut String) {
    if report.findings.is_empty() {
        return;
    }
    out.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n");
    for (title, findings) in super::by_resource(report) {
        let _ = writeln!(
            out,
            "<article class=\"resource\">\n<h3>{}</h3>\n<table class=\"diff\"><thead><tr>\
             <th>Severity</th><th>Finding</th><th>Field</th><th>Expected</th><th>Actual</th><th>Why</th></tr></thead>\n<tbody>",
            escape(&title)
        );
        for f in findings {
            let source = f
                .source
                .as_ref()
                .map(|s| {
                    format!(
                        "<br><span class=\"tag\">declared at {}:{}</span>",
                        escape(&s.file),
                        s.line
                    )
                })
                .unwrap_or_default();
            let changed = f
                .attribution_line()
                .map(|line| format!("<br><span class=\"changed-by\">{}</span>", escape(&line)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr class=\"unexpected\"><td><span class=\"sev sev-{sev}\">{sev}</span></td><td>{}</td><td><code>{}</code></td>\
                 <td><pre>{}</pre></td><td class=\"differs\"><pre>{}</pre></td><td>{}{changed}{source}</td></tr>",
                escape(&super::rule_with_controls(&rule_id(f))),
                escape(f.path.as_deref().unwrap_or("")),
                escape(&pretty(f.expected.as_ref())),
                escape(&pretty(f.actual.as_ref())),
                escape(&f.message),
                sev = f.severity.as_str(),
            );
        }
        out.push_str("</tbody></table>\n</article>\n");
    }
    out.push_str("</section>\n");
}

//! Human output, grouped by resource.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use super::{cell_text, compact, headline, matrix, truncate, verdict, RenderOptions};
use crate::model::{ParityMatrix, Report, Severity};

/// Narrowest a matrix column is.
const CELL_WIDTH: usize = 18;
/// Widest a matrix cell is shown on a terminal (unless `--wide`); the full value is in
/// `--wide` and `--format json`.
const MAX_CELL_WIDTH: usize = 34;
/// Widest the field column grows.
const FIELD_WIDTH: usize = 44;

const BOLD: Style = Style::new().bold();
const ALARM: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();
const CLEAN: Style = AnsiColor::Green.on_default();
const DIFFERS: Style = AnsiColor::Yellow.on_default();

/// `text` in `style` when colouring (anstyle's escape codes; `--color` and `NO_COLOR` decide).
fn paint(text: &str, style: Style, color: bool) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_string()
    }
}

fn severity_label(severity: Severity, color: bool) -> String {
    let label = format!("{:<8}", severity.as_str().to_uppercase());
    let style = match severity {
        Severity::Critical => ALARM,
        Severity::High => AnsiColor::Red.on_default(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Cyan.on_default(),
        Severity::Info => DIM,
    };
    paint(&label, style, color)
}

/// A unified diff for the terminal: added lines green, removed red, hunk headers cyan.
pub fn diff(text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.lines() {
        let style = match line.as_bytes().first() {
            Some(b'+') => CLEAN,
            Some(b'-') => AnsiColor::Red.on_default(),
            Some(b'@') => AnsiColor::Cyan.on_default(),
            _ => Style::new(),
        };
        out.push_str(&paint(line, style, true));
        out.push('\n');
    }
    out
}

/// Renders the text report.
pub fn render(report: &Report, options: &RenderOptions) -> String {
    let color = options.color;
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint(&headline(report), BOLD, color));
    if !report.baseline_files.is_empty() {
        let _ = writeln!(out, "baselines: {}", report.baseline_files.join(" <- "));
    }

    if let Some(matrix) = matrix(report) {
        render_matrix(matrix, options.wide, color, &mut out);
    } else {
        render_findings(report, color, &mut out);
    }

    if !report.expired_ignores.is_empty() {
        let _ = writeln!(out, "\nexpired ignore rules (no longer applied):");
        for ignore in &report.expired_ignores {
            let _ = writeln!(out, "  - {ignore}");
        }
    }
    if !report.deleted_during_scan.is_empty() {
        let _ = writeln!(out, "\ndeleted while the scan ran (compared as absent):");
        for deleted in &report.deleted_during_scan {
            let _ = writeln!(out, "  - {deleted}");
        }
    }
    if !report.failures.is_empty() {
        let _ = writeln!(out, "\n{}", paint("failed reads:", ALARM, color));
        for failure in &report.failures {
            let _ = writeln!(out, "  - {failure}");
        }
    }
    let verdict = verdict(report);
    if !verdict.is_empty() {
        let style = if report.complete { CLEAN } else { ALARM };
        let _ = writeln!(out, "\n{}", paint(verdict, style, color));
    }
    out
}

/// Findings grouped by resource.
fn render_findings(report: &Report, color: bool, out: &mut String) {
    for (title, findings) in super::by_resource(report) {
        let _ = writeln!(out, "\n{}", paint(&title, BOLD, color));
        for f in findings {
            let rule = f
                .rule_id
                .as_deref()
                .map(|r| format!(" {}", super::rule_with_controls(r)))
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
            if let Some(line) = f.attribution_line() {
                let _ = writeln!(out, "           {line}");
            }
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
}

/// The parity matrix: one line per differing field, one column per environment, cells cut to
/// [`MAX_CELL_WIDTH`] (whole values with `wide`). A list's cell shows what that environment
/// adds or lacks ([`super::cell_texts`]). `!` marks a finding, `~` a difference the baselines
/// declare, `*` a cell that differs from the reference (or the majority).
pub(super) fn render_matrix(matrix: &ParityMatrix, wide: bool, color: bool, out: &mut String) {
    let field = |path: Option<&str>| path.unwrap_or("(exists)").to_string();
    let field_width = matrix
        .rows
        .iter()
        .map(|row| field(row.path.as_deref()).chars().count() + 4)
        .max()
        .unwrap_or(0)
        .clamp(12, FIELD_WIDTH);
    let measure = match &matrix.reference {
        Some(reference) => format!("* differs from {reference}"),
        None => "* differs from the majority".to_string(),
    };
    let title = format!(
        "parity of {} logical resources: {} differing fields (! a finding, ~ expected, {measure})",
        matrix.resources,
        matrix.rows.len()
    );
    let _ = writeln!(out, "\n{}", paint(&title, BOLD, color));
    if matrix.rows.is_empty() {
        return;
    }
    let texts: Vec<Vec<String>> = matrix
        .rows
        .iter()
        .map(|row| match wide {
            true => row.cells.iter().map(cell_text).collect(),
            false => super::cell_texts(matrix, row),
        })
        .collect();
    let longest = texts
        .iter()
        .flatten()
        .map(|t| t.chars().count() + 1)
        .max()
        .unwrap_or(0);
    let cell_width = match wide {
        true => longest.max(CELL_WIDTH),
        false => longest.clamp(CELL_WIDTH, MAX_CELL_WIDTH),
    };
    let mut header = format!("{:<field_width$}", "");
    for env in &matrix.environments {
        let _ = write!(header, "  {:<cell_width$}", truncate(env, cell_width));
    }
    let _ = writeln!(out, "{}", paint(header.trim_end(), BOLD, color));
    let mut resource = None;
    for (row, texts) in matrix.rows.iter().zip(&texts) {
        let title = format!("{} {}", row.resource_type, row.logical_name);
        if resource.as_ref() != Some(&title) {
            let _ = writeln!(out, "{}", paint(&title, BOLD, color));
            resource = Some(title);
        }
        let marker = if row.expected { "~" } else { "!" };
        let width = field_width - 4;
        let name = truncate(&field(row.path.as_deref()), width);
        let mut line = format!("  {marker} {name:<width$}");
        for (env, text) in matrix.environments.iter().zip(texts) {
            let differs = row.outliers.contains(env);
            let mark = if differs { "*" } else { "" };
            let text = truncate(text, cell_width - 1) + mark;
            let padded = format!("  {text:<cell_width$}");
            match (row.expected, differs) {
                (true, _) => line.push_str(&paint(&padded, DIM, color)),
                (false, true) => line.push_str(&paint(&padded, DIFFERS, color)),
                (false, false) => line.push_str(&padded),
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
}

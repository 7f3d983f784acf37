//! One way out of every command that reports: each output written, then the exit status.

use std::path::{Path, PathBuf};

use anyhow::Context;
use scanner::model::Report;
use scanner::report::{Format, RenderOptions};

use crate::args::{FailOn, OutputTarget};
use crate::settings::Settings;
use crate::{output, Outcome};

/// Writes one rendering per output target (`render` makes it from the format and options),
/// then gates `reports`. Answers the exit status. Everything is rendered and checked first
/// (a SARIF file GitHub would reject is refused), so bad output writes nothing.
pub fn deliver(
    reports: &[&Report],
    default_format: Format,
    targets: &[OutputTarget],
    fail_on: FailOn,
    settings: &Settings,
    render: impl Fn(Format, &RenderOptions) -> String,
) -> anyhow::Result<Outcome> {
    let mut failures_shown = false;
    let mut writes: Vec<(Option<PathBuf>, String)> = Vec::new();
    for target in output_targets(targets)? {
        let format = target.format.unwrap_or(default_format);
        let path = target.path.as_deref();
        scanner::report::check_renderable(reports, format)
            .with_context(|| format!("cannot write {format}; nothing was written"))?;
        let on_terminal = format == Format::Text && path.is_none();
        failures_shown |= on_terminal;
        let options = RenderOptions {
            color: on_terminal && settings.color.for_stdout(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            wide: settings.wide,
            now_ms: scanner::clock::epoch_millis(),
        };
        match path {
            Some(dir) if format == Format::Sarif && is_directory(dir) => {
                for report in reports {
                    let file = dir.join(sarif_file_name(report));
                    let text = scanner::report::render(report, Format::Sarif, &options);
                    check_sarif(&text, &file)?;
                    writes.push((Some(file), text));
                }
            }
            _ => {
                let text = render(format, &options);
                if format == Format::Sarif {
                    check_sarif(&text, path.unwrap_or(Path::new("-")))?;
                }
                writes.push((path.map(Path::to_path_buf), text));
            }
        }
    }
    for (path, text) in &writes {
        if let Some(dir) = path
            .as_deref()
            .and_then(Path::parent)
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        output::write(path.as_deref(), text)?;
    }
    Ok(gate(reports, fail_on, failures_shown))
}

/// Whether a SARIF target names a directory: it ends in `/`, or is one.
fn is_directory(path: &Path) -> bool {
    path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir()
}

/// One report's SARIF file in a directory target: `<command>-<environment>.sarif`.
fn sarif_file_name(report: &Report) -> String {
    format!("{}-{}.sarif", report.command, report.environment)
}

/// Refuses a SARIF file GitHub code scanning would reject whole, saying how to split it.
fn check_sarif(text: &str, path: &Path) -> anyhow::Result<()> {
    use scanner::report::github_limits;
    let gzipped = scanner::aws::gzip(text.as_bytes()).len();
    let Some(problem) = github_limits::exceeded(text, gzipped) else {
        return Ok(());
    };
    let hint = if problem.splits_by_report() {
        "give a directory (`--output sarif=DIR/`) for one file per report"
    } else {
        "one report is too large for GitHub code scanning: write it as json or html, or scan fewer regions at a time"
    };
    anyhow::bail!(
        "{}: the SARIF would have {problem}; {hint}. Nothing was written",
        path.display()
    )
}

/// The exit status of `reports`: incomplete when any could not read everything, whatever
/// `fail_on` says (its failures said on standard error unless a text report on the terminal
/// says them); findings when any fails the gate; else success.
pub fn gate(reports: &[&Report], fail_on: FailOn, failures_shown: bool) -> Outcome {
    let incomplete: Vec<&&Report> = reports.iter().filter(|r| !r.complete).collect();
    if !incomplete.is_empty() {
        if !failures_shown {
            incomplete.iter().for_each(|r| explain_incomplete(r));
        }
        return Outcome::Incomplete;
    }
    let failed = match fail_on {
        FailOn::Never => false,
        FailOn::AtLeast(threshold) => reports.iter().any(|r| r.fails(threshold)),
        FailOn::AtLeastUnder(threshold, standard) => {
            let fails = |r: &&Report| scanner::rules::controls::fails_under(r, threshold, standard);
            reports.iter().any(fails)
        }
    };
    if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    }
}

/// The outputs asked for (standard output in the default format when none), at most one of
/// them on standard output.
pub fn output_targets(targets: &[OutputTarget]) -> anyhow::Result<Vec<OutputTarget>> {
    let targets = if targets.is_empty() {
        vec![OutputTarget {
            format: None,
            path: None,
        }]
    } else {
        targets.to_vec()
    };
    let to_stdout = targets.iter().filter(|t| t.path.is_none()).count();
    anyhow::ensure!(
        to_stdout <= 1,
        "{to_stdout} outputs go to standard output; give all but one a file (FORMAT=FILE)"
    );
    Ok(targets)
}

/// Says on standard error what an incomplete report could not read (when no text report
/// reaches the terminal to say it).
pub fn explain_incomplete(report: &Report) {
    eprintln!(
        "driftscan: {} of {} INCOMPLETE: {} read(s) failed; this is not a clean result:",
        report.command,
        report.environment,
        report.failures.len()
    );
    for failure in &report.failures {
        eprintln!("  - {failure}");
    }
}

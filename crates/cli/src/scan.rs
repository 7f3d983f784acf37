//! `driftscan scan`: the pre-deploy gate.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Context;
use scanner::baseline::{today_utc, Baseline};
use scanner::report::{render, Format, RenderOptions};

use crate::args::{FailOn, GlobalArgs, ScanArgs};
use crate::{output, snapshot, Outcome};

/// Scans (or reads a snapshot), evaluates it against its baseline, renders, and gates.
pub async fn run(args: ScanArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    // The baseline is checked before anything is scanned: bad input fails fast.
    let preloaded = match &args.state.environment {
        Some(env) => Some(Baseline::load(&args.baselines, env)?),
        None => None,
    };
    let snapshot = snapshot::obtain(&args.state, global).await?;
    let baseline = match preloaded {
        Some(baseline) => baseline,
        None => Baseline::load(&args.baselines, &snapshot.environment)?,
    };
    let mut report = scanner::evaluate::evaluate(&snapshot, &baseline, today_utc())
        .context("invalid compliance settings")?;
    report.duration_ms = started.elapsed().as_millis() as u64;

    let color = args.format == Format::Text
        && args.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let options = RenderOptions {
        color,
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    output::write(
        args.output.as_deref(),
        &render(&report, args.format, &options),
    )?;

    if !report.complete {
        if args.format != Format::Text || args.output.is_some() {
            eprintln!(
                "driftscan: scan of {} INCOMPLETE: {} read(s) failed; this is not a clean result:",
                report.environment,
                report.failures.len()
            );
            for failure in &report.failures {
                eprintln!("  - {failure}");
            }
        }
        return Ok(Outcome::Incomplete);
    }
    let failed = match args.fail_on {
        FailOn::Never => false,
        FailOn::AtLeast(threshold) => report.fails(threshold),
    };
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

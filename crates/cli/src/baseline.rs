//! `driftscan baseline capture`.

use std::path::PathBuf;

use anyhow::Context;

use crate::args::{CaptureArgs, GlobalArgs};
use crate::{output, snapshot, Outcome};

/// Captures a baseline from the live environment or a saved snapshot.
pub async fn capture(args: CaptureArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let snapshot = snapshot::obtain(&args.state, global).await?;
    if !snapshot.complete {
        eprintln!("driftscan: the snapshot is INCOMPLETE; no baseline was written:");
        for failure in &snapshot.failures {
            eprintln!("  - {failure}");
        }
        return Ok(Outcome::Incomplete);
    }
    let text = scanner::capture::capture(&snapshot, env!("CARGO_PKG_VERSION"))?;
    let target: Option<PathBuf> = args.output.map(|path| {
        if path.is_dir() {
            path.join(format!("{}.yaml", snapshot.environment))
        } else {
            path
        }
    });
    if let Some(path) = &target {
        anyhow::ensure!(
            args.force || !path.exists(),
            "{} exists; pass --force to overwrite it",
            path.display()
        );
    }
    output::write(target.as_deref(), &text).context("cannot write the baseline")?;
    if let (Some(path), false) = (&target, global.quiet) {
        eprintln!(
            "captured {} resources of {} into {}",
            snapshot.resources.len(),
            snapshot.environment,
            path.display()
        );
    }
    Ok(Outcome::Success)
}

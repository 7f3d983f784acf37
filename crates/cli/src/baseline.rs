//! `driftscan baseline capture`.

use std::path::PathBuf;

use anyhow::Context;

use crate::args::{CaptureArgs, GlobalArgs, ValidateArgs};
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

/// Validates the config file and every baseline under `--baselines` (each `<name>.yaml` loaded
/// as environment `<name>`, with what it extends), calling no AWS API.
pub fn validate(args: &ValidateArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let (_, config) = scanner::config::ConfigFile::discover(global.config.as_deref())?;
    let files: Vec<PathBuf> = if args.baselines.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&args.baselines)
            .with_context(|| format!("cannot read {}", args.baselines.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        files
    } else {
        vec![args.baselines.clone()]
    };
    anyhow::ensure!(
        !files.is_empty(),
        "no baseline (*.yaml) in {}",
        args.baselines.display()
    );
    for file in &files {
        let environment = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let baseline = scanner::baseline::Baseline::load(file, &environment)?;
        scanner::rules::validate(&baseline)?;
        if !global.quiet {
            eprintln!(
                "ok {} ({} resources, {} compliance settings, {} ignores)",
                file.display(),
                baseline.resources.len(),
                baseline.compliance.len(),
                baseline.ignores.len()
            );
        }
    }
    let config = config.map_or_else(|| "no config file".to_string(), |p| p.display().to_string());
    println!(
        "driftscan validate: {} baseline file(s) and {config}: valid",
        files.len()
    );
    Ok(Outcome::Success)
}

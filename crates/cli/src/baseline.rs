//! `driftscan baseline capture`, `baseline import` and `validate`.

use std::path::PathBuf;

use anyhow::Context;

use crate::args::{CaptureArgs, ImportArgs, ValidateArgs};
use crate::settings::Settings;
use crate::{output, snapshot, Outcome};

/// Captures a baseline from the live environment or a saved snapshot.
pub async fn capture(args: CaptureArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    // Taken before the read: attribution then looks a little further back, never too little.
    let started = std::time::SystemTime::now();
    let snapshot = snapshot::obtain(&args.state, settings).await?;
    if !snapshot.complete {
        eprintln!("driftscan: the snapshot is INCOMPLETE; no baseline was written:");
        for failure in &snapshot.failures {
            eprintln!("  - {failure}");
        }
        return Ok(Outcome::Incomplete);
    }
    // A saved snapshot does not say when it was read: its baseline says no capture time.
    let captured = args.state.from_snapshot.is_none().then_some(started);
    let text = scanner::capture::capture_at(&snapshot, env!("CARGO_PKG_VERSION"), captured)?;
    let target = target(args.output, &snapshot.environment, args.force)?;
    output::write(target.as_deref(), &text).context("cannot write the baseline")?;
    if let (Some(path), false) = (&target, settings.quiet) {
        eprintln!(
            "captured {} resources of {} into {}",
            snapshot.resources.len(),
            snapshot.environment,
            path.display()
        );
    }
    Ok(Outcome::Success)
}

/// Where a baseline of `environment` goes: a file, `<env>.yaml` in a directory, or standard
/// output; an existing file only with `force`.
fn target(
    output: Option<PathBuf>,
    environment: &str,
    force: bool,
) -> anyhow::Result<Option<PathBuf>> {
    let target = output.map(|path| {
        if path.is_dir() {
            path.join(format!("{environment}.yaml"))
        } else {
            path
        }
    });
    if let Some(path) = &target {
        anyhow::ensure!(
            force || !path.exists(),
            "{} exists; pass --force to overwrite it",
            path.display()
        );
    }
    Ok(target)
}

/// The generated-suffix shapes `driftscan.yaml` configures for `environment`.
pub fn suffixes_for(
    environment: &str,
    settings: &Settings,
) -> anyhow::Result<scanner::naming::SuffixPatterns> {
    let config = &settings.file;
    Ok(config.generated_suffixes(environment)?)
}

/// Writes a baseline from Pulumi or Terraform state.
pub async fn import(args: ImportArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    scanner::naming::validate_environment_name(&args.environment)?;
    let target = target(args.output, &args.environment, args.force)?;
    let states =
        scanner::iac::read_states(&args.from, args.profile.as_deref(), args.region.as_deref())
            .await?;
    let imported = scanner::iac::import(
        &states,
        &args.environment,
        &suffixes_for(&args.environment, settings)?,
    )?;
    let text = imported.baseline_yaml(&args.environment, env!("CARGO_PKG_VERSION"))?;
    // What is written must load: checked before anything is written.
    scanner::baseline::Baseline::parse_str(
        &text,
        std::path::Path::new("imported"),
        &args.environment,
    )
    .context("the imported baseline does not load (a bug: please report it)")?;
    output::write(target.as_deref(), &text).context("cannot write the baseline")?;
    if !settings.quiet {
        let unmapped: usize = imported.unmapped.values().sum();
        eprintln!(
            "imported {} resources of {} from {}{}{}",
            imported.resources.len(),
            args.environment,
            imported.origins.join(", "),
            target
                .as_ref()
                .map(|p| format!(" into {}", p.display()))
                .unwrap_or_default(),
            if unmapped > 0 {
                format!(" ({unmapped} of types driftscan does not read left out)")
            } else {
                String::new()
            }
        );
    }
    Ok(Outcome::Success)
}

/// Validates the config file and every baseline under `--baselines` (each `<name>.yaml` loaded
/// as environment `<name>`, with what it extends), calling no AWS API.
pub fn validate(args: &ValidateArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    let config = settings.file_path.clone();
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
        if !settings.quiet {
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

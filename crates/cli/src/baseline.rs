//! `driftscan baseline capture`, `baseline import` and `validate`.

use std::path::PathBuf;

use anyhow::Context;

use crate::args::{CaptureArgs, ImportArgs, ValidateArgs};
use crate::settings::Settings;
use crate::{output, snapshot, Outcome};

/// Captures a baseline from the live environment or a saved snapshot.
pub async fn capture(args: CaptureArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    let snapshot = snapshot::obtain(&args.state, settings).await?;
    if !snapshot.complete {
        eprintln!("driftscan: the snapshot is INCOMPLETE; no baseline was written:");
        for failure in &snapshot.failures {
            eprintln!("  - {failure}");
        }
        return Ok(Outcome::Incomplete);
    }
    let text = scanner::capture::capture(&snapshot, env!("CARGO_PKG_VERSION"))?;
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

/// A local state whose file name has `*` or `?` stands for the files it matches, in name
/// order; matching none is an error, not an empty state.
fn expand(source: &scanner::iac::Source) -> anyhow::Result<Vec<scanner::iac::Source>> {
    use scanner::iac::Source;
    let (path, rebuild): (&std::path::Path, fn(PathBuf) -> Source) = match source {
        Source::Pulumi(path) => (path, Source::Pulumi),
        Source::Tfstate(path) => (path, Source::Tfstate),
        Source::TfstateS3 { .. } => return Ok(vec![source.clone()]),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !name.contains(['*', '?']) {
        return Ok(vec![source.clone()]);
    }
    let pattern = scanner::baseline::expect::glob_to_regex(&name)
        .with_context(|| format!("--from {source}: not a usable pattern"))?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut matched: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("--from {source}: cannot read {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| pattern.is_match(&n.to_string_lossy()))
        })
        .collect();
    matched.sort();
    anyhow::ensure!(!matched.is_empty(), "--from {source}: no file matches");
    Ok(matched.into_iter().map(rebuild).collect())
}

/// Reads every state `sources` names: files from disk, Terraform states from S3 with
/// `s3:GetObject` (in `region`, with `profile`).
pub async fn read_states(
    sources: &[scanner::iac::Source],
    profile: Option<&str>,
    region: Option<&str>,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut states = Vec::new();
    let mut config = None;
    let mut expanded = Vec::new();
    for source in sources {
        expanded.extend(expand(source)?);
    }
    for source in &expanded {
        let text = match source {
            scanner::iac::Source::Pulumi(path) | scanner::iac::Source::Tfstate(path) => {
                std::fs::read_to_string(path)
                    .with_context(|| format!("--from {source}: cannot read {}", path.display()))?
            }
            scanner::iac::Source::TfstateS3 { bucket, key } => {
                if config.is_none() {
                    config = Some(scanner::aws::load_for(profile, region).await?);
                }
                let config = config.as_ref().expect("loaded above");
                scanner::aws::get_text_object(config, bucket, key)
                    .await
                    .map_err(|e| anyhow::anyhow!("--from {source}: {e}"))?
            }
        };
        states.push((source.to_string(), text));
    }
    Ok(states)
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
    let states = read_states(&args.from, args.profile.as_deref(), args.region.as_deref()).await?;
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

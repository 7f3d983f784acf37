//! `driftscan snapshot`.

use std::fmt::Write as _;

use anyhow::Context;
use scanner::digest::DigestKey;
use scanner::{EnvironmentSettings, Snapshot};

use crate::args::{AwsArgs, SnapshotArgs, StateArgs};
use crate::progress::Bar;
use crate::settings::Settings;
use crate::{output, Outcome};

/// Environment variable holding the SecureString digest key.
pub const DIGEST_KEY_VAR: &str = "DRIFTSCAN_SECURE_DIGEST_KEY";

/// Takes the snapshot, writes it, and reports what could not be read.
pub async fn run(args: SnapshotArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    let snapshot = take(&args.environment, &args.aws, settings).await?;
    output::write_snapshot(args.output.as_deref(), &snapshot.to_json(), &args.aws).await?;
    if !settings.quiet {
        eprint!("{}", summary(&snapshot));
    }
    Ok(if snapshot.complete {
        Outcome::Success
    } else {
        Outcome::Incomplete
    })
}

/// Plans and takes a live snapshot of `environment`.
pub async fn take(
    environment: &str,
    aws: &AwsArgs,
    settings: &Settings,
) -> anyhow::Result<Snapshot> {
    let config = settings.file.clone();
    let overrides = overrides(aws);
    let digest_key = digest_key(aws)?;
    let bar = Bar::new(settings.quiet);
    let snapshot = scanner::scan::snapshot_environment(
        &config,
        environment,
        overrides,
        digest_key,
        None,
        &bar,
    )
    .await;
    bar.finish();
    Ok(snapshot?)
}

/// The settings the command line gives over the config file's.
pub fn overrides(aws: &AwsArgs) -> EnvironmentSettings {
    EnvironmentSettings {
        tag_key: aws.tag_key.clone(),
        regions: (!aws.regions.is_empty()).then(|| aws.regions.clone()),
        ssm_paths: (!aws.ssm_paths.is_empty()).then(|| aws.ssm_paths.clone()),
        role_arn: aws.role_arn.clone(),
        external_id: None,
        profile: aws.profile.clone(),
        max_attempts: aws.max_attempts,
        concurrency: aws.concurrency,
        operation_timeout_secs: aws.operation_timeout,
        generated_suffixes: None,
        deployers: None,
    }
}

/// The SecureString digest key, with `--secure-digest`.
pub fn digest_key(aws: &AwsArgs) -> anyhow::Result<Option<DigestKey>> {
    if !aws.secure_digest {
        return Ok(None);
    }
    let key = std::env::var(DIGEST_KEY_VAR)
        .with_context(|| format!("--secure-digest needs the key in {DIGEST_KEY_VAR}"))?;
    Ok(Some(DigestKey::new(key.into_bytes())?))
}

/// The snapshot to check: read from `--from-snapshot`, or taken live.
pub async fn obtain(state: &StateArgs, settings: &Settings) -> anyhow::Result<Snapshot> {
    match &state.from_snapshot {
        Some(path) => {
            let snapshot = crate::output::read_snapshot(path, &state.aws).await?;
            if let Some(env) = &state.environment {
                anyhow::ensure!(
                    env == &snapshot.environment,
                    "--env {env} does not match the snapshot's environment `{}` ({})",
                    snapshot.environment,
                    path.display()
                );
            }
            Ok(snapshot)
        }
        None => {
            let env = state
                .environment
                .as_deref()
                .context("--env is required (or --from-snapshot; `scan --all` for every configured environment)")?;
            take(env, &state.aws, settings).await
        }
    }
}

/// Human summary for standard error: counts per kind, and every failed read.
fn summary(snapshot: &Snapshot) -> String {
    let mut text = String::new();
    let counts: Vec<String> = snapshot
        .counts()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    let _ = writeln!(
        text,
        "snapshot of {} in {}: {} resources{}",
        snapshot.environment,
        snapshot.regions.join(", "),
        snapshot.resources.len(),
        if counts.is_empty() {
            String::new()
        } else {
            format!(" ({})", counts.join(", "))
        },
    );
    if !snapshot.complete {
        let _ = writeln!(
            text,
            "driftscan: snapshot INCOMPLETE: {} read(s) failed; the unread kinds are unknown, not empty:",
            snapshot.failures.len()
        );
        for failure in &snapshot.failures {
            let _ = writeln!(text, "  - {failure}");
        }
    }
    text
}

//! `scan --all` and `compare --all`: every configured environment, each in its own account and
//! regions, through the same run as the Lambda's.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use scanner::config::ConfigFile;
use scanner::model::Report;
use scanner::report::{render_run, Format};
use scanner::run::{RunContext, RunRequest};

use crate::args::{AwsArgs, FailOn, OutputTarget};
use crate::settings::Settings;
use crate::{snapshot, Outcome};

/// The config file with the organization's accounts added when `organization:` asks for
/// discovery (with the caller's own credentials: the management account or a delegated
/// administrator).
pub async fn config_with_accounts(
    settings: &Settings,
    aws: &AwsArgs,
) -> anyhow::Result<ConfigFile> {
    let config = settings.file.clone();
    if config.organization.is_none() {
        return Ok(config);
    }
    let base = scanner::aws::load_for(aws.profile.as_deref(), Some("us-east-1")).await?;
    let (config, skipped) = scanner::org::with_organization(config, &base).await?;
    if !settings.quiet {
        for (id, why) in &skipped {
            eprintln!("organization: account {id} skipped: {why}");
        }
    }
    Ok(config)
}

/// The config file for a run of `environments`: the organization is listed only when one of
/// them is in no account the file lists.
pub async fn config_for(
    environments: &[String],
    settings: &Settings,
    aws: &AwsArgs,
) -> anyhow::Result<ConfigFile> {
    let config = settings.file.clone();
    if config.organization.is_some() && environments.iter().any(|e| config.account_of(e).is_none())
    {
        config_with_accounts(settings, aws).await
    } else {
        Ok(config)
    }
}

/// Runs `request` live with the command line's AWS options, through the same run as the
/// Lambda's. Answers the reports and the snapshots.
pub async fn execute_live(
    request: &RunRequest,
    config: &ConfigFile,
    aws: &AwsArgs,
    baselines: &Path,
    parallel: usize,
    settings: &Settings,
    alert_state: Option<&dyn scanner::publish::AlertStateStore>,
) -> anyhow::Result<(Vec<Report>, Vec<scanner::Snapshot>)> {
    let bar = crate::progress::Bar::new(settings.quiet || request.environments().len() > 1);
    let ctx = RunContext {
        config,
        baselines: scanner::baseline::BaselineDir::new(baselines),
        deadline: None,
        secure_digest: snapshot::digest_key(aws)?,
        progress: &bar,
        parallel,
        overrides: snapshot::overrides(aws),
        state_access: (
            aws.profile.as_deref(),
            aws.regions.first().map(String::as_str),
        ),
        // With `--publish`, the findings ledger is asked before CloudTrail.
        alert_state,
    };
    let result = scanner::run::execute_with_snapshots(request, &ctx).await;
    bar.finish();
    Ok(result?)
}

/// What both commands share: the run over every configured environment.
pub struct AllRun<'a> {
    /// Scans or one comparison of every environment.
    pub compare: bool,
    /// The AWS options of the command line.
    pub aws: &'a AwsArgs,
    /// The baseline directory.
    pub baselines: &'a Path,
    /// Environments snapshotted at once.
    pub parallel: usize,
    /// What the scans attribute.
    pub attribution: scanner::run::AttributionRequest,
}

/// Runs every configured environment and delivers the run.
pub async fn run(
    all: AllRun<'_>,
    format: Format,
    targets: &[OutputTarget],
    fail_on: FailOn,
    publish: bool,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let config = config_with_accounts(settings, all.aws).await?;
    let environments = config.configured_environments();
    anyhow::ensure!(
        !environments.is_empty(),
        "--all: the config file names no environment (under accounts, organization or environments)"
    );
    let request = if all.compare {
        RunRequest {
            compare: vec![environments],
            ..Default::default()
        }
    } else {
        RunRequest {
            scan: environments,
            attribution: all.attribution.clone(),
            ..Default::default()
        }
    };
    let publishing = crate::publish::connect_if(publish, settings, &config, all.aws).await?;
    let alert_state = publishing.as_ref().and_then(|p| p.alert_state());
    let (reports, _) = execute_live(
        &request,
        &config,
        all.aws,
        all.baselines,
        all.parallel,
        settings,
        alert_state,
    )
    .await?;
    if !settings.quiet {
        eprintln!(
            "driftscan: {} report(s) in {:.1} s",
            reports.len(),
            started.elapsed().as_secs_f64()
        );
    }
    let accounts: BTreeMap<String, String> = config
        .accounts
        .iter()
        .flat_map(|a| a.environments.iter().map(|e| (e.clone(), a.id.clone())))
        .collect();
    let outcome = deliver(&reports, &accounts, format, targets, fail_on, settings)?;
    if let Some(publishing) = &publishing {
        publishing.publish(&reports).await?;
    }
    Ok(outcome)
}

/// Writes the run once per output target; exit 2 when any report is incomplete, 1 when any
/// fails the gate.
fn deliver(
    reports: &[Report],
    accounts: &BTreeMap<String, String>,
    default_format: Format,
    targets: &[OutputTarget],
    fail_on: FailOn,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let all: Vec<&Report> = reports.iter().collect();
    crate::gate::deliver(
        &all,
        default_format,
        targets,
        fail_on,
        settings,
        |format, options| render_run(reports, accounts, format, options),
    )
}

//! `scan --all` and `compare --all`: every configured environment, each in its own account and
//! regions, through the same run as the Lambda's.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use scanner::config::ConfigFile;
use scanner::model::Report;
use scanner::report::{render_run, Format, RenderOptions};
use scanner::run::{RunContext, RunRequest};

use crate::args::{AwsArgs, FailOn, GlobalArgs, OutputTarget};
use crate::{output, snapshot, Outcome};

/// The config file with the organization's accounts added when `organization:` asks for
/// discovery (with the caller's own credentials: the management account or a delegated
/// administrator).
pub async fn config_with_accounts(
    global: &GlobalArgs,
    aws: &AwsArgs,
) -> anyhow::Result<ConfigFile> {
    let (config, _) = ConfigFile::discover(global.config.as_deref())?;
    if config.organization.is_none() {
        return Ok(config);
    }
    let base = scanner::aws::load_for(aws.profile.as_deref(), Some("us-east-1")).await?;
    let (config, skipped) = scanner::org::with_organization(config, &base).await?;
    if !global.quiet {
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
    global: &GlobalArgs,
    aws: &AwsArgs,
) -> anyhow::Result<ConfigFile> {
    let (config, _) = ConfigFile::discover(global.config.as_deref())?;
    if config.organization.is_some() && environments.iter().any(|e| config.account_of(e).is_none())
    {
        config_with_accounts(global, aws).await
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
    global: &GlobalArgs,
) -> anyhow::Result<(Vec<Report>, Vec<scanner::Snapshot>)> {
    let bar = crate::progress::Bar::new(global.quiet || request.environments().len() > 1);
    let ctx = RunContext {
        config,
        baselines: scanner::baseline::BaselineDir::new(baselines),
        deadline: None,
        secure_digest: snapshot::digest_key(aws)?,
        progress: &bar,
        parallel,
        overrides: snapshot::overrides(aws),
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
}

/// Runs every configured environment and delivers the run.
pub async fn run(
    all: AllRun<'_>,
    format: Format,
    targets: &[OutputTarget],
    fail_on: FailOn,
    publish: bool,
    global: &GlobalArgs,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let config = config_with_accounts(global, all.aws).await?;
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
            ..Default::default()
        }
    };
    let (reports, _) = execute_live(
        &request,
        &config,
        all.aws,
        all.baselines,
        all.parallel,
        global,
    )
    .await?;
    if !global.quiet {
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
    let outcome = deliver(&reports, &accounts, format, targets, fail_on, global)?;
    if publish {
        crate::publish::publish(&reports, global).await?;
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
    global: &GlobalArgs,
) -> anyhow::Result<Outcome> {
    let targets = crate::scan::output_targets(targets)?;
    let mut shows_failures = false;
    for target in &targets {
        let format = target.format.unwrap_or(default_format);
        let path = target.path.as_deref();
        shows_failures |= format == Format::Text && path.is_none();
        let options = RenderOptions {
            color: format == Format::Text && path.is_none() && global.color.for_stdout(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            wide: global.wide,
        };
        output::write(path, &render_run(reports, accounts, format, &options))?;
    }
    let incomplete: Vec<&Report> = reports.iter().filter(|r| !r.complete).collect();
    if !incomplete.is_empty() {
        if !shows_failures {
            for report in &incomplete {
                crate::scan::explain_incomplete(report);
            }
        }
        return Ok(Outcome::Incomplete);
    }
    let failed = match fail_on {
        FailOn::Never => false,
        FailOn::AtLeast(threshold) => reports.iter().any(|r| r.fails(threshold)),
    };
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

//! `driftscan compare`.

use std::time::Instant;

use scanner::compare::{unified_diffs, CompareOptions};
use scanner::Snapshot;

use crate::args::CompareArgs;
use crate::scan::deliver;
use crate::settings::Settings;
use crate::{snapshot, Outcome};

/// Compares two environments, live or from saved snapshots.
pub async fn run(args: CompareArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    if args.all {
        let all = crate::all::AllRun {
            compare: true,
            aws: &args.aws,
            baselines: &args.baselines,
            parallel: args.parallel,
            attribution: args.attribution.request(),
        };
        return crate::all::run(
            all,
            args.format,
            &args.output,
            args.fail_on.under(args.standard),
            args.publish,
            settings,
        )
        .await;
    }
    let mut snapshots = match (args.from_snapshot.as_slice(), args.environments.as_slice()) {
        ([], []) => anyhow::bail!("name two or more environments (`driftscan compare staging prod`) or give --from-snapshot files"),
        ([], environments) if args.from.is_empty() => {
            return run_live(&args, environments, settings).await;
        }
        ([], environments) => live_snapshots(&args, environments, settings).await?,
        ([_], _) => anyhow::bail!("--from-snapshot takes two or more files (one per environment, in order), not 1"),
        (files, given) => saved_snapshots(&args, files, given).await?,
    };
    if !args.from.is_empty() {
        let access = (
            args.aws.profile.as_deref(),
            args.aws.regions.first().map(String::as_str),
        );
        scanner::run::adopt_state_identities(&mut snapshots, &args.from, &settings.file, access)
            .await?;
    }
    let compared: Vec<&Snapshot> = snapshots.iter().collect();
    let mut report = scanner::run::compare_report(
        &compared,
        scanner::baseline::BaselineDir::new(&args.baselines),
        &options(&args),
        started,
    )?;
    let overrides = snapshot::overrides(&args.aws);
    let attribute = scanner::run::AttributeSettings {
        config: &settings.file,
        overrides: &overrides,
        deadline: None,
        alert_state: None,
    };
    let asked = args.attribution.request();
    scanner::run::attribute_comparison(&asked, &attribute, &mut report, &compared).await?;
    deliver_and_publish(&report, &compared, &args, settings).await
}

fn options(args: &CompareArgs) -> CompareOptions {
    CompareOptions {
        show_expected: args.show_expected,
        reference: args.reference.clone(),
    }
}

/// Live: the same run as the Lambda's, the request checked first.
async fn run_live(
    args: &CompareArgs,
    environments: &[String],
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let request = scanner::run::RunRequest {
        compare: vec![environments.to_vec()],
        compare_options: options(args),
        attribution: args.attribution.request(),
        ..Default::default()
    };
    let config = crate::all::config_for(environments, settings, &args.aws).await?;
    let (mut reports, snapshots) = crate::all::execute_live(
        &request,
        &config,
        &args.aws,
        &args.baselines,
        environments.len(),
        settings,
        None,
    )
    .await?;
    let report = reports.remove(0);
    let compared: Vec<&Snapshot> = snapshots.iter().collect();
    deliver_and_publish(&report, &compared, args, settings).await
}

/// Each environment's live snapshot, for a comparison with `--from` (the states adopt
/// identities between snapshot and comparison).
async fn live_snapshots(
    args: &CompareArgs,
    environments: &[String],
    settings: &Settings,
) -> anyhow::Result<Vec<Snapshot>> {
    scanner::run::RunRequest {
        compare: vec![environments.to_vec()],
        ..Default::default()
    }
    .validate()?;
    futures::future::join_all(
        environments
            .iter()
            .map(|env| snapshot::take(env, &args.aws, settings)),
    )
    .await
    .into_iter()
    .collect()
}

/// The `--from-snapshot` files, each checked against the environment named for it.
async fn saved_snapshots(
    args: &CompareArgs,
    files: &[std::path::PathBuf],
    given: &[String],
) -> anyhow::Result<Vec<Snapshot>> {
    anyhow::ensure!(
        given.is_empty() || given.len() == files.len(),
        "{} environments named for {} --from-snapshot files: name none, or one per file",
        given.len(),
        files.len()
    );
    let mut snapshots: Vec<Snapshot> = Vec::with_capacity(files.len());
    for file in files {
        snapshots.push(crate::output::read_snapshot(file, &args.aws).await?);
    }
    for (env, snapshot) in given.iter().zip(&snapshots) {
        anyhow::ensure!(
            env == &snapshot.environment,
            "`{env}` does not match the snapshot's environment `{}`",
            snapshot.environment
        );
    }
    Ok(snapshots)
}

/// Delivers the comparison (two environments: a unified diff per differing resource after the
/// findings; the matrix of three or more shows every value already), then publishes it when
/// `--publish` asks.
async fn deliver_and_publish(
    report: &scanner::model::Report,
    compared: &[&Snapshot],
    args: &CompareArgs,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    let appendix = match compared {
        [a, b] if !report.findings.is_empty() => format!("\n{}", unified_diffs(a, b, report)),
        _ => String::new(),
    };
    let outcome = deliver(
        report,
        args.format,
        &args.output,
        args.fail_on.under(args.standard),
        &appendix,
        settings,
    )?;
    if let Some(publishing) =
        crate::publish::connect_if(args.publish, settings, &settings.file, &args.aws).await?
    {
        publishing.publish(std::slice::from_ref(report)).await?;
    }
    Ok(outcome)
}

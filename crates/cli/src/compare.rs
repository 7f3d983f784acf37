//! `driftscan compare`.

use std::path::Path;
use std::time::Instant;

use scanner::compare::unified_diffs;
use scanner::Snapshot;

use crate::args::{CompareArgs, GlobalArgs};
use crate::scan::deliver;
use crate::{snapshot, Outcome};

/// Compares two environments, live or from saved snapshots.
pub async fn run(args: CompareArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let (a, b) = match (args.from_snapshot.as_slice(), &args.env_a, &args.env_b) {
        ([file_a, file_b], _, _) => {
            let (a, b) = (read(file_a)?, read(file_b)?);
            for (given, snapshot) in [(&args.env_a, &a), (&args.env_b, &b)] {
                if let Some(env) = given {
                    anyhow::ensure!(
                        env == &snapshot.environment,
                        "`{env}` does not match the snapshot's environment `{}`",
                        snapshot.environment
                    );
                }
            }
            (a, b)
        }
        ([], Some(env_a), Some(env_b)) => {
            // The Lambda's request checks, before anything is read.
            scanner::run::RunRequest {
                compare: vec![(env_a.clone(), env_b.clone())],
                ..Default::default()
            }
            .validate()?;
            // Both environments are scanned at once.
            let (a, b) = tokio::join!(
                snapshot::take(env_a, &args.aws, global),
                snapshot::take(env_b, &args.aws, global)
            );
            (a?, b?)
        }
        ([], _, _) => anyhow::bail!("name two environments (`driftscan compare staging prod`) or give two --from-snapshot files"),
        (files, _, _) => anyhow::bail!("--from-snapshot takes exactly two files (A then B), not {}", files.len()),
    };

    let (mut a, mut b) = (a, b);
    if !args.from.is_empty() {
        for env in args.from.iter().map(|(env, _)| env) {
            anyhow::ensure!(
                env == &a.environment || env == &b.environment,
                "--from {env}=...: `{env}` is neither `{}` nor `{}`",
                a.environment,
                b.environment
            );
        }
        for snapshot in [&mut a, &mut b] {
            let sources: Vec<scanner::iac::Source> = args
                .from
                .iter()
                .filter(|(env, _)| env == &snapshot.environment)
                .map(|(_, source)| source.clone())
                .collect();
            anyhow::ensure!(
                !sources.is_empty(),
                "--from names a state for one environment only: give `{}`'s too, so both sides are matched alike",
                snapshot.environment
            );
            let states = crate::baseline::read_states(
                &sources,
                args.aws.profile.as_deref(),
                args.aws.regions.first().map(String::as_str),
            )
            .await?;
            scanner::iac::import(
                &states,
                &snapshot.environment,
                &crate::baseline::suffixes_for(&snapshot.environment, global)?,
            )?
            .adopt_identities(snapshot);
        }
    }
    let report =
        scanner::run::compare_report(&a, &b, &args.baselines, args.show_expected, started)?;
    let appendix = if report.findings.is_empty() {
        String::new()
    } else {
        format!("\n{}", unified_diffs(&a, &b, &report))
    };
    let outcome = deliver(
        &report,
        args.format,
        &args.output,
        args.fail_on,
        &appendix,
        global,
    )?;
    if args.publish {
        crate::publish::publish(&report, global).await?;
    }
    Ok(outcome)
}

fn read(path: &Path) -> anyhow::Result<Snapshot> {
    crate::output::read_snapshot(path)
}

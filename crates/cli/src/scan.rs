//! `driftscan scan`: the pre-deploy gate.

use std::time::Instant;

use anyhow::Context;
use scanner::baseline::Baseline;
use scanner::model::Report;
use scanner::report::{render, Format, RenderOptions};

use crate::args::{FailOn, GlobalArgs, OutputTarget, ScanArgs};
use crate::{output, snapshot, Outcome};

/// Scans (or reads a snapshot), evaluates it against its baseline, renders, and gates.
pub async fn run(args: ScanArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    if args.all {
        let all = crate::all::AllRun {
            compare: false,
            aws: &args.state.aws,
            baselines: &args.baselines,
            parallel: args.parallel,
        };
        return crate::all::run(
            all,
            args.format,
            &args.output,
            args.fail_on,
            args.publish,
            global,
        )
        .await;
    }
    if !args.from.is_empty() {
        return run_from_state(args, global, started).await;
    }
    let report = match &args.state.from_snapshot {
        // Live: the same run as the Lambda's (the baseline and the plan checked before
        // anything is read).
        None => {
            let env = args.state.environment.clone().context(
                "--env is required (or --from-snapshot; `scan --all` for every configured environment)",
            )?;
            let request = scanner::run::RunRequest {
                scan: vec![env],
                ..Default::default()
            };
            let config = crate::all::config_for(&request.scan, global, &args.state.aws).await?;
            let (mut reports, _) = crate::all::execute_live(
                &request,
                &config,
                &args.state.aws,
                &args.baselines,
                1,
                global,
            )
            .await?;
            reports.remove(0)
        }
        Some(_) => {
            // The baseline is checked before the snapshot is read: bad input fails fast.
            let preloaded = match &args.state.environment {
                Some(env) => Some(Baseline::load(&args.baselines, env)?),
                None => None,
            };
            let snapshot = snapshot::obtain(&args.state, global).await?;
            let baseline = match preloaded {
                Some(baseline) => baseline,
                None => Baseline::load(&args.baselines, &snapshot.environment)?,
            };
            scanner::run::scan_report(&snapshot, &baseline, started)
                .context("invalid compliance settings")?
        }
    };

    let outcome = deliver(&report, args.format, &args.output, args.fail_on, "", global)?;
    // After the report is out: a failed publish must not cost the report.
    if args.publish {
        crate::publish::publish(std::slice::from_ref(&report), global).await?;
    }
    Ok(outcome)
}

/// `scan --from`: infrastructure code's state is the baseline (its resources), with the rules,
/// ignores and unmanaged settings of `--baselines` where it has one for the environment.
async fn run_from_state(
    args: ScanArgs,
    global: &GlobalArgs,
    started: Instant,
) -> anyhow::Result<Outcome> {
    let environment = args
        .state
        .environment
        .clone()
        .context("--from needs --env (the environment the states describe)")?;
    // Everything is read and checked before anything is scanned.
    let states = crate::baseline::read_states(
        &args.from,
        args.state.aws.profile.as_deref(),
        args.state.aws.regions.first().map(String::as_str),
    )
    .await?;
    let imported = scanner::iac::import(
        &states,
        &environment,
        &crate::baseline::suffixes_for(&environment, global)?,
    )?;
    let text = imported.baseline_yaml(&environment, env!("CARGO_PKG_VERSION"))?;
    let mut baseline = Baseline::parse_str(
        &text,
        std::path::Path::new(&imported.origins.join("+")),
        &environment,
    )?;
    // The environment's baseline, when there is one, gives the rules; a broken one is an error
    // (only its absence is fine: the default rules apply).
    match Baseline::load(&args.baselines, &environment) {
        Ok(rules) => {
            baseline.compliance = rules.compliance;
            baseline.ignores = rules.ignores;
            baseline.unmanaged_severity = rules.unmanaged_severity;
            baseline.unmanaged_ignore.extend(rules.unmanaged_ignore);
        }
        Err(scanner::baseline::BaselineError::Read { path, .. }) if !path.exists() => {}
        Err(e) => return Err(e.into()),
    }
    scanner::rules::validate(&baseline).context("invalid compliance settings")?;
    let mut snapshot = snapshot::obtain(&args.state, global).await?;
    imported.adopt_logical_names(&mut snapshot);
    let mut report = scanner::run::scan_report(&snapshot, &baseline, started)
        .context("invalid compliance settings")?;
    if args.unmanaged {
        report = imported.unmanaged_report(&snapshot, report, &baseline);
    }
    report.baseline_files = imported.origins.clone();
    let outcome = deliver(&report, args.format, &args.output, args.fail_on, "", global)?;
    if args.publish {
        crate::publish::publish(std::slice::from_ref(&report), global).await?;
    }
    Ok(outcome)
}

/// Renders `report` once per output target (text gets `appendix` after it), writes each,
/// reports failed reads on standard error when no text reaches the terminal, and maps the
/// result to the gate.
pub fn deliver(
    report: &Report,
    default_format: Format,
    targets: &[OutputTarget],
    fail_on: FailOn,
    appendix: &str,
    global: &GlobalArgs,
) -> anyhow::Result<Outcome> {
    let targets = output_targets(targets)?;
    let mut shows_failures = false;
    for target in &targets {
        let format = target.format.unwrap_or(default_format);
        let path = target.path.as_deref();
        shows_failures |= format == Format::Text && path.is_none();
        let color = format == Format::Text && path.is_none() && global.color.for_stdout();
        let options = RenderOptions {
            color,
            version: env!("CARGO_PKG_VERSION").to_string(),
            wide: global.wide,
        };
        output::write(path, &rendered(report, format, &options, appendix))?;
    }

    if !report.complete {
        if !shows_failures {
            explain_incomplete(report);
        }
        return Ok(Outcome::Incomplete);
    }
    let failed = match fail_on {
        FailOn::Never => false,
        FailOn::AtLeast(threshold) => report.fails(threshold),
    };
    Ok(if failed {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// The outputs asked for (standard output in the default format when none), at most one of
/// them on standard output.
pub fn output_targets(targets: &[OutputTarget]) -> anyhow::Result<Vec<OutputTarget>> {
    let targets = if targets.is_empty() {
        vec![OutputTarget {
            format: None,
            path: None,
        }]
    } else {
        targets.to_vec()
    };
    let to_stdout = targets.iter().filter(|t| t.path.is_none()).count();
    anyhow::ensure!(
        to_stdout <= 1,
        "{to_stdout} outputs go to standard output; give all but one a file (FORMAT=FILE)"
    );
    Ok(targets)
}

/// Says on standard error what an incomplete report could not read (when no text report
/// reaches the terminal to say it).
pub fn explain_incomplete(report: &Report) {
    eprintln!(
        "driftscan: {} of {} INCOMPLETE: {} read(s) failed; this is not a clean result:",
        report.command,
        report.environment,
        report.failures.len()
    );
    for failure in &report.failures {
        eprintln!("  - {failure}");
    }
}

/// The report in `format`, the unified diffs of a text report appended.
fn rendered(report: &Report, format: Format, options: &RenderOptions, appendix: &str) -> String {
    let mut text = render(report, format, options);
    if format == Format::Text {
        text.push_str(&scanner::report::text_diff(appendix, options.color));
    }
    text
}

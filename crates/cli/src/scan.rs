//! `driftscan scan`: the pre-deploy gate.

use std::time::Instant;

use anyhow::Context;
use scanner::baseline::Baseline;
use scanner::model::Report;
use scanner::report::{render, Format, RenderOptions};

use crate::args::{FailOn, OutputTarget, ScanArgs};
use crate::settings::Settings;
use crate::{snapshot, Outcome};

/// Scans (or reads a snapshot), evaluates it against its baseline, renders, and gates.
pub async fn run(args: ScanArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    if args.all {
        let all = crate::all::AllRun {
            compare: false,
            aws: &args.state.aws,
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
    if !args.from.is_empty() {
        return run_from_state(args, settings, started).await;
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
                attribution: args.attribution.request(),
                ..Default::default()
            };
            let aws = &args.state.aws;
            let config = crate::all::config_for(&request.scan, settings, aws).await?;
            let publishing = crate::publish::connect_if(args.publish, settings, &config, aws);
            let publishing = publishing.await?;
            let ledger = publishing.as_ref().and_then(|p| p.alert_state());
            let live = crate::all::execute_live(
                &request,
                &config,
                aws,
                &args.baselines,
                1,
                settings,
                ledger,
            );
            let report = live.await?.0.remove(0);
            return deliver_and_publish(&report, &args, settings, publishing).await;
        }
        Some(_) => {
            // The baseline is checked before the snapshot is read: bad input fails fast.
            let preloaded = match &args.state.environment {
                Some(env) => Some(Baseline::load(&args.baselines, env)?),
                None => None,
            };
            let snapshot = snapshot::obtain(&args.state, settings).await?;
            let baseline = match preloaded {
                Some(baseline) => baseline,
                None => Baseline::load(&args.baselines, &snapshot.environment)?,
            };
            scanner::run::scan_report(&snapshot, &baseline, started)
                .context("invalid compliance settings")?
        }
    };

    deliver_and_publish(&report, &args, settings, None).await
}

/// `scan --from`: infrastructure code's state is the baseline (its resources), with the rules,
/// ignores and unmanaged settings of `--baselines` where it has one for the environment. The
/// engine reads the states and judges the snapshot (as the Lambda does with `from`); a saved
/// snapshot is judged the same way.
async fn run_from_state(
    args: ScanArgs,
    settings: &Settings,
    started: Instant,
) -> anyhow::Result<Outcome> {
    let environment = args
        .state
        .environment
        .clone()
        .context("--from needs --env (the environment the states describe)")?;
    let request = scanner::run::RunRequest {
        scan: vec![environment.clone()],
        states: [(environment.clone(), args.from.clone())].into(),
        unmanaged_only: args.unmanaged,
        attribution: args.attribution.request(),
        ..Default::default()
    };
    let report = if args.state.from_snapshot.is_none() {
        let aws = &args.state.aws;
        let config = crate::all::config_for(&request.scan, settings, aws).await?;
        let publishing = crate::publish::connect_if(args.publish, settings, &config, aws).await?;
        let ledger = publishing.as_ref().and_then(|p| p.alert_state());
        let live =
            crate::all::execute_live(&request, &config, aws, &args.baselines, 1, settings, ledger);
        let report = live.await?.0.remove(0);
        return deliver_and_publish(&report, &args, settings, publishing).await;
    } else {
        // Everything is read and checked before the snapshot is.
        let access = (
            args.state.aws.profile.as_deref(),
            args.state.aws.regions.first().map(String::as_str),
        );
        let baseline = scanner::run::ScanBaseline::load(
            &environment,
            Some(&args.from),
            &settings.file,
            scanner::baseline::BaselineDir::new(&args.baselines),
            access,
        )
        .await?;
        let snapshot = snapshot::obtain(&args.state, settings).await?;
        baseline
            .report(&snapshot, args.unmanaged, started)
            .context("invalid compliance settings")?
    };
    deliver_and_publish(&report, &args, settings, None).await
}

/// Delivers `report` to its outputs and the gate, then publishes it when `--publish` asks
/// (through `publishing` when the run connected it already): after the report is out, so a
/// failed publish never costs the report.
async fn deliver_and_publish(
    report: &Report,
    args: &ScanArgs,
    settings: &Settings,
    publishing: Option<crate::publish::Publishing>,
) -> anyhow::Result<Outcome> {
    let outcome = deliver(
        report,
        args.format,
        &args.output,
        args.fail_on.under(args.standard),
        "",
        settings,
    )?;
    let aws = &args.state.aws;
    let publishing = match publishing {
        Some(connected) => Some(connected),
        None => crate::publish::connect_if(args.publish, settings, &settings.file, aws).await?,
    };
    if let Some(publishing) = publishing {
        publishing.publish(std::slice::from_ref(report)).await?;
    }
    Ok(outcome)
}

/// Renders `report` once per output target (text gets `appendix` after it), writes each, and
/// maps the result to the gate.
pub fn deliver(
    report: &Report,
    default_format: Format,
    targets: &[OutputTarget],
    fail_on: FailOn,
    appendix: &str,
    settings: &Settings,
) -> anyhow::Result<Outcome> {
    crate::gate::deliver(
        &[report],
        default_format,
        targets,
        fail_on,
        settings,
        |format, options| rendered(report, format, options, appendix),
    )
}

/// The report in `format`, the unified diffs of a text report appended.
fn rendered(report: &Report, format: Format, options: &RenderOptions, appendix: &str) -> String {
    let mut text = render(report, format, options);
    if format == Format::Text {
        text.push_str(&scanner::report::text_diff(appendix, options.color));
    }
    text
}

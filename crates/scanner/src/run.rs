//! One run: the scans and comparisons an invocation asks for. The CLI and the Lambda both call
//! this module, so what a scan or a comparison means is written once.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::alert::ReportState;
use crate::attribution::lookup::Lookup;
use crate::attribution::recall;
use crate::attribution::ChangeRecord;
use crate::baseline::{today_utc, Baseline, BaselineDir, BaselineError};
use crate::compare::{compare_environments, CompareOptions, ExpectedDifferences};
use crate::config::{ConfigFile, EnvironmentSettings};
use crate::digest::DigestKey;
use crate::error::ConfigError;
use crate::iac::{Imported, Source, StateBaselineError, StateReadError};
use crate::model::Report;
use crate::publish::AlertStateStore;
use crate::rules::RuleConfigError;
use crate::scan::{snapshot_environment, Progress, SnapshotError};
use crate::Snapshot;
use futures::StreamExt;

/// What a run does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunRequest {
    /// Environments to check against their baselines.
    pub scan: Vec<String>,
    /// Environments to compare, two or more at a time (A, B: pairwise; more: a parity matrix).
    pub compare: Vec<Vec<String>>,
    /// Regions to scan instead of the configured ones.
    pub regions: Option<Vec<String>>,
    /// How the comparisons are judged (expected differences shown, a reference environment).
    pub compare_options: CompareOptions,
    /// Scanned environments checked against infrastructure code's states instead of their
    /// baseline file (`scan --from`): the states each environment's resources are declared in.
    pub states: BTreeMap<String, Vec<Source>>,
    /// With states: report only what no state manages and what a state declares that is gone.
    pub unmanaged_only: bool,
    /// Whether and how the scans' findings are attributed to the changes behind them.
    pub attribution: AttributionRequest,
}

/// How a run attributes its scans' findings ([`crate::attribution`]); kept in a fanned-out
/// run's record, so its fan-in attributes alike.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttributionRequest {
    /// CloudTrail records already in hand: the event that triggered a rescan.
    #[serde(default)]
    pub changes: Vec<ChangeRecord>,
    /// Look what they do not explain up in CloudTrail's event history (`LookupEvents`).
    #[serde(default)]
    pub lookup: bool,
}

impl RunRequest {
    /// Refuses a request that names nothing to do, or compares an environment with itself
    /// (the CLI and the Lambda ask this before reading anything).
    pub fn validate(&self) -> Result<(), RunError> {
        if self.scan.is_empty() && self.compare.is_empty() {
            return Err(RunError::Request(
                "nothing to do: name environments to scan or pairs to compare".into(),
            ));
        }
        for group in &self.compare {
            check_comparison(group)?;
            check_reference(self.compare_options.reference.as_deref(), group)?;
        }
        if let Some(env) = self.states.keys().find(|env| !self.scan.contains(env)) {
            return Err(RunError::Request(format!(
                "states are given for `{env}`, which the run does not scan"
            )));
        }
        if self.unmanaged_only && self.states.is_empty() {
            return Err(RunError::Request(
                "reporting only what no state manages needs states (--from)".into(),
            ));
        }
        Ok(())
    }

    /// Every environment the run must snapshot, each once, in first-mentioned order.
    pub fn environments(&self) -> Vec<&str> {
        let mut seen: Vec<&str> = Vec::new();
        let named = self.scan.iter().chain(self.compare.iter().flatten());
        for env in named {
            if !seen.contains(&env.as_str()) {
                seen.push(env);
            }
        }
        seen
    }
}

/// Refuses a comparison of fewer than two environments, or one that names an environment twice.
pub fn check_comparison<S: AsRef<str>>(environments: &[S]) -> Result<(), RunError> {
    match environments {
        [] | [_] => Err(RunError::Request(
            "a comparison needs at least two environments".into(),
        )),
        [a, b] if a.as_ref() == b.as_ref() => Err(RunError::Request(format!(
            "cannot compare `{}` with itself",
            a.as_ref()
        ))),
        _ => match environments
            .iter()
            .enumerate()
            .find(|(i, e)| environments[..*i].iter().any(|x| x.as_ref() == e.as_ref()))
        {
            Some((_, twice)) => Err(RunError::Request(format!(
                "`{}` is named twice in one comparison",
                twice.as_ref()
            ))),
            None => Ok(()),
        },
    }
}

/// Refuses a reference environment that is not among the compared ones, or that is given for
/// two environments (those are compared A against B).
pub fn check_reference<S: AsRef<str>>(
    reference: Option<&str>,
    environments: &[S],
) -> Result<(), RunError> {
    let Some(reference) = reference else {
        return Ok(());
    };
    let names: Vec<&str> = environments.iter().map(AsRef::as_ref).collect();
    if !names.contains(&reference) {
        return Err(RunError::Request(format!(
            "the reference `{reference}` is not one of the compared environments ({})",
            names.join(", ")
        )));
    }
    if names.len() == 2 {
        return Err(RunError::Request(
            "--reference needs three or more environments (two are compared A against B)".into(),
        ));
    }
    Ok(())
}

/// Why a run could not be carried out at all (as opposed to a scan that is incomplete, which is
/// a report).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Invalid configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A baseline that cannot be used.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// Invalid compliance rule settings in a baseline.
    #[error("invalid compliance settings: {0}")]
    Rules(#[from] RuleConfigError),
    /// No credentials to call AWS with: nothing was read.
    #[error(transparent)]
    Credentials(#[from] crate::aws::CredentialsError),
    /// A state named as a baseline could not be read.
    #[error(transparent)]
    StateRead(#[from] StateReadError),
    /// A state named as a baseline cannot be used.
    #[error(transparent)]
    State(#[from] StateBaselineError),
    /// A request that names nothing to do, or a pair that compares an environment with itself.
    #[error("{0}")]
    Request(String),
}

/// What a scanned environment is checked against: its baseline file, or the baseline made of
/// its infrastructure code's states (with the import, which lends the snapshot its identities).
pub struct ScanBaseline {
    /// The baseline.
    pub baseline: Baseline,
    /// The states' import, when the baseline was made of states.
    pub imported: Option<Imported>,
}

impl ScanBaseline {
    /// `env`'s baseline: from `states` when there are some (read with the credentials of
    /// `state_access`'s profile and region), otherwise its file in `baselines`.
    pub async fn load(
        env: &str,
        states: Option<&[Source]>,
        config: &ConfigFile,
        baselines: BaselineDir<'_>,
        state_access: (Option<&str>, Option<&str>),
    ) -> Result<ScanBaseline, RunError> {
        let Some(sources) = states else {
            let baseline = baselines.load(env)?;
            // Its rule settings too, before anything is read.
            crate::rules::validate(&baseline)?;
            return Ok(ScanBaseline {
                baseline,
                imported: None,
            });
        };
        let (profile, region) = state_access;
        let states = crate::iac::read_states(sources, profile, region).await?;
        let suffixes = config.generated_suffixes(env)?;
        let version = env!("CARGO_PKG_VERSION");
        let (imported, baseline) =
            crate::iac::state_baseline(&states, env, &suffixes, baselines.path, version)?;
        Ok(ScanBaseline {
            baseline,
            imported: Some(imported),
        })
    }

    /// Checks `snapshot` against this baseline (see [`scan_report`]); with states, the
    /// snapshot takes its identities from them first, and `unmanaged_only` keeps only what no
    /// state manages.
    pub fn report(
        &self,
        snapshot: &Snapshot,
        unmanaged_only: bool,
        started: Instant,
    ) -> Result<Report, RuleConfigError> {
        let Some(imported) = &self.imported else {
            return scan_report(snapshot, &self.baseline, started);
        };
        let mut snapshot = snapshot.clone();
        imported.adopt_logical_names(&mut snapshot);
        let mut report = scan_report(&snapshot, &self.baseline, started)?;
        if unmanaged_only {
            report = imported.unmanaged_report(&snapshot, report, &self.baseline);
        }
        report.baseline_files = imported.origins.clone();
        Ok(report)
    }
}

impl From<SnapshotError> for RunError {
    fn from(error: SnapshotError) -> Self {
        match error {
            SnapshotError::Config(e) => RunError::Config(e),
            SnapshotError::Credentials(e) => RunError::Credentials(e),
        }
    }
}

/// `compare --from`: each compared snapshot's resources take their identities from its
/// environment's states (`(environment, source)` pairs, read with the credentials of
/// `state_access`'s profile and region). Every compared environment needs states, so every side
/// is matched alike.
pub async fn adopt_state_identities(
    snapshots: &mut [Snapshot],
    states: &[(String, Source)],
    config: &ConfigFile,
    state_access: (Option<&str>, Option<&str>),
) -> Result<(), RunError> {
    if let Some((env, _)) = states
        .iter()
        .find(|(env, _)| !snapshots.iter().any(|s| &s.environment == env))
    {
        return Err(RunError::Request(format!(
            "--from {env}=...: `{env}` is not one of the compared environments"
        )));
    }
    for snapshot in snapshots {
        let env = snapshot.environment.clone();
        let sources: Vec<Source> = states
            .iter()
            .filter(|(named, _)| named == &env)
            .map(|(_, source)| source.clone())
            .collect();
        if sources.is_empty() {
            return Err(RunError::Request(format!(
                "--from names states for some environments only: give `{env}`'s too, so every side is matched alike"
            )));
        }
        let (profile, region) = state_access;
        let read = crate::iac::read_states(&sources, profile, region).await?;
        let suffixes = config.generated_suffixes(&env)?;
        crate::iac::import(&read, &env, &suffixes)
            .map_err(StateBaselineError::from)?
            .adopt_identities(snapshot);
    }
    Ok(())
}

/// Checks `snapshot` against `baseline`: drift, missing, unmanaged and compliance findings.
pub fn scan_report(
    snapshot: &Snapshot,
    baseline: &Baseline,
    started: Instant,
) -> Result<Report, RuleConfigError> {
    let mut report = crate::evaluate::evaluate(snapshot, baseline, today_utc())?;
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Compares two or more snapshots; the baselines in `baselines` (a directory of `<env>.yaml`),
/// where they exist, declare the expected differences.
pub fn compare_report(
    snapshots: &[&Snapshot],
    baselines: BaselineDir<'_>,
    options: &CompareOptions,
    started: Instant,
) -> Result<Report, RunError> {
    let environments: Vec<&str> = snapshots.iter().map(|s| s.environment.as_str()).collect();
    // The same environment at two times is a comparison too; more columns need distinct names.
    if environments.len() != 2 {
        check_comparison(&environments)?;
    }
    check_reference(options.reference.as_deref(), &environments)?;
    let mut loaded = Vec::new();
    for env in environments {
        loaded.extend(baselines.load_own(env)?);
    }
    let expected = ExpectedDifferences::from_baselines(&loaded.iter().collect::<Vec<_>>());
    let mut report = compare_environments(snapshots, &expected, options);
    for file in loaded.iter().flat_map(|b| b.shown_files()) {
        if !report.baseline_files.iter().any(|f| f == file) {
            report.baseline_files.push(file.to_string());
        }
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// Everything a live run needs besides the request.
pub struct RunContext<'a> {
    /// Scan settings per environment.
    pub config: &'a ConfigFile,
    /// The baseline directory (`<env>.yaml`, with `extends`), and what findings call it.
    pub baselines: BaselineDir<'a>,
    /// When every snapshot must be done; reads still running are recorded as failures.
    pub deadline: Option<Instant>,
    /// Key for SecureString digests, if enabled.
    pub secure_digest: Option<DigestKey>,
    /// Receives snapshot progress.
    pub progress: &'a dyn Progress,
    /// Environments snapshotted at once (each with its own bound on reads in flight); at
    /// least 1.
    pub parallel: usize,
    /// Settings applied to every environment over the configured ones (a CLI's `--region`,
    /// `--concurrency`, ...).
    pub overrides: EnvironmentSettings,
    /// The profile and region whose credentials read states in S3 (`None`: the defaults).
    pub state_access: (Option<&'a str>, Option<&'a str>),
    /// Where alerted findings are remembered: a store that keeps their attributions (the
    /// findings ledger) is asked before CloudTrail.
    pub alert_state: Option<&'a dyn AlertStateStore>,
}

impl RunContext<'_> {
    /// What attributing this run's reports reads with.
    fn attribute_settings(&self) -> AttributeSettings<'_> {
        AttributeSettings {
            config: self.config,
            overrides: &self.overrides,
            deadline: self.deadline,
            alert_state: self.alert_state,
        }
    }
}

/// Environments snapshotted at once by default.
pub const DEFAULT_PARALLEL: usize = 4;

/// Snapshots every environment the request names (each once, [`RunContext::parallel`] at a
/// time), then produces one report per scan and per comparison, scans first, in request order.
///
/// Baselines are loaded before anything is read, so bad input fails fast.
pub async fn execute(request: &RunRequest, ctx: &RunContext<'_>) -> Result<Vec<Report>, RunError> {
    Ok(execute_with_snapshots(request, ctx).await?.0)
}

/// [`execute`], answering the snapshots too (one per environment, in
/// [`RunRequest::environments`] order), for front ends that show more than the reports (the
/// CLI's unified diffs).
pub async fn execute_with_snapshots(
    request: &RunRequest,
    ctx: &RunContext<'_>,
) -> Result<(Vec<Report>, Vec<Snapshot>), RunError> {
    request.validate()?;
    let mut baselines = Vec::with_capacity(request.scan.len());
    for env in &request.scan {
        let states = request.states.get(env).map(Vec::as_slice);
        let (config, dir) = (ctx.config, ctx.baselines);
        baselines.push(ScanBaseline::load(env, states, config, dir, ctx.state_access).await?);
    }

    let started = Instant::now();
    let environments = request.environments();
    // Every plan is checked before anything is read: a bad setting fails the run at once.
    let overrides = |_: &str| EnvironmentSettings {
        regions: request.regions.clone().or(ctx.overrides.regions.clone()),
        ..ctx.overrides.clone()
    };
    for env in &environments {
        if !ctx.config.needs_default_region(env, &overrides(env)) {
            ctx.config.plan(env, overrides(env), None, None)?;
        }
    }
    let snapshots: Vec<Snapshot> = futures::stream::iter(environments.iter().map(|env| {
        snapshot_environment(
            ctx.config,
            env,
            overrides(env),
            ctx.secure_digest.clone(),
            ctx.deadline,
            ctx.progress,
        )
    }))
    .buffered(ctx.parallel.max(1))
    .collect::<Vec<_>>()
    .await
    .into_iter()
    .collect::<Result<Vec<Snapshot>, SnapshotError>>()?;
    let mut reports =
        reports_from_snapshots(request, &baselines, &snapshots, ctx.baselines, started)?;
    attribute_scans(request, ctx, &baselines, &mut reports, &snapshots).await?;
    attribute_comparisons(request, ctx, &mut reports, &snapshots).await?;
    Ok((reports, snapshots))
}

/// Attributes the comparisons' differences (the reports after the scans', in
/// `request.compare` order), each with its environments' snapshots ([`attribute_comparison`]).
async fn attribute_comparisons(
    request: &RunRequest,
    ctx: &RunContext<'_>,
    reports: &mut [Report],
    snapshots: &[Snapshot],
) -> Result<(), RunError> {
    let settings = ctx.attribute_settings();
    let comparisons = reports.iter_mut().skip(request.scan.len());
    for (group, report) in request.compare.iter().zip(comparisons) {
        let compared: Vec<&Snapshot> = group
            .iter()
            .filter_map(|env| snapshots.iter().find(|s| &s.environment == env))
            .collect();
        attribute_comparison(&request.attribution, &settings, report, &compared).await?;
    }
    Ok(())
}

/// Attributes the scans' findings (the first `request.scan.len()` reports), each with its
/// environment's snapshot and baseline ([`attribute_scan`]).
async fn attribute_scans(
    request: &RunRequest,
    ctx: &RunContext<'_>,
    baselines: &[ScanBaseline],
    reports: &mut [Report],
    snapshots: &[Snapshot],
) -> Result<(), RunError> {
    let settings = ctx.attribute_settings();
    let scans = request.scan.iter().zip(baselines).zip(reports.iter_mut());
    for ((env, baseline), report) in scans {
        if let Some(snapshot) = snapshots.iter().find(|s| &s.environment == env) {
            let since = baseline.baseline.captured;
            attribute_scan(&request.attribution, &settings, report, snapshot, since).await?;
        }
    }
    Ok(())
}

/// What attributing a run's findings reads with, besides its snapshots.
pub struct AttributeSettings<'a> {
    /// Scan settings per environment: its deployers and credentials.
    pub config: &'a ConfigFile,
    /// Settings over the configured ones (the command line's).
    pub overrides: &'a EnvironmentSettings,
    /// When the run must be done.
    pub deadline: Option<Instant>,
    /// The alert state, asked before CloudTrail when it keeps attributions.
    pub alert_state: Option<&'a dyn AlertStateStore>,
}

/// Attributes one scan's findings (and takes their first sightings from the findings ledger,
/// where one is read): to the changes in hand, then, with `lookup`, to what the
/// findings ledger remembers of them, then through the environment's CloudTrail event
/// history, read with the credentials its snapshot was read with. A lookup that cannot even
/// start leaves the findings unattributed with the reason; the scan stays as complete as it
/// was. The history is read back to `since` (when the baseline was captured: what changed
/// before is in it), or over the whole of it when the baseline does not say.
pub async fn attribute_scan(
    asked: &AttributionRequest,
    settings: &AttributeSettings<'_>,
    report: &mut Report,
    snapshot: &Snapshot,
    since: Option<time::OffsetDateTime>,
) -> Result<(), RunError> {
    let remembered = ledger_state(settings, report).await;
    if let Some(state) = &remembered {
        report.first_seen = recall::first_sightings(report, state);
    }
    if asked.changes.is_empty() && !asked.lookup {
        return Ok(());
    }
    let env = &snapshot.environment;
    let deployers = settings.config.deployers(env)?;
    crate::attribution::attribute_report(report, snapshot, &asked.changes, &deployers);
    if !asked.lookup {
        return Ok(());
    }
    if let Some(state) = &remembered {
        let recalled = recall::recall(report, state);
        tracing::debug!(recalled, env, "attributions taken from the ledger");
    }
    match lookup_for(settings, snapshot, since).await? {
        Ok(lookup) => {
            lookup.attribute_report(report, snapshot, &deployers).await;
            if let Some(state) = &remembered {
                let gone = recall::gone(report, state, snapshot);
                recall::look_up_resolutions(report, &gone, &lookup, &deployers).await;
            }
        }
        Err(reason) => crate::attribution::leave_unattributed(report, &reason),
    }
    Ok(())
}

/// What the findings ledger remembers of `report`, where the alert state keeps attributions
/// and can be read (an unreadable one is logged: every drift is then looked up).
async fn ledger_state(settings: &AttributeSettings<'_>, report: &Report) -> Option<ReportState> {
    let ledger = settings.alert_state.filter(|s| s.keeps_attributions())?;
    match recall::remembered(report, ledger).await {
        Ok(state) => state,
        Err(error) => {
            let env = &report.environment;
            tracing::warn!(%error, env, "the ledger could not be read; every drift is looked up");
            None
        }
    }
}

/// Attributes a comparison's unexpected differences, with `lookup`: the resource of each
/// environment that disagrees is looked up in that environment's event history, with the
/// credentials its snapshot was read with ([`crate::attribution::parity`]).
pub async fn attribute_comparison(
    asked: &AttributionRequest,
    settings: &AttributeSettings<'_>,
    report: &mut Report,
    snapshots: &[&Snapshot],
) -> Result<(), RunError> {
    if !asked.lookup {
        return Ok(());
    }
    let mut sides = Vec::with_capacity(snapshots.len());
    for snapshot in snapshots {
        sides.push(crate::attribution::parity::ComparedSide {
            snapshot,
            deployers: settings.config.deployers(&snapshot.environment)?,
            lookup: lookup_for(settings, snapshot, None).await?,
        });
    }
    crate::attribution::parity::attribute_comparison(report, &sides).await;
    Ok(())
}

/// The event history of `snapshot`'s environment, read with the credentials it was read with
/// back to `since`, or why it cannot be read.
async fn lookup_for(
    settings: &AttributeSettings<'_>,
    snapshot: &Snapshot,
    since: Option<time::OffsetDateTime>,
) -> Result<Result<Lookup, String>, RunError> {
    let overrides = EnvironmentSettings {
        regions: Some(snapshot.regions.clone()),
        ..settings.overrides.clone()
    };
    let plan = settings
        .config
        .plan(&snapshot.environment, overrides, None, None)?;
    Ok(match crate::aws::load(&plan).await {
        Ok(sdk) => Ok(Lookup::new(&sdk, since, settings.deadline)),
        Err(e) => Err(e.to_string()),
    })
}

/// The reports of `request` from its snapshots (one per environment of
/// [`RunRequest::environments`], in any order): one per scan, against `scan_baselines` (in
/// `request.scan` order), then one per comparison. Live runs and fanned-out runs (from their
/// stored snapshots) both end here.
pub fn reports_from_snapshots(
    request: &RunRequest,
    scan_baselines: &[ScanBaseline],
    snapshots: &[Snapshot],
    baselines: BaselineDir<'_>,
    started: Instant,
) -> Result<Vec<Report>, RunError> {
    let snapshot_of = |env: &str| {
        snapshots
            .iter()
            .find(|s| s.environment == env)
            .ok_or_else(|| RunError::Request(format!("no snapshot of `{env}` in the run")))
    };
    let mut reports = Vec::with_capacity(request.scan.len() + request.compare.len());
    for (env, baseline) in request.scan.iter().zip(scan_baselines) {
        let snapshot = snapshot_of(env)?;
        reports.push(baseline.report(snapshot, request.unmanaged_only, started)?);
    }
    for group in &request.compare {
        let snapshots: Vec<&Snapshot> = group
            .iter()
            .map(|env| snapshot_of(env))
            .collect::<Result<_, _>>()?;
        reports.push(compare_report(
            &snapshots,
            baselines,
            &request.compare_options,
            started,
        )?);
    }
    Ok(reports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_environment_is_snapshotted_once() {
        let request = RunRequest {
            scan: vec!["staging".into(), "prod".into()],
            compare: vec![
                vec!["staging".into(), "prod".into()],
                vec!["dev".into(), "staging".into(), "prod".into()],
            ],
            ..Default::default()
        };
        assert_eq!(request.environments(), ["staging", "prod", "dev"]);
    }

    #[test]
    fn comparisons_name_two_or_more_distinct_environments() {
        let refused = |envs: &[&str]| check_comparison(envs).unwrap_err().to_string();
        assert_eq!(refused(&[]), "a comparison needs at least two environments");
        assert_eq!(
            refused(&["prod"]),
            "a comparison needs at least two environments"
        );
        assert_eq!(
            refused(&["prod", "prod"]),
            "cannot compare `prod` with itself"
        );
        assert_eq!(
            refused(&["dev", "staging", "dev"]),
            "`dev` is named twice in one comparison"
        );
        assert!(check_comparison(&["dev", "staging", "prod", "pr-7"]).is_ok());
        let reference = |r: &str, envs: &[&str]| check_reference(Some(r), envs);
        assert!(reference("prod", &["dev", "staging", "prod"]).is_ok());
        assert_eq!(
            reference("qa", &["dev", "prod", "staging"])
                .unwrap_err()
                .to_string(),
            "the reference `qa` is not one of the compared environments (dev, prod, staging)"
        );
        assert!(reference("prod", &["staging", "prod"])
            .unwrap_err()
            .to_string()
            .starts_with("--reference needs three or more environments"));
        // A request is refused before anything is read.
        let request = RunRequest {
            compare: vec![vec!["staging".into(), "prod".into()]],
            compare_options: CompareOptions {
                reference: Some("prod".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(request.validate().is_err());
    }

    #[tokio::test]
    async fn empty_and_self_comparing_requests_are_refused_before_any_read() {
        let config = ConfigFile::parse("", std::path::Path::new("t.yaml")).expect("config");
        let ctx = RunContext {
            config: &config,
            baselines: BaselineDir::new(std::path::Path::new("/nonexistent")),
            deadline: None,
            secure_digest: None,
            progress: &crate::scan::NoProgress,
            parallel: DEFAULT_PARALLEL,
            overrides: EnvironmentSettings::default(),
            state_access: (None, None),
            alert_state: None,
        };
        let nothing = execute(&RunRequest::default(), &ctx).await;
        assert!(matches!(nothing, Err(RunError::Request(_))));
        let state: Source = "tfstate:prod.tfstate".parse().expect("a source");
        let states_of_unscanned = RunRequest {
            scan: vec!["staging".into()],
            states: [("prod".to_string(), vec![state])].into(),
            ..Default::default()
        };
        let refused = execute(&states_of_unscanned, &ctx).await.map(|_| ());
        let refused = refused.expect_err("refused").to_string();
        assert!(
            refused.contains("`prod`, which the run does not scan"),
            "{refused}"
        );
        let unmanaged_without_states = RunRequest {
            scan: vec!["staging".into()],
            unmanaged_only: true,
            ..Default::default()
        };
        let refused = execute(&unmanaged_without_states, &ctx).await.map(|_| ());
        assert!(refused
            .expect_err("refused")
            .to_string()
            .contains("needs states"));
        let itself = RunRequest {
            compare: vec![vec!["prod".into(), "prod".into()]],
            ..Default::default()
        };
        let err = execute(&itself, &ctx).await.unwrap_err();
        assert_eq!(err.to_string(), "cannot compare `prod` with itself");
        let no_baseline = RunRequest {
            scan: vec!["prod".into()],
            ..Default::default()
        };
        assert!(matches!(
            execute(&no_baseline, &ctx).await,
            Err(RunError::Baseline(_))
        ));
    }
}

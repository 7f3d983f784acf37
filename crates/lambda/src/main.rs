//! driftscan as a Lambda function: a thin adapter over the scanner crate.
//!
//! EventBridge runs it on a schedule and on CloudTrail configuration-change events (see
//! [`event`]). Each invocation snapshots the environments it is asked about (bounded by the
//! invocation's deadline), scans them against their baselines, compares the pairs, then
//! publishes one SNS alert for whatever is new and the run's CloudWatch metrics. Configuration
//! comes from the environment (see the README's "Scheduled Lambda" section).

mod event;
mod queue;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use scanner::baseline::BaselineDir;
use scanner::config::{ConfigFile, PublishSettings};
use scanner::model::Report;
use scanner::publish::aws::AwsPublishers;
use scanner::publish::Published;
use scanner::run::{RunContext, RunRequest};
use serde::Serialize;
use serde_json::Value;
use tracing::Instrument;

use crate::event::{RequestBody, Trigger};

/// Findings logged one line each per report; the rest are counted in the summary line.
const FINDINGS_LOGGED: usize = 200;
/// Time kept back from the invocation's deadline for publishing.
const DEFAULT_PUBLISH_RESERVE: Duration = Duration::from_secs(5);

/// Where the baselines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum BaselineSource {
    /// A directory (bundled in the package by default).
    Directory(PathBuf),
    /// SSM parameters under a path, copied to a fresh directory per invocation.
    Ssm(String),
}

/// The function's configuration, read once per execution environment.
struct Settings {
    config: ConfigFile,
    defaults: RequestBody,
    baselines: BaselineSource,
    publish: PublishSettings,
    publish_reserve: Duration,
    fan_out: Option<queue::FanOutSettings>,
    /// Whether findings the triggering event does not explain are looked up in CloudTrail
    /// (`DRIFTSCAN_ATTRIBUTE`, on unless `off`).
    attribute: bool,
}

impl Settings {
    fn from_env(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let config_path = var("DRIFTSCAN_CONFIG").map(PathBuf::from);
        let (config, _) = ConfigFile::discover(config_path.as_deref())?;
        let list = |name: &str| -> Vec<String> {
            var(name)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let compare = list("DRIFTSCAN_COMPARE")
            .into_iter()
            .map(|group| {
                let environments: Vec<String> = group.split(':').map(str::to_string).collect();
                anyhow::ensure!(
                    environments.len() >= 2 && environments.iter().all(|e| !e.is_empty()),
                    "DRIFTSCAN_COMPARE: `{group}` is not a comparison like staging:prod or dev:staging:prod"
                );
                Ok(environments)
            })
            .collect::<anyhow::Result<_>>()?;
        let defaults = RequestBody {
            scan: list("DRIFTSCAN_SCAN"),
            compare,
            regions: list("DRIFTSCAN_REGIONS"),
            from: states_from(&list("DRIFTSCAN_FROM"))?,
            unmanaged_only: false,
        };
        let baselines = match var("DRIFTSCAN_BASELINES_SSM_PATH") {
            Some(path) => BaselineSource::Ssm(path),
            None => BaselineSource::Directory(match var("DRIFTSCAN_BASELINES") {
                Some(dir) => PathBuf::from(dir),
                // Bundled next to `bootstrap` in the package.
                None => var("LAMBDA_TASK_ROOT")
                    .map(|root| PathBuf::from(root).join("baselines"))
                    .unwrap_or_else(|| PathBuf::from("baselines")),
            }),
        };
        let publish = config.publish.clone().with_env(var)?;
        let publish_reserve = match var("DRIFTSCAN_PUBLISH_RESERVE_MS") {
            Some(ms) => Duration::from_millis(
                ms.parse()
                    .map_err(|e| anyhow::anyhow!("DRIFTSCAN_PUBLISH_RESERVE_MS: `{ms}`: {e}"))?,
            ),
            None => DEFAULT_PUBLISH_RESERVE,
        };
        let fan_out = queue::FanOutSettings::from_env(var)?;
        let attribute = match var("DRIFTSCAN_ATTRIBUTE").as_deref().map(str::trim) {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => anyhow::bail!("DRIFTSCAN_ATTRIBUTE: `{other}` is neither on nor off"),
        };
        Ok(Settings {
            config,
            defaults,
            baselines,
            publish,
            publish_reserve,
            fan_out,
            attribute,
        })
    }
}

/// One report as the function answers it.
#[derive(Debug, Serialize)]
struct ReportSummary<'a> {
    command: &'a str,
    environment: &'a str,
    regions: &'a [String],
    complete: bool,
    failures: Vec<String>,
    findings: usize,
    resources: usize,
    duration_ms: u64,
}

/// What the function answers.
#[derive(Debug, Serialize)]
struct Response<'a> {
    trigger: String,
    reports: Vec<ReportSummary<'a>>,
    published: Option<Published>,
}

/// Turns the invocation's deadline into the scan's: what is left, minus the publishing
/// reserve, which is at most a third of what is left (a function with AWS's default 3 s
/// timeout scans for 2 s instead of abandoning every read at once).
fn scan_deadline(deadline: SystemTime, reserve: Duration) -> Instant {
    let left = deadline
        .duration_since(SystemTime::now())
        .unwrap_or_default();
    Instant::now() + left.saturating_sub(reserve.min(left / 3))
}

async fn handler(
    settings: &Settings,
    publishers: &AwsPublishers,
    event: LambdaEvent<Value>,
) -> Result<Value, Error> {
    let span = tracing::info_span!("invocation", request_id = %event.context.request_id);
    async move {
        let deadline = scan_deadline(event.context.deadline(), settings.publish_reserve);
        if let Some(messages) = event::sqs_messages(&event.payload) {
            let fan_out = settings.fan_out.as_ref().ok_or_else(|| {
                Error::from("an SQS event, but DRIFTSCAN_RUN_BUCKET and DRIFTSCAN_TABLE are unset")
            })?;
            return queue::handle_messages(settings, fan_out, publishers, messages, deadline).await;
        }
        let invocation = event::parse(event.payload, &settings.defaults).map_err(|e| {
            tracing::error!(error = %e, "rejected event");
            Error::from(e)
        })?;
        let trigger = match &invocation.trigger {
            Trigger::Scheduled => "scheduled".to_string(),
            Trigger::Change { source, event_name, region } => format!("change {source} {event_name} {region}"),
            Trigger::Ignored(why) => {
                tracing::info!(why, "change event ignored");
                let response = Response { trigger: format!("ignored: {why}"), reports: vec![], published: None };
                return Ok(serde_json::to_value(response)?);
            }
        };
        tracing::info!(trigger, scan = ?invocation.request.scan, compare = ?invocation.request.compare, "run started");
        let mut request = invocation.request;
        request.attribution.lookup = settings.attribute;
        if let Some(fan_out) = settings.fan_out.as_ref().filter(|f| f.queue_url.is_some()) {
            return queue::coordinate(settings, fan_out, publishers, &request, &trigger, &event.context.request_id, deadline).await;
        }
        let reports = run(settings, publishers, &request, deadline).await?;
        respond(settings, publishers, trigger, &reports).await

    }
    .instrument(span)
    .await
}

/// Logs and publishes a run's reports; answers what the function returns.
async fn respond(
    settings: &Settings,
    publishers: &AwsPublishers,
    trigger: String,
    reports: &[Report],
) -> Result<Value, Error> {
    log_reports(reports);
    let timestamp_ms = scanner::clock::epoch_millis();
    let published = scanner::publish::publish(
        reports,
        &publishers.publisher(&settings.publish),
        timestamp_ms,
    )
    .await;
    let published = match published {
        Ok(mut published) => {
            // EMF: the log line is the metric; it goes to standard output as it is.
            for line in std::mem::take(&mut published.emf_lines) {
                println!("{line}");
            }
            published
        }
        Err(e) => return Err(Error::from(format!("publishing failed: {e}"))),
    };
    tracing::info!(
        new = published.new,
        changed = published.changed,
        resolved = published.resolved,
        message_id = published.message_id.as_deref().unwrap_or(""),
        datums = published.datums,
        "run published"
    );
    let response = Response {
        trigger,
        reports: reports
            .iter()
            .map(|r| ReportSummary {
                command: &r.command,
                environment: &r.environment,
                regions: &r.regions,
                complete: r.complete,
                failures: r.failures.iter().map(ToString::to_string).collect(),
                findings: r.counts.total,
                resources: r.counts.resources,
                duration_ms: r.duration_ms,
            })
            .collect(),
        published: Some(published),
    };
    Ok(serde_json::to_value(response)?)
}

/// The baselines of an invocation: where they were read to, and what findings call them.
struct Baselines {
    dir: PathBuf,
    shown_as: String,
    /// A fresh copy of SSM parameters, removed when the invocation is done with it.
    _fetched: Option<tempfile::TempDir>,
}

impl Baselines {
    /// The directory for the engine, named as the user knows it.
    fn dir(&self) -> BaselineDir<'_> {
        BaselineDir {
            path: &self.dir,
            shown_as: Some(&self.shown_as),
        }
    }
}

/// The baseline directory: the configured one (shown relative to the package, as in the
/// repository: `baselines/prod.yaml`), or a fresh copy of the SSM parameters (shown as
/// `ssm:/driftscan/baselines/prod.yaml`, never by the temporary directory).
async fn baselines(settings: &Settings, publishers: &AwsPublishers) -> Result<Baselines, Error> {
    match &settings.baselines {
        BaselineSource::Directory(dir) => {
            let task_root = std::env::var_os("LAMBDA_TASK_ROOT").map(PathBuf::from);
            let shown = task_root
                .and_then(|root| dir.strip_prefix(root).ok().map(Path::to_path_buf))
                .unwrap_or_else(|| dir.clone());
            Ok(Baselines {
                dir: dir.clone(),
                shown_as: shown.display().to_string(),
                _fetched: None,
            })
        }
        BaselineSource::Ssm(path) => {
            let fetched = tempfile::tempdir()?;
            let files = scanner::baseline::ssm_source::fetch_from_ssm(
                publishers.sdk_config(),
                path,
                fetched.path(),
            )
            .await?;
            tracing::info!(path, files, "baselines read from SSM");
            Ok(Baselines {
                dir: fetched.path().to_path_buf(),
                shown_as: format!("ssm:{}", path.trim_end_matches('/')),
                _fetched: Some(fetched),
            })
        }
    }
}

/// The configuration with the organization's accounts as they are now (an account tagged since
/// the last run is in).
async fn current_config(
    settings: &Settings,
    publishers: &AwsPublishers,
) -> Result<ConfigFile, Error> {
    let (config, _) =
        scanner::org::with_organization(settings.config.clone(), publishers.sdk_config()).await?;
    Ok(config)
}

async fn run(
    settings: &Settings,
    publishers: &AwsPublishers,
    request: &RunRequest,
    deadline: Instant,
) -> Result<Vec<Report>, Error> {
    let baselines = baselines(settings, publishers).await?;
    let config = current_config(settings, publishers).await?;
    let ctx = RunContext {
        config: &config,
        baselines: baselines.dir(),
        deadline: Some(deadline),
        secure_digest: None,
        progress: &scanner::scan::NoProgress,
        parallel: scanner::run::DEFAULT_PARALLEL,
        overrides: Default::default(),
        // The function's own credentials read states in S3.
        state_access: (None, None),
        alert_state: publishers.alert_state(),
    };
    Ok(scanner::run::execute(request, &ctx).await?)
}

/// `DRIFTSCAN_FROM`'s `env=source` pairs (`prod=tfstate:s3://acme-tfstate/prod.tfstate`):
/// the states each environment is scanned against, as `scan --from` takes them.
fn states_from(
    pairs: &[String],
) -> anyhow::Result<std::collections::BTreeMap<String, Vec<scanner::iac::Source>>> {
    use anyhow::Context;
    let mut states = std::collections::BTreeMap::<String, Vec<_>>::new();
    for pair in pairs {
        let (env, source) = pair.split_once('=').with_context(|| {
            format!("DRIFTSCAN_FROM: `{pair}` is not env=source (prod=tfstate:s3://bucket/key)")
        })?;
        let source = source
            .parse()
            .with_context(|| format!("DRIFTSCAN_FROM: `{pair}`"))?;
        states.entry(env.to_string()).or_default().push(source);
    }
    Ok(states)
}

/// One summary line per report, one line per finding (up to [`FINDINGS_LOGGED`]).
fn log_reports(reports: &[Report]) {
    for report in reports {
        if report.complete {
            tracing::info!(
                command = %report.command,
                environment = %report.environment,
                findings = report.counts.total,
                highest = report.highest_severity().map(|s| s.as_str()).unwrap_or("none"),
                resources = report.counts.resources,
                duration_ms = report.duration_ms,
                "report"
            );
        } else {
            tracing::error!(
                command = %report.command,
                environment = %report.environment,
                findings = report.counts.total,
                failures = ?report.failures.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "report INCOMPLETE: not a clean result"
            );
        }
        for finding in report.findings.iter().take(FINDINGS_LOGGED) {
            tracing::info!(
                environment = %report.environment,
                severity = %finding.severity,
                kind = %finding.kind,
                resource_type = finding.resource_type.as_str(),
                logical_name = %finding.logical_name,
                path = finding.path.as_deref().unwrap_or(""),
                rule = finding.rule_id.as_deref().unwrap_or(""),
                fingerprint = %finding.fingerprint,
                "finding"
            );
        }
        if report.findings.len() > FINDINGS_LOGGED {
            tracing::info!(environment = %report.environment, more = report.findings.len() - FINDINGS_LOGGED, "findings not logged one by one");
        }
    }
}

/// The log filter and whether to log JSON: `DRIFTSCAN_LOG` (a tracing filter) first, else the
/// Lambda service's own advanced logging settings (`AWS_LAMBDA_LOG_LEVEL`: TRACE, DEBUG, INFO,
/// WARN, ERROR, FATAL; `AWS_LAMBDA_LOG_FORMAT`: JSON or Text), else `info` as JSON.
fn log_settings(var: impl Fn(&str) -> Option<String>) -> (String, bool) {
    let level = var("DRIFTSCAN_LOG")
        .filter(|f| !f.trim().is_empty())
        .unwrap_or_else(|| {
            match var("AWS_LAMBDA_LOG_LEVEL")
                .map(|l| l.to_ascii_uppercase())
                .as_deref()
            {
                Some("TRACE") => "trace",
                Some("DEBUG") => "debug",
                Some("WARN") => "warn",
                Some("ERROR") | Some("FATAL") => "error",
                _ => "info",
            }
            .to_string()
        });
    let json = !var("AWS_LAMBDA_LOG_FORMAT").is_some_and(|f| f.eq_ignore_ascii_case("text"));
    (level, json)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (level, json) = log_settings(|name| std::env::var(name).ok());
    let filter = tracing_subscriber::EnvFilter::try_new(&level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .without_time();
    if json {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.with_ansi(false).init();
    }
    // Read once per execution environment, lent to every invocation.
    let settings = Settings::from_env(|name| std::env::var(name).ok())?;
    let publishers =
        AwsPublishers::connect(&settings.publish, &settings.config, &Default::default()).await;
    let (settings, publishers) = (&settings, &publishers);
    lambda_runtime::run(service_fn(move |event| async move {
        handler(settings, publishers, event)
            .await
            .map_err(InvocationError::from)
    }))
    .await
}

/// An invocation's failure as the Lambda service records it: a named `errorType`
/// (`driftscan.FanOutError`, ...) where lambda_runtime would give a Rust type name, and the
/// message with its causes.
#[derive(Debug)]
struct InvocationError {
    error_type: &'static str,
    message: String,
}

impl From<Error> for InvocationError {
    fn from(error: Error) -> Self {
        let error_type = if error.is::<scanner::fanout::FanOutError>() {
            "driftscan.FanOutError"
        } else if error.is::<scanner::run::RunError>() {
            "driftscan.RunError"
        } else if error.is::<scanner::aws::CredentialsError>() {
            "driftscan.CredentialsError"
        } else if error.is::<scanner::baseline::ssm_source::FetchError>() {
            "driftscan.BaselineFetchError"
        } else {
            "driftscan.InvocationError"
        };
        InvocationError {
            error_type,
            message: scanner::aws::error_chain(&*error),
        }
    }
}

impl From<InvocationError> for lambda_runtime::Diagnostic {
    fn from(error: InvocationError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type.to_string(),
            error_message: error.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_errors_carry_a_named_error_type() {
        let fan_out: Error = Box::new(scanner::fanout::FanOutError::BadItem("x".into()));
        let diagnostic = lambda_runtime::Diagnostic::from(InvocationError::from(fan_out));
        assert_eq!(diagnostic.error_type, "driftscan.FanOutError");
        assert_eq!(diagnostic.error_message, "bad work item: x");
        let other = lambda_runtime::Diagnostic::from(InvocationError::from(Error::from("boom")));
        assert_eq!(other.error_type, "driftscan.InvocationError");
        assert!(!other.error_type.contains("alloc::"), "no Rust type name");
    }

    #[test]
    fn logging_follows_the_lambda_service_settings() {
        let with = |pairs: &'static [(&'static str, &'static str)]| {
            log_settings(move |name| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        assert_eq!(with(&[]), ("info".to_string(), true));
        assert_eq!(
            with(&[("AWS_LAMBDA_LOG_LEVEL", "DEBUG")]),
            ("debug".into(), true)
        );
        assert_eq!(
            with(&[("AWS_LAMBDA_LOG_LEVEL", "FATAL")]),
            ("error".into(), true)
        );
        assert_eq!(
            with(&[
                ("AWS_LAMBDA_LOG_FORMAT", "Text"),
                ("AWS_LAMBDA_LOG_LEVEL", "WARN")
            ]),
            ("warn".into(), false)
        );
        assert_eq!(
            with(&[
                ("DRIFTSCAN_LOG", "scanner=trace"),
                ("AWS_LAMBDA_LOG_LEVEL", "ERROR")
            ]),
            ("scanner=trace".into(), true),
            "driftscan's own filter wins"
        );
    }

    #[test]
    fn settings_come_from_the_environment() {
        let env = |name: &str| {
            match name {
                "DRIFTSCAN_SCAN" => Some("staging, prod"),
                "DRIFTSCAN_COMPARE" => Some("staging:prod"),
                "DRIFTSCAN_TOPIC_ARN" => {
                    Some("arn:aws:sns:us-east-1:123456789012:driftscan-alerts")
                }
                "DRIFTSCAN_METRICS" => Some("emf"),
                "LAMBDA_TASK_ROOT" => Some("/var/task"),
                "DRIFTSCAN_CONFIG" => Some("/nonexistent/driftscan.yaml"),
                _ => None,
            }
            .map(String::from)
        };
        // The config file named must exist.
        assert!(Settings::from_env(env).is_err());
        let env = |name: &str| {
            if name == "DRIFTSCAN_CONFIG" {
                None
            } else {
                env(name)
            }
        };
        let settings = Settings::from_env(env).unwrap();
        assert_eq!(settings.defaults.scan, ["staging", "prod"]);
        assert_eq!(settings.defaults.compare, [["staging", "prod"]]);
        assert_eq!(
            settings.baselines,
            BaselineSource::Directory("/var/task/baselines".into())
        );
        assert_eq!(settings.publish.metrics, scanner::config::MetricsMode::Emf);
        assert_eq!(settings.publish_reserve, DEFAULT_PUBLISH_RESERVE);

        let bad_pair =
            |name: &str| (name == "DRIFTSCAN_COMPARE").then(|| "staging-prod".to_string());
        let err = Settings::from_env(bad_pair).err().unwrap().to_string();
        assert!(err.contains("not a comparison like staging:prod"), "{err}");
        let ssm = |name: &str| {
            (name == "DRIFTSCAN_BASELINES_SSM_PATH").then(|| "/driftscan/baselines".to_string())
        };
        assert_eq!(
            Settings::from_env(ssm).unwrap().baselines,
            BaselineSource::Ssm("/driftscan/baselines".into())
        );
    }

    #[test]
    fn the_scan_deadline_keeps_the_publishing_reserve() {
        let in_ten = SystemTime::now() + Duration::from_secs(10);
        let deadline = scan_deadline(in_ten, Duration::from_secs(2));
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            left <= Duration::from_secs(8) && left > Duration::from_secs(7),
            "{left:?}"
        );
        // The reserve takes at most a third: 3 s left (AWS's default timeout) scan for 2 s.
        let in_three = SystemTime::now() + Duration::from_secs(3);
        let left = scan_deadline(in_three, DEFAULT_PUBLISH_RESERVE)
            .saturating_duration_since(Instant::now());
        assert!(
            left <= Duration::from_secs(2) && left > Duration::from_millis(1900),
            "{left:?}"
        );
        // Already past: no time at all, so every read is cut short (incomplete, never clean).
        let past = scan_deadline(
            SystemTime::now() - Duration::from_secs(1),
            Duration::from_secs(4),
        );
        assert!(past <= Instant::now());
    }
}

/// The function's variables, read from its sources, against its pages.
#[cfg(test)]
mod documented_variables {
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Every `DRIFTSCAN_*` name in `text` outside its test modules; in code (`quoted`) only
    /// string literals count.
    fn names(text: &str, quoted: bool) -> BTreeSet<String> {
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let mut found = BTreeSet::new();
        for (at, _) in text.match_indices("DRIFTSCAN_") {
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let literal = text[..at].ends_with('"') && text[at + name.len()..].starts_with('"');
            if (literal || !quoted) && !name.ends_with('_') {
                found.insert(name);
            }
        }
        found
    }

    fn read(relative: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(relative);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn every_variable_the_function_reads_is_documented_and_no_page_names_another() {
        let sources = [
            "crates/lambda/src/main.rs",
            "crates/lambda/src/event.rs",
            "crates/lambda/src/queue.rs",
            "crates/scanner/src/config/publish.rs",
        ];
        let read_by_code: BTreeSet<String> =
            sources.iter().flat_map(|f| names(&read(f), true)).collect();
        assert!(
            read_by_code.contains("DRIFTSCAN_WORK_QUEUE_URL"),
            "{read_by_code:?}"
        );
        let pages = ["docs/lambda.md", "docs/alerts-and-metrics.md"];
        let documented: BTreeSet<String> =
            pages.iter().flat_map(|f| names(&read(f), false)).collect();
        let undocumented: Vec<&String> = read_by_code.difference(&documented).collect();
        assert!(
            undocumented.is_empty(),
            "read but not documented in {pages:?}: {undocumented:?}"
        );
        let on_the_page = names(&read("docs/lambda.md"), false);
        let unknown: Vec<&String> = on_the_page.difference(&read_by_code).collect();
        assert!(
            unknown.is_empty(),
            "docs/lambda.md names variables no code reads: {unknown:?}"
        );
    }
}

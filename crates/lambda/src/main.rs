//! driftscan as a Lambda function: a thin adapter over the scanner crate.
//!
//! The event names the environment to snapshot, either directly or as the `detail` of an
//! EventBridge event:
//!
//! ```json
//! {"environment": "staging", "regions": ["us-east-1"]}
//! ```
//!
//! The response summarises the snapshot. Alerts, metrics, compare and fan-out come with the
//! scheduled-Lambda issue.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use scanner::config::ConfigFile;
use scanner::scan::NoProgress;
use scanner::{EnvironmentSettings, Snapshot};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What to snapshot.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotRequest {
    environment: String,
    #[serde(default)]
    regions: Vec<String>,
}

/// What the function answers.
#[derive(Debug, Serialize)]
struct SnapshotSummary {
    environment: String,
    regions: Vec<String>,
    complete: bool,
    resources: usize,
    failures: Vec<String>,
}

impl From<&Snapshot> for SnapshotSummary {
    fn from(snapshot: &Snapshot) -> Self {
        SnapshotSummary {
            environment: snapshot.environment.clone(),
            regions: snapshot.regions.clone(),
            complete: snapshot.complete,
            resources: snapshot.resources.len(),
            failures: snapshot.failures.iter().map(ToString::to_string).collect(),
        }
    }
}

/// Reads the request from a direct invocation or from an EventBridge event's `detail`.
fn parse_request(payload: Value) -> Result<SnapshotRequest, serde_json::Error> {
    let body = match payload {
        Value::Object(mut map) if map.contains_key("detail-type") => {
            map.remove("detail").unwrap_or(Value::Null)
        }
        other => other,
    };
    serde_json::from_value(body)
}

async fn handler(config: &ConfigFile, event: LambdaEvent<Value>) -> Result<SnapshotSummary, Error> {
    let request = parse_request(event.payload)?;
    let overrides = EnvironmentSettings {
        regions: (!request.regions.is_empty()).then_some(request.regions),
        ..Default::default()
    };
    let snapshot = scanner::scan::snapshot_environment(
        config,
        &request.environment,
        overrides,
        None,
        &NoProgress,
    )
    .await?;
    let summary = SnapshotSummary::from(&snapshot);
    if snapshot.complete {
        tracing::info!(environment = %summary.environment, resources = summary.resources, "snapshot complete");
    } else {
        tracing::error!(environment = %summary.environment, failures = ?summary.failures, "snapshot INCOMPLETE");
    }
    Ok(summary)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DRIFTSCAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_current_span(false)
        .without_time()
        .init();
    // Built once per execution environment, lent to every invocation.
    let config_path = std::env::var_os("DRIFTSCAN_CONFIG").map(std::path::PathBuf::from);
    let (config, _) = ConfigFile::discover(config_path.as_deref())?;
    let config = &config;
    lambda_runtime::run(service_fn(move |event| handler(config, event))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn direct_and_eventbridge_requests_parse_alike() {
        let direct = parse_request(json!({"environment": "staging", "regions": ["us-east-1"]}));
        let scheduled = parse_request(json!({
            "version": "0",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "detail": {"environment": "staging", "regions": ["us-east-1"]}
        }));
        let expected = SnapshotRequest {
            environment: "staging".into(),
            regions: vec!["us-east-1".into()],
        };
        assert_eq!(direct.unwrap(), expected);
        assert_eq!(scheduled.unwrap(), expected);
    }

    #[test]
    fn malformed_requests_are_rejected() {
        assert!(parse_request(json!({"env": "staging"})).is_err());
        assert!(parse_request(json!({"detail-type": "Scheduled Event"})).is_err());
        assert!(parse_request(json!([1, 2])).is_err());
    }

    #[tokio::test]
    async fn an_unreachable_aws_is_reported_incomplete() {
        // Point every service at a closed loopback port: the handler must say incomplete.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        std::env::set_var("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        let config = ConfigFile::parse(
            "defaults:\n  max_attempts: 1\n",
            std::path::Path::new("t.yaml"),
        )
        .unwrap();
        let event = LambdaEvent::new(
            json!({"environment": "prod", "regions": ["us-east-1"]}),
            lambda_runtime::Context::default(),
        );
        let summary = handler(&config, event).await.unwrap();
        assert!(!summary.complete);
        assert_eq!(summary.resources, 0);
        assert!(
            summary.failures.iter().any(|f| f.contains("ssm:")),
            "{:?}",
            summary.failures
        );
    }
}

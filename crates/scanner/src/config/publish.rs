//! `publish:` of `driftscan.yaml`, with the `DRIFTSCAN_*` variables that override it: where
//! alerts, metrics, alert state, kept reports and the findings ledger go.

use serde::Deserialize;

use super::validate_region;
use crate::error::ConfigError;

/// How a run publishes: SNS alerts, CloudWatch metrics, and the alert state that de-duplicates.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublishSettings {
    /// The SNS topic for alerts (none: no alerts).
    pub topic_arn: Option<String>,
    /// Region of the topic, the metrics and the alert state (default: the topic's region,
    /// else the standard AWS chain).
    pub region: Option<String>,
    /// How metrics are published.
    pub metrics: MetricsMode,
    /// SSM path under which already-alerted findings are remembered.
    pub state_path: String,
    /// Findings below this severity neither alert nor are remembered.
    pub min_severity: crate::model::Severity,
    /// An S3 bucket that keeps each published run's HTML reports (`reports/<run>/...html`);
    /// the alert links to them. None: reports are not kept.
    pub report_bucket: Option<String>,
    /// A DynamoDB table (`pk`, `sk` string keys) for the findings ledger: alert state shared
    /// safely by concurrent publishers, with drift age. None: the SSM chunks under
    /// `state_path`.
    pub ledger_table: Option<String>,
    /// Import every scan's findings into AWS Security Hub (`BatchImportFindings`), in each
    /// finding's own account and region, and archive them there once resolved.
    pub security_hub: bool,
}

impl Default for PublishSettings {
    fn default() -> Self {
        PublishSettings {
            topic_arn: None,
            region: None,
            metrics: MetricsMode::Api,
            state_path: DEFAULT_STATE_PATH.into(),
            min_severity: crate::model::Severity::Low,
            report_bucket: None,
            ledger_table: None,
            security_hub: false,
        }
    }
}

impl PublishSettings {
    /// The settings with environment variables applied over them (`DRIFTSCAN_TOPIC_ARN`,
    /// `DRIFTSCAN_PUBLISH_REGION`, `DRIFTSCAN_METRICS`, `DRIFTSCAN_STATE_PATH`,
    /// `DRIFTSCAN_ALERT_MIN_SEVERITY`, `DRIFTSCAN_REPORT_BUCKET`, `DRIFTSCAN_TABLE`,
    /// `DRIFTSCAN_SECURITY_HUB`); `var`
    /// looks one up.
    pub fn with_env(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let invalid = |name: &str, e: String| ConfigError::Invalid(format!("{name}: {e}"));
        if let Some(topic) = var("DRIFTSCAN_TOPIC_ARN") {
            self.topic_arn = Some(topic);
        }
        if let Some(region) = var("DRIFTSCAN_PUBLISH_REGION") {
            validate_region(&region)?;
            self.region = Some(region);
        }
        if let Some(mode) = var("DRIFTSCAN_METRICS") {
            self.metrics = mode.parse().map_err(|e| invalid("DRIFTSCAN_METRICS", e))?;
        }
        if let Some(path) = var("DRIFTSCAN_STATE_PATH") {
            self.state_path = path;
        }
        if let Some(severity) = var("DRIFTSCAN_ALERT_MIN_SEVERITY") {
            self.min_severity = severity
                .parse()
                .map_err(|e| invalid("DRIFTSCAN_ALERT_MIN_SEVERITY", e))?;
        }
        if let Some(bucket) = var("DRIFTSCAN_REPORT_BUCKET") {
            self.report_bucket = Some(bucket);
        }
        if let Some(table) = var("DRIFTSCAN_TABLE") {
            self.ledger_table = Some(table);
        }
        if let Some(flag) = var("DRIFTSCAN_SECURITY_HUB") {
            self.security_hub = match flag.trim() {
                "1" | "true" => true,
                "0" | "false" => false,
                other => {
                    return Err(invalid(
                        "DRIFTSCAN_SECURITY_HUB",
                        format!("`{other}`: expected 1, true, 0 or false"),
                    ))
                }
            };
        }
        if let Some(bucket) = &self.report_bucket {
            // S3's rules for new bucket names: 3-63 characters, lowercase letters, digits,
            // dots and hyphens, beginning and ending with a letter or digit.
            let valid = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'
                })
                && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
                && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
            if !valid {
                return Err(invalid(
                    "publish.report_bucket",
                    format!("`{bucket}` is not an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)"),
                ));
            }
        }
        if !self.state_path.starts_with('/') || self.state_path.len() < 2 {
            return Err(invalid(
                "publish.state_path",
                format!(
                    "`{}` must be an absolute SSM path like /driftscan/alert-state",
                    self.state_path
                ),
            ));
        }
        if let Some(topic) = &self.topic_arn {
            if !topic.starts_with("arn:") || topic.split(':').count() != 6 {
                return Err(invalid(
                    "publish.topic_arn",
                    format!(
                        "`{topic}` is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)"
                    ),
                ));
            }
        }
        Ok(self)
    }
}

/// The default SSM path of the alert state.
pub const DEFAULT_STATE_PATH: &str = "/driftscan/alert-state";

/// How metrics are published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricsMode {
    /// `PutMetricData` calls.
    Api,
    /// CloudWatch Embedded Metric Format lines on standard output (no API call; Lambda).
    Emf,
    /// No metrics.
    Off,
}

impl std::str::FromStr for MetricsMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "api" => Ok(MetricsMode::Api),
            "emf" => Ok(MetricsMode::Emf),
            "off" => Ok(MetricsMode::Off),
            other => Err(format!(
                "unknown metrics mode `{other}` (expected api, emf or off)"
            )),
        }
    }
}

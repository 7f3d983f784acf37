//! Findings: what a scan or a comparison reports, and the report that carries them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{ReadFailure, ResourceKind};

/// The `schema` string of every report this version writes.
pub const REPORT_SCHEMA: &str = "driftscan.report/v1";

/// Joins the environments of a comparison into its report's `environment` (`staging..prod`).
pub const COMPARED_SEPARATOR: &str = "..";

/// How serious a finding is, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// For the record.
    Info,
    /// Worth a look.
    Low,
    /// Should be fixed.
    Medium,
    /// Fix before deploying.
    High,
    /// Fix now.
    Critical,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected info, low, medium, high or critical)")
            })
    }
}

/// What kind of finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingKind {
    /// A declared expectation that live state does not meet.
    Drift,
    /// A live resource that no baseline declares.
    Unmanaged,
    /// A declared resource that does not exist live.
    Missing,
    /// A compliance rule violation.
    Compliance,
    /// A difference between two environments (`driftscan compare`).
    Difference,
}

impl FindingKind {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Drift => "drift",
            FindingKind::Unmanaged => "unmanaged",
            FindingKind::Missing => "missing",
            FindingKind::Compliance => "compliance",
            FindingKind::Difference => "difference",
        }
    }
}

impl fmt::Display for FindingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a baseline file an expectation was declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SourceRef {
    /// The baseline file, as given (shared: a baseline declares many fields per file).
    pub file: std::sync::Arc<str>,
    /// 1-based line.
    pub line: u64,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable id: the same finding on the same resource gets the same fingerprint in every run.
    pub fingerprint: String,
    /// What kind of finding.
    pub kind: FindingKind,
    /// How serious.
    pub severity: Severity,
    /// The environment.
    pub environment: String,
    /// The region of the resource (empty for a missing resource declared without one).
    pub region: String,
    /// The resource's kind.
    pub resource_type: ResourceKind,
    /// The resource's logical name (`db-{env}`).
    pub logical_name: String,
    /// The resource's physical id, when it exists.
    pub physical_id: Option<String>,
    /// The resource's ARN, when it exists and has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The field path (`properties.backup_retention_period`), when the finding is about a field.
    pub path: Option<String>,
    /// What was expected.
    pub expected: Option<Value>,
    /// What was found.
    pub actual: Option<Value>,
    /// The compliance rule, for compliance findings.
    pub rule_id: Option<String>,
    /// A one-line explanation.
    pub message: String,
    /// Where the expectation was declared.
    pub source: Option<SourceRef>,
    /// Who changed the resource, when and how (a drift, unmanaged or compliance finding on a
    /// resource that exists), or why that is not known; absent when not asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribution: Option<super::attribution::Attribution>,
}

impl Finding {
    /// Computes and sets the fingerprint from the finding's identity and values.
    pub fn with_fingerprint(mut self) -> Self {
        let mut identity = self.identity_fields();
        identity.extend([
            serde_json::json!(self.expected),
            serde_json::json!(self.actual),
        ]);
        self.fingerprint = short_digest(&Value::Array(identity));
        self
    }

    /// Who changed the resource, one line for people, when attribution was asked for.
    pub fn attribution_line(&self) -> Option<String> {
        self.attribution
            .as_ref()
            .map(super::attribution::Attribution::describe)
    }

    /// What the finding is about, without its values: the same for a drift whose actual value
    /// changed (a different fingerprint), so an alert can say "changed" instead of "new".
    pub fn identity(&self) -> String {
        short_digest(&Value::Array(self.identity_fields()))
    }

    fn identity_fields(&self) -> Vec<Value> {
        vec![
            serde_json::json!(self.kind),
            serde_json::json!(self.environment),
            serde_json::json!(self.region),
            serde_json::json!(self.resource_type),
            serde_json::json!(self.logical_name),
            serde_json::json!(self.path),
            serde_json::json!(self.rule_id),
        ]
    }

    /// Sort key: most severe first, then by resource and path.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            std::cmp::Reverse(self.severity),
            &self.region,
            self.resource_type,
            &self.logical_name,
            &self.path,
            &self.rule_id,
            &self.fingerprint,
        )
    }
}

/// The first 8 bytes of the SHA-256 of `value`'s JSON, in hex.
fn short_digest(value: &Value) -> String {
    hex::encode(&Sha256::digest(value.to_string().as_bytes())[..8])
}

/// Counts of a report's findings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// All findings.
    pub total: usize,
    /// By severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// By kind.
    pub by_kind: BTreeMap<FindingKind, usize>,
    /// Resources evaluated.
    pub resources: usize,
}

/// The result of `driftscan scan` (and later `compare`): findings plus what the run covered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// `scan` or `compare`.
    pub command: String,
    /// The environment (for compare, `A..B`).
    pub environment: String,
    /// Regions covered.
    pub regions: Vec<String>,
    /// The AWS account the environment was read in, when its snapshot knew it (a comparison's,
    /// when every environment it compares shares one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Whether every read succeeded. An incomplete report never means "no drift".
    pub complete: bool,
    /// Reads that failed.
    pub failures: Vec<ReadFailure>,
    /// Items the scan listed that were gone when read further: compared as absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_during_scan: Vec<super::DeletedDuringScan>,
    /// Baseline files evaluated, in inheritance order.
    pub baseline_files: Vec<String>,
    /// Ignore rules whose expiry date has passed (no longer applied).
    pub expired_ignores: Vec<String>,
    /// Counts.
    pub counts: Counts,
    /// Wall time of the run in milliseconds (0 when not measured).
    pub duration_ms: u64,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// For a comparison: every differing field across the compared environments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parity: Option<super::ParityMatrix>,
    /// The changes that resolved findings of the last alert which are gone now, by the
    /// findings' identity: where the findings ledger remembers their resource and CloudTrail
    /// shows a write to it since they were first seen.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub resolved_by: std::collections::BTreeMap<String, super::attribution::ChangeAttribution>,
    /// When each open finding was first seen (seconds since the epoch), by identity: what the
    /// findings ledger remembers, where the run read it.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub first_seen: std::collections::BTreeMap<String, u64>,
}

impl Report {
    /// Sorts findings, fills the counts.
    pub fn finalize(mut self, resources: usize) -> Self {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut counts = Counts {
            total: self.findings.len(),
            resources,
            ..Counts::default()
        };
        for finding in &self.findings {
            *counts.by_severity.entry(finding.severity).or_insert(0) += 1;
            *counts.by_kind.entry(finding.kind).or_insert(0) += 1;
        }
        self.counts = counts;
        self
    }

    /// The environments a comparison compared (`dev..staging..prod`), in order; the one
    /// environment of a scan.
    pub fn environments(&self) -> Vec<&str> {
        match self.command.as_str() {
            "compare" => self.environment.split(COMPARED_SEPARATOR).collect(),
            _ => vec![self.environment.as_str()],
        }
    }

    /// The highest severity among the findings.
    pub fn highest_severity(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether any finding is at or above `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(actual: i64) -> Finding {
        Finding {
            attribution: None,
            fingerprint: String::new(),
            kind: FindingKind::Drift,
            severity: Severity::Medium,
            environment: "prod".into(),
            region: "us-east-1".into(),
            resource_type: ResourceKind::DbCluster,
            logical_name: "aurora-cluster-{env}".into(),
            physical_id: Some("aurora-cluster-prod".into()),
            arn: None,
            path: Some("properties.backup_retention_period".into()),
            expected: Some(serde_json::json!(30)),
            actual: Some(serde_json::json!(actual)),
            rule_id: None,
            message: "changed".into(),
            source: None,
        }
        .with_fingerprint()
    }

    #[test]
    fn fingerprints_are_stable_and_change_with_the_drift() {
        assert_eq!(finding(1).fingerprint, finding(1).fingerprint);
        assert_ne!(finding(1).fingerprint, finding(2).fingerprint);
        assert_eq!(finding(1).fingerprint.len(), 16);
        let mut other_message = finding(1);
        other_message.message = "reworded".into();
        assert_eq!(
            other_message.with_fingerprint().fingerprint,
            finding(1).fingerprint
        );
    }

    #[test]
    fn identity_ignores_the_values() {
        assert_eq!(finding(1).identity(), finding(2).identity());
        let mut elsewhere = finding(1);
        elsewhere.path = Some("properties.port".into());
        assert_ne!(elsewhere.identity(), finding(1).identity());
    }

    #[test]
    fn severities_order_and_parse() {
        assert!(Severity::Critical > Severity::High && Severity::Low > Severity::Info);
        assert_eq!("high".parse::<Severity>(), Ok(Severity::High));
        assert!("severe".parse::<Severity>().is_err());
    }
}

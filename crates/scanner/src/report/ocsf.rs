//! OCSF 1.3 Compliance Finding events (class 2003, category Findings), one per finding, as
//! Security Lake and data pipelines ingest them
//! (<https://schema.ocsf.io/1.3.0/classes/compliance_finding>), with the cloud profile's
//! `cloud` object. What OCSF has no place for (expected and actual values, attribution) is in
//! `unmapped`.

use serde::Serialize;
use serde_json::{json, Map, Value};

use super::RenderOptions;
use crate::model::{Finding, FindingKind, Report, Severity};
use crate::rules::controls::controls_of;

/// The OCSF version the events follow.
pub const OCSF_VERSION: &str = "1.3.0";
/// Compliance Finding.
pub const CLASS_UID: u32 = 2003;
/// Findings.
pub const CATEGORY_UID: u32 = 2;
/// `activity_id`: Create.
const ACTIVITY_CREATE: u32 = 1;

/// One Compliance Finding event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComplianceFinding {
    /// [`CLASS_UID`].
    pub class_uid: u32,
    /// `Compliance Finding`.
    pub class_name: &'static str,
    /// [`CATEGORY_UID`].
    pub category_uid: u32,
    /// `Findings`.
    pub category_name: &'static str,
    /// Create: each run reports what it found.
    pub activity_id: u32,
    /// `Create`.
    pub activity_name: &'static str,
    /// `class_uid * 100 + activity_id`.
    pub type_uid: u32,
    /// `Compliance Finding: Create`.
    pub type_name: &'static str,
    /// The run's time, in milliseconds since the epoch.
    pub time: u64,
    /// 1 (informational) to 5 (critical).
    pub severity_id: u8,
    /// Its caption.
    pub severity: &'static str,
    /// New: open findings only are reported.
    pub status_id: u8,
    /// `New`.
    pub status: &'static str,
    /// The finding's message.
    pub message: String,
    /// What the finding is.
    pub finding_info: Value,
    /// The control checked and its result.
    pub compliance: Value,
    /// The resource.
    pub resources: Vec<Value>,
    /// The cloud profile: provider, account and region.
    pub cloud: Value,
    /// The product that made it.
    pub metadata: Value,
    /// What to do, where a control says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation: Option<Value>,
    /// What OCSF has no attribute for.
    pub unmapped: Value,
}

fn severity(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// The event of `finding` in `report`, at `time_ms`.
pub fn event(report: &Report, finding: &Finding, time_ms: u64, version: &str) -> ComplianceFinding {
    let (severity_id, severity_caption) = severity(finding.severity);
    let rule = super::rule_id(finding);
    let controls = finding.rule_id.as_deref().map_or(&[][..], controls_of);
    let region = super::asff::import_region(report, &finding.region).to_string();
    let mut standards: Vec<&str> = controls.iter().map(|c| c.standard.title()).collect();
    standards.dedup();
    let mut compliance = json!({
        "control": finding.rule_id.as_deref().unwrap_or("baseline"),
        "status_id": 3,
        "standards": standards,
        "requirements": controls.iter().map(|c| c.label()).collect::<Vec<_>>(),
    });
    if finding.kind == FindingKind::Compliance {
        compliance["desc"] = json!(crate::rules::rule(&rule).map(|r| r.rationale));
    }
    let mut resource = json!({
        "uid": super::asff::resource_id(
            finding.arn.as_deref(),
            finding.physical_id.as_deref(),
            finding.resource_type,
            &finding.logical_name,
        ),
        "name": finding.logical_name,
        "type": crate::services::kind(finding.resource_type).asff_type,
        "region": region,
        "cloud_partition": super::asff::partition_of(&region),
        "labels": [format!("environment:{}", finding.environment), format!("kind:{}", finding.resource_type)],
    });
    if let Some(id) = &finding.physical_id {
        resource["data"] = json!({ "physical_id": id });
    }
    let mut cloud = json!({ "provider": "AWS", "region": region });
    if let Some(account) = &report.account {
        cloud["account"] =
            json!({ "uid": account, "type_id": 10, "type": "AWS Account", "name": account });
    }
    ComplianceFinding {
        class_uid: CLASS_UID,
        class_name: "Compliance Finding",
        category_uid: CATEGORY_UID,
        category_name: "Findings",
        activity_id: ACTIVITY_CREATE,
        activity_name: "Create",
        type_uid: CLASS_UID * 100 + ACTIVITY_CREATE,
        type_name: "Compliance Finding: Create",
        time: time_ms,
        severity_id,
        severity: severity_caption,
        status_id: 1,
        status: "New",
        message: finding.message.clone(),
        finding_info: finding_info(report, finding, &rule, time_ms),
        compliance,
        resources: vec![resource],
        cloud,
        metadata: json!({
            "version": OCSF_VERSION,
            "product": {
                "name": "driftscan",
                "vendor_name": "driftscan",
                "version": version,
                "url_string": env!("CARGO_PKG_REPOSITORY"),
            },
            "event_code": rule,
        }),
        remediation: controls.first().map(|c| {
            json!({
                "desc": super::asff::fix_for(c),
                "references": controls.iter().map(|c| c.url()).collect::<Vec<_>>(),
            })
        }),
        unmapped: unmapped(finding),
    }
}

/// What the finding is; first seen when the findings ledger remembers it, last seen now.
fn finding_info(report: &Report, finding: &Finding, rule: &str, time_ms: u64) -> Value {
    let mut info = json!({
        "uid": finding.fingerprint,
        "title": format!("{rule}: {} {}", finding.resource_type, finding.logical_name),
        "desc": finding.message,
        "types": [finding.kind.as_str()],
        "last_seen_time": time_ms,
    });
    if let Some(seen) = report.first_seen.get(&finding.identity()) {
        info["first_seen_time"] = json!(seen.saturating_mul(1000));
    }
    info
}

/// The expected and actual values, the path, the finding's kind and identity, and who changed
/// it.
fn unmapped(finding: &Finding) -> Value {
    let mut out = Map::new();
    out.insert("driftscan_kind".into(), json!(finding.kind));
    out.insert("identity".into(), json!(finding.identity()));
    out.insert("environment".into(), json!(finding.environment));
    for (key, value) in [
        ("path", finding.path.as_ref().map(|p| json!(p))),
        ("expected", finding.expected.clone()),
        ("actual", finding.actual.clone()),
        (
            "attribution",
            finding.attribution.as_ref().map(|a| json!(a)),
        ),
    ] {
        if let Some(value) = value {
            out.insert(key.into(), value);
        }
    }
    Value::Object(out)
}

/// Every finding of `reports` as events, at `time_ms`.
pub fn events(
    reports: &[&Report],
    time_ms: u64,
    options: &RenderOptions,
) -> Vec<ComplianceFinding> {
    reports
        .iter()
        .flat_map(|report| {
            report
                .findings
                .iter()
                .map(|f| event(report, f, time_ms, &options.version))
        })
        .collect()
}

/// A JSON array of events.
pub fn render(reports: &[&Report], time_ms: u64, options: &RenderOptions) -> String {
    let mut out =
        serde_json::to_string_pretty(&events(reports, time_ms, options)).expect("OCSF serializes");
    out.push('\n');
    out
}

/// One event per line (JSON Lines), as Security Lake's custom sources and most pipelines load.
pub fn render_lines(reports: &[&Report], time_ms: u64, options: &RenderOptions) -> String {
    events(reports, time_ms, options)
        .iter()
        .map(|event| serde_json::to_string(event).expect("OCSF serializes") + "\n")
        .collect()
}

//! The AWS Security Finding Format (ASFF), as AWS Security Hub imports it with
//! `BatchImportFindings`: one document per finding of a scan, in the account and region of the
//! resource, under the account's default product
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html>).
//!
//! A finding keeps its `Id` while its values change (the id comes from the finding's identity),
//! so Security Hub updates it in place; a finding that resolves is sent again `ARCHIVED`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::alert::Remembered;
use crate::model::{Finding, FindingKind, Report, ResourceKind, Severity, GLOBAL_REGION};
use crate::rules::controls::{controls_of, Control, Standard};

/// The one published ASFF schema version.
pub const SCHEMA_VERSION: &str = "2018-10-08";
/// Longest `Title` Security Hub takes.
pub const TITLE_MAX_CHARS: usize = 256;
/// Longest `Description` Security Hub takes.
pub const DESCRIPTION_MAX_CHARS: usize = 1024;
/// Longest `ProductFields` value Security Hub takes.
pub const PRODUCT_FIELD_MAX_CHARS: usize = 2048;
/// Longest `Remediation.Recommendation.Text` Security Hub takes.
pub const RECOMMENDATION_MAX_CHARS: usize = 512;

/// Why a report's findings cannot be written as ASFF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsffError {
    /// ASFF names the account of every finding; the snapshot did not know it.
    #[error(
        "{0}: the AWS account it was read in is unknown, and ASFF names it: set `account` for \
         the environment in driftscan.yaml, or scan with credentials STS can name"
    )]
    UnknownAccount(String),
    /// A comparison's differences belong to no one account's Security Hub.
    #[error("{0}: a comparison has no ASFF findings (each import names one account)")]
    Comparison(String),
}

/// One ASFF finding (the attributes driftscan fills; Security Hub's names).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffFinding {
    /// [`SCHEMA_VERSION`].
    pub schema_version: &'static str,
    /// `driftscan/<environment>/<identity>`: the same while the finding stays open.
    pub id: String,
    /// The account's default product.
    pub product_arn: String,
    /// `driftscan/rule/<rule>`, or `driftscan/baseline/<drift|missing|unmanaged>`.
    pub generator_id: String,
    /// The account the resource lives in.
    pub aws_account_id: String,
    /// Where the finding is imported (a global resource's: the scan's first region).
    pub region: String,
    /// Namespace/category paths of the ASFF types taxonomy.
    pub types: Vec<String>,
    /// When the finding was first seen (RFC 3339).
    pub created_at: String,
    /// This run's time.
    pub updated_at: String,
    /// Its severity.
    pub severity: AsffSeverity,
    /// What the provider says of severity and types (Security Hub's preferred place).
    pub finding_provider_fields: ProviderFields,
    /// One line.
    pub title: String,
    /// What was found, and who changed it when known.
    pub description: String,
    /// What to do.
    pub remediation: Remediation,
    /// Everything else driftscan knows: `driftscan/...` keys.
    pub product_fields: BTreeMap<String, String>,
    /// The resource.
    pub resources: Vec<AsffResource>,
    /// FAILED while open, PASSED once resolved; the controls it checks.
    pub compliance: Compliance,
    /// NEW on import (Security Hub sets RESOLVED itself when the record is archived).
    pub workflow: Workflow,
    /// ACTIVE while open, ARCHIVED once resolved.
    pub record_state: &'static str,
}

/// `Severity`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffSeverity {
    /// `CRITICAL` ... `INFORMATIONAL`.
    pub label: &'static str,
    /// driftscan's own word.
    pub original: &'static str,
}

/// `FindingProviderFields`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProviderFields {
    /// As [`AsffFinding::severity`].
    pub severity: AsffSeverity,
    /// As [`AsffFinding::types`].
    pub types: Vec<String>,
}

/// `Remediation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Remediation {
    /// The recommendation.
    pub recommendation: Recommendation,
}

/// `Remediation.Recommendation`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recommendation {
    /// What to do.
    pub text: String,
    /// The control's documentation, when the rule implements one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// One of `Resources`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AsffResource {
    /// The kind's ASFF type ([`crate::kinds::KindDef::asff_type`]).
    #[serde(rename = "Type")]
    pub resource_type: &'static str,
    /// Its ARN, else its id, else `<kind>/<logical name>` for one that does not exist.
    pub id: String,
    /// `aws`, or the partition of its ARN.
    pub partition: String,
    /// Its region.
    pub region: String,
}

/// `Compliance`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Compliance {
    /// `FAILED` or `PASSED`.
    pub status: &'static str,
    /// The first control the rule implements (`EC2.19`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_control_id: Option<&'static str>,
    /// Every control, with its standard (`AWS Foundational Security Best Practices EC2.19`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_requirements: Vec<String>,
    /// The standards of those controls.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associated_standards: Vec<AssociatedStandard>,
}

/// `Compliance.AssociatedStandards[]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociatedStandard {
    /// The standard's ARN resource part (`standards/aws-foundational-security-best-practices/v/1.0.0`).
    pub standards_id: &'static str,
}

/// `Workflow`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Workflow {
    /// `NEW` or `RESOLVED`.
    pub status: &'static str,
}

/// The account's own product, which every account may import into without registering
/// (<https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html#ProductArn>).
pub fn default_product_arn(partition: &str, region: &str, account: &str) -> String {
    format!("arn:{partition}:securityhub:{region}:{account}:product/{account}/default")
}

/// The partition of `region` (`aws-cn` for China, `aws-us-gov` for GovCloud, else `aws`).
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The region a finding is imported in: its resource's, a global one's in the report's first
/// region.
pub fn import_region<'a>(report: &'a Report, region: &'a str) -> &'a str {
    if region.is_empty() || region == GLOBAL_REGION {
        report.regions.first().map_or(region, String::as_str)
    } else {
        region
    }
}

/// The account ASFF names for `report`'s findings, or why there is none.
pub fn account_of(report: &Report) -> Result<&str, AsffError> {
    if report.command == "compare" {
        return Err(AsffError::Comparison(report.environment.clone()));
    }
    report
        .account
        .as_deref()
        .ok_or_else(|| AsffError::UnknownAccount(report.environment.clone()))
}

/// The ASFF id of the finding with `identity` in `environment`.
pub fn finding_id(environment: &str, identity: &str) -> String {
    format!("driftscan/{environment}/{identity}")
}

/// RFC 3339 in UTC to the millisecond, as ASFF's examples write times.
pub fn timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// Every finding of `report` as an open (ACTIVE, FAILED) ASFF finding at `now`;
/// `first_seen` gives the time a finding was first seen by its identity, where known.
pub fn findings(
    report: &Report,
    now: time::OffsetDateTime,
    first_seen: &dyn Fn(&str) -> Option<time::OffsetDateTime>,
) -> Result<Vec<AsffFinding>, AsffError> {
    let account = account_of(report)?;
    Ok(report
        .findings
        .iter()
        .map(|f| {
            open(
                report,
                account,
                f,
                now,
                first_seen(&f.identity()).unwrap_or(now),
            )
        })
        .collect())
}

/// The open ASFF finding of `finding`.
pub fn open(
    report: &Report,
    account: &str,
    finding: &Finding,
    now: time::OffsetDateTime,
    created: time::OffsetDateTime,
) -> AsffFinding {
    let region = import_region(report, &finding.region).to_string();
    let generator = generator_of(finding.kind, finding.rule_id.as_deref());
    let controls = finding.rule_id.as_deref().map_or(&[][..], controls_of);
    let description = match finding.attribution_line() {
        Some(line) => format!("{} ({line})", finding.message),
        None => finding.message.clone(),
    };
    let resource = AsffResource {
        resource_type: crate::services::kind(finding.resource_type).asff_type,
        id: resource_id(
            finding.arn.as_deref(),
            finding.physical_id.as_deref(),
            finding.resource_type,
            &finding.logical_name,
        ),
        partition: partition_of(&region).to_string(),
        region: region.clone(),
    };
    let mut document = skeleton(Skeleton {
        account,
        region,
        environment: &finding.environment,
        identity: &finding.identity(),
        generator,
        severity: finding.severity,
        controls,
        title: format!(
            "{}: {} {}",
            crate::report::rule_id(finding),
            finding.resource_type,
            finding.logical_name
        ),
        description,
        resource,
        created,
        now,
    });
    document.product_fields = product_fields(finding);
    document
}

/// The ARCHIVED (PASSED) ASFF finding of a remembered finding that resolved in `report`.
pub fn archived(
    report: &Report,
    account: &str,
    resolved: &Remembered,
    now: time::OffsetDateTime,
) -> AsffFinding {
    let region = import_region(report, &resolved.region).to_string();
    let (kind, rule) = label_parts(&resolved.label);
    let logical_name = resolved.label.split(' ').nth(1).unwrap_or_default();
    let controls = rule.map_or(&[][..], controls_of);
    let resource = AsffResource {
        resource_type: crate::services::kind(resolved.resource_type).asff_type,
        id: resource_id(
            resolved.arn.as_deref(),
            resolved.physical_id.as_deref(),
            resolved.resource_type,
            logical_name,
        ),
        partition: partition_of(&region).to_string(),
        region: region.clone(),
    };
    let created = resolved
        .first_seen
        .and_then(crate::clock::at_secs)
        .unwrap_or(now);
    let mut document = skeleton(Skeleton {
        account,
        region,
        environment: &report.environment,
        identity: &resolved.identity,
        generator: generator_of(kind, rule),
        severity: resolved.severity,
        controls,
        title: format!(
            "{}: {} {logical_name}",
            rule.unwrap_or(kind.as_str()),
            resolved.resource_type
        ),
        description: format!("Resolved: {}", resolved.label),
        resource,
        created,
        now,
    });
    document.record_state = "ARCHIVED";
    document.compliance.status = "PASSED";
    document.workflow.status = "RESOLVED";
    document
}

/// A remembered finding's kind and rule, from its label (`drift db-{env} ...`,
/// `compliance db-{env} rule:storage-encrypted`).
fn label_parts(label: &str) -> (FindingKind, Option<&str>) {
    let kind = label
        .split(' ')
        .next()
        .and_then(|k| serde_json::from_value(serde_json::Value::from(k)).ok())
        .unwrap_or(FindingKind::Drift);
    let rule = label.split(' ').find_map(|part| part.strip_prefix("rule:"));
    (kind, rule)
}

/// What every ASFF finding of driftscan's is built from.
struct Skeleton<'a> {
    account: &'a str,
    region: String,
    environment: &'a str,
    identity: &'a str,
    generator: String,
    severity: Severity,
    controls: &'static [Control],
    title: String,
    description: String,
    resource: AsffResource,
    created: time::OffsetDateTime,
    now: time::OffsetDateTime,
}

fn skeleton(parts: Skeleton<'_>) -> AsffFinding {
    let severity = AsffSeverity {
        label: severity_label(parts.severity),
        original: parts.severity.as_str(),
    };
    let types = types_of(&parts.generator, parts.controls);
    let partition = partition_of(&parts.region);
    let mut standards: Vec<&'static str> = parts
        .controls
        .iter()
        .map(|c| c.standard.security_hub_id())
        .collect();
    standards.dedup();
    AsffFinding {
        schema_version: SCHEMA_VERSION,
        id: finding_id(parts.environment, parts.identity),
        product_arn: default_product_arn(partition, &parts.region, parts.account),
        generator_id: parts.generator,
        aws_account_id: parts.account.to_string(),
        region: parts.region.clone(),
        types: types.clone(),
        created_at: timestamp(parts.created),
        updated_at: timestamp(parts.now),
        severity: severity.clone(),
        finding_provider_fields: ProviderFields { severity, types },
        title: clip(&parts.title, TITLE_MAX_CHARS),
        description: clip(&parts.description, DESCRIPTION_MAX_CHARS),
        remediation: Remediation {
            recommendation: recommendation(parts.controls),
        },
        product_fields: BTreeMap::from([(
            "driftscan/Environment".to_string(),
            parts.environment.to_string(),
        )]),
        resources: vec![parts.resource],
        compliance: Compliance {
            status: "FAILED",
            security_control_id: parts
                .controls
                .iter()
                .find(|c| c.standard == Standard::Fsbp)
                .map(|c| c.id),
            related_requirements: parts.controls.iter().map(Control::requirement).collect(),
            associated_standards: standards
                .into_iter()
                .map(|standards_id| AssociatedStandard { standards_id })
                .collect(),
        },
        workflow: Workflow { status: "NEW" },
        record_state: "ACTIVE",
    }
}

/// `driftscan/rule/<rule>` or `driftscan/baseline/<kind>`.
fn generator_of(kind: FindingKind, rule: Option<&str>) -> String {
    match rule {
        Some(rule) if kind == FindingKind::Compliance => format!("driftscan/rule/{rule}"),
        _ => format!("driftscan/baseline/{kind}"),
    }
}

/// The ASFF types: a rule's under AWS security best practices (and its standards'), a drift's
/// under software and configuration checks
/// (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-type-taxonomy.html>).
fn types_of(generator: &str, controls: &[Control]) -> Vec<String> {
    const CHECKS: &str = "Software and Configuration Checks";
    let mut types = Vec::new();
    if generator.starts_with("driftscan/rule/") {
        types.push(format!("{CHECKS}/AWS Security Best Practices"));
    } else {
        types.push(CHECKS.to_string());
    }
    for control in controls {
        let path = format!(
            "{CHECKS}/Industry and Regulatory Standards/{}",
            control.standard.asff_category()
        );
        if !types.contains(&path) {
            types.push(path);
        }
    }
    types
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    }
}

/// What to do about a finding of a rule that implements `control` (ASFF's recommendation,
/// OCSF's remediation).
pub(crate) fn fix_for(control: &Control) -> String {
    format!(
        "Fix the setting {} checks, or declare the exception in the baseline.",
        control.label()
    )
}

fn recommendation(controls: &[Control]) -> Recommendation {
    let text = match controls.first() {
        Some(control) => fix_for(control),
        None => "Bring the resource back to its baseline, or record the change in the baseline if it was intended.".to_string(),
    };
    Recommendation {
        text: clip(&text, RECOMMENDATION_MAX_CHARS),
        url: controls.first().map(Control::url),
    }
}

/// The resource's id in ASFF and OCSF: its ARN, else its id, else `<kind>/<logical name>`.
pub(crate) fn resource_id(
    arn: Option<&str>,
    physical_id: Option<&str>,
    kind: ResourceKind,
    logical_name: &str,
) -> String {
    arn.or(physical_id)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{kind}/{logical_name}"))
}

/// `driftscan/...` product fields: what ASFF has no attribute for.
fn product_fields(finding: &Finding) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::from([
        (
            "driftscan/Environment".to_string(),
            finding.environment.clone(),
        ),
        ("driftscan/Kind".to_string(), finding.kind.to_string()),
        (
            "driftscan/ResourceKind".to_string(),
            finding.resource_type.to_string(),
        ),
        (
            "driftscan/LogicalName".to_string(),
            finding.logical_name.clone(),
        ),
        (
            "driftscan/Fingerprint".to_string(),
            finding.fingerprint.clone(),
        ),
    ]);
    let mut put = |key: &str, value: String| {
        fields.insert(
            format!("driftscan/{key}"),
            clip(&value, PRODUCT_FIELD_MAX_CHARS),
        );
    };
    if let Some(path) = &finding.path {
        put("Path", path.clone());
    }
    if let Some(expected) = &finding.expected {
        put("Expected", expected.to_string());
    }
    if let Some(actual) = &finding.actual {
        put("Actual", actual.to_string());
    }
    if let Some(change) = finding.attribution.as_ref().and_then(|a| a.change()) {
        put("ChangedBy", change.principal.short_name());
        put("ChangeEvent", change.event.name.clone());
        put("ChangedAt", change.event.time.clone());
        put("ChangeSource", change.source.as_str().to_string());
    }
    fields
}

/// `text` cut to `max` characters, the cut marked with `…`.
fn clip(text: &str, max: usize) -> String {
    crate::report::truncate(text, max)
}

/// The findings of every report as one JSON array of ASFF findings (what
/// `aws securityhub batch-import-findings --findings` takes), at `now_ms`. A report ASFF
/// cannot name the account of ([`account_of`]) is left out: callers check first.
pub fn render(reports: &[&Report], now_ms: u64) -> String {
    let now = crate::clock::at_millis(now_ms);
    let all: Vec<AsffFinding> = reports
        .iter()
        .filter_map(|report| {
            let first_seen =
                |identity: &str| crate::clock::at_secs(*report.first_seen.get(identity)?);
            findings(report, now, &first_seen).ok()
        })
        .flatten()
        .collect();
    let mut out = serde_json::to_string_pretty(&all).expect("ASFF findings serialize");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Finding;

    fn at(seconds: i64) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp(seconds).unwrap()
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut report = crate::testing::scan_report("prod", findings, vec![]);
        report.account = Some("111122223333".into());
        report.regions = vec!["eu-west-1".into()];
        report
    }

    /// prod's database group open to the world, in eu-west-1.
    fn open_group() -> Finding {
        Finding {
            attribution: None,
            fingerprint: String::new(),
            kind: FindingKind::Compliance,
            severity: Severity::Critical,
            environment: "prod".into(),
            region: "eu-west-1".into(),
            resource_type: ResourceKind::SecurityGroup,
            logical_name: "db-{env}".into(),
            physical_id: Some("sg-0123".into()),
            arn: Some("arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123".into()),
            path: Some("properties.ingress".into()),
            expected: None,
            actual: Some(serde_json::json!(["0.0.0.0/0"])),
            rule_id: Some("db-ingress-from-anywhere".into()),
            message: "tcp 5432 is open to 0.0.0.0/0".into(),
            source: None,
        }
        .with_fingerprint()
    }

    #[test]
    fn an_open_finding_is_a_valid_asff_finding_of_the_account_default_product() {
        let report = report(vec![open_group()]);
        let all = findings(&report, at(1_796_000_000), &|_| Some(at(1_795_000_000))).unwrap();
        let document = serde_json::to_value(&all[0]).unwrap();
        for required in [
            "AwsAccountId",
            "CreatedAt",
            "Description",
            "GeneratorId",
            "Id",
            "ProductArn",
            "Resources",
            "SchemaVersion",
            "Severity",
            "Title",
            "Types",
            "UpdatedAt",
        ] {
            assert!(document.get(required).is_some(), "{required} is required");
        }
        assert_eq!(document["SchemaVersion"], "2018-10-08");
        assert_eq!(
            document["ProductArn"],
            "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"
        );
        assert_eq!(
            document["GeneratorId"],
            "driftscan/rule/db-ingress-from-anywhere"
        );
        assert_eq!(document["CreatedAt"], "2026-11-18T11:06:40.000Z");
        assert_eq!(document["UpdatedAt"], "2026-11-30T00:53:20.000Z");
        assert_eq!(document["Resources"][0]["Type"], "AwsEc2SecurityGroup");
        assert_eq!(
            document["Resources"][0]["Id"],
            "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-0123"
        );
        assert_eq!(document["Compliance"]["Status"], "FAILED");
        assert_eq!(document["Compliance"]["SecurityControlId"], "EC2.19");
        assert_eq!(
            document["Compliance"]["AssociatedStandards"][0]["StandardsId"],
            "standards/aws-foundational-security-best-practices/v/1.0.0"
        );
        assert_eq!(
            document["Types"],
            serde_json::json!([
                "Software and Configuration Checks/AWS Security Best Practices",
                "Software and Configuration Checks/Industry and Regulatory Standards/AWS Foundational Security Best Practices"
            ])
        );
        assert_eq!(document["RecordState"], "ACTIVE");
        assert_eq!(document["Workflow"]["Status"], "NEW");
    }

    #[test]
    fn a_finding_keeps_its_id_when_its_values_change_and_archives_under_it() {
        let first = open_group();
        let mut changed = open_group();
        changed.actual = Some(serde_json::json!(["0.0.0.0/0", "10.0.0.0/8"]));
        let changed = changed.with_fingerprint();
        assert_ne!(first.fingerprint, changed.fingerprint);
        let now = at(1_796_000_000);
        let report = report(vec![first.clone()]);
        let (a, b) = (
            open(&report, "111122223333", &first, now, now),
            open(&report, "111122223333", &changed, now, now),
        );
        assert_eq!(a.id, b.id);
        let gone = archived(&report, "111122223333", &Remembered::of(&first), now);
        assert_eq!(gone.id, a.id);
        assert_eq!(
            gone.resources, a.resources,
            "archived naming the same resource"
        );
        assert_eq!(gone.generator_id, a.generator_id);
        assert_eq!(
            (gone.record_state, gone.compliance.status),
            ("ARCHIVED", "PASSED")
        );
    }

    #[test]
    fn long_text_is_cut_to_security_hub_limits_and_global_findings_import_in_the_first_region() {
        let mut finding = open_group();
        finding.region = GLOBAL_REGION.into();
        finding.message = "x".repeat(5000);
        finding.actual = Some(serde_json::json!("y".repeat(5000)));
        let report = report(vec![finding.clone()]);
        let now = at(1_796_000_000);
        let document = open(&report, "111122223333", &finding, now, now);
        assert_eq!(document.description.chars().count(), DESCRIPTION_MAX_CHARS);
        assert!(document
            .product_fields
            .values()
            .all(|v| v.chars().count() <= PRODUCT_FIELD_MAX_CHARS));
        assert!(
            document.product_fields.len() <= 50,
            "ASFF takes at most 50 product fields"
        );
        assert_eq!(document.region, "eu-west-1");
        assert_eq!(document.resources[0].region, "eu-west-1");
    }

    #[test]
    fn a_report_without_an_account_or_a_comparison_is_refused() {
        let mut unknown = report(vec![open_group()]);
        unknown.account = None;
        assert_eq!(
            account_of(&unknown),
            Err(AsffError::UnknownAccount("prod".into()))
        );
        let mut compared = report(vec![]);
        compared.command = "compare".into();
        assert!(matches!(
            account_of(&compared),
            Err(AsffError::Comparison(_))
        ));
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }
}

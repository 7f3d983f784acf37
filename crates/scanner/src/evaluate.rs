//! The pure core of `driftscan scan`: snapshot and baseline in, findings out. No AWS calls.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::baseline::{
    expect, Baseline, IgnoreRule, Mismatch, ResourceExpectation, ResourceKey, TagCheck,
    AWS_TAG_PREFIX,
};
use crate::model::{
    Finding, FindingKind, Report, Resource, ResourceKind, Severity, Snapshot, SourceRef,
    REPORT_SCHEMA,
};
use crate::rules::{self, RuleConfigError};

/// Default severity of drift on a declared field.
pub const DRIFT_SEVERITY: Severity = Severity::Medium;
/// Default severity of a declared resource that is missing, or present when it must not be.
pub const MISSING_SEVERITY: Severity = Severity::High;

/// Evaluates `snapshot` against `baseline` on `today` (for ignore expiry): drift, missing and
/// unmanaged resources, and compliance rules. Findings about resource kinds the snapshot could
/// not read are never produced.
pub fn evaluate(
    snapshot: &Snapshot,
    baseline: &Baseline,
    today: (i32, u32, u32),
) -> Result<Report, RuleConfigError> {
    let (active_ignores, expired): (Vec<_>, Vec<_>) =
        baseline.ignores.iter().partition(|i| !i.expired(today));
    let run = Evaluation {
        snapshot,
        baseline,
        active_ignores,
    };
    let mut findings = Vec::new();
    let mut live: HashMap<ResourceKey, Vec<&Resource>> = HashMap::new();
    for resource in &snapshot.resources {
        live.entry(key_of(resource)).or_default().push(resource);
    }
    for (key, expected) in &baseline.resources {
        let matches: Vec<&Resource> = live
            .get(key)
            .into_iter()
            .flatten()
            .copied()
            .filter(|r| {
                expected
                    .region
                    .as_ref()
                    .is_none_or(|region| &r.region == region)
            })
            .collect();
        findings.extend(run.declared(key, expected, &matches));
    }
    findings.extend(run.unmanaged());
    findings.extend(rules::evaluate(snapshot, baseline, today)?);

    Ok(Report {
        schema: REPORT_SCHEMA.to_string(),
        command: "scan".into(),
        environment: snapshot.environment.clone(),
        regions: snapshot.regions.clone(),
        account: snapshot.account.clone(),
        complete: snapshot.complete,
        failures: snapshot.failures.clone(),
        deleted_during_scan: snapshot.deleted_during_scan.clone(),
        baseline_files: baseline.shown_files().map(str::to_string).collect(),
        expired_ignores: expired.iter().map(|i| expired_ignore(i)).collect(),
        counts: Default::default(),
        duration_ms: 0,
        findings,
        parity: None,
        resolved_by: Default::default(),
        first_seen: Default::default(),
    }
    .finalize(snapshot.resources.len()))
}

/// `baselines/staging.yaml:12: security-group/db-{env} properties.ingress (expired 2026-01-31)`.
fn expired_ignore(ignore: &IgnoreRule) -> String {
    let (year, month, day) = ignore.expires.unwrap_or((0, 0, 0));
    format!(
        "{}:{}: {} {} (expired {year:04}-{month:02}-{day:02})",
        ignore.source.file, ignore.source.line, ignore.resource, ignore.path
    )
}

/// One evaluation's inputs.
struct Evaluation<'a> {
    snapshot: &'a Snapshot,
    baseline: &'a Baseline,
    active_ignores: Vec<&'a IgnoreRule>,
}

impl Evaluation<'_> {
    /// The findings about one declared resource and the live resources matching it.
    fn declared(
        &self,
        key: &ResourceKey,
        expected: &ResourceExpectation,
        matches: &[&Resource],
    ) -> Vec<Finding> {
        if !expected.exists {
            return matches
                .iter()
                .map(|resource| self.forbidden(key, expected, resource))
                .collect();
        }
        if matches.is_empty() {
            return self.missing(key, expected).into_iter().collect();
        }
        matches
            .iter()
            .flat_map(|resource| self.drift(key, expected, resource))
            .collect()
    }

    /// A resource the baseline says must not exist.
    fn forbidden(
        &self,
        key: &ResourceKey,
        expected: &ResourceExpectation,
        resource: &Resource,
    ) -> Finding {
        let severity = expected.severity.unwrap_or(MISSING_SEVERITY);
        Finding {
            physical_id: Some(resource.id.clone()),
            arn: resource.arn.clone(),
            expected: Some(json!({"exists": false})),
            actual: Some(json!({"exists": true})),
            message: format!(
                "{} {} exists but the baseline says it must not",
                key.kind, resource.name
            ),
            source: Some(expected.source.clone()),
            ..finding(
                FindingKind::Drift,
                severity,
                self.env(),
                &resource.region,
                key,
            )
        }
        .with_fingerprint()
    }

    /// A declared resource that is not there, when its kind was read completely.
    fn missing(&self, key: &ResourceKey, expected: &ResourceExpectation) -> Option<Finding> {
        let knowable = match &expected.region {
            Some(region) => self.snapshot.kind_is_complete(region, key.kind),
            None => self.snapshot.kind_is_complete_everywhere(key.kind),
        };
        let region = expected.region.as_deref().unwrap_or("");
        let severity = expected.severity.unwrap_or(MISSING_SEVERITY);
        knowable.then(|| {
            Finding {
                expected: Some(json!({"exists": true})),
                actual: Some(json!({"exists": false})),
                message: format!("{key} is declared but does not exist"),
                source: Some(expected.source.clone()),
                ..finding(FindingKind::Missing, severity, self.env(), region, key)
            }
            .with_fingerprint()
        })
    }

    /// Each declared field (and, with exact tags, each undeclared tag) that differs.
    fn drift(
        &self,
        key: &ResourceKey,
        expected: &ResourceExpectation,
        resource: &Resource,
    ) -> Vec<Finding> {
        let severity = expected.severity.unwrap_or(DRIFT_SEVERITY);
        let mut findings = Vec::new();
        for (mismatch, source, followers) in
            fold_followers(key.kind, self.mismatches(expected, resource))
        {
            let Mismatch {
                path,
                expected: want,
                actual,
            } = mismatch;
            if self.active_ignores.iter().any(|i| i.covers(key, &path)) {
                continue;
            }
            let mut message = describe(&path, &want, actual.as_ref());
            if !followers.is_empty() {
                message.push_str(&format!(" (changed with it: {})", followers.join(", ")));
            }
            findings.push(
                Finding {
                    physical_id: Some(resource.id.clone()),
                    arn: resource.arn.clone(),
                    path: Some(path),
                    expected: Some(want),
                    actual: Some(actual.unwrap_or(Value::Null)),
                    message: format!("{}: {message}", resource.name),
                    source: Some(source),
                    ..finding(
                        FindingKind::Drift,
                        severity,
                        self.env(),
                        &resource.region,
                        key,
                    )
                }
                .with_fingerprint(),
            );
        }
        findings
    }

    /// Every declared field's mismatches with where each is declared, then undeclared tags.
    fn mismatches(
        &self,
        expected: &ResourceExpectation,
        resource: &Resource,
    ) -> Vec<(Mismatch, SourceRef)> {
        let document = resource_document(resource);
        let mut mismatches: Vec<(Mismatch, SourceRef)> = Vec::new();
        for (field_path, field) in &expected.fields {
            let mut found = Vec::new();
            field.check(field_path, lookup(&document, field_path), &mut found);
            if !found.is_empty() {
                // Only a mismatch needs its source: most fields match.
                let source = self.baseline.source_of(field);
                mismatches.extend(found.into_iter().map(|m| (m, source.clone())));
            }
        }
        if expected.tags == TagCheck::Exact {
            for (tag, value) in &resource.tags {
                let path = format!("tags.{tag}");
                if !tag.starts_with(AWS_TAG_PREFIX) && !expected.fields.contains_key(path.as_str())
                {
                    let mismatch = Mismatch {
                        path,
                        expected: expect::absent(),
                        actual: Some(Value::String(value.clone())),
                    };
                    mismatches.push((mismatch, expected.source.clone()));
                }
            }
        }
        mismatches
    }

    /// Live resources of completely read kinds that no baseline declares or ignores.
    fn unmanaged(&self) -> Vec<Finding> {
        let (snapshot, baseline) = (self.snapshot, self.baseline);
        let fallback_source = baseline.files.last().map(|f| SourceRef {
            file: f.display().to_string().into(),
            line: 1,
        });
        snapshot
            .resources
            .iter()
            .filter_map(|resource| {
                let key = key_of(resource);
                let unmanaged = !baseline.resources.contains_key(&key)
                    && !baseline.unmanaged_ignored(&key)
                    && snapshot.kind_is_complete(&resource.region, resource.kind);
                unmanaged.then(|| {
                    Finding {
                        physical_id: Some(resource.id.clone()),
                        arn: resource.arn.clone(),
                        message: format!(
                            "{} {} ({}) is declared in no baseline",
                            resource.kind, resource.name, resource.id
                        ),
                        source: fallback_source.clone(),
                        ..finding(
                            FindingKind::Unmanaged,
                            baseline.unmanaged_severity,
                            self.env(),
                            &resource.region,
                            &key,
                        )
                    }
                    .with_fingerprint()
                })
            })
            .collect()
    }

    fn env(&self) -> &str {
        &self.snapshot.environment
    }
}

fn key_of(resource: &Resource) -> ResourceKey {
    ResourceKey {
        kind: resource.kind,
        logical_name: resource.logical_name.clone(),
    }
}

/// The JSON form fields are looked up in: `properties` and `tags`.
fn resource_document(resource: &Resource) -> Value {
    json!({
        "properties": serde_json::to_value(&resource.properties).unwrap_or(Value::Null),
        "tags": resource.tags,
    })
}

/// Looks up `properties.a.b` or `tags.<key>` (tag keys may contain dots).
fn lookup<'a>(document: &'a Value, path: &str) -> Option<&'a Value> {
    if let Some(tag) = path.strip_prefix("tags.") {
        return document.get("tags")?.get(tag);
    }
    path.split('.')
        .try_fold(document, |value, segment| value.get(segment))
}

/// One change, one finding: where a leading field mismatches (an SSM parameter's `type`), the
/// mismatches of the fields that follow from it (`key_id`, `value`) are folded into its finding
/// and named there, instead of standing beside it.
fn fold_followers(
    kind: ResourceKind,
    mismatches: Vec<(Mismatch, SourceRef)>,
) -> Vec<(Mismatch, SourceRef, Vec<String>)> {
    let declared = crate::services::kind(kind).following_fields;
    let leaders: Vec<&[&str]> = declared
        .iter()
        .filter(|(leader, _)| mismatches.iter().any(|(m, _)| m.path == *leader))
        .map(|(_, followers)| *followers)
        .collect();
    let mut folded: Vec<(Mismatch, SourceRef, Vec<String>)> = Vec::new();
    let mut followed: Vec<String> = Vec::new();
    for (mismatch, source) in mismatches {
        if leaders.iter().any(|f| f.contains(&mismatch.path.as_str())) {
            followed.push(mismatch.path);
        } else {
            folded.push((mismatch, source, Vec::new()));
        }
    }
    if !followed.is_empty() {
        for (mismatch, _, followers) in &mut folded {
            let leads = declared.iter().any(|(leader, _)| mismatch.path == *leader);
            if leads {
                followers.append(&mut followed);
            }
        }
    }
    folded
}

fn describe(path: &str, expected: &Value, actual: Option<&Value>) -> String {
    if *expected == expect::absent() {
        if let Some(actual) = actual {
            return format!("{path} is {actual}; the baseline expects it absent");
        }
    }
    match (expected, actual) {
        (Value::Null, Some(actual)) => {
            format!("{path} has an element the baseline does not declare: {actual}")
        }
        (expected, None) => format!("{path} is missing; expected {expected}"),
        (expected, Some(actual)) => format!("{path} is {actual}; expected {expected}"),
    }
}

/// A finding about `key` with no field, values or source yet; callers fill what they know.
fn finding(
    kind: FindingKind,
    severity: Severity,
    environment: &str,
    region: &str,
    key: &ResourceKey,
) -> Finding {
    Finding {
        attribution: None,
        fingerprint: String::new(),
        kind,
        severity,
        environment: environment.to_string(),
        region: region.to_string(),
        resource_type: key.kind,
        logical_name: key.logical_name.clone(),
        physical_id: None,
        arn: None,
        path: None,
        expected: None,
        actual: None,
        rule_id: None,
        message: String::new(),
        source: None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::{Properties, ReadFailure, ResourceKind, SecurityGroupRule, Service};

    const TODAY: (i32, u32, u32) = (2026, 11, 26);

    fn cluster(retention: i32) -> Resource {
        crate::testing::db_cluster(retention, true, true)
    }

    fn group(name: &str) -> Resource {
        crate::testing::security_group(name, vec![crate::testing::tcp_rule(443, "10.0.0.0/16")])
    }

    fn snapshot(resources: Vec<Resource>, failures: Vec<ReadFailure>) -> Snapshot {
        crate::testing::snapshot_with_failures(resources, failures)
    }

    /// Only drift/missing/unmanaged: compliance rules off.
    fn baseline(text: &str) -> Baseline {
        let rules_off: String = crate::rules::RULES
            .iter()
            .map(|r| format!("  {}: {{enabled: false}}\n", r.id))
            .collect();
        Baseline::parse_str(
            &format!("driftscan: baseline/v1\n{text}\ncompliance:\n{rules_off}"),
            Path::new("prod.yaml"),
            "prod",
        )
        .expect("valid baseline")
    }

    const DECLARED: &str = "resources:\n  db-cluster/aurora-cluster-{env}:\n    properties:\n      backup_retention_period: {\">=\": 30}\n      engine: aurora-postgresql\n    tags:\n      Environment: \"{env}\"\n    extra_tags: allowed\n  security-group/app-{env}:\n    properties:\n      ingress:\n        - {protocol: tcp, from_port: 443, to_port: 443, peer: {cidr: 10.0.0.0/16}}\n";

    #[test]
    fn a_matching_environment_has_no_findings() {
        let report = evaluate(
            &snapshot(vec![cluster(30), group("app-prod")], vec![]),
            &baseline(DECLARED),
            TODAY,
        )
        .unwrap();
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        assert_eq!(report.counts.resources, 2);
    }

    #[test]
    fn drift_names_path_expected_actual_and_source_line() {
        let report = evaluate(
            &snapshot(vec![cluster(7), group("app-prod")], vec![]),
            &baseline(DECLARED),
            TODAY,
        )
        .unwrap();
        assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
        let f = &report.findings[0];
        assert_eq!(f.kind, FindingKind::Drift);
        assert_eq!(
            f.path.as_deref(),
            Some("properties.backup_retention_period")
        );
        assert_eq!(f.expected, Some(json!({">=": 30})));
        assert_eq!(f.actual, Some(json!(7)));
        assert_eq!(f.severity, DRIFT_SEVERITY);
        assert_eq!(f.source.as_ref().map(|s| s.line), Some(5));
        assert_eq!(f.physical_id.as_deref(), Some("aurora-cluster-prod"));
    }

    #[test]
    fn declared_tags_are_exact_but_for_aws_own() {
        let declared = "resources:\n  db-cluster/aurora-cluster-{env}:\n    tags: {Environment: \"{env}\", Project: trading-platform, ManagedBy: driftscan, CostCenter: platform}\n";
        let mut live = cluster(30);
        live.tags
            .insert("aws:cloudformation:stack-name".into(), "x".into());
        let report = evaluate(
            &snapshot(vec![live.clone()], vec![]),
            &baseline(declared),
            TODAY,
        )
        .unwrap();
        assert!(report.findings.is_empty(), "{:#?}", report.findings);

        live.tags.insert("Hacked".into(), "yes".into());
        live.tags.remove("CostCenter");
        let report = evaluate(
            &snapshot(vec![live.clone()], vec![]),
            &baseline(declared),
            TODAY,
        )
        .unwrap();
        let found: Vec<_> = report
            .findings
            .iter()
            .map(|f| {
                (
                    f.path.as_deref().unwrap_or(""),
                    f.expected.clone(),
                    f.actual.clone(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "tags.CostCenter",
                    Some(json!("platform")),
                    Some(Value::Null)
                ),
                (
                    "tags.Hacked",
                    Some(json!({"exists": false})),
                    Some(json!("yes"))
                ),
            ]
        );
        assert!(
            report.findings[1].message.contains("expects it absent"),
            "{}",
            report.findings[1].message
        );

        let at_least = format!("{}    extra_tags: allowed\n", declared);
        let report = evaluate(&snapshot(vec![live], vec![]), &baseline(&at_least), TODAY).unwrap();
        assert_eq!(
            report.findings.len(),
            1,
            "only the missing tag: {:#?}",
            report.findings
        );
    }

    #[test]
    fn a_parameter_turned_secure_is_one_finding() {
        let declared = "resources:\n  ssm-parameter//{env}/db-url:\n    properties: {type: String, key_id: null, value: \"postgres://db\", tier: Standard}\n";
        let parameter = |kind: &str, key: Option<&str>, value: Option<&str>| {
            crate::testing::resource(
                "/prod/db-url",
                Properties::SsmParameter(crate::model::SsmParameter {
                    parameter_type: kind.into(),
                    data_type: Some("text".into()),
                    version: 2,
                    last_modified: None,
                    tier: Some("Standard".into()),
                    key_id: key.map(Into::into),
                    description: None,
                    value: value.map(Into::into),
                    value_digest: None,
                }),
            )
        };
        let clean = parameter("String", None, Some("postgres://db"));
        let report = evaluate(&snapshot(vec![clean], vec![]), &baseline(declared), TODAY).unwrap();
        assert!(report.findings.is_empty(), "{:#?}", report.findings);
        let secure = parameter("SecureString", Some("alias/aws/ssm"), None);
        let report = evaluate(&snapshot(vec![secure], vec![]), &baseline(declared), TODAY).unwrap();
        assert_eq!(report.findings.len(), 1, "{:#?}", report.findings);
        let finding = &report.findings[0];
        assert_eq!(finding.path.as_deref(), Some("properties.type"));
        assert!(
            finding
                .message
                .contains("changed with it: properties.key_id, properties.value"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn missing_and_unmanaged_resources() {
        let report = evaluate(
            &snapshot(vec![cluster(30), group("hand-made")], vec![]),
            &baseline(DECLARED),
            TODAY,
        )
        .unwrap();
        let kinds: Vec<(FindingKind, &str)> = report
            .findings
            .iter()
            .map(|f| (f.kind, f.logical_name.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (FindingKind::Missing, "app-{env}"),
                (FindingKind::Unmanaged, "hand-made")
            ]
        );
        assert_eq!(report.findings[0].severity, MISSING_SEVERITY);
    }

    #[test]
    fn nothing_is_concluded_about_unread_kinds() {
        let failure = ReadFailure {
            region: "us-east-1".into(),
            service: Service::Ec2,
            operation: "DescribeSecurityGroups".into(),
            kinds: vec![ResourceKind::SecurityGroup],
            code: "ThrottlingException".into(),
            message: "Rate exceeded".into(),
        };
        let report = evaluate(
            &snapshot(vec![cluster(30)], vec![failure]),
            &baseline(DECLARED),
            TODAY,
        )
        .unwrap();
        assert!(!report.complete);
        assert!(
            report.findings.is_empty(),
            "no `missing` for an unread kind: {:#?}",
            report.findings
        );
    }

    #[test]
    fn must_not_exist() {
        let text = "resources:\n  security-group/hand-made:\n    exists: false\n";
        let report = evaluate(
            &snapshot(vec![group("hand-made")], vec![]),
            &baseline(text),
            TODAY,
        )
        .unwrap();
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].expected, Some(json!({"exists": false})));
        let report = evaluate(&snapshot(vec![], vec![]), &baseline(text), TODAY).unwrap();
        assert!(report.findings.is_empty());
    }

    #[test]
    fn ignores_apply_until_they_expire() {
        let text = format!("{DECLARED}ignore:\n  - resource: db-cluster/aurora-cluster-{{env}}\n    path: properties.backup_retention_period\n    reason: migration\n    expires: 2026-12-31\n");
        let live = || snapshot(vec![cluster(7), group("app-prod")], vec![]);
        let report = evaluate(&live(), &baseline(&text), TODAY).unwrap();
        assert!(report.findings.is_empty());
        assert!(report.expired_ignores.is_empty());
        let report = evaluate(&live(), &baseline(&text), (2027, 1, 1)).unwrap();
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.expired_ignores.len(), 1);
        assert!(report.expired_ignores[0].contains("expired 2026-12-31"));
    }

    #[test]
    fn list_drift_reports_the_extra_element() {
        let mut open = group("app-prod");
        if let Properties::SecurityGroup(g) = &mut open.properties {
            g.ingress.push(SecurityGroupRule {
                protocol: "tcp".into(),
                from_port: Some(22),
                to_port: Some(22),
                peer: crate::model::RulePeer::Cidr("0.0.0.0/0".into()),
                description: None,
            });
        }
        let report = evaluate(
            &snapshot(vec![cluster(30), open], vec![]),
            &baseline(DECLARED),
            TODAY,
        )
        .unwrap();
        assert_eq!(report.findings.len(), 1);
        let f = &report.findings[0];
        assert_eq!(f.path.as_deref(), Some("properties.ingress"));
        assert_eq!(f.expected, Some(Value::Null));
        assert_eq!(
            f.actual.as_ref().and_then(|a| a.get("from_port")),
            Some(&json!(22))
        );
    }

    #[test]
    fn tag_keys_with_dots_are_looked_up_whole() {
        let document = json!({"tags": {"kubernetes.io/role": "x"}, "properties": {"a": {"b": 1}}});
        assert_eq!(
            lookup(&document, "tags.kubernetes.io/role"),
            Some(&json!("x"))
        );
        assert_eq!(lookup(&document, "properties.a.b"), Some(&json!(1)));
        assert_eq!(lookup(&document, "properties.a.c"), None);
    }
}

//! A fixed report for golden-file tests: every finding kind, every severity, a failed read.

use serde_json::json;

use crate::model::*;

/// What varies between the fixture's findings.
struct Spec<'a> {
    kind: FindingKind,
    severity: Severity,
    resource_type: ResourceKind,
    logical_name: &'a str,
    path: Option<&'a str>,
    expected: Option<serde_json::Value>,
    actual: Option<serde_json::Value>,
    rule: Option<&'a str>,
    message: &'a str,
    line: Option<u64>,
}

fn finding(spec: Spec<'_>) -> Finding {
    Finding {
        attribution: None,
        fingerprint: String::new(),
        kind: spec.kind,
        severity: spec.severity,
        environment: "prod".into(),
        region: "us-east-1".into(),
        resource_type: spec.resource_type,
        logical_name: spec.logical_name.into(),
        physical_id: Some(spec.logical_name.replace("{env}", "prod")),
        arn: None,
        path: spec.path.map(str::to_string),
        expected: spec.expected,
        actual: spec.actual,
        rule_id: spec.rule.map(str::to_string),
        message: spec.message.into(),
        source: spec.line.map(|line| SourceRef {
            file: "baselines/prod.yaml".into(),
            line,
        }),
    }
    .with_fingerprint()
}

/// A console session opening the database group; its session name holds markup (escaped where
/// rendered).
pub fn changed_by_hand() -> crate::model::attribution::Attribution {
    use crate::model::attribution::*;
    Attribution::Attributed(Box::new(ChangeAttribution {
        principal: Principal {
            arn: Some("arn:aws:sts::111111111111:assumed-role/Admin/alice<b>@example.com".into()),
            identity_type: Some("AssumedRole".into()),
            account: Some("111111111111".into()),
            role: Some("arn:aws:iam::111111111111:role/Admin".into()),
            session: Some("alice<b>@example.com".into()),
        },
        event: ChangeEvent {
            name: "AuthorizeSecurityGroupIngress".into(),
            service: "ec2.amazonaws.com".into(),
            time: "2026-12-06T10:15:00Z".into(),
            id: "e-1".into(),
            region: "us-east-1".into(),
        },
        source: ChangeSource::Console,
        invoked_by: None,
        source_ip: Some("203.0.113.7".into()),
        deployer: false,
        events: 1,
    }))
}

/// A report with one finding of each kind and a failed read.
pub fn report(complete: bool) -> Report {
    let findings = vec![
        finding(Spec {
            kind: FindingKind::Compliance,
            severity: Severity::Critical,
            resource_type: ResourceKind::SecurityGroup,
            logical_name: "db-{env}",
            path: Some("properties.ingress"),
            expected: None,
            actual: Some(
                json!({"protocol": "tcp", "from_port": 5432, "to_port": 5432, "peer": {"cidr": "0.0.0.0/0"}}),
            ),
            rule: Some("db-ingress-from-anywhere"),
            message: "db-prod admits database port 5432 from anywhere",
            line: Some(3),
        }),
        finding(Spec {
            kind: FindingKind::Drift,
            severity: Severity::Medium,
            resource_type: ResourceKind::SecurityGroup,
            logical_name: "db-{env}",
            path: Some("properties.ingress"),
            expected: Some(serde_json::Value::Null),
            actual: Some(
                json!({"protocol": "tcp", "from_port": 5432, "to_port": 5432, "peer": {"cidr": "0.0.0.0/0"}}),
            ),
            rule: None,
            message: "db-prod: properties.ingress has an element the baseline does not declare",
            line: Some(41),
        }),
        finding(Spec {
            kind: FindingKind::Drift,
            severity: Severity::Medium,
            resource_type: ResourceKind::DbCluster,
            logical_name: "aurora-cluster-{env}",
            path: Some("properties.backup_retention_period"),
            expected: Some(json!(30)),
            actual: Some(json!(7)),
            rule: None,
            message: "aurora-cluster-prod: properties.backup_retention_period is 7; expected 30",
            line: Some(12),
        }),
        finding(Spec {
            kind: FindingKind::Missing,
            severity: Severity::High,
            resource_type: ResourceKind::Subnet,
            logical_name: "private-c-{env}",
            path: None,
            expected: Some(json!({"exists": true})),
            actual: Some(json!({"exists": false})),
            rule: None,
            message: "subnet/private-c-{env} is declared but does not exist",
            line: Some(20),
        }),
        finding(Spec {
            kind: FindingKind::Unmanaged,
            severity: Severity::Low,
            resource_type: ResourceKind::SecurityGroup,
            logical_name: "hand-made <test> & \"quotes\" | pipe",
            path: None,
            expected: None,
            actual: None,
            rule: None,
            message: "security-group hand-made is declared in no baseline",
            line: None,
        }),
    ];
    let mut findings = findings;
    findings[1].attribution = Some(changed_by_hand());
    findings[2].attribution = Some(crate::model::attribution::Attribution::Unattributed {
        reason:
            "no write event names aurora-cluster-prod in CloudTrail's event history (last 90 days)"
                .into(),
    });
    let failures = if complete {
        vec![]
    } else {
        vec![ReadFailure {
            region: "us-east-1".into(),
            service: Service::Ssm,
            operation: "GetParametersByPath".into(),
            kinds: vec![ResourceKind::SsmParameter],
            code: "ThrottlingException".into(),
            message: "path /prod: Rate exceeded".into(),
        }]
    };
    Report {
        schema: REPORT_SCHEMA.into(),
        command: "scan".into(),
        environment: "prod".into(),
        regions: vec!["us-east-1".into()],
        account: None,
        complete,
        failures,
        baseline_files: vec!["baselines/base.yaml".into(), "baselines/prod.yaml".into()],
        deleted_during_scan: vec![],
        expired_ignores: vec![],
        counts: Counts::default(),
        duration_ms: 0,
        findings,
        parity: None,
        resolved_by: Default::default(),
        first_seen: Default::default(),
    }
    .finalize(31)
}

/// A clean, complete report.
pub fn clean() -> Report {
    let mut report = report(true);
    report.findings.clear();
    report.finalize(31)
}

/// A comparison of dev, staging and prod from synthetic estates: prod runs 6 tasks of svc-1
/// where the others run 2 (unexpected), staging lacks a database, and prod's svc-0 group has a
/// description that is markup (it must render as text).
/// The comparison of three snapshots, untimed.
fn compared(dev: &Snapshot, staging: &Snapshot, prod: &Snapshot) -> Report {
    use crate::compare::{compare_environments, CompareOptions, ExpectedDifferences};
    let mut report = compare_environments(
        &[dev, staging, prod],
        &ExpectedDifferences::default(),
        &CompareOptions::default(),
    );
    report.duration_ms = 0;
    report
}

/// Three environments whose `svc-0` group differs only in staging's rule opened to the world
/// on the database port.
pub fn parity_of_rules() -> Report {
    use crate::model::{RulePeer, SecurityGroupRule};
    use crate::synthetic::estate;
    let (dev, mut staging, prod) = (estate("dev", 10), estate("staging", 10), estate("prod", 10));
    for resource in &mut staging.resources {
        if let Properties::SecurityGroup(g) = &mut resource.properties {
            if resource.name == "svc-0-staging" {
                g.ingress.push(SecurityGroupRule {
                    protocol: "tcp".into(),
                    from_port: Some(5432),
                    to_port: Some(5432),
                    peer: RulePeer::Cidr("0.0.0.0/0".into()),
                    description: None,
                });
            }
        }
    }
    compared(&dev, &staging, &prod)
}

pub fn parity() -> Report {
    use crate::synthetic::estate;
    let dev = estate("dev", 30);
    let mut staging = estate("staging", 30);
    staging.resources.retain(|r| r.name != "db-1-staging-1");
    let mut prod = estate("prod", 30);
    for resource in &mut prod.resources {
        match &mut resource.properties {
            Properties::EcsService(s) if resource.name == "svc-1-prod" => s.desired_count = 6,
            Properties::SecurityGroup(g) if resource.name == "svc-0-prod" => {
                g.description = "<img src=x onerror=alert(1)>".into()
            }
            _ => {}
        }
    }
    compared(&dev, &staging, &prod)
}

use serde_json::json;

use super::*;
use crate::model::{Resource, ResourceKind, Severity};

fn group() -> Resource {
    let mut group = crate::testing::security_group("db-staging", vec![]);
    group.id = "sg-0db".into();
    group.arn = Some("arn:aws:ec2:us-east-1:111111111111:security-group/sg-0db".into());
    group
}

fn report(findings: Vec<Finding>) -> Report {
    let mut report = crate::report::fixtures::report(true);
    report.findings = findings;
    report
}

fn finding(kind: FindingKind, physical_id: Option<&str>) -> Finding {
    Finding {
        fingerprint: String::new(),
        kind,
        severity: Severity::High,
        environment: "staging".into(),
        region: "us-east-1".into(),
        resource_type: ResourceKind::SecurityGroup,
        logical_name: "db-{env}".into(),
        physical_id: physical_id.map(str::to_string),
        arn: None,
        path: Some("properties.ingress".into()),
        expected: None,
        actual: None,
        rule_id: None,
        message: "ingress drifted".into(),
        source: None,
        attribution: None,
    }
}

fn record(time: &str, arn: &str, group_id: &str) -> ChangeRecord {
    ChangeRecord::from_record(&json!({
        "eventName": "AuthorizeSecurityGroupIngress", "eventSource": "ec2.amazonaws.com",
        "eventTime": time, "eventID": format!("e-{time}"), "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "arn": arn, "accountId": "111111111111"},
        "userAgent": "aws-cli/2.17.0",
        "requestParameters": {"groupId": group_id}
    }))
    .expect("a record")
}

#[test]
fn the_latest_event_naming_the_resource_explains_it_with_a_count() {
    let snapshot = crate::testing::snapshot(vec![group()]);
    let mut report = report(vec![
        finding(FindingKind::Drift, Some("sg-0db")),
        finding(FindingKind::Missing, None),
    ]);
    let records = [
        record(
            "2026-12-06T09:00:00Z",
            "arn:aws:iam::111111111111:user/bob",
            "sg-0db",
        ),
        record(
            "2026-12-06T10:00:00Z",
            "arn:aws:iam::111111111111:user/carol",
            "sg-0db",
        ),
        record(
            "2026-12-06T11:00:00Z",
            "arn:aws:iam::111111111111:user/dave",
            "sg-other",
        ),
    ];
    let deployers = Deployers::new(&["arn:aws:iam::*:user/carol".into()]).expect("valid");
    attribute_report(&mut report, &snapshot, &records, &deployers);
    let change = report.findings[0]
        .attribution
        .as_ref()
        .and_then(Attribution::change)
        .expect("attributed");
    assert_eq!(
        change.principal.short_name(),
        "user/carol",
        "the latest of the two, not dave's group"
    );
    assert_eq!(
        (change.events, change.deployer, change.source),
        (2, true, ChangeSource::Cli)
    );
    assert_eq!(
        change.describe(),
        "deployed (baseline not updated yet) by user/carol from the cli: AuthorizeSecurityGroupIngress at 2026-12-06T10:00:00Z (latest of 2 changes)"
    );
    assert_eq!(
        report.findings[1].attribution, None,
        "a missing resource names nothing"
    );
}

#[test]
fn an_attribution_round_trips_through_json_with_its_status() {
    let change = record("2026-12-06T10:00:00Z", "arn:aws:iam::1:user/bob", "sg-0db")
        .attribution(&Deployers::default(), 1);
    let attributed = Attribution::Attributed(Box::new(change));
    let text = serde_json::to_value(&attributed).expect("serializes");
    assert_eq!(text["status"], "attributed");
    assert_eq!(text["source"], "cli");
    assert_eq!(text["principal"]["arn"], "arn:aws:iam::1:user/bob");
    assert_eq!(
        serde_json::from_value::<Attribution>(text).expect("reads back"),
        attributed
    );
    let gap = Attribution::Unattributed {
        reason: "CloudTrail refused".into(),
    };
    assert_eq!(
        serde_json::to_value(&gap).expect("serializes"),
        json!({"status": "unattributed", "reason": "CloudTrail refused"})
    );
    assert_eq!(gap.describe(), "not attributed: CloudTrail refused");
}

#[test]
fn an_arn_naming_the_resource_at_its_end_matches() {
    let mut record = record("2026-12-06T10:00:00Z", "arn:aws:iam::1:user/bob", "x");
    record.identifiers = [
        "arn:aws:ecs:us-east-1:1:service/trading-cluster-staging/trading-app-staging".to_string(),
    ]
    .into();
    assert!(record.names_any(&["trading-app-staging".to_string()].into()));
    assert!(
        !record.names_any(&["app-staging".to_string()].into()),
        "whole segments only"
    );
}

//! The stack's documents and settings, checked without AWS.

use super::*;
use scanner::model::{Counts, Report, REPORT_SCHEMA};
use std::collections::BTreeSet;

use serde_json::json;

fn spec() -> ScannerSpec {
    ScannerSpec::reference("us-east-1", "123456789012", PathBuf::from("bootstrap.zip"))
}

#[test]
fn only_the_scanner_role_and_its_alarm_may_publish_alerts() {
    let policy = topic_policy(&spec());
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    for statement in statements {
        assert_eq!(statement["Effect"], "Allow");
        assert_eq!(statement["Action"], "sns:Publish", "publishing only");
        assert_eq!(
            statement["Resource"],
            "arn:aws:sns:us-east-1:123456789012:driftscan-alerts"
        );
    }
    assert_eq!(
        statements[0]["Principal"],
        json!({"AWS": "arn:aws:iam::123456789012:role/driftscan-scanner"})
    );
    assert_eq!(
        statements[1]["Principal"],
        json!({"Service": "cloudwatch.amazonaws.com"})
    );
    assert_eq!(
        statements[1]["Condition"]["ArnLike"]["aws:SourceArn"],
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:driftscan-scan-incomplete"
    );
    assert!(
        !policy.to_string().contains("\"*\""),
        "no wildcard principal"
    );
}

#[test]
fn the_policy_grants_nothing_beyond_the_list() {
    let policy = policy_document(&ScannerSpec {
        report_bucket: Some("driftscan-reports".into()),
        member_roles: vec!["arn:aws:iam::222222222222:role/driftscan-readonly".into()],
        organization_role: Some("driftscan-readonly".into()),
        security_hub: true,
        ..spec()
    });
    let granted = crate::iam::policy_checks::granted(&policy);
    assert!(granted
        .iter()
        .any(|(a, _)| a == "securityhub:BatchImportFindings"));
    let without = crate::iam::policy_checks::granted(&policy_document(&spec()));
    assert!(!without.iter().any(|(a, _)| a.starts_with("securityhub:")));
    for (action, resource) in &granted {
        let (service, verb) = action.split_once(':').unwrap();
        let read_only = ["Describe", "List", "Get"]
            .iter()
            .any(|prefix| verb.starts_with(prefix));
        let allowed = match service {
            "ssm" => {
                verb.starts_with("Describe")
                    || verb.starts_with("Get")
                    || verb.starts_with("List")
                    || (["PutParameter", "DeleteParameters"].contains(&verb)
                        && resource
                            .to_string()
                            .contains("parameter/driftscan/alert-state"))
            }
            "sns" => {
                verb == "Publish"
                    && resource == "arn:aws:sns:us-east-1:123456789012:driftscan-alerts"
            }
            "cloudwatch" => verb == "PutMetricData",
            "sts" => {
                verb == "AssumeRole"
                    && resource
                        == &json!([
                            "arn:aws:iam::222222222222:role/driftscan-readonly",
                            "arn:aws:iam::*:role/driftscan-readonly"
                        ])
            }
            "organizations" => verb.starts_with("List"),
            // Its own account's default product, nothing else of Security Hub.
            "securityhub" => {
                verb == "BatchImportFindings"
                    && resource == "arn:aws:securityhub:*:123456789012:product/123456789012/default"
            }
            "s3" => {
                read_only
                    || (verb == "PutObject"
                        && (resource == "arn:aws:s3:::driftscan-reports/reports/*"
                            || resource
                                == "arn:aws:s3:::driftscan-runs-123456789012-us-east-1/runs/*"))
            }
            // Its own queues only: sending to the work queue, receiving from both.
            "sqs" => {
                let work = "arn:aws:sqs:us-east-1:123456789012:driftscan-work";
                let both = json!([work, format!("{work}-dlq")]);
                (verb == "SendMessage" && resource == work)
                    || ([
                        "ReceiveMessage",
                        "DeleteMessage",
                        "GetQueueAttributes",
                        "ChangeMessageVisibility",
                    ]
                    .contains(&verb)
                        && *resource == both)
            }
            // Item reads and writes on its own table; no scans, no table changes.
            "dynamodb" => {
                [
                    "GetItem",
                    "PutItem",
                    "UpdateItem",
                    "DeleteItem",
                    "Query",
                    "BatchWriteItem",
                ]
                .contains(&verb)
                    && resource == "arn:aws:dynamodb:us-east-1:123456789012:table/driftscan"
            }
            _ if crate::iam::policy_checks::is_collector_read(action) => true,
            "logs" => resource
                .as_str()
                .unwrap()
                .contains(":log-group:/aws/lambda/driftscan:"),
            // The alert topic's key only (its statement's conditions are checked below).
            "kms" => {
                ["GenerateDataKey", "Decrypt"].contains(&verb)
                    && resource == "arn:aws:kms:us-east-1:123456789012:key/*"
            }
            _ => false,
        };
        assert!(allowed, "{action} on {resource}");
    }
    assert!(
        !granted
            .iter()
            .any(|(a, r)| a == "kms:Decrypt" && r == &json!("*")),
        "no decrypt of SecureStrings without digests"
    );
    let encrypt = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "EncryptAlerts")
        .expect("the alert key statement");
    assert_eq!(
        encrypt["Condition"],
        json!({
            "ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/driftscan-alerts"},
            "StringEquals": {"kms:ViaService": "sns.us-east-1.amazonaws.com"}
        }),
        "only the alert key, only through SNS"
    );
    let metrics = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "PutDriftscanMetrics")
        .expect("the metrics statement");
    assert_eq!(
        metrics["Condition"]["StringEquals"]["cloudwatch:namespace"],
        "Driftscan"
    );
    let with_digests = policy_document(&ScannerSpec {
        secure_digest: true,
        ..spec()
    });
    assert!(with_digests.to_string().contains("kms:Decrypt"));
    let alone = policy_document(&spec()).to_string();
    assert!(
        !alone.contains("sts:AssumeRole") && !alone.contains("organizations:"),
        "no member roles, no assuming and no listing"
    );
}

#[test]
fn every_dashboard_metric_is_one_the_function_publishes() {
    let spec = spec();
    let body = dashboard_body(&spec);
    let widgets = body["widgets"].as_array().unwrap();
    assert_eq!(widgets.len(), 2 * spec.scan.len() + spec.compare.len() + 5);
    let report = |command: &str, environment: String| Report {
        schema: REPORT_SCHEMA.into(),
        command: command.into(),
        environment,
        regions: vec![],
        account: None,
        complete: true,
        failures: vec![],
        deleted_during_scan: vec![],
        baseline_files: vec![],
        expired_ignores: vec![],
        counts: Counts::default(),
        duration_ms: 0,
        findings: vec![],
        parity: None,
        resolved_by: Default::default(),
        first_seen: Default::default(),
    };
    let reports: Vec<Report> = spec
        .scan
        .iter()
        .map(|e| report("scan", e.clone()))
        .chain(
            spec.compare
                .iter()
                .map(|group| report("compare", group.join(".."))),
        )
        .collect();
    let drift_ages = reports
        .iter()
        .filter_map(|r| scanner::metrics::drift_age(r, 1.0));
    let published: BTreeSet<(String, Vec<(String, String)>)> = scanner::metrics::datums(&reports)
        .into_iter()
        .chain(drift_ages)
        .map(|d| {
            let mut dims = d.dimensions;
            dims.sort();
            (d.name, dims)
        })
        .collect();
    let mut graphed = 0;
    for widget in widgets {
        for metric in widget["properties"]["metrics"].as_array().unwrap() {
            let parts: Vec<&str> = metric
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(parts[0], "Driftscan");
            let mut dims: Vec<(String, String)> = parts[2..]
                .chunks(2)
                .map(|kv| (kv[0].to_string(), kv[1].to_string()))
                .collect();
            dims.sort();
            assert!(
                published.contains(&(parts[1].to_string(), dims.clone())),
                "{parts:?} is not published"
            );
            graphed += 1;
        }
    }
    // Everything the function publishes is on the dashboard.
    assert_eq!(graphed, published.len());
}

#[test]
fn the_function_is_configured_for_its_schedule() {
    let env: std::collections::BTreeMap<_, _> = spec().function_environment().into_iter().collect();
    assert_eq!(env["DRIFTSCAN_SCAN"], "dev,staging,prod");
    assert_eq!(env["DRIFTSCAN_COMPARE"], "staging:prod");
    assert_eq!(
        env["DRIFTSCAN_TOPIC_ARN"],
        "arn:aws:sns:us-east-1:123456789012:driftscan-alerts"
    );
}

#[test]
fn the_alert_key_is_administered_by_the_account_and_used_by_its_alarm_only() {
    let policy = crate::key_policy(&spec());
    let statements = policy["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(
        statements[0]["Principal"],
        json!({"AWS": "arn:aws:iam::123456789012:root"})
    );
    assert_eq!(
        statements[1]["Principal"],
        json!({"Service": "cloudwatch.amazonaws.com"})
    );
    assert_eq!(
        statements[1]["Action"],
        json!(["kms:GenerateDataKey", "kms:Decrypt"])
    );
    assert_eq!(
        statements[1]["Condition"]["ArnLike"]["aws:SourceArn"],
        "arn:aws:cloudwatch:us-east-1:123456789012:alarm:driftscan-scan-incomplete"
    );
    assert!(!policy.to_string().contains("\"Principal\":\"*\""));
}

//! `--publish` from the CLI: the SNS alert (read back through SQS subscribers of the topic in
//! moto), its de-duplication across runs, and the CloudWatch metrics (read back from
//! LocalStack).

use std::path::Path;

use scanner::model::Report;

use crate::support::{
    block_on, metric_stats, shipped_baselines, world_open_database_port, AlertInbox, LocalStack,
    Moto,
};

/// `driftscan scan --env prod --publish`: exit code, report, standard error.
fn scan_and_publish(moto: &Moto, cloudwatch: &str, config: &Path) -> (i32, Report, String) {
    let output = moto
        .driftscan()
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch)
        .args([
            "scan",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--publish",
        ])
        .arg("--config")
        .arg(config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .expect("driftscan runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {stdout}\n{stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

#[test]
fn scan_publish_alerts_once_per_new_drift_then_on_resolution_with_metrics() {
    let moto = Moto::start();
    let localstack = LocalStack::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let prod = block_on(moto.provision("prod", "us-east-1"));
    let inbox = block_on(AlertInbox::create(&config));
    let config_file = moto.dir.path().join("driftscan.yaml");
    std::fs::write(
        &config_file,
        format!(
            "publish:\n  topic_arn: {}\n  metrics: api\n",
            inbox.topic_arn
        ),
    )
    .unwrap();

    // Clean: nothing to alert, metrics still published.
    let (code, report, stderr) = scan_and_publish(&moto, &localstack.endpoint, &config_file);
    assert_eq!((code, report.findings.len()), (0, 0), "{stderr}");
    assert!(
        stderr.contains("no alert: nothing new since the last one"),
        "{stderr}"
    );
    let datums = 8 + scanner::services::SERVICES.len() + 1;
    assert!(
        stderr.contains(&format!(
            "published {datums} metric datums in 1 PutMetricData call(s)"
        )),
        "{stderr}"
    );
    let (raw, envelopes) = block_on(inbox.drain());
    assert!(raw.is_empty() && envelopes.is_empty());

    // The database port opened to the world by hand.
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let rule = world_open_database_port();
    block_on(
        ec2c.authorize_security_group_ingress()
            .group_id(&prod.security_groups["db"])
            .ip_permissions(rule.clone())
            .send(),
    )
    .unwrap();
    let (code, report, stderr) = scan_and_publish(&moto, &localstack.endpoint, &config_file);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("published alert"), "{stderr}");
    let (raw, envelopes) = block_on(inbox.drain());
    assert_eq!((raw.len(), envelopes.len()), (1, 1));
    let alert = &raw[0];
    assert_eq!(alert["schema"], "driftscan.alert/v1");
    assert_eq!(alert["summary"]["new"], report.findings.len());
    let new = alert["reports"][0]["new"].as_array().unwrap();
    assert!(new
        .iter()
        .any(|f| f["rule_id"] == "db-ingress-from-anywhere" && f["severity"] == "critical"));
    assert_eq!(
        alert["reports"][0]["reproduce"],
        "driftscan scan --env prod --region us-east-1"
    );
    let envelope = &envelopes[0];
    let subject = envelope["Subject"].as_str().unwrap();
    assert!(
        subject.starts_with("driftscan prod: ") && subject.contains("highest critical"),
        "{subject}"
    );
    let attributes = &envelope["MessageAttributes"];
    assert_eq!(attributes["severity"]["Value"], "critical");
    assert_eq!(attributes["environment"]["Type"], "String.Array");
    assert_eq!(attributes["environment"]["Value"], r#"["prod"]"#);
    assert_eq!(attributes["event"]["Value"], r#"["new"]"#);

    // Unchanged drift: no second alert.
    let (code, _, stderr) = scan_and_publish(&moto, &localstack.endpoint, &config_file);
    assert_eq!(code, 1);
    assert!(stderr.contains("no alert: nothing new"), "{stderr}");
    assert_eq!(block_on(inbox.drain()).0.len(), 0);

    // Fixed by hand: one "resolved" notice.
    block_on(
        ec2c.revoke_security_group_ingress()
            .group_id(&prod.security_groups["db"])
            .ip_permissions(rule)
            .send(),
    )
    .unwrap();
    let (code, _, stderr) = scan_and_publish(&moto, &localstack.endpoint, &config_file);
    assert_eq!(code, 0, "{stderr}");
    let (raw, envelopes) = block_on(inbox.drain());
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0]["summary"]["resolved"], new.len());
    assert_eq!(
        envelopes[0]["MessageAttributes"]["event"]["Value"],
        r#"["resolved"]"#
    );
    assert!(envelopes[0]["Subject"]
        .as_str()
        .unwrap()
        .ends_with("resolved"));

    // The metrics are in CloudWatch, per environment and severity.
    let cloudwatch = block_on(localstack.cloudwatch());
    let metrics = block_on(cloudwatch.list_metrics().namespace("Driftscan").send()).unwrap();
    let mut seen: Vec<String> = metrics
        .metrics
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let mut dims: Vec<String> = m
                .dimensions()
                .iter()
                .map(|d| format!("{}={}", d.name().unwrap_or(""), d.value().unwrap_or("")))
                .collect();
            dims.sort();
            format!("{} {}", m.metric_name().unwrap_or(""), dims.join(","))
        })
        .collect();
    seen.sort();
    seen.dedup();
    for expected in [
        "Findings Environment=prod,Severity=critical",
        "Findings Environment=prod,Severity=info",
        "ResourcesScanned Environment=prod",
        "ScanDuration Environment=prod",
        "ScanErrors Environment=prod,Service=ec2",
        "ScanIncomplete Environment=prod",
        "ScanIncomplete ",
    ] {
        assert!(
            seen.contains(&expected.to_string()),
            "{expected} in {seen:#?}"
        );
    }
    assert_eq!(
        seen.len(),
        8 + scanner::services::SERVICES.len() + 1,
        "{seen:#?}"
    );
    let (max, samples) = block_on(metric_stats(
        &cloudwatch,
        "Findings",
        &[("Environment", "prod"), ("Severity", "critical")],
    ));
    assert_eq!(
        (max, samples),
        (1.0, 4.0),
        "one critical finding at most, in four runs"
    );
}

#[test]
fn a_huge_drift_is_delivered_summarised_and_whole() {
    use scanner::config::{MetricsMode, PublishSettings};
    use scanner::model::{Finding, FindingKind, ResourceKind, Severity};
    use scanner::publish::aws::{SnsAlerts, SsmAlertState};
    use scanner::publish::{publish, Publisher};

    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let inbox = block_on(AlertInbox::create(&config));
    let wide = serde_json::json!((0..60)
        .map(|i| format!("10.{i}.0.0/16"))
        .collect::<Vec<_>>());
    let findings: Vec<Finding> = (0..1500)
        .map(|i| {
            Finding {
                fingerprint: String::new(),
                kind: FindingKind::Drift,
                severity: if i % 100 == 0 {
                    Severity::Critical
                } else {
                    Severity::Medium
                },
                environment: "prod".into(),
                region: "us-east-1".into(),
                resource_type: ResourceKind::SecurityGroup,
                logical_name: format!("sg-{i}-{{env}}"),
                physical_id: Some(format!("sg-{i:08x}")),
                arn: None,
                path: Some("properties.ingress".into()),
                expected: Some(serde_json::json!([])),
                actual: Some(wide.clone()),
                rule_id: None,
                message: "ingress differs".into(),
                source: None,
                attribution: None,
            }
            .with_fingerprint()
        })
        .collect();
    let report = Report {
        schema: scanner::model::REPORT_SCHEMA.into(),
        command: "scan".into(),
        environment: "prod".into(),
        regions: vec!["us-east-1".into()],
        account: None,
        complete: true,
        failures: vec![],
        deleted_during_scan: vec![],
        baseline_files: vec![],
        expired_ignores: vec![],
        counts: Default::default(),
        duration_ms: 1,
        findings,
        parity: None,
        resolved_by: Default::default(),
        first_seen: Default::default(),
    }
    .finalize(1500);
    let settings = PublishSettings {
        topic_arn: Some(inbox.topic_arn.clone()),
        metrics: MetricsMode::Off,
        ..PublishSettings::default()
    };
    let sns = SnsAlerts::new(&config, &inbox.topic_arn);
    let state = SsmAlertState::new(&config, &settings.state_path);
    let publisher = Publisher {
        alerts: Some((&sns, &state)),
        metrics: None,
        archive: None,
        security_hub: None,
        settings: &settings,
    };
    let published = block_on(publish(std::slice::from_ref(&report), &publisher, 0))
        .expect("published, not rejected");
    assert!(
        published.alert_bytes <= 262_144,
        "{}",
        published.alert_bytes
    );
    assert_eq!(published.new, 1500);
    let (raw, envelopes) = block_on(inbox.drain());
    assert_eq!((raw.len(), envelopes.len()), (1, 1));
    let listed = raw[0]["reports"][0]["new"].as_array().unwrap().len();
    assert!(listed > 0 && listed < 1500, "{listed}");
    assert_eq!(raw[0]["reports"][0]["omitted"]["new"], 1500 - listed);
    assert_eq!(raw[0]["summary"]["new"], 1500);
    // All 1500 are remembered (in several SSM chunks): a second run alerts nothing.
    let again = block_on(publish(std::slice::from_ref(&report), &publisher, 0)).unwrap();
    assert_eq!((again.new, again.message_id), (0, None));
    assert_eq!(block_on(inbox.drain()).0.len(), 0);
}

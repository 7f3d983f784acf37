//! Secrets Manager end to end: the environment's secrets are read as metadata only, scan clean
//! after provisioning and after capture, and each out-of-band change gives exactly its
//! findings. No value, old or new, reaches any output.

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, finding_rows, json_report, shipped_baselines, FindingRow as Row,
    Moto,
};

const REGION: &str = "us-east-1";
const NEW_VALUE: &str = "hand-set-Value-8812-zzQ";

/// `scan --env prod` against `baselines`: findings, sorted, and the raw output.
fn scan(moto: &Moto, baselines: &str) -> (Vec<Row>, String) {
    let args = [
        "scan",
        "--env",
        "prod",
        "--region",
        REGION,
        "--baselines",
        baselines,
    ];
    let (_, report, stderr) = json_report(moto, &args);
    assert!(report.complete, "{stderr}");
    let rows = finding_rows(&report);
    let raw = serde_json::to_string(&report).unwrap_or_default();
    (rows, raw + &stderr)
}

#[test]
fn secrets_are_metadata_and_each_change_is_exactly_its_findings() {
    let moto = Moto::start();
    block_on(moto.provision("prod", REGION));
    let config = block_on(moto.sdk_config(REGION));
    let secrets = aws_sdk_secretsmanager::Client::new(&config);
    let shipped = shipped_baselines().display().to_string();
    let mut outputs = Vec::new();
    let (rows, raw) = scan(&moto, &shipped);
    assert_eq!(rows, vec![], "a fresh prod scans clean");
    outputs.push(raw);
    let snapshot = moto
        .driftscan()
        .args(["snapshot", "--env", "prod", "--region", REGION])
        .output()
        .unwrap();
    let snapshot = String::from_utf8_lossy(&snapshot.stdout).into_owned();
    let parsed: serde_json::Value = serde_json::from_str(&snapshot).expect("a snapshot");
    let read = parsed["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|r| r["kind"] == "secret" && r["id"] == "prod/redis-auth");
    assert!(read, "the AUTH token's secret is read: {snapshot}");
    outputs.push(snapshot);

    let captured = crate::support::captured_baselines(&moto, "prod", REGION);
    let own = captured.path().display().to_string();
    let (rows, raw) = scan(&moto, &own);
    assert_eq!(rows, vec![], "nothing right after capture");
    outputs.push(raw);

    // 1. A new value set by hand: a new version, drift against the capture, never the value.
    block_on(
        secrets
            .put_secret_value()
            .secret_id("prod/redis-auth")
            .secret_string(NEW_VALUE)
            .send(),
    )
    .unwrap();
    let secret = "secret/{env}/redis-auth";
    let (rows, raw) = scan(&moto, &own);
    let version = row(
        FindingKind::Drift,
        secret,
        "properties.current_version",
        Severity::Medium,
        None,
    );
    assert_eq!(rows, vec![version]);
    outputs.push(raw);
    let (rows, raw) = scan(&moto, &shipped);
    assert_eq!(rows, vec![], "the shipped baseline pins no version");
    outputs.push(raw);

    // 2. A policy sharing the secret with another account.
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    block_on(
        secrets
            .put_resource_policy()
            .secret_id("prod/redis-auth")
            .resource_policy(policy)
            .send(),
    )
    .unwrap();
    let (rows, raw) = scan(&moto, &shipped);
    let expected = vec![
        row(
            FindingKind::Compliance,
            secret,
            "properties.policy",
            Severity::Critical,
            Some("secret-policy-no-outside-grant"),
        ),
        row(
            FindingKind::Drift,
            secret,
            "properties.policy",
            Severity::Medium,
            None,
        ),
    ];
    assert_eq!(rows, expected);
    outputs.push(raw);

    // 3. An untagged secret under prod/: prod's by its name, unmanaged, without the tags.
    block_on(
        secrets
            .create_secret()
            .name("prod/hand-made")
            .secret_string(NEW_VALUE)
            .send(),
    )
    .unwrap();
    let (rows, raw) = scan(&moto, &shipped);
    let hand_made = "secret/{env}/hand-made";
    let mut expected = expected;
    expected.extend([
        row(
            FindingKind::Compliance,
            hand_made,
            "tags",
            Severity::Low,
            Some("required-tags"),
        ),
        row(
            FindingKind::Unmanaged,
            hand_made,
            "",
            Severity::Medium,
            None,
        ),
    ]);
    assert_eq!(rows, crate::support::sorted_rows(expected));
    outputs.push(raw);

    for text in &outputs {
        assert!(
            !text.contains(NEW_VALUE),
            "a secret value reached an output"
        );
    }
}

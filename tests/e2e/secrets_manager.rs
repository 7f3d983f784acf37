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
    assert_encrypted_with_the_environment_key(&parsed);
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
    assert_eq!(rows, crate::support::sorted_rows(expected.clone()));
    outputs.push(raw);

    // 4. The master password RDS keeps, shared with another account by hand: found under its
    // cluster's name, not RDS's random one.
    let master = master_password_arn(&parsed);
    block_on(
        secrets
            .put_resource_policy()
            .secret_id(&master)
            .resource_policy(policy)
            .send(),
    )
    .unwrap();
    let (rows, raw) = scan(&moto, &shipped);
    let master = "secret/aurora-cluster-{env}/master-password";
    expected.extend([
        row(
            FindingKind::Compliance,
            master,
            "properties.policy",
            Severity::Critical,
            Some("secret-policy-no-outside-grant"),
        ),
        row(
            FindingKind::Drift,
            master,
            "properties.policy",
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

/// The snapshot's resources of `kind`.
fn of_kind<'a>(snapshot: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    let resources = snapshot["resources"].as_array().into_iter().flatten();
    resources.filter(|r| r["kind"] == kind).collect()
}

/// The database, the cache and both secrets are encrypted with the environment's own key.
fn assert_encrypted_with_the_environment_key(snapshot: &serde_json::Value) {
    let keys = of_kind(snapshot, "kms-key");
    let [key] = keys.as_slice() else {
        panic!("one key: {keys:?}")
    };
    assert_eq!(key["name"], "alias/trading-prod");
    let arn = &key["arn"];
    for kind in ["db-cluster", "cache-replication-group", "secret"] {
        for resource in of_kind(snapshot, kind) {
            let name = &resource["name"];
            assert_eq!(&resource["properties"]["kms_key_id"], arn, "{kind} {name}");
        }
    }
    let secrets = of_kind(snapshot, "secret");
    let mut named: Vec<&str> = secrets.iter().filter_map(|s| s["name"].as_str()).collect();
    named.sort_unstable();
    assert_eq!(
        named,
        ["aurora-cluster-prod/master-password", "prod/redis-auth"]
    );
}

/// The ARN of the master password RDS keeps for prod's cluster.
fn master_password_arn(snapshot: &serde_json::Value) -> String {
    let secrets = of_kind(snapshot, "secret");
    let master = secrets
        .iter()
        .find(|s| s["properties"]["owning_service"] == "rds");
    let arn = master.and_then(|s| s["arn"].as_str());
    arn.expect("the master password is read").to_string()
}

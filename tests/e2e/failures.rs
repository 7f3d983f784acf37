//! Fail closed: what cannot be read makes the snapshot incomplete and the exit status 2.

use scanner::model::{ResourceKind, Service};

use crate::support::{block_on, driftscan_command, free_port, parse_snapshot, Moto};

#[test]
fn an_unreachable_endpoint_is_an_incomplete_snapshot_not_an_empty_one() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let assert = driftscan_command(&closed)
        .args([
            "snapshot",
            "--env",
            "staging",
            "--region",
            "us-east-1",
            "--max-attempts",
            "1",
        ])
        .assert()
        .code(2);
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("INCOMPLETE"), "{stderr}");
    let snapshot = parse_snapshot(&output.stdout);
    assert!(!snapshot.complete);
    assert!(snapshot.resources.is_empty());
    let mut services: Vec<Service> = snapshot.failures.iter().map(|f| f.service).collect();
    services.dedup();
    assert_eq!(
        services,
        [Service::Ec2, Service::Ecs, Service::Rds, Service::Ssm]
    );
    for kind in ResourceKind::ALL {
        assert!(
            !snapshot.kind_is_complete("us-east-1", kind),
            "{kind} claims to be complete"
        );
    }
    assert!(
        snapshot
            .failures
            .iter()
            .all(|f| f.code == "ConnectionError"),
        "{:?}",
        snapshot.failures
    );
}

#[test]
fn one_failing_service_leaves_the_others_read_and_says_which() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let closed = format!("http://127.0.0.1:{}", free_port());
    let assert = moto
        .driftscan()
        .env("AWS_ENDPOINT_URL_SSM", &closed)
        .args([
            "snapshot",
            "--env",
            "staging",
            "--region",
            "us-east-1",
            "--max-attempts",
            "2",
        ])
        .assert()
        .code(2);
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("us-east-1 ssm:"), "{stderr}");
    let snapshot = parse_snapshot(&output.stdout);
    assert!(!snapshot.complete);
    assert!(snapshot
        .failures
        .iter()
        .all(|f| f.service == Service::Ssm && f.region == "us-east-1"));
    assert!(!snapshot.kind_is_complete("us-east-1", ResourceKind::SsmParameter));
    assert!(snapshot.kind_is_complete("us-east-1", ResourceKind::Vpc));
    assert!(snapshot
        .resources
        .iter()
        .all(|r| r.kind != ResourceKind::SsmParameter));
    assert_eq!(
        snapshot
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Subnet)
            .count(),
        6,
        "the services that answered are still read"
    );
}

#[test]
fn an_incomplete_snapshot_written_to_a_file_still_exits_2() {
    let closed = format!("http://127.0.0.1:{}", free_port());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    driftscan_command(&closed)
        .args([
            "snapshot",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--max-attempts",
            "1",
            "-o",
        ])
        .arg(&file)
        .assert()
        .code(2);
    let snapshot = scanner::Snapshot::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(!snapshot.complete);
}

#[test]
fn missing_credentials_are_an_incomplete_snapshot_naming_the_cause() {
    let moto = Moto::start();
    let assert = moto
        .driftscan()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args([
            "snapshot",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--max-attempts",
            "1",
        ])
        .assert()
        .code(2);
    let output = assert.get_output();
    let snapshot = parse_snapshot(&output.stdout);
    assert!(!snapshot.complete);
    assert!(snapshot.resources.is_empty());
    assert!(
        snapshot
            .failures
            .iter()
            .all(|f| f.code == "CredentialsError"),
        "{:?}",
        snapshot.failures
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("no credentials found"));
}

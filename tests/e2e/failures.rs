//! Fail closed: what cannot be read makes the snapshot incomplete and the exit status 2.

use scanner::model::{ResourceKind, Service};

use crate::support::{block_on, driftscan_command, parse_snapshot, CannedServer, ClosedPort, Moto};

/// Runs `driftscan snapshot --env <env> --region us-east-1 --max-attempts <attempts>` and checks
/// the fail-closed contract: exit 2, `INCOMPLETE` on stderr, a snapshot marked incomplete.
fn expect_incomplete(
    mut command: assert_cmd::Command,
    env: &str,
    attempts: &str,
) -> (scanner::Snapshot, String) {
    let args = [
        "snapshot",
        "--env",
        env,
        "--region",
        "us-east-1",
        "--max-attempts",
        attempts,
    ];
    let assert = command.args(args).assert().code(2);
    let output = assert.get_output();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(stderr.contains("INCOMPLETE"), "{stderr}");
    let snapshot = parse_snapshot(&output.stdout);
    assert!(!snapshot.complete);
    (snapshot, stderr)
}

#[test]
fn an_unreachable_endpoint_is_an_incomplete_snapshot_not_an_empty_one() {
    let refused = ClosedPort::reserve();
    let closed = &refused.endpoint;
    let (snapshot, _) = expect_incomplete(driftscan_command(closed), "staging", "1");
    assert!(snapshot.resources.is_empty());
    let mut services: Vec<Service> = snapshot.failures.iter().map(|f| f.service).collect();
    services.sort();
    services.dedup();
    let mut registered: Vec<Service> = scanner::services::services().collect();
    registered.sort();
    assert_eq!(services, registered, "every service says it failed");
    for kind in ResourceKind::ALL {
        assert!(
            !snapshot.kind_is_complete_everywhere(*kind),
            "{kind} claims to be complete"
        );
    }
    // The services that follow others are not even tried: what selects them is unread.
    let follows = |f: &scanner::model::ReadFailure| {
        f.code == scanner::scan::SELECTION_UNREAD
            && scanner::services::service(f.service).scope.follows()
    };
    assert!(
        snapshot
            .failures
            .iter()
            .all(|f| f.code == "ConnectionError" || follows(f)),
        "{:?}",
        snapshot.failures
    );
}

#[test]
fn one_failing_service_leaves_the_others_read_and_says_which() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let refused = ClosedPort::reserve();
    let closed = &refused.endpoint;
    let mut command = moto.driftscan();
    command.env("AWS_ENDPOINT_URL_SSM", closed);
    let (snapshot, stderr) = expect_incomplete(command, "staging", "2");
    assert!(stderr.contains("us-east-1 ssm:"), "{stderr}");
    // KMS is not read either: an unread SecureString may be what uses a key.
    let (kms, ssm): (Vec<_>, Vec<_>) = snapshot
        .failures
        .iter()
        .partition(|f| f.code == scanner::scan::SELECTION_UNREAD);
    assert!(ssm
        .iter()
        .all(|f| f.service == Service::Ssm && f.region == "us-east-1"));
    assert_eq!(kms.len(), 1, "{kms:?}");
    assert_eq!(
        (kms[0].service, kms[0].region.as_str()),
        (Service::Kms, "us-east-1")
    );
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
    let refused = ClosedPort::reserve();
    let closed = &refused.endpoint;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("snap.json");
    driftscan_command(closed)
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
fn missing_credentials_stop_the_snapshot_before_any_read() {
    // Resolved once before anything is read: one error saying what the chain tried, not a
    // snapshot whose every read failed (bad_input.rs covers every command that calls AWS).
    let moto = Moto::start();
    let output = moto
        .driftscan()
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["snapshot", "--env", "prod", "--region", "us-east-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(output.stdout.is_empty(), "no snapshot of nothing");
    assert_eq!(
        stderr.matches("Unable to locate credentials").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("Environment: "), "what was tried: {stderr}");
}

/// Runs a staging snapshot with `service`'s endpoint replaced by `server`.
fn snapshot_with_faulty(moto: &Moto, service: &str, server: &CannedServer) -> scanner::Snapshot {
    let mut command = moto.driftscan();
    command.env(format!("AWS_ENDPOINT_URL_{service}"), &server.endpoint);
    expect_incomplete(command, "staging", "3").0
}

#[test]
fn access_denied_on_one_service_is_named_and_its_kinds_unknown() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let denied = CannedServer::start(
        "400 Bad Request",
        &[("Content-Type", "application/x-amz-json-1.1")],
        r#"{"__type":"AccessDeniedException","message":"User is not authorized to perform: ecs:ListClusters"}"#,
    );
    let snapshot = snapshot_with_faulty(&moto, "ECS", &denied);
    // ECR and IAM select by the task definitions, so they are unknown too, and say why.
    let (selection, failures): (Vec<_>, Vec<_>) = snapshot
        .failures
        .iter()
        .partition(|f| f.code == scanner::scan::SELECTION_UNREAD);
    let mut unselected: Vec<Service> = selection.iter().map(|f| f.service).collect();
    unselected.sort();
    assert_eq!(unselected, [Service::Iam, Service::Ecr], "{selection:?}");
    assert_eq!(failures.len(), 1, "{:?}", snapshot.failures);
    let failure = failures[0];
    assert_eq!(
        (failure.service, failure.operation.as_str()),
        (Service::Ecs, "ListClusters")
    );
    assert_eq!(failure.code, "AccessDeniedException");
    assert!(
        failure.message.contains("not authorized"),
        "{}",
        failure.message
    );
    assert_eq!(denied.requests(), 1, "access denied is not retried");
    for kind in [
        ResourceKind::EcsCluster,
        ResourceKind::EcsService,
        ResourceKind::EcsTaskDefinition,
    ] {
        assert!(!snapshot.kind_is_complete("us-east-1", kind));
        assert!(snapshot.resources.iter().all(|r| r.kind != kind));
    }
    assert!(snapshot
        .resources
        .iter()
        .any(|r| r.kind == ResourceKind::DbCluster));
}

#[test]
fn throttling_is_retried_then_reported_never_taken_for_empty() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let throttled = CannedServer::start(
        "400 Bad Request",
        &[("Content-Type", "application/x-amz-json-1.1")],
        r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#,
    );
    let snapshot = snapshot_with_faulty(&moto, "SSM", &throttled);
    let ssm: Vec<_> = snapshot
        .failures
        .iter()
        .filter(|f| f.code != scanner::scan::SELECTION_UNREAD || f.service != Service::Kms)
        .collect();
    assert!(ssm.iter().all(|f| f.service == Service::Ssm));
    assert!(
        ssm.iter().all(|f| f.code == "ThrottlingException"),
        "{:?}",
        snapshot.failures
    );
    assert!(snapshot
        .resources
        .iter()
        .all(|r| r.kind != ResourceKind::SsmParameter));
    // Two paths, whose DescribeParameters fail before any value is asked for, three attempts
    // per call (the standard retry mode).
    assert_eq!(throttled.requests(), 2 * 3);
}

#[test]
fn server_errors_and_malformed_answers_are_failures() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));

    let unavailable = CannedServer::start("503 Service Unavailable", &[], "");
    let snapshot = snapshot_with_faulty(&moto, "EC2", &unavailable);
    assert!(snapshot.failures.iter().all(|f| f.service == Service::Ec2));
    assert!(!snapshot.kind_is_complete("us-east-1", ResourceKind::SecurityGroup));
    assert!(snapshot
        .resources
        .iter()
        .all(|r| scanner::services::service_of(r.kind) != Service::Ec2));
    assert_eq!(
        unavailable.requests(),
        3,
        "a 503 is retried up to --max-attempts"
    );

    let garbage = CannedServer::start(
        "200 OK",
        &[("Content-Type", "text/xml")],
        "<DescribeDBClustersResponse><DescribeDBClustersResult><DBClusters><DBCluster>",
    );
    let snapshot = snapshot_with_faulty(&moto, "RDS", &garbage);
    assert!(
        snapshot.failures.iter().all(|f| f.service == Service::Rds),
        "{:?}",
        snapshot.failures
    );
    assert!(snapshot
        .resources
        .iter()
        .all(|r| scanner::services::service_of(r.kind) != Service::Rds));
}

//! Fault injection between driftscan and the emulator (`fault_proxy.rs`). For every fault, one
//! of exactly two outcomes: the SDK's retries absorb it and the snapshot is byte-identical to the
//! fault-free one, or the scan is incomplete (exit 2, the failing region, service and operation
//! named) and nothing is concluded about what could not be read. Never a clean exit with
//! resources missing; one failing region does not stop the other.

use std::time::Duration;

use scanner::model::{ResourceKind, Service};
use scanner::Snapshot;

use crate::fault_proxy::{Calls, Fault, FaultProxy, Rule};
use crate::support::{
    block_on, driftscan_command, parse_snapshot, shipped_baselines, AlertInbox, Moto,
};

const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];

/// `driftscan snapshot --env staging` over both regions through `proxy`.
fn snapshot_through(proxy: &FaultProxy, extra: &[&str]) -> (i32, Snapshot, String) {
    let output = driftscan_command(&proxy.endpoint)
        .args(["snapshot", "--env", "staging", "--max-attempts", "3"])
        .args(REGIONS.iter().flat_map(|r| ["--region", r]))
        .args(extra)
        .output()
        .expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        parse_snapshot(&output.stdout),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn rule(service: &'static str, operation: &'static str, fault: Fault, calls: Calls) -> Rule {
    Rule {
        service,
        operation: Some(operation),
        region: None,
        fault,
        calls,
        body_contains: None,
    }
}

#[test]
fn every_fault_is_either_retried_away_or_reported_incomplete() {
    let moto = Moto::start();
    block_on(async {
        moto.provision("staging", "us-east-1").await;
        let config = moto.sdk_config("us-west-2").await;
        let spec = infra::EnvironmentSpec::reference("staging", Some("us-west-2")).unwrap();
        infra::apply(&config, &spec).await.unwrap();
    });
    let clean = FaultProxy::start(&moto.endpoint, vec![]);
    let (code, reference, stderr) = snapshot_through(&clean, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(reference.resources.len() > 50);
    let reference_json = reference.to_json();
    let calls: usize = clean.calls().values().sum();
    assert!(calls >= 20, "{:?}", clean.calls());

    // Transient faults: retried, and the result is exactly the fault-free one.
    for (name, rules) in [
        (
            "2 throttled DescribeSecurityGroups",
            vec![rule(
                "ec2",
                "DescribeSecurityGroups",
                Fault::Throttle,
                Calls::First(2),
            )],
        ),
        (
            // A fraction of the calls: with one caller per region, nobody is throttled more
            // than twice in a row, within the 3 attempts.
            "every other DescribeSecurityGroups throttled",
            vec![rule(
                "ec2",
                "DescribeSecurityGroups",
                Fault::Throttle,
                Calls::OneIn(2),
            )],
        ),
        (
            "1 throttled GetParameters",
            vec![rule(
                "ssm",
                "GetParameters",
                Fault::Throttle,
                Calls::First(1),
            )],
        ),
        (
            "2 throttled DescribeParameters",
            vec![rule(
                "ssm",
                "DescribeParameters",
                Fault::Throttle,
                Calls::First(2),
            )],
        ),
        (
            "a 503 on DescribeDBClusters",
            vec![rule(
                "rds",
                "DescribeDBClusters",
                Fault::Status(503),
                Calls::First(1),
            )],
        ),
        (
            "a 500 on DescribeServices",
            vec![rule(
                "ecs",
                "DescribeServices",
                Fault::Status(500),
                Calls::First(1),
            )],
        ),
        (
            "a reset connection on DescribeVpcs",
            vec![rule("ec2", "DescribeVpcs", Fault::Reset, Calls::First(1))],
        ),
    ] {
        let proxy = FaultProxy::start(&moto.endpoint, rules);
        let (code, snapshot, stderr) = snapshot_through(&proxy, &[]);
        assert!(proxy.faulted() > 0, "{name}: the fault was injected");
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(
            snapshot.to_json(),
            reference_json,
            "{name}: identical to the fault-free snapshot"
        );
    }

    // Lasting faults: incomplete, named, and nothing of the unread kinds.
    struct Case {
        name: &'static str,
        rules: Vec<Rule>,
        extra: &'static [&'static str],
        service: Service,
        operation: &'static str,
        code: &'static str,
        kind: ResourceKind,
    }
    let cases = [
        Case {
            name: "throttled on every call",
            rules: vec![rule(
                "ec2",
                "DescribeSecurityGroups",
                Fault::Throttle,
                Calls::All,
            )],
            extra: &[],
            service: Service::Ec2,
            operation: "DescribeSecurityGroups",
            code: "RequestLimitExceeded",
            kind: ResourceKind::SecurityGroup,
        },
        Case {
            name: "access denied",
            rules: vec![rule(
                "rds",
                "DescribeDBClusters",
                Fault::AccessDenied,
                Calls::All,
            )],
            extra: &[],
            service: Service::Rds,
            operation: "DescribeDBClusters",
            code: "AccessDenied",
            kind: ResourceKind::DbCluster,
        },
        Case {
            name: "503 on every call",
            rules: vec![rule("ssm", "GetParameters", Fault::Status(503), Calls::All)],
            extra: &[],
            service: Service::Ssm,
            operation: "GetParameters",
            code: "InternalError",
            kind: ResourceKind::SsmParameter,
        },
        Case {
            name: "slower than the operation timeout",
            rules: vec![rule(
                "ecs",
                "DescribeServices",
                Fault::Delay(Duration::from_secs(3)),
                Calls::All,
            )],
            extra: &["--operation-timeout", "1"],
            service: Service::Ecs,
            operation: "DescribeServices",
            code: "Timeout",
            kind: ResourceKind::EcsService,
        },
        Case {
            name: "a truncated body",
            rules: vec![rule("ec2", "DescribeSubnets", Fault::Truncate, Calls::All)],
            extra: &[],
            service: Service::Ec2,
            operation: "DescribeSubnets",
            code: "",
            kind: ResourceKind::Subnet,
        },
        Case {
            name: "a malformed body",
            rules: vec![rule(
                "ec2",
                "DescribeRouteTables",
                Fault::Malformed,
                Calls::All,
            )],
            extra: &[],
            service: Service::Ec2,
            operation: "DescribeRouteTables",
            code: "",
            kind: ResourceKind::RouteTable,
        },
        Case {
            name: "load balancing throttled on every call",
            rules: vec![rule(
                "elasticloadbalancing",
                "DescribeListeners",
                Fault::Throttle,
                Calls::All,
            )],
            extra: &[],
            service: Service::Elasticloadbalancing,
            operation: "DescribeListeners",
            code: "Throttling",
            kind: ResourceKind::Listener,
        },
        Case {
            name: "connections reset on every call",
            rules: vec![rule("ecs", "DescribeClusters", Fault::Reset, Calls::All)],
            extra: &[],
            service: Service::Ecs,
            operation: "DescribeClusters",
            code: "",
            kind: ResourceKind::EcsCluster,
        },
    ];
    for case in cases {
        let proxy = FaultProxy::start(&moto.endpoint, case.rules);
        let (code, snapshot, stderr) = snapshot_through(&proxy, case.extra);
        let name = case.name;
        assert_eq!(code, 2, "{name}: incomplete, never clean: {stderr}");
        assert!(!snapshot.complete, "{name}");
        for region in REGIONS {
            let failure = snapshot
                .failures
                .iter()
                .find(|f| f.region == region && f.service == case.service)
                .unwrap_or_else(|| {
                    panic!(
                        "{name}: {region} {} named in {:#?}",
                        case.service, snapshot.failures
                    )
                });
            assert!(failure.kinds.contains(&case.kind), "{name}: {failure}");
            if !case.code.is_empty() {
                assert_eq!(failure.code, case.code, "{name}: {failure}");
            }
            if case.operation != "DescribeServices" {
                assert_eq!(failure.operation, case.operation, "{name}: {failure}");
            }
            assert!(
                stderr.contains(region),
                "{name}: the failing region is named: {stderr}"
            );
        }
        assert!(
            snapshot.resources.iter().all(|r| !snapshot
                .failures
                .iter()
                .any(|f| f.region == r.region && f.kinds.contains(&r.kind))),
            "{name}: nothing of an unread kind is kept"
        );
        // Every resource of the kinds that were read is there (references to an unread kind
        // keep their ids but cannot be named, so identities are compared).
        let identity = |r: &scanner::Resource| (r.region.clone(), r.kind, r.id.clone());
        let read: Vec<_> = reference
            .resources
            .iter()
            .filter(|r| snapshot.kind_is_complete(&r.region, r.kind))
            .map(identity)
            .collect();
        let got: Vec<_> = snapshot.resources.iter().map(identity).collect();
        assert_eq!(got, read, "{name}");
    }

    // S3 denies one bucket's policy (the bucket lives in the region provisioned first): the kind
    // is unread there, never "no policy", and nothing else is lost.
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![rule("s3", "GetPolicy", Fault::AccessDenied, Calls::All)],
    );
    let (code, snapshot, stderr) = snapshot_through(&proxy, &[]);
    assert_eq!(code, 2, "{stderr}");
    let failures: Vec<String> = snapshot.failures.iter().map(|f| f.to_string()).collect();
    // KMS is not read there either: which keys are staging's depends on what its bucket uses.
    assert_eq!(snapshot.failures.len(), 2, "{failures:#?}");
    let failure = &snapshot.failures[0];
    let kms = &snapshot.failures[1];
    assert_eq!(
        (kms.service, kms.code.as_str(), kms.kinds.as_slice()),
        (
            Service::Kms,
            scanner::scan::SELECTION_UNREAD,
            [ResourceKind::KmsKey].as_slice()
        )
    );
    assert_eq!(
        (
            failure.region.as_str(),
            failure.service,
            failure.operation.as_str(),
            failure.code.as_str()
        ),
        ("us-east-1", Service::S3, "GetBucketPolicy", "AccessDenied")
    );
    assert_eq!(failure.kinds, [ResourceKind::S3Bucket]);
    let unread = |r: &scanner::Resource| {
        r.region == "us-east-1" && [ResourceKind::S3Bucket, ResourceKind::KmsKey].contains(&r.kind)
    };
    assert!(!snapshot.resources.iter().any(unread));
    let others = |s: &Snapshot| {
        s.resources
            .iter()
            .filter(|r| !unread(r))
            .map(|r| (r.region.clone(), r.kind, r.id.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&snapshot), others(&reference));

    // One region failing: the other is read in full.
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![Rule {
            service: "ec2",
            operation: None,
            region: Some("us-west-2"),
            fault: Fault::Status(500),
            calls: Calls::All,
            body_contains: None,
        }],
    );
    let (code, snapshot, _) = snapshot_through(&proxy, &[]);
    assert_eq!(code, 2);
    assert!(snapshot.failures.iter().all(|f| f.region == "us-west-2"));
    let east = |s: &Snapshot| {
        s.resources
            .iter()
            .filter(|r| r.region == "us-east-1")
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(east(&snapshot), east(&reference));
}

#[test]
fn a_scan_with_an_unreadable_kind_alerts_incomplete_and_concludes_nothing_about_it() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let config = block_on(moto.sdk_config("us-east-1"));
    let inbox = block_on(AlertInbox::create(&config));
    let config_file = inbox.config_file(moto.dir.path());
    // Publishing goes straight to moto; only the scan's reads go through the proxy.
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![rule(
            "ec2",
            "DescribeSecurityGroups",
            Fault::AccessDenied,
            Calls::All,
        )],
    );
    let output = driftscan_command(&proxy.endpoint)
        .env("AWS_ENDPOINT_URL_SNS", &moto.endpoint)
        .env("AWS_ENDPOINT_URL_SSM", &moto.endpoint)
        .current_dir(moto.dir.path())
        .args([
            "scan",
            "--env",
            "staging",
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--fail-on",
            "info",
            "--publish",
        ])
        .arg("--config")
        .arg(&config_file)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let report: scanner::model::Report = serde_json::from_slice(&output.stdout).unwrap();
    assert!(!report.complete);
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.resource_type != ResourceKind::SecurityGroup),
        "no finding about security groups it could not read: {:#?}",
        report.findings
    );
    assert!(
        stderr.contains(r#""ScanIncomplete":1.0"#),
        "the metric says so: {stderr}"
    );
    let (raw, envelopes) = block_on(inbox.drain());
    assert_eq!(raw.len(), 1);
    assert!(envelopes[0]["Subject"]
        .as_str()
        .unwrap()
        .contains("INCOMPLETE"));
    assert!(raw[0]["reports"][0]["failures"][0]
        .as_str()
        .unwrap()
        .contains("DescribeSecurityGroups"));
}

#[test]
fn a_failed_value_read_stops_describing_the_path() {
    let moto = Moto::start();
    block_on(async {
        let ssm = aws_sdk_ssm::Client::new(&moto.sdk_config("us-east-1").await);
        for i in 0..100 {
            ssm.put_parameter()
                .name(format!("/staging/bulk/p{i:03}"))
                .value("v")
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .send()
                .await
                .unwrap();
        }
    });
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![rule(
            "ssm",
            "GetParameters",
            Fault::AccessDenied,
            Calls::All,
        )],
    );
    let output = driftscan_command(&proxy.endpoint)
        .args(["snapshot", "--env", "staging", "--region", "us-east-1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let snapshot = parse_snapshot(&output.stdout);
    assert!(snapshot
        .failures
        .iter()
        .any(|f| f.operation == "GetParameters" && f.code == "AccessDeniedException"));
    let calls = proxy.calls();
    let count = |operation: &str| {
        calls
            .get(&("ssm".to_string(), operation.to_string()))
            .copied()
            .unwrap_or(0)
    };
    // Without stopping, /staging is 10 of moto's pages (and /shared one more), each followed
    // by a value read: the first denied read ends the path's description within a few pages.
    assert!(count("DescribeParameters") <= 6, "{calls:?}");
    assert!(count("GetParameters") <= 4, "{calls:?}");
}

/// A string that lives as long as the proxy's rules need.
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[test]
fn items_deleted_while_the_scan_runs_are_absent_not_unread() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", "us-east-1"));
    let config = block_on(moto.sdk_config("us-east-1"));
    let bucket = block_on(async {
        let s3 = aws_sdk_s3::Client::new(&config);
        let buckets = s3.list_buckets().send().await.unwrap();
        buckets
            .buckets()
            .iter()
            .filter_map(|b| b.name())
            .find(|n| n.starts_with("trading-data-staging"))
            .unwrap()
            .to_string()
    });
    let parameters: Vec<String> = block_on(async {
        let ssm = aws_sdk_ssm::Client::new(&config);
        let page = ssm
            .get_parameters_by_path()
            .path("/staging")
            .recursive(true)
            .send()
            .await
            .unwrap();
        page.parameters()
            .iter()
            .filter_map(|p| p.name().map(str::to_string))
            .collect()
    });
    let invalid =
        serde_json::json!({"Parameters": [], "InvalidParameters": parameters}).to_string();
    let not_found = |service, operation, status, code, item: &str| Rule {
        body_contains: Some(leak(item.to_string())),
        ..rule(service, operation, Fault::Error(status, code), Calls::All)
    };
    let lb_name = "alb-staging";
    // One per-item read of each service answered "not found" for an item it had just listed.
    // RDS reads clusters and instances as whole lists, with no per-item read to fail.
    let cases: Vec<(Vec<Rule>, ResourceKind, usize)> = vec![
        (
            vec![not_found(
                "ec2",
                "DescribeVpcAttribute",
                "400 Bad Request",
                "InvalidVpcID.NotFound",
                &staging.vpc_id,
            )],
            ResourceKind::Vpc,
            1,
        ),
        (
            vec![not_found(
                "ecs",
                "ListServices",
                "400 Bad Request",
                "ClusterNotFoundException",
                &staging.cluster,
            )],
            ResourceKind::EcsCluster,
            1,
        ),
        (
            vec![
                not_found(
                    "elasticloadbalancing",
                    "DescribeLoadBalancerAttributes",
                    "400 Bad Request",
                    "LoadBalancerNotFound",
                    lb_name,
                ),
                not_found(
                    "elasticloadbalancing",
                    "DescribeListeners",
                    "400 Bad Request",
                    "LoadBalancerNotFound",
                    lb_name,
                ),
            ],
            ResourceKind::LoadBalancer,
            1,
        ),
        (
            vec![not_found(
                "s3",
                "GetVersioning",
                "404 Not Found",
                "NoSuchBucket",
                &bucket,
            )],
            ResourceKind::S3Bucket,
            1,
        ),
        (
            vec![Rule {
                body_contains: Some("/staging/"),
                ..rule("ssm", "GetParameters", Fault::Answer(invalid), Calls::All)
            }],
            ResourceKind::SsmParameter,
            parameters.len(),
        ),
    ];
    for (rules, kind, deleted) in cases {
        let proxy = FaultProxy::start(&moto.endpoint, rules);
        let output = driftscan_command(&proxy.endpoint)
            .args([
                "scan",
                "--env",
                "staging",
                "--region",
                "us-east-1",
                "--format",
                "json",
            ])
            .arg("--baselines")
            .arg(shipped_baselines())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let report: scanner::model::Report = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{kind}: {e}: {stderr}"));
        assert!(proxy.faulted() > 0, "{kind}: the fault was hit");
        assert!(
            report.complete,
            "{kind}: not a failed read: {:?}",
            report.failures
        );
        assert_eq!(
            output.status.code(),
            Some(1),
            "{kind}: drift, not an error: {stderr}"
        );
        let noted: Vec<_> = report
            .deleted_during_scan
            .iter()
            .filter(|d| d.kind == kind)
            .collect();
        assert_eq!(
            noted.len(),
            deleted,
            "{kind}: {:?}",
            report.deleted_during_scan
        );
        let missing = report
            .findings
            .iter()
            .filter(|f| f.kind == scanner::model::FindingKind::Missing && f.resource_type == kind)
            .count();
        assert_eq!(
            missing, deleted,
            "{kind}: compared as absent: {:#?}",
            report.findings
        );
        // The text report names what went while the scan ran.
        let text = driftscan_command(&proxy.endpoint)
            .args(["scan", "--env", "staging", "--region", "us-east-1"])
            .arg("--baselines")
            .arg(shipped_baselines())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(
            text.contains("deleted while the scan ran (compared as absent):"),
            "{text}"
        );
    }
}

/// `driftscan snapshot --env staging` in us-east-1 only, through `proxy`.
fn snapshot_of_one_region(proxy: &FaultProxy) -> (i32, Snapshot, String) {
    let output = driftscan_command(&proxy.endpoint)
        .args(["snapshot", "--env", "staging", "--region", "us-east-1"])
        .args(["--max-attempts", "2"])
        .output()
        .expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        parse_snapshot(&output.stdout),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Every service of the registry, refused on every call: the scan is incomplete and names it
/// wherever it reads (its region, and the global region for a global read), keeps nothing of
/// what it could not read (its kinds, and those of the services it selects for), and keeps
/// exactly the fault-free snapshot's resources of everything else. A clean read of Secrets
/// Manager never asks for a value.
#[test]
fn every_service_refused_is_named_and_nothing_it_left_unknown_is_kept() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let clean = FaultProxy::start(&moto.endpoint, vec![]);
    let (code, reference, stderr) = snapshot_of_one_region(&clean);
    assert_eq!(code, 0, "{stderr}");
    let calls = clean.calls();
    assert!(calls.keys().any(|(service, _)| service == "secretsmanager"));
    let values: Vec<_> = calls
        .keys()
        .filter(|(_, op)| op.contains("SecretValue"))
        .collect();
    assert!(
        values.is_empty(),
        "a secret's value was asked for: {values:?}"
    );
    let identity = |r: &scanner::Resource| (r.region.clone(), r.kind, r.id.clone());
    for declared in scanner::services::SERVICES {
        let service = declared.service;
        let deny = Rule {
            service: declared.iam_prefix(),
            operation: None,
            region: None,
            fault: Fault::AccessDenied,
            calls: Calls::All,
            body_contains: None,
        };
        let proxy = FaultProxy::start(&moto.endpoint, vec![deny]);
        let (code, snapshot, stderr) = snapshot_of_one_region(&proxy);
        assert_eq!(code, 2, "{service}: incomplete, never clean: {stderr}");
        let mut regions = Vec::new();
        if !declared.scope.is_global() {
            regions.push("us-east-1");
        }
        if declared.scope.reads_globally() {
            regions.push(scanner::kinds::GLOBAL_REGION);
        }
        for region in regions {
            let failure = snapshot
                .failures
                .iter()
                .find(|f| f.region == region && f.service == service)
                .unwrap_or_else(|| panic!("{service} in {region}: {:#?}", snapshot.failures));
            assert!(
                [
                    "AccessDenied",
                    "AccessDeniedException",
                    "UnauthorizedOperation"
                ]
                .contains(&failure.code.as_str()),
                "{service} in {region}: refused, not left unselected: {failure}"
            );
            for kind in declared.kinds {
                assert!(
                    !snapshot.kind_is_complete(region, kind.kind),
                    "{service}: {}",
                    kind.kind
                );
            }
        }
        let unread = |r: &scanner::Resource| !snapshot.kind_is_complete(&r.region, r.kind);
        assert!(
            !snapshot.resources.iter().any(unread),
            "{service}: unknown, not kept"
        );
        let read: Vec<_> = reference
            .resources
            .iter()
            .filter(|r| !unread(r))
            .map(identity)
            .collect();
        let got: Vec<_> = snapshot.resources.iter().map(identity).collect();
        assert_eq!(
            got, read,
            "{service}: everything else as the fault-free snapshot"
        );
        assert!(proxy.faulted() > 0, "{service}: called, and refused");
    }
}

//! `driftscan snapshot` against a populated emulator.

use std::collections::BTreeMap;

use aws_sdk_ecs::types as ecs;
use aws_sdk_ssm::types::ParameterType;
use scanner::model::{Properties, ResourceKind, RulePeer};
use scanner::Snapshot;

use crate::support::{block_on, parse_snapshot, register_worker_with_secret, Moto};

const PLAINTEXT: &str = "correct-horse-battery-staple-7731";

/// Staging, prod and dev side by side (staging and prod in us-east-1, dev in us-east-2),
/// plus what a real estate accumulates in staging: more than 10 parameters under one path,
/// more than 10 services in one cluster, secrets, a hand-made security group, and a preview
/// environment's service inside staging's cluster.
async fn seed_estate(moto: &Moto) {
    moto.provision("staging", "us-east-1").await;
    moto.provision("prod", "us-east-1").await;
    moto.provision("dev", "us-east-2").await;

    let config = moto.sdk_config("us-east-1").await;
    let ssm = aws_sdk_ssm::Client::new(&config);
    for i in 1..=12 {
        ssm.put_parameter()
            .name(format!("/staging/feature-flags/flag-{i:02}"))
            .value(if i % 2 == 0 { "on" } else { "off" })
            .r#type(ParameterType::String)
            .send()
            .await
            .expect("put flag");
    }
    for env in ["staging", "prod"] {
        ssm.put_parameter()
            .name(format!("/{env}/db-password"))
            .value(PLAINTEXT)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect("put secure string");
    }

    let ecs_client = aws_sdk_ecs::Client::new(&config);
    let worker_arn = register_worker_with_secret(&ecs_client).await;
    for i in 1..=12 {
        let mut request = ecs_client
            .create_service()
            .cluster("ecs-cluster-staging")
            .service_name(format!("worker-{i:02}-staging"))
            .task_definition(&worker_arn)
            .desired_count(1)
            .launch_type(ecs::LaunchType::Fargate);
        if i % 2 == 0 {
            request = request.tags(
                ecs::Tag::builder()
                    .key("Environment")
                    .value("staging")
                    .build(),
            );
        }
        request.send().await.expect("create worker service");
    }
    ecs_client
        .create_service()
        .cluster("ecs-cluster-staging")
        .service_name("trading-app-pr-7")
        .task_definition(&worker_arn)
        .desired_count(1)
        .tags(ecs::Tag::builder().key("Environment").value("pr-7").build())
        .send()
        .await
        .expect("create preview service");

    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpc_id = ec2
        .describe_vpcs()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("tag:Environment")
                .values("staging")
                .build(),
        )
        .send()
        .await
        .expect("vpcs")
        .vpcs()[0]
        .vpc_id()
        .expect("vpc id")
        .to_string();
    ec2.create_security_group()
        .group_name("hand-made")
        .description("created in the console")
        .vpc_id(vpc_id)
        .send()
        .await
        .expect("hand-made group");
}

fn counts(snapshot: &Snapshot, region: &str) -> BTreeMap<ResourceKind, usize> {
    let mut counts = BTreeMap::new();
    for r in snapshot.resources.iter().filter(|r| r.region == region) {
        *counts.entry(r.kind).or_insert(0) += 1;
    }
    counts
}

fn find<'a>(snapshot: &'a Snapshot, kind: ResourceKind, name: &str) -> &'a scanner::Resource {
    snapshot
        .resources
        .iter()
        .find(|r| r.kind == kind && r.name == name)
        .unwrap_or_else(|| panic!("no {kind} named {name}"))
}

#[test]
fn staging_snapshot_holds_all_of_staging_and_nothing_else() {
    let moto = Moto::start();
    block_on(seed_estate(&moto));

    let run = || {
        moto.driftscan()
            .args(["snapshot", "--env", "staging", "--region", "us-east-1"])
            .assert()
            .success()
    };
    let first = run();
    let output = first.get_output();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stdout.contains(PLAINTEXT),
        "SecureString plaintext in the snapshot"
    );
    assert!(
        !stderr.contains(PLAINTEXT),
        "SecureString plaintext on stderr"
    );
    let snapshot = parse_snapshot(&output.stdout);
    assert!(snapshot.complete, "{:?}", snapshot.failures);

    use ResourceKind::*;
    let expected = BTreeMap::from([
        (Vpc, 1),
        (Subnet, 6),
        (RouteTable, 3), // public, private and the VPC's main table
        (InternetGateway, 1),
        (NatGateway, 1),
        (SecurityGroup, 6), // lb, app, db, cache, default and the hand-made one
        (EcsCluster, 1),
        (EcsService, 13), // the app and 12 workers, not pr-7's service
        (EcsTaskDefinition, 2),
        (DbCluster, 1),
        (DbInstance, 2),
        (SsmParameter, 21), // 3 shared, 5 staging, 12 flags, 1 SecureString
        (LoadBalancer, 1),
        (Listener, 2), // HTTP:80 redirecting, HTTPS:443 forwarding
        (TargetGroup, 1),
        (S3Bucket, 1),
        (CacheReplicationGroup, 1),
        (SecretsManagerSecret, 2), // the Redis AUTH token's and the master password RDS keeps
        (LogGroup, 1),             // the app's
        (KmsKey, 1),               // alias/trading-staging, which its bucket uses
        (AcmCertificate, 1),       // the load balancer's, DNS-validated
        (EcrRepository, 1),        // the account's trading-app, which its tasks pull from
        (WafWebAcl, 1),            // trading-staging, in front of its load balancer
    ]);
    assert_eq!(counts(&snapshot, "us-east-1"), expected);
    // The app's task and execution roles; staging's zone, the records at its apex and at its
    // CDN's host, and the one ACM validates its certificate by; the distribution, and the web
    // ACL in front of it (CloudFront's scope).
    let global = BTreeMap::from([
        (IamRole, 2),
        (DnsZone, 1),
        (DnsRecord, 3),
        (CloudfrontDistribution, 1),
        (WafWebAcl, 1),
    ]);
    assert_eq!(counts(&snapshot, "global"), global);

    for resource in &snapshot.resources {
        let global = [IamRole, DnsZone, DnsRecord, CloudfrontDistribution].contains(&resource.kind)
            || resource.name == "trading-staging-cdn";
        assert_eq!(resource.region, if global { "global" } else { "us-east-1" });
        if let Some(env) = resource.tags.get("Environment") {
            // The account's image repository is shared, and staging's because it pulls from it.
            let shared = resource.kind == ResourceKind::EcrRepository && env == "shared";
            assert!(
                env == "staging" || shared,
                "{} {}",
                resource.kind,
                resource.name
            );
        }
        for other in ["prod", "dev", "pr-7"] {
            assert!(
                !resource.name.contains(other),
                "{} {} belongs to {other}",
                resource.kind,
                resource.name
            );
        }
    }

    // Selection and naming.
    find(&snapshot, SecurityGroup, "hand-made");
    let service = find(&snapshot, EcsService, "trading-app-staging");
    assert_eq!(service.logical_name, "trading-app-{env}");
    let Properties::EcsService(service) = &service.properties else {
        unreachable!()
    };
    let network = service.network.as_ref().expect("awsvpc network");
    assert!(!network.assign_public_ip);
    let groups: Vec<_> = network
        .security_groups
        .iter()
        .map(|g| g.name.as_deref())
        .collect();
    assert_eq!(groups, [Some("app-staging")]);
    assert_eq!(network.subnets.len(), 3);
    assert!(network.subnets.iter().all(|s| s
        .name
        .as_deref()
        .unwrap_or("")
        .starts_with("private-")));

    let db_group = find(&snapshot, SecurityGroup, "db-staging");
    let Properties::SecurityGroup(db_group) = &db_group.properties else {
        unreachable!()
    };
    assert_eq!(db_group.ingress.len(), 1);
    let RulePeer::Group(peer) = &db_group.ingress[0].peer else {
        panic!("db ingress from a CIDR")
    };
    assert_eq!(peer.name.as_deref(), Some("app-staging"));
    assert_eq!(db_group.ingress[0].from_port, Some(5432));

    let cluster = find(&snapshot, EcsCluster, "ecs-cluster-staging");
    let Properties::EcsCluster(cluster) = &cluster.properties else {
        unreachable!()
    };
    assert_eq!(
        cluster
            .settings
            .get("containerInsights")
            .map(String::as_str),
        Some("enabled")
    );

    let aurora = find(&snapshot, DbCluster, "aurora-cluster-staging");
    let Properties::DbCluster(aurora) = &aurora.properties else {
        unreachable!()
    };
    assert!(aurora.storage_encrypted);
    assert_eq!(aurora.backup_retention_period, Some(7));
    assert_eq!(aurora.engine, "aurora-postgresql");

    let secret = find(&snapshot, SsmParameter, "/staging/db-password");
    assert_eq!(secret.logical_name, "/{env}/db-password");
    let Properties::SsmParameter(secret) = &secret.properties else {
        unreachable!()
    };
    assert_eq!(secret.parameter_type, "SecureString");
    assert_eq!(secret.value, None);
    assert_eq!(secret.value_digest, None);
    assert!(secret.key_id.is_some());

    let worker = find(&snapshot, EcsTaskDefinition, "worker-staging");
    let Properties::EcsTaskDefinition(worker) = &worker.properties else {
        unreachable!()
    };
    assert_eq!(
        worker.containers[0].secrets["DB_PASSWORD"],
        "arn:aws:ssm:us-east-1:123456789012:parameter/staging/db-password"
    );

    // The same state snapshots to the same bytes.
    let second = run();
    assert_eq!(
        output.stdout,
        second.get_output().stdout,
        "snapshots differ"
    );
}

#[test]
fn several_regions_are_scanned_at_once() {
    let moto = Moto::start();
    block_on(async {
        moto.provision("staging", "us-east-1").await;
        moto.provision("staging", "us-west-2").await;
        moto.provision("prod", "us-west-2").await;
    });
    let assert = moto
        .driftscan()
        .args([
            "snapshot",
            "--env",
            "staging",
            "--region",
            "us-west-2",
            "--region",
            "us-east-1",
        ])
        .assert()
        .success();
    let snapshot = parse_snapshot(&assert.get_output().stdout);
    assert_eq!(snapshot.regions, ["us-east-1", "us-west-2"]);
    let mut east = counts(&snapshot, "us-east-1");
    let west = counts(&snapshot, "us-west-2");
    // Bucket names are global: the environment's one bucket lives in the region provisioned
    // first, and each region's scan reads only the buckets located there.
    assert_eq!(east.remove(&ResourceKind::S3Bucket), Some(1));
    assert_eq!(east, west, "the same environment shape in both regions");
    assert_eq!(east.values().sum::<usize>(), 43);
    assert!(snapshot.resources.iter().all(|r| !r.name.contains("prod")));
}

#[test]
fn secure_digest_records_a_keyed_digest_and_never_the_value() {
    let moto = Moto::start();
    block_on(async {
        let ssm = aws_sdk_ssm::Client::new(&moto.sdk_config("us-east-1").await);
        ssm.put_parameter()
            .name("/prod/db-password")
            .value(PLAINTEXT)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .expect("put");
    });
    let key = "a-team-held-digest-key-0001";
    let assert = moto
        .driftscan()
        .env("DRIFTSCAN_SECURE_DIGEST_KEY", key)
        .args([
            "snapshot",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--secure-digest",
        ])
        .assert()
        .success();
    let stdout = &assert.get_output().stdout;
    assert!(!String::from_utf8_lossy(stdout).contains(PLAINTEXT));
    let snapshot = parse_snapshot(stdout);
    let Properties::SsmParameter(parameter) = &snapshot.resources[0].properties else {
        panic!("expected the parameter")
    };
    let expected = scanner::digest::DigestKey::new(key.as_bytes().to_vec())
        .unwrap()
        .digest(PLAINTEXT);
    assert_eq!(parameter.value_digest.as_deref(), Some(expected.as_str()));
    assert_eq!(parameter.value, None);
}

//! `driftscan compare` against the emulator: two environments provisioned from the same
//! platform compare clean (their sizing is expected), and injected divergences are reported
//! exactly once each.

use aws_sdk_ec2::types as ec2;
use predicates::str::contains;
use scanner::model::{Report, Severity};

use crate::support::{block_on, shipped_baselines, Moto, ACCOUNT};

fn compare(moto: &Moto, extra: &[&str]) -> (i32, Report) {
    let output = moto
        .driftscan()
        .args([
            "compare",
            "staging",
            "prod",
            "--region",
            "us-east-1",
            "--format",
            "json",
            "--baselines",
        ])
        .arg(shipped_baselines())
        .args(extra)
        .output()
        .expect("driftscan runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not a report ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report)
}

fn differences(report: &Report) -> Vec<(String, Option<String>)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                format!("{}/{}", f.resource_type, f.logical_name),
                f.path.clone(),
            )
        })
        .collect()
}

#[test]
fn staging_and_prod_differ_only_where_they_should_then_exactly_where_injected() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let ssm = aws_sdk_ssm::Client::new(&config);
    let (staging, prod) = block_on(async {
        (
            moto.provision("staging", "us-east-1").await,
            moto.provision("prod", "us-east-1").await,
        )
    });

    let (code, report) = compare(&moto, &[]);
    assert_eq!(
        (code, differences(&report)),
        (0, vec![]),
        "equivalent environments"
    );
    let (_, shown) = compare(&moto, &["--show-expected"]);
    assert!(
        shown.findings.len() >= 8,
        "the sizing differences: {:#?}",
        differences(&shown)
    );
    assert!(shown.findings.iter().all(|f| f.severity == Severity::Info));

    // An ingress rule added by hand in staging only.
    let rule = ec2::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(9090)
        .to_port(9090)
        .ip_ranges(ec2::IpRange::builder().cidr_ip("10.1.0.0/16").build())
        .build();
    block_on(
        ec2c.authorize_security_group_ingress()
            .group_id(&staging.security_groups["app"])
            .ip_permissions(rule)
            .send(),
    )
    .unwrap();
    let (code, report) = compare(&moto, &[]);
    assert_eq!(
        differences(&report),
        [(
            "security-group/app-{env}".to_string(),
            Some("properties.ingress".to_string())
        )]
    );
    assert_eq!(code, 1, "a difference fails the default gate (medium)");
    // docs/compare.md shows this comparison: its figures are as the run now reads.
    let docs = crate::support::shipped_baselines().join("../docs/compare.md");
    let docs = std::fs::read_to_string(docs).expect("docs/compare.md");
    let figures = [
        format!(
            "driftscan compare: staging..prod in us-east-1 — 1 finding (1 medium), {} resources checked",
            report.counts.resources
        ),
        format!("({} expected differences with", shown.findings.len()),
    ];
    for figure in figures {
        assert!(docs.contains(&figure), "docs/compare.md lacks {figure}");
    }

    // A parameter missing in prod.
    block_on(ssm.delete_parameter().name("/prod/api-timeout").send()).unwrap();
    let (_, report) = compare(&moto, &[]);
    let rows = differences(&report);
    assert_eq!(rows.len(), 2, "{rows:#?}");
    assert!(
        rows.contains(&("ssm-parameter//{env}/api-timeout".to_string(), None)),
        "{rows:#?}"
    );
    let missing = report.findings.iter().find(|f| f.path.is_none()).unwrap();
    assert_eq!(
        missing.expected,
        Some(serde_json::json!({"exists": true})),
        "staging has it"
    );
    assert_eq!(
        missing.actual,
        Some(serde_json::json!({"exists": false})),
        "prod does not"
    );
    let mut known = rows;

    // Each further divergence adds exactly one difference.
    let mut expect_more = |what: &str, more: &[(&str, Option<&str>)]| {
        let (_, report) = compare(&moto, &[]);
        let rows = differences(&report);
        let added: Vec<_> = rows
            .iter()
            .filter(|r| !known.contains(r))
            .cloned()
            .collect();
        let more: Vec<_> = more
            .iter()
            .map(|(resource, path)| (resource.to_string(), path.map(str::to_string)))
            .collect();
        assert_eq!(added, more, "{what}: {rows:#?}");
        assert_eq!(
            rows.len(),
            known.len() + more.len(),
            "{what}: nothing else changed"
        );
        known = rows;
    };

    // A different Aurora engine version in staging.
    let rds = aws_sdk_rds::Client::new(&config);
    block_on(
        rds.modify_db_cluster()
            .db_cluster_identifier(&staging.db_cluster)
            .engine_version("15.5")
            .apply_immediately(true)
            .send(),
    )
    .unwrap();
    expect_more(
        "engine version",
        &[(
            "db-cluster/aurora-cluster-{env}",
            Some("properties.engine_version"),
        )],
    );

    // Prod's service running an image from another repository (its own tag line).
    let ecsc = aws_sdk_ecs::Client::new(&config);
    block_on(async {
        let spec = infra::EnvironmentSpec::reference("prod", None).unwrap();
        let arn = infra::register_app_task_definition(
            &ecsc,
            &spec,
            (ACCOUNT, "registry.example.com/forked/trading-app:v1.4.2"),
        )
        .await
        .unwrap();
        ecsc.update_service()
            .cluster("ecs-cluster-prod")
            .service("trading-app-prod")
            .task_definition(arn)
            .send()
            .await
            .unwrap();
    });
    // Prod no longer pulls from the account's repository, so it is no longer prod's.
    expect_more(
        "image repository",
        &[
            (
                "ecs-task-definition/trading-app-{env}",
                Some("properties.containers[trading-app].image_ref.repository"),
            ),
            ("ecr-repository/trading-app", None),
        ],
    );

    // An extra ECS service in staging (running the app's own task definition).
    block_on(async {
        let current = ecsc
            .describe_services()
            .cluster(&staging.cluster)
            .services(&staging.service)
            .send()
            .await
            .unwrap();
        let arn = current.services()[0].task_definition().unwrap().to_string();
        ecsc.create_service()
            .cluster(&staging.cluster)
            .service_name("reports-staging")
            .task_definition(arn)
            .desired_count(1)
            .set_tags(Some(infra::ecs_tags(
                &infra::EnvironmentSpec::reference("staging", None).unwrap(),
            )))
            .send()
            .await
            .unwrap();
    });
    expect_more("extra service", &[("ecs-service/reports-{env}", None)]);

    // The same subnet slot in a different availability zone.
    block_on(async {
        for (env, vpc, octet, zone) in [
            ("staging", &staging.vpc_id, 1, "us-east-1a"),
            ("prod", &prod.vpc_id, 0, "us-east-1b"),
        ] {
            let spec = infra::EnvironmentSpec::reference(env, None).unwrap();
            let tags = spec
                .tags(&format!("spare-{env}"))
                .into_iter()
                .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build())
                .collect();
            ec2c.create_subnet()
                .vpc_id(vpc)
                .cidr_block(format!("10.{octet}.200.0/24"))
                .availability_zone(zone)
                .tag_specifications(
                    ec2::TagSpecification::builder()
                        .resource_type(ec2::ResourceType::Subnet)
                        .set_tags(Some(tags))
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
    });
    expect_more(
        "availability zone",
        &[("subnet/spare-{env}", Some("properties.availability_zone"))],
    );
}

#[test]
fn saved_snapshots_compare_offline_with_a_readable_diff() {
    let moto = Moto::start();
    block_on(async {
        moto.provision("staging", "us-east-1").await;
        moto.provision("prod", "us-east-1").await;
    });
    let dir = tempfile::tempdir().unwrap();
    for env in ["staging", "prod"] {
        moto.save_snapshot(env, dir.path().join(format!("{env}.json")));
    }
    drop(moto);
    let offline = || crate::support::driftscan_command("http://127.0.0.1:9");
    // Without baselines every difference counts, shown as a unified diff per resource.
    offline()
        .args(["compare", "--baselines", "/nonexistent", "--from-snapshot"])
        .arg(dir.path().join("staging.json"))
        .arg("--from-snapshot")
        .arg(dir.path().join("prod.json"))
        .assert()
        .code(1)
        .stdout(contains("--- staging db-cluster/aurora-cluster-{env}"))
        .stdout(contains("+++ prod db-cluster/aurora-cluster-{env}"))
        .stdout(contains("\"backup_retention_period\": 7"))
        .stdout(contains("\"backup_retention_period\": 30"));
    // With them, the same snapshots are equivalent; and the same snapshot against itself too.
    offline()
        .args(["compare", "--baselines"])
        .arg(shipped_baselines())
        .arg("--from-snapshot")
        .arg(dir.path().join("staging.json"))
        .arg("--from-snapshot")
        .arg(dir.path().join("prod.json"))
        .assert()
        .success()
        .stdout(contains("No differences."));
    offline()
        .args(["compare", "--format", "sarif", "--from-snapshot"])
        .arg(dir.path().join("prod.json"))
        .arg("--from-snapshot")
        .arg(dir.path().join("prod.json"))
        .assert()
        .success();
    offline()
        .args(["compare", "--from-snapshot"])
        .arg(dir.path().join("prod.json"))
        .assert()
        .code(2)
        .stderr(contains("two or more files"));
}

/// Creates, in `vpc`, a security group named as Pulumi auto-names one (`<logical>-<7 hex>`),
/// tagged with the same `Name`, open to the app port from the VPC.
async fn pulumi_named_group(ec2c: &aws_sdk_ec2::Client, env: &str, vpc: &str, suffix: &str) {
    let name = format!("cache-sg-{env}-{suffix}");
    named_group(ec2c, env, vpc, &name, &name).await;
}

/// Creates, in `vpc`, a security group called `group_name`, tagged as the platform tags
/// (`Name: name_tag`), open to the app port from the VPC; answers its id.
async fn named_group(
    ec2c: &aws_sdk_ec2::Client,
    env: &str,
    vpc: &str,
    group_name: &str,
    name_tag: &str,
) -> String {
    let tags = infra::EnvironmentSpec::reference(env, None)
        .unwrap()
        .tags(name_tag);
    let group = ec2c
        .create_security_group()
        .group_name(group_name)
        .description("cache")
        .vpc_id(vpc)
        .tag_specifications(
            ec2::TagSpecification::builder()
                .resource_type(ec2::ResourceType::SecurityGroup)
                .set_tags(Some(
                    tags.into_iter()
                        .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build())
                        .collect(),
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    ec2c.authorize_security_group_ingress()
        .group_id(group.group_id().unwrap())
        .ip_permissions(
            ec2::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(6379)
                .to_port(6379)
                .ip_ranges(ec2::IpRange::builder().cidr_ip("10.0.0.0/8").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    group.group_id().unwrap().to_string()
}

/// Staging and prod provisioned, each with a group named `cache-sg-<env>-<suffix>` by its
/// infrastructure code (the suffixes of staging then prod).
fn with_generated_names(suffixes: [&str; 2]) -> Moto {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let ec2c = aws_sdk_ec2::Client::new(&config);
    block_on(async {
        let staging = moto.provision("staging", "us-east-1").await;
        let prod = moto.provision("prod", "us-east-1").await;
        pulumi_named_group(&ec2c, "staging", &staging.vpc_id, suffixes[0]).await;
        pulumi_named_group(&ec2c, "prod", &prod.vpc_id, suffixes[1]).await;
    });
    moto
}

#[test]
fn names_that_infrastructure_code_generated_compare_clean() {
    let moto = with_generated_names(["6b48171", "e01c9a4"]);
    let (code, report) = compare(&moto, &["--fail-on", "info"]);
    assert!(report.complete);
    assert_eq!(differences(&report), vec![], "{:#?}", report.findings);
    assert_eq!(code, 0);
}

#[test]
fn a_generated_group_name_behind_a_stable_name_tag_is_no_difference() {
    // The platform's Pulumi code names the load balancer's group `alb-sg-<7 hex>` and tags it
    // `Name: macro-ai-<env>-alb-sg`: the logical name has no suffix, the group name has.
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let prod_vpc = block_on(async {
        let staging = moto.provision("staging", "us-east-1").await;
        let prod = moto.provision("prod", "us-east-1").await;
        let tag = |env: &str| format!("macro-ai-{env}-alb-sg");
        named_group(
            &ec2c,
            "staging",
            &staging.vpc_id,
            "alb-sg-7437b2e",
            &tag("staging"),
        )
        .await;
        let old = named_group(&ec2c, "prod", &prod.vpc_id, "alb-sg-301a9d7", &tag("prod")).await;
        (prod.vpc_id, old)
    });
    let (code, report) = compare(&moto, &["--fail-on", "info"]);
    assert!(report.complete);
    assert_eq!(differences(&report), vec![], "{:#?}", report.findings);
    assert_eq!(code, 0);

    // Captured, then replaced under a new suffix by the next `pulumi up`: no drift.
    let baselines = moto.dir.path().join("captured");
    moto.driftscan()
        .args([
            "baseline",
            "capture",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "-o",
        ])
        .arg(&baselines)
        .assert()
        .success();
    block_on(async {
        ec2c.delete_security_group()
            .group_id(&prod_vpc.1)
            .send()
            .await
            .unwrap();
        named_group(
            &ec2c,
            "prod",
            &prod_vpc.0,
            "alb-sg-c0ffee1",
            "macro-ai-prod-alb-sg",
        )
        .await;
    });
    let scan = moto
        .driftscan()
        .args([
            "scan",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ])
        .arg("--baselines")
        .arg(&baselines)
        .output()
        .unwrap();
    let report: Report = serde_json::from_slice(&scan.stdout).unwrap();
    let drift: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind != scanner::model::FindingKind::Compliance)
        .map(|f| (&f.logical_name, &f.path, &f.message))
        .collect();
    assert!(report.complete);
    assert_eq!(drift, Vec::<(&String, &Option<String>, &String)>::new());
}

#[test]
fn configured_suffix_shapes_compare_clean() {
    // A team's own naming module: 8 lowercase letters and digits, no built-in shape.
    let moto = with_generated_names(["k3x9q2zt", "a81bc4dq"]);
    let (_, report) = compare(&moto, &["--fail-on", "info"]);
    assert_eq!(
        differences(&report).len(),
        2,
        "unconfigured: one group in each environment only: {:#?}",
        report.findings
    );
    std::fs::write(
        moto.dir.path().join("driftscan.yaml"),
        "defaults:\n  generated_suffixes: [\"[0-9a-z]{8}\"]\n",
    )
    .unwrap();
    let (code, report) = compare(&moto, &["--fail-on", "info"]);
    assert_eq!(differences(&report), vec![], "{:#?}", report.findings);
    assert_eq!(code, 0);
}

#[test]
fn snapshots_kept_in_s3_compare_like_files() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    block_on(async {
        moto.provision("staging", "us-east-1").await;
        moto.provision("prod", "us-east-1").await;
        scanner::aws::s3_client(&config)
            .create_bucket()
            .bucket("driftscan-snapshots")
            .send()
            .await
            .unwrap();
    });
    // Yesterday's staging compressed, prod as plain JSON.
    for (env, key) in [
        ("staging", "runs/r1/staging.json.gz"),
        ("prod", "runs/r1/prod.json"),
    ] {
        moto.save_snapshot(env, format!("s3://driftscan-snapshots/{key}"));
    }
    let raw = block_on(scanner::aws::get_object(
        &config,
        "driftscan-snapshots",
        "runs/r1/staging.json.gz",
    ))
    .unwrap();
    assert_eq!(&raw[..2], b"\x1f\x8b", "gzip");
    let compare = |a: &str, b: &str| {
        let mut command = moto.driftscan();
        command
            .args(["compare", "--region", "us-east-1", "--baselines"])
            .arg(shipped_baselines())
            .args(["--from-snapshot", a, "--from-snapshot", b]);
        command
    };
    compare(
        "s3://driftscan-snapshots/runs/r1/staging.json.gz",
        "s3://driftscan-snapshots/runs/r1/prod.json",
    )
    .assert()
    .success()
    .stdout(contains("No differences."));
    // "What changed since yesterday": staging's snapshot then against staging live, saved.
    let ssm = aws_sdk_ssm::Client::new(&config);
    block_on(
        ssm.put_parameter()
            .name("/staging/api-timeout")
            .value("45")
            .overwrite(true)
            .send(),
    )
    .unwrap();
    moto.save_snapshot(
        "staging",
        "s3://driftscan-snapshots/runs/r2/staging.json.gz",
    );
    compare(
        "s3://driftscan-snapshots/runs/r1/staging.json.gz",
        "s3://driftscan-snapshots/runs/r2/staging.json.gz",
    )
    .assert()
    .code(1)
    .stdout(contains(
        "properties.value differs between staging and staging",
    ));
    compare(
        "s3://driftscan-snapshots/runs/r1/staging.json.gz",
        "s3://driftscan-snapshots/runs/missing.json",
    )
    .assert()
    .code(2)
    .stderr(contains("s3://driftscan-snapshots/runs/missing.json"))
    .stderr(contains("NoSuchKey"));
}

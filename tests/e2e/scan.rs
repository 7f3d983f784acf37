//! `driftscan scan` and `driftscan baseline capture` against the emulator: the shipped
//! baselines, the capture round trip, out-of-band changes, the gate's exit codes.

use std::path::Path;

use aws_sdk_ec2::types as ec2;
use aws_sdk_ssm::types::ParameterType;
use predicates::str::contains;
use scanner::model::{FindingKind, Report, Severity};

use crate::support::{block_on, shipped_baselines, ClosedPort, Moto, ACCOUNT};

const SECRET: &str = "s3cr3t-do-not-print-4821";

/// Runs `driftscan scan --format json` and returns the exit code and the parsed report.
fn scan(
    moto: &Moto,
    env: &str,
    region: &str,
    baselines: &Path,
    extra: &[&str],
) -> (i32, Report, String) {
    let output = moto
        .driftscan()
        .args([
            "scan",
            "--env",
            env,
            "--region",
            region,
            "--format",
            "json",
            "--baselines",
        ])
        .arg(baselines)
        .args(extra)
        .output()
        .expect("driftscan runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let report: Report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not a report ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report, stdout)
}

/// (kind, `<kind>/<logical name>`, path, severity, rule) of one finding.
type Row = (
    FindingKind,
    String,
    Option<String>,
    Severity,
    Option<String>,
);

/// Every finding as a [`Row`], sorted.
fn summary(report: &Report) -> Vec<Row> {
    let mut rows: Vec<_> = report
        .findings
        .iter()
        .map(|f| {
            (
                f.kind,
                format!("{}/{}", f.resource_type, f.logical_name),
                f.path.clone(),
                f.severity,
                f.rule_id.clone(),
            )
        })
        .collect();
    rows.sort();
    rows
}

fn row(
    kind: FindingKind,
    resource: &str,
    path: Option<&str>,
    severity: Severity,
    rule: Option<&str>,
) -> Row {
    (
        kind,
        resource.to_string(),
        path.map(str::to_string),
        severity,
        rule.map(str::to_string),
    )
}

#[test]
fn shipped_baselines_describe_freshly_provisioned_environments() {
    let moto = Moto::start();
    block_on(async {
        moto.provision("dev", "us-east-2").await;
        moto.provision("staging", "us-east-1").await;
        moto.provision("prod", "us-east-1").await;
    });
    for (env, region) in [
        ("dev", "us-east-2"),
        ("staging", "us-east-1"),
        ("prod", "us-east-1"),
    ] {
        let (code, report, _) = scan(
            &moto,
            env,
            region,
            &shipped_baselines(),
            &["--fail-on", "info"],
        );
        assert!(report.complete);
        assert!(report.findings.is_empty(), "{env}: {:#?}", report.findings);
        assert_eq!(code, 0, "{env}");
        assert_eq!(report.baseline_files.len(), 2, "base.yaml and {env}.yaml");
    }
}

#[test]
fn capture_round_trip_and_out_of_band_changes() {
    let moto = Moto::start();
    let baselines = tempfile::tempdir().unwrap();
    let dir = baselines.path();
    let config = block_on(moto.sdk_config("us-east-1"));
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let ssm = aws_sdk_ssm::Client::new(&config);
    let rds = aws_sdk_rds::Client::new(&config);
    let ecsc = aws_sdk_ecs::Client::new(&config);
    let staging = block_on(async {
        let staging = moto.provision("staging", "us-east-1").await;
        ssm.put_parameter()
            .name("/staging/db-password")
            .value(SECRET)
            .r#type(ParameterType::SecureString)
            .send()
            .await
            .unwrap();
        // A subnet nothing depends on, to delete later.
        ec2c.create_subnet()
            .vpc_id(&staging.vpc_id)
            .cidr_block("10.1.200.0/24")
            .availability_zone("us-east-1a")
            .tag_specifications(
                ec2::TagSpecification::builder()
                    .resource_type(ec2::ResourceType::Subnet)
                    .set_tags(Some(
                        infra::EnvironmentSpec::reference("staging", None)
                            .unwrap()
                            .tags("spare-staging")
                            .into_iter()
                            .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build())
                            .collect(),
                    ))
                    .build(),
            )
            .send()
            .await
            .unwrap();
        staging
    });
    let capture = || {
        moto.driftscan()
            .args([
                "baseline",
                "capture",
                "--env",
                "staging",
                "--region",
                "us-east-1",
                "--force",
                "-o",
            ])
            .arg(dir)
            .assert()
            .success();
        let text = std::fs::read_to_string(dir.join("staging.yaml")).unwrap();
        assert!(
            !text.contains(SECRET),
            "no SecureString plaintext in a captured baseline"
        );
    };
    let scan_now = |extra: &[&str]| {
        let (code, report, stdout) = scan(&moto, "staging", "us-east-1", dir, extra);
        assert!(!stdout.contains(SECRET));
        (code, report)
    };

    capture();
    let (code, report) = scan_now(&[]);
    assert_eq!(
        (code, summary(&report)),
        (0, vec![]),
        "a fresh capture matches"
    );

    // 1. A security group opened to the world on the database port.
    let db_group = staging.security_groups["db"].clone();
    let open_rule = || {
        ec2::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(5432)
            .to_port(5432)
            .ip_ranges(ec2::IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build()
    };
    block_on(
        ec2c.authorize_security_group_ingress()
            .group_id(&db_group)
            .ip_permissions(open_rule())
            .send(),
    )
    .unwrap();
    let (code, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [
            row(
                FindingKind::Drift,
                "security-group/db-{env}",
                Some("properties.ingress"),
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                "security-group/db-{env}",
                Some("properties.ingress"),
                Severity::Critical,
                Some("db-ingress-from-anywhere")
            ),
        ]
    );
    assert_eq!(code, 1, "a critical finding fails the default gate (high)");
    let (code, _) = scan_now(&["--fail-on", "never"]);
    assert_eq!(code, 0);
    block_on(
        ec2c.revoke_security_group_ingress()
            .group_id(&db_group)
            .ip_permissions(open_rule())
            .send(),
    )
    .unwrap();

    // 2. An SSM value changed by hand.
    block_on(
        ssm.put_parameter()
            .name("/staging/cache-ttl")
            .value("5")
            .r#type(ParameterType::String)
            .overwrite(true)
            .send(),
    )
    .unwrap();
    let (code, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [row(
            FindingKind::Drift,
            "ssm-parameter//{env}/cache-ttl",
            Some("properties.value"),
            Severity::Medium,
            None
        )]
    );
    assert_eq!(report.findings[0].actual, Some(serde_json::json!("5")));
    assert_eq!(code, 0, "medium passes a high gate");
    assert_eq!(scan_now(&["--fail-on", "medium"]).0, 1);
    capture();

    // 3. Aurora backup retention dropped.
    block_on(
        rds.modify_db_cluster()
            .db_cluster_identifier(&staging.db_cluster)
            .backup_retention_period(1)
            .apply_immediately(true)
            .send(),
    )
    .unwrap();
    let (_, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [row(
            FindingKind::Drift,
            "db-cluster/aurora-cluster-{env}",
            Some("properties.backup_retention_period"),
            Severity::Medium,
            None
        )]
    );
    assert_eq!(
        (
            report.findings[0].expected.clone(),
            report.findings[0].actual.clone()
        ),
        (Some(7.into()), Some(1.into()))
    );
    capture();

    // 4. The service switched to another image tag.
    block_on(async {
        let spec = infra::EnvironmentSpec::reference("staging", None).unwrap();
        let image = format!(
            "{}:staging-deadbee",
            infra::repository_uri(ACCOUNT, "us-east-1")
        );
        let arn = infra::register_app_task_definition(&ecsc, &spec, (ACCOUNT, &image))
            .await
            .unwrap();
        ecsc.update_service()
            .cluster(&staging.cluster)
            .service(&staging.service)
            .task_definition(arn)
            .send()
            .await
            .unwrap();
    });
    let (_, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [row(
            FindingKind::Drift,
            "ecs-task-definition/trading-app-{env}",
            Some("properties.containers[trading-app].image"),
            Severity::Medium,
            None
        )]
    );
    capture();

    // 5. A security group made by hand in the VPC: unmanaged, and without the required tags.
    let hand_made = block_on(
        ec2c.create_security_group()
            .group_name("hand-made")
            .description("console")
            .vpc_id(&staging.vpc_id)
            .send(),
    )
    .unwrap()
    .group_id()
    .unwrap()
    .to_string();
    let (_, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [
            row(
                FindingKind::Unmanaged,
                "security-group/hand-made",
                None,
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                "security-group/hand-made",
                Some("tags"),
                Severity::Low,
                Some("required-tags")
            ),
        ]
    );
    block_on(ec2c.delete_security_group().group_id(hand_made).send()).unwrap();

    // 6. A subnet deleted.
    block_on(async {
        let subnets = ec2c
            .describe_subnets()
            .filters(
                ec2::Filter::builder()
                    .name("tag:Name")
                    .values("spare-staging")
                    .build(),
            )
            .send()
            .await
            .unwrap();
        let id = subnets.subnets()[0].subnet_id().unwrap().to_string();
        ec2c.delete_subnet().subnet_id(id).send().await.unwrap();
    });
    let (code, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [row(
            FindingKind::Missing,
            "subnet/spare-{env}",
            None,
            Severity::High,
            None
        )]
    );
    assert_eq!(code, 1);
    capture();

    // 7. A new version of a SecureString: seen through its version, never its value.
    block_on(
        ssm.put_parameter()
            .name("/staging/db-password")
            .value(format!("{SECRET}-2"))
            .r#type(ParameterType::SecureString)
            .overwrite(true)
            .send(),
    )
    .unwrap();
    let (_, report) = scan_now(&[]);
    assert_eq!(
        summary(&report),
        [row(
            FindingKind::Drift,
            "ssm-parameter//{env}/db-password",
            Some("properties.version"),
            Severity::Medium,
            None
        )]
    );
    capture();
    let (code, report) = scan_now(&[]);
    assert_eq!(
        (code, summary(&report)),
        (0, vec![]),
        "clean again once the baseline is re-captured"
    );

    // Every format of the same report carries no plaintext.
    for format in ["text", "json", "markdown", "sarif", "junit"] {
        let output = moto
            .driftscan()
            .args([
                "scan",
                "--env",
                "staging",
                "--region",
                "us-east-1",
                "--format",
                format,
                "--baselines",
            ])
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&output.stdout).contains(SECRET),
            "{format}"
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains(SECRET),
            "{format}"
        );
    }
}

#[test]
fn an_incomplete_scan_exits_2_in_every_format_even_without_a_gate() {
    let moto = Moto::start();
    block_on(moto.provision("prod", "us-east-1"));
    let refused = ClosedPort::reserve();
    let closed = &refused.endpoint;
    for format in ["text", "json", "markdown", "sarif", "junit"] {
        let output = moto
            .driftscan()
            .env("AWS_ENDPOINT_URL_SSM", closed)
            .args([
                "scan",
                "--env",
                "prod",
                "--region",
                "us-east-1",
                "--max-attempts",
                "1",
                "--fail-on",
                "never",
                "--format",
                format,
                "--baselines",
            ])
            .arg(shipped_baselines())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{format}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stdout.contains("INCOMPLETE") || stderr.contains("INCOMPLETE"),
            "{format}: {stdout}{stderr}"
        );
        if format == "json" {
            let report: Report = serde_json::from_str(&stdout).unwrap();
            assert!(!report.complete);
            // No `missing` finding for the parameters that could not be read.
            assert!(
                report
                    .findings
                    .iter()
                    .all(|f| f.kind != FindingKind::Missing),
                "{:#?}",
                report.findings
            );
        }
    }
}

#[test]
fn a_malformed_baseline_is_rejected_with_its_location_before_any_scan() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("prod.yaml");
    // No emulator behind this endpoint: the baseline must fail before anything is read.
    let scan = |env: &str| {
        let mut command = crate::support::driftscan_command("http://127.0.0.1:9");
        command
            .args(["scan", "--env", env, "--region", "us-east-1", "--baselines"])
            .arg(dir.path());
        command.assert().code(2)
    };
    std::fs::write(
        &baseline,
        "driftscan: baseline/v1\nresources:\n  db-cluster/aurora:\n    properties:\n      backup_retention_period: {\">=\": seven}\n",
    )
    .unwrap();
    scan("prod")
        .stderr(contains("prod.yaml:5:"))
        .stderr(contains("takes a number"));
    std::fs::write(&baseline, "driftscan: baseline/v1\nresource: {}\n").unwrap();
    scan("prod").stderr(contains("prod.yaml:2:"));
    scan("qa").stderr(contains("no baseline for environment `qa`"));
}

#[test]
fn scan_runs_offline_from_a_saved_snapshot() {
    let moto = Moto::start();
    block_on(moto.provision("prod", "us-east-1"));
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("prod.json");
    moto.driftscan()
        .args([
            "snapshot",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "-q",
            "-o",
        ])
        .arg(&saved)
        .assert()
        .success();
    drop(moto);
    let offline = || crate::support::driftscan_command("http://127.0.0.1:9");
    offline()
        .args(["scan", "--format", "junit", "--baselines"])
        .arg(shipped_baselines())
        .arg("--from-snapshot")
        .arg(&saved)
        .assert()
        .success()
        .stdout(contains("failures=\"0\""));
    offline()
        .args(["scan", "--env", "staging", "--baselines"])
        .arg(shipped_baselines())
        .arg("--from-snapshot")
        .arg(&saved)
        .assert()
        .code(2)
        .stderr(contains("does not match the snapshot's environment `prod`"));
    std::fs::write(
        dir.path().join("bad.json"),
        "{\"schema\": \"driftscan.snapshot/v1\",",
    )
    .unwrap();
    offline()
        .args(["scan", "--from-snapshot"])
        .arg(dir.path().join("bad.json"))
        .assert()
        .code(2)
        .stderr(contains("is not a driftscan snapshot"))
        .stderr(contains("line 1"));
}

/// `--standard fsbp`: only findings of rules that implement an FSBP control fail the gate. A
/// drift alone (a parameter changed by hand) fails `--fail-on medium` but not under FSBP; the
/// database port opened to the world (FSBP EC2.19) fails both, and the text names the control.
/// `--standard cis` fails on none of that, and on the key's rotation turned off (CIS 3.0 3.6).
#[test]
fn a_gate_held_to_a_standard_fails_only_on_its_controls() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", "us-east-1"));
    let baselines = crate::support::shipped_baselines().display().to_string();
    let gate = |extra: &[&str]| {
        let output = moto
            .driftscan()
            .args(["scan", "--env", "staging", "--region", "us-east-1"])
            .args(["--baselines", &baselines, "--fail-on", "medium"])
            .args(extra)
            .output()
            .expect("driftscan runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        (output.status.code(), text)
    };
    let config = block_on(moto.sdk_config("us-east-1"));
    let ssm = aws_sdk_ssm::Client::new(&config);
    let changed = ssm
        .put_parameter()
        .name("/staging/cache-ttl")
        .value("5")
        .overwrite(true)
        .send();
    block_on(changed).expect("changed by hand");
    assert_eq!(gate(&[]).0, Some(1), "the drift fails the severity gate");
    assert_eq!(
        gate(&["--standard", "fsbp"]).0,
        Some(0),
        "no FSBP control is failed"
    );

    block_on(crate::support::open_to_the_world(
        &moto,
        &staging.security_groups["db"],
    ));
    let (code, text) = gate(&["--standard", "fsbp"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("db-ingress-from-anywhere [FSBP EC2.19]"),
        "{text}"
    );
    assert_eq!(
        gate(&["--standard", "cis"]).0,
        Some(0),
        "a database port open to the world is no CIS recommendation"
    );

    // The environment's key no longer rotates: CIS 3.6.
    let kms = aws_sdk_kms::Client::new(&config);
    block_on(kms.disable_key_rotation().key_id(&staging.kms_key).send()).expect("rotation off");
    let (code, text) = gate(&["--standard", "cis"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("kms-key-rotation [CIS 3.0 3.6]"), "{text}");
    let refused = gate(&["--standard", "pci"]);
    assert_eq!(refused.0, Some(2), "an unknown standard is bad input");
}

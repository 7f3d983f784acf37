//! `driftscan-infra` converges: a second apply changes nothing, drift made by hand is exactly
//! what `plan` lists and what `apply` undoes (after which `driftscan scan` is clean again), a
//! preview lives in dev's VPC and goes without it, and destroy leaves nothing behind.

use std::path::{Path, PathBuf};

use aws_sdk_ec2::types as ec2;
use infra::{Action, EnvironmentSpec, Mode};

use crate::support::{block_on, Moto};

fn shipped_baselines() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baselines")
}

/// `driftscan scan --env <env> --fail-on info`: the exit code and the findings, one per line.
fn scan(moto: &Moto, env: &str, region: &str) -> (i32, String) {
    let output = moto
        .driftscan()
        .args([
            "scan",
            "--env",
            env,
            "--region",
            region,
            "--fail-on",
            "info",
            "--baselines",
        ])
        .arg(shipped_baselines())
        .output()
        .expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// How many of the environment's own resources a live snapshot finds.
fn snapshot_resources(moto: &Moto, env: &str, region: &str) -> usize {
    let output = moto
        .driftscan()
        .args(["snapshot", "--env", env, "--region", region])
        .output()
        .expect("driftscan runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `/shared/` parameters belong to no environment (and are never destroyed).
    let snapshot = crate::support::parse_snapshot(&output.stdout);
    let own: Vec<String> = snapshot
        .resources
        .iter()
        .filter(|r| !r.name.starts_with("/shared/"))
        .map(|r| format!("{} {}", r.kind.as_str(), r.name))
        .collect();
    if !own.is_empty() {
        eprintln!("{env}: {own:#?}");
    }
    own.len()
}

#[test]
fn apply_converges_plans_remediates_and_destroys() {
    let moto = Moto::start();
    let spec = |env: &str| EnvironmentSpec::reference(env, None).unwrap();
    let east1 = block_on(moto.sdk_config("us-east-1"));
    let east2 = block_on(moto.sdk_config("us-east-2"));
    let converge = |env: &str, mode: Mode| {
        let config = if spec(env).region == "us-east-1" {
            &east1
        } else {
            &east2
        };
        block_on(infra::converge(config, &spec(env), mode)).unwrap_or_else(|e| panic!("{env}: {e}"))
    };

    // A preview needs dev first.
    let refused = block_on(infra::converge(&east2, &spec("pr-7"), Mode::Apply)).unwrap_err();
    assert!(refused.to_string().contains("apply dev first"), "{refused}");

    // Plan on an empty account lists every creation and makes none.
    let planned = converge("staging", Mode::Plan).changes;
    assert!(
        planned.len() > 30 && planned.iter().all(|c| c.action != Action::Delete),
        "{planned:#?}"
    );
    assert!(
        block_on(infra::plan(&east1, &spec("staging")))
            .unwrap()
            .len()
            == planned.len(),
        "nothing was made"
    );

    let mut created = Vec::new();
    for env in ["dev", "staging", "prod", "pr-7"] {
        let applied = converge(env, Mode::Apply);
        assert!(!applied.changes.is_empty(), "{env}");
        created.push((env, applied.changes.len()));
    }
    assert_eq!(created[1].1, planned.len(), "apply made what plan listed");
    // Converged: a second apply changes nothing (no mutating call: every change goes through the
    // one recorder), and plan agrees.
    for env in ["dev", "staging", "prod", "pr-7"] {
        let again = converge(env, Mode::Apply).changes;
        assert!(again.is_empty(), "{env}: {again:#?}");
    }
    for (env, region) in [
        ("dev", "us-east-2"),
        ("staging", "us-east-1"),
        ("prod", "us-east-1"),
    ] {
        let (code, findings) = scan(&moto, env, region);
        assert_eq!(code, 0, "{env}: {findings}");
    }

    // Drift by hand in staging: a world-open database port, a day of backups, five tasks, a
    // changed parameter.
    let staging = block_on(infra::apply(&east1, &spec("staging"))).unwrap();
    let ec2c = aws_sdk_ec2::Client::new(&east1);
    let rds = aws_sdk_rds::Client::new(&east1);
    let ecsc = aws_sdk_ecs::Client::new(&east1);
    let ssm = aws_sdk_ssm::Client::new(&east1);
    block_on(async {
        ec2c.authorize_security_group_ingress()
            .group_id(&staging.security_groups["db"])
            .ip_permissions(
                ec2::IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(5432)
                    .to_port(5432)
                    .ip_ranges(ec2::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
        rds.modify_db_cluster()
            .db_cluster_identifier("aurora-cluster-staging")
            .backup_retention_period(1)
            .apply_immediately(true)
            .send()
            .await
            .unwrap();
        ecsc.update_service()
            .cluster("ecs-cluster-staging")
            .service("trading-app-staging")
            .desired_count(5)
            .send()
            .await
            .unwrap();
        ssm.put_parameter()
            .name("/staging/cache-ttl")
            .value("9999")
            .overwrite(true)
            .send()
            .await
            .unwrap();
    });
    let (code, findings) = scan(&moto, "staging", "us-east-1");
    assert_eq!(code, 1, "{findings}");
    let plan: Vec<String> = block_on(infra::plan(&east1, &spec("staging")))
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        plan,
        [
            "~ security-group db-staging: revoke tcp 5432 from 0.0.0.0/0",
            "~ ecs-service trading-app-staging: desired count 5 -> 2",
            "~ db-cluster aurora-cluster-staging: backup retention Some(1) -> 7",
            "~ ssm-parameter /staging/cache-ttl: value -> 300",
        ]
    );
    let remediated = converge("staging", Mode::Apply).changes;
    assert_eq!(remediated.len(), 4);
    assert_eq!(
        scan(&moto, "staging", "us-east-1").0,
        0,
        "apply is the remediation"
    );
    assert!(converge("staging", Mode::Apply).changes.is_empty());

    // The preview goes; dev's VPC and cluster stay and dev still scans clean.
    let dev_resources = snapshot_resources(&moto, "dev", "us-east-2");
    let removed = block_on(infra::destroy(&east2, &spec("pr-7"), Mode::Apply)).unwrap();
    assert!(
        removed
            .iter()
            .all(|c| !c.resource.contains("vpc") && !c.resource.contains("ecs-cluster")),
        "{removed:#?}"
    );
    assert_eq!(snapshot_resources(&moto, "pr-7", "us-east-2"), 0);
    assert_eq!(snapshot_resources(&moto, "dev", "us-east-2"), dev_resources);
    assert_eq!(scan(&moto, "dev", "us-east-2").0, 0);

    // Destroy everything: nothing of any environment is left, nor an Elastic IP.
    for env in ["dev", "staging", "prod"] {
        let config = if spec(env).region == "us-east-1" {
            &east1
        } else {
            &east2
        };
        let dry = block_on(infra::destroy(config, &spec(env), Mode::Plan)).unwrap();
        let removed = block_on(infra::destroy(config, &spec(env), Mode::Apply)).unwrap();
        assert_eq!(dry, removed, "{env}: the dry run lists what goes");
        assert!(block_on(infra::destroy(config, &spec(env), Mode::Apply))
            .unwrap()
            .is_empty());
        assert_eq!(
            snapshot_resources(&moto, env, &spec(env).region),
            0,
            "{env}"
        );
    }
    for config in [&east1, &east2] {
        let addresses = block_on(
            aws_sdk_ec2::Client::new(config)
                .describe_addresses()
                .filters(
                    ec2::Filter::builder()
                        .name("tag:ManagedBy")
                        .values("driftscan")
                        .build(),
                )
                .send(),
        )
        .unwrap();
        assert!(addresses.addresses().is_empty());
    }
}

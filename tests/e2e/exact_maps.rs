//! A captured baseline is exact: a key added to, removed from or changed in any map (container
//! environment and secrets, tags, cluster settings) is one drift finding naming the key, and
//! "at least these tags" is something a hand-written baseline says explicitly.

use std::path::Path;

use aws_sdk_ec2::types as ec2;
use aws_sdk_ecs::types as ecs;
use scanner::model::{FindingKind, Report};

use crate::support::{block_on, Moto};

const ENV: &str = "staging";
const REGION: &str = "us-east-1";

fn capture(moto: &Moto, dir: &Path) {
    moto.driftscan()
        .args([
            "baseline", "capture", "--env", ENV, "--region", REGION, "--force", "-o",
        ])
        .arg(dir)
        .assert()
        .success();
}

/// `scan --fail-on medium`: the exit code and the report.
fn scan(moto: &Moto, baselines: &Path) -> (i32, Report) {
    let output = moto
        .driftscan()
        .args(["scan", "--env", ENV, "--region", REGION, "--format", "json"])
        .args(["--fail-on", "medium", "--baselines"])
        .arg(baselines)
        .output()
        .expect("driftscan runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not a report ({e}): {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report)
}

/// The one drift finding a change gives: its path, expected and actual value. (A tag removed
/// that the `required-tags` rule requires is also that rule's compliance finding, and nothing
/// else may appear.)
fn only_drift(report: &Report, case: &str) -> (String, serde_json::Value, serde_json::Value) {
    let (drift, other): (Vec<_>, Vec<_>) = report
        .findings
        .iter()
        .partition(|f| f.kind == FindingKind::Drift);
    assert_eq!(drift.len(), 1, "{case}: {:#?}", report.findings);
    assert!(
        other
            .iter()
            .all(|f| f.rule_id.as_deref() == Some("required-tags")),
        "{case}: {other:#?}"
    );
    let finding = drift[0];
    (
        finding.path.clone().unwrap_or_default(),
        finding.expected.clone().unwrap_or_default(),
        finding.actual.clone().unwrap_or_default(),
    )
}

/// Registers a new revision of the app's task definition with its container's environment and
/// secrets edited, and moves the service onto it (what a hand-made console change does).
async fn redeploy_with(
    client: &aws_sdk_ecs::Client,
    provisioned: &infra::Provisioned,
    edit: impl FnOnce(&mut Vec<(String, String)>, &mut Vec<(String, String)>),
) {
    let service = client
        .describe_services()
        .cluster(&provisioned.cluster)
        .services(&provisioned.service)
        .send()
        .await
        .unwrap();
    let current = service.services()[0].task_definition().unwrap().to_string();
    let described = client
        .describe_task_definition()
        .task_definition(current)
        .include(ecs::TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    let definition = described.task_definition().unwrap();
    let container = &definition.container_definitions()[0];
    let mut environment: Vec<(String, String)> = container
        .environment()
        .iter()
        .map(|v| (v.name().unwrap().into(), v.value().unwrap().into()))
        .collect();
    let mut secrets: Vec<(String, String)> = container
        .secrets()
        .iter()
        .map(|s| (s.name().into(), s.value_from().into()))
        .collect();
    edit(&mut environment, &mut secrets);
    let rebuilt = ecs::ContainerDefinition::builder()
        .name(container.name().unwrap())
        .image(container.image().unwrap())
        .essential(container.essential().unwrap_or(true))
        .set_port_mappings(Some(container.port_mappings().to_vec()))
        .set_log_configuration(container.log_configuration().cloned())
        .set_environment(Some(
            environment
                .into_iter()
                .map(|(k, v)| ecs::KeyValuePair::builder().name(k).value(v).build())
                .collect(),
        ))
        .set_secrets(Some(
            secrets
                .into_iter()
                .map(|(k, v)| {
                    ecs::Secret::builder()
                        .name(k)
                        .value_from(v)
                        .build()
                        .unwrap()
                })
                .collect(),
        ))
        .build();
    let registered = client
        .register_task_definition()
        .family(definition.family().unwrap())
        .set_network_mode(definition.network_mode().cloned())
        .set_requires_compatibilities(Some(definition.requires_compatibilities().to_vec()))
        .set_cpu(definition.cpu().map(str::to_string))
        .set_memory(definition.memory().map(str::to_string))
        .set_execution_role_arn(definition.execution_role_arn().map(str::to_string))
        .set_task_role_arn(definition.task_role_arn().map(str::to_string))
        .container_definitions(rebuilt)
        .set_tags(Some(described.tags().to_vec()))
        .send()
        .await
        .unwrap();
    let arn = registered
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap();
    client
        .update_service()
        .cluster(&provisioned.cluster)
        .service(&provisioned.service)
        .task_definition(arn)
        .send()
        .await
        .unwrap();
}

#[test]
fn every_map_of_a_captured_baseline_is_exact() {
    let moto = Moto::start();
    let baselines = tempfile::tempdir().unwrap();
    let dir = baselines.path();
    let config = block_on(moto.sdk_config(REGION));
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let ecsc = aws_sdk_ecs::Client::new(&config);
    let staging = block_on(moto.provision(ENV, REGION));
    let container = "properties.containers[trading-app]";
    let secret_arn = "arn:aws:ssm:us-east-1:123456789012:parameter/staging/db-password";

    capture(&moto, dir);
    let (code, report) = scan(&moto, dir);
    assert_eq!(
        (code, report.findings.len()),
        (0, 0),
        "{:#?}",
        report.findings
    );

    // Each change alone, then a fresh capture so the next starts clean.
    let case =
        |name: &str, change: &dyn Fn(), want: (String, serde_json::Value, serde_json::Value)| {
            change();
            let (code, report) = scan(&moto, dir);
            assert_eq!(only_drift(&report, name), want, "{name}");
            assert_eq!(code, 1, "{name}: a medium finding fails `--fail-on medium`");
            capture(&moto, dir);
            let (code, report) = scan(&moto, dir);
            // Clean again, but for the `required-tags` rule while a required tag is removed.
            let left: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.rule_id.as_deref() != Some("required-tags"))
                .collect();
            assert_eq!((code, left.len()), (0, 0), "{name}, re-captured: {left:#?}");
        };
    let absent = serde_json::json!({"exists": false});

    case(
        "environment variable added",
        &|| {
            block_on(redeploy_with(&ecsc, &staging, |env, _| {
                env.push(("DEBUG".into(), "true".into()))
            }))
        },
        (
            format!("{container}.environment.DEBUG"),
            absent.clone(),
            "true".into(),
        ),
    );
    case(
        "environment variable removed",
        &|| {
            block_on(redeploy_with(&ecsc, &staging, |env, _| {
                env.retain(|(k, _)| k != "PORT")
            }))
        },
        (
            format!("{container}.environment.PORT"),
            "8080".into(),
            serde_json::Value::Null,
        ),
    );
    case(
        "environment variable changed",
        &|| {
            block_on(redeploy_with(&ecsc, &staging, |env, _| {
                env.iter_mut()
                    .filter(|(k, _)| k == "APP_ENV")
                    .for_each(|(_, v)| *v = "prod".into())
            }))
        },
        (
            format!("{container}.environment.APP_ENV"),
            "staging".into(),
            "prod".into(),
        ),
    );
    case(
        "container secret reference added",
        &|| {
            block_on(redeploy_with(&ecsc, &staging, |_, secrets| {
                secrets.push(("DB_PASSWORD".into(), secret_arn.into()))
            }))
        },
        (
            format!("{container}.secrets.DB_PASSWORD"),
            absent.clone(),
            secret_arn.into(),
        ),
    );
    let tag = |key: &str, value: &str| ec2::Tag::builder().key(key).value(value).build();
    case(
        "tag added to the VPC",
        &|| {
            block_on(
                ec2c.create_tags()
                    .resources(&staging.vpc_id)
                    .tags(tag("Hacked", "yes"))
                    .send(),
            )
            .unwrap();
        },
        ("tags.Hacked".into(), absent.clone(), "yes".into()),
    );
    case(
        "tag removed from the VPC",
        &|| {
            block_on(
                ec2c.delete_tags()
                    .resources(&staging.vpc_id)
                    .tags(ec2::Tag::builder().key("CostCenter").build())
                    .send(),
            )
            .unwrap();
        },
        (
            "tags.CostCenter".into(),
            "platform".into(),
            serde_json::Value::Null,
        ),
    );
    // Put the required tag back (the `required-tags` rule wants it): one finding again.
    case(
        "tag put back on the VPC",
        &|| {
            block_on(
                ec2c.create_tags()
                    .resources(&staging.vpc_id)
                    .tags(tag("CostCenter", "platform"))
                    .send(),
            )
            .unwrap();
        },
        ("tags.CostCenter".into(), absent.clone(), "platform".into()),
    );
    // AWS names one cluster setting today (containerInsights); moto takes any name, which is
    // what a setting AWS adds later looks like. (moto has UpdateCluster, not
    // UpdateClusterSettings: both replace the settings.)
    case(
        "ECS cluster setting added",
        &|| {
            let setting = |name: &str, value: &str| {
                ecs::ClusterSetting::builder()
                    .name(ecs::ClusterSettingName::from(name))
                    .value(value)
                    .build()
            };
            block_on(
                ecsc.update_cluster()
                    .cluster(&staging.cluster)
                    .settings(setting("containerInsights", "enabled"))
                    .settings(setting("fargateSpotDraining", "enabled"))
                    .send(),
            )
            .unwrap();
        },
        (
            "properties.settings.fargateSpotDraining".into(),
            absent.clone(),
            "enabled".into(),
        ),
    );

    // AWS's own tags are never drift.
    block_on(
        ec2c.create_tags()
            .resources(&staging.vpc_id)
            .tags(tag("aws:cloudformation:stack-name", "platform"))
            .send(),
    )
    .unwrap_or_else(|e| panic!("moto accepts aws: tags: {e:?}"));
    let (code, report) = scan(&moto, dir);
    assert_eq!(
        (code, report.findings.len()),
        (0, 0),
        "{:#?}",
        report.findings
    );

    // A hand-written "at least these tags" accepts an added one; the default does not.
    let written = |extra: &str| {
        let rules_off: String = scanner::rules::RULES
            .iter()
            .map(|r| format!("  {}: {{enabled: false}}\n", r.id))
            .collect();
        let text = format!(
            "driftscan: baseline/v1\n\
             resources:\n  \
               vpc/vpc-{{env}}:\n    \
                 tags: {{Environment: \"{{env}}\", Project: trading-platform}}\n{extra}\
             unmanaged: {{ignore: [\"*\"]}}\n\
             compliance:\n{rules_off}"
        );
        let hand = tempfile::tempdir().unwrap();
        std::fs::write(hand.path().join(format!("{ENV}.yaml")), text).unwrap();
        hand
    };
    block_on(
        ec2c.create_tags()
            .resources(&staging.vpc_id)
            .tags(tag("Owner", "team-a"))
            .send(),
    )
    .unwrap();
    let at_least = written("    extra_tags: allowed\n");
    let (code, report) = scan(&moto, at_least.path());
    assert_eq!(
        (code, report.findings.len()),
        (0, 0),
        "{:#?}",
        report.findings
    );
    let exact = written("");
    let (code, report) = scan(&moto, exact.path());
    let mut paths: Vec<_> = report
        .findings
        .iter()
        .filter_map(|f| f.path.clone())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "tags.CostCenter",
            "tags.Hacked",
            "tags.ManagedBy",
            "tags.Name",
            "tags.Owner"
        ],
        "Hacked was added above and captured"
    );
    assert_eq!(code, 1);
}

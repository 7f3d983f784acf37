use serde_json::json;

use super::*;
use crate::model::{
    Cell, Properties, ReadFailure, ResourceKind, RulePeer, SecurityGroupRule, Service,
};
use crate::synthetic::estate;

fn paths(report: &Report) -> Vec<(String, Option<String>, Severity)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                format!("{}/{}", f.resource_type, f.logical_name),
                f.path.clone(),
                f.severity,
            )
        })
        .collect()
}

#[test]
fn equivalent_environments_have_no_differences() {
    let report = compare(
        &estate("staging", 200),
        &estate("prod", 200),
        &ExpectedDifferences::default(),
        false,
    );
    assert!(
        report.findings.is_empty(),
        "{:#?}",
        &report.findings[..report.findings.len().min(3)]
    );
    assert_eq!(report.environment, "staging..prod");
    assert_eq!(report.command, "compare");
}

#[test]
fn a_rule_added_in_one_environment_is_one_difference() {
    let mut prod = estate("prod", 200);
    for resource in prod.resources.iter_mut().filter(|r| r.name == "svc-3-prod") {
        if let Properties::SecurityGroup(g) = &mut resource.properties {
            g.ingress.push(SecurityGroupRule {
                protocol: "tcp".into(),
                from_port: Some(22),
                to_port: Some(22),
                peer: RulePeer::Cidr("0.0.0.0/0".into()),
                description: None,
            });
        }
    }
    let report = compare(
        &estate("staging", 200),
        &prod,
        &ExpectedDifferences::default(),
        false,
    );
    assert_eq!(
        paths(&report),
        [(
            "security-group/svc-3-{env}".to_string(),
            Some("properties.ingress".to_string()),
            Severity::Medium
        )]
    );
    let finding = &report.findings[0];
    assert_eq!(
        finding
            .expected
            .as_ref()
            .and_then(|v| v.as_array())
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        finding
            .actual
            .as_ref()
            .and_then(|v| v.as_array())
            .map(Vec::len),
        Some(4)
    );
}

#[test]
fn resources_in_one_environment_only_unless_the_other_could_not_read_them() {
    let staging = estate("staging", 200);
    let mut prod = estate("prod", 200);
    prod.resources.retain(|r| r.name != "db-7-prod-1");
    let report = compare(&staging, &prod, &ExpectedDifferences::default(), false);
    assert_eq!(
        paths(&report),
        [(
            "db-instance/db-7-{env}-1".to_string(),
            None,
            Severity::Medium
        )]
    );
    assert_eq!(report.findings[0].expected, Some(json!({"exists": true})));

    let mut unread = prod.clone();
    unread.failures.push(ReadFailure {
        region: "us-east-1".into(),
        service: Service::Rds,
        operation: "DescribeDBInstances".into(),
        kinds: vec![ResourceKind::DbInstance],
        code: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
    });
    unread.complete = false;
    let report = compare(&staging, &unread, &ExpectedDifferences::default(), false);
    assert!(
        report.findings.is_empty(),
        "not readable is unknown, not absent"
    );
    assert!(!report.complete);
}

#[test]
fn named_elements_are_compared_field_by_field() {
    let mut prod = estate("prod", 20);
    for resource in prod.resources.iter_mut() {
        if let Properties::EcsTaskDefinition(t) = &mut resource.properties {
            if resource.name == "svc-1-prod" {
                t.containers[0].image_ref.repository = "other-registry/svc-1".into();
            }
        }
    }
    let report = compare(
        &estate("staging", 20),
        &prod,
        &ExpectedDifferences::default(),
        false,
    );
    assert_eq!(
        paths(&report),
        [(
            "ecs-task-definition/svc-1-{env}".to_string(),
            Some("properties.containers[app].image_ref.repository".to_string()),
            Severity::Medium
        )]
    );
}

#[test]
fn differences_the_baselines_declare_are_expected() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "driftscan: baseline/v1\nresources:\n  ecs-service/svc-0-{env}:\n    properties:\n      launch_type: FARGATE\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("prod.yaml"),
        "driftscan: baseline/v1\nextends: base.yaml\nresources:\n  ecs-service/svc-0-{env}:\n    properties:\n      desired_count: 3\n",
    )
    .unwrap();
    let baseline = Baseline::load(dir.path(), "prod").unwrap();
    let expected = ExpectedDifferences::from_baselines(&[&baseline]);
    let mut prod = estate("prod", 20);
    for resource in prod.resources.iter_mut() {
        if let Properties::EcsService(s) = &mut resource.properties {
            s.desired_count = 3;
            if resource.name == "svc-1-prod" {
                s.launch_type = Some("EC2".into());
            }
        }
    }
    let staging = estate("staging", 20);
    assert!(expected.covers(
        &ResourceKey::parse("ecs-service/svc-0-{env}").unwrap(),
        Some("properties.desired_count")
    ));
    let report = compare(&staging, &prod, &expected, false);
    // svc-0's count is declared per environment; svc-1's count and launch type are not.
    assert_eq!(
        paths(&report),
        [
            (
                "ecs-service/svc-1-{env}".to_string(),
                Some("properties.desired_count".to_string()),
                Severity::Medium
            ),
            (
                "ecs-service/svc-1-{env}".to_string(),
                Some("properties.launch_type".to_string()),
                Severity::Medium
            ),
        ]
    );
    let shown = compare(&staging, &prod, &expected, true);
    let info: Vec<_> = shown
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .collect();
    assert_eq!(info.len(), 1);
    assert_eq!(info[0].rule_id.as_deref(), Some(EXPECTED_RULE));
    assert_eq!(info[0].path.as_deref(), Some("properties.desired_count"));
}

#[test]
fn unified_diffs_name_both_environments() {
    let mut prod = estate("prod", 20);
    for resource in prod.resources.iter_mut() {
        if let Properties::DbCluster(c) = &mut resource.properties {
            c.engine_version = Some("16.1".into());
        }
    }
    let staging = estate("staging", 20);
    let report = compare(&staging, &prod, &ExpectedDifferences::default(), false);
    assert_eq!(report.findings.len(), 2);
    let text = unified_diffs(&staging, &prod, &report);
    assert!(text.contains("--- staging db-cluster/db-0-{env}"), "{text}");
    assert!(text.contains("+++ prod db-cluster/db-0-{env}"), "{text}");
    assert!(text.contains("-    \"engine_version\": \"15.4\""), "{text}");
    assert!(text.contains("+    \"engine_version\": \"16.1\""), "{text}");
}

/// A security group named the way Pulumi auto-names one, in `env`, beside `app-<env>`.
fn auto_named(env: &str, suffix: &str) -> Snapshot {
    let mut resources = vec![
        crate::testing::security_group(&format!("alb-sg-{suffix}"), vec![]),
        crate::testing::security_group(
            &format!("app-{env}"),
            vec![SecurityGroupRule {
                protocol: "tcp".into(),
                from_port: Some(8080),
                to_port: Some(8080),
                peer: RulePeer::Group(crate::model::ResourceRef {
                    id: format!("sg-0{suffix}"),
                    name: Some(format!("alb-sg-{suffix}")),
                }),
                description: None,
            }],
        ),
    ];
    for resource in &mut resources {
        resource.logical_name = crate::naming::logical_name(&resource.name, env);
        resource.tags.insert("Environment".into(), env.into());
    }
    crate::resolve::set_generated_suffixes_aside(&mut resources, env, &Default::default());
    let mut snapshot = crate::testing::snapshot(resources);
    snapshot.environment = env.into();
    snapshot
}

#[test]
fn names_with_generated_suffixes_compare_clean() {
    let staging = auto_named("staging", "7437b2e");
    let prod = auto_named("prod", "301a9d7");
    assert_eq!(staging.resources[0].logical_name, "alb-sg-{auto}");
    let report = compare(&staging, &prod, &ExpectedDifferences::default(), false);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // A token another name shares is part of a real name: not set aside.
    let mut shared = auto_named("prod", "301a9d7");
    shared.resources.push(crate::testing::security_group(
        "build-301a9d7-cache",
        vec![],
    ));
    let mut resources = shared.resources.clone();
    for r in &mut resources {
        r.logical_name = crate::naming::logical_name(&r.name, "prod");
    }
    crate::resolve::set_generated_suffixes_aside(&mut resources, "prod", &Default::default());
    assert_eq!(resources[0].logical_name, "alb-sg-301a9d7");
}

#[test]
fn configured_suffix_shapes_are_set_aside_too() {
    // An 8-character lowercase token (a team's own naming module) is no built-in shape.
    let named = |env: &str, token: &str| {
        let mut resources = vec![crate::testing::security_group(
            &format!("cache-sg-{env}-{token}"),
            vec![],
        )];
        resources[0].logical_name = crate::naming::logical_name(&resources[0].name, env);
        resources[0].tags.insert("Environment".into(), env.into());
        resources
    };
    let mut plain = named("prod", "k3x9q2zt");
    crate::resolve::set_generated_suffixes_aside(&mut plain, "prod", &Default::default());
    assert_eq!(
        plain[0].logical_name, "cache-sg-{env}-k3x9q2zt",
        "not a built-in shape"
    );
    let configured = crate::naming::SuffixPatterns::new(&["[0-9a-z]{8}".to_string()]).unwrap();
    let mut staging = named("staging", "a81bc4de");
    let mut prod = named("prod", "k3x9q2zt");
    crate::resolve::set_generated_suffixes_aside(&mut staging, "staging", &configured);
    crate::resolve::set_generated_suffixes_aside(&mut prod, "prod", &configured);
    assert_eq!(staging[0].logical_name, "cache-sg-{env}-{auto}");
    assert_eq!(prod[0].logical_name, "cache-sg-{env}-{auto}");
    let (mut a, mut b) = (
        crate::testing::snapshot(staging),
        crate::testing::snapshot(prod),
    );
    a.environment = "staging".into();
    b.environment = "prod".into();
    let report = compare(&a, &b, &ExpectedDifferences::default(), false);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    // Captured, the suffix is any token of its length.
    assert_eq!(
        crate::resolve::generated_tokens(&b.resources, "prod"),
        [crate::naming::GeneratedToken {
            token: "k3x9q2zt".to_string(),
            pattern: "[0-9A-Za-z]{8}".to_string()
        }]
    );
    assert!(crate::naming::SuffixPatterns::new(&["([".to_string()]).is_err());
}

/// The platform's own style: a group Pulumi named `alb-sg-<7 hex>`, tagged with a stable
/// `Name` (`macro-ai-<env>-alb-sg`), so its logical name has no suffix but its `group_name` does.
fn tagged_auto_named(env: &str, suffix: &str) -> Snapshot {
    let mut group = crate::testing::security_group(&format!("alb-sg-{suffix}"), vec![]);
    group.name = format!("macro-ai-{env}-alb-sg");
    group.tags.insert("Name".into(), group.name.clone());
    group.tags.insert("Environment".into(), env.into());
    let mut resources = vec![group];
    for resource in &mut resources {
        resource.logical_name = crate::naming::logical_name(&resource.name, env);
    }
    crate::resolve::set_generated_suffixes_aside(&mut resources, env, &Default::default());
    let mut snapshot = crate::testing::snapshot(resources);
    snapshot.environment = env.into();
    snapshot
}

#[test]
fn a_generated_group_name_behind_a_name_tag_compares_clean() {
    let staging = tagged_auto_named("staging", "7437b2e");
    let prod = tagged_auto_named("prod", "301a9d7");
    assert_eq!(staging.resources[0].logical_name, "macro-ai-{env}-alb-sg");
    let report = compare(&staging, &prod, &ExpectedDifferences::default(), false);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // Captured, the group name accepts any suffix of the shape: a replacement is no drift.
    let text = crate::capture::capture(&prod, "test").unwrap();
    assert!(text.contains(r"^alb\-sg\-[0-9a-f]{7}$"), "{text}");
    let baseline =
        crate::baseline::Baseline::parse_str(&text, std::path::Path::new("prod.yaml"), "prod")
            .unwrap();
    let after = tagged_auto_named("prod", "c0ffee1");
    let report = crate::evaluate::evaluate(&after, &baseline, (2026, 11, 27)).unwrap();
    assert!(report.findings.is_empty(), "{:#?}", report.findings);

    // A token that another resource's name also carries is part of real names: it stays.
    let mut shared = tagged_auto_named("prod", "301a9d7");
    shared
        .resources
        .push(crate::testing::security_group("build-301a9d7", vec![]));
    assert_eq!(
        crate::resolve::generated_tokens(&shared.resources, "prod"),
        []
    );
}

#[test]
fn a_captured_baseline_accepts_a_replacement_under_a_new_suffix() {
    let before = auto_named("prod", "301a9d7");
    let text = crate::capture::capture(&before, "test").unwrap();
    assert!(text.contains("alb-sg-{auto}"), "{text}");
    assert!(text.contains("[0-9a-f]{7}"), "{text}");
    let baseline =
        crate::baseline::Baseline::parse_str(&text, std::path::Path::new("prod.yaml"), "prod")
            .unwrap();
    let after = auto_named("prod", "c0ffee1");
    let report = crate::evaluate::evaluate(&after, &baseline, (2026, 11, 27)).unwrap();
    let drift: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind != FindingKind::Compliance)
        .collect();
    assert!(drift.is_empty(), "{drift:#?}");
}

fn with_desired_count(mut snapshot: Snapshot, service: &str, count: i32) -> Snapshot {
    let name = format!("{service}-{}", snapshot.environment);
    for resource in snapshot.resources.iter_mut().filter(|r| r.name == name) {
        if let Properties::EcsService(s) = &mut resource.properties {
            s.desired_count = count;
        }
    }
    snapshot
}

fn compare_all(snapshots: &[&Snapshot], reference: Option<&str>) -> Report {
    let options = CompareOptions {
        show_expected: false,
        reference: reference.map(str::to_string),
    };
    compare_environments(snapshots, &ExpectedDifferences::default(), &options)
}

#[test]
fn three_environments_name_the_one_that_differs_from_the_majority() {
    let (dev, staging) = (estate("dev", 100), estate("staging", 100));
    let prod = with_desired_count(estate("prod", 100), "svc-2", 6);
    let report = compare_all(&[&dev, &staging, &prod], None);
    assert_eq!(report.environment, "dev..staging..prod");
    assert_eq!(report.environments(), ["dev", "staging", "prod"]);
    assert_eq!(
        paths(&report),
        [(
            "ecs-service/svc-2-{env}".to_string(),
            Some("properties.desired_count".to_string()),
            Severity::Medium
        )],
        "one finding, not one per pair"
    );
    let finding = &report.findings[0];
    assert_eq!(
        finding.message,
        "ecs-service/svc-2-{env} properties.desired_count: prod differs from dev, staging"
    );
    assert_eq!(finding.expected, Some(json!(2)), "the majority's value");
    assert_eq!(finding.actual, Some(json!({"prod": 6})));

    let matrix = report.parity.as_ref().unwrap();
    assert_eq!(matrix.environments, ["dev", "staging", "prod"]);
    assert_eq!(matrix.resources, 100);
    assert_eq!(matrix.rows.len(), 1);
    let row = &matrix.rows[0];
    assert_eq!(
        row.cells,
        [
            Cell::Value(json!(2)),
            Cell::Value(json!(2)),
            Cell::Value(json!(6))
        ]
    );
    assert_eq!(row.outliers, ["prod"]);
    assert!(!row.expected);
}

#[test]
fn a_reference_environment_is_the_measure_instead_of_the_majority() {
    let (dev, staging) = (estate("dev", 50), estate("staging", 50));
    let prod = with_desired_count(estate("prod", 50), "svc-1", 6);
    let report = compare_all(&[&dev, &staging, &prod], Some("prod"));
    let finding = &report.findings[0];
    assert_eq!(
        finding.message,
        "ecs-service/svc-1-{env} properties.desired_count: dev, staging differ from prod (the reference)"
    );
    assert_eq!(finding.expected, Some(json!(6)));
    assert_eq!(finding.actual, Some(json!({"dev": 2, "staging": 2})));
    let matrix = report.parity.unwrap();
    assert_eq!(matrix.reference.as_deref(), Some("prod"));
    assert_eq!(matrix.rows[0].outliers, ["dev", "staging"]);
}

#[test]
fn without_a_majority_every_environment_is_named() {
    let dev = with_desired_count(estate("dev", 50), "svc-0", 1);
    let staging = estate("staging", 50);
    let prod = with_desired_count(estate("prod", 50), "svc-0", 3);
    let report = compare_all(&[&dev, &staging, &prod], None);
    let finding = &report.findings[0];
    assert_eq!(finding.expected, None);
    assert_eq!(
        finding.actual,
        Some(json!({"dev": 1, "staging": 2, "prod": 3}))
    );
    assert!(finding
        .message
        .ends_with("differs in every environment (dev, staging, prod: no majority)"));
    // A tie of two against two is no majority either.
    let pr = with_desired_count(estate("pr-7", 50), "svc-0", 3);
    let staging = with_desired_count(staging, "svc-0", 1);
    let report = compare_all(&[&dev, &staging, &prod, &pr], None);
    assert_eq!(report.findings[0].expected, None);
    assert_eq!(
        report.parity.unwrap().rows[0].outliers,
        ["dev", "staging", "prod", "pr-7"]
    );
}

#[test]
fn existence_differences_name_where_the_resource_is_missing_or_extra() {
    let dev = estate("dev", 50);
    let mut staging = estate("staging", 50);
    staging.resources.retain(|r| r.name != "db-3-staging-1");
    let prod = estate("prod", 50);
    let mut pr = estate("pr-7", 50);
    pr.resources.retain(|r| r.name != "db-3-pr-7-1");
    let report = compare_all(&[&dev, &staging, &prod], None);
    assert_eq!(
        paths(&report),
        [(
            "db-instance/db-3-{env}-1".to_string(),
            None,
            Severity::Medium
        )]
    );
    assert_eq!(
        report.findings[0].message,
        "db-instance/db-3-{env}-1 is absent in staging (present in dev, prod)"
    );
    assert_eq!(
        report.findings[0].actual,
        Some(json!({"staging": {"exists": false}}))
    );
    // A field differing among the environments that have the resource names only those.
    let dev3 = with_desired_count(estate("dev", 50), "svc-3", 4);
    let mut staging3 = estate("staging", 50);
    staging3.resources.retain(|r| r.name != "svc-3-staging");
    let report = compare_all(&[&dev3, &staging3, &prod], None);
    let matrix = report.parity.unwrap();
    let count = matrix
        .rows
        .iter()
        .find(|r| r.path.as_deref() == Some("properties.desired_count"))
        .unwrap();
    assert_eq!(count.cells[1], Cell::Absent);
    assert_eq!(
        count.outliers,
        ["dev", "prod"],
        "one against one; staging is not counted"
    );
    // Present in one of four only.
    let mut only_dev = estate("dev", 50);
    only_dev.resources.retain(|r| r.name != "db-3-dev-1");
    let report = compare_all(&[&only_dev, &staging, &prod, &pr], None);
    // prod alone has it: it is the outlier.
    assert_eq!(
        report.findings[0].message,
        "db-instance/db-3-{env}-1 exists in prod only (absent in dev, staging, pr-7)"
    );
}

#[test]
fn an_environment_that_could_not_read_a_kind_is_unknown_in_the_matrix() {
    let dev = estate("dev", 50);
    let staging = estate("staging", 50);
    let mut prod = estate("prod", 50);
    prod.resources
        .retain(|r| r.kind != ResourceKind::DbInstance);
    prod.failures.push(ReadFailure {
        region: "us-east-1".into(),
        service: Service::Rds,
        operation: "DescribeDBInstances".into(),
        kinds: vec![ResourceKind::DbInstance],
        code: "AccessDenied".into(),
        message: "denied".into(),
    });
    prod.complete = false;
    let report = compare_all(&[&dev, &staging, &prod], None);
    assert!(report.findings.is_empty(), "{:#?}", paths(&report));
    assert!(!report.complete);
    assert!(report.parity.unwrap().rows.is_empty());
    // With a real difference among the others, prod's cell is unknown and names no one.
    let staging = with_desired_count(staging, "svc-1", 5);
    let mut dev = dev;
    dev.resources.retain(|r| r.name != "db-1-dev-1");
    let report = compare_all(&[&dev, &staging, &prod], None);
    let matrix = report.parity.unwrap();
    let existence = matrix.rows.iter().find(|r| r.path.is_none()).unwrap();
    assert_eq!(existence.cells[2], Cell::Unknown);
    // dev lacks it, staging has it, prod cannot tell: one against one is no majority.
    assert_eq!(existence.outliers, ["dev", "staging"]);
}

#[test]
fn declared_differences_are_in_the_matrix_marked_expected_and_are_not_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("base.yaml"), "driftscan: baseline/v1\n").unwrap();
    std::fs::write(
        dir.path().join("prod.yaml"),
        "driftscan: baseline/v1\nextends: base.yaml\nresources:\n  ecs-service/svc-0-{env}:\n    properties:\n      desired_count: 6\n",
    )
    .unwrap();
    let baseline = Baseline::load(dir.path(), "prod").unwrap();
    let expected = ExpectedDifferences::from_baselines(&[&baseline]);
    let (dev, staging) = (estate("dev", 50), estate("staging", 50));
    let prod = with_desired_count(estate("prod", 50), "svc-0", 6);
    let report = compare_environments(
        &[&dev, &staging, &prod],
        &expected,
        &CompareOptions::default(),
    );
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    let matrix = report.parity.unwrap();
    assert_eq!(matrix.rows.len(), 1);
    assert!(matrix.rows[0].expected);
    assert_eq!(matrix.unexpected().count(), 0);
}

#[test]
fn two_environments_carry_the_matrix_beside_their_pairwise_findings() {
    let staging = estate("staging", 50);
    let prod = with_desired_count(estate("prod", 50), "svc-2", 6);
    let report = compare(&staging, &prod, &ExpectedDifferences::default(), false);
    let finding = &report.findings[0];
    assert_eq!(
        finding.message,
        "properties.desired_count differs between staging and prod"
    );
    assert_eq!(
        (finding.expected.clone(), finding.actual.clone()),
        (Some(json!(2)), Some(json!(6)))
    );
    let matrix = report.parity.unwrap();
    assert_eq!(matrix.environments, ["staging", "prod"]);
    assert_eq!(matrix.rows.len(), 1);
}

//! Builders shared by the unit tests.

use std::collections::BTreeMap;

use crate::baseline::Baseline;
use crate::model::{
    DbCluster, Finding, Resource, RulePeer, SecurityGroup, SecurityGroupRule, Snapshot, SourceRef,
};
use crate::model::{Properties, Selection};
use crate::rules::{evaluate, RULES};
use serde_json::Value;

pub fn resource(name: &str, properties: Properties) -> Resource {
    Resource {
        kind: properties.kind(),
        region: "us-east-1".into(),
        id: name.into(),
        name: name.into(),
        logical_name: crate::naming::logical_name(name, "prod"),
        arn: None,
        tags: BTreeMap::from([
            ("Environment".to_string(), "prod".to_string()),
            ("Project".to_string(), "trading-platform".to_string()),
            ("ManagedBy".to_string(), "driftscan".to_string()),
            ("CostCenter".to_string(), "platform".to_string()),
        ]),
        properties,
    }
}

pub fn snapshot(resources: Vec<Resource>) -> Snapshot {
    snapshot_with_failures(resources, vec![])
}

/// `environment`'s scan report in us-east-1 of 10 resources, with these findings and failed
/// reads.
pub fn scan_report(
    environment: &str,
    findings: Vec<crate::model::Finding>,
    failures: Vec<crate::model::ReadFailure>,
) -> crate::model::Report {
    crate::model::Report {
        schema: crate::model::REPORT_SCHEMA.into(),
        command: "scan".into(),
        environment: environment.into(),
        regions: vec!["us-east-1".into()],
        account: None,
        complete: failures.is_empty(),
        failures,
        baseline_files: vec![],
        deleted_during_scan: vec![],
        expired_ignores: vec![],
        counts: Default::default(),
        duration_ms: 0,
        findings,
        parity: None,
        resolved_by: Default::default(),
        first_seen: Default::default(),
    }
    .finalize(10)
}

/// A prod snapshot in us-east-1 with these failed reads.
pub fn snapshot_with_failures(
    resources: Vec<Resource>,
    failures: Vec<crate::model::ReadFailure>,
) -> Snapshot {
    Snapshot::new(
        "prod".into(),
        vec!["us-east-1".into()],
        Selection {
            tag_key: "Environment".into(),
            ssm_paths: vec![],
        },
        failures,
        resources,
    )
}

/// The day rule tests judge ages and expiry dates by.
pub const TODAY: crate::rules::Day = (2026, 12, 7);

/// Runs one rule with `settings` (JSON object) over `resources`, on [`TODAY`].
pub fn run(id: &str, settings: Value, resources: Vec<Resource>) -> Vec<Finding> {
    run_on(id, settings, resources, TODAY)
}

/// Runs one rule with `settings` (JSON object) over `resources`, on `today`.
pub fn run_on(
    id: &str,
    settings: Value,
    resources: Vec<Resource>,
    today: crate::rules::Day,
) -> Vec<Finding> {
    let mut baseline = Baseline::empty("prod");
    for def in RULES {
        if def.id != id {
            baseline.compliance.insert(
                def.id.to_string(),
                crate::baseline::RuleSettings {
                    values: serde_json::json!({"enabled": false})
                        .as_object()
                        .unwrap()
                        .clone(),
                    source: SourceRef {
                        file: "t.yaml".into(),
                        line: 1,
                    },
                },
            );
        }
    }
    baseline.compliance.insert(
        id.to_string(),
        crate::baseline::RuleSettings {
            values: settings.as_object().cloned().unwrap_or_default(),
            source: SourceRef {
                file: "t.yaml".into(),
                line: 1,
            },
        },
    );
    evaluate(&snapshot(resources), &baseline, today).expect("valid settings")
}

/// An Aurora cluster with the given retention, encryption and protection.
pub fn db_cluster(retention: i32, encrypted: bool, protected: bool) -> Resource {
    resource(
        "aurora-cluster-prod",
        Properties::DbCluster(DbCluster {
            engine: "aurora-postgresql".into(),
            engine_version: Some("15.4".into()),
            engine_mode: None,
            status: None,
            storage_encrypted: encrypted,
            kms_key_id: None,
            backup_retention_period: Some(retention),
            deletion_protection: protected,
            iam_database_authentication: false,
            serverless_v2_scaling: None,
            parameter_group: None,
            subnet_group: None,
            security_groups: vec![],
            port: Some(5432),
            availability_zones: vec![],
            members: vec![],
        }),
    )
}

/// A TCP rule on one port from a CIDR.
pub fn tcp_rule(port: i32, cidr: &str) -> SecurityGroupRule {
    SecurityGroupRule {
        protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        peer: RulePeer::Cidr(cidr.into()),
        description: None,
    }
}

/// A security group with these ingress rules.
pub fn security_group(name: &str, ingress: Vec<SecurityGroupRule>) -> Resource {
    resource(
        name,
        Properties::SecurityGroup(SecurityGroup {
            group_name: name.into(),
            description: String::new(),
            vpc: None,
            ingress,
            egress: vec![],
        }),
    )
}

/// The paths of the violations `rule` (built from `settings`) finds in `snapshot` on
/// [`TODAY`].
pub fn violation_paths(
    rule: &crate::rules::RuleDef,
    settings: Value,
    snapshot: &Snapshot,
) -> Vec<String> {
    let values = settings.as_object().cloned().unwrap_or_default();
    let check = (rule.build)(values).expect("valid settings");
    let mut out = Vec::new();
    check.check(snapshot, TODAY, &mut out);
    out.into_iter().filter_map(|v| v.path).collect()
}

/// prod's trading-app task definition with one container running `image`.
pub fn task_definition(image: &str) -> Resource {
    resource(
        "trading-app-prod",
        Properties::EcsTaskDefinition(crate::model::EcsTaskDefinition::running(
            "trading-app-prod",
            image,
        )),
    )
}

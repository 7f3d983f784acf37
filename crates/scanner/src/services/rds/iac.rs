//! How Pulumi and Terraform declare RDS's kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::DbCluster,
        pulumi: &["aws:rds/cluster:Cluster"],
        terraform: &["aws_rds_cluster"],
        name: Naming::Id,
        live_id: None,
        sensitive: &["master_password"],
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "engine", "engine");
            a.copy_str(&mut p, "engine_version", "engine_version");
            a.copy_bool(&mut p, "storage_encrypted", "storage_encrypted");
            a.copy_int(&mut p, "backup_retention_period", "backup_retention_period");
            a.copy_bool(&mut p, "deletion_protection", "deletion_protection");
            a.copy_bool(
                &mut p,
                "iam_database_authentication_enabled",
                "iam_database_authentication",
            );
            a.copy_str(&mut p, "db_subnet_group_name", "subnet_group");
            a.copy_int(&mut p, "port", "port");
            let groups: Vec<Value> = a
                .strings("vpc_security_group_ids")
                .into_iter()
                .map(|id| json!({"id": id}))
                .collect();
            if !groups.is_empty() {
                p.insert("security_groups".into(), Value::Array(groups));
            }
            p
        },
    },
    KindMapping {
        kind: K::DbInstance,
        pulumi: &[
            "aws:rds/clusterInstance:ClusterInstance",
            "aws:rds/instance:Instance",
        ],
        terraform: &["aws_rds_cluster_instance", "aws_db_instance"],
        name: Naming::Id,
        live_id: None,
        sensitive: &["password"],
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "cluster_identifier", "cluster");
            a.copy_str(&mut p, "instance_class", "instance_class");
            a.copy_str(&mut p, "engine", "engine");
            a.copy_bool(&mut p, "publicly_accessible", "publicly_accessible");
            p
        },
    },
];

/// Resources that declare part of one of its kinds.
pub static PARTS: &[PartMapping] = &[

];

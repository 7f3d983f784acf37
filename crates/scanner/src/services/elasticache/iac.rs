//! How Pulumi and Terraform declare ElastiCache's kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings (`aws_elasticache_replication_group`,
/// `aws:elasticache/replicationGroup:ReplicationGroup`). The AUTH token attribute is never
/// read: only whether one is set.
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::CacheReplicationGroup,
    pulumi: &["aws:elasticache/replicationGroup:ReplicationGroup"],
    terraform: &["aws_elasticache_replication_group"],
    name: Naming::Id,
    live_id: None,
    sensitive: &["auth_token"],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "engine", "engine");
        a.copy_str(&mut p, "engine_version_actual", "engine_version");
        a.copy_str(&mut p, "node_type", "node_type");
        a.copy_bool(&mut p, "transit_encryption_enabled", "transit_encryption");
        a.copy_bool(&mut p, "at_rest_encryption_enabled", "at_rest_encryption");
        a.copy_str(&mut p, "kms_key_id", "kms_key_id");
        a.copy_int(&mut p, "snapshot_retention_limit", "snapshot_retention_limit");
        a.copy_str(&mut p, "subnet_group_name", "subnet_group");
        a.copy_str(&mut p, "parameter_group_name", "parameter_group");
        for (attribute, property) in [
            ("automatic_failover_enabled", "automatic_failover"),
            ("multi_az_enabled", "multi_az"),
        ] {
            if let Some(on) = a.bool(attribute) {
                let state = if on { "enabled" } else { "disabled" };
                p.insert(property.into(), json!(state));
            }
        }
        if let Some(shards) = a.int("num_node_groups") {
            p.insert("node_groups".into(), json!(shards));
        }
        let replicas = a
            .int("replicas_per_node_group")
            .or_else(|| a.int("num_cache_clusters").map(|n| (n - 1).max(0)));
        if let Some(replicas) = replicas {
            p.insert("replicas_per_node_group".into(), json!(replicas));
        }
        let user_groups = a.strings("user_group_ids");
        if !user_groups.is_empty() {
            p.insert("user_groups".into(), json!(user_groups));
        }
        let groups: Vec<Value> = a
            .strings("security_group_ids")
            .into_iter()
            .map(|id| json!({"id": id}))
            .collect();
        if !groups.is_empty() {
            p.insert("security_groups".into(), Value::Array(groups));
        }
        p
    },
}];

/// Resources that declare part of one of its kinds: none.
pub static PARTS: &[PartMapping] = &[];

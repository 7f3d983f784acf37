//! How Pulumi and Terraform declare KMS's kinds: a key, and its aliases as parts of it.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings (`aws_kms_key`).
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::KmsKey,
    pulumi: &["aws:kms/key:Key"],
    terraform: &["aws_kms_key"],
    name: Naming::Id,
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "description", "description");
        a.copy_str(&mut p, "customer_master_key_spec", "key_spec");
        a.copy_str(&mut p, "key_usage", "key_usage");
        if let Some(enabled) = a.bool("is_enabled") {
            let state = if enabled { "Enabled" } else { "Disabled" };
            p.insert("state".into(), json!(state));
        }
        a.copy_bool(&mut p, "enable_key_rotation", "rotation_enabled");
        a.copy_int(&mut p, "rotation_period_in_days", "rotation_period_days");
        a.copy_bool(&mut p, "multi_region", "multi_region");
        if let Some(statements) = a
            .str("policy")
            .and_then(|d| crate::model::parse_policy(d).ok())
        {
            p.insert("policy".into(), json!(statements));
        }
        p
    },
}];

/// Resources that declare part of a key: its aliases, each naming the key by id.
pub static PARTS: &[PartMapping] = &[PartMapping {
    pulumi: &["aws:kms/alias:Alias"],
    terraform: &["aws_kms_alias"],
    kind: K::KmsKey,
    parent: "target_key_id",
    merge: |a, p| {
        if let Some(name) = a.str("name") {
            let aliases = p.entry("aliases").or_insert_with(|| json!([]));
            if let Value::Array(names) = aliases {
                names.push(json!(name));
                names.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
            }
        }
    },
}];

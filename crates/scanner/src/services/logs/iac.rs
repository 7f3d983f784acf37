//! How Pulumi and Terraform declare CloudWatch Logs' kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings (`aws_cloudwatch_log_group`).
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::LogGroup,
    pulumi: &["aws:cloudwatch/logGroup:LogGroup"],
    terraform: &["aws_cloudwatch_log_group"],
    name: Naming::Id,
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        // 0 is Terraform's "never expire", which AWS answers with no retention at all.
        match a.int("retention_in_days") {
            Some(0) => {
                p.insert("retention_days".into(), Value::Null);
            }
            Some(days) => {
                p.insert("retention_days".into(), json!(days));
            }
            None => {}
        }
        a.copy_str(&mut p, "kms_key_id", "kms_key_id");
        a.copy_str(&mut p, "log_group_class", "class");
        p
    },
}];

/// Resources that declare part of a log group: none.
pub static PARTS: &[PartMapping] = &[];

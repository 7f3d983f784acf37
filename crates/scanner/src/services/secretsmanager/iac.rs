//! How Pulumi and Terraform declare Secrets Manager's kinds. A secret's value
//! (`aws_secretsmanager_secret_version`) is never read: the provider marks it sensitive.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings (`aws_secretsmanager_secret`).
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::SecretsManagerSecret,
    pulumi: &["aws:secretsmanager/secret:Secret"],
    terraform: &["aws_secretsmanager_secret"],
    name: Naming::Id,
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "description", "description");
        a.copy_str(&mut p, "kms_key_id", "kms_key_id");
        if let Some(statements) = a
            .str("policy")
            .and_then(|d| crate::model::parse_policy(d).ok())
        {
            p.insert("policy".into(), json!(statements));
        }
        p
    },
}];

/// Resources that declare part of a secret: its rotation and its policy, each naming the
/// secret by ARN (the secret's id in both tools).
pub static PARTS: &[PartMapping] = &[
    PartMapping {
        pulumi: &["aws:secretsmanager/secretRotation:SecretRotation"],
        terraform: &["aws_secretsmanager_secret_rotation"],
        kind: K::SecretsManagerSecret,
        parent: "secret_id",
        merge: |a, p| {
            p.insert("rotation_enabled".into(), Value::Bool(true));
            a.copy_str(p, "rotation_lambda_arn", "rotation_function");
            if let Some(rules) = a.block("rotation_rules") {
                rules.copy_int(p, "automatically_after_days", "rotation_days");
                rules.copy_str(p, "schedule_expression", "rotation_schedule");
            }
        },
    },
    PartMapping {
        pulumi: &["aws:secretsmanager/secretPolicy:SecretPolicy"],
        terraform: &["aws_secretsmanager_secret_policy"],
        kind: K::SecretsManagerSecret,
        parent: "secret_arn",
        merge: |a, p| {
            if let Some(statements) = a
                .str("policy")
                .and_then(|d| crate::model::parse_policy(d).ok())
            {
                p.insert("policy".into(), json!(statements));
            }
        },
    },
];

//! How Pulumi and Terraform declare IAM's kinds: a role, with its inline policies and policy
//! attachments as parts of it (each naming the role by name, the role's id in both tools).

use serde_json::{json, Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings (`aws_iam_role`).
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::IamRole,
    pulumi: &["aws:iam/role:Role"],
    terraform: &["aws_iam_role"],
    name: Naming::Attribute("name"),
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "path", "path");
        a.copy_str(&mut p, "description", "description");
        a.copy_str(&mut p, "permissions_boundary", "permissions_boundary");
        a.copy_int(&mut p, "max_session_duration", "max_session_duration");
        if let Some(trust) = policy(a, "assume_role_policy") {
            p.insert("trust_policy".into(), trust);
        }
        // Older providers declare inline policies and attachments on the role itself.
        for block in a.blocks("inline_policy") {
            merge_inline(&block, &mut p);
        }
        for arn in a.strings("managed_policy_arns") {
            merge_attachment(&arn, &mut p);
        }
        p
    },
}];

/// Resources that declare part of a role: an inline policy, a policy attachment.
pub static PARTS: &[PartMapping] = &[
    PartMapping {
        pulumi: &["aws:iam/rolePolicy:RolePolicy"],
        terraform: &["aws_iam_role_policy"],
        kind: K::IamRole,
        parent: "role",
        merge: merge_inline,
    },
    PartMapping {
        pulumi: &["aws:iam/rolePolicyAttachment:RolePolicyAttachment"],
        terraform: &["aws_iam_role_policy_attachment"],
        kind: K::IamRole,
        parent: "role",
        merge: |a, p| {
            if let Some(arn) = a.str("policy_arn") {
                merge_attachment(arn, p);
            }
        },
    },
];

/// A policy document attribute (JSON text), normalized.
fn policy(a: &Attrs, key: &str) -> Option<Value> {
    let statements = crate::model::parse_policy(a.str(key)?).ok()?;
    Some(json!(statements))
}

fn merge_inline(a: &Attrs, p: &mut Map<String, Value>) {
    if let (Some(name), Some(document)) = (a.str("name"), policy(a, "policy")) {
        let inline = p.entry("inline_policies").or_insert_with(|| json!({}));
        if let Value::Object(inline) = inline {
            inline.insert(name.to_string(), document);
        }
    }
}

fn merge_attachment(arn: &str, p: &mut Map<String, Value>) {
    let managed = p.entry("managed_policies").or_insert_with(|| json!([]));
    if let Value::Array(arns) = managed {
        arns.push(json!(arn));
        arns.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
        arns.dedup();
    }
}

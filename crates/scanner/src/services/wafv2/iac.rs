//! How Pulumi and Terraform declare WAFv2's kinds: a web ACL (`aws_wafv2_web_acl`), with its
//! associations as parts of it (each naming the web ACL by ARN).

use serde_json::{json, Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::WafWebAcl,
    pulumi: &["aws:wafv2/webAcl:WebAcl"],
    terraform: &["aws_wafv2_web_acl"],
    name: Naming::Attribute("name"),
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "description", "description");
        if let Some(action) = a.block("default_action") {
            let allow = action.block("allow").is_some();
            p.insert("default_action".into(), json!(if allow { "allow" } else { "block" }));
        }
        let mut rules: Vec<Value> = a.blocks("rule").iter().map(rule).collect();
        rules.sort_by_key(|r| r["priority"].as_i64());
        p.insert("rules".into(), json!(rules));
        p
    },
}];

/// Resources that declare part of a web ACL: its association with a resource.
pub static PARTS: &[PartMapping] = &[PartMapping {
    pulumi: &["aws:wafv2/webAclAssociation:WebAclAssociation"],
    terraform: &["aws_wafv2_web_acl_association"],
    kind: K::WafWebAcl,
    parent: "web_acl_arn",
    merge: |a, p| {
        if let Some(resource) = a.str("resource_arn") {
            let associations = p.entry("associations").or_insert_with(|| json!([]));
            if let Value::Array(arns) = associations {
                arns.push(json!(resource));
                arns.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
            }
        }
    },
}];

/// The first of a block's sub-blocks that is present, by name (`allow`, `block`, ...).
fn chosen(block: Option<Attrs>, names: &[&str]) -> Option<String> {
    let block = block?;
    names.iter().find(|n| block.block(n).is_some()).map(|n| n.to_string())
}

fn rule(r: &Attrs) -> Value {
    let managed = r.block("statement").and_then(|s| s.block("managed_rule_group_statement"));
    let group = r.block("statement").and_then(|s| s.block("rule_group_reference_statement"));
    json!({
        "priority": r.int("priority"),
        "name": r.str("name"),
        "action": chosen(r.block("action"), &["allow", "block", "count", "captcha", "challenge"]),
        "override_action": chosen(r.block("override_action"), &["none", "count"]),
        "managed_rule_group": managed.as_ref().and_then(|m| Some(format!("{}/{}", m.str("vendor_name")?, m.str("name")?))),
        "version": managed.as_ref().and_then(|m| m.str("version")),
        "rule_group": group.as_ref().and_then(|g| g.str("arn")),
    })
}

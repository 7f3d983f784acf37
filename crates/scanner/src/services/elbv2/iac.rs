//! How Pulumi and Terraform declare Elastic Load Balancing's kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::LoadBalancer,
        pulumi: &[
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:alb/loadBalancer:LoadBalancer",
        ],
        terraform: &["aws_lb", "aws_alb"],
        name: Naming::Attribute("name"),
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "load_balancer_type", "type");
            if let Some(internal) = a.bool("internal") {
                p.insert(
                    "scheme".into(),
                    json!(if internal {
                        "internal"
                    } else {
                        "internet-facing"
                    }),
                );
            }
            a.copy_str(&mut p, "ip_address_type", "ip_address_type");
            for (from, to) in [
                ("subnets", "subnets"),
                ("security_groups", "security_groups"),
            ] {
                let ids: Vec<Value> = a
                    .strings(from)
                    .into_iter()
                    .map(|id| json!({"id": id}))
                    .collect();
                if !ids.is_empty() {
                    p.insert(to.into(), Value::Array(ids));
                }
            }
            a.copy_bool(&mut p, "enable_deletion_protection", "deletion_protection");
            a.copy_bool(
                &mut p,
                "drop_invalid_header_fields",
                "drop_invalid_header_fields",
            );
            a.copy_int(&mut p, "idle_timeout", "idle_timeout_seconds");
            p
        },
    },
    KindMapping {
        kind: K::Listener,
        pulumi: &["aws:lb/listener:Listener", "aws:alb/listener:Listener"],
        terraform: &["aws_lb_listener", "aws_alb_listener"],
        // As the collector names it: `<load balancer>:<port>`.
        name: Naming::Composed(|a| super::listener_name(a.str("load_balancer_arn")?, a.int("port")?)),
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            a.reference(&mut p, "load_balancer_arn", "load_balancer");
            a.copy_int(&mut p, "port", "port");
            a.copy_str(&mut p, "protocol", "protocol");
            if a.str("protocol")
                .is_some_and(|p| p == "HTTPS" || p == "TLS")
            {
                a.copy_str(&mut p, "ssl_policy", "ssl_policy");
            }
            if let Some(certificate) = a.str("certificate_arn").filter(|c| !c.is_empty()) {
                p.insert("certificates".into(), json!([certificate]));
            }
            p.insert(
                "default_actions".into(),
                actions(&a.blocks("default_action")),
            );
            p
        },
    },
    KindMapping {
        kind: K::ListenerRule,
        pulumi: &[
            "aws:lb/listenerRule:ListenerRule",
            "aws:alb/listenerRule:ListenerRule",
        ],
        terraform: &["aws_lb_listener_rule", "aws_alb_listener_rule"],
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            a.reference(&mut p, "listener_arn", "listener");
            a.copy_int(&mut p, "priority", "priority");
            let mut conditions = Vec::new();
            for condition in a.blocks("condition") {
                for (block, field) in [
                    ("host_header", "host-header"),
                    ("path_pattern", "path-pattern"),
                ] {
                    if let Some(values) = condition.block(block) {
                        conditions
                            .push(json!({"field": field, "values": values.strings("values")}));
                    }
                }
            }
            p.insert("conditions".into(), Value::Array(conditions));
            p.insert("actions".into(), actions(&a.blocks("action")));
            p
        },
    },
    KindMapping {
        kind: K::TargetGroup,
        pulumi: &[
            "aws:lb/targetGroup:TargetGroup",
            "aws:alb/targetGroup:TargetGroup",
        ],
        terraform: &["aws_lb_target_group", "aws_alb_target_group"],
        name: Naming::Attribute("name"),
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "protocol", "protocol");
            a.copy_int(&mut p, "port", "port");
            a.copy_str(&mut p, "target_type", "target_type");
            a.reference(&mut p, "vpc_id", "vpc");
            if let Some(check) = a.block("health_check") {
                let mut h = Map::new();
                check.copy_bool(&mut h, "enabled", "enabled");
                check.copy_str(&mut h, "path", "path");
                check.copy_str(&mut h, "matcher", "matcher");
                p.insert("health_check".into(), Value::Object(h));
            }
            p
        },
    },
];

/// Resources that declare part of one of its kinds.
pub static PARTS: &[PartMapping] = &[

];

/// Listener actions (`default_action` / `action` blocks) as driftscan's.
pub(crate) fn actions(blocks: &[Attrs]) -> Value {
    let mut ordered: Vec<&Attrs> = blocks.iter().collect();
    ordered.sort_by_key(|b| b.int("order").unwrap_or(i64::MAX));
    Value::Array(
        ordered
            .into_iter()
            .map(|b| match b.str("type") {
                Some("forward") => {
                    let mut groups: Vec<String> = b.strings("target_group_arn");
                    if let Some(forward) = b.block("forward") {
                        for group in forward.blocks("target_group") {
                            groups.extend(group.strings("arn"));
                        }
                    }
                    groups.sort();
                    groups.dedup();
                    let groups: Vec<Value> = groups.into_iter().map(|g| json!({"id": g})).collect();
                    json!({"forward": {"target_groups": groups}})
                }
                Some("redirect") => {
                    let mut r = Map::new();
                    if let Some(redirect) = b.block("redirect") {
                        redirect.copy_str(&mut r, "protocol", "protocol");
                        redirect.copy_str(&mut r, "port", "port");
                        redirect.copy_str(&mut r, "status_code", "status_code");
                    }
                    json!({"redirect": r})
                }
                Some("fixed-response") => {
                    let mut r = Map::new();
                    if let Some(fixed) = b.block("fixed_response") {
                        fixed.copy_str(&mut r, "status_code", "status_code");
                        fixed.copy_str(&mut r, "content_type", "content_type");
                    }
                    json!({"fixed_response": r})
                }
                other => json!({"other": other.unwrap_or("unknown")}),
            })
            .collect(),
    )
}

//! How Pulumi and Terraform declare ECS's kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::EcsCluster,
        pulumi: &["aws:ecs/cluster:Cluster"],
        terraform: &["aws_ecs_cluster"],
        name: Naming::Attribute("name"),
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            let settings: Map<String, Value> = a
                .blocks("setting")
                .iter()
                .filter_map(|s| Some((s.str("name")?.to_string(), json!(s.str("value")?))))
                .collect();
            if !settings.is_empty() {
                p.insert("settings".into(), json!({"includes": settings}));
            }
            p
        },
    },
    KindMapping {
        kind: K::EcsService,
        pulumi: &["aws:ecs/service:Service"],
        terraform: &["aws_ecs_service"],
        name: Naming::Attribute("name"),
        // Live, a service is known by `<cluster>/<service>`.
        live_id: Some(|a| {
            let cluster = a.str("cluster")?;
            let cluster = cluster.rsplit('/').next().unwrap_or(cluster);
            Some(format!("{cluster}/{}", a.str("name")?))
        }),
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            if let Some(cluster) = a.str("cluster") {
                p.insert("cluster".into(), json!(last_segment(cluster)));
            }
            a.copy_int(&mut p, "desired_count", "desired_count");
            a.copy_str(&mut p, "launch_type", "launch_type");
            a.copy_bool(&mut p, "enable_execute_command", "enable_execute_command");
            if let Some(network) = a.block("network_configuration") {
                let ids = |key: &str| -> Vec<Value> {
                    network
                        .strings(key)
                        .into_iter()
                        .map(|id| json!({"id": id}))
                        .collect()
                };
                let mut n = Map::new();
                n.insert("subnets".into(), Value::Array(ids("subnets")));
                n.insert(
                    "security_groups".into(),
                    Value::Array(ids("security_groups")),
                );
                network.copy_bool(&mut n, "assign_public_ip", "assign_public_ip");
                p.insert("network".into(), Value::Object(n));
            }
            p
        },
    },
    KindMapping {
        kind: K::EcsTaskDefinition,
        pulumi: &["aws:ecs/taskDefinition:TaskDefinition"],
        terraform: &["aws_ecs_task_definition"],
        name: Naming::Attribute("family"),
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "family", "family");
            a.copy_str(&mut p, "cpu", "cpu");
            a.copy_str(&mut p, "memory", "memory");
            a.copy_str(&mut p, "network_mode", "network_mode");
            let compatibilities = a.strings("requires_compatibilities");
            if !compatibilities.is_empty() {
                p.insert("requires_compatibilities".into(), json!(compatibilities));
            }
            // `container_definitions` is a JSON document in a string.
            if let Some(definitions) = a
                .str("container_definitions")
                .and_then(|d| serde_json::from_str::<Vec<Value>>(d).ok())
            {
                let containers: Vec<Value> = definitions.iter().map(container).collect();
                p.insert("containers".into(), Value::Array(containers));
            }
            p
        },
    },
];

/// Resources that declare part of one of its kinds.
pub static PARTS: &[PartMapping] = &[

];

pub(crate) fn last_segment(arn_or_name: &str) -> &str {
    arn_or_name.rsplit('/').next().unwrap_or(arn_or_name)
}

/// A container definition (the ECS API's JSON) as driftscan's container.
pub(crate) fn container(definition: &Value) -> Value {
    let mut c = Map::new();
    for (from, to) in [("name", "name"), ("image", "image")] {
        if let Some(v) = definition.get(from).and_then(Value::as_str) {
            c.insert(to.into(), json!(v));
        }
    }
    if let Some(essential) = definition.get("essential").and_then(Value::as_bool) {
        c.insert("essential".into(), json!(essential));
    }
    let environment: Map<String, Value> = definition
        .get("environment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|kv| {
            Some((
                kv.get("name")?.as_str()?.to_string(),
                kv.get("value")?.clone(),
            ))
        })
        .collect();
    c.insert("environment".into(), Value::Object(environment));
    Value::Object(c)
}

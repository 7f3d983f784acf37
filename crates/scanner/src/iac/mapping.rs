//! From provider types to driftscan's kinds: one table, one row per kind, with the Pulumi and
//! Terraform types that declare it and how their attributes become driftscan's property names.
//! The Pulumi AWS provider is bridged from Terraform's, so after [`super::state::snake_case`]
//! both spell attributes alike and one row serves both.
//!
//! What a provider computes and that drifts by itself (timestamps, ARNs, defaults filled in) is
//! not declared; what a state keeps secret is expected to exist, nothing more; references are
//! declared by id (`vpc: {id: vpc-0abc}`), which the snapshot carries beside the name.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::state::StateResource;
use crate::model::ResourceKind as K;

/// How one kind is declared by infrastructure code.
pub struct KindMapping {
    /// The kind.
    pub kind: K,
    /// Pulumi types.
    pub pulumi: &'static [&'static str],
    /// Terraform types.
    pub terraform: &'static [&'static str],
    /// The attribute the collector names the resource by when it has no `Name` tag (`None`:
    /// the id).
    pub name_attribute: Option<&'static str>,
    /// The declared properties.
    pub properties: fn(&Attrs) -> Map<String, Value>,
}

/// Kinds no state type maps to, and why.
pub static NOT_MAPPED: &[(K, &str)] = &[];

/// Every kind's mapping.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::Vpc,
        // The default VPC and its siblings are the same AWS objects, adopted by the tool.
        pulumi: &["aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc"],
        terraform: &["aws_vpc", "aws_default_vpc"],
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            if let Some(cidr) = a.str("cidr_block") {
                // Secondary blocks are separate resources: the primary one at least.
                p.insert("cidr_blocks".into(), json!({"includes": [cidr]}));
            }
            a.copy_bool(&mut p, "enable_dns_support", "dns_support");
            a.copy_bool(&mut p, "enable_dns_hostnames", "dns_hostnames");
            p
        },
    },
    KindMapping {
        kind: K::Subnet,
        pulumi: &[
            "aws:ec2/subnet:Subnet",
            "aws:ec2/defaultSubnet:DefaultSubnet",
        ],
        terraform: &["aws_subnet", "aws_default_subnet"],
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "cidr_block", "cidr_block");
            a.copy_str(&mut p, "availability_zone", "availability_zone");
            a.copy_bool(&mut p, "map_public_ip_on_launch", "map_public_ip_on_launch");
            a.reference(&mut p, "vpc_id", "vpc");
            p
        },
    },
    KindMapping {
        kind: K::RouteTable,
        pulumi: &[
            "aws:ec2/routeTable:RouteTable",
            "aws:ec2/defaultRouteTable:DefaultRouteTable",
        ],
        terraform: &["aws_route_table", "aws_default_route_table"],
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            a.reference(&mut p, "vpc_id", "vpc");
            p
        },
    },
    KindMapping {
        kind: K::InternetGateway,
        pulumi: &["aws:ec2/internetGateway:InternetGateway"],
        terraform: &["aws_internet_gateway"],
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            if let Some(vpc) = a.str("vpc_id") {
                p.insert("vpcs".into(), json!([{"id": vpc}]));
            }
            p
        },
    },
    KindMapping {
        kind: K::NatGateway,
        pulumi: &["aws:ec2/natGateway:NatGateway"],
        terraform: &["aws_nat_gateway"],
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            a.reference(&mut p, "subnet_id", "subnet");
            a.copy_str(&mut p, "connectivity_type", "connectivity_type");
            p
        },
    },
    KindMapping {
        kind: K::SecurityGroup,
        pulumi: &[
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        ],
        terraform: &["aws_security_group", "aws_default_security_group"],
        name_attribute: Some("name"),
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "name", "group_name");
            a.copy_str(&mut p, "description", "description");
            a.reference(&mut p, "vpc_id", "vpc");
            for direction in ["ingress", "egress"] {
                if let Some(Value::Array(rules)) = a.get(direction) {
                    let rules: Vec<Value> = rules.iter().flat_map(inline_rule).collect();
                    p.insert(direction.into(), Value::Array(rules));
                }
            }
            p
        },
    },
    KindMapping {
        kind: K::VpcPeeringConnection,
        pulumi: &["aws:ec2/vpcPeeringConnection:VpcPeeringConnection"],
        terraform: &["aws_vpc_peering_connection"],
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            if let Some(vpc) = a.str("vpc_id") {
                p.insert("requester".into(), json!({"vpc": {"id": vpc}}));
            }
            if let Some(vpc) = a.str("peer_vpc_id") {
                p.insert("accepter".into(), json!({"vpc": {"id": vpc}}));
            }
            p
        },
    },
    KindMapping {
        kind: K::EcsCluster,
        pulumi: &["aws:ecs/cluster:Cluster"],
        terraform: &["aws_ecs_cluster"],
        name_attribute: Some("name"),
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
        name_attribute: Some("name"),
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
        name_attribute: Some("family"),
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
    KindMapping {
        kind: K::DbCluster,
        pulumi: &["aws:rds/cluster:Cluster"],
        terraform: &["aws_rds_cluster"],
        name_attribute: None,
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
        name_attribute: None,
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "cluster_identifier", "cluster");
            a.copy_str(&mut p, "instance_class", "instance_class");
            a.copy_str(&mut p, "engine", "engine");
            a.copy_bool(&mut p, "publicly_accessible", "publicly_accessible");
            p
        },
    },
    KindMapping {
        kind: K::SsmParameter,
        pulumi: &["aws:ssm/parameter:Parameter"],
        terraform: &["aws_ssm_parameter"],
        name_attribute: Some("name"),
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "type", "type");
            a.copy_str(&mut p, "tier", "tier");
            // A value is declared only when the state holds it in the clear and it is not a
            // SecureString (Terraform marks `value` sensitive; Pulumi makes it a secret).
            if a.str("type") != Some("SecureString") {
                if let Some(value) = a.str("value").or_else(|| a.str("insecure_value")) {
                    p.insert("value".into(), json!(value));
                }
            }
            p
        },
    },
    KindMapping {
        kind: K::LoadBalancer,
        pulumi: &[
            "aws:lb/loadBalancer:LoadBalancer",
            "aws:alb/loadBalancer:LoadBalancer",
        ],
        terraform: &["aws_lb", "aws_alb"],
        name_attribute: Some("name"),
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
        name_attribute: None,
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
        name_attribute: None,
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
        name_attribute: Some("name"),
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
    KindMapping {
        kind: K::S3Bucket,
        pulumi: &["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
        terraform: &["aws_s3_bucket"],
        name_attribute: Some("bucket"),
        // Versioning, encryption, the public access block and the policy are their own
        // resources (below), merged into the bucket they name.
        properties: |_| Map::new(),
    },
];

/// Resources that declare part of another: security group rules, bucket settings.
pub struct PartMapping {
    /// Pulumi types.
    pub pulumi: &'static [&'static str],
    /// Terraform types.
    pub terraform: &'static [&'static str],
    /// The kind of the resource it is part of.
    pub kind: K,
    /// The attribute naming that resource (its id).
    pub parent: &'static str,
    /// Adds the part to the parent's declared properties.
    pub merge: fn(&Attrs, &mut Map<String, Value>),
}

/// Every part mapping.
pub static PARTS: &[PartMapping] = &[
    PartMapping {
        pulumi: &["aws:ec2/securityGroupRule:SecurityGroupRule"],
        terraform: &["aws_security_group_rule"],
        kind: K::SecurityGroup,
        parent: "security_group_id",
        merge: |a, p| {
            let direction = if a.str("type") == Some("egress") { "egress" } else { "ingress" };
            let mut block = a.map.clone();
            if let Some(source) = a.str("source_security_group_id") {
                block.insert("security_groups".into(), json!([source]));
            }
            push_rules(p, direction, inline_rule(&Value::Object(block)));
        },
    },
    PartMapping {
        pulumi: &["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
        terraform: &["aws_vpc_security_group_ingress_rule"],
        kind: K::SecurityGroup,
        parent: "security_group_id",
        merge: |a, p| push_rules(p, "ingress", vpc_rule(a)),
    },
    PartMapping {
        pulumi: &["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"],
        terraform: &["aws_vpc_security_group_egress_rule"],
        kind: K::SecurityGroup,
        parent: "security_group_id",
        merge: |a, p| push_rules(p, "egress", vpc_rule(a)),
    },
    PartMapping {
        pulumi: &["aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketVersioning:BucketVersioning"],
        terraform: &["aws_s3_bucket_versioning"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            if let Some(status) = a.block("versioning_configuration").and_then(|v| v.str("status").map(str::to_string)) {
                p.insert("versioning".into(), json!(status));
            }
        },
    },
    PartMapping {
        pulumi: &[
            "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ],
        terraform: &["aws_s3_bucket_server_side_encryption_configuration"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            let default = a
                .block("rule")
                .and_then(|r| r.block("apply_server_side_encryption_by_default"));
            if let Some(algorithm) = default.as_ref().and_then(|d| d.str("sse_algorithm")) {
                p.insert("encryption".into(), json!({"algorithm": algorithm}));
            }
        },
    },
    PartMapping {
        pulumi: &["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
        terraform: &["aws_s3_bucket_public_access_block"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            let mut block = Map::new();
            for key in ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"] {
                a.copy_bool(&mut block, key, key);
            }
            p.insert("public_access_block".into(), Value::Object(block));
        },
    },
    PartMapping {
        pulumi: &["aws:s3/bucketPolicy:BucketPolicy"],
        terraform: &["aws_s3_bucket_policy"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            if let Some(statements) = a.str("policy").and_then(|d| crate::model::parse_policy(d).ok()) {
                let mut statements = statements;
                statements.sort();
                p.insert("policy".into(), serde_json::to_value(statements).unwrap_or(Value::Null));
            }
        },
    },
    PartMapping {
        pulumi: &["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
        terraform: &["aws_s3_bucket_ownership_controls"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            if let Some(ownership) = a.block("rule").and_then(|r| r.str("object_ownership").map(str::to_string)) {
                p.insert("object_ownership".into(), json!(ownership));
            }
        },
    },
];

/// The kind mapping of a provider type.
pub fn kind_of(provider_type: &str) -> Option<&'static KindMapping> {
    KINDS
        .iter()
        .find(|m| m.pulumi.contains(&provider_type) || m.terraform.contains(&provider_type))
}

/// The part mapping of a provider type.
pub fn part_of(provider_type: &str) -> Option<&'static PartMapping> {
    PARTS
        .iter()
        .find(|m| m.pulumi.contains(&provider_type) || m.terraform.contains(&provider_type))
}

/// A resource's attributes, read the way both tools write them (a nested block is a list of
/// one object in Terraform, an object in Pulumi).
pub struct Attrs {
    /// The attributes.
    pub map: Map<String, Value>,
}

impl Attrs {
    /// The attributes of a state resource.
    pub fn of(resource: &StateResource) -> Attrs {
        Attrs {
            map: resource.attributes.clone(),
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A non-empty string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    /// An integer (or a numeric string).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A list of strings (a lone string as one).
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// Nested blocks.
    fn blocks(&self, key: &str) -> Vec<Attrs> {
        match self.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_object)
                .map(|m| Attrs { map: m.clone() })
                .collect(),
            Some(Value::Object(m)) => vec![Attrs { map: m.clone() }],
            _ => Vec::new(),
        }
    }

    fn block(&self, key: &str) -> Option<Attrs> {
        self.blocks(key).into_iter().next()
    }

    fn copy_str(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(v) = self.str(from) {
            out.insert(to.into(), json!(v));
        }
    }

    fn copy_bool(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(v) = self.bool(from) {
            out.insert(to.into(), json!(v));
        }
    }

    fn copy_int(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(v) = self.int(from) {
            out.insert(to.into(), json!(v));
        }
    }

    fn reference(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(id) = self.str(from) {
            out.insert(to.into(), json!({"id": id}));
        }
    }

    /// The tags as the resource carries them (provider default tags included).
    pub fn tags(&self) -> Option<BTreeMap<String, String>> {
        let tags = self.get("tags_all").or_else(|| self.get("tags"))?;
        tags.as_object().map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
    }
}

fn last_segment(arn_or_name: &str) -> &str {
    arn_or_name.rsplit('/').next().unwrap_or(arn_or_name)
}

/// Terraform's inline rule block (`from_port`, `protocol`, `cidr_blocks`, `security_groups`,
/// `self`, ...) as driftscan's rules, one per peer.
fn inline_rule(block: &Value) -> Vec<Value> {
    let Some(block) = block.as_object() else {
        return Vec::new();
    };
    let a = Attrs { map: block.clone() };
    let (protocol, ports) =
        protocol_and_ports(a.str("protocol"), a.int("from_port"), a.int("to_port"));
    let mut peers: Vec<Value> = Vec::new();
    peers.extend(
        a.strings("cidr_blocks")
            .into_iter()
            .map(|c| json!({"cidr": c})),
    );
    peers.extend(
        a.strings("ipv6_cidr_blocks")
            .into_iter()
            .map(|c| json!({"ipv6_cidr": c})),
    );
    peers.extend(
        a.strings("prefix_list_ids")
            .into_iter()
            .map(|c| json!({"prefix_list": c})),
    );
    peers.extend(
        a.strings("security_groups")
            .into_iter()
            .map(|g| json!({"group": {"id": g}})),
    );
    peers
        .into_iter()
        .map(|peer| rule_value(&protocol, ports, peer, a.str("description")))
        .collect()
}

/// `aws_vpc_security_group_ingress_rule` / `egress_rule`: one peer each.
fn vpc_rule(a: &Attrs) -> Vec<Value> {
    let (protocol, ports) =
        protocol_and_ports(a.str("ip_protocol"), a.int("from_port"), a.int("to_port"));
    let peer = if let Some(c) = a.str("cidr_ipv4") {
        json!({"cidr": c})
    } else if let Some(c) = a.str("cidr_ipv6") {
        json!({"ipv6_cidr": c})
    } else if let Some(p) = a.str("prefix_list_id") {
        json!({"prefix_list": p})
    } else if let Some(g) = a.str("referenced_security_group_id") {
        json!({"group": {"id": g}})
    } else {
        return Vec::new();
    };
    vec![rule_value(&protocol, ports, peer, a.str("description"))]
}

fn protocol_and_ports(
    protocol: Option<&str>,
    from: Option<i64>,
    to: Option<i64>,
) -> (String, Option<(i64, i64)>) {
    match protocol.unwrap_or("-1") {
        "-1" | "all" => ("all".to_string(), None),
        "6" => ("tcp".to_string(), from.zip(to)),
        "17" => ("udp".to_string(), from.zip(to)),
        other => (other.to_ascii_lowercase(), from.zip(to)),
    }
}

fn rule_value(
    protocol: &str,
    ports: Option<(i64, i64)>,
    peer: Value,
    description: Option<&str>,
) -> Value {
    let mut rule = Map::new();
    rule.insert("protocol".into(), json!(protocol));
    if let Some((from, to)) = ports {
        rule.insert("from_port".into(), json!(from));
        rule.insert("to_port".into(), json!(to));
    }
    rule.insert("peer".into(), peer);
    if let Some(description) = description {
        rule.insert("description".into(), json!(description));
    }
    Value::Object(rule)
}

fn push_rules(properties: &mut Map<String, Value>, direction: &str, rules: Vec<Value>) {
    let list = properties
        .entry(direction.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = list {
        for rule in rules {
            if !items.contains(&rule) {
                items.push(rule);
            }
        }
    }
}

/// A container definition (the ECS API's JSON) as driftscan's container.
fn container(definition: &Value) -> Value {
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

/// Listener actions (`default_action` / `action` blocks) as driftscan's.
fn actions(blocks: &[Attrs]) -> Value {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_kind_is_mapped_once_or_said_not_to_be() {
        let mapped: Vec<K> = KINDS.iter().map(|m| m.kind).collect();
        let unmapped: Vec<K> = NOT_MAPPED.iter().map(|(k, _)| *k).collect();
        for kind in K::ALL {
            let count = mapped.iter().filter(|k| *k == kind).count();
            assert!(
                count == 1 || (count == 0 && unmapped.contains(kind)),
                "{kind}: mapped {count} times and not listed as not mapped"
            );
            if count == 1 {
                let m = KINDS.iter().find(|m| m.kind == *kind).unwrap();
                assert!(
                    !m.pulumi.is_empty() && !m.terraform.is_empty(),
                    "{kind}: both tools"
                );
            }
        }
        let mut types = BTreeSet::new();
        for t in KINDS
            .iter()
            .flat_map(|m| m.pulumi.iter().chain(m.terraform))
            .chain(
                PARTS
                    .iter()
                    .flat_map(|p| p.pulumi.iter().chain(p.terraform)),
            )
        {
            assert!(types.insert(*t), "{t} is mapped twice");
        }
    }

    #[test]
    fn inline_rules_split_per_peer() {
        let block = json!({"protocol": "tcp", "from_port": 443, "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"], "security_groups": ["sg-1"], "self": false,
            "description": "web", "ipv6_cidr_blocks": [], "prefix_list_ids": []});
        assert_eq!(
            inline_rule(&block),
            [
                json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": {"cidr": "0.0.0.0/0"}, "description": "web"}),
                json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": {"group": {"id": "sg-1"}}, "description": "web"}),
            ]
        );
        let all =
            json!({"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]});
        assert_eq!(
            inline_rule(&all),
            [json!({"protocol": "all", "peer": {"cidr": "0.0.0.0/0"}})]
        );
    }
}

//! How Pulumi and Terraform declare EC2's kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::Vpc,
        // The default VPC and its siblings are the same AWS objects, adopted by the tool.
        pulumi: &["aws:ec2/vpc:Vpc", "aws:ec2/defaultVpc:DefaultVpc"],
        terraform: &["aws_vpc", "aws_default_vpc"],
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
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
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
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
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
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
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
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
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
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
        name: Naming::Attribute("name"),
        live_id: None,
        sensitive: &[],
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
        name: Naming::Id,
        live_id: None,
        sensitive: &[],
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
];

/// Resources that declare part of one of its kinds.
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
];

/// Terraform's inline rule block (`from_port`, `protocol`, `cidr_blocks`, `security_groups`,
/// `self`, ...) as driftscan's rules, one per peer.
pub(crate) fn inline_rule(block: &Value) -> Vec<Value> {
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
pub(crate) fn vpc_rule(a: &Attrs) -> Vec<Value> {
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

pub(crate) fn protocol_and_ports(
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

pub(crate) fn rule_value(
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

pub(crate) fn push_rules(properties: &mut Map<String, Value>, direction: &str, rules: Vec<Value>) {
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

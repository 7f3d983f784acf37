//! Network rules: what may be reached from anywhere, where tasks run, how wide a VPC spans.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::json;

use super::{params, Check, Day, RuleDef, Violation};
use crate::model::{
    Properties, Resource, ResourceKind, RouteTarget, RulePeer, SecurityGroupRule, Severity,
    Snapshot,
};

/// Whether a rule admits traffic from anywhere (IPv4 or IPv6).
fn from_anywhere(rule: &SecurityGroupRule) -> bool {
    matches!(&rule.peer, RulePeer::Cidr(c) if c == "0.0.0.0/0")
        || matches!(&rule.peer, RulePeer::Ipv6Cidr(c) if c == "::/0")
}

/// Whether a rule's protocol and port range admit TCP `port`.
fn admits_tcp_port(rule: &SecurityGroupRule, port: i32) -> bool {
    match rule.protocol.as_str() {
        "all" => true,
        "tcp" | "6" => match (rule.from_port, rule.to_port) {
            (Some(from), Some(to)) => from <= port && port <= to,
            _ => true,
        },
        _ => false,
    }
}

fn ingress(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &SecurityGroupRule)> {
    snapshot.resources.iter().flat_map(|r| match &r.properties {
        Properties::SecurityGroup(g) => g
            .ingress
            .iter()
            .map(move |rule| (r, rule))
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    })
}

fn rule_json(rule: &SecurityGroupRule) -> serde_json::Value {
    serde_json::to_value(rule).unwrap_or_default()
}

const DEFAULT_DB_PORTS: [i32; 7] = [5432, 3306, 1433, 1521, 27017, 6379, 5439];

/// `db-ingress-from-anywhere`: no database port is open to 0.0.0.0/0 or ::/0.
pub const DB_INGRESS_FROM_ANYWHERE: RuleDef = RuleDef {
    id: "db-ingress-from-anywhere",
    severity: Severity::Critical,
    rationale: "A database port reachable from the internet is one leaked or guessed password away from a breach; databases are reached from the application's security group only.",
    build: |values| Ok(Box::new(params::<DbIngress>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DbIngress {
    #[serde(default = "db_ports")]
    ports: Vec<i32>,
}

fn db_ports() -> Vec<i32> {
    DEFAULT_DB_PORTS.to_vec()
}

impl Check for DbIngress {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, rule) in ingress(snapshot) {
            if !from_anywhere(rule) {
                continue;
            }
            if let Some(port) = self.ports.iter().find(|p| admits_tcp_port(rule, **p)) {
                out.push(Violation {
                    resource,
                    path: Some("properties.ingress".into()),
                    expected: None,
                    actual: Some(rule_json(rule)),
                    message: format!(
                        "{} admits database port {port} from anywhere",
                        resource.name
                    ),
                });
            }
        }
    }
}

/// `world-ingress-web-only`: only load-balancer groups take traffic from anywhere, and only on
/// 80 and 443. A load-balancer group is one attached to an internet-facing load balancer of the
/// snapshot, whatever its name; `load_balancer_groups` names more (logical or display names),
/// for load balancers driftscan does not read. (Database ports open to anywhere are
/// `db-ingress-from-anywhere`'s.)
pub const WORLD_INGRESS_WEB_ONLY: RuleDef = RuleDef {
    id: "world-ingress-web-only",
    severity: Severity::High,
    rationale: "Everything but the load balancer sits behind it; a port opened to the internet by hand bypasses the load balancer, its TLS and its logs.",
    build: |values| Ok(Box::new(params::<WorldIngress>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorldIngress {
    /// Names of groups that front a load balancer the snapshot does not hold.
    #[serde(default)]
    load_balancer_groups: Vec<String>,
    #[serde(default = "web_ports")]
    allowed_ports: Vec<i32>,
    #[serde(default = "db_ports")]
    db_ports: Vec<i32>,
}

fn web_ports() -> Vec<i32> {
    vec![80, 443]
}

/// Ids of the security groups attached to an internet-facing load balancer, by region.
fn internet_facing_groups(snapshot: &Snapshot) -> BTreeSet<(&str, &str)> {
    snapshot
        .resources
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::LoadBalancer(lb) if lb.scheme == "internet-facing" => Some((r, lb)),
            _ => None,
        })
        .flat_map(|(r, lb)| {
            lb.security_groups
                .iter()
                .map(move |g| (r.region.as_str(), g.id.as_str()))
        })
        .collect()
}

impl Check for WorldIngress {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        let attached = internet_facing_groups(snapshot);
        for (resource, rule) in ingress(snapshot) {
            if !from_anywhere(rule) || self.db_ports.iter().any(|p| admits_tcp_port(rule, *p)) {
                continue;
            }
            // Named either way: `lb-{env}` (logical) or `lb-prod` (as `{env}` is substituted).
            let is_lb = attached.contains(&(resource.region.as_str(), resource.id.as_str()))
                || self
                    .load_balancer_groups
                    .iter()
                    .any(|g| *g == resource.logical_name || *g == resource.name);
            let web_only = rule.protocol == "tcp"
                && matches!((rule.from_port, rule.to_port), (Some(from), Some(to))
                    if from == to && self.allowed_ports.contains(&from));
            if !(is_lb && web_only) {
                out.push(Violation {
                    resource,
                    path: Some("properties.ingress".into()),
                    expected: None,
                    actual: Some(rule_json(rule)),
                    message: if is_lb {
                        format!(
                            "{} admits more than ports {:?} from anywhere",
                            resource.name, self.allowed_ports
                        )
                    } else {
                        format!(
                            "{} fronts no internet-facing load balancer but admits traffic from anywhere",
                            resource.name
                        )
                    },
                });
            }
        }
    }
}

/// `ecs-private-networking`: service tasks run in private subnets without public IPs.
pub const ECS_PRIVATE_NETWORKING: RuleDef = RuleDef {
    id: "ecs-private-networking",
    severity: Severity::High,
    rationale: "Tasks with public IPs or in public subnets are reachable around the load balancer; they reach the internet through the NAT gateway instead.",
    build: |values| Ok(Box::new(params::<PrivateNetworking>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PrivateNetworking {
    #[serde(default = "yes")]
    required: bool,
}

fn yes() -> bool {
    true
}

/// Subnets whose route table sends 0.0.0.0/0 to an internet gateway, by subnet id.
fn public_subnets(snapshot: &Snapshot) -> HashMap<&str, bool> {
    let tables: HashMap<&str, bool> = snapshot
        .resources
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::RouteTable(t) => Some((
                r.id.as_str(),
                t.routes.iter().any(|route| {
                    route.target == RouteTarget::Igw && route.destination == "0.0.0.0/0"
                }),
            )),
            _ => None,
        })
        .collect();
    snapshot
        .resources
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::Subnet(s) => {
                let routed = s
                    .route_table
                    .as_ref()
                    .and_then(|t| tables.get(t.id.as_str()))
                    .copied();
                Some((
                    r.id.as_str(),
                    routed.unwrap_or(false) || s.map_public_ip_on_launch,
                ))
            }
            _ => None,
        })
        .collect()
}

impl Check for PrivateNetworking {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.required {
            return;
        }
        let public = public_subnets(snapshot);
        for resource in &snapshot.resources {
            let Properties::EcsService(service) = &resource.properties else {
                continue;
            };
            let Some(network) = &service.network else {
                continue;
            };
            if network.assign_public_ip {
                out.push(Violation {
                    resource,
                    path: Some("properties.network.assign_public_ip".into()),
                    expected: Some(json!(false)),
                    actual: Some(json!(true)),
                    message: format!("{} gives its tasks public IPs", resource.name),
                });
            }
            let in_public: Vec<&str> = network
                .subnets
                .iter()
                .filter(|s| public.get(s.id.as_str()).copied().unwrap_or(false))
                .map(|s| s.name.as_deref().unwrap_or(&s.id))
                .collect();
            if !in_public.is_empty() {
                out.push(Violation {
                    resource,
                    path: Some("properties.network.subnets".into()),
                    expected: None,
                    actual: Some(json!(in_public)),
                    message: format!("{} runs tasks in public subnets", resource.name),
                });
            }
        }
    }
}

/// `vpc-az-span`: each VPC has subnets in at least the required number of availability zones.
pub const VPC_AZ_SPAN: RuleDef = RuleDef {
    id: "vpc-az-span",
    severity: Severity::Medium,
    rationale: "An environment in fewer availability zones than designed loses capacity, or everything, when one zone fails.",
    build: |values| Ok(Box::new(params::<AzSpan>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AzSpan {
    #[serde(default = "three")]
    min_azs: usize,
}

fn three() -> usize {
    3
}

impl Check for AzSpan {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for vpc in snapshot
            .resources
            .iter()
            .filter(|r| r.kind == ResourceKind::Vpc)
        {
            if !snapshot.kind_is_complete(&vpc.region, ResourceKind::Subnet) {
                continue; // unknown, not narrow
            }
            let zones: BTreeSet<&str> = snapshot
                .resources
                .iter()
                .filter_map(|r| match &r.properties {
                    Properties::Subnet(s) if s.vpc.id == vpc.id && r.region == vpc.region => {
                        Some(s.availability_zone.as_str())
                    }
                    _ => None,
                })
                .collect();
            if zones.len() < self.min_azs {
                out.push(Violation {
                    resource: vpc,
                    path: None,
                    expected: Some(json!({"availability_zones": {">=": self.min_azs}})),
                    actual: Some(json!({"availability_zones": zones})),
                    message: format!(
                        "{} spans {} availability zone(s); at least {} required",
                        vpc.name,
                        zones.len(),
                        self.min_azs
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::*;
    use crate::testing::{resource, run};

    fn rule(protocol: &str, from: i32, to: i32, cidr: &str) -> SecurityGroupRule {
        SecurityGroupRule {
            protocol: protocol.into(),
            to_port: Some(to),
            ..crate::testing::tcp_rule(from, cidr)
        }
    }

    fn group(name: &str, ingress: Vec<SecurityGroupRule>) -> Resource {
        crate::testing::security_group(name, ingress)
    }

    #[test]
    fn database_ports_open_to_anywhere() {
        let open = group("db-prod", vec![rule("tcp", 5432, 5432, "0.0.0.0/0")]);
        let found = run("db-ingress-from-anywhere", json!({}), vec![open]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Critical);
        let range = group("db-prod", vec![rule("tcp", 0, 65535, "0.0.0.0/0")]);
        assert_eq!(
            run("db-ingress-from-anywhere", json!({}), vec![range]).len(),
            1,
            "ranges count"
        );
        let all = group(
            "db-prod",
            vec![SecurityGroupRule {
                protocol: "all".into(),
                from_port: None,
                to_port: None,
                peer: RulePeer::Ipv6Cidr("::/0".into()),
                description: None,
            }],
        );
        assert_eq!(
            run("db-ingress-from-anywhere", json!({}), vec![all]).len(),
            1,
            "IPv6 and all traffic"
        );
        let vpc_only = group("db-prod", vec![rule("tcp", 5432, 5432, "10.0.0.0/16")]);
        assert!(run("db-ingress-from-anywhere", json!({}), vec![vpc_only]).is_empty());
        let udp = group("db-prod", vec![rule("udp", 5432, 5432, "0.0.0.0/0")]);
        assert!(run("db-ingress-from-anywhere", json!({}), vec![udp]).is_empty());
        let custom = group("db-prod", vec![rule("tcp", 9042, 9042, "0.0.0.0/0")]);
        assert_eq!(
            run(
                "db-ingress-from-anywhere",
                json!({"ports": [9042]}),
                vec![custom]
            )
            .len(),
            1
        );
    }

    #[test]
    fn only_load_balancers_take_web_traffic_from_anywhere() {
        // Any name: a group is a load-balancer group by what it is attached to.
        let web = || {
            group(
                "edge-web-sg",
                vec![
                    rule("tcp", 80, 80, "0.0.0.0/0"),
                    rule("tcp", 443, 443, "0.0.0.0/0"),
                ],
            )
        };
        let rule_id = "world-ingress-web-only";
        let facing = load_balancer("internet-facing", "edge-web-sg");
        assert!(run(rule_id, json!({}), vec![web(), facing.clone()]).is_empty());
        let alone = run(rule_id, json!({}), vec![web()]);
        assert_eq!(alone.len(), 2, "not attached: not a load-balancer group");
        assert!(alone[0]
            .message
            .contains("fronts no internet-facing load balancer"));
        let internal = load_balancer("internal", "edge-web-sg");
        assert_eq!(run(rule_id, json!({}), vec![web(), internal]).len(), 2);
        // Named explicitly, for a load balancer the snapshot does not hold.
        assert!(run(
            rule_id,
            json!({"load_balancer_groups": ["edge-web-{env}"]}),
            vec![group(
                "edge-web-prod",
                vec![rule("tcp", 443, 443, "0.0.0.0/0")]
            )]
        )
        .is_empty());
        let lb_ssh = group("edge-web-sg", vec![rule("tcp", 22, 22, "0.0.0.0/0")]);
        assert_eq!(
            run(rule_id, json!({}), vec![lb_ssh, facing.clone()]).len(),
            1
        );
        let app = group("app-prod", vec![rule("tcp", 443, 443, "0.0.0.0/0")]);
        assert_eq!(run(rule_id, json!({}), vec![app, facing]).len(), 1);
        let db = group("db-prod", vec![rule("tcp", 5432, 5432, "0.0.0.0/0")]);
        assert!(
            run(rule_id, json!({}), vec![db]).is_empty(),
            "left to the database rule"
        );
    }

    fn load_balancer(scheme: &str, group_id: &str) -> Resource {
        resource(
            &format!("alb-{scheme}"),
            Properties::LoadBalancer(crate::model::LoadBalancer {
                load_balancer_type: "application".into(),
                scheme: scheme.into(),
                ip_address_type: Some("ipv4".into()),
                state: Some("active".into()),
                dns_name: None,
                vpc: None,
                subnets: vec![],
                security_groups: vec![ResourceRef::id(group_id)],
                deletion_protection: false,
                access_logs: None,
                drop_invalid_header_fields: None,
                idle_timeout_seconds: None,
            }),
        )
    }

    fn subnet(name: &str, table: &str, public_ip: bool) -> Resource {
        resource(
            name,
            Properties::Subnet(Subnet {
                vpc: ResourceRef::id("vpc-1"),
                cidr_block: "10.0.0.0/24".into(),
                ipv6_cidr_blocks: vec![],
                availability_zone: format!("us-east-1{}", &name[name.len() - 1..]),
                map_public_ip_on_launch: public_ip,
                route_table: Some(ResourceRef::id(table)),
            }),
        )
    }

    fn table(name: &str, to_igw: bool) -> Resource {
        resource(
            name,
            Properties::RouteTable(RouteTable {
                vpc: ResourceRef::id("vpc-1"),
                main: false,
                routes: vec![Route {
                    destination: "0.0.0.0/0".into(),
                    target: if to_igw {
                        RouteTarget::Igw
                    } else {
                        RouteTarget::Nat
                    },
                    target_ref: None,
                    state: "active".into(),
                }],
                subnets: vec![],
            }),
        )
    }

    fn service(subnets: &[&str], public_ip: bool) -> Resource {
        resource(
            "trading-app-prod",
            Properties::EcsService(EcsService {
                cluster: "ecs-cluster-prod".into(),
                status: "ACTIVE".into(),
                desired_count: 3,
                launch_type: Some("FARGATE".into()),
                capacity_provider_strategy: vec![],
                platform_version: None,
                scheduling_strategy: None,
                task_definition: "trading-app-prod:1".into(),
                network: Some(ServiceNetwork {
                    subnets: subnets.iter().map(|s| ResourceRef::id(*s)).collect(),
                    security_groups: vec![],
                    assign_public_ip: public_ip,
                }),
                load_balancers: vec![],
                deployment: None,
                enable_execute_command: false,
            }),
        )
    }

    #[test]
    fn ecs_tasks_stay_private() {
        let estate = |svc: Resource| {
            vec![
                table("public-rt", true),
                table("private-rt", false),
                subnet("public-a", "public-rt", false),
                subnet("private-a", "private-rt", false),
                svc,
            ]
        };
        assert!(run(
            "ecs-private-networking",
            json!({}),
            estate(service(&["private-a"], false))
        )
        .is_empty());
        let found = run(
            "ecs-private-networking",
            json!({}),
            estate(service(&["private-a"], true)),
        );
        assert_eq!(
            found[0].path.as_deref(),
            Some("properties.network.assign_public_ip")
        );
        let found = run(
            "ecs-private-networking",
            json!({}),
            estate(service(&["public-a"], false)),
        );
        assert_eq!(found[0].path.as_deref(), Some("properties.network.subnets"));
        assert!(run(
            "ecs-private-networking",
            json!({"required": false}),
            estate(service(&["public-a"], true))
        )
        .is_empty());
    }

    #[test]
    fn vpcs_span_enough_zones() {
        let vpc = || {
            let mut v = resource(
                "vpc-prod",
                Properties::Vpc(Vpc {
                    cidr_blocks: vec![],
                    ipv6_cidr_blocks: vec![],
                    dns_support: true,
                    dns_hostnames: true,
                    is_default: false,
                    state: "available".into(),
                }),
            );
            v.id = "vpc-1".into();
            v
        };
        let three = vec![
            vpc(),
            subnet("s-a", "t", false),
            subnet("s-b", "t", false),
            subnet("s-c", "t", false),
        ];
        assert!(run("vpc-az-span", json!({}), three).is_empty());
        let two = vec![
            vpc(),
            subnet("s-a", "t", false),
            subnet("s-b", "t", false),
            subnet("t-b", "t", false),
        ];
        let found = run("vpc-az-span", json!({}), two);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("2 availability zone"));
        assert!(run(
            "vpc-az-span",
            json!({"min_azs": 2}),
            vec![vpc(), subnet("s-a", "t", false), subnet("s-b", "t", false)]
        )
        .is_empty());
    }
}

//! Synthetic estates for benchmarks: many environments' worth of realistic resources, built in
//! memory without AWS.

use std::collections::BTreeMap;

use crate::model::*;
use crate::naming::logical_name;

/// Resources per unit built by [`estate`].
pub const RESOURCES_PER_UNIT: usize = 10;

fn tags(environment: &str, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("Environment".into(), environment.into()),
        ("Project".into(), "trading-platform".into()),
        ("ManagedBy".into(), "driftscan".into()),
        ("CostCenter".into(), "platform".into()),
        ("Name".into(), name.into()),
    ])
}

fn resource(environment: &str, id: String, name: String, properties: Properties) -> Resource {
    Resource {
        kind: properties.kind(),
        region: "us-east-1".into(),
        logical_name: logical_name(&name, environment),
        tags: tags(environment, &name),
        id,
        name,
        arn: None,
        properties,
    }
}

/// A snapshot of `resources` resources (rounded down to whole units of ten: a security group,
/// subnet, route table, ECS service and task definition, Aurora cluster and instance, and three
/// SSM parameters).
pub fn estate(environment: &str, resources: usize) -> Snapshot {
    let mut list = Vec::with_capacity(resources);
    for i in 0..resources / RESOURCES_PER_UNIT {
        network_unit(environment, i, &mut list);
        compute_unit(environment, i, &mut list);
        data_unit(environment, i, &mut list);
    }
    Snapshot::new(
        environment.into(),
        vec!["us-east-1".into()],
        Selection {
            tag_key: "Environment".into(),
            ssm_paths: vec![format!("/{environment}")],
        },
        vec![],
        list,
    )
}

/// A unit's security group, subnet and route table.
fn network_unit(e: &str, i: usize, list: &mut Vec<Resource>) {
    let sg = |rules: Vec<SecurityGroupRule>| {
        Properties::SecurityGroup(SecurityGroup {
            group_name: format!("svc-{i}-{e}"),
            description: format!("service {i}"),
            vpc: Some(ResourceRef {
                id: "vpc-1".into(),
                name: Some(format!("vpc-{e}")),
            }),
            ingress: rules,
            egress: vec![SecurityGroupRule {
                protocol: "all".into(),
                from_port: None,
                to_port: None,
                peer: RulePeer::Cidr("0.0.0.0/0".into()),
                description: None,
            }],
        })
    };
    let rule = |port: i32| SecurityGroupRule {
        protocol: "tcp".into(),
        from_port: Some(port),
        to_port: Some(port),
        peer: RulePeer::Group(ResourceRef {
            id: format!("sg-lb{i}"),
            name: Some(format!("lb-{e}")),
        }),
        description: Some("from the load balancer".into()),
    };
    list.push(resource(
        e,
        format!("sg-{i:08x}"),
        format!("svc-{i}-{e}"),
        sg(vec![rule(8080), rule(8443), rule(9090)]),
    ));
    list.push(resource(
        e,
        format!("subnet-{i:08x}"),
        format!("subnet-{i}-{e}"),
        Properties::Subnet(Subnet {
            vpc: ResourceRef {
                id: "vpc-1".into(),
                name: Some(format!("vpc-{e}")),
            },
            cidr_block: format!("10.{}.{}.0/24", i / 256 % 256, i % 256),
            ipv6_cidr_blocks: vec![],
            availability_zone: format!("us-east-1{}", ["a", "b", "c"][i % 3]),
            map_public_ip_on_launch: false,
            route_table: Some(ResourceRef {
                id: format!("rtb-{i:08x}"),
                name: Some(format!("rt-{i}-{e}")),
            }),
        }),
    ));
    list.push(resource(
        e,
        format!("rtb-{i:08x}"),
        format!("rt-{i}-{e}"),
        Properties::RouteTable(RouteTable {
            vpc: ResourceRef {
                id: "vpc-1".into(),
                name: Some(format!("vpc-{e}")),
            },
            main: false,
            routes: vec![
                Route {
                    destination: "10.0.0.0/16".into(),
                    target: RouteTarget::Local,
                    target_ref: None,
                    state: "active".into(),
                },
                Route {
                    destination: "0.0.0.0/0".into(),
                    target: RouteTarget::Nat,
                    target_ref: Some(ResourceRef {
                        id: "nat-1".into(),
                        name: Some(format!("nat-{e}")),
                    }),
                    state: "active".into(),
                },
            ],
            subnets: vec![ResourceRef {
                id: format!("subnet-{i:08x}"),
                name: Some(format!("subnet-{i}-{e}")),
            }],
        }),
    ));
}

/// A unit's ECS service and its task definition.
fn compute_unit(e: &str, i: usize, list: &mut Vec<Resource>) {
    let image = format!(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/svc-{i}:v1.{}.0",
        i % 10
    );
    list.push(resource(
        e,
        format!("ecs-cluster-{e}/svc-{i}-{e}"),
        format!("svc-{i}-{e}"),
        Properties::EcsService(EcsService {
            cluster: format!("ecs-cluster-{e}"),
            status: "ACTIVE".into(),
            desired_count: 2,
            launch_type: Some("FARGATE".into()),
            capacity_provider_strategy: vec![],
            platform_version: Some("LATEST".into()),
            scheduling_strategy: Some("REPLICA".into()),
            task_definition: format!("svc-{i}-{e}:1"),
            network: Some(ServiceNetwork {
                subnets: vec![ResourceRef {
                    id: format!("subnet-{i:08x}"),
                    name: Some(format!("subnet-{i}-{e}")),
                }],
                security_groups: vec![ResourceRef {
                    id: format!("sg-{i:08x}"),
                    name: Some(format!("svc-{i}-{e}")),
                }],
                assign_public_ip: false,
            }),
            load_balancers: vec![],
            deployment: Some(ServiceDeployment {
                maximum_percent: Some(200),
                minimum_healthy_percent: Some(100),
                circuit_breaker_enabled: Some(true),
                circuit_breaker_rollback: Some(true),
            }),
            enable_execute_command: false,
        }),
    ));
    list.push(resource(
        e,
        format!("svc-{i}-{e}:1"),
        format!("svc-{i}-{e}"),
        Properties::EcsTaskDefinition(EcsTaskDefinition {
            family: format!("svc-{i}-{e}"),
            revision: 1,
            cpu: Some("512".into()),
            memory: Some("1024".into()),
            network_mode: Some("awsvpc".into()),
            requires_compatibilities: vec!["FARGATE".into()],
            task_role: Some(format!("svc-{i}")),
            execution_role: Some("execution".into()),
            containers: vec![Container {
                name: "app".into(),
                image_ref: crate::model::ImageRef::parse(&image),
                image,
                essential: true,
                cpu: None,
                memory: None,
                port_mappings: vec![PortMapping {
                    container_port: Some(8080),
                    host_port: Some(8080),
                    protocol: Some("tcp".into()),
                }],
                environment: BTreeMap::from([
                    ("APP_ENV".into(), e.into()),
                    ("PORT".into(), "8080".into()),
                ]),
                secrets: BTreeMap::from([(
                    "DB_PASSWORD".into(),
                    format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-{i}"),
                )]),
                log_configuration: Some(LogConfiguration {
                    driver: "awslogs".into(),
                    options: BTreeMap::from([("awslogs-group".into(), format!("/ecs/svc-{i}"))]),
                }),
            }],
        }),
    ));
}

/// A unit's Aurora cluster, its instance and three parameters.
fn data_unit(e: &str, i: usize, list: &mut Vec<Resource>) {
    list.push(resource(
        e,
        format!("db-{i}-{e}"),
        format!("db-{i}-{e}"),
        Properties::DbCluster(DbCluster {
            engine: "aurora-postgresql".into(),
            engine_version: Some("15.4".into()),
            engine_mode: Some("provisioned".into()),
            status: Some("available".into()),
            storage_encrypted: true,
            kms_key_id: Some("alias/aws/rds".into()),
            backup_retention_period: Some(7),
            deletion_protection: true,
            iam_database_authentication: false,
            serverless_v2_scaling: None,
            parameter_group: Some("default.aurora-postgresql15".into()),
            subnet_group: Some(format!("db-{i}")),
            security_groups: vec![ResourceRef {
                id: format!("sg-{i:08x}"),
                name: Some(format!("svc-{i}-{e}")),
            }],
            port: Some(5432),
            availability_zones: vec![
                "us-east-1a".into(),
                "us-east-1b".into(),
                "us-east-1c".into(),
            ],
            members: vec![DbClusterMember {
                instance: format!("db-{i}-{e}-1"),
                writer: true,
            }],
        }),
    ));
    list.push(resource(
        e,
        format!("db-{i}-{e}-1"),
        format!("db-{i}-{e}-1"),
        Properties::DbInstance(DbInstance {
            cluster: Some(format!("db-{i}-{e}")),
            instance_class: "db.r6g.large".into(),
            engine: "aurora-postgresql".into(),
            role: "writer".into(),
            availability_zone: Some("us-east-1a".into()),
            performance_insights: true,
            publicly_accessible: false,
            status: Some("available".into()),
        }),
    ));
    for key in ["cache-ttl", "api-timeout", "feature-flag"] {
        let name = format!("/{e}/svc-{i}/{key}");
        list.push(Resource {
            tags: BTreeMap::new(),
            ..resource(
                e,
                name.clone(),
                name,
                Properties::SsmParameter(SsmParameter {
                    parameter_type: "String".into(),
                    data_type: Some("text".into()),
                    version: 3,
                    last_modified: Some("2026-11-01T10:00:00Z".into()),
                    tier: Some("Standard".into()),
                    key_id: None,
                    description: None,
                    value: Some(format!("{}", 30 + i % 50)),
                    value_digest: None,
                }),
            )
        });
    }
}

/// Changes one resource in every `every`: an SSM value, a retention, an extra ingress rule.
pub fn drift(snapshot: &mut Snapshot, every: usize) {
    for (i, resource) in snapshot
        .resources
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| i % every.max(1) == 0)
    {
        match &mut resource.properties {
            Properties::SsmParameter(p) => p.value = Some(format!("changed-{i}")),
            Properties::DbCluster(c) => c.backup_retention_period = Some(1),
            Properties::SecurityGroup(g) => g.ingress.push(SecurityGroupRule {
                protocol: "tcp".into(),
                from_port: Some(22),
                to_port: Some(22),
                peer: RulePeer::Cidr("0.0.0.0/0".into()),
                description: None,
            }),
            Properties::EcsService(s) => s.desired_count += 1,
            _ => {}
        }
    }
}

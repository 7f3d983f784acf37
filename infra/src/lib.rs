//! Provisioning of the reference platform (`../shared/reference-platform.md`) with AWS SDK calls.
//!
//! This first version creates a full environment (VPC over three AZs, public and private
//! subnets, one internet and one NAT gateway, route tables, load-balancer / application /
//! database security groups, an ECS Fargate cluster with Container Insights running the trading
//! app, an encrypted Aurora PostgreSQL cluster whose credentials RDS keeps in Secrets Manager,
//! and the SSM hierarchy). It refuses to touch an environment that already has a VPC: the
//! convergent, baseline-driven `apply` / `plan` / `destroy` are the infra issue's work.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_smithy_types::error::display::DisplayErrorContext;

use aws_sdk_ec2::types as ec2;
use aws_sdk_ecs::types as ecs;
use aws_sdk_rds::types as rds;
use aws_sdk_ssm::types::ParameterType;

/// The `Project` tag of every resource.
pub const PROJECT: &str = "trading-platform";
/// The `ManagedBy` tag of every resource.
pub const MANAGED_BY: &str = "driftscan";
/// The `CostCenter` tag of every resource.
pub const COST_CENTER: &str = "platform";
/// The application's container port.
pub const APP_PORT: i32 = 8080;
/// The image repository of the trading app (a placeholder account).
pub const IMAGE_REPOSITORY: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app";
/// Aurora PostgreSQL engine version.
pub const AURORA_ENGINE_VERSION: &str = "15.4";

/// A failed provisioning call.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// An AWS call failed.
    #[error("{operation} for {resource} failed: {message}")]
    Call {
        /// The API operation.
        operation: &'static str,
        /// The resource it was for.
        resource: String,
        /// The error with its causes.
        message: String,
    },
    /// The request cannot be carried out.
    #[error("{0}")]
    Refused(String),
}

fn call_error<E: std::error::Error + 'static>(
    operation: &'static str,
    resource: &str,
) -> impl FnOnce(E) -> InfraError {
    let resource = resource.to_string();
    move |e| InfraError::Call {
        operation,
        resource,
        message: DisplayErrorContext(&e).to_string(),
    }
}

/// A full environment of the reference platform.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentSpec {
    /// `dev`, `staging` or `prod`.
    pub name: String,
    /// Its region.
    pub region: String,
    /// The second octet of its VPC CIDR (`10.<n>.0.0/16`).
    pub cidr_octet: u8,
    /// Aurora instances.
    pub aurora_instances: u32,
    /// Aurora instance class.
    pub aurora_class: String,
    /// Backup retention in days.
    pub backup_retention_days: i32,
    /// Aurora deletion protection.
    pub deletion_protection: bool,
    /// The app image's tag.
    pub image_tag: String,
    /// ECS desired count.
    pub desired_count: i32,
    /// Task CPU units and memory (MiB).
    pub task_size: (u32, u32),
    /// `/<env>/database-max-connections`, `/<env>/cache-ttl`, `/<env>/api-timeout`.
    pub tuning: [(&'static str, &'static str); 3],
}

impl EnvironmentSpec {
    /// The reference platform's sizing for `name` (dev, staging, prod), optionally in another
    /// region.
    pub fn reference(name: &str, region: Option<&str>) -> Result<Self, InfraError> {
        let spec = match name {
            "dev" => EnvironmentSpec {
                name: "dev".into(),
                region: "us-east-2".into(),
                cidr_octet: 2,
                aurora_instances: 1,
                aurora_class: "db.t3.medium".into(),
                backup_retention_days: 1,
                deletion_protection: false,
                image_tag: "latest".into(),
                desired_count: 1,
                task_size: (256, 512),
                tuning: [
                    ("database-max-connections", "50"),
                    ("cache-ttl", "60"),
                    ("api-timeout", "30"),
                ],
            },
            "staging" => EnvironmentSpec {
                name: "staging".into(),
                region: "us-east-1".into(),
                cidr_octet: 1,
                aurora_instances: 2,
                aurora_class: "db.r6g.large".into(),
                backup_retention_days: 7,
                deletion_protection: false,
                image_tag: "staging-4f2a9c1".into(),
                desired_count: 2,
                task_size: (512, 1024),
                tuning: [
                    ("database-max-connections", "100"),
                    ("cache-ttl", "300"),
                    ("api-timeout", "30"),
                ],
            },
            "prod" => EnvironmentSpec {
                name: "prod".into(),
                region: "us-east-1".into(),
                cidr_octet: 0,
                aurora_instances: 3,
                aurora_class: "db.r6g.xlarge".into(),
                backup_retention_days: 30,
                deletion_protection: true,
                image_tag: "v1.4.2".into(),
                desired_count: 3,
                task_size: (1024, 2048),
                tuning: [
                    ("database-max-connections", "200"),
                    ("cache-ttl", "300"),
                    ("api-timeout", "30"),
                ],
            },
            other => {
                return Err(InfraError::Refused(format!(
                "unknown environment `{other}`: the reference platform has dev, staging and prod"
            )))
            }
        };
        Ok(match region {
            Some(region) => EnvironmentSpec {
                region: region.to_string(),
                ..spec
            },
            None => spec,
        })
    }

    /// The standard tags plus `Name`.
    pub fn tags(&self, name: &str) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("Environment", self.name.clone()),
            ("Project", PROJECT.to_string()),
            ("ManagedBy", MANAGED_BY.to_string()),
            ("CostCenter", COST_CENTER.to_string()),
            ("Name", name.to_string()),
        ])
    }

    /// The three availability zones used.
    pub fn availability_zones(&self) -> [String; 3] {
        ["a", "b", "c"].map(|z| format!("{}{z}", self.region))
    }

    /// The app image.
    pub fn image(&self) -> String {
        format!("{IMAGE_REPOSITORY}:{}", self.image_tag)
    }
}

/// Ids of what [`apply`] created, for callers that go on to change things.
#[derive(Debug, Clone, Default)]
pub struct Provisioned {
    /// The VPC.
    pub vpc_id: String,
    /// Public subnets, AZ a..c.
    pub public_subnet_ids: Vec<String>,
    /// Private subnets, AZ a..c.
    pub private_subnet_ids: Vec<String>,
    /// Security groups by role: `lb`, `app`, `db`.
    pub security_groups: BTreeMap<&'static str, String>,
    /// The ECS cluster name.
    pub cluster: String,
    /// The ECS service name.
    pub service: String,
    /// The Aurora cluster identifier.
    pub db_cluster: String,
}

fn ec2_tags(spec: &EnvironmentSpec, kind: ec2::ResourceType, name: &str) -> ec2::TagSpecification {
    let tags = spec
        .tags(name)
        .into_iter()
        .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build());
    ec2::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(tags.collect()))
        .build()
}

/// Creates the environment. Refuses when a VPC tagged with the environment already exists in
/// the region, rather than create a second copy.
pub async fn apply(config: &SdkConfig, spec: &EnvironmentSpec) -> Result<Provisioned, InfraError> {
    let config = config
        .to_builder()
        .region(aws_config::Region::new(spec.region.clone()))
        .build();
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let env = spec.name.as_str();

    let existing = ec2c
        .describe_vpcs()
        .filters(
            ec2::Filter::builder()
                .name("tag:Environment")
                .values(env)
                .build(),
        )
        .send()
        .await
        .map_err(call_error("DescribeVpcs", env))?;
    if !existing.vpcs().is_empty() {
        return Err(InfraError::Refused(format!(
            "environment `{env}` already has a VPC in {}; this version only creates environments",
            spec.region
        )));
    }

    let mut out = Provisioned::default();
    let network = create_network(&ec2c, spec, &mut out).await?;
    create_security_groups(&ec2c, spec, &mut out).await?;
    create_ecs(&config, spec, &mut out).await?;
    create_aurora(&config, spec, &mut out).await?;
    create_parameters(&config, spec, &out).await?;
    tracing::info!(environment = env, vpc = %out.vpc_id, nat = %network, "environment created");
    Ok(out)
}

async fn create_network(
    ec2c: &aws_sdk_ec2::Client,
    spec: &EnvironmentSpec,
    out: &mut Provisioned,
) -> Result<String, InfraError> {
    let env = &spec.name;
    let octet = spec.cidr_octet;
    let vpc_name = format!("vpc-{env}");
    let vpc = ec2c
        .create_vpc()
        .cidr_block(format!("10.{octet}.0.0/16"))
        .tag_specifications(ec2_tags(spec, ec2::ResourceType::Vpc, &vpc_name))
        .send()
        .await
        .map_err(call_error("CreateVpc", &vpc_name))?;
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    ec2c.modify_vpc_attribute()
        .vpc_id(&vpc_id)
        .enable_dns_hostnames(ec2::AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(call_error("ModifyVpcAttribute", &vpc_name))?;
    out.vpc_id = vpc_id.clone();

    for (i, az) in spec.availability_zones().iter().enumerate() {
        let zone = &az[az.len() - 1..];
        for (public, base) in [(true, 0), (false, 10)] {
            let name = format!("{}-{zone}-{env}", if public { "public" } else { "private" });
            let subnet = ec2c
                .create_subnet()
                .vpc_id(&vpc_id)
                .availability_zone(az)
                .cidr_block(format!("10.{octet}.{}.0/24", base + i))
                .tag_specifications(ec2_tags(spec, ec2::ResourceType::Subnet, &name))
                .send()
                .await
                .map_err(call_error("CreateSubnet", &name))?;
            let id = subnet
                .subnet()
                .and_then(|s| s.subnet_id())
                .unwrap_or_default()
                .to_string();
            if public {
                ec2c.modify_subnet_attribute()
                    .subnet_id(&id)
                    .map_public_ip_on_launch(
                        ec2::AttributeBooleanValue::builder().value(true).build(),
                    )
                    .send()
                    .await
                    .map_err(call_error("ModifySubnetAttribute", &name))?;
                out.public_subnet_ids.push(id);
            } else {
                out.private_subnet_ids.push(id);
            }
        }
    }

    let igw_name = format!("igw-{env}");
    let igw = ec2c
        .create_internet_gateway()
        .tag_specifications(ec2_tags(
            spec,
            ec2::ResourceType::InternetGateway,
            &igw_name,
        ))
        .send()
        .await
        .map_err(call_error("CreateInternetGateway", &igw_name))?;
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap_or_default()
        .to_string();
    ec2c.attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .map_err(call_error("AttachInternetGateway", &igw_name))?;

    let nat_name = format!("nat-{env}");
    let eip = ec2c
        .allocate_address()
        .domain(ec2::DomainType::Vpc)
        .tag_specifications(ec2_tags(spec, ec2::ResourceType::ElasticIp, &nat_name))
        .send()
        .await
        .map_err(call_error("AllocateAddress", &nat_name))?;
    let nat = ec2c
        .create_nat_gateway()
        .subnet_id(&out.public_subnet_ids[0])
        .allocation_id(eip.allocation_id().unwrap_or_default())
        .tag_specifications(ec2_tags(spec, ec2::ResourceType::Natgateway, &nat_name))
        .send()
        .await
        .map_err(call_error("CreateNatGateway", &nat_name))?;
    let nat_id = nat
        .nat_gateway()
        .and_then(|n| n.nat_gateway_id())
        .unwrap_or_default()
        .to_string();

    tag_implicit_resources(ec2c, spec, &vpc_id).await?;

    for (public, subnets) in [
        (true, &out.public_subnet_ids),
        (false, &out.private_subnet_ids),
    ] {
        let name = format!("{}-rt-{env}", if public { "public" } else { "private" });
        let table = ec2c
            .create_route_table()
            .vpc_id(&vpc_id)
            .tag_specifications(ec2_tags(spec, ec2::ResourceType::RouteTable, &name))
            .send()
            .await
            .map_err(call_error("CreateRouteTable", &name))?;
        let table_id = table
            .route_table()
            .and_then(|t| t.route_table_id())
            .unwrap_or_default()
            .to_string();
        let route = ec2c
            .create_route()
            .route_table_id(&table_id)
            .destination_cidr_block("0.0.0.0/0");
        let route = if public {
            route.gateway_id(&igw_id)
        } else {
            route.nat_gateway_id(&nat_id)
        };
        route
            .send()
            .await
            .map_err(call_error("CreateRoute", &name))?;
        for subnet in subnets {
            ec2c.associate_route_table()
                .route_table_id(&table_id)
                .subnet_id(subnet)
                .send()
                .await
                .map_err(call_error("AssociateRouteTable", &name))?;
        }
    }
    Ok(nat_id)
}

/// Tags what AWS creates with the VPC (its main route table and default security group) with
/// the standard tags, without a `Name`: driftscan names them after the VPC.
async fn tag_implicit_resources(
    ec2c: &aws_sdk_ec2::Client,
    spec: &EnvironmentSpec,
    vpc_id: &str,
) -> Result<(), InfraError> {
    let vpc_filter = || ec2::Filter::builder().name("vpc-id").values(vpc_id).build();
    let tables = ec2c
        .describe_route_tables()
        .filters(vpc_filter())
        .filters(
            ec2::Filter::builder()
                .name("association.main")
                .values("true")
                .build(),
        )
        .send()
        .await
        .map_err(call_error("DescribeRouteTables", vpc_id))?;
    let groups = ec2c
        .describe_security_groups()
        .filters(vpc_filter())
        .filters(
            ec2::Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .map_err(call_error("DescribeSecurityGroups", vpc_id))?;
    let ids: Vec<String> = tables
        .route_tables()
        .iter()
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .chain(
            groups
                .security_groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_string)),
        )
        .collect();
    let tags = spec
        .tags("")
        .into_iter()
        .filter(|(k, _)| *k != "Name")
        .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build());
    ec2c.create_tags()
        .set_resources(Some(ids))
        .set_tags(Some(tags.collect()))
        .send()
        .await
        .map_err(call_error("CreateTags", vpc_id))?;
    Ok(())
}

fn tcp_from_cidr(port: i32, cidr: &str, description: &str) -> ec2::IpPermission {
    ec2::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .ip_ranges(
            ec2::IpRange::builder()
                .cidr_ip(cidr)
                .description(description)
                .build(),
        )
        .build()
}

fn tcp_from_group(port: i32, group_id: &str, description: &str) -> ec2::IpPermission {
    ec2::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .user_id_group_pairs(
            ec2::UserIdGroupPair::builder()
                .group_id(group_id)
                .description(description)
                .build(),
        )
        .build()
}

async fn create_security_groups(
    ec2c: &aws_sdk_ec2::Client,
    spec: &EnvironmentSpec,
    out: &mut Provisioned,
) -> Result<(), InfraError> {
    let env = &spec.name;
    let create = |role: &'static str, description: &'static str| {
        let name = format!("{role}-{env}");
        let request = ec2c
            .create_security_group()
            .group_name(&name)
            .description(description)
            .vpc_id(&out.vpc_id)
            .tag_specifications(ec2_tags(spec, ec2::ResourceType::SecurityGroup, &name));
        async move {
            let group = request
                .send()
                .await
                .map_err(call_error("CreateSecurityGroup", &name))?;
            Ok::<_, InfraError>((role, group.group_id().unwrap_or_default().to_string()))
        }
    };
    let (lb_role, lb) = create("lb", "Load balancer: HTTP and HTTPS from anywhere").await?;
    let (app_role, app) = create(
        "app",
        "Trading app tasks: container port from the load balancer",
    )
    .await?;
    let (db_role, db) = create("db", "Aurora: PostgreSQL from the app only").await?;

    let rules = [
        (
            &lb,
            vec![
                tcp_from_cidr(80, "0.0.0.0/0", "HTTP"),
                tcp_from_cidr(443, "0.0.0.0/0", "HTTPS"),
            ],
        ),
        (
            &app,
            vec![tcp_from_group(APP_PORT, &lb, "from the load balancer")],
        ),
        (&db, vec![tcp_from_group(5432, &app, "from the app")]),
    ];
    for (group, permissions) in rules {
        ec2c.authorize_security_group_ingress()
            .group_id(group.as_str())
            .set_ip_permissions(Some(permissions))
            .send()
            .await
            .map_err(call_error("AuthorizeSecurityGroupIngress", group))?;
    }
    out.security_groups = BTreeMap::from([(lb_role, lb), (app_role, app), (db_role, db)]);
    Ok(())
}

async fn create_ecs(
    config: &SdkConfig,
    spec: &EnvironmentSpec,
    out: &mut Provisioned,
) -> Result<(), InfraError> {
    let client = aws_sdk_ecs::Client::new(config);
    let env = &spec.name;
    let tags = || ecs_tags(spec);
    let cluster = format!("ecs-cluster-{env}");
    client
        .create_cluster()
        .cluster_name(&cluster)
        .settings(
            ecs::ClusterSetting::builder()
                .name(ecs::ClusterSettingName::ContainerInsights)
                .value("enabled")
                .build(),
        )
        .capacity_providers("FARGATE")
        .set_tags(Some(tags()))
        .send()
        .await
        .map_err(call_error("CreateCluster", &cluster))?;

    let task_definition = register_app_task_definition(&client, spec, &spec.image()).await?;

    let service = format!("trading-app-{env}");
    client
        .create_service()
        .cluster(&cluster)
        .service_name(&service)
        .task_definition(task_definition)
        .desired_count(spec.desired_count)
        .launch_type(ecs::LaunchType::Fargate)
        .platform_version("LATEST")
        .network_configuration(
            ecs::NetworkConfiguration::builder()
                .awsvpc_configuration(
                    ecs::AwsVpcConfiguration::builder()
                        .set_subnets(Some(out.private_subnet_ids.clone()))
                        .security_groups(&out.security_groups["app"])
                        .assign_public_ip(ecs::AssignPublicIp::Disabled)
                        .build()
                        .map_err(|e| InfraError::Refused(e.to_string()))?,
                )
                .build(),
        )
        .set_tags(Some(tags()))
        .send()
        .await
        .map_err(call_error("CreateService", &service))?;
    out.cluster = cluster;
    out.service = service;
    Ok(())
}

/// The standard tags as ECS takes them (ECS resources are named by their own names).
pub fn ecs_tags(spec: &EnvironmentSpec) -> Vec<ecs::Tag> {
    spec.tags("")
        .into_iter()
        .filter(|(k, _)| *k != "Name")
        .map(|(k, v)| ecs::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Registers a revision of the environment's trading-app task definition running `image`;
/// returns its ARN. (A deploy is a new revision plus a service update.)
pub async fn register_app_task_definition(
    client: &aws_sdk_ecs::Client,
    spec: &EnvironmentSpec,
    image: &str,
) -> Result<String, InfraError> {
    let env = &spec.name;
    let family = format!("trading-app-{env}");
    let container = ecs::ContainerDefinition::builder()
        .name("trading-app")
        .image(image)
        .essential(true)
        .port_mappings(
            ecs::PortMapping::builder()
                .container_port(APP_PORT)
                .protocol(ecs::TransportProtocol::Tcp)
                .build(),
        )
        .environment(
            ecs::KeyValuePair::builder()
                .name("APP_ENV")
                .value(env)
                .build(),
        )
        .environment(
            ecs::KeyValuePair::builder()
                .name("PORT")
                .value(APP_PORT.to_string())
                .build(),
        )
        .log_configuration(
            ecs::LogConfiguration::builder()
                .log_driver(ecs::LogDriver::Awslogs)
                .options("awslogs-group", format!("/ecs/trading-app-{env}"))
                .options("awslogs-region", &spec.region)
                .options("awslogs-stream-prefix", "app")
                .build()
                .map_err(|e| InfraError::Refused(e.to_string()))?,
        )
        .build();
    let registered = client
        .register_task_definition()
        .family(&family)
        .network_mode(ecs::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::Compatibility::Fargate)
        .cpu(spec.task_size.0.to_string())
        .memory(spec.task_size.1.to_string())
        .execution_role_arn("arn:aws:iam::123456789012:role/trading-app-execution")
        .task_role_arn(format!("arn:aws:iam::123456789012:role/trading-app-{env}"))
        .container_definitions(container)
        .set_tags(Some(ecs_tags(spec)))
        .send()
        .await
        .map_err(call_error("RegisterTaskDefinition", &family))?;
    Ok(registered
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string())
}

async fn create_aurora(
    config: &SdkConfig,
    spec: &EnvironmentSpec,
    out: &mut Provisioned,
) -> Result<(), InfraError> {
    let client = aws_sdk_rds::Client::new(config);
    let env = &spec.name;
    let tags = |name: &str| {
        spec.tags(name)
            .into_iter()
            .map(|(k, v)| rds::Tag::builder().key(k).value(v).build())
            .collect::<Vec<_>>()
    };
    let subnet_group = format!("aurora-subnets-{env}");
    client
        .create_db_subnet_group()
        .db_subnet_group_name(&subnet_group)
        .db_subnet_group_description(format!("Aurora private subnets of {env}"))
        .set_subnet_ids(Some(out.private_subnet_ids.clone()))
        .set_tags(Some(tags(&subnet_group)))
        .send()
        .await
        .map_err(call_error("CreateDBSubnetGroup", &subnet_group))?;

    let cluster = format!("aurora-cluster-{env}");
    client
        .create_db_cluster()
        .db_cluster_identifier(&cluster)
        .engine("aurora-postgresql")
        .engine_version(AURORA_ENGINE_VERSION)
        .master_username("trading_admin")
        // RDS generates the password and keeps it in Secrets Manager: none here or in output.
        .manage_master_user_password(true)
        .storage_encrypted(true)
        .backup_retention_period(spec.backup_retention_days)
        .deletion_protection(spec.deletion_protection)
        .db_subnet_group_name(&subnet_group)
        .vpc_security_group_ids(&out.security_groups["db"])
        .set_tags(Some(tags(&cluster)))
        .send()
        .await
        .map_err(call_error("CreateDBCluster", &cluster))?;
    for i in 1..=spec.aurora_instances {
        let instance = format!("aurora-{env}-{i}");
        client
            .create_db_instance()
            .db_instance_identifier(&instance)
            .db_cluster_identifier(&cluster)
            .engine("aurora-postgresql")
            .db_instance_class(&spec.aurora_class)
            .publicly_accessible(false)
            .set_tags(Some(tags(&instance)))
            .send()
            .await
            .map_err(call_error("CreateDBInstance", &instance))?;
    }
    out.db_cluster = cluster;
    Ok(())
}

/// The values of `/shared/*`, the same in every environment.
pub const SHARED_PARAMETERS: [(&str, &str); 3] = [
    ("/shared/app-name", "trading-app"),
    ("/shared/app-version", "1.4.2"),
    ("/shared/log-level", "info"),
];

async fn create_parameters(
    config: &SdkConfig,
    spec: &EnvironmentSpec,
    out: &Provisioned,
) -> Result<(), InfraError> {
    let client = aws_sdk_ssm::Client::new(config);
    let env = &spec.name;
    for (name, value) in SHARED_PARAMETERS {
        // Shared by every environment in the region: create once, never overwrite.
        match client.get_parameter().name(name).send().await {
            Ok(_) => continue,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) => {}
            Err(e) => return Err(call_error("GetParameter", name)(e)),
        }
        put(&client, name, value, ParameterType::String).await?;
    }
    for (key, value) in spec.tuning {
        put(
            &client,
            &format!("/{env}/{key}"),
            value,
            ParameterType::String,
        )
        .await?;
    }
    put(
        &client,
        &format!("/{env}/network/vpc-id"),
        &out.vpc_id,
        ParameterType::String,
    )
    .await?;
    put(
        &client,
        &format!("/{env}/network/subnet-ids"),
        &out.private_subnet_ids.join(","),
        ParameterType::StringList,
    )
    .await
}

async fn put(
    client: &aws_sdk_ssm::Client,
    name: &str,
    value: &str,
    kind: ParameterType,
) -> Result<(), InfraError> {
    client
        .put_parameter()
        .name(name)
        .value(value)
        .r#type(kind)
        .send()
        .await
        .map_err(call_error("PutParameter", name))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_sizing_follows_the_platform_table() {
        let sizes: Vec<(u32, String, i32, String)> = ["dev", "staging", "prod"]
            .iter()
            .map(|e| EnvironmentSpec::reference(e, None).unwrap())
            .map(|s| {
                (
                    s.aurora_instances,
                    s.region,
                    s.backup_retention_days,
                    s.aurora_class,
                )
            })
            .collect();
        let expected = [
            (1, "us-east-2", 1, "db.t3.medium"),
            (2, "us-east-1", 7, "db.r6g.large"),
            (3, "us-east-1", 30, "db.r6g.xlarge"),
        ]
        .map(|(n, r, d, c)| (n, r.to_string(), d, c.to_string()));
        assert_eq!(sizes, expected);
        assert!(EnvironmentSpec::reference("qa", None).is_err());
    }

    #[test]
    fn every_resource_carries_the_standard_tags() {
        let spec = EnvironmentSpec::reference("staging", Some("us-west-2")).unwrap();
        let tags = spec.tags("vpc-staging");
        for key in ["Environment", "Project", "ManagedBy", "CostCenter", "Name"] {
            assert!(tags.contains_key(key), "{key}");
        }
        assert_eq!(spec.availability_zones()[2], "us-west-2c");
        assert!(spec.image().ends_with(":staging-4f2a9c1"));
    }
}

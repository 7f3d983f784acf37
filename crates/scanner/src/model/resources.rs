//! The resource kinds a snapshot holds and their normalized properties.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::Service;

/// Every kind of resource driftscan snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    /// A VPC.
    Vpc,
    /// A VPC subnet.
    Subnet,
    /// A VPC route table.
    RouteTable,
    /// An internet gateway.
    InternetGateway,
    /// A NAT gateway.
    NatGateway,
    /// A security group with its rules.
    SecurityGroup,
    /// A VPC peering connection.
    VpcPeeringConnection,
    /// An ECS cluster.
    EcsCluster,
    /// An ECS service.
    EcsService,
    /// An ECS task definition revision run by a service.
    EcsTaskDefinition,
    /// An RDS / Aurora DB cluster.
    DbCluster,
    /// An RDS / Aurora DB instance.
    DbInstance,
    /// An SSM Parameter Store parameter.
    SsmParameter,
}

impl ResourceKind {
    /// Every kind, in snapshot order.
    pub const ALL: [ResourceKind; 13] = [
        ResourceKind::Vpc,
        ResourceKind::Subnet,
        ResourceKind::RouteTable,
        ResourceKind::InternetGateway,
        ResourceKind::NatGateway,
        ResourceKind::SecurityGroup,
        ResourceKind::VpcPeeringConnection,
        ResourceKind::EcsCluster,
        ResourceKind::EcsService,
        ResourceKind::EcsTaskDefinition,
        ResourceKind::DbCluster,
        ResourceKind::DbInstance,
        ResourceKind::SsmParameter,
    ];

    /// The kebab-case name used in JSON and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Vpc => "vpc",
            ResourceKind::Subnet => "subnet",
            ResourceKind::RouteTable => "route-table",
            ResourceKind::InternetGateway => "internet-gateway",
            ResourceKind::NatGateway => "nat-gateway",
            ResourceKind::SecurityGroup => "security-group",
            ResourceKind::VpcPeeringConnection => "vpc-peering-connection",
            ResourceKind::EcsCluster => "ecs-cluster",
            ResourceKind::EcsService => "ecs-service",
            ResourceKind::EcsTaskDefinition => "ecs-task-definition",
            ResourceKind::DbCluster => "db-cluster",
            ResourceKind::DbInstance => "db-instance",
            ResourceKind::SsmParameter => "ssm-parameter",
        }
    }

    /// Whether a snapshot records this kind's tags (from the kind registry).
    pub fn tags_are_read(self) -> bool {
        crate::kinds::kind(self).tags_are_read
    }

    /// The service whose API reads this kind (from the kind registry).
    pub fn service(self) -> Service {
        crate::kinds::kind(self).service
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One live resource: identity (physical and logical) plus its kind's properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawResource")]
pub struct Resource {
    /// What the resource is; always matches `properties`.
    pub kind: ResourceKind,
    /// The region it lives in.
    pub region: String,
    /// Its physical id (`vpc-0abc`, a cluster name, a parameter path, ...).
    pub id: String,
    /// Its display name: the `Name` tag, or the resource's own name.
    pub name: String,
    /// The name with the environment token replaced by `{env}` (`aurora-cluster-{env}`): what
    /// resources are matched by across environments.
    pub logical_name: String,
    /// Its ARN, where the API gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The kind-specific, normalized configuration.
    pub properties: Properties,
}

impl Resource {
    /// The resource's kind.
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    pub(crate) fn sort_key(&self) -> (&str, ResourceKind, &str, &str) {
        (&self.region, self.kind, &self.logical_name, &self.id)
    }
}

/// Deserialization shape of [`Resource`]: `properties` is decoded according to `kind`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    kind: ResourceKind,
    region: String,
    id: String,
    name: String,
    logical_name: String,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    properties: serde_json::Value,
}

impl TryFrom<RawResource> for Resource {
    type Error = String;

    fn try_from(raw: RawResource) -> Result<Self, Self::Error> {
        let properties = Properties::from_json(raw.kind, raw.properties)
            .map_err(|e| format!("{} `{}`: properties: {e}", raw.kind, raw.id))?;
        Ok(Resource {
            kind: raw.kind,
            region: raw.region,
            id: raw.id,
            name: raw.name,
            logical_name: raw.logical_name,
            arn: raw.arn,
            tags: raw.tags,
            properties,
        })
    }
}

/// The kind-specific part of a [`Resource`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[allow(missing_docs)]
pub enum Properties {
    Vpc(Vpc),
    Subnet(Subnet),
    RouteTable(RouteTable),
    InternetGateway(InternetGateway),
    NatGateway(NatGateway),
    SecurityGroup(SecurityGroup),
    VpcPeeringConnection(VpcPeeringConnection),
    EcsCluster(EcsCluster),
    EcsService(EcsService),
    EcsTaskDefinition(EcsTaskDefinition),
    DbCluster(DbCluster),
    DbInstance(DbInstance),
    SsmParameter(SsmParameter),
}

impl Properties {
    /// The kind these properties belong to.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Properties::Vpc(_) => ResourceKind::Vpc,
            Properties::Subnet(_) => ResourceKind::Subnet,
            Properties::RouteTable(_) => ResourceKind::RouteTable,
            Properties::InternetGateway(_) => ResourceKind::InternetGateway,
            Properties::NatGateway(_) => ResourceKind::NatGateway,
            Properties::SecurityGroup(_) => ResourceKind::SecurityGroup,
            Properties::VpcPeeringConnection(_) => ResourceKind::VpcPeeringConnection,
            Properties::EcsCluster(_) => ResourceKind::EcsCluster,
            Properties::EcsService(_) => ResourceKind::EcsService,
            Properties::EcsTaskDefinition(_) => ResourceKind::EcsTaskDefinition,
            Properties::DbCluster(_) => ResourceKind::DbCluster,
            Properties::DbInstance(_) => ResourceKind::DbInstance,
            Properties::SsmParameter(_) => ResourceKind::SsmParameter,
        }
    }

    fn from_json(kind: ResourceKind, value: serde_json::Value) -> Result<Self, serde_json::Error> {
        use serde_json::from_value as from;
        Ok(match kind {
            ResourceKind::Vpc => Properties::Vpc(from(value)?),
            ResourceKind::Subnet => Properties::Subnet(from(value)?),
            ResourceKind::RouteTable => Properties::RouteTable(from(value)?),
            ResourceKind::InternetGateway => Properties::InternetGateway(from(value)?),
            ResourceKind::NatGateway => Properties::NatGateway(from(value)?),
            ResourceKind::SecurityGroup => Properties::SecurityGroup(from(value)?),
            ResourceKind::VpcPeeringConnection => Properties::VpcPeeringConnection(from(value)?),
            ResourceKind::EcsCluster => Properties::EcsCluster(from(value)?),
            ResourceKind::EcsService => Properties::EcsService(from(value)?),
            ResourceKind::EcsTaskDefinition => Properties::EcsTaskDefinition(from(value)?),
            ResourceKind::DbCluster => Properties::DbCluster(from(value)?),
            ResourceKind::DbInstance => Properties::DbInstance(from(value)?),
            ResourceKind::SsmParameter => Properties::SsmParameter(from(value)?),
        })
    }

    /// Sorts every list whose order carries no meaning, so output is deterministic.
    pub(crate) fn canonicalize(&mut self) {
        match self {
            Properties::Vpc(v) => {
                v.cidr_blocks.sort();
                v.ipv6_cidr_blocks.sort();
            }
            Properties::Subnet(s) => s.ipv6_cidr_blocks.sort(),
            Properties::RouteTable(r) => {
                r.routes.sort();
                r.subnets.sort();
            }
            Properties::InternetGateway(g) => g.vpcs.sort(),
            Properties::NatGateway(_) | Properties::VpcPeeringConnection(_) => {}
            Properties::SecurityGroup(g) => {
                g.ingress.sort();
                g.ingress.dedup();
                g.egress.sort();
                g.egress.dedup();
            }
            Properties::EcsCluster(c) => {
                c.capacity_providers.sort();
                c.default_capacity_provider_strategy.sort();
            }
            Properties::EcsService(s) => {
                if let Some(network) = &mut s.network {
                    network.subnets.sort();
                    network.security_groups.sort();
                }
                s.load_balancers.sort();
                s.capacity_provider_strategy.sort();
            }
            Properties::EcsTaskDefinition(t) => {
                t.requires_compatibilities.sort();
                t.containers.sort_by(|a, b| a.name.cmp(&b.name));
                for container in &mut t.containers {
                    container.port_mappings.sort();
                }
            }
            Properties::DbCluster(c) => {
                c.security_groups.sort();
                c.members.sort();
                c.availability_zones.sort();
            }
            Properties::DbInstance(_) | Properties::SsmParameter(_) => {}
        }
    }
}

/// A reference to another resource: its physical id and, when it is known, its display name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// Physical id (`sg-0abc`, `subnet-0abc`, `vpc-0abc`).
    pub id: String,
    /// Display name of the referenced resource; `None` when it is outside the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ResourceRef {
    /// A reference by id, to be named by [`crate::resolve::name_references`].
    pub fn id(id: impl Into<String>) -> Self {
        ResourceRef {
            id: id.into(),
            name: None,
        }
    }
}

/// A VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// IPv4 CIDR blocks, primary and secondary.
    pub cidr_blocks: Vec<String>,
    /// IPv6 CIDR blocks.
    pub ipv6_cidr_blocks: Vec<String>,
    /// `enableDnsSupport`.
    pub dns_support: bool,
    /// `enableDnsHostnames`.
    pub dns_hostnames: bool,
    /// Whether this is the region's default VPC.
    pub is_default: bool,
    /// `available` or `pending`.
    pub state: String,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    /// The VPC it belongs to.
    pub vpc: ResourceRef,
    /// IPv4 CIDR.
    pub cidr_block: String,
    /// IPv6 CIDRs.
    pub ipv6_cidr_blocks: Vec<String>,
    /// Availability zone name.
    pub availability_zone: String,
    /// `MapPublicIpOnLaunch`.
    pub map_public_ip_on_launch: bool,
    /// The route table it uses: its explicit association, else the VPC's main table.
    pub route_table: Option<ResourceRef>,
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    /// The VPC it belongs to.
    pub vpc: ResourceRef,
    /// Whether it is the VPC's main route table.
    pub main: bool,
    /// Routes, sorted.
    pub routes: Vec<Route>,
    /// Subnets explicitly associated with it.
    pub subnets: Vec<ResourceRef>,
}

/// One route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination CIDR (IPv4 or IPv6) or prefix list id.
    pub destination: String,
    /// Normalized target class.
    pub target: RouteTarget,
    /// The target's id (`igw-...`, `nat-...`, `pcx-...`); absent for `local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<ResourceRef>,
    /// `active` or `blackhole`.
    pub state: String,
}

/// What a route points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteTarget {
    /// Inside the VPC.
    Local,
    /// An internet gateway (`igw-`).
    Igw,
    /// An egress-only internet gateway (`eigw-`).
    EgressOnlyIgw,
    /// A NAT gateway (`nat-`).
    Nat,
    /// A VPC peering connection (`pcx-`).
    Peering,
    /// A transit gateway (`tgw-`).
    TransitGateway,
    /// A VPC endpoint or virtual private gateway (`vpce-`, `vgw-`).
    Gateway,
    /// A network interface or instance.
    NetworkInterface,
    /// Anything else.
    Other,
}

/// An internet gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    /// VPCs it is attached to.
    pub vpcs: Vec<ResourceRef>,
}

/// A NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    /// The VPC it belongs to.
    pub vpc: ResourceRef,
    /// The subnet it sits in.
    pub subnet: ResourceRef,
    /// `available`, `pending`, `failed`, `deleting` (deleted gateways are left out).
    pub state: String,
    /// `public` or `private`.
    pub connectivity_type: String,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    /// `GroupName`.
    pub group_name: String,
    /// `Description`.
    pub description: String,
    /// The VPC it belongs to.
    pub vpc: Option<ResourceRef>,
    /// Ingress rules, one per (protocol, ports, source), sorted.
    pub ingress: Vec<SecurityGroupRule>,
    /// Egress rules, one per (protocol, ports, destination), sorted.
    pub egress: Vec<SecurityGroupRule>,
}

/// One atomic security group rule: an AWS `IpPermission` is split into one rule per peer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `all`.
    pub protocol: String,
    /// First port (or ICMP type); absent for all traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// Last port (or ICMP code); absent for all traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// The other side of the rule.
    pub peer: RulePeer,
    /// The rule's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The source (ingress) or destination (egress) of a security group rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RulePeer {
    /// An IPv4 CIDR.
    Cidr(String),
    /// An IPv6 CIDR.
    Ipv6Cidr(String),
    /// A managed prefix list id.
    PrefixList(String),
    /// Another security group, shown by name.
    Group(ResourceRef),
}

/// A VPC peering connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    /// The requesting side.
    pub requester: PeeringSide,
    /// The accepting side.
    pub accepter: PeeringSide,
    /// `active`, `pending-acceptance`, ...
    pub status: String,
}

/// One side of a peering connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeeringSide {
    /// The VPC.
    pub vpc: ResourceRef,
    /// Its IPv4 CIDR.
    pub cidr_block: Option<String>,
    /// Its account.
    pub owner_id: Option<String>,
    /// Its region.
    pub region: Option<String>,
}

/// An ECS cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsCluster {
    /// `ACTIVE`, `PROVISIONING`, ...
    pub status: String,
    /// Cluster settings by name (`containerInsights` -> `enabled`).
    pub settings: BTreeMap<String, String>,
    /// Capacity providers.
    pub capacity_providers: Vec<String>,
    /// Default capacity provider strategy.
    pub default_capacity_provider_strategy: Vec<CapacityProviderItem>,
}

/// One entry of a capacity provider strategy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapacityProviderItem {
    /// `FARGATE`, `FARGATE_SPOT`, or a provider name.
    pub capacity_provider: String,
    /// Relative weight.
    pub weight: i32,
    /// Minimum tasks on this provider.
    pub base: i32,
}

/// An ECS service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsService {
    /// The cluster it runs in (by name).
    pub cluster: String,
    /// `ACTIVE` or `DRAINING` (inactive services are left out).
    pub status: String,
    /// Desired task count.
    pub desired_count: i32,
    /// `FARGATE`, `EC2`, `EXTERNAL`; absent with a capacity provider strategy.
    pub launch_type: Option<String>,
    /// Capacity provider strategy, when used instead of a launch type.
    pub capacity_provider_strategy: Vec<CapacityProviderItem>,
    /// Fargate platform version.
    pub platform_version: Option<String>,
    /// `REPLICA` or `DAEMON`.
    pub scheduling_strategy: Option<String>,
    /// The task definition it runs, as `family:revision`.
    pub task_definition: String,
    /// awsvpc network configuration.
    pub network: Option<ServiceNetwork>,
    /// Load balancer attachments.
    pub load_balancers: Vec<ServiceLoadBalancer>,
    /// Deployment configuration.
    pub deployment: Option<ServiceDeployment>,
    /// Whether ECS Exec is enabled.
    pub enable_execute_command: bool,
}

/// A service's awsvpc network configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceNetwork {
    /// Subnets the tasks run in.
    pub subnets: Vec<ResourceRef>,
    /// Security groups of the tasks, by name.
    pub security_groups: Vec<ResourceRef>,
    /// Whether tasks get a public IP.
    pub assign_public_ip: bool,
}

/// One load balancer attachment of a service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceLoadBalancer {
    /// Target group ARN.
    pub target_group_arn: Option<String>,
    /// Classic load balancer name.
    pub load_balancer_name: Option<String>,
    /// Container receiving traffic.
    pub container_name: Option<String>,
    /// Its port.
    pub container_port: Option<i32>,
}

/// A service's deployment configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDeployment {
    /// `maximumPercent`.
    pub maximum_percent: Option<i32>,
    /// `minimumHealthyPercent`.
    pub minimum_healthy_percent: Option<i32>,
    /// Circuit breaker `enable`.
    pub circuit_breaker_enabled: Option<bool>,
    /// Circuit breaker `rollback`.
    pub circuit_breaker_rollback: Option<bool>,
}

/// An ECS task definition revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcsTaskDefinition {
    /// Family.
    pub family: String,
    /// Revision number.
    pub revision: i32,
    /// Task-level CPU units.
    pub cpu: Option<String>,
    /// Task-level memory (MiB).
    pub memory: Option<String>,
    /// `awsvpc`, `bridge`, ...
    pub network_mode: Option<String>,
    /// `FARGATE`, `EC2`.
    pub requires_compatibilities: Vec<String>,
    /// Task role name (from its ARN).
    pub task_role: Option<String>,
    /// Execution role name (from its ARN).
    pub execution_role: Option<String>,
    /// Containers, sorted by name.
    pub containers: Vec<Container>,
}

/// One container of a task definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// Container name.
    pub name: String,
    /// The full image reference.
    pub image: String,
    /// The image split into repository, tag and digest.
    pub image_ref: ImageRef,
    /// Whether the task stops when this container stops.
    pub essential: bool,
    /// Container CPU units.
    pub cpu: Option<i32>,
    /// Hard memory limit (MiB).
    pub memory: Option<i32>,
    /// Port mappings, sorted.
    pub port_mappings: Vec<PortMapping>,
    /// Environment variables (name -> value). These are plain configuration, not secrets.
    pub environment: BTreeMap<String, String>,
    /// Secrets (name -> source ARN). The secret values are never read.
    pub secrets: BTreeMap<String, String>,
    /// Log configuration.
    pub log_configuration: Option<LogConfiguration>,
}

/// A container image reference, split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRef {
    /// Registry and repository, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app`.
    pub repository: String,
    /// The tag, when the image is referenced by tag.
    pub tag: Option<String>,
    /// The digest, when referenced by digest.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Splits an image reference into repository, tag and digest. A `:` belongs to the tag only
    /// after the last `/` (`registry:5000/app` has no tag).
    pub fn parse(image: &str) -> ImageRef {
        let (rest, digest) = match image.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (image, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        match rest[last_slash..].rfind(':') {
            Some(colon) => {
                let split = last_slash + colon;
                ImageRef {
                    repository: rest[..split].to_string(),
                    tag: Some(rest[split + 1..].to_string()),
                    digest,
                }
            }
            None => ImageRef {
                repository: rest.to_string(),
                tag: None,
                digest,
            },
        }
    }
}

/// A container port mapping.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortMapping {
    /// Container port.
    pub container_port: Option<i32>,
    /// Host port.
    pub host_port: Option<i32>,
    /// `tcp` or `udp`.
    pub protocol: Option<String>,
}

/// A container's log configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfiguration {
    /// `awslogs`, `awsfirelens`, ...
    pub driver: String,
    /// Driver options.
    pub options: BTreeMap<String, String>,
}

/// An RDS / Aurora DB cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbCluster {
    /// `aurora-postgresql`, `aurora-mysql`, ...
    pub engine: String,
    /// Engine version.
    pub engine_version: Option<String>,
    /// `provisioned`, `serverless`, ...
    pub engine_mode: Option<String>,
    /// `available`, ...
    pub status: Option<String>,
    /// Storage encryption at rest.
    pub storage_encrypted: bool,
    /// KMS key for storage encryption.
    pub kms_key_id: Option<String>,
    /// Backup retention in days.
    pub backup_retention_period: Option<i32>,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// IAM database authentication.
    pub iam_database_authentication: bool,
    /// Serverless v2 scaling, when configured.
    pub serverless_v2_scaling: Option<ServerlessV2Scaling>,
    /// Cluster parameter group name.
    pub parameter_group: Option<String>,
    /// DB subnet group name.
    pub subnet_group: Option<String>,
    /// VPC security groups, by name.
    pub security_groups: Vec<ResourceRef>,
    /// Port.
    pub port: Option<i32>,
    /// Availability zones.
    pub availability_zones: Vec<String>,
    /// Member instances and their roles.
    pub members: Vec<DbClusterMember>,
}

/// Aurora Serverless v2 capacity range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerlessV2Scaling {
    /// Minimum ACUs.
    pub min_capacity: Option<f64>,
    /// Maximum ACUs.
    pub max_capacity: Option<f64>,
}

// ACU values are finite numbers read from the API, so equality is total.
impl Eq for ServerlessV2Scaling {}

/// A member of a DB cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbClusterMember {
    /// Instance identifier.
    pub instance: String,
    /// Whether it is the writer.
    pub writer: bool,
}

/// An RDS / Aurora DB instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    /// The cluster it belongs to, if any.
    pub cluster: Option<String>,
    /// Instance class (`db.r6g.large`).
    pub instance_class: String,
    /// Engine.
    pub engine: String,
    /// `writer`, `reader` or `standalone`.
    pub role: String,
    /// Availability zone.
    pub availability_zone: Option<String>,
    /// Performance Insights.
    pub performance_insights: bool,
    /// Public accessibility.
    pub publicly_accessible: bool,
    /// `available`, ...
    pub status: Option<String>,
}

/// An SSM parameter. A `SecureString`'s value is never recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsmParameter {
    /// `String`, `StringList` or `SecureString`.
    #[serde(rename = "type")]
    pub parameter_type: String,
    /// `text`, `aws:ec2:image`, ...
    pub data_type: Option<String>,
    /// Version number.
    pub version: i64,
    /// Last modification time, RFC 3339 UTC.
    pub last_modified: Option<String>,
    /// `Standard`, `Advanced` or `Intelligent-Tiering`.
    pub tier: Option<String>,
    /// KMS key of a `SecureString`.
    pub key_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The value of a `String` or `StringList`; always absent for `SecureString`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `hmac-sha256:<hex>` of a `SecureString`'s value under the user's key, only with
    /// `--secure-digest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_digest: Option<String>,
}

/// The `type` of a `SecureString` parameter.
pub const SECURE_STRING: &str = "SecureString";

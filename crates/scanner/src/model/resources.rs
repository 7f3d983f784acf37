//! The resource kinds a snapshot holds and their normalized properties.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::*;

/// The properties model of one resource kind: what every kind's type provides besides its
/// serde shape. Sorting and references have no default meaning, so each kind says.
pub trait KindProperties {
    /// Sorts every list whose order carries no meaning, so output is deterministic.
    fn canonicalize(&mut self);
    /// Every reference to another resource, for naming them after the snapshot is read.
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        Vec::new()
    }
    /// The plain (unencrypted) configuration values that could hold a secret, each with its
    /// report path and the name it is known by (`DB_PASSWORD`, a parameter's path, a condition
    /// key): what redaction and the `plaintext-secret` rule look at. `id` is the resource's.
    fn plain_values_mut(&mut self, _id: &str) -> Vec<PlainValue<'_>> {
        Vec::new()
    }
    /// Traces the enums the type holds (for the baseline schema): a tracer explores every
    /// variant of a top-level enum only, so a kind's enums are traced before the kind.
    fn trace_enums(_tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        Ok(())
    }
}

/// A plain configuration value that could hold a secret.
#[derive(Debug)]
pub struct PlainValue<'a> {
    /// Where it is in the resource (`properties.value`).
    pub path: String,
    /// The name it is known by, for name-based detection.
    pub name: String,
    /// The value.
    pub value: &'a mut String,
}

/// The one list of resource kinds: `Variant = "kebab-name"`, the variant naming both the kind
/// and its properties type (which implements [`KindProperties`]). [`ResourceKind`],
/// [`Properties`] and their dispatch are generated from it, in snapshot order.
macro_rules! resource_kinds {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// Every kind of resource driftscan snapshots.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum ResourceKind {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ResourceKind {
            /// Every kind, in snapshot order.
            pub const ALL: &'static [ResourceKind] = &[$(ResourceKind::$variant,)*];

            /// The kebab-case name used in JSON and messages.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ResourceKind::$variant => $name,)*
                }
            }
        }

        /// The kind-specific part of a [`Resource`].
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        #[allow(missing_docs)]
        pub enum Properties {
            $($variant($variant),)*
        }

        impl Properties {
            /// The kind these properties belong to.
            pub fn kind(&self) -> ResourceKind {
                match self {
                    $(Properties::$variant(_) => ResourceKind::$variant,)*
                }
            }

            fn from_json(
                kind: ResourceKind,
                value: serde_json::Value,
            ) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    $(ResourceKind::$variant => Properties::$variant(serde_json::from_value(value)?),)*
                })
            }

            /// Sorts every list whose order carries no meaning, so output is deterministic.
            pub(crate) fn canonicalize(&mut self) {
                match self {
                    $(Properties::$variant(p) => p.canonicalize(),)*
                }
            }

            /// Every reference to another resource.
            pub(crate) fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
                match self {
                    $(Properties::$variant(p) => p.references_mut(),)*
                }
            }

            /// Every plain value that could hold a secret (see [`KindProperties`]).
            pub fn plain_values_mut(&mut self, id: &str) -> Vec<PlainValue<'_>> {
                match self {
                    $(Properties::$variant(p) => p.plain_values_mut(id),)*
                }
            }
        }

        /// Traces every kind's properties type; returns (kind, type name) in snapshot order.
        pub(crate) fn trace_kinds(
            tracer: &mut serde_reflection::Tracer,
        ) -> serde_reflection::Result<Vec<(ResourceKind, &'static str)>> {
            $($variant::trace_enums(tracer)?;)*
            $(tracer.trace_simple_type::<$variant>()?;)*
            Ok(vec![$((ResourceKind::$variant, stringify!($variant)),)*])
        }
    };
}

resource_kinds! {
    /// A VPC.
    Vpc = "vpc",
    /// A VPC subnet.
    Subnet = "subnet",
    /// A VPC route table.
    RouteTable = "route-table",
    /// An internet gateway.
    InternetGateway = "internet-gateway",
    /// A NAT gateway.
    NatGateway = "nat-gateway",
    /// A security group with its rules.
    SecurityGroup = "security-group",
    /// A VPC peering connection.
    VpcPeeringConnection = "vpc-peering-connection",
    /// An ECS cluster.
    EcsCluster = "ecs-cluster",
    /// An ECS service.
    EcsService = "ecs-service",
    /// An ECS task definition revision run by a service.
    EcsTaskDefinition = "ecs-task-definition",
    /// An RDS / Aurora DB cluster.
    DbCluster = "db-cluster",
    /// An RDS / Aurora DB instance.
    DbInstance = "db-instance",
    /// An SSM Parameter Store parameter.
    SsmParameter = "ssm-parameter",
    /// An Elastic Load Balancing (v2) load balancer.
    LoadBalancer = "load-balancer",
    /// A load balancer's listener.
    Listener = "listener",
    /// A listener rule other than the default.
    ListenerRule = "listener-rule",
    /// A load balancer target group.
    TargetGroup = "target-group",
    /// An S3 bucket.
    S3Bucket = "s3-bucket",
}

impl ResourceKind {
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

impl KindProperties for Vpc {
    fn canonicalize(&mut self) {
        self.cidr_blocks.sort();
        self.ipv6_cidr_blocks.sort();
    }
}

impl KindProperties for Subnet {
    fn canonicalize(&mut self) {
        self.ipv6_cidr_blocks.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        std::iter::once(&mut self.vpc)
            .chain(self.route_table.as_mut())
            .collect()
    }
}

impl KindProperties for RouteTable {
    fn canonicalize(&mut self) {
        self.routes.sort();
        self.subnets.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        std::iter::once(&mut self.vpc)
            .chain(self.subnets.iter_mut())
            .chain(self.routes.iter_mut().filter_map(|r| r.target_ref.as_mut()))
            .collect()
    }
    fn trace_enums(tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        tracer.trace_simple_type::<RouteTarget>().map(drop)
    }
}

impl KindProperties for InternetGateway {
    fn canonicalize(&mut self) {
        self.vpcs.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.vpcs.iter_mut().collect()
    }
}

impl KindProperties for NatGateway {
    fn canonicalize(&mut self) {}
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        vec![&mut self.vpc, &mut self.subnet]
    }
}

impl KindProperties for SecurityGroup {
    fn canonicalize(&mut self) {
        self.ingress.sort();
        self.ingress.dedup();
        self.egress.sort();
        self.egress.dedup();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        let peers = self.ingress.iter_mut().chain(self.egress.iter_mut());
        self.vpc
            .as_mut()
            .into_iter()
            .chain(peers.filter_map(|rule| match &mut rule.peer {
                RulePeer::Group(group) => Some(group),
                _ => None,
            }))
            .collect()
    }
    fn trace_enums(tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        tracer.trace_simple_type::<RulePeer>().map(drop)
    }
}

impl KindProperties for VpcPeeringConnection {
    fn canonicalize(&mut self) {}
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        vec![&mut self.requester.vpc, &mut self.accepter.vpc]
    }
}

impl KindProperties for EcsCluster {
    fn canonicalize(&mut self) {
        self.capacity_providers.sort();
        self.default_capacity_provider_strategy.sort();
    }
}

impl KindProperties for EcsService {
    fn canonicalize(&mut self) {
        if let Some(network) = &mut self.network {
            network.subnets.sort();
            network.security_groups.sort();
        }
        self.load_balancers.sort();
        self.capacity_provider_strategy.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        match &mut self.network {
            Some(network) => network
                .subnets
                .iter_mut()
                .chain(network.security_groups.iter_mut())
                .collect(),
            None => Vec::new(),
        }
    }
}

impl KindProperties for EcsTaskDefinition {
    fn plain_values_mut(&mut self, _id: &str) -> Vec<PlainValue<'_>> {
        self.containers
            .iter_mut()
            .flat_map(|container| {
                let name = container.name.clone();
                container
                    .environment
                    .iter_mut()
                    .map(move |(variable, value)| PlainValue {
                        path: format!("properties.containers[{name}].environment.{variable}"),
                        name: variable.clone(),
                        value,
                    })
            })
            .collect()
    }
    fn canonicalize(&mut self) {
        self.requires_compatibilities.sort();
        self.containers.sort_by(|a, b| a.name.cmp(&b.name));
        for container in &mut self.containers {
            container.port_mappings.sort();
        }
    }
}

impl KindProperties for DbCluster {
    fn canonicalize(&mut self) {
        self.security_groups.sort();
        self.members.sort();
        self.availability_zones.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.security_groups.iter_mut().collect()
    }
}

impl KindProperties for DbInstance {
    fn canonicalize(&mut self) {}
}

impl KindProperties for SsmParameter {
    fn canonicalize(&mut self) {}
    /// A `String` or `StringList` value (a SecureString's is never read).
    fn plain_values_mut(&mut self, id: &str) -> Vec<PlainValue<'_>> {
        if self.parameter_type == super::SECURE_STRING {
            return Vec::new();
        }
        self.value
            .iter_mut()
            .map(|value| PlainValue {
                path: "properties.value".into(),
                name: id.to_string(),
                value,
            })
            .collect()
    }
}

impl ResourceKind {
    /// The kind named `name` (its [`ResourceKind::as_str`]).
    pub fn from_name(name: &str) -> Option<Self> {
        ResourceKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == name)
    }
}

// ECS: the property types of its kinds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PlainValue, ResourceRef};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An ECS cluster.
            EcsCluster = "ecs-cluster",
            /// An ECS service.
            EcsService = "ecs-service",
            /// An ECS task definition revision run by a service.
            EcsTaskDefinition = "ecs-task-definition",
        } $($rest)*);
    };
}
pub(crate) use kinds;

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

#[cfg(test)]
impl EcsTaskDefinition {
    /// A task definition of `family` with one container, `app`, running `image` (for tests).
    pub(crate) fn running(family: &str, image: &str) -> EcsTaskDefinition {
        EcsTaskDefinition {
            family: family.into(),
            revision: 1,
            cpu: None,
            memory: None,
            network_mode: None,
            requires_compatibilities: vec![],
            task_role: None,
            execution_role: None,
            containers: vec![Container {
                name: "app".into(),
                image: image.into(),
                image_ref: ImageRef::parse(image),
                essential: true,
                cpu: None,
                memory: None,
                port_mappings: vec![],
                environment: Default::default(),
                secrets: Default::default(),
                log_configuration: None,
            }],
        }
    }
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

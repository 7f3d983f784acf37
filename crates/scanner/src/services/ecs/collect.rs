//! ECS through its API: clusters, services and the task definition each service runs.
//!
//! Services of every active cluster in the region are read, because a preview environment's
//! service (`pr-7`) runs in another environment's cluster: ownership is decided per service.
//! `DescribeServices` takes at most 10 names per call; the emulator accepts more, so the
//! batching is ours and unit-tested.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecs::types::{self as ecs, ClusterField, ServiceField, TaskDefinitionField};
use aws_sdk_ecs::Client;
use futures::{stream, StreamExt, TryStreamExt};

use crate::kinds::Read;
use crate::aws::error_code;
use crate::collect::{FnCollector, batches, display_name, Collected, RegionContext};
use crate::model::{
    CapacityProviderItem, Container, EcsCluster, EcsService, EcsTaskDefinition, ImageRef,
    LogConfiguration, PortMapping, Properties, ResourceKind as K, ResourceRef,
    ServiceDeployment, ServiceLoadBalancer, ServiceNetwork,
};
use crate::naming::arn_resource_name;

/// AWS's limit on names per `DescribeServices` call.
pub const DESCRIBE_SERVICES_MAX: usize = 10;
/// AWS's limit on names per `DescribeClusters` call.
pub const DESCRIBE_CLUSTERS_MAX: usize = 100;
/// Page size of `ListServices` / `ListClusters` (the API's maximum).
const LIST_PAGE_SIZE: i32 = 100;
/// Describe calls in flight at once within one region.
const DESCRIBE_CONCURRENCY: usize = 4;

const KINDS: &[K] = &[K::EcsCluster, K::EcsService, K::EcsTaskDefinition];

/// Reads ECS.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

fn tags(tags: &[ecs::Tag]) -> BTreeMap<String, String> {
    crate::collect::tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();

    let clusters = match read_clusters(&client).await {
        Ok(clusters) => clusters,
        Err((operation, e)) => {
            out.fail(ctx.failure(operation, KINDS, &e));
            return out;
        }
    };

    let mut services = Vec::new();
    for cluster in &clusters {
        let cluster_tags = tags(cluster.tags());
        let cluster_is_env = ctx.owns(&cluster_tags, false);
        if cluster_is_env {
            out.resources
                .push(cluster_resource(ctx, cluster, cluster_tags));
        }
        let Some(cluster_arn) = cluster.cluster_arn() else {
            continue;
        };
        match read_services(&client, cluster_arn).await {
            Ok((found, missing)) => {
                services.extend(
                    found
                        .into_iter()
                        .filter(|s| s.status() != Some("INACTIVE"))
                        .filter(|s| ctx.owns(&tags(s.tags()), cluster_is_env)),
                );
                for arn in &missing {
                    let read = super::DESCRIBE_SERVICES.operation;
                    out.deleted_during_scan(ctx, (K::EcsService, arn), read, MISSING);
                }
            }
            Err((operation, e)) if operation.gone.contains(&error_code(&e).as_str()) => {
                out.deleted_during_scan(
                    ctx,
                    (K::EcsCluster, cluster_arn),
                    operation.operation,
                    &error_code(&e),
                );
            }
            Err((operation, e)) => {
                out.fail(ctx.failure(
                    operation,
                    &[K::EcsService, K::EcsTaskDefinition],
                    &e,
                ));
                return out.finish();
            }
        }
    }

    let task_definition_arns: BTreeSet<String> = services
        .iter()
        .filter_map(|s| s.task_definition().map(str::to_string))
        .collect();
    for service in &services {
        out.resources.push(service_resource(ctx, service));
    }

    let task_definitions: Result<Vec<_>, _> = stream::iter(task_definition_arns)
        .map(|arn| {
            let client = client.clone();
            async move {
                client
                    .describe_task_definition()
                    .task_definition(arn)
                    .include(TaskDefinitionField::Tags)
                    .send()
                    .await
            }
        })
        .buffer_unordered(DESCRIBE_CONCURRENCY)
        .try_collect()
        .await;
    match task_definitions {
        Ok(outputs) => {
            for output in outputs {
                if let Some(definition) = output.task_definition() {
                    out.resources.push(task_definition_resource(
                        ctx,
                        definition,
                        tags(output.tags()),
                    ));
                }
            }
        }
        Err(e) => out.fail(ctx.failure(&super::DESCRIBE_TASK_DEFINITION,
            &[K::EcsTaskDefinition],
            &e,
        )),
    }
    out.finish()
}

type ReadError<E> = (&'static Read, aws_sdk_ecs::error::SdkError<E>);

/// Every active cluster of the region, with tags and settings.
async fn read_clusters(
    client: &Client,
) -> Result<Vec<ecs::Cluster>, ReadError<aws_sdk_ecs::Error>> {
    let arns: Vec<String> = client
        .list_clusters()
        .max_results(LIST_PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| (&super::LIST_CLUSTERS, e.map_service_error(Into::into)))?;
    let mut clusters = Vec::with_capacity(arns.len());
    for batch in batches(&arns, DESCRIBE_CLUSTERS_MAX) {
        let output = client
            .describe_clusters()
            .set_clusters(Some(batch.to_vec()))
            .include(ClusterField::Tags)
            .include(ClusterField::Settings)
            .send()
            .await
            .map_err(|e| (&super::DESCRIBE_CLUSTERS, e.map_service_error(Into::into)))?;
        clusters.extend(
            output
                .clusters()
                .iter()
                .filter(|c| c.status() != Some("INACTIVE"))
                .cloned(),
        );
    }
    Ok(clusters)
}

/// Every service of one cluster, described in batches of [`DESCRIBE_SERVICES_MAX`].
async fn read_services(
    client: &Client,
    cluster_arn: &str,
) -> Result<(Vec<ecs::Service>, Vec<String>), ReadError<aws_sdk_ecs::Error>> {
    let arns: Vec<String> = client
        .list_services()
        .cluster(cluster_arn)
        .max_results(LIST_PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .map_err(|e| (&super::LIST_SERVICES, e.map_service_error(Into::into)))?;
    let requests: Vec<Vec<String>> = batches(&arns, DESCRIBE_SERVICES_MAX)
        .map(<[String]>::to_vec)
        .collect();
    let outputs: Vec<_> = stream::iter(requests)
        .map(|batch| {
            let client = client.clone();
            let cluster_arn = cluster_arn.to_string();
            async move {
                client
                    .describe_services()
                    .cluster(cluster_arn)
                    .set_services(Some(batch))
                    .include(ServiceField::Tags)
                    .send()
                    .await
            }
        })
        .buffer_unordered(DESCRIBE_CONCURRENCY)
        .try_collect()
        .await
        .map_err(|e| (&super::DESCRIBE_SERVICES, e.map_service_error(Into::into)))?;
    let services = outputs
        .iter()
        .flat_map(|o| o.services().iter().cloned())
        .collect();
    // A service listed moments ago and deleted since is answered as a `MISSING` failure.
    let missing = outputs
        .iter()
        .flat_map(|o| o.failures())
        .filter(|f| f.reason() == Some(MISSING))
        .filter_map(|f| f.arn().map(str::to_string))
        .collect();
    Ok((services, missing))
}

/// The reason ECS gives for a described item that does not exist
/// (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Failure.html>).
const MISSING: &str = "MISSING";


fn strategy(items: &[ecs::CapacityProviderStrategyItem]) -> Vec<CapacityProviderItem> {
    items
        .iter()
        .map(|i| CapacityProviderItem {
            capacity_provider: i.capacity_provider().to_string(),
            weight: i.weight(),
            base: i.base(),
        })
        .collect()
}

fn cluster_resource(
    ctx: &RegionContext,
    cluster: &ecs::Cluster,
    tags: BTreeMap<String, String>,
) -> crate::model::Resource {
    let name = cluster.cluster_name().unwrap_or_default();
    ctx.resource(
        name,
        display_name(&tags, name),
        cluster.cluster_arn().map(str::to_string),
        tags,
        Properties::EcsCluster(EcsCluster {
            status: cluster.status().unwrap_or_default().to_string(),
            settings: cluster
                .settings()
                .iter()
                .filter_map(|s| {
                    Some((
                        s.name()?.as_str().to_string(),
                        s.value().unwrap_or_default().to_string(),
                    ))
                })
                .collect(),
            capacity_providers: cluster.capacity_providers().to_vec(),
            default_capacity_provider_strategy: strategy(
                cluster.default_capacity_provider_strategy(),
            ),
        }),
    )
}

/// `family:revision` from a task definition ARN (or the input itself when it is not an ARN).
pub fn task_definition_id(arn: &str) -> &str {
    arn.split_once(":task-definition/")
        .map_or(arn, |(_, id)| id)
}

/// The cluster name from a cluster ARN.
fn cluster_name(arn: &str) -> &str {
    arn_resource_name(arn)
}

fn service_resource(ctx: &RegionContext, service: &ecs::Service) -> crate::model::Resource {
    let tags = tags(service.tags());
    let name = service.service_name().unwrap_or_default();
    let cluster = service.cluster_arn().map(cluster_name).unwrap_or_default();
    let network = service
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|vpc| ServiceNetwork {
            subnets: vpc.subnets().iter().map(ResourceRef::id).collect(),
            security_groups: vpc.security_groups().iter().map(ResourceRef::id).collect(),
            assign_public_ip: vpc
                .assign_public_ip()
                .is_some_and(|a| a.as_str() == "ENABLED"),
        });
    let deployment = service
        .deployment_configuration()
        .map(|d| ServiceDeployment {
            maximum_percent: d.maximum_percent(),
            minimum_healthy_percent: d.minimum_healthy_percent(),
            circuit_breaker_enabled: d.deployment_circuit_breaker().map(|c| c.enable()),
            circuit_breaker_rollback: d.deployment_circuit_breaker().map(|c| c.rollback()),
        });
    ctx.resource(
        format!("{cluster}/{name}"),
        display_name(&tags, name),
        service.service_arn().map(str::to_string),
        tags,
        Properties::EcsService(EcsService {
            cluster: cluster.to_string(),
            status: service.status().unwrap_or_default().to_string(),
            desired_count: service.desired_count(),
            launch_type: service.launch_type().map(|l| l.as_str().to_string()),
            capacity_provider_strategy: strategy(service.capacity_provider_strategy()),
            platform_version: service.platform_version().map(str::to_string),
            scheduling_strategy: service
                .scheduling_strategy()
                .map(|s| s.as_str().to_string()),
            task_definition: service
                .task_definition()
                .map(task_definition_id)
                .unwrap_or_default()
                .to_string(),
            network,
            load_balancers: service
                .load_balancers()
                .iter()
                .map(|lb| ServiceLoadBalancer {
                    target_group_arn: lb.target_group_arn().map(str::to_string),
                    load_balancer_name: lb.load_balancer_name().map(str::to_string),
                    container_name: lb.container_name().map(str::to_string),
                    container_port: lb.container_port(),
                })
                .collect(),
            deployment,
            enable_execute_command: service.enable_execute_command(),
        }),
    )
}

/// Splits an image reference (see [`ImageRef::parse`]).
pub fn parse_image(image: &str) -> ImageRef {
    ImageRef::parse(image)
}

fn container(definition: &ecs::ContainerDefinition) -> Container {
    let image = definition.image().unwrap_or_default();
    Container {
        name: definition.name().unwrap_or_default().to_string(),
        image: image.to_string(),
        image_ref: parse_image(image),
        essential: definition.essential().unwrap_or(true),
        cpu: Some(definition.cpu()).filter(|c| *c != 0),
        memory: definition.memory(),
        port_mappings: definition
            .port_mappings()
            .iter()
            .map(|p| PortMapping {
                container_port: p.container_port(),
                host_port: p.host_port(),
                protocol: p.protocol().map(|p| p.as_str().to_string()),
            })
            .collect(),
        environment: definition
            .environment()
            .iter()
            .filter_map(|kv| {
                Some((
                    kv.name()?.to_string(),
                    kv.value().unwrap_or_default().to_string(),
                ))
            })
            .collect(),
        // Only where each secret comes from: its value is never fetched.
        secrets: definition
            .secrets()
            .iter()
            .map(|s| (s.name().to_string(), s.value_from().to_string()))
            .collect(),
        log_configuration: definition.log_configuration().map(|l| LogConfiguration {
            driver: l.log_driver().as_str().to_string(),
            options: l
                .options()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }),
    }
}

fn task_definition_resource(
    ctx: &RegionContext,
    definition: &ecs::TaskDefinition,
    tags: BTreeMap<String, String>,
) -> crate::model::Resource {
    let family = definition.family().unwrap_or_default();
    let revision = definition.revision();
    let role = |arn: Option<&str>| arn.map(|a| arn_resource_name(a).to_string());
    ctx.resource(
        format!("{family}:{revision}"),
        display_name(&tags, family),
        definition.task_definition_arn().map(str::to_string),
        tags,
        Properties::EcsTaskDefinition(EcsTaskDefinition {
            family: family.to_string(),
            revision,
            cpu: definition.cpu().map(str::to_string),
            memory: definition.memory().map(str::to_string),
            network_mode: definition.network_mode().map(|m| m.as_str().to_string()),
            requires_compatibilities: definition
                .requires_compatibilities()
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
            task_role: role(definition.task_role_arn()),
            execution_role: role(definition.execution_role_arn()),
            containers: definition
                .container_definitions()
                .iter()
                .map(container)
                .collect(),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_split_into_repository_tag_and_digest() {
        let cases = [
            ("nginx", "nginx", None, None),
            ("nginx:1.27", "nginx", Some("1.27"), None),
            (
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app:v1.4.2",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app",
                Some("v1.4.2"),
                None,
            ),
            ("registry:5000/app", "registry:5000/app", None, None),
            (
                "registry:5000/app:staging-42",
                "registry:5000/app",
                Some("staging-42"),
                None,
            ),
            ("app@sha256:abc", "app", None, Some("sha256:abc")),
            ("app:v1@sha256:abc", "app", Some("v1"), Some("sha256:abc")),
        ];
        for (image, repository, tag, digest) in cases {
            let parsed = parse_image(image);
            assert_eq!(parsed.repository, repository, "{image}");
            assert_eq!(parsed.tag.as_deref(), tag, "{image}");
            assert_eq!(parsed.digest.as_deref(), digest, "{image}");
        }
    }

    #[test]
    fn task_definition_ids_come_from_arns() {
        assert_eq!(
            task_definition_id(
                "arn:aws:ecs:us-east-1:123456789012:task-definition/trading-app-prod:7"
            ),
            "trading-app-prod:7"
        );
        assert_eq!(task_definition_id("trading-app:3"), "trading-app:3");
    }

    #[test]
    fn secrets_keep_their_source_and_never_a_value() {
        let definition = ecs::ContainerDefinition::builder()
            .name("app")
            .image("app:latest")
            .secrets(
                ecs::Secret::builder()
                    .name("DB_PASSWORD")
                    .value_from("arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf")
                    .build()
                    .unwrap(),
            )
            .environment(
                ecs::KeyValuePair::builder()
                    .name("LOG_LEVEL")
                    .value("info")
                    .build(),
            )
            .build();
        let c = container(&definition);
        assert_eq!(
            c.secrets["DB_PASSWORD"],
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf"
        );
        assert_eq!(c.environment["LOG_LEVEL"], "info");
        assert_eq!(c.cpu, None, "0 CPU units means unset");
    }
}

#[cfg(test)]
mod recorded {
    use serde_json::json;

    use super::*;
    use crate::collect::replay::{assert_refused, json as answer, Recorded, Replay};

    const ARN: &str = "arn:aws:ecs:us-east-1:123456789012";
    const TARGET: &str = "AmazonEC2ContainerServiceV20141113";

    fn call(operation: &str) -> String {
        format!("{TARGET}.{operation}")
    }

    fn cluster(name: &str, environment: &str) -> serde_json::Value {
        json!({"clusterArn": format!("{ARN}:cluster/{name}"), "clusterName": name, "status": "ACTIVE",
            "tags": [{"key": "Environment", "value": environment}], "settings": []})
    }

    /// Clusters listed on two pages (staging's on the second); staging runs one service.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let service = json!({"services": [{
            "serviceArn": format!("{ARN}:service/ecs-cluster-staging/app-staging"),
            "serviceName": "app-staging", "clusterArn": format!("{ARN}:cluster/ecs-cluster-staging"),
            "status": "ACTIVE", "desiredCount": 2, "launchType": "FARGATE",
            "taskDefinition": format!("{ARN}:task-definition/app-staging:3"), "tags": []
        }], "failures": []});
        let definition = json!({"taskDefinition": {
            "taskDefinitionArn": format!("{ARN}:task-definition/app-staging:3"), "family": "app-staging",
            "revision": 3, "status": "ACTIVE", "networkMode": "awsvpc", "cpu": "512", "memory": "1024",
            "requiresCompatibilities": ["FARGATE"],
            "containerDefinitions": [{"name": "app", "essential": true,
                "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:staging-42"}]
        }, "tags": []});
        let mut all = extra;
        all.extend([
            answer(
                &[&call("ListClusters"), "\"nextToken\":\"c2\""],
                200,
                &json!({"clusterArns": [format!("{ARN}:cluster/ecs-cluster-staging")]}).to_string(),
            ),
            answer(
                &[&call("ListClusters")],
                200,
                &json!({"clusterArns": [format!("{ARN}:cluster/ecs-cluster-prod")], "nextToken": "c2"})
                    .to_string(),
            ),
            answer(
                &[&call("DescribeClusters")],
                200,
                &json!({"clusters": [cluster("ecs-cluster-prod", "prod"), cluster("ecs-cluster-staging", "staging")],
                    "failures": []})
                .to_string(),
            ),
            answer(
                &[&call("ListServices"), "ecs-cluster-staging"],
                200,
                &json!({"serviceArns": [format!("{ARN}:service/ecs-cluster-staging/app-staging")]}).to_string(),
            ),
            answer(&[&call("ListServices")], 200, &json!({"serviceArns": []}).to_string()),
            answer(&[&call("DescribeServices")], 200, &service.to_string()),
            answer(&[&call("DescribeTaskDefinition")], 200, &definition.to_string()),
        ]);
        all
    }

    #[tokio::test]
    async fn every_page_of_clusters_is_read_and_the_environments_service_followed() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count(&call("ListClusters")), 2, "both pages");
        let found: Vec<(K, &str)> = collected
            .resources
            .iter()
            .map(|r| (r.kind, r.name.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (K::EcsCluster, "ecs-cluster-staging"),
                (K::EcsService, "app-staging"),
                (K::EcsTaskDefinition, "app-staging")
            ]
        );
    }

    #[tokio::test]
    async fn a_refused_task_definition_leaves_that_kind_unknown_only() {
        let denied = json!({"__type": "AccessDeniedException",
            "message": "User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: ecs:DescribeTaskDefinition"});
        let replay = Replay::start(answers(vec![answer(
            &[&call("DescribeTaskDefinition")],
            400,
            &denied.to_string(),
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "DescribeTaskDefinition", "AccessDeniedException", "ecs:DescribeTaskDefinition");
        let failure = &collected.failures[0];
        assert_eq!(failure.kinds, [K::EcsTaskDefinition]);
        assert_eq!(collected.resources.len(), 2, "the cluster and service are known");
    }
}

//! ECS: the Fargate cluster (Container Insights on), the trading app's task definition and its
//! service. A preview runs its own service and task definition in dev's cluster.

use aws_sdk_ecs::types as ecs;

use crate::{
    call_error, ecs_tags, is_planned, register_app_task_definition, Action, Ctx, InfraError,
    Provisioned,
};

/// The cluster's name for `env`.
pub(crate) fn cluster_name(env: &str) -> String {
    format!("ecs-cluster-{env}")
}

/// Whether the named cluster exists (ACTIVE) and has Container Insights enabled.
async fn cluster_state(ctx: &Ctx<'_>, name: &str) -> Result<Option<bool>, InfraError> {
    let found = ctx
        .ecs
        .describe_clusters()
        .clusters(name)
        .include(ecs::ClusterField::Settings)
        .send()
        .await
        .map_err(call_error("DescribeClusters", name))?;
    Ok(found
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .map(|c| {
            c.settings().iter().any(|s| {
                s.name() == Some(&ecs::ClusterSettingName::ContainerInsights)
                    && s.value() == Some("enabled")
            })
        }))
}

fn insights() -> ecs::ClusterSetting {
    ecs::ClusterSetting::builder()
        .name(ecs::ClusterSettingName::ContainerInsights)
        .value("enabled")
        .build()
}

/// Converges the cluster (full environments), the task definition and the service.
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let env = spec.name.as_str();
    let cluster = cluster_name(spec.network_owner());
    match (cluster_state(ctx, &cluster).await?, spec.preview) {
        (None, Some(_)) => {
            return Err(InfraError::Refused(format!(
                "preview {env} runs in {cluster}, which does not exist: apply {} first",
                spec.network_owner()
            )))
        }
        (None, None) => {
            ctx.change(
                Action::Create,
                format!("ecs-cluster {cluster}"),
                "Fargate, Container Insights",
                async {
                    ctx.ecs
                        .create_cluster()
                        .cluster_name(&cluster)
                        .settings(insights())
                        .capacity_providers("FARGATE")
                        .set_tags(Some(ecs_tags(spec)))
                        .send()
                        .await
                        .map_err(call_error("CreateCluster", &cluster))?;
                    Ok(())
                },
            )
            .await?;
        }
        (Some(false), None) => {
            // UpdateCluster (not UpdateClusterSettings, which moto does not implement).
            ctx.change(
                Action::Update,
                format!("ecs-cluster {cluster}"),
                "enable Container Insights",
                async {
                    ctx.ecs
                        .update_cluster()
                        .cluster(&cluster)
                        .settings(insights())
                        .send()
                        .await
                        .map_err(call_error("UpdateCluster", &cluster))?;
                    Ok(())
                },
            )
            .await?;
        }
        (Some(_), _) => {}
    }
    out.cluster = cluster.clone();

    // The task definition: a new revision only when what it runs differs.
    let family = format!("trading-app-{env}");
    let current = match ctx
        .ecs
        .describe_task_definition()
        .task_definition(&family)
        .send()
        .await
    {
        Ok(found) => found.task_definition,
        // ECS answers an unknown family with a ClientException; anything else is a failure.
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_client_exception()) =>
        {
            None
        }
        Err(e) => return Err(call_error("DescribeTaskDefinition", &family)(e)),
    }
    .filter(|d| d.status() == Some(&ecs::TaskDefinitionStatus::Active));
    let image = spec.image();
    let (cpu, memory) = (spec.task_size.0.to_string(), spec.task_size.1.to_string());
    let matches = current.as_ref().is_some_and(|d| {
        d.cpu() == Some(cpu.as_str())
            && d.memory() == Some(memory.as_str())
            && d.container_definitions().len() == 1
            && d.container_definitions()[0].image() == Some(image.as_str())
    });
    let task_definition = match (&current, matches) {
        (Some(d), true) => d.task_definition_arn().unwrap_or_default().to_string(),
        (found, _) => {
            let detail = match found {
                Some(_) => format!("new revision: {image}, {cpu}/{memory}"),
                None => format!("{image}, {cpu}/{memory}"),
            };
            let action = if found.is_some() {
                Action::Update
            } else {
                Action::Create
            };
            ctx.change(
                action,
                format!("task-definition {family}"),
                detail,
                register_app_task_definition(&ctx.ecs, spec, &image),
            )
            .await?
            .unwrap_or_else(|| crate::planned_id(&family))
        }
    };

    // The service.
    let service = format!("trading-app-{env}");
    out.service = service.clone();
    let found = if is_planned(&out.vpc_id) {
        None
    } else {
        ctx.ecs
            .describe_services()
            .cluster(&cluster)
            .services(&service)
            .send()
            .await
            .map_err(call_error("DescribeServices", &service))?
            .services()
            .iter()
            .find(|s| s.status() == Some("ACTIVE"))
            .cloned()
    };
    let network = network_configuration(out)?;
    let Some(current) = found else {
        ctx.change(
            Action::Create,
            format!("ecs-service {service}"),
            format!("{} task(s)", spec.desired_count),
            async {
                ctx.ecs
                    .create_service()
                    .cluster(&cluster)
                    .service_name(&service)
                    .task_definition(&task_definition)
                    .desired_count(spec.desired_count)
                    .launch_type(ecs::LaunchType::Fargate)
                    .platform_version("LATEST")
                    .network_configuration(network.clone())
                    .set_load_balancers(Some(registration(out)))
                    .set_tags(Some(ecs_tags(spec)))
                    .send()
                    .await
                    .map_err(call_error("CreateService", &service))?;
                Ok(())
            },
        )
        .await?;
        return Ok(());
    };

    let mut differences = Vec::new();
    if current.desired_count() != spec.desired_count {
        differences.push(format!(
            "desired count {} -> {}",
            current.desired_count(),
            spec.desired_count
        ));
    }
    if current.task_definition() != Some(task_definition.as_str()) {
        differences.push(format!("task definition -> {task_definition}"));
    }
    let live_network = current
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let mut live_subnets: Vec<&str> = live_network
        .map(|n| n.subnets().iter().map(String::as_str).collect())
        .unwrap_or_default();
    let mut live_groups: Vec<&str> = live_network
        .map(|n| n.security_groups().iter().map(String::as_str).collect())
        .unwrap_or_default();
    live_subnets.sort_unstable();
    live_groups.sort_unstable();
    let mut want_subnets: Vec<&str> = out.private_subnet_ids.iter().map(String::as_str).collect();
    want_subnets.sort_unstable();
    let public_ip = live_network.and_then(|n| n.assign_public_ip());
    if live_subnets != want_subnets
        || live_groups != [out.security_groups["app"].as_str()]
        || public_ip == Some(&ecs::AssignPublicIp::Enabled)
    {
        differences.push("network: private subnets, app group, no public IP".into());
    }
    if differences.is_empty() {
        return Ok(());
    }
    ctx.change(
        Action::Update,
        format!("ecs-service {service}"),
        differences.join("; "),
        async {
            ctx.ecs
                .update_service()
                .cluster(&cluster)
                .service(&service)
                .desired_count(spec.desired_count)
                .task_definition(&task_definition)
                .network_configuration(network.clone())
                .send()
                .await
                .map_err(call_error("UpdateService", &service))?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// The app's tasks register in the environment's target group (IP targets, port 8080).
fn registration(out: &Provisioned) -> Vec<ecs::LoadBalancer> {
    if out.target_group.is_empty() || crate::is_planned(&out.target_group) {
        return Vec::new();
    }
    vec![ecs::LoadBalancer::builder()
        .target_group_arn(&out.target_group)
        .container_name(crate::APP_CONTAINER)
        .container_port(8080)
        .build()]
}

fn network_configuration(out: &Provisioned) -> Result<ecs::NetworkConfiguration, InfraError> {
    Ok(ecs::NetworkConfiguration::builder()
        .awsvpc_configuration(
            ecs::AwsVpcConfiguration::builder()
                .set_subnets(Some(out.private_subnet_ids.clone()))
                .security_groups(&out.security_groups["app"])
                .assign_public_ip(ecs::AssignPublicIp::Disabled)
                .build()
                .map_err(|e| InfraError::Refused(e.to_string()))?,
        )
        .build())
}

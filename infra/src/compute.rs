//! ECS: the Fargate cluster (Container Insights on), the trading app's task definition and its
//! service. A preview runs its own service and task definition in dev's cluster.

use aws_sdk_ecs::types as ecs;

use crate::{
    call_error, ecs_tags, is_planned, register_app_task_definition, Action, Ctx, InfraError, Live,
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
    out.cluster = converge_cluster(ctx).await?;
    let task_definition = converge_task_definition(ctx).await?;
    out.service = format!("trading-app-{}", ctx.spec.name);
    converge_service(ctx, out, &task_definition).await
}

/// The environment's cluster (a preview's is its parent's, which must exist): Fargate, with
/// Container Insights on.
async fn converge_cluster(ctx: &Ctx<'_>) -> Result<String, InfraError> {
    let spec = ctx.spec;
    let cluster = cluster_name(spec.network_owner());
    let insights_on = cluster_state(ctx, &cluster).await?;
    if insights_on.is_none() && spec.preview.is_some() {
        return Err(InfraError::Refused(format!(
            "preview {} runs in {cluster}, which does not exist: apply {} first",
            spec.name,
            spec.network_owner()
        )));
    }
    if spec.preview.is_some() {
        return Ok(cluster);
    }
    let live = Live::of(insights_on.as_ref(), |on| match on {
        true => Vec::new(),
        false => vec!["enable Container Insights".to_string()],
    });
    let create = async {
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
    };
    // UpdateCluster (not UpdateClusterSettings, which moto does not implement).
    let update = async {
        ctx.ecs
            .update_cluster()
            .cluster(&cluster)
            .settings(insights())
            .send()
            .await
            .map_err(call_error("UpdateCluster", &cluster))?;
        Ok(())
    };
    let resource = format!("ecs-cluster {cluster}");
    let created = ("Fargate, Container Insights".to_string(), create);
    ctx.converge(resource, live, created, update).await?;
    Ok(cluster)
}

/// The app's task definition, answering its ARN: a new revision only when what it runs differs.
async fn converge_task_definition(ctx: &Ctx<'_>) -> Result<String, InfraError> {
    let spec = ctx.spec;
    let family = format!("trading-app-{}", spec.name);
    let current = active_task_definition(ctx, &family).await?;
    let image = spec.image(&ctx.account);
    let (cpu, memory) = (spec.task_size.0.to_string(), spec.task_size.1.to_string());
    let (task_role, execution_role) = crate::roles::role_arns(&ctx.account, &spec.name);
    let matches = current.as_ref().is_some_and(|d| {
        d.task_role_arn() == Some(task_role.as_str())
            && d.execution_role_arn() == Some(execution_role.as_str())
            && d.cpu() == Some(cpu.as_str())
            && d.memory() == Some(memory.as_str())
            && d.container_definitions().len() == 1
            && d.container_definitions()[0].image() == Some(image.as_str())
    });
    if let (Some(d), true) = (&current, matches) {
        return Ok(d.task_definition_arn().unwrap_or_default().to_string());
    }
    let (action, detail) = match current {
        Some(_) => (
            Action::Update,
            format!("new revision: {image}, {cpu}/{memory}"),
        ),
        None => (Action::Create, format!("{image}, {cpu}/{memory}")),
    };
    let registered = ctx
        .change(
            action,
            format!("task-definition {family}"),
            detail,
            register_app_task_definition(&ctx.ecs, spec, (&ctx.account, &image)),
        )
        .await?;
    Ok(registered.unwrap_or_else(|| crate::planned_id(&family)))
}

/// The family's active revision, if any.
async fn active_task_definition(
    ctx: &Ctx<'_>,
    family: &str,
) -> Result<Option<ecs::TaskDefinition>, InfraError> {
    let found = match ctx
        .ecs
        .describe_task_definition()
        .task_definition(family)
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
        Err(e) => return Err(call_error("DescribeTaskDefinition", family)(e)),
    };
    Ok(found.filter(|d| d.status() == Some(&ecs::TaskDefinitionStatus::Active)))
}

/// The app's service: its task definition, desired count and private network.
async fn converge_service(
    ctx: &Ctx<'_>,
    out: &Provisioned,
    task_definition: &str,
) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let (cluster, service) = (&out.cluster, &out.service);
    let found = if is_planned(&out.vpc_id) {
        None
    } else {
        ctx.ecs
            .describe_services()
            .cluster(cluster)
            .services(service)
            .send()
            .await
            .map_err(call_error("DescribeServices", service))?
            .services()
            .iter()
            .find(|s| s.status() == Some("ACTIVE"))
            .cloned()
    };
    let network = network_configuration(out)?;
    let live = Live::of(found.as_ref(), |current| {
        service_differences(current, out, task_definition, spec.desired_count)
    });
    let create = async {
        ctx.ecs
            .create_service()
            .cluster(cluster)
            .service_name(service)
            .task_definition(task_definition)
            .desired_count(spec.desired_count)
            .launch_type(ecs::LaunchType::Fargate)
            .platform_version("LATEST")
            .network_configuration(network.clone())
            .set_load_balancers(Some(registration(out)))
            .set_tags(Some(ecs_tags(spec)))
            .send()
            .await
            .map_err(call_error("CreateService", service))?;
        Ok(())
    };
    let update = async {
        ctx.ecs
            .update_service()
            .cluster(cluster)
            .service(service)
            .desired_count(spec.desired_count)
            .task_definition(task_definition)
            .network_configuration(network.clone())
            .send()
            .await
            .map_err(call_error("UpdateService", service))?;
        Ok(())
    };
    let created = (format!("{} task(s)", spec.desired_count), create);
    ctx.converge(format!("ecs-service {service}"), live, created, update)
        .await
}

/// How the live service differs from what it should run.
fn service_differences(
    current: &ecs::Service,
    out: &Provisioned,
    task_definition: &str,
    desired_count: i32,
) -> Vec<String> {
    let mut differences = Vec::new();
    if current.desired_count() != desired_count {
        differences.push(format!(
            "desired count {} -> {desired_count}",
            current.desired_count()
        ));
    }
    if current.task_definition() != Some(task_definition) {
        differences.push(format!("task definition -> {task_definition}"));
    }
    let live_network = current
        .network_configuration()
        .and_then(|n| n.awsvpc_configuration());
    let sorted = |list: &[String]| {
        let mut list: Vec<String> = list.to_vec();
        list.sort_unstable();
        list
    };
    let live_subnets = live_network.map_or_else(Vec::new, |n| sorted(n.subnets()));
    let live_groups = live_network.map_or_else(Vec::new, |n| sorted(n.security_groups()));
    let public_ip = live_network.and_then(|n| n.assign_public_ip());
    if live_subnets != sorted(&out.private_subnet_ids)
        || live_groups != [out.security_groups["app"].clone()]
        || public_ip == Some(&ecs::AssignPublicIp::Enabled)
    {
        differences.push("network: private subnets, app group, no public IP".into());
    }
    differences
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

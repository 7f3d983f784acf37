//! Removing an environment, in dependency order: what runs (service, task definitions, its log
//! group when empty, cluster),
//! the database, the cache, the parameters, the security groups (rules first, so no group is still
//! referenced), then the network from the NAT gateway down to the VPC. A preview removes only its
//! own service, task definitions, group and parameters: dev's VPC and cluster stay.

use aws_sdk_ec2::types as ec2;
use aws_sdk_ecs::types as ecs;

use crate::compute::cluster_name;
use crate::database::{find_cluster, subnet_group_exists};
use crate::network::{find_vpc, subnets};
use crate::security::find_group;
use crate::{
    call_error, filter, tag_filter, Action, Ctx, DestroyOptions, InfraError, Provisioned,
    LIFTS_PROTECTION,
};

/// Removes the environment `ctx.spec` names.
pub(crate) async fn run(ctx: &Ctx<'_>, options: &DestroyOptions) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let full = spec.preview.is_none();

    // 1. ECS: the service (scaled to zero, then deleted), every revision, the app's log group
    // and roles, the cluster.
    let cluster = cluster_name(spec.network_owner());
    destroy_service(ctx, &cluster).await?;
    deregister_task_definitions(ctx).await?;
    crate::logs::destroy(ctx).await?;
    crate::roles::destroy(ctx).await?;
    if full {
        destroy_cluster(ctx, &cluster).await?;
        destroy_database(ctx, options).await?;
        crate::cache::destroy(ctx, options).await?;
    }

    // 2. The edge: the DNS records first (none is left at a deleted load balancer or
    // distribution), then the distribution, a preview's rule and target group; the load
    // balancer, target group and an empty data bucket; then the certificates nothing uses any
    // more.
    Box::pin(crate::dns::destroy(ctx)).await?;
    Box::pin(crate::cdn::destroy(ctx)).await?;
    Box::pin(crate::waf::destroy(ctx)).await?;
    Box::pin(crate::edge::destroy(ctx)).await?;
    Box::pin(crate::certificates::destroy(ctx)).await?;

    // 3. Parameters (never /shared/: other environments read them).
    let vpc_id = find_vpc(ctx, spec.network_owner()).await?;
    destroy_parameters(ctx).await?;
    let Some(vpc_id) = vpc_id else {
        return Ok(());
    };

    // 4. Security groups: every rule first (so none is referenced), then the groups.
    destroy_security_groups(ctx, &vpc_id, full).await?;
    if !full {
        return Ok(());
    }
    destroy_network(ctx, &vpc_id).await?;

    // 5. The key, last, and only once nothing kept is encrypted with it.
    crate::keys::destroy(ctx).await
}

/// The environment's service, scaled to zero and then deleted.
async fn destroy_service(ctx: &Ctx<'_>, cluster: &str) -> Result<(), InfraError> {
    let service = format!("trading-app-{}", ctx.spec.name);
    let services = ctx
        .ecs
        .describe_services()
        .cluster(cluster)
        .services(&service)
        .send()
        .await;
    let active = match services {
        Ok(found) => found
            .services()
            .iter()
            .any(|s| s.status() == Some("ACTIVE")),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_cluster_not_found_exception()) =>
        {
            false
        }
        Err(e) => return Err(call_error("DescribeServices", &service)(e)),
    };
    if active {
        ctx.change(
            Action::Delete,
            format!("ecs-service {service}"),
            "scaled to 0, then deleted",
            async {
                ctx.ecs
                    .update_service()
                    .cluster(cluster)
                    .service(&service)
                    .desired_count(0)
                    .send()
                    .await
                    .map_err(call_error("UpdateService", &service))?;
                ctx.ecs
                    .delete_service()
                    .cluster(cluster)
                    .service(&service)
                    .force(true)
                    .send()
                    .await
                    .map_err(call_error("DeleteService", &service))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// Every active revision of the environment's task definition family.
async fn deregister_task_definitions(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let family = format!("trading-app-{}", ctx.spec.name);
    let mut revisions = ctx
        .ecs
        .list_task_definitions()
        .family_prefix(&family)
        .status(ecs::TaskDefinitionStatus::Active)
        .into_paginator()
        .items()
        .send();
    let mut arns = Vec::new();
    while let Some(arn) = revisions.next().await {
        let arn = arn.map_err(call_error("ListTaskDefinitions", &family))?;
        // `family_prefix` is a prefix: trading-app-pr-7 must not take trading-app-pr-70.
        if arn
            .rsplit('/')
            .next()
            .and_then(|r| r.rsplit_once(':'))
            .map(|(f, _)| f)
            == Some(family.as_str())
        {
            arns.push(arn);
        }
    }
    for arn in arns {
        ctx.change(
            Action::Delete,
            format!("task-definition {family}"),
            arn.clone(),
            async {
                ctx.ecs
                    .deregister_task_definition()
                    .task_definition(&arn)
                    .send()
                    .await
                    .map_err(call_error("DeregisterTaskDefinition", &arn))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The environment's cluster, when it is active.
async fn destroy_cluster(ctx: &Ctx<'_>, cluster: &str) -> Result<(), InfraError> {
    let exists = ctx
        .ecs
        .describe_clusters()
        .clusters(cluster)
        .send()
        .await
        .map_err(call_error("DescribeClusters", cluster))?
        .clusters()
        .iter()
        .any(|c| c.status() == Some("ACTIVE"));
    if exists {
        ctx.change(
            Action::Delete,
            format!("ecs-cluster {cluster}"),
            "",
            async {
                ctx.ecs
                    .delete_cluster()
                    .cluster(cluster)
                    .send()
                    .await
                    .map_err(call_error("DeleteCluster", cluster))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The environment's own parameters (never `/shared/`).
async fn destroy_parameters(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let names: Vec<String> = crate::parameters::own_parameters(ctx, &Provisioned::default())
        .into_keys()
        .collect();
    let found = ctx
        .ssm
        .get_parameters()
        .set_names(Some(names.clone()))
        .send()
        .await
        .map_err(call_error("GetParameters", env))?;
    let present: Vec<String> = found
        .parameters()
        .iter()
        .filter_map(|p| p.name().map(str::to_string))
        .collect();
    if !present.is_empty() {
        ctx.change(
            Action::Delete,
            format!("ssm-parameters /{env}/"),
            present.join(", "),
            async {
                ctx.ssm
                    .delete_parameters()
                    .set_names(Some(present.clone()))
                    .send()
                    .await
                    .map_err(call_error("DeleteParameters", env))?;
                Ok(())
            },
        )
        .await?;
    }

    Ok(())
}

/// The environment's security groups (a preview's app group only): rules first, then groups.
async fn destroy_security_groups(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    full: bool,
) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let roles: &[&str] = if full {
        &["cache", "db", "app", "lb"]
    } else {
        &["app"]
    };
    let mut groups = Vec::new();
    for role in roles {
        let name = format!("{role}-{env}");
        if let Some((id, rules)) = find_group(ctx, vpc_id, &name).await? {
            groups.push((name, id, rules));
        }
    }
    for (name, id, rules) in &groups {
        if rules.is_empty() {
            continue;
        }
        let found = ctx
            .ec2
            .describe_security_groups()
            .group_ids(id)
            .send()
            .await
            .map_err(call_error("DescribeSecurityGroups", name))?;
        let permissions: Vec<ec2::IpPermission> = found
            .security_groups()
            .first()
            .map(|g| g.ip_permissions().to_vec())
            .unwrap_or_default();
        ctx.change(
            Action::Update,
            format!("security-group {name}"),
            "revoke every ingress rule",
            async {
                ctx.ec2
                    .revoke_security_group_ingress()
                    .group_id(id)
                    .set_ip_permissions(Some(permissions.clone()))
                    .send()
                    .await
                    .map_err(call_error("RevokeSecurityGroupIngress", name))?;
                Ok(())
            },
        )
        .await?;
    }
    for (name, id, _) in &groups {
        ctx.change(
            Action::Delete,
            format!("security-group {name}"),
            id.clone(),
            async {
                ctx.ec2
                    .delete_security_group()
                    .group_id(id)
                    .send()
                    .await
                    .map_err(call_error("DeleteSecurityGroup", name))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

async fn destroy_database(ctx: &Ctx<'_>, options: &DestroyOptions) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let cluster = format!("aurora-cluster-{env}");
    let instances = ctx
        .rds
        .describe_db_instances()
        .filters(
            aws_sdk_rds::types::Filter::builder()
                .name("db-cluster-id")
                .values(&cluster)
                .build(),
        )
        .send()
        .await
        .map_err(call_error("DescribeDBInstances", &cluster))?;
    for instance in instances.db_instances() {
        let Some(id) = instance.db_instance_identifier() else {
            continue;
        };
        if instance.db_cluster_identifier() != Some(cluster.as_str()) {
            continue;
        }
        ctx.change(Action::Delete, format!("db-instance {id}"), "", async {
            ctx.rds
                .delete_db_instance()
                .db_instance_identifier(id)
                .skip_final_snapshot(true)
                .send()
                .await
                .map_err(call_error("DeleteDBInstance", id))?;
            Ok(())
        })
        .await?;
    }
    let live = find_cluster(ctx, &cluster).await?;
    if let Some(live) = live {
        let protected = live.deletion_protection() == Some(true);
        let snapshot = match &options.final_snapshot {
            Some(id) => format!("final snapshot {id}"),
            None => "NO final snapshot (--skip-final-snapshot): its data is lost".into(),
        };
        let detail = if protected {
            format!("{LIFTS_PROTECTION}; {snapshot}")
        } else {
            snapshot
        };
        ctx.change(
            Action::Delete,
            format!("db-cluster {cluster}"),
            detail,
            async {
                if protected {
                    ctx.rds
                        .modify_db_cluster()
                        .db_cluster_identifier(&cluster)
                        .deletion_protection(false)
                        .apply_immediately(true)
                        .send()
                        .await
                        .map_err(call_error("ModifyDBCluster", &cluster))?;
                }
                ctx.rds
                    .delete_db_cluster()
                    .db_cluster_identifier(&cluster)
                    .skip_final_snapshot(options.final_snapshot.is_none())
                    .set_final_db_snapshot_identifier(options.final_snapshot.clone())
                    .send()
                    .await
                    .map_err(call_error("DeleteDBCluster", &cluster))?;
                Ok(())
            },
        )
        .await?;
    }
    let subnet_group = format!("aurora-subnets-{env}");
    let exists = subnet_group_exists(ctx, &subnet_group).await?;
    if exists {
        ctx.change(
            Action::Delete,
            format!("db-subnet-group {subnet_group}"),
            "",
            async {
                ctx.rds
                    .delete_db_subnet_group()
                    .db_subnet_group_name(&subnet_group)
                    .send()
                    .await
                    .map_err(call_error("DeleteDBSubnetGroup", &subnet_group))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The network, from the NAT gateway down to the VPC.
async fn destroy_network(ctx: &Ctx<'_>, vpc_id: &str) -> Result<(), InfraError> {
    destroy_nat(ctx, vpc_id).await?;
    destroy_route_tables(ctx, vpc_id).await?;
    destroy_gateway_subnets_and_vpc(ctx, vpc_id).await
}

/// The NAT gateway, then its Elastic IP.
async fn destroy_nat(ctx: &Ctx<'_>, vpc_id: &str) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let nats = ctx
        .ec2
        .describe_nat_gateways()
        .filter(filter("vpc-id", vpc_id))
        .send()
        .await
        .map_err(call_error("DescribeNatGateways", vpc_id))?;
    for nat in nats.nat_gateways() {
        let live = matches!(
            nat.state(),
            Some(ec2::NatGatewayState::Available | ec2::NatGatewayState::Pending)
        );
        let Some(id) = nat.nat_gateway_id().filter(|_| live) else {
            continue;
        };
        ctx.change(
            Action::Delete,
            format!("nat-gateway nat-{env}"),
            id.to_string(),
            async {
                ctx.ec2
                    .delete_nat_gateway()
                    .nat_gateway_id(id)
                    .send()
                    .await
                    .map_err(call_error("DeleteNatGateway", id))?;
                Ok(())
            },
        )
        .await?;
    }
    let addresses = ctx
        .ec2
        .describe_addresses()
        .filters(tag_filter("Environment", env))
        .filters(tag_filter("Name", &format!("nat-{env}")))
        .send()
        .await
        .map_err(call_error("DescribeAddresses", env))?;
    for address in addresses.addresses() {
        let Some(allocation) = address.allocation_id() else {
            continue;
        };
        ctx.change(
            Action::Delete,
            format!("elastic-ip nat-{env}"),
            allocation.to_string(),
            async {
                ctx.ec2
                    .release_address()
                    .allocation_id(allocation)
                    .send()
                    .await
                    .map_err(call_error("ReleaseAddress", allocation))?;
                Ok(())
            },
        )
        .await?;
    }

    Ok(())
}

/// Route tables other than the main one: associations, then the tables.
async fn destroy_route_tables(ctx: &Ctx<'_>, vpc_id: &str) -> Result<(), InfraError> {
    let tables = ctx
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", vpc_id))
        .send()
        .await
        .map_err(call_error("DescribeRouteTables", vpc_id))?;
    for table in tables.route_tables() {
        let main = table.associations().iter().any(|a| a.main() == Some(true));
        if main {
            continue;
        }
        let id = table.route_table_id().unwrap_or_default();
        let associations: Vec<&str> = table
            .associations()
            .iter()
            .filter_map(|a| a.route_table_association_id())
            .collect();
        ctx.change(
            Action::Delete,
            format!("route-table {id}"),
            format!("{} association(s) first", associations.len()),
            async {
                for association in &associations {
                    ctx.ec2
                        .disassociate_route_table()
                        .association_id(*association)
                        .send()
                        .await
                        .map_err(call_error("DisassociateRouteTable", association))?;
                }
                ctx.ec2
                    .delete_route_table()
                    .route_table_id(id)
                    .send()
                    .await
                    .map_err(call_error("DeleteRouteTable", id))?;
                Ok(())
            },
        )
        .await?;
    }

    Ok(())
}

/// The internet gateway, the subnets, the VPC.
async fn destroy_gateway_subnets_and_vpc(ctx: &Ctx<'_>, vpc_id: &str) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let gateways = ctx
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_id))
        .send()
        .await
        .map_err(call_error("DescribeInternetGateways", vpc_id))?;
    for igw in gateways.internet_gateways() {
        let id = igw.internet_gateway_id().unwrap_or_default();
        ctx.change(
            Action::Delete,
            format!("internet-gateway igw-{env}"),
            id.to_string(),
            async {
                ctx.ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(id)
                    .vpc_id(vpc_id)
                    .send()
                    .await
                    .map_err(call_error("DetachInternetGateway", id))?;
                ctx.ec2
                    .delete_internet_gateway()
                    .internet_gateway_id(id)
                    .send()
                    .await
                    .map_err(call_error("DeleteInternetGateway", id))?;
                Ok(())
            },
        )
        .await?;
    }
    for (name, (id, _)) in subnets(ctx, vpc_id).await? {
        ctx.change(
            Action::Delete,
            format!("subnet {name}"),
            id.clone(),
            async {
                ctx.ec2
                    .delete_subnet()
                    .subnet_id(&id)
                    .send()
                    .await
                    .map_err(call_error("DeleteSubnet", &name))?;
                Ok(())
            },
        )
        .await?;
    }
    ctx.change(
        Action::Delete,
        format!("vpc vpc-{env}"),
        vpc_id.to_string(),
        async {
            ctx.ec2
                .delete_vpc()
                .vpc_id(vpc_id)
                .send()
                .await
                .map_err(call_error("DeleteVpc", vpc_id))?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

//! The VPC and what is in it: subnets, internet gateway, NAT gateway with its Elastic IP, route
//! tables, and the standard tags on what AWS creates with the VPC.

use std::collections::BTreeMap;

use aws_sdk_ec2::types as ec2;

use crate::{
    call_error, ec2_tags, filter, is_planned, tag_filter, Action, Ctx, InfraError, Provisioned,
};

/// The `Name` tag of an EC2 resource's tags.
fn name_of(tags: &[ec2::Tag]) -> Option<&str> {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
}

/// The environment's VPC, by its `Environment` and `Name` tags.
pub(crate) async fn find_vpc(ctx: &Ctx<'_>, env: &str) -> Result<Option<String>, InfraError> {
    let vpcs = ctx
        .ec2
        .describe_vpcs()
        .filters(tag_filter("Environment", env))
        .filters(tag_filter("Name", &format!("vpc-{env}")))
        .send()
        .await
        .map_err(call_error("DescribeVpcs", env))?;
    match vpcs.vpcs() {
        [] => Ok(None),
        [vpc] => Ok(vpc.vpc_id().map(str::to_string)),
        many => Err(InfraError::Refused(format!(
            "{} VPCs are tagged as vpc-{env}: remove the extra ones by hand",
            many.len()
        ))),
    }
}

/// The subnets of a VPC by `Name`: (id, map public IP on launch).
pub(crate) async fn subnets(
    ctx: &Ctx<'_>,
    vpc_id: &str,
) -> Result<BTreeMap<String, (String, bool)>, InfraError> {
    if is_planned(vpc_id) {
        return Ok(BTreeMap::new());
    }
    let found = ctx
        .ec2
        .describe_subnets()
        .filters(filter("vpc-id", vpc_id))
        .send()
        .await
        .map_err(call_error("DescribeSubnets", vpc_id))?;
    Ok(found
        .subnets()
        .iter()
        .filter_map(|s| {
            Some((
                name_of(s.tags())?.to_string(),
                (
                    s.subnet_id()?.to_string(),
                    s.map_public_ip_on_launch().unwrap_or(false),
                ),
            ))
        })
        .collect())
}

/// A preview's shared network: dev's VPC and private subnets, which must exist.
pub(crate) async fn find_shared(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    let owner = ctx.spec.network_owner();
    let vpc_id = find_vpc(ctx, owner).await?.ok_or_else(|| {
        InfraError::Refused(format!(
            "preview {} lives in {owner}'s VPC, and {owner} has none in {}: apply {owner} first",
            ctx.spec.name, ctx.spec.region
        ))
    })?;
    let subnets = subnets(ctx, &vpc_id).await?;
    for zone in zones(ctx) {
        let name = format!("private-{zone}-{owner}");
        let (id, _) = subnets
            .get(&name)
            .ok_or_else(|| InfraError::Refused(format!("{owner}'s subnet {name} is missing")))?;
        out.private_subnet_ids.push(id.clone());
    }
    out.vpc_id = vpc_id;
    Ok(())
}

/// The zone letters (`a`, `b`, `c`) of the environment's AZs.
fn zones(ctx: &Ctx<'_>) -> Vec<String> {
    ctx.spec
        .availability_zones()
        .iter()
        .map(|az| az[az.len() - 1..].to_string())
        .collect()
}

/// Converges a full environment's network.
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let env = spec.name.as_str();
    let octet = spec.cidr_octet;

    // VPC, with DNS hostnames.
    let vpc_name = format!("vpc-{env}");
    let vpc_id = match find_vpc(ctx, env).await? {
        Some(id) => {
            let attribute = ctx
                .ec2
                .describe_vpc_attribute()
                .vpc_id(&id)
                .attribute(ec2::VpcAttributeName::EnableDnsHostnames)
                .send()
                .await
                .map_err(call_error("DescribeVpcAttribute", &vpc_name))?;
            let enabled = attribute
                .enable_dns_hostnames()
                .and_then(|v| v.value())
                .unwrap_or(false);
            if !enabled {
                ctx.change(
                    Action::Update,
                    format!("vpc {vpc_name}"),
                    "enable DNS hostnames",
                    enable_dns_hostnames(ctx, &id, &vpc_name),
                )
                .await?;
            }
            id
        }
        None => {
            ctx.create(
                format!("vpc {vpc_name}"),
                format!("10.{octet}.0.0/16"),
                async {
                    let vpc = ctx
                        .ec2
                        .create_vpc()
                        .cidr_block(format!("10.{octet}.0.0/16"))
                        .tag_specifications(ec2_tags(spec, ec2::ResourceType::Vpc, &vpc_name))
                        .send()
                        .await
                        .map_err(call_error("CreateVpc", &vpc_name))?;
                    let id = vpc
                        .vpc()
                        .and_then(|v| v.vpc_id())
                        .unwrap_or_default()
                        .to_string();
                    enable_dns_hostnames(ctx, &id, &vpc_name).await?;
                    Ok(id)
                },
            )
            .await?
        }
    };
    out.vpc_id = vpc_id.clone();

    // Subnets: public 10.N.0-2.0/24, private 10.N.10-12.0/24.
    let existing = subnets(ctx, &vpc_id).await?;
    for (i, az) in spec.availability_zones().iter().enumerate() {
        let zone = &az[az.len() - 1..];
        for (public, base) in [(true, 0), (false, 10)] {
            let name = format!("{}-{zone}-{env}", if public { "public" } else { "private" });
            let cidr = format!("10.{octet}.{}.0/24", base + i);
            let id = match existing.get(&name) {
                Some((id, maps_public_ip)) => {
                    if public && !maps_public_ip {
                        ctx.change(
                            Action::Update,
                            format!("subnet {name}"),
                            "map public IP on launch",
                            map_public_ip(ctx, id, &name),
                        )
                        .await?;
                    }
                    id.clone()
                }
                None => {
                    ctx.create(format!("subnet {name}"), format!("{cidr} in {az}"), async {
                        let subnet = ctx
                            .ec2
                            .create_subnet()
                            .vpc_id(&vpc_id)
                            .availability_zone(az)
                            .cidr_block(&cidr)
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
                            map_public_ip(ctx, &id, &name).await?;
                        }
                        Ok(id)
                    })
                    .await?
                }
            };
            if public {
                out.public_subnet_ids.push(id);
            } else {
                out.private_subnet_ids.push(id);
            }
        }
    }

    let igw_id = internet_gateway(ctx, &vpc_id).await?;
    let nat_id = nat_gateway(ctx, &vpc_id, &out.public_subnet_ids[0]).await?;
    tag_implicit_resources(ctx, &vpc_id).await?;
    for (public, subnets) in [
        (true, out.public_subnet_ids.clone()),
        (false, out.private_subnet_ids.clone()),
    ] {
        let target = if public { &igw_id } else { &nat_id };
        route_table(ctx, &vpc_id, public, target, &subnets).await?;
    }
    Ok(())
}

async fn enable_dns_hostnames(ctx: &Ctx<'_>, vpc_id: &str, name: &str) -> Result<(), InfraError> {
    ctx.ec2
        .modify_vpc_attribute()
        .vpc_id(vpc_id)
        .enable_dns_hostnames(ec2::AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(call_error("ModifyVpcAttribute", name))?;
    Ok(())
}

async fn map_public_ip(ctx: &Ctx<'_>, subnet_id: &str, name: &str) -> Result<(), InfraError> {
    ctx.ec2
        .modify_subnet_attribute()
        .subnet_id(subnet_id)
        .map_public_ip_on_launch(ec2::AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .map_err(call_error("ModifySubnetAttribute", name))?;
    Ok(())
}

async fn internet_gateway(ctx: &Ctx<'_>, vpc_id: &str) -> Result<String, InfraError> {
    let spec = ctx.spec;
    let name = format!("igw-{}", spec.name);
    let found = ctx
        .ec2
        .describe_internet_gateways()
        .filters(tag_filter("Environment", &spec.name))
        .filters(tag_filter("Name", &name))
        .send()
        .await
        .map_err(call_error("DescribeInternetGateways", &name))?;
    let attach = |igw_id: String| async move {
        ctx.ec2
            .attach_internet_gateway()
            .internet_gateway_id(&igw_id)
            .vpc_id(vpc_id)
            .send()
            .await
            .map_err(call_error(
                "AttachInternetGateway",
                &format!("igw-{}", spec.name),
            ))?;
        Ok::<_, InfraError>(igw_id)
    };
    match found.internet_gateways().first() {
        Some(igw) => {
            let id = igw.internet_gateway_id().unwrap_or_default().to_string();
            let attached = igw.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id));
            if !attached {
                ctx.change(
                    Action::Update,
                    format!("internet-gateway {name}"),
                    format!("attach to {vpc_id}"),
                    attach(id.clone()),
                )
                .await?;
            }
            Ok(id)
        }
        None => {
            ctx.create(
                format!("internet-gateway {name}"),
                "attached to the VPC",
                async {
                    let igw = ctx
                        .ec2
                        .create_internet_gateway()
                        .tag_specifications(ec2_tags(
                            spec,
                            ec2::ResourceType::InternetGateway,
                            &name,
                        ))
                        .send()
                        .await
                        .map_err(call_error("CreateInternetGateway", &name))?;
                    let id = igw
                        .internet_gateway()
                        .and_then(|g| g.internet_gateway_id())
                        .unwrap_or_default()
                        .to_string();
                    attach(id).await
                },
            )
            .await
        }
    }
}

/// The one NAT gateway, in the first public subnet, with its Elastic IP. NATs are matched by
/// VPC, state and `Name` here (moto ignores tag filters on DescribeNatGateways and lists
/// deleted ones).
async fn nat_gateway(ctx: &Ctx<'_>, vpc_id: &str, subnet_id: &str) -> Result<String, InfraError> {
    let spec = ctx.spec;
    let name = format!("nat-{}", spec.name);
    if !is_planned(vpc_id) {
        let found = ctx
            .ec2
            .describe_nat_gateways()
            .filter(filter("vpc-id", vpc_id))
            .send()
            .await
            .map_err(call_error("DescribeNatGateways", &name))?;
        let live = found.nat_gateways().iter().find(|n| {
            matches!(
                n.state(),
                Some(ec2::NatGatewayState::Available | ec2::NatGatewayState::Pending)
            ) && name_of(n.tags()) == Some(name.as_str())
        });
        if let Some(nat) = live {
            return Ok(nat.nat_gateway_id().unwrap_or_default().to_string());
        }
    }
    // An Elastic IP left from an interrupted apply is reused, not leaked.
    let addresses = ctx
        .ec2
        .describe_addresses()
        .filters(tag_filter("Name", &name))
        .filters(tag_filter("Environment", &spec.name))
        .send()
        .await
        .map_err(call_error("DescribeAddresses", &name))?;
    let free = addresses
        .addresses()
        .iter()
        .find(|a| a.association_id().is_none())
        .and_then(|a| a.allocation_id())
        .map(str::to_string);
    let allocation = match free {
        Some(id) => id,
        None => {
            ctx.create(format!("elastic-ip {name}"), "for the NAT gateway", async {
                let eip = ctx
                    .ec2
                    .allocate_address()
                    .domain(ec2::DomainType::Vpc)
                    .tag_specifications(ec2_tags(spec, ec2::ResourceType::ElasticIp, &name))
                    .send()
                    .await
                    .map_err(call_error("AllocateAddress", &name))?;
                Ok(eip.allocation_id().unwrap_or_default().to_string())
            })
            .await?
        }
    };
    ctx.create(
        format!("nat-gateway {name}"),
        "in the first public subnet",
        async {
            let nat = ctx
                .ec2
                .create_nat_gateway()
                .subnet_id(subnet_id)
                .allocation_id(&allocation)
                .tag_specifications(ec2_tags(spec, ec2::ResourceType::Natgateway, &name))
                .send()
                .await
                .map_err(call_error("CreateNatGateway", &name))?;
            Ok(nat
                .nat_gateway()
                .and_then(|n| n.nat_gateway_id())
                .unwrap_or_default()
                .to_string())
        },
    )
    .await
}

/// Tags what AWS creates with the VPC (its main route table and default security group) with
/// the standard tags, without a `Name`: driftscan names them after the VPC.
async fn tag_implicit_resources(ctx: &Ctx<'_>, vpc_id: &str) -> Result<(), InfraError> {
    if is_planned(vpc_id) {
        ctx.change(
            Action::Update,
            "route-table main, security-group default",
            "standard tags",
            async { Ok(()) },
        )
        .await?;
        return Ok(());
    }
    let tables = ctx
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .map_err(call_error("DescribeRouteTables", vpc_id))?;
    let groups = ctx
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .map_err(call_error("DescribeSecurityGroups", vpc_id))?;
    let wanted: Vec<(&str, String)> = ctx
        .spec
        .tags("")
        .into_iter()
        .filter(|(k, _)| *k != "Name")
        .collect();
    let has_all = |tags: &[ec2::Tag]| {
        wanted.iter().all(|(k, v)| {
            tags.iter()
                .any(|t| t.key() == Some(k) && t.value() == Some(v))
        })
    };
    let untagged: Vec<String> = tables
        .route_tables()
        .iter()
        .filter(|t| !has_all(t.tags()))
        .filter_map(|t| t.route_table_id().map(str::to_string))
        .chain(
            groups
                .security_groups()
                .iter()
                .filter(|g| !has_all(g.tags()))
                .filter_map(|g| g.group_id().map(str::to_string)),
        )
        .collect();
    if untagged.is_empty() {
        return Ok(());
    }
    let tags = wanted
        .iter()
        .map(|(k, v)| ec2::Tag::builder().key(*k).value(v).build())
        .collect();
    ctx.change(
        Action::Update,
        format!("main route table / default security group of {vpc_id}"),
        format!("standard tags on {}", untagged.join(", ")),
        async {
            ctx.ec2
                .create_tags()
                .set_resources(Some(untagged.clone()))
                .set_tags(Some(tags))
                .send()
                .await
                .map_err(call_error("CreateTags", vpc_id))?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// A route table with its default route to `target` (internet or NAT gateway) and its subnet
/// associations.
async fn route_table(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    public: bool,
    target: &str,
    subnets: &[String],
) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let name = format!(
        "{}-rt-{}",
        if public { "public" } else { "private" },
        spec.name
    );
    let resource = format!("route-table {name}");
    let found = if is_planned(vpc_id) {
        None
    } else {
        ctx.ec2
            .describe_route_tables()
            .filters(filter("vpc-id", vpc_id))
            .filters(tag_filter("Name", &name))
            .send()
            .await
            .map_err(call_error("DescribeRouteTables", &name))?
            .route_tables()
            .first()
            .cloned()
    };
    let table_id = match &found {
        Some(table) => table.route_table_id().unwrap_or_default().to_string(),
        None => {
            ctx.create(resource.clone(), "", async {
                let table = ctx
                    .ec2
                    .create_route_table()
                    .vpc_id(vpc_id)
                    .tag_specifications(ec2_tags(spec, ec2::ResourceType::RouteTable, &name))
                    .send()
                    .await
                    .map_err(call_error("CreateRouteTable", &name))?;
                Ok(table
                    .route_table()
                    .and_then(|t| t.route_table_id())
                    .unwrap_or_default()
                    .to_string())
            })
            .await?
        }
    };

    let default_route = found.as_ref().and_then(|t| {
        t.routes()
            .iter()
            .find(|r| r.destination_cidr_block() == Some("0.0.0.0/0"))
    });
    let current_target = default_route.and_then(|r| r.gateway_id().or(r.nat_gateway_id()));
    if current_target != Some(target) {
        let replace = default_route.is_some();
        ctx.change(
            if replace {
                Action::Update
            } else {
                Action::Create
            },
            format!("route {name} 0.0.0.0/0"),
            format!("via {target}"),
            async {
                if replace {
                    let request = ctx
                        .ec2
                        .replace_route()
                        .route_table_id(&table_id)
                        .destination_cidr_block("0.0.0.0/0");
                    let request = if public {
                        request.gateway_id(target)
                    } else {
                        request.nat_gateway_id(target)
                    };
                    request
                        .send()
                        .await
                        .map_err(call_error("ReplaceRoute", &name))?;
                } else {
                    let request = ctx
                        .ec2
                        .create_route()
                        .route_table_id(&table_id)
                        .destination_cidr_block("0.0.0.0/0");
                    let request = if public {
                        request.gateway_id(target)
                    } else {
                        request.nat_gateway_id(target)
                    };
                    request
                        .send()
                        .await
                        .map_err(call_error("CreateRoute", &name))?;
                }
                Ok(())
            },
        )
        .await?;
    }

    let associated: Vec<&str> = found
        .as_ref()
        .map(|t| {
            t.associations()
                .iter()
                .filter_map(|a| a.subnet_id())
                .collect()
        })
        .unwrap_or_default();
    for subnet in subnets {
        if associated.contains(&subnet.as_str()) {
            continue;
        }
        ctx.change(
            Action::Create,
            format!("route-table-association {name}"),
            format!("subnet {subnet}"),
            async {
                ctx.ec2
                    .associate_route_table()
                    .route_table_id(&table_id)
                    .subnet_id(subnet)
                    .send()
                    .await
                    .map_err(call_error("AssociateRouteTable", &name))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

//! VPC networking through the EC2 API: VPCs, subnets, route tables, internet and NAT gateways,
//! security groups and peering connections.
//!
//! Every list is read in full for the region (one page holds up to 1,000 items, so this is the
//! fewest calls) and filtered here: AWS filters are not applied uniformly by every endpoint (the
//! emulator ignores tag filters on NAT gateways, for one), and client-side selection is exact.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_ec2::types::{self as ec2, VpcAttributeName};
use aws_sdk_ec2::Client;
use futures::{stream, StreamExt};

use crate::collect::{FnCollector, display_name, Collected, ItemRead, RegionContext};
use crate::model::{
    InternetGateway, NatGateway, PeeringSide, Properties, ResourceKind as K, ResourceRef, Route,
    RouteTable, RouteTarget, RulePeer, SecurityGroup, SecurityGroupRule, Subnet, Vpc,
    VpcPeeringConnection,
};

/// Reads VPC networking.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

const KINDS: &[K] = &[
    K::Vpc,
    K::Subnet,
    K::RouteTable,
    K::InternetGateway,
    K::NatGateway,
    K::SecurityGroup,
    K::VpcPeeringConnection,
];

/// Page size for EC2 Describe calls (the API's maximum for most of them is 1,000; route
/// tables take 100).
const PAGE_SIZE: i32 = 1000;
const ROUTE_TABLE_PAGE_SIZE: i32 = 100;
/// DescribeVpcAttribute calls in flight at once.
const ATTRIBUTE_CONCURRENCY: usize = 4;

fn tags(tags: &[ec2::Tag]) -> BTreeMap<String, String> {
    crate::collect::tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();

    // Everything else is selected relative to the environment's VPCs, so without them nothing
    // of EC2 can be judged.
    let vpcs = match client
        .describe_vpcs()
        .max_results(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
    {
        Ok(vpcs) => vpcs,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_VPCS, KINDS, &e));
            return out;
        }
    };
    let env_vpcs: Vec<ec2::Vpc> = vpcs
        .into_iter()
        .filter(|v| ctx.owns(&tags(v.tags()), false))
        .collect();
    let env_vpc_ids: HashSet<String> = env_vpcs
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();

    let (subnets, route_tables, igws, nats, groups, peerings, dns) = tokio::join!(
        client
            .describe_subnets()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_route_tables()
            .max_results(ROUTE_TABLE_PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_internet_gateways()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_nat_gateways()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_security_groups()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_vpc_peering_connections()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        vpc_dns_attributes(&client, &env_vpcs),
    );

    let mut dns_of = HashMap::new();
    for (vpc_id, read) in dns {
        match read {
            Ok(attributes) => {
                dns_of.insert(vpc_id, attributes);
            }
            Err(e) => out.item_failed(
                ctx,
                ItemRead {
                    read: &super::DESCRIBE_VPC_ATTRIBUTE,
                    kinds: &[K::Vpc],
                    item: (K::Vpc, &vpc_id),
                },
                &e,
            ),
        }
    }
    for vpc in &env_vpcs {
        out.resources.push(vpc_resource(ctx, vpc, &dns_of));
    }

    let in_env_vpc = |vpc_id: Option<&str>| vpc_id.is_some_and(|id| env_vpc_ids.contains(id));

    // A subnet's route table is only known once route tables are read.
    match (subnets, &route_tables) {
        (Ok(subnets), Ok(route_tables)) => {
            let routing = SubnetRouting::new(route_tables);
            for subnet in subnets {
                if ctx.owns(&tags(subnet.tags()), in_env_vpc(subnet.vpc_id())) {
                    out.resources.push(subnet_resource(ctx, &subnet, &routing));
                }
            }
        }
        (Err(e), _) => out.fail(ctx.failure(&super::DESCRIBE_SUBNETS, &[K::Subnet], &e)),
        (Ok(_), Err(_)) => {} // recorded below, with the subnet kind included
    }
    let in_vpc = in_env_vpc;
    let routing_kinds = &[K::RouteTable, K::Subnet][..];
    out.listed(ctx, (&super::DESCRIBE_ROUTE_TABLES, routing_kinds), route_tables, |table| {
        let owned = ctx.owns(&tags(table.tags()), in_vpc(table.vpc_id()));
        owned.then(|| route_table_resource(ctx, table))
    });
    let igw_kinds = &[K::InternetGateway][..];
    out.listed(ctx, (&super::DESCRIBE_INTERNET_GATEWAYS, igw_kinds), igws, |igw| {
        let attached = igw.attachments().iter().any(|a| in_vpc(a.vpc_id()));
        ctx.owns(&tags(igw.tags()), attached)
            .then(|| internet_gateway_resource(ctx, igw))
    });
    let nat_kinds = &[K::NatGateway][..];
    out.listed(ctx, (&super::DESCRIBE_NAT_GATEWAYS, nat_kinds), nats, |nat| {
        let deleted = nat.state().is_some_and(|s| s.as_str() == "deleted");
        let owned = !deleted && ctx.owns(&tags(nat.tags()), in_vpc(nat.vpc_id()));
        owned.then(|| nat_gateway_resource(ctx, nat))
    });
    let group_kinds = &[K::SecurityGroup][..];
    out.listed(ctx, (&super::DESCRIBE_SECURITY_GROUPS, group_kinds), groups, |group| {
        let owned = ctx.owns(&tags(group.tags()), in_vpc(group.vpc_id()));
        owned.then(|| security_group_resource(ctx, group))
    });
    let peering_kinds = &[K::VpcPeeringConnection][..];
    out.listed(ctx, (&super::DESCRIBE_VPC_PEERING_CONNECTIONS, peering_kinds), peerings, |peering| {
        owned_peering(ctx, peering, &in_vpc)
    });
    out.finish()
}

/// A live peering connection that is tagged for the environment or touches one of its VPCs.
fn owned_peering(
    ctx: &RegionContext,
    peering: &ec2::VpcPeeringConnection,
    in_vpc: &dyn Fn(Option<&str>) -> bool,
) -> Option<crate::model::Resource> {
    let status = peering
        .status()
        .and_then(|s| s.code())
        .map(|c| c.as_str().to_string())
        .unwrap_or_default();
    if matches!(
        status.as_str(),
        "deleted" | "rejected" | "expired" | "failed"
    ) {
        return None;
    }
    let touches_env = [peering.requester_vpc_info(), peering.accepter_vpc_info()]
        .iter()
        .any(|side| in_vpc(side.and_then(|s| s.vpc_id())));
    ctx.owns(&tags(peering.tags()), touches_env)
        .then(|| peering_resource(ctx, peering, status))
}

/// `enableDnsSupport` and `enableDnsHostnames` of each VPC, with its id.
async fn vpc_dns_attributes(
    client: &Client,
    vpcs: &[ec2::Vpc],
) -> Vec<(String, Result<(bool, bool), DnsReadError>)> {
    let ids: Vec<String> = vpcs
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    let lookups = ids.into_iter().map(|vpc_id| {
        let client = client.clone();
        async move {
            let read = |attribute: VpcAttributeName| {
                client
                    .describe_vpc_attribute()
                    .vpc_id(&vpc_id)
                    .attribute(attribute)
                    .send()
            };
            let dns = async {
                let support = read(VpcAttributeName::EnableDnsSupport).await?;
                let hostnames = read(VpcAttributeName::EnableDnsHostnames).await?;
                Ok((
                    support
                        .enable_dns_support()
                        .and_then(|v| v.value())
                        .unwrap_or(false),
                    hostnames
                        .enable_dns_hostnames()
                        .and_then(|v| v.value())
                        .unwrap_or(false),
                ))
            }
            .await;
            (vpc_id, dns)
        }
    });
    stream::iter(lookups)
        .buffer_unordered(ATTRIBUTE_CONCURRENCY)
        .collect()
        .await
}

type DnsReadError = aws_sdk_ec2::error::SdkError<
    aws_sdk_ec2::operation::describe_vpc_attribute::DescribeVpcAttributeError,
    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
>;

fn vpc_resource(
    ctx: &RegionContext,
    vpc: &ec2::Vpc,
    dns: &HashMap<String, (bool, bool)>,
) -> crate::model::Resource {
    let id = vpc.vpc_id().unwrap_or_default();
    let tags = tags(vpc.tags());
    let mut cidr_blocks: Vec<String> = vpc
        .cidr_block_association_set()
        .iter()
        .filter(|a| {
            a.cidr_block_state()
                .and_then(|s| s.state())
                .is_none_or(|s| s.as_str() == "associated")
        })
        .filter_map(|a| a.cidr_block().map(str::to_string))
        .collect();
    if cidr_blocks.is_empty() {
        cidr_blocks.extend(vpc.cidr_block().map(str::to_string));
    }
    let ipv6_cidr_blocks = vpc
        .ipv6_cidr_block_association_set()
        .iter()
        .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
        .collect();
    let (dns_support, dns_hostnames) = dns.get(id).copied().unwrap_or((false, false));
    ctx.resource(
        id,
        display_name(&tags, id),
        None,
        tags,
        Properties::Vpc(Vpc {
            cidr_blocks,
            ipv6_cidr_blocks,
            dns_support,
            dns_hostnames,
            is_default: vpc.is_default().unwrap_or(false),
            state: vpc
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
        }),
    )
}

/// Which route table each subnet uses.
struct SubnetRouting {
    explicit: HashMap<String, String>,
    main_by_vpc: HashMap<String, String>,
}

impl SubnetRouting {
    fn new(tables: &[ec2::RouteTable]) -> Self {
        let mut explicit = HashMap::new();
        let mut main_by_vpc = HashMap::new();
        for table in tables {
            let Some(table_id) = table.route_table_id() else {
                continue;
            };
            for association in table.associations() {
                if association.main().unwrap_or(false) {
                    if let Some(vpc) = table.vpc_id() {
                        main_by_vpc.insert(vpc.to_string(), table_id.to_string());
                    }
                } else if let Some(subnet) = association.subnet_id() {
                    explicit.insert(subnet.to_string(), table_id.to_string());
                }
            }
        }
        SubnetRouting {
            explicit,
            main_by_vpc,
        }
    }

    fn table_for(&self, subnet_id: &str, vpc_id: &str) -> Option<&String> {
        self.explicit
            .get(subnet_id)
            .or_else(|| self.main_by_vpc.get(vpc_id))
    }
}

fn subnet_resource(
    ctx: &RegionContext,
    subnet: &ec2::Subnet,
    routing: &SubnetRouting,
) -> crate::model::Resource {
    let id = subnet.subnet_id().unwrap_or_default();
    let vpc_id = subnet.vpc_id().unwrap_or_default();
    let tags = tags(subnet.tags());
    ctx.resource(
        id,
        display_name(&tags, id),
        subnet.subnet_arn().map(str::to_string),
        tags,
        Properties::Subnet(Subnet {
            vpc: ResourceRef::id(vpc_id),
            cidr_block: subnet.cidr_block().unwrap_or_default().to_string(),
            ipv6_cidr_blocks: subnet
                .ipv6_cidr_block_association_set()
                .iter()
                .filter_map(|a| a.ipv6_cidr_block().map(str::to_string))
                .collect(),
            availability_zone: subnet.availability_zone().unwrap_or_default().to_string(),
            map_public_ip_on_launch: subnet.map_public_ip_on_launch().unwrap_or(false),
            route_table: routing.table_for(id, vpc_id).map(ResourceRef::id),
        }),
    )
}

/// Classifies a route's target by the id it points at.
pub fn route_target(route: &ec2::Route) -> (RouteTarget, Option<String>) {
    let id = |s: Option<&str>| s.map(str::to_string);
    if let Some(nat) = route.nat_gateway_id() {
        return (RouteTarget::Nat, id(Some(nat)));
    }
    if let Some(pcx) = route.vpc_peering_connection_id() {
        return (RouteTarget::Peering, id(Some(pcx)));
    }
    if let Some(tgw) = route.transit_gateway_id() {
        return (RouteTarget::TransitGateway, id(Some(tgw)));
    }
    if let Some(eigw) = route.egress_only_internet_gateway_id() {
        return (RouteTarget::EgressOnlyIgw, id(Some(eigw)));
    }
    if let Some(gateway) = route.gateway_id() {
        return match gateway {
            "local" => (RouteTarget::Local, None),
            g if g.starts_with("igw-") => (RouteTarget::Igw, id(Some(g))),
            g => (RouteTarget::Gateway, id(Some(g))),
        };
    }
    if let Some(eni) = route.network_interface_id().or(route.instance_id()) {
        return (RouteTarget::NetworkInterface, id(Some(eni)));
    }
    (RouteTarget::Other, None)
}

fn route_table_resource(ctx: &RegionContext, table: &ec2::RouteTable) -> crate::model::Resource {
    let id = table.route_table_id().unwrap_or_default();
    let tags = tags(table.tags());
    let routes = table
        .routes()
        .iter()
        .map(|route| {
            let (target, target_id) = route_target(route);
            Route {
                destination: route
                    .destination_cidr_block()
                    .or(route.destination_ipv6_cidr_block())
                    .or(route.destination_prefix_list_id())
                    .unwrap_or_default()
                    .to_string(),
                target,
                target_ref: target_id.map(ResourceRef::id),
                state: route
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            }
        })
        .collect();
    ctx.resource(
        id,
        display_name(&tags, id),
        None,
        tags,
        Properties::RouteTable(RouteTable {
            vpc: ResourceRef::id(table.vpc_id().unwrap_or_default()),
            main: table
                .associations()
                .iter()
                .any(|a| a.main().unwrap_or(false)),
            routes,
            subnets: table
                .associations()
                .iter()
                .filter_map(|a| a.subnet_id().map(ResourceRef::id))
                .collect(),
        }),
    )
}

fn internet_gateway_resource(
    ctx: &RegionContext,
    igw: &ec2::InternetGateway,
) -> crate::model::Resource {
    let id = igw.internet_gateway_id().unwrap_or_default();
    let tags = tags(igw.tags());
    ctx.resource(
        id,
        display_name(&tags, id),
        None,
        tags,
        Properties::InternetGateway(InternetGateway {
            vpcs: igw
                .attachments()
                .iter()
                .filter_map(|a| a.vpc_id().map(ResourceRef::id))
                .collect(),
        }),
    )
}

fn nat_gateway_resource(ctx: &RegionContext, nat: &ec2::NatGateway) -> crate::model::Resource {
    let id = nat.nat_gateway_id().unwrap_or_default();
    let tags = tags(nat.tags());
    ctx.resource(
        id,
        display_name(&tags, id),
        None,
        tags,
        Properties::NatGateway(NatGateway {
            vpc: ResourceRef::id(nat.vpc_id().unwrap_or_default()),
            subnet: ResourceRef::id(nat.subnet_id().unwrap_or_default()),
            state: nat
                .state()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            connectivity_type: nat
                .connectivity_type()
                .map(|c| c.as_str().to_string())
                .unwrap_or_else(|| "public".into()),
        }),
    )
}

/// Splits AWS `IpPermission`s into one rule per peer, so each rule can be compared on its own.
pub fn split_permissions(permissions: &[ec2::IpPermission]) -> Vec<SecurityGroupRule> {
    let mut rules = Vec::new();
    for permission in permissions {
        let protocol = match permission.ip_protocol().unwrap_or("-1") {
            "-1" => "all".to_string(),
            p => p.to_ascii_lowercase(),
        };
        let all_traffic = protocol == "all";
        let (from_port, to_port) = if all_traffic {
            (None, None)
        } else {
            (permission.from_port(), permission.to_port())
        };
        let mut push = |peer: RulePeer, description: Option<&str>| {
            rules.push(SecurityGroupRule {
                protocol: protocol.clone(),
                from_port,
                to_port,
                peer,
                description: description.filter(|d| !d.is_empty()).map(str::to_string),
            })
        };
        for range in permission.ip_ranges() {
            if let Some(cidr) = range.cidr_ip() {
                push(RulePeer::Cidr(cidr.to_string()), range.description());
            }
        }
        for range in permission.ipv6_ranges() {
            if let Some(cidr) = range.cidr_ipv6() {
                push(RulePeer::Ipv6Cidr(cidr.to_string()), range.description());
            }
        }
        for list in permission.prefix_list_ids() {
            if let Some(id) = list.prefix_list_id() {
                push(RulePeer::PrefixList(id.to_string()), list.description());
            }
        }
        for pair in permission.user_id_group_pairs() {
            if let Some(group_id) = pair.group_id() {
                push(
                    RulePeer::Group(ResourceRef {
                        id: group_id.to_string(),
                        name: pair.group_name().map(str::to_string),
                    }),
                    pair.description(),
                );
            }
        }
    }
    rules
}

fn security_group_resource(
    ctx: &RegionContext,
    group: &ec2::SecurityGroup,
) -> crate::model::Resource {
    let id = group.group_id().unwrap_or_default();
    let group_name = group.group_name().unwrap_or_default();
    let tags = tags(group.tags());
    let arn = group.security_group_arn().map(str::to_string);
    ctx.resource(
        id,
        display_name(&tags, group_name),
        arn,
        tags,
        Properties::SecurityGroup(SecurityGroup {
            group_name: group_name.to_string(),
            description: group.description().unwrap_or_default().to_string(),
            vpc: group.vpc_id().map(ResourceRef::id),
            ingress: split_permissions(group.ip_permissions()),
            egress: split_permissions(group.ip_permissions_egress()),
        }),
    )
}

fn peering_side(info: Option<&ec2::VpcPeeringConnectionVpcInfo>) -> PeeringSide {
    PeeringSide {
        vpc: ResourceRef::id(info.and_then(|i| i.vpc_id()).unwrap_or_default()),
        cidr_block: info.and_then(|i| i.cidr_block()).map(str::to_string),
        owner_id: info.and_then(|i| i.owner_id()).map(str::to_string),
        region: info.and_then(|i| i.region()).map(str::to_string),
    }
}

fn peering_resource(
    ctx: &RegionContext,
    peering: &ec2::VpcPeeringConnection,
    status: String,
) -> crate::model::Resource {
    let id = peering.vpc_peering_connection_id().unwrap_or_default();
    let tags = tags(peering.tags());
    ctx.resource(
        id,
        display_name(&tags, id),
        None,
        tags,
        Properties::VpcPeeringConnection(VpcPeeringConnection {
            requester: peering_side(peering.requester_vpc_info()),
            accepter: peering_side(peering.accepter_vpc_info()),
            status,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_split_into_one_rule_per_peer() {
        let permission = ec2::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(5432)
            .to_port(5432)
            .ip_ranges(
                ec2::IpRange::builder()
                    .cidr_ip("10.1.0.0/16")
                    .description("vpc")
                    .build(),
            )
            .ipv6_ranges(ec2::Ipv6Range::builder().cidr_ipv6("::/0").build())
            .prefix_list_ids(ec2::PrefixListId::builder().prefix_list_id("pl-1").build())
            .user_id_group_pairs(
                ec2::UserIdGroupPair::builder()
                    .group_id("sg-app")
                    .description("")
                    .build(),
            )
            .build();
        let all = ec2::IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(ec2::IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .build();
        let rules = split_permissions(&[permission, all]);
        assert_eq!(rules.len(), 5);
        assert!(rules[..4]
            .iter()
            .all(|r| r.protocol == "tcp" && r.from_port == Some(5432)));
        assert_eq!(rules[0].peer, RulePeer::Cidr("10.1.0.0/16".into()));
        assert_eq!(rules[0].description.as_deref(), Some("vpc"));
        assert_eq!(rules[1].peer, RulePeer::Ipv6Cidr("::/0".into()));
        assert_eq!(rules[2].peer, RulePeer::PrefixList("pl-1".into()));
        assert_eq!(rules[3].peer, RulePeer::Group(ResourceRef::id("sg-app")));
        assert_eq!(rules[3].description, None, "empty descriptions are absent");
        assert_eq!(rules[4].protocol, "all");
        assert_eq!((rules[4].from_port, rules[4].to_port), (None, None));
    }

    #[test]
    fn route_targets_are_normalized() {
        let cases = [
            (
                ec2::Route::builder().gateway_id("local").build(),
                RouteTarget::Local,
                None,
            ),
            (
                ec2::Route::builder().gateway_id("igw-1").build(),
                RouteTarget::Igw,
                Some("igw-1"),
            ),
            (
                ec2::Route::builder().nat_gateway_id("nat-1").build(),
                RouteTarget::Nat,
                Some("nat-1"),
            ),
            (
                ec2::Route::builder()
                    .vpc_peering_connection_id("pcx-1")
                    .build(),
                RouteTarget::Peering,
                Some("pcx-1"),
            ),
            (
                ec2::Route::builder().gateway_id("vgw-1").build(),
                RouteTarget::Gateway,
                Some("vgw-1"),
            ),
            (ec2::Route::builder().build(), RouteTarget::Other, None),
        ];
        for (route, target, id) in cases {
            assert_eq!(route_target(&route), (target, id.map(str::to_string)));
        }
    }

    #[test]
    fn subnets_use_their_explicit_table_else_the_main_one() {
        let tables = [
            ec2::RouteTable::builder()
                .route_table_id("rtb-main")
                .vpc_id("vpc-1")
                .associations(ec2::RouteTableAssociation::builder().main(true).build())
                .build(),
            ec2::RouteTable::builder()
                .route_table_id("rtb-public")
                .vpc_id("vpc-1")
                .associations(
                    ec2::RouteTableAssociation::builder()
                        .subnet_id("subnet-a")
                        .build(),
                )
                .build(),
        ];
        let routing = SubnetRouting::new(&tables);
        assert_eq!(
            routing.table_for("subnet-a", "vpc-1").unwrap(),
            "rtb-public"
        );
        assert_eq!(routing.table_for("subnet-b", "vpc-1").unwrap(), "rtb-main");
        assert_eq!(routing.table_for("subnet-c", "vpc-2"), None);
    }
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, xml, Recorded, Replay};

    fn ec2_answer(operation: &str, body: &str) -> String {
        format!(
            "<{operation}Response xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId>{body}</{operation}Response>"
        )
    }

    fn vpc(id: &str, environment: &str) -> String {
        format!(
            "<item><vpcId>{id}</vpcId><cidrBlock>10.1.0.0/16</cidrBlock><cidrBlockAssociationSet><item><cidrBlock>10.1.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item></cidrBlockAssociationSet><tagSet><item><key>Environment</key><value>{environment}</value></item></tagSet></item>"
        )
    }

    /// VPCs on two pages (staging's on the second), nothing else in the region.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let empty = [
            ("DescribeSubnets", "<subnetSet/>"),
            ("DescribeRouteTables", "<routeTableSet/>"),
            ("DescribeInternetGateways", "<internetGatewaySet/>"),
            ("DescribeNatGateways", "<natGatewaySet/>"),
            ("DescribeSecurityGroups", "<securityGroupInfo/>"),
            ("DescribeVpcPeeringConnections", "<vpcPeeringConnectionSet/>"),
        ];
        let mut all = extra;
        all.extend([
            xml(
                &["Action=DescribeVpcs&", "NextToken=t1"],
                200,
                &ec2_answer("DescribeVpcs", &format!("<vpcSet>{}</vpcSet>", vpc("vpc-1", "staging"))),
            ),
            xml(
                &["Action=DescribeVpcs&"],
                200,
                &ec2_answer(
                    "DescribeVpcs",
                    &format!("<vpcSet>{}</vpcSet><nextToken>t1</nextToken>", vpc("vpc-9", "prod")),
                ),
            ),
            xml(
                &["Action=DescribeVpcAttribute", "enableDnsSupport"],
                200,
                &ec2_answer(
                    "DescribeVpcAttribute",
                    "<vpcId>vpc-1</vpcId><enableDnsSupport><value>true</value></enableDnsSupport>",
                ),
            ),
            xml(
                &["Action=DescribeVpcAttribute", "enableDnsHostnames"],
                200,
                &ec2_answer(
                    "DescribeVpcAttribute",
                    "<vpcId>vpc-1</vpcId><enableDnsHostnames><value>false</value></enableDnsHostnames>",
                ),
            ),
        ]);
        all.extend(empty.iter().map(|(operation, set)| {
            xml(&[&format!("Action={operation}&")], 200, &ec2_answer(operation, set))
        }));
        all
    }

    #[tokio::test]
    async fn every_page_of_vpcs_is_read_and_only_the_environments_kept() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("Action=DescribeVpcs&"), 2, "both pages");
        assert_eq!(collected.resources.len(), 1, "{:?}", collected.resources);
        let vpc = &collected.resources[0];
        assert_eq!(vpc.id, "vpc-1");
        let Properties::Vpc(properties) = &vpc.properties else {
            panic!("a VPC")
        };
        assert!(properties.dns_support);
        assert!(!properties.dns_hostnames);
        assert_eq!(
            replay.count("Action=DescribeVpcAttribute"),
            2,
            "attributes of staging's VPC only"
        );
    }

    #[tokio::test]
    async fn refused_security_groups_leave_that_kind_unknown_only() {
        let denied = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>r</RequestID></Response>";
        let replay = Replay::start(answers(vec![xml(
            &["Action=DescribeSecurityGroups&"],
            403,
            denied,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "DescribeSecurityGroups", "UnauthorizedOperation", "ec2:DescribeSecurityGroups");
        let failure = &collected.failures[0];
        assert_eq!(failure.kinds, [K::SecurityGroup]);
        assert_eq!(collected.resources.len(), 1, "the VPC is still known");
    }
}

//! VPC networking, read through the EC2 API.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ec2,
    change_events: &[
        "AuthorizeSecurityGroupIngress",
        "RevokeSecurityGroupIngress",
        "AuthorizeSecurityGroupEgress",
        "RevokeSecurityGroupEgress",
        "CreateSecurityGroup",
        "DeleteSecurityGroup",
        "CreateRoute",
        "ReplaceRoute",
        "DeleteRoute",
        "CreateSubnet",
        "DeleteSubnet",
    ],
    kinds: &[
        &VPC,
        &SUBNET,
        &ROUTE_TABLE,
        &INTERNET_GATEWAY,
        &NAT_GATEWAY,
        &SECURITY_GROUP,
        &VPC_PEERING_CONNECTION,
    ],
    reads: &[
        &DESCRIBE_VPCS,
        &DESCRIBE_VPC_ATTRIBUTE,
        &DESCRIBE_SUBNETS,
        &DESCRIBE_ROUTE_TABLES,
        &DESCRIBE_INTERNET_GATEWAYS,
        &DESCRIBE_NAT_GATEWAYS,
        &DESCRIBE_SECURITY_GROUPS,
        &DESCRIBE_VPC_PEERING_CONNECTIONS,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static DESCRIBE_VPCS: Read = crate::read!(Service::Ec2, "ec2", "DescribeVpcs", [K::Vpc]);
/// DNS support and hostnames, one VPC at a time; a VPC deleted since it was listed is gone
/// (<https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>).
pub(crate) static DESCRIBE_VPC_ATTRIBUTE: Read = crate::read!(
    Service::Ec2,
    "ec2",
    "DescribeVpcAttribute",
    [K::Vpc]
)
.gone(&["InvalidVpcID.NotFound"]);
pub(crate) static DESCRIBE_SUBNETS: Read =
    crate::read!(Service::Ec2, "ec2", "DescribeSubnets", [K::Subnet]);
/// Route tables, and each subnet's association.
pub(crate) static DESCRIBE_ROUTE_TABLES: Read =
    crate::read!(Service::Ec2, "ec2", "DescribeRouteTables", [K::RouteTable, K::Subnet]);
pub(crate) static DESCRIBE_INTERNET_GATEWAYS: Read =
    crate::read!(Service::Ec2, "ec2", "DescribeInternetGateways", [K::InternetGateway]);
pub(crate) static DESCRIBE_NAT_GATEWAYS: Read =
    crate::read!(Service::Ec2, "ec2", "DescribeNatGateways", [K::NatGateway]);
pub(crate) static DESCRIBE_SECURITY_GROUPS: Read =
    crate::read!(Service::Ec2, "ec2", "DescribeSecurityGroups", [K::SecurityGroup]);
pub(crate) static DESCRIBE_VPC_PEERING_CONNECTIONS: Read =
    crate::read!(Service::Ec2, "ec2", "DescribeVpcPeeringConnections", [K::VpcPeeringConnection]);

/// A kind of the network whose ASFF resource type is `asff_type`.
const fn network(kind: ResourceKind, asff_type: &'static str) -> KindDef {
    named_network(kind, asff_type, &[])
}

const fn named_network(
    kind: ResourceKind,
    asff_type: &'static str,
    name_fields: &'static [&'static str],
) -> KindDef {
    KindDef {
        kind,
        asff_type,
        tags_are_read: true,
        name_fields,
        changes_without_drift: &[],
        following_fields: &[],
        capture: unchanged,
        compare: unchanged,
    }
}

pub(super) static VPC: KindDef = network(ResourceKind::Vpc, "AwsEc2Vpc");
pub(super) static SUBNET: KindDef = network(ResourceKind::Subnet, "AwsEc2Subnet");
pub(super) static ROUTE_TABLE: KindDef = network(ResourceKind::RouteTable, "Other");
pub(super) static INTERNET_GATEWAY: KindDef = network(ResourceKind::InternetGateway, "Other");
pub(super) static NAT_GATEWAY: KindDef = network(ResourceKind::NatGateway, "Other");
/// A group's own name is often generated (`alb-sg-7437b2e`) while its `Name` tag is stable.
pub(super) static SECURITY_GROUP: KindDef =
    named_network(ResourceKind::SecurityGroup, "AwsEc2SecurityGroup", &["group_name"]);
pub(super) static VPC_PEERING_CONNECTION: KindDef = network(ResourceKind::VpcPeeringConnection, "AwsEc2VpcPeeringConnection");

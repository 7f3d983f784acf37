//! VPC networking, read through the EC2 API.

use super::{unchanged, KindDef, ServiceDef};
use crate::model::{ResourceKind, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ec2,
    iam_prefix: "ec2",
    event_source: "ec2.amazonaws.com",
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
};

const fn network(kind: ResourceKind) -> KindDef {
    named_network(kind, &[])
}

const fn named_network(kind: ResourceKind, name_fields: &'static [&'static str]) -> KindDef {
    KindDef {
        kind,
        service: Service::Ec2,
        tags_are_read: true,
        name_fields,
        changes_without_drift: &[],
        following_fields: &[],
        capture: unchanged,
        compare: unchanged,
    }
}

pub(super) static VPC: KindDef = network(ResourceKind::Vpc);
pub(super) static SUBNET: KindDef = network(ResourceKind::Subnet);
pub(super) static ROUTE_TABLE: KindDef = network(ResourceKind::RouteTable);
pub(super) static INTERNET_GATEWAY: KindDef = network(ResourceKind::InternetGateway);
pub(super) static NAT_GATEWAY: KindDef = network(ResourceKind::NatGateway);
/// A group's own name is often generated (`alb-sg-7437b2e`) while its `Name` tag is stable.
pub(super) static SECURITY_GROUP: KindDef =
    named_network(ResourceKind::SecurityGroup, &["group_name"]);
pub(super) static VPC_PEERING_CONNECTION: KindDef = network(ResourceKind::VpcPeeringConnection);

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
    KindDef {
        kind,
        service: Service::Ec2,
        tags_are_read: true,
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
pub(super) static SECURITY_GROUP: KindDef = network(ResourceKind::SecurityGroup);
pub(super) static VPC_PEERING_CONNECTION: KindDef = network(ResourceKind::VpcPeeringConnection);

// EC2 (VPC networking): the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, ResourceRef};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A VPC.
            Vpc = "vpc",
            /// A VPC subnet.
            Subnet = "subnet",
            /// A VPC route table.
            RouteTable = "route-table",
            /// An internet gateway.
            InternetGateway = "internet-gateway",
            /// A NAT gateway.
            NatGateway = "nat-gateway",
            /// A security group with its rules.
            SecurityGroup = "security-group",
            /// A VPC peering connection.
            VpcPeeringConnection = "vpc-peering-connection",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A VPC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// IPv4 CIDR blocks, primary and secondary.
    pub cidr_blocks: Vec<String>,
    /// IPv6 CIDR blocks.
    pub ipv6_cidr_blocks: Vec<String>,
    /// `enableDnsSupport`.
    pub dns_support: bool,
    /// `enableDnsHostnames`.
    pub dns_hostnames: bool,
    /// Whether this is the region's default VPC.
    pub is_default: bool,
    /// `available` or `pending`.
    pub state: String,
}

/// A subnet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    /// The VPC it belongs to.
    pub vpc: ResourceRef,
    /// IPv4 CIDR.
    pub cidr_block: String,
    /// IPv6 CIDRs.
    pub ipv6_cidr_blocks: Vec<String>,
    /// Availability zone name.
    pub availability_zone: String,
    /// `MapPublicIpOnLaunch`.
    pub map_public_ip_on_launch: bool,
    /// The route table it uses: its explicit association, else the VPC's main table.
    pub route_table: Option<ResourceRef>,
}

/// A route table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteTable {
    /// The VPC it belongs to.
    pub vpc: ResourceRef,
    /// Whether it is the VPC's main route table.
    pub main: bool,
    /// Routes, sorted.
    pub routes: Vec<Route>,
    /// Subnets explicitly associated with it.
    pub subnets: Vec<ResourceRef>,
}

/// One route.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Destination CIDR (IPv4 or IPv6) or prefix list id.
    pub destination: String,
    /// Normalized target class.
    pub target: RouteTarget,
    /// The target's id (`igw-...`, `nat-...`, `pcx-...`); absent for `local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<ResourceRef>,
    /// `active` or `blackhole`.
    pub state: String,
}

/// What a route points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouteTarget {
    /// Inside the VPC.
    Local,
    /// An internet gateway (`igw-`).
    Igw,
    /// An egress-only internet gateway (`eigw-`).
    EgressOnlyIgw,
    /// A NAT gateway (`nat-`).
    Nat,
    /// A VPC peering connection (`pcx-`).
    Peering,
    /// A transit gateway (`tgw-`).
    TransitGateway,
    /// A VPC endpoint or virtual private gateway (`vpce-`, `vgw-`).
    Gateway,
    /// A network interface or instance.
    NetworkInterface,
    /// Anything else.
    Other,
}

/// An internet gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InternetGateway {
    /// VPCs it is attached to.
    pub vpcs: Vec<ResourceRef>,
}

/// A NAT gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatGateway {
    /// The VPC it belongs to.
    pub vpc: ResourceRef,
    /// The subnet it sits in.
    pub subnet: ResourceRef,
    /// `available`, `pending`, `failed`, `deleting` (deleted gateways are left out).
    pub state: String,
    /// `public` or `private`.
    pub connectivity_type: String,
}

/// A security group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    /// `GroupName`.
    pub group_name: String,
    /// `Description`.
    pub description: String,
    /// The VPC it belongs to.
    pub vpc: Option<ResourceRef>,
    /// Ingress rules, one per (protocol, ports, source), sorted.
    pub ingress: Vec<SecurityGroupRule>,
    /// Egress rules, one per (protocol, ports, destination), sorted.
    pub egress: Vec<SecurityGroupRule>,
}

/// One atomic security group rule: an AWS `IpPermission` is split into one rule per peer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroupRule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, a protocol number, or `all`.
    pub protocol: String,
    /// First port (or ICMP type); absent for all traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i32>,
    /// Last port (or ICMP code); absent for all traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i32>,
    /// The other side of the rule.
    pub peer: RulePeer,
    /// The rule's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The source (ingress) or destination (egress) of a security group rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RulePeer {
    /// An IPv4 CIDR.
    Cidr(String),
    /// An IPv6 CIDR.
    Ipv6Cidr(String),
    /// A managed prefix list id.
    PrefixList(String),
    /// Another security group, shown by name.
    Group(ResourceRef),
}

/// A VPC peering connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VpcPeeringConnection {
    /// The requesting side.
    pub requester: PeeringSide,
    /// The accepting side.
    pub accepter: PeeringSide,
    /// `active`, `pending-acceptance`, ...
    pub status: String,
}

/// One side of a peering connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeeringSide {
    /// The VPC.
    pub vpc: ResourceRef,
    /// Its IPv4 CIDR.
    pub cidr_block: Option<String>,
    /// Its account.
    pub owner_id: Option<String>,
    /// Its region.
    pub region: Option<String>,
}

impl KindProperties for Vpc {
    fn canonicalize(&mut self) {
        self.cidr_blocks.sort();
        self.ipv6_cidr_blocks.sort();
    }
}

impl KindProperties for Subnet {
    fn canonicalize(&mut self) {
        self.ipv6_cidr_blocks.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        std::iter::once(&mut self.vpc)
            .chain(self.route_table.as_mut())
            .collect()
    }
}

impl KindProperties for RouteTable {
    fn canonicalize(&mut self) {
        self.routes.sort();
        self.subnets.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        std::iter::once(&mut self.vpc)
            .chain(self.subnets.iter_mut())
            .chain(self.routes.iter_mut().filter_map(|r| r.target_ref.as_mut()))
            .collect()
    }
    fn trace_enums(tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        tracer.trace_simple_type::<RouteTarget>().map(drop)
    }
}

impl KindProperties for InternetGateway {
    fn canonicalize(&mut self) {
        self.vpcs.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.vpcs.iter_mut().collect()
    }
}

impl KindProperties for NatGateway {
    fn canonicalize(&mut self) {}
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        vec![&mut self.vpc, &mut self.subnet]
    }
}

impl KindProperties for SecurityGroup {
    fn canonicalize(&mut self) {
        self.ingress.sort();
        self.ingress.dedup();
        self.egress.sort();
        self.egress.dedup();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        let peers = self.ingress.iter_mut().chain(self.egress.iter_mut());
        self.vpc
            .as_mut()
            .into_iter()
            .chain(peers.filter_map(|rule| match &mut rule.peer {
                RulePeer::Group(group) => Some(group),
                _ => None,
            }))
            .collect()
    }
    fn trace_enums(tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        tracer.trace_simple_type::<RulePeer>().map(drop)
    }
}

impl KindProperties for VpcPeeringConnection {
    fn canonicalize(&mut self) {}
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        vec![&mut self.requester.vpc, &mut self.accepter.vpc]
    }
}

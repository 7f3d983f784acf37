// Route 53: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::KindProperties;

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A Route 53 hosted zone.
            DnsZone = "dns-zone",
            /// A Route 53 record set.
            DnsRecord = "dns-record",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A Route 53 hosted zone (global).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsZone {
    /// Its domain, without the trailing dot (`staging.trading.example.com`).
    pub domain: String,
    /// Whether it is private to VPCs.
    pub private: bool,
    /// Comment.
    pub comment: Option<String>,
}

/// A Route 53 record set (global). The zone's own SOA and NS records are left out: AWS writes
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsRecord {
    /// Its zone's domain.
    pub zone: String,
    /// The name, lower case, without the trailing dot.
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, `TXT`, ...
    pub record_type: String,
    /// Its TTL in seconds; absent for an alias.
    pub ttl: Option<i64>,
    /// Its values, sorted; empty for an alias.
    pub values: Vec<String>,
    /// The alias target, when it is one.
    pub alias: Option<DnsAlias>,
    /// For a weighted, failover, latency or geolocation record: its set identifier.
    pub set_identifier: Option<String>,
    /// The AWS resource the alias or CNAME points at, and whether it still exists.
    pub target: Option<DnsTarget>,
}

/// A record's alias target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsAlias {
    /// The target's DNS name, lower case, without the trailing dot.
    pub dns_name: String,
    /// The target's hosted zone (a load balancer's region, CloudFront's `Z2FDTNDATAQYW2`).
    pub hosted_zone_id: String,
    /// Whether Route 53 follows the target's health.
    pub evaluate_target_health: bool,
}

/// The AWS resource a record points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DnsTarget {
    /// `load-balancer`, `cloudfront-distribution` or `s3-website`.
    pub kind: String,
    /// The load balancer's or distribution's DNS name, or the bucket's name.
    pub name: String,
    /// The region it lives in (none for CloudFront).
    pub region: Option<String>,
    /// Whether it existed when the scan looked: a record at a deleted target can be taken over
    /// by whoever creates a resource of that name.
    pub present: bool,
}

impl KindProperties for DnsZone {
    fn canonicalize(&mut self) {}
}

impl KindProperties for DnsRecord {
    fn canonicalize(&mut self) {
        self.values.sort();
    }
}

// ElastiCache: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, ResourceRef};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An ElastiCache (Redis or Valkey) replication group.
            CacheReplicationGroup = "cache-replication-group",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An ElastiCache replication group. Whether an AUTH token is set is recorded, never the
/// token (no API returns it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheReplicationGroup {
    /// `redis` or `valkey`.
    pub engine: String,
    /// Engine version, from a member cluster.
    pub engine_version: Option<String>,
    /// Node type (`cache.t4g.small`).
    pub node_type: Option<String>,
    /// Cluster mode: `enabled`, `disabled` or `compatible`.
    pub cluster_mode: Option<String>,
    /// Node groups (shards).
    pub node_groups: u32,
    /// Replicas in each node group (the largest, should they differ).
    pub replicas_per_node_group: u32,
    /// Automatic failover: `enabled`, `disabled`, `enabling`, `disabling`.
    pub automatic_failover: Option<String>,
    /// Multi-AZ: `enabled` or `disabled`.
    pub multi_az: Option<String>,
    /// Encryption in transit.
    pub transit_encryption: bool,
    /// `preferred` or `required` while transit encryption is on.
    pub transit_encryption_mode: Option<String>,
    /// Encryption at rest.
    pub at_rest_encryption: bool,
    /// KMS key of the encryption at rest (none: the service's key).
    pub kms_key_id: Option<String>,
    /// Whether an AUTH token is set.
    pub auth_token_enabled: bool,
    /// RBAC user groups.
    pub user_groups: Vec<String>,
    /// Days automatic snapshots are kept (0: none).
    pub snapshot_retention_limit: Option<i32>,
    /// Cache subnet group, from a member cluster.
    pub subnet_group: Option<String>,
    /// VPC security groups, from a member cluster.
    pub security_groups: Vec<ResourceRef>,
    /// Cache parameter group, from a member cluster.
    pub parameter_group: Option<String>,
    /// `available`, `modifying`, ...
    pub status: Option<String>,
}

impl KindProperties for CacheReplicationGroup {
    fn canonicalize(&mut self) {
        self.user_groups.sort();
        self.security_groups.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.security_groups.iter_mut().collect()
    }
}

// RDS and Aurora: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, ResourceRef};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An RDS / Aurora DB cluster.
            DbCluster = "db-cluster",
            /// An RDS / Aurora DB instance.
            DbInstance = "db-instance",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An RDS / Aurora DB cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbCluster {
    /// `aurora-postgresql`, `aurora-mysql`, ...
    pub engine: String,
    /// Engine version.
    pub engine_version: Option<String>,
    /// `provisioned`, `serverless`, ...
    pub engine_mode: Option<String>,
    /// `available`, ...
    pub status: Option<String>,
    /// Storage encryption at rest.
    pub storage_encrypted: bool,
    /// KMS key for storage encryption.
    pub kms_key_id: Option<String>,
    /// Backup retention in days.
    pub backup_retention_period: Option<i32>,
    /// Deletion protection.
    pub deletion_protection: bool,
    /// IAM database authentication.
    pub iam_database_authentication: bool,
    /// Serverless v2 scaling, when configured.
    pub serverless_v2_scaling: Option<ServerlessV2Scaling>,
    /// Cluster parameter group name.
    pub parameter_group: Option<String>,
    /// DB subnet group name.
    pub subnet_group: Option<String>,
    /// VPC security groups, by name.
    pub security_groups: Vec<ResourceRef>,
    /// Port.
    pub port: Option<i32>,
    /// Availability zones.
    pub availability_zones: Vec<String>,
    /// Member instances and their roles.
    pub members: Vec<DbClusterMember>,
}

/// Aurora Serverless v2 capacity range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerlessV2Scaling {
    /// Minimum ACUs.
    pub min_capacity: Option<f64>,
    /// Maximum ACUs.
    pub max_capacity: Option<f64>,
}

// ACU values are finite numbers read from the API, so equality is total.
impl Eq for ServerlessV2Scaling {}

/// A member of a DB cluster.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbClusterMember {
    /// Instance identifier.
    pub instance: String,
    /// Whether it is the writer.
    pub writer: bool,
}

/// An RDS / Aurora DB instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbInstance {
    /// The cluster it belongs to, if any.
    pub cluster: Option<String>,
    /// Instance class (`db.r6g.large`).
    pub instance_class: String,
    /// Engine.
    pub engine: String,
    /// `writer`, `reader` or `standalone`.
    pub role: String,
    /// Availability zone.
    pub availability_zone: Option<String>,
    /// Performance Insights.
    pub performance_insights: bool,
    /// Public accessibility.
    pub publicly_accessible: bool,
    /// `available`, ...
    pub status: Option<String>,
}

impl KindProperties for DbCluster {
    fn canonicalize(&mut self) {
        self.security_groups.sort();
        self.members.sort();
        self.availability_zones.sort();
    }
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        self.security_groups.iter_mut().collect()
    }
}

impl KindProperties for DbInstance {
    fn canonicalize(&mut self) {}
}

//! RDS and Aurora: clusters and their instances.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Rds,
    change_events: &[
        "ModifyDBCluster",
        "ModifyDBInstance",
        "DeleteDBCluster",
        "DeleteDBInstance",
        "CreateDBInstance",
    ],
    kinds: &[&CLUSTER, &INSTANCE],
    reads: &[&DESCRIBE_DB_CLUSTERS, &DESCRIBE_DB_INSTANCES],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static DESCRIBE_DB_CLUSTERS: Read =
    crate::read!(Service::Rds, "rds", "DescribeDBClusters", [ResourceKind::DbCluster]);
pub(crate) static DESCRIBE_DB_INSTANCES: Read =
    crate::read!(Service::Rds, "rds", "DescribeDBInstances", [ResourceKind::DbInstance]);

/// Clusters and instances alike: a status that changes on its own, nothing else special.
const fn database(kind: ResourceKind, asff_type: &'static str) -> KindDef {
    KindDef {
        kind,
        asff_type,
        tags_are_read: true,
        name_fields: &[],
        changes_without_drift: &["status"],
        following_fields: &[],
        capture: unchanged,
        // Each environment has its own key.
    compare: crate::services::kms::compare_key_by_presence,
    }
}

pub(super) static CLUSTER: KindDef = database(ResourceKind::DbCluster, "AwsRdsDbCluster");
pub(super) static INSTANCE: KindDef = database(ResourceKind::DbInstance, "AwsRdsDbInstance");

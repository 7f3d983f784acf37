//! ElastiCache: Redis and Valkey replication groups.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Elasticache,
    // The calls that change a replication group or its members
    // (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_Operations.html).
    change_events: &[
        "CreateReplicationGroup",
        "ModifyReplicationGroup",
        "DeleteReplicationGroup",
        "ModifyReplicationGroupShardConfiguration",
        "IncreaseReplicaCount",
        "DecreaseReplicaCount",
        "AddTagsToResource",
        "RemoveTagsFromResource",
    ],
    kinds: &[&REPLICATION_GROUP],
    reads: &[
        &DESCRIBE_REPLICATION_GROUPS,
        &DESCRIBE_CACHE_CLUSTERS,
        &LIST_TAGS_FOR_RESOURCE,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static DESCRIBE_REPLICATION_GROUPS: Read = crate::read!(
    Service::Elasticache,
    "elasticache",
    "DescribeReplicationGroups",
    [K::CacheReplicationGroup]
);
/// The member clusters: engine version, subnet group, security groups and parameter group are
/// theirs, not the replication group's.
pub(crate) static DESCRIBE_CACHE_CLUSTERS: Read = crate::read!(
    Service::Elasticache,
    "elasticache",
    "DescribeCacheClusters",
    [K::CacheReplicationGroup]
);
/// A replication group's tags, which `DescribeReplicationGroups` does not return. A group
/// deleted since it was listed answers `ReplicationGroupNotFoundFault`
/// (<https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ListTagsForResource.html#API_ListTagsForResource_Errors>).
pub(crate) static LIST_TAGS_FOR_RESOURCE: Read = crate::read!(
    Service::Elasticache,
    "elasticache",
    "ListTagsForResource",
    [K::CacheReplicationGroup]
)
.gone(&["ReplicationGroupNotFoundFault"]);

pub(super) static REPLICATION_GROUP: KindDef = KindDef {
    kind: K::CacheReplicationGroup,
    asff_type: "Other",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &["status"],
    following_fields: &[],
    capture: unchanged,
    // Each environment has its own key.
    compare: crate::services::kms::compare_key_by_presence,
};

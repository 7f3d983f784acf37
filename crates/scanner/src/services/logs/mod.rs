//! CloudWatch Logs: the environment's log groups (the ones its task definitions write to).

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Logs,
    // The calls that change a log group's settings
    // (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_Operations.html).
    change_events: &[
        "CreateLogGroup",
        "DeleteLogGroup",
        "PutRetentionPolicy",
        "DeleteRetentionPolicy",
        "AssociateKmsKey",
        "DisassociateKmsKey",
        "TagResource",
        "UntagResource",
    ],
    kinds: &[&LOG_GROUP],
    reads: &[&DESCRIBE_LOG_GROUPS, &LIST_TAGS_FOR_RESOURCE],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static DESCRIBE_LOG_GROUPS: Read =
    crate::read!(Service::Logs, "logs", "DescribeLogGroups", [K::LogGroup]);
/// A log group's tags, which `DescribeLogGroups` does not return. A group deleted since it was
/// listed answers `ResourceNotFoundException`
/// (<https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_ListTagsForResource.html#API_ListTagsForResource_Errors>).
pub(crate) static LIST_TAGS_FOR_RESOURCE: Read =
    crate::read!(Service::Logs, "logs", "ListTagsForResource", [K::LogGroup])
        .gone(&["ResourceNotFoundException"]);

pub(super) static LOG_GROUP: KindDef = KindDef {
    kind: K::LogGroup,
    asff_type: "Other",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    // Each environment has its own key.
    compare: crate::services::kms::compare_key_by_presence,
};

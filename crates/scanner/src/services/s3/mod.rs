//! Simple Storage Service: buckets.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::Value;

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::S3,
    change_events: &[
        "CreateBucket",
        "DeleteBucket",
        "PutBucketVersioning",
        "PutBucketEncryption",
        "DeleteBucketEncryption",
        "PutBucketPublicAccessBlock",
        "DeleteBucketPublicAccessBlock",
        "PutBucketOwnershipControls",
        "DeleteBucketOwnershipControls",
        "PutBucketPolicy",
        "DeleteBucketPolicy",
        "PutBucketLifecycle",
        "DeleteBucketLifecycle",
        "PutBucketLogging",
        "PutBucketTagging",
        "DeleteBucketTagging",
    ],
    kinds: &[&BUCKET],
    reads: &[
        &LIST_BUCKETS,
        &GET_RESOURCES,
        &GET_BUCKET_VERSIONING,
        &GET_BUCKET_ENCRYPTION,
        &GET_PUBLIC_ACCESS_BLOCK,
        &GET_BUCKET_OWNERSHIP_CONTROLS,
        &GET_BUCKET_POLICY,
        &GET_BUCKET_LIFECYCLE_CONFIGURATION,
        &GET_BUCKET_LOGGING,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these. S3's
// IAM actions are not all named after their operations.
const fn s3(action: &'static str, operation: &'static str) -> Read {
    Read::of(Service::S3, action, operation, &[K::S3Bucket]).gone(&["NoSuchBucket"])
}
pub(crate) static LIST_BUCKETS: Read = s3("s3:ListAllMyBuckets", "ListBuckets");
/// Buckets' tags, all in one call, through the tagging API.
pub(crate) static GET_RESOURCES: Read = s3("tag:GetResources", "GetResources");
pub(crate) static GET_BUCKET_VERSIONING: Read = s3("s3:GetBucketVersioning", "GetBucketVersioning");
pub(crate) static GET_BUCKET_ENCRYPTION: Read =
    s3("s3:GetEncryptionConfiguration", "GetBucketEncryption")
        .none(&["ServerSideEncryptionConfigurationNotFoundError"]);
pub(crate) static GET_PUBLIC_ACCESS_BLOCK: Read =
    s3("s3:GetBucketPublicAccessBlock", "GetPublicAccessBlock")
        .none(&["NoSuchPublicAccessBlockConfiguration"]);
pub(crate) static GET_BUCKET_OWNERSHIP_CONTROLS: Read =
    s3("s3:GetBucketOwnershipControls", "GetBucketOwnershipControls")
        .none(&["OwnershipControlsNotFoundError"]);
pub(crate) static GET_BUCKET_POLICY: Read =
    s3("s3:GetBucketPolicy", "GetBucketPolicy").none(&["NoSuchBucketPolicy"]);
pub(crate) static GET_BUCKET_LIFECYCLE_CONFIGURATION: Read =
    s3("s3:GetLifecycleConfiguration", "GetBucketLifecycleConfiguration")
        .none(&["NoSuchLifecycleConfiguration"]);
pub(crate) static GET_BUCKET_LOGGING: Read = s3("s3:GetBucketLogging", "GetBucketLogging");

pub(super) static BUCKET: KindDef = KindDef {
    kind: ResourceKind::S3Bucket,
    asff_type: "AwsS3Bucket",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    // Each environment has its own KMS key: compared by whether one is named, not which.
    compare: |p| {
        if let Some(Value::Object(encryption)) = p.get_mut("encryption") {
            if let Some(key @ Value::String(_)) = encryption.get_mut("kms_key") {
                *key = Value::String(crate::services::kms::COMPARED_KEY.into());
            }
        }
    },
};

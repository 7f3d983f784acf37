//! Simple Storage Service: buckets.

use serde_json::Value;

use super::{unchanged, KindDef, ServiceDef};
use crate::model::{ResourceKind, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::S3,
    iam_prefix: "s3",
    event_source: "s3.amazonaws.com",
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
};

pub(super) static BUCKET: KindDef = KindDef {
    kind: ResourceKind::S3Bucket,
    service: Service::S3,
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    // Each environment has its own KMS key: compared by whether one is named, not which.
    compare: |p| {
        if let Some(Value::Object(encryption)) = p.get_mut("encryption") {
            if let Some(key @ Value::String(_)) = encryption.get_mut("kms_key") {
                *key = Value::String("{kms-key}".into());
            }
        }
    },
};

//! How Pulumi and Terraform declare S3's kinds.

use serde_json::{json, Map, Value};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::S3Bucket,
        pulumi: &["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
        terraform: &["aws_s3_bucket"],
        name: Naming::Attribute("bucket"),
        live_id: None,
        sensitive: &[],
        // Versioning, encryption, the public access block and the policy are their own
        // resources (below), merged into the bucket they name.
        properties: |_| Map::new(),
    },
];

/// Resources that declare part of one of its kinds.
pub static PARTS: &[PartMapping] = &[
    PartMapping {
        pulumi: &["aws:s3/bucketVersioningV2:BucketVersioningV2", "aws:s3/bucketVersioning:BucketVersioning"],
        terraform: &["aws_s3_bucket_versioning"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            if let Some(status) = a.block("versioning_configuration").and_then(|v| v.str("status").map(str::to_string)) {
                p.insert("versioning".into(), json!(status));
            }
        },
    },
    PartMapping {
        pulumi: &[
            "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        ],
        terraform: &["aws_s3_bucket_server_side_encryption_configuration"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            let default = a
                .block("rule")
                .and_then(|r| r.block("apply_server_side_encryption_by_default"));
            if let Some(algorithm) = default.as_ref().and_then(|d| d.str("sse_algorithm")) {
                p.insert("encryption".into(), json!({"algorithm": algorithm}));
            }
        },
    },
    PartMapping {
        pulumi: &["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
        terraform: &["aws_s3_bucket_public_access_block"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            let mut block = Map::new();
            for key in ["block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"] {
                a.copy_bool(&mut block, key, key);
            }
            p.insert("public_access_block".into(), Value::Object(block));
        },
    },
    PartMapping {
        pulumi: &["aws:s3/bucketPolicy:BucketPolicy"],
        terraform: &["aws_s3_bucket_policy"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            if let Some(statements) = a.str("policy").and_then(|d| crate::model::parse_policy(d).ok()) {
                let mut statements = statements;
                statements.sort();
                p.insert("policy".into(), serde_json::to_value(statements).unwrap_or(Value::Null));
            }
        },
    },
    PartMapping {
        pulumi: &["aws:s3/bucketOwnershipControls:BucketOwnershipControls"],
        terraform: &["aws_s3_bucket_ownership_controls"],
        kind: K::S3Bucket,
        parent: "bucket",
        merge: |a, p| {
            if let Some(ownership) = a.block("rule").and_then(|r| r.str("object_ownership").map(str::to_string)) {
                p.insert("object_ownership".into(), json!(ownership));
            }
        },
    },
];

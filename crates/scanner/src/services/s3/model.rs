// S3 buckets: a bucket's configuration, one sub-resource per call, each "none" told apart from
// "could not read" by the collector.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PlainValue, PolicyStatement};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An S3 bucket.
            S3Bucket = "s3-bucket",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An S3 bucket's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    /// `Enabled`, `Suspended`, or `Disabled` (never turned on).
    pub versioning: String,
    /// MFA delete: `Enabled` or `Disabled`, when versioning reports it.
    pub mfa_delete: Option<String>,
    /// Default encryption; absent when the bucket has none configured.
    pub encryption: Option<BucketEncryption>,
    /// The bucket-level public access block; absent when none is configured.
    pub public_access_block: Option<PublicAccessBlock>,
    /// Object ownership (`BucketOwnerEnforced`, ...); absent when not configured.
    pub object_ownership: Option<String>,
    /// The bucket policy's statements, normalized and sorted; absent when there is no policy.
    pub policy: Option<Vec<PolicyStatement>>,
    /// Lifecycle rules, sorted by id.
    pub lifecycle_rules: Vec<LifecycleRule>,
    /// Server access logging; absent when off.
    pub logging: Option<BucketLogging>,
}

/// Default encryption of new objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// The KMS key (ARN, id or alias) for `aws:kms`; absent: the AWS-managed key.
    pub kms_key: Option<String>,
    /// Whether S3 Bucket Keys are on.
    pub bucket_key_enabled: Option<bool>,
}

/// The four public-access-block settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Whether all four settings are on.
    pub fn blocks_everything(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// One lifecycle rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// `ID`.
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// The key prefix it applies to (empty: the whole bucket).
    pub prefix: Option<String>,
    /// Days after which current versions expire.
    pub expiration_days: Option<i32>,
    /// Days after which noncurrent versions expire.
    pub noncurrent_version_expiration_days: Option<i32>,
    /// Transitions as `<days>:<storage class>`, sorted.
    pub transitions: Vec<String>,
    /// Days after which incomplete multipart uploads are aborted.
    pub abort_incomplete_multipart_upload_days: Option<i32>,
}

/// Server access logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketLogging {
    /// The bucket logs go to.
    pub target_bucket: String,
    /// Their key prefix.
    pub target_prefix: Option<String>,
}

impl KindProperties for S3Bucket {
    /// Policy condition values: a shared `aws:Referer` token or a header secret is a classic.
    fn plain_values_mut(&mut self, _id: &str) -> Vec<PlainValue<'_>> {
        let mut out = Vec::new();
        for (i, statement) in self.policy.iter_mut().flatten().enumerate() {
            for (operator, keys) in &mut statement.conditions {
                for (key, values) in keys.iter_mut() {
                    for value in values.iter_mut() {
                        out.push(PlainValue {
                            path: format!("properties.policy[{i}].conditions.{operator}.{key}"),
                            name: key.clone(),
                            value,
                        });
                    }
                }
            }
        }
        out
    }
    fn canonicalize(&mut self) {
        if let Some(statements) = &mut self.policy {
            for statement in statements.iter_mut() {
                statement.principals.sort();
                statement.principals.dedup();
                statement.actions.sort();
                statement.actions.dedup();
                statement.resources.sort();
                statement.resources.dedup();
                for values in statement
                    .conditions
                    .values_mut()
                    .flat_map(|c| c.values_mut())
                {
                    values.sort();
                }
            }
            statements.sort();
        }
        for rule in &mut self.lifecycle_rules {
            rule.transitions.sort();
        }
        self.lifecycle_rules.sort();
    }
}

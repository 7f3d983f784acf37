//! One S3 bucket held to what security scanners check, converged like everything else: created
//! with its tags and bucket-owner-enforced ownership, then versioning, default encryption with
//! KMS (bucket keys on), every public access blocked, and where asked a TLS-only policy and
//! lifecycle expiry, each put only when the live bucket differs. Environments' data buckets and
//! the scanner stack's run bucket both come through here.

use aws_sdk_s3::types as s3;
use serde_json::{json, Value};

use crate::{call_error, refused, Action, InfraError, Recorder};

/// A bucket and the settings it must have.
pub(crate) struct SecureBucket<'a> {
    /// Its name.
    pub name: &'a str,
    /// Its region.
    pub region: &'a str,
    /// Tags set at creation.
    pub tags: Vec<(String, String)>,
    /// Whether a bucket policy refuses every request not made over TLS.
    pub tls_only: bool,
    /// Objects under each prefix expire after this many days (old versions a day later).
    pub expire: Vec<(String, i32)>,
    /// The KMS key (ARN) new objects are encrypted with; `None`: the account's `aws/s3` key.
    pub kms_key: Option<String>,
}

/// The policy that refuses requests without TLS.
pub(crate) fn tls_only_policy(bucket: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": [format!("arn:aws:s3:::{bucket}"), format!("arn:aws:s3:::{bucket}/*")],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}
        }]
    })
}

/// The lifecycle rules of `expire`.
fn lifecycle_rules(expire: &[(String, i32)]) -> Result<Vec<s3::LifecycleRule>, InfraError> {
    expire
        .iter()
        .map(|(prefix, days)| {
            s3::LifecycleRule::builder()
                .id(format!("expire-{}", prefix.trim_end_matches('/')))
                .filter(s3::LifecycleRuleFilter::builder().prefix(prefix).build())
                .status(s3::ExpirationStatus::Enabled)
                .expiration(s3::LifecycleExpiration::builder().days(*days).build())
                .noncurrent_version_expiration(
                    s3::NoncurrentVersionExpiration::builder()
                        .noncurrent_days(1)
                        .build(),
                )
                .build()
                .map_err(refused)
        })
        .collect()
}

/// Converges `bucket`: creates it (owner-enforced, tagged) when missing, then puts each setting
/// that differs: versioning, SSE-KMS, the public access block, the TLS-only policy and expiry.
pub(crate) async fn converge(
    client: &aws_sdk_s3::Client,
    rec: &Recorder,
    bucket: &SecureBucket<'_>,
) -> Result<(), InfraError> {
    let name = bucket.name;
    let exists = match client.head_bucket().bucket(name).send().await {
        Ok(_) => true,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => false,
        Err(e) => return Err(call_error("HeadBucket", name)(e)),
    };
    let resource = format!("s3-bucket {name}");
    let live = if exists {
        settings(client, name).await?
    } else {
        let detail = "SSE-KMS, versioned, public access blocked";
        rec.change(Action::Create, &resource, detail, create(client, bucket))
            .await?;
        BucketSettings::default()
    };
    if !live.versioned {
        rec.change(
            Action::Update,
            &resource,
            "versioning on",
            version(client, name),
        )
        .await?;
    }
    if live.kms_key.as_ref() != Some(&bucket.kms_key) {
        let detail = match &bucket.kms_key {
            Some(key) => format!("default encryption aws:kms with {key}"),
            None => "default encryption aws:kms".to_string(),
        };
        let encrypt = encrypt(client, name, bucket.kms_key.as_deref());
        rec.change(Action::Update, &resource, detail, encrypt)
            .await?;
    }
    if !live.blocked {
        let detail = "block all public access";
        rec.change(
            Action::Update,
            &resource,
            detail,
            block_public(client, name),
        )
        .await?;
    }
    let policy = tls_only_policy(name);
    if bucket.tls_only && live.policy.as_ref() != Some(&policy) {
        let put = async {
            client
                .put_bucket_policy()
                .bucket(name)
                .policy(policy.to_string())
                .send()
                .await
                .map_err(call_error("PutBucketPolicy", name))?;
            Ok(())
        };
        let resource = format!("s3-bucket-policy {name}");
        rec.change(Action::Update, resource, "TLS only", put)
            .await?;
    }
    if !bucket.expire.is_empty() && live.expiry != bucket.expire {
        let detail = bucket
            .expire
            .iter()
            .map(|(prefix, days)| format!("{prefix} after {days} days"))
            .collect::<Vec<_>>()
            .join(", ");
        let resource = format!("s3-bucket-lifecycle {name}");
        let put = expire(client, name, &bucket.expire);
        rec.change(Action::Update, resource, format!("expire {detail}"), put)
            .await?;
    }
    Ok(())
}

/// Creates the bucket in its region, tagged, with object ownership enforced.
async fn create(client: &aws_sdk_s3::Client, bucket: &SecureBucket<'_>) -> Result<(), InfraError> {
    let name = bucket.name;
    let mut create = client.create_bucket().bucket(name);
    if bucket.region != "us-east-1" {
        create = create.create_bucket_configuration(
            s3::CreateBucketConfiguration::builder()
                .location_constraint(s3::BucketLocationConstraint::from(bucket.region))
                .build(),
        );
    }
    create
        .send()
        .await
        .map_err(call_error("CreateBucket", name))?;
    let tags = bucket
        .tags
        .iter()
        .map(|(k, v)| s3::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?;
    let tagging = s3::Tagging::builder()
        .set_tag_set(Some(tags))
        .build()
        .map_err(refused)?;
    client
        .put_bucket_tagging()
        .bucket(name)
        .tagging(tagging)
        .send()
        .await
        .map_err(call_error("PutBucketTagging", name))?;
    let owner_enforced = s3::OwnershipControlsRule::builder()
        .object_ownership(s3::ObjectOwnership::BucketOwnerEnforced)
        .build()
        .map_err(refused)?;
    client
        .put_bucket_ownership_controls()
        .bucket(name)
        .ownership_controls(
            s3::OwnershipControls::builder()
                .rules(owner_enforced)
                .build()
                .map_err(refused)?,
        )
        .send()
        .await
        .map_err(call_error("PutBucketOwnershipControls", name))?;
    Ok(())
}

/// Turns versioning on.
async fn version(client: &aws_sdk_s3::Client, name: &str) -> Result<(), InfraError> {
    client
        .put_bucket_versioning()
        .bucket(name)
        .versioning_configuration(
            s3::VersioningConfiguration::builder()
                .status(s3::BucketVersioningStatus::Enabled)
                .build(),
        )
        .send()
        .await
        .map_err(call_error("PutBucketVersioning", name))?;
    Ok(())
}

/// Default encryption with KMS (`key`, or the account's `aws/s3` key), bucket keys on.
async fn encrypt(
    client: &aws_sdk_s3::Client,
    name: &str,
    key: Option<&str>,
) -> Result<(), InfraError> {
    let rule = s3::ServerSideEncryptionRule::builder()
        .apply_server_side_encryption_by_default(
            s3::ServerSideEncryptionByDefault::builder()
                .sse_algorithm(s3::ServerSideEncryption::AwsKms)
                .set_kms_master_key_id(key.map(str::to_string))
                .build()
                .map_err(refused)?,
        )
        .bucket_key_enabled(true)
        .build();
    client
        .put_bucket_encryption()
        .bucket(name)
        .server_side_encryption_configuration(
            s3::ServerSideEncryptionConfiguration::builder()
                .rules(rule)
                .build()
                .map_err(refused)?,
        )
        .send()
        .await
        .map_err(call_error("PutBucketEncryption", name))?;
    Ok(())
}

/// Blocks every kind of public access.
async fn block_public(client: &aws_sdk_s3::Client, name: &str) -> Result<(), InfraError> {
    client
        .put_public_access_block()
        .bucket(name)
        .public_access_block_configuration(
            s3::PublicAccessBlockConfiguration::builder()
                .block_public_acls(true)
                .ignore_public_acls(true)
                .block_public_policy(true)
                .restrict_public_buckets(true)
                .build(),
        )
        .send()
        .await
        .map_err(call_error("PutPublicAccessBlock", name))?;
    Ok(())
}

/// Expires objects under each prefix after its days.
async fn expire(
    client: &aws_sdk_s3::Client,
    name: &str,
    expire: &[(String, i32)],
) -> Result<(), InfraError> {
    client
        .put_bucket_lifecycle_configuration()
        .bucket(name)
        .lifecycle_configuration(
            s3::BucketLifecycleConfiguration::builder()
                .set_rules(Some(lifecycle_rules(expire)?))
                .build()
                .map_err(refused)?,
        )
        .send()
        .await
        .map_err(call_error("PutBucketLifecycleConfiguration", name))?;
    Ok(())
}

/// Deletes `bucket` when it holds nothing (no object, no version, no delete marker); a bucket
/// that holds data is kept and said: `destroy` never deletes data.
pub(crate) async fn remove_if_empty(
    client: &aws_sdk_s3::Client,
    rec: &Recorder,
    bucket: &str,
) -> Result<(), InfraError> {
    let listed = match client
        .list_object_versions()
        .bucket(bucket)
        .max_keys(1)
        .send()
        .await
    {
        Ok(listed) => listed,
        Err(e) if code(&e) == Some("NoSuchBucket") => return Ok(()),
        Err(e) => return Err(call_error("ListObjectVersions", bucket)(e)),
    };
    if !listed.versions().is_empty() || !listed.delete_markers().is_empty() {
        tracing::warn!(%bucket, "kept: the bucket holds objects; destroy never deletes data");
        rec.change(
            Action::Keep,
            format!("s3-bucket {bucket}"),
            "holds objects: kept (empty it yourself to remove it)",
            async { Ok(()) },
        )
        .await?;
        return Ok(());
    }
    rec.change(
        Action::Delete,
        format!("s3-bucket {bucket}"),
        "empty",
        async {
            client
                .delete_bucket()
                .bucket(bucket)
                .send()
                .await
                .map_err(call_error("DeleteBucket", bucket))?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

/// What a live bucket has of the settings [`converge`] puts.
#[derive(Debug, Default)]
pub(crate) struct BucketSettings {
    /// Versioning on.
    pub versioned: bool,
    /// KMS default encryption, with its key (`None`: the account's `aws/s3` key); `None`
    /// when new objects are not encrypted with KMS.
    pub kms_key: Option<Option<String>>,
    /// Every public access blocked.
    pub blocked: bool,
    /// Its policy, if any.
    pub policy: Option<Value>,
    /// Its lifecycle expiry rules: (prefix, days), in order.
    pub expiry: Vec<(String, i32)>,
}

/// The AWS error code of a failed call.
fn code<E: aws_sdk_s3::error::ProvideErrorMetadata, R>(
    error: &aws_sdk_s3::error::SdkError<E, R>,
) -> Option<&str> {
    error.as_service_error().and_then(|e| e.code())
}

/// Reads a bucket's settings back.
pub(crate) async fn settings(
    client: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<BucketSettings, InfraError> {
    let versioned = client
        .get_bucket_versioning()
        .bucket(bucket)
        .send()
        .await
        .map_err(call_error("GetBucketVersioning", bucket))?
        .status()
        == Some(&s3::BucketVersioningStatus::Enabled);
    let kms_key = match client.get_bucket_encryption().bucket(bucket).send().await {
        Ok(found) => found
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .filter(|d| d.sse_algorithm() == &s3::ServerSideEncryption::AwsKms)
            .map(|d| d.kms_master_key_id().map(str::to_string)),
        Err(e) if code(&e) == Some("ServerSideEncryptionConfigurationNotFoundError") => None,
        Err(e) => return Err(call_error("GetBucketEncryption", bucket)(e)),
    };
    let blocked = match client.get_public_access_block().bucket(bucket).send().await {
        Ok(found) => found.public_access_block_configuration().is_some_and(|c| {
            c.block_public_acls() == Some(true)
                && c.ignore_public_acls() == Some(true)
                && c.block_public_policy() == Some(true)
                && c.restrict_public_buckets() == Some(true)
        }),
        Err(e) if code(&e) == Some("NoSuchPublicAccessBlockConfiguration") => false,
        Err(e) => return Err(call_error("GetPublicAccessBlock", bucket)(e)),
    };
    let policy = match client.get_bucket_policy().bucket(bucket).send().await {
        Ok(found) => found.policy().and_then(|p| serde_json::from_str(p).ok()),
        Err(e) if code(&e) == Some("NoSuchBucketPolicy") => None,
        Err(e) => return Err(call_error("GetBucketPolicy", bucket)(e)),
    };
    let expiry = match client
        .get_bucket_lifecycle_configuration()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(found) => found
            .rules()
            .iter()
            .filter(|r| r.status() == &s3::ExpirationStatus::Enabled)
            .filter_map(|r| {
                let prefix = r.filter().and_then(|f| f.prefix())?.to_string();
                Some((prefix, r.expiration()?.days()?))
            })
            .collect(),
        Err(e) if code(&e) == Some("NoSuchLifecycleConfiguration") => Vec::new(),
        Err(e) => return Err(call_error("GetBucketLifecycleConfiguration", bucket)(e)),
    };
    Ok(BucketSettings {
        versioned,
        kms_key,
        blocked,
        policy,
        expiry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tls_policy_refuses_plain_http_to_the_bucket_and_its_objects() {
        let policy = tls_only_policy("driftscan-runs");
        let statement = &policy["Statement"][0];
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(
            statement["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
        assert_eq!(
            statement["Resource"],
            json!([
                "arn:aws:s3:::driftscan-runs",
                "arn:aws:s3:::driftscan-runs/*"
            ])
        );
    }

    #[test]
    fn expiry_rules_name_their_prefix_and_clear_old_versions() {
        let rules = lifecycle_rules(&[("runs/".into(), 30)]).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id(), Some("expire-runs"));
        assert_eq!(rules[0].expiration().and_then(|e| e.days()), Some(30));
        assert_eq!(
            rules[0]
                .noncurrent_version_expiration()
                .and_then(|e| e.noncurrent_days()),
            Some(1)
        );
    }
}

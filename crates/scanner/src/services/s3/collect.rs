//! S3 buckets. S3 is global with per-bucket calls, so selection is cheap first: one paginated
//! `ListBuckets` for the region's buckets and one paginated tagging-API `GetResources` for the
//! tags of every tagged bucket there. A bucket belongs to the environment by its tag, else (no
//! environment tag at all) by a name that carries the environment's name. Only the selected
//! buckets are read, seven calls each, so a scan makes `2 + 7 x buckets` calls plus pages.
//!
//! S3 answers "this bucket has no policy" (and no encryption, no public access block, no
//! ownership controls, no lifecycle) with an error code; those codes are declared with each
//! read (`Read::none` in the service's declaration) and read as "none". Any other error leaves the kind unread: a bucket whose
//! policy could not be read is never reported as having none.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_resourcegroupstagging::Client as TaggingClient;
use aws_sdk_s3::types as s3;
use aws_sdk_s3::Client;
use futures::{stream, StreamExt};

use crate::collect::{display_name, Answer, Collected, FnCollector, RegionContext};
use crate::kinds::Read;
use crate::model::{
    parse_policy, BucketEncryption, BucketLogging, LifecycleRule, Properties, PublicAccessBlock,
    ReadFailure, Resource, ResourceKind as K, S3Bucket,
};

/// Buckets read at once within one region.
const CONCURRENCY: usize = 4;
/// Page size of `ListBuckets` (the API's maximum).
const LIST_PAGE_SIZE: i32 = 10_000;

const KINDS: &[K] = &[K::S3Bucket];

/// Reads S3 buckets.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = crate::aws::s3_client(&ctx.sdk_config);
    let tagging = TaggingClient::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let (buckets, tagged) = tokio::join!(
        client
            .list_buckets()
            .bucket_region(&ctx.region)
            .max_buckets(LIST_PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        tagging
            .get_resources()
            .resource_type_filters("s3:bucket")
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    );
    let names: Vec<String> = match buckets {
        Ok(buckets) => buckets
            .iter()
            .filter_map(|b| b.name().map(str::to_string))
            .collect(),
        Err(e) => {
            out.fail(ctx.failure(&super::LIST_BUCKETS, KINDS, &e));
            return out;
        }
    };
    let mut tags: HashMap<String, BTreeMap<String, String>> = match tagged {
        Ok(mappings) => mappings
            .iter()
            .filter_map(|mapping| {
                let name = mapping.resource_arn().and_then(bucket_of_arn)?;
                let tags = mapping
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect();
                Some((name.to_string(), tags))
            })
            .collect(),
        Err(e) => {
            out.fail(ctx.failure(&super::GET_RESOURCES, KINDS, &e));
            return out;
        }
    };

    let selected: Vec<(String, BTreeMap<String, String>)> = names
        .into_iter()
        .map(|name| {
            let bucket_tags = tags.remove(&name).unwrap_or_default();
            (name, bucket_tags)
        })
        .filter(|(name, bucket_tags)| ctx.owns(bucket_tags, ctx.names_environment(name)))
        .collect();
    let results: Vec<Result<BucketRead, Box<ReadFailure>>> =
        stream::iter(selected.into_iter().map(|(name, bucket_tags)| {
            let client = &client;
            async move { read_bucket(ctx, client, name, bucket_tags).await }
        }))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for result in results {
        match result {
            Ok(BucketRead::Read(resource)) => out.resources.push(*resource),
            Ok(BucketRead::Deleted { name, read, code }) => {
                out.deleted_during_scan(ctx, (K::S3Bucket, &name), read.operation, &code)
            }
            Err(failure) => out.fail(*failure),
        }
    }
    out.finish()
}

/// `arn:aws:s3:::bucket` -> `bucket`.
fn bucket_of_arn(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?
        .split_once(":s3:::")
        .map(|(_, bucket)| bucket)
        .filter(|b| !b.is_empty() && !b.contains('/'))
}

/// What reading one listed bucket gave.
enum BucketRead {
    /// The bucket.
    Read(Box<Resource>),
    /// Gone since it was listed: the operation that found it so.
    Deleted {
        name: String,
        read: &'static Read,
        code: String,
    },
}

macro_rules! read {
    ($ctx:expr, $name:expr, $read:expr, $call:expr) => {
        match $ctx.answer(&$read, KINDS, $call)? {
            Answer::Some(value) => Some(value),
            Answer::None => None,
            Answer::Gone(code) => {
                return Ok(BucketRead::Deleted {
                    name: $name.clone(),
                    read: &$read,
                    code,
                })
            }
        }
    };
}

async fn read_bucket(
    ctx: &RegionContext,
    client: &Client,
    name: String,
    tags: BTreeMap<String, String>,
) -> Result<BucketRead, Box<ReadFailure>> {
    let (versioning, encryption, public_access, ownership, policy, lifecycle, logging) = tokio::join!(
        client.get_bucket_versioning().bucket(&name).send(),
        client.get_bucket_encryption().bucket(&name).send(),
        client.get_public_access_block().bucket(&name).send(),
        client.get_bucket_ownership_controls().bucket(&name).send(),
        client.get_bucket_policy().bucket(&name).send(),
        client
            .get_bucket_lifecycle_configuration()
            .bucket(&name)
            .send(),
        client.get_bucket_logging().bucket(&name).send(),
    );
    let versioning = read!(ctx, name, super::GET_BUCKET_VERSIONING, versioning);
    let encryption = read!(ctx, name, super::GET_BUCKET_ENCRYPTION, encryption);
    let public_access = read!(ctx, name, super::GET_PUBLIC_ACCESS_BLOCK, public_access);
    let ownership = read!(ctx, name, super::GET_BUCKET_OWNERSHIP_CONTROLS, ownership);
    let policy = read!(ctx, name, super::GET_BUCKET_POLICY, policy);
    let lifecycle = read!(ctx, name, super::GET_BUCKET_LIFECYCLE_CONFIGURATION, lifecycle);
    let logging = read!(ctx, name, super::GET_BUCKET_LOGGING, logging);

    let policy = match policy.as_ref().and_then(|p| p.policy()) {
        Some(document) => Some(parse_policy(document).map_err(|message| {
            let item = format!("bucket `{name}`");
            Box::new(ctx.malformed_policy(&super::GET_BUCKET_POLICY, KINDS, &item, &message))
        })?),
        None => None,
    };
    let properties = S3Bucket {
        versioning: versioning
            .as_ref()
            .and_then(|v| v.status())
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "Disabled".into()),
        mfa_delete: versioning
            .as_ref()
            .and_then(|v| v.mfa_delete())
            .map(|m| m.as_str().to_string()),
        encryption: encryption
            .as_ref()
            .and_then(|e| e.server_side_encryption_configuration())
            .and_then(|c| c.rules().first())
            .and_then(|rule| {
                let default = rule.apply_server_side_encryption_by_default()?;
                Some(BucketEncryption {
                    algorithm: default.sse_algorithm().as_str().to_string(),
                    kms_key: default.kms_master_key_id().map(str::to_string),
                    bucket_key_enabled: rule.bucket_key_enabled(),
                })
            }),
        public_access_block: public_access
            .as_ref()
            .and_then(|p| p.public_access_block_configuration())
            .map(|c| PublicAccessBlock {
                block_public_acls: c.block_public_acls().unwrap_or(false),
                ignore_public_acls: c.ignore_public_acls().unwrap_or(false),
                block_public_policy: c.block_public_policy().unwrap_or(false),
                restrict_public_buckets: c.restrict_public_buckets().unwrap_or(false),
            }),
        object_ownership: ownership
            .as_ref()
            .and_then(|o| o.ownership_controls())
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string()),
        policy,
        lifecycle_rules: lifecycle
            .as_ref()
            .map(|l| l.rules().iter().map(lifecycle_rule).collect())
            .unwrap_or_default(),
        logging: logging
            .as_ref()
            .and_then(|l| l.logging_enabled())
            .map(|l| BucketLogging {
                target_bucket: l.target_bucket().to_string(),
                target_prefix: Some(l.target_prefix().to_string()).filter(|p| !p.is_empty()),
            }),
    };
    let mut resource = ctx.resource(
        name.clone(),
        display_name(&tags, &name),
        Some(format!("arn:aws:s3:::{name}")),
        tags,
        Properties::S3Bucket(properties),
    );
    resource.logical_name = crate::naming::account_aside(&resource.logical_name);
    Ok(BucketRead::Read(Box::new(resource)))
}

fn lifecycle_rule(rule: &s3::LifecycleRule) -> LifecycleRule {
    LifecycleRule {
        id: rule.id().map(str::to_string),
        status: rule.status().as_str().to_string(),
        prefix: rule
            .filter()
            .and_then(|f| f.prefix())
            // Rules written before filters existed carry the prefix on the rule.
            .or({
                #[allow(deprecated)]
                rule.prefix()
            })
            .map(str::to_string),
        expiration_days: rule.expiration().and_then(|e| e.days()),
        noncurrent_version_expiration_days: rule
            .noncurrent_version_expiration()
            .and_then(|e| e.noncurrent_days()),
        transitions: rule
            .transitions()
            .iter()
            .map(|t| {
                format!(
                    "{}:{}",
                    t.days().unwrap_or_default(),
                    t.storage_class().map(|c| c.as_str()).unwrap_or_default()
                )
            })
            .collect(),
        abort_incomplete_multipart_upload_days: rule
            .abort_incomplete_multipart_upload()
            .and_then(|a| a.days_after_initiation()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_names_come_from_bucket_arns_only() {
        assert_eq!(
            bucket_of_arn("arn:aws:s3:::trading-data-prod"),
            Some("trading-data-prod")
        );
        assert_eq!(bucket_of_arn("arn:aws:s3:::b/key"), None);
        assert_eq!(bucket_of_arn("arn:aws:sns:us-east-1:1:t"), None);
    }

    #[test]
    fn none_answers_are_declared_for_per_bucket_reads_only() {
        for read in super::super::SERVICE.reads {
            for code in read.none {
                assert!(read.operation.starts_with("Get"), "{}", read.operation);
                assert!(!read.gone.contains(code), "{code} is both none and gone");
            }
        }
        assert!(super::super::GET_BUCKET_VERSIONING.none.is_empty());
        assert!(super::super::LIST_BUCKETS.none.is_empty());
    }
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{json, xml, Replay};

    const S3_NS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

    fn error(code: &str) -> String {
        format!(
            "<Error><Code>{code}</Code><Message>{code}</Message><RequestId>r</RequestId></Error>"
        )
    }

    fn answers(policy_of_a: (u16, String)) -> Vec<crate::collect::replay::Recorded> {
        let buckets = format!(
            "<ListAllMyBucketsResult xmlns=\"{S3_NS}\"><Owner><ID>o</ID></Owner><Buckets><Bucket><Name>data-staging-a</Name></Bucket><Bucket><Name>data-staging-b</Name></Bucket><Bucket><Name>unrelated</Name></Bucket></Buckets></ListAllMyBucketsResult>"
        );
        vec![
            xml(&["GET /?"], 200, &buckets),
            json(&["GetResources"], 200, r#"{"ResourceTagMappingList":[{"ResourceARN":"arn:aws:s3:::data-staging-b","Tags":[{"Key":"Environment","Value":"staging"}]}],"PaginationToken":""}"#),
            xml(&["GET /data-staging-a/?policy"], policy_of_a.0, &policy_of_a.1),
            xml(&["?policy"], 404, &error("NoSuchBucketPolicy")),
            xml(&["?versioning"], 200, &format!("<VersioningConfiguration xmlns=\"{S3_NS}\"><Status>Enabled</Status></VersioningConfiguration>")),
            xml(&["?encryption"], 404, &error("ServerSideEncryptionConfigurationNotFoundError")),
            xml(&["?publicAccessBlock"], 404, &error("NoSuchPublicAccessBlockConfiguration")),
            xml(&["?ownershipControls"], 404, &error("OwnershipControlsNotFoundError")),
            xml(&["?lifecycle"], 404, &error("NoSuchLifecycleConfiguration")),
            xml(&["?logging"], 200, &format!("<BucketLoggingStatus xmlns=\"{S3_NS}\"/>")),
        ]
    }

    #[tokio::test]
    async fn not_configured_answers_are_none_and_calls_stay_at_the_minimum() {
        let replay = Replay::start(answers((404, error("NoSuchBucketPolicy"))));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        let names: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            names.len(),
            2,
            "by tag (b) and by name (a), not `unrelated`: {names:?}"
        );
        for resource in &collected.resources {
            let Properties::S3Bucket(bucket) = &resource.properties else {
                panic!("a bucket")
            };
            assert_eq!(
                (
                    bucket.policy.is_none(),
                    bucket.encryption.is_none(),
                    bucket.public_access_block.is_none()
                ),
                (true, true, true)
            );
            assert_eq!(bucket.versioning, "Enabled");
        }
        // One listing, one tagging call, seven per selected bucket: 2 + 7 x 2.
        assert_eq!(replay.requests().len(), 2 + 7 * 2);
    }

    #[tokio::test]
    async fn access_denied_on_one_policy_is_never_no_policy() {
        let replay = Replay::start(answers((403, error("AccessDenied"))));
        let collected = collect(&replay.region_context()).await;
        assert_eq!(
            collected.failures.len(),
            1,
            "{:?}\n{:#?}",
            collected.failures,
            replay.requests()
        );
        assert_eq!(
            (
                collected.failures[0].operation.as_str(),
                collected.failures[0].code.as_str()
            ),
            ("GetBucketPolicy", "AccessDenied")
        );
        assert!(
            collected.resources.is_empty(),
            "the kind is unread, not partly read"
        );
    }
}

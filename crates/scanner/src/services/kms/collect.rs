//! KMS through its API: the customer-managed keys of the region that the environment's
//! resources use, or whose alias names the environment, each with its rotation, key policy
//! and tags. The key material is never read.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_kms::types as kms;
use aws_sdk_kms::Client;
use aws_smithy_types::date_time::Format;

use super::{key_reference, referenced_keys, KeyReference};
use crate::collect::{display_name, Collected, FnCollector, ItemRead, RegionContext};
use crate::model::{parse_policy, KmsKey, Properties, Resource, ResourceKind as K};

/// Page size of `ListAliases` (the API's maximum).
const PAGE_SIZE: i32 = 100;
/// Keys read further at once.
const CONCURRENCY: usize = 4;
const KINDS: &[K] = &[K::KmsKey];

/// Reads KMS.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

/// A key to read, and why it is the environment's.
struct Candidate {
    id: String,
    aliases: Vec<String>,
    /// One of the environment's resources uses it: it is read whatever its tags say.
    used: bool,
}

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let listed = client
        .list_aliases()
        .limit(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let aliases: Vec<kms::AliasListEntry> = match listed {
        Ok(aliases) => aliases,
        Err(e) => {
            out.fail(ctx.failure(&super::LIST_ALIASES, KINDS, &e));
            return out;
        }
    };
    let reads: Vec<_> = candidates(ctx, &aliases)
        .into_iter()
        .map(|candidate| read_key(ctx, &client, candidate))
        .collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// The keys to read: those the environment's resources in this region use, and those with an
/// alias naming the environment.
fn candidates(ctx: &RegionContext, aliases: &[kms::AliasListEntry]) -> Vec<Candidate> {
    let mut by_key: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut alias_target: BTreeMap<&str, &str> = BTreeMap::new();
    for alias in aliases {
        if let (Some(name), Some(key)) = (alias.alias_name(), alias.target_key_id()) {
            if !name.starts_with("alias/aws/") {
                by_key.entry(key.to_string()).or_default().push(name.to_string());
                alias_target.insert(name, key);
            }
        }
    }
    let mut references = BTreeSet::new();
    for resource in ctx.found.iter() {
        if let Ok(properties) = serde_json::to_value(&resource.properties) {
            referenced_keys(&properties, &mut references);
        }
    }
    let used: BTreeSet<String> = references
        .iter()
        .filter_map(|r| match key_reference(r, &ctx.region)? {
            KeyReference::Key(id) => Some(id),
            KeyReference::Alias(name) => alias_target.get(name.as_str()).map(|k| k.to_string()),
        })
        .collect();
    let named = by_key.iter().filter(|(_, names)| {
        names
            .iter()
            .any(|n| ctx.names_environment(n.trim_start_matches("alias/")))
    });
    let mut ids: BTreeSet<String> = named.map(|(id, _)| id.clone()).collect();
    ids.extend(used.iter().cloned());
    ids.into_iter()
        .map(|id| Candidate {
            aliases: by_key.get(&id).cloned().unwrap_or_default(),
            used: used.contains(&id),
            id,
        })
        .collect()
}

/// One key: `None` when it is AWS's own, another environment's, or could not be read.
async fn read_key(
    ctx: &RegionContext,
    client: &Client,
    candidate: Candidate,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let item = |read| ItemRead {
        read,
        kinds: KINDS,
        item: (K::KmsKey, candidate.id.as_str()),
    };
    let metadata = match client.describe_key().key_id(&candidate.id).send().await {
        Ok(described) => described.key_metadata,
        Err(e) => {
            out.item_failed(ctx, item(&super::DESCRIBE_KEY), &e);
            return (None, out);
        }
    };
    let Some(metadata) = metadata.filter(|m| m.key_manager() != Some(&kms::KeyManagerType::Aws))
    else {
        return (None, out);
    };
    let (tags, policy, rotation) = tokio::join!(
        client.list_resource_tags().key_id(&candidate.id).send(),
        // `default` is the only key policy name
        // (https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html).
        client.get_key_policy().key_id(&candidate.id).policy_name("default").send(),
        rotation(client, &metadata),
    );
    let tags = match tags {
        Ok(found) => crate::collect::tag_map(
            found.tags().iter().map(|t| (Some(t.tag_key()), Some(t.tag_value()))),
        ),
        Err(e) => {
            out.item_failed(ctx, item(&super::LIST_RESOURCE_TAGS), &e);
            return (None, out);
        }
    };
    if !candidate.used && !ctx.owns(&tags, true) {
        return (None, out);
    }
    let policy = match policy {
        Ok(found) => found.policy().map(parse_policy).transpose(),
        Err(e) => {
            out.item_failed(ctx, item(&super::GET_KEY_POLICY), &e);
            return (None, out);
        }
    };
    let policy = match policy {
        Ok(policy) => policy.unwrap_or_default(),
        Err(message) => {
            let key = format!("key `{}`", candidate.id);
            out.fail(ctx.malformed_policy(&super::GET_KEY_POLICY, KINDS, &key, &message));
            return (None, out);
        }
    };
    let rotation = match rotation {
        Ok(rotation) => rotation,
        Err(e) => {
            out.item_failed(ctx, item(&super::GET_KEY_ROTATION_STATUS), &e);
            return (None, out);
        }
    };
    let key = KeyRead { candidate: &candidate, metadata: &metadata, rotation, policy };
    (Some(key_resource(ctx, key, tags)), out)
}

type RotationAnswer = Result<
    Option<(bool, Option<i32>)>,
    aws_smithy_runtime_api::client::result::SdkError<
        aws_sdk_kms::operation::get_key_rotation_status::GetKeyRotationStatusError,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
>;

/// Whether the key rotates, and how often; `None` for a key that cannot rotate (only
/// symmetric encryption keys with KMS-made material can,
/// <https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html#rotation-how-it-works>),
/// which is not asked.
async fn rotation(client: &Client, metadata: &kms::KeyMetadata) -> RotationAnswer {
    let rotates = metadata.key_spec() == Some(&kms::KeySpec::SymmetricDefault)
        && metadata.origin() == Some(&kms::OriginType::AwsKms)
        && metadata.custom_key_store_id().is_none();
    if !rotates {
        return Ok(None);
    }
    let status = client
        .get_key_rotation_status()
        .key_id(metadata.key_id())
        .send()
        .await?;
    Ok(Some((status.key_rotation_enabled(), status.rotation_period_in_days())))
}

/// What was read of one key.
struct KeyRead<'a> {
    candidate: &'a Candidate,
    metadata: &'a kms::KeyMetadata,
    rotation: Option<(bool, Option<i32>)>,
    policy: Vec<crate::model::PolicyStatement>,
}

fn key_resource(ctx: &RegionContext, key: KeyRead<'_>, tags: BTreeMap<String, String>) -> Resource {
    let m = key.metadata;
    let id = m.key_id();
    let fallback = key.candidate.aliases.first().map_or(id, String::as_str);
    let mut properties = KmsKey {
        description: m.description().filter(|d| !d.is_empty()).map(str::to_string),
        aliases: key.candidate.aliases.clone(),
        state: m.key_state().map(|s| s.as_str().to_string()).unwrap_or_default(),
        deletion_date: m.deletion_date().and_then(|d| d.fmt(Format::DateTime).ok()),
        key_spec: m.key_spec().map(|s| s.as_str().to_string()),
        key_usage: m.key_usage().map(|u| u.as_str().to_string()),
        origin: m.origin().map(|o| o.as_str().to_string()),
        multi_region: m.multi_region().unwrap_or(false),
        rotation_enabled: key.rotation.map(|(enabled, _)| enabled),
        rotation_period_days: key.rotation.and_then(|(_, days)| days),
        policy: key.policy,
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    ctx.resource(
        id,
        display_name(&tags, fallback),
        m.arn().map(str::to_string),
        tags,
        Properties::KmsKey(properties),
    )
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, json, Recorded, Replay};
    use crate::model::LogGroup;

    /// The key a staging log group uses, which has no alias.
    const USED: &str = "5eed0000-0000-4000-8000-000000000001";
    const POLICY: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Enable IAM User Permissions\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}"#;

    fn metadata(id: &str, manager: &str, state: &str) -> String {
        format!(
            r#"{{"KeyMetadata":{{"KeyId":"{id}","Arn":"arn:aws:kms:us-east-1:123456789012:key/{id}","KeyManager":"{manager}","KeyState":"{state}","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","Origin":"AWS_KMS","MultiRegion":false,"Enabled":true}}}}"#
        )
    }

    /// Aliases on two pages: staging's key by alias (first page), prod's (second page), AWS's
    /// own; and a key without alias that a staging bucket uses.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        all.extend([
            json(
                &["TrentService.ListAliases", "\"Marker\":\"p2\""],
                200,
                r#"{"Aliases":[{"AliasName":"alias/trading-prod","TargetKeyId":"key-prod"},{"AliasName":"alias/aws/s3","TargetKeyId":"key-aws"}],"Truncated":false}"#,
            ),
            json(
                &["TrentService.ListAliases"],
                200,
                r#"{"Aliases":[{"AliasName":"alias/trading-staging","TargetKeyId":"key-staging"}],"Truncated":true,"NextMarker":"p2"}"#,
            ),
            json(&["TrentService.DescribeKey", "key-staging"], 200, &metadata("key-staging", "CUSTOMER", "Enabled")),
            json(&["TrentService.DescribeKey", USED], 200, &metadata(USED, "CUSTOMER", "PendingDeletion")),
            json(&["TrentService.ListResourceTags", USED], 200, r#"{"Tags":[{"TagKey":"Environment","TagValue":"shared"}]}"#),
            json(&["TrentService.ListResourceTags"], 200, r#"{"Tags":[]}"#),
            json(&["TrentService.GetKeyPolicy"], 200, &format!(r#"{{"Policy":"{POLICY}","PolicyName":"default"}}"#)),
            json(&["TrentService.GetKeyRotationStatus", USED], 200, r#"{"KeyRotationEnabled":false}"#),
            json(&["TrentService.GetKeyRotationStatus"], 200, r#"{"KeyRotationEnabled":true,"RotationPeriodInDays":365}"#),
        ]);
        all
    }

    /// A staging context whose log group uses [`USED`] by ARN.
    fn staging(replay: &Replay) -> RegionContext {
        let mut ctx = replay.region_context();
        let group = Properties::LogGroup(LogGroup {
            retention_days: Some(30),
            kms_key_id: Some(format!("arn:aws:kms:us-east-1:123456789012:key/{USED}")),
            class: None,
            deletion_protection: false,
        });
        let resource = ctx.resource("/ecs/app-staging", "/ecs/app-staging", None, BTreeMap::new(), group);
        ctx.found = std::sync::Arc::new(vec![resource]);
        ctx
    }

    #[tokio::test]
    async fn used_and_named_keys_are_read_and_no_other() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&staging(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("TrentService.ListAliases"), 2, "both pages");
        assert_eq!(replay.count("TrentService.DescribeKey"), 2, "prod's and AWS's keys are not read");
        let mut resources: Vec<&Resource> = collected.resources.iter().collect();
        resources.sort_by(|a, b| a.name.cmp(&b.name));
        let names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, [USED, "alias/trading-staging"], "the used key whatever its tag");
        let Properties::KmsKey(used) = &resources[0].properties else { panic!("a key") };
        assert_eq!(used.state, "PendingDeletion");
        assert_eq!(used.rotation_enabled, Some(false));
        let Properties::KmsKey(named) = &resources[1].properties else { panic!("a key") };
        assert_eq!(named.rotation_period_days, Some(365));
        assert_eq!(named.policy.len(), 1);
        assert_eq!(named.policy[0].principals, ["AWS:arn:aws:iam::123456789012:root"]);
    }

    #[tokio::test]
    async fn a_refused_policy_read_leaves_keys_unknown_and_names_the_action() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: kms:GetKeyPolicy"}"#;
        let replay = Replay::start(answers(vec![json(&["TrentService.GetKeyPolicy", "key-staging"], 400, denied)]));
        let collected = collect(&staging(&replay)).await;
        assert_refused(&collected, "GetKeyPolicy", "AccessDeniedException", "kms:GetKeyPolicy");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }

    #[tokio::test]
    async fn a_key_gone_before_it_is_described_is_absent_not_unread() {
        let gone = r#"{"__type":"NotFoundException","message":"Key 'arn:aws:kms:us-east-1:123456789012:key/5eed0000-0000-4000-8000-000000000001' does not exist"}"#;
        let replay = Replay::start(answers(vec![json(&["TrentService.DescribeKey", USED], 400, gone)]));
        let collected = collect(&staging(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(collected.deleted.len(), 1);
        assert_eq!(collected.resources.len(), 1);
    }
}

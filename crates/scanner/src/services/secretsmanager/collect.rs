//! Secrets Manager through its API: the environment's secrets (its `Environment` tag, or,
//! untagged, a name under `<env>/`), each with its replicas and resource policy. Only metadata
//! is read: `GetSecretValue` is never called.

use std::collections::BTreeMap;

use aws_sdk_secretsmanager::types as sm;
use aws_sdk_secretsmanager::Client;
use aws_smithy_types::date_time::Format;

use crate::collect::{display_name, Collected, FnCollector, ItemRead, RegionContext};
use crate::model::{
    parse_policy, Properties, Resource, ResourceKind as K, SecretReplica,
    SecretsManagerSecret,
};

/// Page size of `ListSecrets` (the API's maximum).
const PAGE_SIZE: i32 = 100;
/// Secrets read further at once.
const CONCURRENCY: usize = 8;
const KINDS: &[K] = &[K::SecretsManagerSecret];

/// Reads Secrets Manager.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let listed = client
        .list_secrets()
        .max_results(PAGE_SIZE)
        .into_paginator()
        .send()
        .try_collect()
        .await;
    let secrets: Vec<sm::SecretListEntry> = match listed {
        Ok(pages) => pages
            .into_iter()
            .flat_map(|page| page.secret_list.unwrap_or_default())
            .collect(),
        Err(e) => {
            out.fail(ctx.failure(&super::LIST_SECRETS, KINDS, &e));
            return out;
        }
    };
    let owned = secrets.into_iter().filter(|s| belongs(ctx, s));
    let reads: Vec<_> = owned.map(|secret| read_secret(ctx, &client, secret)).collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// Whether a listed secret is the environment's: by its tag, or untagged, by a name under
/// `<env>/` or (a master password RDS manages) by the DB cluster or instance it belongs to.
fn belongs(ctx: &RegionContext, secret: &sm::SecretListEntry) -> bool {
    let tags = tags(secret.tags());
    let prefixed = secret
        .name()
        .is_some_and(|n| n.starts_with(&format!("{}/", ctx.environment)));
    let database = rds_primary(&tags).is_some_and(|id| ctx.names_environment(id));
    ctx.owns(&tags, prefixed || database)
}

/// The tags with which RDS marks the master password it manages for a DB cluster or instance
/// (<https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html>).
const RDS_PRIMARY_TAGS: [&str; 2] = ["aws:rds:primaryDBClusterArn", "aws:rds:primaryDBInstanceArn"];

/// The identifier of the DB cluster or instance whose master password the secret is: the last
/// part of the ARN RDS tags it with (`arn:aws:rds:<region>:<account>:cluster:<id>`).
fn rds_primary(tags: &BTreeMap<String, String>) -> Option<&str> {
    let arn = RDS_PRIMARY_TAGS.iter().find_map(|key| tags.get(*key))?;
    arn.rsplit(':').next().filter(|id| !id.is_empty())
}

/// A secret's display name: its `Name` tag, for an RDS-managed master password (whose name is
/// `rds!cluster-<uuid>`, new with every cluster) `<cluster>/master-password`, else its name.
fn secret_display_name(tags: &BTreeMap<String, String>, name: &str) -> String {
    match rds_primary(tags) {
        Some(primary) if !tags.contains_key("Name") => super::master_password_name(primary),
        _ => display_name(tags, name),
    }
}

fn tags(tags: &[sm::Tag]) -> BTreeMap<String, String> {
    crate::collect::tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

/// One secret: its replicas (`DescribeSecret`) and policy (`GetResourcePolicy`).
async fn read_secret(
    ctx: &RegionContext,
    client: &Client,
    secret: sm::SecretListEntry,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let arn = secret.arn().unwrap_or_default();
    let item = ItemRead {
        read: &super::DESCRIBE_SECRET,
        kinds: KINDS,
        item: (K::SecretsManagerSecret, arn),
    };
    let (described, policy) = tokio::join!(
        client.describe_secret().secret_id(arn).send(),
        client.get_resource_policy().secret_id(arn).send(),
    );
    let replicas = match described {
        Ok(described) => replicas(described.replication_status()),
        Err(e) => {
            out.item_failed(ctx, item, &e);
            return (None, out);
        }
    };
    let policy = match policy {
        Ok(policy) => policy.resource_policy().map(str::to_string),
        Err(e) => {
            let item = ItemRead {
                read: &super::GET_RESOURCE_POLICY,
                ..item
            };
            out.item_failed(ctx, item, &e);
            return (None, out);
        }
    };
    let policy = match policy.as_deref().map(parse_policy).transpose() {
        Ok(policy) => policy,
        Err(message) => {
            let item = format!("secret `{}`", secret.name().unwrap_or_default());
            out.fail(ctx.malformed_policy(&super::GET_RESOURCE_POLICY, KINDS, &item, &message));
            return (None, out);
        }
    };
    (Some(secret_resource(ctx, &secret, replicas, policy)), out)
}

fn replicas(statuses: &[sm::ReplicationStatusType]) -> Vec<SecretReplica> {
    statuses
        .iter()
        .map(|r| SecretReplica {
            region: r.region().unwrap_or_default().to_string(),
            kms_key_id: r.kms_key_id().map(str::to_string),
            status: r.status().map(|s| s.as_str().to_string()),
        })
        .collect()
}

fn date(value: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    value.and_then(|d| d.fmt(Format::DateTime).ok())
}

fn secret_resource(
    ctx: &RegionContext,
    secret: &sm::SecretListEntry,
    replicas: Vec<SecretReplica>,
    policy: Option<Vec<crate::model::PolicyStatement>>,
) -> Resource {
    let name = secret.name().unwrap_or_default();
    let tags = tags(secret.tags());
    let rules = secret.rotation_rules();
    let current_version = secret.secret_versions_to_stages().and_then(|versions| {
        versions
            .iter()
            .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
            .map(|(version, _)| version.clone())
    });
    ctx.resource(
        name,
        secret_display_name(&tags, name),
        secret.arn().map(str::to_string),
        tags,
        Properties::SecretsManagerSecret(SecretsManagerSecret {
            description: secret.description().map(str::to_string),
            kms_key_id: secret.kms_key_id().map(str::to_string),
            rotation_enabled: secret.rotation_enabled().unwrap_or(false),
            rotation_function: secret.rotation_lambda_arn().map(str::to_string),
            rotation_days: rules.and_then(|r| r.automatically_after_days()),
            rotation_schedule: rules.and_then(|r| r.schedule_expression()).map(str::to_string),
            last_rotated: date(secret.last_rotated_date()),
            last_changed: date(secret.last_changed_date()),
            created: date(secret.created_date()),
            current_version,
            owning_service: secret.owning_service().map(str::to_string),
            policy,
            replicas,
        }),
    )
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, json, Recorded, Replay};

    fn entry(name: &str, environment: Option<&str>) -> String {
        let tags = environment
            .map(|e| format!(r#","Tags":[{{"Key":"Environment","Value":"{e}"}}]"#))
            .unwrap_or_default();
        format!(
            r#"{{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf","Name":"{name}","RotationEnabled":true,"RotationRules":{{"AutomaticallyAfterDays":30}},"LastRotatedDate":1795000000,"SecretVersionsToStages":{{"v-old":["AWSPREVIOUS"],"v-new":["AWSCURRENT"]}}{tags}}}"#
        )
    }

    /// A master password RDS manages for `cluster`, tagged as RDS tags it (no `Environment`).
    fn rds_entry(uuid: &str, cluster: &str) -> String {
        let name = format!("rds!cluster-{uuid}");
        format!(
            r#"{{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-AbCdEf","Name":"{name}","OwningService":"rds","RotationEnabled":true,"RotationRules":{{"AutomaticallyAfterDays":7}},"Tags":[{{"Key":"aws:rds:primaryDBClusterArn","Value":"arn:aws:rds:us-east-1:123456789012:cluster:{cluster}"}},{{"Key":"aws:secretsmanager:owningService","Value":"rds"}}]}}"#
        )
    }

    fn page(entries: &[String], next: Option<&str>) -> String {
        let next = next.map(|t| format!(r#","NextToken":"{t}""#)).unwrap_or_default();
        format!(r#"{{"SecretList":[{}]{next}}}"#, entries.join(","))
    }

    /// Secrets on two pages: staging's tagged one on the first, an untagged `staging/` one and
    /// prod's on the second.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        all.extend([
            json(
                &["secretsmanager.ListSecrets", "\"NextToken\":\"p2\""],
                200,
                &page(
                    &[
                        entry("staging/by-prefix", None),
                        entry("prod/db", Some("prod")),
                        rds_entry("5eed-1", "aurora-cluster-staging"),
                        rds_entry("5eed-2", "aurora-cluster-prod"),
                    ],
                    None,
                ),
            ),
            json(
                &["secretsmanager.ListSecrets"],
                200,
                &page(&[entry("redis-auth", Some("staging"))], Some("p2")),
            ),
            json(
                &["secretsmanager.DescribeSecret", "redis-auth"],
                200,
                r#"{"Name":"redis-auth","ReplicationStatus":[{"Region":"us-west-2","KmsKeyId":"alias/aws/secretsmanager","Status":"InSync"}]}"#,
            ),
            json(&["secretsmanager.DescribeSecret"], 200, r#"{"Name":"x"}"#),
            json(
                &["secretsmanager.GetResourcePolicy", "redis-auth"],
                200,
                r#"{"Name":"redis-auth","ResourcePolicy":"{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::123456789012:role/app\"},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}"}"#,
            ),
            json(&["secretsmanager.GetResourcePolicy"], 200, r#"{"Name":"x"}"#),
        ]);
        all
    }

    #[tokio::test]
    async fn every_page_is_read_and_only_metadata_is_asked_for() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("secretsmanager.ListSecrets"), 2, "both pages");
        assert_eq!(replay.count("GetSecretValue"), 0, "no value is ever asked for");
        let mut ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(
            ids,
            ["rds!cluster-5eed-1", "redis-auth", "staging/by-prefix"],
            "by tag, by name prefix, and by the DB cluster whose master password it is"
        );
        let master = collected.resources.iter().find(|r| r.id == "rds!cluster-5eed-1");
        let master = master.map(|r| (r.name.as_str(), r.logical_name.as_str()));
        assert_eq!(
            master,
            Some((
                "aurora-cluster-staging/master-password",
                "aurora-cluster-{env}/master-password"
            )),
            "named after its cluster, not RDS's random name"
        );
        let tagged = collected.resources.iter().find(|r| r.id == "redis-auth");
        let Some(Properties::SecretsManagerSecret(secret)) = tagged.map(|r| &r.properties) else {
            panic!("a secret")
        };
        assert_eq!(secret.current_version.as_deref(), Some("v-new"));
        assert_eq!(secret.rotation_days, Some(30));
        assert_eq!(secret.replicas[0].region, "us-west-2");
        assert_eq!(secret.policy.as_ref().map(Vec::len), Some(1));
        assert!(secret.last_rotated.as_deref().is_some_and(|d| d.starts_with("2026-")));
    }

    #[tokio::test]
    async fn a_refused_policy_read_leaves_secrets_unknown_and_names_the_action() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: secretsmanager:GetResourcePolicy"}"#;
        let replay = Replay::start(answers(vec![json(
            &["secretsmanager.GetResourcePolicy", "by-prefix"],
            400,
            denied,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "GetResourcePolicy", "AccessDeniedException", "secretsmanager:GetResourcePolicy");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }

    #[tokio::test]
    async fn a_secret_deleted_before_it_is_described_is_absent_not_unread() {
        let gone = r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#;
        let replay = Replay::start(answers(vec![json(
            &["secretsmanager.DescribeSecret", "by-prefix"],
            400,
            gone,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(collected.deleted.len(), 1);
        let mut ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        ids.sort_unstable();
        assert_eq!(ids, ["rds!cluster-5eed-1", "redis-auth"]);
    }
}

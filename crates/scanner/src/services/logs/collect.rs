//! CloudWatch Logs through its API: the log groups whose name carries the environment as a
//! whole token (`/ecs/trading-app-staging`, where the task definitions write), with their tags
//! (a group tagged for another environment is that one's).
//!
//! Only names are used to narrow the listing: reading every group's tags would cost one call
//! per log group of the account and region.

use std::collections::BTreeMap;

use aws_sdk_cloudwatchlogs::types as cw;
use aws_sdk_cloudwatchlogs::Client;

use crate::collect::{display_name, Collected, FnCollector, ItemRead, RegionContext};
use crate::model::{LogGroup, Properties, Resource, ResourceKind as K};

/// Page size of `DescribeLogGroups` (the API's maximum).
const PAGE_SIZE: i32 = 50;
/// Tag reads in flight at once.
const CONCURRENCY: usize = 4;
const KINDS: &[K] = &[K::LogGroup];

/// Reads CloudWatch Logs.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let listed = client
        .describe_log_groups()
        .limit(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let groups: Vec<cw::LogGroup> = match listed {
        Ok(groups) => groups,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_LOG_GROUPS, KINDS, &e));
            return out;
        }
    };
    let named: Vec<cw::LogGroup> = groups
        .into_iter()
        .filter(|g| {
            g.log_group_name()
                .is_some_and(|n| ctx.names_environment(n))
        })
        .collect();
    let reads: Vec<_> = named
        .into_iter()
        .map(|group| read_group(ctx, &client, group))
        .collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// One group with its tags; `None` when it is another environment's or could not be read.
async fn read_group(
    ctx: &RegionContext,
    client: &Client,
    group: cw::LogGroup,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let arn = group
        .log_group_arn()
        .map(str::to_string)
        .or_else(|| group.arn().map(|a| a.trim_end_matches(":*").to_string()))
        .unwrap_or_default();
    let tags = match client.list_tags_for_resource().resource_arn(&arn).send().await {
        Ok(found) => crate::collect::tag_map(
            found
                .tags()
                .into_iter()
                .flatten()
                .map(|(k, v)| (Some(k.as_str()), Some(v.as_str()))),
        ),
        Err(e) => {
            let item = ItemRead {
                read: &super::LIST_TAGS_FOR_RESOURCE,
                kinds: KINDS,
                item: (K::LogGroup, &arn),
            };
            out.item_failed(ctx, item, &e);
            return (None, out);
        }
    };
    // Named for the environment, it is the environment's unless tagged for another.
    if !ctx.owns(&tags, true) {
        return (None, out);
    }
    (Some(group_resource(ctx, &group, arn.clone(), tags)), out)
}

fn group_resource(
    ctx: &RegionContext,
    group: &cw::LogGroup,
    arn: String,
    tags: BTreeMap<String, String>,
) -> Resource {
    let name = group.log_group_name().unwrap_or_default();
    ctx.resource(
        name,
        display_name(&tags, name),
        Some(arn),
        tags,
        Properties::LogGroup(LogGroup {
            retention_days: group.retention_in_days(),
            kms_key_id: group.kms_key_id().map(str::to_string),
            class: group.log_group_class().map(|c| c.as_str().to_string()),
            deletion_protection: group.deletion_protection_enabled().unwrap_or(false),
        }),
    )
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, json, Recorded, Replay};

    fn group(name: &str, retention: Option<i32>) -> String {
        let retention = retention
            .map(|d| format!(r#","retentionInDays":{d}"#))
            .unwrap_or_default();
        format!(
            r#"{{"logGroupName":"{name}","arn":"arn:aws:logs:us-east-1:123456789012:log-group:{name}:*","logGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:{name}","storedBytes":12345,"logGroupClass":"STANDARD"{retention}}}"#
        )
    }

    /// Groups on two pages: staging's app group on the second, one tagged for prod although
    /// named for staging, and groups of no environment.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        let first = [group("/aws/lambda/driftscan", Some(30)), group("/ecs/trading-app-prod", Some(90))];
        let second = [group("/ecs/trading-app-staging", Some(30)), group("/ecs/borrowed-staging", None)];
        all.extend([
            json(
                &["Logs_20140328.DescribeLogGroups", "\"nextToken\":\"p2\""],
                200,
                &format!(r#"{{"logGroups":[{}]}}"#, second.join(",")),
            ),
            json(
                &["Logs_20140328.DescribeLogGroups"],
                200,
                &format!(r#"{{"logGroups":[{}],"nextToken":"p2"}}"#, first.join(",")),
            ),
            json(
                &["Logs_20140328.ListTagsForResource", "borrowed-staging"],
                200,
                r#"{"tags":{"Environment":"prod"}}"#,
            ),
            json(
                &["Logs_20140328.ListTagsForResource"],
                200,
                r#"{"tags":{"Environment":"staging"}}"#,
            ),
        ]);
        all
    }

    #[tokio::test]
    async fn every_page_is_read_and_groups_are_placed_by_name_then_tag() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("Logs_20140328.DescribeLogGroups"), 2, "both pages");
        assert_eq!(
            replay.count("Logs_20140328.ListTagsForResource"),
            2,
            "tags are read only for groups named for the environment"
        );
        let ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["/ecs/trading-app-staging"], "the one tagged for prod is prod's");
        let Properties::LogGroup(group) = &collected.resources[0].properties else {
            panic!("a log group")
        };
        assert_eq!(group.retention_days, Some(30));
        assert_eq!(group.class.as_deref(), Some("STANDARD"));
    }

    #[tokio::test]
    async fn refused_tags_leave_log_groups_unknown_and_name_the_action() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: logs:ListTagsForResource"}"#;
        let replay = Replay::start(answers(vec![json(
            &["Logs_20140328.ListTagsForResource", "trading-app-staging"],
            400,
            denied,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "ListTagsForResource", "AccessDeniedException", "logs:ListTagsForResource");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }
}

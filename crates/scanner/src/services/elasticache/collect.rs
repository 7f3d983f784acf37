//! ElastiCache through its API: replication groups, with what their member clusters carry
//! (engine version, subnet group, security groups, parameter group) and their tags.
//!
//! `DescribeReplicationGroups` returns no tags, so each group's are read with
//! `ListTagsForResource`; an untagged group belongs to the environment its id names as a whole
//! token (`redis-staging`), as a load balancer does.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_elasticache::types as ec;
use aws_sdk_elasticache::Client;
use futures::{stream, StreamExt};

use crate::collect::{display_name, Collected, FnCollector, ItemRead, RegionContext};
use crate::model::{CacheReplicationGroup, Properties, Resource, ResourceKind as K, ResourceRef};

/// Page size of both listings (the API's maximum).
const PAGE_SIZE: i32 = 100;
/// Tag reads in flight at once.
const CONCURRENCY: usize = 8;
const KINDS: &[K] = &[K::CacheReplicationGroup];

/// Reads ElastiCache.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let (groups, clusters) = tokio::join!(
        client
            .describe_replication_groups()
            .max_records(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_cache_clusters()
            .max_records(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    );
    let groups: Vec<ec::ReplicationGroup> = match groups {
        Ok(groups) => groups,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_REPLICATION_GROUPS, KINDS, &e));
            return out;
        }
    };
    let clusters: Vec<ec::CacheCluster> = match clusters {
        Ok(clusters) => clusters,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_CACHE_CLUSTERS, KINDS, &e));
            return out;
        }
    };
    let members = first_members(&clusters);
    // A group being deleted is listed until it is gone; it is gone for the environment already.
    let groups: Vec<&ec::ReplicationGroup> = groups
        .iter()
        .filter(|g| g.status() != Some("deleting"))
        .collect();
    let tags = out.absorb(read_tags(ctx, &client, &groups).await);
    for group in groups {
        let Some(arn) = group.arn() else { continue };
        let Some(tags) = tags.get(arn) else { continue };
        let id = group.replication_group_id().unwrap_or_default();
        let owned = match tags.get(&ctx.selection.tag_key) {
            Some(_) => ctx.owns(tags, false),
            None => ctx.names_environment(id),
        };
        if owned {
            let member = members.get(id).copied();
            out.resources
                .push(group_resource(ctx, group, member, tags.clone()));
        }
    }
    out.finish()
}

/// Each replication group's first member cluster (by id): what the group's members share.
fn first_members(clusters: &[ec::CacheCluster]) -> HashMap<&str, &ec::CacheCluster> {
    let mut first: HashMap<&str, &ec::CacheCluster> = HashMap::new();
    for cluster in clusters {
        let Some(group) = cluster.replication_group_id() else {
            continue;
        };
        let earlier = first
            .get(group)
            .is_some_and(|f| f.cache_cluster_id() <= cluster.cache_cluster_id());
        if !earlier {
            first.insert(group, cluster);
        }
    }
    first
}

/// Every group's tags, by ARN; a group gone since it was listed is noted and left out.
async fn read_tags(
    ctx: &RegionContext,
    client: &Client,
    groups: &[&ec::ReplicationGroup],
) -> (HashMap<String, BTreeMap<String, String>>, Collected) {
    let arns: Vec<String> = groups
        .iter()
        .filter_map(|g| g.arn().map(str::to_string))
        .collect();
    let answers: Vec<_> = stream::iter(arns.into_iter().map(|arn| async move {
        let answer = client
            .list_tags_for_resource()
            .resource_name(&arn)
            .send()
            .await;
        (arn, answer)
    }))
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await;
    let mut out = Collected::default();
    let mut tags = HashMap::new();
    for (arn, answer) in answers {
        match answer {
            Ok(found) => {
                let pairs = found.tag_list().iter().map(|t| (t.key(), t.value()));
                tags.insert(arn, crate::collect::tag_map(pairs));
            }
            Err(e) => {
                let read = ItemRead {
                    read: &super::LIST_TAGS_FOR_RESOURCE,
                    kinds: KINDS,
                    item: (K::CacheReplicationGroup, &arn),
                };
                out.item_failed(ctx, read, &e);
            }
        }
    }
    (tags, out)
}

fn group_resource(
    ctx: &RegionContext,
    group: &ec::ReplicationGroup,
    member: Option<&ec::CacheCluster>,
    tags: BTreeMap<String, String>,
) -> Resource {
    let id = group.replication_group_id().unwrap_or_default();
    let node_groups = group.node_groups();
    let replicas = node_groups
        .iter()
        .map(|g| g.node_group_members().len().saturating_sub(1))
        .max()
        .unwrap_or(0);
    ctx.resource(
        id,
        display_name(&tags, id),
        group.arn().map(str::to_string),
        tags,
        Properties::CacheReplicationGroup(CacheReplicationGroup {
            engine: group.engine().unwrap_or("redis").to_string(),
            engine_version: member.and_then(|m| m.engine_version()).map(str::to_string),
            node_type: group.cache_node_type().map(str::to_string),
            cluster_mode: group.cluster_mode().map(|m| m.as_str().to_string()),
            node_groups: u32::try_from(node_groups.len()).unwrap_or(u32::MAX),
            replicas_per_node_group: u32::try_from(replicas).unwrap_or(u32::MAX),
            automatic_failover: group.automatic_failover().map(|f| f.as_str().to_string()),
            multi_az: group.multi_az().map(|m| m.as_str().to_string()),
            transit_encryption: group.transit_encryption_enabled().unwrap_or(false),
            transit_encryption_mode: group
                .transit_encryption_mode()
                .map(|m| m.as_str().to_string()),
            at_rest_encryption: group.at_rest_encryption_enabled().unwrap_or(false),
            kms_key_id: group.kms_key_id().map(str::to_string),
            auth_token_enabled: group.auth_token_enabled().unwrap_or(false),
            user_groups: group.user_group_ids().to_vec(),
            snapshot_retention_limit: group.snapshot_retention_limit(),
            subnet_group: member
                .and_then(|m| m.cache_subnet_group_name())
                .map(str::to_string),
            security_groups: member
                .map(|m| m.security_groups())
                .unwrap_or_default()
                .iter()
                .filter_map(|g| g.security_group_id().map(ResourceRef::id))
                .collect(),
            parameter_group: member
                .and_then(|m| m.cache_parameter_group())
                .and_then(|p| p.cache_parameter_group_name())
                .map(str::to_string),
            status: group.status().map(str::to_string),
        }),
    )
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, xml, Recorded, Replay};

    const NS: &str = "http://elasticache.amazonaws.com/doc/2015-02-02/";

    fn groups(members: &str, marker: Option<&str>) -> String {
        let marker = marker.map(|m| format!("<Marker>{m}</Marker>")).unwrap_or_default();
        format!(
            "<DescribeReplicationGroupsResponse xmlns=\"{NS}\"><DescribeReplicationGroupsResult>{marker}<ReplicationGroups>{members}</ReplicationGroups></DescribeReplicationGroupsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeReplicationGroupsResponse>"
        )
    }

    fn group(id: &str, status: &str) -> String {
        format!(
            "<ReplicationGroup><ReplicationGroupId>{id}</ReplicationGroupId><Status>{status}</Status><ARN>arn:aws:elasticache:us-east-1:123456789012:replicationgroup:{id}</ARN><Engine>redis</Engine><CacheNodeType>cache.t4g.small</CacheNodeType><AutomaticFailover>enabled</AutomaticFailover><MultiAZ>enabled</MultiAZ><TransitEncryptionEnabled>true</TransitEncryptionEnabled><TransitEncryptionMode>required</TransitEncryptionMode><AtRestEncryptionEnabled>true</AtRestEncryptionEnabled><AuthTokenEnabled>true</AuthTokenEnabled><SnapshotRetentionLimit>7</SnapshotRetentionLimit><NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId><NodeGroupMembers><NodeGroupMember><CacheClusterId>{id}-001</CacheClusterId></NodeGroupMember><NodeGroupMember><CacheClusterId>{id}-002</CacheClusterId></NodeGroupMember></NodeGroupMembers></NodeGroup></NodeGroups></ReplicationGroup>"
        )
    }

    fn clusters() -> String {
        let cluster = |id: &str, group: &str| {
            format!("<CacheCluster><CacheClusterId>{id}</CacheClusterId><ReplicationGroupId>{group}</ReplicationGroupId><EngineVersion>7.1.0</EngineVersion><CacheSubnetGroupName>redis-subnets-staging</CacheSubnetGroupName><SecurityGroups><member><SecurityGroupId>sg-cache</SecurityGroupId><Status>active</Status></member></SecurityGroups><CacheParameterGroup><CacheParameterGroupName>default.redis7</CacheParameterGroupName></CacheParameterGroup></CacheCluster>")
        };
        format!(
            "<DescribeCacheClustersResponse xmlns=\"{NS}\"><DescribeCacheClustersResult><CacheClusters>{}{}</CacheClusters></DescribeCacheClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeCacheClustersResponse>",
            cluster("redis-staging-002", "redis-staging"),
            cluster("redis-staging-001", "redis-staging"),
        )
    }

    fn tags(environment: &str) -> String {
        format!(
            "<ListTagsForResourceResponse xmlns=\"{NS}\"><ListTagsForResourceResult><TagList><Tag><Key>Environment</Key><Value>{environment}</Value></Tag></TagList></ListTagsForResourceResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListTagsForResourceResponse>"
        )
    }

    /// Groups on two pages (staging's on the second, with one being deleted beside it).
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        all.extend([
            xml(
                &["Action=DescribeReplicationGroups", "Marker=m1"],
                200,
                &groups(
                    &format!("{}{}", group("redis-staging", "available"), group("redis-old", "deleting")),
                    None,
                ),
            ),
            xml(
                &["Action=DescribeReplicationGroups"],
                200,
                &groups(&group("redis-prod", "available"), Some("m1")),
            ),
            xml(&["Action=DescribeCacheClusters"], 200, &clusters()),
            xml(
                &["Action=ListTagsForResource", "redis-staging"],
                200,
                &tags("staging"),
            ),
            xml(&["Action=ListTagsForResource", "redis-prod"], 200, &tags("prod")),
        ]);
        all
    }

    #[tokio::test]
    async fn every_page_is_read_and_members_lend_the_group_their_settings() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("Action=DescribeReplicationGroups"), 2, "both pages");
        assert_eq!(replay.count("redis-old"), 0, "a group being deleted is not read further");
        let ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["redis-staging"], "staging's (second page) only");
        let Properties::CacheReplicationGroup(group) = &collected.resources[0].properties else {
            panic!("a replication group")
        };
        assert_eq!(group.engine_version.as_deref(), Some("7.1.0"));
        assert_eq!(group.subnet_group.as_deref(), Some("redis-subnets-staging"));
        assert_eq!(group.security_groups, [ResourceRef::id("sg-cache")]);
        assert_eq!(group.parameter_group.as_deref(), Some("default.redis7"));
        assert_eq!((group.node_groups, group.replicas_per_node_group), (1, 1));
        assert!(group.auth_token_enabled && group.transit_encryption && group.at_rest_encryption);
    }

    #[tokio::test]
    async fn refused_tags_leave_the_kind_unknown_and_name_the_action() {
        let denied = format!("<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: elasticache:ListTagsForResource</Message></Error><RequestId>r</RequestId></ErrorResponse>");
        let replay = Replay::start(answers(vec![xml(
            &["Action=ListTagsForResource", "redis-prod"],
            403,
            &denied,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "ListTagsForResource", "AccessDenied", "elasticache:ListTagsForResource");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }

    #[tokio::test]
    async fn a_group_deleted_before_its_tags_are_read_is_absent_not_unread() {
        let gone = format!("<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>ReplicationGroupNotFoundFault</Code><Message>ReplicationGroup redis-prod not found.</Message></Error><RequestId>r</RequestId></ErrorResponse>");
        let replay = Replay::start(answers(vec![xml(
            &["Action=ListTagsForResource", "redis-prod"],
            404,
            &gone,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(collected.deleted.len(), 1);
        assert_eq!(collected.resources.len(), 1, "staging's group is still read");
    }
}

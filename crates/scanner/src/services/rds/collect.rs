//! RDS and Aurora through the RDS API: DB clusters and their instances.
//!
//! RDS `Describe*` calls take no tag filters (AWS and the emulator both reject `tag:` filters), so
//! clusters are listed in full (100 per page) and selected by the `TagList` they return.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_rds::types as rds;
use aws_sdk_rds::Client;

use crate::collect::{FnCollector, display_name, Collected, RegionContext};
use crate::model::{
    DbCluster, DbClusterMember, DbInstance, Properties, ResourceKind as K, ResourceRef,
    ServerlessV2Scaling,
};

/// Page size of `DescribeDBClusters` / `DescribeDBInstances` (the API's maximum).
const PAGE_SIZE: i32 = 100;

const KINDS: &[K] = &[K::DbCluster, K::DbInstance];

/// Reads RDS / Aurora.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

fn tags(tags: &[rds::Tag]) -> BTreeMap<String, String> {
    crate::collect::tag_map(tags.iter().map(|t| (t.key(), t.value())))
}

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let (clusters, instances) = tokio::join!(
        client
            .describe_db_clusters()
            .max_records(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_db_instances()
            .max_records(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    );

    // Instances are selected through their cluster, so they are unknown when clusters are.
    let clusters = match clusters {
        Ok(clusters) => clusters,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_DB_CLUSTERS, KINDS, &e));
            return out;
        }
    };
    let mut env_clusters = HashSet::new();
    let mut writers: HashMap<String, bool> = HashMap::new();
    for cluster in &clusters {
        let cluster_tags = tags(cluster.tag_list());
        if !ctx.owns(&cluster_tags, false) {
            continue;
        }
        if let Some(id) = cluster.db_cluster_identifier() {
            env_clusters.insert(id.to_string());
        }
        for member in cluster.db_cluster_members() {
            if let Some(instance) = member.db_instance_identifier() {
                writers.insert(
                    instance.to_string(),
                    member.is_cluster_writer().unwrap_or(false),
                );
            }
        }
        out.resources
            .push(cluster_resource(ctx, cluster, cluster_tags));
    }

    match instances {
        Ok(instances) => {
            for instance in instances {
                let in_env_cluster = instance
                    .db_cluster_identifier()
                    .is_some_and(|c| env_clusters.contains(c));
                let instance_tags = tags(instance.tag_list());
                if ctx.owns(&instance_tags, in_env_cluster) {
                    out.resources
                        .push(instance_resource(ctx, &instance, instance_tags, &writers));
                }
            }
        }
        Err(e) => out.fail(ctx.failure(&super::DESCRIBE_DB_INSTANCES, &[K::DbInstance], &e)),
    }
    out.finish()
}

fn cluster_resource(
    ctx: &RegionContext,
    cluster: &rds::DbCluster,
    tags: BTreeMap<String, String>,
) -> crate::model::Resource {
    let id = cluster.db_cluster_identifier().unwrap_or_default();
    ctx.resource(
        id,
        display_name(&tags, id),
        cluster.db_cluster_arn().map(str::to_string),
        tags,
        Properties::DbCluster(DbCluster {
            engine: cluster.engine().unwrap_or_default().to_string(),
            engine_version: cluster.engine_version().map(str::to_string),
            engine_mode: cluster.engine_mode().map(str::to_string),
            status: cluster.status().map(str::to_string),
            storage_encrypted: cluster.storage_encrypted().unwrap_or(false),
            kms_key_id: cluster.kms_key_id().map(str::to_string),
            backup_retention_period: cluster.backup_retention_period(),
            deletion_protection: cluster.deletion_protection().unwrap_or(false),
            iam_database_authentication: cluster
                .iam_database_authentication_enabled()
                .unwrap_or(false),
            serverless_v2_scaling: cluster.serverless_v2_scaling_configuration().map(|s| {
                ServerlessV2Scaling {
                    min_capacity: s.min_capacity().filter(|v| v.is_finite()),
                    max_capacity: s.max_capacity().filter(|v| v.is_finite()),
                }
            }),
            parameter_group: cluster.db_cluster_parameter_group().map(str::to_string),
            subnet_group: cluster.db_subnet_group().map(str::to_string),
            security_groups: cluster
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(ResourceRef::id))
                .collect(),
            port: cluster.port(),
            availability_zones: cluster.availability_zones().to_vec(),
            members: cluster
                .db_cluster_members()
                .iter()
                .filter_map(|m| {
                    Some(DbClusterMember {
                        instance: m.db_instance_identifier()?.to_string(),
                        writer: m.is_cluster_writer().unwrap_or(false),
                    })
                })
                .collect(),
        }),
    )
}

fn instance_resource(
    ctx: &RegionContext,
    instance: &rds::DbInstance,
    tags: BTreeMap<String, String>,
    writers: &HashMap<String, bool>,
) -> crate::model::Resource {
    let id = instance.db_instance_identifier().unwrap_or_default();
    let role = match (instance.db_cluster_identifier(), writers.get(id)) {
        (None, _) => "standalone",
        (Some(_), Some(true)) => "writer",
        (Some(_), _) => "reader",
    };
    ctx.resource(
        id,
        display_name(&tags, id),
        instance.db_instance_arn().map(str::to_string),
        tags,
        Properties::DbInstance(DbInstance {
            cluster: instance.db_cluster_identifier().map(str::to_string),
            instance_class: instance.db_instance_class().unwrap_or_default().to_string(),
            engine: instance.engine().unwrap_or_default().to_string(),
            role: role.to_string(),
            availability_zone: instance.availability_zone().map(str::to_string),
            performance_insights: instance.performance_insights_enabled().unwrap_or(false),
            publicly_accessible: instance.publicly_accessible().unwrap_or(false),
            status: instance.db_instance_status().map(str::to_string),
        }),
    )
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, xml, Recorded, Replay};

    fn clusters(members: &str, marker: Option<&str>) -> String {
        let marker = marker.map(|m| format!("<Marker>{m}</Marker>")).unwrap_or_default();
        format!(
            "<DescribeDBClustersResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><DescribeDBClustersResult>{marker}<DBClusters>{members}</DBClusters></DescribeDBClustersResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBClustersResponse>"
        )
    }

    fn cluster(id: &str, environment: &str, writer: &str) -> String {
        format!(
            "<DBCluster><DBClusterIdentifier>{id}</DBClusterIdentifier><Engine>aurora-postgresql</Engine><StorageEncrypted>true</StorageEncrypted><DBClusterMembers><DBClusterMember><DBInstanceIdentifier>{writer}</DBInstanceIdentifier><IsClusterWriter>true</IsClusterWriter></DBClusterMember></DBClusterMembers><TagList><Tag><Key>Environment</Key><Value>{environment}</Value></Tag></TagList></DBCluster>"
        )
    }

    fn instances() -> String {
        let instance = |id: &str, cluster: &str| {
            format!("<DBInstance><DBInstanceIdentifier>{id}</DBInstanceIdentifier><DBInstanceClass>db.r6g.large</DBInstanceClass><Engine>aurora-postgresql</Engine><DBClusterIdentifier>{cluster}</DBClusterIdentifier><PubliclyAccessible>false</PubliclyAccessible></DBInstance>")
        };
        format!(
            "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><DescribeDBInstancesResult><DBInstances>{}{}</DBInstances></DescribeDBInstancesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeDBInstancesResponse>",
            instance("aurora-staging-1", "aurora-cluster-staging"),
            instance("aurora-prod-1", "aurora-cluster-prod"),
        )
    }

    /// Clusters on two pages (staging's on the second), instances on one.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        all.extend([
            xml(
                &["Action=DescribeDBClusters", "Marker=m1"],
                200,
                &clusters(&cluster("aurora-cluster-staging", "staging", "aurora-staging-1"), None),
            ),
            xml(
                &["Action=DescribeDBClusters"],
                200,
                &clusters(&cluster("aurora-cluster-prod", "prod", "aurora-prod-1"), Some("m1")),
            ),
            xml(&["Action=DescribeDBInstances"], 200, &instances()),
        ]);
        all
    }

    #[tokio::test]
    async fn every_page_of_clusters_is_read_and_instances_follow_their_cluster() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("Action=DescribeDBClusters"), 2, "both pages");
        let ids: Vec<(K, &str)> = collected
            .resources
            .iter()
            .map(|r| (r.kind, r.id.as_str()))
            .collect();
        assert_eq!(
            ids,
            [
                (K::DbCluster, "aurora-cluster-staging"),
                (K::DbInstance, "aurora-staging-1")
            ],
            "staging's cluster (second page) and its writer; prod's are not staging's"
        );
        let Properties::DbInstance(instance) = &collected.resources[1].properties else {
            panic!("an instance")
        };
        assert_eq!(instance.role, "writer");
    }

    #[tokio::test]
    async fn refused_instances_leave_instances_unknown_and_keep_the_clusters() {
        let denied = "<ErrorResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: rds:DescribeDBInstances</Message></Error><RequestId>r</RequestId></ErrorResponse>";
        let replay = Replay::start(answers(vec![xml(
            &["Action=DescribeDBInstances"],
            403,
            denied,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "DescribeDBInstances", "AccessDenied", "rds:DescribeDBInstances");
        let failure = &collected.failures[0];
        assert_eq!(failure.kinds, [K::DbInstance]);
        assert!(collected.resources.iter().all(|r| r.kind == K::DbCluster));
        assert_eq!(collected.resources.len(), 1);
    }
}

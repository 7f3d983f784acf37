//! Route 53 through its API, once per scan: the paginated `ListHostedZones`, the zones' tags
//! (`ListTagsForResources`, ten zones a call), and the records of the environment's zones (of
//! every zone, for a preview, whose records live in its parent's zone). Then the targets'
//! existence, one listing each where a record needs it: `DescribeLoadBalancers` in each region
//! a record's load balancer is in (unless the scan found that load balancer itself),
//! `ListDistributions`, `ListBuckets`. A failed existence read
//! leaves the records unknown: a record is never reported dangling, nor fine, on a guess.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_route53::types as r53;
use aws_sdk_route53::Client;

use super::{classify_target, dns_name, record_belongs};
use crate::collect::{display_name, Collected, FnCollector, RegionContext};
use crate::model::{DnsAlias, DnsRecord, DnsTarget, DnsZone, Properties, ReadFailure, Resource, ResourceKind as K};

/// Zones `ListTagsForResources` takes at once (the API's maximum).
const TAG_BATCH: usize = 10;
/// Zones whose records are read at once.
const CONCURRENCY: usize = 4;
const ZONE_KINDS: &[K] = &[K::DnsZone, K::DnsRecord];
const RECORD_KINDS: &[K] = &[K::DnsRecord];

/// Reads Route 53.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

/// A listed zone and whether it is the environment's.
struct Zone {
    zone: r53::HostedZone,
    tags: BTreeMap<String, String>,
    environments: bool,
}

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let zones = match list_zones(ctx, &client).await {
        Ok(zones) => zones,
        Err(failure) => {
            out.fail(*failure);
            return out;
        }
    };
    let preview = crate::baseline::is_preview(&ctx.environment);
    let read: Vec<&Zone> = zones.iter().filter(|z| z.environments || preview).collect();
    let mut listed = Vec::new();
    for chunk in read.chunks(CONCURRENCY) {
        listed.extend(futures::future::join_all(chunk.iter().map(|z| list_records(&client, &z.zone))).await);
    }
    let mut records = Vec::new();
    for (zone, answer) in read.iter().zip(listed) {
        match answer {
            Ok(sets) => records.extend(zone_records(ctx, zone, sets)),
            Err(e) => out.item_failed(ctx, item(&super::LIST_RESOURCE_RECORD_SETS, zone.zone.id()), &e),
        }
    }
    for zone in zones.iter().filter(|z| z.environments) {
        out.resources.push(zone_resource(ctx, zone));
    }
    // The records are kept only once every target they name was looked for.
    match Targets::check(ctx, &mut records).await {
        Ok(()) => out.resources.extend(records),
        Err(failure) => out.fail(*failure),
    }
    out.finish()
}

fn item<'a>(read: &'static crate::kinds::Read, zone: &'a str) -> crate::collect::ItemRead<'a> {
    crate::collect::ItemRead { read, kinds: RECORD_KINDS, item: (K::DnsZone, zone) }
}

/// Every zone with its tags, and whether it is the environment's: its domain carries the
/// environment (a preview's name deciding first) and no tag gives it to another, or a tag
/// gives it to the environment.
async fn list_zones(ctx: &RegionContext, client: &Client) -> Result<Vec<Zone>, Box<ReadFailure>> {
    let pages: Result<Vec<_>, _> = client.list_hosted_zones().into_paginator().send().try_collect().await;
    let zones: Vec<r53::HostedZone> = pages
        .map_err(|e| Box::new(ctx.failure(&super::LIST_HOSTED_ZONES, ZONE_KINDS, &e)))?
        .into_iter()
        .flat_map(|page| page.hosted_zones)
        .collect();
    let mut tags: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let ids: Vec<String> = zones.iter().map(|z| short_id(z.id()).to_string()).collect();
    for batch in crate::collect::batches(&ids, TAG_BATCH) {
        let answer = client
            .list_tags_for_resources()
            .resource_type(r53::TagResourceType::Hostedzone)
            .set_resource_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| Box::new(ctx.failure(&super::LIST_TAGS_FOR_RESOURCES, ZONE_KINDS, &e)))?;
        for set in answer.resource_tag_sets() {
            let map = crate::collect::tag_map(set.tags().iter().map(|t| (t.key(), t.value())));
            tags.insert(set.resource_id().unwrap_or_default().to_string(), map);
        }
    }
    Ok(zones
        .into_iter()
        .map(|zone| {
            let tags = tags.remove(short_id(zone.id())).unwrap_or_default();
            let named = record_belongs(&dns_name(zone.name()), &ctx.environment, false);
            let environments = match tags.get(&ctx.selection.tag_key) {
                Some(_) => ctx.owns(&tags, false),
                None => named,
            };
            Zone { zone, tags, environments }
        })
        .collect())
}

/// `/hostedzone/Z1` -> `Z1`.
fn short_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// Every record set of `zone`, following Route 53's three-part page tokens.
async fn list_records(
    client: &Client,
    zone: &r53::HostedZone,
) -> Result<Vec<r53::ResourceRecordSet>, aws_sdk_route53::error::SdkError<aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsError>> {
    let mut sets = Vec::new();
    let mut next: Option<(String, Option<r53::RrType>, Option<String>)> = None;
    loop {
        let mut request = client.list_resource_record_sets().hosted_zone_id(zone.id());
        if let Some((name, kind, identifier)) = next.take() {
            request = request
                .start_record_name(name)
                .set_start_record_type(kind)
                .set_start_record_identifier(identifier);
        }
        let page = request.send().await?;
        sets.extend(page.resource_record_sets.clone());
        match (page.is_truncated, page.next_record_name) {
            (true, Some(name)) => next = Some((name, page.next_record_type, page.next_record_identifier)),
            _ => return Ok(sets),
        }
    }
}

/// The environment's records of `zone`, without the zone's own SOA and NS.
fn zone_records(ctx: &RegionContext, zone: &Zone, sets: Vec<r53::ResourceRecordSet>) -> Vec<Resource> {
    let domain = dns_name(zone.zone.name());
    sets.into_iter()
        .filter(|s| {
            let apex = dns_name(s.name()) == domain;
            !(apex && matches!(s.r#type(), r53::RrType::Soa | r53::RrType::Ns))
        })
        .filter(|s| record_belongs(&dns_name(s.name()), &ctx.environment, zone.environments))
        .map(|s| record_resource(ctx, &domain, &s))
        .collect()
}

fn record_resource(ctx: &RegionContext, zone: &str, set: &r53::ResourceRecordSet) -> Resource {
    let name = dns_name(set.name());
    let record_type = set.r#type().as_str().to_string();
    let values: Vec<String> = set.resource_records().iter().map(|r| r.value().to_string()).collect();
    let alias = set.alias_target().map(|a| DnsAlias {
        dns_name: dns_name(a.dns_name()),
        hosted_zone_id: a.hosted_zone_id().to_string(),
        evaluate_target_health: a.evaluate_target_health(),
    });
    let pointed = match (&alias, record_type.as_str()) {
        (Some(alias), _) => Some(alias.dns_name.clone()),
        (None, "CNAME") => values.first().cloned(),
        _ => None,
    };
    let target = pointed.and_then(|p| classify_target(&name, &p)).map(|(kind, target, region)| DnsTarget {
        kind: kind.to_string(),
        name: target,
        region,
        present: true,
    });
    let mut properties = DnsRecord {
        zone: zone.to_string(),
        name: name.clone(),
        record_type: record_type.clone(),
        ttl: set.ttl(),
        values,
        alias,
        set_identifier: set.set_identifier().map(str::to_string),
        target,
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    let mut id = format!("{name} {record_type}");
    if let Some(identifier) = set.set_identifier() {
        id.push_str(&format!(" {identifier}"));
    }
    ctx.resource(id.clone(), id, None, BTreeMap::new(), Properties::DnsRecord(properties))
}

fn zone_resource(ctx: &RegionContext, zone: &Zone) -> Resource {
    let domain = dns_name(zone.zone.name());
    let config = zone.zone.config();
    let properties = DnsZone {
        domain: domain.clone(),
        private: config.is_some_and(|c| c.private_zone()),
        comment: config.and_then(|c| c.comment()).filter(|c| !c.is_empty()).map(str::to_string),
    };
    let id = short_id(zone.zone.id());
    let arn = format!("arn:aws:route53:::hostedzone/{id}");
    ctx.resource(id, display_name(&zone.tags, &domain), Some(arn), zone.tags.clone(), Properties::DnsZone(properties))
}

/// What exists of the kinds records point at.
#[derive(Default)]
struct Targets {
    load_balancers: BTreeSet<String>,
    distributions: BTreeSet<String>,
    buckets: BTreeSet<String>,
}

impl Targets {
    /// Reads what exists of what `records` point at, one listing per kind (per region for load
    /// balancers), and marks each target that does not.
    async fn check(ctx: &RegionContext, records: &mut [Resource]) -> Result<(), Box<ReadFailure>> {
        let targets: Vec<&DnsTarget> = records.iter().filter_map(target_of).collect();
        let wanted = |kind: &str| targets.iter().any(|t| t.kind == kind);
        // The load balancers the scan itself found exist: only the others are looked for.
        let mut existing = Targets {
            load_balancers: crate::services::elbv2::found_dns_names(&ctx.found),
            ..Targets::default()
        };
        let regions: BTreeSet<String> = targets
            .iter()
            .filter(|t| t.kind == "load-balancer" && !existing.load_balancers.contains(&t.name))
            .filter_map(|t| t.region.clone())
            .collect();
        for region in regions {
            existing.load_balancers.extend(load_balancers(ctx, &region).await?);
        }
        if wanted("cloudfront-distribution") {
            existing.distributions = distributions(ctx).await?;
        }
        if wanted("s3-website") {
            existing.buckets = buckets(ctx).await?;
        }
        for record in records.iter_mut() {
            if let Properties::DnsRecord(DnsRecord { target: Some(target), .. }) = &mut record.properties {
                target.present = match target.kind.as_str() {
                    "load-balancer" => existing.load_balancers.contains(&target.name),
                    "cloudfront-distribution" => existing.distributions.contains(&target.name),
                    _ => existing.buckets.contains(&target.name),
                };
            }
        }
        Ok(())
    }
}

/// The DNS names of the load balancers the scan found.
fn target_of(resource: &Resource) -> Option<&DnsTarget> {
    match &resource.properties {
        Properties::DnsRecord(record) => record.target.as_ref(),
        _ => None,
    }
}

async fn load_balancers(ctx: &RegionContext, region: &str) -> Result<Vec<String>, Box<ReadFailure>> {
    let config = crate::aws::for_region(&ctx.sdk_config, region);
    let client = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let listed: Result<Vec<_>, _> = client.describe_load_balancers().into_paginator().items().send().try_collect().await;
    let read = &crate::services::elbv2::DESCRIBE_LOAD_BALANCERS;
    let listed = listed.map_err(|e| Box::new(ctx.failure(read, RECORD_KINDS, &e)))?;
    Ok(listed.iter().filter_map(|lb| lb.dns_name()).map(dns_name).collect())
}

async fn distributions(ctx: &RegionContext) -> Result<BTreeSet<String>, Box<ReadFailure>> {
    let client = aws_sdk_cloudfront::Client::new(&ctx.sdk_config);
    let read = &crate::services::cloudfront::LIST_DISTRIBUTIONS;
    let listed = crate::services::cloudfront::collect::list_distributions(&client)
        .await
        .map_err(|e| Box::new(ctx.failure(read, RECORD_KINDS, &e)))?;
    Ok(listed.iter().map(|d| dns_name(d.domain_name())).collect())
}

async fn buckets(ctx: &RegionContext) -> Result<BTreeSet<String>, Box<ReadFailure>> {
    let client = crate::aws::s3_client(&ctx.sdk_config);
    let listed: Result<Vec<_>, _> = client.list_buckets().into_paginator().items().send().try_collect().await;
    let read = &crate::services::s3::LIST_BUCKETS;
    let listed = listed.map_err(|e| Box::new(ctx.failure(read, RECORD_KINDS, &e)))?;
    Ok(listed.iter().filter_map(|b| b.name()).map(str::to_string).collect())
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, xml, Recorded, Replay};

    const NS: &str = "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"";

    fn zones() -> String {
        format!(
            r#"<ListHostedZonesResponse {NS}><HostedZones><HostedZone><Id>/hostedzone/ZSTAGING</Id><Name>staging.trading.example.com.</Name><CallerReference>a</CallerReference><Config><PrivateZone>false</PrivateZone></Config></HostedZone><HostedZone><Id>/hostedzone/ZPROD</Id><Name>prod.trading.example.com.</Name><CallerReference>b</CallerReference></HostedZone></HostedZones><IsTruncated>false</IsTruncated><MaxItems>100</MaxItems></ListHostedZonesResponse>"#
        )
    }

    fn record(name: &str, kind: &str, value: &str) -> String {
        format!("<ResourceRecordSet><Name>{name}</Name><Type>{kind}</Type><TTL>300</TTL><ResourceRecords><ResourceRecord><Value>{value}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>")
    }

    /// staging's zone's records on two pages, the second starting at `api.` CNAME.
    fn answers(elb: Recorded) -> Vec<Recorded> {
        let first = format!(
            "<ListResourceRecordSetsResponse {NS}><ResourceRecordSets>{}{}</ResourceRecordSets><IsTruncated>true</IsTruncated><NextRecordName>api.staging.trading.example.com.</NextRecordName><NextRecordType>CNAME</NextRecordType><MaxItems>2</MaxItems></ListResourceRecordSetsResponse>",
            record("staging.trading.example.com.", "NS", "ns-1.awsdns-00.com."),
            record("staging.trading.example.com.", "TXT", "\"v=spf1 -all\""),
        );
        let second = format!(
            "<ListResourceRecordSetsResponse {NS}><ResourceRecordSets>{}</ResourceRecordSets><IsTruncated>false</IsTruncated><MaxItems>2</MaxItems></ListResourceRecordSetsResponse>",
            record("api.staging.trading.example.com.", "CNAME", "alb-staging-1.us-east-1.elb.amazonaws.com"),
        );
        vec![
            xml(&["GET /2013-04-01/hostedzone?"], 200, &zones()),
            xml(&["GET /2013-04-01/hostedzone "], 200, &zones()),
            xml(&["tags/hostedzone"], 200, &format!("<ListTagsForResourcesResponse {NS}><ResourceTagSets></ResourceTagSets></ListTagsForResourcesResponse>")),
            xml(&["/hostedzone/ZSTAGING/rrset", "name=api.staging"], 200, &second),
            xml(&["/hostedzone/ZSTAGING/rrset"], 200, &first),
            elb,
        ]
    }

    fn elb_answer(dns_name: &str) -> Recorded {
        xml(
            &["Action=DescribeLoadBalancers"],
            200,
            &format!("<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DescribeLoadBalancersResult><LoadBalancers><member><DNSName>{dns_name}</DNSName><LoadBalancerName>alb-staging</LoadBalancerName></member></LoadBalancers></DescribeLoadBalancersResult></DescribeLoadBalancersResponse>"),
        )
    }

    fn global(replay: &Replay) -> RegionContext {
        let mut ctx = replay.region_context();
        ctx.region = crate::kinds::GLOBAL_REGION.into();
        ctx
    }

    #[tokio::test]
    async fn both_record_pages_are_read_and_a_target_that_is_gone_is_marked() {
        let replay = Replay::start(answers(elb_answer("alb-staging-2.us-east-1.elb.amazonaws.com")));
        let collected = collect(&global(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("/hostedzone/ZSTAGING/rrset"), 2, "both pages");
        assert_eq!(replay.count("/hostedzone/ZPROD/rrset"), 0, "prod's zone is not read");
        assert_eq!(replay.count("Action=DescribeLoadBalancers"), 1, "one listing for the region");
        let mut ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["ZSTAGING", "api.staging.trading.example.com CNAME", "staging.trading.example.com TXT"], "not the apex NS");
        let api = collected.resources.iter().find(|r| r.id.starts_with("api.")).expect("the CNAME");
        let Properties::DnsRecord(api) = &api.properties else { panic!("a record") };
        let target = api.target.as_ref().expect("a load balancer");
        assert_eq!((target.kind.as_str(), target.present), ("load-balancer", false), "another balancer exists, not it");
    }

    #[tokio::test]
    async fn a_refused_existence_check_leaves_the_records_unknown() {
        let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: elasticloadbalancing:DescribeLoadBalancers</Message></Error></ErrorResponse>";
        let replay = Replay::start(answers(xml(&["Action=DescribeLoadBalancers"], 403, denied)));
        let collected = collect(&global(&replay)).await;
        assert_refused(&collected, "DescribeLoadBalancers", "AccessDenied", "elasticloadbalancing:DescribeLoadBalancers");
        let kinds: Vec<K> = collected.resources.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, [K::DnsZone], "the records unknown, not fine; the zone read");
    }
}

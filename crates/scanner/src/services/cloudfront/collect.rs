//! CloudFront through its API: the paginated `ListDistributions` once per scan, then, for the
//! environment's distributions only, their configuration (`GetDistributionConfig`, which alone
//! has logging) and tags. A distribution is the environment's when one of its origins is a
//! load balancer the scan found (read whatever its tags say), or when an alternate domain name
//! carries the environment and no tag gives it to another.

use std::collections::BTreeMap;

use aws_sdk_cloudfront::types as cf;
use aws_sdk_cloudfront::operation::list_distributions::ListDistributionsError;
use aws_sdk_cloudfront::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;

use crate::collect::{display_name, Collected, FnCollector, RegionContext, Unread};
use crate::model::{
    CdnBehavior, CdnOrigin, CloudfrontDistribution, Properties, Resource, ResourceKind as K,
};

/// Distributions read further at once.
const CONCURRENCY: usize = 4;
const KINDS: &[K] = &[K::CloudfrontDistribution];

/// Reads CloudFront.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let summaries = match list_distributions(&client).await {
        Ok(summaries) => summaries,
        Err(e) => {
            out.fail(ctx.failure(&super::LIST_DISTRIBUTIONS, KINDS, &e));
            return out;
        }
    };
    let fronted = crate::services::elbv2::found_dns_names(&ctx.found);
    let reads: Vec<_> = summaries
        .into_iter()
        .filter_map(|s| {
            let used = s.origins().is_some_and(|o| {
                o.items().iter().any(|origin| fronted.contains(&origin.domain_name().to_ascii_lowercase()))
            });
            let named = s
                .aliases()
                .is_some_and(|a| a.items().iter().any(|alias| ctx.names_environment(alias)));
            (used || named).then(|| read_distribution(ctx, &client, s, used))
        })
        .collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// Every distribution of the account, all pages (Route 53 checks its records' targets with it).
pub(crate) async fn list_distributions(
    client: &Client,
) -> Result<Vec<cf::DistributionSummary>, SdkError<ListDistributionsError, HttpResponse>> {
    let pages: Vec<_> = client.list_distributions().into_paginator().send().try_collect().await?;
    Ok(pages
        .into_iter()
        .filter_map(|page| page.distribution_list)
        .flat_map(|list| list.items.unwrap_or_default())
        .collect())
}

/// One distribution with its configuration and tags; `None` when another environment's, gone,
/// or unread.
async fn read_distribution(
    ctx: &RegionContext,
    client: &Client,
    summary: cf::DistributionSummary,
    used: bool,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let id = summary.id().to_string();
    let (config, tags) = tokio::join!(
        client.get_distribution_config().id(&id).send(),
        client.list_tags_for_resource().resource(summary.arn()).send(),
    );
    let read = (|| {
        let config = ctx.configured(&super::GET_DISTRIBUTION_CONFIG, KINDS, config)?;
        let tags = ctx.configured(&super::LIST_TAGS_FOR_RESOURCE, KINDS, tags)?;
        Ok::<_, Unread>((config.and_then(|c| c.distribution_config), tags))
    })();
    let (config, tags) = match read {
        Ok(read) => read,
        Err(why) => {
            out.unread(ctx, (K::CloudfrontDistribution, &id), why);
            return (None, out);
        }
    };
    let tags = crate::collect::tag_map(
        tags.iter()
            .filter_map(|t| t.tags())
            .flat_map(|t| t.items())
            .map(|t| (Some(t.key()), t.value())),
    );
    match config.filter(|_| used || ctx.owns(&tags, true)) {
        Some(config) => (Some(distribution_resource(ctx, &summary, &config, tags)), out),
        None => (None, out),
    }
}

fn distribution_resource(
    ctx: &RegionContext,
    summary: &cf::DistributionSummary,
    config: &cf::DistributionConfig,
    tags: BTreeMap<String, String>,
) -> Resource {
    let certificate = config.viewer_certificate();
    let mut properties = CloudfrontDistribution {
        aliases: config.aliases().map(|a| a.items().to_vec()).unwrap_or_default(),
        domain_name: summary.domain_name().to_string(),
        enabled: config.enabled(),
        comment: Some(config.comment()).filter(|c| !c.is_empty()).map(str::to_string),
        origins: config.origins().map(|o| o.items().iter().map(origin).collect()).unwrap_or_default(),
        behaviors: behaviors(config),
        certificate: certificate.map_or("cloudfront-default".to_string(), certificate_name),
        minimum_protocol_version: certificate
            .and_then(|c| c.minimum_protocol_version())
            .map(|v| v.as_str().to_string()),
        ssl_support_method: certificate
            .and_then(|c| c.ssl_support_method())
            .map(|m| m.as_str().to_string()),
        web_acl: config.web_acl_id().filter(|w| !w.is_empty()).map(str::to_string),
        logging_bucket: config
            .logging()
            .filter(|l| l.enabled())
            .map(|l| l.bucket())
            .filter(|b| !b.is_empty())
            .map(str::to_string),
        price_class: config.price_class().map(|p| p.as_str().to_string()),
        http_version: config.http_version().map(|h| h.as_str().to_string()),
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    let name = properties.aliases.first().cloned().unwrap_or_else(|| summary.id().to_string());
    ctx.resource(
        summary.id(),
        display_name(&tags, &name),
        Some(summary.arn().to_string()),
        tags,
        Properties::CloudfrontDistribution(properties),
    )
}

/// The viewer certificate as one name: the ACM ARN, the IAM certificate id, or the default.
fn certificate_name(c: &cf::ViewerCertificate) -> String {
    c.acm_certificate_arn()
        .or(c.iam_certificate_id())
        .filter(|c| !c.is_empty())
        .unwrap_or("cloudfront-default")
        .to_string()
}

fn origin(o: &cf::Origin) -> CdnOrigin {
    let custom = o.custom_origin_config();
    CdnOrigin {
        id: o.id().to_string(),
        domain: o.domain_name().to_string(),
        protocol_policy: custom.map(|c| c.origin_protocol_policy().as_str().to_string()),
        ssl_protocols: custom
            .and_then(|c| c.origin_ssl_protocols())
            .map(|p| p.items().iter().map(|v| v.as_str().to_string()).collect())
            .unwrap_or_default(),
    }
}

/// The default behaviour (path `*`), then each path pattern's in order.
fn behaviors(config: &cf::DistributionConfig) -> Vec<CdnBehavior> {
    let methods = |m: Option<&cf::AllowedMethods>| -> Vec<String> {
        m.map(|m| m.items().iter().map(|v| v.as_str().to_string()).collect()).unwrap_or_default()
    };
    let default = config.default_cache_behavior().map(|b| CdnBehavior {
        path_pattern: "*".into(),
        target_origin: b.target_origin_id().to_string(),
        viewer_protocol_policy: b.viewer_protocol_policy().as_str().to_string(),
        allowed_methods: methods(b.allowed_methods()),
    });
    let ordered = config.cache_behaviors().map(|c| c.items()).unwrap_or_default().iter().map(|b| CdnBehavior {
        path_pattern: b.path_pattern().to_string(),
        target_origin: b.target_origin_id().to_string(),
        viewer_protocol_policy: b.viewer_protocol_policy().as_str().to_string(),
        allowed_methods: methods(b.allowed_methods()),
    });
    default.into_iter().chain(ordered).collect()
}

#[cfg(test)]
mod recorded {
    use std::sync::Arc;

    use super::*;
    use crate::collect::replay::{assert_refused, xml, Recorded, Replay};
    use crate::model::LoadBalancer;

    const NS: &str = "xmlns=\"http://cloudfront.amazonaws.com/doc/2020-05-31/\"";
    const ALB: &str = "alb-staging-1.us-east-1.elb.amazonaws.com";

    /// A distribution summary: its id, origin and alias.
    fn summary(id: &str, origin: &str, alias: &str) -> String {
        format!(
            "<DistributionSummary><Id>{id}</Id><ARN>arn:aws:cloudfront::123456789012:distribution/{id}</ARN><Status>Deployed</Status><DomainName>{id}.cloudfront.net</DomainName><Aliases><Quantity>1</Quantity><Items><CNAME>{alias}</CNAME></Items></Aliases><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>{origin}</DomainName></Origin></Items></Origins><Enabled>true</Enabled></DistributionSummary>"
        )
    }

    fn config(origin: &str, alias: &str) -> String {
        format!(
            "<DistributionConfig {NS}><CallerReference>r</CallerReference><Aliases><Quantity>1</Quantity><Items><CNAME>{alias}</CNAME></Items></Aliases><Origins><Quantity>1</Quantity><Items><Origin><Id>o</Id><DomainName>{origin}</DomainName><CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>https-only</OriginProtocolPolicy><OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols></CustomOriginConfig></Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>o</TargetOriginId><ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy></DefaultCacheBehavior><Comment></Comment><Enabled>true</Enabled><ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate><MinimumProtocolVersion>TLSv1</MinimumProtocolVersion></ViewerCertificate><WebACLId></WebACLId></DistributionConfig>"
        )
    }

    /// Three distributions on two pages: E1 in front of staging's balancer, E2 named for
    /// staging, E3 prod's (never read further than its summary).
    fn answers(e2_config: Recorded) -> Vec<Recorded> {
        let first = format!(
            "<DistributionList {NS}><Marker></Marker><NextMarker>E2</NextMarker><MaxItems>1</MaxItems><IsTruncated>true</IsTruncated><Quantity>1</Quantity><Items>{}</Items></DistributionList>",
            summary("E1", ALB, "cdn.example.com")
        );
        let second = format!(
            "<DistributionList {NS}><Marker>E2</Marker><MaxItems>2</MaxItems><IsTruncated>false</IsTruncated><Quantity>2</Quantity><Items>{}{}</Items></DistributionList>",
            summary("E2", "assets.s3.amazonaws.com", "static.staging.trading.example.com"),
            summary("E3", "alb-prod-1.us-east-1.elb.amazonaws.com", "prod.trading.example.com"),
        );
        let no_tags = format!("<Tags {NS}><Items></Items></Tags>");
        // First match wins: the configurations and tags before the listing they extend.
        vec![
            xml(&["/distribution/E1/config"], 200, &config(ALB, "cdn.example.com")),
            e2_config,
            xml(&["/tagging"], 200, &no_tags),
            xml(&["GET /2020-05-31/distribution", "Marker=E2"], 200, &second),
            xml(&["GET /2020-05-31/distribution"], 200, &first),
        ]
    }

    fn context(replay: &Replay) -> RegionContext {
        let mut ctx = replay.region_context();
        ctx.region = crate::kinds::GLOBAL_REGION.into();
        let mut balancer = LoadBalancer::application("internet-facing");
        balancer.dns_name = Some(ALB.to_ascii_uppercase());
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-staging/1";
        let found = ctx.resource("alb-staging", "alb-staging", Some(arn.into()), BTreeMap::new(), Properties::LoadBalancer(balancer));
        ctx.found = Arc::new(vec![found]);
        ctx
    }

    #[tokio::test]
    async fn both_pages_are_listed_and_only_the_environments_distributions_read() {
        let e2 = xml(&["/distribution/E2/config"], 200, &config("assets.s3.amazonaws.com", "static.staging.trading.example.com"));
        let replay = Replay::start(answers(e2));
        let collected = collect(&context(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        let listings = replay.requests().iter().filter(|r| r.contains("GET /2020-05-31/distribution") && !r.contains("/config")).count();
        assert_eq!(listings, 2, "both pages");
        assert_eq!(replay.count("/distribution/E3/config"), 0, "prod's distribution is not read");
        let mut ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["E1", "E2"], "in front of the balancer (any case), or named for staging");
        let e1 = collected.resources.iter().find(|r| r.id == "E1").expect("E1");
        let Properties::CloudfrontDistribution(e1) = &e1.properties else { panic!("a distribution") };
        assert_eq!(e1.origins[0].protocol_policy.as_deref(), Some("https-only"));
        assert_eq!(e1.behaviors[0].viewer_protocol_policy, "redirect-to-https");
        assert_eq!(e1.minimum_protocol_version.as_deref(), Some("TLSv1"));
        assert_eq!(e1.web_acl, None, "an empty WebACLId is none");
    }

    #[tokio::test]
    async fn a_refused_configuration_leaves_distributions_unknown_and_names_the_action() {
        let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: cloudfront:GetDistributionConfig</Message></Error></ErrorResponse>";
        let replay = Replay::start(answers(xml(&["/distribution/E2/config"], 403, denied)));
        let collected = collect(&context(&replay)).await;
        // A kind is returned whole or not at all: E1 is dropped with it.
        assert_refused(&collected, "GetDistributionConfig", "AccessDenied", "cloudfront:GetDistributionConfig");
    }
}

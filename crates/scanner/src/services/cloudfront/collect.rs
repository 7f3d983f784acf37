//! CloudFront through its API: the paginated `ListDistributions` once per scan, then, for the
//! environment's distributions only, their configuration (`GetDistributionConfig`, which alone
//! has logging) and tags. A distribution is the environment's when one of its origins is a
//! load balancer the scan found (read whatever its tags say), or when an alternate domain name
//! carries the environment and no tag gives it to another.

use std::collections::{BTreeMap, BTreeSet};

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
    let fronted = load_balancer_names(ctx);
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

/// The DNS names of the load balancers the scan found, lower case.
fn load_balancer_names(ctx: &RegionContext) -> BTreeSet<String> {
    ctx.found
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::LoadBalancer(lb) => lb.dns_name.as_deref(),
            _ => None,
        })
        .map(str::to_ascii_lowercase)
        .collect()
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

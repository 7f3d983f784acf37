//! The CDN in front of a full environment's load balancer: the CloudFront distribution
//! answering on `cdn.<env>.trading.example.com` (viewers redirected to HTTPS with TLS 1.2 at
//! least, the load balancer reached over HTTPS only, nothing cached: the app answers per user),
//! the global web ACL `trading-<env>-cdn` (AWS's managed common rule set) in front of it, and
//! the alias record to it in the environment's zone. Destroy disables the distribution, waits
//! until CloudFront has deployed that, then deletes it and its web ACL (they hold no data).

use std::time::Duration;

use aws_sdk_cloudfront::types as cf;
use aws_sdk_route53::types as r53;

use crate::certificates;
use crate::dns::{upsert_alias, zone_domain};
use crate::edge::{find_load_balancer, load_balancer_name};
use crate::waf::{converge_acl, delete_named, AclScope};
use crate::{call_error, refused, Action, Ctx, InfraError, Live, Provisioned};

/// The hosted zone id every alias to a CloudFront distribution names
/// (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_AliasTarget.html>).
const CLOUDFRONT_ZONE: &str = "Z2FDTNDATAQYW2";

/// CloudFront's managed policies: `CachingDisabled`, and `AllViewer` (every header, cookie and
/// query string passed on)
/// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html>,
/// <https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html>).
const CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
const ALL_VIEWER: &str = "216adef6-5c7f-47e4-b989-5492eafa07d3";

/// The origin id the default behaviour forwards to.
const ORIGIN_ID: &str = "load-balancer";

/// How long destroy waits for a disabled distribution to be deployed (CloudFront usually takes
/// a few minutes).
const DEPLOY_WAIT: Duration = Duration::from_secs(30 * 60);

/// The host the distribution answers on.
pub fn cdn_host(env: &str) -> String {
    format!("cdn.{}", zone_domain(env))
}

/// Its web ACL's name.
fn web_acl_name(env: &str) -> String {
    format!("trading-{env}-cdn")
}

/// The distribution, its web ACL and certificate and its alias record, made or brought back.
pub(crate) async fn converge(
    ctx: &Ctx<'_>,
    out: &Provisioned,
    zone: &str,
) -> Result<(), InfraError> {
    let env = &ctx.spec.name;
    let host = cdn_host(env);
    let balancer_name = load_balancer_name(env);
    let origin = match find_load_balancer(ctx, &balancer_name).await? {
        Some(found) => found.dns_name().unwrap_or_default().to_ascii_lowercase(),
        None => format!("(the DNS name of {balancer_name})"),
    };
    let certificate = certificates::converge_for_cloudfront(ctx, zone, &out.certificate).await?;
    let web_acl = converge_acl(ctx, &AclScope::cloudfront(ctx), &web_acl_name(env)).await?;
    let wanted = Wanted {
        host: host.clone(),
        origin,
        certificate,
        web_acl,
    };
    let domain = match find(ctx, &host).await? {
        Some(found) => update(ctx, &found, &wanted).await?,
        None => create(ctx, &wanted).await?,
    };
    let target = r53::AliasTarget::builder()
        .dns_name(format!("{domain}."))
        .hosted_zone_id(CLOUDFRONT_ZONE)
        .evaluate_target_health(false)
        .build()
        .map_err(refused)?;
    upsert_alias(ctx, zone, &host, target).await
}

/// What the distribution is made of.
struct Wanted {
    host: String,
    origin: String,
    certificate: String,
    web_acl: String,
}

impl Wanted {
    /// The full configuration (CloudFront replaces the whole of it on update).
    fn config(&self, caller_reference: &str) -> Result<cf::DistributionConfig, InfraError> {
        cf::DistributionConfig::builder()
            .caller_reference(caller_reference)
            .aliases(aliases(&self.host)?)
            .origins(origins(&self.origin)?)
            .default_cache_behavior(default_behavior()?)
            .comment(format!("{} in front of its load balancer", self.host))
            .enabled(true)
            .viewer_certificate(
                cf::ViewerCertificate::builder()
                    .cloud_front_default_certificate(false)
                    .acm_certificate_arn(&self.certificate)
                    .ssl_support_method(cf::SslSupportMethod::SniOnly)
                    .minimum_protocol_version(cf::MinimumProtocolVersion::TlSv122021)
                    .build(),
            )
            .web_acl_id(&self.web_acl)
            .price_class(cf::PriceClass::PriceClass100)
            .http_version(cf::HttpVersion::Http2and3)
            .build()
            .map_err(refused)
    }

    /// How `live` differs from this, in the words of a change's detail.
    fn differences(&self, live: &cf::DistributionConfig) -> Vec<String> {
        let mut out = Vec::new();
        let origin = live
            .origins()
            .and_then(|o| o.items().first())
            .map(|o| o.domain_name().to_ascii_lowercase());
        if origin.as_deref() != Some(self.origin.as_str()) {
            out.push(format!("origin -> {}", self.origin));
        }
        if live.web_acl_id() != Some(self.web_acl.as_str()) {
            out.push(format!("web ACL -> {}", self.web_acl));
        }
        let certificate = live.viewer_certificate();
        if certificate.and_then(|c| c.acm_certificate_arn()) != Some(self.certificate.as_str()) {
            out.push(format!("certificate -> {}", self.certificate));
        }
        let tls = certificate.and_then(|c| c.minimum_protocol_version());
        if tls != Some(&cf::MinimumProtocolVersion::TlSv122021) {
            out.push("minimum TLS -> TLSv1.2_2021".into());
        }
        let behavior = live.default_cache_behavior();
        let policy = behavior.map(|b| b.viewer_protocol_policy());
        if policy != Some(&cf::ViewerProtocolPolicy::RedirectToHttps) {
            out.push("viewers -> redirect to HTTPS".into());
        }
        if !live.enabled() {
            out.push("enabled".into());
        }
        out
    }
}

fn aliases(host: &str) -> Result<cf::Aliases, InfraError> {
    cf::Aliases::builder()
        .quantity(1)
        .items(host)
        .build()
        .map_err(refused)
}

fn origins(domain: &str) -> Result<cf::Origins, InfraError> {
    let protocols = cf::OriginSslProtocols::builder()
        .quantity(1)
        .items(cf::SslProtocol::TlSv12)
        .build()
        .map_err(refused)?;
    let custom = cf::CustomOriginConfig::builder()
        .http_port(80)
        .https_port(443)
        .origin_protocol_policy(cf::OriginProtocolPolicy::HttpsOnly)
        .origin_ssl_protocols(protocols)
        .build()
        .map_err(refused)?;
    let origin = cf::Origin::builder()
        .id(ORIGIN_ID)
        .domain_name(domain)
        .custom_origin_config(custom)
        .build()
        .map_err(refused)?;
    cf::Origins::builder()
        .quantity(1)
        .items(origin)
        .build()
        .map_err(refused)
}

fn default_behavior() -> Result<cf::DefaultCacheBehavior, InfraError> {
    use cf::Method::{Delete, Get, Head, Options, Patch, Post, Put};
    let cached = cf::CachedMethods::builder()
        .quantity(2)
        .set_items(Some(vec![Get, Head]))
        .build()
        .map_err(refused)?;
    let all = vec![Delete, Get, Head, Options, Patch, Post, Put];
    let allowed = cf::AllowedMethods::builder()
        .quantity(all.len() as i32)
        .set_items(Some(all))
        .cached_methods(cached)
        .build()
        .map_err(refused)?;
    cf::DefaultCacheBehavior::builder()
        .target_origin_id(ORIGIN_ID)
        .viewer_protocol_policy(cf::ViewerProtocolPolicy::RedirectToHttps)
        .allowed_methods(allowed)
        .cache_policy_id(CACHING_DISABLED)
        .origin_request_policy_id(ALL_VIEWER)
        .compress(true)
        .build()
        .map_err(refused)
}

/// The distribution answering on `host`, if any.
async fn find(ctx: &Ctx<'_>, host: &str) -> Result<Option<cf::DistributionSummary>, InfraError> {
    let mut marker = None;
    loop {
        let page = ctx
            .global
            .cloudfront
            .list_distributions()
            .set_marker(marker)
            .send()
            .await
            .map_err(call_error("ListDistributions", host))?;
        let Some(list) = page.distribution_list() else {
            return Ok(None);
        };
        let answers = |s: &&cf::DistributionSummary| {
            s.aliases()
                .is_some_and(|a| a.items().iter().any(|alias| alias == host))
        };
        if let Some(found) = list.items().iter().find(answers) {
            return Ok(Some(found.clone()));
        }
        match list.next_marker().filter(|_| list.is_truncated()) {
            Some(next) => marker = Some(next.to_string()),
            None => return Ok(None),
        }
    }
}

/// Creates the distribution, tagged; answers its `*.cloudfront.net` name.
async fn create(ctx: &Ctx<'_>, wanted: &Wanted) -> Result<String, InfraError> {
    // A caller reference is single-use, even after the distribution is deleted.
    let reference = format!("{}-{}", wanted.host, scanner::clock::epoch_nanos());
    let tags = ctx
        .spec
        .tags(&wanted.host)
        .into_iter()
        .map(|(k, v)| cf::Tag::builder().key(k).value(v).build().map_err(refused))
        .collect::<Result<Vec<_>, _>>()?;
    let with_tags = cf::DistributionConfigWithTags::builder()
        .distribution_config(wanted.config(&reference)?)
        .tags(cf::Tags::builder().set_items(Some(tags)).build())
        .build();
    let create = async {
        let created = ctx
            .global
            .cloudfront
            .create_distribution_with_tags()
            .distribution_config_with_tags(with_tags)
            .send()
            .await
            .map_err(call_error("CreateDistributionWithTags", &wanted.host))?;
        Ok(created
            .distribution()
            .map(|d| d.domain_name().to_string())
            .unwrap_or_default())
    };
    let detail = format!(
        "{} to {}, HTTPS only, TLS 1.2 at least, web ACL {}",
        wanted.host,
        wanted.origin,
        web_acl_name(&ctx.spec.name)
    );
    let resource = format!("cloudfront-distribution {}", wanted.host);
    ctx.create(resource, detail, create).await
}

/// Brings the distribution `found` back to `wanted`; answers its `*.cloudfront.net` name.
async fn update(
    ctx: &Ctx<'_>,
    found: &cf::DistributionSummary,
    wanted: &Wanted,
) -> Result<String, InfraError> {
    let id = found.id();
    let got = ctx
        .global
        .cloudfront
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(call_error("GetDistributionConfig", &wanted.host))?;
    let Some(live) = got.distribution_config() else {
        return Err(refused(format!("{} has no configuration", wanted.host)));
    };
    let differences = wanted.differences(live);
    let update = async {
        ctx.global
            .cloudfront
            .update_distribution()
            .id(id)
            .if_match(got.e_tag().unwrap_or_default())
            .distribution_config(wanted.config(live.caller_reference())?)
            .send()
            .await
            .map_err(call_error("UpdateDistribution", &wanted.host))?;
        Ok(())
    };
    let resource = format!("cloudfront-distribution {}", wanted.host);
    let create = ("never: it exists".to_string(), async { Ok(()) });
    ctx.converge(resource, Live::Present(differences), create, update)
        .await?;
    Ok(found.domain_name().to_string())
}

/// Disables the distribution, waits until that is deployed, deletes it and its web ACL. The
/// alias record to it went with the zone's records.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    if ctx.spec.preview.is_some() {
        return Ok(());
    }
    let host = cdn_host(&ctx.spec.name);
    if let Some(found) = find(ctx, &host).await? {
        let resource = format!("cloudfront-distribution {host}");
        let delete = disable_and_delete(ctx, found.id(), &host);
        ctx.change(Action::Delete, resource, "disabled first", delete)
            .await?;
    }
    let acl = web_acl_name(&ctx.spec.name);
    delete_named(ctx, &AclScope::cloudfront(ctx), &acl).await
}

async fn disable_and_delete(ctx: &Ctx<'_>, id: &str, host: &str) -> Result<(), InfraError> {
    let cloudfront = &ctx.global.cloudfront;
    let got = cloudfront
        .get_distribution_config()
        .id(id)
        .send()
        .await
        .map_err(call_error("GetDistributionConfig", host))?;
    let mut etag = got.e_tag().unwrap_or_default().to_string();
    if let Some(config) = got.distribution_config().filter(|c| c.enabled()) {
        let mut disabled = config.clone();
        disabled.enabled = false;
        let updated = cloudfront
            .update_distribution()
            .id(id)
            .if_match(&etag)
            .distribution_config(disabled)
            .send()
            .await
            .map_err(call_error("UpdateDistribution", host))?;
        etag = updated.e_tag().unwrap_or_default().to_string();
        etag = wait_deployed(ctx, id, host).await?.unwrap_or(etag);
    }
    cloudfront
        .delete_distribution()
        .id(id)
        .if_match(etag)
        .send()
        .await
        .map_err(call_error("DeleteDistribution", host))?;
    Ok(())
}

/// Waits until distribution `id` is `Deployed`; answers its latest ETag.
async fn wait_deployed(ctx: &Ctx<'_>, id: &str, host: &str) -> Result<Option<String>, InfraError> {
    let deadline = std::time::Instant::now() + DEPLOY_WAIT;
    let mut pause = Duration::from_millis(250);
    loop {
        let got = ctx
            .global
            .cloudfront
            .get_distribution()
            .id(id)
            .send()
            .await
            .map_err(call_error("GetDistribution", host))?;
        let status = got.distribution().map(|d| d.status()).unwrap_or_default();
        if status == "Deployed" {
            return Ok(got.e_tag().map(str::to_string));
        }
        if std::time::Instant::now() + pause > deadline {
            return Err(refused(format!(
                "{host} was still {status} after {} minutes: run destroy again later",
                DEPLOY_WAIT.as_secs() / 60
            )));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}

//! CloudFront end to end: staging's distribution, as provisioned, scans clean; one made by hand
//! in front of staging's load balancer is staging's (found by its origin), unmanaged and
//! otherwise compliant; staging's own, weakened by hand in four ways, is exactly those four
//! rules' findings and the four drifts from its baseline.

use aws_sdk_cloudfront::types as cf;
use scanner::model::{FindingKind, Severity};

use crate::support::{block_on, finding_row as row, shipped_scan_rows, sorted_rows, Moto};

const REGION: &str = "us-east-1";
/// Staging's own distribution, which `driftscan-infra` makes.
const KEY: &str = "cloudfront-distribution/cdn.{env}.trading.example.com";
/// One made by hand in front of staging's load balancer.
const BY_HAND: &str = "cloudfront-distribution/assets.{env}.trading.example.com";

/// A distribution in front of `origin`, compliant unless `weak`.
fn config(origin: &str, weak: bool) -> cf::DistributionConfig {
    let (viewer, origin_policy, tls, acl) = match weak {
        false => (
            cf::ViewerProtocolPolicy::RedirectToHttps,
            cf::OriginProtocolPolicy::HttpsOnly,
            cf::MinimumProtocolVersion::TlSv122021,
            "arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/1",
        ),
        true => (
            cf::ViewerProtocolPolicy::AllowAll,
            cf::OriginProtocolPolicy::HttpOnly,
            cf::MinimumProtocolVersion::TlSv12016,
            "",
        ),
    };
    let protocols = cf::OriginSslProtocols::builder()
        .quantity(1)
        .items(cf::SslProtocol::TlSv12)
        .build()
        .unwrap();
    let custom = cf::CustomOriginConfig::builder()
        .http_port(80)
        .https_port(443)
        .origin_protocol_policy(origin_policy)
        .origin_ssl_protocols(protocols)
        .build()
        .unwrap();
    let alb = cf::Origin::builder()
        .id("alb")
        .domain_name(origin)
        .custom_origin_config(custom)
        .build()
        .unwrap();
    let behavior = cf::DefaultCacheBehavior::builder()
        .target_origin_id("alb")
        .viewer_protocol_policy(viewer)
        .build()
        .unwrap();
    let certificate = cf::ViewerCertificate::builder()
        .acm_certificate_arn("arn:aws:acm:us-east-1:123456789012:certificate/cdn-staging")
        .ssl_support_method(cf::SslSupportMethod::SniOnly)
        .minimum_protocol_version(tls)
        .build();
    cf::DistributionConfig::builder()
        .caller_reference("cdn-staging")
        .aliases(
            cf::Aliases::builder()
                .quantity(1)
                .items("assets.staging.trading.example.com")
                .build()
                .unwrap(),
        )
        .origins(
            cf::Origins::builder()
                .quantity(1)
                .items(alb)
                .build()
                .unwrap(),
        )
        .default_cache_behavior(behavior)
        .viewer_certificate(certificate)
        .web_acl_id(acl)
        .comment("staging CDN")
        .enabled(true)
        .build()
        .unwrap()
}

/// Staging's own distribution (the one `driftscan-infra` made): its id and configuration.
fn provisioned(
    cloudfront: &aws_sdk_cloudfront::Client,
) -> (String, cf::DistributionConfig, String) {
    let listed = block_on(cloudfront.list_distributions().send()).unwrap();
    let own = listed
        .distribution_list()
        .unwrap()
        .items()
        .iter()
        .find(|d| d.aliases().unwrap().items() == ["cdn.staging.trading.example.com"])
        .expect("staging's distribution");
    let id = own.id().to_string();
    let got = block_on(cloudfront.get_distribution_config().id(&id).send()).unwrap();
    (id, got.distribution_config.unwrap(), got.e_tag.unwrap())
}

#[test]
fn a_distribution_in_front_of_the_load_balancer_is_the_environment_s_and_each_weakness_its_rule() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    assert_eq!(
        shipped_scan_rows(&moto, "staging", REGION),
        vec![],
        "provisioned: clean"
    );
    let sdk = block_on(moto.sdk_config(REGION));
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let balancer = block_on(
        elb.describe_load_balancers()
            .load_balancer_arns(&staging.load_balancer)
            .send(),
    )
    .unwrap();
    let origin = balancer.load_balancers()[0].dns_name().unwrap().to_string();
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk);

    // 1. A second distribution made by hand in front of the same load balancer: staging's (found
    // by its origin), unmanaged, and without the standard tags.
    block_on(
        cloudfront
            .create_distribution()
            .distribution_config(config(&origin, false))
            .send(),
    )
    .unwrap();
    let unmanaged = row(FindingKind::Unmanaged, BY_HAND, "", Severity::Medium, None);
    let untagged = row(
        FindingKind::Compliance,
        BY_HAND,
        "tags",
        Severity::Low,
        Some("required-tags"),
    );
    let expected = sorted_rows(vec![unmanaged.clone(), untagged.clone()]);
    assert_eq!(
        shipped_scan_rows(&moto, "staging", REGION),
        expected,
        "found by its origin"
    );

    // 2. Staging's own weakened by hand in four ways: each is its baseline's drift and its rule.
    let (id, mut weak, etag) = provisioned(&cloudfront);
    if let Some(behavior) = weak.default_cache_behavior.as_mut() {
        behavior.viewer_protocol_policy = cf::ViewerProtocolPolicy::AllowAll;
    }
    if let Some(origins) = weak.origins.as_mut() {
        let custom = origins.items[0].custom_origin_config.as_mut().unwrap();
        custom.origin_protocol_policy = cf::OriginProtocolPolicy::HttpOnly;
    }
    if let Some(certificate) = weak.viewer_certificate.as_mut() {
        certificate.minimum_protocol_version = Some(cf::MinimumProtocolVersion::TlSv12016);
    }
    weak.web_acl_id = Some(String::new());
    let update = cloudfront
        .update_distribution()
        .id(&id)
        .if_match(etag)
        .distribution_config(weak);
    block_on(update.send()).unwrap();
    let rule =
        |path: &str, severity, id| row(FindingKind::Compliance, KEY, path, severity, Some(id));
    let drift = |path: &str| row(FindingKind::Drift, KEY, path, Severity::Medium, None);
    let expected = vec![
        unmanaged,
        untagged,
        rule(
            "properties.behaviors[0].viewer_protocol_policy",
            Severity::High,
            "cdn-viewer-https",
        ),
        rule(
            "properties.minimum_protocol_version",
            Severity::High,
            "cdn-tls-minimum",
        ),
        rule(
            "properties.origins[0].protocol_policy",
            Severity::High,
            "cdn-origin-https",
        ),
        rule("properties.web_acl", Severity::Medium, "cdn-web-acl"),
        drift("properties.behaviors"),
        drift("properties.minimum_protocol_version"),
        drift("properties.origins"),
        drift("properties.web_acl"),
        // Detached, its web ACL is no longer in front of anything of staging's: the global
        // read no longer finds it.
        row(
            FindingKind::Missing,
            "web-acl/trading-{env}-cdn",
            "",
            Severity::High,
            None,
        ),
    ];
    assert_eq!(
        shipped_scan_rows(&moto, "staging", REGION),
        sorted_rows(expected)
    );
}

//! CDN rules: the environment's CloudFront distributions speak HTTPS to viewers and to their
//! origins, refuse TLS older than 1.2, and sit behind a web ACL.

use serde_json::json;

use super::{of_kind, required, Check, Day, RuleDef, Violation};
use crate::model::{CloudfrontDistribution, Properties, Resource, Severity, Snapshot};

fn distributions(
    snapshot: &Snapshot,
) -> impl Iterator<Item = (&Resource, &CloudfrontDistribution)> {
    of_kind(snapshot, |p| match p {
        Properties::CloudfrontDistribution(d) => Some(d),
        _ => None,
    })
}

/// `cdn-viewer-https`: every cache behaviour redirects HTTP to HTTPS or refuses it (AWS
/// Security Hub control CloudFront.3,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html#cloudfront-3>).
pub const CDN_VIEWER_HTTPS: RuleDef = RuleDef {
    id: "cdn-viewer-https",
    severity: Severity::High,
    rationale: "A behaviour that allows plain HTTP lets anyone on the path read and rewrite what viewers receive, sessions included.",
    build: |values| Ok(Box::new(ViewerHttps(required(values)?))),
};

struct ViewerHttps(bool);

impl Check for ViewerHttps {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, distribution) in distributions(snapshot) {
            for (i, behavior) in distribution.behaviors.iter().enumerate() {
                if behavior.viewer_protocol_policy == "allow-all" {
                    out.push(Violation {
                        resource,
                        path: Some(format!("properties.behaviors[{i}].viewer_protocol_policy")),
                        expected: Some(json!(["redirect-to-https", "https-only"])),
                        actual: Some(json!(behavior.viewer_protocol_policy)),
                        message: format!(
                            "{} serves `{}` over plain HTTP",
                            resource.name, behavior.path_pattern
                        ),
                    });
                }
            }
        }
    }
}

/// `cdn-tls-minimum`: viewers cannot negotiate TLS older than 1.2. CloudFront's security
/// policies are named after their oldest protocol (`TLSv1.2_2021`); its default certificate
/// allows TLS 1.0 whatever the setting
/// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/secure-connections-supported-viewer-protocols-ciphers.html>).
pub const CDN_TLS_MINIMUM: RuleDef = RuleDef {
    id: "cdn-tls-minimum",
    severity: Severity::High,
    rationale: "TLS 1.0 and 1.1 have known weaknesses and are refused by PCI DSS; a distribution should not offer them.",
    build: |values| Ok(Box::new(TlsMinimum(required(values)?))),
};

struct TlsMinimum(bool);

/// Whether a CloudFront security policy's oldest protocol is TLS 1.2 or newer.
fn at_least_tls12(policy: &str) -> bool {
    policy.starts_with("TLSv1.2") || policy.starts_with("TLSv1.3")
}

impl Check for TlsMinimum {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, distribution) in distributions(snapshot) {
            let policy = distribution
                .minimum_protocol_version
                .as_deref()
                .unwrap_or("");
            let default_certificate = distribution.certificate == "cloudfront-default";
            if default_certificate || !at_least_tls12(policy) {
                out.push(Violation {
                    resource,
                    path: Some("properties.minimum_protocol_version".into()),
                    expected: Some(json!({"regex": "^TLSv1\\.[23]"})),
                    actual: Some(json!(policy)),
                    message: match default_certificate {
                        true => format!(
                            "{} uses CloudFront's default certificate, which allows TLS 1.0",
                            resource.name
                        ),
                        false => format!(
                            "{} lets viewers use {policy}, older than TLS 1.2",
                            resource.name
                        ),
                    },
                });
            }
        }
    }
}

/// `cdn-origin-https`: CloudFront reaches custom origins over HTTPS only, with TLS 1.2 or newer
/// (AWS Security Hub controls CloudFront.9 and CloudFront.10,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html#cloudfront-9>).
pub const CDN_ORIGIN_HTTPS: RuleDef = RuleDef {
    id: "cdn-origin-https",
    severity: Severity::High,
    rationale: "Between the edge and the load balancer the traffic crosses the internet; over HTTP it can be read and changed there.",
    build: |values| Ok(Box::new(OriginHttps(required(values)?))),
};

struct OriginHttps(bool);

impl Check for OriginHttps {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, distribution) in distributions(snapshot) {
            let viewers_may_use_http = distribution
                .behaviors
                .iter()
                .any(|b| b.viewer_protocol_policy == "allow-all");
            for (i, origin) in distribution.origins.iter().enumerate() {
                let Some(policy) = origin.protocol_policy.as_deref() else {
                    continue; // an S3 origin
                };
                let plain =
                    policy == "http-only" || (policy == "match-viewer" && viewers_may_use_http);
                let old = origin
                    .ssl_protocols
                    .iter()
                    .any(|p| p == "SSLv3" || p == "TLSv1" || p == "TLSv1.1");
                if plain || old {
                    let (path, actual) = match plain {
                        true => ("protocol_policy", json!(policy)),
                        false => ("ssl_protocols", json!(origin.ssl_protocols)),
                    };
                    out.push(Violation {
                        resource,
                        path: Some(format!("properties.origins[{i}].{path}")),
                        expected: Some(json!("https-only, TLSv1.2")),
                        actual: Some(actual),
                        message: format!(
                            "{} reaches origin {} without TLS 1.2",
                            resource.name, origin.id
                        ),
                    });
                }
            }
        }
    }
}

/// `cdn-web-acl`: a WAF web ACL filters the distribution's requests (AWS Security Hub control
/// CloudFront.6,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/cloudfront-controls.html#cloudfront-6>).
pub const CDN_WEB_ACL: RuleDef = RuleDef {
    id: "cdn-web-acl",
    severity: Severity::Medium,
    rationale: "A distribution without a web ACL passes injection, scanning and flood traffic straight to the application.",
    build: |values| Ok(Box::new(WebAcl(required(values)?))),
};

struct WebAcl(bool);

impl Check for WebAcl {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, distribution) in distributions(snapshot) {
            if distribution.web_acl.is_none() {
                out.push(Violation {
                    resource,
                    path: Some("properties.web_acl".into()),
                    expected: Some(json!({"exists": true})),
                    actual: Some(json!(null)),
                    message: format!("{} has no web ACL", resource.name),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CdnBehavior, CdnOrigin};
    use crate::testing::violation_paths as paths;
    use crate::testing::{resource, snapshot};

    fn distribution(edit: impl FnOnce(&mut CloudfrontDistribution)) -> Snapshot {
        let mut d = CloudfrontDistribution {
            aliases: vec!["prod.trading.example.com".into()],
            domain_name: "d111111abcdef8.cloudfront.net".into(),
            enabled: true,
            comment: None,
            origins: vec![CdnOrigin {
                id: "alb".into(),
                domain: "alb-prod-1.us-east-1.elb.amazonaws.com".into(),
                protocol_policy: Some("https-only".into()),
                ssl_protocols: vec!["TLSv1.2".into()],
            }],
            behaviors: vec![CdnBehavior {
                path_pattern: "*".into(),
                target_origin: "alb".into(),
                viewer_protocol_policy: "redirect-to-https".into(),
                allowed_methods: vec!["GET".into(), "HEAD".into()],
            }],
            certificate: "arn:aws:acm:us-east-1:123456789012:certificate/c".into(),
            minimum_protocol_version: Some("TLSv1.2_2021".into()),
            ssl_support_method: Some("sni-only".into()),
            web_acl: Some("arn:aws:wafv2:us-east-1:123456789012:global/webacl/cdn/1".into()),
            logging_bucket: None,
            price_class: None,
            http_version: None,
        };
        edit(&mut d);
        snapshot(vec![resource(
            "prod.trading.example.com",
            Properties::CloudfrontDistribution(d),
        )])
    }

    #[test]
    fn a_compliant_distribution_passes_every_rule() {
        for rule in [
            &CDN_VIEWER_HTTPS,
            &CDN_TLS_MINIMUM,
            &CDN_ORIGIN_HTTPS,
            &CDN_WEB_ACL,
        ] {
            assert!(
                paths(rule, json!({}), &distribution(|_| {})).is_empty(),
                "{}",
                rule.id
            );
        }
    }

    #[test]
    fn each_weakness_is_its_rule_s_finding() {
        let http = distribution(|d| d.behaviors[0].viewer_protocol_policy = "allow-all".into());
        assert_eq!(
            paths(&CDN_VIEWER_HTTPS, json!({}), &http),
            ["properties.behaviors[0].viewer_protocol_policy"]
        );
        let old = distribution(|d| d.minimum_protocol_version = Some("TLSv1_2016".into()));
        assert_eq!(
            paths(&CDN_TLS_MINIMUM, json!({}), &old),
            ["properties.minimum_protocol_version"]
        );
        let default = distribution(|d| d.certificate = "cloudfront-default".into());
        assert_eq!(
            paths(&CDN_TLS_MINIMUM, json!({}), &default).len(),
            1,
            "the default certificate allows TLS 1.0"
        );
        let plain = distribution(|d| d.origins[0].protocol_policy = Some("http-only".into()));
        assert_eq!(
            paths(&CDN_ORIGIN_HTTPS, json!({}), &plain),
            ["properties.origins[0].protocol_policy"]
        );
        let matching = distribution(|d| d.origins[0].protocol_policy = Some("match-viewer".into()));
        assert!(
            paths(&CDN_ORIGIN_HTTPS, json!({}), &matching).is_empty(),
            "viewers are on HTTPS"
        );
        let tls1 = distribution(|d| d.origins[0].ssl_protocols.push("TLSv1".into()));
        assert_eq!(
            paths(&CDN_ORIGIN_HTTPS, json!({}), &tls1),
            ["properties.origins[0].ssl_protocols"]
        );
        let s3 = distribution(|d| d.origins[0].protocol_policy = None);
        assert!(
            paths(&CDN_ORIGIN_HTTPS, json!({}), &s3).is_empty(),
            "an S3 origin"
        );
        let open = distribution(|d| d.web_acl = None);
        assert_eq!(
            paths(&CDN_WEB_ACL, json!({}), &open),
            ["properties.web_acl"]
        );
        assert!(paths(&CDN_WEB_ACL, json!({"required": false}), &open).is_empty());
    }
}

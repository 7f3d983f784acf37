// CloudFront: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::KindProperties;

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A CloudFront distribution.
            CloudfrontDistribution = "cloudfront-distribution",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A CloudFront distribution (global).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloudfrontDistribution {
    /// Its alternate domain names (CNAMEs), sorted.
    pub aliases: Vec<String>,
    /// The `*.cloudfront.net` name records alias to (differs between distributions).
    pub domain_name: String,
    /// Whether it serves requests.
    pub enabled: bool,
    /// Comment.
    pub comment: Option<String>,
    /// Its origins, by id.
    pub origins: Vec<CdnOrigin>,
    /// Its cache behaviours: the default one (path `*`) and each path pattern's, in order.
    pub behaviors: Vec<CdnBehavior>,
    /// The viewer certificate: an ACM certificate ARN, an IAM server certificate id, or
    /// `cloudfront-default` for the `*.cloudfront.net` certificate.
    pub certificate: String,
    /// The oldest TLS version viewers may use (`TLSv1.2_2021`, ...).
    pub minimum_protocol_version: Option<String>,
    /// `sni-only`, `vip` or `static-ip`.
    pub ssl_support_method: Option<String>,
    /// The web ACL (a WAFv2 ARN); absent when none is attached.
    pub web_acl: Option<String>,
    /// The bucket access logs go to; absent when logging is off.
    pub logging_bucket: Option<String>,
    /// `PriceClass_All`, `PriceClass_100`, ...
    pub price_class: Option<String>,
    /// `http2`, `http2and3`, ...
    pub http_version: Option<String>,
}

/// One origin of a distribution.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdnOrigin {
    /// Its id, which behaviours name.
    pub id: String,
    /// The host CloudFront fetches from (a load balancer's or bucket's DNS name).
    pub domain: String,
    /// A custom origin's protocol policy (`https-only`, `match-viewer`, `http-only`); absent
    /// for an S3 origin.
    pub protocol_policy: Option<String>,
    /// The TLS versions CloudFront may use towards a custom origin, sorted.
    pub ssl_protocols: Vec<String>,
}

/// One cache behaviour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CdnBehavior {
    /// The path pattern; `*` for the default behaviour.
    pub path_pattern: String,
    /// The origin it forwards to.
    pub target_origin: String,
    /// `allow-all`, `redirect-to-https` or `https-only`.
    pub viewer_protocol_policy: String,
    /// The HTTP methods it passes on, sorted.
    pub allowed_methods: Vec<String>,
}

impl KindProperties for CloudfrontDistribution {
    fn canonicalize(&mut self) {
        self.aliases.sort();
        self.origins.sort();
        for origin in &mut self.origins {
            origin.ssl_protocols.sort();
        }
        for behavior in &mut self.behaviors {
            behavior.allowed_methods.sort();
        }
    }
}

//! CloudFront: the distributions in front of the environment's load balancers, and those
//! whose alternate domain names carry the environment unless tagged for another. Global: read
//! once per scan, after the regional services, whose load balancers it looks for among the
//! origins.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::{Map, Value};

use crate::kinds::{unchanged, KindDef, Read, Scope, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Cloudfront,
    // The calls that change a distribution or its tags
    // (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_Operations_Amazon_CloudFront.html).
    change_events: &[
        "CreateDistribution",
        "CreateDistributionWithTags",
        "UpdateDistribution",
        "DeleteDistribution",
        "AssociateAlias",
        "TagResource",
        "UntagResource",
    ],
    kinds: &[&DISTRIBUTION],
    reads: &[&LIST_DISTRIBUTIONS, &GET_DISTRIBUTION_CONFIG, &LIST_TAGS_FOR_RESOURCE],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Global {
        selected_by: &[K::LoadBalancer],
    },
};

/// What CloudFront answers a read of a distribution deleted since it was listed
/// (<https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_GetDistributionConfig.html#API_GetDistributionConfig_Errors>).
const GONE: &[&str] = &["NoSuchDistribution", "NoSuchResource"];
// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static LIST_DISTRIBUTIONS: Read = crate::read!(
    Service::Cloudfront,
    "cloudfront",
    "ListDistributions",
    [K::CloudfrontDistribution]
);
pub(crate) static GET_DISTRIBUTION_CONFIG: Read = crate::read!(
    Service::Cloudfront,
    "cloudfront",
    "GetDistributionConfig",
    [K::CloudfrontDistribution]
)
.gone(GONE);
pub(crate) static LIST_TAGS_FOR_RESOURCE: Read = crate::read!(
    Service::Cloudfront,
    "cloudfront",
    "ListTagsForResource",
    [K::CloudfrontDistribution]
)
.gone(GONE);

pub(super) static DISTRIBUTION: KindDef = KindDef {
    kind: K::CloudfrontDistribution,
    asff_type: "AwsCloudFrontDistribution",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &["domain_name"],
    following_fields: &[],
    capture: unchanged,
    compare: origins_by_role,
};

/// Each environment has its own distribution in front of its own load balancer, serving its
/// own certificate behind its own web ACL: compared by what fronts what, whether a certificate
/// of its own is served and which web ACL (by name) guards it, not by generated names and ids.
fn origins_by_role(properties: &mut Map<String, Value>) {
    properties.remove("domain_name");
    if let Some(Value::String(certificate)) = properties.get_mut("certificate") {
        if certificate.starts_with("arn:") {
            *certificate = "{certificate}".into();
        }
    }
    // arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>: the id is generated, and a
    // CLOUDFRONT-scope web ACL is always in us-east-1, whatever the environment's region
    // (https://docs.aws.amazon.com/waf/latest/APIReference/API_WebACL.html): compared by name.
    if let Some(Value::String(web_acl)) = properties.get_mut("web_acl") {
        if let Some(at) = web_acl.find("webacl/") {
            let named = web_acl[at..].rsplit_once('/').map_or(&web_acl[at..], |(n, _)| n);
            *web_acl = format!("{named}/{{id}}");
        }
    }
    if let Some(Value::Array(origins)) = properties.get_mut("origins") {
        for origin in origins {
            if let Some(Value::String(domain)) = origin.get_mut("domain") {
                if domain.ends_with(".elb.amazonaws.com") {
                    *domain = "{load-balancer}".into();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_web_acl_is_compared_by_name_whatever_the_environment_region() {
        let compared = |arn: &str| {
            let mut properties = Map::new();
            properties.insert("web_acl".into(), Value::String(arn.into()));
            origins_by_role(&mut properties);
            properties["web_acl"].clone()
        };
        // CloudFront's web ACLs are all in us-east-1, for dev in us-east-2 too.
        let dev = compared("arn:aws:wafv2:us-east-1:111111111111:global/webacl/trading-cdn/a1b2");
        let prod = compared("arn:aws:wafv2:us-east-1:222222222222:global/webacl/trading-cdn/c3d4");
        assert_eq!(dev, prod);
        assert_eq!(dev, "webacl/trading-cdn/{id}");
    }
}

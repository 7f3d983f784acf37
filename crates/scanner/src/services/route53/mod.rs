//! Route 53 (global): the hosted zones whose domain carries the environment, and the records
//! that are the environment's, in those zones and, for a preview, in its parent's zone
//! (`pr-7.dev.trading.example.com` in `dev.trading.example.com`). Each alias or CNAME that
//! points at a load balancer, a CloudFront distribution or a bucket website is checked
//! against what exists, so a record left at a deleted preview's load balancer is found.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::{Map, Value};

use crate::kinds::{unchanged, KindDef, Read, Scope, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Route53,
    // The calls that change a zone, its records or its tags
    // (https://docs.aws.amazon.com/Route53/latest/APIReference/API_Operations_Amazon_Route_53.html).
    change_events: &[
        "CreateHostedZone",
        "DeleteHostedZone",
        "UpdateHostedZoneComment",
        "ChangeResourceRecordSets",
        "ChangeTagsForResource",
    ],
    kinds: &[&ZONE, &RECORD],
    reads: &[
        &LIST_HOSTED_ZONES,
        &LIST_TAGS_FOR_RESOURCES,
        &LIST_RESOURCE_RECORD_SETS,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Global { selected_by: &[] },
};

/// What Route 53 answers a read of a zone deleted since it was listed
/// (<https://docs.aws.amazon.com/Route53/latest/APIReference/API_ListResourceRecordSets.html#API_ListResourceRecordSets_Errors>).
const GONE: &[&str] = &["NoSuchHostedZone"];
// Its reads: the read-only policy and the failures' operation names come from these. The
// targets' existence is read with ELB's, CloudFront's and S3's own listings.
pub(crate) static LIST_HOSTED_ZONES: Read =
    crate::read!(Service::Route53, "route53", "ListHostedZones", [K::DnsZone, K::DnsRecord]);
pub(crate) static LIST_TAGS_FOR_RESOURCES: Read =
    crate::read!(Service::Route53, "route53", "ListTagsForResources", [K::DnsZone, K::DnsRecord]);
pub(crate) static LIST_RESOURCE_RECORD_SETS: Read =
    crate::read!(Service::Route53, "route53", "ListResourceRecordSets", [K::DnsRecord]).gone(GONE);

pub(super) static ZONE: KindDef = KindDef {
    kind: K::DnsZone,
    asff_type: "Other",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static RECORD: KindDef = KindDef {
    kind: K::DnsRecord,
    asff_type: "Other",
    // Records carry no tags.
    tags_are_read: false,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: targets_by_role,
};

/// Each environment's records point at its own load balancer and distribution, whose generated
/// host names (and, for a load balancer, its region's hosted zone) differ: compared by what
/// they point at, not by those names.
fn targets_by_role(properties: &mut Map<String, Value>) {
    let kind = properties
        .get("target")
        .and_then(|t| t.get("kind"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let Some(kind) = kind.filter(|k| k != "s3-website") else {
        return;
    };
    let placeholder = Value::String(format!("{{{kind}}}"));
    if let Some(Value::Object(alias)) = properties.get_mut("alias") {
        alias.insert("dns_name".into(), placeholder.clone());
        alias.insert("hosted_zone_id".into(), Value::String("{zone}".into()));
    }
    if let Some(Value::Array(values)) = properties.get_mut("values") {
        values.fill(placeholder.clone());
    }
    if let Some(Value::Object(target)) = properties.get_mut("target") {
        target.insert("name".into(), placeholder);
    }
}

/// Whether a record named `name` is the environment `env`'s. A preview's name (`pr-7`) decides
/// first: `pr-7.dev.trading.example.com` is pr-7's, not dev's. Otherwise a record is the
/// environment's when its zone is, or its name carries the environment as a whole token.
pub fn record_belongs(name: &str, env: &str, zone_is_the_environments: bool) -> bool {
    let preview = name.split('.').find(|label| crate::baseline::is_preview(label));
    match preview {
        Some(preview) => preview.eq_ignore_ascii_case(env),
        None => zone_is_the_environments || crate::naming::names_token(name, env),
    }
}

/// A DNS name as compared: lower case, without the trailing dot.
pub fn dns_name(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// What an alias or CNAME target names, as (kind, name, region): a load balancer
/// (`[dualstack.]<name>-<id>.<region>.elb.amazonaws.com`), a CloudFront distribution
/// (`<id>.cloudfront.net`), or a bucket website (`s3-website-<region>.amazonaws.com` or
/// `s3-website.<region>.amazonaws.com`, whose bucket is the record's own name, or
/// `<bucket>.s3-website...` as a CNAME)
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/WebsiteEndpoints.html>).
pub fn classify_target(record_name: &str, target: &str) -> Option<(&'static str, String, Option<String>)> {
    let target = dns_name(target);
    let target = target.strip_prefix("dualstack.").unwrap_or(&target).to_string();
    if let Some(rest) = target.strip_suffix(".elb.amazonaws.com") {
        let region = rest.rsplit('.').next().filter(|r| rest.contains('.') && !r.is_empty())?;
        return Some(("load-balancer", target.clone(), Some(region.to_string())));
    }
    if target.ends_with(".cloudfront.net") {
        return Some(("cloudfront-distribution", target, None));
    }
    let website = target.find("s3-website")?;
    let endpoint = &target[website..];
    let region = endpoint
        .strip_suffix(".amazonaws.com")?
        .trim_start_matches("s3-website")
        .trim_start_matches(['-', '.']);
    let bucket = match target[..website].strip_suffix('.') {
        Some(bucket) if !bucket.is_empty() => bucket.to_string(),
        _ => dns_name(record_name),
    };
    (!region.is_empty()).then(|| ("s3-website", bucket, Some(region.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_s_name_decides_before_its_parent_s() {
        assert!(record_belongs("pr-7.dev.trading.example.com", "pr-7", false));
        assert!(!record_belongs("pr-7.dev.trading.example.com", "dev", true));
        assert!(!record_belongs("pr-70.dev.trading.example.com", "pr-7", false));
        assert!(record_belongs("dev.trading.example.com", "dev", false));
        assert!(record_belongs("api.trading.example.com", "dev", true), "in dev's zone");
        assert!(!record_belongs("api.trading.example.com", "dev", false));
        assert!(!record_belongs("product.trading.example.com", "prod", false));
    }

    #[test]
    fn targets_are_told_apart_by_their_host_names() {
        let lb = "dualstack.alb-pr-7-123456.us-east-2.elb.amazonaws.com.";
        assert_eq!(
            classify_target("x", lb),
            Some(("load-balancer", "alb-pr-7-123456.us-east-2.elb.amazonaws.com".into(), Some("us-east-2".into())))
        );
        assert_eq!(
            classify_target("x", "D111111abcdef8.cloudfront.net"),
            Some(("cloudfront-distribution", "d111111abcdef8.cloudfront.net".into(), None))
        );
        assert_eq!(
            classify_target("www.example.com.", "s3-website-us-east-1.amazonaws.com."),
            Some(("s3-website", "www.example.com".into(), Some("us-east-1".into())))
        );
        assert_eq!(
            classify_target("x", "assets.s3-website.eu-west-1.amazonaws.com"),
            Some(("s3-website", "assets".into(), Some("eu-west-1".into())))
        );
        assert_eq!(classify_target("x", "elb.amazonaws.com"), None);
        assert_eq!(classify_target("x", "ghs.googlehosted.com"), None);
    }
}

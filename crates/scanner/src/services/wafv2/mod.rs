//! WAFv2: the web ACLs in front of the environment: the regional ones associated with its
//! internet-facing load balancers, and the CLOUDFRONT-scope ones its distributions name, each
//! read with its rules, managed rule groups and versions. It follows the services whose
//! resources say which web ACLs are the environment's: the load balancers in each region, and
//! once per scan (after the global services) the distributions.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::{Map, Value};

use crate::kinds::{unchanged, KindDef, Read, Scope, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Wafv2,
    // The calls that change a web ACL, its associations or its tags
    // (https://docs.aws.amazon.com/waf/latest/APIReference/API_Operations_AWS_WAFV2.html).
    change_events: &[
        "CreateWebACL",
        "UpdateWebACL",
        "DeleteWebACL",
        "AssociateWebACL",
        "DisassociateWebACL",
        "TagResource",
        "UntagResource",
    ],
    kinds: &[&WEB_ACL],
    reads: &[&GET_WEB_ACL_FOR_RESOURCE, &GET_WEB_ACL, &LIST_TAGS_FOR_RESOURCE],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::RegionalFollowing {
        selected_by: &[K::LoadBalancer],
        also_global_by: &[K::CloudfrontDistribution],
    },
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static GET_WEB_ACL_FOR_RESOURCE: Read =
    crate::read!(Service::Wafv2, "wafv2", "GetWebACLForResource", [K::WafWebAcl])
        // The load balancer was deleted since it was listed: it has no web ACL to read
        // (https://docs.aws.amazon.com/waf/latest/APIReference/API_GetWebACLForResource.html#API_GetWebACLForResource_Errors).
        .none(&["WAFNonexistentItemException"]);
pub(crate) static GET_WEB_ACL: Read =
    crate::read!(Service::Wafv2, "wafv2", "GetWebACL", [K::WafWebAcl])
        // The web ACL a distribution names was deleted since
        // (https://docs.aws.amazon.com/waf/latest/APIReference/API_GetWebACL.html#API_GetWebACL_Errors).
        .gone(&["WAFNonexistentItemException"]);
pub(crate) static LIST_TAGS_FOR_RESOURCE: Read =
    crate::read!(Service::Wafv2, "wafv2", "ListTagsForResource", [K::WafWebAcl])
        .gone(&["WAFNonexistentItemException"]);

pub(super) static WEB_ACL: KindDef = KindDef {
    kind: K::WafWebAcl,
    asff_type: "AwsWafv2WebAcl",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: associations_by_count,
};

/// Each environment's web ACL sits in front of its own load balancers: compared by how many.
fn associations_by_count(properties: &mut Map<String, Value>) {
    if let Some(Value::Array(associations)) = properties.get_mut("associations") {
        associations.fill(Value::String("{resource}".into()));
    }
}

//! Elastic Load Balancing (v2): load balancers, listeners, listener rules, target groups.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::Value;

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Elasticloadbalancing,
    change_events: &[
        "CreateLoadBalancer",
        "DeleteLoadBalancer",
        "ModifyLoadBalancerAttributes",
        "SetSecurityGroups",
        "SetSubnets",
        "SetIpAddressType",
        "CreateListener",
        "DeleteListener",
        "ModifyListener",
        "CreateRule",
        "DeleteRule",
        "ModifyRule",
        "SetRulePriorities",
        "CreateTargetGroup",
        "DeleteTargetGroup",
        "ModifyTargetGroup",
        "AddTags",
        "RemoveTags",
    ],
    kinds: &[&LOAD_BALANCER, &LISTENER, &LISTENER_RULE, &TARGET_GROUP],
    reads: &[
        &DESCRIBE_LOAD_BALANCERS,
        &DESCRIBE_LOAD_BALANCER_ATTRIBUTES,
        &DESCRIBE_LISTENERS,
        &DESCRIBE_RULES,
        &DESCRIBE_TARGET_GROUPS,
        &DESCRIBE_TAGS,
        &GET_RESOURCES,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
const ELB: Service = Service::Elasticloadbalancing;
/// What Elastic Load Balancing answers a per-item read of something deleted since it was
/// listed (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeListeners.html#API_DescribeListeners_Errors>,
/// `DescribeLoadBalancerAttributes`, `DescribeRules`).
const GONE: &[&str] = &["LoadBalancerNotFound", "ListenerNotFound"];
pub(crate) static DESCRIBE_LOAD_BALANCERS: Read =
    crate::read!(ELB, "elasticloadbalancing", "DescribeLoadBalancers", [K::LoadBalancer]);
pub(crate) static DESCRIBE_LOAD_BALANCER_ATTRIBUTES: Read = crate::read!(
    ELB,
    "elasticloadbalancing",
    "DescribeLoadBalancerAttributes",
    [K::LoadBalancer]
)
.gone(GONE);
pub(crate) static DESCRIBE_LISTENERS: Read =
    crate::read!(ELB, "elasticloadbalancing", "DescribeListeners", [K::Listener]).gone(GONE);
pub(crate) static DESCRIBE_RULES: Read =
    crate::read!(ELB, "elasticloadbalancing", "DescribeRules", [K::ListenerRule]).gone(GONE);
pub(crate) static DESCRIBE_TARGET_GROUPS: Read =
    crate::read!(ELB, "elasticloadbalancing", "DescribeTargetGroups", [K::TargetGroup]);
pub(crate) static DESCRIBE_TAGS: Read = crate::read!(
    ELB,
    "elasticloadbalancing",
    "DescribeTags",
    [K::LoadBalancer, K::ListenerRule, K::TargetGroup]
);
/// Whether an environment with rules on ours is gone (through the tagging API).
pub(crate) static GET_RESOURCES: Read = Read {
    action: "tag:GetResources",
    ..crate::read!(ELB, "tag", "GetResources", [K::ListenerRule])
};

pub(super) static LOAD_BALANCER: KindDef = KindDef {
    kind: ResourceKind::LoadBalancer,
    asff_type: "AwsElbv2LoadBalancer",
    tags_are_read: true,
    name_fields: &[],
    // A replaced load balancer has a new DNS name; provisioning is a state, not drift.
    changes_without_drift: &["state", "dns_name"],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static LISTENER: KindDef = KindDef {
    kind: ResourceKind::Listener,
    asff_type: "Other",
    // A listener belongs with its load balancer: its own tags are not read.
    tags_are_read: false,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    // Each environment serves its own certificate: compared by how many, not which.
    compare: |p| {
        if let Some(Value::Array(certificates)) = p.get_mut("certificates") {
            certificates.fill(Value::String("{certificate}".into()));
        }
    },
};

pub(super) static LISTENER_RULE: KindDef = KindDef {
    kind: ResourceKind::ListenerRule,
    asff_type: "Other",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static TARGET_GROUP: KindDef = KindDef {
    kind: ResourceKind::TargetGroup,
    asff_type: "Other",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

/// The DNS names of the load balancers among `found`, as Route 53 compares names (lower case,
/// no trailing dot): what a CloudFront origin or a DNS record names when it fronts one.
pub fn found_dns_names(found: &[crate::model::Resource]) -> std::collections::BTreeSet<String> {
    found
        .iter()
        .filter_map(|r| match &r.properties {
            crate::model::Properties::LoadBalancer(lb) => lb.dns_name.as_deref(),
            _ => None,
        })
        .map(crate::services::route53::dns_name)
        .collect()
}

/// A listener's name as the collector gives it, `<load balancer>:<port>`, from its load
/// balancer's or its own ARN (`...:loadbalancer/app/<name>/<id>`, `...:listener/app/<name>/<id>/<id>`).
pub fn listener_name(arn: &str, port: i64) -> Option<String> {
    let resource = arn.rsplit(':').next()?;
    let name = resource.split('/').nth(2)?;
    Some(format!("{name}:{port}"))
}

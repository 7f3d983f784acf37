//! Elastic Load Balancing (v2): load balancers, listeners, listener rules, target groups.

use serde_json::Value;

use super::{unchanged, KindDef, ServiceDef};
use crate::model::{ResourceKind, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Elasticloadbalancing,
    iam_prefix: "elasticloadbalancing",
    event_source: "elasticloadbalancing.amazonaws.com",
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
};

pub(super) static LOAD_BALANCER: KindDef = KindDef {
    kind: ResourceKind::LoadBalancer,
    service: Service::Elasticloadbalancing,
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
    service: Service::Elasticloadbalancing,
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
    service: Service::Elasticloadbalancing,
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static TARGET_GROUP: KindDef = KindDef {
    kind: ResourceKind::TargetGroup,
    service: Service::Elasticloadbalancing,
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

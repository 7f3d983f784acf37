//! The service registry, generated from `with_services!` (one line per service). A service is one folder:
//! `mod.rs` (its declaration: kinds, reads, change events), `model.rs` (its kinds' property
//! types), `collect.rs` (its reader) and `iac.rs` (how Pulumi and Terraform declare it).
//!
//! Every list that names services, kinds, permissions, change events, collectors or provider
//! types derives from [`SERVICES`]: the read-only IAM policy, the EventBridge change pattern,
//! the Lambda's watched sources, the metrics' `Service` values, the dashboard's widgets,
//! capture's and compare's per-kind treatment, the IaC import. Tests below say so.

use serde_json::{Map, Value};

use crate::kinds::iac::{KindMapping, PartMapping};
use crate::kinds::{KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, Service};

/// Declares the services: their modules, [`SERVICES`] and (with AWS) their collectors.
macro_rules! registry {
    ($($(#[$doc:meta])* $service:ident: $variant:ident = $name:literal;)*) => {
        $(pub mod $service;)*

        /// Every service driftscan reads, in snapshot order.
        pub static SERVICES: &[&ServiceDef] = &[$(&$service::SERVICE),*];

        /// Each service's folder under `services/`, in registry order.
        pub static FOLDERS: &[&str] = &[$(stringify!($service)),*];

        /// The collector of `service`.
        #[cfg(feature = "aws")]
        pub fn collector(service: Service) -> &'static dyn crate::collect::Collector {
            $(if service == $service::SERVICE.service {
                return &$service::collect::COLLECTOR;
            })*
            unreachable!("every service is registered (a unit test checks): {service}")
        }
    };
}

with_services!(registry);

/// Every service's reader, in registry order.
#[cfg(feature = "aws")]
pub fn collectors() -> Vec<crate::collect::ServiceReader> {
    services().map(|s| (s, collector(s))).collect()
}

/// Every kind, in snapshot order.
pub fn kinds() -> impl Iterator<Item = &'static KindDef> {
    SERVICES.iter().flat_map(|s| s.kinds.iter().copied())
}

/// The declaration of `kind`.
pub fn kind(kind: ResourceKind) -> &'static KindDef {
    kinds()
        .find(|k| k.kind == kind)
        .unwrap_or_else(|| unreachable!("every kind is registered (a unit test checks): {kind}"))
}

/// The declaration of `service`.
pub fn service(service: Service) -> &'static ServiceDef {
    SERVICES
        .iter()
        .copied()
        .find(|s| s.service == service)
        .unwrap_or_else(|| {
            unreachable!("every service is registered (a unit test checks): {service}")
        })
}

/// The service whose API reads `kind`.
pub fn service_of(kind: ResourceKind) -> Service {
    SERVICES
        .iter()
        .find(|s| s.kinds.iter().any(|k| k.kind == kind))
        .map(|s| s.service)
        .unwrap_or_else(|| unreachable!("every kind is registered (a unit test checks): {kind}"))
}

/// Every service, in registry order.
pub fn services() -> impl Iterator<Item = Service> {
    SERVICES.iter().map(|s| s.service)
}

/// Every read of every service.
pub fn reads() -> impl Iterator<Item = &'static Read> {
    SERVICES.iter().flat_map(|s| s.reads.iter().copied())
}

/// Every kind's IaC mapping.
pub fn iac_kinds() -> impl Iterator<Item = &'static KindMapping> {
    SERVICES.iter().flat_map(|s| s.iac_kinds.iter())
}

/// Every IaC part mapping (rules, bucket settings).
pub fn iac_parts() -> impl Iterator<Item = &'static PartMapping> {
    SERVICES.iter().flat_map(|s| s.iac_parts.iter())
}

/// Removes the kind's `changes_without_drift` fields from a properties document.
pub fn drop_changes_without_drift(kind: ResourceKind, properties: &mut Map<String, Value>) {
    for field in self::kind(kind).changes_without_drift {
        properties.remove(*field);
    }
}

/// The EventBridge pattern of the CloudTrail calls that change what driftscan reads.
pub fn change_event_pattern() -> Value {
    let sources: Vec<String> = SERVICES
        .iter()
        .map(|s| format!("aws.{}", s.iam_prefix()))
        .collect();
    let events: Vec<&str> = SERVICES
        .iter()
        .flat_map(|s| s.change_events.iter().copied())
        .collect();
    serde_json::json!({
        "source": sources,
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventName": events},
    })
}

/// Every read-only action a scan calls, sorted (`ec2:DescribeVpcs`, ...).
pub fn read_actions() -> std::collections::BTreeSet<&'static str> {
    reads().map(|r| r.action).collect()
}

/// The one action attribution needs beyond the reads: CloudTrail's event history. Optional:
/// without it a scan is just as complete, and its findings say they are unattributed and why.
pub const ATTRIBUTION_ACTION: &str = "cloudtrail:LookupEvents";

/// The IAM statements a scan needs: every declared read's action, the optional
/// [`ATTRIBUTION_ACTION`] in a statement of its own (`AttributeChanges`, to drop if attribution
/// is not wanted) and, for `--secure-digest`, `kms:Decrypt` through SSM only.
pub fn read_statements(secure_digest: bool) -> Vec<Value> {
    let mut statements = vec![
        serde_json::json!({
            "Sid": "ReadScannedServices", "Effect": "Allow", "Action": read_actions(), "Resource": "*"
        }),
        serde_json::json!({
            "Sid": "AttributeChanges", "Effect": "Allow", "Action": [ATTRIBUTION_ACTION], "Resource": "*"
        }),
    ];
    if secure_digest {
        statements.push(serde_json::json!({
            "Sid": "DigestSecureStrings", "Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": "*",
            "Condition": {"StringLike": {"kms:ViaService": "ssm.*.amazonaws.com"}}
        }));
    }
    statements
}

/// The read-only policy document a scan needs (`driftscan iam-policy`).
pub fn read_only_policy(secure_digest: bool) -> Value {
    serde_json::json!({"Version": "2012-10-17", "Statement": read_statements(secure_digest)})
}

#[cfg(test)]
mod tests;

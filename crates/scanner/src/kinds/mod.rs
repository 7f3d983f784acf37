//! The resource-kind registry: everything the engine knows about a kind or a service, declared
//! once, beside the other kinds of its service (`ec2.rs`, `ecs.rs`, `rds.rs`, `ssm.rs`, `elbv2.rs`, `s3.rs`). The
//! IAM policy (with the collectors' read actions), the EventBridge change pattern, the Lambda's
//! watched CloudTrail sources, the metrics' `Service` dimension values, the dashboard's widgets,
//! capture's and compare's per-kind treatment all derive from [`SERVICES`] and [`KINDS`].
//!
//! A new kind is its model type, its collector, one [`KindDef`] in its service's module and one
//! line in [`KINDS`]; a test fails when a kind or service is missing here.

mod ec2;
mod ecs;
mod elbv2;
mod rds;
mod s3;
mod ssm;

use serde_json::{Map, Value};

use crate::model::{ResourceKind, Service};

/// What driftscan knows about one AWS service it reads.
#[derive(Debug)]
pub struct ServiceDef {
    /// The service.
    pub service: Service,
    /// The IAM action prefix and EventBridge `aws.<prefix>` source (`ec2`).
    pub iam_prefix: &'static str,
    /// The CloudTrail event source (`ec2.amazonaws.com`).
    pub event_source: &'static str,
    /// CloudTrail event names that change what driftscan reads of this service.
    pub change_events: &'static [&'static str],
}

/// A rewrite of a kind's properties document (capture's or compare's own treatment).
pub type PropertiesHook = fn(&mut Map<String, Value>);

/// What driftscan knows about one resource kind, besides its model type and collector.
#[derive(Debug)]
pub struct KindDef {
    /// The kind.
    pub kind: ResourceKind,
    /// The service whose API reads it.
    pub service: Service,
    /// Whether snapshots record its tags (an SSM parameter's would take one call each).
    pub tags_are_read: bool,
    /// Top-level properties that hold one of the resource's own AWS names (a security group's
    /// `group_name`, a task definition's `family`), besides its id and ARN: a suffix that
    /// infrastructure code generated there is set aside like one in the resource's name.
    pub name_fields: &'static [&'static str],
    /// Properties that change on every deploy or read without anything drifting: a captured
    /// baseline leaves them out and a comparison ignores them.
    pub changes_without_drift: &'static [&'static str],
    /// Fields whose change follows from another's: (leading path, following paths). Reported
    /// as one finding, on the leading field.
    pub following_fields: &'static [(&'static str, &'static [&'static str])],
    /// What `baseline capture` leaves out beyond `changes_without_drift`.
    pub capture: PropertiesHook,
    /// What `compare` rewrites beyond `changes_without_drift`, before two environments'
    /// documents are diffed.
    pub compare: PropertiesHook,
}

/// Leaves a properties document as it is.
pub fn unchanged(_: &mut Map<String, Value>) {}

/// Every service driftscan reads.
pub static SERVICES: &[&ServiceDef] = &[
    &ec2::SERVICE,
    &ecs::SERVICE,
    &rds::SERVICE,
    &ssm::SERVICE,
    &elbv2::SERVICE,
    &s3::SERVICE,
];

/// Every kind, in snapshot order.
pub static KINDS: &[&KindDef] = &[
    &ec2::VPC,
    &ec2::SUBNET,
    &ec2::ROUTE_TABLE,
    &ec2::INTERNET_GATEWAY,
    &ec2::NAT_GATEWAY,
    &ec2::SECURITY_GROUP,
    &ec2::VPC_PEERING_CONNECTION,
    &ecs::CLUSTER,
    &ecs::SERVICE_KIND,
    &ecs::TASK_DEFINITION,
    &rds::CLUSTER,
    &rds::INSTANCE,
    &ssm::PARAMETER,
    &elbv2::LOAD_BALANCER,
    &elbv2::LISTENER,
    &elbv2::LISTENER_RULE,
    &elbv2::TARGET_GROUP,
    &s3::BUCKET,
];

/// The declaration of `kind`.
pub fn kind(kind: ResourceKind) -> &'static KindDef {
    KINDS
        .iter()
        .copied()
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

/// Every service, in registry order.
pub fn services() -> impl Iterator<Item = Service> {
    SERVICES.iter().map(|s| s.service)
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
        .map(|s| format!("aws.{}", s.iam_prefix))
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_kind_and_service_is_registered_once_in_order() {
        let kinds: Vec<ResourceKind> = KINDS.iter().map(|k| k.kind).collect();
        assert_eq!(
            kinds,
            ResourceKind::ALL,
            "KINDS lists every kind once, in snapshot order"
        );
        let read: BTreeSet<Service> = KINDS.iter().map(|k| k.service).collect();
        let registered: BTreeSet<Service> = services().collect();
        assert_eq!(
            read, registered,
            "every kind's service is registered, and only those"
        );
        assert_eq!(
            registered.len(),
            SERVICES.len(),
            "a service is registered once"
        );
        for def in SERVICES {
            assert_eq!(def.iam_prefix, def.service.as_str());
            assert_eq!(
                def.event_source,
                format!("{}.amazonaws.com", def.iam_prefix)
            );
            assert!(!def.change_events.is_empty(), "{}", def.service);
        }
    }

    #[test]
    fn following_fields_and_volatile_fields_are_model_fields() {
        for def in KINDS {
            let names: Vec<String> = def
                .following_fields
                .iter()
                .flat_map(|(lead, follow)| std::iter::once(*lead).chain(follow.iter().copied()))
                .map(|p| p.trim_start_matches("properties.").to_string())
                .chain(def.changes_without_drift.iter().map(|f| f.to_string()))
                .chain(def.name_fields.iter().map(|f| f.to_string()))
                .collect();
            for name in names {
                assert!(
                    crate::baseline::model_has_field(def.kind, &name),
                    "{}: `{name}` is no property of the model",
                    def.kind
                );
            }
        }
    }

    #[test]
    fn the_docs_say_what_is_captured_of_every_kind() {
        let readme = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/snapshot.md"),
        )
        .expect("docs/snapshot.md");
        let table = readme
            .split("## What is captured")
            .nth(1)
            .and_then(|rest| rest.split("\n#").next())
            .expect("a `What is captured` table");
        for def in KINDS {
            assert!(
                table.contains(&format!("`{}`", def.kind)),
                "docs/snapshot.md's `What is captured` table lacks `{}`",
                def.kind
            );
        }
    }

    #[test]
    fn the_change_pattern_covers_every_service() {
        let pattern = change_event_pattern();
        let sources = pattern["source"].as_array().unwrap();
        assert_eq!(sources.len(), SERVICES.len());
        assert!(sources.contains(&serde_json::json!("aws.ssm")));
    }
}

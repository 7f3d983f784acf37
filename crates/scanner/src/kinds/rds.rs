//! RDS and Aurora: clusters and their instances.

use super::{unchanged, KindDef, ServiceDef};
use crate::model::{ResourceKind, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Rds,
    iam_prefix: "rds",
    event_source: "rds.amazonaws.com",
    change_events: &[
        "ModifyDBCluster",
        "ModifyDBInstance",
        "DeleteDBCluster",
        "DeleteDBInstance",
        "CreateDBInstance",
    ],
};

/// Clusters and instances alike: a status that changes on its own, nothing else special.
const fn database(kind: ResourceKind) -> KindDef {
    KindDef {
        kind,
        service: Service::Rds,
        tags_are_read: true,
        name_fields: &[],
        changes_without_drift: &["status"],
        following_fields: &[],
        capture: unchanged,
        compare: unchanged,
    }
}

pub(super) static CLUSTER: KindDef = database(ResourceKind::DbCluster);
pub(super) static INSTANCE: KindDef = database(ResourceKind::DbInstance);

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

pub(super) static CLUSTER: KindDef = KindDef {
    kind: ResourceKind::DbCluster,
    service: Service::Rds,
    tags_are_read: true,
    changes_without_drift: &["status"],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static INSTANCE: KindDef = KindDef {
    kind: ResourceKind::DbInstance,
    service: Service::Rds,
    tags_are_read: true,
    changes_without_drift: &["status"],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

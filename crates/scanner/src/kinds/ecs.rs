//! Elastic Container Service: clusters, services and the task definitions they run.

use serde_json::{Map, Value};

use super::{unchanged, KindDef, ServiceDef};
use crate::model::{ResourceKind, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ecs,
    iam_prefix: "ecs",
    event_source: "ecs.amazonaws.com",
    change_events: &[
        "UpdateService",
        "CreateService",
        "DeleteService",
        "UpdateCluster",
        "UpdateClusterSettings",
    ],
};

pub(super) static CLUSTER: KindDef = KindDef {
    kind: ResourceKind::EcsCluster,
    service: Service::Ecs,
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static SERVICE_KIND: KindDef = KindDef {
    kind: ResourceKind::EcsService,
    service: Service::Ecs,
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &["status"],
    following_fields: &[],
    // The service's current `family:revision`: the task definition itself is declared.
    capture: |p| {
        p.remove("task_definition");
    },
    // `family:revision`: the family is compared, the revision is not.
    compare: |p| {
        if let Some(Value::String(td)) = p.get_mut("task_definition") {
            if let Some((family, _)) = td.rsplit_once(':') {
                *td = family.to_string();
            }
        }
    },
};

pub(super) static TASK_DEFINITION: KindDef = KindDef {
    kind: ResourceKind::EcsTaskDefinition,
    service: Service::Ecs,
    tags_are_read: true,
    name_fields: &["family"],
    changes_without_drift: &["revision"],
    following_fields: &[],
    // `image_ref` is derived from `image`: one change, one finding.
    capture: |p| each_container(p, "image_ref"),
    // Images are compared as repository, tag and digest (`image_ref`), so an image from another
    // repository is told apart from the environment's own tag line.
    compare: |p| each_container(p, "image"),
};

fn each_container(properties: &mut Map<String, Value>, field: &str) {
    if let Some(Value::Array(containers)) = properties.get_mut("containers") {
        for container in containers.iter_mut().filter_map(Value::as_object_mut) {
            container.remove(field);
        }
    }
}

//! Elastic Container Service: clusters, services and the task definitions they run.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::{Map, Value};

use crate::kinds::{Scope, unchanged, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ecs,
    change_events: &[
        "UpdateService",
        "CreateService",
        "DeleteService",
        "UpdateCluster",
        "UpdateClusterSettings",
    ],
    kinds: &[&CLUSTER, &SERVICE_KIND, &TASK_DEFINITION],
    reads: &[
        &LIST_CLUSTERS,
        &DESCRIBE_CLUSTERS,
        &LIST_SERVICES,
        &DESCRIBE_SERVICES,
        &DESCRIBE_TASK_DEFINITION,
        &LIST_TAGS_FOR_RESOURCE,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static LIST_CLUSTERS: Read =
    crate::read!(Service::Ecs, "ecs", "ListClusters", [K::EcsCluster]);
pub(crate) static DESCRIBE_CLUSTERS: Read =
    crate::read!(Service::Ecs, "ecs", "DescribeClusters", [K::EcsCluster]);
/// A cluster deleted since it was listed is gone: what ECS answers a per-cluster read of it
/// (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListServices.html#API_ListServices_Errors>).
pub(crate) static LIST_SERVICES: Read = crate::read!(
    Service::Ecs,
    "ecs",
    "ListServices",
    [K::EcsService]
)
.gone(&["ClusterNotFoundException"]);
/// A service deleted since it was listed comes back as a `MISSING` failure entry.
pub(crate) static DESCRIBE_SERVICES: Read = crate::read!(
    Service::Ecs,
    "ecs",
    "DescribeServices",
    [K::EcsService]
)
.gone(&["ClusterNotFoundException"]);
pub(crate) static DESCRIBE_TASK_DEFINITION: Read =
    crate::read!(Service::Ecs, "ecs", "DescribeTaskDefinition", [K::EcsTaskDefinition]);
/// The tags the Describe calls return with `include: TAGS`: AWS may authorize them as a tag read.
pub(crate) static LIST_TAGS_FOR_RESOURCE: Read = crate::read!(
    Service::Ecs,
    "ecs",
    "ListTagsForResource",
    [K::EcsCluster, K::EcsService, K::EcsTaskDefinition]
);

pub(super) static CLUSTER: KindDef = KindDef {
    kind: ResourceKind::EcsCluster,
    asff_type: "AwsEcsCluster",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

pub(super) static SERVICE_KIND: KindDef = KindDef {
    kind: ResourceKind::EcsService,
    asff_type: "AwsEcsService",
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
    asff_type: "AwsEcsTaskDefinition",
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

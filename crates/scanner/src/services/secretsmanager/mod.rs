//! Secrets Manager: the environment's secrets, metadata only. `GetSecretValue` is never called
//! and is never in the policy: a changed value shows as a new current version id.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::{Map, Value};

use crate::kinds::{Scope, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Secretsmanager,
    // The calls that change a secret's metadata, value, policy or replicas
    // (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html).
    change_events: &[
        "CreateSecret",
        "UpdateSecret",
        "PutSecretValue",
        "DeleteSecret",
        "RestoreSecret",
        "RotateSecret",
        "CancelRotateSecret",
        "PutResourcePolicy",
        "DeleteResourcePolicy",
        "ReplicateSecretToRegions",
        "RemoveRegionsFromReplication",
        "TagResource",
        "UntagResource",
    ],
    kinds: &[&SECRET],
    reads: &[&LIST_SECRETS, &DESCRIBE_SECRET, &GET_RESOURCE_POLICY],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

/// The name a master password RDS manages for DB cluster or instance `primary` goes by (RDS
/// names it `rds!cluster-<uuid>`, new with every cluster): the scanner shows it so, and the
/// provisioner tags it so.
pub fn master_password_name(primary: &str) -> String {
    format!("{primary}/master-password")
}

/// What Secrets Manager answers a per-secret read of a secret deleted since it was listed
/// (<https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html#API_DescribeSecret_Errors>).
const GONE: &[&str] = &["ResourceNotFoundException"];
// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static LIST_SECRETS: Read = crate::read!(
    Service::Secretsmanager,
    "secretsmanager",
    "ListSecrets",
    [K::SecretsManagerSecret]
);
/// A secret's replicas, which `ListSecrets` does not give.
pub(crate) static DESCRIBE_SECRET: Read = crate::read!(
    Service::Secretsmanager,
    "secretsmanager",
    "DescribeSecret",
    [K::SecretsManagerSecret]
)
.gone(GONE);
pub(crate) static GET_RESOURCE_POLICY: Read = crate::read!(
    Service::Secretsmanager,
    "secretsmanager",
    "GetResourcePolicy",
    [K::SecretsManagerSecret]
)
.gone(GONE);

pub(super) static SECRET: KindDef = KindDef {
    kind: K::SecretsManagerSecret,
    asff_type: "AwsSecretsManagerSecret",
    tags_are_read: true,
    name_fields: &[],
    // Dates move with every rotation and value change; the version id is what says the value
    // changed.
    changes_without_drift: &["last_rotated", "last_changed", "created"],
    following_fields: &[],
    capture: capture_version_unless_rotated,
    compare: drop_version,
};

/// A rotated secret's version changes by design: a captured baseline pins the version only
/// of secrets that do not rotate.
fn capture_version_unless_rotated(properties: &mut Map<String, Value>) {
    if properties.get("rotation_enabled") == Some(&Value::Bool(true)) {
        properties.remove("current_version");
    }
}

/// Two environments' secrets never share a version id, nor a key.
fn drop_version(properties: &mut Map<String, Value>) {
    properties.remove("current_version");
    crate::services::kms::compare_key_by_presence(properties);
}

//! Systems Manager Parameter Store.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde_json::{Map, Value};

use crate::kinds::{Scope, KindDef, Read, ServiceDef};
use crate::model::{ResourceKind, Service, SECURE_STRING};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ssm,
    change_events: &["PutParameter", "DeleteParameter", "DeleteParameters"],
    kinds: &[&PARAMETER],
    reads: &[&DESCRIBE_PARAMETERS, &GET_PARAMETERS],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static DESCRIBE_PARAMETERS: Read =
    crate::read!(Service::Ssm, "ssm", "DescribeParameters", [ResourceKind::SsmParameter]);
/// Values of the environment's `String` and `StringList` parameters, never decrypted (a
/// SecureString's value is only asked for, decrypted, with `--secure-digest`, and hashed).
/// A name listed moments ago and deleted since comes back in `InvalidParameters`.
pub(crate) static GET_PARAMETERS: Read = Read {
    returns_values: Some(
        "a String parameter's value is its configuration; SecureStrings are never decrypted \
         unless --secure-digest asks for a keyed hash",
    ),
    ..crate::read!(Service::Ssm, "ssm", "GetParameters", [ResourceKind::SsmParameter])
};

pub(super) static PARAMETER: KindDef = KindDef {
    kind: ResourceKind::SsmParameter,
    asff_type: "Other",
    // A parameter's tags take one call per parameter: not read.
    tags_are_read: false,
    name_fields: &[],
    changes_without_drift: &["last_modified"],
    // Turned from `String` into `SecureString`, a parameter also gains a key and loses its
    // recorded value: one change.
    following_fields: &[(
        "properties.type",
        &[
            "properties.key_id",
            "properties.value",
            "properties.value_digest",
            "properties.version",
            "properties.data_type",
        ],
    )],
    // A plain parameter's value is checked, so its version says nothing more; a SecureString's
    // value is never read, so its version is how a change shows.
    capture: |p| {
        if !is_secure(p) {
            p.remove("version");
        }
    },
    // Versions count writes, which differ between environments; a SecureString has no value
    // (compared by existence, type, key, tier and digest).
    compare: |p| {
        p.remove("version");
        if is_secure(p) {
            p.remove("value");
        }
    },
};

fn is_secure(properties: &Map<String, Value>) -> bool {
    properties.get("type").and_then(Value::as_str) == Some(SECURE_STRING)
}

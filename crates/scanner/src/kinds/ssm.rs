//! Systems Manager Parameter Store.

use serde_json::{Map, Value};

use super::{KindDef, ServiceDef};
use crate::model::{ResourceKind, Service, SECURE_STRING};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ssm,
    iam_prefix: "ssm",
    event_source: "ssm.amazonaws.com",
    change_events: &["PutParameter", "DeleteParameter", "DeleteParameters"],
};

pub(super) static PARAMETER: KindDef = KindDef {
    kind: ResourceKind::SsmParameter,
    service: Service::Ssm,
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

//! KMS: the customer-managed keys the environment's resources use (bucket, secrets, Aurora,
//! logs, cache) and the ones whose alias names the environment (`alias/trading-staging`).
//! It follows the regional services: their resources say which keys they use.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::kinds::{KindDef, Read, Scope, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Kms,
    // The calls that change a key's state, rotation, policy, aliases or tags
    // (https://docs.aws.amazon.com/kms/latest/APIReference/API_Operations.html).
    change_events: &[
        "CreateKey",
        "ScheduleKeyDeletion",
        "CancelKeyDeletion",
        "DisableKey",
        "EnableKey",
        "EnableKeyRotation",
        "DisableKeyRotation",
        "PutKeyPolicy",
        "UpdateKeyDescription",
        "CreateAlias",
        "UpdateAlias",
        "DeleteAlias",
        "TagResource",
        "UntagResource",
    ],
    kinds: &[&KEY],
    reads: &[
        &LIST_ALIASES,
        &DESCRIBE_KEY,
        &GET_KEY_ROTATION_STATUS,
        &GET_KEY_POLICY,
        &LIST_RESOURCE_TAGS,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::RegionalFollowing {
        // The kinds whose properties name the keys they use.
        selected_by: &[
            K::S3Bucket,
            K::DbCluster,
            K::CacheReplicationGroup,
            K::SecretsManagerSecret,
            K::LogGroup,
            K::SsmParameter,
        ],
        also_global_by: &[],
    },
};

/// What KMS answers a per-key read of a key that no longer exists
/// (<https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html#API_DescribeKey_Errors>).
const GONE: &[&str] = &["NotFoundException"];
// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static LIST_ALIASES: Read = crate::read!(Service::Kms, "kms", "ListAliases", [K::KmsKey]);
pub(crate) static DESCRIBE_KEY: Read =
    crate::read!(Service::Kms, "kms", "DescribeKey", [K::KmsKey]).gone(GONE);
pub(crate) static GET_KEY_ROTATION_STATUS: Read =
    crate::read!(Service::Kms, "kms", "GetKeyRotationStatus", [K::KmsKey]).gone(GONE);
pub(crate) static GET_KEY_POLICY: Read =
    crate::read!(Service::Kms, "kms", "GetKeyPolicy", [K::KmsKey]).gone(GONE);
pub(crate) static LIST_RESOURCE_TAGS: Read =
    crate::read!(Service::Kms, "kms", "ListResourceTags", [K::KmsKey]).gone(GONE);

pub(super) static KEY: KindDef = KindDef {
    kind: K::KmsKey,
    asff_type: "AwsKmsKey",
    tags_are_read: true,
    name_fields: &[],
    // The date follows the state, which is what drifts.
    changes_without_drift: &["deletion_date"],
    // A key pending deletion does not rotate (`GetKeyRotationStatus` answers false until the
    // deletion is cancelled,
    // https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html): one
    // change.
    following_fields: &[("properties.state", &["properties.rotation_enabled"])],
    capture: crate::kinds::unchanged,
    compare: crate::kinds::unchanged,
};

/// What a compared resource's key becomes: each environment has its own KMS key, so a key is
/// compared by whether one is named, not which.
pub(crate) const COMPARED_KEY: &str = "{kms-key}";

/// The compare normalization of a kind whose `kms_key_id` names its encryption key.
pub(crate) fn compare_key_by_presence(properties: &mut Map<String, Value>) {
    if let Some(key @ Value::String(_)) = properties.get_mut("kms_key_id") {
        *key = Value::String(COMPARED_KEY.into());
    }
}

/// The keys `properties` (a resource's, as JSON) refer to: every KMS ARN or alias anywhere in
/// it, and the value of any field named for a key (`kms_key_id`, `kms_key`, `key_id`), which
/// may be a bare key id.
pub fn referenced_keys(properties: &Value, out: &mut BTreeSet<String>) {
    match properties {
        Value::Object(fields) => {
            for (field, value) in fields {
                match value {
                    Value::String(s) if is_key_field(field) || is_key_reference(s) => {
                        out.insert(s.clone());
                    }
                    _ => referenced_keys(value, out),
                }
            }
        }
        Value::Array(values) => values.iter().for_each(|v| referenced_keys(v, out)),
        Value::String(s) if is_key_reference(s) => {
            out.insert(s.clone());
        }
        _ => {}
    }
}

fn is_key_field(field: &str) -> bool {
    matches!(field, "kms_key_id" | "kms_key" | "key_id")
}

fn is_key_reference(value: &str) -> bool {
    value.starts_with("alias/") || value.split(':').nth(2) == Some("kms")
}

/// What a key reference names, in `region`: a key id, an alias name, or neither (another
/// region's key, or AWS's own `alias/aws/...` keys, which nobody manages).
#[derive(Debug, PartialEq, Eq)]
pub enum KeyReference {
    /// A key id (`1234abcd-...` or `mrk-...`).
    Key(String),
    /// An alias name (`alias/trading-prod`).
    Alias(String),
}

/// Resolves one reference (a key id, key ARN, alias name or alias ARN) in `region`.
pub fn key_reference(reference: &str, region: &str) -> Option<KeyReference> {
    let local = match reference.strip_prefix("arn:") {
        Some(arn) => {
            let parts: Vec<&str> = arn.splitn(5, ':').collect();
            if parts.len() != 5 || parts[1] != "kms" || parts[2] != region {
                return None;
            }
            parts[4]
        }
        None => reference,
    };
    if local.starts_with("alias/aws/") {
        return None;
    }
    if local.starts_with("alias/") {
        return Some(KeyReference::Alias(local.to_string()));
    }
    let id = local.strip_prefix("key/").unwrap_or(local);
    is_key_id(id).then(|| KeyReference::Key(id.to_string()))
}

/// Whether `id` has a key id's shape: a UUID, or `mrk-` and 32 hex digits for a multi-Region
/// key (<https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-id>).
fn is_key_id(id: &str) -> bool {
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(multi_region) = id.strip_prefix("mrk-") {
        return hex(multi_region, 32);
    }
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5 && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, len)| hex(g, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compared_resources_name_a_key_or_none_never_which() {
        let compared = |value: Value| {
            let Value::Object(mut properties) = value else { panic!("an object") };
            compare_key_by_presence(&mut properties);
            properties.get("kms_key_id").cloned()
        };
        let staging = serde_json::json!({"kms_key_id": "arn:aws:kms:us-east-1:111111111111:key/a"});
        let prod = serde_json::json!({"kms_key_id": "arn:aws:kms:us-east-1:222222222222:key/b"});
        assert_eq!(compared(staging), compared(prod));
        let none = compared(serde_json::json!({"kms_key_id": null}));
        assert_eq!(none, Some(Value::Null), "no key stays no key");
    }

    #[test]
    fn references_are_found_anywhere_and_resolved_in_their_region() {
        let properties = serde_json::json!({
            "kms_key_id": "1234abcd-12ab-34cd-56ef-1234567890ab",
            "encryption": {"kms_key": "arn:aws:kms:us-east-1:123456789012:alias/trading-prod"},
            "replicas": [{"kms_key_id": "arn:aws:kms:us-west-2:123456789012:key/other-region"}],
            "description": "not a key",
            "value": "alias/aws/ssm",
        });
        let mut found = BTreeSet::new();
        referenced_keys(&properties, &mut found);
        assert_eq!(found.len(), 4, "{found:?}");
        let resolved: Vec<KeyReference> = found
            .iter()
            .filter_map(|r| key_reference(r, "us-east-1"))
            .collect();
        assert_eq!(
            resolved,
            [
                KeyReference::Key("1234abcd-12ab-34cd-56ef-1234567890ab".into()),
                KeyReference::Alias("alias/trading-prod".into()),
            ],
            "another region's key and AWS's own alias are not this region's keys to read"
        );
        let multi_region = "mrk-1234abcd12ab34cd56ef1234567890ab";
        assert_eq!(
            key_reference(&format!("arn:aws:kms:us-east-1:1:key/{multi_region}"), "us-east-1"),
            Some(KeyReference::Key(multi_region.into()))
        );
        assert_eq!(key_reference("arn:aws:s3:::bucket", "us-east-1"), None);
        assert_eq!(key_reference("default_kms_key_id", "us-east-1"), None, "not a key id");
    }
}

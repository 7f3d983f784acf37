//! `driftscan baseline capture`: a baseline written from a snapshot, so a team can adopt
//! driftscan on existing infrastructure in one command and then edit the result.
//!
//! Every field is captured exactly, except values that change on every deploy or read
//! (revision numbers, parameter versions and modification times, statuses) and the physical
//! ids of references that have a name. Maps are exact: a key added to a container's
//! environment, a cluster's settings or a resource's tags after the capture is drift.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::baseline::{AWS_TAG_PREFIX, BASELINE_MARKER};
use crate::model::Snapshot;
use crate::naming::GeneratedToken;

/// A capture that cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The snapshot is incomplete: a baseline from it would declare unread resources absent.
    #[error("the snapshot of `{0}` is incomplete; a baseline captured from it would be wrong. Fix the failed reads and capture again")]
    Incomplete(String),
    /// Serializing failed.
    #[error("cannot write the baseline: {0}")]
    Serialize(String),
}

/// Writes the YAML baseline of `snapshot`, saying no capture time.
pub fn capture(snapshot: &Snapshot, version: &str) -> Result<String, CaptureError> {
    capture_at(snapshot, version, None)
}

/// Writes the YAML baseline of `snapshot`, with `captured:` when it is known when the
/// snapshot was read (a live read, not a saved snapshot): attribution then looks for changes
/// only since.
pub fn capture_at(
    snapshot: &Snapshot,
    version: &str,
    captured: Option<std::time::SystemTime>,
) -> Result<String, CaptureError> {
    if !snapshot.complete {
        return Err(CaptureError::Incomplete(snapshot.environment.clone()));
    }
    let mut resources = Map::new();
    let mut seen = BTreeSet::new();
    let generated = crate::resolve::generated_tokens(&snapshot.resources, &snapshot.environment);
    for resource in &snapshot.resources {
        let key = format!("{}/{}", resource.kind, resource.logical_name);
        // One declaration per logical resource: the same name in several regions shares it.
        if !seen.insert(key.clone()) {
            continue;
        }
        let mut properties = serde_json::to_value(&resource.properties).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut properties {
            crate::services::drop_changes_without_drift(resource.kind, map);
            (crate::services::kind(resource.kind).capture)(map);
        }
        strip_reference_ids(&mut properties);
        accept_any_generated_suffix(&mut properties, &generated);
        let mut entry = Map::new();
        entry.insert("properties".into(), properties);
        // Tags are declared exactly, an empty set too, so a tag added later is drift. Keys
        // under `aws:` are AWS's own and never drift.
        if crate::services::kind(resource.kind).tags_are_read {
            let tags: Map<String, Value> = resource
                .tags
                .iter()
                .filter(|(key, _)| !key.starts_with(AWS_TAG_PREFIX))
                .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                .collect();
            let mut tags = Value::Object(tags);
            accept_any_generated_suffix(&mut tags, &generated);
            entry.insert("tags".into(), tags);
        }
        resources.insert(key, Value::Object(entry));
    }
    let mut document = Map::new();
    document.insert("driftscan".into(), Value::String(BASELINE_MARKER.into()));
    if let Some(at) = captured {
        // Whole seconds, rounded down: the window reaches back a little further, never less.
        let at = time::OffsetDateTime::from(at).replace_nanosecond(0);
        let at = at
            .map_err(|e| CaptureError::Serialize(e.to_string()))?
            .format(&time::format_description::well_known::Rfc3339);
        let at = at.map_err(|e| CaptureError::Serialize(e.to_string()))?;
        document.insert("captured".into(), Value::String(at));
    }
    document.insert("resources".into(), Value::Object(resources));
    let body = serde_saphyr::to_string(&Value::Object(document))
        .map_err(|e| CaptureError::Serialize(e.to_string()))?;
    Ok(format!(
        "# Baseline of `{env}` captured by driftscan {version} from {regions}.\n\
         # Every field is expected exactly as it was, maps (tags, container environment and\n\
         # secrets, settings) included: a key added to one is drift. Edit values into patterns\n\
         # ({{glob: ...}}, {{regex: ...}}), bounds ({{\">=\": 7}}) or sets ({{one_of: [...]}}) where\n\
         # they may vary, a map into {{includes: {{...}}}} (or tags with `extra_tags: allowed`) where\n\
         # other keys are fine, and add `extends: base.yaml`, `compliance:` and `ignore:` as needed.\n{body}",
        env = snapshot.environment,
        regions = snapshot.regions.join(", "),
    ))
}

/// Turns every value that holds a suffix infrastructure code generated (`alb-sg-7437b2e`) into
/// a pattern accepting any suffix of that shape (`{regex: '^alb-sg-[0-9a-f]{7}$'}`), so a
/// resource replaced with the same configuration under a new suffix is no drift.
pub(crate) fn accept_any_generated_suffix(value: &mut Value, generated: &[GeneratedToken]) {
    match value {
        Value::String(text) => {
            let found = generated.iter().find(|t| text.contains(t.token.as_str()));
            if let Some(GeneratedToken { token, pattern }) = found {
                let pattern = regex::escape(text).replace(&regex::escape(token), pattern);
                *value = serde_json::json!({ "regex": format!("^{pattern}$") });
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| accept_any_generated_suffix(v, generated)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| accept_any_generated_suffix(v, generated)),
        _ => {}
    }
}

/// Drops `id` from every reference that also has a `name`: names are stable, ids are not.
fn strip_reference_ids(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.contains_key("name")
                && map.get("name").is_some_and(|n| !n.is_null())
                && map.contains_key("id")
            {
                map.remove("id");
            }
            map.values_mut().for_each(strip_reference_ids);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_reference_ids),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::baseline::Baseline;
    use crate::model::{Properties, ResourceRef, SsmParameter, Subnet, SECURE_STRING};
    use crate::testing::{resource, snapshot};

    fn parameter(name: &str, kind: &str, version: i64) -> crate::model::Resource {
        resource(
            name,
            Properties::SsmParameter(SsmParameter {
                parameter_type: kind.into(),
                data_type: Some("text".into()),
                version,
                last_modified: Some("2026-11-26T07:01:14Z".into()),
                tier: Some("Standard".into()),
                key_id: None,
                description: None,
                value: (kind != SECURE_STRING).then(|| "300".into()),
                value_digest: None,
            }),
        )
    }

    fn subnet() -> crate::model::Resource {
        resource(
            "private-a-prod",
            Properties::Subnet(Subnet {
                vpc: ResourceRef {
                    id: "vpc-123".into(),
                    name: Some("vpc-prod".into()),
                },
                cidr_block: "10.0.10.0/24".into(),
                ipv6_cidr_blocks: vec![],
                availability_zone: "us-east-1a".into(),
                map_public_ip_on_launch: false,
                route_table: Some(ResourceRef::id("rtb-unnamed")),
            }),
        )
    }

    #[test]
    fn capture_round_trips_to_no_findings() {
        let live = snapshot(vec![
            subnet(),
            parameter("/prod/cache-ttl", "String", 4),
            parameter("/prod/db-password", SECURE_STRING, 2),
        ]);
        let text = capture(&live, "test").unwrap();
        assert!(
            !text.contains("vpc-123"),
            "named references keep no id:\n{text}"
        );
        assert!(
            text.contains("rtb-unnamed"),
            "unnamed references keep their id:\n{text}"
        );
        assert!(!text.contains("last_modified"), "{text}");
        let baseline = Baseline::parse_str(&text, Path::new("prod.yaml"), "prod").unwrap();
        let key = |k: &str| crate::baseline::ResourceKey::parse(k).unwrap();
        let plain = &baseline.resources[&key("ssm-parameter//{env}/cache-ttl")];
        assert!(!plain.fields.contains_key("properties.version"));
        let secure = &baseline.resources[&key("ssm-parameter//{env}/db-password")];
        assert_eq!(
            secure.fields["properties.version"].declared(),
            serde_json::json!(2)
        );
        let report = crate::evaluate::evaluate(&live, &baseline, (2026, 11, 26)).unwrap();
        assert!(report.findings.is_empty(), "{:#?}", report.findings);

        // A new version of the String parameter is no drift by itself; of the SecureString it is.
        let changed = snapshot(vec![
            subnet(),
            parameter("/prod/cache-ttl", "String", 5),
            parameter("/prod/db-password", SECURE_STRING, 3),
        ]);
        let report = crate::evaluate::evaluate(&changed, &baseline, (2026, 11, 26)).unwrap();
        let paths: Vec<_> = report
            .findings
            .iter()
            .map(|f| (f.logical_name.as_str(), f.path.as_deref()))
            .collect();
        assert_eq!(paths, [("/{env}/db-password", Some("properties.version"))]);
    }

    #[test]
    fn a_live_capture_says_when_and_the_baseline_reads_it_back() {
        let live = snapshot(vec![subnet()]);
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_796_659_200);
        let text = capture_at(&live, "test", Some(at)).unwrap();
        assert!(
            text.contains("captured: \"2026-12-07T16:00:00Z\""),
            "{text}"
        );
        let baseline = Baseline::parse_str(&text, Path::new("prod.yaml"), "prod").unwrap();
        assert_eq!(
            baseline.captured.map(time::OffsetDateTime::unix_timestamp),
            Some(1_796_659_200)
        );
        let unsaid = capture(&live, "test").unwrap();
        assert!(!unsaid.contains("captured:"), "{unsaid}");

        let wrong = text.replace("2026-12-07T16:00:00Z", "yesterday");
        let error = Baseline::parse_str(&wrong, Path::new("prod.yaml"), "prod").unwrap_err();
        let error = error.to_string();
        assert!(
            error.contains("prod.yaml")
                && error.contains("`captured: yesterday` is not an RFC 3339 time"),
            "{error}"
        );
    }

    #[test]
    fn incomplete_snapshots_are_not_captured() {
        let mut live = snapshot(vec![subnet()]);
        live.complete = false;
        assert!(matches!(
            capture(&live, "test"),
            Err(CaptureError::Incomplete(_))
        ));
    }

    #[test]
    fn capture_is_deterministic() {
        let live = snapshot(vec![
            parameter("/prod/b", "String", 1),
            subnet(),
            parameter("/prod/a", "String", 1),
        ]);
        assert_eq!(capture(&live, "t").unwrap(), capture(&live, "t").unwrap());
    }
}

//! JSON Schemas for `driftscan.yaml` and for baselines, for editors (YAML language servers read
//! them). Both are derived from the types that read those files, traced with
//! `serde-reflection`, and from the kind and rule registries, so a new setting, kind, property
//! or rule is in them without editing a schema by hand. `schemas/` in the repository holds the
//! generated files (`driftscan schema config|baseline`; a test keeps them current).

use serde_json::{json, Map, Value};
use serde_reflection::{ContainerFormat, Format, Registry, Tracer, TracerConfig, VariantFormat};

use crate::baseline::expect::OPERATORS;
use crate::model::Severity;

/// The JSON Schema dialect of both schemas.
const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Deeper than any type the files hold; a guard, not a limit anyone meets.
const MAX_DEPTH: usize = 24;

/// The schema of `driftscan.yaml`.
pub fn config_schema() -> Value {
    let mut tracer = Tracer::new(TracerConfig::default());
    let traced = tracer
        .trace_simple_type::<crate::config::MetricsMode>()
        .and_then(|_| tracer.trace_simple_type::<Severity>())
        .and_then(|_| tracer.trace_simple_type::<crate::config::ConfigFile>());
    let registry = traced.and_then(|_| tracer.registry()).unwrap_or_default();
    let mut schema = of(&registry, &Format::TypeName("ConfigFile".into()), false, 0);
    if let Value::Object(map) = &mut schema {
        map.insert("$schema".into(), json!(DIALECT));
        map.insert("title".into(), json!("driftscan.yaml"));
        map.insert(
            "description".into(),
            json!("driftscan's configuration: regions, accounts and roles per environment, publishing."),
        );
    }
    schema
}

/// The schema of a baseline file: its sections, a resource key per registered kind with that
/// kind's model properties (each value, at any depth, may be a matcher), and the registered
/// compliance rules.
pub fn baseline_schema() -> Value {
    let mut tracer = Tracer::new(TracerConfig::default());
    let roots = crate::model::trace_kinds(&mut tracer).unwrap_or_default();
    let registry = tracer.registry().unwrap_or_default();
    let severity = json!({"enum": Severity::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()});
    let mut per_kind = Map::new();
    for (kind, type_name) in roots {
        let properties = match registry.get(type_name) {
            Some(ContainerFormat::Struct(fields)) => Value::Object(
                fields
                    .iter()
                    .map(|f| (f.name.clone(), of(&registry, &f.value, true, 1)))
                    .collect(),
            ),
            _ => json!({}),
        };
        per_kind.insert(
            format!("^{}/.+$", kind.as_str()),
            json!({
                "type": "object",
                "description": format!("A {} resource, keyed `{}/<logical name>`.", kind.as_str(), kind.as_str()),
                "properties": {
                    "exists": {"type": "boolean", "description": "false: the resource must not exist."},
                    "region": {"type": "string"},
                    "severity": severity,
                    "properties": {"type": "object", "properties": properties, "additionalProperties": false},
                    "tags": {"type": "object", "description": "Exactly these tags (keys under aws: aside), unless extra_tags: allowed."},
                    "extra_tags": {"enum": ["drift", "allowed"]},
                },
                "additionalProperties": false,
            }),
        );
    }
    let rules: Vec<&str> = crate::rules::RULES.iter().map(|r| r.id).collect();
    json!({
        "$schema": DIALECT,
        "title": "driftscan baseline",
        "description": "What an environment is declared to be: resources and their properties, compliance rules, ignores.",
        "type": "object",
        "required": ["driftscan"],
        "properties": {
            "driftscan": {"const": "baseline/v1"},
            "extends": {"type": "string", "description": "A baseline file this one refines (base.yaml)."},
            "description": {"type": "string"},
            "captured": {
                "type": "string",
                "format": "date-time",
                "description": "When `driftscan baseline capture` wrote it (RFC 3339): attribution looks for changes since.",
            },
            "resources": {
                "type": "object",
                "patternProperties": per_kind,
                "additionalProperties": false,
            },
            "compliance": {
                "type": "object",
                "propertyNames": {"enum": rules},
            },
            "ignore": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["resource", "path"],
                    "properties": {
                        "resource": {"type": "string"},
                        "path": {"type": "string"},
                        "reason": {"type": "string"},
                        "expires": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    },
                    "additionalProperties": false,
                },
            },
            "unmanaged": {
                "type": "object",
                "properties": {
                    "severity": severity,
                    "ignore": {"type": "array", "items": {"type": "string"}},
                },
                "additionalProperties": false,
            },
        },
        "additionalProperties": false,
        "$defs": {
            "matcher": {
                "type": "object",
                "description": "A matcher instead of a value: equals, glob, regex, >=, >, <=, <, one_of, subset_of, exists, exactly, includes.",
                "minProperties": 1,
                "propertyNames": {"enum": OPERATORS},
            },
        },
    })
}

/// The schema of one traced format; with `matchers`, a matcher is allowed wherever a value is.
fn of(registry: &Registry, format: &Format, matchers: bool, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return json!({});
    }
    let schema = match format {
        Format::Bool => json!({"type": "boolean"}),
        Format::I8
        | Format::I16
        | Format::I32
        | Format::I64
        | Format::I128
        | Format::U8
        | Format::U16
        | Format::U32
        | Format::U64
        | Format::U128 => json!({"type": "integer"}),
        Format::F32 | Format::F64 => json!({"type": "number"}),
        Format::Char | Format::Str | Format::Bytes => json!({"type": "string"}),
        Format::Option(inner) => {
            // `~` in YAML is an absent value.
            return json!({"anyOf": [of(registry, inner, matchers, depth + 1), {"type": "null"}]});
        }
        Format::Seq(inner) => {
            json!({"type": "array", "items": of(registry, inner, matchers, depth + 1)})
        }
        Format::Map { value, .. } => {
            json!({"type": "object", "additionalProperties": of(registry, value, matchers, depth + 1)})
        }
        Format::TypeName(name) => match registry.get(name) {
            Some(ContainerFormat::Struct(fields)) => json!({
                "type": "object",
                "properties": fields
                    .iter()
                    .map(|f| (f.name.clone(), of(registry, &f.value, matchers, depth + 1)))
                    .collect::<Map<_, _>>(),
                "additionalProperties": false,
            }),
            Some(ContainerFormat::NewTypeStruct(inner)) => of(registry, inner, matchers, depth + 1),
            Some(ContainerFormat::Enum(variants)) => {
                let units: Vec<&str> = variants
                    .values()
                    .filter(|v| matches!(v.value, VariantFormat::Unit))
                    .map(|v| v.name.as_str())
                    .collect();
                if units.len() == variants.len() {
                    json!({"enum": units})
                } else {
                    // Externally tagged: `{variant: payload}` (or a bare unit variant's name).
                    let tagged: Vec<Value> = variants
                        .values()
                        .map(|v| match &v.value {
                            VariantFormat::Unit => json!({"const": v.name}),
                            VariantFormat::NewType(inner) => json!({
                                "type": "object",
                                "properties": {v.name.clone(): of(registry, inner, matchers, depth + 1)},
                                "required": [v.name],
                                "additionalProperties": false,
                            }),
                            _ => json!({"type": "object", "required": [v.name]}),
                        })
                        .collect();
                    json!({"anyOf": tagged})
                }
            }
            _ => json!({}),
        },
        _ => json!({}),
    };
    if matchers {
        json!({"anyOf": [{"$ref": "#/$defs/matcher"}, schema]})
    } else {
        schema
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;

    fn repository() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn yaml(text: &str) -> Value {
        serde_saphyr::from_str(text).expect("YAML")
    }

    /// `schemas/` holds what `driftscan schema` prints today (regenerate with
    /// `driftscan schema config > schemas/driftscan.schema.json`, and `baseline`).
    #[test]
    fn the_published_schemas_are_current() {
        for (file, schema) in [
            ("schemas/driftscan.schema.json", config_schema()),
            ("schemas/baseline.schema.json", baseline_schema()),
        ] {
            let published = std::fs::read_to_string(repository().join(file)).expect(file);
            assert_eq!(published, format!("{schema:#}\n"), "{file} is stale");
        }
    }

    #[test]
    fn the_shipped_baselines_are_valid_and_mistakes_are_not() {
        let validator = jsonschema::validator_for(&baseline_schema()).expect("the schema compiles");
        let mut checked = 0;
        for entry in std::fs::read_dir(repository().join("baselines")).unwrap() {
            let path = entry.unwrap().path();
            let document = yaml(&std::fs::read_to_string(&path).unwrap());
            let errors: Vec<String> = validator
                .iter_errors(&document)
                .map(|e| format!("{} at {}", e, e.instance_path()))
                .collect();
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
            checked += 1;
        }
        assert!(checked >= 5, "the shipped baselines were read");
        for mistake in [
            "driftscan: baseline/v2\n",
            "driftscan: baseline/v1\nresource: {}\n",
            "driftscan: baseline/v1\nresources:\n  not-a-kind/x: {}\n",
            "driftscan: baseline/v1\nresources:\n  vpc/vpc-{env}:\n    properties: {cidr_block: 10.0.0.0/16}\n",
            "driftscan: baseline/v1\nresources:\n  db-cluster/c:\n    properties: {backup_retention_period: {atleast: 7}}\n",
            "driftscan: baseline/v1\ncompliance:\n  no-such-rule: {}\n",
        ] {
            assert!(!validator.is_valid(&yaml(mistake)), "accepted: {mistake}");
        }
        let matcher = "driftscan: baseline/v1\nresources:\n  db-cluster/c:\n    properties: {backup_retention_period: {\">=\": 7}}\n";
        assert!(validator.is_valid(&yaml(matcher)));
    }

    #[test]
    fn a_config_with_every_section_is_valid_and_a_misspelling_is_not() {
        let validator = jsonschema::validator_for(&config_schema()).expect("the schema compiles");
        let config = "defaults:\n  regions: [us-east-1]\n  max_attempts: 5\nenvironments:\n  prod:\n    role_arn: arn:aws:iam::111111111111:role/r\n    external_id: x7\naccounts:\n  - id: \"111111111111\"\n    role: driftscan-readonly\n    environments: [dev]\norganization:\n  role: driftscan-readonly\n  account_tags: {team: platform}\npublish:\n  topic_arn: arn:aws:sns:us-east-1:111111111111:alerts\n  metrics: emf\n  min_severity: high\n  report_bucket: reports\n";
        let document = yaml(config);
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        crate::config::ConfigFile::parse(config, Path::new("driftscan.yaml"))
            .expect("and driftscan reads it");
        for mistake in [
            "defaults:\n  region: [us-east-1]\n",
            "publish:\n  metrics: statsd\n",
            "accounts:\n  - id: \"1\"\n    rol: r\n    environments: []\n",
        ] {
            assert!(!validator.is_valid(&yaml(mistake)), "accepted: {mistake}");
        }
    }
}

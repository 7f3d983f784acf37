//! Field names a baseline may declare, derived from the snapshot model's own types (with
//! `serde-reflection`), so a misspelled property is an error at its line, not a finding later.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;
use serde_reflection::{ContainerFormat, Format, Registry, Tracer, TracerConfig, VariantFormat};

use super::expect::{is_matcher, EXACTLY, INCLUDES};
use crate::model::*;

/// The shape of a model type, as far as key names go.
#[derive(Debug)]
enum Shape {
    /// A scalar, or anything whose keys are not checked.
    Any,
    /// A struct: its field names and shapes.
    Struct(Vec<(String, Shape)>),
    /// An externally tagged enum: variant names and the newtype payload's shape.
    Enum(Vec<(String, Shape)>),
    /// A list of elements.
    List(Box<Shape>),
    /// A map with any keys.
    Map(Box<Shape>),
}

fn shapes() -> Option<&'static BTreeMap<ResourceKind, Shape>> {
    static SHAPES: OnceLock<Option<BTreeMap<ResourceKind, Shape>>> = OnceLock::new();
    SHAPES
        .get_or_init(|| {
            let mut tracer = Tracer::new(TracerConfig::default());
            let roots = crate::model::trace_kinds(&mut tracer).ok()?;
            let registry = tracer.registry().ok()?;
            Some(
                roots
                    .into_iter()
                    .map(|(kind, name)| (kind, shape(&registry, &Format::TypeName(name.into()), 0)))
                    .collect(),
            )
        })
        .as_ref()
}

/// Converts a traced format into a [`Shape`] (the model is not recursive; depth is bounded
/// all the same).
fn shape(registry: &Registry, format: &Format, depth: usize) -> Shape {
    if depth > 16 {
        return Shape::Any;
    }
    match format {
        Format::TypeName(name) => match registry.get(name) {
            Some(ContainerFormat::Struct(fields)) => Shape::Struct(
                fields
                    .iter()
                    .map(|f| (f.name.clone(), shape(registry, &f.value, depth + 1)))
                    .collect(),
            ),
            Some(ContainerFormat::Enum(variants)) => Shape::Enum(
                variants
                    .values()
                    .map(|v| {
                        let payload = match &v.value {
                            VariantFormat::NewType(inner) => shape(registry, inner, depth + 1),
                            _ => Shape::Any,
                        };
                        (v.name.clone(), payload)
                    })
                    .collect(),
            ),
            Some(ContainerFormat::NewTypeStruct(inner)) => shape(registry, inner, depth + 1),
            _ => Shape::Any,
        },
        Format::Option(inner) => shape(registry, inner, depth + 1),
        Format::Seq(inner) => Shape::List(Box::new(shape(registry, inner, depth + 1))),
        Format::Map { value, .. } => Shape::Map(Box::new(shape(registry, value, depth + 1))),
        _ => Shape::Any,
    }
}

/// Whether the model of `kind` has a top-level property `name`.
pub fn model_has_field(kind: ResourceKind, name: &str) -> bool {
    match shapes().and_then(|s| s.get(&kind)) {
        Some(Shape::Struct(fields)) => fields.iter().any(|(field, _)| field == name),
        _ => false,
    }
}

/// Checks that every key of a declared `properties.<name>` value exists in the model of `kind`.
/// Returns what is wrong, or `None`. Matcher maps are not descended into.
pub fn unknown_field(kind: ResourceKind, name: &str, declared: &Value) -> Option<String> {
    let root = shapes()?.get(&kind)?;
    let probe = serde_json::json!({ name: declared });
    walk(root, &probe, &format!("{kind} properties"))
}

/// Rewrites the plain maps a declared `properties.<name>` value gives at the model's data-map
/// places (container `environment` and `secrets`, cluster `settings`, log `options`) into
/// `{exactly: ...}`: a data map in a baseline is exact unless declared `{includes: ...}`.
/// Struct fields stay partial (an undeclared field is not checked), since their keys are the
/// model's, not the user's.
pub fn exact_maps(kind: ResourceKind, name: &str, declared: Value) -> Value {
    let Some(Shape::Struct(fields)) = shapes().and_then(|s| s.get(&kind)) else {
        return declared;
    };
    match fields.iter().find(|(field, _)| field == name) {
        Some((_, shape)) => exact(shape, declared),
        None => declared,
    }
}

fn exact(shape: &Shape, value: Value) -> Value {
    if is_matcher(&value) {
        // Inside `exactly`/`includes` the entries keep following the model.
        return match value {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(op, arg)| {
                        let arg = match (op.as_str(), shape) {
                            (EXACTLY | INCLUDES, Shape::Map(inner)) => entries(inner, arg),
                            (INCLUDES, Shape::List(inner)) => match arg {
                                Value::Array(items) => Value::Array(
                                    items.into_iter().map(|i| exact(inner, i)).collect(),
                                ),
                                other => other,
                            },
                            _ => arg,
                        };
                        (op, arg)
                    })
                    .collect(),
            ),
            other => other,
        };
    }
    match (shape, value) {
        (Shape::Map(inner), Value::Object(map)) => {
            serde_json::json!({ EXACTLY: entries(inner, Value::Object(map)) })
        }
        (Shape::Struct(fields) | Shape::Enum(fields), Value::Object(map)) => Value::Object(
            map.into_iter()
                .map(|(key, item)| {
                    let item = match fields.iter().find(|(name, _)| *name == key) {
                        Some((_, inner)) => exact(inner, item),
                        None => item,
                    };
                    (key, item)
                })
                .collect(),
        ),
        (Shape::List(inner), Value::Array(items)) => {
            Value::Array(items.into_iter().map(|i| exact(inner, i)).collect())
        }
        (_, value) => value,
    }
}

/// The values of a data map's entries, each following the map's value shape.
fn entries(inner: &Shape, map: Value) -> Value {
    match map {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, item)| (key, exact(inner, item)))
                .collect(),
        ),
        other => other,
    }
}

fn walk(shape: &Shape, value: &Value, at: &str) -> Option<String> {
    if is_matcher(value) {
        // The entries of `exactly`/`includes` are checked like the map or list they stand for.
        return value.as_object()?.iter().find_map(|(op, arg)| {
            matches!(op.as_str(), EXACTLY | INCLUDES)
                .then(|| walk(shape, arg, at))
                .flatten()
        });
    }
    match shape {
        Shape::Any => None,
        Shape::Struct(fields) | Shape::Enum(fields) => {
            let what = if matches!(shape, Shape::Struct(_)) {
                "field"
            } else {
                "variant"
            };
            for (key, item) in value.as_object()? {
                let Some((_, inner)) = fields.iter().find(|(name, _)| name == key) else {
                    let known: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
                    return Some(format!(
                        "unknown {what} `{key}` in {at} (known: {})",
                        known.join(", ")
                    ));
                };
                if let Some(problem) = walk(inner, item, &format!("{at}.{key}")) {
                    return Some(problem);
                }
            }
            None
        }
        Shape::List(inner) => value
            .as_array()?
            .iter()
            .find_map(|item| walk(inner, item, &format!("{at}[]"))),
        Shape::Map(inner) => value
            .as_object()?
            .iter()
            .find_map(|(key, item)| walk(inner, item, &format!("{at}.{key}"))),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_kind_traces() {
        let shapes = shapes().expect("every model type traces");
        assert_eq!(shapes.len(), ResourceKind::ALL.len());
        assert!(shapes.values().all(|s| matches!(s, Shape::Struct(_))));
    }

    #[test]
    fn known_fields_pass_and_misspellings_are_named() {
        assert_eq!(
            unknown_field(ResourceKind::DbCluster, "storage_encrypted", &json!(true)),
            None
        );
        let problem =
            unknown_field(ResourceKind::DbCluster, "storage_encryptd", &json!(true)).unwrap();
        assert!(
            problem.contains("unknown field `storage_encryptd` in db-cluster properties"),
            "{problem}"
        );
        assert!(
            problem.contains("storage_encrypted"),
            "the known fields are listed: {problem}"
        );
    }

    #[test]
    fn nested_structs_lists_enums_and_renames_are_followed() {
        let ok =
            json!([{"protocol": "tcp", "from_port": 5432, "peer": {"group": {"name": "app"}}}]);
        assert_eq!(
            unknown_field(ResourceKind::SecurityGroup, "ingress", &ok),
            None
        );
        let bad = json!([{"protocol": "tcp", "peer": {"grop": {"name": "app"}}}]);
        assert!(unknown_field(ResourceKind::SecurityGroup, "ingress", &bad)
            .unwrap()
            .contains("unknown variant `grop`"));
        let bad = json!([{"protocol": "tcp", "peer": {"group": {"nam": "app"}}}]);
        assert!(unknown_field(ResourceKind::SecurityGroup, "ingress", &bad)
            .unwrap()
            .contains("unknown field `nam`"));
        let containers = json!([{"name": "app", "image_ref": {"tagg": "v1"}}]);
        assert!(
            unknown_field(ResourceKind::EcsTaskDefinition, "containers", &containers)
                .unwrap()
                .contains("`tagg`")
        );
        assert_eq!(
            unknown_field(ResourceKind::SsmParameter, "type", &json!("String")),
            None,
            "serde renames"
        );
        assert_eq!(
            unknown_field(
                ResourceKind::EcsCluster,
                "settings",
                &json!({"anyName": "x"})
            ),
            None,
            "maps take any key"
        );
    }

    #[test]
    fn matchers_are_not_taken_for_fields() {
        assert_eq!(
            unknown_field(
                ResourceKind::DbCluster,
                "backup_retention_period",
                &json!({">=": 7})
            ),
            None
        );
        assert_eq!(
            unknown_field(ResourceKind::Subnet, "vpc", &json!({"exists": true})),
            None
        );
    }
}

//! How infrastructure code declares a kind: the row types each service's `iac.rs` fills in,
//! and the attribute reader they share. The Pulumi AWS provider is bridged from Terraform's, so
//! after `crate::iac::state::snake_case` both spell attributes alike and one row serves both.
//!
//! What a provider computes and that drifts by itself (timestamps, ARNs, defaults filled in) is
//! not declared; what a state keeps secret is expected to exist, nothing more; references are
//! declared by id (`vpc: {id: vpc-0abc}`), which the snapshot carries beside the name.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::model::ResourceKind as K;

/// How one kind is declared by infrastructure code.
#[derive(Debug)]
pub struct KindMapping {
    /// The kind.
    pub kind: K,
    /// Pulumi types.
    pub pulumi: &'static [&'static str],
    /// Terraform types.
    pub terraform: &'static [&'static str],
    /// How the collector names the resource when it has no `Name` tag.
    pub name: Naming,
    /// How the collector identifies the resource when neither its id nor its `arn`, `name`,
    /// `bucket` or `family` attribute does (a record's `<name> <type>`).
    pub live_id: Option<fn(&Attrs) -> Option<String>>,
    /// Attributes the provider's schema marks `Sensitive` (a password, an AUTH token): set
    /// aside and never read, even from a Terraform 0.12 to 0.14 state that does not say so.
    pub sensitive: &'static [&'static str],
    /// The declared properties.
    pub properties: fn(&Attrs) -> Map<String, Value>,
}

/// How a resource without a `Name` tag is named, as its collector names it.
#[derive(Debug, Clone, Copy)]
pub enum Naming {
    /// By its id.
    Id,
    /// By one attribute (falling back to the id).
    Attribute(&'static str),
    /// Composed from several attributes (falling back to the id): a listener's
    /// `<load balancer>:<port>`, a record's `<name> <type>`.
    Composed(fn(&Attrs) -> Option<String>),
}

/// Resources that declare part of another: security group rules, bucket settings.
#[derive(Debug)]
pub struct PartMapping {
    /// Pulumi types.
    pub pulumi: &'static [&'static str],
    /// Terraform types.
    pub terraform: &'static [&'static str],
    /// The kind of the resource it is part of.
    pub kind: K,
    /// The attribute naming that resource (its id).
    pub parent: &'static str,
    /// Adds the part to the parent's declared properties.
    pub merge: fn(&Attrs, &mut Map<String, Value>),
}

/// A resource's attributes, read the way both tools write them (a nested block is a list of
/// one object in Terraform, an object in Pulumi).
pub struct Attrs {
    /// The attributes.
    pub map: Map<String, Value>,
}

impl Attrs {
    /// The attributes of a state resource (as [`crate::iac`] reads them).
    pub fn new(map: Map<String, Value>) -> Attrs {
        Attrs { map }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A non-empty string.
    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    pub(crate) fn bool(&self, key: &str) -> Option<bool> {
        self.get(key).and_then(Value::as_bool)
    }

    /// An integer (or a numeric string).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// A list of strings (a lone string as one).
    pub fn strings(&self, key: &str) -> Vec<String> {
        match self.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
            _ => Vec::new(),
        }
    }

    /// Nested blocks.
    pub(crate) fn blocks(&self, key: &str) -> Vec<Attrs> {
        match self.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_object)
                .map(|m| Attrs { map: m.clone() })
                .collect(),
            Some(Value::Object(m)) => vec![Attrs { map: m.clone() }],
            _ => Vec::new(),
        }
    }

    pub(crate) fn block(&self, key: &str) -> Option<Attrs> {
        self.blocks(key).into_iter().next()
    }

    pub(crate) fn copy_str(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(v) = self.str(from) {
            out.insert(to.into(), json!(v));
        }
    }

    pub(crate) fn copy_bool(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(v) = self.bool(from) {
            out.insert(to.into(), json!(v));
        }
    }

    pub(crate) fn copy_int(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(v) = self.int(from) {
            out.insert(to.into(), json!(v));
        }
    }

    pub(crate) fn reference(&self, out: &mut Map<String, Value>, from: &str, to: &str) {
        if let Some(id) = self.str(from) {
            out.insert(to.into(), json!({"id": id}));
        }
    }

    /// The tags as the resource carries them (provider default tags included).
    pub fn tags(&self) -> Option<BTreeMap<String, String>> {
        let tags = self.get("tags_all").or_else(|| self.get("tags"))?;
        tags.as_object().map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
    }
}

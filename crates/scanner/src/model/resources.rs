//! The resource kinds a snapshot holds and their normalized properties.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::*;

/// The properties model of one resource kind: what every kind's type provides besides its
/// serde shape. Sorting and references have no default meaning, so each kind says.
pub trait KindProperties {
    /// Sorts every list whose order carries no meaning, so output is deterministic.
    fn canonicalize(&mut self);
    /// Every reference to another resource, for naming them after the snapshot is read.
    fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
        Vec::new()
    }
    /// The plain (unencrypted) configuration values that could hold a secret, each with its
    /// report path and the name it is known by (`DB_PASSWORD`, a parameter's path, a condition
    /// key): what redaction and the `plaintext-secret` rule look at. `id` is the resource's.
    fn plain_values_mut(&mut self, _id: &str) -> Vec<PlainValue<'_>> {
        Vec::new()
    }
    /// Traces the enums the type holds (for the baseline schema): a tracer explores every
    /// variant of a top-level enum only, so a kind's enums are traced before the kind.
    fn trace_enums(_tracer: &mut serde_reflection::Tracer) -> serde_reflection::Result<()> {
        Ok(())
    }
}

/// A plain configuration value that could hold a secret.
#[derive(Debug)]
pub struct PlainValue<'a> {
    /// Where it is in the resource (`properties.value`).
    pub path: String,
    /// The name it is known by, for name-based detection.
    pub name: String,
    /// The value.
    pub value: &'a mut String,
}

/// The one list of resource kinds: `Variant = "kebab-name"`, the variant naming both the kind
/// and its properties type (which implements [`KindProperties`]). [`ResourceKind`],
/// [`Properties`] and their dispatch are generated from it, in snapshot order.
macro_rules! resource_kinds {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// Every kind of resource driftscan snapshots.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum ResourceKind {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant,)*
        }

        impl ResourceKind {
            /// Every kind, in snapshot order.
            pub const ALL: &'static [ResourceKind] = &[$(ResourceKind::$variant,)*];

            /// The kebab-case name used in JSON and messages.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ResourceKind::$variant => $name,)*
                }
            }
        }

        /// The kind-specific part of a [`Resource`].
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        #[allow(missing_docs)]
        pub enum Properties {
            $($variant($variant),)*
        }

        impl Properties {
            /// The kind these properties belong to.
            pub fn kind(&self) -> ResourceKind {
                match self {
                    $(Properties::$variant(_) => ResourceKind::$variant,)*
                }
            }

            fn from_json(
                kind: ResourceKind,
                value: serde_json::Value,
            ) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    $(ResourceKind::$variant => Properties::$variant(serde_json::from_value(value)?),)*
                })
            }

            /// Sorts every list whose order carries no meaning, so output is deterministic.
            pub(crate) fn canonicalize(&mut self) {
                match self {
                    $(Properties::$variant(p) => p.canonicalize(),)*
                }
            }

            /// Every reference to another resource.
            pub(crate) fn references_mut(&mut self) -> Vec<&mut ResourceRef> {
                match self {
                    $(Properties::$variant(p) => p.references_mut(),)*
                }
            }

            /// Every plain value that could hold a secret (see [`KindProperties`]).
            pub fn plain_values_mut(&mut self, id: &str) -> Vec<PlainValue<'_>> {
                match self {
                    $(Properties::$variant(p) => p.plain_values_mut(id),)*
                }
            }
        }

        /// Traces every kind's properties type; returns (kind, type name) in snapshot order.
        pub(crate) fn trace_kinds(
            tracer: &mut serde_reflection::Tracer,
        ) -> serde_reflection::Result<Vec<(ResourceKind, &'static str)>> {
            $($variant::trace_enums(tracer)?;)*
            $(tracer.trace_simple_type::<$variant>()?;)*
            Ok(vec![$((ResourceKind::$variant, stringify!($variant)),)*])
        }
    };
}

/// Gathers every service's kinds, in the order the services are named, and hands them to
/// `$target` (`resource_kinds`): `kinds_chain!(resource_kinds; {} ec2 ecs)`. Each
/// `<service>::kinds!` is declared in its service's `model.rs`.
macro_rules! kinds_chain {
    ($target:ident; { $($done:tt)* }) => {
        $target! { $($done)* }
    };
    ($target:ident; { $($done:tt)* } $next:ident $($rest:ident)*) => {
        $next::kinds!(kinds_chain, $target; { $($done)* } $($rest)*);
    };
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One live resource: identity (physical and logical) plus its kind's properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawResource")]
pub struct Resource {
    /// What the resource is; always matches `properties`.
    pub kind: ResourceKind,
    /// The region it lives in.
    pub region: String,
    /// Its physical id (`vpc-0abc`, a cluster name, a parameter path, ...).
    pub id: String,
    /// Its display name: the `Name` tag, or the resource's own name.
    pub name: String,
    /// The name with the environment token replaced by `{env}` (`aurora-cluster-{env}`): what
    /// resources are matched by across environments.
    pub logical_name: String,
    /// Its ARN, where the API gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// Its tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    /// The kind-specific, normalized configuration.
    pub properties: Properties,
}

impl Resource {
    /// The resource's kind.
    pub fn kind(&self) -> ResourceKind {
        self.kind
    }

    pub(crate) fn sort_key(&self) -> (&str, ResourceKind, &str, &str) {
        (&self.region, self.kind, &self.logical_name, &self.id)
    }
}

/// Deserialization shape of [`Resource`]: `properties` is decoded according to `kind`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    kind: ResourceKind,
    region: String,
    id: String,
    name: String,
    logical_name: String,
    #[serde(default)]
    arn: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    properties: serde_json::Value,
}

impl TryFrom<RawResource> for Resource {
    type Error = String;

    fn try_from(raw: RawResource) -> Result<Self, Self::Error> {
        let properties = Properties::from_json(raw.kind, raw.properties)
            .map_err(|e| format!("{} `{}`: properties: {e}", raw.kind, raw.id))?;
        Ok(Resource {
            kind: raw.kind,
            region: raw.region,
            id: raw.id,
            name: raw.name,
            logical_name: raw.logical_name,
            arn: raw.arn,
            tags: raw.tags,
            properties,
        })
    }
}

/// A reference to another resource: its physical id and, when it is known, its display name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceRef {
    /// Physical id (`sg-0abc`, `subnet-0abc`, `vpc-0abc`).
    pub id: String,
    /// Display name of the referenced resource; `None` when it is outside the snapshot.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl ResourceRef {
    /// A reference by id, to be named by [`crate::resolve::name_references`].
    pub fn id(id: impl Into<String>) -> Self {
        ResourceRef {
            id: id.into(),
            name: None,
        }
    }
}

impl ResourceKind {
    /// The kind named `name` (its [`ResourceKind::as_str`]).
    pub fn from_name(name: &str) -> Option<Self> {
        ResourceKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == name)
    }
}

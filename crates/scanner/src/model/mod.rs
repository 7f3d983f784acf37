//! The snapshot model: a typed, versioned, deterministic record of one environment's live state.
//!
//! SDK types stop at `collect/`: everything here is plain serde data, so snapshots can be saved,
//! committed, diffed and read back instead of a live scan.

pub mod attribution;
mod finding;
mod parity;
mod policy;
#[macro_use]
mod resources;
pub mod secrets;

pub use finding::*;
pub use parity::*;
pub use policy::*;
pub use resources::*;

/// Compiles each service's property types (`services/<service>/model.rs`) as part of the
/// model, re-exports them, and generates `Service`, `ResourceKind` and `Properties` from every
/// service's kinds in snapshot order. The model so depends on no registry, collector or other
/// edge.
macro_rules! service_models {
    ($($(#[$doc:meta])* $folder:ident: $variant:ident = $name:literal;)*) => {
        $(
            #[doc = concat!("The property types of the `", $name, "` service's kinds.")]
            mod $folder {
                include!(concat!(
                    env!("CARGO_MANIFEST_DIR"), "/src/services/", stringify!($folder), "/model.rs"
                ));
            }
            pub use $folder::*;
        )*

        /// The AWS services driftscan reads.
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        pub enum Service {
            $($(#[$doc])* #[serde(rename = $name)] $variant,)*
        }

        impl Service {
            /// The service's lowercase API name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Service::$variant => $name,)*
                }
            }
        }

        kinds_chain!(resource_kinds; {} $($folder)*);
    };
}

with_services!(service_models);

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::SnapshotReadError;

/// The `schema` string of every snapshot this version writes and reads.
pub const SNAPSHOT_SCHEMA: &str = "driftscan.snapshot/v1";

/// One environment's live state across one or more regions.
///
/// Resources are sorted by region, kind, logical name and id, and every collection inside them is
/// sorted too, so the same live state always serializes to the same bytes. The snapshot carries no
/// capture timestamp for the same reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Always [`SNAPSHOT_SCHEMA`].
    pub schema: String,
    /// The environment's name (`staging`, `pr-42`, ...).
    pub environment: String,
    /// The regions that were scanned, sorted.
    pub regions: Vec<String>,
    /// The AWS account it was read in: the configuration's, else the one the credentials
    /// belong to (STS `GetCallerIdentity`); absent when neither could tell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// How the environment's resources were selected.
    pub selection: Selection,
    /// `true` only when every read in every region succeeded.
    pub complete: bool,
    /// Every read that failed, with the resource kinds it leaves unknown. Empty when complete.
    pub failures: Vec<ReadFailure>,
    /// The environment's resources.
    pub resources: Vec<Resource>,
    /// Items listed by this scan and gone by the time they were read: not in `resources`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_during_scan: Vec<DeletedDuringScan>,
}

impl Snapshot {
    /// Assembles a snapshot, sorting everything so that equal state gives equal bytes.
    pub fn new(
        environment: String,
        mut regions: Vec<String>,
        selection: Selection,
        mut failures: Vec<ReadFailure>,
        mut resources: Vec<Resource>,
    ) -> Self {
        regions.sort();
        regions.dedup();
        failures.sort();
        failures.dedup();
        for resource in &mut resources {
            resource.properties.canonicalize();
        }
        resources.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Snapshot {
            schema: SNAPSHOT_SCHEMA.to_string(),
            environment,
            regions,
            account: None,
            selection,
            complete: failures.is_empty(),
            failures,
            resources,
            deleted_during_scan: Vec::new(),
        }
    }

    /// The snapshot, read in `account`.
    pub fn in_account(mut self, account: Option<String>) -> Self {
        self.account = account;
        self
    }

    /// Reads a snapshot written by `driftscan snapshot`, rejecting other schemas and
    /// inconsistent completeness flags.
    pub fn from_json(text: &str) -> Result<Self, SnapshotReadError> {
        /// Only the schema, to say "another schema" rather than what that schema lacks.
        #[derive(Deserialize)]
        struct Header {
            schema: String,
        }
        let mut snapshot: Snapshot = serde_json::from_str(text).map_err(|e| {
            if let Ok(header) = serde_json::from_str::<Header>(text) {
                if header.schema != SNAPSHOT_SCHEMA {
                    return SnapshotReadError::Schema {
                        found: header.schema,
                        expected: SNAPSHOT_SCHEMA,
                    };
                }
            }
            let located = format!(" at line {} column {}", e.line(), e.column());
            let message = if text.trim().is_empty() {
                "the file is empty".to_string()
            } else {
                e.to_string().replace(&located, "")
            };
            SnapshotReadError::Json {
                line: e.line(),
                column: e.column(),
                message,
            }
        })?;
        // A snapshot written elsewhere (or by hand) gets the same redaction a live one does.
        secrets::redact(&mut snapshot.resources, None);
        if snapshot.schema != SNAPSHOT_SCHEMA {
            return Err(SnapshotReadError::Schema {
                found: snapshot.schema,
                expected: SNAPSHOT_SCHEMA,
            });
        }
        if snapshot.complete != snapshot.failures.is_empty() {
            return Err(SnapshotReadError::Inconsistent(
                "`complete` must be true exactly when `failures` is empty".into(),
            ));
        }
        Ok(snapshot)
    }

    /// The snapshot with `deleted` noted as gone during the scan (sorted, each item once, by the
    /// first read that found it gone).
    pub fn with_deleted(mut self, mut deleted: Vec<DeletedDuringScan>) -> Self {
        deleted.sort();
        deleted.dedup_by(|a, b| (&a.region, a.kind, &a.id) == (&b.region, b.kind, &b.id));
        self.deleted_during_scan = deleted;
        self
    }

    /// Pretty JSON with a trailing newline: the on-disk form.
    pub fn to_json(&self) -> String {
        // Serializing plain data with string keys cannot fail.
        let mut text = serde_json::to_string_pretty(self).expect("snapshot serializes");
        text.push('\n');
        text
    }

    /// Whether `kind` was read completely in `region`; findings about absent resources of an
    /// unread kind must never be produced.
    pub fn kind_is_complete(&self, region: &str, kind: ResourceKind) -> bool {
        !self
            .failures
            .iter()
            .any(|f| f.region == region && f.kinds.contains(&kind))
    }

    /// Whether `kind` was read completely in every scanned region, and, for a global kind,
    /// in [`GLOBAL_REGION`].
    pub fn kind_is_complete_everywhere(&self, kind: ResourceKind) -> bool {
        self.regions.iter().all(|r| self.kind_is_complete(r, kind))
            && self.kind_is_complete(GLOBAL_REGION, kind)
    }

    /// Resource counts per kind, for summaries.
    pub fn counts(&self) -> BTreeMap<ResourceKind, usize> {
        let mut counts = BTreeMap::new();
        for resource in &self.resources {
            *counts.entry(resource.kind()).or_insert(0) += 1;
        }
        counts
    }
}

/// The region of a global service's resources and failures (IAM's roles), as AWS Config and
/// Steampipe name it.
pub const GLOBAL_REGION: &str = "global";

/// How an environment's resources are found: by tag, by SSM path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// The tag whose value names the environment (default `Environment`).
    pub tag_key: String,
    /// SSM Parameter Store paths read recursively (default `/<env>/` and `/shared/`).
    pub ssm_paths: Vec<String>,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An item the scan itself listed that AWS no longer knew when the scan read it further (a
/// preview torn down while dev was scanned): left out of the snapshot and compared as absent,
/// not a failed read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeletedDuringScan {
    /// Region of the read.
    pub region: String,
    /// The item's kind.
    pub kind: ResourceKind,
    /// The item's id or ARN, as the read named it.
    pub id: String,
    /// The per-item read that answered "not found" (`DescribeLoadBalancerAttributes`).
    pub operation: String,
    /// Its answer (`LoadBalancerNotFound`).
    pub code: String,
}

impl fmt::Display for DeletedDuringScan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}: {} answered {} (deleted during the scan; compared as absent)",
            self.region, self.kind, self.id, self.operation, self.code
        )
    }
}

/// A read that did not succeed: the snapshot is incomplete for `kinds` in `region`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadFailure {
    /// Region of the failed call.
    pub region: String,
    /// Service of the failed call.
    pub service: Service,
    /// API operation, e.g. `DescribeSecurityGroups`.
    pub operation: String,
    /// Resource kinds left unknown by the failure.
    pub kinds: Vec<ResourceKind>,
    /// The AWS error code (`AccessDenied`, `ThrottlingException`, ...) or the transport failure
    /// class (`Timeout`, `DispatchFailure`, `ResponseError`).
    pub code: String,
    /// The error message, with its cause chain.
    pub message: String,
}

impl fmt::Display for ReadFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.as_str()).collect();
        write!(
            f,
            "{} {}:{} failed ({}): {} [unread: {}]",
            self.region,
            self.service,
            self.operation,
            self.code,
            self.message,
            kinds.join(", ")
        )
    }
}

//! `driftscan compare`: one environment against another, after normalization.

mod matrix;
pub mod normalize;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::baseline::expect::{is_matcher, EXACTLY};
use crate::baseline::{Baseline, ResourceKey};
use crate::model::{
    Finding, FindingKind, ParityMatrix, Report, Resource, Severity, Snapshot, COMPARED_SEPARATOR,
    REPORT_SCHEMA,
};
use normalize::Context;

/// Severity of a difference between two environments.
pub const DIFFERENCE_SEVERITY: Severity = Severity::Medium;
/// The `rule_id` of a difference the baselines declare (shown only with `--show-expected`).
pub const EXPECTED_RULE: &str = "expected-difference";

/// Differences the environments are meant to have: what each environment's own baseline file
/// declares on top of the shared base (sizes, counts, retention, image lines).
#[derive(Debug, Clone, Default)]
pub struct ExpectedDifferences {
    fields: BTreeMap<ResourceKey, BTreeSet<String>>,
    resources: BTreeSet<ResourceKey>,
}

impl ExpectedDifferences {
    /// From the baselines of either side (either may be absent: then every difference counts).
    pub fn from_baselines(baselines: &[&Baseline]) -> Self {
        let mut expected = ExpectedDifferences::default();
        for baseline in baselines {
            for (key, declared) in &baseline.resources {
                let own: Vec<(&str, Value)> = declared
                    .fields
                    .iter()
                    .filter(|(_, field)| !field.from_base())
                    .map(|(path, field)| (path.as_ref(), field.own_declaration()))
                    .collect();
                // Declared by the environment alone, or declared absent (dev's web ACL): that
                // it exists here and not there is meant.
                let own_only = !declared.fields.is_empty() && own.len() == declared.fields.len();
                if own_only || !declared.exists {
                    expected.resources.insert(key.clone());
                }
                let paths = expected.fields.entry(key.clone()).or_default();
                for (path, value) in own {
                    leaf_paths(path, &value, paths);
                }
            }
        }
        expected
    }

    fn covers(&self, key: &ResourceKey, path: Option<&str>) -> bool {
        match path {
            None => self.resources.contains(key),
            Some(path) => self.fields.get(key).is_some_and(|paths| {
                paths.iter().any(|p| {
                    path == p
                        || path.starts_with(p.as_str())
                            && matches!(path.as_bytes().get(p.len()), Some(b'.') | Some(b'['))
                })
            }),
        }
    }
}

/// The paths a declared value pins down: into maps field by field, into lists of named elements
/// element by element; a matcher, scalar or other list is one leaf.
fn leaf_paths(path: &str, declared: &Value, out: &mut BTreeSet<String>) {
    // An exact data map pins each of its keys, not the keys it leaves out.
    if let Some(Value::Object(entries)) = declared.get(EXACTLY).filter(|_| is_matcher(declared)) {
        for (k, v) in entries {
            leaf_paths(&format!("{path}.{k}"), v, out);
        }
        return;
    }
    match declared {
        Value::Object(map) if !is_matcher(declared) => {
            for (k, v) in map {
                leaf_paths(&format!("{path}.{k}"), v, out);
            }
        }
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.get("name").and_then(Value::as_str).is_some()) =>
        {
            for item in items {
                let name = item.get("name").and_then(Value::as_str).unwrap_or_default();
                if let Value::Object(fields) = item {
                    for (k, v) in fields.iter().filter(|(k, _)| *k != "name") {
                        leaf_paths(&format!("{path}[{name}].{k}"), v, out);
                    }
                }
            }
        }
        _ => {
            out.insert(path.to_string());
        }
    }
}

struct Side<'a> {
    snapshot: &'a Snapshot,
    context: Context,
    resources: BTreeMap<ResourceKey, &'a Resource>,
}

impl<'a> Side<'a> {
    fn new(snapshot: &'a Snapshot) -> Self {
        let resources = snapshot
            .resources
            .iter()
            .map(|r| {
                (
                    ResourceKey {
                        kind: r.kind,
                        logical_name: r.logical_name.clone(),
                    },
                    r,
                )
            })
            .collect();
        Side {
            snapshot,
            context: Context::of(snapshot),
            resources,
        }
    }

    /// Whether this side could read `kind` everywhere it looked.
    fn knows(&self, key: &ResourceKey) -> bool {
        self.snapshot.kind_is_complete_everywhere(key.kind)
    }
}

/// How a comparison is judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompareOptions {
    /// Report the differences the baselines declare too (at `info`).
    pub show_expected: bool,
    /// With three or more environments: measure differences against this environment instead
    /// of the majority.
    pub reference: Option<String>,
}

/// Compares two environments (or one environment at two times). Differences the baselines
/// declare are left out unless `show_expected`, when they are reported at `info` severity.
pub fn compare(
    a: &Snapshot,
    b: &Snapshot,
    expected: &ExpectedDifferences,
    show_expected: bool,
) -> Report {
    let options = CompareOptions {
        show_expected,
        reference: None,
    };
    compare_environments(&[a, b], expected, &options)
}

/// Compares two or more environments: the parity matrix of every field that differs anywhere,
/// and one finding per unexpected difference. Two environments are reported pairwise (A's value
/// against B's); three or more name the environments that disagree with the majority, or with
/// `options.reference`.
pub fn compare_environments(
    snapshots: &[&Snapshot],
    expected: &ExpectedDifferences,
    options: &CompareOptions,
) -> Report {
    let environments: Vec<String> = snapshots.iter().map(|s| s.environment.clone()).collect();
    let reference = options
        .reference
        .as_deref()
        .and_then(|r| environments.iter().position(|e| e == r));
    let sides: Vec<Side> = snapshots.iter().map(|s| Side::new(s)).collect();
    let drafts = matrix::rows(&sides, expected, reference);
    let label = environments.join(COMPARED_SEPARATOR);
    let findings = drafts
        .iter()
        .filter(|draft| options.show_expected || !draft.row.expected)
        .map(|draft| {
            let (expected_value, actual_value, message) = if environments.len() == 2 {
                matrix::pairwise(draft, &environments)
            } else {
                matrix::against_majority(draft, &environments, reference)
            };
            Finding {
                attribution: None,
                fingerprint: String::new(),
                kind: FindingKind::Difference,
                severity: if draft.row.expected {
                    Severity::Info
                } else {
                    DIFFERENCE_SEVERITY
                },
                environment: label.clone(),
                region: draft.region.clone(),
                resource_type: draft.row.resource_type,
                logical_name: draft.row.logical_name.clone(),
                physical_id: draft.physical_id.clone(),
                arn: draft.arn.clone(),
                path: draft.row.path.clone(),
                expected: expected_value,
                actual: actual_value,
                rule_id: draft.row.expected.then(|| EXPECTED_RULE.to_string()),
                message,
                source: None,
            }
            .with_fingerprint()
        })
        .collect();
    let mut regions: Vec<String> = snapshots
        .iter()
        .flat_map(|s| s.regions.iter().cloned())
        .collect();
    regions.sort();
    regions.dedup();
    let resources = snapshots.iter().map(|s| s.resources.len()).sum();
    let parity = ParityMatrix {
        environments,
        reference: reference.and(options.reference.clone()),
        resources: matrix::logical_resources(&sides),
        rows: drafts.into_iter().map(|draft| draft.row).collect(),
    };
    Report {
        schema: REPORT_SCHEMA.to_string(),
        command: "compare".into(),
        environment: label,
        regions,
        account: shared_account(snapshots),
        complete: snapshots.iter().all(|s| s.complete),
        failures: snapshots
            .iter()
            .flat_map(|s| s.failures.iter().cloned())
            .collect(),
        deleted_during_scan: snapshots
            .iter()
            .flat_map(|s| s.deleted_during_scan.iter().cloned())
            .collect(),
        baseline_files: Vec::new(),
        expired_ignores: Vec::new(),
        counts: Default::default(),
        duration_ms: 0,
        findings,
        parity: Some(parity),
        resolved_by: Default::default(),
        first_seen: Default::default(),
    }
    .finalize(resources)
}

/// A unified diff of the normalized configuration of every resource that differs, with the two
/// environments named in the headers.
pub fn unified_diffs(a: &Snapshot, b: &Snapshot, report: &Report) -> String {
    let (left, right) = (Side::new(a), Side::new(b));
    let shown: BTreeSet<ResourceKey> = report
        .findings
        .iter()
        .map(|f| ResourceKey {
            kind: f.resource_type,
            logical_name: f.logical_name.clone(),
        })
        .collect();
    let pretty = |side: &Side, key: &ResourceKey| {
        side.resources
            .get(key)
            .map(|r| {
                serde_json::to_string_pretty(&side.context.document(r)).unwrap_or_default() + "\n"
            })
            .unwrap_or_default()
    };
    let mut out = String::new();
    for key in shown {
        let (x, y) = (pretty(&left, &key), pretty(&right, &key));
        let diff = similar::TextDiff::from_lines(&x, &y);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("{} {key}", a.environment),
                    &format!("{} {key}", b.environment),
                )
                .to_string(),
        );
    }
    out
}

/// The account every compared environment was read in, when they share one.
fn shared_account(snapshots: &[&Snapshot]) -> Option<String> {
    let first = snapshots.first()?.account.as_ref()?;
    snapshots
        .iter()
        .all(|s| s.account.as_ref() == Some(first))
        .then(|| first.clone())
}

#[cfg(test)]
mod tests;

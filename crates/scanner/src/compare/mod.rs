//! `driftscan compare`: one environment against another, after normalization.

pub mod normalize;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::baseline::expect::{is_matcher, EXACTLY};
use crate::baseline::{Baseline, ResourceKey};
use crate::model::{Finding, FindingKind, Report, Resource, Severity, Snapshot, REPORT_SCHEMA};
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
                if !declared.fields.is_empty() && own.len() == declared.fields.len() {
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

/// Compares two environments (or one environment at two times). Differences the baselines
/// declare are left out unless `show_expected`, when they are reported at `info` severity.
pub fn compare(
    a: &Snapshot,
    b: &Snapshot,
    expected: &ExpectedDifferences,
    show_expected: bool,
) -> Report {
    let (left, right) = (Side::new(a), Side::new(b));
    let label = format!("{}..{}", a.environment, b.environment);
    let keys: BTreeSet<&ResourceKey> = left
        .resources
        .keys()
        .chain(right.resources.keys())
        .collect();
    let keys: Vec<&ResourceKey> = keys.into_iter().collect();
    let findings_for = |key: &ResourceKey| -> Vec<Finding> {
        let mut findings = Vec::new();
        let pair = (left.resources.get(key), right.resources.get(key));
        let differences: Vec<(Option<String>, Value, Value, String)> = match pair {
            (Some(x), Some(y)) => {
                let mut out = Vec::new();
                diff(
                    "",
                    &left.context.document(x),
                    &right.context.document(y),
                    &mut out,
                );
                out.into_iter()
                    .map(|(path, va, vb)| {
                        let message = format!(
                            "{path} differs between {} and {}",
                            a.environment, b.environment
                        );
                        (Some(path), va, vb, message)
                    })
                    .collect()
            }
            (Some(_), None) if right.knows(key) => {
                vec![(
                    None,
                    json!({"exists": true}),
                    json!({"exists": false}),
                    format!("{key} exists in {} only", a.environment),
                )]
            }
            (None, Some(_)) if left.knows(key) => {
                vec![(
                    None,
                    json!({"exists": false}),
                    json!({"exists": true}),
                    format!("{key} exists in {} only", b.environment),
                )]
            }
            _ => Vec::new(), // absent on a side that could not read it: unknown, not different
        };
        let resource = pair.0.or(pair.1);
        for (path, va, vb, message) in differences {
            let is_expected = expected.covers(key, path.as_deref());
            if is_expected && !show_expected {
                continue;
            }
            findings.push(
                Finding {
                    fingerprint: String::new(),
                    kind: FindingKind::Difference,
                    severity: if is_expected {
                        Severity::Info
                    } else {
                        DIFFERENCE_SEVERITY
                    },
                    environment: label.clone(),
                    region: resource.map(|r| r.region.clone()).unwrap_or_default(),
                    resource_type: key.kind,
                    logical_name: key.logical_name.clone(),
                    physical_id: resource.map(|r| r.id.clone()),
                    path,
                    expected: Some(va),
                    actual: Some(vb),
                    rule_id: is_expected.then(|| EXPECTED_RULE.to_string()),
                    message,
                    source: None,
                }
                .with_fingerprint(),
            );
        }
        findings
    };
    // Normalizing is most of the work: share it out over the cores.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = keys.len().div_ceil(threads).max(1);
    let findings: Vec<Finding> = std::thread::scope(|scope| {
        let workers: Vec<_> = keys
            .chunks(chunk)
            .map(|part| {
                scope.spawn(|| {
                    part.iter()
                        .flat_map(|key| findings_for(key))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a comparison worker panicked"))
            .collect()
    });
    let mut regions: Vec<String> = a.regions.iter().chain(&b.regions).cloned().collect();
    regions.sort();
    regions.dedup();
    Report {
        schema: REPORT_SCHEMA.to_string(),
        command: "compare".into(),
        environment: label,
        regions,
        complete: a.complete && b.complete,
        failures: a.failures.iter().chain(&b.failures).cloned().collect(),
        baseline_files: Vec::new(),
        expired_ignores: Vec::new(),
        counts: Default::default(),
        duration_ms: 0,
        findings,
    }
    .finalize(a.resources.len() + b.resources.len())
}

/// Leaf differences between two normalized documents, as (path, A's value, B's value).
/// Elements of lists that carry a `name` are paired by name; other lists differ as a whole.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<(String, Value, Value)>) {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                diff(
                    &join(k),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x != y => {
            let named = |items: &[Value]| -> Option<BTreeMap<String, Value>> {
                items
                    .iter()
                    .map(|i| Some((i.get("name")?.as_str()?.to_string(), i.clone())))
                    .collect()
            };
            match (named(x), named(y)) {
                (Some(nx), Some(ny)) if nx.len() == x.len() && ny.len() == y.len() => {
                    let names: BTreeSet<&String> = nx.keys().chain(ny.keys()).collect();
                    for name in names {
                        let item_path = format!("{path}[{name}]");
                        diff(
                            &item_path,
                            nx.get(name).unwrap_or(&Value::Null),
                            ny.get(name).unwrap_or(&Value::Null),
                            out,
                        );
                    }
                }
                _ => out.push((path.to_string(), a.clone(), b.clone())),
            }
        }
        (x, y) if x != y => out.push((path.to_string(), x.clone(), y.clone())),
        _ => {}
    }
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

#[cfg(test)]
mod tests;

//! Building the parity matrix: every logical resource of every compared environment, normalized,
//! walked once for the fields that differ anywhere; and the two ways a row becomes a finding.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use super::{ExpectedDifferences, Side};
use crate::baseline::ResourceKey;
use crate::model::{Cell, ParityRow};

/// A row with what its findings need besides: where one of its resources lives.
pub(super) struct RowDraft {
    pub row: ParityRow,
    pub region: String,
    pub physical_id: Option<String>,
    /// Its ARN, when it has one.
    pub arn: Option<String>,
}

static NULL: Value = Value::Null;

/// Distinct logical resources across the environments.
pub(super) fn logical_resources(sides: &[Side]) -> usize {
    sides
        .iter()
        .flat_map(|side| side.resources.keys())
        .collect::<BTreeSet<_>>()
        .len()
}

/// The rows of the matrix, by kind, logical name and path. Normalizing is most of the work, so
/// the resources are shared out over the cores.
pub(super) fn rows(
    sides: &[Side],
    expected: &ExpectedDifferences,
    reference: Option<usize>,
) -> Vec<RowDraft> {
    let keys: BTreeSet<&ResourceKey> = sides.iter().flat_map(|s| s.resources.keys()).collect();
    let keys: Vec<&ResourceKey> = keys.into_iter().collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let chunk = keys.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = keys
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|key| rows_of(key, sides, expected, reference))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("a comparison worker panicked"))
            .collect()
    })
}

/// The rows of one logical resource: its existence, when some environment lacks it, and each
/// field that differs between the environments that have it.
fn rows_of(
    key: &ResourceKey,
    sides: &[Side],
    expected: &ExpectedDifferences,
    reference: Option<usize>,
) -> Vec<RowDraft> {
    let present: Vec<_> = sides.iter().map(|s| s.resources.get(key)).collect();
    let Some(anchor) = present.iter().flatten().next() else {
        return Vec::new();
    };
    let row = |path: Option<String>, cells: Vec<Cell>| {
        let outliers = outliers(&cells, reference)
            .1
            .into_iter()
            .map(|i| sides[i].snapshot.environment.clone())
            .collect();
        RowDraft {
            row: ParityRow {
                resource_type: key.kind,
                logical_name: key.logical_name.clone(),
                expected: expected.covers(key, path.as_deref()),
                path,
                cells,
                outliers,
            },
            region: anchor.region.clone(),
            physical_id: Some(anchor.id.clone()),
            arn: anchor.arn.clone(),
        }
    };
    let mut out = Vec::new();

    // Absent where the kind could not be read is unknown, not different.
    let existence: Vec<Cell> = sides
        .iter()
        .zip(&present)
        .map(|(side, resource)| match resource {
            Some(_) => Cell::Present,
            None if side.knows(key) => Cell::Absent,
            None => Cell::Unknown,
        })
        .collect();
    if existence.contains(&Cell::Absent) {
        out.push(row(None, existence.clone()));
    }

    let documents: Vec<Option<Value>> = sides
        .iter()
        .zip(&present)
        .map(|(side, resource)| resource.map(|r| side.context.document(r)))
        .collect();
    if documents.iter().flatten().count() < 2 {
        return out;
    }
    let mut differences = Vec::new();
    diff_all(
        "",
        &documents.iter().map(Option::as_ref).collect::<Vec<_>>(),
        &mut differences,
    );
    for (path, values) in differences {
        let cells = values
            .into_iter()
            .zip(&existence)
            .map(|(value, existence)| match value {
                Some(value) => Cell::Value(value),
                None => existence.clone(),
            })
            .collect();
        out.push(row(Some(path), cells));
    }
    out
}

/// Leaf differences between the environments' normalized documents (`None`: the environment
/// lacks the resource), as (path, each environment's value). Object fields are walked key by
/// key and elements of lists that all carry unique `name`s name by name (a missing one is
/// `null`); any other list differs as a whole.
fn diff_all(path: &str, values: &[Option<&Value>], out: &mut Vec<(String, Vec<Option<Value>>)>) {
    let mut present = values.iter().flatten();
    let Some(first) = present.next() else {
        return;
    };
    if present.all(|v| v == first) {
        return;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    if values.iter().flatten().all(|v| v.is_object()) {
        let keys: BTreeSet<&String> = values
            .iter()
            .flatten()
            .filter_map(|v| v.as_object())
            .flat_map(Map::keys)
            .collect();
        for k in keys {
            let field: Vec<Option<&Value>> = values
                .iter()
                .map(|v| v.map(|v| v.get(k).unwrap_or(&NULL)))
                .collect();
            diff_all(&join(k), &field, out);
        }
        return;
    }
    let named: Option<Vec<Option<BTreeMap<&str, &Value>>>> = values
        .iter()
        .map(|v| match v {
            None => Some(None),
            Some(v) => by_name(v).map(Some),
        })
        .collect();
    if let Some(named) = named {
        let names: BTreeSet<&str> = named
            .iter()
            .flatten()
            .flat_map(|m| m.keys())
            .copied()
            .collect();
        for name in names {
            let element: Vec<Option<&Value>> = named
                .iter()
                .map(|m| m.as_ref().map(|m| m.get(name).copied().unwrap_or(&NULL)))
                .collect();
            diff_all(&format!("{path}[{name}]"), &element, out);
        }
        return;
    }
    out.push((
        path.to_string(),
        values.iter().map(|v| v.cloned()).collect(),
    ));
}

/// A list's elements by their unique `name`, when every element has one.
fn by_name(value: &Value) -> Option<BTreeMap<&str, &Value>> {
    let items = value.as_array()?;
    let named: BTreeMap<&str, &Value> = items
        .iter()
        .map(|i| Some((i.get("name")?.as_str()?, i)))
        .collect::<Option<_>>()?;
    (named.len() == items.len()).then_some(named)
}

/// The column holding the value the others are measured against (the reference's, when it is
/// known, else the majority's), and the columns that differ from it. Without a majority, no
/// column is the measure and every known one differs.
fn outliers(cells: &[Cell], reference: Option<usize>) -> (Option<usize>, Vec<usize>) {
    let known: Vec<usize> = (0..cells.len()).filter(|&i| takes_part(cells, i)).collect();
    let measure = reference
        .filter(|&r| known.contains(&r))
        .or_else(|| majority(cells, &known));
    let differing = match measure {
        Some(m) => known
            .iter()
            .copied()
            .filter(|&i| cells[i] != cells[m])
            .collect(),
        None => known,
    };
    (measure, differing)
}

/// Whether column `i` takes part in the majority: in a field's row, when the environment has
/// the resource (its absence is the existence row's business); in the existence row, when the
/// environment could read the kind.
fn takes_part(cells: &[Cell], i: usize) -> bool {
    match &cells[i] {
        Cell::Value(_) | Cell::Present => true,
        Cell::Absent => !cells.iter().any(|c| matches!(c, Cell::Value(_))),
        Cell::Unknown => false,
    }
}

/// A column holding the value more of the `known` columns hold than any other value.
fn majority(cells: &[Cell], known: &[usize]) -> Option<usize> {
    let mut groups: Vec<(usize, usize)> = Vec::new(); // (first column, count)
    for &i in known {
        match groups
            .iter_mut()
            .find(|(first, _)| cells[*first] == cells[i])
        {
            Some((_, count)) => *count += 1,
            None => groups.push((i, 1)),
        }
    }
    groups.sort_by_key(|group| std::cmp::Reverse(group.1));
    match groups.as_slice() {
        [(first, _)] => Some(*first),
        [(first, top), (_, second), ..] if top > second => Some(*first),
        _ => None,
    }
}

/// A cell as a finding's `expected`/`actual` value.
fn cell_value(cell: &Cell) -> Value {
    match cell {
        Cell::Value(value) => value.clone(),
        Cell::Present => json!({"exists": true}),
        Cell::Absent => json!({"exists": false}),
        Cell::Unknown => json!({"unknown": true}),
    }
}

fn list(names: &[&str]) -> String {
    names.join(", ")
}

/// Two environments: A's value is `expected`, B's is `actual`.
pub(super) fn pairwise(
    draft: &RowDraft,
    environments: &[String],
) -> (Option<Value>, Option<Value>, String) {
    let row = &draft.row;
    let (a, b) = (&row.cells[0], &row.cells[1]);
    let message = match &row.path {
        Some(path) => format!(
            "{path} differs between {} and {}",
            environments[0], environments[1]
        ),
        None => {
            let only = if *a == Cell::Present {
                &environments[0]
            } else {
                &environments[1]
            };
            format!(
                "{}/{} exists in {only} only",
                row.resource_type, row.logical_name
            )
        }
    };
    (Some(cell_value(a)), Some(cell_value(b)), message)
}

/// Three or more environments: `expected` is the reference's (or the majority's) value,
/// `actual` the differing environments' values by name.
pub(super) fn against_majority(
    draft: &RowDraft,
    environments: &[String],
    reference: Option<usize>,
) -> (Option<Value>, Option<Value>, String) {
    let row = &draft.row;
    let (measure, differing) = outliers(&row.cells, reference);
    let actual: Map<String, Value> = differing
        .iter()
        .map(|&i| (environments[i].clone(), cell_value(&row.cells[i])))
        .collect();
    let names = |columns: &[usize]| -> Vec<&str> {
        columns.iter().map(|&i| environments[i].as_str()).collect()
    };
    let subject = match &row.path {
        Some(path) => format!("{}/{} {path}", row.resource_type, row.logical_name),
        None => format!("{}/{}", row.resource_type, row.logical_name),
    };
    let Some(measure) = measure else {
        let message = format!(
            "{subject} differs in every environment ({}: no majority)",
            list(&names(&differing))
        );
        return (None, Some(Value::Object(actual)), message);
    };
    let agreeing: Vec<usize> = (0..row.cells.len())
        .filter(|&i| takes_part(&row.cells, i) && row.cells[i] == row.cells[measure])
        .collect();
    let against = if Some(measure) == reference {
        format!("{} (the reference)", environments[measure])
    } else {
        list(&names(&agreeing))
    };
    let message = match (&row.path, &row.cells[measure]) {
        (None, Cell::Present) => format!(
            "{subject} is absent in {} (present in {against})",
            list(&names(&differing))
        ),
        (None, _) => format!(
            "{subject} exists in {} only (absent in {against})",
            list(&names(&differing))
        ),
        (Some(_), _) => format!(
            "{subject}: {} {} from {against}",
            list(&names(&differing)),
            if differing.len() == 1 {
                "differs"
            } else {
                "differ"
            }
        ),
    };
    (
        Some(cell_value(&row.cells[measure])),
        Some(Value::Object(actual)),
        message,
    )
}

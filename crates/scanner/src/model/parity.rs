//! The parity matrix of a comparison: how every compared environment stands on each field that
//! differs anywhere.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::ResourceKind;

/// One environment's entry in a row of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "value", rename_all = "lowercase")]
pub enum Cell {
    /// The normalized value of the field (`null` when the resource lacks the field).
    Value(Value),
    /// The resource exists (a row about existence).
    Present,
    /// The resource does not exist in this environment.
    Absent,
    /// The environment could not read this kind of resource: neither equal nor different.
    Unknown,
}

impl Cell {
    /// Whether the environment's state is known (so it takes part in the majority).
    pub fn is_known(&self) -> bool {
        !matches!(self, Cell::Unknown)
    }
}

/// One differing field of one logical resource (or its existence), across the environments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParityRow {
    /// The resource's kind.
    pub resource_type: ResourceKind,
    /// The resource's logical name (`db-{env}`).
    pub logical_name: String,
    /// The field (`properties.instance_class`); absent for the row about existence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// One cell per environment, in [`ParityMatrix::environments`] order.
    pub cells: Vec<Cell>,
    /// Whether the baselines declare this difference (sizing and the like): shown, not a finding.
    pub expected: bool,
    /// The environments that disagree with the reference environment or, without one, with the
    /// majority; every environment with a known state when there is no majority.
    pub outliers: Vec<String>,
}

/// Every field that differs anywhere between the compared environments, one column each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParityMatrix {
    /// The compared environments: the columns, in the order they were named.
    pub environments: Vec<String>,
    /// The environment differences are measured against, when one was chosen (`--reference`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Distinct logical resources compared.
    pub resources: usize,
    /// The differing fields, by kind, logical name and path (existence first).
    pub rows: Vec<ParityRow>,
}

impl ParityMatrix {
    /// The rows that are findings (not declared by the baselines).
    pub fn unexpected(&self) -> impl Iterator<Item = &ParityRow> {
        self.rows.iter().filter(|row| !row.expected)
    }

    /// The cell of `environment` in `row`.
    pub fn cell<'a>(&self, row: &'a ParityRow, environment: &str) -> Option<&'a Cell> {
        let column = self.environments.iter().position(|e| e == environment)?;
        row.cells.get(column)
    }
}

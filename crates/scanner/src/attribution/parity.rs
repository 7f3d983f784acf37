//! Attribution of a comparison's differences. Each environment that disagrees (the odd ones
//! out of the majority or the reference; either of two compared pairwise, or every one where
//! there is no majority) has its own resource looked up in its own CloudTrail event history,
//! with its own credentials, and the difference is attributed to the latest write event among
//! them: the change that made that environment the odd one out.

use std::collections::BTreeMap;

use super::lookup::Lookup;
use super::{explain, names_of, Attribution, ChangeAttribution, ChangeRecord, Deployers};
use crate::compare::EXPECTED_RULE;
use crate::model::{Finding, FindingKind, Report, Resource, Snapshot};

/// One compared environment, as attribution reads it.
pub struct ComparedSide<'a> {
    /// Its snapshot.
    pub snapshot: &'a Snapshot,
    /// Its declared deployers.
    pub deployers: Deployers,
    /// Its event history, or why it cannot be read (its credentials could not be loaded).
    pub lookup: Result<Lookup, String>,
}

/// Attributes the unexpected differences of the comparison `report` of `sides`.
pub async fn attribute_comparison(report: &mut Report, sides: &[ComparedSide<'_>]) {
    let pairwise = sides.len() == 2;
    let mut answers: BTreeMap<(usize, String, String), Result<Vec<ChangeRecord>, String>> =
        BTreeMap::new();
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| is_unexpected_difference(f))
    {
        let mut latest: Option<ChangeAttribution> = None;
        let mut refusals = Vec::new();
        for (index, side) in sides
            .iter()
            .enumerate()
            .filter(|(_, s)| disagrees(finding, s, pairwise))
        {
            let Some(resource) = resource_of(finding, side.snapshot) else {
                continue;
            };
            let lookup = match &side.lookup {
                Ok(lookup) => lookup,
                Err(reason) => {
                    refusals.push(format!("{}: {reason}", side.snapshot.environment));
                    continue;
                }
            };
            let key = (index, resource.region.clone(), resource.id.clone());
            if !answers.contains_key(&key) {
                let answer = lookup
                    .changes_to(&resource.region, &resource.id, answers.len())
                    .await;
                answers.insert(key.clone(), answer);
            }
            match &answers[&key] {
                Ok(records) => {
                    let change = explain(&names_of(resource), records, &side.deployers);
                    latest = later(latest, change);
                }
                Err(reason) => refusals.push(format!("{}: {reason}", side.snapshot.environment)),
            }
        }
        finding.attribution = Some(match latest {
            Some(change) => Attribution::Attributed(Box::new(change)),
            None => Attribution::Unattributed {
                reason: unexplained(finding, sides, pairwise, &refusals),
            },
        });
    }
}

/// A difference the baselines do not declare.
fn is_unexpected_difference(finding: &Finding) -> bool {
    finding.kind == FindingKind::Difference && finding.rule_id.as_deref() != Some(EXPECTED_RULE)
}

/// Whether `side` is one the difference names as disagreeing: with two environments compared
/// pairwise, either; with more, those its `actual` names (against the majority or the
/// reference, or every differing one where there is no majority).
fn disagrees(finding: &Finding, side: &ComparedSide<'_>, pairwise: bool) -> bool {
    let environment = side.snapshot.environment.as_str();
    pairwise
        || finding
            .actual
            .as_ref()
            .and_then(|actual| actual.as_object())
            .is_some_and(|named| named.contains_key(environment))
}

/// The resource the finding is about in `snapshot`, by kind and logical name.
fn resource_of<'a>(finding: &Finding, snapshot: &'a Snapshot) -> Option<&'a Resource> {
    snapshot
        .resources
        .iter()
        .find(|r| r.kind == finding.resource_type && r.logical_name == finding.logical_name)
}

/// The later of two changes (RFC 3339 UTC times, as CloudTrail writes them, sort as text).
fn later(a: Option<ChangeAttribution>, b: Option<ChangeAttribution>) -> Option<ChangeAttribution> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.event.time > a.event.time { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Why no change explains a difference.
fn unexplained(
    finding: &Finding,
    sides: &[ComparedSide<'_>],
    pairwise: bool,
    refusals: &[String],
) -> String {
    if !refusals.is_empty() {
        return refusals.join("; ");
    }
    let looked: Vec<&str> = sides
        .iter()
        .filter(|s| disagrees(finding, s, pairwise) && resource_of(finding, s.snapshot).is_some())
        .map(|s| s.snapshot.environment.as_str())
        .collect();
    match looked.as_slice() {
        [] => "no disagreeing environment has the resource to look up".into(),
        names => format!(
            "no write event names it in the event history of {}",
            names.join(", ")
        ),
    }
}

//! Who changed it, when and how: each drift finding attributed to the CloudTrail event that
//! explains it.
//!
//! The events come from two places: the event that triggered a Lambda rescan (no extra call),
//! and CloudTrail's `LookupEvents` for everything else ([`lookup`], with AWS). Both arrive as
//! CloudTrail records ([`cloudtrail::ChangeRecord`]), reduced here to what is safe to keep: the
//! principal, the event, the source and the resource identifiers the call named, never a
//! request parameter's value. Attribution explains drift; it never detects it, so a lookup that
//! fails leaves a finding unattributed with the reason and the scan as complete as it was.

pub mod cloudtrail;
#[cfg(feature = "aws")]
pub mod lookup;
#[cfg(feature = "aws")]
pub mod parity;
#[cfg(feature = "aws")]
pub mod recall;

use std::collections::BTreeSet;

pub use crate::config::Deployers;
pub use crate::model::attribution::{
    Attribution, ChangeAttribution, ChangeEvent, ChangeSource, Principal,
};
pub use cloudtrail::ChangeRecord;

use crate::model::{Finding, FindingKind, Report, Resource, Snapshot};

/// Whether a finding is about a change someone made to a resource that exists: drift,
/// something unmanaged, or a compliance rule failing on it.
pub fn is_attributable(finding: &Finding) -> bool {
    finding.physical_id.is_some()
        && matches!(
            finding.kind,
            FindingKind::Drift | FindingKind::Unmanaged | FindingKind::Compliance
        )
}

/// The names a finding's resource is known by in CloudTrail: its id, ARN and name.
pub fn identifiers(finding: &Finding, snapshot: &Snapshot) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let Some(id) = &finding.physical_id else {
        return ids;
    };
    ids.insert(id.clone());
    let resource = snapshot
        .resources
        .iter()
        .find(|r| r.kind == finding.resource_type && (&r.id == id || r.arn.as_ref() == Some(id)));
    ids.extend(resource.into_iter().flat_map(names_of));
    ids.retain(|i| !i.is_empty());
    ids
}

/// The names CloudTrail may know `resource` by: its id, ARN and name (none empty).
pub fn names_of(resource: &Resource) -> BTreeSet<String> {
    [
        Some(&resource.id),
        resource.arn.as_ref(),
        Some(&resource.name),
    ]
    .into_iter()
    .flatten()
    .filter(|name| !name.is_empty())
    .cloned()
    .collect()
}

/// The attribution of a finding known by `ids` among `records`: the latest write event that
/// names one of them, with how many did; `None` when none does.
pub fn explain(
    ids: &BTreeSet<String>,
    records: &[ChangeRecord],
    deployers: &Deployers,
) -> Option<ChangeAttribution> {
    let naming: Vec<&ChangeRecord> = records.iter().filter(|r| r.names_any(ids)).collect();
    let latest = naming
        .iter()
        .max_by(|a, b| a.event.time.cmp(&b.event.time))?;
    Some(latest.attribution(deployers, naming.len() as u32))
}

/// Attributes every attributable finding of `report` that `records` explain (the event that
/// triggered a rescan); findings no record names are left as they are.
pub fn attribute_report(
    report: &mut Report,
    snapshot: &Snapshot,
    records: &[ChangeRecord],
    deployers: &Deployers,
) {
    if records.is_empty() {
        return;
    }
    for finding in report.findings.iter_mut().filter(|f| is_attributable(f)) {
        let ids = identifiers(finding, snapshot);
        if let Some(change) = explain(&ids, records, deployers) {
            finding.attribution = Some(Attribution::Attributed(Box::new(change)));
        }
    }
}

/// Marks every attributable finding of `report` not attributed yet as unattributed, for
/// `reason`.
pub fn leave_unattributed(report: &mut Report, reason: &str) {
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| is_attributable(f) && f.attribution.is_none())
    {
        finding.attribution = Some(Attribution::Unattributed {
            reason: reason.to_string(),
        });
    }
}

#[cfg(test)]
mod tests;

//! The findings ledger and CloudTrail together. An open finding the ledger remembers with the
//! same values was explained by a change then, and that change still explains it: its
//! attribution is taken from the ledger instead of looked up again (at CloudTrail's two lookups
//! a second per account and region, a scheduled run over a drifted estate otherwise spends its
//! time asking what it already knows). A finding the ledger remembers that is gone now is
//! looked up by its resource's id: the write since its first sighting says who resolved it.

use std::collections::{BTreeMap, BTreeSet};

use super::lookup::{Lookup, MAX_LOOKUPS_PER_REPORT};
use super::{explain, Deployers};
use crate::alert::{report_key, Remembered, ReportState};
use crate::model::attribution::{Attribution, ChangeAttribution};
use crate::model::{Report, Snapshot};
use crate::publish::{AlertStateStore, PublishError};

/// What the ledger remembers of `report`'s last alert; `None` when it cannot be read back.
pub async fn remembered(
    report: &Report,
    ledger: &dyn AlertStateStore,
) -> Result<Option<ReportState>, PublishError> {
    ledger.load(&report_key(report)).await
}

/// Gives each unattributed finding of `report` the attribution `state` kept for it, where it
/// remembers the finding by its fingerprint (identity and values: a change of values since
/// is a new change, looked up). Answers how many it gave.
pub fn recall(report: &mut Report, state: &ReportState) -> usize {
    let mut recalled = 0;
    for finding in report
        .findings
        .iter_mut()
        .filter(|f| f.attribution.is_none())
    {
        let remembered = state.findings.get(&finding.fingerprint);
        if let Some(change) = remembered.and_then(|r| r.attribution.clone()) {
            finding.attribution = Some(Attribution::Attributed(change));
            recalled += 1;
        }
    }
    recalled
}

/// When each of `report`'s findings was first seen, by identity, where `state` remembers it.
pub fn first_sightings(report: &Report, state: &ReportState) -> BTreeMap<String, u64> {
    let remembered = state.first_sightings();
    report
        .findings
        .iter()
        .filter_map(|f| {
            let identity = f.identity();
            let seen = remembered.get(identity.as_str()).copied()?;
            Some((identity, seen))
        })
        .collect()
}

/// The findings `state` remembers that `report` no longer has, where `snapshot` read their
/// kind in their region (an unread one is not resolved) and the ledger kept their resource's id.
pub fn gone<'a>(
    report: &Report,
    state: &'a ReportState,
    snapshot: &Snapshot,
) -> Vec<&'a Remembered> {
    let open: BTreeSet<String> = report.findings.iter().map(|f| f.identity()).collect();
    state
        .findings
        .values()
        .filter(|r| !open.contains(&r.identity) && r.physical_id.is_some())
        .filter(|r| !r.region.is_empty() && snapshot.kind_is_complete(&r.region, r.resource_type))
        .collect()
}

/// Says in `report.resolved_by` who resolved each of `gone`: the latest write event naming its
/// resource since it was first seen (a revert by hand, or a deploy), one lookup per resource.
/// Nothing is said where no event shows it or the lookup fails: a resolution is good news
/// either way.
pub async fn look_up_resolutions(
    report: &mut Report,
    gone: &[&Remembered],
    lookup: &Lookup,
    deployers: &Deployers,
) {
    let mut answers: BTreeMap<(String, String), Option<ChangeAttribution>> = BTreeMap::new();
    for remembered in gone.iter().take(MAX_LOOKUPS_PER_REPORT) {
        let Some(id) = remembered.physical_id.clone() else {
            continue;
        };
        let key = (remembered.region.clone(), id.clone());
        if !answers.contains_key(&key) {
            let records = lookup
                .changes_to(&remembered.region, &id, answers.len())
                .await;
            let ids = BTreeSet::from([id]);
            let change = records
                .ok()
                .and_then(|records| explain(&ids, &records, deployers));
            answers.insert(key.clone(), change);
        }
        let resolving = answers[&key]
            .clone()
            .filter(|c| after_first_sighting(c, remembered.first_seen));
        if let Some(change) = resolving {
            report
                .resolved_by
                .insert(remembered.identity.clone(), change);
        }
    }
}

/// Whether `change` came after the first sighting (seconds since the epoch), when that is
/// known: an earlier write is the one that caused the finding, not the one that resolved it.
fn after_first_sighting(change: &ChangeAttribution, first_seen: Option<u64>) -> bool {
    let Some(first_seen) = first_seen else {
        return true;
    };
    let format = time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(&change.event.time, &format)
        .is_ok_and(|at| at.unix_timestamp() >= first_seen as i64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{Finding, FindingKind, ResourceKind, Severity};

    /// `id`'s ingress drifted to `actual`, in `environment`.
    fn drift(environment: &str, id: &str, actual: i64) -> Finding {
        Finding {
            attribution: None,
            fingerprint: String::new(),
            kind: FindingKind::Drift,
            severity: Severity::High,
            environment: environment.into(),
            region: "us-east-1".into(),
            resource_type: ResourceKind::SecurityGroup,
            logical_name: format!("{id}-{{env}}"),
            physical_id: Some(id.into()),
            arn: None,
            path: Some("properties.ingress".into()),
            expected: Some(json!(1)),
            actual: Some(json!(actual)),
            rule_id: None,
            message: "properties.ingress differs".into(),
            source: None,
        }
        .with_fingerprint()
    }

    fn report(environment: &str, findings: Vec<Finding>) -> Report {
        crate::testing::scan_report(environment, findings, vec![])
    }

    #[test]
    fn a_finding_remembered_with_the_same_values_keeps_its_change_without_a_lookup() {
        // Last run: sg-db's drift attributed, and sg-app's with values it has since changed from.
        let mut earlier = report(
            "staging",
            vec![drift("staging", "sg-db", 2), drift("staging", "sg-app", 9)],
        );
        for finding in &mut earlier.findings {
            finding.attribution = Some(crate::report::fixtures::changed_by_hand());
        }
        let state = state_of(&earlier);

        let mut now = report(
            "staging",
            vec![drift("staging", "sg-db", 2), drift("staging", "sg-app", 3)],
        );
        assert_eq!(recall(&mut now, &state), 1);
        let db = now
            .findings
            .iter()
            .find(|f| f.physical_id.as_deref() == Some("sg-db"))
            .expect("sg-db");
        let app = now
            .findings
            .iter()
            .find(|f| f.physical_id.as_deref() == Some("sg-app"))
            .expect("sg-app");
        let expected = crate::report::fixtures::changed_by_hand();
        assert_eq!(
            db.attribution.as_ref().and_then(|a| a.change()),
            expected.change()
        );
        assert_eq!(
            app.attribution, None,
            "changed again since: looked up, not recalled"
        );
    }

    #[test]
    fn a_finding_is_gone_once_its_kind_was_read_where_it_was() {
        let earlier = report(
            "staging",
            vec![drift("staging", "sg-db", 2), drift("staging", "sg-app", 9)],
        );
        let state = state_of(&earlier);
        // sg-app's drift changed values (still open, another fingerprint); sg-db's is gone.
        let now = report("staging", vec![drift("staging", "sg-app", 3)]);
        let read = crate::testing::snapshot(vec![]);
        let resolved: Vec<_> = gone(&now, &state, &read)
            .iter()
            .map(|r| r.physical_id.clone())
            .collect();
        assert_eq!(resolved, [Some("sg-db".to_string())]);
        let failure = crate::model::ReadFailure {
            region: "us-east-1".into(),
            service: crate::model::Service::Ec2,
            operation: "DescribeSecurityGroups".into(),
            code: "Throttling".into(),
            message: "Rate exceeded".into(),
            kinds: vec![ResourceKind::SecurityGroup],
        };
        let unread = crate::testing::snapshot_with_failures(vec![], vec![failure]);
        assert!(
            gone(&now, &state, &unread).is_empty(),
            "unread is not resolved"
        );
    }

    #[test]
    fn only_a_change_since_the_first_sighting_resolves() {
        let crate::model::attribution::Attribution::Attributed(change) =
            crate::report::fixtures::changed_by_hand()
        else {
            panic!("attributed")
        };
        let at = time::OffsetDateTime::parse(
            &change.event.time,
            &time::format_description::well_known::Rfc3339,
        )
        .expect("an RFC 3339 time")
        .unix_timestamp() as u64;
        assert!(after_first_sighting(&change, None));
        assert!(after_first_sighting(&change, Some(at - 60)));
        assert!(
            !after_first_sighting(&change, Some(at + 60)),
            "the change that caused it"
        );
    }

    fn state_of(report: &Report) -> ReportState {
        ReportState {
            findings: report
                .findings
                .iter()
                .map(|f| (f.fingerprint.clone(), Remembered::of(f)))
                .collect(),
            incomplete: None,
        }
    }
}

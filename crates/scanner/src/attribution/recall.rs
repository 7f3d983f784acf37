//! The findings ledger before CloudTrail: an open finding the ledger remembers with the same
//! values was explained by a change then, and that change still explains it, so its
//! attribution is taken from the ledger instead of looked up again. At CloudTrail's two
//! lookups a second per account and region, a scheduled run over a drifted estate otherwise
//! spends its time asking what it already knows.

use crate::alert::report_key;
use crate::model::attribution::Attribution;
use crate::model::Report;
use crate::publish::{AlertStateStore, PublishError};

/// Gives each unattributed finding of `report` the attribution `ledger` kept for it, where it
/// remembers the finding by its fingerprint (identity and values: a change of values since
/// is a new change, looked up). Answers how many it gave. A state that cannot be read back
/// gives none.
pub async fn recall(
    report: &mut Report,
    ledger: &dyn AlertStateStore,
) -> Result<usize, PublishError> {
    let Some(state) = ledger.load(&report_key(report)).await? else {
        return Ok(0);
    };
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
    Ok(recalled)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    use futures::future::BoxFuture;
    use serde_json::json;

    use super::*;
    use crate::alert::{Remembered, ReportState};
    use crate::model::{Finding, FindingKind, ResourceKind, Severity};

    /// A ledger in memory.
    #[derive(Default)]
    struct Ledger(Mutex<BTreeMap<String, ReportState>>);

    impl AlertStateStore for Ledger {
        fn load<'a>(
            &'a self,
            key: &'a str,
        ) -> BoxFuture<'a, Result<Option<ReportState>, PublishError>> {
            let state = self
                .0
                .lock()
                .expect("not poisoned")
                .get(key)
                .cloned()
                .unwrap_or_default();
            Box::pin(async move { Ok(Some(state)) })
        }

        fn save<'a>(
            &'a self,
            key: &'a str,
            state: &'a ReportState,
        ) -> BoxFuture<'a, Result<(), PublishError>> {
            self.0
                .lock()
                .expect("not poisoned")
                .insert(key.to_string(), state.clone());
            Box::pin(async { Ok(()) })
        }
    }

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
        Report {
            schema: crate::model::REPORT_SCHEMA.into(),
            command: "scan".into(),
            environment: environment.into(),
            regions: vec!["us-east-1".into()],
            complete: true,
            failures: vec![],
            baseline_files: vec![],
            deleted_during_scan: vec![],
            expired_ignores: vec![],
            counts: Default::default(),
            duration_ms: 0,
            findings,
            parity: None,
        }
        .finalize(10)
    }

    #[tokio::test]
    async fn a_finding_remembered_with_the_same_values_keeps_its_change_without_a_lookup() {
        let ledger = Ledger::default();
        // Last run: sg-db's drift attributed, and sg-app's with values it has since changed from.
        let mut earlier = report(
            "staging",
            vec![drift("staging", "sg-db", 2), drift("staging", "sg-app", 9)],
        );
        for finding in &mut earlier.findings {
            finding.attribution = Some(crate::report::fixtures::changed_by_hand());
        }
        let state = ReportState {
            findings: earlier
                .findings
                .iter()
                .map(|f| (f.fingerprint.clone(), Remembered::of(f)))
                .collect(),
            incomplete: None,
        };
        ledger
            .save(&report_key(&earlier), &state)
            .await
            .expect("saved");

        let mut now = report(
            "staging",
            vec![drift("staging", "sg-db", 2), drift("staging", "sg-app", 3)],
        );
        assert_eq!(recall(&mut now, &ledger).await.expect("read"), 1);
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
        // Another environment's report is another key: nothing of staging's is given to it.
        let mut prod = report("prod", vec![drift("prod", "sg-db", 2)]);
        assert_eq!(recall(&mut prod, &ledger).await.expect("read"), 0);
    }
}

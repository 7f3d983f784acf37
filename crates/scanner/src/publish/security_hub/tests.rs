use std::collections::BTreeMap;
use std::sync::Mutex;

use super::*;
use crate::model::{Finding, FindingKind, ReadFailure, ResourceKind, Service};

/// Security Hub as far as these tests go: every batch it was sent, refusing the ids listed.
#[derive(Default)]
struct Hub {
    batches: Mutex<Vec<(String, Vec<AsffFinding>)>>,
    refuse: Vec<String>,
}

impl FindingImport for Hub {
    fn import<'a>(
        &'a self,
        _environment: &'a str,
        region: &'a str,
        batch: &'a [AsffFinding],
    ) -> BoxFuture<'a, Result<Vec<RefusedFinding>, PublishError>> {
        Box::pin(async move {
            self.batches
                .lock()
                .unwrap()
                .push((region.to_string(), batch.to_vec()));
            Ok(batch
                .iter()
                .filter(|f| self.refuse.contains(&f.id))
                .map(|f| RefusedFinding {
                    id: f.id.clone(),
                    code: "InvalidInput".into(),
                    message: "refused".into(),
                })
                .collect())
        })
    }
}

/// An alert state store in memory.
#[derive(Default)]
struct Store(Mutex<BTreeMap<String, ReportState>>);

impl AlertStateStore for Store {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<ReportState>, PublishError>> {
        Box::pin(async move {
            Ok(Some(
                self.0.lock().unwrap().get(key).cloned().unwrap_or_default(),
            ))
        })
    }
    fn save<'a>(
        &'a self,
        key: &'a str,
        state: &'a ReportState,
    ) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            self.0.lock().unwrap().insert(key.into(), state.clone());
            Ok(())
        })
    }
}

fn group(i: usize) -> Finding {
    Finding {
        attribution: None,
        fingerprint: String::new(),
        kind: FindingKind::Unmanaged,
        severity: Severity::Medium,
        environment: "prod".into(),
        region: "us-east-1".into(),
        resource_type: ResourceKind::SecurityGroup,
        logical_name: format!("extra-{i}"),
        physical_id: Some(format!("sg-{i:08x}")),
        arn: None,
        path: None,
        expected: None,
        actual: None,
        rule_id: None,
        message: "declared in no baseline".into(),
        source: None,
    }
    .with_fingerprint()
}

fn scan(findings: Vec<Finding>, failures: Vec<ReadFailure>) -> Report {
    let mut report = crate::testing::scan_report("prod", findings, failures);
    report.account = Some("111122223333".into());
    report
}

const NOW: u64 = 1_796_000_000_000;

#[tokio::test]
async fn two_hundred_fifty_findings_go_in_three_batches_and_a_second_run_sends_nothing() {
    let (hub, store) = (Hub::default(), Store::default());
    let report = scan((0..250).map(group).collect(), vec![]);
    let reports = std::slice::from_ref(&report);
    let imported = import(reports, &hub, &store, NOW).await.unwrap();
    assert_eq!(
        imported,
        Imported {
            active: 250,
            archived: 0,
            requests: 3
        }
    );
    let sizes: Vec<usize> = hub
        .batches
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| b.len())
        .collect();
    assert_eq!(sizes, [100, 100, 50]);

    let again = import(reports, &hub, &store, NOW + 60_000).await.unwrap();
    assert_eq!(again, Imported::default(), "nothing new: nothing sent");
    assert_eq!(hub.batches.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn a_resolved_finding_is_archived_only_where_the_run_read_its_kind() {
    let (hub, store) = (Hub::default(), Store::default());
    let before = scan(vec![group(1), group(2)], vec![]);
    import(std::slice::from_ref(&before), &hub, &store, NOW)
        .await
        .unwrap();

    // The groups could not be read: nothing is concluded about them.
    let unread = ReadFailure {
        region: "us-east-1".into(),
        service: Service::Ec2,
        operation: "DescribeSecurityGroups".into(),
        code: "AccessDenied".into(),
        message: "denied".into(),
        kinds: vec![ResourceKind::SecurityGroup],
    };
    let blind = scan(vec![], vec![unread]);
    let imported = import(std::slice::from_ref(&blind), &hub, &store, NOW)
        .await
        .unwrap();
    assert_eq!(imported.archived, 0);

    let fixed = scan(vec![group(1)], vec![]);
    let imported = import(std::slice::from_ref(&fixed), &hub, &store, NOW)
        .await
        .unwrap();
    assert_eq!(
        imported,
        Imported {
            active: 0,
            archived: 1,
            requests: 1
        }
    );
    let batches = hub.batches.lock().unwrap();
    let (_, last) = batches.last().unwrap();
    assert_eq!(last[0].id, asff::finding_id("prod", &group(2).identity()));
    assert_eq!(
        (last[0].record_state, last[0].workflow.status),
        ("ARCHIVED", "RESOLVED")
    );
    assert_eq!(last[0].resources[0].id, "sg-00000002");
}

#[tokio::test]
async fn a_refused_finding_fails_the_publish_names_its_id_and_is_sent_again() {
    let store = Store::default();
    let report = scan(vec![group(1), group(2)], vec![]);
    let refused_id = asff::finding_id("prod", &group(2).identity());
    let hub = Hub {
        refuse: vec![refused_id.clone()],
        ..Hub::default()
    };
    let error = import(std::slice::from_ref(&report), &hub, &store, NOW)
        .await
        .unwrap_err();
    assert_eq!(error.code, "FailedFindings");
    assert!(error.message.contains(&refused_id), "{}", error.message);
    assert!(store.0.lock().unwrap().is_empty(), "nothing marked as sent");

    let hub = Hub::default();
    let imported = import(std::slice::from_ref(&report), &hub, &store, NOW)
        .await
        .unwrap();
    assert_eq!(imported.active, 2, "both sent again");
}

#[test]
fn batches_keep_to_six_megabytes_and_one_region_each() {
    let report = scan(vec![], vec![]);
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let mut document = asff::open(&report, "111122223333", &group(1), now, now);
    // Larger than any driftscan writes (its fields are cut to Security Hub's lengths), so that
    // the byte limit, not the count, ends a batch: 60 of these make 6 MB.
    document
        .product_fields
        .insert("driftscan/Padding".into(), "x".repeat(100_000));
    let size = serde_json::to_vec(&document).unwrap().len();
    let count = 2 * MAX_BATCH_BYTES / size + 5;
    let mut elsewhere = document.clone();
    elsewhere.region = "eu-west-1".into();
    let mut documents = vec![elsewhere];
    documents.extend(vec![document; count]);
    let cut = batches(&mut documents);
    assert!(cut
        .iter()
        .all(|b| !b.is_empty() && b.len() <= MAX_FINDINGS_PER_BATCH));
    let bytes = |b: &[AsffFinding]| {
        b.iter()
            .map(|d| serde_json::to_vec(d).unwrap().len())
            .sum::<usize>()
    };
    assert!(cut.iter().all(|b| bytes(b) <= MAX_BATCH_BYTES));
    assert!(
        cut.iter()
            .any(|b| b.len() < MAX_FINDINGS_PER_BATCH && b.len() > 1),
        "bytes end a batch"
    );
    assert_eq!(cut.iter().map(|b| b.len()).sum::<usize>(), count + 1);
    assert!(cut
        .iter()
        .all(|b| b.iter().all(|d| d.region == b[0].region)));
    assert_eq!(cut.iter().filter(|b| b[0].region == "eu-west-1").count(), 1);
}

#[tokio::test]
async fn requests_stay_under_ten_a_second() {
    let (hub, store) = (Hub::default(), Store::default());
    let report = scan((0..1000).map(group).collect(), vec![]);
    let started = tokio::time::Instant::now();
    let imported = import(std::slice::from_ref(&report), &hub, &store, NOW)
        .await
        .unwrap();
    assert_eq!(imported.requests, 10);
    let elapsed = started.elapsed();
    assert!(elapsed >= REQUEST_SPACING * 9, "{elapsed:?}");
    assert!(
        f64::from(u32::try_from(imported.requests).unwrap() - 1) / elapsed.as_secs_f64()
            < f64::from(MAX_REQUESTS_PER_SECOND)
    );
}

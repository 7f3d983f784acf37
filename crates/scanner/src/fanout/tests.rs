use std::sync::Mutex;

use super::*;
use crate::testing::{security_group, snapshot, tcp_rule};

/// Run records in memory, with DynamoDB's semantics: create refuses an existing run, settling
/// adds to a set, a fan-in claim holds for its lease and never once the run is published, and
/// publishing is recorded once. `now` is the ledger's clock, in seconds.
#[derive(Default)]
struct MemoryLedger {
    runs: Mutex<BTreeMap<String, (RunRecord, Option<u64>)>>,
    pending: Mutex<BTreeSet<String>>,
    now: std::sync::atomic::AtomicU64,
}

impl MemoryLedger {
    fn advance(&self, secs: u64) {
        self.now
            .fetch_add(secs, std::sync::atomic::Ordering::SeqCst);
    }
}

impl RunLedger for MemoryLedger {
    fn create<'a>(&'a self, record: &'a RunRecord) -> BoxFuture<'a, Result<(), FanOutError>> {
        Box::pin(async move {
            let mut runs = self.runs.lock().unwrap();
            if runs.contains_key(&record.run_id) {
                return Err(FanOutError::UnknownItem("exists".into()));
            }
            runs.insert(record.run_id.clone(), (record.clone(), None));
            Ok(())
        })
    }
    fn get<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<Option<RunRecord>, FanOutError>> {
        Box::pin(async move { Ok(self.runs.lock().unwrap().get(run_id).map(|r| r.0.clone())) })
    }
    fn settle<'a>(
        &'a self,
        run_id: &'a str,
        item_id: &'a str,
        failure: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RunRecord, FanOutError>> {
        Box::pin(async move {
            let mut runs = self.runs.lock().unwrap();
            let (record, _) = runs
                .get_mut(run_id)
                .filter(|(r, _)| r.items.contains(item_id))
                .ok_or_else(|| FanOutError::UnknownItem(item_id.into()))?;
            record.settled.insert(item_id.into());
            if let Some(why) = failure {
                record.failed.insert(item_id.into(), why.into());
            }
            Ok(record.clone())
        })
    }
    fn claim_fan_in<'a>(
        &'a self,
        run_id: &'a str,
        lease_secs: u64,
    ) -> BoxFuture<'a, Result<bool, FanOutError>> {
        Box::pin(async move {
            self.pending.lock().unwrap().insert(run_id.into());
            let now = self.now.load(std::sync::atomic::Ordering::SeqCst);
            let mut runs = self.runs.lock().unwrap();
            let (record, claimed_at) = runs.get_mut(run_id).unwrap();
            let free = claimed_at.is_none_or(|at| at + lease_secs <= now);
            if record.published || !free {
                return Ok(false);
            }
            *claimed_at = Some(now);
            Ok(true)
        })
    }
    fn mark_published<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<bool, FanOutError>> {
        Box::pin(async move {
            self.pending.lock().unwrap().remove(run_id);
            let mut runs = self.runs.lock().unwrap();
            let Some((record, _)) = runs.get_mut(run_id) else {
                return Ok(false);
            };
            Ok(!std::mem::replace(&mut record.published, true))
        })
    }
    fn pending<'a>(&'a self) -> BoxFuture<'a, Result<Vec<String>, FanOutError>> {
        Box::pin(async move { Ok(self.pending.lock().unwrap().iter().cloned().collect()) })
    }
}

/// A queue that refuses the items of one environment.
struct Queue {
    refuse: &'static str,
    sent: Mutex<Vec<WorkItem>>,
}

impl WorkQueue for Queue {
    fn send<'a>(
        &'a self,
        items: &'a [WorkItem],
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, FanOutError>> {
        Box::pin(async move {
            let mut unsent = Vec::new();
            for item in items {
                if item.environment == self.refuse {
                    unsent.push((item.id(), "KmsAccessDenied: no".to_string()));
                } else {
                    self.sent.lock().unwrap().push(item.clone());
                }
            }
            Ok(unsent)
        })
    }
}

#[derive(Default)]
struct MemoryStore {
    objects: Mutex<BTreeMap<String, Snapshot>>,
}

impl SnapshotStore for MemoryStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        snapshot: &'a Snapshot,
    ) -> BoxFuture<'a, Result<(), FanOutError>> {
        Box::pin(async move {
            self.objects
                .lock()
                .unwrap()
                .insert(key.into(), snapshot.clone());
            Ok(())
        })
    }
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Snapshot, FanOutError>> {
        Box::pin(async move {
            self.objects
                .lock()
                .unwrap()
                .get(key)
                .cloned()
                .ok_or_else(|| FanOutError::Call {
                    service: "s3",
                    operation: "GetObject",
                    code: "NoSuchKey".into(),
                    message: key.into(),
                })
        })
    }
}

/// The fan-in lease of these tests, in the ledger's seconds.
const LEASE: u64 = 900;

/// Guarantee 1: a run whose publish failed after its fan-in was claimed is not lost. Before
/// its lease runs out nobody else may claim it (its holder may still be publishing); after, the
/// next invocation takes it over, a redelivered item as well as a schedule; once published,
/// never again.
#[tokio::test]
async fn a_claimed_run_whose_publish_failed_is_taken_over_after_its_lease_and_published_once() {
    let ledger = MemoryLedger::default();
    let queue = Queue {
        refuse: "none",
        sent: Mutex::default(),
    };
    coordinate(
        "r-9",
        "scheduled",
        &request(),
        &config(),
        None,
        &queue,
        &ledger,
    )
    .await
    .unwrap();
    let items: Vec<WorkItem> = queue.sent.lock().unwrap().clone();
    let (last, rest) = items.split_last().unwrap();
    for item in rest {
        assert_eq!(dead_letter(item, 3, &ledger, LEASE).await.unwrap(), None);
    }
    let claimed = dead_letter(last, 3, &ledger, LEASE).await.unwrap();
    assert!(claimed.is_some(), "the last settlement claims the fan-in");
    // ... and its publish fails: nothing is marked published. The run is pending.
    assert_eq!(ledger.pending().await.unwrap(), ["r-9"]);

    // Within the lease the holder may still be publishing: nobody takes it over, and a
    // redelivered item asks to be delivered again rather than be deleted.
    ledger.advance(LEASE - 1);
    assert_eq!(claim_unpublished(&ledger, LEASE).await.unwrap(), vec![]);
    assert!(matches!(
        dead_letter(last, 3, &ledger, LEASE).await,
        Err(FanOutError::AwaitingPublication(run)) if run == "r-9"
    ));

    // After it, a redelivered item takes the run over ...
    ledger.advance(1);
    let again = dead_letter(last, 3, &ledger, LEASE).await.unwrap();
    assert_eq!(again.as_ref().map(|r| r.run_id.as_str()), Some("r-9"));
    // ... and, should that publish fail too, the next schedule after another lease.
    ledger.advance(LEASE);
    let swept = claim_unpublished(&ledger, LEASE).await.unwrap();
    assert_eq!(swept.len(), 1, "{swept:?}");
    assert!(
        ledger.mark_published("r-9").await.unwrap(),
        "published once"
    );
    assert!(!ledger.mark_published("r-9").await.unwrap(), "never twice");

    // Published, the run is no one's to claim again, however late.
    ledger.advance(10 * LEASE);
    assert_eq!(claim_unpublished(&ledger, LEASE).await.unwrap(), vec![]);
    assert_eq!(dead_letter(last, 3, &ledger, LEASE).await.unwrap(), None);
    assert!(ledger.pending().await.unwrap().is_empty());
}

/// Guarantee 3: two runs open at once (a schedule firing while the previous run is still open)
/// are independent. A message of the older run settles the older run only; a duplicate, or a
/// delivery after its run was published, changes nothing.
#[tokio::test]
async fn overlapping_runs_are_independent_and_late_deliveries_change_nothing() {
    let ledger = MemoryLedger::default();
    let queue = Queue {
        refuse: "none",
        sent: Mutex::default(),
    };
    for run in ["r-older", "r-newer"] {
        coordinate(
            run,
            "scheduled",
            &request(),
            &config(),
            None,
            &queue,
            &ledger,
        )
        .await
        .unwrap();
    }
    let sent: Vec<WorkItem> = queue.sent.lock().unwrap().clone();
    let (older, newer): (Vec<WorkItem>, Vec<WorkItem>) =
        sent.into_iter().partition(|item| item.run_id == "r-older");
    assert_eq!(
        (older.len(), newer.len()),
        (4, 4),
        "the same items, one set per run"
    );
    // The older run's items: only the older run is settled, and only its last settlement
    // claims it.
    let mut claims = Vec::new();
    for item in &older {
        claims.push(dead_letter(item, 3, &ledger, LEASE).await.unwrap());
    }
    let claimed: Vec<&RunRecord> = claims.iter().flatten().collect();
    assert_eq!(claimed.len(), 1, "{claims:?}");
    assert_eq!(claimed[0].run_id, "r-older");
    let newer_record = ledger.get("r-newer").await.unwrap().unwrap();
    assert!(
        newer_record.settled.is_empty(),
        "the newer run is untouched"
    );
    // A duplicate while the run is being published is delivered again, settling nothing.
    let before = ledger.get("r-older").await.unwrap().unwrap();
    assert!(matches!(
        dead_letter(&older[0], 3, &ledger, LEASE).await,
        Err(FanOutError::AwaitingPublication(_))
    ));
    assert_eq!(ledger.get("r-older").await.unwrap().unwrap(), before);
    assert!(ledger.mark_published("r-older").await.unwrap());
    // A delivery after the run was published changes nothing.
    let before = ledger.get("r-older").await.unwrap().unwrap();
    assert_eq!(
        dead_letter(&older[0], 3, &ledger, LEASE).await.unwrap(),
        None
    );
    assert_eq!(ledger.get("r-older").await.unwrap().unwrap(), before);
    // The newer run completes on its own, later, and is claimed by its own last item.
    let (last, rest) = newer.split_last().unwrap();
    for item in rest {
        assert_eq!(dead_letter(item, 3, &ledger, LEASE).await.unwrap(), None);
    }
    let newer_claim = dead_letter(last, 3, &ledger, LEASE).await.unwrap().unwrap();
    assert_eq!(newer_claim.run_id, "r-newer");
    assert_eq!(newer_claim.settled.len(), 4);
}

fn config() -> ConfigFile {
    ConfigFile::parse(
        r#"
accounts:
  - id: "111111111111"
    role: driftscan-readonly
    environments: [dev]
    regions: [us-east-2]
  - id: "222222222222"
    role: arn:aws:iam::222222222222:role/driftscan-readonly
    external_id: platform-7
    environments: [staging, prod]
    regions: [us-east-1, eu-west-1]
"#,
        std::path::Path::new("driftscan.yaml"),
    )
    .expect("config")
}

fn request() -> RunRequest {
    RunRequest {
        scan: vec![],
        compare: vec![vec!["staging".into(), "prod".into()]],
        regions: None,
        ..Default::default()
    }
}

#[test]
fn run_ids_sort_by_time_and_cannot_escape_their_prefix() {
    let id = run_id(1_795_770_900_000, "3F2A9C1D-77aa-4e0f-9c3b-0d1e2f3a4b5c");
    assert_eq!(id, "20261127T091500Z-3f2a9c1d");
    assert_eq!(run_id(0, "../.."), "19700101T000000Z-run");
    assert!(validate_run_id(&id).is_ok());
    for bad in ["", "../x", "a/b", "a b", &"x".repeat(65)] {
        assert!(validate_run_id(bad).is_err(), "{bad}");
    }
}

#[test]
fn items_are_one_per_environment_and_region_with_their_account_role() {
    let items = plan_items("r-1", &request(), &config(), None).unwrap();
    let ids: Vec<String> = items.iter().map(WorkItem::id).collect();
    assert_eq!(
        ids,
        [
            "staging/eu-west-1",
            "staging/us-east-1",
            "prod/eu-west-1",
            "prod/us-east-1"
        ]
    );
    for item in &items {
        assert_eq!(item.account.as_deref(), Some("222222222222"));
        assert_eq!(
            item.role_arn.as_deref(),
            Some("arn:aws:iam::222222222222:role/driftscan-readonly")
        );
        assert_eq!(item.external_id.as_deref(), Some("platform-7"));
        assert_eq!(WorkItem::from_json(&item.to_json()).unwrap(), *item);
    }
    assert_eq!(
        items[0].snapshot_key(),
        "runs/r-1/staging/eu-west-1/snapshot.json.gz"
    );
    // The function's region where nothing names one; a request's regions over the accounts'.
    let dev_only = RunRequest {
        scan: vec!["qa".into()],
        ..request()
    };
    let items = plan_items("r-1", &dev_only, &config(), Some("us-west-2")).unwrap();
    assert!(items.iter().any(|i| i.id() == "qa/us-west-2"));
    let narrowed = RunRequest {
        regions: Some(vec!["us-east-1".into()]),
        ..request()
    };
    assert_eq!(
        plan_items("r-1", &narrowed, &config(), None).unwrap().len(),
        2
    );
}

#[test]
fn messages_that_are_not_work_items_are_refused_with_why() {
    let item = plan_items("r-1", &request(), &config(), None).unwrap()[0].clone();
    let refused = |text: &str| WorkItem::from_json(text).unwrap_err().to_string();
    assert!(refused("{").starts_with("bad work item: not a work item"));
    let other_schema = item
        .to_json()
        .replace(WORK_ITEM_SCHEMA, "driftscan.work-item/v9");
    assert!(refused(&other_schema).contains("schema `driftscan.work-item/v9`"));
    let escaping = item.to_json().replace("\"r-1\"", "\"../other\"");
    assert!(refused(&escaping).contains("run id `../other`"));
    let bad_region = item.to_json().replace("eu-west-1", "eu west");
    assert!(refused(&bad_region).starts_with("bad work item:"));
    let extra = item.to_json().replace('}', ",\"priority\":1}");
    assert!(refused(&extra).contains("unknown field `priority`"));
}

#[tokio::test]
async fn an_item_that_cannot_be_queued_is_settled_failed_and_the_run_still_completes() {
    let ledger = MemoryLedger::default();
    let queue = Queue {
        refuse: "staging",
        sent: Mutex::default(),
    };
    let done = coordinate(
        "r-1",
        "scheduled",
        &request(),
        &config(),
        None,
        &queue,
        &ledger,
    )
    .await
    .unwrap();
    assert_eq!(done.items, 4);
    assert_eq!(done.unsent.len(), 2);
    assert!(done.fan_in.is_none(), "prod's items are still out");
    assert_eq!(queue.sent.lock().unwrap().len(), 2);
    let record = ledger.get("r-1").await.unwrap().unwrap();
    assert_eq!(record.settled.len(), 2);
    assert!(record.failed["staging/us-east-1"].starts_with("not queued: KmsAccessDenied"));
    // A second coordination of the same run is refused (the run id is the invocation's).
    assert!(coordinate(
        "r-1",
        "scheduled",
        &request(),
        &config(),
        None,
        &queue,
        &ledger
    )
    .await
    .is_err());

    // prod's two items: one dead-lettered (twice: the second changes nothing), one done.
    let prod: Vec<WorkItem> = queue.sent.lock().unwrap().clone();
    assert_eq!(
        dead_letter(&prod[0], 3, &ledger, LEASE).await.unwrap(),
        None
    );
    assert_eq!(
        dead_letter(&prod[0], 3, &ledger, LEASE).await.unwrap(),
        None
    );
    let after = ledger.settle("r-1", &prod[1].id(), None).await.unwrap();
    let claimed = claim_if_complete(after.clone(), &ledger, LEASE)
        .await
        .unwrap();
    assert_eq!(
        claimed.as_ref(),
        Some(&after),
        "the last settlement fans in"
    );
    assert_eq!(
        claim_if_complete(after, &ledger, LEASE).await.unwrap(),
        None,
        "exactly once"
    );
    // An item of no run, or not of this run, is refused rather than settled.
    let mut stranger = prod[0].clone();
    stranger.region = "ap-south-1".into();
    assert!(dead_letter(&stranger, 3, &ledger, LEASE).await.is_err());
}

/// What a fan-in reads with: `config`, the baselines in `dir`, memory store and ledger.
fn fan_in_context<'a>(
    config: &'a ConfigFile,
    dir: &'a std::path::Path,
    store: &'a MemoryStore,
    ledger: &'a MemoryLedger,
) -> WorkContext<'a> {
    WorkContext {
        config,
        baselines: crate::baseline::BaselineDir::new(dir),
        deadline: None,
        secure_digest: None,
        store,
        ledger,
        alert_state: None,
        fan_in_lease_secs: LEASE,
    }
}

#[tokio::test]
async fn fan_in_reads_the_stored_snapshots_and_reports_failed_items_unread() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = MemoryLedger::default();
    let store = MemoryStore::default();
    let mut record = RunRecord {
        run_id: "r-2".into(),
        trigger: "scheduled".into(),
        compare: vec![vec!["staging".into(), "prod".into()]],
        ..Default::default()
    };
    for id in [
        "staging/us-east-1",
        "staging/eu-west-1",
        "prod/us-east-1",
        "prod/eu-west-1",
    ] {
        record.items.insert(id.into());
        record.settled.insert(id.into());
    }
    record.failed.insert(
        "prod/eu-west-1".into(),
        "the work item failed 3 deliveries and was dead-lettered".into(),
    );
    let part = |env: &str, region: &str, port: i32| {
        let mut s = snapshot(vec![security_group(
            "app",
            vec![tcp_rule(port, "10.0.0.0/16")],
        )]);
        s.environment = env.into();
        s.regions = vec![region.into()];
        for r in &mut s.resources {
            r.region = region.into();
        }
        s
    };
    for (env, region, port) in [
        ("staging", "us-east-1", 443),
        ("staging", "eu-west-1", 443),
        ("prod", "us-east-1", 8443),
    ] {
        store
            .put(&snapshot_key("r-2", env, region), &part(env, region, port))
            .await
            .unwrap();
    }
    let config = config();
    let ctx = fan_in_context(&config, dir.path(), &store, &ledger);
    let reports = fan_in(&record, &ctx).await.unwrap();
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report.command, "compare");
    assert!(!report.complete, "prod's dead-lettered region is unread");
    // The item also read the global services, for the roles its region's tasks use: unread
    // too.
    assert!(report.failures.iter().all(|f| {
        ["eu-west-1", crate::kinds::GLOBAL_REGION].contains(&f.region.as_str())
            && f.code == WORK_ITEM_FAILED
    }));
    assert!(report.failures[0].message.contains("dead-lettered"));
    assert_eq!(report.regions, ["eu-west-1", "us-east-1"]);
    // The port that differs in us-east-1 is found; eu-west-1's unread group is not "missing".
    // (The test groups carry prod's Environment tag in both, a second difference.)
    assert!(
        report.findings.iter().all(|f| f.region == "us-east-1"),
        "{:#?}",
        report.findings
    );
    assert!(report
        .findings
        .iter()
        .any(|f| f.path.as_deref() == Some("properties.ingress")));

    // A snapshot that is gone from the bucket makes its region unread too, never clean.
    record.failed.clear();
    let reports = fan_in(&record, &ctx).await.unwrap();
    assert!(reports[0]
        .failures
        .iter()
        .all(|f| f.code == SNAPSHOT_UNREADABLE && f.message.contains("NoSuchKey")));
    assert!(!reports[0].complete);
}

#[test]
fn regions_combine_into_one_environment_snapshot() {
    let mut east = snapshot(vec![security_group("app", vec![])]);
    let mut west = east.clone();
    west.regions = vec!["us-west-2".into()];
    for r in &mut west.resources {
        r.region = "us-west-2".into();
    }
    east.regions = vec!["us-east-1".into()];
    let combined = combine("prod", vec![west, east]);
    assert_eq!(combined.regions, ["us-east-1", "us-west-2"]);
    assert_eq!(combined.resources.len(), 2);
    assert_eq!(combined.resources[0].region, "us-east-1", "sorted");
    assert!(combined.complete);
    assert_eq!(combined.selection.tag_key, "Environment");
}

#[test]
fn a_run_record_keeps_its_states_through_the_table() {
    let record = RunRecord {
        run_id: "r-1".into(),
        trigger: "scheduled".into(),
        scan: vec!["prod".into()],
        states: [(
            "prod".to_string(),
            vec!["tfstate:s3://acme-tfstate/prod.tfstate"
                .parse()
                .expect("a source")],
        )]
        .into(),
        unmanaged_only: true,
        ..Default::default()
    };
    let item = super::aws::record_item(&record, 1_795_770_900);
    let back = super::aws::record_from_item(&item).expect("read back");
    assert_eq!(back.request().states, record.states);
    assert!(back.request().unmanaged_only);
    let before_states = super::aws::record_item(
        &RunRecord {
            states: Default::default(),
            unmanaged_only: false,
            ..record.clone()
        },
        1,
    );
    assert!(super::aws::record_from_item(&before_states)
        .expect("a record without states reads back")
        .states
        .is_empty());
}

#[test]
fn a_run_record_keeps_the_triggering_event_and_the_lookup_for_its_fan_in() {
    let detail = serde_json::json!({
        "eventName": "AuthorizeSecurityGroupIngress", "eventSource": "ec2.amazonaws.com",
        "eventTime": "2026-12-06T10:00:00Z", "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/alice"},
        "requestParameters": {"groupId": "sg-0db"}
    });
    let change = crate::attribution::ChangeRecord::from_record(&detail).expect("a record");
    let record = RunRecord {
        run_id: "r-2".into(),
        trigger: "change".into(),
        scan: vec!["prod".into()],
        attribution: crate::run::AttributionRequest {
            changes: vec![change],
            lookup: true,
        },
        ..Default::default()
    };
    let item = super::aws::record_item(&record, 1_795_770_900);
    let back = super::aws::record_from_item(&item).expect("read back");
    assert_eq!(back.request().attribution, record.attribution);
    // A record written before attribution reads back without it.
    let mut old = item.clone();
    let request: serde_json::Value =
        serde_json::from_str(old["request"].as_s().expect("text")).expect("json");
    let mut request = request.as_object().expect("an object").clone();
    request.remove("attribution");
    old.insert(
        "request".into(),
        aws_sdk_dynamodb::types::AttributeValue::S(serde_json::Value::Object(request).to_string()),
    );
    let before = super::aws::record_from_item(&old).expect("reads back");
    assert_eq!(before.request().attribution, Default::default());
}

#[tokio::test]
async fn fan_in_attributes_a_scan_to_the_event_that_triggered_the_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("prod.yaml"),
        "driftscan: baseline/v1\nresources: {}\n",
    )
    .unwrap();
    let (ledger, store) = (MemoryLedger::default(), MemoryStore::default());
    let detail = serde_json::json!({
        "eventName": "CreateSecurityGroup", "eventSource": "ec2.amazonaws.com",
        "eventTime": "2026-12-06T10:00:00Z", "awsRegion": "us-east-1",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/alice"},
        "userAgent": "aws-cli/2.17.0", "responseElements": {"groupId": "app"}
    });
    let mut record = RunRecord {
        run_id: "r-3".into(),
        trigger: "change".into(),
        scan: vec!["prod".into()],
        attribution: crate::run::AttributionRequest {
            changes: crate::attribution::ChangeRecord::from_record(&detail)
                .into_iter()
                .collect(),
            lookup: false,
        },
        ..Default::default()
    };
    record.items.insert("prod/us-east-1".into());
    record.settled.insert("prod/us-east-1".into());
    let mut part = snapshot(vec![security_group("app", vec![])]);
    part.regions = vec!["us-east-1".into()];
    store
        .put(&snapshot_key("r-3", "prod", "us-east-1"), &part)
        .await
        .unwrap();
    let config = config();
    let ctx = fan_in_context(&config, dir.path(), &store, &ledger);
    let reports = fan_in(&record, &ctx).await.unwrap();
    let unmanaged = reports[0]
        .findings
        .iter()
        .find(|f| f.physical_id.as_deref() == Some("app"))
        .expect("the group no baseline declares");
    let change = unmanaged
        .attribution
        .as_ref()
        .and_then(|a| a.change())
        .expect("attributed");
    assert_eq!(change.principal.short_name(), "user/alice");
    assert_eq!(change.event.name, "CreateSecurityGroup");
}

//! A run fanned out over an organization on AWS's own engine (Amazon SQS and the Lambda's
//! event source mapping), instead of one process bounded by one invocation's 15 minutes.
//!
//! - **Coordinate** ([`coordinate`]): a scheduled invocation plans one [`WorkItem`] per
//!   (environment, region), each with the account role it is read through, writes the run's
//!   [`RunRecord`] (a DynamoDB item) and sends the items to the work queue.
//! - **Work** ([`work`]): the same function, mapped to the queue, snapshots one item and keeps
//!   the snapshot in S3 (`runs/<run-id>/<env>/<region>/snapshot.json.gz`), then settles the item
//!   in the run record (a set: a duplicate delivery changes nothing).
//! - **Dead letters** ([`dead_letter`]): an item that failed every delivery reaches the
//!   dead-letter queue, whose mapping settles it as failed: its environment is reported
//!   incomplete in that run, never clean.
//! - **Fan in** ([`fan_in`]): whoever settles a run's last item claims its fan-in (a conditional
//!   write: exactly one caller wins), reads the stored snapshots one report at a time and
//!   produces the run's reports the way a live run does (`scan_report`, `compare_report`); the
//!   caller publishes one alert for the whole run.
//!
//! The decisions are pure and unit-tested; the AWS calls sit behind [`WorkQueue`],
//! [`RunLedger`] and [`SnapshotStore`], implemented in [`aws`].

pub mod aws;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use crate::config::{ConfigFile, EnvironmentSettings};
use crate::digest::DigestKey;
use crate::model::Report;
use crate::run::{RunError, RunRequest, ScanBaseline};
use crate::Snapshot;

/// The `schema` of a work item (an SQS message body).
pub const WORK_ITEM_SCHEMA: &str = "driftscan.work-item/v1";
/// The failure code of a region whose work item was dead-lettered or never queued.
pub const WORK_ITEM_FAILED: &str = "WorkItemFailed";
/// The failure code of a region whose stored snapshot could not be read back at fan-in.
pub const SNAPSHOT_UNREADABLE: &str = "SnapshotUnreadable";

/// One unit of a fanned-out run: one environment in one region, read through its account's
/// role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkItem {
    /// Always [`WORK_ITEM_SCHEMA`].
    pub schema: String,
    /// The run it belongs to.
    pub run_id: String,
    /// The environment.
    pub environment: String,
    /// The region.
    pub region: String,
    /// The account the environment lives in, when driftscan.yaml says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The role the worker assumes to read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// The external ID that role asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

impl WorkItem {
    /// The item's name within its run: `<env>/<region>`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.environment, self.region)
    }

    /// Where its snapshot is kept.
    pub fn snapshot_key(&self) -> String {
        snapshot_key(&self.run_id, &self.environment, &self.region)
    }

    /// Reads a message body, refusing anything that is not a work item this version wrote.
    pub fn from_json(text: &str) -> Result<Self, FanOutError> {
        let item: WorkItem = serde_json::from_str(text)
            .map_err(|e| FanOutError::BadItem(format!("not a work item: {e}")))?;
        if item.schema != WORK_ITEM_SCHEMA {
            return Err(FanOutError::BadItem(format!(
                "schema `{}`, expected `{WORK_ITEM_SCHEMA}`",
                item.schema
            )));
        }
        validate_run_id(&item.run_id)?;
        crate::naming::validate_environment_name(&item.environment)
            .map_err(|e| FanOutError::BadItem(e.to_string()))?;
        crate::config::validate_region(&item.region)
            .map_err(|e| FanOutError::BadItem(e.to_string()))?;
        Ok(item)
    }

    /// The message body.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a work item serializes")
    }
}

/// `runs/<run-id>/<env>/<region>/snapshot.json.gz`.
pub fn snapshot_key(run_id: &str, environment: &str, region: &str) -> String {
    format!("runs/{run_id}/{environment}/{region}/snapshot.json.gz")
}

/// A run id: its UTC start and the coordinating invocation's request id
/// (`20261127T091500Z-3f2a9c1d`), so a bucket lists runs in order and two runs never share one.
pub fn run_id(timestamp_ms: u64, request_id: &str) -> String {
    let suffix: String = request_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    format!(
        "{}-{}",
        crate::publish::compact_utc(timestamp_ms),
        if suffix.is_empty() { "run" } else { &suffix }
    )
}

/// Refuses a run id that could escape its key prefix.
fn validate_run_id(run_id: &str) -> Result<(), FanOutError> {
    let ok = !run_id.is_empty()
        && run_id.len() <= 64
        && run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FanOutError::BadItem(format!("run id `{run_id}`")))
    }
}

/// A run as its record keeps it: what it does and how far it got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run.
    pub run_id: String,
    /// Why it runs (`scheduled`, or the change event).
    pub trigger: String,
    /// Environments scanned against their baselines.
    pub scan: Vec<String>,
    /// Environments compared.
    pub compare: Vec<Vec<String>>,
    /// Every work item's id.
    pub items: BTreeSet<String>,
    /// The items done or failed.
    pub settled: BTreeSet<String>,
    /// The failed items, with why.
    pub failed: BTreeMap<String, String>,
    /// Whether the run's outcome was published (SNS and the findings ledger both accepted it).
    #[serde(default)]
    pub published: bool,
    /// Scanned environments checked against infrastructure code's states (see
    /// [`RunRequest::states`]).
    #[serde(default)]
    pub states: BTreeMap<String, Vec<crate::iac::Source>>,
    /// See [`RunRequest::unmanaged_only`].
    #[serde(default)]
    pub unmanaged_only: bool,
    /// See [`RunRequest::attribution`]: the fan-in attributes the scans' findings.
    #[serde(default)]
    pub attribution: crate::run::AttributionRequest,
}

impl RunRecord {
    /// Whether every item is settled.
    pub fn is_complete(&self) -> bool {
        self.items.iter().all(|id| self.settled.contains(id))
    }

    /// The request it carries out.
    pub fn request(&self) -> RunRequest {
        RunRequest {
            scan: self.scan.clone(),
            compare: self.compare.clone(),
            regions: None,
            compare_options: Default::default(),
            states: self.states.clone(),
            unmanaged_only: self.unmanaged_only,
            attribution: self.attribution.clone(),
        }
    }
}

/// What went wrong with a fanned-out run's machinery (not a read: a read that fails makes a
/// report incomplete).
#[derive(Debug, thiserror::Error)]
pub enum FanOutError {
    /// A message that is not a work item of this version, or a malformed one.
    #[error("bad work item: {0}")]
    BadItem(String),
    /// An item of a run without a record, or not in its run.
    #[error("{0}")]
    UnknownItem(String),
    /// An AWS call of the engine failed (queue, table, bucket).
    #[error("{service}:{operation} failed ({code}): {message}")]
    Call {
        /// `sqs`, `dynamodb`, `s3`.
        service: &'static str,
        /// The API operation.
        operation: &'static str,
        /// AWS error code or transport failure class.
        code: String,
        /// The message with its cause chain.
        message: String,
    },
    /// An item settled already whose run is complete but not yet published, its fan-in held by
    /// another invocation: the message is to be delivered again until the run is published.
    #[error("run {0} is complete and its outcome not yet published by the invocation holding its fan-in")]
    AwaitingPublication(String),
    /// The run itself cannot be carried out.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// Sends work items (SQS).
pub trait WorkQueue: Send + Sync {
    /// Sends `items`; answers those that could not be sent, by id, with why.
    fn send<'a>(
        &'a self,
        items: &'a [WorkItem],
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, FanOutError>>;
}

/// Keeps run records (DynamoDB).
pub trait RunLedger: Send + Sync {
    /// Writes a new run's record (refused if the run exists).
    fn create<'a>(&'a self, record: &'a RunRecord) -> BoxFuture<'a, Result<(), FanOutError>>;
    /// The run's record, if there is one.
    fn get<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<Option<RunRecord>, FanOutError>>;
    /// Settles `item_id` (done, or failed with why) in one atomic update that adds it to a set,
    /// so a repeat changes nothing; answers the record after it.
    fn settle<'a>(
        &'a self,
        run_id: &'a str,
        item_id: &'a str,
        failure: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RunRecord, FanOutError>>;
    /// Claims the run's fan-in for `lease_secs`: `true` for exactly one caller at a time, and
    /// only while the run is unpublished. A claim older than the lease (its holder crashed, or
    /// its publish failed) may be taken over. The run is listed as pending until published.
    fn claim_fan_in<'a>(
        &'a self,
        run_id: &'a str,
        lease_secs: u64,
    ) -> BoxFuture<'a, Result<bool, FanOutError>>;
    /// Records that the run's outcome was published, once: `true` for the caller that recorded
    /// it, `false` when it was recorded already. The run is no longer pending.
    fn mark_published<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<bool, FanOutError>>;
    /// Runs whose fan-in was claimed and whose outcome is not yet published.
    fn pending<'a>(&'a self) -> BoxFuture<'a, Result<Vec<String>, FanOutError>>;
}

/// Keeps a run's snapshots (S3).
pub trait SnapshotStore: Send + Sync {
    /// Stores `snapshot` under `key`.
    fn put<'a>(
        &'a self,
        key: &'a str,
        snapshot: &'a Snapshot,
    ) -> BoxFuture<'a, Result<(), FanOutError>>;
    /// The snapshot under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Snapshot, FanOutError>>;
}

/// The work items of `request`: one per environment and region, with the account and role the
/// configuration gives it. `fallback_region` is used where nothing names a region (the
/// function's own).
pub fn plan_items(
    run_id: &str,
    request: &RunRequest,
    config: &ConfigFile,
    fallback_region: Option<&str>,
) -> Result<Vec<WorkItem>, RunError> {
    request.validate()?;
    let mut items = Vec::new();
    for env in request.environments() {
        let overrides = EnvironmentSettings {
            regions: request.regions.clone(),
            ..Default::default()
        };
        let plan = config.plan(env, overrides, fallback_region.map(str::to_string), None)?;
        for region in &plan.regions {
            items.push(WorkItem {
                schema: WORK_ITEM_SCHEMA.into(),
                run_id: run_id.into(),
                environment: env.into(),
                region: region.clone(),
                account: plan.account.clone(),
                role_arn: plan.role_arn.clone(),
                external_id: plan.external_id.clone(),
            });
        }
    }
    Ok(items)
}

/// One environment's snapshot from its regions' (a fanned-out run keeps one per region).
pub fn combine(environment: &str, parts: Vec<Snapshot>) -> Snapshot {
    let selection = parts
        .first()
        .map(|p| p.selection.clone())
        .unwrap_or_else(|| crate::model::Selection {
            tag_key: String::new(),
            ssm_paths: Vec::new(),
        });
    let mut regions = Vec::new();
    let mut failures = Vec::new();
    let mut resources = Vec::new();
    let mut deleted = Vec::new();
    let account = parts.iter().find_map(|p| p.account.clone());
    for part in parts {
        regions.extend(part.regions);
        failures.extend(part.failures);
        resources.extend(part.resources);
        deleted.extend(part.deleted_during_scan);
    }
    // Every region's item reads the global services (for what its region uses): each global
    // resource and failure once.
    let mut seen = std::collections::BTreeSet::new();
    resources.retain(|r: &crate::model::Resource| {
        r.region != crate::kinds::GLOBAL_REGION || seen.insert((r.kind, r.id.clone()))
    });
    let mut seen = std::collections::BTreeSet::new();
    failures.retain(|f: &crate::model::ReadFailure| {
        f.region != crate::kinds::GLOBAL_REGION || seen.insert(f.to_string())
    });
    Snapshot::new(
        environment.to_string(),
        regions,
        selection,
        failures,
        resources,
    )
    .with_deleted(deleted)
    .in_account(account)
}

/// What a worker needs besides the item.
pub struct WorkContext<'a> {
    /// Scan settings per environment.
    pub config: &'a ConfigFile,
    /// The baseline directory.
    pub baselines: crate::baseline::BaselineDir<'a>,
    /// When the invocation's reads must be done.
    pub deadline: Option<Instant>,
    /// Key for SecureString digests, if enabled.
    pub secure_digest: Option<DigestKey>,
    /// Where snapshots are kept.
    pub store: &'a dyn SnapshotStore,
    /// Where runs are recorded.
    pub ledger: &'a dyn RunLedger,
    /// Where alerted findings are remembered: asked before CloudTrail at the fan-in.
    pub alert_state: Option<&'a dyn crate::publish::AlertStateStore>,
    /// How long a fan-in claim holds ([`FAN_IN_LEASE_SECS`] on AWS).
    pub fan_in_lease_secs: u64,
}

/// What coordinating did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Coordinated {
    /// The run.
    pub run_id: String,
    /// Items planned.
    pub items: usize,
    /// Items that could not be queued (settled as failed at once), with why.
    pub unsent: Vec<(String, String)>,
    /// The record after the last settlement, when it completed the run (every item failed to
    /// queue) and this caller claimed the fan-in.
    #[serde(skip)]
    pub fan_in: Option<RunRecord>,
}

/// Plans `request` as a run, records it, and queues its items. Items that cannot be queued are
/// settled as failed at once, so the run still completes (incomplete where they were).
pub async fn coordinate(
    run_id: &str,
    trigger: &str,
    request: &RunRequest,
    config: &ConfigFile,
    fallback_region: Option<&str>,
    queue: &dyn WorkQueue,
    ledger: &dyn RunLedger,
) -> Result<Coordinated, FanOutError> {
    let items = plan_items(run_id, request, config, fallback_region)?;
    let record = RunRecord {
        run_id: run_id.into(),
        trigger: trigger.into(),
        scan: request.scan.clone(),
        compare: request.compare.clone(),
        items: items.iter().map(WorkItem::id).collect(),
        states: request.states.clone(),
        unmanaged_only: request.unmanaged_only,
        attribution: request.attribution.clone(),
        ..Default::default()
    };
    ledger.create(&record).await?;
    let unsent = queue.send(&items).await?;
    let mut fan_in = None;
    for (id, why) in &unsent {
        let after = ledger
            .settle(run_id, id, Some(&format!("not queued: {why}")))
            .await?;
        // A run this call just created has no earlier claim for a lease to outlast.
        fan_in = claim_if_complete(after, ledger, FAN_IN_LEASE_SECS).await?;
    }
    tracing::info!(
        run_id,
        items = items.len(),
        unsent = unsent.len(),
        "run coordinated"
    );
    Ok(Coordinated {
        run_id: run_id.into(),
        items: items.len(),
        unsent,
        fan_in,
    })
}

/// How long a fan-in claim holds before another invocation may take over an unpublished run:
/// the longest a Lambda invocation runs, 900 seconds
/// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html>), so a live
/// holder is never overtaken.
pub const FAN_IN_LEASE_SECS: u64 = 900;

/// The record, when `record` is complete and unpublished and this caller wins its fan-in.
async fn claim_if_complete(
    record: RunRecord,
    ledger: &dyn RunLedger,
    lease_secs: u64,
) -> Result<Option<RunRecord>, FanOutError> {
    if record.is_complete()
        && !record.published
        && ledger.claim_fan_in(&record.run_id, lease_secs).await?
    {
        Ok(Some(record))
    } else {
        Ok(None)
    }
}

/// For an item settled already: its run, to fan in, when the run is complete, unpublished and
/// its fan-in free; [`FanOutError::AwaitingPublication`] while another invocation holds it, so
/// the message stays on its queue until the run is published.
async fn fan_in_of_settled(
    record: RunRecord,
    ledger: &dyn RunLedger,
    lease_secs: u64,
) -> Result<Option<RunRecord>, FanOutError> {
    if !record.is_complete() || record.published {
        return Ok(None);
    }
    let run_id = record.run_id.clone();
    match claim_if_complete(record, ledger, lease_secs).await? {
        Some(record) => Ok(Some(record)),
        None => Err(FanOutError::AwaitingPublication(run_id)),
    }
}

/// The runs whose fan-in was claimed but never published (the publish failed, or its
/// invocation died) and whose claim has expired, claimed now by this caller: the next
/// invocation, scheduled or a batch from the queue, publishes them.
pub async fn claim_unpublished(
    ledger: &dyn RunLedger,
    lease_secs: u64,
) -> Result<Vec<RunRecord>, FanOutError> {
    let mut claimed = Vec::new();
    for run_id in ledger.pending().await? {
        match ledger.get(&run_id).await? {
            // Expired, or published since it was listed: nothing left to publish.
            None => {
                ledger.mark_published(&run_id).await?;
            }
            Some(record) if record.published => {
                ledger.mark_published(&run_id).await?;
            }
            Some(record) => {
                if let Some(record) = claim_if_complete(record, ledger, lease_secs).await? {
                    tracing::warn!(run_id, "an unpublished run taken over after its lease");
                    claimed.push(record);
                }
            }
        }
    }
    Ok(claimed)
}

/// What a worker did with one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Worked {
    /// Snapshotted and settled; `fan_in` holds the run's record when this item completed the
    /// run and this worker claimed its fan-in.
    Done {
        /// Whether the snapshot read everything.
        complete: bool,
        /// The run to fan in, when it falls to this worker.
        fan_in: Option<RunRecord>,
    },
    /// Already settled (a duplicate delivery): nothing read. `fan_in` holds the run's record
    /// when the run is complete, its outcome unpublished and its fan-in free (never claimed,
    /// or the claim's lease expired): the redelivery publishes what a failed publish lost.
    Duplicate {
        /// The run to fan in, when it falls to this worker.
        fan_in: Option<RunRecord>,
    },
}

/// Snapshots one item, keeps the snapshot, settles the item. An error leaves the item unsettled
/// (the queue delivers it again, and after its last attempt dead-letters it).
pub async fn work(item: &WorkItem, ctx: &WorkContext<'_>) -> Result<Worked, FanOutError> {
    let id = item.id();
    let record =
        ctx.ledger.get(&item.run_id).await?.ok_or_else(|| {
            FanOutError::UnknownItem(format!("run {} has no record", item.run_id))
        })?;
    if !record.items.contains(&id) {
        return Err(FanOutError::UnknownItem(format!(
            "{id} is not an item of run {}",
            item.run_id
        )));
    }
    if record.settled.contains(&id) {
        tracing::info!(run_id = %item.run_id, item = %id, "duplicate delivery: already settled");
        let fan_in = fan_in_of_settled(record, ctx.ledger, ctx.fan_in_lease_secs).await?;
        return Ok(Worked::Duplicate { fan_in });
    }
    let overrides = EnvironmentSettings {
        regions: Some(vec![item.region.clone()]),
        role_arn: item.role_arn.clone(),
        external_id: item.external_id.clone(),
        ..Default::default()
    };
    let snapshot = crate::scan::snapshot_environment(
        ctx.config,
        &item.environment,
        overrides,
        ctx.secure_digest.clone(),
        ctx.deadline,
        &crate::scan::NoProgress,
    )
    .await
    .map_err(RunError::from)?;
    ctx.store.put(&item.snapshot_key(), &snapshot).await?;
    let after = ctx.ledger.settle(&item.run_id, &id, None).await?;
    Ok(Worked::Done {
        complete: snapshot.complete,
        fan_in: claim_if_complete(after, ctx.ledger, ctx.fan_in_lease_secs).await?,
    })
}

/// Settles an item that failed every delivery (from the dead-letter queue) as failed; answers
/// the run to fan in when that completed it and this caller claimed it.
pub async fn dead_letter(
    item: &WorkItem,
    receives: u32,
    ledger: &dyn RunLedger,
    lease_secs: u64,
) -> Result<Option<RunRecord>, FanOutError> {
    let id = item.id();
    match ledger.get(&item.run_id).await? {
        Some(record) if record.items.contains(&id) => {
            if record.settled.contains(&id) {
                // Settled already, its run perhaps still unpublished: as a duplicate delivery.
                return fan_in_of_settled(record, ledger, lease_secs).await;
            }
        }
        _ => {
            return Err(FanOutError::UnknownItem(format!(
                "{id} is not an item of run {}",
                item.run_id
            )))
        }
    }
    let why = format!("the work item failed {receives} deliveries and was dead-lettered");
    tracing::error!(run_id = %item.run_id, item = %id, receives, "work item dead-lettered");
    let after = ledger.settle(&item.run_id, &id, Some(&why)).await?;
    claim_if_complete(after, ledger, lease_secs).await
}

/// The run's reports from its stored snapshots, one report at a time so that only the
/// snapshots one report needs are in memory (an environment's regions for a scan, the group's
/// for a comparison). A failed item's region, or one whose snapshot cannot be read back, is
/// unread: its environment's reports are incomplete and say why.
pub async fn fan_in(record: &RunRecord, ctx: &WorkContext<'_>) -> Result<Vec<Report>, RunError> {
    let started = Instant::now();
    let request = record.request();
    // Every baseline first: a bad one fails the fan-in before anything is read.
    let mut scan_baselines = Vec::with_capacity(request.scan.len());
    for env in &request.scan {
        let states = request.states.get(env).map(Vec::as_slice);
        let (config, dir) = (ctx.config, ctx.baselines);
        // The function's own credentials read states in S3.
        let access = (None, None);
        scan_baselines.push(ScanBaseline::load(env, states, config, dir, access).await?);
    }
    let mut reports = Vec::with_capacity(request.scan.len() + request.compare.len());
    let overrides = EnvironmentSettings::default();
    let settings = crate::run::AttributeSettings {
        config: ctx.config,
        overrides: &overrides,
        deadline: ctx.deadline,
        alert_state: ctx.alert_state,
    };
    for (env, baseline) in request.scan.iter().zip(&scan_baselines) {
        let snapshot = stored_snapshot(record, env, ctx).await?;
        let mut report = baseline.report(&snapshot, request.unmanaged_only, started)?;
        let since = baseline.baseline.captured;
        crate::run::attribute_scan(
            &request.attribution,
            &settings,
            &mut report,
            &snapshot,
            since,
        )
        .await?;
        reports.push(report);
    }
    for group in &request.compare {
        let mut snapshots = Vec::with_capacity(group.len());
        for env in group {
            snapshots.push(stored_snapshot(record, env, ctx).await?);
        }
        let snapshots: Vec<&Snapshot> = snapshots.iter().collect();
        let mut report = crate::run::compare_report(
            &snapshots,
            ctx.baselines,
            &request.compare_options,
            started,
        )?;
        crate::run::attribute_comparison(&request.attribution, &settings, &mut report, &snapshots)
            .await?;
        reports.push(report);
    }
    Ok(reports)
}

/// One environment's snapshot of the run, from its regions' stored snapshots.
async fn stored_snapshot(
    record: &RunRecord,
    env: &str,
    ctx: &WorkContext<'_>,
) -> Result<Snapshot, RunError> {
    let mut parts = Vec::new();
    for id in &record.items {
        let Some((item_env, region)) = id.split_once('/') else {
            continue;
        };
        if item_env != env {
            continue;
        }
        let unread = |code: &str, message: &str| -> Result<Snapshot, RunError> {
            let overrides = EnvironmentSettings {
                regions: Some(vec![region.to_string()]),
                ..Default::default()
            };
            let plan = ctx.config.plan(env, overrides, None, None)?;
            Ok(crate::scan::unread(&plan, code, message))
        };
        let part = match record.failed.get(id) {
            Some(why) => unread(WORK_ITEM_FAILED, why)?,
            None => match ctx
                .store
                .get(&snapshot_key(&record.run_id, env, region))
                .await
            {
                Ok(snapshot) => snapshot,
                Err(e) => unread(SNAPSHOT_UNREADABLE, &e.to_string())?,
            },
        };
        parts.push(part);
    }
    Ok(combine(env, parts))
}

#[cfg(test)]
mod tests;

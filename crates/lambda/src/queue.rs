//! A fanned-out run as the function carries it (see `scanner::fanout`): a scheduled or change
//! invocation coordinates (plans the run, records it, queues its items), and the same function,
//! mapped to the work queue and to its dead-letter queue, works items in SQS batches and answers
//! the ones that failed (`batchItemFailures`), so only those are delivered again.

use std::time::Instant;

use futures::StreamExt as _;
use lambda_runtime::Error;
use scanner::config::ConfigFile;
use scanner::fanout::aws::{DynamoRunLedger, S3SnapshotStore, SqsWorkQueue};
use scanner::fanout::{FanOutError, RunRecord, WorkContext, WorkItem, Worked, FAN_IN_LEASE_SECS};
use scanner::publish::aws::AwsPublishers;
use scanner::run::RunRequest;
use serde::Serialize;
use serde_json::{json, Value};

use crate::event::SqsMessage;
use crate::Settings;

/// Where a fanned-out run's pieces live, from the function's environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanOutSettings {
    /// The work queue (`DRIFTSCAN_WORK_QUEUE_URL`): set, scheduled and change invocations
    /// coordinate instead of scanning themselves.
    pub queue_url: Option<String>,
    /// The dead-letter queue's ARN (`DRIFTSCAN_DEAD_LETTER_QUEUE_ARN`): messages from it settle
    /// their items as failed.
    pub dead_letter_arn: Option<String>,
    /// The bucket of run snapshots (`DRIFTSCAN_RUN_BUCKET`).
    pub bucket: String,
    /// The table of run records and the findings ledger (`DRIFTSCAN_TABLE`).
    pub table: String,
    /// How long a fan-in claim holds before another invocation may publish the run in its
    /// place (`DRIFTSCAN_FAN_IN_LEASE_SECS`, default [`FAN_IN_LEASE_SECS`]).
    pub fan_in_lease_secs: u64,
}

impl FanOutSettings {
    /// The settings, or `None` when the function does not fan out; a partial set is refused.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let queue_url = var("DRIFTSCAN_WORK_QUEUE_URL");
        let dead_letter_arn = var("DRIFTSCAN_DEAD_LETTER_QUEUE_ARN");
        let bucket = var("DRIFTSCAN_RUN_BUCKET");
        let table = var("DRIFTSCAN_TABLE");
        let fan_in_lease_secs = match var("DRIFTSCAN_FAN_IN_LEASE_SECS") {
            Some(secs) => secs.parse().map_err(|e| {
                anyhow::anyhow!(
                    "DRIFTSCAN_FAN_IN_LEASE_SECS: `{secs}` is not a number of seconds: {e}"
                )
            })?,
            None => FAN_IN_LEASE_SECS,
        };
        match (bucket, table) {
            (Some(bucket), Some(table)) => Ok(Some(FanOutSettings {
                queue_url,
                dead_letter_arn,
                bucket,
                table,
                fan_in_lease_secs,
            })),
            (None, None) if queue_url.is_none() && dead_letter_arn.is_none() => Ok(None),
            (bucket, table) => {
                let missing: Vec<&str> = [
                    bucket.is_none().then_some("DRIFTSCAN_RUN_BUCKET"),
                    table.is_none().then_some("DRIFTSCAN_TABLE"),
                ]
                .into_iter()
                .flatten()
                .collect();
                anyhow::bail!(
                    "fanning out needs DRIFTSCAN_RUN_BUCKET and DRIFTSCAN_TABLE: {} unset",
                    missing.join(" and ")
                )
            }
        }
    }
}

/// The fan-out's AWS pieces for one invocation: the run bucket and the run table.
struct Engine {
    store: S3SnapshotStore,
    ledger: DynamoRunLedger,
    fan_in_lease_secs: u64,
}

impl Engine {
    fn new(publishers: &AwsPublishers, fan_out: &FanOutSettings) -> Self {
        let sdk = publishers.sdk_config();
        Engine {
            store: S3SnapshotStore::new(sdk, &fan_out.bucket),
            ledger: DynamoRunLedger::new(sdk, &fan_out.table),
            fan_in_lease_secs: fan_out.fan_in_lease_secs,
        }
    }

    /// What a worker needs, with `config` and `baselines`, within `deadline`, and the alert
    /// state of `publishers` (asked before CloudTrail at the fan-in).
    fn context<'a>(
        &'a self,
        config: &'a ConfigFile,
        baselines: &'a crate::Baselines,
        deadline: Instant,
        publishers: &'a AwsPublishers,
    ) -> WorkContext<'a> {
        WorkContext {
            config,
            baselines: baselines.dir(),
            deadline: Some(deadline),
            secure_digest: None,
            store: &self.store,
            ledger: &self.ledger,
            alert_state: publishers.alert_state(),
            fan_in_lease_secs: self.fan_in_lease_secs,
        }
    }
}

/// Plans `request` as a run and queues its items; answers the run id and what was queued.
pub async fn coordinate(
    settings: &Settings,
    fan_out: &FanOutSettings,
    publishers: &AwsPublishers,
    request: &RunRequest,
    trigger: &str,
    request_id: &str,
    deadline: Instant,
) -> Result<Value, Error> {
    let queue_url = fan_out.queue_url.as_deref().unwrap_or_default();
    let sdk = publishers.sdk_config();
    let config = crate::current_config(settings, publishers).await?;
    let run_id = scanner::fanout::run_id(scanner::clock::epoch_millis(), request_id);
    let engine = Engine::new(publishers, fan_out);
    let ledger = &engine.ledger;
    // Runs an earlier invocation claimed and could not publish, their lease over: first.
    let taken_over =
        scanner::fanout::claim_unpublished(&engine.ledger, fan_out.fan_in_lease_secs).await?;
    let fallback_region = sdk.region().map(|r| r.to_string());
    let coordinated = scanner::fanout::coordinate(
        &run_id,
        trigger,
        request,
        &config,
        fallback_region.as_deref(),
        &SqsWorkQueue::new(sdk, queue_url),
        ledger,
    )
    .await?;
    // Nothing could be queued: the run is complete (and unread) already.
    let to_publish: Vec<RunRecord> = taken_over
        .into_iter()
        .chain(coordinated.fan_in.clone())
        .collect();
    let mut published = Published::default();
    if !to_publish.is_empty() {
        let baselines = crate::baselines(settings, publishers).await?;
        let ctx = engine.context(&config, &baselines, deadline, publishers);
        published = publish_runs(settings, publishers, &to_publish, &ctx).await;
    }
    let this_run = published.take(&run_id);
    if let Some((run, error)) = published.failed.iter().find(|(run, _)| *run == run_id) {
        return Err(Error::from(format!(
            "run {run} was not published (it stays pending; the next invocation after the \
             fan-in lease publishes it): {error}"
        )));
    }
    Ok(json!({
        "trigger": trigger,
        "coordinated": coordinated,
        "published": this_run,
        "taken_over": published.runs,
        "unpublished": published.failed,
    }))
}

/// What publishing complete runs gave: each published run's answer, and the runs that could
/// not be published (they stay pending, and are taken over once their fan-in lease is over).
#[derive(Debug, Default)]
struct Published {
    runs: Vec<Value>,
    failed: Vec<(String, String)>,
}

impl Published {
    /// Takes `run_id`'s answer out, when it was published.
    fn take(&mut self, run_id: &str) -> Option<Value> {
        let at = self.runs.iter().position(|r| r["run_id"] == run_id)?;
        Some(self.runs.remove(at))
    }
}

/// Fans in and publishes each of `records` on its own: one that fails does not keep the others
/// from being published.
async fn publish_runs(
    settings: &Settings,
    publishers: &AwsPublishers,
    records: &[RunRecord],
    ctx: &WorkContext<'_>,
) -> Published {
    let mut published = Published::default();
    for record in records {
        match fan_in(settings, publishers, record, ctx).await {
            Ok(answer) => published.runs.push(answer),
            Err(e) => {
                tracing::error!(run_id = %record.run_id, error = %e,
                    "run not published: it stays pending until its fan-in lease is over");
                published
                    .failed
                    .push((record.run_id.clone(), e.to_string()));
            }
        }
    }
    published
}

/// What the function answers an SQS batch: the failed messages (delivered again, then
/// dead-lettered), and the runs this batch completed and published.
#[derive(Debug, Serialize)]
struct BatchResponse {
    #[serde(rename = "batchItemFailures")]
    batch_item_failures: Vec<Value>,
    worked: Vec<String>,
    duplicates: Vec<String>,
    dead_lettered: Vec<String>,
    fanned_in: Vec<Value>,
    /// Runs this batch completed (or took over) that could not be published, with why: their
    /// messages are delivered again, and the run stays pending until it is.
    unpublished: Vec<(String, String)>,
}

/// Works a batch of work items (or settles dead letters), then fans in every run this batch
/// completed.
pub async fn handle_messages(
    settings: &Settings,
    fan_out: &FanOutSettings,
    publishers: &AwsPublishers,
    messages: Vec<SqsMessage>,
    deadline: Instant,
) -> Result<Value, Error> {
    let baselines = crate::baselines(settings, publishers).await?;
    let config = crate::current_config(settings, publishers).await?;
    let engine = Engine::new(publishers, fan_out);
    let ctx = engine.context(&config, &baselines, deadline, publishers);
    // Items of a batch are worked a few at a time: each within its own account's limits, all
    // within the invocation's deadline.
    let outcomes: Vec<Outcome> = futures::stream::iter(&messages)
        .map(|message| handle_one(message, fan_out, &ctx))
        .buffered(ITEMS_AT_ONCE)
        .collect()
        .await;
    let mut response = BatchResponse {
        batch_item_failures: Vec::new(),
        worked: Vec::new(),
        duplicates: Vec::new(),
        dead_lettered: Vec::new(),
        fanned_in: Vec::new(),
        unpublished: Vec::new(),
    };
    // Each complete run with the message that completed it (delivered again if its publish
    // fails, so the redelivery takes the run over once the lease is over).
    let mut complete: Vec<(RunRecord, Option<String>)> = Vec::new();
    for (message, outcome) in messages.iter().zip(outcomes) {
        let completed =
            |fan_in: Option<RunRecord>| fan_in.map(|r| (r, Some(message.message_id.clone())));
        match outcome {
            Outcome::Worked(id, fan_in) => {
                response.worked.push(id);
                complete.extend(completed(fan_in));
            }
            Outcome::DeadLettered(id, fan_in) => {
                response.dead_lettered.push(id);
                complete.extend(completed(fan_in));
            }
            Outcome::Duplicate(id, fan_in) => {
                response.duplicates.push(id);
                complete.extend(completed(fan_in));
            }
            Outcome::Failed(message_id) => response
                .batch_item_failures
                .push(json!({"itemIdentifier": message_id})),
            Outcome::Dropped => {}
        }
    }
    let taken_over =
        scanner::fanout::claim_unpublished(&engine.ledger, fan_out.fan_in_lease_secs).await?;
    complete.extend(taken_over.into_iter().map(|r| (r, None)));
    let records: Vec<RunRecord> = complete.iter().map(|(r, _)| r.clone()).collect();
    let published = publish_runs(settings, publishers, &records, &ctx).await;
    for (run_id, _) in &published.failed {
        let brought = complete.iter().filter(|(r, _)| &r.run_id == run_id);
        for message_id in brought.filter_map(|(_, m)| m.clone()) {
            response
                .batch_item_failures
                .push(json!({"itemIdentifier": message_id}));
        }
    }
    response.fanned_in = published.runs;
    response.unpublished = published.failed;
    Ok(serde_json::to_value(response)?)
}

/// Items of one batch worked at once.
const ITEMS_AT_ONCE: usize = 4;

/// What became of one message.
enum Outcome {
    /// A work item snapshotted and settled (with its run, when it completed it and this
    /// invocation fans it in).
    Worked(String, Option<RunRecord>),
    /// A dead letter settled as failed (likewise).
    DeadLettered(String, Option<RunRecord>),
    /// An item already settled (with its run, when it is complete, unpublished and free to
    /// fan in).
    Duplicate(String, Option<RunRecord>),
    /// To be delivered again: the message id.
    Failed(String),
    /// A dead letter nothing can be done with (logged).
    Dropped,
}

/// Works one message of a batch.
async fn handle_one(
    message: &SqsMessage,
    fan_out: &FanOutSettings,
    ctx: &WorkContext<'_>,
) -> Outcome {
    let from_dead_letters = fan_out.dead_letter_arn.as_deref() == Some(&message.source_arn);
    let failed = |why: &dyn std::fmt::Display| {
        tracing::error!(message_id = %message.message_id, dead_letter = from_dead_letters, error = %why, "work item failed");
        Outcome::Failed(message.message_id.clone())
    };
    let item = match WorkItem::from_json(&message.body) {
        Ok(item) => item,
        // Delivered again until it is dead-lettered, where it stays for people to read.
        Err(e) if !from_dead_letters => return failed(&e),
        Err(e) => {
            tracing::error!(message_id = %message.message_id, error = %e, "unreadable dead letter dropped");
            return Outcome::Dropped;
        }
    };
    if from_dead_letters {
        let lease = ctx.fan_in_lease_secs;
        return match scanner::fanout::dead_letter(&item, message.receive_count, ctx.ledger, lease)
            .await
        {
            Ok(fan_in) => Outcome::DeadLettered(item.id(), fan_in),
            Err(e @ (FanOutError::UnknownItem(_) | FanOutError::BadItem(_))) => {
                tracing::error!(item = %item.id(), error = %e, "dead letter of no run dropped");
                Outcome::Dropped
            }
            Err(e) => failed(&e),
        };
    }
    match scanner::fanout::work(&item, ctx).await {
        Ok(Worked::Done {
            complete: read_all,
            fan_in,
        }) => {
            tracing::info!(run_id = %item.run_id, item = %item.id(), complete = read_all, "work item done");
            Outcome::Worked(item.id(), fan_in)
        }
        Ok(Worked::Duplicate { fan_in }) => Outcome::Duplicate(item.id(), fan_in),
        // Expected while another invocation publishes the run: delivered again until it has.
        Err(e @ FanOutError::AwaitingPublication(_)) => {
            tracing::info!(item = %item.id(), reason = %e, "delivered again later");
            Outcome::Failed(message.message_id.clone())
        }
        Err(e) => failed(&e),
    }
}

/// A complete run's reports from its stored snapshots, published as one alert.
async fn fan_in(
    settings: &Settings,
    publishers: &AwsPublishers,
    record: &RunRecord,
    ctx: &WorkContext<'_>,
) -> Result<Value, Error> {
    let reports = scanner::fanout::fan_in(record, ctx).await?;
    tracing::info!(run_id = %record.run_id, reports = reports.len(), failed_items = record.failed.len(), "run fanned in");
    let mut answer = crate::respond(settings, publishers, record.trigger.clone(), &reports).await?;
    // Only now, with SNS and the findings ledger done, is the run's outcome published.
    if !ctx.ledger.mark_published(&record.run_id).await? {
        tracing::warn!(run_id = %record.run_id, "the run was marked published by another invocation");
    }
    answer["run_id"] = json!(record.run_id);
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fanning_out_needs_its_bucket_and_table() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(FanOutSettings::from_env(env(&[])).unwrap(), None);
        let all = FanOutSettings::from_env(env(&[
            (
                "DRIFTSCAN_WORK_QUEUE_URL",
                "https://sqs.us-east-1.amazonaws.com/1/work",
            ),
            ("DRIFTSCAN_RUN_BUCKET", "runs"),
            ("DRIFTSCAN_TABLE", "driftscan"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(all.bucket, "runs");
        assert_eq!(all.dead_letter_arn, None);
        let err = FanOutSettings::from_env(env(&[(
            "DRIFTSCAN_WORK_QUEUE_URL",
            "https://sqs.us-east-1.amazonaws.com/1/work",
        )]))
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "fanning out needs DRIFTSCAN_RUN_BUCKET and DRIFTSCAN_TABLE: DRIFTSCAN_RUN_BUCKET and DRIFTSCAN_TABLE unset"
        );
        let err = FanOutSettings::from_env(env(&[("DRIFTSCAN_RUN_BUCKET", "runs")]))
            .unwrap_err()
            .to_string();
        assert!(err.ends_with("DRIFTSCAN_TABLE unset"), "{err}");
    }
}

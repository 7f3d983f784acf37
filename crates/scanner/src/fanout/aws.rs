//! The fan-out engine's AWS calls: the work queue (SQS `SendMessageBatch`), run records in
//! DynamoDB (one item per run, updated atomically) and the run's snapshots in S3.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use crate::aws::ddb_s as s;
use crate::clock::epoch_secs as now_secs;
use serde_json::json;

use super::{FanOutError, RunLedger, RunRecord, SnapshotStore, WorkItem, WorkQueue};
use crate::Snapshot;

/// Messages per `SendMessageBatch` (SQS's limit).
pub const SQS_BATCH: usize = 10;
/// Bytes of message bodies per `SendMessageBatch`: the sum of a batch's messages may not exceed
/// 256 KiB (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html>).
pub const SQS_BATCH_BYTES: usize = 256 * 1024;

/// Splits message `bodies` into `SendMessageBatch` calls within both of SQS's limits: at most
/// [`SQS_BATCH`] messages and [`SQS_BATCH_BYTES`] bytes each, in order. A body larger than the
/// byte limit on its own is a batch of its own (SQS refuses it, and that item is unsent).
pub fn sqs_batches(bodies: &[String]) -> Vec<std::ops::Range<usize>> {
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, body) in bodies.iter().enumerate() {
        let full = i - start == SQS_BATCH || (i > start && bytes + body.len() > SQS_BATCH_BYTES);
        if full {
            batches.push(start..i);
            (start, bytes) = (i, 0);
        }
        bytes += body.len();
    }
    if start < bodies.len() {
        batches.push(start..bodies.len());
    }
    batches
}
/// How long a run record is kept after its run (DynamoDB TTL), in seconds: 30 days.
pub const RUN_RECORD_TTL_SECS: u64 = 30 * 24 * 3600;

/// A failed call, named by service and operation, with AWS's code.
fn call_failed<E, R>(
    service: &'static str,
    operation: &'static str,
) -> impl Fn(SdkError<E, R>) -> FanOutError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    move |error| FanOutError::Call {
        service,
        operation,
        code: crate::aws::error_code(&error),
        message: crate::aws::error_chain(&error),
    }
}

/// The work queue.
pub struct SqsWorkQueue {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl SqsWorkQueue {
    /// The queue at `queue_url`.
    pub fn new(config: &SdkConfig, queue_url: impl Into<String>) -> Self {
        SqsWorkQueue {
            client: aws_sdk_sqs::Client::new(config),
            queue_url: queue_url.into(),
        }
    }
}

impl WorkQueue for SqsWorkQueue {
    fn send<'a>(
        &'a self,
        items: &'a [WorkItem],
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, FanOutError>> {
        Box::pin(async move {
            use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
            let mut unsent = Vec::new();
            let bodies: Vec<String> = items.iter().map(WorkItem::to_json).collect();
            for range in sqs_batches(&bodies) {
                let batch = &items[range.clone()];
                let entries = bodies[range]
                    .iter()
                    .enumerate()
                    .map(|(i, body)| {
                        SendMessageBatchRequestEntry::builder()
                            .id(i.to_string())
                            .message_body(body)
                            .build()
                            .map_err(|e| FanOutError::BadItem(e.to_string()))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let sent = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.queue_url)
                    .set_entries(Some(entries))
                    .send()
                    .await;
                match sent {
                    Ok(sent) => {
                        for failed in sent.failed() {
                            let item = failed.id().parse::<usize>().ok().and_then(|i| batch.get(i));
                            if let Some(item) = item {
                                unsent.push((
                                    item.id(),
                                    format!(
                                        "{}: {}",
                                        failed.code(),
                                        failed.message().unwrap_or_default()
                                    ),
                                ));
                            }
                        }
                    }
                    // The whole batch was refused: its items are unsent, the others go on.
                    Err(e) => {
                        let why = call_failed("sqs", "SendMessageBatch")(e).to_string();
                        unsent.extend(batch.iter().map(|item| (item.id(), why.clone())));
                    }
                }
            }
            Ok(unsent)
        })
    }
}

/// Run records in a DynamoDB table keyed by `pk` and `sk` (the findings ledger shares it).
pub struct DynamoRunLedger {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// One settlement at a time from this process. DynamoDB's `ADD` is atomic, so this costs a
    /// batch a few milliseconds and changes nothing against AWS; it keeps a store whose updates
    /// are not atomic under concurrency (moto's threaded server) from losing a settlement, and
    /// with it the run's fan-in.
    settling: tokio::sync::Mutex<()>,
}

impl DynamoRunLedger {
    /// The records in `table`.
    pub fn new(config: &SdkConfig, table: impl Into<String>) -> Self {
        DynamoRunLedger {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.into(),
            settling: tokio::sync::Mutex::new(()),
        }
    }
}

/// The record's key: `pk = run#<id>`, `sk = run`.
pub fn run_key(run_id: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_string(), s(format!("run#{run_id}"))),
        ("sk".to_string(), s("run")),
    ])
}

/// The key of the item listing the runs whose fan-in was claimed and not yet published.
pub fn pending_key() -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_string(), s("runs#pending-fan-in")),
        ("sk".to_string(), s("runs")),
    ])
}

/// A new run's item: its key, what it does, its items, an empty `failed` map and its expiry.
pub fn record_item(record: &RunRecord, now_secs: u64) -> HashMap<String, AttributeValue> {
    let mut item = run_key(&record.run_id);
    let request = json!({
        "scan": record.scan,
        "compare": record.compare,
        "states": record.states,
        "unmanaged_only": record.unmanaged_only,
        "attribution": record.attribution,
    });
    item.insert("run_id".into(), s(&record.run_id));
    item.insert("trigger".into(), s(&record.trigger));
    item.insert("request".into(), s(request.to_string()));
    // A string set cannot be empty: a run without items has no attribute.
    if !record.items.is_empty() {
        item.insert(
            "items".into(),
            AttributeValue::Ss(record.items.iter().cloned().collect()),
        );
    }
    item.insert("failed".into(), AttributeValue::M(HashMap::new()));
    item.insert("created_at".into(), AttributeValue::N(now_secs.to_string()));
    item.insert(
        "expires_at".into(),
        AttributeValue::N((now_secs + RUN_RECORD_TTL_SECS).to_string()),
    );
    item
}

/// Reads a run's item back.
pub fn record_from_item(item: &HashMap<String, AttributeValue>) -> Result<RunRecord, FanOutError> {
    let bad = |what: &str| FanOutError::BadItem(format!("run record: {what}"));
    let text = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .ok_or_else(|| bad(&format!("no `{name}`")))
    };
    let set = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_ss().ok())
            .map(|values| values.iter().cloned().collect())
            .unwrap_or_default()
    };
    #[derive(serde::Deserialize)]
    struct Request {
        scan: Vec<String>,
        compare: Vec<Vec<String>>,
        #[serde(default)]
        states: BTreeMap<String, Vec<crate::iac::Source>>,
        #[serde(default)]
        unmanaged_only: bool,
        #[serde(default)]
        attribution: crate::run::AttributionRequest,
    }
    let request: Request =
        serde_json::from_str(&text("request")?).map_err(|e| bad(&format!("request: {e}")))?;
    let failed: BTreeMap<String, String> = item
        .get("failed")
        .and_then(|v| v.as_m().ok())
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                .collect()
        })
        .unwrap_or_default();
    Ok(RunRecord {
        run_id: text("run_id")?,
        trigger: text("trigger")?,
        scan: request.scan,
        compare: request.compare,
        items: set("items"),
        settled: set("settled"),
        failed,
        published: item.contains_key("published_at"),
        states: request.states,
        unmanaged_only: request.unmanaged_only,
        attribution: request.attribution,
    })
}

impl RunLedger for DynamoRunLedger {
    fn create<'a>(&'a self, record: &'a RunRecord) -> BoxFuture<'a, Result<(), FanOutError>> {
        Box::pin(async move {
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(record_item(record, now_secs())))
                .condition_expression("attribute_not_exists(pk)")
                .send()
                .await
                .map_err(call_failed("dynamodb", "PutItem"))?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<Option<RunRecord>, FanOutError>> {
        Box::pin(async move {
            let found = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(run_key(run_id)))
                .consistent_read(true)
                .send()
                .await
                .map_err(call_failed("dynamodb", "GetItem"))?;
            found.item().map(record_from_item).transpose()
        })
    }

    fn settle<'a>(
        &'a self,
        run_id: &'a str,
        item_id: &'a str,
        failure: Option<&'a str>,
    ) -> BoxFuture<'a, Result<RunRecord, FanOutError>> {
        Box::pin(async move {
            let _one_at_a_time = self.settling.lock().await;
            let mut update = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(run_key(run_id)))
                .condition_expression("attribute_exists(pk) AND contains(#items, :id)")
                .expression_attribute_names("#items", "items")
                .expression_attribute_values(":id", s(item_id))
                .expression_attribute_values(":ids", AttributeValue::Ss(vec![item_id.into()]))
                .return_values(ReturnValue::AllNew);
            update = match failure {
                None => update.update_expression("ADD settled :ids"),
                Some(why) => update
                    .update_expression("ADD settled :ids SET failed.#item = :why")
                    .expression_attribute_names("#item", item_id)
                    .expression_attribute_values(":why", s(why)),
            };
            let updated = update.send().await.map_err(|e| {
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception())
                {
                    FanOutError::UnknownItem(format!("{item_id} is not an item of run {run_id}"))
                } else {
                    call_failed("dynamodb", "UpdateItem")(e)
                }
            })?;
            let attributes = updated
                .attributes()
                .ok_or_else(|| FanOutError::BadItem("UpdateItem answered no attributes".into()))?;
            record_from_item(attributes)
        })
    }

    fn claim_fan_in<'a>(
        &'a self,
        run_id: &'a str,
        lease_secs: u64,
    ) -> BoxFuture<'a, Result<bool, FanOutError>> {
        Box::pin(async move {
            // Listed first: a claim whose holder dies right after is still found by the sweep.
            self.pending_set("ADD runs :ids", run_id).await?;
            let now = now_secs();
            let claimed = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(run_key(run_id)))
                .update_expression("SET fanned_in_at = :now")
                .condition_expression(
                    "attribute_exists(pk) AND attribute_not_exists(published_at) AND \
                     (attribute_not_exists(fanned_in_at) OR fanned_in_at <= :expired)",
                )
                .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
                .expression_attribute_values(
                    ":expired",
                    AttributeValue::N(now.saturating_sub(lease_secs).to_string()),
                )
                .send()
                .await;
            conditional(claimed, "UpdateItem")
        })
    }

    fn mark_published<'a>(&'a self, run_id: &'a str) -> BoxFuture<'a, Result<bool, FanOutError>> {
        Box::pin(async move {
            let marked = self
                .client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(run_key(run_id)))
                .update_expression("SET published_at = :now")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(published_at)")
                .expression_attribute_values(":now", AttributeValue::N(now_secs().to_string()))
                .send()
                .await;
            let marked = conditional(marked, "UpdateItem")?;
            self.pending_set("DELETE runs :ids", run_id).await?;
            Ok(marked)
        })
    }

    fn pending<'a>(&'a self) -> BoxFuture<'a, Result<Vec<String>, FanOutError>> {
        Box::pin(async move {
            let found = self
                .client
                .get_item()
                .table_name(&self.table)
                .set_key(Some(pending_key()))
                .consistent_read(true)
                .send()
                .await
                .map_err(call_failed("dynamodb", "GetItem"))?;
            Ok(found
                .item()
                .and_then(|item| item.get("runs"))
                .and_then(|runs| runs.as_ss().ok())
                .cloned()
                .unwrap_or_default())
        })
    }
}

impl DynamoRunLedger {
    /// Adds `run_id` to, or deletes it from, the pending runs (`ADD runs :ids`, `DELETE ...`).
    async fn pending_set(&self, expression: &str, run_id: &str) -> Result<(), FanOutError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(pending_key()))
            .update_expression(expression)
            .expression_attribute_values(":ids", AttributeValue::Ss(vec![run_id.into()]))
            .send()
            .await
            .map_err(call_failed("dynamodb", "UpdateItem"))?;
        Ok(())
    }
}

/// A conditional update's answer: `true` when it applied, `false` when its condition failed.
fn conditional<T, R>(
    result: Result<T, SdkError<aws_sdk_dynamodb::operation::update_item::UpdateItemError, R>>,
    operation: &'static str,
) -> Result<bool, FanOutError>
where
    R: std::fmt::Debug + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(call_failed("dynamodb", operation)(e)),
    }
}

/// Snapshots kept in an S3 bucket, gzip-compressed.
pub struct S3SnapshotStore {
    config: SdkConfig,
    bucket: String,
}

impl S3SnapshotStore {
    /// The snapshots in `bucket`.
    pub fn new(config: &SdkConfig, bucket: impl Into<String>) -> Self {
        S3SnapshotStore {
            config: config.clone(),
            bucket: bucket.into(),
        }
    }
}

/// An S3 failure as the engine reports it.
fn s3_failed(operation: &'static str, error: crate::aws::ObjectError) -> FanOutError {
    let code = match &error.problem {
        crate::aws::ObjectProblem::Call { code, .. } => code.clone(),
        _ => String::new(),
    };
    FanOutError::Call {
        service: "s3",
        operation,
        code,
        message: error.to_string(),
    }
}

impl SnapshotStore for S3SnapshotStore {
    fn put<'a>(
        &'a self,
        key: &'a str,
        snapshot: &'a Snapshot,
    ) -> BoxFuture<'a, Result<(), FanOutError>> {
        Box::pin(async move {
            let json = serde_json::to_string(snapshot).expect("a snapshot serializes");
            crate::aws::put_snapshot_object(&self.config, &self.bucket, key, &json)
                .await
                .map_err(|e| s3_failed("PutObject", e))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<Snapshot, FanOutError>> {
        Box::pin(async move {
            let text = crate::aws::get_snapshot_object(&self.config, &self.bucket, key)
                .await
                .map_err(|e| s3_failed("GetObject", e))?;
            Snapshot::from_json(&text)
                .map_err(|e| FanOutError::BadItem(format!("s3://{}/{key}: {e}", self.bucket)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_within_ten_messages_and_256_kib() {
        let small = |n: usize| vec!["x".repeat(300); n];
        let sizes = |bodies: &[String]| -> Vec<usize> {
            sqs_batches(bodies).into_iter().map(|r| r.len()).collect()
        };
        assert_eq!(sizes(&small(23)), [10, 10, 3]);
        assert_eq!(sizes(&small(10)), [10]);
        assert!(sqs_batches(&[]).is_empty());
        // Three bodies of 100 KiB: two fit in 256 KiB, the third starts a batch.
        let large = vec!["y".repeat(100 * 1024); 3];
        assert_eq!(sizes(&large), [2, 1]);
        // Exactly at the limit still fits; one byte over does not.
        let half = vec!["z".repeat(SQS_BATCH_BYTES / 2); 2];
        assert_eq!(sizes(&half), [2]);
        let mut over = half.clone();
        over[1].push('z');
        assert_eq!(sizes(&over), [1, 1]);
        // A body over the limit on its own goes alone (and is refused by SQS as unsent).
        let huge = vec!["s".into(), "h".repeat(SQS_BATCH_BYTES + 1), "s".into()];
        assert_eq!(sizes(&huge), [1, 1, 1]);
        // Every body is in exactly one batch, in order.
        let mixed: Vec<String> = (0..37)
            .map(|i| "m".repeat(1 + (i * 7919) % 60_000))
            .collect();
        let covered: Vec<usize> = sqs_batches(&mixed).into_iter().flatten().collect();
        assert_eq!(covered, (0..37).collect::<Vec<_>>());
        for range in sqs_batches(&mixed) {
            let bytes: usize = mixed[range.clone()].iter().map(String::len).sum();
            assert!(
                range.len() <= SQS_BATCH && bytes <= SQS_BATCH_BYTES,
                "{range:?}"
            );
        }
    }
}

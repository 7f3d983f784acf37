//! The work queue and its dead-letter queue (both encrypted with SQS-managed keys), and their
//! event source mappings to the function (partial batch responses on).

use std::collections::BTreeMap;

use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{json, Value};

use aws_sdk_lambda::types::{FunctionResponseType, ScalingConfig};

use super::{Clients, ScannerSpec, DEAD_LETTER_CONCURRENCY};
use crate::{call_error, Action, InfraError, Recorder};

/// Seconds the dead-letter queue keeps a message: 14 days, SQS's most.
pub const DEAD_LETTER_RETENTION_SECS: i32 = 1_209_600;
/// Seconds the work queue keeps an item: a day (a run every 15 minutes makes older items moot).
pub const WORK_RETENTION_SECS: i32 = 86_400;
/// Work items per invocation of the function.
pub const BATCH_SIZE: i32 = 10;

/// The attributes each queue must have, by name.
pub fn queue_attributes(spec: &ScannerSpec) -> [(String, BTreeMap<QueueAttributeName, String>); 2] {
    let dead_letter = BTreeMap::from([
        (QueueAttributeName::SqsManagedSseEnabled, "true".to_string()),
        (
            QueueAttributeName::MessageRetentionPeriod,
            DEAD_LETTER_RETENTION_SECS.to_string(),
        ),
    ]);
    let redrive = json!({
        "deadLetterTargetArn": spec.queue_arn(&spec.dead_letter_queue()),
        "maxReceiveCount": spec.max_receive_count,
    });
    let work = BTreeMap::from([
        (QueueAttributeName::SqsManagedSseEnabled, "true".to_string()),
        (
            QueueAttributeName::MessageRetentionPeriod,
            WORK_RETENTION_SECS.to_string(),
        ),
        (
            QueueAttributeName::VisibilityTimeout,
            spec.visibility_timeout_secs().to_string(),
        ),
        (QueueAttributeName::RedrivePolicy, redrive.to_string()),
    ]);
    [
        (spec.dead_letter_queue(), dead_letter),
        (spec.queue.clone(), work),
    ]
}

/// Whether a live attribute value is the wanted one (the redrive policy compared as JSON: SQS
/// may answer its numbers as strings).
fn same(name: &QueueAttributeName, live: Option<&String>, wanted: &str) -> bool {
    match (name, live) {
        (QueueAttributeName::RedrivePolicy, Some(live)) => {
            let parse = |text: &str| -> Option<(String, String)> {
                let v: Value = serde_json::from_str(text).ok()?;
                let count = match &v["maxReceiveCount"] {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                Some((v["deadLetterTargetArn"].as_str()?.to_string(), count))
            };
            parse(live).is_some() && parse(live) == parse(wanted)
        }
        (_, Some(live)) => live == wanted,
        (_, None) => false,
    }
}

/// The URL of `queue`, if it exists.
pub(super) async fn find_queue(c: &Clients, queue: &str) -> Result<Option<String>, InfraError> {
    match c.sqs.get_queue_url().queue_name(queue).send().await {
        Ok(found) => Ok(found.queue_url),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_queue_does_not_exist()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("GetQueueUrl", queue)(e)),
    }
}

/// Both queues, dead-letter queue first (the work queue's redrive names it).
pub(super) async fn queues(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    for (queue, wanted) in queue_attributes(spec) {
        let Some(url) = find_queue(c, &queue).await? else {
            rec.change(
                Action::Create,
                format!("sqs-queue {queue}"),
                "SSE-SQS",
                async {
                    c.sqs
                        .create_queue()
                        .queue_name(&queue)
                        .set_attributes(Some(wanted.clone().into_iter().collect()))
                        .tags("ManagedBy", "driftscan")
                        .send()
                        .await
                        .map_err(call_error("CreateQueue", &queue))?;
                    Ok(())
                },
            )
            .await?;
            continue;
        };
        let live = c
            .sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::All)
            .send()
            .await
            .map_err(call_error("GetQueueAttributes", &queue))?;
        let live = live.attributes().cloned().unwrap_or_default();
        let differing: BTreeMap<QueueAttributeName, String> = wanted
            .into_iter()
            .filter(|(name, value)| !same(name, live.get(name), value))
            .collect();
        if differing.is_empty() {
            continue;
        }
        let names: Vec<&str> = differing.keys().map(QueueAttributeName::as_str).collect();
        rec.change(
            Action::Update,
            format!("sqs-queue {queue}"),
            names.join(", "),
            async {
                c.sqs
                    .set_queue_attributes()
                    .queue_url(&url)
                    .set_attributes(Some(differing.clone().into_iter().collect()))
                    .send()
                    .await
                    .map_err(call_error("SetQueueAttributes", &queue))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// An event source mapped to the function.
pub(super) struct Mapping {
    /// The queue's ARN.
    pub(super) source: String,
    /// The mapping's id.
    pub(super) uuid: String,
    /// Its maximum concurrency, when one is set.
    pub(super) maximum_concurrency: Option<i32>,
}

/// The event sources mapped to the function.
pub(super) async fn mappings(c: &Clients, spec: &ScannerSpec) -> Result<Vec<Mapping>, InfraError> {
    let mut found = Vec::new();
    let mut pages = c
        .lambda
        .list_event_source_mappings()
        .function_name(&spec.function)
        .into_paginator()
        .items()
        .send();
    while let Some(mapping) = pages.next().await {
        match mapping {
            Ok(mapping) => found.push(Mapping {
                source: mapping.event_source_arn().unwrap_or_default().to_string(),
                uuid: mapping.uuid().unwrap_or_default().to_string(),
                maximum_concurrency: mapping
                    .scaling_config()
                    .and_then(|s| s.maximum_concurrency()),
            }),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                break
            }
            Err(e) => return Err(call_error("ListEventSourceMappings", &spec.function)(e)),
        }
    }
    Ok(found)
}

/// Each queue mapped to the function, with partial batch responses and a maximum concurrency:
/// the spec's for the work queue, [`DEAD_LETTER_CONCURRENCY`] for the dead-letter queue.
pub(super) async fn event_source_mappings(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let existing = mappings(c, spec).await?;
    let queues = [
        (spec.queue.clone(), spec.concurrency),
        (spec.dead_letter_queue(), DEAD_LETTER_CONCURRENCY),
    ];
    for (queue, concurrency) in queues {
        let arn = spec.queue_arn(&queue);
        match existing.iter().find(|m| m.source == arn) {
            Some(mapping) if mapping.maximum_concurrency == Some(concurrency) => {}
            Some(mapping) => {
                rescale(
                    c,
                    rec,
                    (&queue, &mapping.uuid),
                    mapping.maximum_concurrency,
                    concurrency,
                )
                .await?
            }
            None => map_queue(c, spec, rec, (&queue, &arn), concurrency).await?,
        }
    }
    Ok(())
}

fn scaling(concurrency: i32) -> ScalingConfig {
    ScalingConfig::builder()
        .maximum_concurrency(concurrency)
        .build()
}

async fn map_queue(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
    (queue, arn): (&str, &str),
    concurrency: i32,
) -> Result<(), InfraError> {
    let detail = format!(
        "to {}, {BATCH_SIZE} per batch, at most {concurrency} at once, partial batch responses",
        spec.function
    );
    let create = async {
        c.lambda
            .create_event_source_mapping()
            .function_name(&spec.function)
            .event_source_arn(arn)
            .batch_size(BATCH_SIZE)
            .scaling_config(scaling(concurrency))
            .function_response_types(FunctionResponseType::ReportBatchItemFailures)
            .send()
            .await
            .map_err(call_error("CreateEventSourceMapping", queue))?;
        Ok(())
    };
    let resource = format!("lambda-event-source-mapping {queue}");
    rec.change(Action::Create, resource, detail, create).await?;
    Ok(())
}

async fn rescale(
    c: &Clients,
    rec: &Recorder,
    (queue, uuid): (&str, &str),
    live: Option<i32>,
    concurrency: i32,
) -> Result<(), InfraError> {
    let live = live.map_or("unbounded".to_string(), |n| n.to_string());
    let detail = format!("at most {live} -> {concurrency} at once");
    let update = async {
        c.lambda
            .update_event_source_mapping()
            .uuid(uuid)
            .scaling_config(scaling(concurrency))
            .send()
            .await
            .map_err(call_error("UpdateEventSourceMapping", queue))?;
        Ok(())
    };
    let resource = format!("lambda-event-source-mapping {queue}");
    rec.change(Action::Update, resource, detail, update).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_dead_lettered_after_their_receives_and_stay_hidden_while_worked() {
        let spec = ScannerSpec::reference("us-east-1", "123456789012", "bootstrap.zip".into());
        let [(dead_letter, dl), (work, w)] = queue_attributes(&spec);
        assert_eq!(dead_letter, "driftscan-work-dlq");
        assert_eq!(work, "driftscan-work");
        for attributes in [&dl, &w] {
            assert_eq!(
                attributes[&QueueAttributeName::SqsManagedSseEnabled],
                "true"
            );
        }
        assert_eq!(
            w[&QueueAttributeName::VisibilityTimeout],
            "1800",
            "6 x 300 s"
        );
        let redrive: Value = serde_json::from_str(&w[&QueueAttributeName::RedrivePolicy]).unwrap();
        assert_eq!(
            redrive,
            json!({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:driftscan-work-dlq", "maxReceiveCount": 3})
        );
        // SQS answers the count as a string: still the same policy.
        let answered = r#"{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:123456789012:driftscan-work-dlq","maxReceiveCount":"3"}"#.to_string();
        assert!(same(
            &QueueAttributeName::RedrivePolicy,
            Some(&answered),
            &w[&QueueAttributeName::RedrivePolicy]
        ));
        assert!(!same(
            &QueueAttributeName::RedrivePolicy,
            Some(&"{}".into()),
            "{}"
        ));
    }
}

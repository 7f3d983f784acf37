//! A run fanned out over the organization on AWS's engine: the real `driftscan-lambda` binary
//! coordinates a scheduled run (work items to an SQS queue), then works the items the queue
//! delivers as SQS events through the local Runtime API, the way an event source mapping would:
//! failed messages (`batchItemFailures`) are delivered again and, past the redrive policy's
//! receive count, dead-lettered by the queue; the dead letters are delivered from the
//! dead-letter queue. The last settled item fans the run in: one alert for the whole run.

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::{MessageSystemAttributeName, QueueAttributeName};
use scanner::model::Report;
use serde_json::{json, Value};

use crate::fault_proxy::{Calls, Fault, FaultProxy, Rule};
use crate::organization::{config_file, organization};
use crate::runtime_api::{Answer, RuntimeApi};
use crate::support::{block_on, shipped_baselines, AlertInbox, Moto};

const RUN_BUCKET: &str = "driftscan-runs-test";
const TABLE: &str = "driftscan";

struct Queues {
    work_url: String,
    work_arn: String,
    dead_url: String,
    dead_arn: String,
}

/// The engine's pieces in the management account: both queues (2 receives, then dead
/// letters; items invisible for a second while worked), the run bucket and the table.
async fn engine(config: &aws_config::SdkConfig) -> Queues {
    let sqs = aws_sdk_sqs::Client::new(config);
    let arn = |url: String| {
        let sqs = sqs.clone();
        async move {
            let attributes = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
                .await
                .unwrap();
            let arn = attributes.attributes().unwrap()[&QueueAttributeName::QueueArn].clone();
            (url, arn)
        }
    };
    let dead = sqs
        .create_queue()
        .queue_name("driftscan-work-dlq")
        .send()
        .await
        .unwrap();
    let (dead_url, dead_arn) = arn(dead.queue_url().unwrap().to_string()).await;
    let redrive = json!({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2}).to_string();
    let work = sqs
        .create_queue()
        .queue_name("driftscan-work")
        .attributes(QueueAttributeName::RedrivePolicy, redrive)
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .send()
        .await
        .unwrap();
    let (work_url, work_arn) = arn(work.queue_url().unwrap().to_string()).await;
    scanner::collect::s3::client(config)
        .create_bucket()
        .bucket(RUN_BUCKET)
        .send()
        .await
        .unwrap();
    create_table(config).await;
    Queues {
        work_url,
        work_arn,
        dead_url,
        dead_arn,
    }
}

async fn create_table(config: &aws_config::SdkConfig) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    let string = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    aws_sdk_dynamodb::Client::new(config)
        .create_table()
        .table_name(TABLE)
        .key_schema(key("pk", KeyType::Hash))
        .key_schema(key("sk", KeyType::Range))
        .attribute_definitions(string("pk"))
        .attribute_definitions(string("sk"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
}

struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Receives what `queue` holds and hands it to the function in SQS events of up to 10, deleting
/// what the function did not name as failed (as an event source mapping does), until the queue
/// stays empty past its visibility timeout. Answers the function's responses.
fn deliver(api: &mut RuntimeApi, sqs: &aws_sdk_sqs::Client, url: &str, arn: &str) -> Vec<Value> {
    let mut answers = Vec::new();
    let mut idle_since = Instant::now();
    while idle_since.elapsed() < Duration::from_secs(3) {
        let received = block_on(
            sqs.receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send(),
        )
        .unwrap();
        let messages = received.messages();
        if messages.is_empty() {
            std::thread::sleep(Duration::from_millis(300));
            continue;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                let count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .cloned()
                    .unwrap_or_else(|| "1".into());
                json!({
                    "messageId": m.message_id().unwrap(),
                    "receiptHandle": m.receipt_handle().unwrap(),
                    "body": m.body().unwrap(),
                    "attributes": {"ApproximateReceiveCount": count},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": arn,
                    "awsRegion": "us-east-1"
                })
            })
            .collect();
        let answer = match api.invoke(&json!({"Records": records}), Duration::from_secs(120)) {
            Answer::Response(value) => value,
            Answer::Error(error) => panic!("the function failed: {error}"),
        };
        let failed: Vec<&str> = answer["batchItemFailures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["itemIdentifier"].as_str().unwrap())
            .collect();
        for message in messages {
            if !failed.contains(&message.message_id().unwrap()) {
                block_on(
                    sqs.delete_message()
                        .queue_url(url)
                        .receipt_handle(message.receipt_handle().unwrap())
                        .send(),
                )
                .unwrap();
            }
        }
        answers.push(answer);
        idle_since = Instant::now();
    }
    answers
}

/// The ids an answer lists under `field`.
fn listed(answers: &[Value], field: &str) -> Vec<String> {
    let mut ids: Vec<String> = answers
        .iter()
        .flat_map(|a| a[field].as_array().cloned().unwrap_or_default())
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn the_organization_fanned_out_through_sqs_reports_like_scan_all_with_one_alert_per_run() {
    let moto = Moto::start();
    let org = organization(&moto);
    let previews: &'static str = Box::leak(org.accounts[3].clone().into_boxed_str());
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![
            // The previews account has no driftscan role: its environment is incomplete alone.
            Rule {
                service: "sts",
                operation: Some("AssumeRole"),
                region: None,
                fault: Fault::AccessDenied,
                calls: Calls::All,
                body_contains: Some(previews),
            },
            // A poison item: staging's us-east-2 snapshot can never be kept.
            Rule {
                service: "s3",
                operation: None,
                region: None,
                fault: Fault::AccessDenied,
                calls: Calls::All,
                body_contains: Some("/staging/us-east-2/"),
            },
        ],
    );
    let management = block_on(moto.sdk_config("us-east-1"));
    let queues = block_on(engine(&management));
    let inbox = block_on(AlertInbox::create(&management));
    let config = config_file(&moto);

    // As users run it: the same organization in one process.
    let output = crate::support::driftscan_command(&proxy.endpoint)
        .current_dir(moto.dir.path())
        .args(["scan", "--all", "--format", "json", "--config"])
        .arg(&config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .expect("driftscan runs");
    let run: Value = serde_json::from_slice(&output.stdout).expect("a run document");
    let scanned: Vec<Report> = serde_json::from_value(run["reports"].clone()).unwrap();
    let scanned: BTreeMap<&str, &Report> = scanned
        .iter()
        .map(|r| (r.environment.as_str(), r))
        .collect();

    let mut api = RuntimeApi::start();
    let mut env = crate::lambda::function_env(&api, &moto, "http://127.0.0.1:9", &inbox.topic_arn);
    env.retain(|(k, _)| !["DRIFTSCAN_REPORT_BUCKET", "DRIFTSCAN_COMPARE"].contains(&k.as_str()));
    env.extend(
        [
            ("AWS_ENDPOINT_URL", proxy.endpoint.clone()),
            ("DRIFTSCAN_CONFIG", config.display().to_string()),
            ("DRIFTSCAN_SCAN", "dev,pr-9,prod,staging".into()),
            ("DRIFTSCAN_METRICS", "emf".into()),
            ("DRIFTSCAN_WORK_QUEUE_URL", queues.work_url.clone()),
            ("DRIFTSCAN_DEAD_LETTER_QUEUE_ARN", queues.dead_arn.clone()),
            ("DRIFTSCAN_RUN_BUCKET", RUN_BUCKET.into()),
            ("DRIFTSCAN_TABLE", TABLE.into()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    let log = moto.dir.path().join("fan-out.log");
    let _function = Function(
        Command::new(crate::lambda::lambda_binary())
            .current_dir(moto.dir.path())
            .env_clear()
            .envs(env)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
            .spawn()
            .expect("driftscan-lambda starts"),
    );

    // The schedule coordinates: one item per environment and region, nothing scanned yet.
    let scheduled = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let coordinated = match api.invoke(&scheduled, Duration::from_secs(60)) {
        Answer::Response(value) => value,
        Answer::Error(error) => panic!("coordination failed: {error}"),
    };
    let run_id = coordinated["coordinated"]["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(coordinated["coordinated"]["items"], 8, "{coordinated}");
    assert_eq!(coordinated["coordinated"]["unsent"], json!([]));
    assert!(coordinated["published"].is_null(), "nothing published yet");

    let sqs = aws_sdk_sqs::Client::new(&management);
    let worked = deliver(&mut api, &sqs, &queues.work_url, &queues.work_arn);
    let done = listed(&worked, "worked");
    assert_eq!(done.len(), 7, "every item but the poison one: {done:?}");
    assert!(!done.contains(&"staging/us-east-2".to_string()));
    assert!(
        worked.iter().all(|a| a["fanned_in"] == json!([])),
        "the run waits for its last item"
    );
    assert_eq!(
        block_on(inbox.drain()).0.len(),
        0,
        "no alert before the run is complete"
    );
    // Seven snapshots kept, compressed, under the run.
    let objects = block_on(
        scanner::collect::s3::client(&management)
            .list_objects_v2()
            .bucket(RUN_BUCKET)
            .prefix(format!("runs/{run_id}/"))
            .send(),
    )
    .unwrap();
    let keys: Vec<&str> = objects.contents().iter().filter_map(|o| o.key()).collect();
    assert_eq!(keys.len(), 7, "{keys:?}");
    assert!(keys
        .iter()
        .all(|k| k.ends_with("/snapshot.json.gz") && k.starts_with("runs/")));

    // The poison item was delivered twice, then dead-lettered by the queue; its dead letter
    // settles it as failed, which completes the run: one fan-in, one alert.
    let dead = deliver(&mut api, &sqs, &queues.dead_url, &queues.dead_arn);
    assert_eq!(listed(&dead, "dead_lettered"), ["staging/us-east-2"]);
    let fanned_in: Vec<&Value> = dead
        .iter()
        .flat_map(|a| a["fanned_in"].as_array().unwrap())
        .collect();
    assert_eq!(fanned_in.len(), 1, "{dead:#?}");
    assert_eq!(fanned_in[0]["run_id"], run_id.as_str());
    let (alerts, _) = block_on(inbox.drain());
    assert_eq!(alerts.len(), 1, "one alert for the whole run");

    // The same reports as `scan --all`, but for the region that could not be kept.
    let reports: BTreeMap<&str, &Value> = fanned_in[0]["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["environment"].as_str().unwrap(), r))
        .collect();
    assert_eq!(
        reports.keys().copied().collect::<Vec<_>>(),
        ["dev", "pr-9", "prod", "staging"]
    );
    for env in ["dev", "prod", "pr-9"] {
        let (fanned, live) = (reports[env], scanned[env]);
        assert_eq!(fanned["complete"], live.complete, "{env}");
        assert_eq!(fanned["findings"], live.counts.total, "{env}");
        assert_eq!(fanned["resources"], live.counts.resources, "{env}");
        assert_eq!(fanned["regions"], json!(live.regions), "{env}");
    }
    assert_eq!(
        reports["pr-9"]["complete"], false,
        "its role cannot be assumed"
    );
    let staging = reports["staging"];
    assert_eq!(
        staging["complete"], false,
        "never clean with a region unread"
    );
    let failures = staging["failures"].as_array().unwrap();
    assert!(!failures.is_empty());
    assert!(failures.iter().all(|f| {
        let f = f.as_str().unwrap();
        f.contains("us-east-2") && f.contains("WorkItemFailed") && f.contains("dead-lettered")
    }));
    let alert = &alerts[0];
    let incomplete: Vec<&str> = alert["reports"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["complete"] == false)
        .map(|r| r["environment"].as_str().unwrap())
        .collect();
    assert_eq!(incomplete, ["pr-9", "staging"], "{alert:#}");

    // A duplicate delivery of a worked item changes nothing and alerts nothing.
    let body = scanner::fanout::WorkItem {
        schema: scanner::fanout::WORK_ITEM_SCHEMA.into(),
        run_id: run_id.clone(),
        environment: "dev".into(),
        region: "us-east-1".into(),
        account: Some(org.accounts[0].clone()),
        role_arn: Some(format!(
            "arn:aws:iam::{}:role/driftscan-readonly",
            org.accounts[0]
        )),
        external_id: None,
    }
    .to_json();
    block_on(
        sqs.send_message()
            .queue_url(&queues.work_url)
            .message_body(body)
            .send(),
    )
    .unwrap();
    // And a message that is no work item at all is failed until it is dead-lettered, where it
    // is dropped (logged).
    block_on(
        sqs.send_message()
            .queue_url(&queues.work_url)
            .message_body("{\"scan\": [\"prod\"]}")
            .send(),
    )
    .unwrap();
    let again = deliver(&mut api, &sqs, &queues.work_url, &queues.work_arn);
    assert_eq!(listed(&again, "duplicates"), ["dev/us-east-1"]);
    assert!(listed(&again, "worked").is_empty());
    let dropped = deliver(&mut api, &sqs, &queues.dead_url, &queues.dead_arn);
    assert!(dropped
        .iter()
        .all(|a| a["batchItemFailures"] == json!([]) && a["dead_lettered"] == json!([])));
    assert_eq!(block_on(inbox.drain()).0.len(), 0, "nothing new to say");
}

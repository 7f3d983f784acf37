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
pub const TABLE: &str = "driftscan";

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
    scanner::aws::s3_client(config)
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

pub async fn create_table(config: &aws_config::SdkConfig) {
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

/// The real function with the fan-out's settings, every call through `endpoint`: scanning
/// `scan` of the organization's `config`, alerting to `topic_arn`, with `extra` variables.
fn fan_out_function(
    moto: &Moto,
    endpoint: &str,
    queues: &Queues,
    topic_arn: &str,
    config: &std::path::Path,
    scan: &str,
    extra: &[(&str, &str)],
) -> (RuntimeApi, Function) {
    let api = RuntimeApi::start();
    let mut env = crate::lambda::function_env(&api, moto, "http://127.0.0.1:9", topic_arn);
    env.retain(|(k, _)| !["DRIFTSCAN_REPORT_BUCKET", "DRIFTSCAN_COMPARE"].contains(&k.as_str()));
    env.extend(
        [
            ("AWS_ENDPOINT_URL", endpoint.to_string()),
            ("DRIFTSCAN_CONFIG", config.display().to_string()),
            ("DRIFTSCAN_SCAN", scan.to_string()),
            ("DRIFTSCAN_METRICS", "emf".into()),
            ("DRIFTSCAN_WORK_QUEUE_URL", queues.work_url.clone()),
            ("DRIFTSCAN_DEAD_LETTER_QUEUE_ARN", queues.dead_arn.clone()),
            ("DRIFTSCAN_RUN_BUCKET", RUN_BUCKET.into()),
            ("DRIFTSCAN_TABLE", TABLE.into()),
        ]
        .into_iter()
        .chain(extra.iter().map(|(k, v)| (*k, v.to_string())))
        .map(|(k, v)| (k.to_string(), v)),
    );
    let log = moto.dir.path().join("fan-out.log");
    let function = Function(
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
    (api, function)
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

    let (mut api, _function) = fan_out_function(
        &moto,
        &proxy.endpoint,
        &queues,
        &inbox.topic_arn,
        &config,
        "dev,pr-9,prod,staging",
        &[],
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
        scanner::aws::s3_client(&management)
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
        // The region's item read the global services too, for what that region uses.
        (f.contains("us-east-2") || f.contains("global"))
            && f.contains("WorkItemFailed")
            && f.contains("dead-lettered")
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

/// Workers that fan in at the same time publish through the findings ledger: each holds the
/// report's lease from load to save, so one alerts and the other, loading after it, has nothing
/// new. The ledger keeps each finding's first sighting (drift age), and a state kept in SSM
/// before the ledger existed is carried over instead of alerting again.
#[test]
fn two_workers_publishing_the_same_report_at_once_alert_once() {
    use scanner::config::{MetricsMode, PublishSettings};
    use scanner::publish::aws::{SnsAlerts, SsmAlertState};
    use scanner::publish::ledger::DynamoAlertLedger;
    use scanner::publish::{AlertStateStore, Publisher};

    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    block_on(create_table(&config));
    let inbox = block_on(AlertInbox::create(&config));
    let baseline =
        scanner::baseline::Baseline::load(&shipped_baselines(), "staging").expect("baseline");
    let report = |resources: usize| {
        let snapshot = scanner::synthetic::estate("staging", resources);
        scanner::run::scan_report(&snapshot, &baseline, Instant::now()).expect("report")
    };
    let reports = vec![report(40)];
    let findings = reports[0].findings.len();
    assert!(findings > 10, "{findings}");
    let settings = PublishSettings {
        topic_arn: Some(inbox.topic_arn.clone()),
        metrics: MetricsMode::Emf,
        min_severity: scanner::model::Severity::Info,
        ledger_table: Some(TABLE.into()),
        ..Default::default()
    };

    // What SSM remembered before the ledger: one finding already alerted.
    let ssm = SsmAlertState::new(&config, "/driftscan/alert-state");
    let mut before = scanner::alert::ReportState::default();
    let old = scanner::alert::Remembered::of(&reports[0].findings[0]);
    before.findings.insert(old.fingerprint.clone(), old);
    block_on(ssm.save("scan/staging", &before)).unwrap();

    let sns = SnsAlerts::new(&config, &inbox.topic_arn);
    let first = DynamoAlertLedger::new(
        &config,
        TABLE,
        Some(SsmAlertState::new(&config, "/driftscan/alert-state")),
    );
    let second = DynamoAlertLedger::new(
        &config,
        TABLE,
        Some(SsmAlertState::new(&config, "/driftscan/alert-state")),
    );
    fn publisher<'a>(
        sns: &'a SnsAlerts,
        ledger: &'a DynamoAlertLedger,
        settings: &'a PublishSettings,
    ) -> Publisher<'a> {
        Publisher {
            alerts: Some((sns, ledger as &dyn AlertStateStore)),
            metrics: None,
            archive: None,
            security_hub: None,
            settings,
        }
    }
    let (to_first, to_second) = (
        publisher(&sns, &first, &settings),
        publisher(&sns, &second, &settings),
    );
    // The ledger stamps first sightings with the clock: the run happens now.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let (a, b) = block_on(async {
        tokio::join!(
            scanner::publish::publish(&reports, &to_first, now_ms),
            scanner::publish::publish(&reports, &to_second, now_ms),
        )
    });
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(
        a.new + b.new,
        findings - 1,
        "the migrated finding is not new"
    );
    assert_eq!(
        [a.message_id.is_some(), b.message_id.is_some()]
            .iter()
            .filter(|sent| **sent)
            .count(),
        1,
        "{a:?} {b:?}"
    );
    let (alerts, _) = block_on(inbox.drain());
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0]["summary"]["new"], findings - 1);

    // Every open finding is an item with its first sighting; the lease is gone.
    let items = block_on(
        aws_sdk_dynamodb::Client::new(&config)
            .query()
            .table_name(TABLE)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(
                ":pk",
                aws_sdk_dynamodb::types::AttributeValue::S("report#scan/staging".into()),
            )
            .send(),
    )
    .unwrap();
    let sks: Vec<&str> = items
        .items()
        .iter()
        .map(|i| i["sk"].as_s().unwrap().as_str())
        .collect();
    assert_eq!(
        sks.iter().filter(|sk| sk.starts_with("finding#")).count(),
        findings
    );
    assert!(sks.contains(&"#head") && !sks.contains(&"#lock"), "{sks:?}");

    // Nine days on, the same drift: nothing to alert, and its age is the oldest finding's.
    let later = now_ms + 9 * 86_400_000;
    let published = block_on(scanner::publish::publish(&reports, &to_first, later)).unwrap();
    assert_eq!((published.new, published.message_id), (0, None));
    let age = published
        .emf_lines
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|line| line.get("DriftAgeMaxDays").is_some())
        .expect("a DriftAgeMaxDays datum");
    assert_eq!(age["Environment"], "staging");
    let days = age["DriftAgeMaxDays"].as_f64().unwrap();
    assert!((9.0..9.1).contains(&days), "{days}");

    // Fixed: every finding resolves, kept with an expiry, and the age drops to 0.
    let fixed = vec![scanner::run::scan_report(
        &scanner::synthetic::estate("staging", 40),
        &baseline,
        Instant::now(),
    )
    .map(|mut r| {
        r.findings.clear();
        r.counts = Default::default();
        r
    })
    .unwrap()];
    let published = block_on(scanner::publish::publish(&fixed, &to_first, later)).unwrap();
    assert_eq!(published.resolved, findings);
    assert_eq!(
        published.mean_time_to_resolve_days,
        Some(9.0),
        "open from the first run to the fix"
    );
    let loaded = block_on(first.load("scan/staging")).unwrap().unwrap();
    assert!(loaded.findings.is_empty());
}

/// The fan-out's first guarantee, as a user meets it: SNS refuses the last item's publish (every
/// attempt of it). The run is not lost: its message is delivered again, taken over once the
/// fan-in lease is over, and published exactly once; the next run alerts nothing new.
#[test]
fn a_publish_that_fails_after_the_fan_in_claim_is_retried_until_the_run_is_published_once() {
    let moto = Moto::start();
    let _org = organization(&moto);
    // The SDK's three attempts of the first Publish fail; later ones go through.
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![Rule {
            service: "sns",
            operation: Some("Publish"),
            region: None,
            fault: Fault::Status(500),
            calls: Calls::First(3),
            body_contains: None,
        }],
    );
    let management = block_on(moto.sdk_config("us-east-1"));
    let queues = block_on(engine(&management));
    let inbox = block_on(AlertInbox::create(&management));
    let config = config_file(&moto);
    // The preview has findings to alert (its own account holds none of its resources).
    let (mut api, _function) = fan_out_function(
        &moto,
        &proxy.endpoint,
        &queues,
        &inbox.topic_arn,
        &config,
        "pr-9,prod",
        &[("DRIFTSCAN_FAN_IN_LEASE_SECS", "2")],
    );
    let scheduled = json!({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
    let coordinate = |api: &mut RuntimeApi| match api.invoke(&scheduled, Duration::from_secs(60)) {
        Answer::Response(value) => value,
        Answer::Error(error) => panic!("coordination failed: {error}"),
    };
    let first = coordinate(&mut api);
    let run_id = first["coordinated"]["run_id"].as_str().unwrap().to_string();
    let sqs = aws_sdk_sqs::Client::new(&management);
    let mut answers = deliver(&mut api, &sqs, &queues.work_url, &queues.work_arn);
    answers.extend(deliver(&mut api, &sqs, &queues.dead_url, &queues.dead_arn));
    let unpublished: Vec<&Value> = answers
        .iter()
        .flat_map(|a| a["unpublished"].as_array().unwrap())
        .collect();
    assert_eq!(
        unpublished.len(),
        1,
        "the failed publish is answered, not hidden: {answers:#?}"
    );
    assert_eq!(unpublished[0][0], run_id.as_str());
    assert!(
        answers
            .iter()
            .all(|a| a["batchItemFailures"].is_array() && a.get("errorType").is_none()),
        "partial batch responses, never an invocation error"
    );
    let fanned_in: Vec<&Value> = answers
        .iter()
        .flat_map(|a| a["fanned_in"].as_array().unwrap())
        .collect();
    assert_eq!(
        fanned_in.len(),
        1,
        "published once, by a later delivery: {answers:#?}"
    );
    assert_eq!(fanned_in[0]["run_id"], run_id.as_str());
    let (alerts, _) = block_on(inbox.drain());
    assert_eq!(alerts.len(), 1, "exactly one alert for the run");
    let new: usize = alerts[0]["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["new"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(new > 0, "{}", alerts[0]);

    // The next schedule takes nothing over, and its run alerts nothing new: the first run's
    // findings were recorded when it was published.
    let second = coordinate(&mut api);
    assert_eq!(second["taken_over"], json!([]), "{second}");
    let answers = deliver(&mut api, &sqs, &queues.work_url, &queues.work_arn);
    let fanned_in: Vec<&Value> = answers
        .iter()
        .flat_map(|a| a["fanned_in"].as_array().unwrap())
        .collect();
    assert_eq!(fanned_in.len(), 1, "{answers:#?}");
    assert_ne!(fanned_in[0]["run_id"], run_id.as_str());
    assert_eq!(
        block_on(inbox.drain()).0.len(),
        0,
        "nothing new, nothing sent"
    );
    assert_eq!(proxy.faulted(), 3, "only the first publish failed");
}

/// A change fanned out: the coordinator keeps the CloudTrail record in the run, a worker
/// rescans the environment, and the fan-in's alert names who made the change from the event
/// itself (lookups are off: no call to CloudTrail).
#[test]
fn a_change_fanned_out_is_attributed_from_its_own_event_at_the_fan_in() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", "us-east-1"));
    let group = staging.security_groups["db"].clone();
    block_on(crate::support::open_to_the_world(&moto, &group));
    let management = block_on(moto.sdk_config("us-east-1"));
    let queues = block_on(engine(&management));
    let inbox = block_on(AlertInbox::create(&management));
    let config = moto.dir.path().join("fan-out.yaml");
    std::fs::write(
        &config,
        "environments:\n  staging:\n    regions: [us-east-1]\n",
    )
    .unwrap();
    let (mut api, _function) = fan_out_function(
        &moto,
        &moto.endpoint,
        &queues,
        &inbox.topic_arn,
        &config,
        "staging",
        &[],
    );
    let opened = json!({"groupId": group, "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432}]}});
    let change =
        crate::lambda::cloudtrail("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", opened);
    let coordinated = match api.invoke(&change, Duration::from_secs(60)) {
        Answer::Response(value) => value,
        Answer::Error(error) => panic!("coordination failed: {error}"),
    };
    assert_eq!(coordinated["coordinated"]["items"], 1, "{coordinated}");

    let sqs = aws_sdk_sqs::Client::new(&management);
    let worked = deliver(&mut api, &sqs, &queues.work_url, &queues.work_arn);
    assert_eq!(listed(&worked, "worked").len(), 1, "{worked:?}");
    let (raw, _) = block_on(inbox.drain());
    assert_eq!(raw.len(), 1, "one alert for the run");
    let new = raw[0]["reports"][0]["new"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let finding = new
        .iter()
        .find(|f| f["rule_id"] == "db-ingress-from-anywhere")
        .unwrap_or_else(|| panic!("the opened group alerted: {}", raw[0]));
    let attribution = &finding["attribution"];
    assert_eq!(attribution["status"], "attributed", "{finding}");
    assert_eq!(attribution["principal"]["session"], "alice@example.com");
    assert_eq!(
        attribution["event"]["name"],
        "AuthorizeSecurityGroupIngress"
    );
    assert_eq!(attribution["source"], "console");
}

//! The Lambda function end to end: the real `driftscan-lambda` binary against a local Runtime
//! API, with AWS in moto and CloudWatch in LocalStack. Scheduled runs, a CloudTrail change
//! event, alert de-duplication across runs, and a deadline-cut run reported as incomplete.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::cloudtrail::{CloudTrail, History};
use crate::runtime_api::{Answer, RuntimeApi};
use crate::support::{
    block_on, metric_stats, world_open_database_port, AlertInbox, LocalStack, Moto,
};

const PLAINTEXT: &str = "lambda-secret-value-4412";

/// The function binary: `DRIFTSCAN_LAMBDA_BIN`, else built beside `driftscan` (scripts/test
/// builds the workspace's binaries first).
pub fn lambda_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("DRIFTSCAN_LAMBDA_BIN") {
        return PathBuf::from(path);
    }
    let beside = Path::new(env!("CARGO_BIN_EXE_driftscan")).with_file_name("driftscan-lambda");
    assert!(
        beside.exists(),
        "{} is not built: run `cargo build -p driftscan-lambda` (scripts/test does)",
        beside.display()
    );
    beside
}

struct Function {
    child: Child,
    started: Instant,
    /// CloudTrail's event history, which has no event of its own: only the triggering event
    /// attributes.
    _trail: CloudTrail,
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The function's environment: Lambda's own variables, test credentials, every service in
/// moto, CloudWatch at `cloudwatch`, and driftscan's configuration.
pub fn function_env(
    api: &RuntimeApi,
    moto: &Moto,
    cloudwatch: &str,
    topic_arn: &str,
) -> Vec<(String, String)> {
    let baselines = crate::support::shipped_baselines();
    [
        ("PATH", std::env::var("PATH").unwrap_or_default()),
        ("AWS_LAMBDA_RUNTIME_API", api.address.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME", "driftscan".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256".into()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        (
            "AWS_CONFIG_FILE",
            "/nonexistent/driftscan-test-config".into(),
        ),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/driftscan-test-credentials".into(),
        ),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch.into()),
        ("DRIFTSCAN_SCAN", "staging,prod".into()),
        ("DRIFTSCAN_COMPARE", "staging:prod".into()),
        ("DRIFTSCAN_BASELINES", baselines.display().to_string()),
        ("DRIFTSCAN_TOPIC_ARN", topic_arn.into()),
        (
            "DRIFTSCAN_REPORT_BUCKET",
            crate::support::REPORT_BUCKET.into(),
        ),
        ("DRIFTSCAN_LOG", "info".into()),
        // No emulator has CloudTrail's event history: on where a test gives a stand-in.
        ("DRIFTSCAN_ATTRIBUTE", "off".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn start_function(api: &RuntimeApi, moto: &Moto, cloudwatch: &str, topic_arn: &str) -> Function {
    let log = moto.dir.path().join("lambda.log");
    let trail = CloudTrail::start(History::default());
    let started = Instant::now();
    let child = Command::new(lambda_binary())
        .current_dir(moto.dir.path())
        .env_clear()
        .envs(function_env(api, moto, cloudwatch, topic_arn))
        // Lookups on, as deployed, against an event history with no events.
        .env("DRIFTSCAN_ATTRIBUTE", "on")
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).expect("log"))
        .stderr(std::fs::File::create(log.with_extension("err")).expect("log"))
        .spawn()
        .expect("driftscan-lambda starts");
    Function {
        child,
        started,
        _trail: trail,
    }
}

fn response(answer: Answer) -> Value {
    match answer {
        Answer::Response(value) => value,
        Answer::Error(error) => panic!("the function failed: {error}"),
    }
}

pub fn cloudtrail(source: &str, name: &str, request: Value) -> Value {
    json!({
        "version": "0",
        "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "AWS API Call via CloudTrail",
        "source": format!("aws.{}", source.trim_end_matches(".amazonaws.com")),
        "account": "123456789012",
        "time": "2026-11-26T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": {
                "type": "AssumedRole",
                "principalId": "AROAEXAMPLE:alice@example.com",
                "arn": "arn:aws:sts::123456789012:assumed-role/PlatformAdmin/alice@example.com",
                "accountId": "123456789012",
                "sessionContext": {"sessionIssuer": {
                    "type": "Role",
                    "arn": "arn:aws:iam::123456789012:role/PlatformAdmin",
                    "userName": "PlatformAdmin"
                }}
            },
            "eventTime": "2026-11-26T09:59:30Z",
            "eventSource": source,
            "eventName": name,
            "awsRegion": "us-east-1",
            "sourceIPAddress": "203.0.113.7",
            "userAgent": "AWS Internal",
            "requestParameters": request,
            "responseElements": {"_return": true},
            "eventID": "0f9d1a5e-1c0b-4f6e-9d62-3c2a8d1b7e55",
            "readOnly": false,
            "sessionCredentialFromConsole": "true"
        }
    })
}

pub fn scheduled() -> Value {
    json!({
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-26T10:00:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/driftscan-schedule"],
        "detail": {}
    })
}

/// docs/lambda.md shows a scheduled run's response: its counts are as the run now reads.
fn assert_documented(run: &Value) {
    let docs = crate::support::shipped_baselines().join("../docs/lambda.md");
    let docs = std::fs::read_to_string(docs).expect("docs/lambda.md");
    let datums = format!("\"datums\":{},", run["published"]["datums"]);
    assert!(docs.contains(&datums), "docs/lambda.md lacks {datums}");
    for report in run["reports"].as_array().into_iter().flatten() {
        let counted = format!(
            "\"environment\":{},\"failures\":[],\"findings\":0,\"regions\":[\"us-east-1\"],\"resources\":{}}}",
            report["environment"], report["resources"]
        );
        assert!(docs.contains(&counted), "docs/lambda.md lacks {counted}");
    }
}

fn environments(alert: &Value) -> Vec<String> {
    alert["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["environment"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_function_scans_compares_alerts_once_and_fails_closed_at_its_deadline() {
    let moto = Moto::start();
    let localstack = LocalStack::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let prod = block_on(async {
        moto.provision("staging", "us-east-1").await;
        moto.provision("prod", "us-east-1").await
    });
    let inbox = block_on(AlertInbox::create(&config));
    block_on(crate::support::create_report_bucket(&config));
    let mut api = RuntimeApi::start();
    let function = start_function(&api, &moto, &localstack.endpoint, &inbox.topic_arn);
    let minute = Duration::from_secs(60);

    // Cold start: process start to the first event handled (one that needs no AWS call).
    let polled = api
        .wait_first_poll(Duration::from_secs(10))
        .expect("the function polls");
    let ignored = response(api.invoke(
        &cloudtrail("s3.amazonaws.com", "PutObject", json!({})),
        minute,
    ));
    let handled = function.started.elapsed();
    eprintln!(
        "cold start: init {:?}, first event handled {:?}",
        polled - function.started,
        handled
    );
    assert!(ignored["trigger"]
        .as_str()
        .unwrap()
        .starts_with("ignored: s3.amazonaws.com PutObject"));

    // 1. Scheduled: two scans and a comparison, all clean: metrics, no alert.
    let run = response(api.invoke(&scheduled(), minute));
    eprintln!("scheduled run: {run}");
    let reports = run["reports"].as_array().unwrap();
    let summary: Vec<(String, String, bool, u64)> = reports
        .iter()
        .map(|r| {
            (
                r["command"].as_str().unwrap().into(),
                r["environment"].as_str().unwrap().into(),
                r["complete"].as_bool().unwrap(),
                r["findings"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("scan".into(), "staging".into(), true, 0),
            ("scan".into(), "prod".into(), true, 0),
            ("compare".into(), "staging..prod".into(), true, 0)
        ]
    );
    assert_eq!(run["published"]["message_id"], Value::Null);
    // Per scan 8, per compare 4, each plus one per service; one for the run.
    let services = scanner::services::SERVICES.len();
    assert_eq!(
        run["published"]["datums"],
        (8 + services) * 2 + 4 + services + 1
    );
    assert_documented(&run);
    assert_eq!(block_on(inbox.drain()).0.len(), 0);
    // Each report kept as a page in the bucket, under the run's time.
    let stored = run["published"]["stored_reports"].as_array().unwrap();
    assert_eq!(stored.len(), 3, "{run}");
    let pages = block_on(crate::support::stored_reports(&config));
    let keys: Vec<&str> = pages.iter().map(|(key, _, _)| key.as_str()).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    for (key, suffix) in keys.iter().zip([
        "/compare/staging/prod.html",
        "/scan/prod.html",
        "/scan/staging.html",
    ]) {
        assert!(
            key.starts_with("reports/") && key.ends_with(suffix),
            "{key}"
        );
    }
    for (key, content_type, page) in &pages {
        assert_eq!(content_type, "text/html; charset=utf-8", "{key}");
        assert!(page.starts_with("<!doctype html>"), "{key}");
        assert!(
            page.contains("No drift") || page.contains("No differences"),
            "{key}"
        );
    }

    // 2. The database port opened by hand; CloudTrail reports the call (a group id only, so
    // every watched environment is rescanned, in that region).
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let rule = world_open_database_port();
    block_on(
        ec2c.authorize_security_group_ingress()
            .group_id(&prod.security_groups["db"])
            .ip_permissions(rule.clone())
            .send(),
    )
    .unwrap();
    // And a secret added by hand: alerted as unmanaged, its value never shown.
    let ssm = aws_sdk_ssm::Client::new(&config);
    block_on(
        ssm.put_parameter()
            .name("/prod/db-password")
            .value(PLAINTEXT)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send(),
    )
    .unwrap();
    let change = cloudtrail(
        "ec2.amazonaws.com",
        "AuthorizeSecurityGroupIngress",
        json!({"groupId": prod.security_groups["db"], "ipPermissions": {"items": [{"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432}]}}),
    );
    let run = response(api.invoke(&change, minute));
    assert_eq!(
        run["trigger"],
        "change ec2.amazonaws.com AuthorizeSecurityGroupIngress us-east-1"
    );
    assert_eq!(
        run["reports"].as_array().unwrap().len(),
        2,
        "scans only: {run}"
    );
    let (raw, envelopes) = block_on(inbox.drain());
    let delivered = format!("{raw:?}{envelopes:?}");
    assert!(
        delivered.contains("/{env}/db-password"),
        "the secret's parameter is reported"
    );
    assert!(!delivered.contains(PLAINTEXT), "never its value");
    assert_eq!(raw.len(), 1, "one alert per run");
    assert_eq!(environments(&raw[0]), ["prod"]);
    // The alert links to the run's page of the report, which shows the finding.
    let uri = raw[0]["reports"][0]["report"]["uri"].as_str().unwrap();
    let key = uri
        .strip_prefix(&format!("s3://{}/", crate::support::REPORT_BUCKET))
        .unwrap();
    assert!(key.ends_with("/scan/prod.html"), "{uri}");
    assert!(raw[0]["reports"][0]["report"]["console_url"]
        .as_str()
        .unwrap()
        .starts_with("https://s3.console.aws.amazon.com/s3/object/"));
    let pages = block_on(crate::support::stored_reports(&config));
    let (_, _, page) = pages.iter().find(|(k, _, _)| k == key).unwrap();
    assert!(
        page.contains("db-ingress-from-anywhere"),
        "the finding is on the page"
    );
    assert!(!page.contains(PLAINTEXT), "never the secret's value");
    assert!(raw[0]["reports"][0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["rule_id"] == "db-ingress-from-anywhere"));
    assert_eq!(
        envelopes[0]["MessageAttributes"]["severity"]["Value"],
        "critical"
    );
    // Who did it, from the triggering event itself: the role session, the call, the console.
    let group_finding = raw[0]["reports"][0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "db-ingress-from-anywhere")
        .unwrap()
        .clone();
    let attribution = &group_finding["attribution"];
    assert_eq!(attribution["status"], "attributed", "{group_finding}");
    assert_eq!(attribution["principal"]["session"], "alice@example.com");
    assert_eq!(
        attribution["principal"]["role"],
        "arn:aws:iam::123456789012:role/PlatformAdmin"
    );
    assert_eq!(
        attribution["event"]["name"],
        "AuthorizeSecurityGroupIngress"
    );
    assert_eq!(attribution["source"], "console");
    assert_eq!(attribution["deployer"], false);
    assert_eq!(
        envelopes[0]["MessageAttributes"]["changed_by"]["Value"],
        r#"["by-hand"]"#
    );
    // The parameter no event names was looked up, and its finding says why it is unexplained.
    let parameter = raw[0]["reports"][0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["logical_name"] == "/{env}/db-password")
        .unwrap()
        .clone();
    assert_eq!(
        parameter["attribution"]["status"], "unattributed",
        "{parameter}"
    );

    // 3. The next schedule: prod's drift is known; the comparison's difference is new.
    let run = response(api.invoke(&scheduled(), minute));
    assert_eq!(
        run["reports"][2]["findings"], 2,
        "the SG rule and the parameter: {run}"
    );
    let (raw, _) = block_on(inbox.drain());
    assert_eq!(raw.len(), 1);
    assert_eq!(environments(&raw[0]), ["staging..prod"]);
    // 4. And again: nothing new, nothing sent.
    let run = response(api.invoke(&scheduled(), minute));
    assert_eq!(run["published"]["message_id"], Value::Null, "{run}");
    assert_eq!(block_on(inbox.drain()).0.len(), 0);

    // 5. Fixed by hand: one notice, resolving prod's findings and the difference.
    block_on(
        ec2c.revoke_security_group_ingress()
            .group_id(&prod.security_groups["db"])
            .ip_permissions(rule)
            .send(),
    )
    .unwrap();
    block_on(ssm.delete_parameter().name("/prod/db-password").send()).unwrap();
    let _ = response(api.invoke(&scheduled(), minute));
    let (raw, _) = block_on(inbox.drain());
    assert_eq!(raw.len(), 1);
    assert!(
        raw[0]["summary"]["resolved"].as_u64().unwrap() >= 3,
        "{}",
        raw[0]
    );
    assert_eq!(raw[0]["summary"]["new"], 0);

    // 6. AWS's default timeout, 3 s: the reserve takes a third, and the scans finish.
    let run = response(api.invoke(&scheduled(), Duration::from_secs(3)));
    for report in run["reports"].as_array().unwrap() {
        assert_eq!(report["complete"], true, "{report}");
    }

    // 7. An invocation with next to no time: every read is cut short, so the run is
    // incomplete (alerted, ScanIncomplete = 1), never clean.
    let run = response(api.invoke(&scheduled(), Duration::from_millis(60)));
    for report in run["reports"].as_array().unwrap() {
        assert_eq!(report["complete"], false, "{report}");
        // What is not cut short is not read at all: what selects it was cut short.
        let cut = |f: &serde_json::Value| {
            let f = f.as_str().unwrap();
            f.contains("DeadlineExceeded") || f.contains(scanner::scan::SELECTION_UNREAD)
        };
        let failures = report["failures"].as_array().unwrap();
        assert!(!failures.is_empty() && failures.iter().all(cut), "{report}");
    }
    let (raw, envelopes) = block_on(inbox.drain());
    assert_eq!(raw.len(), 1);
    assert_eq!(raw[0]["summary"]["incomplete"].as_array().unwrap().len(), 3);
    assert!(envelopes[0]["Subject"]
        .as_str()
        .unwrap()
        .contains("INCOMPLETE"));
    // Reads that finished inside the 60 ms are reported too (an incomplete run still says
    // what it did read), so "new" may join "incomplete" depending on timing.
    let events: Vec<String> = serde_json::from_str(
        envelopes[0]["MessageAttributes"]["event"]["Value"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert!(events.contains(&"incomplete".to_string()), "{events:?}");

    let cloudwatch = block_on(localstack.cloudwatch());
    let (max, samples) = block_on(metric_stats(&cloudwatch, "ScanIncomplete", &[]));
    assert_eq!(
        (max, samples),
        (1.0, 7.0),
        "one sample per run that scanned"
    );

    // The logs: JSON lines, with the request id, one line per finding, no plaintext.
    drop(function);
    let logs = std::fs::read_to_string(moto.dir.path().join("lambda.log")).unwrap();
    assert!(!logs.contains(PLAINTEXT));
    let lines: Vec<Value> = logs
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["fields"]["message"] == "finding" && l["span"]["request_id"] == "req-0003"));
    let findings: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "finding")
        .collect();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|l| l["span"]["request_id"].is_string()));
}

/// A baseline of prod's database group alone, declaring it closed (line 5 declares `ingress`).
const SMALL_BASELINE: &str = "driftscan: baseline/v1\nresources:\n  security-group/db-{env}:\n    properties:\n      ingress: []\n";

/// Runs one scheduled scan of prod with `baselines` (variables naming where they are) and
/// answers where the alert says the drifting field is declared.
/// One invocation of a fresh function with `event`: prod scanned by default, no metrics, no
/// report bucket, `vars` over that; answers its response.
pub fn invoke_once(
    moto: &Moto,
    inbox: &AlertInbox,
    vars: &[(&str, String)],
    event: &Value,
) -> Value {
    let mut api = RuntimeApi::start();
    let env = function_env(&api, moto, "http://127.0.0.1:9", &inbox.topic_arn)
        .into_iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "DRIFTSCAN_BASELINES"
                    | "DRIFTSCAN_COMPARE"
                    | "DRIFTSCAN_SCAN"
                    | "DRIFTSCAN_REPORT_BUCKET"
            )
        })
        .chain(
            [
                ("DRIFTSCAN_SCAN", "prod".to_string()),
                ("DRIFTSCAN_METRICS", "off".to_string()),
            ]
            .into_iter()
            .chain(vars.iter().cloned())
            .map(|(k, v)| (k.to_string(), v)),
        );
    let mut child = Command::new(lambda_binary())
        .current_dir(moto.dir.path())
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(moto.dir.path().join("lambda.log")).expect("log"))
        .stderr(std::fs::File::create(moto.dir.path().join("lambda.err")).expect("log"))
        .spawn()
        .expect("driftscan-lambda starts");
    let run = response(api.invoke(event, Duration::from_secs(60)));
    let _ = child.kill();
    let _ = child.wait();
    run
}

fn declared_at(
    moto: &Moto,
    inbox: &AlertInbox,
    task_root: &Path,
    baselines: &[(&str, String)],
) -> String {
    let mut vars = baselines.to_vec();
    vars.push(("LAMBDA_TASK_ROOT", task_root.display().to_string()));
    let run = invoke_once(moto, inbox, &vars, &scheduled());
    let (raw, _) = block_on(inbox.drain());
    let log = std::fs::read_to_string(moto.dir.path().join("lambda.log")).unwrap_or_default();
    assert_eq!(raw.len(), 1, "{run}\n{log}");
    let drift = raw[0]["reports"][0]["new"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "drift" && f["path"] == "properties.ingress")
        .unwrap_or_else(|| panic!("the drift: {}", raw[0]))
        .clone();
    drift["source"].as_str().unwrap().to_string()
}

#[test]
fn findings_name_baselines_as_the_user_knows_them() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    block_on(moto.provision("prod", "us-east-1"));
    let inbox = block_on(AlertInbox::create(&config));
    // Bundled in the package beside `bootstrap`: named as in the repository.
    let task_root = tempfile::tempdir().unwrap();
    std::fs::create_dir(task_root.path().join("baselines")).unwrap();
    std::fs::write(task_root.path().join("baselines/prod.yaml"), SMALL_BASELINE).unwrap();
    // Each run keeps its own alert state, so each alerts the drift as new.
    let state = |n: u8| {
        (
            "DRIFTSCAN_STATE_PATH",
            format!("/driftscan-test/alert-state-{n}"),
        )
    };
    assert_eq!(
        declared_at(&moto, &inbox, task_root.path(), &[state(1)]),
        "baselines/prod.yaml:5"
    );
    // Kept in SSM: named by the parameter, not by the temporary directory it is copied to.
    let ssm = aws_sdk_ssm::Client::new(&config);
    block_on(
        ssm.put_parameter()
            .name("/driftscan/baselines/prod.yaml")
            .value(SMALL_BASELINE)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send(),
    )
    .unwrap();
    let from_ssm = [(
        "DRIFTSCAN_BASELINES_SSM_PATH",
        "/driftscan/baselines".to_string(),
    )];
    assert_eq!(
        declared_at(&moto, &inbox, task_root.path(), &from_ssm),
        "ssm:/driftscan/baselines/prod.yaml:5"
    );
    // The CLI run from the repository names it the same way.
    let output = moto
        .driftscan()
        .current_dir(task_root.path())
        .args([
            "scan",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--baselines",
            "baselines",
        ])
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: scanner::model::Report = serde_json::from_slice(&output.stdout).unwrap();
    let drift = report
        .findings
        .iter()
        .find(|f| f.path.as_deref() == Some("properties.ingress") && f.rule_id.is_none())
        .expect("the drift");
    let source = drift.source.as_ref().unwrap();
    assert_eq!(
        format!("{}:{}", source.file, source.line),
        "baselines/prod.yaml:5"
    );
}

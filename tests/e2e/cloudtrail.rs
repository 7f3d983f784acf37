//! A local stand-in for CloudTrail's `LookupEvents`, which no emulator implements (moto has
//! trails but no event history). It answers CloudTrail's JSON 1.1 protocol on loopback in the
//! shape AWS documents
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html>):
//! `Events` with `CloudTrailEvent` as a JSON string, `EventTime` in epoch seconds, and
//! `NextToken` for the next page. driftscan reaches it through `AWS_ENDPOINT_URL_CLOUDTRAIL`.
//!
//! Per resource name it holds the events to answer (paged `page_size` at a time), and it can
//! throttle the first calls or refuse them all. It records when each call came, so a test
//! can measure the rate driftscan keeps to.

use std::collections::BTreeMap;
use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};

/// What the stand-in answers.
#[derive(Debug, Default)]
pub struct History {
    /// CloudTrail records per resource name, latest first.
    pub events: BTreeMap<String, Vec<Value>>,
    /// Events per page.
    pub page_size: usize,
    /// Calls answered `ThrottlingException` before any is served.
    pub throttle_first: usize,
    /// Answer every call `AccessDeniedException`.
    pub deny: bool,
}

/// One call the stand-in saw.
#[derive(Debug, Clone)]
pub struct Call {
    /// When it came.
    pub at: Instant,
    /// The `ResourceName` looked up.
    pub resource: String,
    /// Whether it carried a `NextToken`.
    pub next_page: bool,
    /// Its `StartTime` and `EndTime`, epoch seconds.
    pub window: (Option<f64>, Option<f64>),
}

/// The running stand-in.
pub struct CloudTrail {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    calls: Arc<Mutex<Vec<Call>>>,
    history: Arc<Mutex<History>>,
}

impl CloudTrail {
    /// Starts answering `history` on a free loopback port.
    pub fn start(history: History) -> CloudTrail {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let history = Arc::new(Mutex::new(history));
        let (served, seen) = (history.clone(), calls.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (history, seen) = (served.clone(), seen.clone());
                std::thread::spawn(move || serve(stream, &history, &seen));
            }
        });
        CloudTrail {
            endpoint,
            calls,
            history,
        }
    }

    /// Records `event` on `resource` as the latest there (a change made since it started).
    pub fn record_latest(&self, resource: &str, event: Value) {
        let mut history = self.history.lock().expect("lock");
        history
            .events
            .entry(resource.to_string())
            .or_default()
            .insert(0, event);
    }

    /// Every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().expect("lock").clone()
    }
}

/// A CloudTrail record of `name` on `resource` by `principal_arn`, at `time`.
pub fn record(name: &str, resource: &str, principal_arn: &str, time: &str, agent: &str) -> Value {
    json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "arn": principal_arn, "accountId": "123456789012"},
        "eventTime": time,
        "eventSource": "ec2.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "sourceIPAddress": "198.51.100.4",
        "userAgent": agent,
        "requestParameters": {"groupId": resource},
        "responseElements": {"_return": true},
        "eventID": format!("{name}-{time}"),
        "readOnly": false,
        "eventType": "AwsApiCall"
    })
}

fn serve(stream: TcpStream, history: &Mutex<History>, calls: &Mutex<Vec<Call>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    while let Some(http) = crate::support::read_http_request(&mut reader) {
        let request: Value = serde_json::from_str(&http.body).unwrap_or(Value::Null);
        let resource = request
            .pointer("/LookupAttributes/0/AttributeValue")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let token = request.get("NextToken").and_then(Value::as_str);
        let count = {
            let mut calls = calls.lock().expect("lock");
            calls.push(Call {
                at: Instant::now(),
                resource: resource.clone(),
                next_page: token.is_some(),
                window: (
                    request.get("StartTime").and_then(Value::as_f64),
                    request.get("EndTime").and_then(Value::as_f64),
                ),
            });
            calls.len()
        };
        let (status, reply) = answer(&history.lock().expect("lock"), &resource, token, count);
        let reply = reply.to_string();
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: r-{count}\r\nContent-Length: {}\r\n\r\n{reply}",
            reply.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// The status line and body for the `count`-th call.
fn answer(
    history: &History,
    resource: &str,
    token: Option<&str>,
    count: usize,
) -> (&'static str, Value) {
    if count <= history.throttle_first {
        return (
            "400 Bad Request",
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"}),
        );
    }
    if history.deny {
        let message = "User: arn:aws:iam::123456789012:user/driftscan is not authorized to perform: cloudtrail:LookupEvents";
        return (
            "400 Bad Request",
            json!({"__type": "AccessDeniedException", "message": message}),
        );
    }
    let events = history.events.get(resource).cloned().unwrap_or_default();
    let start: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
    let size = history.page_size.max(1);
    let page: Vec<Value> = events.iter().skip(start).take(size).map(event).collect();
    let mut body = json!({"Events": page});
    if start + size < events.len() {
        body["NextToken"] = json!((start + size).to_string());
    }
    ("200 OK", body)
}

/// A record as `LookupEvents` lists it: summary fields, the resource CloudTrail indexed it
/// under (the group its request names), and the record as a JSON string.
fn event(record: &Value) -> Value {
    let resource = record
        .pointer("/requestParameters/groupId")
        .cloned()
        .unwrap_or(Value::Null);
    json!({
        "EventId": record["eventID"],
        "EventName": record["eventName"],
        "ReadOnly": "false",
        "EventTime": 1_796_000_000,
        "EventSource": record["eventSource"],
        "Username": record.pointer("/userIdentity/arn").cloned().unwrap_or(Value::Null),
        "Resources": [{"ResourceType": "AWS::EC2::SecurityGroup", "ResourceName": resource}],
        "CloudTrailEvent": record.to_string(),
    })
}

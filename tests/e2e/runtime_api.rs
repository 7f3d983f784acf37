//! A local AWS Lambda Runtime API (`/2018-06-01/runtime/...`): hands the function one event at
//! a time, with a request id and a deadline, and collects its responses and errors. The real
//! `driftscan-lambda` binary runs against it exactly as it would in Lambda.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// One event handed to the function.
struct Pending {
    request_id: String,
    deadline_ms: u64,
    body: String,
}

/// What the function answered.
#[derive(Debug)]
pub enum Answer {
    /// `/response`.
    Response(serde_json::Value),
    /// `/error` (or `/init/error`).
    Error(String),
}

/// The running API.
pub struct RuntimeApi {
    /// `127.0.0.1:<port>`, for `AWS_LAMBDA_RUNTIME_API`.
    pub address: String,
    events: Sender<Pending>,
    answers: Receiver<(String, Answer)>,
    next_count: Arc<Mutex<usize>>,
    invocations: usize,
}

impl RuntimeApi {
    /// Starts the API on a free loopback port.
    pub fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("address").to_string();
        let (events, pending) = channel::<Pending>();
        let (answer_tx, answers) = channel();
        let pending = Arc::new(Mutex::new(pending));
        let next_count = Arc::new(Mutex::new(0));
        let counter = next_count.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (pending, answer_tx, counter) =
                    (pending.clone(), answer_tx.clone(), counter.clone());
                std::thread::spawn(move || serve(stream, &pending, &answer_tx, &counter));
            }
        });
        RuntimeApi {
            address,
            events,
            answers,
            next_count,
            invocations: 0,
        }
    }

    /// Hands `event` to the function with `time_left` before its deadline, and waits for the
    /// answer.
    pub fn invoke(&mut self, event: &serde_json::Value, time_left: Duration) -> Answer {
        self.invocations += 1;
        let request_id = format!("req-{:04}", self.invocations);
        let deadline = SystemTime::now() + time_left;
        let deadline_ms = deadline
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("clock")
            .as_millis() as u64;
        self.events
            .send(Pending {
                request_id: request_id.clone(),
                deadline_ms,
                body: event.to_string(),
            })
            .expect("API running");
        let (id, answer) = self
            .answers
            .recv_timeout(time_left.max(Duration::from_secs(10)) + Duration::from_secs(60))
            .expect("the function answers");
        assert_eq!(id, request_id, "answers come in order");
        answer
    }

    /// Waits until the function has asked for its first event (its init is done).
    pub fn wait_first_poll(&self, limit: Duration) -> Option<Instant> {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            if *self.next_count.lock().expect("lock") > 0 {
                return Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        None
    }
}

fn serve(
    stream: TcpStream,
    pending: &Mutex<Receiver<Pending>>,
    answers: &Sender<(String, Answer)>,
    next_count: &Mutex<usize>,
) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    while let Some(request) = crate::support::read_http_request(&mut reader) {
        let (method, path, body) = (request.method, request.path, request.body);
        let reply = if method == "GET" && path == "/2018-06-01/runtime/invocation/next" {
            *next_count.lock().expect("lock") += 1;
            let Ok(event) = pending.lock().expect("lock").recv() else {
                return;
            };
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {}\r\nLambda-Runtime-Deadline-Ms: {}\r\nLambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:driftscan\r\nLambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\nContent-Length: {}\r\n\r\n{}",
                event.request_id,
                event.deadline_ms,
                event.body.len(),
                event.body
            )
        } else if let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") {
            let (id, kind) = rest.split_once('/').unwrap_or((rest, ""));
            let answer = match kind {
                "response" => Answer::Response(
                    serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                ),
                _ => Answer::Error(body),
            };
            let _ = answers.send((id.to_string(), answer));
            accepted()
        } else if path == "/2018-06-01/runtime/init/error" {
            let _ = answers.send(("init".into(), Answer::Error(body)));
            accepted()
        } else {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
        };
        if writer.write_all(reply.as_bytes()).is_err() || writer.flush().is_err() {
            return;
        }
    }
}

fn accepted() -> String {
    let body = r#"{"status":"OK"}"#;
    format!(
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

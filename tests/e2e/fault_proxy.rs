//! A fault-injecting HTTP proxy between driftscan and the emulator, on loopback. It forwards
//! every request to moto, except where a rule for the request's service, operation and region
//! says otherwise: throttling errors for the first N calls or one call in N, 500/503, a delay beyond the client's
//! timeout, a reset connection, AccessDenied, an expired token, or a truncated or malformed body. It counts the
//! calls it sees per service and operation.
//!
//! The service and region come from the SigV4 `Authorization` header's credential scope; the
//! operation from `X-Amz-Target` (JSON protocols: ECS, SSM) or the `Action` form field (query
//! protocols: EC2, RDS, Elastic Load Balancing), or for S3's REST calls the method and
//! sub-resource (`GetVersioning`).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to do instead of (or to) a forwarded call.
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// The service's throttling error (EC2 `RequestLimitExceeded`, JSON `ThrottlingException`,
    /// RDS `Throttling`).
    Throttle,
    /// This HTTP status with an `InternalError` body.
    Status(u16),
    /// Wait this long, then forward.
    Delay(Duration),
    /// Close the connection without answering.
    Reset,
    /// The service's access-denied error.
    AccessDenied,
    /// What AWS answers a request signed with an expired session token.
    ExpiredToken,
    /// Forward, but send only half the body and close.
    Truncate,
    /// Answer 200 with a body that is not the protocol's format.
    Malformed,
    /// The service's error with this HTTP status line and code, in the protocol's shape (a
    /// "not found" for something deleted since it was listed: `LoadBalancerNotFound`).
    Error(&'static str, &'static str),
    /// Answer 200 with this body, in the protocol's content type.
    Answer(String),
}

/// Which calls a fault applies to.
#[derive(Debug, Clone)]
pub struct Rule {
    /// `ec2`, `ecs`, `rds`, `ssm`.
    pub service: &'static str,
    /// The operation, or every operation of the service.
    pub operation: Option<&'static str>,
    /// The region, or every region.
    pub region: Option<&'static str>,
    /// The fault.
    pub fault: Fault,
    /// Which of the matching calls are faulted (the others are forwarded).
    pub calls: Calls,
    /// Only calls whose request line or body contains this (an account id in an
    /// `AssumeRole`'s `RoleArn`, an S3 object's key).
    pub body_contains: Option<&'static str>,
}

/// Which of a rule's matching calls get its fault.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Calls {
    /// The first N.
    First(usize),
    /// One in N, starting with the first (a fraction of the calls: 1/N).
    OneIn(usize),
    /// Every one.
    All,
}

#[derive(Default)]
struct State {
    rules: Vec<(Rule, usize)>,
    calls: BTreeMap<(String, String), usize>,
    faulted: usize,
}

/// The running proxy.
pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`http://127.0.0.1:<port>`) with these rules.
    pub fn start(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let state = Arc::new(Mutex::new(State {
            rules: rules.into_iter().map(|r| (r, 0)).collect(),
            ..State::default()
        }));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (state, upstream) = (shared.clone(), upstream.clone());
                std::thread::spawn(move || serve(stream, &upstream, &state));
            }
        });
        FaultProxy { endpoint, state }
    }

    /// Calls seen per (service, operation), faulted ones included.
    pub fn calls(&self) -> BTreeMap<(String, String), usize> {
        self.state.lock().expect("lock").calls.clone()
    }

    /// Calls answered with a fault.
    pub fn faulted(&self) -> usize {
        self.state.lock().expect("lock").faulted
    }
}

struct Request {
    head: Vec<String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0usize);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request { head, body })
}

fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    head.iter().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// (service, region, operation) of a signed AWS request.
fn classify(request: &Request) -> (String, String, String) {
    let scope = header(&request.head, "authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .map(|c| {
            c.split(',')
                .next()
                .unwrap_or_default()
                .split('/')
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    let region = scope.get(2).copied().unwrap_or_default().to_string();
    let service = scope.get(3).copied().unwrap_or_default().to_string();
    let action = String::from_utf8_lossy(&request.body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .map(str::to_string);
    let operation = match (header(&request.head, "x-amz-target"), action) {
        (Some(target), _) => target.rsplit('.').next().unwrap_or_default().to_string(),
        (None, Some(action)) => action,
        // REST (S3): the method and the sub-resource, `GetVersioning`, `PutPolicy`, `Head`.
        (None, None) => rest_operation(request.head.first().map(String::as_str).unwrap_or("")),
    };
    (service, region, operation)
}

/// `GET /bucket?versioning HTTP/1.1` -> `GetVersioning`.
fn rest_operation(request_line: &str) -> String {
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_ascii_lowercase();
    let subresource = parts
        .next()
        .and_then(|target| target.split_once('?'))
        .map(|(_, query)| query.split(['&', '=']).next().unwrap_or_default())
        .unwrap_or_default();
    let capitalize = |word: &str| {
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    };
    format!("{}{}", capitalize(&method), capitalize(subresource))
}

fn serve(client: TcpStream, upstream: &str, state: &Mutex<State>) {
    let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(client.try_clone().expect("clone"));
    let mut client = client;
    // One request per connection: every answer says `Connection: close`.
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let (service, region, operation) = classify(&request);
    let fault = {
        let mut state = state.lock().expect("lock");
        *state
            .calls
            .entry((service.clone(), operation.clone()))
            .or_insert(0) += 1;
        let hit = state.rules.iter_mut().find(|(rule, _)| {
            rule.service == service
                && rule.operation.is_none_or(|o| o == operation)
                && rule.region.is_none_or(|r| r == region)
                && rule.body_contains.is_none_or(|needle| {
                    request
                        .head
                        .first()
                        .is_some_and(|line| line.contains(needle))
                        || String::from_utf8_lossy(&request.body).contains(needle)
                })
        });
        // `seen` counts the rule's matching calls, faulted or not.
        let fault = hit.and_then(|(rule, seen)| {
            *seen += 1;
            let faulted = match rule.calls {
                Calls::First(n) => *seen <= n,
                Calls::OneIn(n) => (*seen - 1) % n.max(1) == 0,
                Calls::All => true,
            };
            faulted.then(|| rule.fault.clone())
        });
        if fault.is_some() {
            state.faulted += 1;
        }
        fault
    };
    let json = header(&request.head, "x-amz-target").is_some();
    let answer = |status: &str, content_type: &str, body: &str, extra: &str| {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let error = |status: &str, code: &str, message: &str| {
        if json {
            answer(
                status,
                "application/x-amz-json-1.1",
                &format!(r#"{{"__type":"{code}","message":"{message}"}}"#),
                &format!("x-amzn-ErrorType: {code}\r\n"),
            )
        } else if service == "ec2" {
            answer(
                status,
                "text/xml",
                &format!("<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault</RequestID></Response>"),
                "",
            )
        } else if service == "s3" {
            answer(
                status,
                "application/xml",
                &format!("<Error><Code>{code}</Code><Message>{message}</Message><RequestId>fault</RequestId></Error>"),
                "",
            )
        } else {
            answer(
                status,
                "text/xml",
                &format!("<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>"),
                "",
            )
        }
    };
    let reply = match fault {
        None | Some(Fault::Delay(_)) | Some(Fault::Truncate) => {
            if let Some(Fault::Delay(wait)) = fault {
                std::thread::sleep(wait);
            }
            let Some(mut response) = forward(&request, upstream) else {
                return;
            };
            if fault == Some(Fault::Truncate) {
                if let Some(split) = find(&response, b"\r\n\r\n") {
                    let body_len = response.len() - split - 4;
                    response.truncate(split + 4 + body_len / 2);
                }
            }
            let _ = client.write_all(&response);
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
        Some(Fault::Throttle) => match (json, service.as_str()) {
            (true, _) => error("400 Bad Request", "ThrottlingException", "Rate exceeded"),
            (false, "ec2") => error(
                "503 Service Unavailable",
                "RequestLimitExceeded",
                "Request limit exceeded.",
            ),
            (false, _) => error("400 Bad Request", "Throttling", "Rate exceeded"),
        },
        Some(Fault::AccessDenied) => match (json, service.as_str()) {
            (true, _) => error(
                "400 Bad Request",
                "AccessDeniedException",
                "not authorized (fault proxy)",
            ),
            (false, "ec2") => error(
                "403 Forbidden",
                "UnauthorizedOperation",
                "not authorized (fault proxy)",
            ),
            (false, _) => error(
                "403 Forbidden",
                "AccessDenied",
                "not authorized (fault proxy)",
            ),
        },
        Some(Fault::Error(status, code)) => error(status, code, "not found (fault proxy)"),
        Some(Fault::Answer(ref body)) => answer(
            "200 OK",
            if json {
                "application/x-amz-json-1.1"
            } else {
                "text/xml"
            },
            body,
            "",
        ),
        Some(Fault::ExpiredToken) => error(
            "400 Bad Request",
            if json {
                "ExpiredTokenException"
            } else {
                "ExpiredToken"
            },
            "The security token included in the request is expired",
        ),
        Some(Fault::Status(code)) => {
            let status = match code {
                500 => "500 Internal Server Error",
                503 => "503 Service Unavailable",
                _ => "502 Bad Gateway",
            };
            error(status, "InternalError", "injected by the fault proxy")
        }
        Some(Fault::Malformed) => answer(
            "200 OK",
            if json {
                "application/x-amz-json-1.1"
            } else {
                "text/xml"
            },
            "<<<this is not the protocol's format",
            "",
        ),
        Some(Fault::Reset) => {
            let _ = client.shutdown(Shutdown::Both);
            return;
        }
    };
    let _ = client.write_all(reply.as_bytes());
    let _ = client.shutdown(Shutdown::Both);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Sends the request to the upstream with `Connection: close` and reads the whole response.
fn forward(request: &Request, upstream: &str) -> Option<Vec<u8>> {
    let mut stream = TcpStream::connect(upstream).ok()?;
    let mut head = String::new();
    for (i, line) in request.head.iter().enumerate() {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(k, _)| k.trim().eq_ignore_ascii_case("connection"));
        if i > 0 && is_connection {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(&request.body).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    Some(response)
}

//! Recorded AWS responses for collector unit tests: a loopback HTTP server that answers each
//! request with the first recorded response whose pattern the request contains (method, path,
//! headers and body are searched), and keeps every request for the test to count.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_types::region::Region;
use aws_types::sdk_config::{RetryConfig, SdkConfig};

/// One recorded answer: the texts a request must all contain, the status and the body.
#[derive(Debug, Clone)]
pub struct Recorded {
    patterns: Vec<String>,
    status: u16,
    content_type: &'static str,
    body: String,
}

/// An XML answer (the query and REST-XML protocols).
pub fn xml(patterns: &[&str], status: u16, body: &str) -> Recorded {
    Recorded {
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
        status,
        content_type: "text/xml",
        body: body.into(),
    }
}

/// A JSON answer (the JSON protocols).
pub fn json(patterns: &[&str], status: u16, body: &str) -> Recorded {
    Recorded {
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
        status,
        content_type: "application/x-amz-json-1.1",
        body: body.into(),
    }
}

/// Asserts that `collected` failed once, on `operation` answered `code`, naming the IAM
/// `action` the read needs, and kept nothing of the kinds it left unknown.
pub fn assert_refused(collected: &super::Collected, operation: &str, code: &str, action: &str) {
    assert_eq!(collected.failures.len(), 1, "{:?}", collected.failures);
    let failure = &collected.failures[0];
    assert_eq!(
        (failure.operation.as_str(), failure.code.as_str()),
        (operation, code)
    );
    let named = format!("(this read needs the IAM action {action})");
    assert!(failure.message.ends_with(&named), "{}", failure.message);
    assert!(
        collected
            .resources
            .iter()
            .all(|r| !failure.kinds.contains(&r.kind)),
        "unknown, not empty"
    );
}

/// A running replay server.
pub struct Replay {
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    /// Serves `recorded` on a free loopback port until the test ends.
    pub fn start(recorded: Vec<Recorded>) -> Replay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("loopback port");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let recorded = Arc::new(recorded);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let recorded = Arc::clone(&recorded);
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || serve(stream, &recorded, &seen));
            }
        });
        Replay { endpoint, requests }
    }

    /// SDK configuration pointed at the server: test credentials, one attempt per call.
    pub fn sdk_config(&self) -> SdkConfig {
        SdkConfig::builder()
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "testing", "testing", None, None, "replay",
            )))
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build()
    }

    /// The context of a `staging` read in us-east-1 through the server.
    pub fn region_context(&self) -> super::RegionContext {
        super::RegionContext {
            environment: "staging".into(),
            region: "us-east-1".into(),
            selection: crate::model::Selection {
                tag_key: "Environment".into(),
                ssm_paths: vec![],
            },
            sdk_config: self.sdk_config(),
            secure_digest: None,
            found: Default::default(),
        }
    }

    /// Every request received, as text.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("not poisoned").clone()
    }

    /// How many requests contained `pattern`.
    pub fn count(&self, pattern: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.contains(pattern))
            .count()
    }
}

fn serve(stream: TcpStream, recorded: &[Recorded], seen: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("stream"));
    let mut stream = stream;
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let end = line == "\r\n";
            head.push_str(&line);
            if end {
                break;
            }
        }
        let length = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())
                    .flatten()
            })
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let request = format!("{head}{}", String::from_utf8_lossy(&body));
        let answer = recorded
            .iter()
            .find(|r| r.patterns.iter().all(|p| request.contains(p.as_str())));
        seen.lock().expect("not poisoned").push(request);
        let (status, content_type, body) = match answer {
            Some(r) => (r.status, r.content_type, r.body.as_str()),
            None => (500, "text/plain", "no recorded response"),
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nx-amzn-requestid: replay\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

//! The test harness: a moto server per test, SDK clients for seeding it, and `driftscan` runs
//! pointed at it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The account moto puts everything in unless a role in another is assumed.
pub const ACCOUNT: &str = "123456789012";

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// The moto server the project's scripts install (`scripts/setup-emulators.sh`).
fn moto_server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("DRIFTSCAN_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    cache_dir().join("venv-moto/bin/moto_server")
}

/// A free loopback port (the listener is dropped just before the server binds it). Another
/// test's server may take it first: servers started on it are only trusted once they are seen
/// listening on it themselves ([`wait_http_ok`]).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A loopback port that refuses connections for as long as this value lives: bound, never
/// listening, and without `SO_REUSEADDR`, so no other test's server can take it meanwhile.
pub struct ClosedPort {
    _socket: socket2::Socket,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl ClosedPort {
    /// Reserves a port that refuses every connection.
    pub fn reserve() -> ClosedPort {
        let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)
            .expect("a socket");
        let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        socket.bind(&loopback.into()).expect("bind loopback");
        let port = socket
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .map(|a| a.port())
            .expect("a bound port");
        ClosedPort {
            _socket: socket,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }
}

/// Whether process `pid` itself holds the socket listening on `127.0.0.1:<port>` (Linux: the
/// socket's inode in `/proc/net/tcp` among the process's open files). A server that lost the
/// race for its port exits while another test's server answers there; a server listening on
/// every interface instead of loopback is never taken as ready either.
fn listens_on(pid: u32, port: u16) -> bool {
    let Some(inode) = listening_inode(port) else {
        return false;
    };
    let wanted = format!("socket:[{inode}]");
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_link(entry.path()).ok())
        .any(|target| target.as_os_str() == wanted.as_str())
}

/// The inode of the socket listening on `127.0.0.1:<port>`, from `/proc/net/tcp`.
fn listening_inode(port: u16) -> Option<String> {
    const LISTEN: &str = "0A";
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let local = format!("0100007F:{port:04X}");
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        (fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&LISTEN))
            .then(|| fields.get(9).map(|inode| inode.to_string()))
            .flatten()
    })
}

/// A running moto server, killed on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
    pub dir: tempfile::TempDir,
}

impl Moto {
    /// Starts moto on a free loopback port and waits until it answers. Panics (the test fails)
    /// when it cannot: a missing emulator is a broken test setup, never a reason to skip.
    pub fn start() -> Moto {
        let binary = moto_server_binary();
        assert!(
            binary.exists(),
            "moto is not installed at {}: run scripts/setup-emulators.sh (scripts/test does)",
            binary.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        for _attempt in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("moto.log")).expect("moto log");
            let mut child = dies_with_the_test(&mut Command::new(&binary))
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                // ACM issues a DNS-validated certificate once the validation record exists;
                // moto checks no record and issues after this many seconds instead.
                .env("MOTO_ACM_VALIDATION_WAIT", "0")
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            if wait_ready(port, &mut child) {
                return Moto {
                    child,
                    endpoint: format!("http://127.0.0.1:{port}"),
                    dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let log = std::fs::read_to_string(dir.path().join("moto.log")).unwrap_or_default();
        panic!("moto did not become ready on loopback; its log:\n{log}");
    }

    /// SDK configuration for seeding the emulator in `region`.
    pub async fn sdk_config(&self, region: &str) -> SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new(region.to_string()))
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await
    }

    /// Creates a reference-platform environment through `driftscan-infra`'s library.
    pub async fn provision(&self, environment: &str, region: &str) -> infra::Provisioned {
        let spec = infra::EnvironmentSpec::reference(environment, Some(region)).expect("spec");
        infra::apply(&self.sdk_config(region).await, &spec)
            .await
            .unwrap_or_else(|e| panic!("provisioning {environment} in {region}: {e}"))
    }

    /// Saves `environment`'s live snapshot (us-east-1) to `target`: a file or an `s3://` URI.
    pub fn save_snapshot(&self, environment: &str, target: impl AsRef<std::ffi::OsStr>) {
        self.driftscan()
            .args([
                "snapshot",
                "--env",
                environment,
                "--region",
                "us-east-1",
                "-q",
                "-o",
            ])
            .arg(target)
            .assert()
            .success();
    }

    /// `driftscan` with the emulator as its endpoint, test credentials, no instance metadata,
    /// and a working directory of its own (so no stray `driftscan.yaml` is read).
    pub fn driftscan(&self) -> assert_cmd::Command {
        let mut command = driftscan_command(&self.endpoint);
        command.current_dir(self.dir.path());
        command
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `driftscan <args> --format json` against the emulator: the exit code, the report, and
/// standard error.
pub fn json_report(moto: &Moto, args: &[&str]) -> (i32, scanner::model::Report, String) {
    let output = moto
        .driftscan()
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("driftscan runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not a report ({e}): {stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

/// A finding as the "exactly its findings" tests compare them: kind, `<kind>/<logical name>`,
/// path, severity, rule.
pub type FindingRow = (
    scanner::model::FindingKind,
    String,
    Option<String>,
    scanner::model::Severity,
    Option<String>,
);

/// A [`FindingRow`]; an empty `path` is none.
pub fn finding_row(
    kind: scanner::model::FindingKind,
    resource: &str,
    path: &str,
    severity: scanner::model::Severity,
    rule: Option<&str>,
) -> FindingRow {
    let path = Some(path.to_string()).filter(|p| !p.is_empty());
    (
        kind,
        resource.to_string(),
        path,
        severity,
        rule.map(str::to_string),
    )
}

/// `rows` in one order, whatever order they were found in.
pub fn sorted_rows(mut rows: Vec<FindingRow>) -> Vec<FindingRow> {
    rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    rows
}

/// The findings of a complete `driftscan scan --env <env> --region <region>` against the
/// shipped baselines, as sorted rows.
pub fn shipped_scan_rows(moto: &Moto, env: &str, region: &str) -> Vec<FindingRow> {
    let baselines = shipped_baselines().display().to_string();
    let args = [
        "scan",
        "--env",
        env,
        "--region",
        region,
        "--baselines",
        &baselines,
    ];
    let (_, report, stderr) = json_report(moto, &args);
    assert!(report.complete, "{stderr}");
    finding_rows(&report)
}

/// The findings of `report` as sorted [`FindingRow`]s.
pub fn finding_rows(report: &scanner::model::Report) -> Vec<FindingRow> {
    let rows = report
        .findings
        .iter()
        .map(|f| {
            let resource = format!("{}/{}", f.resource_type, f.logical_name);
            (
                f.kind,
                resource,
                f.path.clone(),
                f.severity,
                f.rule_id.clone(),
            )
        })
        .collect();
    sorted_rows(rows)
}

/// A directory holding `env`'s baseline as `baseline capture` writes it now.
pub fn captured_baselines(moto: &Moto, env: &str, region: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let capture = moto
        .driftscan()
        .args([
            "baseline", "capture", "--env", env, "--region", region, "-o",
        ])
        .arg(dir.path())
        .output()
        .expect("driftscan runs");
    let stderr = String::from_utf8_lossy(&capture.stderr);
    assert!(capture.status.success(), "capture of {env}: {stderr}");
    dir
}

/// `driftscan` pointed at `endpoint`, with the environment cleared of real AWS settings.
pub fn driftscan_command(endpoint: &str) -> assert_cmd::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_driftscan"));
    against_emulator(&mut command, endpoint);
    assert_cmd::Command::from_std(command)
}

/// Points a command at `endpoint` with test credentials, and clears what could reach a real
/// account or change its behaviour (profiles, regions, config files, instance metadata, logs).
pub fn against_emulator(command: &mut Command, endpoint: &str) {
    for var in [
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_SESSION_TOKEN",
        "DRIFTSCAN_CONFIG",
        "DRIFTSCAN_LOG",
        "DRIFTSCAN_SECURE_DIGEST_KEY",
    ] {
        command.env_remove(var);
    }
    command
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/driftscan-test-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/driftscan-test-credentials",
        )
        .env("NO_COLOR", "1");
}

fn wait_ready(port: u16, child: &mut Child) -> bool {
    wait_http_ok(port, "/moto-api/", child, Duration::from_secs(30))
}

/// A parsed `driftscan snapshot` result.
pub fn parse_snapshot(stdout: &[u8]) -> scanner::Snapshot {
    let text = std::str::from_utf8(stdout).expect("UTF-8 output");
    scanner::Snapshot::from_json(text).unwrap_or_else(|e| panic!("invalid snapshot: {e}\n{text}"))
}

/// Runs a future on a fresh runtime (seeding is async, the binary under test is not).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// A loopback HTTP server that answers every request with one canned response and counts the
/// requests: a stand-in for a service that throttles, denies or talks nonsense.
pub struct CannedServer {
    pub endpoint: String,
    requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl CannedServer {
    /// Starts the server on a free loopback port; it runs until the test process ends.
    pub fn start(status: &str, headers: &[(&str, &str)], body: &str) -> CannedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let endpoint = format!("http://{}", listener.local_addr().expect("address"));
        let mut response = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(body);
        let requests = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let response = response.clone();
                std::thread::spawn(move || answer(stream, &response));
            }
        });
        CannedServer { endpoint, requests }
    }

    /// Requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Reads one request (headers and body) and writes the canned response, then closes.
fn answer(mut stream: TcpStream, response: &str) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let Ok(n) = stream.read(&mut buffer) else {
            return;
        };
        if n == 0 {
            return;
        }
        received.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&received);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0usize);
            if received.len() >= end + 4 + length {
                break;
            }
        }
    }
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
}

/// LocalStack core (CloudWatch only: the Rust CloudWatch SDK speaks RPC v2 CBOR, which moto does
/// not), started from the venv `scripts/setup-emulators.sh` makes, on a free loopback port, with
/// every outside call it would make turned off. Killed on drop.
pub struct LocalStack {
    child: Child,
    pub endpoint: String,
    _dir: tempfile::TempDir,
}

impl LocalStack {
    /// Starts LocalStack and waits until CloudWatch is available. Panics (the test fails) when
    /// it cannot.
    pub fn start() -> LocalStack {
        let python = std::env::var_os("DRIFTSCAN_LOCALSTACK_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| cache_dir().join("venv-localstack/bin/python"));
        assert!(
            python.exists(),
            "LocalStack is not installed at {}: run scripts/setup-emulators.sh (scripts/test does)",
            python.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        for _attempt in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(dir.path().join("localstack.log")).expect("log");
            let mut child = dies_with_the_test(&mut Command::new(&python))
                .args(["-m", "localstack.runtime.main"])
                .current_dir(dir.path())
                .env("GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
                // Hypercorn binds the address given; the default (Twisted) listens on 0.0.0.0
                // whatever GATEWAY_LISTEN names.
                .env("GATEWAY_SERVER", "hypercorn")
                .env("SERVICES", "cloudwatch")
                // Nothing leaves the machine: no DNS server, no certificate download, no
                // analytics.
                .env("DNS_ADDRESS", "0")
                .env("SKIP_SSL_CERT_DOWNLOAD", "1")
                .env("DISABLE_EVENTS", "1")
                // Its files (the metrics database among them) in this test's directory, not
                // shared with the other tests' instances: host mode even inside a container
                // (in container mode every instance uses /var/lib/localstack and /tmp/localstack
                // and clears the latter on start).
                .env("OVERRIDE_IN_DOCKER", "0")
                .env("FILESYSTEM_ROOT", dir.path().join("filesystem"))
                .env("LOCALSTACK_VOLUME_DIR", dir.path().join("volume"))
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
            if wait_http_ok(
                port,
                "/_localstack/health",
                &mut child,
                Duration::from_secs(90),
            ) {
                return LocalStack {
                    child,
                    endpoint: format!("http://127.0.0.1:{port}"),
                    _dir: dir,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let log = std::fs::read_to_string(dir.path().join("localstack.log")).unwrap_or_default();
        panic!("LocalStack did not become ready on loopback; its log:\n{log}");
    }

    /// A CloudWatch client for reading back what was published.
    pub async fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_ssm::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        aws_sdk_cloudwatch::Client::new(&config)
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cache_dir() -> PathBuf {
    std::env::var_os("DRIFTSCAN_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache/driftscan")
        })
}

/// Waits until `child` listens on the loopback port and `GET path` there answers 200.
fn wait_http_ok(port: u16, path: &str, child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if !listens_on(child.id(), port) {
            std::thread::sleep(Duration::from_millis(200));
            continue;
        }
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            let mut response = String::new();
            if stream.write_all(request.as_bytes()).is_ok()
                && stream.read_to_string(&mut response).is_ok()
                && response.starts_with("HTTP/1.1 200")
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

/// An SNS topic with two SQS subscribers, as a machine subscriber and a person's mail client
/// would see it: `raw` (raw delivery: the `sqs` variant of the message as the body) and
/// `envelope` (the standard SNS envelope with Subject and MessageAttributes).
pub struct AlertInbox {
    pub topic_arn: String,
    sqs: aws_sdk_sqs::Client,
    raw: String,
    envelope: String,
}

impl AlertInbox {
    /// Writes a `driftscan.yaml` into `dir` that publishes to this topic, metrics as EMF lines
    /// (no CloudWatch needed); returns its path.
    pub fn config_file(&self, dir: &std::path::Path) -> PathBuf {
        let file = dir.join("driftscan.yaml");
        let text = format!(
            "publish:\n  topic_arn: {}\n  metrics: emf\n",
            self.topic_arn
        );
        std::fs::write(&file, text).expect("config file");
        file
    }

    /// Creates the topic, the queues and the subscriptions in the emulator.
    pub async fn create(config: &SdkConfig) -> AlertInbox {
        let sns = aws_sdk_sns::Client::new(config);
        let sqs = aws_sdk_sqs::Client::new(config);
        let topic_arn = sns
            .create_topic()
            .name("driftscan-alerts")
            .send()
            .await
            .expect("topic")
            .topic_arn
            .expect("topic arn");
        let mut urls = Vec::new();
        for (name, raw) in [("alerts-raw", true), ("alerts-envelope", false)] {
            let url = sqs
                .create_queue()
                .queue_name(name)
                .send()
                .await
                .expect("queue")
                .queue_url
                .expect("url");
            let arn = sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .send()
                .await
                .expect("queue attributes")
                .attributes
                .and_then(|a| {
                    a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                        .cloned()
                })
                .expect("queue arn");
            let mut subscribe = sns
                .subscribe()
                .topic_arn(&topic_arn)
                .protocol("sqs")
                .endpoint(arn);
            if raw {
                subscribe = subscribe.attributes("RawMessageDelivery", "true");
            }
            subscribe.send().await.expect("subscription");
            urls.push(url);
        }
        let envelope = urls.pop().expect("two queues");
        let raw = urls.pop().expect("two queues");
        AlertInbox {
            topic_arn,
            sqs,
            raw,
            envelope,
        }
    }

    /// Takes every message delivered since the last call: (machine alerts, envelopes).
    pub async fn drain(&self) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
        let mut out = Vec::new();
        for url in [&self.raw, &self.envelope] {
            let mut bodies = Vec::new();
            loop {
                let received = self
                    .sqs
                    .receive_message()
                    .queue_url(url)
                    .max_number_of_messages(10)
                    .send()
                    .await
                    .expect("receive");
                let messages = received.messages.unwrap_or_default();
                if messages.is_empty() {
                    break;
                }
                for message in messages {
                    let body = message.body.unwrap_or_default();
                    bodies.push(serde_json::from_str(&body).unwrap_or_else(|e| {
                        panic!("delivered body is not whole JSON ({e}): {body}")
                    }));
                    self.sqs
                        .delete_message()
                        .queue_url(url)
                        .receipt_handle(message.receipt_handle.unwrap_or_default())
                        .send()
                        .await
                        .expect("delete");
                }
            }
            out.push(bodies);
        }
        let envelopes = out.pop().expect("two queues");
        (out.pop().expect("two queues"), envelopes)
    }
}

/// The maximum and the number of samples of `Driftscan/<metric>` with exactly `dimensions`
/// over the last hour, as published to CloudWatch.
pub async fn metric_stats(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    metric: &str,
    dimensions: &[(&str, &str)],
) -> (f64, f64) {
    use aws_sdk_cloudwatch::types::{Dimension, Statistic};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let mut request = cloudwatch
        .get_metric_statistics()
        .namespace("Driftscan")
        .metric_name(metric)
        .start_time(aws_smithy_types::DateTime::from_secs(now - 3600))
        .end_time(aws_smithy_types::DateTime::from_secs(now + 60))
        .period(60)
        .statistics(Statistic::Maximum)
        .statistics(Statistic::SampleCount);
    for (name, value) in dimensions {
        request = request.dimensions(Dimension::builder().name(*name).value(*value).build());
    }
    let points = request
        .send()
        .await
        .expect("GetMetricStatistics")
        .datapoints
        .unwrap_or_default();
    let max = points
        .iter()
        .filter_map(|p| p.maximum)
        .fold(f64::NEG_INFINITY, f64::max);
    let samples = points.iter().filter_map(|p| p.sample_count).sum();
    (max, samples)
}

/// The repository's `baselines/` directory.
pub fn shipped_baselines() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baselines")
}

/// An ingress rule opening the database port to the world: the drift most tests make by hand.
/// Opens `group` to the world on the database port, out of band (in us-east-1).
pub async fn open_to_the_world(moto: &Moto, group: &str) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config("us-east-1").await);
    ec2.authorize_security_group_ingress()
        .group_id(group)
        .ip_permissions(world_open_database_port())
        .send()
        .await
        .unwrap_or_else(|e| panic!("opening {group}: {e:?}"));
}

pub fn world_open_database_port() -> aws_sdk_ec2::types::IpPermission {
    use aws_sdk_ec2::types::{IpPermission, IpRange};
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build()
}

/// Registers `worker-staging`, a Fargate task definition whose container takes its database
/// password from SSM (`/staging/db-password`) as an ECS secret; returns its ARN.
pub async fn register_worker_with_secret(ecs_client: &aws_sdk_ecs::Client) -> String {
    use aws_sdk_ecs::types as ecs;
    let registered = ecs_client
        .register_task_definition()
        .family("worker-staging")
        .network_mode(ecs::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ecs::ContainerDefinition::builder()
                .name("worker")
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/worker:staging-1")
                .secrets(
                    ecs::Secret::builder()
                        .name("DB_PASSWORD")
                        .value_from(
                            "arn:aws:ssm:us-east-1:123456789012:parameter/staging/db-password",
                        )
                        .build()
                        .expect("secret"),
                )
                .build(),
        )
        .send()
        .await
        .expect("register worker");
    registered
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .expect("arn")
        .to_string()
}

/// Makes an emulator die with the test that started it, even when the test process aborts
/// before `Drop` runs (a stack overflow does): the kernel sends it SIGKILL when the starting
/// thread ends. Emulators are started on the test's own thread, which lives as long as the test.
fn dies_with_the_test(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl, which is
    // async-signal-safe and touches no memory shared with the parent.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// The bucket the Lambda keeps its HTML reports in (`DRIFTSCAN_REPORT_BUCKET` in
/// `lambda::function_env`).
pub const REPORT_BUCKET: &str = "driftscan-reports-test";

/// Creates [`REPORT_BUCKET`] in the emulator.
pub async fn create_report_bucket(config: &SdkConfig) {
    scanner::aws::s3_client(config)
        .create_bucket()
        .bucket(REPORT_BUCKET)
        .send()
        .await
        .expect("report bucket");
}

/// Every report kept in [`REPORT_BUCKET`], as (key, content type, page).
pub async fn stored_reports(config: &SdkConfig) -> Vec<(String, String, String)> {
    let s3 = scanner::aws::s3_client(config);
    let listed = s3
        .list_objects_v2()
        .bucket(REPORT_BUCKET)
        .send()
        .await
        .expect("list reports");
    let mut out = Vec::new();
    for object in listed.contents() {
        let key = object.key().unwrap_or_default().to_string();
        let got = s3
            .get_object()
            .bucket(REPORT_BUCKET)
            .key(&key)
            .send()
            .await
            .expect("get report");
        let content_type = got.content_type().unwrap_or_default().to_string();
        let bytes = got.body.collect().await.expect("report body").into_bytes();
        out.push((
            key,
            content_type,
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    out
}

/// One HTTP/1.1 request read off a connection.
pub struct HttpRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target.
    pub path: String,
    /// The body (`Content-Length` bytes), as text.
    pub body: String,
}

/// The next request on the connection (its line, headers and body); `None` when it closed.
/// The loopback servers of the tests share it (the CloudTrail stand-in, the Runtime API).
pub fn read_http_request(reader: &mut BufReader<TcpStream>) -> Option<HttpRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 {
            return None;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(HttpRequest {
        method,
        path,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}

//! A real browser for pages people open: Debian's headless Chromium, driven over the DevTools
//! protocol on a pipe (`--remote-debugging-pipe`: requests on the child's fd 3, answers and
//! events on its fd 4, each a JSON message ended by a NUL byte), so no port is opened and no
//! driver is installed.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one DevTools answer may take before the test fails.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(60);

/// A headless Chromium with one page open.
pub struct Browser {
    child: Child,
    requests: std::fs::File,
    messages: Receiver<Value>,
    next_id: u64,
    session: String,
    /// Every event the page sent so far (console messages, requests, dialogs, ...).
    pub events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// What a page did while it loaded.
pub struct PageLoad {
    /// `document.body.innerText`.
    pub text: String,
    /// Console errors, uncaught exceptions and error log entries.
    pub errors: Vec<String>,
    /// Every URL requested besides the page itself.
    pub requests: Vec<String>,
    /// Dialogs opened (`alert(...)`): a script ran.
    pub dialogs: Vec<String>,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    // SAFETY: pipe2 succeeded, so both descriptors are open and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    /// Starts `$DRIFTSCAN_CHROMIUM` (set by `scripts/setup-emulators.sh`), with networking
    /// features off, a fresh profile and a 1280x900 window. Fails, never skips, without it.
    pub fn start() -> Browser {
        let binary = std::env::var("DRIFTSCAN_CHROMIUM").expect(
            "DRIFTSCAN_CHROMIUM is not set: run `eval \"$(scripts/setup-emulators.sh all)\"`, which installs Debian's chromium-headless-shell",
        );
        let profile = tempfile::tempdir().expect("profile dir");
        let (child_reads, requests) = pipe();
        let (messages, child_writes) = pipe();
        let (r, w) = (child_reads.as_raw_fd(), child_writes.as_raw_fd());
        let mut command = Command::new(&binary);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--window-size=1280,900",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        use std::os::unix::process::CommandExt;
        // SAFETY: runs in the forked child before exec; only async-signal-safe calls (fcntl,
        // dup2, prctl) on descriptors the child inherited. The pipe ends are first copied above
        // 10 so that placing them at 3 and 4 cannot overwrite one with the other.
        unsafe {
            command.pre_exec(move || {
                let (r, w) = (
                    libc::fcntl(r, libc::F_DUPFD, 10),
                    libc::fcntl(w, libc::F_DUPFD, 10),
                );
                if r < 0
                    || w < 0
                    || libc::dup2(r, 3) < 0
                    || libc::dup2(w, 4) < 0
                    || libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1
                {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e}"));
        drop((child_reads, child_writes));

        let (sender, receiver) = mpsc::channel();
        let mut reader = BufReader::new(std::fs::File::from(messages));
        std::thread::spawn(move || loop {
            let mut message = Vec::new();
            match reader.read_until(0, &mut message) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    message.pop();
                    let Ok(value) = serde_json::from_slice::<Value>(&message) else {
                        continue;
                    };
                    if sender.send(value).is_err() {
                        break;
                    }
                }
            }
        });
        let mut browser = Browser {
            child,
            requests: std::fs::File::from(requests),
            messages: receiver,
            next_id: 0,
            session: String::new(),
            events: Vec::new(),
            _profile: profile,
        };
        let target = browser.call("Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = browser.call(
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        browser.session = attached["sessionId"]
            .as_str()
            .expect("sessionId")
            .to_string();
        for domain in ["Page", "Runtime", "Log", "Network"] {
            browser.call(&format!("{domain}.enable"), json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    /// Sends one DevTools command (to the page once attached) and waits for its answer.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if !self.session.is_empty() {
            message["sessionId"] = json!(self.session);
        }
        let mut bytes = serde_json::to_vec(&message).expect("json");
        bytes.push(0);
        self.requests
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("the browser is gone ({method}): {e}"));
        let answer =
            self.receive_until(&format!("an answer to {method}"), |m| m["id"] == json!(id));
        if let Some(error) = answer.get("error") {
            panic!("{method} failed: {error}");
        }
        answer["result"].clone()
    }

    /// Waits for an event of `method` (one already received counts).
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        let event = self.receive_until(method, |m| m["method"] == method);
        self.events.push(event);
    }

    /// Receives messages until one `is_it`, which it answers; the others are kept as events.
    /// Fails the test when none comes within [`ANSWER_TIMEOUT`].
    fn receive_until(&mut self, what: &str, is_it: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + ANSWER_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no {what} within {ANSWER_TIMEOUT:?}: {e}"));
            if is_it(&message) {
                return message;
            }
            self.events.push(message);
        }
    }

    /// Opens `url`, waits for its load event, and reports what the page did.
    pub fn open(&mut self, url: &str) -> PageLoad {
        self.events.clear();
        self.call("Page.navigate", json!({"url": url}));
        self.wait_for("Page.loadEventFired");
        let text = self.evaluate("document.body.innerText");
        let text = text.as_str().unwrap_or_default().to_string();
        let mut load = PageLoad {
            text,
            errors: Vec::new(),
            requests: Vec::new(),
            dialogs: Vec::new(),
        };
        for event in &self.events {
            let params = &event["params"];
            match event["method"].as_str().unwrap_or_default() {
                "Runtime.consoleAPICalled" if params["type"] == "error" => {
                    load.errors.push(params["args"].to_string())
                }
                "Runtime.exceptionThrown" => {
                    load.errors.push(params["exceptionDetails"].to_string())
                }
                "Log.entryAdded" if params["entry"]["level"] == "error" => {
                    load.errors.push(params["entry"]["text"].to_string())
                }
                "Network.requestWillBeSent" => {
                    let requested = params["request"]["url"].as_str().unwrap_or_default();
                    if requested != url {
                        load.requests.push(requested.to_string());
                    }
                }
                "Page.javascriptDialogOpening" => load.dialogs.push(params["message"].to_string()),
                _ => {}
            }
        }
        load
    }

    /// The value of a JavaScript expression in the page (the test's own, not the page's:
    /// the report itself runs no script).
    pub fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        if let Some(exception) = result.get("exceptionDetails") {
            panic!("{expression} threw: {exception}");
        }
        result["result"]["value"].clone()
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        aws_smithy_types::base64::decode(shot["data"].as_str().expect("png data"))
            .expect("base64 png")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

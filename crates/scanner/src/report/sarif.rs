//! SARIF 2.1.0, as GitHub code scanning reads it: each finding points at the baseline file and
//! line that declared the expectation.

use serde_json::{json, Value};

use super::{rule_id, RenderOptions, KIND_RULES};
use crate::model::{Report, Severity};
use crate::rules::RULES;

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// GitHub's `security-severity` score for a severity.
fn score(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

/// A rule's `name`: its id in PascalCase (`DbIngressFromAnywhere`). SARIF wants the name
/// readable and different from the stable id (SARIF 2.1.0 §3.49.7; the SARIF validator's
/// SARIF1001).
fn display_name(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// A baseline file's path as an artifact URI: relative as given (`baselines/prod.yaml`, which
/// GitHub resolves against the repository), an absolute path as a `file://` URI (SARIF 2.1.0
/// §3.4.3: a relative reference must not begin with a slash; the validator's SARIF1004), with
/// `.` and `..` segments resolved (SARIF1002).
fn artifact_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "." => {}
            ".." if segments.last().is_some_and(|s| !s.is_empty() && *s != "..") => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let path = segments.join("/");
    let encoded: String = path
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect();
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// Renders the SARIF log.
pub fn render(report: &Report, options: &RenderOptions) -> String {
    let mut rules: Vec<Value> = KIND_RULES
        .iter()
        .map(|(kind, text)| {
            json!({
                "id": kind.as_str(),
                "name": format!("{}Finding", display_name(kind.as_str())),
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["drift"]},
            })
        })
        .collect();
    rules.extend(RULES.iter().map(|rule| {
        let controls = crate::rules::controls::controls_of(rule.id);
        let mut tags = vec!["compliance".to_string()];
        tags.extend(controls.iter().map(|c| c.label()));
        let mut described = json!({
            "id": rule.id,
            "name": display_name(rule.id),
            "shortDescription": {"text": rule.id.replace('-', " ")},
            "fullDescription": {"text": rule.rationale},
            "defaultConfiguration": {"level": level(rule.severity)},
            "properties": {"tags": tags, "security-severity": score(rule.severity)},
        });
        if let Some(control) = controls.first() {
            described["helpUri"] = json!(control.url());
        }
        described
    }));
    let rule_ids: Vec<String> = rules
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default().to_string())
        .collect();

    let fallback = report
        .baseline_files
        .last()
        .cloned()
        .unwrap_or_else(|| "baselines".to_string());
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let id = rule_id(f);
            let (uri, line) = match &f.source {
                Some(source) => (artifact_uri(&source.file), source.line.max(1)),
                None => (artifact_uri(&fallback), 1),
            };
            let mut result = json!({
                "ruleId": id,
                "level": level(f.severity),
                "message": {"text": match f.attribution_line() {
                    Some(line) => format!("[{}] {}/{}: {} ({line})", f.environment, f.resource_type, f.logical_name, f.message),
                    None => format!("[{}] {}/{}: {}", f.environment, f.resource_type, f.logical_name, f.message),
                }},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": line},
                    },
                    "logicalLocations": [{
                        "name": f.logical_name,
                        "fullyQualifiedName": format!("{}/{}/{}/{}", f.environment, f.region, f.resource_type, f.logical_name),
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": {"driftscanFinding/v1": f.fingerprint},
                "properties": {
                    "severity": f.severity,
                    "kind": f.kind,
                    "environment": f.environment,
                    "region": f.region,
                    "physicalId": f.physical_id,
                    "path": f.path,
                    "expected": f.expected,
                    "actual": f.actual,
                    "security-severity": score(f.severity),
                },
            });
            if let Some(attribution) = &f.attribution {
                result["properties"]["attribution"] = json!(attribution);
            }
            if let Some(index) = rule_ids.iter().position(|r| *r == id) {
                result["ruleIndex"] = json!(index);
            }
            result
        })
        .collect();

    let notifications: Vec<Value> = report
        .failures
        .iter()
        .map(|failure| json!({"level": "error", "message": {"text": failure.to_string()}}))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "driftscan",
                "version": options.version,
                // One setting: the workspace's `repository` in Cargo.toml.
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules,
            }},
            "automationDetails": {"id": format!("driftscan/{}/{}/", report.command, report.environment)},
            "invocations": [{
                "executionSuccessful": report.complete,
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    });
    let mut log = log;
    if let Some(matrix) = &report.parity {
        // SARIF's property bag: the whole matrix, for tools that read more than results.
        log["runs"][0]["properties"] = json!({ "parity": matrix });
    }
    let mut out = serde_json::to_string_pretty(&log).expect("SARIF serializes");
    out.push('\n');
    out
}

/// GitHub code scanning's hard limits on one uploaded SARIF file: 20 runs per file, 25,000
/// results and 25,000 rules per run
/// (<https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/results-exceed-limit>),
/// and 10 MB gzip-compressed
/// (<https://docs.github.com/en/code-security/code-scanning/troubleshooting-sarif-uploads/file-too-large>).
/// A file beyond any of them is rejected whole.
pub mod github_limits {
    use serde_json::Value;

    /// Runs per file.
    pub const RUNS_PER_FILE: usize = 20;
    /// Results per run.
    pub const RESULTS_PER_RUN: usize = 25_000;
    /// Rules per run.
    pub const RULES_PER_RUN: usize = 25_000;
    /// Bytes of the gzip-compressed file.
    pub const GZIPPED_BYTES: usize = 10 * 1024 * 1024;

    /// A SARIF file GitHub would reject: which limit it breaks, and how many runs it holds.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Exceeded {
        /// The runs (reports) in the file.
        pub runs: usize,
        /// The limit broken.
        pub limit: Limit,
    }

    /// One of GitHub's limits, broken: by how much, and where.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Limit {
        /// More runs than [`RUNS_PER_FILE`].
        Runs(usize),
        /// A run with more results than [`RESULTS_PER_RUN`].
        Results {
            /// The run's `automationDetails.id`.
            run: String,
            /// Its results.
            count: usize,
        },
        /// A run with more rules than [`RULES_PER_RUN`].
        Rules {
            /// The run's `automationDetails.id`.
            run: String,
            /// Its rules.
            count: usize,
        },
        /// More compressed bytes than [`GZIPPED_BYTES`].
        Gzipped(usize),
    }

    impl Exceeded {
        /// Whether one file per report would be within the limits as far as this one goes.
        pub fn splits_by_report(&self) -> bool {
            self.runs > 1
        }
    }

    impl std::fmt::Display for Exceeded {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            match &self.limit {
                Limit::Runs(runs) => write!(
                    f,
                    "{runs} runs (one per report), where GitHub code scanning takes at most {RUNS_PER_FILE} per file"
                ),
                Limit::Results { run, count } => write!(
                    f,
                    "{run}: {count} results, where GitHub takes at most {RESULTS_PER_RUN} per run"
                ),
                Limit::Rules { run, count } => write!(
                    f,
                    "{run}: {count} rules, where GitHub takes at most {RULES_PER_RUN} per run"
                ),
                Limit::Gzipped(bytes) => write!(
                    f,
                    "{bytes} bytes gzip-compressed, where GitHub takes at most {GZIPPED_BYTES}"
                ),
            }
        }
    }

    /// What in the SARIF log `text` (`gzipped_bytes` compressed) breaks a limit, if anything.
    pub fn exceeded(text: &str, gzipped_bytes: usize) -> Option<Exceeded> {
        let log: Value = serde_json::from_str(text).ok()?;
        let runs = log["runs"].as_array().map_or(&[][..], Vec::as_slice);
        let broken = |limit| {
            Some(Exceeded {
                runs: runs.len(),
                limit,
            })
        };
        if runs.len() > RUNS_PER_FILE {
            return broken(Limit::Runs(runs.len()));
        }
        let count = |run: &Value, pointer: &str| {
            run.pointer(pointer)
                .and_then(Value::as_array)
                .map_or(0, Vec::len)
        };
        for run in runs {
            let id = run
                .pointer("/automationDetails/id")
                .and_then(Value::as_str)
                .unwrap_or("a run")
                .to_string();
            let results = count(run, "/results");
            if results > RESULTS_PER_RUN {
                return broken(Limit::Results {
                    run: id,
                    count: results,
                });
            }
            let rules = count(run, "/tool/driver/rules");
            if rules > RULES_PER_RUN {
                return broken(Limit::Rules {
                    run: id,
                    count: rules,
                });
            }
        }
        if gzipped_bytes > GZIPPED_BYTES {
            return broken(Limit::Gzipped(gzipped_bytes));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_paths_are_uri_references_and_rule_names_differ_from_ids() {
        assert_eq!(artifact_uri("baselines/prod.yaml"), "baselines/prod.yaml");
        assert_eq!(
            artifact_uri("/srv/my repo/baselines/prod#1.yaml"),
            "file:///srv/my%20repo/baselines/prod%231.yaml"
        );
        assert_eq!(
            artifact_uri("/work/repo/crates/cli/../../baselines/./base.yaml"),
            "file:///work/repo/baselines/base.yaml"
        );
        assert_eq!(
            artifact_uri("../baselines/prod.yaml"),
            "../baselines/prod.yaml"
        );
        assert_eq!(
            display_name("db-ingress-from-anywhere"),
            "DbIngressFromAnywhere"
        );
    }
}

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

/// Renders the SARIF log.
pub fn render(report: &Report, options: &RenderOptions) -> String {
    let mut rules: Vec<Value> = KIND_RULES
        .iter()
        .map(|(kind, text)| {
            json!({
                "id": kind.as_str(),
                "name": kind.as_str(),
                "shortDescription": {"text": text},
                "defaultConfiguration": {"level": "warning"},
                "properties": {"tags": ["drift"]},
            })
        })
        .collect();
    rules.extend(RULES.iter().map(|rule| {
        json!({
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": rule.id.replace('-', " ")},
            "fullDescription": {"text": rule.rationale},
            "defaultConfiguration": {"level": level(rule.severity)},
            "properties": {"tags": ["compliance"], "security-severity": score(rule.severity)},
        })
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
                Some(source) => (source.file.to_string(), source.line.max(1)),
                None => (fallback.clone(), 1),
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

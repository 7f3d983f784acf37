//! Drift alerts, pure: what is new, changed or resolved since the last alert, and the one SNS
//! message per run that says so (sized to SNS's limit, summarised rather than cut).
//!
//! - A finding alerts once. A finding whose values change (same resource, path and rule, another
//!   fingerprint) alerts again as "changed". A remembered finding that is gone is "resolved",
//!   but only where the scan read that region and resource kind: nothing is concluded about what
//!   could not be read.
//! - An incomplete scan alerts as such when it starts and whenever the set of failures changes,
//!   and a "recovered" notice follows when scans complete again.

pub mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Finding, FindingKind, Report, Severity};
pub use state::{Remembered, ReportState};

/// SNS's limit on a message, attributes included (256 KiB).
pub const SNS_MAX_BYTES: usize = 262_144;
/// SNS's limit on a subject.
pub const SUBJECT_MAX_CHARS: usize = 100;
/// The `schema` of the machine-readable alert.
pub const ALERT_SCHEMA: &str = "driftscan.alert/v1";
/// Longest `expected`/`actual` value shown as JSON before it is elided.
const VALUE_MAX_BYTES: usize = 1024;

/// The state key of a report: `scan/staging`, `compare/staging/prod`,
/// `compare/dev/staging/prod`.
pub fn report_key(report: &Report) -> String {
    format!("{}/{}", report.command, report.environments().join("/"))
}

/// The command that reproduces a report locally.
pub fn reproduce_command(report: &Report) -> String {
    let regions: String = report
        .regions
        .iter()
        .map(|r| format!(" --region {r}"))
        .collect();
    match report.command.as_str() {
        "compare" => format!(
            "driftscan compare {}{regions}",
            report.environments().join(" ")
        ),
        _ => format!("driftscan scan --env {}{regions}", report.environment),
    }
}

/// How a report's completeness changed since the last alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Completeness {
    /// Complete now and before.
    Unchanged,
    /// Incomplete, with failures not alerted before.
    Incomplete,
    /// Incomplete, with the same failures as already alerted.
    StillIncomplete,
    /// Complete again after an alerted incomplete scan.
    Recovered,
}

/// What changed in one report since the last alert, and the state to remember next.
#[derive(Debug, Clone)]
pub struct ReportDelta<'r> {
    /// The report.
    pub report: &'r Report,
    /// Its state key.
    pub key: String,
    /// Findings never alerted.
    pub new: Vec<&'r Finding>,
    /// Findings alerted before with other values.
    pub changed: Vec<&'r Finding>,
    /// Alerted findings that are gone.
    pub resolved: Vec<Remembered>,
    /// How completeness changed.
    pub completeness: Completeness,
    /// The state to save once the alert is out.
    pub next_state: ReportState,
    /// Where the run's HTML report of this report was kept, when it was.
    pub stored: Option<StoredReport>,
    /// The run's time (seconds since the epoch), when known: resolved findings whose first
    /// sighting the state kept then say how long they were open.
    pub now_secs: Option<u64>,
}

/// A report kept as an HTML page (S3), for an alert to link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredReport {
    /// `s3://<bucket>/<key>`.
    pub uri: String,
    /// The object in the S3 console, where a person signed in opens it.
    pub console_url: String,
}

impl ReportDelta<'_> {
    /// Whether there is anything to tell.
    pub fn has_news(&self) -> bool {
        !self.new.is_empty()
            || !self.changed.is_empty()
            || !self.resolved.is_empty()
            || matches!(
                self.completeness,
                Completeness::Incomplete | Completeness::Recovered
            )
    }
}

/// A signature of a report's failures (regions, services, operations, codes), so the same
/// outage alerts once.
fn failure_signature(report: &Report) -> Option<String> {
    if report.complete {
        return None;
    }
    let mut parts: Vec<String> = report
        .failures
        .iter()
        .map(|f| format!("{} {} {} {}", f.region, f.service, f.operation, f.code))
        .collect();
    parts.sort();
    parts.dedup();
    let digest = Sha256::digest(parts.join("\n").as_bytes());
    Some(hex::encode(&digest[..8]))
}

/// Compares `report` with what was alerted before. Findings below `min_severity` neither alert
/// nor are remembered.
pub fn delta<'r>(
    report: &'r Report,
    previous: &ReportState,
    min_severity: Severity,
) -> ReportDelta<'r> {
    let current: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.severity >= min_severity)
        .collect();
    let current_fingerprints: BTreeSet<&str> =
        current.iter().map(|f| f.fingerprint.as_str()).collect();
    let current_identities: BTreeSet<String> = current.iter().map(|f| f.identity()).collect();
    let previous_identities: BTreeSet<&str> = previous
        .findings
        .values()
        .map(|r| r.identity.as_str())
        .collect();

    let mut new = Vec::new();
    let mut changed = Vec::new();
    for finding in &current {
        if previous.findings.contains_key(&finding.fingerprint) {
            continue;
        }
        if previous_identities.contains(finding.identity().as_str()) {
            changed.push(*finding);
        } else {
            new.push(*finding);
        }
    }

    // Resolved only where this run looked: its regions, minus what failed to read (a rescan of
    // one region after a change event says nothing about the others).
    // A finding without a region (a resource missing everywhere) was read when its kind was
    // read in every region of the report.
    let was_read = |r: &Remembered| {
        (r.region.is_empty() || report.regions.contains(&r.region))
            && !report.failures.iter().any(|f| {
                (r.region.is_empty() || f.region == r.region) && f.kinds.contains(&r.resource_type)
            })
    };
    let mut resolved = Vec::new();
    let mut kept_unread = Vec::new();
    for remembered in previous.findings.values() {
        if current_fingerprints.contains(remembered.fingerprint.as_str())
            || current_identities.contains(&remembered.identity)
        {
            continue;
        }
        if was_read(remembered) {
            resolved.push(remembered.clone());
        } else {
            // Not seen because not read: still alerted, not resolved.
            kept_unread.push(remembered.clone());
        }
    }

    let signature = failure_signature(report);
    let completeness = match (&previous.incomplete, &signature) {
        (None, None) => Completeness::Unchanged,
        (Some(_), None) => Completeness::Recovered,
        (Some(before), Some(now)) if before == now => Completeness::StillIncomplete,
        (_, Some(_)) => Completeness::Incomplete,
    };

    // A finding stays as old as its identity: a change of values does not reset its age, and
    // its first attribution stays with it.
    let first_seen = previous.first_sightings();
    let first_attribution: BTreeMap<&str, &Remembered> = previous
        .findings
        .values()
        .filter(|r| r.attribution.is_some())
        .map(|r| (r.identity.as_str(), r))
        .collect();
    let mut next_state = ReportState {
        findings: current
            .iter()
            .map(|f| {
                let mut remembered = Remembered::of(f);
                remembered.first_seen = first_seen.get(remembered.identity.as_str()).copied();
                if let Some(earlier) = first_attribution.get(remembered.identity.as_str()) {
                    remembered.attribution = earlier.attribution.clone();
                }
                (f.fingerprint.clone(), remembered)
            })
            .collect(),
        incomplete: signature,
    };
    for remembered in kept_unread {
        next_state
            .findings
            .insert(remembered.fingerprint.clone(), remembered);
    }
    ReportDelta {
        report,
        key: report_key(report),
        new,
        changed,
        resolved,
        completeness,
        next_state,
        stored: None,
        now_secs: None,
    }
}

/// The age in days of the oldest open finding `state` remembers a first sighting of (0 when
/// nothing is open; `None` when none of them has one).
pub fn oldest_open_days(state: &ReportState, now_secs: u64) -> Option<f64> {
    if state.findings.is_empty() {
        return Some(0.0);
    }
    state
        .findings
        .values()
        .filter_map(|r| r.first_seen)
        .min()
        .map(|first| now_secs.saturating_sub(first) as f64 / 86_400.0)
}

/// Days `resolved` was open, when its first sighting and the run's time are known.
fn open_days(resolved: &Remembered, now_secs: Option<u64>) -> Option<f64> {
    let days = now_secs?.saturating_sub(resolved.first_seen?) as f64 / 86_400.0;
    Some((days * 10.0).round() / 10.0)
}

/// Mean days open of every finding the deltas resolve whose first sighting is known.
pub fn mean_time_to_resolve_days<'a, 'r: 'a>(
    deltas: impl IntoIterator<Item = &'a ReportDelta<'r>>,
) -> Option<f64> {
    let days: Vec<f64> = deltas
        .into_iter()
        .flat_map(|d| d.resolved.iter().filter_map(|r| open_days(r, d.now_secs)))
        .collect();
    (!days.is_empty()).then(|| {
        let mean = days.iter().sum::<f64>() / days.len() as f64;
        (mean * 10.0).round() / 10.0
    })
}

/// One message attribute (for SNS subscription filter policies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// `String` or `String.Array`.
    pub data_type: &'static str,
    /// The value (a JSON array for `String.Array`).
    pub value: String,
}

/// The alert for one run: a subject, a text for people, a JSON document for machines, and
/// attributes for filter policies.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertMessage {
    /// The subject line (at most 100 ASCII characters, one line).
    pub subject: String,
    /// The SNS message body with `MessageStructure=json`: `default`, `email`, `email-json`,
    /// `sqs`, `lambda` and `https` variants.
    pub structured: String,
    /// The plain-text body (what the `default` and `email` variants carry).
    pub text: String,
    /// The machine-readable alert (what the `sqs` and `lambda` variants carry).
    pub json: String,
    /// Message attributes: `environment`, `severity`, `kind`, `event` and, when a finding is
    /// attributed, `changed_by` (`by-hand`, `deployed`).
    pub attributes: BTreeMap<String, Attribute>,
    /// Findings listed in full; the others are counted only (the message was summarised).
    pub findings_listed: usize,
    /// Findings the run has news about.
    pub findings_total: usize,
}

impl AlertMessage {
    /// Bytes SNS counts against its limit: the message and every attribute's name, type and
    /// value.
    pub fn size(&self) -> usize {
        self.structured.len()
            + self
                .attributes
                .iter()
                .map(|(name, a)| name.len() + a.data_type.len() + a.value.len())
                .sum::<usize>()
    }
}

#[derive(Serialize)]
struct AlertDocument<'a> {
    schema: &'static str,
    summary: Summary,
    reports: Vec<ReportDocument<'a>>,
}

#[derive(Serialize, Default)]
struct Summary {
    new: usize,
    changed: usize,
    resolved: usize,
    incomplete: Vec<String>,
    recovered: Vec<String>,
    highest_severity: Option<Severity>,
    listed: usize,
    omitted: usize,
    /// Mean days the findings resolved in this run were open, where their first sighting is
    /// known (the findings ledger keeps it).
    #[serde(skip_serializing_if = "Option::is_none")]
    mean_time_to_resolve_days: Option<f64>,
}

#[derive(Serialize)]
struct ReportDocument<'a> {
    command: &'a str,
    environment: &'a str,
    regions: &'a [String],
    complete: bool,
    completeness: Completeness,
    failures: Vec<String>,
    reproduce: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<&'a StoredReport>,
    new: Vec<FindingDocument<'a>>,
    changed: Vec<FindingDocument<'a>>,
    resolved: Vec<ResolvedDocument<'a>>,
    omitted: Omitted,
}

#[derive(Serialize, Default)]
struct Omitted {
    new: usize,
    changed: usize,
    resolved: usize,
    failures: usize,
}

#[derive(Serialize)]
struct FindingDocument<'a> {
    fingerprint: &'a str,
    kind: FindingKind,
    severity: Severity,
    region: &'a str,
    resource_type: &'a str,
    logical_name: &'a str,
    physical_id: Option<&'a str>,
    path: Option<&'a str>,
    rule_id: Option<&'a str>,
    expected: Option<Value>,
    actual: Option<Value>,
    message: &'a str,
    source: Option<String>,
    /// Who changed it, when and how, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    attribution: Option<&'a crate::model::attribution::Attribution>,
}

#[derive(Serialize)]
struct ResolvedDocument<'a> {
    fingerprint: &'a str,
    severity: Severity,
    region: &'a str,
    resource_type: &'a str,
    what: &'a str,
    /// Days it was open (from its first sighting to this run), where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    open_days: Option<f64>,
    /// The change that resolved it, where the ledger and CloudTrail show it.
    #[serde(skip_serializing_if = "Option::is_none")]
    resolved_by: Option<&'a crate::model::attribution::ChangeAttribution>,
}

/// A value as shown in an alert: elided past [`VALUE_MAX_BYTES`] of JSON.
fn shown(value: Option<&Value>) -> Option<Value> {
    let value = value?;
    let text = value.to_string();
    Some(if text.len() <= VALUE_MAX_BYTES {
        value.clone()
    } else {
        Value::String(format!(
            "{}... ({} bytes of JSON elided)",
            state::clip(&text, VALUE_MAX_BYTES),
            text.len() - VALUE_MAX_BYTES
        ))
    })
}

fn finding_document(f: &Finding) -> FindingDocument<'_> {
    FindingDocument {
        fingerprint: &f.fingerprint,
        kind: f.kind,
        severity: f.severity,
        region: &f.region,
        resource_type: f.resource_type.as_str(),
        logical_name: &f.logical_name,
        physical_id: f.physical_id.as_deref(),
        path: f.path.as_deref(),
        rule_id: f.rule_id.as_deref(),
        expected: shown(f.expected.as_ref()),
        actual: shown(f.actual.as_ref()),
        message: &f.message,
        source: f.source.as_ref().map(|s| format!("{}:{}", s.file, s.line)),
        attribution: f.attribution.as_ref(),
    }
}

/// Builds the run's alert from the deltas that have news, or `None` when nothing is new.
///
/// The message always fits [`SNS_MAX_BYTES`]: when the whole list does not, only the most
/// severe findings of each report are listed and the rest are counted.
pub fn alert_message(deltas: &[ReportDelta<'_>]) -> Option<AlertMessage> {
    let news: Vec<&ReportDelta> = deltas.iter().filter(|d| d.has_news()).collect();
    if news.is_empty() {
        return None;
    }
    let most = news
        .iter()
        .map(|d| d.new.len() + d.changed.len() + d.resolved.len() + d.report.failures.len())
        .max()
        .unwrap_or(0);
    // The largest per-list cap that fits: binary search (size grows with the cap).
    let fits = |cap: usize| {
        let message = render(&news, cap);
        (message.size() <= SNS_MAX_BYTES).then_some(message)
    };
    if let Some(all) = fits(most) {
        return Some(all);
    }
    let (mut low, mut high) = (0, most);
    let mut best = fits(0);
    while low + 1 < high {
        let mid = (low + high) / 2;
        match fits(mid) {
            Some(message) => {
                best = Some(message);
                low = mid;
            }
            None => high = mid,
        }
    }
    // With nothing listed the message is counts per report: it fits unless a run covers
    // thousands of reports, which the request validation does not allow.
    best.or_else(|| Some(render(&news, 0)))
}

fn render(news: &[&ReportDelta<'_>], cap: usize) -> AlertMessage {
    let mut summary = Summary::default();
    let mut reports = Vec::new();
    let mut environments = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    let mut events = BTreeSet::new();
    let mut changed_by: BTreeSet<&str> = BTreeSet::new();
    for delta in news {
        let report = delta.report;
        for env in report.environments() {
            environments.insert(env.to_string());
        }
        summary.new += delta.new.len();
        summary.changed += delta.changed.len();
        summary.resolved += delta.resolved.len();
        match delta.completeness {
            Completeness::Incomplete | Completeness::StillIncomplete => {
                summary.incomplete.push(report.environment.clone());
                events.insert("incomplete");
            }
            Completeness::Recovered => {
                summary.recovered.push(report.environment.clone());
                events.insert("recovered");
            }
            Completeness::Unchanged => {}
        }
        for f in delta.new.iter().chain(&delta.changed) {
            kinds.insert(f.kind.as_str());
            summary.highest_severity = summary.highest_severity.max(Some(f.severity));
        }
        if !delta.new.is_empty() {
            events.insert("new");
        }
        if !delta.changed.is_empty() {
            events.insert("changed");
        }
        if !delta.resolved.is_empty() {
            events.insert("resolved");
        }
        let attributed = delta.new.iter().chain(&delta.changed).filter_map(|f| {
            f.attribution
                .as_ref()
                .and_then(crate::model::attribution::Attribution::change)
        });
        changed_by.extend(attributed.map(crate::model::attribution::ChangeAttribution::changed_by));
        let listed = |n: usize| n.min(cap);
        let failures: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
        summary.listed +=
            listed(delta.new.len()) + listed(delta.changed.len()) + listed(delta.resolved.len());
        reports.push(ReportDocument {
            command: &report.command,
            environment: &report.environment,
            regions: &report.regions,
            complete: report.complete,
            completeness: delta.completeness,
            omitted: Omitted {
                new: delta.new.len() - listed(delta.new.len()),
                changed: delta.changed.len() - listed(delta.changed.len()),
                resolved: delta.resolved.len() - listed(delta.resolved.len()),
                failures: failures.len() - listed(failures.len()),
            },
            failures: failures.into_iter().take(cap).collect(),
            reproduce: reproduce_command(report),
            report: delta.stored.as_ref(),
            new: delta
                .new
                .iter()
                .take(cap)
                .map(|f| finding_document(f))
                .collect(),
            changed: delta
                .changed
                .iter()
                .take(cap)
                .map(|f| finding_document(f))
                .collect(),
            resolved: delta
                .resolved
                .iter()
                .take(cap)
                .map(|r| ResolvedDocument {
                    fingerprint: &r.fingerprint,
                    severity: r.severity,
                    region: &r.region,
                    resource_type: r.resource_type.as_str(),
                    what: &r.label,
                    open_days: open_days(r, delta.now_secs),
                    resolved_by: delta.report.resolved_by.get(&r.identity),
                })
                .collect(),
        });
    }
    let total = summary.new + summary.changed + summary.resolved;
    summary.omitted = total - summary.listed;
    summary.mean_time_to_resolve_days = mean_time_to_resolve_days(news.iter().copied());
    let document = AlertDocument {
        schema: ALERT_SCHEMA,
        summary,
        reports,
    };
    let json = serde_json::to_string(&document).expect("alert document serializes");
    let text = text_body(&document);
    let structured = serde_json::json!({
        "default": text,
        "email": text,
        "email-json": json,
        "sqs": json,
        "lambda": json,
        "https": json,
    })
    .to_string();

    let attributes = message_attributes(
        &environments,
        document.summary.highest_severity,
        &kinds,
        &events,
        &changed_by,
    );
    AlertMessage {
        subject: subject(&document),
        structured,
        text,
        json,
        attributes,
        findings_listed: document.summary.listed,
        findings_total: total,
    }
}

/// The SNS message attributes subscription filters match on.
fn message_attributes(
    environments: &BTreeSet<String>,
    highest_severity: Option<Severity>,
    kinds: &BTreeSet<&str>,
    events: &BTreeSet<&str>,
    changed_by: &BTreeSet<&str>,
) -> BTreeMap<String, Attribute> {
    let mut attributes = BTreeMap::new();
    let array = |set: &BTreeSet<&str>| serde_json::to_string(set).expect("strings serialize");
    attributes.insert(
        "environment".to_string(),
        Attribute {
            data_type: "String.Array",
            value: serde_json::to_string(environments).expect("strings serialize"),
        },
    );
    if let Some(severity) = highest_severity {
        attributes.insert(
            "severity".to_string(),
            Attribute {
                data_type: "String",
                value: severity.to_string(),
            },
        );
    }
    if !kinds.is_empty() {
        attributes.insert(
            "kind".to_string(),
            Attribute {
                data_type: "String.Array",
                value: array(kinds),
            },
        );
    }
    attributes.insert(
        "event".to_string(),
        Attribute {
            data_type: "String.Array",
            value: array(events),
        },
    );
    if !changed_by.is_empty() {
        // `by-hand` and/or `deployed`: a subscription filter can page on changes by hand.
        attributes.insert(
            "changed_by".to_string(),
            Attribute {
                data_type: "String.Array",
                value: array(changed_by),
            },
        );
    }
    attributes
}

/// `driftscan: staging: 3 new (highest critical), 1 resolved; prod: scan INCOMPLETE`.
fn subject(document: &AlertDocument<'_>) -> String {
    let mut parts = Vec::new();
    for report in &document.reports {
        let mut what = Vec::new();
        let fresh =
            report.new.len() + report.omitted.new + report.changed.len() + report.omitted.changed;
        if fresh > 0 {
            let highest = report
                .new
                .iter()
                .chain(&report.changed)
                .map(|f| f.severity)
                .max();
            match highest {
                Some(severity) => what.push(format!("{fresh} new/changed (highest {severity})")),
                None => what.push(format!("{fresh} new/changed")),
            }
        }
        let resolved = report.resolved.len() + report.omitted.resolved;
        if resolved > 0 {
            what.push(format!("{resolved} resolved"));
        }
        match report.completeness {
            Completeness::Incomplete | Completeness::StillIncomplete => {
                what.push("INCOMPLETE".into())
            }
            Completeness::Recovered => what.push("complete again".into()),
            Completeness::Unchanged => {}
        }
        parts.push(format!("{}: {}", report.environment, what.join(", ")));
    }
    let subject = format!("driftscan {}", parts.join("; "));
    // ASCII, one line, at most 100 characters.
    let subject: String = subject
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() {
                c
            } else {
                ' '
            }
        })
        .collect();
    if subject.len() <= SUBJECT_MAX_CHARS {
        subject
    } else {
        format!("{}...", &subject[..SUBJECT_MAX_CHARS - 3])
    }
}

/// The text a person reads in an email.
fn text_body(document: &AlertDocument<'_>) -> String {
    let mut out = String::new();
    let s = &document.summary;
    let _ = writeln!(
        out,
        "driftscan: {} new, {} changed, {} resolved finding(s){}{}.",
        s.new,
        s.changed,
        s.resolved,
        match s.highest_severity {
            Some(severity) => format!(", highest severity {severity}"),
            None => String::new(),
        },
        match s.mean_time_to_resolve_days {
            Some(days) => format!(" (resolved after {days:.1} days open on average)"),
            None => String::new(),
        }
    );
    if s.omitted > 0 {
        let _ = writeln!(
            out,
            "This alert lists the {} most severe; {} more are counted only (SNS limits a message to 256 KiB). Run the command below for all of them.",
            s.listed, s.omitted
        );
    }
    for report in &document.reports {
        let _ = writeln!(
            out,
            "\n== {} {} ({})",
            report.command,
            report.environment,
            report.regions.join(", ")
        );
        match report.completeness {
            Completeness::Incomplete | Completeness::StillIncomplete => {
                let _ = writeln!(
                    out,
                    "SCAN INCOMPLETE: {} read(s) failed. Nothing is concluded about what could not be read; this is not a clean result.",
                    report.failures.len() + report.omitted.failures
                );
                for failure in &report.failures {
                    let _ = writeln!(out, "  - {failure}");
                }
                if report.omitted.failures > 0 {
                    let _ = writeln!(out, "  - ... and {} more", report.omitted.failures);
                }
            }
            Completeness::Recovered => {
                let _ = writeln!(out, "Scans complete again: every read succeeded.");
            }
            Completeness::Unchanged => {}
        }
        if let Some(stored) = report.report {
            let _ = writeln!(out, "Report: {} ({})", stored.console_url, stored.uri);
        }
        for (label, findings, omitted) in [
            ("NEW", &report.new, report.omitted.new),
            ("CHANGED", &report.changed, report.omitted.changed),
        ] {
            for f in findings {
                let _ = writeln!(
                    out,
                    "\n{label} [{}] {} {} {} ({})",
                    f.severity,
                    f.kind,
                    f.resource_type,
                    f.logical_name,
                    f.physical_id.unwrap_or("absent")
                );
                let _ = writeln!(out, "  {}", f.message);
                if let Some(attribution) = f.attribution {
                    let _ = writeln!(out, "  changed:  {}", attribution.describe());
                }
                if let Some(path) = f.path {
                    let _ = writeln!(out, "  field:    {path}");
                }
                if let Some(rule) = f.rule_id {
                    let _ = writeln!(out, "  rule:     {rule}");
                }
                if let Some(expected) = &f.expected {
                    let _ = writeln!(out, "  expected: {expected}");
                }
                if let Some(actual) = &f.actual {
                    let _ = writeln!(out, "  actual:   {actual}");
                }
                if let Some(source) = &f.source {
                    let _ = writeln!(out, "  declared: {source}");
                }
                let _ = writeln!(out, "  region {}, fingerprint {}", f.region, f.fingerprint);
            }
            if omitted > 0 {
                let _ = writeln!(out, "\n{label}: {omitted} more not listed");
            }
        }
        if !report.resolved.is_empty() || report.omitted.resolved > 0 {
            let _ = writeln!(out);
            for r in &report.resolved {
                let open = r
                    .open_days
                    .map(|days| format!(" after {days:.1} days open"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "RESOLVED [{}] {} {} ({}, fingerprint {}){open}",
                    r.severity, r.resource_type, r.what, r.region, r.fingerprint
                );
                if let Some(change) = r.resolved_by {
                    let _ = writeln!(out, "  {}", change.describe_resolution());
                }
            }
            if report.omitted.resolved > 0 {
                let _ = writeln!(out, "RESOLVED: {} more not listed", report.omitted.resolved);
            }
        }
        let _ = writeln!(out, "\nReproduce locally: {}", report.reproduce);
    }
    out
}

#[cfg(test)]
mod tests;

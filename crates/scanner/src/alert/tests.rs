use serde_json::json;

use super::*;
use crate::model::{ReadFailure, ResourceKind, Service, SourceRef};

fn finding(name: &str, path: &str, actual: Value, severity: Severity) -> Finding {
    Finding {
        attribution: None,
        fingerprint: String::new(),
        kind: FindingKind::Drift,
        severity,
        environment: "staging".into(),
        region: "us-east-1".into(),
        resource_type: ResourceKind::SecurityGroup,
        logical_name: name.into(),
        physical_id: Some("sg-0123".into()),
        arn: None,
        path: Some(path.into()),
        expected: Some(json!([])),
        actual: Some(actual),
        rule_id: None,
        message: format!("{path} differs"),
        source: Some(SourceRef {
            file: "baselines/staging.yaml".into(),
            line: 12,
        }),
    }
    .with_fingerprint()
}

fn report(findings: Vec<Finding>, failures: Vec<ReadFailure>) -> Report {
    crate::testing::scan_report("staging", findings, failures)
}

fn ec2_failure() -> ReadFailure {
    ReadFailure {
        region: "us-east-1".into(),
        service: Service::Ec2,
        operation: "DescribeSecurityGroups".into(),
        kinds: vec![ResourceKind::SecurityGroup],
        code: "ThrottlingException".into(),
        message: "Rate exceeded".into(),
    }
}

fn two_findings() -> Vec<Finding> {
    vec![
        finding(
            "sg-db-{env}",
            "properties.ingress",
            json!(["0.0.0.0/0"]),
            Severity::Critical,
        ),
        finding(
            "sg-app-{env}",
            "properties.egress",
            json!(["10.0.0.0/8"]),
            Severity::Medium,
        ),
    ]
}

#[test]
fn a_drift_alerts_once_then_stays_quiet() {
    let first = report(two_findings(), vec![]);
    let d = delta(&first, &ReportState::default(), Severity::Low);
    assert_eq!((d.new.len(), d.changed.len(), d.resolved.len()), (2, 0, 0));
    let message = alert_message(std::slice::from_ref(&d)).expect("news");
    assert_eq!(
        message.subject,
        "driftscan staging: 2 new/changed (highest critical)"
    );
    assert_eq!(message.attributes["severity"].value, "critical");
    assert_eq!(message.attributes["environment"].value, r#"["staging"]"#);
    assert_eq!(message.attributes["kind"].value, r#"["drift"]"#);
    assert_eq!(message.attributes["event"].value, r#"["new"]"#);
    assert!(message
        .text
        .contains("NEW [critical] drift security-group sg-db-{env} (sg-0123)"));
    assert!(message.text.contains("expected: []"));
    assert!(message.text.contains(r#"actual:   ["0.0.0.0/0"]"#));
    assert!(message.text.contains("declared: baselines/staging.yaml:12"));
    assert!(message
        .text
        .contains("Reproduce locally: driftscan scan --env staging --region us-east-1"));
    insta::assert_snapshot!("email_text", message.text);
    let structured: Value = serde_json::from_str(&message.structured).unwrap();
    for variant in ["default", "email", "sqs", "lambda", "https", "email-json"] {
        assert!(structured[variant].is_string(), "{variant}");
    }
    let machine: Value = serde_json::from_str(structured["sqs"].as_str().unwrap()).unwrap();
    assert_eq!(machine["schema"], ALERT_SCHEMA);
    assert_eq!(machine["summary"]["new"], 2);
    assert_eq!(
        machine["reports"][0]["new"][0]["logical_name"],
        "sg-db-{env}"
    );

    let again = report(two_findings(), vec![]);
    let d2 = delta(&again, &d.next_state, Severity::Low);
    assert!(!d2.has_news());
    assert!(alert_message(&[d2]).is_none());
}

#[test]
fn a_changed_value_alerts_as_changed_and_a_gone_finding_as_resolved() {
    let first = report(two_findings(), vec![]);
    let state = delta(&first, &ReportState::default(), Severity::Low).next_state;
    let second = report(
        vec![finding(
            "sg-db-{env}",
            "properties.ingress",
            json!(["0.0.0.0/0", "::/0"]),
            Severity::Critical,
        )],
        vec![],
    );
    let d = delta(&second, &state, Severity::Low);
    assert_eq!(d.new.len(), 0);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(d.resolved.len(), 1);
    assert_eq!(d.resolved[0].label, "drift sg-app-{env} properties.egress");
    let message = alert_message(std::slice::from_ref(&d)).unwrap();
    assert_eq!(
        message.subject,
        "driftscan staging: 1 new/changed (highest critical), 1 resolved"
    );
    assert!(message.text.contains("CHANGED [critical]"));
    assert!(message
        .text
        .contains("RESOLVED [medium] security-group drift sg-app-{env} properties.egress"));
    assert_eq!(
        message.attributes["event"].value,
        r#"["changed","resolved"]"#
    );

    let third = report(vec![], vec![]);
    let d3 = delta(&third, &d.next_state, Severity::Low);
    assert_eq!(d3.resolved.len(), 1);
    assert!(d3.next_state.findings.is_empty());
    let message = alert_message(&[d3]).unwrap();
    assert!(!message.attributes.contains_key("severity"));
    assert_eq!(message.subject, "driftscan staging: 1 resolved");
}

#[test]
fn an_incomplete_scan_alerts_once_resolves_nothing_unread_and_recovers() {
    let first = report(two_findings(), vec![]);
    let state = delta(&first, &ReportState::default(), Severity::Low).next_state;

    // Security groups could not be read: their findings are absent but not resolved.
    let blind = report(vec![], vec![ec2_failure()]);
    let d = delta(&blind, &state, Severity::Low);
    assert_eq!(d.completeness, Completeness::Incomplete);
    assert!(d.resolved.is_empty());
    assert_eq!(
        d.next_state.findings.len(),
        2,
        "unread findings stay remembered"
    );
    let message = alert_message(std::slice::from_ref(&d)).unwrap();
    assert_eq!(message.subject, "driftscan staging: INCOMPLETE");
    assert!(message.text.contains("SCAN INCOMPLETE: 1 read(s) failed"));
    assert!(message.text.contains("DescribeSecurityGroups"));
    assert_eq!(message.attributes["event"].value, r#"["incomplete"]"#);

    let still = report(vec![], vec![ec2_failure()]);
    let d2 = delta(&still, &d.next_state, Severity::Low);
    assert_eq!(d2.completeness, Completeness::StillIncomplete);
    assert!(!d2.has_news(), "the same outage alerts once");

    let back = report(two_findings(), vec![]);
    let d3 = delta(&back, &d2.next_state, Severity::Low);
    assert_eq!(d3.completeness, Completeness::Recovered);
    assert!(d3.new.is_empty() && d3.resolved.is_empty());
    let message = alert_message(&[d3]).unwrap();
    assert_eq!(message.subject, "driftscan staging: complete again");
}

#[test]
fn a_resource_missing_everywhere_resolves_once_its_kind_was_read_everywhere() {
    let mut missing = finding("sg-db-{env}", "", json!(null), Severity::High);
    missing.kind = FindingKind::Missing;
    missing.region = String::new();
    missing.path = None;
    let missing = missing.with_fingerprint();
    let state = delta(
        &report(vec![missing], vec![]),
        &ReportState::default(),
        Severity::Low,
    )
    .next_state;
    // Security groups unread in a region: the group may still be missing there.
    let unread = report(vec![], vec![ec2_failure()]);
    let blind = delta(&unread, &state, Severity::Low);
    assert!(blind.resolved.is_empty());
    assert_eq!(blind.next_state.findings.len(), 1);
    // Read everywhere and found: resolved (it used to stay open for ever).
    let clean = report(vec![], vec![]);
    let found = delta(&clean, &state, Severity::Low);
    assert_eq!(found.resolved.len(), 1);
    assert!(found.next_state.findings.is_empty());
}

#[test]
fn resolved_findings_say_how_long_they_were_open_and_the_run_their_mean() {
    let now = 1_795_770_900;
    let first = report(two_findings(), vec![]);
    let mut state = delta(&first, &ReportState::default(), Severity::Low).next_state;
    for (i, remembered) in state.findings.values_mut().enumerate() {
        // Opened 2 and 4 days ago.
        remembered.first_seen = Some(now - (2 + 2 * i as u64) * 86_400);
    }
    let fixed = report(vec![], vec![]);
    let d = ReportDelta {
        now_secs: Some(now),
        ..delta(&fixed, &state, Severity::Low)
    };
    assert_eq!(d.resolved.len(), 2);
    assert_eq!(mean_time_to_resolve_days([&d]), Some(3.0));
    let message = alert_message(std::slice::from_ref(&d)).unwrap();
    let envelope: Value = serde_json::from_str(&message.structured).unwrap();
    let doc: Value = serde_json::from_str(envelope["sqs"].as_str().unwrap()).unwrap();
    assert_eq!(doc["summary"]["mean_time_to_resolve_days"], 3.0);
    let open: Vec<f64> = doc["reports"][0]["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["open_days"].as_f64().unwrap())
        .collect();
    assert_eq!(open.len(), 2);
    assert!(open.contains(&2.0) && open.contains(&4.0), "{open:?}");
    assert!(
        message
            .text
            .contains("resolved after 3.0 days open on average"),
        "{}",
        message.text
    );
    assert!(
        message.text.contains("after 2.0 days open"),
        "{}",
        message.text
    );
    assert!(
        message.text.contains("after 4.0 days open"),
        "{}",
        message.text
    );
    // Without first sightings (the SSM state) nothing is said about time.
    let unknown = delta(
        &fixed,
        &delta(&first, &ReportState::default(), Severity::Low).next_state,
        Severity::Low,
    );
    assert_eq!(mean_time_to_resolve_days([&unknown]), None);
    assert!(!alert_message(&[unknown])
        .unwrap()
        .text
        .contains("days open"));
}

#[test]
fn findings_below_the_threshold_neither_alert_nor_count() {
    let only_medium = report(two_findings(), vec![]);
    let d = delta(&only_medium, &ReportState::default(), Severity::High);
    assert_eq!(d.new.len(), 1);
    assert_eq!(d.next_state.findings.len(), 1);
}

#[test]
fn a_huge_drift_is_summarised_to_fit_sns() {
    let big_value = json!((0..100)
        .map(|i| format!("10.{i}.0.0/16"))
        .collect::<Vec<_>>());
    let findings: Vec<Finding> = (0..5000)
        .map(|i| {
            let severity = if i % 50 == 0 {
                Severity::Critical
            } else {
                Severity::Low
            };
            finding(
                &format!("sg-{i}-{{env}}"),
                "properties.ingress",
                big_value.clone(),
                severity,
            )
        })
        .collect();
    let big = report(findings, vec![]);
    let d = delta(&big, &ReportState::default(), Severity::Low);
    let message = alert_message(&[d]).unwrap();
    assert!(message.size() <= SNS_MAX_BYTES, "{} bytes", message.size());
    assert!(
        message.size() > SNS_MAX_BYTES / 2,
        "the budget is used, not wasted"
    );
    assert_eq!(message.findings_total, 5000);
    assert!(message.findings_listed > 0 && message.findings_listed < 5000);
    assert!(message.text.contains("more are counted only"));
    let machine: Value = serde_json::from_str(&message.json).expect("whole JSON, never cut");
    let listed = machine["reports"][0]["new"].as_array().unwrap();
    assert_eq!(listed.len(), message.findings_listed);
    assert_eq!(machine["reports"][0]["omitted"]["new"], 5000 - listed.len());
    // Most severe first: the 100 critical findings come before any low one.
    assert!(listed.iter().take(100).all(|f| f["severity"] == "critical"));
    // Long values are elided, not dropped.
    assert!(listed[0]["actual"]
        .as_str()
        .unwrap()
        .contains("bytes of JSON elided"));
}

#[test]
fn subjects_are_one_ascii_line_of_at_most_100_characters() {
    let mut findings = two_findings();
    findings[0].environment = "staging".into();
    let reports: Vec<Report> = (0..6)
        .map(|i| {
            let mut r = report(findings.clone(), vec![]);
            r.environment = format!("pr-{i}00000-preview\u{e9}\n");
            r
        })
        .collect();
    let deltas: Vec<ReportDelta> = reports
        .iter()
        .map(|r| delta(r, &ReportState::default(), Severity::Low))
        .collect();
    let message = alert_message(&deltas).unwrap();
    assert!(message.subject.len() <= SUBJECT_MAX_CHARS);
    assert!(message.subject.is_ascii());
    assert!(!message.subject.contains('\n'));
    assert!(message.subject.ends_with("..."));
}

#[test]
fn keys_and_commands_name_the_report() {
    let mut compare = report(vec![], vec![]);
    compare.command = "compare".into();
    compare.environment = "staging..prod".into();
    assert_eq!(report_key(&compare), "compare/staging/prod");
    assert_eq!(
        reproduce_command(&compare),
        "driftscan compare staging prod --region us-east-1"
    );
    assert_eq!(report_key(&report(vec![], vec![])), "scan/staging");
    compare.environment = "dev..staging..prod".into();
    assert_eq!(report_key(&compare), "compare/dev/staging/prod");
    assert_eq!(
        reproduce_command(&compare),
        "driftscan compare dev staging prod --region us-east-1"
    );
}

#[test]
fn a_run_over_fewer_regions_resolves_nothing_elsewhere() {
    let mut west = finding(
        "sg-db-{env}",
        "properties.ingress",
        json!(["0.0.0.0/0"]),
        Severity::High,
    );
    west.region = "us-west-2".into();
    let west = west.with_fingerprint();
    let mut both = report(vec![west], vec![]);
    both.regions.push("us-west-2".into());
    let state = delta(&both, &ReportState::default(), Severity::Low).next_state;
    // A change event rescans us-east-1 only.
    let east_only = report(vec![], vec![]);
    let d = delta(&east_only, &state, Severity::Low);
    assert!(d.resolved.is_empty());
    assert_eq!(d.next_state, state);
}

#[test]
fn an_attributed_finding_says_who_and_is_routable_by_changed_by() {
    let mut findings = two_findings();
    findings[0].attribution = Some(crate::report::fixtures::changed_by_hand());
    findings[1].attribution = Some(crate::model::attribution::Attribution::Unattributed {
        reason: "CloudTrail refused LookupEvents (AccessDeniedException)".into(),
    });
    let run = report(findings, vec![]);
    let d = delta(&run, &ReportState::default(), Severity::Low);
    let message = alert_message(std::slice::from_ref(&d)).expect("news");
    assert!(
        message.text.contains("  changed:  changed by hand by Admin/alice<b>@example.com from the console: AuthorizeSecurityGroupIngress at 2026-12-06T10:15:00Z"),
        "{}",
        message.text
    );
    assert!(message
        .text
        .contains("  changed:  not attributed: CloudTrail refused LookupEvents"));
    assert_eq!(message.attributes["changed_by"].value, r#"["by-hand"]"#);
    let machine: Value = serde_json::from_str(&message.json).expect("json");
    let new = &machine["reports"][0]["new"];
    assert_eq!(
        new[0]["attribution"]["principal"]["session"],
        "alice<b>@example.com"
    );
    assert_eq!(new[0]["attribution"]["source"], "console");
    assert_eq!(new[1]["attribution"]["status"], "unattributed");

    let quiet = report(two_findings(), vec![]);
    let d = delta(&quiet, &ReportState::default(), Severity::Low);
    let message = alert_message(std::slice::from_ref(&d)).expect("news");
    assert!(
        !message.attributes.contains_key("changed_by"),
        "no attribution, no attribute"
    );
}

#[test]
fn the_first_attribution_stays_with_an_open_finding() {
    let mut findings = two_findings();
    findings[0].attribution = Some(crate::report::fixtures::changed_by_hand());
    let first = report(findings, vec![]);
    let d = delta(&first, &ReportState::default(), Severity::Low);
    let remembered = |state: &ReportState| {
        state
            .findings
            .values()
            .find(|r| r.label.contains("sg-db-"))
            .and_then(|r| r.attribution.clone())
    };
    let known = remembered(&d.next_state).expect("remembered with its attribution");
    assert_eq!(
        known.principal.session.as_deref(),
        Some("alice<b>@example.com")
    );
    // A later scan without attribution (the CLI without --attribute) keeps it.
    let later = report(two_findings(), vec![]);
    let d2 = delta(&later, &d.next_state, Severity::Low);
    assert_eq!(remembered(&d2.next_state), Some(known));
}

#[test]
fn a_resolved_finding_says_who_resolved_it_where_the_report_knows() {
    let first = report(two_findings(), vec![]);
    let state = delta(&first, &ReportState::default(), Severity::Low).next_state;
    let mut second = report(vec![two_findings()[0].clone()], vec![]);
    let gone = two_findings()[1].identity();
    let crate::model::attribution::Attribution::Attributed(change) =
        crate::report::fixtures::changed_by_hand()
    else {
        panic!("attributed")
    };
    second.resolved_by.insert(gone, *change);
    let d = delta(&second, &state, Severity::Low);
    assert_eq!(d.resolved.len(), 1);
    let message = alert_message(std::slice::from_ref(&d)).unwrap();
    assert!(
        message
            .text
            .contains("\n  resolved by hand by Admin/alice<b>@example.com from the console"),
        "{}",
        message.text
    );
    let document: Value = serde_json::from_str(&message.json).unwrap();
    let resolved = &document["reports"][0]["resolved"][0];
    assert_eq!(resolved["resolved_by"]["source"], "console", "{resolved}");
}

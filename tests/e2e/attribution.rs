//! `driftscan scan --attribute` end to end: staging in moto drifted on five resources, CloudTrail's
//! event history answered by the local stand-in (`cloudtrail.rs`, since no emulator implements
//! `LookupEvents`). Each drifted resource is looked up once, at most two lookups a second, with
//! paging and a throttled call retried; a console change reads as changed by hand, a deployer's
//! as deployed; an event of another resource is not used; a refused lookup leaves the scan
//! complete and its findings unattributed with the reason; a clean scan looks nothing up.

use std::time::Duration;

use scanner::model::attribution::{Attribution, ChangeSource};
use scanner::model::{FindingKind, Report};

use crate::cloudtrail::{record, CloudTrail, History};
use crate::support::{block_on, open_to_the_world, shipped_baselines, Moto};

const REGION: &str = "us-east-1";
const DEPLOYER: &str = "arn:aws:iam::123456789012:user/ci-deployer";

/// `scan --env staging --attribute` against moto, CloudTrail at `trail`.
fn attributed_scan(moto: &Moto, trail: &CloudTrail) -> (i32, Report, String) {
    attributed_scan_against(moto, trail, &shipped_baselines())
}

/// [`attributed_scan`] against the baselines in `baselines`.
fn attributed_scan_against(
    moto: &Moto,
    trail: &CloudTrail,
    baselines: &std::path::Path,
) -> (i32, Report, String) {
    std::fs::write(
        moto.dir.path().join("driftscan.yaml"),
        "environments:\n  staging:\n    deployers: [\"arn:aws:iam::*:user/ci-deployer\"]\n",
    )
    .expect("config");
    let baselines = baselines.display().to_string();
    let output = moto
        .driftscan()
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
        .args([
            "scan",
            "--env",
            "staging",
            "--region",
            REGION,
            "--baselines",
            &baselines,
        ])
        .args(["--attribute", "--format", "json"])
        .output()
        .expect("driftscan runs");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let report: Report = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("a JSON report: {e}\n{stderr}"));
    (output.status.code().unwrap_or(-1), report, stderr)
}

/// Opens the four security groups to the world and shortens Aurora's backups: five drifted
/// resources.
fn drift_five(moto: &Moto, staging: &infra::Provisioned) {
    for role in ["db", "app", "lb", "cache"] {
        block_on(open_to_the_world(moto, &staging.security_groups[role]));
    }
    let config = block_on(moto.sdk_config(REGION));
    let rds = aws_sdk_rds::Client::new(&config);
    let shorten = rds
        .modify_db_cluster()
        .db_cluster_identifier(&staging.db_cluster)
        .backup_retention_period(1)
        .apply_immediately(true);
    block_on(shorten.send()).expect("modified");
}

fn attribution_of<'a>(report: &'a Report, id: &str) -> Vec<&'a Attribution> {
    report
        .findings
        .iter()
        .filter(|f| f.physical_id.as_deref() == Some(id))
        .filter_map(|f| f.attribution.as_ref())
        .collect()
}

#[test]
fn each_drifted_resource_is_looked_up_once_at_cloudtrails_rate() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    let (db, app) = (
        &staging.security_groups["db"],
        &staging.security_groups["app"],
    );
    let mut history = History {
        page_size: 2,
        throttle_first: 1,
        ..History::default()
    };
    let console = "console.amazonaws.com";
    let terraform = "Terraform/1.9.5 terraform-provider-aws/5.70.0 aws-sdk-go-v2/1.32.2";
    let mut read_only = record(
        "DescribeSecurityGroups",
        db,
        "arn:aws:iam::123456789012:user/eve",
        "2026-12-06T11:00:00Z",
        console,
    );
    read_only["readOnly"] = true.into();
    history.events.insert(
        db.clone(),
        vec![
            read_only,
            record(
                "AuthorizeSecurityGroupIngress",
                "sg-another",
                "arn:aws:iam::123456789012:user/mallory",
                "2026-12-06T10:30:00Z",
                console,
            ),
            record(
                "AuthorizeSecurityGroupIngress",
                db,
                "arn:aws:iam::123456789012:user/alice",
                "2026-12-06T10:00:00Z",
                console,
            ),
            record(
                "CreateSecurityGroup",
                db,
                DEPLOYER,
                "2026-12-01T08:00:00Z",
                terraform,
            ),
        ],
    );
    history.events.insert(
        app.clone(),
        vec![record(
            "AuthorizeSecurityGroupIngress",
            app,
            DEPLOYER,
            "2026-12-06T09:00:00Z",
            terraform,
        )],
    );
    let trail = CloudTrail::start(history);

    let (_, clean, stderr) = attributed_scan(&moto, &trail);
    assert!(clean.complete && clean.findings.is_empty(), "{stderr}");
    assert!(
        trail.calls().is_empty(),
        "nothing is looked up for a clean scan"
    );

    drift_five(&moto, &staging);
    let (code, report, stderr) = attributed_scan(&moto, &trail);
    assert!(
        report.complete,
        "attribution never makes a scan incomplete: {stderr}"
    );
    assert_eq!(code, 1, "the gate is the findings' own: {stderr}");

    let db_changes = attribution_of(&report, db);
    assert!(
        db_changes.len() >= 2,
        "the drift and the rule, both attributed: {db_changes:?}"
    );
    for attribution in db_changes {
        let change = attribution
            .change()
            .unwrap_or_else(|| panic!("attributed: {attribution:?}"));
        assert_eq!(
            change.principal.arn.as_deref(),
            Some("arn:aws:iam::123456789012:user/alice"),
            "not mallory's other group"
        );
        assert_eq!(
            (change.source, change.deployer, change.events),
            (ChangeSource::Console, false, 2)
        );
        assert_eq!(change.event.name, "AuthorizeSecurityGroupIngress");
    }
    let app_change = attribution_of(&report, app)[0]
        .change()
        .expect("attributed");
    assert!(app_change.deployer, "the deployer's change is a deployment");
    assert_eq!(app_change.source, ChangeSource::Terraform);
    let unexplained = report
        .findings
        .iter()
        .filter(|f| f.physical_id.as_deref() == Some(&staging.security_groups["lb"]))
        .filter_map(|f| f.attribution.as_ref())
        .map(Attribution::describe)
        .collect::<Vec<_>>();
    assert!(
        unexplained
            .iter()
            .all(|d| d.starts_with("not attributed: no write event names sg-")),
        "{unexplained:?}"
    );

    let calls = trail.calls();
    let looked_up: std::collections::BTreeSet<&str> =
        calls.iter().map(|c| c.resource.as_str()).collect();
    assert_eq!(
        looked_up.len(),
        5,
        "one lookup per drifted resource: {calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| c.next_page).count(),
        1,
        "the db group's second page"
    );
    assert_eq!(
        calls.len(),
        5 + 1 + 1,
        "five resources, one second page, one throttled call retried"
    );
    for pair in calls.windows(3) {
        let span = pair[2].at.duration_since(pair[0].at);
        assert!(
            span >= Duration::from_millis(900),
            "three calls within {span:?}: at most two a second"
        );
    }
}

#[test]
fn a_refused_lookup_leaves_the_scan_complete_and_says_why() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    drift_five(&moto, &staging);
    let trail = CloudTrail::start(History {
        deny: true,
        ..History::default()
    });
    let (code, report, stderr) = attributed_scan(&moto, &trail);
    assert!(report.complete, "{stderr}");
    assert_eq!(code, 1, "{stderr}");
    let attributable: Vec<_> = report
        .findings
        .iter()
        .filter(|f| {
            matches!(f.kind, FindingKind::Drift | FindingKind::Compliance)
                && f.physical_id.is_some()
        })
        .collect();
    assert!(!attributable.is_empty());
    for finding in attributable {
        let attribution = finding.attribution.as_ref().expect("said");
        assert!(
            attribution.describe().contains("CloudTrail refused LookupEvents (AccessDeniedException): attribution needs cloudtrail:LookupEvents"),
            "{attribution:?}"
        );
    }
    assert_eq!(
        trail.calls().len(),
        5,
        "one refused call per resource, none retried"
    );
}

/// A lookup reaches back to when the baseline was captured (its `captured:` line), not over the
/// whole 90 days; a baseline that does not say is looked up over the 90 days.
#[test]
fn the_lookup_reaches_back_to_the_capture_of_the_baseline() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    let captured = crate::support::captured_baselines(&moto, "staging", REGION);
    let baseline = scanner::baseline::Baseline::load(captured.path(), "staging").expect("loads");
    let at = baseline.captured.expect("a live capture says when");
    block_on(open_to_the_world(&moto, &staging.security_groups["app"]));
    let trail = CloudTrail::start(History::default());
    let (code, report, stderr) = attributed_scan_against(&moto, &trail, captured.path());
    assert!(report.complete, "{stderr}");
    assert_eq!(code, 1, "the open group fails the default gate: {stderr}");
    let calls = trail.calls();
    assert_eq!(calls.len(), 1, "one drifted resource: {calls:?}");
    let (start, end) = calls[0].window;
    let start = start.expect("a StartTime");
    assert!(
        (start - at.unix_timestamp() as f64).abs() < 1.0,
        "from the capture at {at}, not {start}"
    );
    assert!(end.is_some_and(|end| end > start));
    let said = attribution_of(&report, &staging.security_groups["app"]);
    assert!(
        said.iter()
            .all(|a| a.describe().contains("since the baseline was captured")),
        "{said:?}"
    );

    let trail = CloudTrail::start(History::default());
    attributed_scan(&moto, &trail);
    let (start, end) = trail.calls()[0].window;
    let days = (end.unwrap_or_default() - start.unwrap_or_default()) / 86_400.0;
    assert!(
        (days - 90.0).abs() < 0.01,
        "the shipped baselines do not say: {days} days"
    );
}

/// The scheduled function with the findings ledger: its first run looks the drifted group up
/// and alerts who opened it; the next run takes that from the ledger and asks CloudTrail
/// nothing, at two lookups a second the time a drifted estate would otherwise spend again on
/// every run.
#[test]
fn a_scheduled_run_takes_what_the_ledger_remembers_instead_of_asking_cloudtrail_again() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    let db = &staging.security_groups["db"];
    block_on(open_to_the_world(&moto, db));
    // A page holds every event of the group, as AWS's 50 would.
    let mut history = History {
        page_size: 50,
        ..History::default()
    };
    let alice = "arn:aws:iam::123456789012:user/alice";
    let opened = record(
        "AuthorizeSecurityGroupIngress",
        db,
        alice,
        "2026-12-06T10:00:00Z",
        "console.amazonaws.com",
    );
    history.events.insert(db.clone(), vec![opened]);
    let trail = CloudTrail::start(history);
    let config = block_on(moto.sdk_config(REGION));
    let inbox = block_on(crate::support::AlertInbox::create(&config));
    block_on(crate::fan_out::create_table(&config));
    let vars = [
        ("DRIFTSCAN_SCAN", "staging".to_string()),
        (
            "DRIFTSCAN_BASELINES",
            shipped_baselines().display().to_string(),
        ),
        // The ledger's table, with the run bucket the deployed stack names beside it (no work
        // queue: the scheduled run is done in the function itself).
        ("DRIFTSCAN_TABLE", crate::fan_out::TABLE.to_string()),
        ("DRIFTSCAN_RUN_BUCKET", "driftscan-runs-test".to_string()),
        ("DRIFTSCAN_ATTRIBUTE", "on".to_string()),
        ("DRIFTSCAN_LOG", "debug".to_string()),
        ("AWS_ENDPOINT_URL_CLOUDTRAIL", trail.endpoint.clone()),
    ];
    let log = moto.dir.path().join("lambda.log");
    let scheduled = crate::lambda::scheduled();
    let run = |label: &str| {
        let answer = crate::lambda::invoke_once(&moto, &inbox, &vars, &scheduled);
        let findings = answer["reports"][0]["findings"].as_u64().unwrap_or(0);
        assert!(findings > 0, "{label}: the drift is found: {answer}");
        std::fs::read_to_string(&log).expect("the function's log")
    };

    let first = run("first run");
    let lookups = trail.calls().len();
    assert_eq!(lookups, 1, "the one drifted group, looked up once");
    let (raw, _) = block_on(inbox.drain());
    let alert = raw.iter().map(|m| m.to_string()).collect::<String>();
    assert!(alert.contains("alice"), "the alert says who: {alert}");
    assert_eq!(recalled(&first), Some(0), "nothing remembered yet");

    let second = run("second run");
    assert_eq!(
        trail.calls().len(),
        lookups,
        "nothing asked of CloudTrail again"
    );
    let findings_of_the_group = recalled(&second).unwrap_or(0);
    assert!(
        findings_of_the_group >= 1,
        "the group's findings taken from the ledger: {second}"
    );

    // Bob closes the group by hand: the next run's alert says the findings resolved, and who
    // resolved them (the write since they were first seen).
    block_on(close_to_the_world(&moto, db));
    let now = time::OffsetDateTime::now_utc() + time::Duration::minutes(1);
    let closed_at = now
        .format(&time::format_description::well_known::Rfc3339)
        .expect("a time");
    let bob = "arn:aws:iam::123456789012:user/bob";
    let closed = record(
        "RevokeSecurityGroupIngress",
        db,
        bob,
        &closed_at,
        "console.amazonaws.com",
    );
    trail.record_latest(db, closed);
    let answer = crate::lambda::invoke_once(&moto, &inbox, &vars, &scheduled);
    assert_eq!(answer["reports"][0]["findings"], 0, "{answer}");
    let (raw, _) = block_on(inbox.drain());
    let resolved = raw[0]["reports"][0]["resolved"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!resolved.is_empty(), "{}", raw[0]);
    for finding in &resolved {
        let by = &finding["resolved_by"];
        assert_eq!(by["principal"]["arn"], bob, "{finding}");
        assert_eq!(by["event"]["name"], "RevokeSecurityGroupIngress");
    }
    let calls: Vec<String> = trail.calls().into_iter().map(|c| c.resource).collect();
    assert_eq!(
        calls.len(),
        lookups + 1,
        "the group, looked up once for all of them: {calls:?}"
    );
}

/// Takes back what [`open_to_the_world`] opened.
async fn close_to_the_world(moto: &Moto, group: &str) {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk_config(REGION).await);
    ec2.revoke_security_group_ingress()
        .group_id(group)
        .ip_permissions(crate::support::world_open_database_port())
        .send()
        .await
        .expect("revoked");
}

/// How many attributions the function's debug log (JSON lines) says it took from the ledger.
fn recalled(log: &str) -> Option<u64> {
    log.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|line| line["fields"]["recalled"].as_u64())
}

/// `compare --attribute`: staging's database group opened by hand is the one difference from
/// prod; each environment's group is looked up in its own event history (compared pairwise,
/// either may be the one that changed), and the difference is attributed to the change.
#[test]
fn a_difference_between_environments_names_the_change_that_made_it() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    let prod = block_on(moto.provision("prod", REGION));
    let (opened, kept) = (&staging.security_groups["db"], &prod.security_groups["db"]);
    block_on(open_to_the_world(&moto, opened));
    let mut history = History::default();
    let alice = "arn:aws:iam::123456789012:user/alice";
    let change = record(
        "AuthorizeSecurityGroupIngress",
        opened,
        alice,
        "2026-12-06T10:00:00Z",
        "console.amazonaws.com",
    );
    history.events.insert(opened.clone(), vec![change]);
    let trail = CloudTrail::start(history);
    let baselines = shipped_baselines().display().to_string();
    let output = moto
        .driftscan()
        .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
        .args(["compare", "staging", "prod", "--region", REGION])
        .args(["--baselines", &baselines, "--attribute", "--format", "json"])
        .output()
        .expect("driftscan runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "one medium difference: {stderr}"
    );
    let report: Report = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let differences: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::Difference)
        .collect();
    assert_eq!(differences.len(), 1, "{differences:#?}");
    let attribution = differences[0].attribution.as_ref().expect("attributed");
    let change = attribution
        .change()
        .unwrap_or_else(|| panic!("{attribution:?}"));
    assert_eq!(change.principal.arn.as_deref(), Some(alice));
    assert_eq!(change.source, ChangeSource::Console);
    let mut looked_up: Vec<String> = trail.calls().into_iter().map(|c| c.resource).collect();
    looked_up.sort();
    let mut both = vec![opened.clone(), kept.clone()];
    both.sort();
    assert_eq!(looked_up, both, "each environment's group, once");
}

/// The CLI's `scan --publish` with the findings ledger: connected before the run, so a second
/// run takes the drift's attribution from the ledger rather than CloudTrail, and its OCSF
/// events say when each finding was first seen (the first run's time).
#[test]
fn the_cli_publishing_to_the_ledger_recalls_from_it_and_says_when_a_drift_was_first_seen() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    let db = &staging.security_groups["db"];
    block_on(open_to_the_world(&moto, db));
    let alice = "arn:aws:iam::123456789012:user/alice";
    let opened = record(
        "AuthorizeSecurityGroupIngress",
        db,
        alice,
        "2026-12-06T10:00:00Z",
        "console.amazonaws.com",
    );
    let mut history = History::default();
    history.events.insert(db.clone(), vec![opened]);
    let trail = CloudTrail::start(history);
    let config = block_on(moto.sdk_config(REGION));
    let inbox = block_on(crate::support::AlertInbox::create(&config));
    block_on(crate::fan_out::create_table(&config));
    let config_file = moto.dir.path().join("driftscan.yaml");
    let publish = format!(
        "publish:\n  topic_arn: {}\n  metrics: off\n  ledger_table: {}\n",
        inbox.topic_arn,
        crate::fan_out::TABLE
    );
    std::fs::write(&config_file, publish).unwrap();
    let baselines = shipped_baselines().display().to_string();
    let scan = |ocsf: &std::path::Path| {
        let output = moto
            .driftscan()
            .env("AWS_ENDPOINT_URL_CLOUDTRAIL", &trail.endpoint)
            .args([
                "scan",
                "--env",
                "staging",
                "--region",
                REGION,
                "--attribute",
            ])
            .args(["--publish", "--baselines", &baselines])
            .arg("--config")
            .arg(&config_file)
            .arg("--output")
            .arg(format!("ocsf={}", ocsf.display()))
            .output()
            .expect("driftscan runs");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        let events: serde_json::Value =
            serde_json::from_slice(&std::fs::read(ocsf).expect("written")).expect("OCSF");
        events
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["unmapped"]["driftscan_kind"] == "compliance")
            .expect("the open group's event")
            .clone()
    };

    let before = scanner::clock::epoch_secs();
    let first = scan(&moto.dir.path().join("first.json"));
    assert_eq!(trail.calls().len(), 1, "the drifted group, looked up once");
    assert!(
        first["finding_info"].get("first_seen_time").is_none(),
        "nothing remembered before the first run: {first}"
    );
    assert_eq!(first["unmapped"]["attribution"]["principal"]["arn"], alice);

    let second = scan(&moto.dir.path().join("second.json"));
    assert_eq!(
        trail.calls().len(),
        1,
        "taken from the ledger, not CloudTrail"
    );
    assert_eq!(second["unmapped"]["attribution"]["principal"]["arn"], alice);
    let seen = second["finding_info"]["first_seen_time"]
        .as_u64()
        .unwrap_or_else(|| panic!("first seen from the ledger: {second}"));
    let after = scanner::clock::epoch_secs();
    assert!(
        (before * 1000..=after * 1000).contains(&seen),
        "first seen by the first run: {seen}"
    );
    assert!(second["finding_info"]["last_seen_time"].as_u64() >= Some(seen));
}

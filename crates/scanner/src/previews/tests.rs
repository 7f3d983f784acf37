use std::collections::BTreeSet;

use super::*;
use crate::model::{EcsService, EcsTaskDefinition, Properties, Resource, ResourceKind};

/// Days since the epoch of 2026-12-07, the tests' today.
fn today() -> i64 {
    inputs::day_number("2026-12-07").unwrap()
}

fn resource(kind_props: Properties, id: &str, env: &str) -> Resource {
    let mut resource = crate::testing::resource(id, kind_props);
    resource.region = "us-east-2".into();
    resource.tags.insert("Environment".into(), env.into());
    resource
}

fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a model")
}

/// Preview `n`: its service (1 task of 0.25 vCPU and 0.5 GB) when `with_service`, its rule and
/// target group, and a parameter last changed `changed`.
fn preview_snapshot(n: u32, with_service: bool, changed: &str) -> Snapshot {
    let env = format!("pr-{n}");
    let definition: EcsTaskDefinition = from_json(serde_json::json!({
        "family": format!("trading-app-{env}"), "revision": 1, "cpu": "256", "memory": "512",
        "network_mode": "awsvpc", "requires_compatibilities": ["FARGATE"], "containers": []
    }));
    let mut definition = resource(
        Properties::EcsTaskDefinition(definition),
        &format!("trading-app-{env}:1"),
        &env,
    );
    let arn = format!("arn:aws:ecs:us-east-2:123456789012:task-definition/trading-app-{env}:1");
    definition.arn = Some(arn.clone());
    let service: EcsService = from_json(serde_json::json!({
        "cluster": "ecs-cluster-dev", "status": "ACTIVE", "desired_count": 1,
        "launch_type": "FARGATE", "capacity_provider_strategy": [], "task_definition": arn,
        "load_balancers": [], "enable_execute_command": false
    }));
    let parameter: crate::model::SsmParameter = from_json(serde_json::json!({
        "type": "String", "version": 1, "value": "x", "last_modified": changed
    }));
    let rule: crate::model::ListenerRule = from_json(serde_json::json!({
        "listener": {"id": "listener-1"}, "priority": 7, "conditions": [], "actions": []
    }));
    let mut resources = vec![
        definition,
        resource(
            Properties::SsmParameter(parameter),
            &format!("/{env}/app"),
            &env,
        ),
    ];
    if with_service {
        resources.push(resource(
            Properties::EcsService(service),
            &format!("trading-app-{env}"),
            &env,
        ));
    }
    resources.push(resource(
        Properties::ListenerRule(rule),
        &format!("rule-{env}"),
        &env,
    ));
    Snapshot::new(
        env,
        vec!["us-east-2".into()],
        crate::model::Selection {
            tag_key: "Environment".into(),
            ssm_paths: vec![],
        },
        vec![],
        resources,
    )
}

fn judge(found: &[Found], open: Option<&BTreeSet<u32>>) -> PreviewReport {
    let settings = PreviewSettings::default();
    let prices = PriceTable::shipped();
    let judged = Judged {
        settings: &settings,
        open,
        prices: &prices,
        today: today(),
    };
    assess("dev", "us-east-2", found, vec![], &judged)
}

#[test]
fn a_closed_pull_request_or_an_old_preview_is_stale_and_its_cost_counted() {
    let found = vec![
        Found {
            number: 7,
            snapshot: preview_snapshot(7, true, "2026-12-05T10:00:00Z"),
        },
        Found {
            number: 9,
            snapshot: preview_snapshot(9, true, "2026-12-06T10:00:00Z"),
        },
        Found {
            number: 12,
            snapshot: preview_snapshot(12, true, "2026-11-01T10:00:00Z"),
        },
    ];
    let open = BTreeSet::from([7, 12]);
    let report = judge(&found, Some(&open));
    let by = |n: u32| report.previews.iter().find(|p| p.number == n).unwrap();
    assert!(!by(7).stale);
    assert_eq!(by(7).pull_request, PullRequestState::Open);
    assert_eq!(by(7).age_days, Some(2));
    assert!(by(9).stale && by(9).reasons == ["pull request #9 is closed"]);
    assert!(
        by(12).stale && by(12).reasons == ["older than 14 days"],
        "{:?}",
        by(12).reasons
    );
    // 0.25 vCPU × $0.04048 + 0.5 GB × $0.004445, for 730 hours.
    let one_task = (0.25 * 0.04048 + 0.5 * 0.004445) * 730.0;
    assert_eq!(
        by(7).monthly_usd,
        Some((one_task * 100.0_f64).round() / 100.0)
    );
    assert!((report.stale_monthly_usd - 2.0 * by(7).monthly_usd.unwrap()).abs() < 1e-9);
    assert_eq!(by(9).destroy, "driftscan-infra destroy --env pr-9 --yes");
    assert!(report.complete);
    let text = render(&report, crate::report::Format::Text);
    assert!(
        text.lines().all(|l| l == l.trim_end()),
        "no line ends in spaces:\n{text}"
    );
    assert!(
        text.contains("driftscan previews: dev in us-east-2 — 3 preview(s), 2 stale"),
        "{text}"
    );
}

#[test]
fn a_rule_left_without_its_service_is_an_orphan_and_without_a_list_the_state_is_unknown() {
    let found = vec![Found {
        number: 5,
        snapshot: preview_snapshot(5, false, "2026-12-06T10:00:00Z"),
    }];
    let report = judge(&found, None);
    let preview = &report.previews[0];
    assert_eq!(preview.pull_request, PullRequestState::Unknown);
    assert!(!preview.stale);
    assert_eq!(
        preview.orphans,
        ["a listener rule or target group without a service"]
    );
}

#[test]
fn an_incomplete_read_says_so_in_every_format() {
    let mut snapshot = preview_snapshot(7, true, "2026-12-06T10:00:00Z");
    snapshot.failures.push(crate::model::ReadFailure {
        region: "us-east-2".into(),
        service: crate::model::Service::Ecs,
        operation: "DescribeServices".into(),
        kinds: vec![ResourceKind::EcsService],
        code: "AccessDenied".into(),
        message: "denied".into(),
    });
    let report = judge(
        &[Found {
            number: 7,
            snapshot,
        }],
        None,
    );
    assert!(!report.complete);
    for format in render::FORMATS {
        let text = render(&report, format);
        assert!(
            text.contains("INCOMPLETE") || text.contains("\"complete\": false"),
            "{text}"
        );
    }
}

#[test]
fn open_pull_requests_come_as_gh_json_or_lines_and_a_bad_line_is_named() {
    let gh = r#"[{"number": 7}, {"number": 12}]"#;
    assert_eq!(
        parse_open_pull_requests("-", gh),
        Ok(BTreeSet::from([7, 12]))
    );
    assert_eq!(
        parse_open_pull_requests("prs.txt", "7\n\n# open\n#12\n"),
        Ok(BTreeSet::from([7, 12]))
    );
    let bad = parse_open_pull_requests("prs.txt", "7\nseven\n").unwrap_err();
    assert_eq!(
        bad.to_string(),
        "prs.txt:2: `seven` is not a pull request number (give one per line, or gh's JSON)"
    );
    let bad = parse_open_pull_requests("-", "[{\"title\": 1}]").unwrap_err();
    assert_eq!(bad.line, 1, "{bad}");
}

#[test]
fn a_price_table_with_a_negative_or_missing_price_is_refused_with_its_line() {
    let negative = "source: x\nregions:\n  us-east-1:\n    taken: 2026-12-07\n    fargate_vcpu_hour: -1\n    fargate_gb_hour: 0.1\n    fargate_arm_vcpu_hour: 0.1\n    fargate_arm_gb_hour: 0.1\n";
    let error = PriceTable::parse("p.yaml", negative).unwrap_err();
    assert_eq!(error.line, 3);
    assert!(
        error.message.contains("us-east-1.fargate_vcpu_hour is -1"),
        "{error}"
    );
    let missing =
        "source: x\nregions:\n  us-east-1:\n    taken: 2026-12-07\n    fargate_vcpu_hour: 1\n";
    let error = PriceTable::parse("p.yaml", missing).unwrap_err();
    assert!(error.message.contains("missing field"), "{error}");
    assert!(PriceTable::shipped().regions.contains_key("us-east-2"));
}

#[test]
fn a_pattern_without_its_number_is_refused() {
    for bad in ["preview", "{n}", "pr-{n}-{n}"] {
        let settings = PreviewSettings {
            pattern: bad.into(),
            ..PreviewSettings::default()
        };
        assert!(settings.validate().is_err(), "{bad}");
    }
    assert_eq!(PreviewSettings::default().environment(7), "pr-7");
}

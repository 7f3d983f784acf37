//! ElastiCache end to end: a freshly provisioned environment's Redis scans clean against the
//! shipped baselines and against its own capture, and each out-of-band change gives exactly
//! its findings (kind, resource, path, severity, rule).

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, finding_rows, json_report, shipped_baselines,
    sorted_rows as sorted, FindingRow as Row, Moto,
};

const REGION: &str = "us-east-1";

/// `scan --env prod` against `baselines`: exit code and findings, sorted.
fn scan(moto: &Moto, baselines: &str) -> (i32, Vec<Row>) {
    let args = [
        "scan",
        "--env",
        "prod",
        "--region",
        REGION,
        "--baselines",
        baselines,
    ];
    let (code, report, stderr) = json_report(moto, &args);
    assert!(report.complete, "{stderr}");
    (code, finding_rows(&report))
}

#[test]
fn each_cache_change_is_exactly_its_findings() {
    let moto = Moto::start();
    block_on(moto.provision("prod", REGION));
    let config = block_on(moto.sdk_config(REGION));
    let cache = aws_sdk_elasticache::Client::new(&config);
    let shipped = shipped_baselines().display().to_string();
    assert_eq!(
        scan(&moto, &shipped),
        (0, vec![]),
        "a fresh prod scans clean"
    );

    // Captured, then scanned against the capture: nothing.
    let captured = crate::support::captured_baselines(&moto, "prod", REGION);
    let own = captured.path().display().to_string();
    assert_eq!(scan(&moto, &own).1, vec![], "nothing right after capture");

    // 1. Failover and Multi-AZ turned off by hand, snapshots cut to a day.
    block_on(
        cache
            .modify_replication_group()
            .replication_group_id("redis-prod")
            .automatic_failover_enabled(false)
            .multi_az_enabled(false)
            .snapshot_retention_limit(1)
            .apply_immediately(true)
            .send(),
    )
    .unwrap();
    let group = "cache-replication-group/redis-{env}";
    let failover_rows = |resource: &str| {
        vec![
            row(
                FindingKind::Compliance,
                resource,
                "properties.automatic_failover",
                Severity::High,
                Some("cache-failover"),
            ),
            row(
                FindingKind::Compliance,
                resource,
                "properties.multi_az",
                Severity::High,
                Some("cache-failover"),
            ),
        ]
    };
    let mut expected = vec![
        row(
            FindingKind::Drift,
            group,
            "properties.automatic_failover",
            Severity::Medium,
            None,
        ),
        row(
            FindingKind::Drift,
            group,
            "properties.multi_az",
            Severity::Medium,
            None,
        ),
        row(
            FindingKind::Drift,
            group,
            "properties.snapshot_retention_limit",
            Severity::Medium,
            None,
        ),
    ];
    expected.extend(failover_rows(group));
    let (code, rows) = scan(&moto, &shipped);
    assert_eq!(rows, sorted(expected.clone()));
    assert_eq!(code, 1);

    // 2. A group made by hand for prod: no encryption, no AUTH, no failover.
    let tag = aws_sdk_elasticache::types::Tag::builder()
        .key("Environment")
        .value("prod")
        .build();
    block_on(
        cache
            .create_replication_group()
            .replication_group_id("redis-prod-scratch")
            .replication_group_description("by hand")
            .engine("redis")
            .tags(tag)
            .send(),
    )
    .unwrap();
    let scratch = "cache-replication-group/redis-{env}-scratch";
    let (_, rows) = scan(&moto, &shipped);
    let unmanaged: Vec<&Row> = rows
        .iter()
        .filter(|r| r.0 == FindingKind::Unmanaged)
        .collect();
    assert_eq!(unmanaged.len(), 1, "{rows:#?}");
    assert_eq!(unmanaged[0].1, scratch);
    expected.push(unmanaged[0].clone());
    expected.extend(failover_rows(scratch));
    expected.extend([
        row(
            FindingKind::Compliance,
            scratch,
            "properties.transit_encryption",
            Severity::High,
            Some("cache-encrypted"),
        ),
        row(
            FindingKind::Compliance,
            scratch,
            "properties.at_rest_encryption",
            Severity::High,
            Some("cache-encrypted"),
        ),
        row(
            FindingKind::Compliance,
            scratch,
            "properties.auth_token_enabled",
            Severity::High,
            Some("cache-auth"),
        ),
        // Made by hand, it carries the Environment tag only.
        row(
            FindingKind::Compliance,
            scratch,
            "tags",
            Severity::Low,
            Some("required-tags"),
        ),
    ]);
    assert_eq!(rows, sorted(expected));
}

//! CloudWatch Logs end to end: the app's log group scans clean after provisioning, and each
//! out-of-band change to its retention gives exactly its findings.

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, shipped_scan_rows, sorted_rows, FindingRow, Moto,
};

const REGION: &str = "us-east-1";

fn scan(moto: &Moto) -> Vec<FindingRow> {
    shipped_scan_rows(moto, "staging", REGION)
}

#[test]
fn each_retention_change_is_exactly_its_findings() {
    let moto = Moto::start();
    block_on(moto.provision("staging", REGION));
    let logs = aws_sdk_cloudwatchlogs::Client::new(&block_on(moto.sdk_config(REGION)));
    assert_eq!(scan(&moto), vec![], "a fresh staging scans clean");
    let group = "log-group//ecs/trading-app-{env}";
    let retention = "properties.retention_days";

    // 1. Cut to a day by hand: drift only (the default minimum is a day).
    let cut = logs
        .put_retention_policy()
        .log_group_name("/ecs/trading-app-staging")
        .retention_in_days(1)
        .send();
    block_on(cut).unwrap();
    assert_eq!(
        scan(&moto),
        vec![row(
            FindingKind::Drift,
            group,
            retention,
            Severity::Medium,
            None
        )]
    );

    // 2. Kept forever: drift, and the retention rule.
    let forever = logs
        .delete_retention_policy()
        .log_group_name("/ecs/trading-app-staging")
        .send();
    block_on(forever).unwrap();
    let expected = vec![
        row(
            FindingKind::Compliance,
            group,
            retention,
            Severity::Medium,
            Some("log-retention"),
        ),
        row(FindingKind::Drift, group, retention, Severity::Medium, None),
    ];
    assert_eq!(scan(&moto), sorted_rows(expected));
}

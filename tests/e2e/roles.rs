//! IAM end to end: the app's roles scan clean after provisioning, and each out-of-band change
//! to them (widened to everything, any role passable, trusted by anyone) gives exactly its
//! findings.

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, shipped_scan_rows, sorted_rows, FindingRow, Moto,
};

const REGION: &str = "us-east-1";
const TASK_ROLE: &str = "trading-app-task-staging";

fn scan(moto: &Moto) -> Vec<FindingRow> {
    shipped_scan_rows(moto, "staging", REGION)
}

#[test]
fn each_role_change_is_exactly_its_findings() {
    let moto = Moto::start();
    block_on(moto.provision("staging", REGION));
    let iam = aws_sdk_iam::Client::new(&block_on(moto.sdk_config(REGION)));
    assert_eq!(scan(&moto), vec![], "a fresh staging scans clean");
    let role = "iam-role/trading-app-task-{env}";
    let put = |name: &str, document: &str| {
        let put = iam
            .put_role_policy()
            .role_name(TASK_ROLE)
            .policy_name(name)
            .policy_document(document);
        block_on(put.send()).unwrap();
    };
    let delete = |name: &str| {
        block_on(
            iam.delete_role_policy()
                .role_name(TASK_ROLE)
                .policy_name(name)
                .send(),
        )
        .unwrap();
    };

    // 1. Widened to everything by hand: the administrator rule, critical (the baseline leaves
    // the inline policies' text to each environment).
    put(
        "by-hand",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let admin = Some("iam-no-admin-wildcard");
    let path = "properties.inline_policies.by-hand";
    assert_eq!(
        scan(&moto),
        vec![row(
            FindingKind::Compliance,
            role,
            path,
            Severity::Critical,
            admin
        )]
    );
    delete("by-hand");

    // 2. Any role passable: the PassRole rule, high.
    put(
        "deploy",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:PassRole","ecs:RunTask"],"Resource":"*"}]}"#,
    );
    let pass = Some("iam-passrole-wildcard");
    let path = "properties.inline_policies.deploy";
    assert_eq!(
        scan(&moto),
        vec![row(
            FindingKind::Compliance,
            role,
            path,
            Severity::High,
            pass
        )]
    );
    delete("deploy");
    assert_eq!(scan(&moto), vec![], "both removed");

    // 3. Trusted by anyone: drift on the trust policy, and the trust rule.
    let anyone = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    block_on(
        iam.update_assume_role_policy()
            .role_name(TASK_ROLE)
            .policy_document(anyone)
            .send(),
    )
    .unwrap();
    let trust = "properties.trust_policy";
    let expected = vec![
        row(FindingKind::Drift, role, trust, Severity::Medium, None),
        row(
            FindingKind::Compliance,
            role,
            trust,
            Severity::Critical,
            Some("iam-trust-no-wildcard"),
        ),
    ];
    assert_eq!(scan(&moto), sorted_rows(expected));
}

//! KMS end to end: the environment's key scans clean after provisioning, and each out-of-band
//! change to it (rotation off, a grant to another account, deletion scheduled) gives exactly
//! its findings.

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, shipped_scan_rows, sorted_rows, FindingRow, Moto,
};

const REGION: &str = "us-east-1";
const ALIAS: &str = "alias/trading-staging";

fn scan(moto: &Moto) -> Vec<FindingRow> {
    shipped_scan_rows(moto, "staging", REGION)
}

#[test]
fn each_key_change_is_exactly_its_findings() {
    let moto = Moto::start();
    block_on(moto.provision("staging", REGION));
    let kms = aws_sdk_kms::Client::new(&block_on(moto.sdk_config(REGION)));
    assert_eq!(scan(&moto), vec![], "a fresh staging scans clean");
    let key = "kms-key/alias/trading-{env}";
    let key_id = block_on(kms.describe_key().key_id(ALIAS).send())
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;

    // 1. Rotation turned off by hand: drift, and the rotation rule.
    block_on(kms.disable_key_rotation().key_id(&key_id).send()).unwrap();
    let rotation = "properties.rotation_enabled";
    let expected = vec![
        row(FindingKind::Drift, key, rotation, Severity::Medium, None),
        row(
            FindingKind::Compliance,
            key,
            rotation,
            Severity::Medium,
            Some("kms-key-rotation"),
        ),
    ];
    assert_eq!(scan(&moto), sorted_rows(expected));
    block_on(kms.enable_key_rotation().key_id(&key_id).send()).unwrap();

    // 2. The policy opened to another account: the grant rule, critical (the baseline leaves
    // the policy's text to each environment).
    let policy = block_on(
        kms.get_key_policy()
            .key_id(&key_id)
            .policy_name("default")
            .send(),
    )
    .unwrap()
    .policy
    .unwrap();
    let mut opened: serde_json::Value = serde_json::from_str(&policy).unwrap();
    opened["Statement"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "Sid": "ByHand", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "kms:Decrypt", "Resource": "*"
        }));
    let put = |document: String| {
        block_on(
            kms.put_key_policy()
                .key_id(&key_id)
                .policy_name("default")
                .policy(document)
                .send(),
        )
        .unwrap()
    };
    put(opened.to_string());
    let grant = Some("kms-key-policy-no-outside-grant");
    assert_eq!(
        scan(&moto),
        vec![row(
            FindingKind::Compliance,
            key,
            "properties.policy",
            Severity::Critical,
            grant
        )]
    );
    put(policy);
    assert_eq!(scan(&moto), vec![], "the policy restored");

    // 3. Deletion scheduled by hand: one drift on the state, and the critical rule.
    let schedule = kms
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7);
    block_on(schedule.send()).unwrap();
    let state = "properties.state";
    let pending = Some("kms-key-pending-deletion");
    let expected = vec![
        row(FindingKind::Drift, key, state, Severity::Medium, None),
        row(
            FindingKind::Compliance,
            key,
            state,
            Severity::Critical,
            pending,
        ),
    ];
    assert_eq!(scan(&moto), sorted_rows(expected));
}

//! ACM end to end: a certificate of the environment imported by hand is unmanaged, and its
//! expiry is judged against today: within a month the high rule, within a week the critical
//! one. The certificates are made here with `openssl` (`-days` from today), as a team would
//! import its own.

use std::process::Command;

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, shipped_scan_rows, sorted_rows, FindingRow, Moto,
};

const REGION: &str = "us-east-1";
const DOMAIN: &str = "api.staging.trading.example.com";

fn scan(moto: &Moto) -> Vec<FindingRow> {
    shipped_scan_rows(moto, "staging", REGION)
}

/// A self-signed certificate for [`DOMAIN`] valid for `days` from now, and its key (PEM).
fn self_signed(dir: &std::path::Path, days: u32) -> (Vec<u8>, Vec<u8>) {
    let (cert, key) = (
        dir.join(format!("{days}.crt")),
        dir.join(format!("{days}.key")),
    );
    let made = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj"])
        .arg(format!("/CN={DOMAIN}"))
        .args(["-days", &days.to_string(), "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl runs");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap())
}

#[test]
fn a_certificate_near_expiry_is_exactly_its_window_s_finding() {
    let moto = Moto::start();
    block_on(moto.provision("staging", REGION));
    assert_eq!(scan(&moto), vec![], "a fresh staging scans clean");
    let acm = aws_sdk_acm::Client::new(&block_on(moto.sdk_config(REGION)));
    let tags: Vec<aws_sdk_acm::types::Tag> = [
        ("Environment", "staging"),
        ("Project", "trading-platform"),
        ("ManagedBy", "driftscan"),
        ("CostCenter", "platform"),
    ]
    .iter()
    .map(|(k, v)| {
        aws_sdk_acm::types::Tag::builder()
            .key(*k)
            .value(*v)
            .build()
            .unwrap()
    })
    .collect();
    let certificate = "acm-certificate/api.{env}.trading.example.com";
    let unmanaged = row(
        FindingKind::Unmanaged,
        certificate,
        "",
        Severity::Medium,
        None,
    );
    let expiry = |severity, rule| {
        row(
            FindingKind::Compliance,
            certificate,
            "properties.not_after",
            severity,
            Some(rule),
        )
    };

    // 1. Imported by hand, 20 days left: unmanaged, and the month's rule.
    let (cert, key) = self_signed(moto.dir.path(), 20);
    let import = acm
        .import_certificate()
        .certificate(aws_smithy_types::Blob::new(cert))
        .private_key(aws_smithy_types::Blob::new(key))
        .set_tags(Some(tags.clone()));
    let arn = block_on(import.send()).unwrap().certificate_arn.unwrap();
    let month = vec![
        unmanaged.clone(),
        expiry(Severity::High, "certificate-expiry"),
    ];
    assert_eq!(scan(&moto), sorted_rows(month));

    // 2. Re-imported with 3 days left: the week's rule instead, critical.
    let (cert, key) = self_signed(moto.dir.path(), 3);
    let reimport = acm
        .import_certificate()
        .certificate_arn(&arn)
        .certificate(aws_smithy_types::Blob::new(cert))
        .private_key(aws_smithy_types::Blob::new(key));
    block_on(reimport.send()).unwrap();
    // AWS keeps a certificate's tags when it is re-imported; moto drops them: put them back.
    let retag = acm
        .add_tags_to_certificate()
        .certificate_arn(&arn)
        .set_tags(Some(tags));
    block_on(retag.send()).unwrap();
    let week = vec![
        unmanaged,
        expiry(Severity::Critical, "certificate-expiry-critical"),
    ];
    assert_eq!(scan(&moto), sorted_rows(week));
}

//! WAFv2 end to end: staging's web ACL, in front of its load balancer since provisioning, scans
//! clean; taken off the load balancer by hand it is exactly the web ACL missing from staging and
//! the load balancer's `load-balancer-web-acl` finding; and dev, which has none, scans clean.

use scanner::model::{FindingKind, Severity};

use crate::support::{block_on, finding_row as row, shipped_scan_rows, sorted_rows, Moto};

const REGION: &str = "us-east-1";

#[test]
fn a_load_balancer_taken_out_from_behind_its_web_acl_is_exactly_its_findings() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    block_on(moto.provision("dev", REGION));
    assert_eq!(
        shipped_scan_rows(&moto, "staging", REGION),
        vec![],
        "staging scans clean"
    );
    assert_eq!(
        shipped_scan_rows(&moto, "dev", REGION),
        vec![],
        "dev has none, as declared"
    );

    let waf = aws_sdk_wafv2::Client::new(&block_on(moto.sdk_config(REGION)));
    let disassociate = waf
        .disassociate_web_acl()
        .resource_arn(&staging.load_balancer);
    block_on(disassociate.send()).unwrap();
    let expected = vec![
        row(
            FindingKind::Missing,
            "web-acl/trading-{env}",
            "",
            Severity::High,
            None,
        ),
        row(
            FindingKind::Compliance,
            "load-balancer/alb-{env}",
            "",
            Severity::Medium,
            Some("load-balancer-web-acl"),
        ),
    ];
    assert_eq!(
        shipped_scan_rows(&moto, "staging", REGION),
        sorted_rows(expected)
    );
}

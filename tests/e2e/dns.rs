//! Route 53 end to end: dev's zone and its apex record, and a preview's record in dev's zone,
//! scan clean after provisioning and are each the right environment's; a record left at a
//! deleted load balancer is exactly an unmanaged record and the critical `dns-dangling`; a
//! preview's destroy takes its record with it.

use aws_sdk_route53::types as r53;
use scanner::model::{FindingKind, Severity};

use crate::support::{block_on, finding_row as row, shipped_scan_rows, sorted_rows, Moto};

const REGION: &str = "us-east-2";
const ZONE: &str = "dev.trading.example.com";

#[test]
fn a_record_left_at_a_deleted_load_balancer_dangles_and_a_preview_keeps_to_its_own() {
    let moto = Moto::start();
    let dev = block_on(moto.provision("dev", REGION));
    block_on(moto.provision("pr-7", REGION));
    assert_eq!(
        shipped_scan_rows(&moto, "dev", REGION),
        vec![],
        "dev scans clean"
    );
    assert_eq!(
        shipped_scan_rows(&moto, "pr-7", REGION),
        vec![],
        "pr-7 scans clean"
    );
    let config = block_on(moto.sdk_config(REGION));
    let route53 = aws_sdk_route53::Client::new(&config);
    let zone = block_on(route53.list_hosted_zones_by_name().dns_name(ZONE).send()).unwrap();
    let zone = zone.hosted_zones()[0].id().to_string();

    // A load balancer made and deleted by hand, and a record still pointing at it.
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let created = block_on(
        elb.create_load_balancer()
            .name("alb-old")
            .set_subnets(Some(dev.public_subnet_ids.clone()))
            .send(),
    )
    .unwrap();
    let gone = created.load_balancers()[0].clone();
    block_on(
        elb.delete_load_balancer()
            .load_balancer_arn(gone.load_balancer_arn().unwrap())
            .send(),
    )
    .unwrap();
    let record = r53::ResourceRecordSet::builder()
        .name("old.dev.trading.example.com.")
        .r#type(r53::RrType::Cname)
        .ttl(300)
        .resource_records(
            r53::ResourceRecord::builder()
                .value(gone.dns_name().unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let change = |action: r53::ChangeAction| {
        let change = r53::Change::builder()
            .action(action)
            .resource_record_set(record.clone())
            .build()
            .unwrap();
        let batch = r53::ChangeBatch::builder().changes(change).build().unwrap();
        block_on(
            route53
                .change_resource_record_sets()
                .hosted_zone_id(&zone)
                .change_batch(batch)
                .send(),
        )
        .unwrap();
    };
    change(r53::ChangeAction::Create);
    let key = "dns-record/old.{env}.trading.example.com CNAME";
    let expected = vec![
        row(FindingKind::Unmanaged, key, "", Severity::Medium, None),
        row(
            FindingKind::Compliance,
            key,
            "properties.target.present",
            Severity::Critical,
            Some("dns-dangling"),
        ),
    ];
    assert_eq!(
        shipped_scan_rows(&moto, "dev", REGION),
        sorted_rows(expected)
    );
    assert_eq!(
        shipped_scan_rows(&moto, "pr-7", REGION),
        vec![],
        "dev's record, not pr-7's"
    );
    change(r53::ChangeAction::Delete);
    assert_eq!(shipped_scan_rows(&moto, "dev", REGION), vec![]);

    // The preview goes, and its record with it: nothing of pr-7 is left in dev's zone.
    let spec = infra::EnvironmentSpec::reference("pr-7", Some(REGION)).unwrap();
    let options = infra::DestroyOptions::without_final_snapshot();
    let removed = block_on(infra::destroy(&config, &spec, infra::Mode::Apply, &options)).unwrap();
    assert!(
        removed
            .iter()
            .any(|c| c.resource == "dns-record pr-7.dev.trading.example.com"),
        "{removed:#?}"
    );
    let left = block_on(
        route53
            .list_resource_record_sets()
            .hosted_zone_id(&zone)
            .send(),
    )
    .unwrap();
    assert!(left
        .resource_record_sets()
        .iter()
        .all(|r| !r.name().starts_with("pr-7.")));
    assert_eq!(
        shipped_scan_rows(&moto, "dev", REGION),
        vec![],
        "dev still scans clean"
    );
}

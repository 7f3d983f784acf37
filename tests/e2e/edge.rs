//! The edge and the data bucket, end to end: each out-of-band change to the load balancer's
//! listeners or the environment's bucket gives exactly its findings (kind, path, severity), a
//! fresh environment scans clean against the shipped baselines, and `compare staging prod`
//! reports a listener that differs.

use aws_sdk_elasticloadbalancingv2::types as elb;
use aws_sdk_s3::types as s3;
use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, finding_rows, json_report, shipped_baselines,
    sorted_rows as sorted, FindingRow, Moto,
};

const REGION: &str = "us-east-1";

/// `scan` against the shipped baselines: exit code and findings, sorted.
fn scan(moto: &Moto, env: &str) -> (i32, Vec<FindingRow>) {
    let baselines = shipped_baselines().display().to_string();
    let (code, report, _) = json_report(
        moto,
        &[
            "scan",
            "--env",
            env,
            "--region",
            REGION,
            "--baselines",
            &baselines,
        ],
    );
    (code, finding_rows(&report))
}

async fn listener_on(
    client: &aws_sdk_elasticloadbalancingv2::Client,
    lb: &str,
    port: i32,
) -> elb::Listener {
    client
        .describe_listeners()
        .load_balancer_arn(lb)
        .send()
        .await
        .unwrap()
        .listeners()
        .iter()
        .find(|l| l.port() == Some(port))
        .cloned()
        .expect("listener")
}

#[test]
fn each_edge_and_bucket_change_is_exactly_its_findings() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    let config = block_on(moto.sdk_config(REGION));
    let elbc = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let s3c = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = infra::edge::bucket_name("staging", "123456789012");
    let bucket_key = "s3-bucket/trading-data-{env}-{account}";
    let (code, rows) = scan(&moto, "staging");
    assert_eq!((code, rows), (0, vec![]), "a fresh environment scans clean");

    // 1. The HTTP listener forwards instead of redirecting.
    let http = block_on(listener_on(&elbc, &staging.load_balancer, 80));
    let http_arn = http.listener_arn().unwrap().to_string();
    let forward = elb::Action::builder()
        .r#type(elb::ActionTypeEnum::Forward)
        .target_group_arn(&staging.target_group)
        .build();
    block_on(
        elbc.modify_listener()
            .listener_arn(&http_arn)
            .default_actions(forward)
            .send(),
    )
    .unwrap();
    let (code, rows) = scan(&moto, "staging");
    assert_eq!(
        rows,
        sorted(vec![
            row(
                FindingKind::Drift,
                "listener/alb-{env}:80",
                "properties.default_actions",
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                "listener/alb-{env}:80",
                "properties.default_actions",
                Severity::High,
                Some("http-redirects-to-https")
            ),
        ])
    );
    assert_eq!(code, 1, "a high finding fails the default gate");
    block_on(
        elbc.modify_listener()
            .listener_arn(&http_arn)
            .default_actions(http.default_actions()[0].clone())
            .send(),
    )
    .unwrap();

    // 2. The TLS policy downgraded.
    let https = block_on(listener_on(&elbc, &staging.load_balancer, 443));
    let https_arn = https.listener_arn().unwrap().to_string();
    block_on(
        elbc.modify_listener()
            .listener_arn(&https_arn)
            .ssl_policy("ELBSecurityPolicy-2016-08")
            .send(),
    )
    .unwrap();
    let (_, rows) = scan(&moto, "staging");
    assert_eq!(
        rows,
        sorted(vec![
            row(
                FindingKind::Drift,
                "listener/alb-{env}:443",
                "properties.ssl_policy",
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                "listener/alb-{env}:443",
                "properties.ssl_policy",
                Severity::High,
                Some("listener-tls-policy")
            ),
        ])
    );
    block_on(
        elbc.modify_listener()
            .listener_arn(&https_arn)
            .ssl_policy(infra::DEFAULT_TLS_POLICY)
            .send(),
    )
    .unwrap();

    // 3. A listener rule added by hand (untagged: it belongs with its listener).
    let added = block_on(
        elbc.create_rule()
            .listener_arn(&https_arn)
            .priority(10)
            .conditions(
                elb::RuleCondition::builder()
                    .field("path-pattern")
                    .path_pattern_config(
                        elb::PathPatternConditionConfig::builder()
                            .values("/debug/*")
                            .build(),
                    )
                    .build(),
            )
            .actions(
                elb::Action::builder()
                    .r#type(elb::ActionTypeEnum::Forward)
                    .target_group_arn(&staging.target_group)
                    .build(),
            )
            .send(),
    )
    .unwrap();
    let (_, rows) = scan(&moto, "staging");
    // (Made by hand, it also lacks the required tags.)
    assert_eq!(
        rows,
        sorted(vec![
            row(
                FindingKind::Unmanaged,
                "listener-rule/alb-{env}:443/10",
                "",
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                "listener-rule/alb-{env}:443/10",
                "tags",
                Severity::Low,
                Some("required-tags")
            ),
        ])
    );
    let rule_arn = added.rules()[0].rule_arn().unwrap().to_string();
    block_on(elbc.delete_rule().rule_arn(&rule_arn).send()).unwrap();

    // 4. The bucket's public access block removed.
    block_on(s3c.delete_public_access_block().bucket(&bucket).send()).unwrap();
    let (_, rows) = scan(&moto, "staging");
    assert_eq!(
        rows,
        sorted(vec![
            row(
                FindingKind::Drift,
                bucket_key,
                "properties.public_access_block",
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                bucket_key,
                "properties.public_access_block",
                Severity::Critical,
                Some("bucket-public-access-blocked")
            ),
        ])
    );
    block_on(
        s3c.put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                s3::PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send(),
    )
    .unwrap();

    // 5. A bucket policy that grants `*`. (AWS refuses it while the public access block is on;
    // moto does not, which lets this case stand alone.)
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*"}}]}}"#
    );
    block_on(
        s3c.put_bucket_policy()
            .bucket(&bucket)
            .policy(policy)
            .send(),
    )
    .unwrap();
    let (_, rows) = scan(&moto, "staging");
    assert_eq!(
        rows,
        sorted(vec![
            row(
                FindingKind::Drift,
                bucket_key,
                "properties.policy",
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                bucket_key,
                "properties.policy",
                Severity::Critical,
                Some("bucket-policy-no-public-grant")
            ),
        ])
    );
    block_on(s3c.delete_bucket_policy().bucket(&bucket).send()).unwrap();

    // 6. Versioning suspended (staging does not require it: drift only).
    let versioning = |status| {
        s3c.put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                s3::VersioningConfiguration::builder()
                    .status(status)
                    .build(),
            )
            .send()
    };
    block_on(versioning(s3::BucketVersioningStatus::Suspended)).unwrap();
    let (_, rows) = scan(&moto, "staging");
    assert_eq!(
        rows,
        [row(
            FindingKind::Drift,
            bucket_key,
            "properties.versioning",
            Severity::Medium,
            None
        )]
    );
    block_on(versioning(s3::BucketVersioningStatus::Enabled)).unwrap();

    // 7. Default encryption removed.
    block_on(s3c.delete_bucket_encryption().bucket(&bucket).send()).unwrap();
    let (_, rows) = scan(&moto, "staging");
    assert_eq!(
        rows,
        sorted(vec![
            row(
                FindingKind::Drift,
                bucket_key,
                "properties.encryption",
                Severity::Medium,
                None
            ),
            row(
                FindingKind::Compliance,
                bucket_key,
                "properties.encryption",
                Severity::High,
                Some("bucket-encrypted")
            ),
        ])
    );
    // `apply` is the remediation: it puts the encryption back, and the scan is clean again.
    block_on(moto.provision("staging", REGION));
    assert_eq!(scan(&moto, "staging"), (0, vec![]));
}

#[test]
fn compare_reports_a_listener_that_differs_and_nothing_else() {
    let moto = Moto::start();
    block_on(moto.provision("staging", REGION));
    let prod = block_on(moto.provision("prod", REGION));
    let baselines = shipped_baselines().display().to_string();
    let compare = || {
        let (_, report, _) = json_report(
            &moto,
            &[
                "compare",
                "staging",
                "prod",
                "--region",
                REGION,
                "--baselines",
                &baselines,
            ],
        );
        report
            .findings
            .iter()
            .map(|f| {
                (
                    format!("{}/{}", f.resource_type, f.logical_name),
                    f.path.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        compare(),
        [],
        "names, ARNs, DNS names, accounts and certificates normalized"
    );

    let config = block_on(moto.sdk_config(REGION));
    let elbc = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let https = block_on(listener_on(&elbc, &prod.load_balancer, 443));
    block_on(
        elbc.modify_listener()
            .listener_arn(https.listener_arn().unwrap())
            .ssl_policy("ELBSecurityPolicy-TLS13-1-3-2021-06")
            .send(),
    )
    .unwrap();
    assert_eq!(
        compare(),
        [(
            "listener/alb-{env}:443".to_string(),
            Some("properties.ssl_policy".to_string())
        )]
    );
}

#[test]
fn a_preview_routes_through_dev_and_its_rule_is_its_own() {
    let moto = Moto::start();
    let region = "us-east-2";
    block_on(moto.provision("dev", region));
    block_on(moto.provision("pr-7", region));
    let baselines = shipped_baselines().display().to_string();
    let scan_in = |env: &str| {
        let (code, report, _) = json_report(
            &moto,
            &[
                "scan",
                "--env",
                env,
                "--region",
                region,
                "--baselines",
                &baselines,
            ],
        );
        (Some(code), report)
    };
    let (code, dev) = scan_in("dev");
    assert_eq!(
        (code, dev.findings.len()),
        (Some(0), 0),
        "{:#?}",
        dev.findings
    );
    let (code, preview) = scan_in("pr-7");
    assert_eq!(
        (code, preview.findings.len()),
        (Some(0), 0),
        "{:#?}",
        preview.findings
    );

    // Destroyed, the preview takes its rule and target group off dev's listener.
    let config = block_on(moto.sdk_config(region));
    let spec = infra::EnvironmentSpec::reference("pr-7", Some(region)).unwrap();
    block_on(infra::destroy(
        &config,
        &spec,
        infra::Mode::Apply,
        &infra::DestroyOptions::without_final_snapshot(),
    ))
    .unwrap();
    let elbc = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let groups = block_on(elbc.describe_target_groups().send()).unwrap();
    let names: Vec<&str> = groups
        .target_groups()
        .iter()
        .filter_map(|g| g.target_group_name())
        .collect();
    assert_eq!(names, ["trading-app-dev"]);
    let (code, dev) = scan_in("dev");
    assert_eq!(
        (code, dev.findings.len()),
        (Some(0), 0),
        "{:#?}",
        dev.findings
    );

    // A teardown that knew nothing of the edge (an older script, a half-finished destroy)
    // leaves the preview's target group and rule routing on dev's listener: with nothing else of
    // pr-7 left, dev's scan reports both as unmanaged.
    let dev_lb = block_on(elbc.describe_load_balancers().names("alb-dev").send()).unwrap();
    let dev_lb = dev_lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let https = block_on(listener_on(&elbc, &dev_lb, 443));
    let tags = |name: &str| {
        spec.tags(name)
            .into_iter()
            .map(|(k, v)| elb::Tag::builder().key(k).value(v).build())
            .collect::<Vec<_>>()
    };
    let vpc = block_on(
        elbc.describe_target_groups()
            .names("trading-app-dev")
            .send(),
    )
    .unwrap();
    let vpc = vpc.target_groups()[0].vpc_id().unwrap().to_string();
    let group = block_on(
        elbc.create_target_group()
            .name("trading-app-pr-7")
            .protocol(elb::ProtocolEnum::Http)
            .port(8080)
            .vpc_id(vpc)
            .target_type(elb::TargetTypeEnum::Ip)
            .set_tags(Some(tags("trading-app-pr-7")))
            .send(),
    )
    .unwrap();
    let group = group.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    block_on(
        elbc.create_rule()
            .listener_arn(https.listener_arn().unwrap())
            .priority(7)
            .conditions(
                elb::RuleCondition::builder()
                    .field("host-header")
                    .host_header_config(
                        elb::HostHeaderConditionConfig::builder()
                            .values(infra::edge::preview_host("pr-7"))
                            .build(),
                    )
                    .build(),
            )
            .actions(
                elb::Action::builder()
                    .r#type(elb::ActionTypeEnum::Forward)
                    .target_group_arn(&group)
                    .build(),
            )
            .set_tags(Some(tags("trading-app-pr-7-rule")))
            .send(),
    )
    .unwrap();
    let (code, dev) = scan_in("dev");
    let mut left: Vec<(String, FindingKind)> = dev
        .findings
        .iter()
        .map(|f| (format!("{}/{}", f.resource_type, f.logical_name), f.kind))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            (
                "listener-rule/trading-app-pr-7-rule".to_string(),
                FindingKind::Unmanaged
            ),
            (
                "target-group/trading-app-pr-7".to_string(),
                FindingKind::Unmanaged
            ),
        ],
        "{:#?}",
        dev.findings
    );
    assert_eq!(code, Some(0), "medium passes the default gate");
}

#[test]
fn destroy_keeps_a_bucket_that_holds_data() {
    let moto = Moto::start();
    block_on(moto.provision("staging", REGION));
    let config = block_on(moto.sdk_config(REGION));
    let s3c = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    );
    let bucket = infra::edge::bucket_name("staging", "123456789012");
    block_on(
        s3c.put_object()
            .bucket(&bucket)
            .key("trades/2026-11-27.csv")
            .body(aws_sdk_s3::primitives::ByteStream::from_static(
                b"id,qty\n1,10\n",
            ))
            .send(),
    )
    .unwrap();
    let spec = infra::EnvironmentSpec::reference("staging", Some(REGION)).unwrap();
    let changes = block_on(infra::destroy(
        &config,
        &spec,
        infra::Mode::Apply,
        &infra::DestroyOptions::without_final_snapshot(),
    ))
    .unwrap();
    let bucket_changes: Vec<(infra::Action, &str)> = changes
        .iter()
        .filter(|c| c.resource.starts_with("s3-bucket"))
        .map(|c| (c.action, c.detail.as_str()))
        .collect();
    assert_eq!(
        bucket_changes,
        [(
            infra::Action::Keep,
            "holds objects: kept (empty it yourself to remove it)"
        )]
    );
    let object = block_on(
        s3c.get_object()
            .bucket(&bucket)
            .key("trades/2026-11-27.csv")
            .send(),
    );
    assert!(object.is_ok(), "the data is still there");
    assert!(changes
        .iter()
        .any(|c| c.action == infra::Action::Delete && c.resource == "load-balancer alb-staging"));
}

//! `--publish` into AWS Security Hub (moto's, read back with `GetFindings`): a drift's
//! findings imported in the scanned account, nothing sent again while nothing changes, the
//! finding archived once fixed, and 250 findings in three `BatchImportFindings` requests; and
//! the scheduled function importing its run's findings.

use std::path::Path;

use aws_sdk_securityhub::types::AwsSecurityFinding;
use scanner::model::Report;

use crate::support::{
    block_on, json_report, open_to_the_world, shipped_baselines, world_open_database_port,
    AlertInbox, Moto,
};

/// moto's default account, which its credentials belong to.
const ACCOUNT: &str = "123456789012";

/// `driftscan scan --env prod --publish` with Security Hub on: exit code, report, standard
/// error.
fn scan_and_import(moto: &Moto, config: &Path) -> (i32, Report, String) {
    let (config, baselines) = (config.display().to_string(), shipped_baselines());
    let args = [
        "scan",
        "--env",
        "prod",
        "--region",
        "us-east-1",
        "--publish",
    ];
    let files = [
        "--config",
        &config,
        "--baselines",
        &baselines.display().to_string(),
    ];
    json_report(moto, &[&args[..], &files[..]].concat())
}

/// Every finding in the account's Security Hub in us-east-1, every page.
async fn hub_findings(moto: &Moto) -> Vec<AwsSecurityFinding> {
    let client = aws_sdk_securityhub::Client::new(&moto.sdk_config("us-east-1").await);
    let mut out = Vec::new();
    let mut next = None;
    loop {
        let page = client
            .get_findings()
            .max_results(100)
            .set_next_token(next)
            .send()
            .await
            .expect("GetFindings");
        out.extend(page.findings().iter().cloned());
        next = page
            .next_token()
            .map(str::to_string)
            .filter(|t| !t.is_empty());
        if next.is_none() {
            return out;
        }
    }
}

/// The config file: Security Hub on, no topic, no metrics.
fn config_file(moto: &Moto) -> std::path::PathBuf {
    let path = moto.dir.path().join("driftscan.yaml");
    std::fs::write(&path, "publish:\n  security_hub: true\n  metrics: off\n").unwrap();
    path
}

#[test]
fn a_drift_is_imported_in_its_account_then_archived_when_fixed_and_never_sent_twice() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let prod = block_on(moto.provision("prod", "us-east-1"));
    let config_file = config_file(&moto);

    // Clean: nothing to import.
    let (code, report, stderr) = scan_and_import(&moto, &config_file);
    assert_eq!((code, report.findings.len()), (0, 0), "{stderr}");
    assert_eq!(
        report.account.as_deref(),
        Some(ACCOUNT),
        "the snapshot names its account"
    );
    assert!(
        stderr.contains("imported into Security Hub: 0 active, 0 archived, in 0"),
        "{stderr}"
    );
    assert!(block_on(hub_findings(&moto)).is_empty());

    // The database port opened to the world by hand.
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let rule = world_open_database_port();
    let group = &prod.security_groups["db"];
    block_on(
        ec2.authorize_security_group_ingress()
            .group_id(group)
            .ip_permissions(rule.clone())
            .send(),
    )
    .unwrap();
    let (code, report, stderr) = scan_and_import(&moto, &config_file);
    assert_eq!(code, 1, "{stderr}");
    let findings = block_on(hub_findings(&moto));
    assert_eq!(findings.len(), report.findings.len(), "{stderr}");
    let open = findings
        .iter()
        .find(|f| f.generator_id() == Some("driftscan/rule/db-ingress-from-anywhere"))
        .expect("the rule's finding is in Security Hub");
    assert_eq!(open.aws_account_id(), Some(ACCOUNT));
    assert_eq!(
        open.product_arn(),
        Some(format!("arn:aws:securityhub:us-east-1:{ACCOUNT}:product/{ACCOUNT}/default").as_str())
    );
    assert_eq!(open.schema_version(), Some("2018-10-08"));
    assert_eq!(open.record_state().map(|s| s.as_str()), Some("ACTIVE"));
    assert_eq!(
        open.severity().and_then(|s| s.label()).map(|l| l.as_str()),
        Some("CRITICAL")
    );
    let compliance = open.compliance().expect("compliance");
    assert_eq!(compliance.status().map(|s| s.as_str()), Some("FAILED"));
    assert_eq!(compliance.security_control_id(), Some("EC2.19"));
    let resource = &open.resources()[0];
    assert_eq!(resource.r#type(), Some("AwsEc2SecurityGroup"));
    assert_eq!(
        resource.id(),
        Some(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{group}").as_str())
    );
    let fields = open.product_fields().expect("product fields");
    assert_eq!(
        fields.get("driftscan/Environment").map(String::as_str),
        Some("prod")
    );

    // Nothing new: nothing sent.
    let (_, _, stderr) = scan_and_import(&moto, &config_file);
    assert!(
        stderr.contains("imported into Security Hub: 0 active, 0 archived, in 0"),
        "{stderr}"
    );

    // Fixed by hand: archived, under the same id.
    block_on(
        ec2.revoke_security_group_ingress()
            .group_id(group)
            .ip_permissions(rule)
            .send(),
    )
    .unwrap();
    let (code, _, stderr) = scan_and_import(&moto, &config_file);
    assert_eq!(code, 0, "{stderr}");
    let after = block_on(hub_findings(&moto));
    assert_eq!(after.len(), findings.len(), "updated in place, not added");
    let archived = after
        .iter()
        .find(|f| f.id() == open.id())
        .expect("the same id");
    assert_eq!(
        archived.record_state().map(|s| s.as_str()),
        Some("ARCHIVED")
    );
    assert_eq!(
        archived
            .compliance()
            .and_then(|c| c.status())
            .map(|s| s.as_str()),
        Some("PASSED")
    );
    assert!(after
        .iter()
        .all(|f| f.record_state().map(|s| s.as_str()) == Some("ARCHIVED")));
}

#[test]
fn two_hundred_fifty_findings_go_in_three_requests() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let prod = block_on(moto.provision("prod", "us-east-1"));
    let ec2 = aws_sdk_ec2::Client::new(&config);
    // 125 groups of prod's that no baseline declares, without the tags every resource needs:
    // 125 unmanaged findings and 125 of `required-tags`.
    block_on(async {
        for i in 0..125 {
            let tags = aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::SecurityGroup)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Environment")
                        .value("prod")
                        .build(),
                )
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Name")
                        .value(format!("hand-made-{i}"))
                        .build(),
                )
                .build();
            ec2.create_security_group()
                .group_name(format!("hand-made-{i}"))
                .description("made by hand")
                .vpc_id(&prod.vpc_id)
                .tag_specifications(tags)
                .send()
                .await
                .expect("a group");
        }
    });
    let (code, report, stderr) = scan_and_import(&moto, &config_file(&moto));
    assert_eq!(code, 0, "unmanaged is medium, under the gate: {stderr}");
    assert_eq!(report.findings.len(), 250, "{stderr}");
    assert!(
        stderr.contains("imported into Security Hub: 250 active, 0 archived, in 3 BatchImportFindings request(s)"),
        "{stderr}"
    );
    assert_eq!(block_on(hub_findings(&moto)).len(), 250);
}

#[test]
fn the_function_imports_a_scheduled_runs_findings() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let prod = block_on(moto.provision("prod", "us-east-1"));
    let inbox = block_on(AlertInbox::create(&config));
    block_on(open_to_the_world(&moto, &prod.security_groups["db"]));
    let vars = [
        ("DRIFTSCAN_SECURITY_HUB", "1".to_string()),
        (
            "DRIFTSCAN_BASELINES",
            shipped_baselines().display().to_string(),
        ),
    ];
    let run = crate::lambda::invoke_once(&moto, &inbox, &vars, &crate::lambda::scheduled());
    let imported = &run["published"]["security_hub"];
    let active = imported["active"]
        .as_u64()
        .unwrap_or_else(|| panic!("{run}"));
    assert!(active >= 2, "{run}");
    assert_eq!(imported["archived"], 0, "{run}");
    assert_eq!(imported["requests"], 1, "{run}");
    let findings = block_on(hub_findings(&moto));
    assert_eq!(findings.len() as u64, active);
    let rule = findings
        .iter()
        .find(|f| f.generator_id() == Some("driftscan/rule/db-ingress-from-anywhere"))
        .expect("imported by the function");
    assert_eq!(rule.aws_account_id(), Some(ACCOUNT));
    assert_eq!(rule.record_state().map(|s| s.as_str()), Some("ACTIVE"));
}

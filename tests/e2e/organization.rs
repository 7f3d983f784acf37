//! The whole organization: accounts found through AWS Organizations, each one's read-only role
//! assumed once, every environment scanned in its own account and regions (`scan --all`), an
//! account whose role cannot be assumed incomplete on its own, and one parity matrix of every
//! environment (`compare --all`).

use aws_sdk_organizations::types::Tag;
use scanner::model::Report;

use crate::fault_proxy::{Calls, Fault, FaultProxy, Rule};
use crate::support::{block_on, shipped_baselines, Moto};

/// The environments the organization's accounts hold, and where they are provisioned.
const PROVISIONED: [(&str, &str); 3] = [
    ("dev", "us-east-2"),
    ("staging", "us-east-1"),
    ("prod", "us-east-1"),
];

pub(crate) struct Organization {
    /// Account ids: dev, staging, prod, the one whose role is missing, one without the
    /// environments tag, one of another team.
    pub(crate) accounts: Vec<String>,
}

/// A member account created through Organizations, tagged.
async fn member(org: &aws_sdk_organizations::Client, name: &str, tags: &[(&str, &str)]) -> String {
    let created = org
        .create_account()
        .account_name(name)
        .email(format!("{name}@example.com"))
        .send()
        .await
        .expect("create account");
    let id = created
        .create_account_status()
        .and_then(|s| s.account_id())
        .expect("account id")
        .to_string();
    let mut request = org.tag_resource().resource_id(&id);
    for (key, value) in tags {
        request = request.tags(Tag::builder().key(*key).value(*value).build().unwrap());
    }
    request.send().await.expect("tag account");
    id
}

/// Six member accounts across two regions; dev, staging and prod provisioned in their own
/// accounts through the role the scanner will assume.
pub(crate) fn organization(moto: &Moto) -> Organization {
    block_on(async {
        let management = moto.sdk_config("us-east-1").await;
        let org = aws_sdk_organizations::Client::new(&management);
        org.create_organization()
            .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
            .send()
            .await
            .expect("organization");
        let both = "us-east-1 us-east-2";
        let mut accounts = Vec::new();
        for (env, _) in PROVISIONED {
            let tags = [
                ("team", "platform"),
                ("driftscan:environments", env),
                ("driftscan:regions", both),
            ];
            accounts.push(member(&org, &format!("platform-{env}"), &tags).await);
        }
        accounts.push(
            member(
                &org,
                "platform-previews",
                &[
                    ("team", "platform"),
                    ("driftscan:environments", "pr-9"),
                    ("driftscan:regions", both),
                ],
            )
            .await,
        );
        accounts.push(member(&org, "platform-sandbox", &[("team", "platform")]).await);
        accounts.push(
            member(
                &org,
                "data-lake",
                &[("team", "data"), ("driftscan:environments", "lake")],
            )
            .await,
        );
        for ((env, region), account) in PROVISIONED.iter().zip(&accounts) {
            let base = moto.sdk_config(region).await;
            let role = format!("arn:aws:iam::{account}:role/driftscan-readonly");
            let config = scanner::aws::assume_role(base, &role, "provision").await;
            let spec = infra::EnvironmentSpec::reference(env, Some(region)).expect("spec");
            infra::apply(&config, &spec)
                .await
                .unwrap_or_else(|e| panic!("provisioning {env} in {account}: {e}"));
        }
        Organization { accounts }
    })
}

pub(crate) fn config_file(moto: &Moto) -> std::path::PathBuf {
    let path = moto.dir.path().join("driftscan.yaml");
    std::fs::write(
        &path,
        "organization:\n  role: driftscan-readonly\n  account_tags: {team: platform}\n",
    )
    .unwrap();
    path
}

#[test]
fn every_environment_of_the_organization_in_its_own_account_with_one_role_assumption_each() {
    let moto = Moto::start();
    let org = organization(&moto);
    let previews = org.accounts[3].clone();
    // The previews account has no driftscan role (AWS answers AccessDenied).
    let proxy = FaultProxy::start(
        &moto.endpoint,
        vec![Rule {
            service: "sts",
            operation: Some("AssumeRole"),
            region: None,
            fault: Fault::AccessDenied,
            calls: Calls::All,
            body_contains: Some(Box::leak(previews.clone().into_boxed_str())),
        }],
    );
    let config = config_file(&moto);
    let output = crate::support::driftscan_command(&proxy.endpoint)
        .current_dir(moto.dir.path())
        .args(["scan", "--all", "--format", "json", "--config"])
        .arg(&config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .expect("driftscan runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let run: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not a run ({e}): {stdout}\n{stderr}"));
    assert_eq!(run["schema"], "driftscan.run/v1");
    let reports: Vec<Report> = serde_json::from_value(run["reports"].clone()).unwrap();
    let seen: Vec<(&str, bool, usize)> = reports
        .iter()
        .map(|r| (r.environment.as_str(), r.complete, r.findings.len()))
        .collect();
    assert_eq!(
        seen,
        // By account name: platform-dev, platform-previews, platform-prod, platform-staging.
        [
            ("dev", true, 0),
            ("pr-9", false, 0),
            ("prod", true, 0),
            ("staging", true, 0)
        ],
        "{seen:?} {:#?}",
        reports
            .iter()
            .flat_map(|r| r.findings.iter().map(|f| (
                &f.environment,
                &f.logical_name,
                &f.path,
                &f.message
            )))
            .collect::<Vec<_>>()
    );
    for report in reports.iter().filter(|r| r.complete) {
        assert_eq!(report.regions, ["us-east-1", "us-east-2"]);
        assert!(
            report.counts.resources > 20,
            "{}: {}",
            report.environment,
            report.counts.resources
        );
    }
    // Exactly the previews account is incomplete, and says why.
    let failure = &reports[1].failures[0];
    assert_eq!(failure.code, "CredentialsError");
    assert!(
        failure.message.contains("AccessDenied"),
        "{}",
        failure.message
    );
    // Skipped accounts are named.
    assert!(
        stderr.contains(&format!(
            "account {} skipped: no driftscan:environments tag",
            org.accounts[4]
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "account {} skipped: no tag team=platform",
            org.accounts[5]
        )),
        "{stderr}"
    );
    // One role assumption per account, whatever the number of regions and services.
    let calls = proxy.calls();
    assert_eq!(
        calls.get(&("sts".to_string(), "AssumeRole".to_string())),
        Some(&4),
        "{calls:?}"
    );
    // The organization summary.
    let summary = &run["summary"];
    assert_eq!(summary["accounts"], 4);
    assert_eq!(summary["incomplete"], 1);
    assert_eq!(summary["rows"][0]["account"], org.accounts[0].as_str());

    // The text output ends with the summary table.
    let output = crate::support::driftscan_command(&proxy.endpoint)
        .current_dir(moto.dir.path())
        .args(["scan", "--all", "--config"])
        .arg(&config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("driftscan run: 4 reports, 4 accounts, 1 incomplete"),
        "{text}"
    );
    // docs/organizations.md shows this run: its report lines are as the run now reads.
    let docs = shipped_baselines().join("../docs/organizations.md");
    let docs = std::fs::read_to_string(docs).expect("docs/organizations.md");
    let reports = text
        .lines()
        .filter(|l| l.contains("driftscan scan: "))
        .filter(|l| l.contains(": dev in ") || l.contains(": pr-9 in "));
    for line in reports {
        assert!(
            docs.contains(line),
            "docs/organizations.md lacks:\n{line}\n\n{text}"
        );
    }
    let row = text
        .lines()
        .find(|l| l.starts_with("pr-9"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.contains(&previews) && row.contains("NO ("), "{row}");

    // One parity matrix of every environment: prod's sizing is expected, pr-9 unknown.
    let output = crate::support::driftscan_command(&proxy.endpoint)
        .current_dir(moto.dir.path())
        .args(["compare", "--all", "--format", "json", "--config"])
        .arg(&config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "pr-9 could not be read");
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let matrix = &run["reports"][0]["parity"];
    assert_eq!(
        matrix["environments"],
        serde_json::json!(["dev", "pr-9", "prod", "staging"])
    );
    let findings = &run["reports"][0]["findings"];
    assert_eq!(findings.as_array().unwrap().len(), 0, "{findings:#}");
}

#[test]
fn accounts_listed_in_the_file_need_no_organization() {
    let moto = Moto::start();
    let org = organization(&moto);
    let config = moto.dir.path().join("listed.yaml");
    std::fs::write(
        &config,
        format!(
            "accounts:\n  - id: \"{}\"\n    role: driftscan-readonly\n    environments: [staging]\n    regions: [us-east-1]\n  - id: \"{}\"\n    role: arn:aws:iam::{}:role/driftscan-readonly\n    external_id: platform-7\n    environments: [prod]\n    regions: [us-east-1]\n",
            org.accounts[1], org.accounts[2], org.accounts[2]
        ),
    )
    .unwrap();
    let output = moto
        .driftscan()
        .args(["scan", "--all", "--format", "json", "--config"])
        .arg(&config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let environments: Vec<&str> = run["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["environment"].as_str().unwrap())
        .collect();
    assert_eq!(environments, ["staging", "prod"]);
    // The environment of an account is scanned there alone too.
    moto.driftscan()
        .args(["scan", "--env", "prod", "--config"])
        .arg(&config)
        .arg("--baselines")
        .arg(shipped_baselines())
        .assert()
        .success();
    // Each listed account gets its read-only role, trusted by the scanner stack's role only.
    let file = config.display().to_string();
    let (code, out, err) = crate::destroy::infra(
        &moto.endpoint,
        &["plan", "--member-roles", "--config", &file],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Plan: 4 to add, 0 to change, 0 to destroy."),
        "{out}"
    );
    let (code, out, err) = crate::destroy::infra(
        &moto.endpoint,
        &["apply", "--member-roles", "--config", &file],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Resources: 4 added, 0 changed, 0 destroyed."),
        "{out}"
    );
    let (_, out, _) = crate::destroy::infra(
        &moto.endpoint,
        &["apply", "--member-roles", "--config", &file],
    );
    assert!(
        out.contains("Resources: 0 added, 0 changed, 0 destroyed."),
        "converged: {out}"
    );
    let trust = block_on(async {
        let admin = format!(
            "arn:aws:iam::{}:role/OrganizationAccountAccessRole",
            org.accounts[2]
        );
        let member =
            scanner::aws::assume_role(moto.sdk_config("us-east-1").await, &admin, "check").await;
        let role = aws_sdk_iam::Client::new(&member)
            .get_role()
            .role_name("driftscan-readonly")
            .send()
            .await
            .expect("the member role exists")
            .role
            .unwrap();
        let text = role.assume_role_policy_document().unwrap().to_string();
        serde_json::from_str::<serde_json::Value>(&urlencoding::decode(&text).unwrap()).unwrap()
    });
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        "arn:aws:iam::123456789012:role/driftscan-scanner"
    );
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "platform-7"
    );

    // Bad accounts are refused before anything is read.
    std::fs::write(
        &config,
        "accounts:\n  - id: \"12345\"\n    role: driftscan-readonly\n    environments: [prod]\n",
    )
    .unwrap();
    moto.driftscan()
        .args(["scan", "--all", "--config"])
        .arg(&config)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "accounts[0] (12345): id `12345` is not a 12-digit AWS account id",
        ));
}

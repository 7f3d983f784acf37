//! `driftscan compare dev staging prod`: the parity matrix of three environments provisioned
//! from the same platform, in every format, and the HTML report checked in a real browser.

use aws_sdk_ec2::types as ec2;
use predicates::str::contains;
use scanner::model::{Cell, Report};

use crate::browser::Browser;
use crate::support::{block_on, shipped_baselines, Moto};

/// A tag value that is markup: the report must show it as text and run nothing.
const MARKUP: &str = "<img src=x onerror=alert(1)>";

fn drift_the_environments(moto: &Moto) -> std::path::PathBuf {
    let config = block_on(moto.sdk_config("us-east-1"));
    let ec2c = aws_sdk_ec2::Client::new(&config);
    let (_dev, staging, prod) = block_on(async {
        (
            moto.provision("dev", "us-east-1").await,
            moto.provision("staging", "us-east-1").await,
            moto.provision("prod", "us-east-1").await,
        )
    });
    // Opened by hand in prod only.
    let rule = ec2::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(9090)
        .to_port(9090)
        .ip_ranges(ec2::IpRange::builder().cidr_ip("10.9.0.0/16").build())
        .build();
    block_on(
        ec2c.authorize_security_group_ingress()
            .group_id(&prod.security_groups["app"])
            .ip_permissions(rule)
            .send(),
    )
    .expect("authorize");
    // A tag added in staging whose value is markup.
    block_on(
        ec2c.create_tags()
            .resources(&staging.security_groups["app"])
            .tags(ec2::Tag::builder().key("Owner").value(MARKUP).build())
            .send(),
    )
    .expect("tag");
    shipped_baselines()
}

fn row<'a>(report: &'a Report, logical_name: &str, path: &str) -> &'a scanner::model::ParityRow {
    let matrix = report
        .parity
        .as_ref()
        .expect("a comparison carries its matrix");
    matrix
        .rows
        .iter()
        .find(|r| r.logical_name == logical_name && r.path.as_deref() == Some(path))
        .unwrap_or_else(|| panic!("no row {logical_name} {path}: {:#?}", matrix.rows))
}

#[test]
fn three_environments_compare_as_one_matrix_in_every_format_and_in_a_browser() {
    let moto = Moto::start();
    let baselines = drift_the_environments(&moto);
    let dir = tempfile::tempdir().unwrap();
    let (html, json) = (
        dir.path().join("report.html"),
        dir.path().join("report.json"),
    );

    // One run, three outputs; a difference fails the default gate.
    let output = moto
        .driftscan()
        .args(["compare", "dev", "staging", "prod", "--region", "us-east-1"])
        .arg("--baselines")
        .arg(&baselines)
        .arg("--output")
        .arg(format!("html={}", html.display()))
        .arg("--output")
        .arg(format!("json={}", json.display()))
        .args(["--output", "text"])
        .output()
        .expect("driftscan runs");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains("driftscan compare: dev..staging..prod"),
        "{text}"
    );
    assert!(text.contains("! properties.ingress"), "{text}");
    // The cell shows what prod has that the others do not; the others that they match.
    assert!(text.contains("+ tcp 9090 from 10.9.0.0/16*"), "{text}");
    assert!(text.contains("= 1 rule "), "{text}");
    assert!(
        text.contains("~ properties.instance_class"),
        "sizing is expected: {text}"
    );

    let report: Report = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(report.complete);
    let matrix = report.parity.as_ref().unwrap();
    assert_eq!(matrix.environments, ["dev", "staging", "prod"]);
    let ingress = row(&report, "app-{env}", "properties.ingress");
    assert_eq!(ingress.outliers, ["prod"]);
    assert!(!ingress.expected);
    let owner = row(&report, "app-{env}", "tags.Owner");
    assert_eq!(owner.outliers, ["staging"]);
    assert_eq!(owner.cells[1], Cell::Value(MARKUP.into()));
    assert!(
        matrix.rows.iter().any(|r| r.expected),
        "the declared sizing differences are in the matrix, marked expected"
    );
    // Each unexpected difference is one finding naming who disagrees, not one per pair.
    let unexpected: Vec<_> = matrix
        .unexpected()
        .map(|r| (r.logical_name.as_str(), r.path.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        unexpected,
        [
            ("app-{env}", "properties.ingress"),
            ("app-{env}", "tags.Owner")
        ],
        "what was changed by hand, and nothing the baselines declare"
    );
    assert_eq!(report.findings.len(), 2, "{:#?}", report.findings);
    let finding = report
        .findings
        .iter()
        .find(|f| f.path.as_deref() == Some("properties.ingress"))
        .unwrap();
    assert!(
        finding.message.ends_with("prod differs from dev, staging"),
        "{}",
        finding.message
    );

    // The page, as a person sees it.
    let mut browser = Browser::start();
    let url = format!("file://{}", html.display());
    let page = browser.open(&url);
    assert!(page.errors.is_empty(), "console errors: {:?}", page.errors);
    assert!(
        page.requests.is_empty(),
        "network requests: {:?}",
        page.requests
    );
    assert!(page.dialogs.is_empty(), "a script ran: {:?}", page.dialogs);
    for seen in [
        "driftscan compare: dev · staging · prod",
        "Summary",
        "Completeness\tcomplete",
        "Parity matrix",
        "properties.ingress",
        MARKUP,
    ] {
        assert!(
            page.text.contains(seen),
            "the page does not show {seen:?}:\n{}",
            page.text
        );
    }
    assert_eq!(
        browser.evaluate("document.querySelectorAll('img, script, iframe, object').length"),
        0,
        "markup in a value became an element"
    );
    // The unexpected difference is highlighted in prod's column; expected ones are grey.
    let highlighted = browser.evaluate(
        r#"(() => {
            const row = [...document.querySelectorAll('#parity tr.unexpected')]
                .find(r => r.cells[1].innerText === 'properties.ingress');
            const headers = [...document.querySelectorAll('#parity thead th')].map(h => h.innerText);
            return [...row.cells]
                .filter(c => c.classList.contains('differs'))
                .map(c => [headers[c.cellIndex], getComputedStyle(c).backgroundColor]);
        })()"#,
    );
    assert_eq!(
        highlighted,
        serde_json::json!([["prod", "rgb(254, 228, 226)"]])
    );
    // The added rule is what the differing cell shows; the whole list is its tooltip.
    let shown = browser.evaluate(
        r#"(() => {
            const row = [...document.querySelectorAll('#parity tr.unexpected')]
                .find(r => r.cells[1].innerText === 'properties.ingress');
            const cell = [...row.cells].find(c => c.classList.contains('differs'));
            return [cell.innerText, cell.title.includes('10.9.0.0/16')];
        })()"#,
    );
    assert_eq!(
        shown,
        serde_json::json!(["+ tcp 9090 from 10.9.0.0/16", true])
    );
    let grey = browser
        .evaluate("getComputedStyle(document.querySelector('#parity tr.expected td')).color");
    assert_eq!(grey, "rgb(140, 149, 159)");

    let png = browser.screenshot();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        png.len() > 20_000,
        "a rendered page, not a blank one: {} bytes",
        png.len()
    );
    // `DRIFTSCAN_SCREENSHOTS=docs/img` refreshes the documentation's picture.
    let shots = std::env::var_os("DRIFTSCAN_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    std::fs::create_dir_all(&shots).unwrap();
    std::fs::write(shots.join("compare-report.png"), &png).unwrap();

    // Two environments stay pairwise: the same findings as before, a diff after them.
    moto.driftscan()
        .args(["compare", "staging", "prod", "--region", "us-east-1"])
        .arg("--baselines")
        .arg(&baselines)
        .assert()
        .code(1)
        .stdout(contains(
            "properties.ingress differs between staging and prod",
        ))
        .stdout(contains("--- staging security-group/app-{env}"));
    // A reference turns the question around: who differs from prod?
    let output = moto
        .driftscan()
        .args(["compare", "dev", "staging", "prod", "--region", "us-east-1"])
        .args(["--reference", "prod", "--format", "json", "--baselines"])
        .arg(&baselines)
        .output()
        .unwrap();
    let report: Report = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        row(&report, "app-{env}", "properties.ingress").outliers,
        ["dev", "staging"]
    );
    assert_eq!(
        row(&report, "app-{env}", "tags.Owner").outliers,
        ["staging"]
    );
}

#[test]
fn saved_snapshots_of_three_environments_and_an_incomplete_one_in_the_browser() {
    let moto = Moto::start();
    let baselines = drift_the_environments(&moto);
    let dir = tempfile::tempdir().unwrap();
    for env in ["dev", "staging", "prod"] {
        moto.save_snapshot(env, dir.path().join(format!("{env}.json")));
    }
    drop(moto);
    // Offline: the same matrix from the saved snapshots.
    let offline = || crate::support::driftscan_command("http://127.0.0.1:9");
    let from = |envs: &[&str]| -> Vec<std::ffi::OsString> {
        envs.iter()
            .flat_map(|env| {
                [
                    "--from-snapshot".into(),
                    dir.path().join(format!("{env}.json")).into_os_string(),
                ]
            })
            .collect()
    };
    offline()
        .args(["compare", "--baselines"])
        .arg(&baselines)
        .args(from(&["dev", "staging", "prod"]))
        .assert()
        .code(1)
        .stdout(contains("! properties.ingress"))
        .stdout(contains("! tags.Owner"));
    offline()
        .args(["compare", "dev", "prod", "staging"])
        .args(from(&["dev", "staging", "prod"]))
        .assert()
        .code(2)
        .stderr(contains(
            "`prod` does not match the snapshot's environment `staging`",
        ));
    offline()
        .args(["compare", "--reference", "qa"])
        .args(from(&["dev", "staging", "prod"]))
        .assert()
        .code(2)
        .stderr(contains(
            "the reference `qa` is not one of the compared environments (dev, staging, prod)",
        ));
    offline()
        .args(["compare"])
        .args(from(&["dev", "staging", "dev"]))
        .assert()
        .code(2)
        .stderr(contains("`dev` is named twice in one comparison"));
    offline()
        .args(["compare", "dev", "staging", "dev"])
        .assert()
        .code(2)
        .stderr(contains("`dev` is named twice in one comparison"));

    // prod could not read its databases: the page says so before anything else.
    let path = dir.path().join("prod.json");
    let mut prod: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    prod["complete"] = false.into();
    prod["failures"] = serde_json::json!([{
        "region": "us-east-1", "service": "rds", "operation": "DescribeDBClusters",
        "kinds": ["db-cluster"], "code": "AccessDenied", "message": "not authorized"
    }]);
    prod["resources"]
        .as_array_mut()
        .unwrap()
        .retain(|r| r["kind"] != "db-cluster");
    std::fs::write(&path, prod.to_string()).unwrap();
    let html = dir.path().join("incomplete.html");
    offline()
        .args(["compare", "--format", "html", "-o"])
        .arg(&html)
        .arg("--baselines")
        .arg(&baselines)
        .args(from(&["dev", "staging", "prod"]))
        .assert()
        .code(2);
    let mut browser = Browser::start();
    let page = browser.open(&format!("file://{}", html.display()));
    assert!(
        page.errors.is_empty() && page.requests.is_empty(),
        "{:?} {:?}",
        page.errors,
        page.requests
    );
    assert_eq!(
        browser.evaluate("document.querySelector('section').id"),
        "incomplete",
        "the first thing on the page"
    );
    assert!(
        page.text.contains("INCOMPLETE: some reads failed"),
        "{}",
        page.text
    );
    assert!(page.text.contains("DescribeDBClusters"), "{}", page.text);
    assert!(
        page.text.contains("Completeness\tINCOMPLETE"),
        "{}",
        page.text
    );
    assert!(!page.text.contains("No differences"), "{}", page.text);
}

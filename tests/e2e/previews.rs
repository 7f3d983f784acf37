//! `driftscan previews` end to end: dev and three previews provisioned in moto with
//! `driftscan-infra`, one of them (pr-12) left with its rule and target group after its service
//! was deleted by hand. pr-9's pull request is closed: stale, with its cost from the shipped
//! prices; pr-12 is an orphan; pr-7 is fine. Bad input exits 2 naming the line.

use std::path::Path;

use serde_json::Value;

use crate::support::{block_on, Moto};

const REGION: &str = "us-east-2";

/// `driftscan previews` with `args`: exit code, standard output, standard error.
fn previews(moto: &Moto, args: &[&str]) -> (i32, String, String) {
    previews_against(moto, &moto.endpoint, args)
}

/// [`previews`] with AWS at `endpoint`.
fn previews_against(moto: &Moto, endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let output = moto
        .driftscan()
        .env("AWS_ENDPOINT_URL", endpoint)
        .args(["previews", "--region", REGION])
        .args(args)
        .output()
        .expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_closed_pull_requests_preview_is_stale_with_its_cost_and_a_half_deleted_one_is_an_orphan() {
    let moto = Moto::start();
    block_on(moto.provision("dev", REGION));
    block_on(moto.provision("pr-7", REGION));
    block_on(moto.provision("pr-9", REGION));
    let twelve = block_on(moto.provision("pr-12", REGION));
    let config = block_on(moto.sdk_config(REGION));
    let ecs = aws_sdk_ecs::Client::new(&config);
    let deleted = ecs
        .delete_service()
        .cluster(&twelve.cluster)
        .service(&twelve.service)
        .force(true)
        .send();
    block_on(deleted).expect("pr-12's service deleted by hand");
    let open = write(
        moto.dir.path(),
        "open.json",
        r#"[{"number": 7}, {"number": 12}]"#,
    );

    let (code, json, stderr) = previews(&moto, &["--open-prs", &open, "--format", "json"]);
    assert_eq!(code, 0, "without --fail-on-stale: {stderr}");
    let report: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(report["complete"], true, "{json}");
    let by = |n: u64| {
        report["previews"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["number"] == n)
            .unwrap_or_else(|| panic!("pr-{n} in {json}"))
            .clone()
    };
    let nine = by(9);
    assert_eq!(nine["stale"], true);
    assert_eq!(nine["pull_request"], "closed");
    assert!(nine["monthly_usd"].as_f64().unwrap() > 0.0, "{nine}");
    let seven = by(7);
    assert_eq!(
        (seven["stale"].clone(), seven["pull_request"].clone()),
        (false.into(), "open".into())
    );
    assert!(seven["orphans"].as_array().unwrap().is_empty(), "{seven}");
    let twelve = by(12);
    assert_eq!(
        twelve["orphans"][0], "a listener rule or target group without a service",
        "{twelve}"
    );
    assert_eq!(twelve["monthly_usd"], 0.0, "no service, no task");
    assert!(report["stale_monthly_usd"].as_f64().unwrap() > 0.0);

    let (code, text, _) = previews(&moto, &["--open-prs", &open, "--fail-on-stale"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("1 stale"), "{text}");
    assert!(
        text.contains("driftscan-infra destroy --env pr-9 --yes"),
        "{text}"
    );
    assert!(!text.contains("destroy --env pr-7"), "{text}");

    // A month on, every preview is older than the 14 days allowed.
    let (code, json, _) = previews(&moto, &["--format", "json", "--as-of", "2099-01-01"]);
    assert_eq!(code, 0);
    let later: Value = serde_json::from_str(&json).unwrap();
    assert!(
        later["previews"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["stale"] == true),
        "{json}"
    );
    assert!(later["previews"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["pull_request"] == "unknown"));
}

#[test]
fn bad_input_is_named_and_nothing_is_read() {
    let moto = Moto::start();
    let dir = moto.dir.path();
    // AWS where nothing listens: a read would fail with another message.
    let closed = crate::support::ClosedPort::reserve();
    let previews = |moto: &Moto, args: &[&str]| previews_against(moto, &closed.endpoint, args);
    let numbers = write(dir, "open.txt", "7\nseven\n");
    let (code, _, stderr) = previews(&moto, &["--open-prs", &numbers]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("open.txt:2: `seven` is not a pull request number"),
        "{stderr}"
    );
    let prices = write(
        dir,
        "prices.yaml",
        "source: mine\nregions:\n  us-east-2:\n    taken: 2026-12-07\n    fargate_vcpu_hour: -0.04\n    fargate_gb_hour: 0.004\n    fargate_arm_vcpu_hour: 0.03\n    fargate_arm_gb_hour: 0.003\n",
    );
    let (code, _, stderr) = previews(&moto, &["--prices", &prices]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("prices.yaml:3: us-east-2.fargate_vcpu_hour is -0.04"),
        "{stderr}"
    );
    let config = write(dir, "driftscan.yaml", "previews:\n  pattern: preview\n");
    let (code, _, stderr) = previews(&moto, &["--config", &config]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("must hold `{n}`"), "{stderr}");
}

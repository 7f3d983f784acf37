//! Command-line contract: help, bad input, output files.

use predicates::str::contains;

use crate::support::{block_on, Moto};

#[test]
fn help_describes_the_snapshot_command() {
    let driftscan = || crate::support::driftscan_command("http://127.0.0.1:9");
    driftscan()
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("snapshot"));
    driftscan()
        .args(["snapshot", "--help"])
        .assert()
        .success()
        .stdout(contains("--env"))
        .stdout(contains("--region"))
        .stdout(contains("--secure-digest"));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let moto = Moto::start();
    // An invalid environment name.
    moto.driftscan()
        .args(["snapshot", "--env", "Prod_1", "--region", "us-east-1"])
        .assert()
        .code(2)
        .stderr(contains("invalid environment name `Prod_1`"));
    // A region that is not a region name.
    moto.driftscan()
        .args(["snapshot", "--env", "prod", "--region", "useast1"])
        .assert()
        .code(2)
        .stderr(contains("`useast1` is not an AWS region name"));
    // No region anywhere.
    moto.driftscan()
        .args(["snapshot", "--env", "prod"])
        .assert()
        .code(2)
        .stderr(contains("no region for environment `prod`"));
    // --secure-digest without a key.
    moto.driftscan()
        .args([
            "snapshot",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--secure-digest",
        ])
        .assert()
        .code(2)
        .stderr(contains("DRIFTSCAN_SECURE_DIGEST_KEY"));
    // A config file with an unknown key: file, line and column.
    let config = moto.dir.path().join("driftscan.yaml");
    std::fs::write(
        &config,
        "defaults:\n  tag_key: Env\n  regoins: [us-east-1]\n",
    )
    .unwrap();
    moto.driftscan()
        .args(["snapshot", "--env", "prod", "--region", "us-east-1"])
        .assert()
        .code(2)
        .stderr(contains("driftscan.yaml:3:"))
        .stderr(contains("regoins"));
}

#[test]
fn output_files_are_written_whole_or_not_at_all() {
    let moto = Moto::start();
    block_on(moto.provision("prod", "us-east-1"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prod.json");
    moto.driftscan()
        .args([
            "snapshot",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--quiet",
            "-o",
        ])
        .arg(&file)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let written = std::fs::read(&file).unwrap();
    let stdout = moto
        .driftscan()
        .args(["snapshot", "--env", "prod", "--region", "us-east-1"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(written, stdout, "-o and stdout carry the same snapshot");

    let missing_dir = dir.path().join("no/such/dir/prod.json");
    moto.driftscan()
        .args(["snapshot", "--env", "prod", "--region", "us-east-1", "-o"])
        .arg(&missing_dir)
        .assert()
        .code(2)
        .stderr(contains("cannot write"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn a_config_file_selects_regions_and_paths() {
    let moto = Moto::start();
    block_on(moto.provision("dev", "us-east-2"));
    std::fs::write(
        moto.dir.path().join("driftscan.yaml"),
        "environments:\n  dev:\n    regions: [us-east-2]\n    ssm_paths: ['/{env}/network/']\n",
    )
    .unwrap();
    let assert = moto
        .driftscan()
        .args(["snapshot", "--env", "dev"])
        .assert()
        .success();
    let snapshot = crate::support::parse_snapshot(&assert.get_output().stdout);
    assert_eq!(snapshot.regions, ["us-east-2"]);
    assert_eq!(snapshot.selection.ssm_paths, ["/dev/network"]);
    let parameters: Vec<&str> = snapshot
        .resources
        .iter()
        .filter(|r| r.kind == scanner::ResourceKind::SsmParameter)
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(
        parameters,
        ["/dev/network/subnet-ids", "/dev/network/vpc-id"]
    );
}

#[test]
fn completions_man_page_iam_policy_and_validate_need_no_aws() {
    // An endpoint where nothing listens: none of these may call AWS.
    let driftscan = || crate::support::driftscan_command("http://127.0.0.1:9");
    driftscan()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(contains("_driftscan()"))
        .stdout(contains("baseline"));
    driftscan()
        .args(["completions", "zsh"])
        .assert()
        .success()
        .stdout(contains("#compdef driftscan"));
    driftscan()
        .arg("man")
        .assert()
        .success()
        .stdout(contains(".TH driftscan"));

    let output = driftscan().arg("iam-policy").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let policy: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let actions: Vec<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(
        actions.contains(&"ec2:DescribeSecurityGroups"),
        "{actions:?}"
    );
    assert!(actions.contains(&"ssm:GetParameters"), "{actions:?}");
    assert!(
        actions.iter().all(|a| {
            let verb = a.split_once(':').map_or("", |(_, v)| v);
            ["Describe", "List", "Get"]
                .iter()
                .any(|p| verb.starts_with(p))
        }),
        "read-only: {actions:?}"
    );
    // The reads, then attribution's one optional action in a statement of its own.
    assert_eq!(policy["Statement"].as_array().unwrap().len(), 2);
    assert_eq!(policy["Statement"][1]["Sid"], "AttributeChanges");
    assert_eq!(
        policy["Statement"][1]["Action"],
        serde_json::json!(["cloudtrail:LookupEvents"])
    );
    let with_digest: serde_json::Value = serde_json::from_slice(
        &driftscan()
            .args(["iam-policy", "--secure-digest"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(with_digest["Statement"][2]["Action"][0], "kms:Decrypt");

    // The shipped baselines are valid; a broken one is named with its line.
    driftscan()
        .args(["validate", "--baselines"])
        .arg(crate::support::shipped_baselines())
        .assert()
        .success()
        .stdout(contains("5 baseline file(s)"))
        .stdout(contains("valid"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("qa.yaml"),
        "driftscan: baseline/v1\nresources:\n  vpc/vpc-{env}:\n    properties:\n      dns_suport: true\n",
    )
    .unwrap();
    driftscan()
        .args(["validate", "--baselines"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("qa.yaml:5:"))
        .stderr(contains("dns_suport"));
    std::fs::write(
        dir.path().join("qa.yaml"),
        "driftscan: baseline/v1\ncompliance:\n  backup-retention: {min_dayz: 7}\n",
    )
    .unwrap();
    driftscan()
        .args(["validate", "--baselines"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("compliance.backup-retention"));
}

#[test]
fn an_environment_is_not_compared_with_itself() {
    // Refused before any call: nothing listens at this endpoint.
    crate::support::driftscan_command("http://127.0.0.1:9")
        .args(["compare", "prod", "prod", "--region", "us-east-1"])
        .assert()
        .code(2)
        .stderr(contains("cannot compare `prod` with itself"));
}

#[test]
fn a_dash_is_standard_input_and_output() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    let snapshot = moto
        .driftscan()
        .args([
            "snapshot",
            "--env",
            "staging",
            "--region",
            "us-east-1",
            "-o",
            "-",
        ])
        .output()
        .unwrap();
    assert_eq!(snapshot.status.code(), Some(0));
    assert!(!moto.dir.path().join("-").exists(), "no file named `-`");
    moto.driftscan()
        .args([
            "scan",
            "--from-snapshot",
            "-",
            "--format",
            "json",
            "--baselines",
        ])
        .arg(crate::support::shipped_baselines())
        .args(["-o", "-"])
        .write_stdin(snapshot.stdout.clone())
        .assert()
        .success()
        .stdout(contains("\"environment\": \"staging\""));
    assert!(!moto.dir.path().join("-").exists());

    // Several outputs from one scan: SARIF and JUnit files, text on standard output.
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("staging.json");
    std::fs::write(&saved, &snapshot.stdout).unwrap();
    let (sarif, junit) = (dir.path().join("r.sarif"), dir.path().join("r.xml"));
    moto.driftscan()
        .args(["scan", "--from-snapshot"])
        .arg(&saved)
        .arg("--baselines")
        .arg(crate::support::shipped_baselines())
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .arg("--output")
        .arg(format!("junit={}", junit.display()))
        .args(["--output", "text"])
        .assert()
        .success()
        .stdout(contains("driftscan scan: staging"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(std::fs::read_to_string(&junit)
        .unwrap()
        .contains("<testsuites"));
    // Colour: `--color always` colours a pipe, `auto` follows NO_COLOR and CLICOLOR_FORCE.
    let text = |color: &str, env: &[(&str, &str)], remove: &[&str]| {
        let mut command = moto.driftscan();
        command
            .args(["scan", "--from-snapshot"])
            .arg(&saved)
            .arg("--baselines")
            .arg(crate::support::shipped_baselines())
            .args(["--color", color]);
        for (k, v) in env {
            command.env(k, v);
        }
        for k in remove {
            command.env_remove(k);
        }
        String::from_utf8(command.output().unwrap().stdout).unwrap()
    };
    assert!(text("always", &[], &[]).contains("\x1b["), "always");
    assert!(!text("never", &[("CLICOLOR_FORCE", "1")], &["NO_COLOR"]).contains("\x1b["));
    assert!(
        !text("auto", &[], &[]).contains("\x1b["),
        "NO_COLOR is set, a pipe"
    );
    assert!(
        text("auto", &[("CLICOLOR_FORCE", "1")], &["NO_COLOR"]).contains("\x1b["),
        "CLICOLOR_FORCE colours a pipe"
    );

    // Two outputs on standard output is a usage error, before anything is written.
    moto.driftscan()
        .args(["scan", "--from-snapshot"])
        .arg(&saved)
        .arg("--baselines")
        .arg(crate::support::shipped_baselines())
        .args(["--output", "text", "--output", "json"])
        .assert()
        .code(2)
        .stderr(contains("2 outputs go to standard output"));
}

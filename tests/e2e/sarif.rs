//! SARIF within GitHub code scanning's limits, end to end: `scan --all` over 22 environments
//! (more runs than the 20 GitHub takes per file) refuses a single SARIF file before writing
//! anything, and writes one file per report, each its own category, into a directory.

use std::collections::BTreeSet;

use crate::support::{shipped_baselines, Moto};

/// A config naming `count` preview environments in us-east-1.
fn previews(moto: &Moto, count: usize) -> std::path::PathBuf {
    let mut text = String::from("environments:\n");
    for n in 1..=count {
        text.push_str(&format!("  pr-{n}:\n    regions: [us-east-1]\n"));
    }
    let path = moto.dir.path().join("previews.yaml");
    std::fs::write(&path, text).expect("config");
    path
}

#[test]
fn twenty_two_reports_go_one_file_each_into_a_directory_and_never_into_one_file() {
    let moto = Moto::start();
    let config = previews(&moto, 22);
    let scan_all = |target: &str| {
        moto.driftscan()
            .args(["scan", "--all", "--config"])
            .arg(&config)
            .arg("--baselines")
            .arg(shipped_baselines())
            .args(["--output", target, "--output", "json=run.json"])
            .output()
            .expect("driftscan runs")
    };

    let single = moto.dir.path().join("out.sarif");
    let refused = scan_all(&format!("sarif={}", single.display()));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "22 runs (one per report), where GitHub code scanning takes at most 20 per file"
        ) && stderr.contains("--output sarif=DIR/"),
        "{stderr}"
    );
    assert!(!single.exists(), "nothing written");
    assert!(
        !moto.dir.path().join("run.json").exists(),
        "not even the other outputs"
    );

    let dir = moto.dir.path().join("sarif");
    let split = scan_all(&format!("sarif={}/", dir.display()));
    assert!(
        split.status.code() != Some(2) || !String::from_utf8_lossy(&split.stderr).contains("SARIF"),
        "{}",
        String::from_utf8_lossy(&split.stderr)
    );
    let mut categories = BTreeSet::new();
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the directory")
        .flatten()
        .collect();
    assert_eq!(files.len(), 22, "one file per report");
    for file in files {
        let log: serde_json::Value =
            serde_json::from_slice(&std::fs::read(file.path()).expect("a file")).expect("SARIF");
        let runs = log["runs"].as_array().expect("runs");
        assert_eq!(runs.len(), 1, "{}", file.path().display());
        let category = runs[0]["automationDetails"]["id"]
            .as_str()
            .expect("a category");
        assert!(
            file.file_name().to_string_lossy().starts_with("scan-pr-"),
            "{}",
            file.path().display()
        );
        categories.insert(category.to_string());
    }
    assert_eq!(
        categories.len(),
        22,
        "each its own category: {categories:?}"
    );
}

/// Microsoft's SARIF validator (`Sarif.Multitool validate`), as `scripts/setup-emulators.sh`
/// installs it: every result it reports on `sarif`, as (rule, level, where).
fn validate(sarif: &std::path::Path) -> Vec<(String, String, String)> {
    let tool = std::env::var_os("DRIFTSCAN_SARIF_MULTITOOL").expect(
        "DRIFTSCAN_SARIF_MULTITOOL is not set: eval \"$(scripts/setup-emulators.sh all)\" installs Microsoft's SARIF validator",
    );
    let report = sarif.with_extension("validation.sarif");
    let output = std::process::Command::new(tool)
        .arg("validate")
        .arg(sarif)
        .arg("--output")
        .arg(&report)
        .args(["--log", "ForceOverwrite"])
        // The .NET runtime inside needs no ICU data for this.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("the validator runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("its report")).expect("SARIF");
    log["runs"][0]["results"]
        .as_array()
        .map(|results| {
            results
                .iter()
                .map(|r| {
                    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
                    let at = r
                        .pointer("/message/arguments/0")
                        .map(text)
                        .unwrap_or_default();
                    (
                        text(&r["ruleId"]),
                        r["level"].as_str().unwrap_or("warning").to_string(),
                        at,
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_sarif_of_a_drifted_environment_passes_microsofts_validator() {
    use crate::support::{block_on, open_to_the_world};
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", "us-east-1"));
    block_on(open_to_the_world(&moto, &staging.security_groups["db"]));
    let sarif = moto.dir.path().join("staging.sarif");
    let output = moto
        .driftscan()
        .args([
            "scan",
            "--env",
            "staging",
            "--region",
            "us-east-1",
            "--baselines",
        ])
        .arg(shipped_baselines())
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .output()
        .expect("driftscan runs");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("written")).expect("SARIF");
    assert!(
        log["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| r.len() >= 2),
        "the drift and the rule"
    );
    assert_eq!(validate(&sarif), vec![], "neither errors nor warnings");
}

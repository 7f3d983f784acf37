//! `driftscan-infra destroy` as users run it: nothing is destroyed without a typed confirmation
//! or `--yes`, protected environments need `--force-protected`, Aurora keeps a final snapshot;
//! `plan` speaks Terraform's summary, `--detailed-exitcode` and `--json`.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::fault_proxy::FaultProxy;
use crate::support::{block_on, Moto};

/// The `driftscan-infra` binary, built beside `driftscan` (`cargo build --workspace --bins`).
fn infra_binary() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_driftscan")).with_file_name("driftscan-infra");
    assert!(
        binary.exists(),
        "{} is not built: run `cargo build --workspace --bins` (scripts/test does)",
        binary.display()
    );
    binary
}

/// `driftscan-infra <args>` against `endpoint`, with no terminal on standard input.
pub(crate) fn infra(endpoint: &str, args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(infra_binary());
    crate::support::against_emulator(&mut command, endpoint);
    let output = command
        .args(args)
        .arg("--baselines")
        .arg(crate::support::shipped_baselines())
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("driftscan-infra runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Calls that change something: everything but reads.
fn mutating_calls(proxy: &FaultProxy) -> Vec<String> {
    proxy
        .calls()
        .into_iter()
        .filter(|((_, operation), _)| {
            !["Describe", "List", "Get", "Head"]
                .iter()
                .any(|read| operation.starts_with(read))
        })
        .map(|((service, operation), n)| format!("{service}:{operation} x{n}"))
        .collect()
}

fn db_cluster_exists(moto: &Moto, name: &str) -> bool {
    let config = block_on(moto.sdk_config("us-east-1"));
    block_on(
        aws_sdk_rds::Client::new(&config)
            .describe_db_clusters()
            .db_cluster_identifier(name)
            .send(),
    )
    .is_ok()
}

#[test]
fn destroy_asks_refuses_protects_and_keeps_a_final_snapshot() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    block_on(moto.provision("prod", "us-east-1"));
    let proxy = FaultProxy::start(&moto.endpoint, vec![]);

    // No terminal, no --yes: the plan is shown, nothing is changed.
    let (code, stdout, stderr) = infra(&proxy.endpoint, &["destroy", "--env", "staging"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no terminal") && stderr.contains("--yes"),
        "{stderr}"
    );
    assert!(
        stdout.contains("- db-cluster aurora-cluster-staging"),
        "{stdout}"
    );
    assert!(stdout.contains("to destroy."), "{stdout}");
    assert_eq!(mutating_calls(&proxy), Vec::<String>::new());
    assert!(db_cluster_exists(&moto, "aurora-cluster-staging"));

    // On a terminal (a pseudo-terminal from util-linux's `script`), a wrong name cancels.
    let mut command = std::process::Command::new("script");
    crate::support::against_emulator(&mut command, &proxy.endpoint);
    let shell_line = format!(
        "{} destroy --env staging --baselines {}",
        infra_binary().display(),
        crate::support::shipped_baselines().display()
    );
    let mut child = command
        .args(["-qec", &shell_line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs");
    // Typed ahead: the terminal keeps the line until the prompt reads it. Standard input stays
    // open until the end, so `script` does not end the session early.
    let mut typed = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut typed, b"prod\n").unwrap();
    let output = child.wait_with_output().unwrap();
    drop(typed);
    let shown = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{shown}");
    assert!(shown.contains("Type `staging` to confirm"), "{shown}");
    assert!(shown.contains("destroy cancelled"), "{shown}");
    assert_eq!(mutating_calls(&proxy), Vec::<String>::new());

    // prod is protected: --yes alone is refused.
    let (code, _, stderr) = infra(&proxy.endpoint, &["destroy", "--env", "prod", "--yes"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("protected") && stderr.contains("--force-protected"),
        "{stderr}"
    );
    assert_eq!(mutating_calls(&proxy), Vec::<String>::new());
    assert!(db_cluster_exists(&moto, "aurora-cluster-prod"));

    // Confirmed: staging goes, its cluster's data stays in a final snapshot.
    let (code, stdout, stderr) = infra(&moto.endpoint, &["destroy", "--env", "staging", "--yes"]);
    assert_eq!(code, 0, "{stderr}");
    let summary = stdout.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("Destroy complete! Resources: 0 added, ")
            && summary.ends_with(" destroyed."),
        "{stdout}"
    );
    assert!(!db_cluster_exists(&moto, "aurora-cluster-staging"));
    let config = block_on(moto.sdk_config("us-east-1"));
    let snapshots = block_on(
        aws_sdk_rds::Client::new(&config)
            .describe_db_cluster_snapshots()
            .db_cluster_identifier("aurora-cluster-staging")
            .send(),
    )
    .unwrap();
    let names: Vec<_> = snapshots
        .db_cluster_snapshots()
        .iter()
        .filter_map(|s| s.db_cluster_snapshot_identifier())
        .filter(|name| !name.starts_with("rds:")) // RDS's own automated snapshots
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].starts_with("aurora-cluster-staging-final-20"),
        "{names:?}"
    );

    // prod with --force-protected and --skip-final-snapshot: the plan says the data is lost.
    let (code, stdout, stderr) = infra(
        &moto.endpoint,
        &[
            "destroy",
            "--env",
            "prod",
            "--dry-run",
            "--skip-final-snapshot",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("deletion protection lifted first; NO final snapshot"),
        "{stdout}"
    );
    assert!(
        db_cluster_exists(&moto, "aurora-cluster-prod"),
        "a dry run changes nothing"
    );
    let (code, _, stderr) = infra(
        &moto.endpoint,
        &["destroy", "--env", "prod", "--yes", "--force-protected"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(!db_cluster_exists(&moto, "aurora-cluster-prod"));
}

#[test]
fn plan_speaks_terraform() {
    let moto = Moto::start();
    // Nothing exists yet: changes to make, exit 2 with --detailed-exitcode.
    let (code, stdout, stderr) = infra(
        &moto.endpoint,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(code, 2, "{stderr}");
    let summary = stdout.lines().last().unwrap_or_default();
    let (code, json, _) = infra(&moto.endpoint, &["plan", "--env", "staging", "--json"]);
    assert_eq!(code, 0);
    let plan: serde_json::Value = serde_json::from_str(&json).unwrap();
    let changes = plan["changes"].as_array().unwrap();
    let count = |action: &str| changes.iter().filter(|c| c["action"] == action).count();
    assert_eq!(plan["summary"]["add"], count("create"));
    assert_eq!(plan["summary"]["change"], count("update"));
    assert!(count("create") > 30, "{json}");
    assert_eq!(
        summary,
        format!(
            "Plan: {} to add, {} to change, 0 to destroy.",
            count("create"),
            count("update")
        ),
        "the lines and the JSON say the same"
    );

    let (code, stdout, stderr) = infra(&moto.endpoint, &["apply", "--env", "staging"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.ends_with(&format!(
            "Resources: {} added, {} changed, 0 destroyed.\n",
            count("create"),
            count("update")
        )),
        "apply made what plan listed: {stdout}"
    );
    let (code, stdout, _) = infra(
        &moto.endpoint,
        &["plan", "--env", "staging", "--detailed-exitcode"],
    );
    assert_eq!(code, 0, "converged: no changes");
    assert!(
        stdout.ends_with("Plan: 0 to add, 0 to change, 0 to destroy.\n"),
        "{stdout}"
    );
    // An error is 1 with --detailed-exitcode (2 without).
    let (code, _, stderr) = infra(
        &moto.endpoint,
        &["plan", "--env", "qa", "--detailed-exitcode"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(infra(&moto.endpoint, &["plan", "--env", "qa"]).0, 2);
}

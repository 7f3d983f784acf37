//! What users read, snapshot-tested (insta): the derived read-only policy, `validate` of the
//! shipped baselines, and a scan that finds a database port opened by hand, as the README shows
//! it. Ids, accounts and times the emulator makes up are filtered out; a change to any of these
//! outputs is a reviewed change to its snapshot under `tests/e2e/snapshots/`.

use crate::support::{block_on, open_to_the_world, shipped_baselines, Moto};

/// Filters for what differs between runs: resource ids, account ids, timings.
fn filtered() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r"\b(sg|vpc|subnet|rtb|igw|nat|lt|tg|eni)-[0-9a-f]{8,17}\b",
        "$1-[id]",
    );
    settings.add_filter(r"\b\d{12}\b", "[account]");
    settings.add_filter(r"\b\d+(\.\d+)? ?(ms|s)\b", "[time]");
    settings.add_filter(r"/tmp/\S+", "[tmp]");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn stdout_of(command: &mut assert_cmd::Command) -> (i32, String) {
    let output = command.output().expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

#[test]
fn the_printed_read_only_policy() {
    let (code, policy) =
        stdout_of(crate::support::driftscan_command("http://127.0.0.1:9").arg("iam-policy"));
    assert_eq!(code, 0);
    filtered().bind(|| insta::assert_snapshot!("iam_policy", policy));
}

#[test]
fn validate_of_the_shipped_baselines() {
    let output = crate::support::driftscan_command("http://127.0.0.1:9")
        .args(["validate", "--baselines"])
        .arg(shipped_baselines())
        .output()
        .expect("driftscan runs");
    assert_eq!(output.status.code(), Some(0));
    // Each file's line goes to standard error, the verdict to standard output.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let text = text.replace(&shipped_baselines().display().to_string(), "baselines");
    filtered().bind(|| insta::assert_snapshot!("validate_shipped_baselines", text));
}

#[test]
fn a_scan_that_finds_a_database_port_opened_by_hand() {
    let moto = Moto::start();
    block_on(async {
        let staging = moto.provision("staging", "us-east-1").await;
        open_to_the_world(&moto, &staging.security_groups["db"]).await;
    });
    let (code, text) = stdout_of(
        moto.driftscan()
            .args([
                "scan",
                "--env",
                "staging",
                "--region",
                "us-east-1",
                "--baselines",
            ])
            .arg(shipped_baselines()),
    );
    assert_eq!(
        code, 1,
        "a critical finding fails the default gate:\n{text}"
    );
    let text = text.replace(&shipped_baselines().display().to_string(), "baselines");
    filtered().bind(|| insta::assert_snapshot!("scan_database_port_opened", text));
    let readme = std::fs::read_to_string(shipped_baselines().join("../README.md")).expect("README");
    assert!(
        mask_group_ids(&readme).contains(&mask_group_ids(&text)),
        "the README shows this scan as it now reads:\n{text}"
    );
}

/// `sg-<hex>` ids as `sg-[id]`.
fn mask_group_ids(text: &str) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("sg-") {
        masked.push_str(&rest[..at + 3]);
        let after = &rest[at + 3..];
        let hex = after.len()
            - after
                .trim_start_matches(|c: char| c.is_ascii_hexdigit())
                .len();
        if hex >= 8 {
            masked.push_str("[id]");
        }
        rest = &after[hex..];
    }
    masked.push_str(rest);
    masked
}

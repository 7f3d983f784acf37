//! Bad input, by hand (the fuzz targets in `fuzz/` cover the parsers at random). Every case
//! exits 2 with one error line naming where (file:line:column, or the argument) and what is
//! wrong, before anything is read from AWS (the endpoint has no server behind it), and leaves
//! the report it would have written exactly as it was. Then the cases that need AWS: a region
//! that does not exist, and credentials that are missing-by-expiry or rejected as expired.

use std::path::Path;

use scanner::model::Service;

use crate::fault_proxy::{Calls, Fault, FaultProxy, Rule};
use crate::support::{driftscan_command, parse_snapshot, Moto};

/// Nothing listens here: a case that got as far as reading AWS would fail differently.
const NO_SERVER: &str = "http://127.0.0.1:9";
const PREVIOUS_REPORT: &str = "the previous report, which must survive\n";

struct Case {
    name: &'static str,
    /// Files to create under the case's directory.
    files: Vec<(&'static str, Vec<u8>)>,
    /// A sparse file of this many bytes (nothing is written to disk for it).
    huge: Option<(&'static str, u64)>,
    args: Vec<&'static str>,
    /// Every one must appear in the error.
    expect: Vec<&'static str>,
}

fn baseline(name: &'static str, text: impl Into<Vec<u8>>, expect: Vec<&'static str>) -> Case {
    Case {
        name,
        files: vec![("bl/prod.yaml", text.into())],
        huge: None,
        args: SCAN.to_vec(),
        expect,
    }
}

fn config(name: &'static str, text: &str, expect: Vec<&'static str>) -> Case {
    Case {
        name,
        files: vec![("driftscan.yaml", text.as_bytes().to_vec())],
        huge: None,
        args: vec![
            "snapshot",
            "--env",
            "prod",
            "--config",
            "driftscan.yaml",
            "-o",
            "report.out",
        ],
        expect,
    }
}

fn arguments(name: &'static str, args: Vec<&'static str>, expect: Vec<&'static str>) -> Case {
    Case {
        name,
        files: vec![("bl/prod.yaml", b"driftscan: baseline/v1\n".to_vec())],
        huge: None,
        args,
        expect,
    }
}

fn saved_snapshot(name: &'static str, text: &str, expect: Vec<&'static str>) -> Case {
    Case {
        name,
        files: vec![
            ("bl/prod.yaml", b"driftscan: baseline/v1\n".to_vec()),
            ("saved.json", text.as_bytes().to_vec()),
        ],
        huge: None,
        args: vec![
            "scan",
            "--from-snapshot",
            "saved.json",
            "--baselines",
            "bl",
            "-o",
            "report.out",
        ],
        expect,
    }
}

const SCAN: [&str; 11] = [
    "scan",
    "--env",
    "prod",
    "--region",
    "us-east-1",
    "--baselines",
    "bl",
    "--format",
    "json",
    "-o",
    "report.out",
];

/// A billion laughs: ten lists of ten, each made of the one before, eleven levels deep
/// (10^11 scalars once expanded), inside a value that may hold lists.
fn billion_laughs() -> String {
    let mut levels = vec!["&l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]".to_string()];
    for i in 1..12 {
        levels.push(format!(
            "&l{i} [{}]",
            vec![format!("*l{}", i - 1); 10].join(", ")
        ));
    }
    format!(
        "driftscan: baseline/v1\nresources:\n  security-group/web-{{env}}:\n    properties:\n      ingress: [{}]\n",
        levels.join(", ")
    )
}

fn cases() -> Vec<Case> {
    let sg =
        "driftscan: baseline/v1\nresources:\n  security-group/web-{env}:\n    properties:\n      ";
    let with = |tail: &str| format!("{sg}{tail}\n");
    vec![
        baseline("an empty baseline", "", vec!["bl/prod.yaml:1:1", "empty baseline"]),
        baseline(
            "a baseline of comments only",
            "# nothing yet\n",
            vec!["bl/prod.yaml:1:1", "empty baseline"],
        ),
        baseline(
            "the wrong schema marker",
            "driftscan: baseline/v9\n",
            vec!["bl/prod.yaml:1:", "baseline/v1"],
        ),
        baseline(
            "a list where a mapping belongs",
            "driftscan: baseline/v1\nresources: [1, 2]\n",
            vec!["bl/prod.yaml:2:12", "expected a mapping"],
        ),
        baseline(
            "an unknown top-level key",
            "driftscan: baseline/v1\nresource: {}\n",
            vec!["bl/prod.yaml:2:1", "unknown field `resource`"],
        ),
        baseline(
            "a misspelled property",
            "driftscan: baseline/v1\nresources:\n  db-cluster/aurora-{env}:\n    properties:\n      engine: aurora-postgresql\n      storage_encryptd: true\n",
            vec!["bl/prod.yaml:6:", "unknown field `storage_encryptd`"],
        ),
        baseline(
            "a misspelled field inside a listener's action",
            "driftscan: baseline/v1\nresources:\n  \"listener/alb-{env}:80\":\n    properties:\n      default_actions:\n        - redirect: {protocl: HTTPS}\n",
            vec!["bl/prod.yaml:6:", "unknown field `protocl`"],
        ),
        baseline(
            "a misspelled property of a cache replication group",
            "driftscan: baseline/v1\nresources:\n  cache-replication-group/redis-{env}:\n    properties:\n      transit_encryptoin: true\n",
            vec!["bl/prod.yaml:5:", "unknown field `transit_encryptoin`"],
        ),
        baseline(
            "a misspelled property of a secret",
            "driftscan: baseline/v1\nresources:\n  secret/{env}/redis-auth:\n    properties:\n      rotation_enabld: true\n",
            vec!["bl/prod.yaml:5:", "unknown field `rotation_enabld`"],
        ),
        baseline(
            "a certificate rule's days in words",
            "driftscan: baseline/v1\ncompliance:\n  certificate-expiry: {days: thirty}\n",
            vec!["bl/prod.yaml:3:", "certificate-expiry"],
        ),
        baseline(
            "a bucket rule's parameter of the wrong type",
            "driftscan: baseline/v1\ncompliance:\n  bucket-encrypted: {require_kms: yes-please}\n",
            vec!["bl/prod.yaml:3:", "bucket-encrypted"],
        ),
        baseline(
            "a word where a number belongs",
            "driftscan: baseline/v1\nresources:\n  db-cluster/aurora-{env}:\n    properties:\n      backup_retention_period: {\">=\": seven}\n",
            vec!["bl/prod.yaml:5:", "takes a number"],
        ),
        baseline(
            "an invalid regex",
            with("description: {regex: '(['}"),
            vec!["bl/prod.yaml:5:", "invalid regex `([`", "unclosed character class"],
        ),
        baseline(
            "a regex too large to compile",
            with("description: {regex: '(((a{100}){100}){100})'}"),
            vec!["bl/prod.yaml:5:", "invalid regex", "size limit"],
        ),
        baseline(
            "a glob that is not a string",
            with("description: {glob: 7}"),
            vec!["bl/prod.yaml:5:", "glob"],
        ),
        baseline(
            "an unknown matcher mixed with a known one",
            with("description: {glob: 'web-*', name: x}"),
            vec!["bl/prod.yaml:5:", "matcher operator"],
        ),
        baseline(
            "YAML nested 20,000 deep",
            format!("{sg}ingress: {}{}\n", "[".repeat(20_000), "]".repeat(20_000)),
            vec!["bl/prod.yaml:5:", "recursion limit"],
        ),
        baseline(
            "a billion laughs",
            billion_laughs(),
            vec!["bl/prod.yaml:5:", "anchors and aliases are expanded"],
        ),
        baseline(
            "a baseline that is not UTF-8",
            b"driftscan: baseline/v1\ndescription: \xff\xfe\n".to_vec(),
            vec!["bl/prod.yaml", "UTF-8"],
        ),
        baseline(
            "a parent that does not exist",
            "driftscan: baseline/v1\nextends: nowhere.yaml\n",
            vec!["bl/prod.yaml:2:", "nowhere.yaml"],
        ),
        Case {
            name: "a 200 MiB baseline",
            files: vec![],
            huge: Some(("bl/prod.yaml", 200 << 20)),
            args: SCAN.to_vec(),
            expect: vec!["bl/prod.yaml", "209715200 bytes", "134217728"],
        },
        arguments(
            "an environment without a baseline",
            vec!["scan", "--env", "qa", "--region", "us-east-1", "--baselines", "bl", "-o", "report.out"],
            vec!["bl/qa.yaml", "no baseline for environment `qa`"],
        ),
        arguments(
            "an environment name that cannot be one",
            vec!["scan", "--env", "Prod!", "--region", "us-east-1", "--baselines", "bl", "-o", "report.out"],
            vec!["invalid environment name `Prod!`"],
        ),
        arguments(
            "a baseline directory that does not exist",
            vec!["scan", "--env", "prod", "--region", "us-east-1", "--baselines", "nowhere", "-o", "report.out"],
            vec!["nowhere", "no such baseline directory"],
        ),
        arguments(
            "a region name that is not one",
            vec!["snapshot", "--env", "prod", "--region", "mars-north-1", "-o", "report.out"],
            vec!["`mars-north-1` is not an AWS region name"],
        ),
        arguments(
            "a concurrency of zero",
            vec!["snapshot", "--env", "prod", "--region", "us-east-1", "--concurrency", "0", "-o", "report.out"],
            vec!["concurrency must be between 1 and 64"],
        ),
        arguments(
            "a config file that does not exist",
            vec!["snapshot", "--env", "prod", "--config", "nowhere.yaml", "-o", "report.out"],
            vec!["cannot read config file nowhere.yaml", "No such file"],
        ),
        config(
            "an unknown key in the config",
            "defaults:\n  regions: [us-east-1]\nenvironmnts: {}\n",
            vec!["driftscan.yaml:3:1", "unknown field `environmnts`"],
        ),
        config(
            "a string where the config wants a list",
            "environments:\n  prod:\n    regions: {us-east-1: yes}\n",
            vec!["driftscan.yaml:3:14", "expected a list"],
        ),
        config(
            "a region in the config that is not one",
            "environments:\n  prod:\n    regions: [mars-north-1]\n",
            vec!["`mars-north-1` is not an AWS region name"],
        ),
        config(
            "an environment in the config that cannot be one",
            "environments:\n  Prod!:\n    regions: [us-east-1]\n",
            vec!["driftscan.yaml:", "invalid environment name `Prod!`"],
        ),
        saved_snapshot(
            "an empty snapshot file",
            "",
            vec!["saved.json is not a driftscan snapshot", "the file is empty"],
        ),
        saved_snapshot(
            "a truncated snapshot",
            "{\"schema\": \"driftscan.snapshot/v1\", \"environment\": ",
            vec!["saved.json is not a driftscan snapshot", "line 1", "EOF"],
        ),
        saved_snapshot(
            "a snapshot of another schema",
            "{\"schema\": \"driftscan.snapshot/v7\"}",
            vec!["saved.json is not a driftscan snapshot", "driftscan.snapshot/v7"],
        ),
    ]
}

/// Every file under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn bad_input_is_a_located_error_and_nothing_is_written() {
    let mut failed = Vec::new();
    for case in cases() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bl")).unwrap();
        for (path, content) in &case.files {
            std::fs::write(dir.path().join(path), content).unwrap();
        }
        if let Some((path, size)) = case.huge {
            std::fs::File::create(dir.path().join(path))
                .and_then(|f| f.set_len(size))
                .unwrap();
        }
        std::fs::write(dir.path().join("report.out"), PREVIOUS_REPORT).unwrap();
        let before = files_under(dir.path());

        let output = driftscan_command(NO_SERVER)
            .current_dir(dir.path())
            .args(&case.args)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("driftscan: error:"))
            .collect();
        let mut problems = Vec::new();
        if output.status.code() != Some(2) {
            problems.push(format!("exit {:?}, not 2", output.status.code()));
        }
        if errors.len() != 1 {
            problems.push(format!("{} error lines, not 1", errors.len()));
        }
        for fragment in &case.expect {
            if !stderr.contains(fragment) {
                problems.push(format!("the error lacks `{fragment}`"));
            }
        }
        if stderr.contains("panicked") || stderr.contains("Connection refused") {
            problems.push("a panic, or AWS was called".into());
        }
        let report = std::fs::read_to_string(dir.path().join("report.out")).unwrap();
        if report != PREVIOUS_REPORT {
            problems.push("the previous report was overwritten".into());
        }
        if files_under(dir.path()) != before {
            problems.push(format!("files changed: {:?}", files_under(dir.path())));
        }
        if !problems.is_empty() {
            failed.push(format!(
                "{}: {}\n    stderr: {stderr}",
                case.name,
                problems.join("; ")
            ));
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn a_region_that_does_not_exist_is_incomplete_and_named() {
    let moto = Moto::start();
    let output = moto
        .driftscan()
        .args(["snapshot", "--env", "prod", "--region", "us-east-9"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let snapshot = parse_snapshot(&output.stdout);
    assert!(!snapshot.complete);
    assert!(snapshot.resources.is_empty());
    for service in [Service::Ec2, Service::Ecs, Service::Rds, Service::Ssm] {
        assert!(
            snapshot
                .failures
                .iter()
                .any(|f| f.region == "us-east-9" && f.service == service),
            "{service}: {:?}",
            snapshot.failures
        );
    }
    assert!(String::from_utf8_lossy(&output.stderr).contains("us-east-9"));
}

#[test]
fn expired_credentials_fail_every_read_before_any_call() {
    let moto = Moto::start();
    // Counts what reaches the emulator: nothing should.
    let proxy = FaultProxy::start(&moto.endpoint, vec![]);
    let dir = tempfile::tempdir().unwrap();
    let process = dir.path().join("expired-credentials.sh");
    std::fs::write(
        &process,
        "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIAEXPIRED\", \"SecretAccessKey\": \"s\", \"SessionToken\": \"t\", \"Expiration\": \"2020-01-01T00:00:00Z\"}'\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&process, std::fs::Permissions::from_mode(0o755)).unwrap();
    let aws_config = dir.path().join("config");
    std::fs::write(
        &aws_config,
        format!(
            "[profile expired]\ncredential_process = {}\n",
            process.display()
        ),
    )
    .unwrap();
    let output = driftscan_command(&proxy.endpoint)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .args(["snapshot", "--env", "prod", "--region", "us-east-1"])
        .args(["--profile", "expired"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let snapshot = parse_snapshot(&output.stdout);
    assert!(snapshot.resources.is_empty());
    // One per read: each service once, and once more globally for a regional one global
    // kinds select (WAFv2's CLOUDFRONT scope).
    let reads = scanner::services::SERVICES.len()
        + scanner::services::SERVICES
            .iter()
            .filter(|s| s.scope.follows_the_global_services())
            .count();
    assert_eq!(
        snapshot.failures.len(),
        reads,
        "one per read: {:?}",
        snapshot.failures
    );
    assert!(
        snapshot.failures.iter().all(|f| f.code == "ExpiredToken"),
        "{:?}",
        snapshot.failures
    );
    assert!(
        stderr.contains("expired at 2020-01-01T00:00:00Z"),
        "{stderr}"
    );
    assert!(proxy.calls().is_empty(), "{:?}", proxy.calls());
}

#[test]
fn credentials_aws_rejects_as_expired_are_an_incomplete_snapshot() {
    let moto = Moto::start();
    let rules = ["ec2", "ecs", "rds", "ssm"]
        .into_iter()
        .map(|service| Rule {
            service,
            operation: None,
            region: None,
            fault: Fault::ExpiredToken,
            calls: Calls::All,
            body_contains: None,
        })
        .collect();
    let proxy = FaultProxy::start(&moto.endpoint, rules);
    let output = driftscan_command(&proxy.endpoint)
        .env("AWS_SESSION_TOKEN", "a-token-aws-no-longer-honours")
        .args(["snapshot", "--env", "prod", "--region", "us-east-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let snapshot = parse_snapshot(&output.stdout);
    assert!(snapshot.resources.is_empty());
    for service in [Service::Ec2, Service::Ecs, Service::Rds, Service::Ssm] {
        let failure = snapshot
            .failures
            .iter()
            .find(|f| f.service == service)
            .unwrap_or_else(|| panic!("{service}: {:?}", snapshot.failures));
        assert!(failure.code.starts_with("ExpiredToken"), "{failure}");
    }
    assert!(stderr.contains("security token included in the request is expired"));
    assert!(proxy.faulted() > 0);
}

/// Runs `args` of `binary` against `endpoint` with no credentials anywhere (no keys in the
/// environment, no files, no instance metadata), or with `--profile`-style `extra` arguments.
fn without_credentials(binary: &Path, endpoint: &str, args: &[&str]) -> std::process::Output {
    let mut command = std::process::Command::new(binary);
    crate::support::against_emulator(&mut command, endpoint);
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn no_credentials_or_a_missing_profile_is_one_error_before_any_read() {
    let moto = Moto::start();
    // Counts what reaches the emulator: nothing may.
    let proxy = FaultProxy::start(&moto.endpoint, vec![]);
    let driftscan = Path::new(env!("CARGO_BIN_EXE_driftscan"));
    let infra = driftscan.with_file_name("driftscan-infra");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("driftscan.yaml");
    std::fs::write(
        &config,
        "accounts:\n  - id: \"111111111111\"\n    role: driftscan-read-only\n    environments: [staging, prod]\n    regions: [us-east-1]\n",
    )
    .unwrap();
    let baselines = crate::support::shipped_baselines().display().to_string();
    let config = config.display().to_string();
    let out = dir.path().join("captured").display().to_string();
    let commands: Vec<(&Path, Vec<&str>)> = vec![
        (
            driftscan,
            vec!["snapshot", "--env", "staging", "--region", "us-east-1"],
        ),
        (
            driftscan,
            vec![
                "scan",
                "--env",
                "staging",
                "--region",
                "us-east-1",
                "--baselines",
                &baselines,
            ],
        ),
        (
            driftscan,
            vec![
                "compare",
                "staging",
                "prod",
                "--region",
                "us-east-1",
                "--baselines",
                &baselines,
            ],
        ),
        (
            driftscan,
            vec![
                "baseline",
                "capture",
                "--env",
                "staging",
                "--region",
                "us-east-1",
                "-o",
                &out,
            ],
        ),
        (
            driftscan,
            vec![
                "--config",
                &config,
                "scan",
                "--all",
                "--baselines",
                &baselines,
            ],
        ),
        (
            &infra,
            vec!["plan", "--env", "staging", "--region", "us-east-1"],
        ),
    ];
    for (binary, args) in &commands {
        for profile in [None, Some("nosuch")] {
            let mut args = args.clone();
            if let Some(profile) = profile {
                args.extend(["--profile", profile]);
            }
            let output = without_credentials(binary, &proxy.endpoint, &args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            let stdout = String::from_utf8_lossy(&output.stdout);
            let shown = format!("{args:?}\nstdout: {stdout}\nstderr: {stderr}");
            assert_eq!(output.status.code(), Some(2), "{shown}");
            let expected = match profile {
                None => "Unable to locate credentials",
                Some(_) => "The config profile (nosuch) could not be found",
            };
            assert_eq!(stderr.matches(expected).count(), 1, "one message: {shown}");
            assert!(
                stderr.matches("Ec2InstanceMetadata").count() <= 1,
                "{shown}"
            );
            assert!(!stdout.contains("no findings"), "{shown}");
            assert!(stdout.trim().is_empty(), "nothing reported: {shown}");
        }
    }
    assert!(!Path::new(&out).exists(), "no baseline captured");
    assert!(proxy.calls().is_empty(), "{:?}", proxy.calls());
}

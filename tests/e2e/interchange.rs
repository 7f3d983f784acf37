//! Findings for other tools, written by one scan: OCSF (a JSON array and JSON Lines), validated
//! with py-ocsf-models as data pipelines load it (`scripts/validate-ocsf.py`), and ASFF as
//! Security Hub imports it; a comparison, which belongs to no one account, is refused as ASFF
//! with nothing written.

use std::path::Path;

use serde_json::Value;

use crate::support::{block_on, open_to_the_world, shipped_baselines, Moto};

/// `scripts/validate-ocsf.py` on `files`, with the venv `scripts/setup-emulators.sh` made:
/// (success, what it printed).
fn validate_ocsf(files: &[&Path]) -> (bool, String) {
    let python = std::env::var_os("DRIFTSCAN_OCSF_PYTHON").expect(
        "DRIFTSCAN_OCSF_PYTHON is not set: eval \"$(scripts/setup-emulators.sh all)\" installs py-ocsf-models",
    );
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/validate-ocsf.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .args(files)
        .output()
        .expect("the validator runs");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), said)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("written")).expect("JSON")
}

#[test]
fn one_scan_writes_ocsf_that_validates_and_asff_security_hub_takes() {
    let moto = Moto::start();
    let prod = block_on(moto.provision("prod", "us-east-1"));
    block_on(open_to_the_world(&moto, &prod.security_groups["db"]));
    let out = moto.dir.path().join("out");
    let (ocsf, lines, asff) = (
        out.join("f.ocsf.json"),
        out.join("f.ocsf.jsonl"),
        out.join("f.asff.json"),
    );
    let output = moto
        .driftscan()
        .args([
            "scan",
            "--env",
            "prod",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ])
        .arg("--baselines")
        .arg(shipped_baselines())
        .arg("--output")
        .arg(format!("ocsf={}", ocsf.display()))
        .arg("--output")
        .arg(format!("ocsf-jsonl={}", lines.display()))
        .arg("--output")
        .arg(format!("asff={}", asff.display()))
        .arg("--output")
        .arg("json")
        .output()
        .expect("driftscan runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: scanner::model::Report = serde_json::from_slice(&output.stdout).expect("a report");
    let findings = report.findings.len();
    assert!(findings >= 2, "{stderr}");

    let (valid, said) = validate_ocsf(&[&ocsf, &lines]);
    assert!(valid, "{said}");
    assert!(
        said.contains(&format!(
            "{} OCSF Compliance Finding events checked, 0 invalid",
            2 * findings
        )),
        "{said}"
    );
    let events = read_json(&ocsf);
    let event = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["unmapped"]["driftscan_kind"] == "compliance")
        .expect("the rule's event");
    assert_eq!(event["compliance"]["control"], "db-ingress-from-anywhere");
    assert_eq!(event["compliance"]["requirements"][0], "FSBP EC2.19");
    assert_eq!(event["cloud"]["account"]["uid"], "123456789012");
    assert_eq!(event["severity_id"], 5);
    let group = &prod.security_groups["db"];
    assert_eq!(
        event["resources"][0]["uid"],
        format!("arn:aws:ec2:us-east-1:123456789012:security-group/{group}")
    );

    // The validator refuses what OCSF does not define: it is not a check that always passes.
    let mut tampered = events.clone();
    tampered[0]["finding_info"]["titel"] = "misspelt".into();
    let bad = out.join("tampered.json");
    std::fs::write(&bad, tampered.to_string()).unwrap();
    let (valid, said) = validate_ocsf(&[&bad]);
    assert!(!valid && said.contains("titel"), "{said}");

    let documents = read_json(&asff);
    let documents = documents.as_array().unwrap();
    assert_eq!(documents.len(), findings);
    for document in documents {
        assert_eq!(document["AwsAccountId"], "123456789012");
        assert_eq!(document["SchemaVersion"], "2018-10-08");
        assert_eq!(document["RecordState"], "ACTIVE");
    }
}

#[test]
fn a_comparison_is_refused_as_asff_and_nothing_is_written() {
    let moto = Moto::start();
    block_on(moto.provision("staging", "us-east-1"));
    block_on(moto.provision("prod", "us-east-1"));
    let out = moto.dir.path().join("out");
    let (asff, json) = (out.join("c.asff.json"), out.join("c.json"));
    let output = moto
        .driftscan()
        .args(["compare", "staging", "prod", "--region", "us-east-1"])
        .arg("--baselines")
        .arg(shipped_baselines())
        .arg("--output")
        .arg(format!("json={}", json.display()))
        .arg("--output")
        .arg(format!("asff={}", asff.display()))
        .output()
        .expect("driftscan runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write asff"), "{stderr}");
    assert!(
        stderr.contains("a comparison has no ASFF findings"),
        "{stderr}"
    );
    assert!(!asff.exists() && !json.exists(), "nothing written");
}

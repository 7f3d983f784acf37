use std::path::PathBuf;

use super::fixtures;
use super::*;

fn options() -> RenderOptions {
    RenderOptions {
        color: false,
        version: "0.0.0-test".into(),
        wide: false,
        now_ms: 1_796_000_000_000,
    }
}

#[test]
fn golden_text() {
    insta::assert_snapshot!(
        "text",
        render(&fixtures::report(true), Format::Text, &options())
    );
    insta::assert_snapshot!(
        "text_incomplete",
        render(&fixtures::report(false), Format::Text, &options())
    );
    insta::assert_snapshot!(
        "text_clean",
        render(&fixtures::clean(), Format::Text, &options())
    );
}

#[test]
fn a_list_cell_shows_what_its_environment_adds() {
    let report = fixtures::parity_of_rules();
    let text = render(&report, Format::Text, &options());
    insta::assert_snapshot!("text_parity_rules", text);
    assert!(text.contains("+ tcp 5432 from 0.0.0.0/0*"), "{text}");
    let markdown = render(&report, Format::Markdown, &options());
    assert!(
        markdown.contains("**`+ tcp 5432 from 0.0.0.0/0`**"),
        "{markdown}"
    );
    let html = render(&report, Format::Html, &options());
    assert!(html.contains(">+ tcp 5432 from 0.0.0.0/0</td>"), "{html}");
    // The whole value is a flag away.
    let wide = RenderOptions {
        wide: true,
        ..options()
    };
    let text = render(&report, Format::Text, &wide);
    assert!(text.contains(r#""cidr":"0.0.0.0/0""#), "{text}");
}

#[test]
fn golden_parity() {
    let report = fixtures::parity();
    insta::assert_snapshot!("text_parity", render(&report, Format::Text, &options()));
    insta::assert_snapshot!(
        "markdown_parity",
        render(&report, Format::Markdown, &options())
    );
    insta::assert_snapshot!("html_parity", render(&report, Format::Html, &options()));
    insta::assert_snapshot!(
        "html_scan",
        render(&fixtures::report(false), Format::Html, &options())
    );
}

#[test]
fn every_format_carries_the_parity_matrix() {
    let report = fixtures::parity();
    let json: Report = serde_json::from_str(&render(&report, Format::Json, &options())).unwrap();
    assert_eq!(json.parity, report.parity, "JSON round-trips the matrix");
    let sarif: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Sarif, &options())).unwrap();
    assert_eq!(
        sarif["runs"][0]["properties"]["parity"]["environments"],
        serde_json::json!(["dev", "staging", "prod"])
    );
    let junit = render(&report, Format::Junit, &options());
    assert!(junit.contains("<system-out>"), "{junit}");
    assert!(junit.contains("properties.desired_count"), "{junit}");
    for format in [Format::Text, Format::Markdown, Format::Html] {
        let out = render(&report, format, &options());
        for needle in [
            "dev",
            "staging",
            "prod",
            "properties.desired_count",
            "absent",
        ] {
            assert!(out.contains(needle), "{format} lacks {needle}: {out}");
        }
    }
}

#[test]
fn html_escapes_every_value_and_fetches_nothing() {
    let report = fixtures::parity();
    let html = render(&report, Format::Html, &options());
    assert!(!html.contains("<img"), "markup from a value is text");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!html.contains("<script"));
    assert!(
        html.contains("default-src 'none'"),
        "a CSP forbids fetching"
    );
    for attribute in ["src=\"", "href=\""] {
        assert!(!html.contains(attribute), "nothing to fetch: {attribute}");
    }
    assert_eq!(
        html::escape(r#"<a href="x">'&'</a>"#),
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
    );
    // An incomplete scan says so before anything else.
    let page = render(&fixtures::report(false), Format::Html, &options());
    let warning = page.find("id=\"incomplete\"").unwrap();
    assert!(warning < page.find("id=\"summary\"").unwrap());
    assert!(page.contains("INCOMPLETE"));
}

#[test]
fn a_run_carries_every_report_and_the_organization_summary_in_every_format() {
    let mut incomplete = fixtures::report(false);
    incomplete.environment = "staging".into();
    let reports = vec![fixtures::report(true), incomplete];
    let accounts: std::collections::BTreeMap<String, String> =
        [("prod".to_string(), "222222222222".to_string())].into();
    let run = |format| render_run(&reports, &accounts, format, &options());

    let text = run(Format::Text);
    assert!(
        text.contains("driftscan run: 2 reports, 1 accounts, 1 incomplete"),
        "{text}"
    );
    let prod_row = text.lines().find(|l| l.starts_with("prod ")).unwrap();
    assert!(
        prod_row.contains("222222222222") && prod_row.contains("yes"),
        "{prod_row}"
    );
    let staging_row = text.lines().find(|l| l.starts_with("staging ")).unwrap();
    assert!(staging_row.contains("NO (1 failed)"), "{staging_row}");

    let json: serde_json::Value = serde_json::from_str(&run(Format::Json)).unwrap();
    assert_eq!(json["schema"], RUN_SCHEMA);
    assert_eq!(json["reports"].as_array().unwrap().len(), 2);
    assert_eq!(json["summary"]["incomplete"], 1);
    assert_eq!(json["summary"]["rows"][0]["account"], "222222222222");

    let sarif: serde_json::Value = serde_json::from_str(&run(Format::Sarif)).unwrap();
    assert_eq!(
        sarif["runs"].as_array().unwrap().len(),
        2,
        "a run per report"
    );
    let junit = run(Format::Junit);
    assert_eq!(junit.matches("<testsuite ").count(), 2, "{junit}");
    let markdown = run(Format::Markdown);
    assert!(markdown.contains("| prod | 222222222222 |"), "{markdown}");
    let html = run(Format::Html);
    assert_eq!(html.matches("<!doctype html>").count(), 1, "one page");
    assert!(html.find("id=\"incomplete\"").unwrap() < html.find("Organization summary").unwrap());
    assert!(html.contains("href=\"#report-staging\""));
}

#[test]
fn golden_json() {
    insta::assert_snapshot!(
        "json",
        render(&fixtures::report(false), Format::Json, &options())
    );
}

#[test]
fn golden_markdown() {
    insta::assert_snapshot!(
        "markdown",
        render(&fixtures::report(false), Format::Markdown, &options())
    );
    insta::assert_snapshot!(
        "markdown_clean",
        render(&fixtures::clean(), Format::Markdown, &options())
    );
}

#[test]
fn golden_sarif() {
    insta::assert_snapshot!(
        "sarif",
        render(&fixtures::report(false), Format::Sarif, &options())
    );
}

#[test]
fn golden_junit() {
    insta::assert_snapshot!(
        "junit",
        render(&fixtures::report(false), Format::Junit, &options())
    );
}

#[test]
fn colour_only_when_asked() {
    let colored = render(
        &fixtures::report(true),
        Format::Text,
        &RenderOptions {
            color: true,
            ..options()
        },
    );
    assert!(colored.contains("\x1b["));
    assert!(!render(&fixtures::report(true), Format::Text, &options()).contains('\x1b'));
}

#[test]
fn an_incomplete_report_never_reads_as_clean() {
    let mut report = fixtures::report(false);
    report.findings.clear();
    let report = report.finalize(31);
    for format in Format::ALL {
        let out = render(&report, format, &options());
        assert!(!out.contains("No drift"), "{format}: {out}");
    }
    assert!(render(&report, Format::Text, &options()).contains("INCOMPLETE"));
    assert!(render(&report, Format::Markdown, &options()).contains("INCOMPLETE"));
    assert!(render(&report, Format::Sarif, &options()).contains("\"executionSuccessful\": false"));
    let junit = render(&report, Format::Junit, &options());
    let error = junit
        .split("<error ")
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_default();
    assert!(error.contains("type=\"incomplete\""), "{junit}");
}

/// The official SARIF 2.1.0 schema, as shipped in the `serde-sarif` crate's package.
fn sarif_schema() -> serde_json::Value {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let registry = cargo_home.join("registry/src");
    let path = std::fs::read_dir(&registry)
        .expect("cargo registry")
        .flatten()
        .map(|index| index.path().join("serde-sarif-0.8.0/src/schema.json"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "serde-sarif 0.8.0's schema.json not found under {}",
                registry.display()
            )
        });
    let mut schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The published schema's `language` pattern has an unbalanced bracket that no regex engine
    // compiles; driftscan never sets `language`, so the pattern is dropped.
    fn drop_language_patterns(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                if map
                    .get("pattern")
                    .and_then(|p| p.as_str())
                    .is_some_and(|p| p.contains("[a-zA-Z]{2}]"))
                {
                    map.remove("pattern");
                }
                map.values_mut().for_each(drop_language_patterns);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(drop_language_patterns),
            _ => {}
        }
    }
    drop_language_patterns(&mut schema);
    schema
}

#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    // The validator does reject what is not SARIF.
    assert!(
        !validator.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]}))
    );
    for report in [
        fixtures::report(true),
        fixtures::report(false),
        fixtures::clean(),
    ] {
        let sarif: serde_json::Value =
            serde_json::from_str(&render(&report, Format::Sarif, &options())).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // And it parses with the typed SARIF model.
        let typed: serde_sarif::sarif::Sarif =
            serde_json::from_value(sarif.clone()).expect("typed SARIF");
        assert_eq!(typed.runs.len(), 1);
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), report.findings.len());
        for result in results {
            let location = &result["locations"][0]["physicalLocation"];
            assert!(location["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with("baselines/"));
            assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
    // A result points at the line that declared the expectation.
    let sarif: serde_json::Value =
        serde_json::from_str(&render(&fixtures::report(true), Format::Sarif, &options())).unwrap();
    let retention = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["properties"]["path"] == "properties.backup_retention_period")
        .unwrap();
    assert_eq!(
        retention["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
}

#[test]
fn junit_is_well_formed_xml_with_one_case_per_rule() {
    use quick_xml::events::Event;
    for report in [
        fixtures::report(true),
        fixtures::report(false),
        fixtures::clean(),
    ] {
        let xml = render(&report, Format::Junit, &options());
        let mut reader = quick_xml::Reader::from_str(&xml);
        let (mut cases, mut failures, mut errors, mut depth) = (0, 0, 0, 0i32);
        loop {
            match reader
                .read_event()
                .unwrap_or_else(|e| panic!("invalid XML: {e}\n{xml}"))
            {
                Event::Start(e) => {
                    depth += 1;
                    match e.name().as_ref() {
                        "testcase" => cases += 1,
                        "failure" => failures += 1,
                        "error" => errors += 1,
                        _ => {}
                    }
                }
                // A passing case is an empty element: `<testcase .../>`.
                Event::Empty(e) if e.name().as_ref() == "testcase" => cases += 1,
                Event::End(_) => depth -= 1,
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(depth, 0, "balanced");
        assert_eq!(
            cases,
            3 + crate::rules::RULES.len() + 1,
            "drift, missing, unmanaged, each rule, completeness"
        );
        let failing_rules: std::collections::BTreeSet<String> =
            report.findings.iter().map(rule_id).collect();
        assert_eq!(failures, failing_rules.len());
        assert_eq!(errors, usize::from(!report.complete));
        assert!(xml.contains(&format!("failures=\"{failures}\"")));
    }
}

#[test]
fn github_limits_name_what_a_sarif_file_breaks() {
    use super::github_limits::{exceeded, Limit, GZIPPED_BYTES, RESULTS_PER_RUN, RUNS_PER_FILE};
    let run = |results: usize| {
        serde_json::json!({
            "automationDetails": {"id": "driftscan/scan/prod/"},
            "tool": {"driver": {"rules": []}},
            "results": vec![serde_json::json!({}); results],
        })
    };
    let log = |runs: Vec<serde_json::Value>| {
        serde_json::json!({"version": "2.1.0", "runs": runs}).to_string()
    };
    assert_eq!(
        exceeded(&log(vec![run(1); RUNS_PER_FILE]), 1_000),
        None,
        "20 runs is fine"
    );
    assert_eq!(
        exceeded(&log(vec![run(1); RUNS_PER_FILE + 1]), 1_000)
            .map(|e| e.to_string())
            .as_deref(),
        Some("21 runs (one per report), where GitHub code scanning takes at most 20 per file")
    );
    assert_eq!(
        exceeded(&log(vec![run(RESULTS_PER_RUN + 1)]), 1_000)
            .map(|e| e.to_string())
            .as_deref(),
        Some("driftscan/scan/prod/: 25001 results, where GitHub takes at most 25000 per run")
    );
    let too_big = exceeded(&log(vec![run(1), run(1)]), GZIPPED_BYTES + 1).unwrap();
    assert_eq!(too_big.limit, Limit::Gzipped(GZIPPED_BYTES + 1));
    assert!(
        too_big.splits_by_report(),
        "two reports can go in two files"
    );
    let one = exceeded(&log(vec![run(RESULTS_PER_RUN + 1)]), 1_000).unwrap();
    assert!(
        !one.splits_by_report(),
        "one report is one run whatever the split"
    );
    // The fixture's own SARIF is well within them.
    let ours = render(&fixtures::report(true), Format::Sarif, &options());
    assert_eq!(exceeded(&ours, ours.len()), None);
}

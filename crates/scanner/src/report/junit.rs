//! JUnit XML (written by `quick-junit`): one test case per rule (drift, missing, unmanaged and
//! each compliance rule) plus one for the scan's completeness, so CI test views stay stable
//! across runs.

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::{compact, rule_id, RenderOptions, KIND_RULES};
use crate::model::{FindingKind, Report};
use crate::rules::RULES;

/// Renders the JUnit report.
pub fn render(report: &Report, options: &RenderOptions) -> String {
    render_all(std::slice::from_ref(report), options)
}

/// Renders several reports as one JUnit document, a suite each.
pub fn render_all(reports: &[Report], options: &RenderOptions) -> String {
    let mut junit = quick_junit::Report::new("driftscan");
    for report in reports {
        junit.add_test_suite(suite(report, options));
    }
    junit.to_string().unwrap_or_else(|e| {
        // Serializing to memory fails only on invalid UTF-8, which a String cannot hold.
        format!("<!-- driftscan: cannot write JUnit XML: {e} -->\n")
    })
}

/// One report's suite: a case per rule, one for completeness.
fn suite(report: &Report, options: &RenderOptions) -> TestSuite {
    let mut cases: Vec<(String, String)> = KIND_RULES
        .iter()
        .filter(|(kind, _)| (*kind == FindingKind::Difference) == (report.command == "compare"))
        .map(|(kind, _)| (kind.as_str().to_string(), kind.as_str().to_string()))
        .collect();
    if report.command != "compare" {
        cases.extend(
            RULES
                .iter()
                .map(|r| ("compliance".to_string(), r.id.to_string())),
        );
    }

    let mut suite = TestSuite::new(format!(
        "driftscan {} {}",
        report.command, report.environment
    ));
    suite.add_property(Property::new("driftscan.version", options.version.as_str()));
    for (group, name) in &cases {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| rule_id(f) == *name)
            .collect();
        let status = if findings.is_empty() {
            TestCaseStatus::success()
        } else {
            let detail: String = findings
                .iter()
                .map(|f| {
                    let attribution = f
                        .attribution_line()
                        .map(|line| format!("  {line}\n"))
                        .unwrap_or_default();
                    format!(
                        "[{}] {}/{} {}: {} (expected {}, actual {})\n{attribution}",
                        f.severity,
                        f.resource_type,
                        f.logical_name,
                        f.path.as_deref().unwrap_or(""),
                        f.message,
                        compact(f.expected.as_ref()),
                        compact(f.actual.as_ref())
                    )
                })
                .collect();
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_type(name.as_str())
                .set_message(format!("{} finding(s)", findings.len()))
                .set_description(xml_safe(&detail));
            status
        };
        let mut case = TestCase::new(name.as_str(), status);
        case.set_classname(format!("{}.{group}", report.environment));
        suite.add_test_case(case);
    }
    let status = if report.complete {
        TestCaseStatus::success()
    } else {
        let detail: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status
            .set_type("incomplete")
            .set_message(format!(
                "scan incomplete: {} read(s) failed",
                report.failures.len()
            ))
            .set_description(xml_safe(&detail.join("\n")));
        status
    };
    let mut complete = TestCase::new("complete", status);
    complete.set_classname(format!("{}.scan", report.environment));
    suite.add_test_case(complete);

    if let Some(matrix) = &report.parity {
        // The matrix as the text report shows it, for CI views that show a suite's output.
        let mut text = String::new();
        super::text::render_matrix(matrix, false, false, &mut text);
        suite.set_system_out(xml_safe(text.trim_start()));
    }
    suite
}

/// XML 1.0 cannot carry most control characters at all, escaped or not.
fn xml_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') {
                '?'
            } else {
                c
            }
        })
        .collect()
}

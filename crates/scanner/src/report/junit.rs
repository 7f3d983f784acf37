//! JUnit XML: one test case per rule (drift, missing, unmanaged and each compliance rule) plus
//! one for the scan's completeness, so CI test views stay stable across runs.

use std::fmt::Write as _;

use super::{compact, rule_id, RenderOptions, KIND_RULES};
use crate::model::{FindingKind, Report};
use crate::rules::RULES;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters at all.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Renders the JUnit report.
pub fn render(report: &Report, options: &RenderOptions) -> String {
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

    let mut body = String::new();
    let mut failures = 0;
    let suite = format!("driftscan {} {}", report.command, report.environment);
    for (group, name) in &cases {
        let findings: Vec<_> = report
            .findings
            .iter()
            .filter(|f| rule_id(f) == *name)
            .collect();
        let _ = write!(
            body,
            "    <testcase classname=\"{}.{}\" name=\"{}\">",
            escape(&report.environment),
            escape(group),
            escape(name)
        );
        if !findings.is_empty() {
            failures += 1;
            let mut detail = String::new();
            for f in &findings {
                let _ = writeln!(
                    detail,
                    "[{}] {}/{} {}: {} (expected {}, actual {})",
                    f.severity,
                    f.resource_type,
                    f.logical_name,
                    f.path.as_deref().unwrap_or(""),
                    f.message,
                    compact(f.expected.as_ref()),
                    compact(f.actual.as_ref())
                );
            }
            let _ = write!(
                body,
                "\n      <failure type=\"{}\" message=\"{} finding(s)\">{}</failure>\n    ",
                escape(name),
                findings.len(),
                escape(&detail)
            );
        }
        body.push_str("</testcase>\n");
    }
    let errors = usize::from(!report.complete);
    let _ = write!(
        body,
        "    <testcase classname=\"{}.scan\" name=\"complete\">",
        escape(&report.environment)
    );
    if !report.complete {
        let detail: Vec<String> = report.failures.iter().map(|f| f.to_string()).collect();
        let _ = write!(
            body,
            "\n      <error type=\"incomplete\" message=\"scan incomplete: {} read(s) failed\">{}</error>\n    ",
            report.failures.len(),
            escape(&detail.join("\n"))
        );
    }
    body.push_str("</testcase>\n");

    let tests = cases.len() + 1;
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <testsuites name=\"driftscan\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n  \
         <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">\n    \
         <properties><property name=\"driftscan.version\" value=\"{}\"/></properties>\n\
         {body}  </testsuite>\n</testsuites>\n",
        escape(&suite),
        escape(&options.version),
    )
}

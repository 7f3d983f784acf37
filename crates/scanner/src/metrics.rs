//! CloudWatch metrics of a run, pure: the datums, their validation against AWS's limits, the
//! batches `PutMetricData` takes, and the Embedded Metric Format alternative.
//!
//! Namespace `Driftscan`. Per scan (dimension `Environment`) and per comparison (dimension
//! `Pair`, `staging..prod`):
//!
//! | metric | extra dimensions | unit |
//! |---|---|---|
//! | `Findings` (scans) | `Severity` (all five, zeros included) | Count |
//! | `Differences` (comparisons) | | Count |
//! | `ResourcesScanned` | | Count |
//! | `ScanDuration` | | Milliseconds |
//! | `ScanErrors` | `Service` (ec2, ecs, rds, ssm, zeros included) | Count |
//! | `ScanIncomplete` | | Count (0 or 1) |
//!
//! plus `ScanIncomplete` with no dimension: 1 when any report of the run is incomplete, for
//! one alarm over every environment.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::model::{Report, Service, Severity};

/// The namespace every datum goes to.
pub const NAMESPACE: &str = "Driftscan";
/// AWS: at most 1000 datums per `PutMetricData` call.
pub const MAX_DATUMS_PER_CALL: usize = 1000;
/// AWS: at most 1 MB per `PutMetricData` request.
pub const MAX_REQUEST_BYTES: usize = 1_000_000;
/// AWS: at most 30 dimensions per metric.
pub const MAX_DIMENSIONS: usize = 30;
/// AWS: metric and dimension names are at most 255 characters.
pub const MAX_NAME_CHARS: usize = 255;
/// AWS: dimension values are at most 1024 characters.
pub const MAX_DIMENSION_VALUE_CHARS: usize = 1024;
/// AWS rejects values beyond 2^360 in magnitude.
const MAX_MAGNITUDE: f64 = 2.348_542_582_773_833_3e108;

/// A datum's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count.
    Count,
    /// A duration.
    Milliseconds,
    /// A plain number (days of drift age).
    None,
}

impl Unit {
    /// CloudWatch's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::None => "None",
        }
    }
}

/// One metric value.
#[derive(Debug, Clone, PartialEq)]
pub struct Datum {
    /// Metric name.
    pub name: String,
    /// Dimensions, name then value.
    pub dimensions: Vec<(String, String)>,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: Unit,
}

/// A datum AWS would reject.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("metric `{name}`: {problem}")]
pub struct InvalidDatum {
    /// The metric.
    pub name: String,
    /// What is wrong.
    pub problem: String,
}

impl Datum {
    fn new(name: &str, dimensions: &[(&str, &str)], value: f64, unit: Unit) -> Self {
        Datum {
            name: name.into(),
            dimensions: dimensions
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
            unit,
        }
    }

    /// Checks the datum against AWS's documented limits (LocalStack accepts more).
    pub fn validate(&self) -> Result<(), InvalidDatum> {
        let invalid = |problem: String| InvalidDatum {
            name: self.name.clone(),
            problem,
        };
        if self.name.is_empty() || self.name.len() > MAX_NAME_CHARS || !self.name.is_ascii() {
            return Err(invalid(format!(
                "a metric name is 1 to {MAX_NAME_CHARS} ASCII characters"
            )));
        }
        if !self.value.is_finite() {
            return Err(invalid(format!(
                "{} is not a number CloudWatch takes",
                self.value
            )));
        }
        if self.value.abs() > MAX_MAGNITUDE {
            return Err(invalid(format!("{} is beyond +/-2^360", self.value)));
        }
        if self.dimensions.len() > MAX_DIMENSIONS {
            return Err(invalid(format!(
                "{} dimensions (at most {MAX_DIMENSIONS})",
                self.dimensions.len()
            )));
        }
        for (name, value) in &self.dimensions {
            if name.is_empty() || name.len() > MAX_NAME_CHARS || name.starts_with(':') {
                return Err(invalid(format!("dimension name `{name}`")));
            }
            if value.is_empty() || value.chars().count() > MAX_DIMENSION_VALUE_CHARS {
                return Err(invalid(format!(
                    "dimension `{name}` value must be 1 to {MAX_DIMENSION_VALUE_CHARS} characters"
                )));
            }
        }
        Ok(())
    }

    /// A generous estimate of the datum's bytes in a request (query-protocol encoding, the
    /// largest of the protocols the SDKs use, with member names and URL escaping).
    pub fn request_bytes(&self) -> usize {
        let dimensions: usize = self
            .dimensions
            .iter()
            .map(|(k, v)| 80 + 3 * (k.len() + v.len()))
            .sum();
        120 + 3 * self.name.len() + dimensions
    }
}

/// `DriftAgeMaxDays` of a scanned environment: how long its oldest open finding has been open
/// (from the findings ledger's first sightings). Comparisons have none.
pub fn drift_age(report: &Report, days: f64) -> Option<Datum> {
    (report.command != "compare").then(|| {
        Datum::new(
            "DriftAgeMaxDays",
            &[("Environment", report.environment.as_str())],
            (days * 100.0).round() / 100.0,
            Unit::None,
        )
    })
}

/// The datums of one run's reports.
pub fn datums(reports: &[Report]) -> Vec<Datum> {
    let mut out = Vec::new();
    for report in reports {
        let (dimension, label) = match report.command.as_str() {
            "compare" => ("Pair", report.environment.as_str()),
            _ => ("Environment", report.environment.as_str()),
        };
        let scope = [(dimension, label)];
        if report.command == "compare" {
            out.push(Datum::new(
                "Differences",
                &scope,
                report.counts.total as f64,
                Unit::Count,
            ));
        } else {
            for severity in Severity::ALL {
                let count = report
                    .counts
                    .by_severity
                    .get(&severity)
                    .copied()
                    .unwrap_or(0);
                out.push(Datum::new(
                    "Findings",
                    &[(dimension, label), ("Severity", severity.as_str())],
                    count as f64,
                    Unit::Count,
                ));
            }
        }
        out.push(Datum::new(
            "ResourcesScanned",
            &scope,
            report.counts.resources as f64,
            Unit::Count,
        ));
        out.push(Datum::new(
            "ScanDuration",
            &scope,
            report.duration_ms as f64,
            Unit::Milliseconds,
        ));
        let mut errors: BTreeMap<Service, usize> = BTreeMap::new();
        for failure in &report.failures {
            *errors.entry(failure.service).or_insert(0) += 1;
        }
        for service in crate::services::services() {
            out.push(Datum::new(
                "ScanErrors",
                &[(dimension, label), ("Service", service.as_str())],
                errors.get(&service).copied().unwrap_or(0) as f64,
                Unit::Count,
            ));
        }
        out.push(Datum::new(
            "ScanIncomplete",
            &scope,
            if report.complete { 0.0 } else { 1.0 },
            Unit::Count,
        ));
    }
    if !reports.is_empty() {
        let any = reports.iter().any(|r| !r.complete);
        out.push(Datum::new(
            "ScanIncomplete",
            &[],
            if any { 1.0 } else { 0.0 },
            Unit::Count,
        ));
    }
    out
}

/// Splits `datums` into `PutMetricData` calls: at most [`MAX_DATUMS_PER_CALL`] datums and
/// (estimated generously) [`MAX_REQUEST_BYTES`] each.
pub fn batches(datums: &[Datum]) -> Vec<&[Datum]> {
    const OVERHEAD: usize = 200; // Action, Version, Namespace.
    let mut out = Vec::new();
    let mut start = 0;
    let mut bytes = OVERHEAD;
    for (i, datum) in datums.iter().enumerate() {
        let size = datum.request_bytes();
        if i > start && (i - start == MAX_DATUMS_PER_CALL || bytes + size > MAX_REQUEST_BYTES) {
            out.push(&datums[start..i]);
            start = i;
            bytes = OVERHEAD;
        }
        bytes += size;
    }
    if start < datums.len() {
        out.push(&datums[start..]);
    }
    out
}

/// The datums as CloudWatch Embedded Metric Format log lines: one line per set of dimension
/// values (EMF takes a dimension's value from the line, so two environments need two lines),
/// every metric with those dimensions in it. `timestamp_ms` is the run's time.
pub fn emf_lines(datums: &[Datum], timestamp_ms: u64) -> Vec<String> {
    let mut groups: BTreeMap<Vec<(String, String)>, Vec<&Datum>> = BTreeMap::new();
    for datum in datums {
        groups
            .entry(datum.dimensions.clone())
            .or_default()
            .push(datum);
    }
    groups
        .into_iter()
        .map(|(dimensions, members)| {
            let mut line = Map::new();
            let names: Vec<&str> = dimensions.iter().map(|(k, _)| k.as_str()).collect();
            let metrics: Vec<Value> = members
                .iter()
                .map(|d| json!({"Name": d.name, "Unit": d.unit.as_str()}))
                .collect();
            line.insert(
                "_aws".into(),
                json!({
                    "Timestamp": timestamp_ms,
                    "CloudWatchMetrics": [{
                        "Namespace": NAMESPACE,
                        "Dimensions": [names],
                        "Metrics": metrics,
                    }]
                }),
            );
            for (k, v) in &dimensions {
                line.insert(k.clone(), Value::String(v.clone()));
            }
            for d in members {
                line.insert(d.name.clone(), json!(d.value));
            }
            Value::Object(line).to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Counts, ReadFailure, ResourceKind, REPORT_SCHEMA};

    fn report(command: &str, environment: &str, complete: bool) -> Report {
        let failures = if complete {
            vec![]
        } else {
            vec![ReadFailure {
                region: "us-east-1".into(),
                service: Service::Rds,
                operation: "DescribeDBClusters".into(),
                kinds: vec![ResourceKind::DbCluster],
                code: "AccessDenied".into(),
                message: "no".into(),
            }]
        };
        Report {
            schema: REPORT_SCHEMA.into(),
            command: command.into(),
            environment: environment.into(),
            regions: vec!["us-east-1".into()],
            account: None,
            complete,
            failures,
            baseline_files: vec![],
            deleted_during_scan: vec![],
            expired_ignores: vec![],
            counts: Counts {
                total: 3,
                by_severity: BTreeMap::from([(Severity::High, 2), (Severity::Low, 1)]),
                by_kind: BTreeMap::new(),
                resources: 42,
            },
            duration_ms: 1234,
            findings: vec![],
            parity: None,
            resolved_by: Default::default(),
            first_seen: Default::default(),
        }
    }

    fn value(datums: &[Datum], name: &str, dims: &[(&str, &str)]) -> f64 {
        datums
            .iter()
            .find(|d| {
                d.name == name
                    && d.dimensions.len() == dims.len()
                    && dims
                        .iter()
                        .all(|(k, v)| d.dimensions.iter().any(|(dk, dv)| dk == k && dv == v))
            })
            .unwrap_or_else(|| panic!("no {name} {dims:?}"))
            .value
    }

    #[test]
    fn a_run_yields_the_documented_metrics() {
        let reports = [
            report("scan", "staging", true),
            report("scan", "prod", false),
            report("compare", "staging..prod", true),
        ];
        let datums = datums(&reports);
        // Per scan 8 and per compare 4, plus one per service each; one for the run.
        let services = crate::services::SERVICES.len();
        assert_eq!(datums.len(), (8 + services) * 2 + (4 + services) + 1);
        let staging = ("Environment", "staging");
        assert_eq!(
            value(&datums, "Findings", &[staging, ("Severity", "high")]),
            2.0
        );
        assert_eq!(
            value(&datums, "Findings", &[staging, ("Severity", "critical")]),
            0.0
        );
        assert_eq!(value(&datums, "ResourcesScanned", &[staging]), 42.0);
        assert_eq!(value(&datums, "ScanDuration", &[staging]), 1234.0);
        assert_eq!(value(&datums, "ScanIncomplete", &[staging]), 0.0);
        let prod = ("Environment", "prod");
        assert_eq!(value(&datums, "ScanIncomplete", &[prod]), 1.0);
        assert_eq!(
            value(&datums, "ScanErrors", &[prod, ("Service", "rds")]),
            1.0
        );
        assert_eq!(
            value(&datums, "ScanErrors", &[prod, ("Service", "ec2")]),
            0.0
        );
        let pair = ("Pair", "staging..prod");
        assert_eq!(value(&datums, "Differences", &[pair]), 3.0);
        assert_eq!(value(&datums, "ScanIncomplete", &[]), 1.0);
        assert!(datums.iter().all(|d| d.validate().is_ok()));
    }

    #[test]
    fn validation_follows_aws_limits_not_the_emulators() {
        let ok = Datum::new("Findings", &[("Environment", "prod")], 1.0, Unit::Count);
        assert!(ok.validate().is_ok());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e200] {
            let datum = Datum {
                value: bad,
                ..ok.clone()
            };
            assert!(datum.validate().is_err(), "{bad}");
        }
        let too_many = Datum {
            dimensions: (0..31).map(|i| (format!("d{i}"), "v".into())).collect(),
            ..ok.clone()
        };
        assert!(too_many
            .validate()
            .unwrap_err()
            .problem
            .contains("31 dimensions"));
        let thirty = Datum {
            dimensions: (0..30).map(|i| (format!("d{i}"), "v".into())).collect(),
            ..ok.clone()
        };
        assert!(thirty.validate().is_ok());
        let empty_value = Datum {
            dimensions: vec![("Environment".into(), String::new())],
            ..ok.clone()
        };
        assert!(empty_value.validate().is_err());
        let long_name = Datum {
            name: "x".repeat(256),
            ..ok
        };
        assert!(long_name.validate().is_err());
    }

    #[test]
    fn batches_respect_the_datum_and_byte_limits() {
        let small: Vec<Datum> = (0..2500)
            .map(|i| {
                Datum::new(
                    "Findings",
                    &[("Environment", &format!("pr-{i}"))],
                    1.0,
                    Unit::Count,
                )
            })
            .collect();
        let split = batches(&small);
        assert_eq!(
            split.iter().map(|b| b.len()).collect::<Vec<_>>(),
            [1000, 1000, 500]
        );

        // 30 dimensions of long values: the byte limit splits long before 1000 datums.
        let long_value = "v".repeat(1024);
        let dims: Vec<(String, String)> = (0..30)
            .map(|i| (format!("d{i}"), long_value.clone()))
            .collect();
        let heavy: Vec<Datum> = (0..500)
            .map(|_| Datum {
                name: "Findings".into(),
                dimensions: dims.clone(),
                value: 1.0,
                unit: Unit::Count,
            })
            .collect();
        let split = batches(&heavy);
        assert!(split.len() > 1);
        assert_eq!(split.iter().map(|b| b.len()).sum::<usize>(), 500);
        for batch in split {
            let bytes: usize = 200 + batch.iter().map(Datum::request_bytes).sum::<usize>();
            assert!(bytes <= MAX_REQUEST_BYTES);
        }
        assert!(batches(&[]).is_empty());
    }

    #[test]
    fn emf_lines_carry_every_datum_once() {
        let datums = datums(&[report("scan", "staging", true)]);
        let lines = emf_lines(&datums, 1_700_000_000_000);
        // (Environment), (Environment, Severity) x5, (Environment, Service) per service, ().
        assert_eq!(lines.len(), 1 + 5 + crate::services::SERVICES.len() + 1);
        let mut seen = 0;
        for line in &lines {
            let v: Value = serde_json::from_str(line).unwrap();
            let directive = &v["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(directive["Namespace"], NAMESPACE);
            for name in directive["Dimensions"][0].as_array().unwrap() {
                assert!(v[name.as_str().unwrap()].is_string());
            }
            for metric in directive["Metrics"].as_array().unwrap() {
                assert!(v[metric["Name"].as_str().unwrap()].is_number());
                seen += 1;
            }
        }
        assert_eq!(seen, datums.len());
    }
}

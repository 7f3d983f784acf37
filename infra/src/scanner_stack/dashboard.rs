//! The CloudWatch dashboard over the metrics the function publishes, and the incomplete-scan
//! alarm that notifies the alert topic.

use serde_json::{json, Value};

use super::{Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Recorder};

/// The dashboard: per scanned environment, findings by severity and scan errors by service; per
/// compared pair, scan errors; one widget each for differences per pair, resources scanned, scan
/// duration, incomplete scans and drift age. Every metric is one
/// the function publishes (`scanner::metrics::datums`), with its exact dimensions.
pub fn dashboard_body(spec: &ScannerSpec) -> Value {
    let ns = scanner::metrics::NAMESPACE;
    let region = &spec.region;
    let mut widgets = Vec::new();
    let mut place = |title: String, metrics: Vec<Value>, stacked: bool| {
        let i = widgets.len();
        widgets.push(json!({
            "type": "metric",
            "x": (i % 2) * 12, "y": (i / 2) * 6, "width": 12, "height": 6,
            "properties": {
                "title": title, "region": region, "view": "timeSeries", "stacked": stacked,
                "stat": "Maximum", "period": 300, "metrics": metrics
            }
        }));
    };
    for env in &spec.scan {
        let findings = scanner::model::Severity::ALL
            .iter()
            .rev()
            .map(|s| json!([ns, "Findings", "Environment", env, "Severity", s.as_str()]))
            .collect();
        place(format!("Findings by severity: {env}"), findings, true);
        let errors = scanner::services::services()
            .map(|s| json!([ns, "ScanErrors", "Environment", env, "Service", s.as_str()]))
            .collect();
        place(format!("Scan errors by service: {env}"), errors, true);
    }
    let pairs: Vec<String> = spec
        .compare
        .iter()
        .map(|group| group.join(scanner::model::COMPARED_SEPARATOR))
        .collect();
    for pair in &pairs {
        let errors = scanner::services::services()
            .map(|s| json!([ns, "ScanErrors", "Pair", pair, "Service", s.as_str()]))
            .collect();
        place(format!("Scan errors by service: {pair}"), errors, true);
    }
    place(
        "Differences per compared pair".into(),
        pairs
            .iter()
            .map(|p| json!([ns, "Differences", "Pair", p]))
            .collect(),
        false,
    );
    let scoped = || {
        spec.scan
            .iter()
            .map(|e| ("Environment", e.clone()))
            .chain(pairs.iter().map(|p| ("Pair", p.clone())))
            .collect::<Vec<_>>()
    };
    place(
        "Resources scanned".into(),
        scoped()
            .into_iter()
            .map(|(k, v)| json!([ns, "ResourcesScanned", k, v]))
            .collect(),
        false,
    );
    place(
        "Scan duration (ms)".into(),
        scoped()
            .into_iter()
            .map(|(k, v)| json!([ns, "ScanDuration", k, v]))
            .collect(),
        false,
    );
    let mut incomplete: Vec<Value> = scoped()
        .into_iter()
        .map(|(k, v)| json!([ns, "ScanIncomplete", k, v]))
        .collect();
    incomplete.push(json!([ns, "ScanIncomplete"]));
    place(
        "Incomplete scans (1 = could not read everything)".into(),
        incomplete,
        false,
    );
    place(
        "Drift age (days the oldest open finding has been open)".into(),
        spec.scan
            .iter()
            .map(|e| json!([ns, "DriftAgeMaxDays", "Environment", e]))
            .collect(),
        false,
    );
    json!({"widgets": widgets})
}

pub(super) async fn dashboard_and_alarm(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    let body = dashboard_body(spec);
    // Listed first: a missing dashboard's GetDashboard error differs between AWS
    // (ResourceNotFound) and LocalStack (InvalidParameterValue).
    let listed = c
        .cloudwatch
        .list_dashboards()
        .dashboard_name_prefix(&spec.dashboard)
        .send()
        .await
        .map_err(call_error("ListDashboards", &spec.dashboard))?;
    let exists = listed
        .dashboard_entries()
        .iter()
        .any(|d| d.dashboard_name() == Some(spec.dashboard.as_str()));
    let current = if exists {
        let found = c
            .cloudwatch
            .get_dashboard()
            .dashboard_name(&spec.dashboard)
            .send()
            .await
            .map_err(call_error("GetDashboard", &spec.dashboard))?;
        found
            .dashboard_body()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
    } else {
        None
    };
    if current.as_ref() != Some(&body) {
        let action = if current.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        let widgets = body["widgets"].as_array().map(Vec::len).unwrap_or(0);
        rec.change(
            action,
            format!("cloudwatch-dashboard {}", spec.dashboard),
            format!("{widgets} widgets"),
            async {
                c.cloudwatch
                    .put_dashboard()
                    .dashboard_name(&spec.dashboard)
                    .dashboard_body(body.to_string())
                    .send()
                    .await
                    .map_err(call_error("PutDashboard", &spec.dashboard))?;
                Ok(())
            },
        )
        .await?;
    }

    let alarm = spec.alarm();
    let found = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(&alarm)
        .send()
        .await
        .map_err(call_error("DescribeAlarms", &alarm))?;
    let topic = spec.topic_arn();
    let matches = found.metric_alarms().first().is_some_and(|a| {
        a.metric_name() == Some("ScanIncomplete")
            && a.namespace() == Some(scanner::metrics::NAMESPACE)
            && a.dimensions().is_empty()
            && a.threshold() == Some(1.0)
            && a.treat_missing_data() == Some("breaching")
            && a.alarm_actions() == [topic.clone()]
    });
    if !matches {
        let action = if found.metric_alarms().is_empty() {
            Action::Create
        } else {
            Action::Update
        };
        rec.change(action, format!("cloudwatch-alarm {alarm}"), "ScanIncomplete >= 1, or no data", async {
            c.cloudwatch
                .put_metric_alarm()
                .alarm_name(&alarm)
                .alarm_description("driftscan could not read everything (or did not run): its results cannot be trusted")
                .namespace(scanner::metrics::NAMESPACE)
                .metric_name("ScanIncomplete")
                .statistic(Statistic::Maximum)
                .period(900)
                .evaluation_periods(2)
                .threshold(1.0)
                .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
                // No data means no scan ran: fail closed.
                .treat_missing_data("breaching")
                .alarm_actions(&topic)
                .ok_actions(&topic)
                .send()
                .await
                .map_err(call_error("PutMetricAlarm", &alarm))?;
            Ok(())
        })
        .await?;
    }
    Ok(())
}

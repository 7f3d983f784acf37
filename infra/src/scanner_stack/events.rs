//! The EventBridge rules that run the function: the schedule and the CloudTrail change events,
//! with their targets and invoke permissions.

use serde_json::{json, Value};

use super::{Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Recorder};

/// The CloudTrail events that trigger a rescan: every service and change event of the kind
/// registry.
pub fn change_event_pattern() -> Value {
    scanner::services::change_event_pattern()
}

pub(super) async fn rules(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    use aws_sdk_eventbridge::types::{RuleState, Target};
    let [schedule, config_changes] = spec.rules();
    let input = json!({"scan": spec.scan, "compare": spec.compare}).to_string();
    let function_arn = spec.function_arn();
    for (rule, schedule_expression, pattern, target_input) in [
        (
            &schedule,
            Some(spec.schedule.clone()),
            None,
            Some(input.clone()),
        ),
        (&config_changes, None, Some(change_event_pattern()), None),
    ] {
        let current = match c.events.describe_rule().name(rule).send().await {
            Ok(found) => Some(found),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(e) => return Err(call_error("DescribeRule", rule)(e)),
        };
        let matches = current.as_ref().is_some_and(|r| {
            r.schedule_expression() == schedule_expression.as_deref()
                && r.event_pattern()
                    .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    == pattern
                && r.state() == Some(&RuleState::Enabled)
        });
        if !matches {
            let action = if current.is_some() {
                Action::Update
            } else {
                Action::Create
            };
            let detail = schedule_expression
                .clone()
                .unwrap_or_else(|| "CloudTrail configuration changes".into());
            rec.change(action, format!("eventbridge-rule {rule}"), detail, async {
                c.events
                    .put_rule()
                    .name(rule)
                    .set_schedule_expression(schedule_expression.clone())
                    .set_event_pattern(pattern.as_ref().map(Value::to_string))
                    .state(RuleState::Enabled)
                    .send()
                    .await
                    .map_err(call_error("PutRule", rule))?;
                Ok(())
            })
            .await?;
        }
        let targets = if current.is_some() {
            c.events
                .list_targets_by_rule()
                .rule(rule)
                .send()
                .await
                .map_err(call_error("ListTargetsByRule", rule))?
                .targets
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let targeted = targets
            .iter()
            .any(|t| t.arn() == function_arn && t.input() == target_input.as_deref());
        if !targeted {
            rec.change(
                Action::Create,
                format!("eventbridge-target {rule}"),
                spec.function.clone(),
                async {
                    let target = Target::builder()
                        .id("driftscan")
                        .arn(&function_arn)
                        .set_input(target_input.clone())
                        .build()
                        .map_err(|e| InfraError::Refused(e.to_string()))?;
                    c.events
                        .put_targets()
                        .rule(rule)
                        .targets(target)
                        .send()
                        .await
                        .map_err(call_error("PutTargets", rule))?;
                    Ok(())
                },
            )
            .await?;
        }
    }

    // Invoke permissions, one statement per rule (looked up first: moto duplicates a
    // statement id instead of refusing it).
    let statements: Vec<String> = match c
        .lambda
        .get_policy()
        .function_name(&spec.function)
        .send()
        .await
    {
        Ok(found) => found
            .policy()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .and_then(|p| p["Statement"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s["Sid"].as_str().map(str::to_string))
            .collect(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Vec::new()
        }
        Err(e) => return Err(call_error("GetPolicy", &spec.function)(e)),
    };
    for rule in [&schedule, &config_changes] {
        let sid = format!("{rule}-invoke");
        if statements.contains(&sid) {
            continue;
        }
        rec.change(
            Action::Create,
            format!("lambda-permission {sid}"),
            "events.amazonaws.com",
            async {
                c.lambda
                    .add_permission()
                    .function_name(&spec.function)
                    .statement_id(&sid)
                    .action("lambda:InvokeFunction")
                    .principal("events.amazonaws.com")
                    .source_arn(spec.rule_arn(rule))
                    .send()
                    .await
                    .map_err(call_error("AddPermission", &sid))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

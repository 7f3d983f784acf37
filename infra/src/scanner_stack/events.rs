//! The EventBridge rules that run the function: the schedule and the CloudTrail change events,
//! with their targets and invoke permissions.

use serde_json::{json, Value};

use aws_sdk_eventbridge::types::{RuleState, Target};

use super::{Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Recorder};

/// The CloudTrail events that trigger a rescan: every service and change event of the kind
/// registry.
pub fn change_event_pattern() -> Value {
    scanner::services::change_event_pattern()
}

/// One rule as it should be: a schedule or an event pattern, and its target's input.
struct WantedRule<'a> {
    rule: &'a str,
    schedule: Option<String>,
    pattern: Option<Value>,
    input: Option<String>,
}

/// The schedule and the change-event rules, each targeting the function, and the function's
/// permission for EventBridge to invoke it.
pub(super) async fn rules(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let [schedule, config_changes] = spec.rules();
    let input = json!({"scan": spec.scan, "compare": spec.compare}).to_string();
    let wanted = [
        WantedRule {
            rule: &schedule,
            schedule: Some(spec.schedule.clone()),
            pattern: None,
            input: Some(input),
        },
        WantedRule {
            rule: &config_changes,
            schedule: None,
            pattern: Some(change_event_pattern()),
            input: None,
        },
    ];
    for wanted in &wanted {
        let exists = converge_rule(c, rec, wanted).await?;
        converge_target(c, spec, rec, wanted, exists).await?;
    }
    invoke_permissions(c, spec, rec, [&schedule, &config_changes]).await
}

/// The rule itself, enabled; answers whether it existed.
async fn converge_rule(
    c: &Clients,
    rec: &Recorder,
    wanted: &WantedRule<'_>,
) -> Result<bool, InfraError> {
    let current = match c.events.describe_rule().name(wanted.rule).send().await {
        Ok(found) => Some(found),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            None
        }
        Err(e) => return Err(call_error("DescribeRule", wanted.rule)(e)),
    };
    let matches = current.as_ref().is_some_and(|r| {
        r.schedule_expression() == wanted.schedule.as_deref()
            && r.event_pattern()
                .and_then(|p| serde_json::from_str::<Value>(p).ok())
                == wanted.pattern
            && r.state() == Some(&RuleState::Enabled)
    });
    if !matches {
        let action = if current.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        let detail = wanted
            .schedule
            .clone()
            .unwrap_or_else(|| "CloudTrail configuration changes".into());
        rec.change(
            action,
            format!("eventbridge-rule {}", wanted.rule),
            detail,
            async {
                c.events
                    .put_rule()
                    .name(wanted.rule)
                    .set_schedule_expression(wanted.schedule.clone())
                    .set_event_pattern(wanted.pattern.as_ref().map(Value::to_string))
                    .state(RuleState::Enabled)
                    .send()
                    .await
                    .map_err(call_error("PutRule", wanted.rule))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(current.is_some())
}

/// The rule's target: the function, with the rule's input.
async fn converge_target(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
    wanted: &WantedRule<'_>,
    exists: bool,
) -> Result<(), InfraError> {
    let function_arn = spec.function_arn();
    let targets = if exists {
        c.events
            .list_targets_by_rule()
            .rule(wanted.rule)
            .send()
            .await
            .map_err(call_error("ListTargetsByRule", wanted.rule))?
            .targets
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let targeted = targets
        .iter()
        .any(|t| t.arn() == function_arn && t.input() == wanted.input.as_deref());
    if !targeted {
        rec.change(
            Action::Create,
            format!("eventbridge-target {}", wanted.rule),
            spec.function.clone(),
            async {
                let target = Target::builder()
                    .id("driftscan")
                    .arn(&function_arn)
                    .set_input(wanted.input.clone())
                    .build()
                    .map_err(|e| InfraError::Refused(e.to_string()))?;
                c.events
                    .put_targets()
                    .rule(wanted.rule)
                    .targets(target)
                    .send()
                    .await
                    .map_err(call_error("PutTargets", wanted.rule))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// Invoke permissions, one statement per rule (looked up first: moto duplicates a statement id
/// instead of refusing it).
async fn invoke_permissions(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
    rules: [&String; 2],
) -> Result<(), InfraError> {
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
    for rule in rules {
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

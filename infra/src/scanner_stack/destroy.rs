//! Taking the scanner stack down, dependents first.

use aws_config::SdkConfig;

use super::{
    function::{find_function, role_exists},
    topic::topic_exists,
    Clients, ScannerSpec,
};
use crate::{call_error, Action, Change, InfraError, Mode, Recorder};

/// Removes the scanner stack, dependents first: alarm, dashboard, rule targets and rules, the
/// queue mappings, the function (with its permissions), the role's policy and the role, the
/// topic (with its subscriptions), the queues, the alert key (deletion scheduled); the log
/// group, the run bucket and the table only when empty
/// (kept and said otherwise). What does not exist is skipped, so a second run does nothing but
/// say again what it keeps.
pub async fn destroy_scanner(
    config: &SdkConfig,
    spec: &ScannerSpec,
    mode: Mode,
) -> Result<Vec<Change>, InfraError> {
    let c = Clients::new(config, &spec.region);
    let rec = Recorder::new(mode);
    delete_monitoring(&c, spec, &rec).await?;
    delete_rules(&c, spec, &rec).await?;
    delete_function(&c, spec, &rec).await?;
    delete_role(&c, spec, &rec).await?;
    delete_topic_and_queues(&c, spec, &rec).await?;
    schedule_alert_key_deletion(&c, spec, &rec).await?;
    remove_log_group_if_empty(&c, spec, &rec).await?;
    crate::bucket::remove_if_empty(&c.s3, &rec, &spec.run_bucket).await?;
    remove_table_if_empty(&c, spec, &rec).await?;
    Ok(rec.into_changes())
}

/// The alarm and the dashboard.
async fn delete_monitoring(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let alarm = spec.alarm();
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(&alarm)
        .send()
        .await
        .map_err(call_error("DescribeAlarms", &alarm))?;
    if !alarms.metric_alarms().is_empty() {
        rec.change(
            Action::Delete,
            format!("cloudwatch-alarm {alarm}"),
            String::new(),
            async {
                c.cloudwatch
                    .delete_alarms()
                    .alarm_names(&alarm)
                    .send()
                    .await
                    .map_err(call_error("DeleteAlarms", &alarm))?;
                Ok(())
            },
        )
        .await?;
    }
    let dashboards = c
        .cloudwatch
        .list_dashboards()
        .dashboard_name_prefix(&spec.dashboard)
        .send()
        .await
        .map_err(call_error("ListDashboards", &spec.dashboard))?;
    if dashboards
        .dashboard_entries()
        .iter()
        .any(|d| d.dashboard_name() == Some(spec.dashboard.as_str()))
    {
        rec.change(
            Action::Delete,
            format!("cloudwatch-dashboard {}", spec.dashboard),
            String::new(),
            async {
                c.cloudwatch
                    .delete_dashboards()
                    .dashboard_names(&spec.dashboard)
                    .send()
                    .await
                    .map_err(call_error("DeleteDashboards", &spec.dashboard))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The EventBridge rules, their targets first.
async fn delete_rules(c: &Clients, spec: &ScannerSpec, rec: &Recorder) -> Result<(), InfraError> {
    for rule in spec.rules() {
        match c.events.describe_rule().name(&rule).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                continue
            }
            Err(e) => return Err(call_error("DescribeRule", &rule)(e)),
        }
        let targets = c
            .events
            .list_targets_by_rule()
            .rule(&rule)
            .send()
            .await
            .map_err(call_error("ListTargetsByRule", &rule))?;
        let ids: Vec<String> = targets
            .targets()
            .iter()
            .map(|t| t.id().to_string())
            .collect();
        rec.change(
            Action::Delete,
            format!("eventbridge-rule {rule}"),
            format!("{} target(s) first", ids.len()),
            async {
                if !ids.is_empty() {
                    c.events
                        .remove_targets()
                        .rule(&rule)
                        .set_ids(Some(ids.clone()))
                        .send()
                        .await
                        .map_err(call_error("RemoveTargets", &rule))?;
                }
                c.events
                    .delete_rule()
                    .name(&rule)
                    .send()
                    .await
                    .map_err(call_error("DeleteRule", &rule))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The queue mappings, then the function with its permissions.
async fn delete_function(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    for mapping in super::queue::mappings(c, spec).await? {
        let (source, uuid) = (mapping.source, mapping.uuid);
        rec.change(
            Action::Delete,
            format!(
                "lambda-event-source-mapping {}",
                source.rsplit(':').next().unwrap_or_default()
            ),
            format!("to {}", spec.function),
            async {
                c.lambda
                    .delete_event_source_mapping()
                    .uuid(&uuid)
                    .send()
                    .await
                    .map_err(call_error("DeleteEventSourceMapping", &source))?;
                Ok(())
            },
        )
        .await?;
    }
    if find_function(c, spec).await?.is_some() {
        rec.change(
            Action::Delete,
            format!("lambda-function {}", spec.function),
            "with its permissions",
            async {
                c.lambda
                    .delete_function()
                    .function_name(&spec.function)
                    .send()
                    .await
                    .map_err(call_error("DeleteFunction", &spec.function))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The function's role, its inline policies first.
async fn delete_role(c: &Clients, spec: &ScannerSpec, rec: &Recorder) -> Result<(), InfraError> {
    if role_exists(c, spec).await? {
        let policies = c
            .iam
            .list_role_policies()
            .role_name(&spec.role)
            .send()
            .await
            .map_err(call_error("ListRolePolicies", &spec.role))?;
        let names = policies.policy_names().to_vec();
        // The policies go before the role: AWS refuses to delete a role that has any (moto
        // does not, and would leave them orphaned).
        rec.change(
            Action::Delete,
            format!("iam-role {}", spec.role),
            format!("{} inline policy(ies) first", names.len()),
            async {
                for name in &names {
                    c.iam
                        .delete_role_policy()
                        .role_name(&spec.role)
                        .policy_name(name)
                        .send()
                        .await
                        .map_err(call_error("DeleteRolePolicy", name))?;
                }
                c.iam
                    .delete_role()
                    .role_name(&spec.role)
                    .send()
                    .await
                    .map_err(call_error("DeleteRole", &spec.role))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The alert topic with its subscriptions, and the queues.
async fn delete_topic_and_queues(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let arn = spec.topic_arn();
    let exists = topic_exists(c, spec).await?;
    if exists {
        rec.change(
            Action::Delete,
            format!("sns-topic {}", spec.topic),
            "and its subscriptions",
            async {
                c.sns
                    .delete_topic()
                    .topic_arn(&arn)
                    .send()
                    .await
                    .map_err(call_error("DeleteTopic", &spec.topic))?;
                Ok(())
            },
        )
        .await?;
    }
    for queue in [spec.queue.clone(), spec.dead_letter_queue()] {
        let Some(url) = super::queue::find_queue(c, &queue).await? else {
            continue;
        };
        rec.change(
            Action::Delete,
            format!("sqs-queue {queue}"),
            "with the messages in it",
            async {
                c.sqs
                    .delete_queue()
                    .queue_url(&url)
                    .send()
                    .await
                    .map_err(call_error("DeleteQueue", &queue))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The alert key: its deletion scheduled.
async fn schedule_alert_key_deletion(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    // The alert key: AWS deletes a key only after a waiting period, which a later apply
    // cancels.
    if let Some((key_id, state)) = super::alert_key::find_key(c, spec).await? {
        if state != aws_sdk_kms::types::KeyState::PendingDeletion {
            let alias = spec.alert_key_alias();
            rec.change(
                Action::Delete,
                format!("kms-key {alias}"),
                format!(
                    "deletion scheduled in {} days (apply --scanner cancels it)",
                    super::alert_key::DELETION_WINDOW_DAYS
                ),
                async {
                    c.kms
                        .schedule_key_deletion()
                        .key_id(&key_id)
                        .pending_window_in_days(super::alert_key::DELETION_WINDOW_DAYS)
                        .send()
                        .await
                        .map_err(call_error("ScheduleKeyDeletion", &alias))?;
                    Ok(())
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The function's log group, only when it holds no logs.
async fn remove_log_group_if_empty(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    // What holds data is removed only when there is none: the function's logs, runs' snapshots
    // and the findings ledger are kept, and said.
    if let Some((_, stored_bytes)) = super::logs::find_log_group(c, spec).await? {
        let name = spec.log_group();
        if stored_bytes > 0 {
            rec.change(
                Action::Keep,
                format!("log-group {name}"),
                format!("holds {stored_bytes} bytes of logs: kept until its retention ends"),
                async { Ok(()) },
            )
            .await?;
        } else {
            rec.change(
                Action::Delete,
                format!("log-group {name}"),
                "empty",
                async {
                    c.logs
                        .delete_log_group()
                        .log_group_name(&name)
                        .send()
                        .await
                        .map_err(call_error("DeleteLogGroup", &name))?;
                    Ok(())
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// The run table, only when it holds no item.
async fn remove_table_if_empty(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    if super::storage::find_table(c, spec).await?.is_some() {
        let items = c
            .dynamodb
            .scan()
            .table_name(&spec.table)
            .limit(1)
            .send()
            .await
            .map_err(call_error("Scan", &spec.table))?;
        if items.count() > 0 {
            rec.change(
                Action::Keep,
                format!("dynamodb-table {}", spec.table),
                "holds run records and the findings ledger: kept (delete it yourself)",
                async { Ok(()) },
            )
            .await?;
        } else {
            rec.change(
                Action::Delete,
                format!("dynamodb-table {}", spec.table),
                "empty",
                async {
                    c.dynamodb
                        .delete_table()
                        .table_name(&spec.table)
                        .send()
                        .await
                        .map_err(call_error("DeleteTable", &spec.table))?;
                    Ok(())
                },
            )
            .await?;
        }
    }
    Ok(())
}

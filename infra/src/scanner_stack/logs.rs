//! The function's log group, created ahead of the function with a retention period (Lambda
//! would create it on first use and keep its logs for ever).

use super::{Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Recorder};

/// The log group and what it holds (`storedBytes`), if it exists: (retention days, bytes).
pub(super) async fn find_log_group(
    c: &Clients,
    spec: &ScannerSpec,
) -> Result<Option<(Option<i32>, i64)>, InfraError> {
    let name = spec.log_group();
    let found = c
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&name)
        .send()
        .await
        .map_err(call_error("DescribeLogGroups", &name))?;
    Ok(found
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name.as_str()))
        .map(|g| (g.retention_in_days(), g.stored_bytes().unwrap_or(0))))
}

/// The log group with its retention.
pub(super) async fn log_group(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let name = spec.log_group();
    let days = spec.log_retention_days;
    let current = find_log_group(c, spec).await?;
    if current.is_none() {
        rec.change(
            Action::Create,
            format!("log-group {name}"),
            format!("kept {days} days"),
            async {
                c.logs
                    .create_log_group()
                    .log_group_name(&name)
                    .tags("ManagedBy", "driftscan")
                    .send()
                    .await
                    .map_err(call_error("CreateLogGroup", &name))?;
                Ok(())
            },
        )
        .await?;
    }
    if current.and_then(|(retention, _)| retention) != Some(days) {
        rec.change(
            Action::Update,
            format!("log-group {name}"),
            format!("retention {days} days"),
            async {
                c.logs
                    .put_retention_policy()
                    .log_group_name(&name)
                    .retention_in_days(days)
                    .send()
                    .await
                    .map_err(call_error("PutRetentionPolicy", &name))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

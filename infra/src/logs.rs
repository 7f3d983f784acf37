//! The app's log group, `/ecs/trading-app-<env>`, which its task definition writes to: tagged,
//! with the environment's retention. Destroy removes it only when it holds no logs.

use aws_sdk_cloudwatchlogs::types as cw;

use crate::{call_error, Action, Ctx, InfraError, Live};

/// The log group of `env`'s app.
pub(crate) fn group_name(env: &str) -> String {
    format!("/ecs/trading-app-{env}")
}

/// The log group named `name`, if it exists.
async fn find(ctx: &Ctx<'_>, name: &str) -> Result<Option<cw::LogGroup>, InfraError> {
    let found = ctx
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .map_err(call_error("DescribeLogGroups", name))?;
    Ok(found
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .cloned())
}

/// Creates the group (tagged) with its retention, or brings the retention in line.
pub(crate) async fn converge(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let name = group_name(&ctx.spec.name);
    let days = ctx.spec.log_retention_days;
    let current = find(ctx, &name).await?;
    let live = Live::of(current.as_ref(), |group| {
        match group.retention_in_days() == Some(days) {
            true => Vec::new(),
            false => vec![format!(
                "retention {} -> {days} days",
                group
                    .retention_in_days()
                    .map_or("forever".to_string(), |d| format!("{d} days"))
            )],
        }
    });
    let tags = ctx
        .spec
        .tags(&name)
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let create = async {
        ctx.logs
            .create_log_group()
            .log_group_name(&name)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(call_error("CreateLogGroup", &name))?;
        put_retention(ctx, &name, days).await
    };
    let created = (format!("{days} days of retention"), create);
    let update = put_retention(ctx, &name, days);
    ctx.converge(format!("log-group {name}"), live, created, update)
        .await
}

async fn put_retention(ctx: &Ctx<'_>, name: &str, days: i32) -> Result<(), InfraError> {
    ctx.logs
        .put_retention_policy()
        .log_group_name(name)
        .retention_in_days(days)
        .send()
        .await
        .map_err(call_error("PutRetentionPolicy", name))?;
    Ok(())
}

/// Deletes the group when it holds no logs; keeps it, and says so, when it does.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let name = group_name(&ctx.spec.name);
    let Some(group) = find(ctx, &name).await? else {
        return Ok(());
    };
    let resource = format!("log-group {name}");
    let stored = group.stored_bytes().unwrap_or(0);
    if stored > 0 {
        let why = format!("holds {stored} bytes of logs: kept until its retention ends");
        ctx.change(Action::Keep, resource, why, async { Ok(()) })
            .await?;
        return Ok(());
    }
    let delete = async {
        ctx.logs
            .delete_log_group()
            .log_group_name(&name)
            .send()
            .await
            .map_err(call_error("DeleteLogGroup", &name))?;
        Ok(())
    };
    ctx.change(Action::Delete, resource, "empty", delete)
        .await?;
    Ok(())
}

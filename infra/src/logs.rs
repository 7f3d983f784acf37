//! The app's log group, `/ecs/trading-app-<env>`, which its task definition writes to: tagged,
//! with the environment's retention. Destroy removes it only when it holds no logs.

use aws_sdk_cloudwatchlogs::types as cw;

use crate::{call_error, Action, Ctx, InfraError, Live, Provisioned};

/// The log group of `env`'s app.
pub(crate) fn group_name(env: &str) -> String {
    format!("/ecs/trading-app-{env}")
}

/// The log group named `name`, if it exists.
pub(crate) async fn find(ctx: &Ctx<'_>, name: &str) -> Result<Option<cw::LogGroup>, InfraError> {
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

/// Creates the group (tagged, encrypted with the environment's key where its spec says so) with
/// its retention, or brings the retention and key in line.
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &Provisioned) -> Result<(), InfraError> {
    let name = group_name(&ctx.spec.name);
    let days = ctx.spec.log_retention_days;
    let key = (ctx.spec.logs_encrypted && !out.kms_key.is_empty()).then_some(out.kms_key.as_str());
    let current = find(ctx, &name).await?;
    let live = Live::of(current.as_ref(), |group| differences(group, days, key));
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
            .set_kms_key_id(key.map(str::to_string))
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(call_error("CreateLogGroup", &name))?;
        put_retention(ctx, &name, days).await
    };
    let detail = match key {
        Some(key) => format!("{days} days of retention, encrypted with {key}"),
        None => format!("{days} days of retention"),
    };
    let update = async {
        put_retention(ctx, &name, days).await?;
        match key {
            Some(key) => associate_key(ctx, &name, key).await,
            None => Ok(()),
        }
    };
    ctx.converge(format!("log-group {name}"), live, (detail, create), update)
        .await
}

/// How a live group differs from its retention and key.
fn differences(group: &cw::LogGroup, days: i32, key: Option<&str>) -> Vec<String> {
    let mut differences = Vec::new();
    if group.retention_in_days() != Some(days) {
        let was = group
            .retention_in_days()
            .map_or("forever".to_string(), |d| format!("{d} days"));
        differences.push(format!("retention {was} -> {days} days"));
    }
    if let Some(key) = key.filter(|k| group.kms_key_id() != Some(*k)) {
        differences.push(format!("encrypt with {key}"));
    }
    differences
}

async fn associate_key(ctx: &Ctx<'_>, name: &str, key: &str) -> Result<(), InfraError> {
    ctx.logs
        .associate_kms_key()
        .log_group_name(name)
        .kms_key_id(key)
        .send()
        .await
        .map_err(call_error("AssociateKmsKey", name))?;
    Ok(())
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

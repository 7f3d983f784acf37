//! The environment's secrets in Secrets Manager: made from values this crate never prints,
//! and on destroy only ever scheduled for deletion with AWS's recovery window.
//! `GetSecretValue` is never called.

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types as sm;

use crate::{call_error, Ctx, InfraError};

/// Days a deleted secret can be restored in (AWS's default and maximum: 30,
/// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html).
pub(crate) const RECOVERY_WINDOW_DAYS: i64 = 30;

/// The secret's metadata (`deleted_date` set: scheduled for deletion), if it exists.
pub(crate) async fn find_secret(
    ctx: &Ctx<'_>,
    name: &str,
) -> Result<Option<DescribeSecretOutput>, InfraError> {
    match ctx.secrets.describe_secret().secret_id(name).send().await {
        Ok(found) => Ok(Some(found)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeSecret", name)(e)),
    }
}

/// Creates the secret, tagged for the environment, holding `value`.
pub(crate) async fn create_secret(
    ctx: &Ctx<'_>,
    name: &str,
    description: &str,
    value: &str,
) -> Result<(), InfraError> {
    let tags = ctx
        .spec
        .tags(name)
        .into_iter()
        .map(|(k, v)| sm::Tag::builder().key(k).value(v).build())
        .collect();
    ctx.secrets
        .create_secret()
        .name(name)
        .description(description)
        .secret_string(value)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(call_error("CreateSecret", name))?;
    Ok(())
}

/// Stores `value` as the secret's new current version.
pub(crate) async fn put_secret_value(
    ctx: &Ctx<'_>,
    name: &str,
    value: &str,
) -> Result<(), InfraError> {
    ctx.secrets
        .put_secret_value()
        .secret_id(name)
        .secret_string(value)
        .send()
        .await
        .map_err(call_error("PutSecretValue", name))?;
    Ok(())
}

/// Cancels the secret's scheduled deletion.
pub(crate) async fn restore_secret(ctx: &Ctx<'_>, name: &str) -> Result<(), InfraError> {
    ctx.secrets
        .restore_secret()
        .secret_id(name)
        .send()
        .await
        .map_err(call_error("RestoreSecret", name))?;
    Ok(())
}

/// Schedules the secret's deletion after [`RECOVERY_WINDOW_DAYS`]; never without recovery.
pub(crate) async fn schedule_deletion(ctx: &Ctx<'_>, name: &str) -> Result<(), InfraError> {
    ctx.secrets
        .delete_secret()
        .secret_id(name)
        .recovery_window_in_days(RECOVERY_WINDOW_DAYS)
        .send()
        .await
        .map_err(call_error("DeleteSecret", name))?;
    Ok(())
}

//! The environment's secrets in Secrets Manager: made from values this crate never prints,
//! and on destroy only ever scheduled for deletion with AWS's recovery window.
//! `GetSecretValue` is never called.

use aws_sdk_secretsmanager::operation::describe_secret::DescribeSecretOutput;
use aws_sdk_secretsmanager::types as sm;

use crate::{call_error, Action, Ctx, InfraError};

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

/// A secret to create: its name, description and the KMS key its values are encrypted with.
pub(crate) struct NewSecret<'a> {
    pub(crate) name: &'a str,
    pub(crate) description: &'a str,
    pub(crate) kms_key: &'a str,
}

/// Creates the secret, tagged for the environment, holding `value`.
pub(crate) async fn create_secret(
    ctx: &Ctx<'_>,
    secret: NewSecret<'_>,
    value: &str,
) -> Result<(), InfraError> {
    let NewSecret {
        name,
        description,
        kms_key,
    } = secret;
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
        .kms_key_id(kms_key)
        .secret_string(value)
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(call_error("CreateSecret", name))?;
    Ok(())
}

/// Encrypts the secret's next versions with `kms_key` (the versions it holds keep theirs:
/// <https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecret.html>).
pub(crate) async fn encrypt_with(
    ctx: &Ctx<'_>,
    name: &str,
    kms_key: &str,
) -> Result<(), InfraError> {
    ctx.secrets
        .update_secret()
        .secret_id(name)
        .kms_key_id(kms_key)
        .send()
        .await
        .map_err(call_error("UpdateSecret", name))?;
    Ok(())
}

/// Tags a secret another service made (the master password RDS manages) for the environment,
/// under `name`, adding the tags it lacks (AWS's own `aws:` tags stay). A secret still to be
/// made (`None`: its cluster is planned) is listed with every tag.
pub(crate) async fn converge_tags(
    ctx: &Ctx<'_>,
    secret: Option<&str>,
    name: &str,
) -> Result<(), InfraError> {
    let found = match secret {
        Some(id) => find_secret(ctx, id).await?,
        None => None,
    };
    let present = found.as_ref().map(|f| f.tags()).unwrap_or_default();
    let missing: Vec<sm::Tag> = ctx
        .spec
        .tags(name)
        .into_iter()
        .filter(|(k, v)| {
            !present
                .iter()
                .any(|t| t.key() == Some(*k) && t.value() == Some(v.as_str()))
        })
        .map(|(k, v)| sm::Tag::builder().key(k).value(v).build())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = missing.iter().filter_map(|t| t.key()).collect();
    let detail = format!("tags {}", keys.join(", "));
    let id = secret.unwrap_or(name).to_string();
    let call = async {
        ctx.secrets
            .tag_resource()
            .secret_id(&id)
            .set_tags(Some(missing.clone()))
            .send()
            .await
            .map_err(call_error("TagResource", name))?;
        Ok(())
    };
    ctx.change(Action::Update, format!("secret {name}"), detail, call)
        .await?;
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

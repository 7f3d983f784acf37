//! The environment's customer-managed KMS key, `alias/trading-<env>`: its data bucket, database,
//! cache, secrets and (where the environment says so) its log group are encrypted with it, and
//! its key material rotates.
//! Destroy only ever schedules its deletion, with the longest waiting period KMS allows.

use aws_sdk_kms::types as kms;
use serde_json::{json, Value};

use crate::{call_error, Action, Ctx, InfraError, Live};

/// The key's alias for `env`.
pub(crate) fn alias_name(env: &str) -> String {
    format!("alias/trading-{env}")
}

/// The waiting period destroy schedules a key's deletion with: the longest KMS allows, during
/// which `CancelKeyDeletion` restores it
/// (<https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html>).
pub(crate) const DELETION_WINDOW_DAYS: i32 = 30;

/// The key `alias` names, if any.
async fn find(ctx: &Ctx<'_>, alias: &str) -> Result<Option<kms::KeyMetadata>, InfraError> {
    match ctx.kms.describe_key().key_id(alias).send().await {
        Ok(found) => Ok(found.key_metadata),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeKey", alias)(e)),
    }
}

/// The key policy: the account administers the key through IAM, and CloudWatch Logs may use it
/// for the app's log group only (as
/// <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html> requires).
pub(crate) fn key_policy(account: &str, region: &str, env: &str) -> Value {
    let group = crate::logs::group_name(env);
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersThroughIam", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
                "Action": "kms:*", "Resource": "*"
            },
            {
                "Sid": "AppLogGroupOnly", "Effect": "Allow",
                "Principal": {"Service": format!("logs.{region}.amazonaws.com")},
                "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                "Resource": "*",
                "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
                    format!("arn:aws:logs:{region}:{account}:log-group:{group}")}}
            }
        ]
    })
}

/// How a live key differs from a usable, rotating one.
fn differences(key: &kms::KeyMetadata, rotates: bool) -> Vec<String> {
    let mut differences = Vec::new();
    match key.key_state() {
        Some(kms::KeyState::PendingDeletion) => {
            differences.push("cancel its scheduled deletion, enable it".to_string())
        }
        Some(kms::KeyState::Enabled) => {}
        state => differences.push(format!(
            "enable it (was {})",
            state.map_or("unknown", |s| s.as_str())
        )),
    }
    if !rotates {
        differences.push("rotation on".to_string());
    }
    differences
}

/// Creates the key (tagged, with its policy and alias, rotating), or makes it usable and
/// rotating again. Answers its ARN (a placeholder in a plan that would create it).
pub(crate) async fn converge(ctx: &Ctx<'_>) -> Result<String, InfraError> {
    let alias = alias_name(&ctx.spec.name);
    let current = find(ctx, &alias).await?;
    let rotates = match &current {
        Some(key) => rotation_enabled(ctx, key.key_id()).await?,
        None => false,
    };
    let live = Live::of(current.as_ref(), |key| differences(key, rotates));
    let created = (
        "symmetric, rotating yearly".to_string(),
        create(ctx, &alias),
    );
    let key_id = current.as_ref().map(|k| k.key_id().to_string());
    let update = repair(ctx, current.as_ref(), key_id.as_deref().unwrap_or_default());
    ctx.converge(format!("kms-key {alias}"), live, created, update)
        .await?;
    // A key that existed keeps its ARN; only one just created (or, in a plan, to be) is looked
    // up again.
    if let Some(arn) = current.as_ref().and_then(|k| k.arn()) {
        return Ok(arn.to_string());
    }
    Ok(match find(ctx, &alias).await? {
        Some(key) => key.arn().unwrap_or_default().to_string(),
        None => crate::planned_id(&alias),
    })
}

async fn rotation_enabled(ctx: &Ctx<'_>, key_id: &str) -> Result<bool, InfraError> {
    Ok(ctx
        .kms
        .get_key_rotation_status()
        .key_id(key_id)
        .send()
        .await
        .map_err(call_error("GetKeyRotationStatus", key_id))?
        .key_rotation_enabled())
}

async fn create(ctx: &Ctx<'_>, alias: &str) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let tags = spec
        .tags(alias)
        .into_iter()
        .map(|(k, v)| kms::Tag::builder().tag_key(k).tag_value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| InfraError::Refused(e.to_string()))?;
    let policy = key_policy(&ctx.account, &spec.region, &spec.name);
    let created = ctx
        .kms
        .create_key()
        .description(format!("trading-{}: data, secrets and logs", spec.name))
        .key_spec(kms::KeySpec::SymmetricDefault)
        .key_usage(kms::KeyUsageType::EncryptDecrypt)
        .policy(policy.to_string())
        .set_tags(Some(tags))
        .send()
        .await
        .map_err(call_error("CreateKey", alias))?;
    let key_id = created
        .key_metadata()
        .map(|k| k.key_id().to_string())
        .unwrap_or_default();
    ctx.kms
        .create_alias()
        .alias_name(alias)
        .target_key_id(&key_id)
        .send()
        .await
        .map_err(call_error("CreateAlias", alias))?;
    enable_rotation(ctx, &key_id).await
}

async fn enable_rotation(ctx: &Ctx<'_>, key_id: &str) -> Result<(), InfraError> {
    ctx.kms
        .enable_key_rotation()
        .key_id(key_id)
        .send()
        .await
        .map_err(call_error("EnableKeyRotation", key_id))?;
    Ok(())
}

/// Cancels a scheduled deletion, enables the key, turns rotation on.
async fn repair(
    ctx: &Ctx<'_>,
    current: Option<&kms::KeyMetadata>,
    key_id: &str,
) -> Result<(), InfraError> {
    let state = current.and_then(|k| k.key_state());
    if state == Some(&kms::KeyState::PendingDeletion) {
        ctx.kms
            .cancel_key_deletion()
            .key_id(key_id)
            .send()
            .await
            .map_err(call_error("CancelKeyDeletion", key_id))?;
    }
    if state != Some(&kms::KeyState::Enabled) {
        ctx.kms
            .enable_key()
            .key_id(key_id)
            .send()
            .await
            .map_err(call_error("EnableKey", key_id))?;
    }
    enable_rotation(ctx, key_id).await
}

/// Schedules the key's deletion after [`DELETION_WINDOW_DAYS`], never sooner, unless this
/// destroy kept the data bucket or the log group (it keeps either while it holds data): then
/// the key that decrypts them is kept too. Its alias is removed, so the key is found by its
/// id only while it can still be restored; a key already scheduled keeps its date.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let alias = alias_name(&ctx.spec.name);
    let Some(key) = find(ctx, &alias).await? else {
        return Ok(());
    };
    let kept = kept_data(ctx);
    if !kept.is_empty() {
        let why = format!("{} still encrypted with it", kept.join(" and "));
        ctx.change(Action::Keep, format!("kms-key {alias}"), why, async {
            Ok(())
        })
        .await?;
        return Ok(());
    }
    let key_id = key.key_id().to_string();
    let detail = format!(
        "deletion of {key_id} scheduled in {DELETION_WINDOW_DAYS} days (CancelKeyDeletion restores it until then); its alias removed"
    );
    // A key already scheduled (by hand) keeps its date.
    let pending = key.key_state() == Some(&kms::KeyState::PendingDeletion);
    let schedule = async {
        if !pending {
            ctx.kms
                .schedule_key_deletion()
                .key_id(&key_id)
                .pending_window_in_days(DELETION_WINDOW_DAYS)
                .send()
                .await
                .map_err(call_error("ScheduleKeyDeletion", &key_id))?;
        }
        // The name goes with the environment, so a new one gets a new key.
        ctx.kms
            .delete_alias()
            .alias_name(&alias)
            .send()
            .await
            .map_err(call_error("DeleteAlias", &alias))?;
        Ok(())
    };
    ctx.change(Action::Delete, format!("kms-key {alias}"), detail, schedule)
        .await?;
    Ok(())
}

/// What this destroy kept that the key encrypts: the data bucket, the log group (each kept
/// while it holds data).
fn kept_data(ctx: &Ctx<'_>) -> Vec<String> {
    let bucket = crate::edge::bucket_name(&ctx.spec.name, &ctx.account);
    let group = crate::logs::group_name(&ctx.spec.name);
    [format!("s3-bucket {bucket}"), format!("log-group {group}")]
        .into_iter()
        .filter(|resource| ctx.recorder().kept(resource))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_admits_the_account_and_logs_for_the_app_group_only() {
        let policy = key_policy("123456789012", "us-east-1", "prod");
        let statements = scanner::model::parse_policy(&policy.to_string()).expect("a policy");
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].principals,
            ["AWS:arn:aws:iam::123456789012:root"]
        );
        assert_eq!(
            statements[1].principals,
            ["Service:logs.us-east-1.amazonaws.com"]
        );
        let condition = &statements[1].conditions["ArnLike"]["kms:EncryptionContext:aws:logs:arn"];
        assert_eq!(
            condition,
            &["arn:aws:logs:us-east-1:123456789012:log-group:/ecs/trading-app-prod"]
        );
    }

    #[test]
    fn a_key_pending_deletion_is_restored_and_one_not_rotating_rotates() {
        let key = |state| {
            kms::KeyMetadata::builder()
                .key_id("k")
                .key_state(state)
                .build()
                .expect("metadata")
        };
        assert!(differences(&key(kms::KeyState::Enabled), true).is_empty());
        assert_eq!(
            differences(&key(kms::KeyState::PendingDeletion), true),
            ["cancel its scheduled deletion, enable it"]
        );
        assert_eq!(
            differences(&key(kms::KeyState::Disabled), false),
            ["enable it (was Disabled)", "rotation on"]
        );
    }
}

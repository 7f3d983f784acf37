//! The alert topic's customer managed KMS key (`alias/<topic>`): SNS's own `alias/aws/sns`
//! cannot be used, because the CloudWatch alarm that publishes to the topic must be allowed to
//! use the key, and only a customer managed key's policy can say so. Rotation is on.

use serde_json::{json, Value};

use super::{Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Recorder};

/// Days between `destroy --scanner` and the key's deletion (AWS's most; cancellable meanwhile,
/// and `apply --scanner` cancels it).
pub const DELETION_WINDOW_DAYS: i32 = 30;

/// The key policy: the account administers the key (so IAM policies grant its use, as the
/// function's role policy does), and CloudWatch may use it for the stack's alarm only.
pub fn key_policy(spec: &ScannerSpec) -> Value {
    json!({
        "Version": "2012-10-17",
        "Id": spec.alert_key_alias(),
        "Statement": [
            {
                "Sid": "AccountAdministers", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{}:root", spec.account)},
                "Action": "kms:*", "Resource": "*"
            },
            {
                "Sid": "IncompleteScanAlarmEncrypts", "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": "*",
                "Condition": {"ArnLike": {"aws:SourceArn": format!(
                    "arn:aws:cloudwatch:{}:{}:alarm:{}", spec.region, spec.account, spec.alarm()
                )}}
            }
        ]
    })
}

/// The key behind the alias, if there is one: (key id, state).
pub(super) async fn find_key(
    c: &Clients,
    spec: &ScannerSpec,
) -> Result<Option<(String, aws_sdk_kms::types::KeyState)>, InfraError> {
    let alias = spec.alert_key_alias();
    match c.kms.describe_key().key_id(&alias).send().await {
        Ok(found) => Ok(found.key_metadata().map(|m| {
            (
                m.key_id().to_string(),
                m.key_state()
                    .cloned()
                    .unwrap_or(aws_sdk_kms::types::KeyState::Enabled),
            )
        })),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeKey", &alias)(e)),
    }
}

/// The key: created with its policy, alias and rotation; a key whose deletion a destroy
/// scheduled is brought back; its policy and rotation put where they differ.
pub(super) async fn alert_key(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    use aws_sdk_kms::types::{KeyState, Tag};
    let alias = spec.alert_key_alias();
    let policy = key_policy(spec);
    let Some((key_id, state)) = find_key(c, spec).await? else {
        rec.change(
            Action::Create,
            format!("kms-key {alias}"),
            "customer managed, rotation on, for the alert topic",
            async {
                let created = c
                    .kms
                    .create_key()
                    .description("driftscan: encrypts the alert topic")
                    .policy(policy.to_string())
                    .tags(
                        Tag::builder()
                            .tag_key("ManagedBy")
                            .tag_value("driftscan")
                            .build()
                            .map_err(|e| InfraError::Refused(e.to_string()))?,
                    )
                    .send()
                    .await
                    .map_err(call_error("CreateKey", &alias))?;
                let key_id = created
                    .key_metadata()
                    .map(|m| m.key_id().to_string())
                    .unwrap_or_default();
                c.kms
                    .create_alias()
                    .alias_name(&alias)
                    .target_key_id(&key_id)
                    .send()
                    .await
                    .map_err(call_error("CreateAlias", &alias))?;
                c.kms
                    .enable_key_rotation()
                    .key_id(&key_id)
                    .send()
                    .await
                    .map_err(call_error("EnableKeyRotation", &alias))?;
                Ok(())
            },
        )
        .await?;
        return Ok(());
    };
    if state == KeyState::PendingDeletion {
        rec.change(
            Action::Update,
            format!("kms-key {alias}"),
            "deletion cancelled",
            async {
                c.kms
                    .cancel_key_deletion()
                    .key_id(&key_id)
                    .send()
                    .await
                    .map_err(call_error("CancelKeyDeletion", &alias))?;
                c.kms
                    .enable_key()
                    .key_id(&key_id)
                    .send()
                    .await
                    .map_err(call_error("EnableKey", &alias))?;
                Ok(())
            },
        )
        .await?;
    }
    let live: Option<Value> = c
        .kms
        .get_key_policy()
        .key_id(&key_id)
        .policy_name("default")
        .send()
        .await
        .map_err(call_error("GetKeyPolicy", &alias))?
        .policy()
        .and_then(|p| serde_json::from_str(p).ok());
    if live.as_ref() != Some(&policy) {
        rec.change(
            Action::Update,
            format!("kms-key {alias}"),
            "key policy",
            async {
                c.kms
                    .put_key_policy()
                    .key_id(&key_id)
                    .policy_name("default")
                    .policy(policy.to_string())
                    .send()
                    .await
                    .map_err(call_error("PutKeyPolicy", &alias))?;
                Ok(())
            },
        )
        .await?;
    }
    let rotating = c
        .kms
        .get_key_rotation_status()
        .key_id(&key_id)
        .send()
        .await
        .map_err(call_error("GetKeyRotationStatus", &alias))?
        .key_rotation_enabled();
    if !rotating {
        rec.change(
            Action::Update,
            format!("kms-key {alias}"),
            "rotation on",
            async {
                c.kms
                    .enable_key_rotation()
                    .key_id(&key_id)
                    .send()
                    .await
                    .map_err(call_error("EnableKeyRotation", &alias))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

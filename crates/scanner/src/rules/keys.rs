//! Key rules: the customer-managed KMS keys the environment uses rotate, are not about to be
//! deleted, and are not shared outside the account.

use serde_json::json;

use super::grants::Grants;
use super::{of_kind, params, Check, Day, RuleDef, Violation};
use crate::model::{KmsKey, Properties, Resource, Severity, Snapshot};

fn keys(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &KmsKey)> {
    of_kind(snapshot, |p| match p {
        Properties::KmsKey(k) => Some(k),
        _ => None,
    })
}

/// `kms-key-rotation`: keys that can rotate do (AWS Security Hub control KMS.4,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-4>).
pub const KMS_KEY_ROTATION: RuleDef = RuleDef {
    id: "kms-key-rotation",
    severity: Severity::Medium,
    rationale: "Rotation bounds how much data any one version of the key material protects; keys that can rotate should.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(Rotation))
    },
};

struct Rotation;

impl Check for Rotation {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, key) in keys(snapshot) {
            if key.rotation_enabled == Some(false) && key.state != "PendingDeletion" {
                out.push(Violation {
                    resource,
                    path: Some("properties.rotation_enabled".into()),
                    expected: Some(json!(true)),
                    actual: Some(json!(false)),
                    message: format!("{}'s key material does not rotate", resource.name),
                });
            }
        }
    }
}

/// `kms-key-pending-deletion`: no key in use is scheduled for deletion (AWS Security Hub
/// control KMS.3,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/kms-controls.html#kms-3>).
pub const KMS_KEY_PENDING_DELETION: RuleDef = RuleDef {
    id: "kms-key-pending-deletion",
    severity: Severity::Critical,
    rationale: "Once a key is deleted, everything encrypted under it (bucket objects, secrets, database storage, snapshots) can never be decrypted again.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(PendingDeletion))
    },
};

struct PendingDeletion;

impl Check for PendingDeletion {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, key) in keys(snapshot) {
            if key.state.starts_with("Pending") && key.state.ends_with("Deletion") {
                let when = key
                    .deletion_date
                    .as_deref()
                    .unwrap_or("a date KMS did not give");
                out.push(Violation {
                    resource,
                    path: Some("properties.state".into()),
                    expected: Some(json!("Enabled")),
                    actual: Some(json!(key.state)),
                    message: format!("{} is scheduled for deletion on {when}", resource.name),
                });
            }
        }
    }
}

/// `kms-key-policy-no-outside-grant`: no key policy statement allows anyone unconditionally,
/// or a principal of another account.
pub const KMS_KEY_POLICY_NO_OUTSIDE_GRANT: RuleDef = RuleDef {
    id: "kms-key-policy-no-outside-grant",
    severity: Severity::Critical,
    rationale: "Whoever a key policy admits can decrypt everything the key protects, wherever the data is copied.",
    build: |values| Ok(Box::new(OutsideGrant(params::<Grants>(values)?))),
};

struct OutsideGrant(Grants);

impl Check for OutsideGrant {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, key) in keys(snapshot) {
            self.0.check_policy(resource, &key.policy, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_policy, ResourceKind};
    use crate::testing::violation_paths as paths;

    fn key(edit: impl FnOnce(&mut KmsKey)) -> Snapshot {
        let mut properties = KmsKey {
            description: None,
            aliases: vec!["alias/trading-prod".into()],
            state: "Enabled".into(),
            deletion_date: None,
            key_spec: Some("SYMMETRIC_DEFAULT".into()),
            key_usage: Some("ENCRYPT_DECRYPT".into()),
            origin: Some("AWS_KMS".into()),
            multi_region: false,
            rotation_enabled: Some(true),
            rotation_period_days: Some(365),
            policy: parse_policy(
                r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"kms:*","Resource":"*"}}"#,
            )
            .expect("a policy"),
        };
        edit(&mut properties);
        let resource = Resource {
            kind: ResourceKind::KmsKey,
            region: "us-east-1".into(),
            id: "key-1".into(),
            name: "alias/trading-prod".into(),
            logical_name: "alias/trading-{env}".into(),
            arn: Some("arn:aws:kms:us-east-1:123456789012:key/key-1".into()),
            tags: Default::default(),
            properties: Properties::KmsKey(properties),
        };
        crate::testing::snapshot(vec![resource])
    }

    #[test]
    fn rotation_is_required_of_keys_that_can_rotate() {
        assert!(paths(&KMS_KEY_ROTATION, json!({}), &key(|_| {})).is_empty());
        let off = key(|k| k.rotation_enabled = Some(false));
        assert_eq!(
            paths(&KMS_KEY_ROTATION, json!({}), &off),
            ["properties.rotation_enabled"]
        );
        let cannot = key(|k| k.rotation_enabled = None);
        assert!(
            paths(&KMS_KEY_ROTATION, json!({}), &cannot).is_empty(),
            "an asymmetric key"
        );
    }

    #[test]
    fn a_key_scheduled_for_deletion_is_critical_and_not_also_a_rotation_finding() {
        let pending = key(|k| {
            k.state = "PendingDeletion".into();
            k.deletion_date = Some("2026-12-14T00:00:00Z".into());
            k.rotation_enabled = Some(false);
        });
        assert_eq!(
            paths(&KMS_KEY_PENDING_DELETION, json!({}), &pending),
            ["properties.state"]
        );
        assert!(paths(&KMS_KEY_ROTATION, json!({}), &pending).is_empty());
        assert!(paths(&KMS_KEY_PENDING_DELETION, json!({}), &key(|_| {})).is_empty());
        let replica = key(|k| k.state = "PendingReplicaDeletion".into());
        assert_eq!(
            paths(&KMS_KEY_PENDING_DELETION, json!({}), &replica),
            ["properties.state"]
        );
    }

    #[test]
    fn a_key_policy_granting_another_account_breaks_the_policy_rule() {
        assert!(paths(&KMS_KEY_POLICY_NO_OUTSIDE_GRANT, json!({}), &key(|_| {})).is_empty());
        let foreign = key(|k| {
            k.policy.extend(
                parse_policy(r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"kms:Decrypt","Resource":"*"}}"#)
                    .expect("a policy"),
            )
        });
        assert_eq!(
            paths(&KMS_KEY_POLICY_NO_OUTSIDE_GRANT, json!({}), &foreign),
            ["properties.policy"]
        );
        let allowed = json!({"allowed_accounts": ["999999999999"]});
        assert!(paths(&KMS_KEY_POLICY_NO_OUTSIDE_GRANT, allowed, &foreign).is_empty());
    }
}

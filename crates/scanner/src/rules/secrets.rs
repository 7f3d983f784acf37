//! Secret rules: Secrets Manager secrets rotate, and their policies grant nobody outside the
//! account.

use serde::Deserialize;
use serde_json::json;

use super::grants::Grants;
use super::{days_since, of_kind, params, Check, Day, RuleDef, Violation};
use crate::model::{Properties, Resource, SecretsManagerSecret, Severity, Snapshot};

fn secrets(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &SecretsManagerSecret)> {
    of_kind(snapshot, |p| match p {
        Properties::SecretsManagerSecret(s) => Some(s),
        _ => None,
    })
}

/// `secret-rotation`: secrets rotate, and did within `max_days`, where the environment
/// requires it.
pub const SECRET_ROTATION: RuleDef = RuleDef {
    id: "secret-rotation",
    severity: Severity::Medium,
    rationale: "A credential that never changes outlives every person and system that ever saw it; rotation bounds how long a leaked one works.",
    build: |values| Ok(Box::new(params::<Rotation>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rotation {
    #[serde(default)]
    required: bool,
    #[serde(default = "ninety")]
    max_days: i64,
}

fn ninety() -> i64 {
    90
}

impl Check for Rotation {
    fn check<'a>(&self, snapshot: &'a Snapshot, today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.required {
            return;
        }
        for (resource, secret) in secrets(snapshot) {
            if !secret.rotation_enabled {
                out.push(Violation {
                    resource,
                    path: Some("properties.rotation_enabled".into()),
                    expected: Some(json!(true)),
                    actual: Some(json!(false)),
                    message: format!("{} does not rotate", resource.name),
                });
                continue;
            }
            let last = secret.last_rotated.as_ref().or(secret.created.as_ref());
            let age = last.and_then(|when| days_since(when, today));
            if age.is_some_and(|days| days > self.max_days) {
                out.push(Violation {
                    resource,
                    path: Some("properties.last_rotated".into()),
                    expected: Some(json!({"within_days": self.max_days})),
                    actual: Some(json!(last)),
                    message: format!(
                        "{} was last rotated {} days ago (at most {})",
                        resource.name,
                        age.unwrap_or_default(),
                        self.max_days
                    ),
                });
            }
        }
    }
}

/// `secret-policy-no-outside-grant`: no policy statement allows anyone unconditionally, or a
/// principal of another account.
pub const SECRET_POLICY_NO_OUTSIDE_GRANT: RuleDef = RuleDef {
    id: "secret-policy-no-outside-grant",
    severity: Severity::Critical,
    rationale: "A secret's policy is the one place a credential is shared beyond its account; a grant to `*` or to a foreign account hands the credential out.",
    build: |values| Ok(Box::new(OutsideGrant(params::<Grants>(values)?))),
};

struct OutsideGrant(Grants);

impl Check for OutsideGrant {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, secret) in secrets(snapshot) {
            self.0
                .check_policy(resource, secret.policy.as_deref().unwrap_or_default(), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_policy, ResourceKind};
    use crate::testing::violation_paths as paths;

    fn secret(edit: impl FnOnce(&mut SecretsManagerSecret)) -> Snapshot {
        let mut properties = SecretsManagerSecret {
            description: None,
            kms_key_id: None,
            rotation_enabled: true,
            rotation_function: Some("arn:aws:lambda:us-east-1:123456789012:function:rotate".into()),
            rotation_days: Some(30),
            rotation_schedule: None,
            last_rotated: Some("2026-11-20T08:00:00Z".into()),
            last_changed: None,
            created: Some("2025-01-01T00:00:00Z".into()),
            current_version: Some("v-1".into()),
            owning_service: None,
            policy: None,
            replicas: vec![],
        };
        edit(&mut properties);
        let resource = Resource {
            kind: ResourceKind::SecretsManagerSecret,
            region: "us-east-1".into(),
            id: "prod/db-credentials".into(),
            name: "prod/db-credentials".into(),
            logical_name: "{env}/db-credentials".into(),
            arn: Some(
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-credentials-AbCdEf"
                    .into(),
            ),
            tags: Default::default(),
            properties: Properties::SecretsManagerSecret(properties),
        };
        crate::testing::snapshot(vec![resource])
    }

    #[test]
    fn rotation_is_checked_only_where_required_and_by_its_age() {
        let required = json!({"required": true, "max_days": 30});
        assert!(paths(&SECRET_ROTATION, required.clone(), &secret(|_| {})).is_empty());
        let off = secret(|s| s.rotation_enabled = false);
        assert!(
            paths(&SECRET_ROTATION, json!({}), &off).is_empty(),
            "off by default"
        );
        assert_eq!(
            paths(&SECRET_ROTATION, required.clone(), &off),
            ["properties.rotation_enabled"]
        );
        // 2026-10-01 is 67 days before 2026-12-07.
        let stale = secret(|s| s.last_rotated = Some("2026-10-01T00:00:00Z".into()));
        assert_eq!(
            paths(&SECRET_ROTATION, required, &stale),
            ["properties.last_rotated"]
        );
        let generous = json!({"required": true, "max_days": 90});
        assert!(paths(&SECRET_ROTATION, generous, &stale).is_empty());
        let never_rotated = secret(|s| s.last_rotated = None);
        let required = json!({"required": true});
        assert_eq!(
            paths(&SECRET_ROTATION, required, &never_rotated),
            ["properties.last_rotated"],
            "created 2025-01-01"
        );
    }

    #[test]
    fn public_and_foreign_grants_break_the_policy_rule_own_account_ones_do_not() {
        let with =
            |policy: &str| secret(|s| s.policy = Some(parse_policy(policy).expect("a policy")));
        let own = with(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/app"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#,
        );
        assert!(paths(&SECRET_POLICY_NO_OUTSIDE_GRANT, json!({}), &own).is_empty());
        let foreign = with(
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"secretsmanager:GetSecretValue","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"x"}}}}"#,
        );
        assert_eq!(
            paths(&SECRET_POLICY_NO_OUTSIDE_GRANT, json!({}), &foreign),
            ["properties.policy"]
        );
        let allowed = json!({"allowed_accounts": ["999999999999"]});
        assert!(paths(&SECRET_POLICY_NO_OUTSIDE_GRANT, allowed, &foreign).is_empty());
        let public = with(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#,
        );
        assert_eq!(
            paths(&SECRET_POLICY_NO_OUTSIDE_GRANT, json!({}), &public),
            ["properties.policy"]
        );
        let denied =
            with(r#"{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}}"#);
        assert!(paths(&SECRET_POLICY_NO_OUTSIDE_GRANT, json!({}), &denied).is_empty());
    }
}

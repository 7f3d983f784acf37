//! Role rules: the roles the environment uses are not administrators, cannot be assumed by
//! anyone, and cannot hand any role to a service.

use serde_json::json;

use super::{of_kind, params, Check, Day, RuleDef, Violation};
use crate::model::{IamRole, PolicyStatement, Properties, Resource, Severity, Snapshot};

fn roles(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &IamRole)> {
    of_kind(snapshot, |p| match p {
        Properties::IamRole(r) => Some(r),
        _ => None,
    })
}

/// AWS's managed policy granting every action on every resource.
const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// Whether an allowing statement's actions include `action` (`*`, `iam:*`, `iam:Pass*` all
/// cover `iam:PassRole`); a `NotAction` statement allows everything it does not name.
fn allows_action(statement: &PolicyStatement, action: &str) -> bool {
    if statement.effect != "Allow" {
        return false;
    }
    // Every action: only a statement naming `*` itself (a `NotAction` one leaves some out).
    if action == "*" {
        return !statement.not_action && statement.actions.iter().any(|a| a == "*");
    }
    let covers = |pattern: &str| match pattern.strip_suffix('*') {
        Some(prefix) => action
            .to_ascii_lowercase()
            .starts_with(&prefix.to_ascii_lowercase()),
        None => pattern.eq_ignore_ascii_case(action),
    };
    let named = statement.actions.iter().any(|a| covers(a));
    named != statement.not_action
}

fn on_every_resource(statement: &PolicyStatement) -> bool {
    statement.resources.iter().any(|r| r == "*")
}

/// The inline statements of `role` that allow `action` on every resource.
fn inline_grants<'r>(role: &'r IamRole, action: &str) -> Vec<(&'r str, &'r PolicyStatement)> {
    role.inline_policies
        .iter()
        .flat_map(|(name, statements)| statements.iter().map(move |s| (name.as_str(), s)))
        .filter(|(_, s)| allows_action(s, action) && on_every_resource(s))
        .collect()
}

/// `iam-no-admin-wildcard`: no role the environment uses may do everything: no inline
/// `Action: "*"` on `Resource: "*"`, and no `AdministratorAccess` attached (the Security Hub
/// control IAM.1's test, applied to the roles' own policies,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/iam-controls.html#iam-1>).
pub const IAM_NO_ADMIN_WILDCARD: RuleDef = RuleDef {
    id: "iam-no-admin-wildcard",
    severity: Severity::Critical,
    rationale:
        "A task that can do anything turns one compromised container into the whole account.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(AdminWildcard))
    },
};

struct AdminWildcard;

impl Check for AdminWildcard {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, role) in roles(snapshot) {
            for (name, statement) in inline_grants(role, "*") {
                out.push(Violation {
                    resource,
                    path: Some(format!("properties.inline_policies.{name}")),
                    expected: Some(json!("no Action \"*\" on Resource \"*\"")),
                    actual: serde_json::to_value(statement).ok(),
                    message: format!(
                        "{}'s policy {name} allows every action on every resource",
                        resource.name
                    ),
                });
            }
            if role
                .managed_policies
                .iter()
                .any(|p| p == ADMINISTRATOR_ACCESS)
            {
                out.push(Violation {
                    resource,
                    path: Some("properties.managed_policies".into()),
                    expected: Some(json!(format!("not {ADMINISTRATOR_ACCESS}"))),
                    actual: Some(json!(ADMINISTRATOR_ACCESS)),
                    message: format!("{} has AdministratorAccess attached", resource.name),
                });
            }
        }
    }
}

/// `iam-trust-no-wildcard`: no role may be assumed by anyone (`Principal: "*"`) without a
/// condition narrowing who.
pub const IAM_TRUST_NO_WILDCARD: RuleDef = RuleDef {
    id: "iam-trust-no-wildcard",
    severity: Severity::Critical,
    rationale: "A role anyone may assume hands its permissions to every AWS account in the world.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(TrustWildcard))
    },
};

struct TrustWildcard;

impl Check for TrustWildcard {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, role) in roles(snapshot) {
            for statement in role
                .trust_policy
                .iter()
                .filter(|s| s.allows_anyone_unconditionally())
            {
                out.push(Violation {
                    resource,
                    path: Some("properties.trust_policy".into()),
                    expected: Some(json!("no Principal \"*\" without a condition")),
                    actual: serde_json::to_value(statement).ok(),
                    message: format!("{} may be assumed by anyone", resource.name),
                });
            }
        }
    }
}

/// `iam-passrole-wildcard`: no role may pass any role (`iam:PassRole` on `Resource: "*"`),
/// which lets it launch a service with more permissions than its own.
pub const IAM_PASSROLE_WILDCARD: RuleDef = RuleDef {
    id: "iam-passrole-wildcard",
    severity: Severity::High,
    rationale: "Passing any role lets a principal start compute as a more powerful role: privilege escalation in one call.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(PassRoleWildcard))
    },
};

struct PassRoleWildcard;

impl Check for PassRoleWildcard {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, role) in roles(snapshot) {
            for (name, statement) in inline_grants(role, "iam:PassRole") {
                // An administrator statement is that rule's finding already.
                if allows_action(statement, "*") {
                    continue;
                }
                out.push(Violation {
                    resource,
                    path: Some(format!("properties.inline_policies.{name}")),
                    expected: Some(json!("iam:PassRole on named roles only")),
                    actual: serde_json::to_value(statement).ok(),
                    message: format!("{}'s policy {name} may pass any role", resource.name),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{parse_policy, ResourceKind};
    use crate::testing::violation_paths as paths;

    const ECS_TASKS: &str = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}}"#;

    fn role(inline: &[(&str, &str)], managed: &[&str], trust: &str) -> Snapshot {
        let inline_policies: BTreeMap<String, Vec<PolicyStatement>> = inline
            .iter()
            .map(|(name, doc)| (name.to_string(), parse_policy(doc).expect("a policy")))
            .collect();
        let properties = IamRole {
            path: "/".into(),
            description: None,
            trust_policy: parse_policy(trust).expect("a policy"),
            managed_policies: managed.iter().map(|m| m.to_string()).collect(),
            inline_policies,
            permissions_boundary: None,
            max_session_duration: Some(3600),
        };
        let resource = Resource {
            kind: ResourceKind::IamRole,
            region: "global".into(),
            id: "trading-app-task-prod".into(),
            name: "trading-app-task-prod".into(),
            logical_name: "trading-app-task-{env}".into(),
            arn: Some("arn:aws:iam::123456789012:role/trading-app-task-prod".into()),
            tags: Default::default(),
            properties: Properties::IamRole(properties),
        };
        crate::testing::snapshot(vec![resource])
    }

    #[test]
    fn a_role_widened_to_everything_is_critical_and_its_own_reads_are_not() {
        let narrow = r#"{"Statement":{"Effect":"Allow","Action":"ssm:GetParametersByPath","Resource":"arn:aws:ssm:us-east-1:123456789012:parameter/prod/*"}}"#;
        assert!(paths(
            &IAM_NO_ADMIN_WILDCARD,
            json!({}),
            &role(&[("own", narrow)], &[], ECS_TASKS)
        )
        .is_empty());
        let widened = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        let both = role(
            &[("own", narrow), ("by-hand", widened)],
            &[ADMINISTRATOR_ACCESS],
            ECS_TASKS,
        );
        assert_eq!(
            paths(&IAM_NO_ADMIN_WILDCARD, json!({}), &both),
            [
                "properties.inline_policies.by-hand",
                "properties.managed_policies"
            ]
        );
        let not_action = r#"{"Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#;
        assert!(
            paths(
                &IAM_NO_ADMIN_WILDCARD,
                json!({}),
                &role(&[("n", not_action)], &[], ECS_TASKS)
            )
            .is_empty(),
            "everything but IAM is not every action"
        );
        let denied = r#"{"Statement":{"Effect":"Deny","Action":"*","Resource":"*"}}"#;
        assert!(paths(
            &IAM_NO_ADMIN_WILDCARD,
            json!({}),
            &role(&[("d", denied)], &[], ECS_TASKS)
        )
        .is_empty());
    }

    #[test]
    fn a_trust_to_anyone_without_a_condition_breaks_the_trust_rule() {
        assert!(paths(
            &IAM_TRUST_NO_WILDCARD,
            json!({}),
            &role(&[], &[], ECS_TASKS)
        )
        .is_empty());
        let anyone =
            r#"{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}}"#;
        assert_eq!(
            paths(&IAM_TRUST_NO_WILDCARD, json!({}), &role(&[], &[], anyone)),
            ["properties.trust_policy"]
        );
        let narrowed = r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}}"#;
        assert!(paths(&IAM_TRUST_NO_WILDCARD, json!({}), &role(&[], &[], narrowed)).is_empty());
    }

    #[test]
    fn passing_any_role_is_flagged_passing_named_roles_is_not() {
        let any = r#"{"Statement":{"Effect":"Allow","Action":["iam:Pass*","ecs:RunTask"],"Resource":"*"}}"#;
        assert_eq!(
            paths(
                &IAM_PASSROLE_WILDCARD,
                json!({}),
                &role(&[("deploy", any)], &[], ECS_TASKS)
            ),
            ["properties.inline_policies.deploy"]
        );
        let named = r#"{"Statement":{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/trading-app-task-prod"}}"#;
        assert!(paths(
            &IAM_PASSROLE_WILDCARD,
            json!({}),
            &role(&[("deploy", named)], &[], ECS_TASKS)
        )
        .is_empty());
        let admin = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        assert!(
            paths(
                &IAM_PASSROLE_WILDCARD,
                json!({}),
                &role(&[("all", admin)], &[], ECS_TASKS)
            )
            .is_empty(),
            "the administrator rule's finding already"
        );
    }
}

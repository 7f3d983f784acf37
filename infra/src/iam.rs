//! IAM convergence both stacks share: a role created with its trust policy (or the trust
//! policy updated), and its inline policy put when it differs.

use serde_json::Value;

use crate::{call_error, Action, InfraError, Recorder};

/// A role, as it should be.
pub(crate) struct Role<'a> {
    /// Its name.
    pub name: &'a str,
    /// Who may assume it.
    pub trust: &'a Value,
    /// IAM's description of it (at creation).
    pub description: &'a str,
    /// How the change is named, and what it says of who may assume it.
    pub label: String,
    pub who: String,
    /// Tags it carries (set at creation, added when missing).
    pub tags: Vec<(String, String)>,
}

/// Creates the role, or updates its trust policy when it differs. Answers whether it existed.
pub(crate) async fn converge_role(
    iam: &aws_sdk_iam::Client,
    rec: &Recorder,
    role: Role<'_>,
) -> Result<bool, InfraError> {
    let found = match iam.get_role().role_name(role.name).send().await {
        Ok(found) => found.role,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            None
        }
        Err(e) => return Err(call_error("GetRole", role.name)(e)),
    };
    let Some(existing) = found else {
        rec.change(Action::Create, role.label, role.who, async {
            iam.create_role()
                .role_name(role.name)
                .assume_role_policy_document(role.trust.to_string())
                .description(role.description)
                .set_tags(Some(tags(&role.tags)?))
                .send()
                .await
                .map_err(call_error("CreateRole", role.name))?;
            Ok(())
        })
        .await?;
        return Ok(false);
    };
    let current = existing
        .assume_role_policy_document()
        .and_then(parse_document);
    if current.as_ref() != Some(role.trust) {
        rec.change(
            Action::Update,
            role.label.clone(),
            format!("trust: {}", role.who),
            async {
                iam.update_assume_role_policy()
                    .role_name(role.name)
                    .policy_document(role.trust.to_string())
                    .send()
                    .await
                    .map_err(call_error("UpdateAssumeRolePolicy", role.name))?;
                Ok(())
            },
        )
        .await?;
    }
    let missing: Vec<(String, String)> = role
        .tags
        .iter()
        .filter(|(k, v)| {
            !existing
                .tags()
                .iter()
                .any(|t| t.key() == k && t.value() == v)
        })
        .cloned()
        .collect();
    if !missing.is_empty() {
        let keys: Vec<&str> = missing.iter().map(|(k, _)| k.as_str()).collect();
        let detail = format!("tags {}", keys.join(", "));
        rec.change(Action::Update, role.label, detail, async {
            iam.tag_role()
                .role_name(role.name)
                .set_tags(Some(tags(&missing)?))
                .send()
                .await
                .map_err(call_error("TagRole", role.name))?;
            Ok(())
        })
        .await?;
    }
    Ok(true)
}

fn tags(pairs: &[(String, String)]) -> Result<Vec<aws_sdk_iam::types::Tag>, InfraError> {
    pairs
        .iter()
        .map(|(k, v)| aws_sdk_iam::types::Tag::builder().key(k).value(v).build())
        .collect::<Result<_, _>>()
        .map_err(|e| InfraError::Refused(e.to_string()))
}

/// A policy document as IAM returns it (URL-encoded JSON), parsed.
pub(crate) fn parse_document(text: &str) -> Option<Value> {
    let decoded = urlencoding::decode(text).ok()?;
    serde_json::from_str(&decoded).ok()
}

/// One role's inline policy, as it should be.
pub(crate) struct InlinePolicy<'a> {
    /// The role.
    pub role: &'a str,
    /// Whether the role exists already (when it is being created there is nothing to read).
    pub role_exists: bool,
    /// The policy's name.
    pub name: &'a str,
    /// The document wanted.
    pub document: &'a Value,
    /// How the change is named, and what it says.
    pub label: String,
    pub detail: &'a str,
}

/// Puts the policy unless it is there already.
pub(crate) async fn converge_inline_policy(
    iam: &aws_sdk_iam::Client,
    rec: &Recorder,
    policy: InlinePolicy<'_>,
) -> Result<(), InfraError> {
    let InlinePolicy {
        role,
        role_exists,
        name,
        document: wanted,
        label,
        detail,
    } = policy;
    let current = if role_exists {
        match iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
        {
            Ok(found) => parse_document(&found.policy_document),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                None
            }
            Err(e) => return Err(call_error("GetRolePolicy", role)(e)),
        }
    } else {
        None
    };
    if current.as_ref() == Some(wanted) {
        return Ok(());
    }
    let action = if current.is_some() {
        Action::Update
    } else {
        Action::Create
    };
    rec.change(action, label, detail, async {
        iam.put_role_policy()
            .role_name(role)
            .policy_name(name)
            .policy_document(wanted.to_string())
            .send()
            .await
            .map_err(call_error("PutRolePolicy", role))?;
        Ok(())
    })
    .await?;
    Ok(())
}

/// What least-privilege tests of a policy document share.
#[cfg(test)]
pub(crate) mod policy_checks {
    use serde_json::Value;

    /// Every action the document grants with its resource, checking that each statement
    /// allows (no deny tricks) and that no action is a wildcard.
    pub(crate) fn granted(policy: &Value) -> Vec<(String, Value)> {
        let mut granted = Vec::new();
        for statement in policy["Statement"].as_array().expect("statements") {
            assert_eq!(statement["Effect"], "Allow");
            for action in statement["Action"].as_array().expect("an action list") {
                let action = action.as_str().expect("an action");
                assert!(!action.contains('*'), "no wildcard actions: {action}");
                granted.push((action.to_string(), statement["Resource"].clone()));
            }
        }
        granted
    }

    /// Whether `action` is one of the reads the services declare (never merely any `Get*` of
    /// a scanned service: `secretsmanager:GetSecretValue` would pass such a test), or the one
    /// read attribution adds (`cloudtrail:LookupEvents`).
    pub(crate) fn is_collector_read(action: &str) -> bool {
        scanner::services::read_actions().contains(action)
            || action == scanner::services::ATTRIBUTION_ACTION
    }
}

//! What the "no grant outside the account" rules share (secret and key policies): a policy
//! statement may allow the resource's own account, and the accounts the rule allows, but
//! neither anyone unconditionally nor another account.

use serde::Deserialize;
use serde_json::json;

use super::Violation;
use crate::model::{PolicyStatement, Resource};

/// The rule's parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Grants {
    /// Other accounts that may be granted access (a shared-services account).
    #[serde(default)]
    allowed_accounts: Vec<String>,
}

/// The account of an `AWS:` principal (`AWS:123456789012`, `AWS:arn:aws:iam::123456789012:...`).
fn principal_account(principal: &str) -> Option<&str> {
    let aws = principal.strip_prefix("AWS:")?;
    let account = match aws.strip_prefix("arn:") {
        Some(arn) => arn.split(':').nth(3)?,
        None => aws,
    };
    (account.len() == 12 && account.chars().all(|c| c.is_ascii_digit())).then_some(account)
}

impl Grants {
    /// Adds a violation for each statement of `resource`'s `policy` that grants anyone or
    /// another account.
    pub(super) fn check_policy<'a>(
        &self,
        resource: &'a Resource,
        policy: &[PolicyStatement],
        out: &mut Vec<Violation<'a>>,
    ) {
        let own = resource.arn.as_deref().and_then(|a| a.split(':').nth(4));
        for statement in policy {
            let outside: Vec<&str> = statement
                .principals
                .iter()
                .filter_map(|p| principal_account(p))
                .filter(|a| Some(*a) != own && !self.allowed_accounts.iter().any(|x| x == a))
                .collect();
            let public = statement.allows_anyone_unconditionally();
            let foreign =
                statement.effect == "Allow" && !statement.not_principal && !outside.is_empty();
            if public || foreign {
                let who = if public {
                    "anyone".to_string()
                } else {
                    outside.join(", ")
                };
                out.push(Violation {
                    resource,
                    path: Some("properties.policy".into()),
                    expected: Some(json!("no grant to anyone or to another account")),
                    actual: serde_json::to_value(statement).ok(),
                    message: format!("{}'s policy grants {who}", resource.name),
                });
            }
        }
    }
}

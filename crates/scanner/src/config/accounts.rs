//! Where environments live: the AWS accounts of `driftscan.yaml` (listed, or discovered from an
//! AWS Organization), the read-only role assumed in each, and the environments and regions each
//! holds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ConfigError;
use crate::naming::validate_environment_name;

/// The account tag that lists the environments living in a discovered account, when the
/// organization settings name none.
pub const DEFAULT_ENVIRONMENTS_TAG: &str = "driftscan:environments";
/// The account tag that lists a discovered account's regions, when the settings name none.
pub const DEFAULT_REGIONS_TAG: &str = "driftscan:regions";
/// The session name every assumed role is given (CloudTrail shows who called).
pub const SESSION_NAME: &str = "driftscan";

/// One AWS account and the environments in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountSettings {
    /// The 12-digit account id.
    pub id: String,
    /// The read-only role to assume there: its name (`driftscan-readonly`) or its ARN.
    pub role: String,
    /// The external ID the role's trust policy asks for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The environments that live in this account.
    pub environments: Vec<String>,
    /// Regions to scan there, unless an environment names its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<Vec<String>>,
    /// The account's name, when known (discovery fills it in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl AccountSettings {
    /// The role's ARN: as given, or built from the name in the `aws` partition.
    pub fn role_arn(&self) -> String {
        if self.role.starts_with("arn:") {
            self.role.clone()
        } else {
            format!("arn:aws:iam::{}:role/{}", self.id, self.role)
        }
    }

    /// Checks the id, the role and the environment names; `at` says where (`accounts[2]`).
    pub fn validate(&self, at: &str) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid(format!("{at}: {message}"));
        if self.id.len() != 12 || !self.id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(format!(
                "id `{}` is not a 12-digit AWS account id",
                self.id
            )));
        }
        if self.role.starts_with("arn:") {
            let fields: Vec<&str> = self.role.splitn(6, ':').collect();
            let in_account = matches!(fields.as_slice(),
                [_, _, "iam", "", account, resource] if *account == self.id && resource.starts_with("role/"));
            if !in_account {
                return Err(invalid(format!(
                    "role `{}` is not an IAM role ARN in account {}",
                    self.role, self.id
                )));
            }
        } else if !valid_role_name(&self.role) {
            return Err(invalid(format!(
                "role `{}` is not an IAM role name (1-64 letters, digits and +=,.@_-) or a role ARN",
                self.role
            )));
        }
        if self
            .external_id
            .as_deref()
            .is_some_and(|e| e.len() < 2 || e.len() > 1224)
        {
            return Err(invalid("external_id must have 2 to 1224 characters".into()));
        }
        for env in &self.environments {
            validate_environment_name(env).map_err(|e| invalid(e.to_string()))?;
        }
        for region in self.regions.iter().flatten() {
            super::validate_region(region).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(())
    }
}

/// IAM's rule for role names.
fn valid_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
}

/// Finding the accounts through AWS Organizations (`organizations:ListAccounts`), with one role
/// name assumed in every member account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSettings {
    /// The read-only role's name in every member account.
    pub role: String,
    /// The external ID the role's trust policy asks for, if any.
    pub external_id: Option<String>,
    /// Only accounts under these organizational units (`ou-...`, nested ones included); none:
    /// every account of the organization.
    #[serde(default)]
    pub organizational_units: Vec<String>,
    /// Only accounts that carry all of these tags.
    #[serde(default)]
    pub account_tags: BTreeMap<String, String>,
    /// The account tag naming the environments in it, separated by spaces (tag values cannot
    /// hold commas): `dev pr-7`. Default `driftscan:environments`; an account without it is
    /// skipped.
    pub environments_tag: Option<String>,
    /// The account tag naming its regions (`us-east-1 eu-west-1`). Default `driftscan:regions`;
    /// without it, `regions` below, then the config's `defaults`.
    pub regions_tag: Option<String>,
    /// Regions for accounts whose tags name none.
    pub regions: Option<Vec<String>>,
}

/// What AWS Organizations says about one member account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberAccount {
    /// The account id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its tags.
    pub tags: BTreeMap<String, String>,
}

impl OrganizationSettings {
    /// Checks the role name and the regions.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !valid_role_name(&self.role) {
            return Err(ConfigError::Invalid(format!(
                "organization.role: `{}` is not an IAM role name (the same name is assumed in every member account)",
                self.role
            )));
        }
        for region in self.regions.iter().flatten() {
            super::validate_region(region)
                .map_err(|e| ConfigError::Invalid(format!("organization.regions: {e}")))?;
        }
        Ok(())
    }

    /// The accounts to scan among `members`: those carrying every `account_tags` tag and the
    /// environments tag, with their environments and regions from their tags, ordered by
    /// account name. Also answers the members left out, with why.
    pub fn select(
        &self,
        members: &[MemberAccount],
    ) -> (Vec<AccountSettings>, Vec<(String, String)>) {
        let environments_tag = self
            .environments_tag
            .as_deref()
            .unwrap_or(DEFAULT_ENVIRONMENTS_TAG);
        let regions_tag = self.regions_tag.as_deref().unwrap_or(DEFAULT_REGIONS_TAG);
        let words = |text: &str| -> Vec<String> {
            text.split(|c: char| c.is_whitespace() || c == '/' || c == ':')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect()
        };
        let mut selected = Vec::new();
        let mut skipped = Vec::new();
        for member in members {
            if let Some((key, value)) = self
                .account_tags
                .iter()
                .find(|(k, v)| member.tags.get(*k) != Some(*v))
            {
                skipped.push((member.id.clone(), format!("no tag {key}={value}")));
                continue;
            }
            let Some(environments) = member.tags.get(environments_tag).map(|t| words(t)) else {
                skipped.push((member.id.clone(), format!("no {environments_tag} tag")));
                continue;
            };
            let regions = member
                .tags
                .get(regions_tag)
                .map(|t| words(t))
                .or_else(|| self.regions.clone());
            selected.push(AccountSettings {
                id: member.id.clone(),
                role: self.role.clone(),
                external_id: self.external_id.clone(),
                environments,
                regions,
                name: Some(member.name.clone()),
            });
        }
        // In the order of their names: runs list environments the same way every time.
        selected.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        (selected, skipped)
    }
}

/// Checks `accounts` together: each valid, no account twice, no environment in two accounts.
pub fn validate_accounts(accounts: &[AccountSettings]) -> Result<(), ConfigError> {
    let mut home: BTreeMap<&str, &str> = BTreeMap::new();
    for (i, account) in accounts.iter().enumerate() {
        account.validate(&format!("accounts[{i}] ({})", account.id))?;
        if accounts[..i].iter().any(|a| a.id == account.id) {
            return Err(ConfigError::Invalid(format!(
                "accounts[{i}]: account {} is listed twice",
                account.id
            )));
        }
        for env in &account.environments {
            if let Some(other) = home.insert(env, &account.id) {
                return Err(ConfigError::Invalid(format!(
                    "environment `{env}` is in two accounts ({other} and {}): an environment lives in one account",
                    account.id
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, role: &str, envs: &[&str]) -> AccountSettings {
        AccountSettings {
            id: id.into(),
            role: role.into(),
            external_id: None,
            environments: envs.iter().map(|e| e.to_string()).collect(),
            regions: None,
            name: None,
        }
    }

    #[test]
    fn roles_are_names_or_arns_in_their_own_account() {
        let by_name = account("111111111111", "driftscan-readonly", &["dev"]);
        assert_eq!(
            by_name.role_arn(),
            "arn:aws:iam::111111111111:role/driftscan-readonly"
        );
        let by_arn = account(
            "222222222222",
            "arn:aws-us-gov:iam::222222222222:role/ops/driftscan",
            &["prod"],
        );
        assert_eq!(by_arn.role_arn(), by_arn.role);
        assert!(validate_accounts(&[by_name, by_arn]).is_ok());

        let refused = |a: AccountSettings| validate_accounts(&[a]).unwrap_err().to_string();
        assert!(refused(account("1234", "r", &[])).contains("not a 12-digit AWS account id"));
        assert!(refused(account(
            "111111111111",
            "arn:aws:iam::222222222222:role/x",
            &[]
        ))
        .contains("not an IAM role ARN in account 111111111111"));
        assert!(refused(account("111111111111", "has space", &[])).contains("not an IAM role name"));
        assert!(
            refused(account("111111111111", "r", &["Prod"])).contains("invalid environment name")
        );
    }

    #[test]
    fn an_environment_lives_in_one_account_and_an_account_is_listed_once() {
        let err = validate_accounts(&[
            account("111111111111", "r", &["dev", "staging"]),
            account("222222222222", "r", &["staging"]),
        ])
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "environment `staging` is in two accounts (111111111111 and 222222222222): an environment lives in one account"
        );
        let err = validate_accounts(&[
            account("111111111111", "r", &["dev"]),
            account("111111111111", "r", &["prod"]),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("listed twice"), "{err}");
    }

    #[test]
    fn discovery_keeps_tagged_accounts_and_says_why_others_are_left_out() {
        let member = |id: &str, tags: &[(&str, &str)]| MemberAccount {
            id: id.into(),
            name: format!("acct-{id}"),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let settings = OrganizationSettings {
            role: "driftscan-readonly".into(),
            account_tags: [("team".to_string(), "platform".to_string())].into(),
            regions: Some(vec!["us-east-1".into()]),
            ..Default::default()
        };
        let (selected, skipped) = settings.select(&[
            member(
                "111111111111",
                &[
                    ("team", "platform"),
                    ("driftscan:environments", "dev pr-7"),
                    ("driftscan:regions", "us-east-2"),
                ],
            ),
            member(
                "222222222222",
                &[("team", "platform"), ("driftscan:environments", "prod")],
            ),
            member("333333333333", &[("team", "data")]),
            member("444444444444", &[("team", "platform")]),
        ]);
        let got: Vec<_> = selected
            .iter()
            .map(|a| (a.id.as_str(), a.environments.clone(), a.regions.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "111111111111",
                    vec!["dev".to_string(), "pr-7".to_string()],
                    Some(vec!["us-east-2".to_string()])
                ),
                (
                    "222222222222",
                    vec!["prod".to_string()],
                    Some(vec!["us-east-1".to_string()])
                ),
            ]
        );
        assert_eq!(
            selected[0].role_arn(),
            "arn:aws:iam::111111111111:role/driftscan-readonly"
        );
        assert_eq!(
            skipped,
            [
                (
                    "333333333333".to_string(),
                    "no tag team=platform".to_string()
                ),
                (
                    "444444444444".to_string(),
                    "no driftscan:environments tag".to_string()
                ),
            ]
        );
    }
}

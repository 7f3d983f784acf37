//! The read-only role driftscan assumes in each member account: trusted by the scanner stack's
//! role alone (with the external ID when one is set), allowed the collectors' read actions and,
//! when findings go to Security Hub, importing them into the account's own default product;
//! nothing else.

use aws_config::SdkConfig;
use serde_json::{json, Value};

use crate::{Change, InfraError, Mode, Recorder};

/// The inline policy's name on a member role.
const POLICY_NAME: &str = "driftscan-read";

/// One member account's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRoleSpec {
    /// The member account.
    pub account: String,
    /// The role's name.
    pub role: String,
    /// The external ID the scanner must present, if any.
    pub external_id: Option<String>,
    /// The role allowed to assume it: the scanner stack's (`arn:aws:iam::<acct>:role/driftscan-scanner`).
    pub scanner_role_arn: String,
    /// Whether findings are imported into the account's Security Hub (`publish.security_hub`).
    pub imports_findings: bool,
}

impl MemberRoleSpec {
    /// The spec for `account` of driftscan.yaml, trusted by `scanner_role_arn`. A role given as
    /// an ARN is created under the name it ends with.
    pub fn for_account(
        account: &scanner::config::accounts::AccountSettings,
        scanner_role_arn: &str,
        imports_findings: bool,
    ) -> Self {
        let role = account
            .role
            .rsplit('/')
            .next()
            .unwrap_or(&account.role)
            .to_string();
        MemberRoleSpec {
            account: account.id.clone(),
            role,
            external_id: account.external_id.clone(),
            scanner_role_arn: scanner_role_arn.to_string(),
            imports_findings,
        }
    }

    /// The role's ARN.
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::{}:role/{}", self.account, self.role)
    }

    /// Who may assume the role: the scanner role alone, with the external ID when set.
    pub fn trust_policy(&self) -> Value {
        let mut statement = json!({
            "Effect": "Allow",
            "Principal": {"AWS": self.scanner_role_arn},
            "Action": "sts:AssumeRole",
        });
        if let Some(external_id) = &self.external_id {
            statement["Condition"] = json!({"StringEquals": {"sts:ExternalId": external_id}});
        }
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    /// What the role may do: the collectors' read actions (from the registry), and with
    /// Security Hub [`import_findings_statement`]; nothing else.
    pub fn permissions(&self) -> Value {
        let mut statements = scanner::services::read_statements(false);
        if self.imports_findings {
            statements.push(import_findings_statement(&self.account));
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }
}

/// `securityhub:BatchImportFindings` into `account`'s own default product, in any region, and
/// nothing else of Security Hub: the product is the resource the action is authorized on
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecurityhub.html>).
pub fn import_findings_statement(account: &str) -> Value {
    json!({
        "Sid": "ImportFindingsIntoSecurityHub",
        "Effect": "Allow",
        "Action": ["securityhub:BatchImportFindings"],
        "Resource": format!("arn:aws:securityhub:*:{account}:product/{account}/default"),
    })
}

impl MemberRoleSpec {}

/// Creates or updates the role in the member account `config`'s credentials reach.
pub async fn converge_member_role(
    config: &SdkConfig,
    spec: &MemberRoleSpec,
    mode: Mode,
) -> Result<Vec<Change>, InfraError> {
    let iam = aws_sdk_iam::Client::new(config);
    let rec = Recorder::new(mode);
    let label = format!("iam-role {} in {}", spec.role, spec.account);
    let trust = spec.trust_policy();
    let exists = crate::iam::converge_role(
        &iam,
        &rec,
        crate::iam::Role {
            name: &spec.role,
            trust: &trust,
            description: "driftscan: read-only scans by the scanner stack",
            label,
            who: format!("assumable by {} only", spec.scanner_role_arn),
            tags: Vec::new(),
        },
    )
    .await?;
    crate::iam::converge_inline_policy(
        &iam,
        &rec,
        crate::iam::InlinePolicy {
            role: &spec.role,
            role_exists: exists,
            name: POLICY_NAME,
            document: &spec.permissions(),
            label: format!(
                "iam-role-policy {}/{POLICY_NAME} in {}",
                spec.role, spec.account
            ),
            detail: if spec.imports_findings {
                "the collectors' read actions, and importing findings into Security Hub"
            } else {
                "the collectors' read actions only"
            },
        },
    )
    .await?;
    Ok(rec.into_changes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(external_id: Option<&str>) -> MemberRoleSpec {
        spec_importing(external_id, false)
    }

    fn spec_importing(external_id: Option<&str>, imports_findings: bool) -> MemberRoleSpec {
        let account = scanner::config::accounts::AccountSettings {
            id: "222222222222".into(),
            role: "arn:aws:iam::222222222222:role/driftscan-readonly".into(),
            external_id: external_id.map(str::to_string),
            environments: vec!["prod".into()],
            regions: None,
            name: None,
        };
        MemberRoleSpec::for_account(
            &account,
            "arn:aws:iam::111111111111:role/driftscan-scanner",
            imports_findings,
        )
    }

    #[test]
    fn only_the_scanner_role_may_assume_it_with_the_external_id() {
        let spec = spec(Some("platform-7"));
        assert_eq!(spec.role, "driftscan-readonly");
        assert_eq!(
            spec.arn(),
            "arn:aws:iam::222222222222:role/driftscan-readonly"
        );
        let trust = spec.trust_policy();
        let statements = trust["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 1);
        assert_eq!(statements[0]["Effect"], "Allow");
        assert_eq!(
            statements[0]["Principal"],
            json!({"AWS": "arn:aws:iam::111111111111:role/driftscan-scanner"})
        );
        assert_eq!(statements[0]["Action"], "sts:AssumeRole");
        assert_eq!(
            statements[0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "platform-7"
        );
        assert!(self::spec(None).trust_policy()["Statement"][0]
            .get("Condition")
            .is_none());
    }

    #[test]
    fn the_member_role_may_only_read_what_the_collectors_read() {
        let policy = spec(None).permissions();
        let actions: Vec<String> = crate::iam::policy_checks::granted(&policy)
            .into_iter()
            .map(|(action, _)| action)
            .collect();
        for action in &actions {
            assert!(
                crate::iam::policy_checks::is_collector_read(action),
                "{action}"
            );
        }
        assert!(actions.iter().any(|a| a == "ec2:DescribeSecurityGroups"));
        assert!(!actions.iter().any(|a| a == "kms:Decrypt"), "no decrypt");
        assert!(!actions.iter().any(|a| a.starts_with("securityhub:")));
    }

    #[test]
    fn with_security_hub_it_may_import_into_its_own_default_product_and_nothing_more() {
        let policy = spec_importing(None, true).permissions();
        let granted = crate::iam::policy_checks::granted(&policy);
        let hub: Vec<&(String, Value)> = granted
            .iter()
            .filter(|(action, _)| !crate::iam::policy_checks::is_collector_read(action))
            .collect();
        assert_eq!(
            hub,
            [&(
                "securityhub:BatchImportFindings".to_string(),
                json!("arn:aws:securityhub:*:222222222222:product/222222222222/default")
            )]
        );
    }
}

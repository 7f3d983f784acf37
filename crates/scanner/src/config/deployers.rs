//! The environment's declared deployers (`deployers:` in `driftscan.yaml`): the principals
//! whose changes are deployments, not changes by hand.

use regex::Regex;

use crate::error::ConfigError;

/// Role or user ARNs, or patterns with `*` (any run of characters) such as
/// `arn:aws:iam::*:role/ci-deploy-*`.
#[derive(Debug, Clone, Default)]
pub struct Deployers {
    patterns: Vec<Regex>,
}

impl Deployers {
    /// The deployers `patterns` name; an empty or whitespace pattern is an error.
    pub fn new(patterns: &[String]) -> Result<Deployers, ConfigError> {
        let patterns = patterns
            .iter()
            .map(|pattern| {
                if pattern.trim().is_empty() || pattern.chars().any(char::is_whitespace) {
                    return Err(ConfigError::Invalid(format!(
                        "deployers: `{pattern}` is no ARN or pattern (an ARN, `*` for any run of characters)"
                    )));
                }
                let escaped: Vec<String> = pattern.split('*').map(regex::escape).collect();
                Regex::new(&format!("^{}$", escaped.join(".*")))
                    .map_err(|e| ConfigError::Invalid(format!("deployers: `{pattern}`: {e}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Deployers { patterns })
    }

    /// Whether any of `arns` (a principal's ARN, its role's ARN) matches a pattern.
    pub fn matches<'a>(&self, arns: impl IntoIterator<Item = &'a str>) -> bool {
        arns.into_iter()
            .any(|arn| self.patterns.iter().any(|p| p.is_match(arn)))
    }

    /// Whether none is declared.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::Principal;

    impl Deployers {
        fn matches_principal(&self, principal: &Principal) -> bool {
            self.matches(principal.arns().iter().map(String::as_str))
        }
    }

    fn assumed(role: &str, session: &str) -> Principal {
        let name = role.rsplit('/').next().unwrap_or(role);
        Principal {
            arn: Some(format!(
                "arn:aws:sts::111111111111:assumed-role/{name}/{session}"
            )),
            identity_type: Some("AssumedRole".into()),
            account: Some("111111111111".into()),
            role: Some(role.into()),
            session: Some(session.into()),
        }
    }

    #[test]
    fn a_ci_role_pattern_matches_its_sessions_and_nothing_else() {
        let deployers = Deployers::new(&["arn:aws:iam::*:role/ci-deploy-*".into()]).expect("valid");
        assert!(deployers.matches_principal(&assumed(
            "arn:aws:iam::111111111111:role/ci-deploy-prod",
            "gha-42"
        )));
        assert!(deployers.matches_principal(&assumed(
            "arn:aws:iam::111111111111:role/pipelines/ci-deploy-dev",
            "gha"
        )));
        assert!(!deployers.matches_principal(&assumed(
            "arn:aws:iam::111111111111:role/admin",
            "ci-deploy-x"
        )));
        assert!(!Deployers::default()
            .matches_principal(&assumed("arn:aws:iam::1:role/ci-deploy-x", "s")));
    }

    #[test]
    fn an_exact_arn_is_no_pattern_and_dots_are_literal() {
        let deployers =
            Deployers::new(&["arn:aws:iam::111111111111:user/deploy.bot".into()]).expect("valid");
        let user = |arn: &str| Principal {
            arn: Some(arn.into()),
            ..Principal::default()
        };
        assert!(deployers.matches_principal(&user("arn:aws:iam::111111111111:user/deploy.bot")));
        assert!(!deployers.matches_principal(&user("arn:aws:iam::111111111111:user/deployXbot")));
    }

    #[test]
    fn a_blank_pattern_is_an_error_naming_it() {
        let error = Deployers::new(&["arn:aws:iam::1:role/a b".into()]).expect_err("refused");
        assert!(
            error.to_string().contains("`arn:aws:iam::1:role/a b`"),
            "{error}"
        );
    }
}

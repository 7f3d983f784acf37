//! Environment names and the logical names resources are matched by.

use regex::Regex;

use crate::error::ConfigError;

/// The placeholder that stands for the environment's name in logical names.
pub const ENV_PLACEHOLDER: &str = "{env}";

/// Checks an environment name: lowercase letters, digits and dashes, starting with a letter,
/// at most 32 characters (`dev`, `staging`, `prod`, `pr-42`).
pub fn validate_environment_name(name: &str) -> Result<(), ConfigError> {
    let valid = !name.is_empty()
        && name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ConfigError::InvalidEnvironment(name.to_string()))
    }
}

/// Replaces every whole-token occurrence of `env` in `name` with [`ENV_PLACEHOLDER`].
///
/// A token is delimited by the start or end of the name or by a character that is not an ASCII
/// letter or digit, so `ecs-cluster-staging`, `/staging/cache-ttl` and `staging_db` are rewritten
/// while `product-api` keeps its `prod` and `pr-70` is not `pr-7`. Matching ignores ASCII case.
pub fn logical_name(name: &str, env: &str) -> String {
    replace_token(name, env, ENV_PLACEHOLDER)
}

/// Replaces every whole-token occurrence of `token` in `name` (ignoring ASCII case) with
/// `placeholder`; tokens are delimited as in [`logical_name`].
pub fn replace_token(name: &str, token: &str, placeholder: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut copied_to = 0;
    for at in token_positions(name, token) {
        out.push_str(&name[copied_to..at]);
        out.push_str(placeholder);
        copied_to = at + token.len();
    }
    out.push_str(&name[copied_to..]);
    out
}

/// Whether `text` holds `token` as a whole token, ignoring ASCII case, as [`logical_name`]
/// finds an environment: `prod` in `aurora-cluster-Prod` and `/prod/db`, not in `product-api`.
pub fn names_token(text: &str, token: &str) -> bool {
    token_positions(text, token).next().is_some()
}

/// Where `token` starts as a whole token in `text`, left to right, not overlapping.
fn token_positions<'a>(text: &'a str, token: &'a str) -> impl Iterator<Item = usize> + 'a {
    let bytes = text.as_bytes();
    let length = token.len();
    let mut next = 0;
    (0..bytes.len()).filter(move |&i| {
        if token.is_empty() || i < next || i + length > bytes.len() {
            return false;
        }
        let end = i + length;
        let at_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let at_end = end == bytes.len() || !bytes[end].is_ascii_alphanumeric();
        let found = at_start && at_end && bytes[i..end].eq_ignore_ascii_case(token.as_bytes());
        if found {
            next = end;
        }
        found
    })
}

/// The placeholder that stands for a name's generated suffix in logical names
/// (`cache-sg-{env}-{auto}`).
pub const GENERATED_PLACEHOLDER: &str = "{auto}";

/// Who generated a name's random suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generator {
    /// Pulumi auto-naming: the logical name, a dash, 7 lowercase hex characters.
    Pulumi,
    /// CloudFormation: `<stack>-<LogicalId>-<12 or 13 upper-case letters and digits>`.
    CloudFormation,
    /// Terraform `name_prefix`: the prefix and a 26-digit timestamp-like counter.
    Terraform,
}

impl Generator {
    /// A regex for the generated token (for baselines that must accept any suffix).
    pub fn token_pattern(self) -> &'static str {
        match self {
            Generator::Pulumi => "[0-9a-f]{7}",
            Generator::CloudFormation => "[A-Z0-9]{12,13}",
            Generator::Terraform => "20[0-9]{24}",
        }
    }
}

/// Generated-suffix shapes a team configures beyond the three built in (`generated_suffixes`
/// in `driftscan.yaml`): each a regex for the token after the last dash (`[0-9a-z]{8}`).
#[derive(Debug, Clone, Default)]
pub struct SuffixPatterns(Vec<(String, Regex)>);

impl SuffixPatterns {
    /// Compiles the configured token patterns; a bad one is an error naming it.
    pub fn new(patterns: &[String]) -> Result<Self, ConfigError> {
        patterns
            .iter()
            .map(|p| {
                let compiled = Regex::new(&format!("-(?:{p})$")).map_err(|e| {
                    ConfigError::Invalid(format!("generated_suffixes: `{p}` is not a regex: {e}"))
                })?;
                Ok((p.clone(), compiled))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(SuffixPatterns)
    }

    /// Where a configured suffix's token starts in `name` (after a non-empty prefix), and the
    /// configured pattern it matched.
    fn token_start(&self, name: &str) -> Option<(usize, &str)> {
        self.0.iter().find_map(|(source, pattern)| {
            let found = pattern.find(name)?;
            (found.start() > 0).then_some((found.start() + 1, source.as_str()))
        })
    }
}

/// The generated suffix of `name`: one of the three built-in shapes, else a configured one;
/// the byte index where the token starts.
pub fn generated_suffix_in(name: &str, configured: &SuffixPatterns) -> Option<usize> {
    generated_shape_in(name, configured).map(|(start, _)| start)
}

/// [`generated_suffix_in`] with a regex for any token of the same shape.
fn generated_shape_in(name: &str, configured: &SuffixPatterns) -> Option<(usize, String)> {
    match generated_suffix(name) {
        Some((start, generator)) => Some((start, generator.token_pattern().to_string())),
        None => configured
            .token_start(name)
            .map(|(start, pattern)| (start, format!("(?:{pattern})"))),
    }
}

/// For each of an environment's `names`, where its generated suffix starts when it should be set
/// aside: the name ends in a generated token (built-in or configured shape) that no other name
/// contains (a token two names share is part of real names, a shared build id, say).
pub fn generated_suffixes_to_set_aside(
    names: &[&str],
    configured: &SuffixPatterns,
) -> Vec<Option<usize>> {
    let groups: Vec<Vec<&str>> = names.iter().map(|name| vec![*name]).collect();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let start = generated_suffix_in(name, configured)?;
            (!shared_with_another(&groups, i, &name[start..])).then_some(start)
        })
        .collect()
}

/// A suffix that infrastructure code generated, with a regex for any token of its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedToken {
    /// The token itself (`7437b2e`).
    pub token: String,
    /// A regex for tokens of the same shape (`[0-9a-f]{7}`).
    pub pattern: String,
}

/// The generated tokens among `groups` of names, one group per resource (its name, id, ARN
/// segments and name-valued properties): every name that ends in a generated token (built-in
/// or configured shape) that no other group's names contain. A resource's own names may share
/// a token (`alb-sg-7437b2e` as its id-like name and in its ARN); two resources may not.
pub fn generated_tokens_among(
    groups: &[Vec<&str>],
    configured: &SuffixPatterns,
) -> Vec<GeneratedToken> {
    let mut found: Vec<GeneratedToken> = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        for name in group {
            let Some((start, pattern)) = generated_shape_in(name, configured) else {
                continue;
            };
            let token = &name[start..];
            if shared_with_another(groups, i, token) || found.iter().any(|t| t.token == token) {
                continue;
            }
            found.push(GeneratedToken {
                token: token.to_string(),
                pattern,
            });
        }
    }
    found
}

/// Whether a group other than the `i`th has a name containing `token`.
fn shared_with_another(groups: &[Vec<&str>], i: usize, token: &str) -> bool {
    groups
        .iter()
        .enumerate()
        .any(|(j, names)| j != i && names.iter().any(|name| name.contains(token)))
}

/// The generated suffix of `name`, if it has one of the three built-in shapes: the byte index
/// where the random token starts, and who generated it. The part before it must not be empty.
/// Whether the token really is random (and not part of a real name) is decided with the other
/// names of the environment ([`crate::resolve::set_generated_suffixes_aside`]).
pub fn generated_suffix(name: &str) -> Option<(usize, Generator)> {
    let (prefix, token) = name.rsplit_once('-').unwrap_or(("", ""));
    if !prefix.is_empty() {
        let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
        if token.len() == 7 && token.bytes().all(hex) {
            return Some((name.len() - 7, Generator::Pulumi));
        }
        let upper = |b: u8| b.is_ascii_digit() || b.is_ascii_uppercase();
        if (12..=13).contains(&token.len())
            && token.bytes().all(upper)
            && token.bytes().any(|b| b.is_ascii_digit())
            && token.bytes().any(|b| b.is_ascii_uppercase())
        {
            return Some((name.len() - token.len(), Generator::CloudFormation));
        }
    }
    let digits = name.bytes().rev().take_while(u8::is_ascii_digit).count();
    if digits == 26 && name.len() > 26 && name[name.len() - 26..].starts_with("20") {
        return Some((name.len() - 26, Generator::Terraform));
    }
    None
}

/// The last path segment of an ARN-like string: the role name of
/// `arn:aws:iam::123456789012:role/path/app-task` is `app-task`.
pub fn arn_resource_name(arn: &str) -> &str {
    arn.rsplit(['/', ':']).next().unwrap_or(arn)
}

/// Bucket names are global, so they often carry the account (`trading-data-prod-123456789012`):
/// the logical name sets a 12-digit token aside as `{account}`, so environments in different
/// accounts line up.
pub fn account_aside(logical_name: &str) -> String {
    logical_name
        .split('-')
        .map(|part| {
            if part.len() == 12 && part.bytes().all(|b| b.is_ascii_digit()) {
                "{account}"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    #[test]
    fn accounts_are_set_aside_in_bucket_names() {
        assert_eq!(
            account_aside("trading-data-{env}-123456789012"),
            "trading-data-{env}-{account}"
        );
        assert_eq!(account_aside("logs-1234567890123"), "logs-1234567890123");
        assert_eq!(account_aside("build-2024"), "build-2024");
    }

    use super::*;

    #[test]
    fn tokens_are_found_whole_and_whatever_their_case() {
        assert!(names_token("aurora-cluster-Staging", "staging"));
        assert!(names_token("{\"name\":\"/STAGING/db\"}", "staging"));
        assert!(names_token("pr-7", "pr-7"));
        assert!(!names_token("pr-70", "pr-7"));
        assert!(!names_token("product-api", "prod"));
        assert!(!names_token("anything", ""));
        assert_eq!(
            replace_token("prod-prod_x", "PROD", "{env}"),
            "{env}-{env}_x"
        );
    }

    #[test]
    fn generated_suffixes_of_the_three_tools() {
        fn token(name: &str) -> Option<(&str, Generator)> {
            generated_suffix(name).map(|(i, g)| (&name[i..], g))
        }
        assert_eq!(
            token("cache-sg-staging-6b48171"),
            Some(("6b48171", Generator::Pulumi))
        );
        assert_eq!(
            token("alb-sg-7437b2e"),
            Some(("7437b2e", Generator::Pulumi))
        );
        assert_eq!(
            token("platform-AppSecurityGroup-1QW2E3R4T5Y6U"),
            Some(("1QW2E3R4T5Y6U", Generator::CloudFormation))
        );
        assert_eq!(
            token("app-20240301123456789000000001"),
            Some(("20240301123456789000000001", Generator::Terraform))
        );
        for real in [
            "app-staging",
            "6b48171",
            "trading-app",
            "aurora-cluster-prod",
            "sg-6B48171",
            "release-ABCDEFGHIJKL",
            "app-1234",
            "v1.4.2",
        ] {
            assert_eq!(generated_suffix(real), None, "{real}");
        }
    }

    #[test]
    fn suffix_prefix_and_path_tokens_are_replaced() {
        assert_eq!(
            logical_name("ecs-cluster-staging", "staging"),
            "ecs-cluster-{env}"
        );
        assert_eq!(logical_name("staging-vpc", "staging"), "{env}-vpc");
        assert_eq!(
            logical_name("/staging/cache-ttl", "staging"),
            "/{env}/cache-ttl"
        );
        assert_eq!(
            logical_name("db_staging_primary", "staging"),
            "db_{env}_primary"
        );
        assert_eq!(logical_name("staging", "staging"), "{env}");
        assert_eq!(logical_name("Staging-App", "staging"), "{env}-App");
    }

    #[test]
    fn a_substring_of_another_word_is_not_rewritten() {
        assert_eq!(
            logical_name("product-api-prod", "prod"),
            "product-api-{env}"
        );
        assert_eq!(logical_name("reproduce", "prod"), "reproduce");
        assert_eq!(
            logical_name("trading-app-pr-70", "pr-7"),
            "trading-app-pr-70"
        );
        assert_eq!(
            logical_name("trading-app-pr-7", "pr-7"),
            "trading-app-{env}"
        );
        assert_eq!(logical_name("devops-dev", "dev"), "devops-{env}");
    }

    #[test]
    fn names_without_the_token_are_unchanged() {
        assert_eq!(logical_name("/shared/app-name", "prod"), "/shared/app-name");
        assert_eq!(logical_name("", "prod"), "");
        assert_eq!(logical_name("prod", ""), "prod");
    }

    #[test]
    fn multibyte_names_are_handled() {
        assert_eq!(logical_name("é-prod-ü", "prod"), "é-{env}-ü");
    }

    #[test]
    fn environment_names_are_validated() {
        for ok in ["dev", "staging", "prod", "pr-42", "eu1"] {
            assert!(validate_environment_name(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Prod",
            "pr_42",
            "-dev",
            "dev-",
            "1dev",
            "a/b",
            &"x".repeat(33),
        ] {
            assert!(validate_environment_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arn_names() {
        assert_eq!(
            arn_resource_name("arn:aws:iam::123456789012:role/path/app-task"),
            "app-task"
        );
        assert_eq!(arn_resource_name("plain"), "plain");
    }
}

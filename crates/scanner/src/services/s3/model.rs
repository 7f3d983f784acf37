// S3 buckets: a bucket's configuration, one sub-resource per call, each "none" told apart from
// "could not read" by the collector.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{KindProperties, PlainValue};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An S3 bucket.
            S3Bucket = "s3-bucket",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An S3 bucket's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Bucket {
    /// `Enabled`, `Suspended`, or `Disabled` (never turned on).
    pub versioning: String,
    /// MFA delete: `Enabled` or `Disabled`, when versioning reports it.
    pub mfa_delete: Option<String>,
    /// Default encryption; absent when the bucket has none configured.
    pub encryption: Option<BucketEncryption>,
    /// The bucket-level public access block; absent when none is configured.
    pub public_access_block: Option<PublicAccessBlock>,
    /// Object ownership (`BucketOwnerEnforced`, ...); absent when not configured.
    pub object_ownership: Option<String>,
    /// The bucket policy's statements, normalized and sorted; absent when there is no policy.
    pub policy: Option<Vec<PolicyStatement>>,
    /// Lifecycle rules, sorted by id.
    pub lifecycle_rules: Vec<LifecycleRule>,
    /// Server access logging; absent when off.
    pub logging: Option<BucketLogging>,
}

/// Default encryption of new objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketEncryption {
    /// `AES256`, `aws:kms` or `aws:kms:dsse`.
    pub algorithm: String,
    /// The KMS key (ARN, id or alias) for `aws:kms`; absent: the AWS-managed key.
    pub kms_key: Option<String>,
    /// Whether S3 Bucket Keys are on.
    pub bucket_key_enabled: Option<bool>,
}

/// The four public-access-block settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicAccessBlock {
    /// `BlockPublicAcls`.
    pub block_public_acls: bool,
    /// `IgnorePublicAcls`.
    pub ignore_public_acls: bool,
    /// `BlockPublicPolicy`.
    pub block_public_policy: bool,
    /// `RestrictPublicBuckets`.
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// Whether all four settings are on.
    pub fn blocks_everything(&self) -> bool {
        self.block_public_acls
            && self.ignore_public_acls
            && self.block_public_policy
            && self.restrict_public_buckets
    }
}

/// One bucket policy statement, normalized: single values become lists, lists are sorted,
/// `{"AWS": "*"}` is `*`, so equal policies compare equal whatever their layout.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyStatement {
    /// `Sid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// Principals as `*`, `AWS:<arn>`, `Service:<name>`, `Federated:<id>`, sorted; with
    /// `not_principal`, the ones excluded.
    pub principals: Vec<String>,
    /// Whether the statement names its principals with `NotPrincipal`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_principal: bool,
    /// Actions, sorted.
    pub actions: Vec<String>,
    /// Whether the statement names its actions with `NotAction`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_action: bool,
    /// Resources, sorted.
    pub resources: Vec<String>,
    /// Conditions: operator -> key -> values (sorted).
    pub conditions: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl PolicyStatement {
    /// Whether it allows anyone (`*`) with no condition.
    pub fn allows_anyone_unconditionally(&self) -> bool {
        self.effect == "Allow"
            && !self.not_principal
            && self.principals.iter().any(|p| p == "*")
            && self.conditions.is_empty()
    }
}

/// One lifecycle rule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleRule {
    /// `ID`.
    pub id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// The key prefix it applies to (empty: the whole bucket).
    pub prefix: Option<String>,
    /// Days after which current versions expire.
    pub expiration_days: Option<i32>,
    /// Days after which noncurrent versions expire.
    pub noncurrent_version_expiration_days: Option<i32>,
    /// Transitions as `<days>:<storage class>`, sorted.
    pub transitions: Vec<String>,
    /// Days after which incomplete multipart uploads are aborted.
    pub abort_incomplete_multipart_upload_days: Option<i32>,
}

/// Server access logging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketLogging {
    /// The bucket logs go to.
    pub target_bucket: String,
    /// Their key prefix.
    pub target_prefix: Option<String>,
}

impl KindProperties for S3Bucket {
    /// Policy condition values: a shared `aws:Referer` token or a header secret is a classic.
    fn plain_values_mut(&mut self, _id: &str) -> Vec<PlainValue<'_>> {
        let mut out = Vec::new();
        for (i, statement) in self.policy.iter_mut().flatten().enumerate() {
            for (operator, keys) in &mut statement.conditions {
                for (key, values) in keys.iter_mut() {
                    for value in values.iter_mut() {
                        out.push(PlainValue {
                            path: format!("properties.policy[{i}].conditions.{operator}.{key}"),
                            name: key.clone(),
                            value,
                        });
                    }
                }
            }
        }
        out
    }
    fn canonicalize(&mut self) {
        if let Some(statements) = &mut self.policy {
            for statement in statements.iter_mut() {
                statement.principals.sort();
                statement.principals.dedup();
                statement.actions.sort();
                statement.actions.dedup();
                statement.resources.sort();
                statement.resources.dedup();
                for values in statement
                    .conditions
                    .values_mut()
                    .flat_map(|c| c.values_mut())
                {
                    values.sort();
                }
            }
            statements.sort();
        }
        for rule in &mut self.lifecycle_rules {
            rule.transitions.sort();
        }
        self.lifecycle_rules.sort();
    }
}

/// Parses a policy document into normalized statements (sorted by
/// [`KindProperties::canonicalize`]).
pub fn parse_policy(document: &str) -> Result<Vec<PolicyStatement>, String> {
    let document: Value =
        serde_json::from_str(document).map_err(|e| format!("policy is not JSON: {e}"))?;
    let statements = match document.get("Statement") {
        Some(Value::Array(statements)) => statements.clone(),
        Some(statement @ Value::Object(_)) => vec![statement.clone()],
        _ => return Err("policy has no `Statement`".into()),
    };
    statements
        .iter()
        .map(|statement| {
            let (principal, not_principal) = match statement.get("NotPrincipal") {
                Some(p) => (Some(p), true),
                None => (statement.get("Principal"), false),
            };
            let (action, not_action) = match statement.get("NotAction") {
                Some(a) => (Some(a), true),
                None => (statement.get("Action"), false),
            };
            Ok(PolicyStatement {
                sid: statement
                    .get("Sid")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                effect: statement
                    .get("Effect")
                    .and_then(Value::as_str)
                    .ok_or("a statement has no `Effect`")?
                    .to_string(),
                principals: principals(principal),
                not_principal,
                actions: strings(action),
                not_action,
                resources: strings(statement.get("Resource").or(statement.get("NotResource"))),
                conditions: statement
                    .get("Condition")
                    .and_then(Value::as_object)
                    .map(|operators| {
                        operators
                            .iter()
                            .map(|(operator, keys)| {
                                let keys = keys
                                    .as_object()
                                    .map(|keys| {
                                        keys.iter()
                                            .map(|(k, v)| (k.clone(), strings(Some(v))))
                                            .collect()
                                    })
                                    .unwrap_or_default();
                                (operator.clone(), keys)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

/// `"*"` and `{"AWS": "*"}` are `*`; others `AWS:<arn>`, `Service:<name>`, ...
fn principals(principal: Option<&Value>) -> Vec<String> {
    match principal {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Object(by_type)) => by_type
            .iter()
            .flat_map(|(kind, values)| {
                strings(Some(values)).into_iter().map(move |v| {
                    if kind == "AWS" && v == "*" {
                        "*".to_string()
                    } else {
                        format!("{kind}:{v}")
                    }
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A string or a list of strings (numbers and booleans as written).
fn strings(value: Option<&Value>) -> Vec<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match value {
        Some(Value::Array(items)) => items.iter().map(text).collect(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![text(other)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_compare_equal_whatever_their_layout() {
        let a = parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},
               "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
        )
        .unwrap();
        let b = parse_policy(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],
               "Resource":["arn:aws:s3:::b/*"]}]}"#,
        )
        .unwrap();
        assert_eq!(a, b);
        assert!(a[0].allows_anyone_unconditionally());
    }

    #[test]
    fn a_condition_or_a_named_principal_is_not_anyone() {
        let conditioned = parse_policy(
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject",
               "Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1"}}}]}"#,
        )
        .unwrap();
        assert!(!conditioned[0].allows_anyone_unconditionally());
        assert_eq!(
            conditioned[0].conditions["StringEquals"]["aws:SourceVpce"],
            ["vpce-1"]
        );
        let named = parse_policy(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::1:root"],
               "Service":"logging.s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"*"}]}"#,
        )
        .unwrap();
        assert_eq!(
            named[0].principals,
            [
                "AWS:arn:aws:iam::1:root",
                "Service:logging.s3.amazonaws.com"
            ]
        );
        assert!(!named[0].allows_anyone_unconditionally());
        let deny = parse_policy(
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#,
        )
        .unwrap();
        assert!(!deny[0].allows_anyone_unconditionally());
    }

    #[test]
    fn malformed_policies_are_errors_not_empty_policies() {
        assert!(parse_policy("not json").is_err());
        assert!(parse_policy("{}").is_err());
        assert!(parse_policy(r#"{"Statement":[{"Principal":"*"}]}"#).is_err());
    }
}

//! IAM policy documents (bucket, secret, repository, key and role policies), normalized so that
//! equal policies compare equal whatever their layout.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One policy statement, normalized: single values become lists, lists are sorted,
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

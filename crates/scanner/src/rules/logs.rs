//! Log rules: CloudWatch Logs log groups keep events for a bounded, sufficient time, and are
//! encrypted where the environment says so.

use serde::Deserialize;
use serde_json::json;

use super::{of_kind, params, required_where_said, Check, Day, RuleDef, Violation};
use crate::model::{LogGroup, Properties, Resource, Severity, Snapshot};

fn log_groups(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &LogGroup)> {
    of_kind(snapshot, |p| match p {
        Properties::LogGroup(g) => Some(g),
        _ => None,
    })
}

/// `log-retention`: a retention is set (events are not kept, and paid for, forever) and is at
/// least `min_days`.
pub const LOG_RETENTION: RuleDef = RuleDef {
    id: "log-retention",
    severity: Severity::Medium,
    rationale: "Logs kept forever cost more every month; logs kept too briefly are gone when an incident is investigated.",
    build: |values| Ok(Box::new(params::<Retention>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Retention {
    #[serde(default = "one")]
    min_days: i32,
}

fn one() -> i32 {
    1
}

impl Check for Retention {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, group) in log_groups(snapshot) {
            let message = match group.retention_days {
                None => format!("{} keeps its events forever", resource.name),
                Some(days) if days < self.min_days => format!(
                    "{} keeps its events {days} days (at least {})",
                    resource.name, self.min_days
                ),
                Some(_) => continue,
            };
            out.push(Violation {
                resource,
                path: Some("properties.retention_days".into()),
                expected: Some(json!({">=": self.min_days})),
                actual: Some(json!(group.retention_days)),
                message,
            });
        }
    }
}

/// `log-encrypted`: log groups are encrypted with a KMS key, where the environment requires it.
pub const LOG_ENCRYPTED: RuleDef = RuleDef {
    id: "log-encrypted",
    severity: Severity::Medium,
    rationale: "Application logs carry request data and identifiers; a customer-managed key puts reading them under the key's policy and its audit trail.",
    build: |values| Ok(Box::new(Encrypted(required_where_said(values)?))),
};

struct Encrypted(bool);

impl Check for Encrypted {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, group) in log_groups(snapshot) {
            if group.kms_key_id.is_none() {
                out.push(Violation {
                    resource,
                    path: Some("properties.kms_key_id".into()),
                    expected: Some(json!("a KMS key")),
                    actual: Some(json!(null)),
                    message: format!("{} is not encrypted with a KMS key", resource.name),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;
    use crate::testing::violation_paths as paths;

    fn group(retention_days: Option<i32>, kms_key_id: Option<&str>) -> Snapshot {
        let resource = Resource {
            kind: ResourceKind::LogGroup,
            region: "us-east-1".into(),
            id: "/ecs/trading-app-prod".into(),
            name: "/ecs/trading-app-prod".into(),
            logical_name: "/ecs/trading-app-{env}".into(),
            arn: None,
            tags: Default::default(),
            properties: Properties::LogGroup(LogGroup {
                retention_days,
                kms_key_id: kms_key_id.map(str::to_string),
                class: Some("STANDARD".into()),
                deletion_protection: false,
            }),
        };
        crate::testing::snapshot(vec![resource])
    }

    #[test]
    fn retention_must_be_set_and_long_enough() {
        let path = ["properties.retention_days"];
        assert_eq!(paths(&LOG_RETENTION, json!({}), &group(None, None)), path);
        assert!(paths(&LOG_RETENTION, json!({}), &group(Some(1), None)).is_empty());
        let ninety = json!({"min_days": 90});
        assert_eq!(
            paths(&LOG_RETENTION, ninety.clone(), &group(Some(30), None)),
            path
        );
        assert!(paths(&LOG_RETENTION, ninety, &group(Some(90), None)).is_empty());
    }

    #[test]
    fn encryption_is_checked_only_where_required() {
        let clear = group(Some(7), None);
        assert!(paths(&LOG_ENCRYPTED, json!({}), &clear).is_empty());
        let required = json!({"required": true});
        assert_eq!(
            paths(&LOG_ENCRYPTED, required.clone(), &clear),
            ["properties.kms_key_id"]
        );
        let key = "arn:aws:kms:us-east-1:123456789012:key/1";
        assert!(paths(&LOG_ENCRYPTED, required, &group(Some(7), Some(key))).is_empty());
    }
}

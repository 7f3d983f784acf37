//! Cache rules: how ElastiCache replication groups protect the data in them and stay up.

use serde_json::json;

use super::{of_kind, required, required_where_said, Check, Day, RuleDef, Violation};
use crate::model::{CacheReplicationGroup, Properties, Resource, Severity, Snapshot};

fn groups(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &CacheReplicationGroup)> {
    of_kind(snapshot, |p| match p {
        Properties::CacheReplicationGroup(g) => Some(g),
        _ => None,
    })
}

/// `cache-encrypted`: replication groups encrypt in transit and at rest.
pub const CACHE_ENCRYPTED: RuleDef = RuleDef {
    id: "cache-encrypted",
    severity: Severity::High,
    rationale: "Sessions and cached records travel and rest in Redis; without transit encryption anyone on the VPC path reads them, and neither setting can be turned on without replacing the group.",
    build: |values| Ok(Box::new(Encrypted(required(values)?))),
};

struct Encrypted(bool);

impl Check for Encrypted {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, group) in groups(snapshot) {
            for (on, field, what) in [
                (group.transit_encryption, "transit_encryption", "in transit"),
                (group.at_rest_encryption, "at_rest_encryption", "at rest"),
            ] {
                if !on {
                    out.push(Violation {
                        resource,
                        path: Some(format!("properties.{field}")),
                        expected: Some(json!(true)),
                        actual: Some(json!(false)),
                        message: format!("{} is not encrypted {what}", resource.name),
                    });
                }
            }
        }
    }
}

/// `cache-auth`: connecting takes an AUTH token or an RBAC user.
pub const CACHE_AUTH: RuleDef = RuleDef {
    id: "cache-auth",
    severity: Severity::High,
    rationale: "Without an AUTH token or an RBAC user group, anything that reaches the port can read, write and flush the cache.",
    build: |values| Ok(Box::new(Auth(required(values)?))),
};

struct Auth(bool);

impl Check for Auth {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, group) in groups(snapshot) {
            if !group.auth_token_enabled && group.user_groups.is_empty() {
                out.push(Violation {
                    resource,
                    path: Some("properties.auth_token_enabled".into()),
                    expected: Some(json!("an AUTH token or an RBAC user group")),
                    actual: Some(json!(false)),
                    message: format!(
                        "{} takes connections without an AUTH token or RBAC user",
                        resource.name
                    ),
                });
            }
        }
    }
}

/// `cache-failover`: automatic failover and Multi-AZ, where the environment declares them.
pub const CACHE_FAILOVER: RuleDef = RuleDef {
    id: "cache-failover",
    severity: Severity::Medium,
    rationale: "Without automatic failover a primary's failure stops writes until someone promotes a replica by hand; Multi-AZ keeps a replica out of the failed zone.",
    build: |values| {
        Ok(Box::new(Failover(
            required_where_said(values)?,
        )))
    },
};

struct Failover(bool);

impl Check for Failover {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, group) in groups(snapshot) {
            for (state, field, what) in [
                (
                    &group.automatic_failover,
                    "automatic_failover",
                    "automatic failover",
                ),
                (&group.multi_az, "multi_az", "Multi-AZ"),
            ] {
                if state.as_deref() != Some("enabled") {
                    out.push(Violation {
                        resource,
                        path: Some(format!("properties.{field}")),
                        expected: Some(json!("enabled")),
                        actual: Some(json!(state)),
                        message: format!("{} runs without {what}", resource.name),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Resource;
    use crate::testing::violation_paths as paths;

    fn group(edit: impl FnOnce(&mut CacheReplicationGroup)) -> Snapshot {
        let mut properties = CacheReplicationGroup {
            engine: "redis".into(),
            engine_version: Some("7.1".into()),
            node_type: Some("cache.t4g.small".into()),
            cluster_mode: Some("disabled".into()),
            node_groups: 1,
            replicas_per_node_group: 1,
            automatic_failover: Some("enabled".into()),
            multi_az: Some("enabled".into()),
            transit_encryption: true,
            transit_encryption_mode: Some("required".into()),
            at_rest_encryption: true,
            kms_key_id: None,
            auth_token_enabled: true,
            user_groups: vec![],
            snapshot_retention_limit: Some(7),
            subnet_group: None,
            security_groups: vec![],
            parameter_group: None,
            status: Some("available".into()),
        };
        edit(&mut properties);
        let resource = Resource {
            kind: crate::model::ResourceKind::CacheReplicationGroup,
            region: "us-east-1".into(),
            id: "redis-prod".into(),
            name: "redis-prod".into(),
            logical_name: "redis-{env}".into(),
            arn: None,
            tags: Default::default(),
            properties: Properties::CacheReplicationGroup(properties),
        };
        crate::testing::snapshot(vec![resource])
    }

    #[test]
    fn a_group_without_encryption_breaks_one_finding_per_setting() {
        let clear = group(|g| {
            g.transit_encryption = false;
            g.at_rest_encryption = false;
        });
        assert_eq!(
            paths(&CACHE_ENCRYPTED, json!({}), &clear),
            [
                "properties.transit_encryption",
                "properties.at_rest_encryption"
            ]
        );
        assert!(paths(&CACHE_ENCRYPTED, json!({}), &group(|_| {})).is_empty());
        assert!(paths(&CACHE_ENCRYPTED, json!({"required": false}), &clear).is_empty());
    }

    #[test]
    fn either_an_auth_token_or_an_rbac_user_group_will_do() {
        let open = group(|g| g.auth_token_enabled = false);
        assert_eq!(
            paths(&CACHE_AUTH, json!({}), &open),
            ["properties.auth_token_enabled"]
        );
        let rbac = group(|g| {
            g.auth_token_enabled = false;
            g.user_groups = vec!["app-users".into()];
        });
        assert!(paths(&CACHE_AUTH, json!({}), &rbac).is_empty());
    }

    #[test]
    fn failover_is_checked_only_where_the_environment_declares_it() {
        let single = group(|g| {
            g.automatic_failover = Some("disabled".into());
            g.multi_az = Some("disabled".into());
        });
        assert!(paths(&CACHE_FAILOVER, json!({}), &single).is_empty());
        assert_eq!(
            paths(&CACHE_FAILOVER, json!({"required": true}), &single),
            ["properties.automatic_failover", "properties.multi_az"]
        );
        let unknown = json!({"wanted": true})
            .as_object()
            .cloned()
            .unwrap_or_default();
        assert!(
            (CACHE_FAILOVER.build)(unknown).is_err(),
            "an unknown setting is an error"
        );
    }
}

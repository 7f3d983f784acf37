//! Data-protection rules: Aurora encryption, backups, deletion protection.

use serde::Deserialize;
use serde_json::json;

use super::{params, Check, Day, RuleDef, Violation};
use crate::model::{Properties, Severity, Snapshot};

fn clusters(
    snapshot: &Snapshot,
) -> impl Iterator<Item = (&crate::model::Resource, &crate::model::DbCluster)> {
    snapshot
        .resources
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::DbCluster(c) => Some((r, c)),
            _ => None,
        })
}

/// `aurora-storage-encrypted`: Aurora / RDS clusters are encrypted at rest.
pub const STORAGE_ENCRYPTED: RuleDef = RuleDef {
    id: "aurora-storage-encrypted",
    severity: Severity::High,
    rationale: "Unencrypted storage exposes data in snapshots and on disk; encryption cannot be turned on later without a restore.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(StorageEncrypted))
    },
};

struct StorageEncrypted;

impl Check for StorageEncrypted {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, cluster) in clusters(snapshot) {
            if !cluster.storage_encrypted {
                out.push(Violation {
                    resource,
                    path: Some("properties.storage_encrypted".into()),
                    expected: Some(json!(true)),
                    actual: Some(json!(false)),
                    message: format!("{} stores data unencrypted", resource.name),
                });
            }
        }
    }
}

/// `backup-retention`: clusters keep backups at least the environment's minimum.
pub const BACKUP_RETENTION: RuleDef = RuleDef {
    id: "backup-retention",
    severity: Severity::Medium,
    rationale: "Point-in-time recovery only reaches back as far as the retention period; the environment's minimum is its recovery promise.",
    build: |values| Ok(Box::new(params::<BackupRetention>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupRetention {
    #[serde(default = "one")]
    min_days: i32,
}

fn one() -> i32 {
    1
}

impl Check for BackupRetention {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, cluster) in clusters(snapshot) {
            let days = cluster.backup_retention_period.unwrap_or(0);
            if days < self.min_days {
                out.push(Violation {
                    resource,
                    path: Some("properties.backup_retention_period".into()),
                    expected: Some(json!({">=": self.min_days})),
                    actual: Some(json!(days)),
                    message: format!(
                        "{} keeps backups {days} day(s); this environment requires at least {}",
                        resource.name, self.min_days
                    ),
                });
            }
        }
    }
}

/// `deletion-protection`: clusters cannot be deleted by accident where the environment says so.
pub const DELETION_PROTECTION: RuleDef = RuleDef {
    id: "deletion-protection",
    severity: Severity::Medium,
    rationale: "Deletion protection turns a mistaken delete of a production database into an error instead of an outage.",
    build: |values| Ok(Box::new(params::<DeletionProtection>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeletionProtection {
    #[serde(default)]
    required: bool,
}

impl Check for DeletionProtection {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.required {
            return;
        }
        for (resource, cluster) in clusters(snapshot) {
            if !cluster.deletion_protection {
                out.push(Violation {
                    resource,
                    path: Some("properties.deletion_protection".into()),
                    expected: Some(json!(true)),
                    actual: Some(json!(false)),
                    message: format!(
                        "{} can be deleted without first removing protection",
                        resource.name
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::testing::run;

    fn cluster(encrypted: bool, retention: i32, protected: bool) -> crate::model::Resource {
        crate::testing::db_cluster(retention, encrypted, protected)
    }

    #[test]
    fn encryption() {
        assert!(run(
            "aurora-storage-encrypted",
            json!({}),
            vec![cluster(true, 30, true)]
        )
        .is_empty());
        let found = run(
            "aurora-storage-encrypted",
            json!({}),
            vec![cluster(false, 30, true)],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, crate::model::Severity::High);
        assert_eq!(
            found[0].path.as_deref(),
            Some("properties.storage_encrypted")
        );
    }

    #[test]
    fn backup_retention_minimum() {
        assert!(run(
            "backup-retention",
            json!({"min_days": 30}),
            vec![cluster(true, 30, true)]
        )
        .is_empty());
        let found = run(
            "backup-retention",
            json!({"min_days": 30, "severity": "high"}),
            vec![cluster(true, 7, true)],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].actual, Some(json!(7)));
        assert_eq!(
            found[0].severity,
            crate::model::Severity::High,
            "severity is configurable"
        );
        assert!(
            run("backup-retention", json!({}), vec![cluster(true, 1, true)]).is_empty(),
            "default minimum 1"
        );
    }

    #[test]
    fn deletion_protection_only_where_required() {
        assert!(run(
            "deletion-protection",
            json!({}),
            vec![cluster(true, 1, false)]
        )
        .is_empty());
        assert_eq!(
            run(
                "deletion-protection",
                json!({"required": true}),
                vec![cluster(true, 1, false)]
            )
            .len(),
            1
        );
        assert!(run(
            "deletion-protection",
            json!({"required": true}),
            vec![cluster(true, 1, true)]
        )
        .is_empty());
        assert!(run(
            "deletion-protection",
            json!({"required": true, "enabled": false}),
            vec![cluster(true, 1, false)]
        )
        .is_empty());
    }
}

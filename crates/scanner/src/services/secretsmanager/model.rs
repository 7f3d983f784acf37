// Secrets Manager: the property types of its kinds. Metadata only: no value is ever read.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PolicyStatement};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A Secrets Manager secret (its metadata; never its value).
            SecretsManagerSecret = "secret",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A Secrets Manager secret's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretsManagerSecret {
    /// Description.
    pub description: Option<String>,
    /// KMS key (none: the account's `aws/secretsmanager` key).
    pub kms_key_id: Option<String>,
    /// Whether rotation is on.
    pub rotation_enabled: bool,
    /// The rotation function's ARN.
    pub rotation_function: Option<String>,
    /// Days between rotations.
    pub rotation_days: Option<i64>,
    /// Rotation schedule expression (`rate(30 days)`, `cron(...)`).
    pub rotation_schedule: Option<String>,
    /// Last rotation, RFC 3339 UTC.
    pub last_rotated: Option<String>,
    /// Last change of value or metadata, RFC 3339 UTC.
    pub last_changed: Option<String>,
    /// Creation, RFC 3339 UTC.
    pub created: Option<String>,
    /// The `AWSCURRENT` version's id: a new one means a new value.
    pub current_version: Option<String>,
    /// The service that manages it (`rds` for an RDS-managed master password).
    pub owning_service: Option<String>,
    /// The resource policy, normalized.
    pub policy: Option<Vec<PolicyStatement>>,
    /// Replicas in other regions.
    pub replicas: Vec<SecretReplica>,
}

/// A replica of a secret in another region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretReplica {
    /// Its region.
    pub region: String,
    /// Its KMS key.
    pub kms_key_id: Option<String>,
    /// `InSync`, `Failed`, `InProgress`.
    pub status: Option<String>,
}

impl KindProperties for SecretsManagerSecret {
    fn canonicalize(&mut self) {
        self.replicas.sort();
        if let Some(policy) = &mut self.policy {
            policy.sort();
        }
    }
}

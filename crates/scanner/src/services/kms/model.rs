// KMS: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PolicyStatement};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A customer-managed KMS key.
            KmsKey = "kms-key",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A customer-managed KMS key. Its key material is never read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KmsKey {
    /// Description.
    pub description: Option<String>,
    /// Its aliases (`alias/trading-prod`), sorted.
    pub aliases: Vec<String>,
    /// `Enabled`, `Disabled`, `PendingDeletion`, `PendingImport`, ...
    pub state: String,
    /// When a key pending deletion is deleted, RFC 3339 UTC.
    pub deletion_date: Option<String>,
    /// `SYMMETRIC_DEFAULT`, `RSA_2048`, ...
    pub key_spec: Option<String>,
    /// `ENCRYPT_DECRYPT`, `SIGN_VERIFY`, `GENERATE_VERIFY_MAC`.
    pub key_usage: Option<String>,
    /// `AWS_KMS`, `EXTERNAL`, `AWS_CLOUDHSM`, `EXTERNAL_KEY_STORE`.
    pub origin: Option<String>,
    /// Whether it is a multi-Region key.
    pub multi_region: bool,
    /// Whether its key material rotates automatically (none: the key cannot rotate, being
    /// asymmetric, HMAC, imported or in a custom key store).
    pub rotation_enabled: Option<bool>,
    /// Days between automatic rotations.
    pub rotation_period_days: Option<i32>,
    /// The key policy (`default`), normalized.
    pub policy: Vec<PolicyStatement>,
}

impl KindProperties for KmsKey {
    fn canonicalize(&mut self) {
        self.aliases.sort();
        self.policy.sort();
    }
}

// SSM Parameter Store: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PlainValue};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An SSM Parameter Store parameter.
            SsmParameter = "ssm-parameter",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An SSM parameter. A `SecureString`'s value is never recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsmParameter {
    /// `String`, `StringList` or `SecureString`.
    #[serde(rename = "type")]
    pub parameter_type: String,
    /// `text`, `aws:ec2:image`, ...
    pub data_type: Option<String>,
    /// Version number.
    pub version: i64,
    /// Last modification time, RFC 3339 UTC.
    pub last_modified: Option<String>,
    /// `Standard`, `Advanced` or `Intelligent-Tiering`.
    pub tier: Option<String>,
    /// KMS key of a `SecureString`.
    pub key_id: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The value of a `String` or `StringList`; always absent for `SecureString`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// `hmac-sha256:<hex>` of a `SecureString`'s value under the user's key, only with
    /// `--secure-digest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_digest: Option<String>,
}

/// The `type` of a `SecureString` parameter.
pub const SECURE_STRING: &str = "SecureString";

impl KindProperties for SsmParameter {
    fn canonicalize(&mut self) {}
    /// A `String` or `StringList` value (a SecureString's is never read).
    fn plain_values_mut(&mut self, id: &str) -> Vec<PlainValue<'_>> {
        if self.parameter_type == SECURE_STRING {
            return Vec::new();
        }
        self.value
            .iter_mut()
            .map(|value| PlainValue {
                path: "properties.value".into(),
                name: id.to_string(),
                value,
            })
            .collect()
    }
}

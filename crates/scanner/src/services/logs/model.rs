// CloudWatch Logs: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::KindProperties;

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list (`kinds_chain!` in `crate::model`), calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A CloudWatch Logs log group.
            LogGroup = "log-group",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A CloudWatch Logs log group. What it holds (stored bytes, streams) is not recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    /// Days events are kept (none: forever).
    pub retention_days: Option<i32>,
    /// KMS key encrypting its events (none: the service's encryption).
    pub kms_key_id: Option<String>,
    /// `STANDARD`, `INFREQUENT_ACCESS` or `DELIVERY`.
    pub class: Option<String>,
    /// Whether deletion protection is on.
    pub deletion_protection: bool,
}

impl KindProperties for LogGroup {
    fn canonicalize(&mut self) {}
}

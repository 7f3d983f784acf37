// IAM: the property types of its kinds.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PolicyStatement};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// An IAM role the environment uses.
            IamRole = "iam-role",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// An IAM role: who may assume it and what it may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamRole {
    /// Its path (`/`).
    pub path: String,
    /// Description.
    pub description: Option<String>,
    /// Who may assume it: the trust policy, normalized.
    pub trust_policy: Vec<PolicyStatement>,
    /// The managed policies attached to it, by ARN, sorted.
    pub managed_policies: Vec<String>,
    /// Its inline policies by name, each normalized.
    pub inline_policies: BTreeMap<String, Vec<PolicyStatement>>,
    /// The permissions boundary's ARN.
    pub permissions_boundary: Option<String>,
    /// Longest session, in seconds.
    pub max_session_duration: Option<i32>,
}

impl KindProperties for IamRole {
    fn canonicalize(&mut self) {
        self.trust_policy.sort();
        self.managed_policies.sort();
        for statements in self.inline_policies.values_mut() {
            statements.sort();
        }
    }
}

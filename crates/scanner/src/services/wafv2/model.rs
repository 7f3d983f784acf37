// WAFv2: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::KindProperties;

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A WAFv2 web ACL.
            WafWebAcl = "web-acl",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A WAFv2 web ACL in front of the environment's load balancers (regional) or distributions
/// (CLOUDFRONT scope, in the global region).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafWebAcl {
    /// Description.
    pub description: Option<String>,
    /// What happens to a request no rule decides: `allow` or `block`.
    pub default_action: String,
    /// Its rules, by priority.
    pub rules: Vec<WafRule>,
    /// The ARNs of the environment's resources it is associated with, sorted.
    pub associations: Vec<String>,
}

/// One rule of a web ACL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafRule {
    /// Its priority (lower is evaluated first).
    pub priority: i32,
    /// Its name.
    pub name: String,
    /// A rule's own action (`allow`, `block`, `count`, `captcha`, `challenge`).
    pub action: Option<String>,
    /// A rule group's override (`none`: the group's own actions; `count`: only counted).
    pub override_action: Option<String>,
    /// An AWS or Marketplace managed rule group, `<vendor>/<name>`.
    pub managed_rule_group: Option<String>,
    /// The managed rule group's pinned version; absent: the default version.
    pub version: Option<String>,
    /// The ARN of one of the account's own rule groups.
    pub rule_group: Option<String>,
}

impl KindProperties for WafWebAcl {
    fn canonicalize(&mut self) {
        self.rules.sort();
        self.associations.sort();
    }
}

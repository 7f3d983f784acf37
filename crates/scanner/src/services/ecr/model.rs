// ECR: the property types of its kinds.

use serde::{Deserialize, Serialize};

use crate::model::{KindProperties, PolicyStatement};

/// This service's kinds, `Variant = "name"` each (the variant also names its properties type),
/// in snapshot order: the model generates `ResourceKind` and `Properties` from every service's
/// list, calling it as `<service>::kinds!`.
macro_rules! kinds {
    ($chain:ident, $target:ident; { $($done:tt)* } $($rest:ident)*) => {
        $chain!($target; {
            $($done)*
            /// A private ECR image repository.
            EcrRepository = "ecr-repository",
        } $($rest)*);
    };
}
pub(crate) use kinds;

/// A private ECR image repository. Its images are not listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcrRepository {
    /// The URI task definitions pull from (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`).
    pub uri: String,
    /// `MUTABLE`, `IMMUTABLE`, `MUTABLE_WITH_EXCLUSION` or `IMMUTABLE_WITH_EXCLUSION`.
    pub tag_mutability: String,
    /// The wildcard filters of the tags excepted from `tag_mutability`, sorted.
    pub tag_mutability_exclusions: Vec<String>,
    /// The repository's own scan-on-push setting (basic scanning).
    pub scan_on_push: bool,
    /// How the registry's scanning configuration scans this repository: the most frequent
    /// scan of the registry rules whose filters match it (`SCAN_ON_PUSH`, `CONTINUOUS_SCAN`);
    /// absent when no rule does.
    pub registry_scan_frequency: Option<String>,
    /// The registry's scanning type (`BASIC` or `ENHANCED`).
    pub registry_scan_type: Option<String>,
    /// `AES256`, `KMS` or `KMS_DSSE`.
    pub encryption: String,
    /// The KMS key for `KMS` encryption; absent: the AWS-managed key.
    pub kms_key: Option<String>,
    /// The lifecycle policy's rules by priority; empty when there is no policy.
    pub lifecycle_rules: Vec<EcrLifecycleRule>,
    /// The repository policy's statements, normalized and sorted; absent when there is none.
    pub policy: Option<Vec<PolicyStatement>>,
}

/// One rule of a repository's lifecycle policy.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcrLifecycleRule {
    /// Its priority (lower runs first).
    pub priority: i64,
    /// `tagged`, `untagged` or `any`.
    pub tag_status: String,
    /// The tag prefixes or wildcard patterns a `tagged` rule selects, sorted.
    pub tag_patterns: Vec<String>,
    /// `imageCountMoreThan` or `sinceImagePushed` (and the other count types AWS adds).
    pub count_type: String,
    /// The count: images kept, or days.
    pub count_number: i64,
    /// `days` for an age count.
    pub count_unit: Option<String>,
    /// What happens to the selected images (`expire`, `transition`).
    pub action: String,
}

impl KindProperties for EcrRepository {
    fn canonicalize(&mut self) {
        self.tag_mutability_exclusions.sort();
        self.lifecycle_rules.sort();
        if let Some(policy) = &mut self.policy {
            policy.sort();
        }
    }
}

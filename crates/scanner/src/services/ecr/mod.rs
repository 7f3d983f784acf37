//! ECR: the image repositories the environment's task definitions pull from (whatever their
//! tags say: one repository usually serves every environment of an account), plus those
//! whose name carries the environment unless tagged for another. It follows the regional
//! services: the task definitions say which repositories are used.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use serde::Deserialize;

use crate::kinds::{unchanged, KindDef, Read, Scope, ServiceDef};
use crate::model::{EcrLifecycleRule, ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Ecr,
    // The calls that change a repository's settings, policies or tags, or the registry's
    // scanning (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_Operations.html).
    change_events: &[
        "CreateRepository",
        "DeleteRepository",
        "PutImageTagMutability",
        "PutImageScanningConfiguration",
        "PutLifecyclePolicy",
        "DeleteLifecyclePolicy",
        "SetRepositoryPolicy",
        "DeleteRepositoryPolicy",
        "PutRegistryScanningConfiguration",
        "TagResource",
        "UntagResource",
    ],
    kinds: &[&REPOSITORY],
    reads: &[
        &DESCRIBE_REPOSITORIES,
        &GET_REGISTRY_SCANNING_CONFIGURATION,
        &GET_LIFECYCLE_POLICY,
        &GET_REPOSITORY_POLICY,
        &LIST_TAGS_FOR_RESOURCE,
    ],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::RegionalFollowing {
        selected_by: &[K::EcsTaskDefinition],
        also_global_by: &[],
    },
};

/// What ECR answers a per-repository read of one deleted since it was listed
/// (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetLifecyclePolicy.html#API_GetLifecyclePolicy_Errors>).
const GONE: &[&str] = &["RepositoryNotFoundException"];
// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static DESCRIBE_REPOSITORIES: Read =
    crate::read!(Service::Ecr, "ecr", "DescribeRepositories", [K::EcrRepository]);
pub(crate) static GET_REGISTRY_SCANNING_CONFIGURATION: Read = crate::read!(
    Service::Ecr,
    "ecr",
    "GetRegistryScanningConfiguration",
    [K::EcrRepository]
);
pub(crate) static GET_LIFECYCLE_POLICY: Read =
    crate::read!(Service::Ecr, "ecr", "GetLifecyclePolicy", [K::EcrRepository])
        .gone(GONE)
        .none(&["LifecyclePolicyNotFoundException"]);
pub(crate) static GET_REPOSITORY_POLICY: Read =
    crate::read!(Service::Ecr, "ecr", "GetRepositoryPolicy", [K::EcrRepository])
        .gone(GONE)
        .none(&["RepositoryPolicyNotFoundException"]);
pub(crate) static LIST_TAGS_FOR_RESOURCE: Read =
    crate::read!(Service::Ecr, "ecr", "ListTagsForResource", [K::EcrRepository]).gone(GONE);

pub(super) static REPOSITORY: KindDef = KindDef {
    kind: K::EcrRepository,
    asff_type: "AwsEcrRepository",
    tags_are_read: true,
    name_fields: &[],
    changes_without_drift: &[],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

/// The repository an image reference names in an account's private registry, as
/// (account, region, repository): `123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app`
/// gives `("123456789012", "us-east-1", "trading-app")`. `None` for any other registry.
pub fn private_repository(image_repository: &str) -> Option<(&str, &str, &str)> {
    let (host, name) = image_repository.split_once('/')?;
    let mut parts = host.splitn(4, '.');
    let account = parts.next()?;
    let (dkr, ecr, rest) = (parts.next()?, parts.next()?, parts.next()?);
    let region = rest.strip_suffix(".amazonaws.com").or_else(|| rest.strip_suffix(".amazonaws.com.cn"))?;
    let valid = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (valid && dkr == "dkr" && ecr == "ecr" && !region.contains('.') && !name.is_empty())
        .then_some((account, region, name))
}

/// A lifecycle policy document as written
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html>).
#[derive(Deserialize)]
struct LifecyclePolicy {
    rules: Vec<LifecyclePolicyRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LifecyclePolicyRule {
    rule_priority: i64,
    selection: LifecycleSelection,
    action: LifecycleAction,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LifecycleSelection {
    tag_status: String,
    #[serde(default)]
    tag_prefix_list: Vec<String>,
    #[serde(default)]
    tag_pattern_list: Vec<String>,
    count_type: String,
    count_number: i64,
    count_unit: Option<String>,
}

#[derive(Deserialize)]
struct LifecycleAction {
    r#type: String,
}

/// The rules of a lifecycle policy document, or why it does not parse.
pub fn lifecycle_rules(document: &str) -> Result<Vec<EcrLifecycleRule>, String> {
    let policy: LifecyclePolicy = serde_json::from_str(document)
        .map_err(|e| format!("lifecycle policy does not parse: {e}"))?;
    Ok(policy
        .rules
        .into_iter()
        .map(|rule| {
            let selection = rule.selection;
            // A prefix selects what the wildcard `<prefix>*` does.
            let prefixes = selection.tag_prefix_list.into_iter().map(|p| format!("{p}*"));
            let mut tag_patterns: Vec<String> = prefixes.chain(selection.tag_pattern_list).collect();
            tag_patterns.sort();
            EcrLifecycleRule {
                priority: rule.rule_priority,
                tag_status: selection.tag_status,
                tag_patterns,
                count_type: selection.count_type,
                count_number: selection.count_number,
                count_unit: selection.count_unit,
                action: rule.action.r#type,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::private_repository;

    #[test]
    fn private_repositories_are_told_from_other_registries() {
        assert_eq!(
            private_repository("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/trading-app"),
            Some(("123456789012", "us-east-1", "team/trading-app"))
        );
        for other in [
            "public.ecr.aws/nginx/nginx",
            "docker.io/library/redis",
            "redis",
            "12345.dkr.ecr.us-east-1.amazonaws.com/app",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/",
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app",
        ] {
            assert_eq!(private_repository(other), None, "{other}");
        }
    }
}

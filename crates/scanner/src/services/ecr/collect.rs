//! ECR through its API: one paginated `DescribeRepositories` and the registry's scanning
//! configuration per region, then, for the environment's repositories only, their lifecycle
//! policy, repository policy and tags. A repository is the environment's when one of the
//! region's task definitions pulls from it (read whatever its tags say), or when its name
//! carries the environment and no tag gives it to another. Images are never listed.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ecr::types as ecr;
use aws_sdk_ecr::Client;

use crate::collect::{display_name, Collected, FnCollector, RegionContext, Unread};
use crate::model::{
    parse_policy, EcrRepository, Properties, Resource, ResourceKind as K,
};

/// Page size of `DescribeRepositories` (the API's maximum).
const PAGE_SIZE: i32 = 1000;
/// Repositories read further at once.
const CONCURRENCY: usize = 4;
const KINDS: &[K] = &[K::EcrRepository];

/// Reads ECR.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let (listed, scanning) = tokio::join!(
        client
            .describe_repositories()
            .max_results(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client.get_registry_scanning_configuration().send(),
    );
    let repositories: Vec<ecr::Repository> = match listed {
        Ok(repositories) => repositories,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_REPOSITORIES, KINDS, &e));
            return out;
        }
    };
    let scanning = match scanning {
        Ok(answer) => answer.scanning_configuration,
        Err(e) => {
            out.fail(ctx.failure(&super::GET_REGISTRY_SCANNING_CONFIGURATION, KINDS, &e));
            return out;
        }
    };
    let pulled = pulled_repositories(ctx);
    let reads: Vec<_> = repositories
        .into_iter()
        .filter_map(|r| {
            let used = r.repository_uri().is_some_and(|uri| pulled.contains(uri));
            let named = r.repository_name().is_some_and(|n| ctx.names_environment(n));
            (used || named).then(|| read_repository(ctx, &client, (r, used), scanning.as_ref()))
        })
        .collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// The repository URIs (`<registry>/<name>`) the region's task definitions pull from.
fn pulled_repositories(ctx: &RegionContext) -> BTreeSet<&str> {
    ctx.found
        .iter()
        .filter_map(|r| match &r.properties {
            Properties::EcsTaskDefinition(d) => Some(d.containers.iter()),
            _ => None,
        })
        .flatten()
        .map(|c| c.image_ref.repository.as_str())
        .collect()
}

/// What is read of each repository beyond its listing.
struct Settings {
    lifecycle: Option<String>,
    policy: Option<String>,
    tags: BTreeMap<String, String>,
}

/// One repository with its policies and tags; `None` when it is another environment's, gone,
/// or could not be read.
async fn read_repository(
    ctx: &RegionContext,
    client: &Client,
    (repository, used): (ecr::Repository, bool),
    scanning: Option<&ecr::RegistryScanningConfiguration>,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let name = repository.repository_name().unwrap_or_default();
    let arn = repository.repository_arn().unwrap_or_default();
    let read = read_settings(ctx, client, name, arn).await;
    let settings = match read {
        Ok(settings) => settings,
        Err(why) => {
            out.unread(ctx, (K::EcrRepository, name), why);
            return (None, out);
        }
    };
    if !used && !ctx.owns(&settings.tags, true) {
        return (None, out);
    }
    match repository_resource(ctx, &repository, settings, scanning) {
        Ok(resource) => (Some(resource), out),
        Err(why) => {
            out.unread(ctx, (K::EcrRepository, name), why);
            (None, out)
        }
    }
}

async fn read_settings(
    ctx: &RegionContext,
    client: &Client,
    name: &str,
    arn: &str,
) -> Result<Settings, Unread> {
    let (lifecycle, policy, tags) = tokio::join!(
        client.get_lifecycle_policy().repository_name(name).send(),
        client.get_repository_policy().repository_name(name).send(),
        client.list_tags_for_resource().resource_arn(arn).send(),
    );
    let lifecycle = ctx.configured(&super::GET_LIFECYCLE_POLICY, KINDS, lifecycle)?;
    let policy = ctx.configured(&super::GET_REPOSITORY_POLICY, KINDS, policy)?;
    let tags = ctx.configured(&super::LIST_TAGS_FOR_RESOURCE, KINDS, tags)?;
    Ok(Settings {
        lifecycle: lifecycle.and_then(|l| l.lifecycle_policy_text),
        policy: policy.and_then(|p| p.policy_text),
        tags: crate::collect::tag_map(
            tags.iter()
                .flat_map(|t| t.tags())
                .map(|t| (Some(t.key()), Some(t.value()))),
        ),
    })
}

fn repository_resource(
    ctx: &RegionContext,
    r: &ecr::Repository,
    settings: Settings,
    scanning: Option<&ecr::RegistryScanningConfiguration>,
) -> Result<Resource, Unread> {
    let name = r.repository_name().unwrap_or_default();
    let item = format!("repository `{name}`");
    let malformed = |read, message: String| {
        Unread::Failed(Box::new(ctx.malformed_policy(read, KINDS, &item, &message)))
    };
    let policy = settings
        .policy
        .as_deref()
        .map(parse_policy)
        .transpose()
        .map_err(|m| malformed(&super::GET_REPOSITORY_POLICY, m))?;
    let lifecycle_rules = settings
        .lifecycle
        .as_deref()
        .map(super::lifecycle_rules)
        .transpose()
        .map_err(|m| malformed(&super::GET_LIFECYCLE_POLICY, m))?
        .unwrap_or_default();
    let encryption = r.encryption_configuration();
    let mutability = r.image_tag_mutability();
    let mut properties = EcrRepository {
        uri: r.repository_uri().unwrap_or_default().to_string(),
        tag_mutability: mutability.map_or("MUTABLE", |m| m.as_str()).to_string(),
        tag_mutability_exclusions: r
            .image_tag_mutability_exclusion_filters()
            .iter()
            .map(|f| f.filter().to_string())
            .collect(),
        scan_on_push: r
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push()),
        registry_scan_frequency: scanning.and_then(|s| registry_scan_frequency(s, name)),
        registry_scan_type: scanning
            .and_then(|s| s.scan_type())
            .map(|t| t.as_str().to_string()),
        encryption: encryption.map_or("AES256", |e| e.encryption_type().as_str()).to_string(),
        kms_key: encryption.and_then(|e| e.kms_key()).map(str::to_string),
        lifecycle_rules,
        policy,
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    Ok(ctx.resource(
        name,
        display_name(&settings.tags, name),
        r.repository_arn().map(str::to_string),
        settings.tags,
        Properties::EcrRepository(properties),
    ))
}

/// The most frequent scan the registry's rules give `repository` (continuous, then on push),
/// `None` when no rule's filter matches it. ECR's filters are wildcards (`*` for any run of
/// characters) (<https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ScanningRepositoryFilter.html>).
fn registry_scan_frequency(
    scanning: &ecr::RegistryScanningConfiguration,
    repository: &str,
) -> Option<String> {
    let matches = |filter: &ecr::ScanningRepositoryFilter| {
        crate::baseline::expect::glob_to_regex(filter.filter())
            .is_ok_and(|pattern| pattern.is_match(repository))
    };
    let rank = |frequency: &ecr::ScanFrequency| match frequency {
        ecr::ScanFrequency::ContinuousScan => 2,
        ecr::ScanFrequency::ScanOnPush => 1,
        _ => 0,
    };
    scanning
        .rules()
        .iter()
        .filter(|rule| rule.repository_filters().iter().any(matches))
        .map(|rule| rule.scan_frequency())
        .filter(|frequency| rank(frequency) > 0)
        .max_by_key(|frequency| rank(frequency))
        .map(|frequency| frequency.as_str().to_string())
}

#[cfg(test)]
mod recorded {
    use std::sync::Arc;

    use super::*;
    use crate::collect::replay::{assert_refused, json, Recorded, Replay};

    const TARGET: &str = "AmazonEC2ContainerRegistry_V20150921";
    const REGISTRY: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

    fn repository(name: &str, mutability: &str) -> String {
        format!(
            r#"{{"repositoryArn":"arn:aws:ecr:us-east-1:123456789012:repository/{name}","registryId":"123456789012","repositoryName":"{name}","repositoryUri":"{REGISTRY}/{name}","imageTagMutability":"{mutability}","imageScanningConfiguration":{{"scanOnPush":false}},"encryptionConfiguration":{{"encryptionType":"AES256"}}}}"#
        )
    }

    /// Three repositories on two pages: the app's (pulled by staging, untagged), one named for
    /// staging but tagged for prod, one named for staging; a registry rule scanning `trading-*`
    /// continuously.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let op = |name: &str| format!("{TARGET}.{name}");
        let mut all = extra;
        all.extend([
            json(
                &[&op("DescribeRepositories"), "\"nextToken\":\"p2\""],
                200,
                &format!(r#"{{"repositories":[{},{}]}}"#, repository("tools-staging", "MUTABLE"), repository("old-staging", "MUTABLE")),
            ),
            json(
                &[&op("DescribeRepositories")],
                200,
                &format!(r#"{{"repositories":[{}],"nextToken":"p2"}}"#, repository("trading-app", "IMMUTABLE_WITH_EXCLUSION")),
            ),
            json(
                &[&op("GetRegistryScanningConfiguration")],
                200,
                r#"{"registryId":"123456789012","scanningConfiguration":{"scanType":"ENHANCED","rules":[{"scanFrequency":"SCAN_ON_PUSH","repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}]},{"scanFrequency":"CONTINUOUS_SCAN","repositoryFilters":[{"filter":"trading-*","filterType":"WILDCARD"}]}]}}"#,
            ),
            json(
                &[&op("GetLifecyclePolicy"), "trading-app"],
                200,
                r#"{"repositoryName":"trading-app","lifecyclePolicyText":"{\"rules\":[{\"rulePriority\":2,\"selection\":{\"tagStatus\":\"any\",\"countType\":\"imageCountMoreThan\",\"countNumber\":50},\"action\":{\"type\":\"expire\"}},{\"rulePriority\":1,\"selection\":{\"tagStatus\":\"tagged\",\"tagPrefixList\":[\"pr-\"],\"countType\":\"sinceImagePushed\",\"countUnit\":\"days\",\"countNumber\":14},\"action\":{\"type\":\"expire\"}}]}"}"#,
            ),
            json(&[&op("GetLifecyclePolicy")], 400, r#"{"__type":"LifecyclePolicyNotFoundException","message":"none"}"#),
            json(&[&op("GetRepositoryPolicy")], 400, r#"{"__type":"RepositoryPolicyNotFoundException","message":"none"}"#),
            json(&[&op("ListTagsForResource"), "old-staging"], 200, r#"{"tags":[{"Key":"Environment","Value":"prod"}]}"#),
            json(&[&op("ListTagsForResource")], 200, r#"{"tags":[]}"#),
        ]);
        all
    }

    /// A staging context whose task definition pulls `trading-app`.
    fn context(replay: &Replay) -> RegionContext {
        let image = format!("{REGISTRY}/trading-app:staging-4f2a9c1");
        let mut ctx = replay.region_context();
        let definition = crate::model::EcsTaskDefinition::running("trading-app-staging", &image);
        let properties = Properties::EcsTaskDefinition(definition);
        let pulling = ctx.resource("trading-app-staging", "trading-app-staging", None, BTreeMap::new(), properties);
        ctx.found = Arc::new(vec![pulling]);
        ctx
    }

    #[tokio::test]
    async fn pulled_and_named_repositories_are_read_with_their_lifecycle_and_registry_scanning() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&context(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count(&format!("{TARGET}.DescribeRepositories")), 2, "both pages");
        assert_eq!(replay.count(&format!("{TARGET}.GetLifecyclePolicy")), 3, "the pulled and the two named");
        let mut ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        ids.sort();
        assert_eq!(ids, ["tools-staging", "trading-app"], "old-staging is tagged for prod");
        let app = collected.resources.iter().find(|r| r.id == "trading-app").expect("the app's");
        let Properties::EcrRepository(app) = &app.properties else { panic!("a repository") };
        assert_eq!(app.uri, format!("{REGISTRY}/trading-app"));
        assert_eq!(app.registry_scan_frequency.as_deref(), Some("CONTINUOUS_SCAN"), "the most frequent rule");
        assert_eq!(app.lifecycle_rules.len(), 2);
        assert_eq!(app.lifecycle_rules[0].priority, 1, "sorted by priority");
        assert_eq!(app.lifecycle_rules[0].tag_patterns, ["pr-*"], "a prefix is its wildcard");
        assert_eq!(app.policy, None, "no policy is an answer");
    }

    #[tokio::test]
    async fn a_refused_policy_read_leaves_repositories_unknown_and_names_the_action() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: ecr:GetRepositoryPolicy"}"#;
        let op = format!("{TARGET}.GetRepositoryPolicy");
        let replay = Replay::start(answers(vec![json(&[&op, "trading-app"], 400, denied)]));
        let collected = collect(&context(&replay)).await;
        assert_refused(&collected, "GetRepositoryPolicy", "AccessDeniedException", "ecr:GetRepositoryPolicy");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }

    #[tokio::test]
    async fn a_repository_deleted_before_it_is_read_is_absent_not_unread() {
        let gone = r#"{"__type":"RepositoryNotFoundException","message":"gone"}"#;
        let op = format!("{TARGET}.ListTagsForResource");
        let replay = Replay::start(answers(vec![json(&[&op, "tools-staging"], 400, gone)]));
        let collected = collect(&context(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(collected.deleted.len(), 1);
        let ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["trading-app"]);
    }

    #[tokio::test]
    async fn a_malformed_lifecycle_policy_is_a_failure_not_no_policy() {
        let op = format!("{TARGET}.GetLifecyclePolicy");
        let broken = r#"{"repositoryName":"trading-app","lifecyclePolicyText":"{\"rules\":[{}]}"}"#;
        let replay = Replay::start(answers(vec![json(&[&op, "trading-app"], 200, broken)]));
        let collected = collect(&context(&replay)).await;
        assert_eq!(collected.failures.len(), 1);
        assert_eq!(collected.failures[0].code, "MalformedPolicy");
        assert!(collected.resources.is_empty());
    }
}

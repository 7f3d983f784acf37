//! Image rules: the ECR repositories the environment pulls from keep its release tags fixed,
//! scan what is pushed, expire old images and are not shared outside the account; and every
//! image a task definition names comes from a repository that exists.

use std::collections::BTreeSet;

use serde_json::json;

use super::grants::Grants;
use super::{of_kind, params, required, required_where_said, Check, Day, RuleDef, Violation};
use crate::model::{EcrRepository, Properties, Resource, ResourceKind, Severity, Snapshot};
use crate::services::ecr::private_repository;

fn repositories(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &EcrRepository)> {
    of_kind(snapshot, |p| match p {
        Properties::EcrRepository(r) => Some(r),
        _ => None,
    })
}

/// The tags the environment's task definitions run from the repository at `uri`.
fn tags_run_from<'a>(snapshot: &'a Snapshot, uri: &str) -> BTreeSet<&'a str> {
    of_kind(snapshot, |p| match p {
        Properties::EcsTaskDefinition(d) => Some(d),
        _ => None,
    })
    .flat_map(|(_, d)| d.containers.iter())
    .filter(|c| c.image_ref.repository == uri)
    .filter_map(|c| c.image_ref.tag.as_deref())
    .collect()
}

/// Whether pushing `tag` again is refused: the repository's setting, with its exclusion
/// filters (wildcards) reversing it for the tags they match
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html>).
fn tag_is_immutable(repository: &EcrRepository, tag: &str) -> bool {
    let excluded = repository.tag_mutability_exclusions.iter().any(|filter| {
        crate::baseline::expect::glob_to_regex(filter).is_ok_and(|p| p.is_match(tag))
    });
    match repository.tag_mutability.as_str() {
        "IMMUTABLE" => true,
        "IMMUTABLE_WITH_EXCLUSION" => !excluded,
        "MUTABLE_WITH_EXCLUSION" => excluded,
        _ => false,
    }
}

/// `ecr-tag-immutability`, off unless the environment requires it (prod, whose `v*.*.*` line
/// never moves): the tags the environment runs cannot be pushed again (AWS Security Hub
/// control ECR.2,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-2>).
pub const ECR_TAG_IMMUTABILITY: RuleDef = RuleDef {
    id: "ecr-tag-immutability",
    severity: Severity::High,
    rationale: "A release tag that can be pushed again can silently change what production runs on its next task start, with nothing in the deploy history.",
    build: |values| Ok(Box::new(TagImmutability(required_where_said(values)?))),
};

struct TagImmutability(bool);

impl Check for TagImmutability {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, repository) in repositories(snapshot) {
            let run = tags_run_from(snapshot, &repository.uri);
            let movable: Vec<&str> = match run.is_empty() {
                // Nothing runs from it here: its setting as a whole.
                true if !repository.tag_mutability.starts_with("IMMUTABLE") => vec!["*"],
                true => vec![],
                false => run
                    .into_iter()
                    .filter(|t| !tag_is_immutable(repository, t))
                    .collect(),
            };
            if !movable.is_empty() {
                out.push(Violation {
                    resource,
                    path: Some("properties.tag_mutability".into()),
                    expected: Some(json!("IMMUTABLE")),
                    actual: Some(json!(repository.tag_mutability)),
                    message: format!(
                        "{}'s tags {} can be pushed again",
                        resource.name,
                        movable.join(", ")
                    ),
                });
            }
        }
    }
}

/// `ecr-image-scanning`: images are scanned on push or continuously, by the repository's
/// setting or a registry rule (AWS Security Hub control ECR.1,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-1>).
pub const ECR_IMAGE_SCANNING: RuleDef = RuleDef {
    id: "ecr-image-scanning",
    severity: Severity::High,
    rationale: "Unscanned images reach the cluster with whatever known vulnerabilities their base layers carry.",
    build: |values| Ok(Box::new(Scanning(required(values)?))),
};

struct Scanning(bool);

impl Check for Scanning {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, repository) in repositories(snapshot) {
            if !repository.scan_on_push && repository.registry_scan_frequency.is_none() {
                out.push(Violation {
                    resource,
                    path: Some("properties.scan_on_push".into()),
                    expected: Some(json!(true)),
                    actual: Some(json!(false)),
                    message: format!(
                        "{}'s images are not scanned: scan on push is off and no registry scanning rule covers it",
                        resource.name
                    ),
                });
            }
        }
    }
}

/// `ecr-lifecycle-policy`: a lifecycle policy expires old images (AWS Security Hub control
/// ECR.3, <https://docs.aws.amazon.com/securityhub/latest/userguide/ecr-controls.html#ecr-3>).
pub const ECR_LIFECYCLE_POLICY: RuleDef = RuleDef {
    id: "ecr-lifecycle-policy",
    severity: Severity::Low,
    rationale: "Without a lifecycle policy every pushed image (one per preview commit) is stored and paid for forever, vulnerable ones included.",
    build: |values| Ok(Box::new(Lifecycle(required(values)?))),
};

struct Lifecycle(bool);

impl Check for Lifecycle {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        for (resource, repository) in repositories(snapshot) {
            if repository.lifecycle_rules.is_empty() {
                out.push(Violation {
                    resource,
                    path: Some("properties.lifecycle_rules".into()),
                    expected: Some(json!("at least one rule")),
                    actual: Some(json!([])),
                    message: format!(
                        "{} has no lifecycle policy: no image ever expires",
                        resource.name
                    ),
                });
            }
        }
    }
}

/// `ecr-repository-policy-no-outside-grant`: no repository policy statement lets anyone pull
/// or push unconditionally, or admits another account than those allowed.
pub const ECR_REPOSITORY_POLICY_NO_OUTSIDE_GRANT: RuleDef = RuleDef {
    id: "ecr-repository-policy-no-outside-grant",
    severity: Severity::Critical,
    rationale: "A public repository policy lets anyone pull the application's images (and the secrets baked into layers) or, with push rights, replace them.",
    build: |values| Ok(Box::new(OutsideGrant(params::<Grants>(values)?))),
};

struct OutsideGrant(Grants);

impl Check for OutsideGrant {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for (resource, repository) in repositories(snapshot) {
            if let Some(policy) = &repository.policy {
                self.0.check_policy(resource, policy, out);
            }
        }
    }
}

/// `task-image-repository-exists`: every image a task definition pulls from its own account's
/// registry in its own region names a repository that exists there. Images of other accounts,
/// other regions and other registries are not judged, nor is any region whose repositories
/// could not be read.
pub const TASK_IMAGE_REPOSITORY_EXISTS: RuleDef = RuleDef {
    id: "task-image-repository-exists",
    severity: Severity::High,
    rationale: "A task definition naming a deleted or misspelt repository cannot start a task: the next deploy, scale-out or restart fails.",
    build: |values| Ok(Box::new(RepositoryExists(required(values)?))),
};

struct RepositoryExists(bool);

impl Check for RepositoryExists {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        let existing: BTreeSet<&str> = repositories(snapshot)
            .map(|(_, r)| r.uri.as_str())
            .collect();
        let definitions = of_kind(snapshot, |p| match p {
            Properties::EcsTaskDefinition(d) => Some(d),
            _ => None,
        });
        for (resource, definition) in definitions {
            let account = resource.arn.as_deref().and_then(|a| a.split(':').nth(4));
            for container in &definition.containers {
                let uri = container.image_ref.repository.as_str();
                let Some((registry, region, name)) = private_repository(uri) else {
                    continue;
                };
                let judged = Some(registry) == account
                    && region == resource.region
                    && snapshot.kind_is_complete(region, ResourceKind::EcrRepository);
                if judged && !existing.contains(uri) {
                    out.push(Violation {
                        resource,
                        path: Some(format!(
                            "properties.containers[{}].image_ref.repository",
                            container.name
                        )),
                        expected: Some(json!("an existing repository")),
                        actual: Some(json!(uri)),
                        message: format!(
                            "container {} pulls from repository {name}, which does not exist in {region}",
                            container.name
                        ),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReadFailure;
    use crate::testing::violation_paths as paths;
    use crate::testing::{resource, snapshot, snapshot_with_failures, task_definition};

    const URI: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app";

    fn repository(edit: impl FnOnce(&mut EcrRepository)) -> Resource {
        let mut properties = EcrRepository {
            uri: URI.into(),
            tag_mutability: "IMMUTABLE".into(),
            tag_mutability_exclusions: vec![],
            scan_on_push: true,
            registry_scan_frequency: None,
            registry_scan_type: Some("BASIC".into()),
            encryption: "AES256".into(),
            kms_key: None,
            lifecycle_rules: vec![crate::model::EcrLifecycleRule {
                priority: 1,
                tag_status: "any".into(),
                tag_patterns: vec![],
                count_type: "imageCountMoreThan".into(),
                count_number: 50,
                count_unit: None,
                action: "expire".into(),
            }],
            policy: None,
        };
        edit(&mut properties);
        let mut r = resource("trading-app", Properties::EcrRepository(properties));
        r.arn = Some("arn:aws:ecr:us-east-1:123456789012:repository/trading-app".into());
        r
    }

    /// prod's task definition (in account 123456789012) running `image`.
    fn task(image: &str) -> Resource {
        let mut t = task_definition(image);
        t.arn =
            Some("arn:aws:ecs:us-east-1:123456789012:task-definition/trading-app-prod:1".into());
        t
    }

    #[test]
    fn release_tags_must_be_immutable_where_the_environment_says_so() {
        let required = json!({"required": true});
        let run = |edit: fn(&mut EcrRepository), tag: &str| {
            let resources = vec![repository(edit), task(&format!("{URI}:{tag}"))];
            paths(
                &ECR_TAG_IMMUTABILITY,
                required.clone(),
                &snapshot(resources),
            )
        };
        assert!(run(|_| {}, "v1.4.2").is_empty());
        assert_eq!(
            run(|r| r.tag_mutability = "MUTABLE".into(), "v1.4.2"),
            ["properties.tag_mutability"]
        );
        let except_latest = |r: &mut EcrRepository| {
            r.tag_mutability = "IMMUTABLE_WITH_EXCLUSION".into();
            r.tag_mutability_exclusions = vec!["latest".into()];
        };
        assert!(run(except_latest, "v1.4.2").is_empty(), "only latest moves");
        assert_eq!(run(except_latest, "latest").len(), 1, "and prod runs it");
        let only_releases = |r: &mut EcrRepository| {
            r.tag_mutability = "MUTABLE_WITH_EXCLUSION".into();
            r.tag_mutability_exclusions = vec!["v*".into()];
        };
        assert!(
            run(only_releases, "v1.4.2").is_empty(),
            "the release line is fixed"
        );
        assert_eq!(run(only_releases, "staging-4f2a9c1").len(), 1);
        let mutable = snapshot(vec![repository(|r| r.tag_mutability = "MUTABLE".into())]);
        assert!(
            paths(&ECR_TAG_IMMUTABILITY, json!({}), &mutable).is_empty(),
            "off unless required"
        );
        assert_eq!(
            paths(&ECR_TAG_IMMUTABILITY, required, &mutable).len(),
            1,
            "nothing runs: the setting"
        );
    }

    #[test]
    fn scanning_is_the_repository_setting_or_a_registry_rule() {
        let off = |r: &mut EcrRepository| r.scan_on_push = false;
        assert_eq!(
            paths(
                &ECR_IMAGE_SCANNING,
                json!({}),
                &snapshot(vec![repository(off)])
            ),
            ["properties.scan_on_push"]
        );
        let registry = repository(|r| {
            r.scan_on_push = false;
            r.registry_scan_frequency = Some("CONTINUOUS_SCAN".into());
        });
        assert!(paths(&ECR_IMAGE_SCANNING, json!({}), &snapshot(vec![registry])).is_empty());
        let unscanned = snapshot(vec![repository(off)]);
        assert!(paths(&ECR_IMAGE_SCANNING, json!({"required": false}), &unscanned).is_empty());
    }

    #[test]
    fn a_repository_without_lifecycle_rules_is_found() {
        assert!(paths(
            &ECR_LIFECYCLE_POLICY,
            json!({}),
            &snapshot(vec![repository(|_| {})])
        )
        .is_empty());
        let none = snapshot(vec![repository(|r| r.lifecycle_rules.clear())]);
        assert_eq!(
            paths(&ECR_LIFECYCLE_POLICY, json!({}), &none),
            ["properties.lifecycle_rules"]
        );
    }

    #[test]
    fn public_and_foreign_repository_policies_are_found() {
        let policy = |principal: &str| {
            crate::model::parse_policy(&format!(
                r#"{{"Statement":{{"Effect":"Allow","Principal":{principal},"Action":"ecr:BatchGetImage"}}}}"#
            ))
            .expect("a policy")
        };
        let with = |principal: &'static str| {
            snapshot(vec![repository(|r| r.policy = Some(policy(principal)))])
        };
        let rule = &ECR_REPOSITORY_POLICY_NO_OUTSIDE_GRANT;
        assert!(paths(
            rule,
            json!({}),
            &with(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#)
        )
        .is_empty());
        assert_eq!(
            paths(rule, json!({}), &with(r#""*""#)),
            ["properties.policy"]
        );
        let tools = r#"{"AWS":"arn:aws:iam::210987654321:root"}"#;
        assert_eq!(paths(rule, json!({}), &with(tools)).len(), 1);
        assert!(paths(
            rule,
            json!({"allowed_accounts": ["210987654321"]}),
            &with(tools)
        )
        .is_empty());
    }

    #[test]
    fn only_images_of_the_own_registry_and_region_read_completely_must_exist() {
        let rule = &TASK_IMAGE_REPOSITORY_EXISTS;
        let path = "properties.containers[app].image_ref.repository";
        let present = snapshot(vec![repository(|_| {}), task(&format!("{URI}:v1"))]);
        assert!(paths(rule, json!({}), &present).is_empty());
        let missing = snapshot(vec![task(&format!("{URI}:v1"))]);
        assert_eq!(paths(rule, json!({}), &missing), [path]);
        for elsewhere in [
            "210987654321.dkr.ecr.us-east-1.amazonaws.com/trading-app:v1",
            "123456789012.dkr.ecr.us-west-2.amazonaws.com/trading-app:v1",
            "public.ecr.aws/nginx/nginx:1",
        ] {
            assert!(
                paths(rule, json!({}), &snapshot(vec![task(elsewhere)])).is_empty(),
                "{elsewhere}"
            );
        }
        let unread = ReadFailure {
            region: "us-east-1".into(),
            service: crate::model::Service::Ecr,
            operation: "DescribeRepositories".into(),
            kinds: vec![ResourceKind::EcrRepository],
            code: "AccessDeniedException".into(),
            message: "denied".into(),
        };
        let unknown = snapshot_with_failures(vec![task(&format!("{URI}:v1"))], vec![unread]);
        assert!(
            paths(rule, json!({}), &unknown).is_empty(),
            "never judged on an unread registry"
        );
    }
}

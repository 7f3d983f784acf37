//! Platform rules: image tags, Container Insights, required tags, plaintext secrets.

use regex::Regex;
use serde::Deserialize;
use serde_json::json;

use super::{params, Check, Day, RuleDef, Violation};
use crate::model::secrets::{is_redacted, REDACTED_PREFIX};
use crate::model::{Properties, Resource, Severity, Snapshot};

/// `image-tag-policy`: containers run image tags the environment allows (prod never `:latest`).
pub const IMAGE_TAG_POLICY: RuleDef = RuleDef {
    id: "image-tag-policy",
    severity: Severity::High,
    rationale: "A floating tag such as `latest` makes what runs unknowable and rollbacks impossible; each environment runs its own release line.",
    build: |values| {
        let settings = params::<ImageTagSettings>(values)?;
        let allow = settings
            .allow
            .as_deref()
            .map(|p| crate::baseline::expect::build(p).map_err(|e| format!("allow: invalid regex `{p}`: {e}")))
            .transpose()?;
        Ok(Box::new(ImageTagPolicy { allow, deny: settings.deny }))
    },
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ImageTagSettings {
    /// Tags must match this regex (digest-pinned images always pass).
    #[serde(default)]
    allow: Option<String>,
    /// Tags never allowed; an image without tag or digest counts as `latest`.
    #[serde(default = "latest")]
    deny: Vec<String>,
}

fn latest() -> Vec<String> {
    vec!["latest".into()]
}

struct ImageTagPolicy {
    allow: Option<Regex>,
    deny: Vec<String>,
}

impl Check for ImageTagPolicy {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for resource in &snapshot.resources {
            let Properties::EcsTaskDefinition(definition) = &resource.properties else {
                continue;
            };
            for container in &definition.containers {
                let image = &container.image_ref;
                let tag = match (&image.tag, &image.digest) {
                    (Some(tag), _) => tag.as_str(),
                    (None, Some(_)) => continue, // pinned by digest
                    (None, None) => "latest",
                };
                let denied = self.deny.iter().any(|d| d == tag);
                let not_allowed = self.allow.as_ref().is_some_and(|a| !a.is_match(tag));
                if denied || not_allowed {
                    out.push(Violation {
                        resource,
                        path: Some(format!(
                            "properties.containers[{}].image_ref.tag",
                            container.name
                        )),
                        expected: Some(match &self.allow {
                            Some(allow) => json!({"regex": allow.as_str()}),
                            None => json!({"not": self.deny}),
                        }),
                        actual: Some(json!(tag)),
                        message: format!(
                            "container {} runs `{}`, a tag this environment does not allow",
                            container.name, container.image
                        ),
                    });
                }
            }
        }
    }
}

/// `container-insights`: ECS clusters have Container Insights on.
pub const CONTAINER_INSIGHTS: RuleDef = RuleDef {
    id: "container-insights",
    severity: Severity::Low,
    rationale: "Without Container Insights there are no task-level CPU, memory and network metrics to debug an incident with.",
    build: |values| {
        params::<super::NoParams>(values)?;
        Ok(Box::new(ContainerInsights))
    },
};

struct ContainerInsights;

impl Check for ContainerInsights {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for resource in &snapshot.resources {
            let Properties::EcsCluster(cluster) = &resource.properties else {
                continue;
            };
            let setting = cluster
                .settings
                .get("containerInsights")
                .map(String::as_str);
            if !matches!(setting, Some("enabled") | Some("enhanced")) {
                out.push(Violation {
                    resource,
                    path: Some("properties.settings.containerInsights".into()),
                    expected: Some(json!({"one_of": ["enabled", "enhanced"]})),
                    actual: setting.map(|s| json!(s)),
                    message: format!("{} has Container Insights off", resource.name),
                });
            }
        }
    }
}

/// `required-tags`: every taggable resource carries the organisation's tags.
pub const REQUIRED_TAGS: RuleDef = RuleDef {
    id: "required-tags",
    severity: Severity::Low,
    rationale: "Environment, Project, ManagedBy and CostCenter tags are how cost, ownership and driftscan's own selection find a resource.",
    build: |values| Ok(Box::new(params::<RequiredTags>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredTags {
    #[serde(default = "standard_tags")]
    tags: Vec<String>,
}

fn standard_tags() -> Vec<String> {
    ["Environment", "Project", "ManagedBy", "CostCenter"]
        .map(String::from)
        .to_vec()
}

impl Check for RequiredTags {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        // Kinds whose tags are not read (a parameter's take a call each; a listener belongs
        // with its load balancer) cannot be held to tags. A resource tagged for another
        // environment, in the snapshot because this one uses it (the account's shared image
        // repository, `Environment=shared`), is held to tags by its own environment.
        let tag_key = &snapshot.selection.tag_key;
        let another_environments = |r: &Resource| {
            r.tags
                .get(tag_key)
                .is_some_and(|e| !e.eq_ignore_ascii_case(&snapshot.environment))
        };
        for resource in snapshot
            .resources
            .iter()
            .filter(|r| crate::services::kind(r.kind).tags_are_read && !another_environments(r))
        {
            let missing: Vec<&str> = self
                .tags
                .iter()
                .filter(|t| resource.tags.get(*t).is_none_or(|v| v.trim().is_empty()))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                out.push(Violation {
                    resource,
                    path: Some("tags".into()),
                    expected: Some(json!(self.tags)),
                    actual: Some(json!(resource.tags.keys().collect::<Vec<_>>())),
                    message: format!("{} lacks tag(s) {}", resource.name, missing.join(", ")),
                });
            }
        }
    }
}

/// `plaintext-secret`: no secret in plain configuration (a container's environment, a `String`
/// parameter). The value was redacted when the snapshot was taken; the finding names where it
/// is, never what it is.
pub const PLAINTEXT_SECRET: RuleDef = RuleDef {
    id: "plaintext-secret",
    severity: Severity::Critical,
    rationale: "A secret in a container's environment or a plain parameter is readable by anyone who can describe the task definition or read the parameter: it belongs in Secrets Manager or a SecureString.",
    build: |values| Ok(Box::new(params::<PlaintextSecret>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaintextSecret {
    /// Known false positives: `{resource: <kind>/<name>, path: <field path>}`.
    #[serde(default)]
    allow: Vec<AllowedSecret>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowedSecret {
    resource: String,
    path: String,
    #[serde(default)]
    #[allow(dead_code)]
    reason: Option<String>,
}

impl Check for PlaintextSecret {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        for resource in &snapshot.resources {
            // The kind's plain values, read from a copy (the accessor lends them mutably).
            let mut properties = resource.properties.clone();
            let found: Vec<(String, String)> = properties
                .plain_values_mut(&resource.id)
                .into_iter()
                .filter(|plain| is_redacted(plain.value))
                .map(|plain| (plain.path, plain.value.clone()))
                .collect();
            let key = format!("{}/{}", resource.kind, resource.name);
            for (path, marker) in found {
                let allowed = self
                    .allow
                    .iter()
                    .any(|a| a.resource == key && a.path == path);
                if allowed {
                    continue;
                }
                let detector = marker
                    .trim_start_matches(REDACTED_PREFIX)
                    .split(':')
                    .next()
                    .unwrap_or_default();
                out.push(Violation {
                    resource,
                    message: format!(
                        "{} holds a secret in plain configuration at {path} ({detector}); move it to Secrets Manager or a SecureString",
                        resource.name
                    ),
                    path: Some(path),
                    expected: Some(json!("no plaintext secret")),
                    actual: Some(json!({"detected": detector})),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::*;
    use crate::testing::{resource, run, task_definition as task};

    #[test]
    fn image_tags() {
        let prod = json!({"allow": "^v\\d+\\.\\d+\\.\\d+$"});
        assert!(run(
            "image-tag-policy",
            prod.clone(),
            vec![task("repo/app:v1.4.2")]
        )
        .is_empty());
        let found = run(
            "image-tag-policy",
            prod.clone(),
            vec![task("repo/app:latest")],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].path.as_deref(),
            Some("properties.containers[app].image_ref.tag")
        );
        assert_eq!(
            run("image-tag-policy", prod.clone(), vec![task("repo/app")]).len(),
            1,
            "no tag is latest"
        );
        assert_eq!(
            run(
                "image-tag-policy",
                prod.clone(),
                vec![task("repo/app:staging-1")]
            )
            .len(),
            1
        );
        assert!(
            run("image-tag-policy", prod, vec![task("repo/app@sha256:abc")]).is_empty(),
            "digests pass"
        );
        assert_eq!(
            run("image-tag-policy", json!({}), vec![task("repo/app:latest")]).len(),
            1,
            "latest denied by default"
        );
        assert!(
            run(
                "image-tag-policy",
                json!({"deny": []}),
                vec![task("repo/app:latest")]
            )
            .is_empty(),
            "dev may allow it"
        );
    }

    #[test]
    fn invalid_allow_patterns_are_configuration_errors() {
        let settings = json!({"allow": "("}).as_object().unwrap().clone();
        let err = (super::IMAGE_TAG_POLICY.build)(settings)
            .err()
            .expect("rejected");
        assert!(err.contains("invalid regex"), "{err}");
    }

    #[test]
    fn container_insights() {
        let cluster = |setting: Option<&str>| {
            resource(
                "ecs-cluster-prod",
                Properties::EcsCluster(EcsCluster {
                    status: "ACTIVE".into(),
                    settings: setting
                        .map(|s| ("containerInsights".to_string(), s.to_string()))
                        .into_iter()
                        .collect(),
                    capacity_providers: vec![],
                    default_capacity_provider_strategy: vec![],
                }),
            )
        };
        assert!(run(
            "container-insights",
            json!({}),
            vec![cluster(Some("enabled"))]
        )
        .is_empty());
        assert!(run(
            "container-insights",
            json!({}),
            vec![cluster(Some("enhanced"))]
        )
        .is_empty());
        assert_eq!(
            run(
                "container-insights",
                json!({}),
                vec![cluster(Some("disabled"))]
            )
            .len(),
            1
        );
        assert_eq!(
            run("container-insights", json!({}), vec![cluster(None)]).len(),
            1
        );
    }

    #[test]
    fn required_tags() {
        let mut untagged = task("repo/app:v1.0.0");
        assert!(run("required-tags", json!({}), vec![untagged.clone()]).is_empty());
        untagged.tags.remove("CostCenter");
        let found = run("required-tags", json!({}), vec![untagged.clone()]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("CostCenter"));
        assert!(run(
            "required-tags",
            json!({"tags": ["Environment"]}),
            vec![untagged.clone()]
        )
        .is_empty());
        untagged.tags.insert("Environment".into(), "shared".into());
        let preview_tags = json!({"tags": ["Environment", "CostCenter", "PullRequest"]});
        assert!(
            run("required-tags", preview_tags, vec![untagged]).is_empty(),
            "another environment's (shared) resource is held to its own tags"
        );
    }
}

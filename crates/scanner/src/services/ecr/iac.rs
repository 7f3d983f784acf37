//! How Pulumi and Terraform declare ECR's kinds: a repository, with its lifecycle policy and
//! repository policy as parts of it (each naming the repository by name, its id in both tools).

use serde_json::{json, Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings (`aws_ecr_repository`).
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::EcrRepository,
    pulumi: &["aws:ecr/repository:Repository"],
    terraform: &["aws_ecr_repository"],
    name: Naming::Attribute("name"),
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "repository_url", "uri");
        a.copy_str(&mut p, "image_tag_mutability", "tag_mutability");
        let exclusions: Vec<String> = a
            .blocks("image_tag_mutability_exclusion_filter")
            .iter()
            .filter_map(|f| f.str("filter").map(str::to_string))
            .collect();
        if !exclusions.is_empty() {
            p.insert("tag_mutability_exclusions".into(), json!(exclusions));
        }
        if let Some(scanning) = a.block("image_scanning_configuration") {
            scanning.copy_bool(&mut p, "scan_on_push", "scan_on_push");
        }
        if let Some(encryption) = a.block("encryption_configuration") {
            encryption.copy_str(&mut p, "encryption_type", "encryption");
            encryption.copy_str(&mut p, "kms_key", "kms_key");
        }
        p
    },
}];

/// Resources that declare part of a repository: its lifecycle policy, its repository policy.
pub static PARTS: &[PartMapping] = &[
    PartMapping {
        pulumi: &["aws:ecr/lifecyclePolicy:LifecyclePolicy"],
        terraform: &["aws_ecr_lifecycle_policy"],
        kind: K::EcrRepository,
        parent: "repository",
        merge: |a, p| {
            if let Some(rules) = a.str("policy").and_then(|d| super::lifecycle_rules(d).ok()) {
                p.insert("lifecycle_rules".into(), json!(rules));
            }
        },
    },
    PartMapping {
        pulumi: &["aws:ecr/repositoryPolicy:RepositoryPolicy"],
        terraform: &["aws_ecr_repository_policy"],
        kind: K::EcrRepository,
        parent: "repository",
        merge: merge_policy,
    },
];

fn merge_policy(a: &Attrs, p: &mut Map<String, Value>) {
    if let Some(statements) = a.str("policy").and_then(|d| crate::model::parse_policy(d).ok()) {
        p.insert("policy".into(), json!(statements));
    }
}

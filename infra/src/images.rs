//! The account's image repository, `trading-app`, which every environment's task definition
//! pulls from: scan on push, a lifecycle policy keeping the newest 50 images, and tags made
//! immutable by the environment that requires it (prod: its `v*.*.*` line never moves), never
//! made mutable again by another environment's apply. Destroy leaves it alone: the account's
//! other environments pull from it, and its images are the releases.

use aws_sdk_ecr::types as ecr;
use serde_json::{json, Value};

use crate::{call_error, Ctx, InfraError, Live};

/// The repository's name.
pub(crate) const REPOSITORY: &str = "trading-app";
/// Images the lifecycle policy keeps.
const KEEP_IMAGES: i64 = 50;

/// The repository's URI in `account` and `region`, as task definitions name it.
pub fn repository_uri(account: &str, region: &str) -> String {
    format!("{account}.dkr.ecr.{region}.amazonaws.com/{REPOSITORY}")
}

/// The lifecycle policy: expire all but the newest [`KEEP_IMAGES`] images
/// (<https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html>).
fn lifecycle_policy() -> Value {
    json!({"rules": [{
        "rulePriority": 1,
        "description": format!("keep the newest {KEEP_IMAGES} images"),
        "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": KEEP_IMAGES},
        "action": {"type": "expire"}
    }]})
}

/// The repository and its lifecycle policy's text, if it exists.
async fn find(ctx: &Ctx<'_>) -> Result<Option<(ecr::Repository, Option<String>)>, InfraError> {
    let described = ctx
        .ecr
        .describe_repositories()
        .repository_names(REPOSITORY)
        .send()
        .await;
    let repository = match described {
        Ok(found) => found.repositories.unwrap_or_default().into_iter().next(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_repository_not_found_exception()) =>
        {
            None
        }
        Err(e) => return Err(call_error("DescribeRepositories", REPOSITORY)(e)),
    };
    let Some(repository) = repository else {
        return Ok(None);
    };
    let lifecycle = match ctx
        .ecr
        .get_lifecycle_policy()
        .repository_name(REPOSITORY)
        .send()
        .await
    {
        Ok(found) => found.lifecycle_policy_text,
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_lifecycle_policy_not_found_exception()) =>
        {
            None
        }
        Err(e) => return Err(call_error("GetLifecyclePolicy", REPOSITORY)(e)),
    };
    Ok(Some((repository, lifecycle)))
}

/// How the live repository differs from the spec: it only ever tightens tag mutability.
fn differences(
    (repository, lifecycle): &(ecr::Repository, Option<String>),
    immutable: bool,
) -> Vec<String> {
    let mut differences = Vec::new();
    if immutable && repository.image_tag_mutability() != Some(&ecr::ImageTagMutability::Immutable) {
        differences.push("tags immutable".to_string());
    }
    if !repository
        .image_scanning_configuration()
        .is_some_and(|c| c.scan_on_push())
    {
        differences.push("scan on push".to_string());
    }
    let live: Option<Value> = lifecycle
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok());
    if live.as_ref() != Some(&lifecycle_policy()) {
        differences.push(format!("lifecycle: keep the newest {KEEP_IMAGES} images"));
    }
    differences
}

/// Creates the repository (scanning on push, with its lifecycle policy, immutable where the
/// environment requires it), or brings those in line.
pub(crate) async fn converge(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let immutable = ctx.spec.immutable_tags;
    let current = find(ctx).await?;
    let live = Live::of(current.as_ref(), |found| differences(found, immutable));
    let mutability = if immutable {
        ecr::ImageTagMutability::Immutable
    } else {
        ecr::ImageTagMutability::Mutable
    };
    let create = async {
        ctx.ecr
            .create_repository()
            .repository_name(REPOSITORY)
            .image_tag_mutability(mutability.clone())
            .image_scanning_configuration(
                ecr::ImageScanningConfiguration::builder()
                    .scan_on_push(true)
                    .build(),
            )
            .set_tags(Some(tags(ctx)?))
            .send()
            .await
            .map_err(call_error("CreateRepository", REPOSITORY))?;
        put_lifecycle(ctx).await
    };
    let update = async {
        if immutable {
            ctx.ecr
                .put_image_tag_mutability()
                .repository_name(REPOSITORY)
                .image_tag_mutability(ecr::ImageTagMutability::Immutable)
                .send()
                .await
                .map_err(call_error("PutImageTagMutability", REPOSITORY))?;
        }
        let scanning = ecr::ImageScanningConfiguration::builder()
            .scan_on_push(true)
            .build();
        ctx.ecr
            .put_image_scanning_configuration()
            .repository_name(REPOSITORY)
            .image_scanning_configuration(scanning)
            .send()
            .await
            .map_err(call_error("PutImageScanningConfiguration", REPOSITORY))?;
        put_lifecycle(ctx).await
    };
    let detail = format!(
        "tags {}, scan on push, keep {KEEP_IMAGES} images",
        mutability.as_str().to_lowercase()
    );
    ctx.converge(
        format!("ecr-repository {REPOSITORY}"),
        live,
        (detail, create),
        update,
    )
    .await
}

/// The account-level tags: the repository is shared, so its `Environment` is `shared`.
fn tags(ctx: &Ctx<'_>) -> Result<Vec<ecr::Tag>, InfraError> {
    let mut tags = ctx.spec.tags(REPOSITORY);
    tags.insert("Environment", "shared".to_string());
    tags.remove("PullRequest");
    tags.remove("AutoShutdown");
    tags.into_iter()
        .map(|(key, value)| {
            ecr::Tag::builder()
                .key(key)
                .value(value)
                .build()
                .map_err(|e| InfraError::Refused(e.to_string()))
        })
        .collect()
}

async fn put_lifecycle(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    ctx.ecr
        .put_lifecycle_policy()
        .repository_name(REPOSITORY)
        .lifecycle_policy_text(lifecycle_policy().to_string())
        .send()
        .await
        .map_err(call_error("PutLifecyclePolicy", REPOSITORY))?;
    Ok(())
}

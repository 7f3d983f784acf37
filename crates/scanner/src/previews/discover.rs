//! Finding the previews (the AWS edge): every value of the number tag in the parent's region
//! (`tag:GetResources` filtered on the key, the read the load balancer's rules already use),
//! then each preview's snapshot, read as `scan --env pr-<n>` reads it, with the parent's
//! credentials.

use std::collections::BTreeSet;

use futures::StreamExt;

use super::{Found, PreviewSettings};
use crate::config::{ConfigFile, EnvironmentSettings};
use crate::scan::SnapshotError;

/// Why the previews could not even be listed (nothing is then concluded about them).
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// The parent's settings.
    #[error(transparent)]
    Config(#[from] crate::error::ConfigError),
    /// No credentials.
    #[error(transparent)]
    Credentials(#[from] crate::aws::CredentialsError),
    /// A snapshot could not start.
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    /// The tag listing failed.
    #[error("could not list the previews (tag:GetResources, tag key {key}): {message}")]
    Listing {
        /// The number tag.
        key: String,
        /// What failed.
        message: String,
    },
}

/// The parent's region (its first, with `overrides` over its settings: a command line's
/// `--region`, `--profile`), and every preview found there with its snapshot, `parallel`
/// snapshots at a time.
pub async fn previews(
    config: &ConfigFile,
    settings: &PreviewSettings,
    overrides: EnvironmentSettings,
    parallel: usize,
) -> Result<(String, Vec<Found>), DiscoveryError> {
    let plan = config.plan(&settings.parent, overrides.clone(), None, None)?;
    let region = plan.regions.first().cloned().unwrap_or_default();
    let sdk = crate::aws::load(&plan).await?;
    let numbers = numbers(&sdk, &settings.number_tag).await?;
    let each = |number: u32| {
        let overrides = EnvironmentSettings {
            regions: Some(vec![region.clone()]),
            role_arn: plan.role_arn.clone(),
            external_id: plan.external_id.clone(),
            ..overrides.clone()
        };
        let environment = settings.environment(number);
        async move {
            let snapshot = crate::scan::snapshot_environment(
                config,
                &environment,
                overrides,
                None,
                None,
                &crate::scan::NoProgress,
            )
            .await?;
            Ok::<Found, DiscoveryError>(Found { number, snapshot })
        }
    };
    let found: Vec<Found> = futures::stream::iter(numbers.into_iter().map(each))
        .buffered(parallel.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    Ok((region, found))
}

/// Every pull request number the tag `key` carries in `sdk`'s region.
async fn numbers(sdk: &aws_types::SdkConfig, key: &str) -> Result<BTreeSet<u32>, DiscoveryError> {
    let tagging = aws_sdk_resourcegroupstagging::Client::new(sdk);
    let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
        .key(key)
        .build();
    let mut pages = tagging
        .get_resources()
        .tag_filters(filter)
        .into_paginator()
        .items()
        .send();
    let mut numbers = BTreeSet::new();
    while let Some(mapping) = pages.next().await {
        let mapping = mapping.map_err(|e| DiscoveryError::Listing {
            key: key.to_string(),
            message: crate::aws::error_chain(&e),
        })?;
        for tag in mapping.tags() {
            if tag.key() != key {
                continue;
            }
            match tag.value().trim_start_matches('#').parse::<u32>() {
                Ok(number) => {
                    numbers.insert(number);
                }
                Err(_) => tracing::warn!(
                    arn = mapping.resource_arn().unwrap_or_default(),
                    value = tag.value(),
                    "a {key} tag that is not a pull request number"
                ),
            }
        }
    }
    Ok(numbers)
}

//! Finding the accounts of an AWS Organization (`organizations:ListAccounts`, or the accounts
//! under the configured organizational units, nested ones included) and their tags, with the
//! credentials of the management account or a delegated administrator.

use std::collections::BTreeMap;

use aws_sdk_organizations::types::AccountStatus;
use aws_sdk_organizations::Client;
use aws_types::SdkConfig;

use crate::aws::{error_chain, error_code};
use crate::config::accounts::{AccountSettings, MemberAccount, OrganizationSettings};
use crate::config::ConfigFile;
use crate::error::ConfigError;

/// Why a configuration's organization could not be turned into accounts.
#[derive(Debug, thiserror::Error)]
pub enum OrganizationError {
    /// The organization could not be listed.
    #[error("discovering the organization's accounts: {0}")]
    Discovery(#[from] DiscoveryError),
    /// What was found conflicts with the file (an environment in two accounts).
    #[error("the organization's accounts: {0}")]
    Config(#[from] ConfigError),
}

/// `config` with its organization's accounts added, when it asks for discovery (listed with
/// `base`'s credentials, in us-east-1: the management account or a delegated administrator),
/// and the members left out with why.
pub async fn with_organization(
    config: ConfigFile,
    base: &SdkConfig,
) -> Result<(ConfigFile, Vec<(String, String)>), OrganizationError> {
    let Some(organization) = config.organization.clone() else {
        return Ok((config, Vec::new()));
    };
    // Organizations answers in us-east-1 (the aws partition's endpoint).
    let sdk = base
        .to_builder()
        .region(aws_types::region::Region::new("us-east-1"))
        .build();
    let found = discover(&sdk, &organization).await?;
    tracing::info!(
        accounts = found.accounts.len(),
        skipped = found.skipped.len(),
        "organization discovered"
    );
    Ok((config.with_discovered(found.accounts)?, found.skipped))
}

/// Why the organization could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("organizations:{operation} failed ({code}): {message}")]
pub struct DiscoveryError {
    /// The API operation.
    pub operation: &'static str,
    /// AWS error code or transport failure class.
    pub code: String,
    /// The message with its cause chain.
    pub message: String,
}

fn failure<E, R>(
    operation: &'static str,
    error: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> DiscoveryError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    DiscoveryError {
        operation,
        code: error_code(error),
        message: error_chain(error),
    }
}

/// What discovery found: the accounts to scan, and the members left out with why.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// Accounts to scan, with their environments and regions from their tags.
    pub accounts: Vec<AccountSettings>,
    /// (account id, why it is not scanned).
    pub skipped: Vec<(String, String)>,
}

/// Lists the organization's active accounts (under `settings.organizational_units` when set)
/// with their tags, and selects those to scan. Organizations is a global service answered in
/// us-east-1 (aws partition); `config` says where.
pub async fn discover(
    config: &SdkConfig,
    settings: &OrganizationSettings,
) -> Result<Discovered, DiscoveryError> {
    let client = Client::new(config);
    let mut members: BTreeMap<String, (String, AccountStatus)> = BTreeMap::new();
    if settings.organizational_units.is_empty() {
        let pages: Vec<_> = client
            .list_accounts()
            .into_paginator()
            .send()
            .try_collect()
            .await
            .map_err(|e| failure("ListAccounts", &e))?;
        for account in pages
            .into_iter()
            .flat_map(|p| p.accounts.unwrap_or_default())
        {
            insert(&mut members, account);
        }
    } else {
        // Breadth first through the units below each configured one.
        let mut units: Vec<String> = settings.organizational_units.clone();
        while let Some(unit) = units.pop() {
            let pages: Vec<_> = client
                .list_accounts_for_parent()
                .parent_id(&unit)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(|e| failure("ListAccountsForParent", &e))?;
            for account in pages
                .into_iter()
                .flat_map(|p| p.accounts.unwrap_or_default())
            {
                insert(&mut members, account);
            }
            let pages: Vec<_> = client
                .list_organizational_units_for_parent()
                .parent_id(&unit)
                .into_paginator()
                .send()
                .try_collect()
                .await
                .map_err(|e| failure("ListOrganizationalUnitsForParent", &e))?;
            units.extend(
                pages
                    .into_iter()
                    .flat_map(|p| p.organizational_units.unwrap_or_default())
                    .filter_map(|u| u.id),
            );
        }
    }

    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for (id, (name, status)) in members {
        if status != AccountStatus::Active {
            skipped.push((id, format!("status {}", status.as_str())));
            continue;
        }
        let tags: Vec<_> = client
            .list_tags_for_resource()
            .resource_id(&id)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .map_err(|e| failure("ListTagsForResource", &e))?;
        found.push(MemberAccount {
            id,
            name,
            tags: tags.into_iter().map(|t| (t.key, t.value)).collect(),
        });
    }
    let (accounts, mut left_out) = settings.select(&found);
    skipped.append(&mut left_out);
    Ok(Discovered { accounts, skipped })
}

fn insert(
    members: &mut BTreeMap<String, (String, AccountStatus)>,
    account: aws_sdk_organizations::types::Account,
) {
    if let Some(id) = account.id {
        let status = account.status.unwrap_or(AccountStatus::Active);
        members.insert(id, (account.name.unwrap_or_default(), status));
    }
}

//! SDK configuration from the standard AWS chain, with driftscan's retry and timeout settings
//! and an optional role to assume: once per account per process, its credentials shared by
//! every environment and region there and refreshed before they expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_types::SdkConfig;

use super::credentials::{check_credentials, CredentialsError};
use crate::config::ScanPlan;

/// How long to wait for a TCP/TLS connection before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The region the standard chain gives (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile).
pub async fn default_region(profile: Option<&str>) -> Option<String> {
    let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(profile) = profile {
        chain = chain.profile_name(profile);
    }
    chain.build().region().await.map(|r| r.to_string())
}

/// Loads the SDK configuration for a plan: standard retry mode with the plan's attempts, the
/// plan's operation timeout, its profile, and its role assumed when one is set. The base
/// credentials are resolved first ([`check_credentials`]); a role that cannot be assumed is the
/// snapshot's failure, not this one's.
pub async fn load(plan: &ScanPlan) -> Result<SdkConfig, CredentialsError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(plan.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_timeout(plan.operation_timeout)
                .build(),
        );
    if let Some(profile) = &plan.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = plan.regions.first() {
        loader = loader.region(Region::new(region.clone()));
    }
    let base = loader.load().await;
    check_credentials(&base, plan.profile.as_deref()).await?;
    Ok(match &plan.role_arn {
        None => base,
        Some(role_arn) => {
            let key = format!(
                "{role_arn}|{}|{}",
                plan.external_id.as_deref().unwrap_or_default(),
                plan.profile.as_deref().unwrap_or_default()
            );
            let sessions = SESSIONS.get_or_init(Default::default);
            let existing = sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .cloned();
            let credentials = match existing {
                Some(credentials) => credentials,
                None => {
                    let mut provider = AssumeRoleProvider::builder(role_arn)
                        .session_name(crate::config::accounts::SESSION_NAME)
                        .configure(&base);
                    if let Some(external_id) = &plan.external_id {
                        provider = provider.external_id(external_id);
                    }
                    let session = Arc::new(Session {
                        provider: provider.build().await,
                        cached: tokio::sync::Mutex::new(None),
                    });
                    let shared = SharedCredentialsProvider::new(SessionCredentials(session));
                    sessions
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .entry(key)
                        .or_insert(shared)
                        .clone()
                }
            };
            base.into_builder()
                .credentials_provider(credentials)
                .build()
        }
    })
}

/// The roles assumed so far in this process, by role, external ID and base profile.
static SESSIONS: OnceLock<Mutex<HashMap<String, SharedCredentialsProvider>>> = OnceLock::new();

/// Credentials are renewed this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// One assumed role: its provider and the credentials it last gave.
#[derive(Debug)]
struct Session {
    provider: AssumeRoleProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

/// Gives a session's cached credentials until they come within [`REFRESH_BEFORE_EXPIRY`] of
/// their expiry, then assumes the role again (one caller at a time: the others wait for it).
/// A failure is not cached: the next caller tries again.
#[derive(Debug, Clone)]
struct SessionCredentials(Arc<Session>);

impl ProvideCredentials for SessionCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let mut cached = self.0.cached.lock().await;
            if let Some(credentials) = cached
                .as_ref()
                .filter(|c| fresh(c.expiry(), SystemTime::now()))
            {
                return Ok(credentials.clone());
            }
            let credentials = self.0.provider.provide_credentials().await?;
            *cached = Some(credentials.clone());
            Ok(credentials)
        })
    }
}

/// Whether credentials expiring at `expiry` are good for another [`REFRESH_BEFORE_EXPIRY`].
fn fresh(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_none_or(|at| at > now + REFRESH_BEFORE_EXPIRY)
}

/// `base` with its credentials replaced by a role assumed from them (refreshed before they
/// expire), under a session name that says who is calling.
pub async fn assume_role(base: SdkConfig, role_arn: &str, session_name: &str) -> SdkConfig {
    let provider = AssumeRoleProvider::builder(role_arn)
        .session_name(session_name)
        .configure(&base)
        .build()
        .await;
    base.into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

/// `base` pointed at `region`.
pub fn for_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_string()))
        .build()
}

/// The standard chain's configuration, with a profile and a region when given, its credentials
/// resolved ([`check_credentials`]).
pub async fn load_for(
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<SdkConfig, CredentialsError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    let config = loader.load().await;
    check_credentials(&config, profile).await?;
    Ok(config)
}

/// The account `config`'s credentials belong to: the credentials' own account when they carry
/// it, else STS `GetCallerIdentity` (which needs no permission), or why it could not be told.
pub async fn caller_account(config: &SdkConfig) -> Result<String, String> {
    let provider = config
        .credentials_provider()
        .ok_or("no credentials provider is configured")?;
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| super::error_chain(&e))?;
    if let Some(account) = credentials.account_id() {
        return Ok(account.as_str().to_string());
    }
    let identity = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| super::error_chain(&e))?;
    identity
        .account
        .ok_or_else(|| "GetCallerIdentity answered no account".to_string())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn assumed_credentials_are_renewed_five_minutes_before_they_expire() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(fresh(None, now));
        assert!(fresh(Some(now + Duration::from_secs(3600)), now));
        assert!(!fresh(Some(now + Duration::from_secs(299)), now));
        assert!(!fresh(Some(now - Duration::from_secs(1)), now));
    }
}

//! Credentials, resolved once before anything is read: a profile that does not exist, no
//! credentials anywhere in the standard chain, or credentials already expired are one clear
//! error, in the words of the AWS CLI, and never a scan that failed every read.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_types::SdkConfig;

/// Why a command cannot call AWS at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialsError {
    /// A named profile (`--profile`, `AWS_PROFILE`, a configured `profile:`) is in neither file.
    #[error("The config profile ({profile}) could not be found in {files}. List the profiles with `aws configure list-profiles`, or create it with `aws configure --profile {profile}`")]
    ProfileNotFound {
        /// The profile's name.
        profile: String,
        /// The files that were read.
        files: String,
    },
    /// The standard chain found no credentials.
    #[error("Unable to locate credentials (profile `{profile}`). Tried, in order:\n{tried}\nProvide them with `aws configure`, `aws sso login --profile <name>` and `--profile <name>`, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")]
    Unable {
        /// The profile the chain read.
        profile: String,
        /// Each provider of the chain and what it said.
        tried: String,
    },
}

/// Resolves the credentials `config` gives (its profile `profile`) before any read: a named
/// profile that does not exist, or no credentials at all, is an error. Credentials that resolve
/// but have expired are left to the snapshot, whose every read then fails naming the expiry.
/// A profile that resolved once is not resolved again in this process.
pub async fn check_credentials(
    config: &SdkConfig,
    profile: Option<&str>,
) -> Result<(), CredentialsError> {
    let key = profile.unwrap_or_default().to_string();
    let resolved = RESOLVED.get_or_init(Default::default);
    if resolved
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains(&key)
    {
        return Ok(());
    }
    resolve(config, profile).await?;
    resolved
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key);
    Ok(())
}

/// The profiles whose credentials resolved in this process.
static RESOLVED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();

async fn resolve(config: &SdkConfig, profile: Option<&str>) -> Result<(), CredentialsError> {
    let env_profile = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let named = profile.map(str::to_string).or(env_profile);
    if let Some(profile) = &named {
        profile_exists(profile).await?;
    }
    let profile = named.unwrap_or_else(|| "default".into());
    match credentials_problem(config).await {
        None | Some((EXPIRED_TOKEN, _)) => Ok(()),
        Some((_, detail)) => Err(CredentialsError::Unable {
            profile,
            tried: providers_tried(&detail),
        }),
    }
}

/// The chain's own account of each provider it tried (`Environment: ... not set`), else the
/// standard chain's order.
fn providers_tried(detail: &str) -> String {
    match detail.split_once("Attempted:") {
        Some((_, tried)) => tried.trim_matches('\n').to_string(),
        None => format!(
            "  the environment, the shared config and credentials files (keys, SSO, a role, a \
             credential process), web identity, the ECS container endpoint, EC2 instance \
             metadata\n  last error: {}",
            detail.trim_start_matches("could not get credentials: ")
        ),
    }
}

/// Refuses a profile that neither the config file nor the credentials file defines.
async fn profile_exists(profile: &str) -> Result<(), CredentialsError> {
    use aws_types::os_shim_internal::{Env, Fs};
    // aws-config's own name for aws-runtime's `EnvConfigFiles` (not a direct dependency).
    #[allow(deprecated)]
    let files = aws_config::profile::profile_file::ProfileFiles::default();
    let loaded = aws_config::profile::load(&Fs::real(), &Env::real(), &files, None).await;
    if loaded.is_ok_and(|set| set.get_profile(profile).is_some()) {
        return Ok(());
    }
    let path = |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| default.into());
    Err(CredentialsError::ProfileNotFound {
        profile: profile.to_string(),
        files: format!(
            "{} and {}",
            path("AWS_CONFIG_FILE", "~/.aws/config"),
            path("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials")
        ),
    })
}

/// Why the credentials a configuration resolves to cannot be used, found before any call: none
/// at all, or already past their expiry (AWS would refuse every call with `ExpiredToken`; an
/// emulator may not, so it is checked here). `None` when they look usable.
pub async fn credentials_problem(config: &SdkConfig) -> Option<(&'static str, String)> {
    let Some(provider) = config.credentials_provider() else {
        return Some((
            CREDENTIALS_ERROR,
            "no credentials provider is configured".into(),
        ));
    };
    match provider.provide_credentials().await {
        Err(e) => Some((
            CREDENTIALS_ERROR,
            format!("could not get credentials: {}", super::error_chain(&e)),
        )),
        Ok(credentials) => expired(credentials.expiry(), SystemTime::now()),
    }
}

/// The failure code of reads that had no usable credentials.
pub const CREDENTIALS_ERROR: &str = "CredentialsError";
/// The failure code of reads whose credentials had expired (AWS's own code for it).
pub const EXPIRED_TOKEN: &str = "ExpiredToken";

fn expired(expiry: Option<SystemTime>, now: SystemTime) -> Option<(&'static str, String)> {
    let expiry = expiry.filter(|expiry| *expiry <= now)?;
    let when = aws_smithy_types::DateTime::from(expiry)
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_else(|_| "an unknown time".into());
    Some((
        EXPIRED_TOKEN,
        format!("the credentials expired at {when}: refresh them (for example `aws sso login`) and run again"),
    ))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn expired_credentials_are_named_with_their_expiry() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(expired(None, now), None, "long-lived keys never expire");
        assert_eq!(expired(Some(now + Duration::from_secs(60)), now), None);
        let (code, message) = expired(Some(now - Duration::from_secs(3600)), now).unwrap();
        assert_eq!(code, "ExpiredToken");
        assert!(
            message.contains("expired at 2027-01-15T07:00:00Z"),
            "{message}"
        );
    }
}

//! Planning: what one environment's scan reads, resolved from command-line overrides, the
//! environment's settings, the file's defaults and the built-in defaults.

use std::time::Duration;

use super::{
    ConfigFile, EnvironmentSettings, DEFAULT_CONCURRENCY, DEFAULT_MAX_ATTEMPTS,
    DEFAULT_OPERATION_TIMEOUT, DEFAULT_SSM_PATHS, DEFAULT_TAG_KEY,
};
use crate::digest::DigestKey;
use crate::error::ConfigError;
use crate::model::Selection;
use crate::naming::{validate_environment_name, ENV_PLACEHOLDER};

impl ConfigFile {
    /// Whether no region is given by `overrides` or the file for `environment`, so the standard
    /// AWS chain must name one (asking it may mean a slow instance-metadata lookup).
    pub fn needs_default_region(&self, environment: &str, overrides: &EnvironmentSettings) -> bool {
        let has = |s: &EnvironmentSettings| s.regions.as_ref().is_some_and(|r| !r.is_empty());
        !(has(overrides) || has(&self.configured(environment)))
    }

    /// The profile `environment` uses: `overrides`, then the file.
    pub fn profile_for(
        &self,
        environment: &str,
        overrides: &EnvironmentSettings,
    ) -> Option<String> {
        overrides
            .profile
            .clone()
            .or_else(|| self.configured(environment).profile)
    }

    /// The deployers declared for `environment` (its own, else the defaults').
    pub fn deployers(&self, environment: &str) -> Result<super::Deployers, ConfigError> {
        let patterns = self.configured(environment).deployers.unwrap_or_default();
        super::Deployers::new(&patterns)
    }

    /// The generated-suffix shapes configured for `environment` (its own, else the defaults').
    pub fn generated_suffixes(
        &self,
        environment: &str,
    ) -> Result<crate::naming::SuffixPatterns, ConfigError> {
        let patterns = self
            .environments
            .get(environment)
            .and_then(|e| e.generated_suffixes.clone())
            .or_else(|| self.defaults.generated_suffixes.clone())
            .unwrap_or_default();
        crate::naming::SuffixPatterns::new(&patterns)
    }

    /// Resolves what to scan for `environment`: command-line overrides, then the environment's
    /// settings, then `defaults`, then built-in defaults. `fallback_region` is the region from the
    /// standard AWS chain (`AWS_REGION`, profile), used when nothing else names one.
    pub fn plan(
        &self,
        environment: &str,
        overrides: EnvironmentSettings,
        fallback_region: Option<String>,
        secure_digest: Option<DigestKey>,
    ) -> Result<ScanPlan, ConfigError> {
        validate_environment_name(environment)?;
        let settings = overrides.or(&self.configured(environment));

        let regions = match settings.regions {
            Some(regions) if !regions.is_empty() => regions,
            _ => fallback_region
                .map(|r| vec![r])
                .ok_or_else(|| ConfigError::NoRegion(environment.to_string()))?,
        };
        for region in &regions {
            validate_region(region)?;
        }

        let tag_key = settings
            .tag_key
            .unwrap_or_else(|| DEFAULT_TAG_KEY.to_string());
        if tag_key.trim().is_empty() {
            return Err(ConfigError::Invalid("tag_key must not be empty".into()));
        }
        let ssm_paths = settings
            .ssm_paths
            .unwrap_or_else(|| DEFAULT_SSM_PATHS.iter().map(|p| p.to_string()).collect())
            .iter()
            .map(|p| normalize_ssm_path(&p.replace(ENV_PLACEHOLDER, environment)))
            .collect::<Result<Vec<_>, _>>()?;

        let max_attempts = settings.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS);
        if !(1..=20).contains(&max_attempts) {
            return Err(ConfigError::Invalid(format!(
                "max_attempts must be between 1 and 20, not {max_attempts}"
            )));
        }
        let concurrency = settings.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
        if !(1..=64).contains(&concurrency) {
            return Err(ConfigError::Invalid(format!(
                "concurrency must be between 1 and 64, not {concurrency}"
            )));
        }
        let operation_timeout = match settings.operation_timeout_secs {
            None => DEFAULT_OPERATION_TIMEOUT,
            Some(secs @ 1..=900) => Duration::from_secs(secs),
            Some(other) => {
                return Err(ConfigError::Invalid(format!(
                    "operation_timeout_secs must be between 1 and 900, not {other}"
                )))
            }
        };

        let generated_suffixes = crate::naming::SuffixPatterns::new(
            settings.generated_suffixes.as_deref().unwrap_or_default(),
        )?;

        let mut regions = regions;
        regions.sort();
        regions.dedup();
        Ok(ScanPlan {
            environment: environment.to_string(),
            regions,
            selection: Selection { tag_key, ssm_paths },
            role_arn: settings.role_arn,
            external_id: settings.external_id,
            account: self.account_of(environment).map(|a| a.id.clone()),
            profile: settings.profile,
            max_attempts,
            concurrency,
            operation_timeout,
            secure_digest,
            generated_suffixes,
            deadline: None,
        })
    }
}

/// Everything a scan of one environment needs, fully resolved.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    /// The environment.
    pub environment: String,
    /// Regions to scan, sorted and unique.
    pub regions: Vec<String>,
    /// How resources are selected.
    pub selection: Selection,
    /// Role to assume, if any.
    pub role_arn: Option<String>,
    /// The external ID to assume it with.
    pub external_id: Option<String>,
    /// The account the environment lives in, when the configuration says.
    pub account: Option<String>,
    /// Named profile, if any.
    pub profile: Option<String>,
    /// Attempts per API call.
    pub max_attempts: u32,
    /// (region, service) reads in flight at once.
    pub concurrency: usize,
    /// Limit on one API call, retries included.
    pub operation_timeout: Duration,
    /// Key for SecureString digests; `None` reads no SecureString value at all.
    pub secure_digest: Option<DigestKey>,
    /// Configured shapes of generated name suffixes.
    pub generated_suffixes: crate::naming::SuffixPatterns,
    /// When the whole snapshot must be done (the Lambda's timeout): a read still running then is
    /// abandoned and recorded as a failure, so a cut-short scan is incomplete, never clean.
    pub deadline: Option<std::time::Instant>,
}

/// Checks that `region` looks like an AWS region name (`us-east-1`, `eu-central-2`,
/// `us-gov-west-1`, `cn-north-1`).
pub fn validate_region(region: &str) -> Result<(), ConfigError> {
    let parts: Vec<&str> = region.split('-').collect();
    let valid = parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()));
    if valid {
        Ok(())
    } else {
        Err(ConfigError::Invalid(format!(
            "`{region}` is not an AWS region name (expected e.g. us-east-1)"
        )))
    }
}

/// Normalizes an SSM path to the form the APIs take: a leading `/`, no trailing `/` except for
/// the root.
fn normalize_ssm_path(path: &str) -> Result<String, ConfigError> {
    if !path.starts_with('/') || path.contains("//") || path.contains(char::is_whitespace) {
        return Err(ConfigError::Invalid(format!(
            "SSM path `{path}` must start with `/` and contain no empty segment or space"
        )));
    }
    let trimmed = path.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssm_paths_are_normalized() {
        assert_eq!(normalize_ssm_path("/shared/").unwrap(), "/shared");
        assert_eq!(normalize_ssm_path("/").unwrap(), "/");
        assert!(normalize_ssm_path("//x").is_err());
    }
}

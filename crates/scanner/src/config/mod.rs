//! Scan configuration: built-in defaults, an optional YAML file, and command-line overrides.
//!
//! ```yaml
//! # driftscan.yaml
//! defaults:
//!   tag_key: Environment
//!   max_attempts: 5
//! environments:
//!   staging:
//!     regions: [us-east-1]
//!     role_arn: arn:aws:iam::111111111111:role/driftscan-read
//!   dev:
//!     regions: [us-east-2]
//!     ssm_paths: ["/{env}/", "/shared/", "/legacy/dev/"]
//!     generated_suffixes: ["[0-9a-z]{8}"]   # beyond Pulumi's, CloudFormation's, Terraform's
//! ```

pub mod accounts;
mod deployers;
mod plan;
pub mod previews;
mod publish;

pub use deployers::Deployers;
pub use plan::{validate_region, ScanPlan};
pub use publish::{MetricsMode, PublishSettings, DEFAULT_STATE_PATH};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::ConfigError;
use crate::naming::validate_environment_name;
use accounts::{AccountSettings, OrganizationSettings};

/// The file name looked for in the working directory when no `--config` is given.
pub const DEFAULT_CONFIG_FILE: &str = "driftscan.yaml";
/// Default tag whose value names the environment.
pub const DEFAULT_TAG_KEY: &str = "Environment";
/// Default SSM paths; `{env}` is the environment's name.
pub const DEFAULT_SSM_PATHS: [&str; 2] = ["/{env}/", "/shared/"];
/// Default attempts per API call (the SDK's standard retry mode).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// Default number of (region, service) reads in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// Default limit on one API call, retries included.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The config file's contents.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Settings for every environment.
    #[serde(default)]
    pub defaults: EnvironmentSettings,
    /// Per-environment settings, overriding `defaults`.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentSettings>,
    /// Where alerts, metrics and alert state go (`--publish`, the Lambda).
    #[serde(default)]
    pub publish: PublishSettings,
    /// The AWS accounts environments live in, each with the read-only role assumed there.
    #[serde(default)]
    pub accounts: Vec<AccountSettings>,
    /// Accounts found through AWS Organizations, besides those listed in `accounts`.
    #[serde(default)]
    pub organization: Option<OrganizationSettings>,
    /// How preview environments are found and judged (`driftscan previews`).
    #[serde(default)]
    pub previews: previews::PreviewSettings,
}

/// Settings that may be given per environment or as defaults. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSettings {
    /// Tag whose value names the environment.
    pub tag_key: Option<String>,
    /// Regions to scan.
    pub regions: Option<Vec<String>>,
    /// SSM paths to read recursively; `{env}` is replaced by the environment's name.
    pub ssm_paths: Option<Vec<String>>,
    /// An IAM role to assume for this environment (another account, read-only).
    pub role_arn: Option<String>,
    /// The external ID that role's trust policy asks for.
    pub external_id: Option<String>,
    /// A named profile from the shared AWS config files.
    pub profile: Option<String>,
    /// Attempts per API call, including the first (standard retry mode).
    pub max_attempts: Option<u32>,
    /// (region, service) reads in flight at once.
    pub concurrency: Option<usize>,
    /// Limit on one API call, retries included, in seconds.
    pub operation_timeout_secs: Option<u64>,
    /// Shapes of generated name suffixes beyond Pulumi's, CloudFormation's and Terraform's:
    /// regexes for the token after the last dash (`[0-9a-z]{8}`).
    pub generated_suffixes: Option<Vec<String>>,
    /// The principals whose changes are deployments (the CI deploy role): role or user ARNs, or
    /// patterns with `*`. Anyone else's change is "changed by hand".
    pub deployers: Option<Vec<String>>,
}

impl EnvironmentSettings {
    /// `self` with every unset field taken from `fallback`.
    fn or(self, fallback: &EnvironmentSettings) -> EnvironmentSettings {
        EnvironmentSettings {
            tag_key: self.tag_key.or_else(|| fallback.tag_key.clone()),
            regions: self.regions.or_else(|| fallback.regions.clone()),
            ssm_paths: self.ssm_paths.or_else(|| fallback.ssm_paths.clone()),
            role_arn: self.role_arn.or_else(|| fallback.role_arn.clone()),
            external_id: self.external_id.or_else(|| fallback.external_id.clone()),
            profile: self.profile.or_else(|| fallback.profile.clone()),
            max_attempts: self.max_attempts.or(fallback.max_attempts),
            concurrency: self.concurrency.or(fallback.concurrency),
            operation_timeout_secs: self
                .operation_timeout_secs
                .or(fallback.operation_timeout_secs),
            generated_suffixes: self
                .generated_suffixes
                .or_else(|| fallback.generated_suffixes.clone()),
            deployers: self.deployers.or_else(|| fallback.deployers.clone()),
        }
    }
}

impl ConfigFile {
    /// Parses a config file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        if crate::yaml::is_blank(text) {
            return Ok(ConfigFile::default());
        }
        let config: ConfigFile = serde_saphyr::from_str(text).map_err(|e| {
            let (line, column, message) = crate::yaml::located(&e);
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        })?;
        let located = |e: ConfigError| ConfigError::Parse {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: e.to_string(),
        };
        for name in config.environments.keys() {
            validate_environment_name(name)
                .map_err(|e| ConfigError::Invalid(format!("environments: {e}")))
                .map_err(located)?;
        }
        config.validate_accounts().map_err(located)?;
        let settings = std::iter::once(("defaults", &config.defaults))
            .chain(config.environments.iter().map(|(n, s)| (n.as_str(), s)));
        for (name, settings) in settings {
            let patterns = settings.deployers.as_deref().unwrap_or_default();
            Deployers::new(patterns)
                .map_err(|e| ConfigError::Invalid(format!("{name}: {e}")))
                .map_err(located)?;
        }
        if let Some(organization) = &config.organization {
            organization.validate().map_err(located)?;
        }
        config
            .previews
            .validate()
            .map_err(ConfigError::Invalid)
            .map_err(located)?;
        Ok(config)
    }

    /// Checks the accounts, and that an environment of an account does not name a role of its
    /// own.
    fn validate_accounts(&self) -> Result<(), ConfigError> {
        accounts::validate_accounts(&self.accounts)?;
        for account in &self.accounts {
            for env in &account.environments {
                if self
                    .environments
                    .get(env)
                    .is_some_and(|e| e.role_arn.is_some())
                {
                    return Err(ConfigError::Invalid(format!(
                        "environment `{env}` names a role_arn and lives in account {}, whose role is assumed: keep one",
                        account.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// The config with `discovered` accounts added (an account listed in the file wins over
    /// its discovered self).
    pub fn with_discovered(
        mut self,
        discovered: Vec<AccountSettings>,
    ) -> Result<Self, ConfigError> {
        for account in discovered {
            if !self.accounts.iter().any(|a| a.id == account.id) {
                self.accounts.push(account);
            }
        }
        self.validate_accounts()?;
        Ok(self)
    }

    /// The account `environment` lives in, when the file (or discovery) says.
    pub fn account_of(&self, environment: &str) -> Option<&AccountSettings> {
        self.accounts
            .iter()
            .find(|a| a.environments.iter().any(|e| e == environment))
    }

    /// Every environment the configuration names: the accounts' (in their order), then those
    /// with settings of their own.
    pub fn configured_environments(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let named = self
            .accounts
            .iter()
            .flat_map(|a| a.environments.iter())
            .chain(self.environments.keys());
        for env in named {
            if !out.contains(env) {
                out.push(env.clone());
            }
        }
        out
    }

    /// `environment`'s settings from the file: its own, then its account's (role, external
    /// ID, regions), then `defaults`.
    fn configured(&self, environment: &str) -> EnvironmentSettings {
        let own = self
            .environments
            .get(environment)
            .cloned()
            .unwrap_or_default();
        let from_account = self
            .account_of(environment)
            .map(|account| EnvironmentSettings {
                role_arn: Some(account.role_arn()),
                external_id: account.external_id.clone(),
                regions: account.regions.clone(),
                ..Default::default()
            })
            .unwrap_or_default();
        own.or(&from_account).or(&self.defaults)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Loads `explicit` if given, else `./driftscan.yaml` if it exists, else an empty config.
    pub fn discover(explicit: Option<&Path>) -> Result<(Self, Option<PathBuf>), ConfigError> {
        match explicit {
            Some(path) => Ok((Self::load(path)?, Some(path.to_path_buf()))),
            None => {
                let default = PathBuf::from(DEFAULT_CONFIG_FILE);
                if default.is_file() {
                    Ok((Self::load(&default)?, Some(default)))
                } else {
                    Ok((ConfigFile::default(), None))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
        ConfigFile::parse(text, Path::new("driftscan.yaml"))
    }

    #[test]
    fn defaults_without_a_file() {
        let plan = ConfigFile::default()
            .plan(
                "staging",
                EnvironmentSettings::default(),
                Some("us-east-1".into()),
                None,
            )
            .unwrap();
        assert_eq!(plan.regions, ["us-east-1"]);
        assert_eq!(plan.selection.tag_key, "Environment");
        assert_eq!(plan.selection.ssm_paths, ["/staging", "/shared"]);
        assert_eq!(plan.max_attempts, DEFAULT_MAX_ATTEMPTS);
    }

    #[test]
    fn precedence_is_cli_then_environment_then_defaults() {
        let config = parse(
            "defaults:\n  tag_key: Env\n  regions: [eu-west-1]\n  max_attempts: 3\n\
             environments:\n  prod:\n    regions: [us-east-1, us-west-2]\n    ssm_paths: ['/{env}/app/']\n",
        )
        .unwrap();
        let plan = config
            .plan(
                "prod",
                EnvironmentSettings::default(),
                Some("ap-south-1".into()),
                None,
            )
            .unwrap();
        assert_eq!(plan.regions, ["us-east-1", "us-west-2"]);
        assert_eq!(plan.selection.tag_key, "Env");
        assert_eq!(plan.selection.ssm_paths, ["/prod/app"]);
        assert_eq!(plan.max_attempts, 3);

        let cli = EnvironmentSettings {
            regions: Some(vec!["us-west-2".into()]),
            max_attempts: Some(7),
            ..Default::default()
        };
        let plan = config.plan("prod", cli, None, None).unwrap();
        assert_eq!(plan.regions, ["us-west-2"]);
        assert_eq!(plan.max_attempts, 7);

        let plan = config
            .plan("dev", EnvironmentSettings::default(), None, None)
            .unwrap();
        assert_eq!(
            plan.regions,
            ["eu-west-1"],
            "defaults apply to unlisted environments"
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_a_location() {
        let err = parse("defaults:\n  tag_key: Env\n  regoins: [us-east-1]\n").unwrap_err();
        let ConfigError::Parse {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(*line, 3, "{err}");
        assert!(*column >= 1, "{err}");
        assert!(message.contains("regoins"), "{message}");
    }

    #[test]
    fn wrong_types_are_errors_with_a_location() {
        let err = parse("defaults:\n  max_attempts: many\n").unwrap_err();
        assert!(matches!(err, ConfigError::Parse { line: 2, .. }), "{err}");
    }

    #[test]
    fn invalid_environment_names_in_the_file_are_rejected() {
        let err = parse("environments:\n  Prod: {}\n").unwrap_err();
        assert!(err.to_string().contains("Prod"), "{err}");
    }

    #[test]
    fn an_empty_file_is_an_empty_config() {
        assert_eq!(parse("").unwrap(), ConfigFile::default());
        assert_eq!(parse("  \n").unwrap(), ConfigFile::default());
    }

    #[test]
    fn a_missing_region_is_an_error() {
        let err = ConfigFile::default()
            .plan("staging", EnvironmentSettings::default(), None, None)
            .unwrap_err();
        assert!(matches!(err, ConfigError::NoRegion(_)));
    }

    #[test]
    fn regions_are_validated() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(validate_region(ok).is_ok(), "{ok}");
        }
        for bad in ["useast1", "us-east", "US-EAST-1", "us--1", "", "us-east-1a"] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn out_of_range_settings_are_rejected() {
        for settings in [
            EnvironmentSettings {
                max_attempts: Some(0),
                ..Default::default()
            },
            EnvironmentSettings {
                concurrency: Some(0),
                ..Default::default()
            },
            EnvironmentSettings {
                operation_timeout_secs: Some(0),
                ..Default::default()
            },
            EnvironmentSettings {
                ssm_paths: Some(vec!["app".into()]),
                ..Default::default()
            },
            EnvironmentSettings {
                tag_key: Some(" ".into()),
                ..Default::default()
            },
        ] {
            let result =
                ConfigFile::default().plan("dev", settings.clone(), Some("us-east-1".into()), None);
            assert!(result.is_err(), "{settings:?}");
        }
    }

    #[test]
    fn an_environment_of_an_account_gets_its_role_and_regions_below_its_own_settings() {
        let config = parse(
            "defaults:\n  regions: [eu-west-1]\n  max_attempts: 3\naccounts:\n  - id: \"111111111111\"\n    role: driftscan-readonly\n    external_id: ops-7\n    environments: [dev, staging]\n    regions: [us-east-2]\nenvironments:\n  staging:\n    regions: [us-east-1]\n  qa: {}\n",
        )
        .unwrap();
        let plan = |env: &str| {
            config
                .plan(env, EnvironmentSettings::default(), None, None)
                .unwrap()
        };
        let dev = plan("dev");
        assert_eq!(
            dev.role_arn.as_deref(),
            Some("arn:aws:iam::111111111111:role/driftscan-readonly")
        );
        assert_eq!(dev.external_id.as_deref(), Some("ops-7"));
        assert_eq!(dev.account.as_deref(), Some("111111111111"));
        assert_eq!(dev.regions, ["us-east-2"], "the account's regions");
        assert_eq!(dev.max_attempts, 3, "defaults still apply");
        assert_eq!(plan("staging").regions, ["us-east-1"], "its own first");
        let qa = plan("qa");
        assert_eq!((qa.role_arn, qa.account), (None, None));
        assert_eq!(qa.regions, ["eu-west-1"]);
        assert_eq!(config.configured_environments(), ["dev", "staging", "qa"]);

        let two_roles = parse(
            "accounts:\n  - id: \"111111111111\"\n    role: r\n    environments: [dev]\nenvironments:\n  dev:\n    role_arn: arn:aws:iam::111111111111:role/other\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            two_roles.contains("names a role_arn and lives in account 111111111111"),
            "{two_roles}"
        );
        let bad_org = parse("organization:\n  role: \"no spaces allowed\"\n")
            .unwrap_err()
            .to_string();
        assert!(bad_org.contains("organization.role"), "{bad_org}");

        // Discovery adds accounts; one listed in the file wins; a clash is refused.
        let discovered = |id: &str, env: &str| AccountSettings {
            id: id.into(),
            role: "discovered".into(),
            external_id: None,
            environments: vec![env.into()],
            regions: None,
            name: None,
        };
        let merged = config
            .clone()
            .with_discovered(vec![
                discovered("111111111111", "dev"),
                discovered("222222222222", "prod"),
            ])
            .unwrap();
        assert_eq!(merged.accounts.len(), 2);
        assert_eq!(merged.accounts[0].role, "driftscan-readonly");
        assert_eq!(
            merged.configured_environments(),
            ["dev", "staging", "prod", "qa"]
        );
        let clash = config
            .with_discovered(vec![discovered("333333333333", "staging")])
            .unwrap_err()
            .to_string();
        assert!(clash.contains("`staging` is in two accounts"), "{clash}");
    }

    #[test]
    fn publish_settings_come_from_the_file_then_the_environment() {
        let config = parse(
            "publish:\n  topic_arn: arn:aws:sns:us-east-1:123456789012:alerts\n  metrics: emf\n  min_severity: high\n",
        )
        .unwrap();
        assert_eq!(config.publish.metrics, MetricsMode::Emf);
        let none = |_: &str| None;
        let settings = config.publish.clone().with_env(none).unwrap();
        assert_eq!(settings.min_severity, crate::model::Severity::High);
        assert_eq!(settings.state_path, DEFAULT_STATE_PATH);
        let env = |name: &str| match name {
            "DRIFTSCAN_METRICS" => Some("off".to_string()),
            "DRIFTSCAN_TOPIC_ARN" => Some("arn:aws:sns:eu-west-1:1:other".to_string()),
            _ => None,
        };
        let settings = config.publish.clone().with_env(env).unwrap();
        assert_eq!(settings.metrics, MetricsMode::Off);
        assert_eq!(
            settings.topic_arn.as_deref(),
            Some("arn:aws:sns:eu-west-1:1:other")
        );
        let bad = |name: &str| (name == "DRIFTSCAN_METRICS").then(|| "statsd".to_string());
        assert_eq!(
            config
                .publish
                .clone()
                .with_env(bad)
                .unwrap_err()
                .to_string(),
            "DRIFTSCAN_METRICS: unknown metrics mode `statsd` (expected api, emf or off)"
        );
        let not_arn = |name: &str| (name == "DRIFTSCAN_TOPIC_ARN").then(|| "alerts".to_string());
        assert!(config.publish.clone().with_env(not_arn).is_err());
        assert!(parse("publish:\n  metric: api\n").is_err());
        let bucket = |name: &str| {
            (name == "DRIFTSCAN_REPORT_BUCKET").then(|| "driftscan-reports-1".to_string())
        };
        assert_eq!(
            config
                .publish
                .clone()
                .with_env(bucket)
                .unwrap()
                .report_bucket
                .as_deref(),
            Some("driftscan-reports-1")
        );
        for bad_name in ["Reports", "s3://reports", "ab", "reports-"] {
            let bad =
                |name: &str| (name == "DRIFTSCAN_REPORT_BUCKET").then(|| bad_name.to_string());
            let err = config
                .publish
                .clone()
                .with_env(bad)
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("is not an S3 bucket name"),
                "{bad_name}: {err}"
            );
        }
    }
}

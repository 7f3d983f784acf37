//! `previews:` of `driftscan.yaml` (`driftscan previews`, [`crate::previews`]).

use serde::Deserialize;

/// `previews:` of `driftscan.yaml`: how previews are found and when one is stale.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PreviewSettings {
    /// A preview environment's name, `{n}` its pull request number.
    pub pattern: String,
    /// The environment whose account, region (and load balancer) previews share.
    pub parent: String,
    /// The tag whose value is a preview's pull request number.
    pub number_tag: String,
    /// A preview older than this is stale even while its pull request is open.
    pub max_age_days: u32,
    /// Whether every preview must carry `AutoShutdown=true` (one without it is reported).
    pub require_auto_shutdown: bool,
}

impl Default for PreviewSettings {
    fn default() -> Self {
        PreviewSettings {
            pattern: "pr-{n}".into(),
            parent: "dev".into(),
            number_tag: "PullRequest".into(),
            max_age_days: 14,
            require_auto_shutdown: false,
        }
    }
}

impl PreviewSettings {
    /// Checks the pattern: it holds `{n}` exactly once, with something around it.
    pub fn validate(&self) -> Result<(), String> {
        if self.pattern.matches("{n}").count() != 1 || self.pattern == "{n}" {
            return Err(format!(
                "previews.pattern `{}` must hold `{{n}}` (the pull request number) exactly once, beside a name: `pr-{{n}}`",
                self.pattern
            ));
        }
        Ok(())
    }

    /// The environment of pull request `number`.
    pub fn environment(&self, number: u32) -> String {
        self.pattern.replace("{n}", &number.to_string())
    }
}

//! What a finding says of the change behind it ([`crate::attribution`] finds it).

use serde::{Deserialize, Serialize};

/// What is known about the change behind a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Attribution {
    /// The latest write event that names the resource.
    Attributed(Box<ChangeAttribution>),
    /// Why no change could be named (no event found, the lookup refused or throttled).
    Unattributed {
        /// The reason, one line.
        reason: String,
    },
}

/// The change that explains a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeAttribution {
    /// Who made the call.
    pub principal: Principal,
    /// The call.
    pub event: ChangeEvent,
    /// How the call was made.
    pub source: ChangeSource,
    /// The AWS service that made the call on the principal's behalf (`invokedBy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
    /// `sourceIPAddress` (or a service's name, as CloudTrail writes it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    /// Whether the principal is one of the environment's declared deployers: "deployed, baseline
    /// not updated yet" rather than "changed by hand".
    pub deployer: bool,
    /// How many write events named the resource in the window (this one the latest).
    pub events: u32,
}

/// Who made a call (`userIdentity`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    /// `userIdentity.arn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// `userIdentity.type`: `IAMUser`, `AssumedRole`, `Root`, `AWSService`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<String>,
    /// `userIdentity.accountId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// For an assumed role: the role's ARN (`sessionContext.sessionIssuer.arn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// For an assumed role: the session name (the last part of the assumed-role ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

impl Principal {
    /// The ARNs a deployer pattern is matched against: the principal's, its role's, and its
    /// role's without the path (`role/<name>`, as people write it).
    pub fn arns(&self) -> Vec<String> {
        let role_without_path = self.role.as_deref().and_then(|role| {
            let (prefix, path) = role.split_once(":role/")?;
            let name = path.rsplit('/').next()?;
            Some(format!("{prefix}:role/{name}"))
        });
        [self.arn.clone(), self.role.clone(), role_without_path]
            .into_iter()
            .flatten()
            .collect()
    }

    /// A short name for people: `<role>/<session>`, the user's name, or the ARN.
    pub fn short_name(&self) -> String {
        let arn_tail = |arn: &str| arn.rsplit(':').next().unwrap_or(arn).to_string();
        match (&self.role, &self.session, &self.arn) {
            (Some(role), Some(session), _) => {
                format!("{}/{session}", role.rsplit('/').next().unwrap_or(role))
            }
            (_, _, Some(arn)) => arn_tail(arn),
            _ => self
                .identity_type
                .clone()
                .unwrap_or_else(|| "an unknown principal".into()),
        }
    }
}

/// The call CloudTrail recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// `eventName`: `AuthorizeSecurityGroupIngress`, ...
    pub name: String,
    /// `eventSource`: `ec2.amazonaws.com`, ...
    pub service: String,
    /// `eventTime`, as CloudTrail writes it (RFC 3339, UTC).
    pub time: String,
    /// `eventID`.
    pub id: String,
    /// `awsRegion`.
    pub region: String,
}

/// How a call was made, from `sessionCredentialFromConsole`, `userAgent` and `invokedBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeSource {
    /// The AWS Management Console.
    Console,
    /// The AWS CLI.
    Cli,
    /// An AWS SDK (a script, an application).
    Sdk,
    /// Terraform.
    Terraform,
    /// Pulumi.
    Pulumi,
    /// CloudFormation (or the CDK through it).
    Cloudformation,
    /// An AWS service on the principal's behalf.
    AwsService,
    /// Nothing recognisable.
    Unknown,
}

impl ChangeSource {
    /// The name shown to people and in the alert's `changed_by` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeSource::Console => "console",
            ChangeSource::Cli => "cli",
            ChangeSource::Sdk => "sdk",
            ChangeSource::Terraform => "terraform",
            ChangeSource::Pulumi => "pulumi",
            ChangeSource::Cloudformation => "cloudformation",
            ChangeSource::AwsService => "aws-service",
            ChangeSource::Unknown => "unknown",
        }
    }
}

impl ChangeAttribution {
    /// `deployed` for a deployer's change, `by-hand` for anyone else's: the alert's
    /// `changed_by` attribute, for subscription filters.
    pub fn changed_by(&self) -> &'static str {
        if self.deployer {
            "deployed"
        } else {
            "by-hand"
        }
    }

    /// One line for people: who, how, what and when.
    pub fn describe(&self) -> String {
        let verdict = if self.deployer {
            "deployed (baseline not updated yet)"
        } else {
            "changed by hand"
        };
        self.described(verdict)
    }

    /// One line for people about the change that resolved a finding.
    pub fn describe_resolution(&self) -> String {
        self.described(if self.deployer {
            "resolved by a deploy"
        } else {
            "resolved by hand"
        })
    }

    fn described(&self, verdict: &str) -> String {
        let how = match self.source {
            ChangeSource::AwsService => format!(
                "through {}",
                self.invoked_by.as_deref().unwrap_or("an AWS service")
            ),
            source => format!("from the {}", source.as_str()),
        };
        let more = match self.events {
            0 | 1 => String::new(),
            n => format!(" (latest of {n} changes)"),
        };
        format!(
            "{verdict} by {} {how}: {} at {}{more}",
            self.principal.short_name(),
            self.event.name,
            self.event.time
        )
    }
}

impl Attribution {
    /// One line for people.
    pub fn describe(&self) -> String {
        match self {
            Attribution::Attributed(change) => change.describe(),
            Attribution::Unattributed { reason } => format!("not attributed: {reason}"),
        }
    }

    /// The change, when one was found.
    pub fn change(&self) -> Option<&ChangeAttribution> {
        match self {
            Attribution::Attributed(change) => Some(change.as_ref()),
            Attribution::Unattributed { .. } => None,
        }
    }
}

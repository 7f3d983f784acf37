//! The AWS edge of publishing: SNS for alerts ([`SnsAlerts`]), SSM Parameter Store or the
//! DynamoDB ledger for alert state ([`SsmAlertState`], [`ledger`]), CloudWatch for metrics
//! ([`CloudWatchMetrics`]), S3 for the reports kept ([`S3ReportArchive`]), Security Hub for
//! findings ([`SecurityHubImport`]).

mod alert_state;
mod archive;
pub mod ledger;
mod metrics;
mod security_hub;
mod sns;

pub use alert_state::SsmAlertState;
pub use archive::S3ReportArchive;
pub use metrics::CloudWatchMetrics;
pub use security_hub::SecurityHubImport;
pub use sns::SnsAlerts;

use aws_config::BehaviorVersion;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::region::Region;
use aws_types::SdkConfig;

use super::{AlertSink, AlertStateStore, PublishError, Publisher, ReportArchive};
use crate::aws::{error_chain, error_code};
use crate::config::{ConfigFile, EnvironmentSettings, PublishSettings};

pub(super) fn failure<E, R>(
    service: &'static str,
    operation: &'static str,
    error: &SdkError<E, R>,
) -> PublishError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    PublishError {
        service,
        operation,
        code: error_code(error),
        message: error_chain(error),
    }
}

/// The region of a topic ARN (`arn:aws:sns:<region>:<account>:<name>`).
pub fn topic_region(topic_arn: &str) -> Option<&str> {
    let mut parts = topic_arn.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.nth(2))
        .flatten()
        .filter(|r| !r.is_empty())
}

/// SDK configuration for publishing: the settings' region, else the topic's, else the chain.
pub async fn sdk_config(settings: &PublishSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    let region = settings.region.clone().or_else(|| {
        settings
            .topic_arn
            .as_deref()
            .and_then(topic_region)
            .map(String::from)
    });
    if let Some(region) = region {
        loader = loader.region(Region::new(region));
    }
    loader.load().await
}

/// The AWS destinations the settings name, ready to lend a [`Publisher`].
pub struct AwsPublishers {
    config: SdkConfig,
    alerts: Option<SnsAlerts>,
    /// What was alerted and imported: kept when either is published.
    state: Option<Box<dyn AlertStateStore>>,
    metrics: CloudWatchMetrics,
    archive: Option<S3ReportArchive>,
    security_hub: Option<SecurityHubImport>,
}

impl AwsPublishers {
    /// Clients for the settings' topic, state path, CloudWatch and, when asked, Security Hub
    /// (whose imports use the credentials `scans`, with `overrides` over it, gives each
    /// environment: those its scan read with).
    pub async fn connect(
        settings: &PublishSettings,
        scans: &ConfigFile,
        overrides: &EnvironmentSettings,
    ) -> Self {
        let config = sdk_config(settings).await;
        let keeps_state = settings.topic_arn.is_some() || settings.security_hub;
        AwsPublishers {
            alerts: settings
                .topic_arn
                .as_ref()
                .map(|topic| SnsAlerts::new(&config, topic)),
            state: keeps_state.then(|| {
                let ssm = SsmAlertState::new(&config, &settings.state_path);
                let state: Box<dyn AlertStateStore> = match &settings.ledger_table {
                    // The ledger, migrating each report's SSM state the first time.
                    Some(table) => {
                        Box::new(ledger::DynamoAlertLedger::new(&config, table, Some(ssm)))
                    }
                    None => Box::new(ssm),
                };
                state
            }),
            security_hub: settings
                .security_hub
                .then(|| SecurityHubImport::new(scans.clone(), overrides.clone())),
            metrics: CloudWatchMetrics::new(&config),
            archive: settings
                .report_bucket
                .as_ref()
                .map(|bucket| S3ReportArchive::new(&config, bucket)),
            config,
        }
    }

    /// The SDK configuration of the publishing account and region (also where baselines kept in
    /// SSM are read).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// Where alerted findings are remembered, when alerts are published.
    pub fn alert_state(&self) -> Option<&dyn AlertStateStore> {
        self.alerts.as_ref().and(self.state.as_deref())
    }

    /// A publisher over these clients.
    pub fn publisher<'a>(&'a self, settings: &'a PublishSettings) -> Publisher<'a> {
        Publisher {
            alerts: self
                .alerts
                .as_ref()
                .zip(self.state.as_deref())
                .map(|(sns, state)| (sns as &dyn AlertSink, state)),
            metrics: Some(&self.metrics),
            archive: self.archive.as_ref().map(|a| a as &dyn ReportArchive),
            security_hub: self.security_hub.as_ref().zip(self.state.as_deref()).map(
                |(hub, state)| {
                    (
                        hub as &dyn crate::publish::security_hub::FindingImport,
                        state,
                    )
                },
            ),
            settings,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_regions_come_from_the_arn() {
        assert_eq!(
            topic_region("arn:aws:sns:eu-west-1:123456789012:driftscan-alerts"),
            Some("eu-west-1")
        );
        assert_eq!(topic_region("driftscan-alerts"), None);
        assert_eq!(topic_region("arn:aws:sns::1:x"), None);
    }
}

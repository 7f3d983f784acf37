//! The AWS edge of publishing: SNS for alerts ([`SnsAlerts`]), SSM Parameter Store or the
//! DynamoDB ledger for alert state ([`SsmAlertState`], [`ledger`]), CloudWatch for metrics
//! ([`CloudWatchMetrics`]), S3 for the reports kept ([`S3ReportArchive`]).

mod alert_state;
mod archive;
pub mod ledger;
mod metrics;
mod sns;

pub use alert_state::SsmAlertState;
pub use archive::S3ReportArchive;
pub use metrics::CloudWatchMetrics;
pub use sns::SnsAlerts;

use aws_config::BehaviorVersion;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::region::Region;
use aws_types::SdkConfig;

use super::{AlertSink, AlertStateStore, PublishError, Publisher, ReportArchive};
use crate::aws::{error_chain, error_code};
use crate::config::PublishSettings;

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
    alerts: Option<(SnsAlerts, Box<dyn AlertStateStore>)>,
    metrics: CloudWatchMetrics,
    archive: Option<S3ReportArchive>,
}

impl AwsPublishers {
    /// Clients for the settings' topic, state path and CloudWatch.
    pub async fn connect(settings: &PublishSettings) -> Self {
        let config = sdk_config(settings).await;
        AwsPublishers {
            alerts: settings.topic_arn.as_ref().map(|topic| {
                let ssm = SsmAlertState::new(&config, &settings.state_path);
                let state: Box<dyn AlertStateStore> = match &settings.ledger_table {
                    // The ledger, migrating each report's SSM state the first time.
                    Some(table) => {
                        Box::new(ledger::DynamoAlertLedger::new(&config, table, Some(ssm)))
                    }
                    None => Box::new(ssm),
                };
                (SnsAlerts::new(&config, topic), state)
            }),
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
        self.alerts.as_ref().map(|(_, state)| state.as_ref())
    }

    /// A publisher over these clients.
    pub fn publisher<'a>(&'a self, settings: &'a PublishSettings) -> Publisher<'a> {
        Publisher {
            alerts: self
                .alerts
                .as_ref()
                .map(|(sns, state)| (sns as &dyn AlertSink, state.as_ref())),
            metrics: Some(&self.metrics),
            archive: self.archive.as_ref().map(|a| a as &dyn ReportArchive),
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

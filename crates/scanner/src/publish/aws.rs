//! The AWS edge of publishing: SNS for alerts, SSM Parameter Store for alert state, CloudWatch
//! for metrics, S3 for the reports kept.

use aws_config::BehaviorVersion;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_types::region::Region;
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use super::{AlertSink, AlertStateStore, MetricSink, PublishError, Publisher, ReportArchive};
use crate::alert::state::StateDecodeError;
use crate::alert::{AlertMessage, ReportState, StoredReport};
use crate::aws::{error_chain, error_code};
use crate::config::PublishSettings;
use crate::metrics::{Datum, Unit, NAMESPACE};

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
                    Some(table) => Box::new(super::ledger::DynamoAlertLedger::new(
                        &config,
                        table,
                        Some(ssm),
                    )),
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

/// Reports kept as objects of an S3 bucket in the publishing region.
pub struct S3ReportArchive {
    client: aws_sdk_s3::Client,
    bucket: String,
    region: String,
}

impl S3ReportArchive {
    /// Keeps reports in `bucket`.
    pub fn new(config: &SdkConfig, bucket: impl Into<String>) -> Self {
        S3ReportArchive {
            client: crate::aws::s3_client(config),
            bucket: bucket.into(),
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
        }
    }
}

impl ReportArchive for S3ReportArchive {
    fn put<'a>(
        &'a self,
        key: &'a str,
        html: &'a str,
    ) -> BoxFuture<'a, Result<StoredReport, PublishError>> {
        Box::pin(async move {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type("text/html; charset=utf-8")
                .body(html.as_bytes().to_vec().into())
                .send()
                .await
                .map_err(|e| failure("s3", "PutObject", &e))?;
            Ok(StoredReport {
                uri: format!("s3://{}/{key}", self.bucket),
                console_url: format!(
                    "https://s3.console.aws.amazon.com/s3/object/{}?region={}&prefix={key}",
                    self.bucket, self.region
                ),
            })
        })
    }
}

/// Alerts to an SNS topic, as a `MessageStructure=json` message with attributes.
pub struct SnsAlerts {
    client: aws_sdk_sns::Client,
    topic_arn: String,
}

impl SnsAlerts {
    /// Alerts to `topic_arn`.
    pub fn new(config: &SdkConfig, topic_arn: impl Into<String>) -> Self {
        SnsAlerts {
            client: aws_sdk_sns::Client::new(config),
            topic_arn: topic_arn.into(),
        }
    }
}

impl AlertSink for SnsAlerts {
    fn send<'a>(
        &'a self,
        message: &'a AlertMessage,
    ) -> BoxFuture<'a, Result<String, PublishError>> {
        Box::pin(async move {
            let mut request = self
                .client
                .publish()
                .topic_arn(&self.topic_arn)
                .subject(&message.subject)
                .message_structure("json")
                .message(&message.structured);
            for (name, attribute) in &message.attributes {
                let value = MessageAttributeValue::builder()
                    .data_type(attribute.data_type)
                    .string_value(&attribute.value)
                    .build()
                    .map_err(|e| PublishError {
                        service: "sns",
                        operation: "Publish",
                        code: "InvalidAttribute".into(),
                        message: e.to_string(),
                    })?;
                request = request.message_attributes(name, value);
            }
            let output = request
                .send()
                .await
                .map_err(|e| failure("sns", "Publish", &e))?;
            Ok(output.message_id.unwrap_or_default())
        })
    }
}

/// Alert state in SSM Parameter Store: `<path>/<report key>/<chunk>` Standard-tier String
/// parameters (4 KB each).
pub struct SsmAlertState {
    client: aws_sdk_ssm::Client,
    path: String,
}

impl SsmAlertState {
    /// State under `path` (`/driftscan/alert-state`).
    pub fn new(config: &SdkConfig, path: &str) -> Self {
        SsmAlertState {
            client: aws_sdk_ssm::Client::new(config),
            path: path.trim_end_matches('/').to_string(),
        }
    }

    fn prefix(&self, key: &str) -> String {
        format!("{}/{key}/", self.path)
    }

    /// The stored chunks under `key`, by name, in order.
    async fn chunks(&self, key: &str) -> Result<Vec<(String, String)>, PublishError> {
        let mut chunks = Vec::new();
        let mut pages = self
            .client
            .get_parameters_by_path()
            .path(self.prefix(key))
            .recursive(false)
            .max_results(10)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failure("ssm", "GetParametersByPath", &e))?;
            for parameter in page.parameters.unwrap_or_default() {
                if let (Some(name), Some(value)) = (parameter.name, parameter.value) {
                    chunks.push((name, value));
                }
            }
        }
        chunks.sort();
        Ok(chunks)
    }
}

impl AlertStateStore for SsmAlertState {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<ReportState>, PublishError>> {
        Box::pin(async move {
            let chunks: Vec<String> = self
                .chunks(key)
                .await?
                .into_iter()
                .map(|(_, v)| v)
                .collect();
            match ReportState::decode(&chunks) {
                Ok(state) => Ok(Some(state)),
                Err(e @ (StateDecodeError::Torn(_) | StateDecodeError::Malformed { .. })) => {
                    tracing::warn!(key, error = %e, "alert state unreadable");
                    Ok(None)
                }
            }
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        state: &'a ReportState,
    ) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            let existing = self.chunks(key).await?;
            let generation = format!("{:x}", crate::clock::epoch_nanos());
            let chunks = state.encode(&generation);
            let names: Vec<String> = (0..chunks.len())
                .map(|i| format!("{}{i:03}", self.prefix(key)))
                .collect();
            for (name, value) in names.iter().zip(&chunks) {
                self.client
                    .put_parameter()
                    .name(name)
                    .value(value)
                    .r#type(ParameterType::String)
                    .tier(ParameterTier::Standard)
                    .overwrite(true)
                    .description("driftscan alert state: findings already alerted")
                    .send()
                    .await
                    .map_err(|e| failure("ssm", "PutParameter", &e))?;
            }
            let stale: Vec<String> = existing
                .into_iter()
                .map(|(name, _)| name)
                .filter(|name| !names.contains(name))
                .collect();
            for batch in stale.chunks(10) {
                self.client
                    .delete_parameters()
                    .set_names(Some(batch.to_vec()))
                    .send()
                    .await
                    .map_err(|e| failure("ssm", "DeleteParameters", &e))?;
            }
            Ok(())
        })
    }
}

/// Metrics through CloudWatch `PutMetricData`.
pub struct CloudWatchMetrics {
    client: aws_sdk_cloudwatch::Client,
}

impl CloudWatchMetrics {
    /// Metrics to the config's CloudWatch (`AWS_ENDPOINT_URL_CLOUDWATCH` is honoured).
    pub fn new(config: &SdkConfig) -> Self {
        CloudWatchMetrics {
            client: aws_sdk_cloudwatch::Client::new(config),
        }
    }
}

impl MetricSink for CloudWatchMetrics {
    fn put<'a>(&'a self, batch: &'a [Datum]) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
            let data: Vec<MetricDatum> = batch
                .iter()
                .map(|d| {
                    MetricDatum::builder()
                        .metric_name(&d.name)
                        .set_dimensions(Some(
                            d.dimensions
                                .iter()
                                .map(|(k, v)| Dimension::builder().name(k).value(v).build())
                                .collect(),
                        ))
                        .value(d.value)
                        .unit(match d.unit {
                            Unit::Count => StandardUnit::Count,
                            Unit::Milliseconds => StandardUnit::Milliseconds,
                            Unit::None => StandardUnit::None,
                        })
                        .timestamp(now)
                        .build()
                })
                .collect();
            self.client
                .put_metric_data()
                .namespace(NAMESPACE)
                .set_metric_data(Some(data))
                .send()
                .await
                .map_err(|e| failure("cloudwatch", "PutMetricData", &e))?;
            Ok(())
        })
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

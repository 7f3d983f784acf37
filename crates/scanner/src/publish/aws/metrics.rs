//! Metrics through CloudWatch.

use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use super::failure;
use crate::metrics::{Datum, Unit, NAMESPACE};
use crate::publish::{MetricSink, PublishError};

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

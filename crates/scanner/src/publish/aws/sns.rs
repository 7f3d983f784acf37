//! Alerts through SNS.

use aws_sdk_sns::types::MessageAttributeValue;
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use super::failure;
use crate::alert::AlertMessage;
use crate::publish::{AlertSink, PublishError};

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

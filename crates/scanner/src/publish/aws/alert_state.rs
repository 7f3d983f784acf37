//! Alert state in SSM Parameter Store.

use aws_sdk_ssm::types::{ParameterTier, ParameterType};
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use super::failure;
use crate::alert::state::StateDecodeError;
use crate::alert::ReportState;
use crate::publish::{AlertStateStore, PublishError};

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

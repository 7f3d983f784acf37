//! SDK configuration from the standard AWS chain (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, ...), with driftscan's retry and timeout
//! settings and an optional role to assume.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_types::SdkConfig;

use crate::config::ScanPlan;

/// How long to wait for a TCP/TLS connection before the attempt counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The region the standard chain gives (`AWS_REGION`, `AWS_DEFAULT_REGION`, the profile).
pub async fn default_region(profile: Option<&str>) -> Option<String> {
    let mut chain = aws_config::default_provider::region::DefaultRegionChain::builder();
    if let Some(profile) = profile {
        chain = chain.profile_name(profile);
    }
    chain.build().region().await.map(|r| r.to_string())
}

/// Loads the SDK configuration for a plan: standard retry mode with the plan's attempts, the
/// plan's operation timeout, its profile, and its role assumed when one is set.
pub async fn load(plan: &ScanPlan) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(plan.max_attempts))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_timeout(plan.operation_timeout)
                .build(),
        );
    if let Some(profile) = &plan.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = plan.regions.first() {
        loader = loader.region(Region::new(region.clone()));
    }
    let base = loader.load().await;
    match &plan.role_arn {
        None => base,
        Some(role_arn) => {
            let provider = AssumeRoleProvider::builder(role_arn.clone())
                .session_name(format!("driftscan-{}", plan.environment))
                .configure(&base)
                .build()
                .await;
            base.into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build()
        }
    }
}

/// `base` pointed at `region`.
pub fn for_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_string()))
        .build()
}

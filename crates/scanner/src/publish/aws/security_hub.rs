//! Security Hub's `BatchImportFindings`, called in each finding's own account: with the
//! credentials its environment was scanned with (the member role, in an organization), in the
//! finding's region. A `ThrottlingException` is retried with the SDK's backoff.

use std::collections::HashMap;

use aws_sdk_securityhub::types as hub;
use aws_types::SdkConfig;
use futures::future::BoxFuture;
use tokio::sync::Mutex;

use super::failure;
use crate::config::{ConfigFile, EnvironmentSettings};
use crate::publish::security_hub::{FindingImport, RefusedFinding};
use crate::publish::PublishError;
use crate::report::asff::AsffFinding;

/// Imports into the Security Hub of each environment's account.
pub struct SecurityHubImport {
    config: ConfigFile,
    overrides: EnvironmentSettings,
    /// Each environment's SDK configuration, loaded (its role assumed) once.
    sessions: Mutex<HashMap<String, SdkConfig>>,
}

impl SecurityHubImport {
    /// Imports with the credentials `config` (with `overrides` over it, as the scan had) gives
    /// each environment.
    pub fn new(config: ConfigFile, overrides: EnvironmentSettings) -> Self {
        SecurityHubImport {
            config,
            overrides,
            sessions: Mutex::new(HashMap::new()),
        }
    }

    /// The credentials `environment` was scanned with (planned in `region`, one of its
    /// scan's, as the scan was: no default region needed).
    async fn session(&self, environment: &str, region: &str) -> Result<SdkConfig, PublishError> {
        let mut sessions = self.sessions.lock().await;
        if let Some(config) = sessions.get(environment) {
            return Ok(config.clone());
        }
        let refused = |code: &str, message: String| PublishError {
            service: "securityhub",
            operation: "BatchImportFindings",
            code: code.into(),
            message: format!("{environment}: {message}"),
        };
        let overrides = EnvironmentSettings {
            regions: Some(vec![region.to_string()]),
            ..self.overrides.clone()
        };
        let plan = self
            .config
            .plan(environment, overrides, None, None)
            .map_err(|e| refused("InvalidConfiguration", e.to_string()))?;
        let config = crate::aws::load(&plan)
            .await
            .map_err(|e| refused("CredentialsError", e.to_string()))?;
        sessions.insert(environment.to_string(), config.clone());
        Ok(config)
    }
}

impl FindingImport for SecurityHubImport {
    fn import<'a>(
        &'a self,
        environment: &'a str,
        region: &'a str,
        batch: &'a [AsffFinding],
    ) -> BoxFuture<'a, Result<Vec<RefusedFinding>, PublishError>> {
        Box::pin(async move {
            let session = self.session(environment, region).await?;
            let config = crate::aws::for_region(&session, region);
            let output = aws_sdk_securityhub::Client::new(&config)
                .batch_import_findings()
                .set_findings(Some(batch.iter().map(to_sdk).collect()))
                .send()
                .await
                .map_err(|e| failure("securityhub", "BatchImportFindings", &e))?;
            Ok(output
                .failed_findings()
                .iter()
                .map(|f| RefusedFinding {
                    id: f.id().unwrap_or_default().to_string(),
                    code: f.error_code().unwrap_or_default().to_string(),
                    message: f.error_message().unwrap_or_default().to_string(),
                })
                .collect())
        })
    }
}

/// The SDK's type of one of our documents, field for field.
fn to_sdk(finding: &AsffFinding) -> hub::AwsSecurityFinding {
    let recommendation = hub::Recommendation::builder()
        .text(&finding.remediation.recommendation.text)
        .set_url(finding.remediation.recommendation.url.clone())
        .build();
    hub::AwsSecurityFinding::builder()
        .schema_version(finding.schema_version)
        .id(&finding.id)
        .product_arn(&finding.product_arn)
        .generator_id(&finding.generator_id)
        .aws_account_id(&finding.aws_account_id)
        .region(&finding.region)
        .set_types(Some(finding.types.clone()))
        .created_at(&finding.created_at)
        .updated_at(&finding.updated_at)
        .severity(
            hub::Severity::builder()
                .label(hub::SeverityLabel::from(finding.severity.label))
                .original(finding.severity.original)
                .build(),
        )
        .finding_provider_fields(provider_fields(finding))
        .title(&finding.title)
        .description(&finding.description)
        .remediation(
            hub::Remediation::builder()
                .recommendation(recommendation)
                .build(),
        )
        .set_product_fields(Some(finding.product_fields.clone().into_iter().collect()))
        .set_resources(Some(resources(finding)))
        .compliance(compliance(finding))
        .workflow(
            hub::Workflow::builder()
                .status(hub::WorkflowStatus::from(finding.workflow.status))
                .build(),
        )
        .record_state(hub::RecordState::from(finding.record_state))
        .build()
}

/// `FindingProviderFields`: the severity and types, where Security Hub prefers a provider's.
fn provider_fields(finding: &AsffFinding) -> hub::FindingProviderFields {
    let severity = hub::FindingProviderSeverity::builder()
        .label(hub::SeverityLabel::from(finding.severity.label))
        .original(finding.severity.original)
        .build();
    hub::FindingProviderFields::builder()
        .severity(severity)
        .set_types(Some(finding.types.clone()))
        .build()
}

/// `Compliance`, its empty lists left out.
fn compliance(finding: &AsffFinding) -> hub::Compliance {
    let ours = &finding.compliance;
    let standards: Vec<hub::AssociatedStandard> = ours
        .associated_standards
        .iter()
        .map(|s| {
            hub::AssociatedStandard::builder()
                .standards_id(s.standards_id)
                .build()
        })
        .collect();
    hub::Compliance::builder()
        .status(hub::ComplianceStatus::from(ours.status))
        .set_security_control_id(ours.security_control_id.map(str::to_string))
        .set_related_requirements(Some(ours.related_requirements.clone()).filter(|r| !r.is_empty()))
        .set_associated_standards(Some(standards).filter(|s| !s.is_empty()))
        .build()
}

/// `Resources`.
fn resources(finding: &AsffFinding) -> Vec<hub::Resource> {
    finding
        .resources
        .iter()
        .map(|r| {
            hub::Resource::builder()
                .r#type(r.resource_type)
                .id(&r.id)
                .partition(hub::Partition::from(r.partition.as_str()))
                .region(&r.region)
                .build()
        })
        .collect()
}

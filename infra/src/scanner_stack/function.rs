//! The function's IAM role with its least-privilege policy, and the function from the built
//! package (code, configuration and environment updated only where they differ).

use std::collections::BTreeSet;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::{
    access::{policy_document, trust_policy},
    Clients, ScannerSpec,
};
use crate::{call_error, Action, InfraError, Recorder};

/// Whether the function's IAM role exists.
pub(super) async fn role_exists(c: &Clients, spec: &ScannerSpec) -> Result<bool, InfraError> {
    match c.iam.get_role().role_name(&spec.role).send().await {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(call_error("GetRole", &spec.role)(e)),
    }
}

/// The function's configuration, if it exists.
pub(super) async fn find_function(
    c: &Clients,
    spec: &ScannerSpec,
) -> Result<Option<aws_sdk_lambda::types::FunctionConfiguration>, InfraError> {
    match c
        .lambda
        .get_function()
        .function_name(&spec.function)
        .send()
        .await
    {
        Ok(found) => Ok(found.configuration),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("GetFunction", &spec.function)(e)),
    }
}

pub(super) async fn role(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<String, InfraError> {
    let arn = format!("arn:aws:iam::{}:role/{}", spec.account, spec.role);
    let exists = crate::iam::converge_role(
        &c.iam,
        rec,
        crate::iam::Role {
            name: &spec.role,
            trust: &trust_policy(),
            description: "driftscan: read-only scans, alerts, metrics",
            label: format!("iam-role {}", spec.role),
            who: "assumed by lambda.amazonaws.com".into(),
            tags: Vec::new(),
        },
    )
    .await?;
    crate::iam::converge_inline_policy(
        &c.iam,
        rec,
        crate::iam::InlinePolicy {
            role: &spec.role,
            role_exists: exists,
            name: "driftscan",
            document: &policy_document(spec),
            label: format!("iam-role-policy {}/driftscan", spec.role),
            detail: "least privilege",
        },
    )
    .await?;
    Ok(arn)
}

pub(super) async fn function(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
    role_arn: &str,
) -> Result<(), InfraError> {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{Architecture, Environment, FunctionCode, Runtime};

    let package = std::fs::read(&spec.package).map_err(|e| {
        InfraError::Refused(format!(
            "cannot read the Lambda package {}: {e} (build it with scripts/package-lambda.sh)",
            spec.package.display()
        ))
    })?;
    let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&package));
    let environment = || {
        let mut env = Environment::builder();
        for (k, v) in spec.function_environment() {
            env = env.variables(k, v);
        }
        env.build()
    };
    let current = find_function(c, spec).await?;
    let Some(current) = current else {
        let detail = format!(
            "provided.al2023, {} MiB, {} s, package {} bytes",
            spec.memory_mb,
            spec.timeout_secs,
            package.len()
        );
        rec.change(
            Action::Create,
            format!("lambda-function {}", spec.function),
            detail,
            async {
                c.lambda
                    .create_function()
                    .function_name(&spec.function)
                    .runtime(Runtime::Providedal2023)
                    .architectures(Architecture::X8664)
                    .handler("bootstrap")
                    .role(role_arn)
                    .timeout(spec.timeout_secs)
                    .memory_size(spec.memory_mb)
                    .environment(environment())
                    .code(
                        FunctionCode::builder()
                            .zip_file(Blob::new(package.clone()))
                            .build(),
                    )
                    .send()
                    .await
                    .map_err(call_error("CreateFunction", &spec.function))?;
                Ok(())
            },
        )
        .await?;
        // A new function has no reservation yet.
        return reserve_concurrency(c, spec, rec, None).await;
    };
    if current.code_sha256() != Some(sha.as_str()) {
        rec.change(
            Action::Update,
            format!("lambda-function {}", spec.function),
            "new package",
            async {
                c.lambda
                    .update_function_code()
                    .function_name(&spec.function)
                    .zip_file(Blob::new(package.clone()))
                    .send()
                    .await
                    .map_err(call_error("UpdateFunctionCode", &spec.function))?;
                Ok(())
            },
        )
        .await?;
    }
    let live_env: BTreeSet<(String, String)> = current
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let wanted_env: BTreeSet<(String, String)> = spec.function_environment().into_iter().collect();
    converge_reserved_concurrency(c, spec, rec).await?;
    if live_env != wanted_env
        || current.timeout() != Some(spec.timeout_secs)
        || current.memory_size() != Some(spec.memory_mb)
        || current.role() != Some(role_arn)
    {
        rec.change(
            Action::Update,
            format!("lambda-function {}", spec.function),
            "configuration",
            async {
                c.lambda
                    .update_function_configuration()
                    .function_name(&spec.function)
                    .role(role_arn)
                    .timeout(spec.timeout_secs)
                    .memory_size(spec.memory_mb)
                    .environment(environment())
                    .send()
                    .await
                    .map_err(call_error("UpdateFunctionConfiguration", &spec.function))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The function's reserved concurrency ([`ScannerSpec::reserved_concurrency`]): its ceiling,
/// and what it keeps of the account's, so a run neither starves other functions nor is starved
/// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html>).
async fn converge_reserved_concurrency(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let wanted = spec.reserved_concurrency();
    let live = c
        .lambda
        .get_function_concurrency()
        .function_name(&spec.function)
        .send()
        .await
        .map_err(call_error("GetFunctionConcurrency", &spec.function))?
        .reserved_concurrent_executions();
    if live == Some(wanted) {
        return Ok(());
    }
    reserve_concurrency(c, spec, rec, live).await
}

/// Reserves the spec's concurrency for the function (`live`: its reservation now, if any).
async fn reserve_concurrency(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
    live: Option<i32>,
) -> Result<(), InfraError> {
    let wanted = spec.reserved_concurrency();
    let live = live.map_or("none".to_string(), |n| n.to_string());
    let reserve = async {
        c.lambda
            .put_function_concurrency()
            .function_name(&spec.function)
            .reserved_concurrent_executions(wanted)
            .send()
            .await
            .map_err(call_error("PutFunctionConcurrency", &spec.function))?;
        Ok(())
    };
    rec.change(
        Action::Update,
        format!("lambda-function {}", spec.function),
        format!("reserved concurrency {live} -> {wanted}"),
        reserve,
    )
    .await?;
    Ok(())
}

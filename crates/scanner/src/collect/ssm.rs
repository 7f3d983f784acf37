//! SSM Parameter Store: every parameter under the environment's paths, recursively.
//!
//! Values come from `GetParametersByPath` (at most 10 per page, and pages may be short), tier and
//! KMS key from `DescribeParameters`. A `SecureString`'s value is never recorded: without
//! `--secure-digest` decryption is not even requested (no `kms:Decrypt` needed), and with it only
//! an HMAC of the plaintext under the user's key is kept.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{self as ssm, ParameterStringFilter};
use aws_sdk_ssm::Client;
use aws_smithy_types::date_time::Format;
use futures::future::BoxFuture;

use super::{Collected, Collector, RegionContext};
use crate::digest::DigestKey;
use crate::model::{Properties, ResourceKind as K, Service, SsmParameter, SECURE_STRING};

/// AWS's maximum page size of `GetParametersByPath` (11 is rejected).
pub const GET_PARAMETERS_BY_PATH_MAX: i32 = 10;
/// AWS's maximum page size of `DescribeParameters`.
pub const DESCRIBE_PARAMETERS_MAX: i32 = 50;

const KINDS: &[K] = &[K::SsmParameter];

/// Reads SSM Parameter Store.
pub struct SsmCollector;

impl Collector for SsmCollector {
    fn service(&self) -> Service {
        Service::Ssm
    }

    fn kinds(&self) -> &'static [K] {
        KINDS
    }

    fn permissions(&self) -> &'static [&'static str] {
        &["ssm:GetParametersByPath", "ssm:DescribeParameters"]
    }

    fn collect<'a>(&'a self, ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
        Box::pin(collect(ctx))
    }
}

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    // Paths are read concurrently; overlapping ones (`/` and `/shared`) must not list a
    // parameter twice.
    let reads = ctx
        .selection
        .ssm_paths
        .iter()
        .map(|path| read_path(&client, ctx, path));
    let mut parameters: BTreeMap<String, crate::model::Resource> = BTreeMap::new();
    for collected in futures::future::join_all(reads).await {
        out.failures.extend(collected.failures);
        for resource in collected.resources {
            parameters.insert(resource.id.clone(), resource);
        }
    }
    out.resources.extend(parameters.into_values());
    out.finish()
}

/// Every parameter under one path: metadata and values are read concurrently and joined.
async fn read_path(client: &Client, ctx: &RegionContext, path: &str) -> Collected {
    let mut out = Collected::default();
    let describe = {
        let mut request = client
            .describe_parameters()
            .max_results(DESCRIBE_PARAMETERS_MAX);
        if path != "/" {
            let filter = ParameterStringFilter::builder()
                .key("Path")
                .option("Recursive")
                .values(path)
                .build()
                .expect("the filter key is set");
            request = request.parameter_filters(filter);
        }
        request.into_paginator().send().try_collect()
    };
    let values = client
        .get_parameters_by_path()
        .path(path)
        .recursive(true)
        .with_decryption(ctx.secure_digest.is_some())
        .max_results(GET_PARAMETERS_BY_PATH_MAX)
        .into_paginator()
        .send()
        .try_collect();
    let (metadata, values) = tokio::join!(describe, values);
    let metadata: BTreeMap<String, ssm::ParameterMetadata> = match metadata {
        Ok(pages) => pages
            .iter()
            .flat_map(|page| page.parameters())
            .filter_map(|m| Some((m.name()?.to_string(), m.clone())))
            .collect(),
        Err(e) => {
            out.fail(on_path(
                path,
                ctx.failure(Service::Ssm, "DescribeParameters", KINDS, &e),
            ));
            BTreeMap::new()
        }
    };
    match values {
        Ok(pages) => {
            for parameter in pages.iter().flat_map(|page| page.parameters()) {
                let Some(name) = parameter.name() else {
                    continue;
                };
                out.resources.push(ctx.resource(
                    name,
                    name,
                    parameter.arn().map(str::to_string),
                    BTreeMap::new(),
                    Properties::SsmParameter(parameter_properties(
                        parameter,
                        metadata.get(name),
                        ctx.secure_digest.as_ref(),
                    )),
                ));
            }
        }
        Err(e) => out.fail(on_path(
            path,
            ctx.failure(Service::Ssm, "GetParametersByPath", KINDS, &e),
        )),
    }
    out
}

/// Names the path a failed read was for.
fn on_path(path: &str, mut failure: crate::model::ReadFailure) -> crate::model::ReadFailure {
    failure.message = format!("path {path}: {}", failure.message);
    failure
}

/// A parameter's snapshot properties. The value of a `SecureString` is read only to digest it
/// under `digest_key`, and only when one is given.
pub fn parameter_properties(
    parameter: &ssm::Parameter,
    metadata: Option<&ssm::ParameterMetadata>,
    digest_key: Option<&DigestKey>,
) -> SsmParameter {
    let parameter_type = parameter
        .r#type()
        .or(metadata.and_then(|m| m.r#type()))
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let secure = parameter_type == SECURE_STRING;
    let (value, value_digest) = if secure {
        let digest = digest_key.and_then(|key| parameter.value().map(|v| key.digest(v)));
        (None, digest)
    } else {
        (parameter.value().map(str::to_string), None)
    };
    SsmParameter {
        parameter_type,
        data_type: parameter
            .data_type()
            .or(metadata.and_then(|m| m.data_type()))
            .map(str::to_string),
        version: parameter.version(),
        last_modified: parameter
            .last_modified_date()
            .or(metadata.and_then(|m| m.last_modified_date()))
            .and_then(|d| d.fmt(Format::DateTime).ok()),
        tier: metadata
            .and_then(|m| m.tier())
            .map(|t| t.as_str().to_string()),
        key_id: if secure {
            metadata.and_then(|m| m.key_id()).map(str::to_string)
        } else {
            None
        },
        description: metadata.and_then(|m| m.description()).map(str::to_string),
        value,
        value_digest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ssm::types::{ParameterTier, ParameterType};

    const PLAINTEXT: &str = "hunter2-plaintext";

    fn secure_parameter() -> ssm::Parameter {
        // What the emulator returns without decryption: the plaintext embedded in the "ciphertext".
        ssm::Parameter::builder()
            .name("/prod/db-password")
            .r#type(ParameterType::SecureString)
            .value(format!("kms:alias/aws/ssm:{PLAINTEXT}"))
            .version(3)
            .build()
    }

    #[test]
    fn secure_strings_never_keep_their_value() {
        let metadata = ssm::ParameterMetadata::builder()
            .name("/prod/db-password")
            .key_id("alias/aws/ssm")
            .tier(ParameterTier::Standard)
            .build();
        let properties = parameter_properties(&secure_parameter(), Some(&metadata), None);
        let json = serde_json::to_string(&properties).unwrap();
        assert!(!json.contains(PLAINTEXT), "{json}");
        assert_eq!(properties.value, None);
        assert_eq!(properties.value_digest, None);
        assert_eq!(properties.key_id.as_deref(), Some("alias/aws/ssm"));
        assert_eq!(properties.tier.as_deref(), Some("Standard"));
    }

    #[test]
    fn secure_digest_records_only_an_hmac() {
        let key = DigestKey::new(b"0123456789abcdef".to_vec()).unwrap();
        let decrypted = ssm::Parameter::builder()
            .name("/prod/db-password")
            .r#type(ParameterType::SecureString)
            .value(PLAINTEXT)
            .build();
        let properties = parameter_properties(&decrypted, None, Some(&key));
        let json = serde_json::to_string(&properties).unwrap();
        assert!(!json.contains(PLAINTEXT), "{json}");
        assert_eq!(properties.value_digest, Some(key.digest(PLAINTEXT)));
    }

    #[test]
    fn plain_strings_keep_their_value_and_no_key() {
        let parameter = ssm::Parameter::builder()
            .name("/prod/cache-ttl")
            .r#type(ParameterType::String)
            .value("300")
            .version(1)
            .build();
        let metadata = ssm::ParameterMetadata::builder()
            .key_id("should-not-show")
            .build();
        let properties = parameter_properties(&parameter, Some(&metadata), None);
        assert_eq!(properties.value.as_deref(), Some("300"));
        assert_eq!(properties.key_id, None);
        assert_eq!(properties.parameter_type, "String");
    }
}

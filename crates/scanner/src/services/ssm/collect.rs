//! SSM Parameter Store: every parameter under the environment's paths, recursively.
//!
//! `DescribeParameters` pages through the path (tier, KMS key, description; 50 a page on AWS,
//! 10 on moto) and each page's names are read at once with `GetParameters` (at most 10 names a
//! call) while the next page is being described. Unlike `GetParametersByPath`, whose pages must be
//! fetched one after another, the value reads overlap, and each name costs the emulator a lookup
//! instead of a walk of the whole store. A `SecureString`'s value is never recorded: without
//! `--secure-digest` it is not even fetched (its metadata says all that is recorded, and no
//! ciphertext, or an emulator's plaintext, enters the process), and with it only an HMAC of the
//! plaintext under the user's key is kept (that needs `kms:Decrypt`).

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{self as ssm, ParameterStringFilter};
use aws_sdk_ssm::Client;
use aws_smithy_types::date_time::Format;
use futures::{StreamExt, TryStreamExt};

use crate::collect::{FnCollector, Collected, RegionContext};
use crate::digest::DigestKey;
use crate::model::{
    Properties, ReadFailure, Resource, ResourceKind as K, Service, SsmParameter, SECURE_STRING,
};

/// AWS's maximum number of names in one `GetParameters` call (11 is rejected).
pub const GET_PARAMETERS_MAX_NAMES: usize = 10;
/// AWS's maximum page size of `DescribeParameters`.
pub const DESCRIBE_PARAMETERS_MAX: i32 = 50;
/// `GetParameters` calls in flight per path. `GetParameter`, `GetParameters` and
/// `GetParametersByPath` share a default budget of 40 transactions a second per account and
/// region: two calls in flight at AWS's usual 30-60 ms stay near it, next to the one
/// `DescribeParameters` chain.
const VALUE_READS_IN_FLIGHT: usize = 2;

const KINDS: &[K] = &[K::SsmParameter];

/// Reads SSM Parameter Store.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

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
    let mut parameters: BTreeMap<String, Resource> = BTreeMap::new();
    for collected in futures::future::join_all(reads).await {
        out.failures.extend(collected.failures);
        out.deleted.extend(collected.deleted);
        for resource in collected.resources {
            parameters.insert(resource.id.clone(), resource);
        }
    }
    out.resources.extend(parameters.into_values());
    out.finish()
}

/// One unit of work while reading a path: a batch of described parameters to read the values
/// of, or the error that ended the description.
type DescribedBatch = Result<Vec<ssm::ParameterMetadata>, ReadFailure>;

/// Whether a described parameter's value must be fetched: always, except a `SecureString`'s when
/// no digest is asked for.
fn needs_value(metadata: &ssm::ParameterMetadata, digest: Option<&DigestKey>) -> bool {
    digest.is_some() || metadata.r#type().map(|t| t.as_str()) != Some(SECURE_STRING)
}

/// Every parameter under one path: described page by page, each page's values read as soon as
/// the page arrives. The description runs on its own, never waiting for value reads (its pages
/// are one chain of calls, the longest path through the read). Any failed call fails the whole
/// path (nothing half-read is kept) and stops it: no page is described after the first failure.
async fn read_path(client: &Client, ctx: &RegionContext, path: &str) -> Collected {
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
    // Unbounded: what waits in it is metadata the result holds anyway.
    let (described, batches) = futures::channel::mpsc::unbounded::<DescribedBatch>();
    let digest = ctx.secure_digest.as_ref();
    let mut metadata_only = Vec::new();
    let describe = async {
        let mut pages = request.into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| ctx.failure(&super::DESCRIBE_PARAMETERS, KINDS, &e));
            let failed = page.is_err();
            let batches = match page {
                Ok(page) => {
                    let (fetch, described_enough): (Vec<_>, Vec<_>) = page
                        .parameters
                        .unwrap_or_default()
                        .into_iter()
                        .partition(|m| needs_value(m, digest));
                    metadata_only.extend(described_enough);
                    value_batches(fetch).into_iter().map(Ok).collect()
                }
                Err(failure) => vec![Err(failure)],
            };
            for batch in batches {
                if described.unbounded_send(batch).is_err() {
                    // The value reads stopped at a failure: the path is unread anyway.
                    return;
                }
            }
            if failed {
                break;
            }
        }
        drop(described);
    };
    // Ends at the first failure, dropping the channel's receiver, which stops the description.
    let reads = batches
        .map(|batch| read_values(client, ctx, batch))
        .buffer_unordered(VALUE_READS_IN_FLIGHT)
        .try_collect::<Vec<ValuesRead>>();
    let ((), read) = tokio::join!(describe, reads);

    let mut out = Collected::default();
    match read {
        Ok(batches) => {
            for batch in batches {
                out.resources.extend(batch.resources);
                for name in &batch.deleted {
                    out.deleted_during_scan(
                        ctx,
                        (K::SsmParameter, name),
                        super::GET_PARAMETERS.operation,
                        "InvalidParameters",
                    );
                }
            }
            out.resources.extend(
                metadata_only
                    .iter()
                    .filter_map(|m| described_resource(ctx, m)),
            );
        }
        Err(failure) => out.fail(on_path(path, failure)),
    }
    out
}

/// A parameter recorded from its metadata alone (a `SecureString` without a digest).
fn described_resource(ctx: &RegionContext, metadata: &ssm::ParameterMetadata) -> Option<Resource> {
    Some(parameter_resource(
        ctx,
        metadata.name()?,
        metadata.arn(),
        described_properties(metadata),
    ))
}

/// A parameter as a snapshot resource: named by its full name, tags are not read.
fn parameter_resource(
    ctx: &RegionContext,
    name: &str,
    arn: Option<&str>,
    properties: SsmParameter,
) -> Resource {
    ctx.resource(
        name,
        name,
        arn.map(str::to_string),
        BTreeMap::new(),
        Properties::SsmParameter(properties),
    )
}

/// A `SecureString`'s snapshot properties from `DescribeParameters`: everything but the value,
/// which is neither fetched nor recorded.
pub fn described_properties(metadata: &ssm::ParameterMetadata) -> SsmParameter {
    SsmParameter {
        parameter_type: metadata
            .r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        data_type: metadata.data_type().map(str::to_string),
        version: metadata.version(),
        last_modified: metadata
            .last_modified_date()
            .and_then(|d| d.fmt(Format::DateTime).ok()),
        tier: metadata.tier().map(|t| t.as_str().to_string()),
        key_id: metadata.key_id().map(str::to_string),
        description: metadata.description().map(str::to_string),
        value: None,
        value_digest: None,
    }
}

/// Splits one page of `DescribeParameters` into `GetParameters` batches of at most
/// [`GET_PARAMETERS_MAX_NAMES`] named parameters.
pub fn value_batches(page: Vec<ssm::ParameterMetadata>) -> Vec<Vec<ssm::ParameterMetadata>> {
    let mut named = page.into_iter().filter(|m| m.name().is_some()).peekable();
    let mut batches = Vec::new();
    while named.peek().is_some() {
        batches.push(named.by_ref().take(GET_PARAMETERS_MAX_NAMES).collect());
    }
    batches
}

/// What one `GetParameters` batch gave.
struct ValuesRead {
    resources: Vec<Resource>,
    /// Names AWS no longer knew (`InvalidParameters`): deleted since they were described.
    deleted: Vec<String>,
}

/// Reads the values of one batch and joins them with their metadata. A name AWS no longer knows
/// was deleted since it was described: it is left out, as a later snapshot would, and noted. A
/// name answered neither way is a failed read, never silently absent.
async fn read_values(
    client: &Client,
    ctx: &RegionContext,
    batch: DescribedBatch,
) -> Result<ValuesRead, ReadFailure> {
    let batch = batch?;
    let output = client
        .get_parameters()
        .set_names(Some(
            batch
                .iter()
                .filter_map(|m| m.name().map(str::to_string))
                .collect(),
        ))
        .with_decryption(ctx.secure_digest.is_some())
        .send()
        .await
        .map_err(|e| ctx.failure(&super::GET_PARAMETERS, KINDS, &e))?;
    let deleted: Vec<String> = output.invalid_parameters().to_vec();
    let metadata: BTreeMap<&str, &ssm::ParameterMetadata> =
        batch.iter().filter_map(|m| Some((m.name()?, m))).collect();
    let answered = |name: &str| {
        deleted.iter().any(|d| d == name)
            || output.parameters().iter().any(|p| p.name() == Some(name))
    };
    if let Some(unanswered) = metadata.keys().find(|name| !answered(name)) {
        return Err(ReadFailure {
            region: ctx.region.clone(),
            service: Service::Ssm,
            operation: super::GET_PARAMETERS.operation.into(),
            kinds: KINDS.to_vec(),
            code: "IncompleteAnswer".into(),
            message: format!("{unanswered} was neither returned nor named invalid"),
        });
    }
    let resources = output
        .parameters()
        .iter()
        .filter_map(|parameter| {
            let name = parameter.name()?;
            Some(parameter_resource(
                ctx,
                name,
                parameter.arn(),
                parameter_properties(
                    parameter,
                    metadata.get(name).copied(),
                    ctx.secure_digest.as_ref(),
                ),
            ))
        })
        .collect();
    Ok(ValuesRead { resources, deleted })
}

/// Names the path a failed read was for.
fn on_path(path: &str, mut failure: ReadFailure) -> ReadFailure {
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

    #[test]
    fn secure_strings_are_described_not_fetched_without_a_digest() {
        let secure = ssm::ParameterMetadata::builder()
            .name("/prod/db-password")
            .r#type(ParameterType::SecureString)
            .key_id("alias/aws/ssm")
            .tier(ParameterTier::Standard)
            .data_type("text")
            .version(3)
            .build();
        let plain = ssm::ParameterMetadata::builder()
            .name("/prod/cache-ttl")
            .r#type(ParameterType::String)
            .build();
        let key = DigestKey::new(b"0123456789abcdef".to_vec()).unwrap();
        assert!(!needs_value(&secure, None));
        assert!(needs_value(&secure, Some(&key)), "a digest needs the value");
        assert!(needs_value(&plain, None));
        let properties = described_properties(&secure);
        assert_eq!(properties.parameter_type, "SecureString");
        assert_eq!(properties.version, 3);
        assert_eq!(properties.key_id.as_deref(), Some("alias/aws/ssm"));
        assert_eq!(properties.tier.as_deref(), Some("Standard"));
        assert_eq!(properties.data_type.as_deref(), Some("text"));
        assert_eq!((properties.value, properties.value_digest), (None, None));
    }

    fn described(count: usize) -> Vec<ssm::ParameterMetadata> {
        (0..count)
            .map(|i| {
                ssm::ParameterMetadata::builder()
                    .name(format!("/prod/p{i:03}"))
                    .build()
            })
            .collect()
    }

    #[test]
    fn value_batches_respect_the_get_parameters_limit() {
        // A full AWS page of 50 is five calls; moto's short pages one each.
        let sizes = |n| {
            value_batches(described(n))
                .iter()
                .map(Vec::len)
                .collect::<Vec<_>>()
        };
        assert_eq!(sizes(50), vec![10; 5]);
        assert_eq!(sizes(23), vec![10, 10, 3]);
        assert_eq!(sizes(10), vec![10]);
        assert!(sizes(0).is_empty());
        let all: Vec<String> = value_batches(described(23))
            .concat()
            .iter()
            .filter_map(|m| m.name().map(str::to_string))
            .collect();
        assert_eq!(
            all,
            described(23)
                .iter()
                .filter_map(|m| m.name().map(str::to_string))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn value_batches_skip_unnamed_metadata() {
        let mut page = described(10);
        page.insert(3, ssm::ParameterMetadata::builder().build());
        let batches = value_batches(page);
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].len(), 10);
    }
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, json, Replay};

    fn described(names: &[&str], next: Option<&str>) -> String {
        let parameters: Vec<serde_json::Value> = names
            .iter()
            .map(|n| serde_json::json!({"Name": n, "Type": "String", "Version": 1}))
            .collect();
        let mut page = serde_json::json!({ "Parameters": parameters });
        if let Some(next) = next {
            page["NextToken"] = serde_json::json!(next);
        }
        page.to_string()
    }

    fn values(names: &[&str]) -> String {
        let parameters: Vec<serde_json::Value> = names
            .iter()
            .map(|n| serde_json::json!({"Name": n, "Type": "String", "Value": "30", "Version": 1}))
            .collect();
        serde_json::json!({ "Parameters": parameters, "InvalidParameters": [] }).to_string()
    }

    /// Two pages of `DescribeParameters` under `/staging`, each page's values read in one call.
    fn answers(extra: Vec<crate::collect::replay::Recorded>) -> Vec<crate::collect::replay::Recorded> {
        let mut all = extra;
        all.extend([
            json(
                &["AmazonSSM.DescribeParameters", "\"NextToken\":\"p2\""],
                200,
                &described(&["/staging/c"], None),
            ),
            json(
                &["AmazonSSM.DescribeParameters"],
                200,
                &described(&["/staging/a", "/staging/b"], Some("p2")),
            ),
            json(&["AmazonSSM.GetParameters", "/staging/a"], 200, &values(&["/staging/a", "/staging/b"])),
            json(&["AmazonSSM.GetParameters", "/staging/c"], 200, &values(&["/staging/c"])),
        ]);
        all
    }

    fn staging(replay: &Replay) -> RegionContext {
        let mut ctx = replay.region_context();
        ctx.selection.ssm_paths = vec!["/staging".into()];
        ctx
    }

    #[tokio::test]
    async fn both_pages_are_described_and_their_values_read() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&staging(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        let names: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(names, ["/staging/a", "/staging/b", "/staging/c"]);
        assert_eq!(replay.count("AmazonSSM.DescribeParameters"), 2, "both pages");
        assert_eq!(replay.count("AmazonSSM.GetParameters"), 2, "one call per page");
        assert!(
            replay.requests().iter().filter(|r| r.contains("AmazonSSM.DescribeParameters")).all(|r| r.contains("\"Path\"")),
            "described under the environment's path"
        );
        let Properties::SsmParameter(parameter) = &collected.resources[0].properties else {
            panic!("a parameter")
        };
        assert_eq!(parameter.value.as_deref(), Some("30"));
    }

    #[tokio::test]
    async fn a_refused_value_read_leaves_the_kind_unknown() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: ssm:GetParameters"}"#;
        let replay = Replay::start(answers(vec![json(
            &["AmazonSSM.GetParameters", "/staging/c"],
            400,
            denied,
        )]));
        let collected = collect(&staging(&replay)).await;
        assert_refused(&collected, "GetParameters", "AccessDeniedException", "ssm:GetParameters");
        let failure = &collected.failures[0];
        assert!(failure.message.contains("ssm:GetParameters"));
        assert!(
            collected.resources.is_empty(),
            "a path half read is not kept"
        );
    }
}

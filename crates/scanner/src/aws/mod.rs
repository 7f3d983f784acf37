//! SDK configuration from the standard AWS chain (`AWS_PROFILE`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, ...), with driftscan's retry and timeout
//! settings and an optional role to assume: once per account per process, its credentials
//! shared by every environment and region there and refreshed before they expire.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
pub use aws_types::SdkConfig;

mod credentials;
pub use credentials::{
    check_credentials, credentials_problem, CredentialsError, CREDENTIALS_ERROR, EXPIRED_TOKEN,
};

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
/// plan's operation timeout, its profile, and its role assumed when one is set. The base
/// credentials are resolved first ([`check_credentials`]); a role that cannot be assumed is the
/// snapshot's failure, not this one's.
pub async fn load(plan: &ScanPlan) -> Result<SdkConfig, CredentialsError> {
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
    check_credentials(&base, plan.profile.as_deref()).await?;
    Ok(match &plan.role_arn {
        None => base,
        Some(role_arn) => {
            let key = format!(
                "{role_arn}|{}|{}",
                plan.external_id.as_deref().unwrap_or_default(),
                plan.profile.as_deref().unwrap_or_default()
            );
            let sessions = SESSIONS.get_or_init(Default::default);
            let existing = sessions
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&key)
                .cloned();
            let credentials = match existing {
                Some(credentials) => credentials,
                None => {
                    let mut provider = AssumeRoleProvider::builder(role_arn)
                        .session_name(crate::config::accounts::SESSION_NAME)
                        .configure(&base);
                    if let Some(external_id) = &plan.external_id {
                        provider = provider.external_id(external_id);
                    }
                    let session = Arc::new(Session {
                        provider: provider.build().await,
                        cached: tokio::sync::Mutex::new(None),
                    });
                    let shared = SharedCredentialsProvider::new(SessionCredentials(session));
                    sessions
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .entry(key)
                        .or_insert(shared)
                        .clone()
                }
            };
            base.into_builder()
                .credentials_provider(credentials)
                .build()
        }
    })
}

/// The roles assumed so far in this process, by role, external ID and base profile.
static SESSIONS: OnceLock<Mutex<HashMap<String, SharedCredentialsProvider>>> = OnceLock::new();

/// Credentials are renewed this long before they expire.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// One assumed role: its provider and the credentials it last gave.
#[derive(Debug)]
struct Session {
    provider: AssumeRoleProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

/// Gives a session's cached credentials until they come within [`REFRESH_BEFORE_EXPIRY`] of
/// their expiry, then assumes the role again (one caller at a time: the others wait for it).
/// A failure is not cached: the next caller tries again.
#[derive(Debug, Clone)]
struct SessionCredentials(Arc<Session>);

impl ProvideCredentials for SessionCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let mut cached = self.0.cached.lock().await;
            if let Some(credentials) = cached
                .as_ref()
                .filter(|c| fresh(c.expiry(), SystemTime::now()))
            {
                return Ok(credentials.clone());
            }
            let credentials = self.0.provider.provide_credentials().await?;
            *cached = Some(credentials.clone());
            Ok(credentials)
        })
    }
}

/// Whether credentials expiring at `expiry` are good for another [`REFRESH_BEFORE_EXPIRY`].
fn fresh(expiry: Option<SystemTime>, now: SystemTime) -> bool {
    expiry.is_none_or(|at| at > now + REFRESH_BEFORE_EXPIRY)
}

/// `base` with its credentials replaced by a role assumed from them (refreshed before they
/// expire), under a session name that says who is calling.
pub async fn assume_role(base: SdkConfig, role_arn: &str, session_name: &str) -> SdkConfig {
    let provider = AssumeRoleProvider::builder(role_arn)
        .session_name(session_name)
        .configure(&base)
        .build()
        .await;
    base.into_builder()
        .credentials_provider(
            aws_credential_types::provider::SharedCredentialsProvider::new(provider),
        )
        .build()
}

/// `base` pointed at `region`.
pub fn for_region(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_string()))
        .build()
}

/// The standard chain's configuration, with a profile and a region when given, its credentials
/// resolved ([`check_credentials`]).
pub async fn load_for(
    profile: Option<&str>,
    region: Option<&str>,
) -> Result<SdkConfig, CredentialsError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_string()));
    }
    let config = loader.load().await;
    check_credentials(&config, profile).await?;
    Ok(config)
}

/// A DynamoDB string attribute.
pub fn ddb_s(value: impl Into<String>) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(value.into())
}

/// A DynamoDB number attribute.
pub fn ddb_n(value: u64) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::N(value.to_string())
}

/// `s3://<bucket>/<key>` split, when `uri` is one.
pub fn parse_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// The bytes of an S3 object: `s3:GetObject` only.
pub async fn get_object(config: &SdkConfig, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
    let object = s3_client(config)
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| s3_failure(bucket, key, &e))?;
    Ok(object
        .body
        .collect()
        .await
        .map_err(|e| format!("s3://{bucket}/{key}: reading the body: {e}"))?
        .into_bytes()
        .to_vec())
}

/// The text of an S3 object (a Terraform state in its S3 backend): `s3:GetObject` only.
pub async fn get_text_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
) -> Result<String, String> {
    let bytes = get_object(config, bucket, key).await?;
    String::from_utf8(bytes).map_err(|_| format!("s3://{bucket}/{key}: not UTF-8 text"))
}

/// Writes an S3 object in one `PutObject` (S3 replaces an object whole: readers see the old one
/// or the new one).
pub async fn put_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> Result<(), String> {
    s3_client(config)
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(body.into())
        .send()
        .await
        .map_err(|e| s3_failure(bucket, key, &e))?;
    Ok(())
}

/// Writes a snapshot's JSON to `s3://<bucket>/<key>`, gzip-compressed when the key ends in
/// `.gz` (the run snapshots of a fanned-out run always are).
pub async fn put_snapshot_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
    json: &str,
) -> Result<(), String> {
    let (body, content_type) = if key.ends_with(".gz") {
        (gzip(json.as_bytes()), "application/gzip")
    } else {
        (json.as_bytes().to_vec(), "application/json")
    };
    put_object(config, bucket, key, body, content_type).await
}

/// Reads the JSON text of a snapshot kept at `s3://<bucket>/<key>` (gunzipped when the key
/// ends in `.gz`).
pub async fn get_snapshot_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
) -> Result<String, String> {
    let bytes = get_object(config, bucket, key).await?;
    let text = if key.ends_with(".gz") {
        gunzip(&bytes)
    } else {
        String::from_utf8(bytes).ok()
    };
    text.ok_or_else(|| format!("s3://{bucket}/{key}: not gzip-compressed UTF-8 text"))
}

/// `bytes`, gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// The UTF-8 text in gzip-compressed `bytes`, if that is what they are.
pub fn gunzip(bytes: &[u8]) -> Option<String> {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text).ok()?;
    Some(text)
}

/// An S3 call's failure, naming the object, with AWS's code.
fn s3_failure<E, R>(
    bucket: &str,
    key: &str,
    error: &aws_smithy_runtime_api::client::result::SdkError<E, R>,
) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    format!(
        "s3://{bucket}/{key}: {} ({})",
        error_chain(error),
        error_code(error)
    )
}

/// An S3 client for the region; path-style addressing when an endpoint is configured (an
/// emulator or an S3-compatible store has no per-bucket DNS names).
pub fn s3_client(sdk_config: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk_config)
        .force_path_style(sdk_config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// An error and its causes, outermost first, joined by `: `, each said once.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(current) = next {
        let text = current.to_string();
        if !text.is_empty() && !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        next = current.source();
    }
    parts.join(": ")
}

/// The AWS error code of a service error, or the class of a transport failure.
pub fn error_code<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::ServiceError(service) => service
            .err()
            .code()
            .unwrap_or("UnknownServiceError")
            .to_string(),
        SdkError::TimeoutError(_) => "Timeout".into(),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => "Timeout".into(),
        SdkError::DispatchFailure(failure) if failure.is_io() => "ConnectionError".into(),
        SdkError::DispatchFailure(_) => "DispatchFailure".into(),
        SdkError::ResponseError(_) => "MalformedResponse".into(),
        SdkError::ConstructionFailure(_) => "RequestConstructionFailure".into(),
        _ => "UnknownError".into(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn error_chains_name_every_cause_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("dispatch failure")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let error = Outer(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ));
        assert_eq!(error_chain(&error), "dispatch failure: refused");
    }

    #[test]
    fn gzip_round_trips_and_refuses_what_is_not_gzip() {
        let json = r#"{"schema":"driftscan.snapshot/v1"}"#.repeat(100);
        let packed = gzip(json.as_bytes());
        assert!(packed.len() < json.len() / 10, "{} bytes", packed.len());
        assert_eq!(gunzip(&packed).as_deref(), Some(json.as_str()));
        assert_eq!(gunzip(json.as_bytes()), None);
    }

    #[test]
    fn s3_uris_name_a_bucket_and_a_key() {
        assert_eq!(
            parse_s3_uri("s3://snapshots/runs/2026-11-27/prod.json.gz"),
            Some(("snapshots", "runs/2026-11-27/prod.json.gz"))
        );
        for not_one in [
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
            "prod.json",
            "S3://b/k",
        ] {
            assert_eq!(parse_s3_uri(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn assumed_credentials_are_renewed_five_minutes_before_they_expire() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert!(fresh(None, now));
        assert!(fresh(Some(now + Duration::from_secs(3600)), now));
        assert!(!fresh(Some(now + Duration::from_secs(299)), now));
        assert!(!fresh(Some(now - Duration::from_secs(1)), now));
    }
}

//! S3 objects driftscan reads and writes: snapshots (gzip-compressed under `.gz` keys) and
//! Terraform states in their S3 backend.

use aws_types::SdkConfig;

use super::errors::{error_chain, error_code};

/// Why an S3 object could not be read or written, naming the object.
#[derive(Debug, thiserror::Error)]
#[error("s3://{bucket}/{key}: {problem}")]
pub struct ObjectError {
    /// The bucket.
    pub bucket: String,
    /// The key.
    pub key: String,
    /// What went wrong.
    pub problem: ObjectProblem,
}

/// What went wrong with an S3 object.
#[derive(Debug, thiserror::Error)]
pub enum ObjectProblem {
    /// The call failed.
    #[error("{causes} ({code})")]
    Call {
        /// The error and its causes.
        causes: String,
        /// AWS's error code, or the transport failure's class.
        code: String,
    },
    /// The body could not be read to its end.
    #[error("reading the body: {0}")]
    Body(String),
    /// The object is not what was expected (UTF-8 text, gzip-compressed or not).
    #[error("not {0}")]
    NotText(&'static str),
}

impl ObjectError {
    fn new(bucket: &str, key: &str, problem: ObjectProblem) -> Self {
        Self {
            bucket: bucket.into(),
            key: key.into(),
            problem,
        }
    }
}

/// `s3://<bucket>/<key>` split, when `uri` is one.
pub fn parse_s3_uri(uri: &str) -> Option<(&str, &str)> {
    let (bucket, key) = uri.strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// The bytes of an S3 object: `s3:GetObject` only.
pub async fn get_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
) -> Result<Vec<u8>, ObjectError> {
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
        .map_err(|e| ObjectError::new(bucket, key, ObjectProblem::Body(e.to_string())))?
        .into_bytes()
        .to_vec())
}

/// The text of an S3 object (a Terraform state in its S3 backend): `s3:GetObject` only.
pub async fn get_text_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
) -> Result<String, ObjectError> {
    let bytes = get_object(config, bucket, key).await?;
    String::from_utf8(bytes)
        .map_err(|_| ObjectError::new(bucket, key, ObjectProblem::NotText("UTF-8 text")))
}

/// Writes an S3 object in one `PutObject` (S3 replaces an object whole: readers see the old one
/// or the new one).
pub async fn put_object(
    config: &SdkConfig,
    bucket: &str,
    key: &str,
    body: Vec<u8>,
    content_type: &str,
) -> Result<(), ObjectError> {
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
) -> Result<(), ObjectError> {
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
) -> Result<String, ObjectError> {
    let bytes = get_object(config, bucket, key).await?;
    let text = if key.ends_with(".gz") {
        gunzip(&bytes)
    } else {
        String::from_utf8(bytes).ok()
    };
    text.ok_or_else(|| {
        ObjectError::new(
            bucket,
            key,
            ObjectProblem::NotText("gzip-compressed UTF-8 text"),
        )
    })
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
) -> ObjectError
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let problem = ObjectProblem::Call {
        causes: error_chain(error),
        code: error_code(error),
    };
    ObjectError::new(bucket, key, problem)
}

/// An S3 client for the region; path-style addressing when an endpoint is configured (an
/// emulator or an S3-compatible store has no per-bucket DNS names).
pub fn s3_client(sdk_config: &SdkConfig) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk_config)
        .force_path_style(sdk_config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

//! Reports kept in S3.

use aws_types::SdkConfig;
use futures::future::BoxFuture;

use super::failure;
use crate::alert::StoredReport;
use crate::publish::{PublishError, ReportArchive};

/// Reports kept as objects of an S3 bucket in the publishing region.
pub struct S3ReportArchive {
    client: aws_sdk_s3::Client,
    bucket: String,
    region: String,
}

impl S3ReportArchive {
    /// Keeps reports in `bucket`.
    pub fn new(config: &SdkConfig, bucket: impl Into<String>) -> Self {
        S3ReportArchive {
            client: crate::aws::s3_client(config),
            bucket: bucket.into(),
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
        }
    }
}

impl ReportArchive for S3ReportArchive {
    fn put<'a>(
        &'a self,
        key: &'a str,
        html: &'a str,
    ) -> BoxFuture<'a, Result<StoredReport, PublishError>> {
        Box::pin(async move {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type("text/html; charset=utf-8")
                .body(html.as_bytes().to_vec().into())
                .send()
                .await
                .map_err(|e| failure("s3", "PutObject", &e))?;
            Ok(StoredReport {
                uri: format!("s3://{}/{key}", self.bucket),
                console_url: format!(
                    "https://s3.console.aws.amazon.com/s3/object/{}?region={}&prefix={key}",
                    self.bucket, self.region
                ),
            })
        })
    }
}

//! The load balancer's certificate: an ACM certificate for a full environment's domain and its
//! subdomains (dev's previews answer on `pr-<n>.dev.<domain>`), DNS-validated through the
//! environment's hosted zone. The HTTPS listener serves it once ACM has issued it. Destroy
//! deletes it after the load balancer that uses it is gone (it holds no data; ACM refuses to
//! delete a certificate in use).

use std::time::Duration;

use aws_sdk_acm::client::Waiters;
use aws_sdk_acm::types as acm;

use crate::dns::{upsert_record, zone_domain};
use crate::{call_error, is_planned, refused, Action, Ctx, GlobalClients, InfraError};

/// How long an apply waits for ACM to issue a DNS-validated certificate. ACM checks the
/// validation record itself; it usually issues within minutes of the record appearing
/// (<https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html>).
const ISSUE_WAIT: Duration = Duration::from_secs(30 * 60);

/// The statuses of a certificate still worth keeping: issued, or on its way
/// (<https://docs.aws.amazon.com/acm/latest/APIReference/API_CertificateDetail.html>).
const USABLE: [acm::CertificateStatus; 2] = [
    acm::CertificateStatus::Issued,
    acm::CertificateStatus::PendingValidation,
];

/// The names the certificate covers: the environment's domain and every name beneath it.
fn covered_names(env: &str) -> (String, String) {
    let domain = zone_domain(env);
    let wildcard = format!("*.{domain}");
    (domain, wildcard)
}

/// An ACM endpoint: the environment's region's, or us-east-1's for CloudFront.
pub(crate) struct AcmAt<'c> {
    client: &'c aws_sdk_acm::Client,
    /// How changes name the region: empty for the environment's own.
    label: &'static str,
}

/// The issued certificate of a full environment (requested, validated through `zone`, and
/// waited for when missing), or the one its spec names. Its ARN; a placeholder in a plan.
pub(crate) async fn converge(ctx: &Ctx<'_>, zone: &str) -> Result<String, InfraError> {
    if let Some(arn) = &ctx.spec.certificate {
        return Ok(arn.clone());
    }
    let at = AcmAt {
        client: &ctx.acm,
        label: "",
    };
    converge_at(ctx, &at, zone).await
}

/// The certificate CloudFront serves for the environment: one of the same names in us-east-1
/// (CloudFront takes no other region's), which is `regional` itself where the environment
/// lives in us-east-1.
pub(crate) async fn converge_for_cloudfront(
    ctx: &Ctx<'_>,
    zone: &str,
    regional: &str,
) -> Result<String, InfraError> {
    match cloudfront_acm(ctx) {
        Some(at) => converge_at(ctx, &at, zone).await,
        None => Ok(regional.to_string()),
    }
}

/// us-east-1's ACM, where the environment lives elsewhere.
fn cloudfront_acm<'c>(ctx: &'c Ctx<'_>) -> Option<AcmAt<'c>> {
    let elsewhere = ctx.spec.region != GlobalClients::REGION && ctx.spec.certificate.is_none();
    elsewhere.then_some(AcmAt {
        client: &ctx.global.acm,
        label: " (us-east-1)",
    })
}

async fn converge_at(ctx: &Ctx<'_>, at: &AcmAt<'_>, zone: &str) -> Result<String, InfraError> {
    let (domain, _) = covered_names(&ctx.spec.name);
    let arn = match find(at, &domain).await? {
        Some(arn) => arn,
        None => request(ctx, at).await?,
    };
    if is_planned(&arn) {
        // ACM names the validation record when it answers the request.
        let resource = format!("dns-record (ACM's validation record of {domain}) CNAME");
        let detail = "named by ACM when the certificate is requested";
        ctx.change(Action::Create, resource, detail, async { Ok(()) })
            .await?;
        return Ok(arn);
    }
    for (name, value) in validation_records(at, &arn, &domain).await? {
        upsert_record(ctx, zone, &name, acm_cname(value)?).await?;
    }
    if ctx.is_applying() {
        at.client
            .wait_until_certificate_validated()
            .certificate_arn(&arn)
            .wait(ISSUE_WAIT)
            .await
            .map_err(call_error("DescribeCertificate (until issued)", &domain))?;
    }
    Ok(arn)
}

/// A validation record's value as Route 53 takes it.
fn acm_cname(value: String) -> Result<aws_sdk_route53::types::ResourceRecord, InfraError> {
    aws_sdk_route53::types::ResourceRecord::builder()
        .value(value)
        .build()
        .map_err(refused)
}

/// The environment's usable certificate for `domain`, if any.
async fn find(at: &AcmAt<'_>, domain: &str) -> Result<Option<String>, InfraError> {
    let mut pages = at
        .client
        .list_certificates()
        .set_certificate_statuses(Some(USABLE.to_vec()))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(call_error("ListCertificates", domain))?;
        let found = page
            .certificate_summary_list()
            .iter()
            .find(|c| c.domain_name() == Some(domain));
        if let Some(found) = found {
            return Ok(found.certificate_arn().map(str::to_string));
        }
    }
    Ok(None)
}

async fn request(ctx: &Ctx<'_>, at: &AcmAt<'_>) -> Result<String, InfraError> {
    let (domain, wildcard) = covered_names(&ctx.spec.name);
    let tags = ctx
        .spec
        .tags(&domain)
        .into_iter()
        .map(|(k, v)| acm::Tag::builder().key(k).value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(refused)?;
    // Requests repeated with one token within an hour are one request.
    let token: String = format!("driftscan{}", ctx.spec.name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(32)
        .collect();
    let request = at
        .client
        .request_certificate()
        .domain_name(&domain)
        .subject_alternative_names(&wildcard)
        .validation_method(acm::ValidationMethod::Dns)
        .key_algorithm(acm::KeyAlgorithm::Rsa2048)
        .idempotency_token(token)
        .set_tags(Some(tags));
    let requested = async {
        let requested = request
            .send()
            .await
            .map_err(call_error("RequestCertificate", &domain))?;
        Ok(requested.certificate_arn().unwrap_or_default().to_string())
    };
    let detail = format!("{domain} and {wildcard}, RSA 2048, DNS-validated");
    let resource = format!("acm-certificate {domain}{}", at.label);
    ctx.create(resource, detail, requested).await
}

/// The CNAME records ACM validates `arn`'s names by: (name, value), once each. ACM fills them
/// in shortly after the request, so an answer without them is asked again, a few times.
async fn validation_records(
    at: &AcmAt<'_>,
    arn: &str,
    domain: &str,
) -> Result<Vec<(String, String)>, InfraError> {
    for attempt in 0..10 {
        let described = at
            .client
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .map_err(call_error("DescribeCertificate", domain))?;
        let options = described
            .certificate()
            .map(|c| c.domain_validation_options())
            .unwrap_or_default();
        let records: Option<Vec<(String, String)>> = options
            .iter()
            .map(|o| {
                o.resource_record()
                    .map(|r| (r.name().to_string(), r.value().to_string()))
            })
            .collect();
        match records {
            Some(mut records) if !records.is_empty() => {
                records.sort();
                records.dedup();
                return Ok(records);
            }
            _ => tokio::time::sleep(Duration::from_secs(2 * (attempt + 1))).await,
        }
    }
    Err(InfraError::Refused(format!(
        "ACM gave no DNS validation records for {domain} ({arn})"
    )))
}

/// Deletes a full environment's certificates (once nothing uses them: after the load balancer
/// and the distribution). Their validation records went with the zone's records.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    if ctx.spec.preview.is_some() || ctx.spec.certificate.is_some() {
        return Ok(());
    }
    let regional = AcmAt {
        client: &ctx.acm,
        label: "",
    };
    destroy_at(ctx, &regional).await?;
    match cloudfront_acm(ctx) {
        Some(at) => destroy_at(ctx, &at).await,
        None => Ok(()),
    }
}

async fn destroy_at(ctx: &Ctx<'_>, at: &AcmAt<'_>) -> Result<(), InfraError> {
    let (domain, _) = covered_names(&ctx.spec.name);
    let Some(arn) = find(at, &domain).await? else {
        return Ok(());
    };
    let delete = async {
        at.client
            .delete_certificate()
            .certificate_arn(&arn)
            .send()
            .await
            .map_err(call_error("DeleteCertificate", &domain))?;
        Ok(())
    };
    let resource = format!("acm-certificate {domain}{}", at.label);
    ctx.change(Action::Delete, resource, "", delete).await?;
    Ok(())
}

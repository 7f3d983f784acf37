//! ACM through its API: the certificates of the region whose names carry the environment as a
//! whole token (`staging.trading.example.com`), unless tagged for another, each described and
//! with its tags. Every key type is listed: by default `ListCertificates` answers RSA 2048 keys
//! only (<https://docs.aws.amazon.com/acm/latest/APIReference/API_ListCertificates.html>).

use std::collections::BTreeMap;

use aws_sdk_acm::types as acm;
use aws_sdk_acm::Client;
use aws_smithy_types::date_time::Format;

use crate::collect::{display_name, Collected, FnCollector, ItemRead, RegionContext};
use crate::model::{AcmCertificate, Properties, Resource, ResourceKind as K};

/// Page size of `ListCertificates` (the API's maximum).
const PAGE_SIZE: i32 = 1000;
/// Certificates read further at once.
const CONCURRENCY: usize = 4;
const KINDS: &[K] = &[K::AcmCertificate];

/// Reads ACM.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let every_key_type = acm::Filters::builder()
        .set_key_types(Some(acm::KeyAlgorithm::values().iter().map(|k| acm::KeyAlgorithm::from(*k)).collect()))
        .build();
    let listed = client
        .list_certificates()
        .includes(every_key_type)
        .max_items(PAGE_SIZE)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await;
    let summaries: Vec<acm::CertificateSummary> = match listed {
        Ok(summaries) => summaries,
        Err(e) => {
            out.fail(ctx.failure(&super::LIST_CERTIFICATES, KINDS, &e));
            return out;
        }
    };
    let reads: Vec<_> = summaries
        .into_iter()
        .filter(|s| names_environment(ctx, s))
        .filter_map(|s| s.certificate_arn().map(str::to_string))
        .map(|arn| read_certificate(ctx, &client, arn))
        .collect();
    out.gather(reads, CONCURRENCY).await;
    out.finish()
}

/// Whether the certificate's domain, or one of its other names, carries the environment.
fn names_environment(ctx: &RegionContext, summary: &acm::CertificateSummary) -> bool {
    summary
        .domain_name()
        .into_iter()
        .chain(summary.subject_alternative_name_summaries().iter().map(String::as_str))
        .any(|name| ctx.names_environment(name))
}

/// One certificate with its tags; `None` when it is another environment's or could not be read.
async fn read_certificate(
    ctx: &RegionContext,
    client: &Client,
    arn: String,
) -> (Option<Resource>, Collected) {
    let mut out = Collected::default();
    let item = |read| ItemRead {
        read,
        kinds: KINDS,
        item: (K::AcmCertificate, arn.as_str()),
    };
    let (described, tags) = tokio::join!(
        client.describe_certificate().certificate_arn(&arn).send(),
        client.list_tags_for_certificate().certificate_arn(&arn).send(),
    );
    let tags = match tags {
        Ok(found) => crate::collect::tag_map(found.tags().iter().map(|t| (Some(t.key()), t.value()))),
        Err(e) => {
            out.item_failed(ctx, item(&super::LIST_TAGS_FOR_CERTIFICATE), &e);
            return (None, out);
        }
    };
    let certificate = match described {
        Ok(found) => found.certificate,
        Err(e) => {
            out.item_failed(ctx, item(&super::DESCRIBE_CERTIFICATE), &e);
            return (None, out);
        }
    };
    // Named for the environment, it is the environment's unless tagged for another.
    match certificate.filter(|_| ctx.owns(&tags, true)) {
        Some(certificate) => (Some(certificate_resource(ctx, &certificate, arn, tags)), out),
        None => (None, out),
    }
}

fn certificate_resource(
    ctx: &RegionContext,
    c: &acm::CertificateDetail,
    arn: String,
    tags: BTreeMap<String, String>,
) -> Resource {
    let domain = c.domain_name().unwrap_or_default();
    let mut alternative_names: Vec<String> = c.subject_alternative_names().to_vec();
    alternative_names.push(domain.to_string());
    let mut properties = AcmCertificate {
        domain: domain.to_string(),
        alternative_names,
        status: c.status().map(|s| s.as_str().to_string()).unwrap_or_default(),
        certificate_type: c.r#type().map(|t| t.as_str().to_string()),
        key_algorithm: c.key_algorithm().map(|k| k.as_str().to_string()),
        not_after: c.not_after().and_then(|d| d.fmt(Format::DateTime).ok()),
        renewal_eligibility: c.renewal_eligibility().map(|r| r.as_str().to_string()),
        validation_method: c
            .domain_validation_options()
            .first()
            .and_then(|o| o.validation_method())
            .map(|m| m.as_str().to_string()),
        in_use_by: c.in_use_by().to_vec(),
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    ctx.resource(
        domain,
        display_name(&tags, domain),
        Some(arn),
        tags,
        Properties::AcmCertificate(properties),
    )
}

#[cfg(test)]
mod recorded {
    use super::*;
    use crate::collect::replay::{assert_refused, json, Recorded, Replay};

    fn summary(id: &str, domain: &str) -> String {
        format!(
            r#"{{"CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/{id}","DomainName":"{domain}","SubjectAlternativeNameSummaries":["{domain}"]}}"#
        )
    }

    /// Certificates on two pages: staging's on the second, one tagged for prod although named
    /// for staging, and prod's.
    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        all.extend([
            json(
                &["CertificateManager.ListCertificates", "\"NextToken\":\"p2\""],
                200,
                &format!(r#"{{"CertificateSummaryList":[{},{}]}}"#, summary("c-staging", "staging.trading.example.com"), summary("c-borrowed", "old.staging.trading.example.com")),
            ),
            json(
                &["CertificateManager.ListCertificates"],
                200,
                &format!(r#"{{"CertificateSummaryList":[{}],"NextToken":"p2"}}"#, summary("c-prod", "prod.trading.example.com")),
            ),
            json(&["CertificateManager.ListTagsForCertificate", "c-borrowed"], 200, r#"{"Tags":[{"Key":"Environment","Value":"prod"}]}"#),
            json(&["CertificateManager.ListTagsForCertificate"], 200, r#"{"Tags":[{"Key":"Environment","Value":"staging"}]}"#),
            json(
                &["CertificateManager.DescribeCertificate"],
                200,
                r#"{"Certificate":{"CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/c-staging","DomainName":"staging.trading.example.com","SubjectAlternativeNames":["*.staging.trading.example.com","staging.trading.example.com"],"Status":"ISSUED","Type":"AMAZON_ISSUED","KeyAlgorithm":"RSA-2048","NotAfter":1798000000,"RenewalEligibility":"ELIGIBLE","InUseBy":["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-staging/1"],"DomainValidationOptions":[{"DomainName":"staging.trading.example.com","ValidationMethod":"DNS"}]}}"#,
            ),
        ]);
        all
    }

    #[tokio::test]
    async fn every_key_type_and_page_is_listed_and_certificates_are_placed_by_name_then_tag() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("CertificateManager.ListCertificates"), 2, "both pages");
        let listings: Vec<String> = replay
            .requests()
            .into_iter()
            .filter(|r| r.contains("CertificateManager.ListCertificates"))
            .collect();
        for key_type in ["RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1"] {
            assert!(
                listings.iter().all(|r| r.contains(&format!("\"{key_type}\""))),
                "every key type, not RSA 2048 only: {listings:?}"
            );
        }
        assert_eq!(replay.count("CertificateManager.DescribeCertificate"), 2, "only those named for staging");
        let ids: Vec<&str> = collected.resources.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["staging.trading.example.com"], "the one tagged for prod is prod's");
        let Properties::AcmCertificate(c) = &collected.resources[0].properties else { panic!("a certificate") };
        assert_eq!(c.alternative_names, ["*.staging.trading.example.com", "staging.trading.example.com"]);
        assert_eq!(c.validation_method.as_deref(), Some("DNS"));
        assert!(c.not_after.as_deref().is_some_and(|d| d.starts_with("2026-12-23")), "{:?}", c.not_after);
    }

    #[tokio::test]
    async fn refused_tags_leave_certificates_unknown_and_name_the_action() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: acm:ListTagsForCertificate"}"#;
        let replay = Replay::start(answers(vec![json(&["CertificateManager.ListTagsForCertificate", "c-staging"], 400, denied)]));
        let collected = collect(&replay.region_context()).await;
        assert_refused(&collected, "ListTagsForCertificate", "AccessDeniedException", "acm:ListTagsForCertificate");
        assert!(collected.resources.is_empty(), "unknown, not empty");
    }
}

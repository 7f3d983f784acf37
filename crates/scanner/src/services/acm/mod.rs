//! ACM: the environment's certificates (whose names carry the environment, unless tagged for
//! another), in each region it is scanned in.

#[cfg(feature = "aws")]
pub mod collect;
pub mod iac;
// Its property types (`model.rs`) are compiled as part of `crate::model`.

use crate::kinds::{unchanged, KindDef, Read, Scope, ServiceDef};
use crate::model::{ResourceKind as K, Service};

pub(super) static SERVICE: ServiceDef = ServiceDef {
    service: Service::Acm,
    // The calls that change a certificate or its tags
    // (https://docs.aws.amazon.com/acm/latest/APIReference/API_Operations.html).
    change_events: &[
        "RequestCertificate",
        "ImportCertificate",
        "DeleteCertificate",
        "RenewCertificate",
        "UpdateCertificateOptions",
        "AddTagsToCertificate",
        "RemoveTagsFromCertificate",
    ],
    kinds: &[&CERTIFICATE],
    reads: &[&LIST_CERTIFICATES, &DESCRIBE_CERTIFICATE, &LIST_TAGS_FOR_CERTIFICATE],
    iac_kinds: iac::KINDS,
    iac_parts: iac::PARTS,
    scope: Scope::Regional,
};

/// What ACM answers a per-certificate read of one deleted since it was listed
/// (<https://docs.aws.amazon.com/acm/latest/APIReference/API_DescribeCertificate.html#API_DescribeCertificate_Errors>).
const GONE: &[&str] = &["ResourceNotFoundException"];
// Its reads: the read-only policy and the failures' operation names come from these.
pub(crate) static LIST_CERTIFICATES: Read =
    crate::read!(Service::Acm, "acm", "ListCertificates", [K::AcmCertificate]);
pub(crate) static DESCRIBE_CERTIFICATE: Read =
    crate::read!(Service::Acm, "acm", "DescribeCertificate", [K::AcmCertificate]).gone(GONE);
pub(crate) static LIST_TAGS_FOR_CERTIFICATE: Read =
    crate::read!(Service::Acm, "acm", "ListTagsForCertificate", [K::AcmCertificate]).gone(GONE);

pub(super) static CERTIFICATE: KindDef = KindDef {
    kind: K::AcmCertificate,
    asff_type: "AwsCertificateManagerCertificate",
    tags_are_read: true,
    name_fields: &[],
    // Renewal moves the expiry; the rules judge it, drift does not.
    changes_without_drift: &["not_after"],
    following_fields: &[],
    capture: unchanged,
    compare: unchanged,
};

//! How Pulumi and Terraform declare ACM's kinds (`aws_acm_certificate`). An imported
//! certificate's private key is sensitive in both tools and never read.

use serde_json::{json, Map};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::AcmCertificate,
    pulumi: &["aws:acm/certificate:Certificate"],
    terraform: &["aws_acm_certificate"],
    name: Naming::Attribute("domain_name"),
    live_id: None,
    sensitive: &["private_key"],
    properties: |a| {
        let mut p = Map::new();
        a.copy_str(&mut p, "domain_name", "domain");
        a.copy_str(&mut p, "key_algorithm", "key_algorithm");
        a.copy_str(&mut p, "validation_method", "validation_method");
        let mut names = a.strings("subject_alternative_names");
        if let Some(domain) = a.str("domain_name") {
            names.push(domain.to_string());
        }
        if !names.is_empty() {
            names.sort();
            names.dedup();
            p.insert("alternative_names".into(), json!(names));
        }
        p
    },
}];

/// Resources that declare part of a certificate: none (its validation is a resource of its
/// own that changes nothing ACM reports but the status).
pub static PARTS: &[PartMapping] = &[];

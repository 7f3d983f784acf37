//! How Pulumi and Terraform declare Route 53's kinds: a hosted zone (`aws_route53_zone`) and
//! a record (`aws_route53_record`, named by its name and type as the collector names it).

use serde_json::{json, Map};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::DnsZone,
        pulumi: &["aws:route53/zone:Zone"],
        terraform: &["aws_route53_zone"],
        name: Naming::Attribute("name"),
        live_id: None,
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            if let Some(name) = a.str("name") {
                p.insert("domain".into(), json!(super::dns_name(name)));
            }
            a.copy_str(&mut p, "comment", "comment");
            p.insert("private".into(), json!(!a.blocks("vpc").is_empty()));
            p
        },
    },
    KindMapping {
        kind: K::DnsRecord,
        pulumi: &["aws:route53/record:Record"],
        terraform: &["aws_route53_record"],
        // As the collector names and identifies it: `<name> <type>`.
        name: Naming::Composed(record_name),
        live_id: Some(record_name),
        sensitive: &[],
        properties: |a| {
            let mut p = Map::new();
            if let Some(name) = a.str("name") {
                p.insert("name".into(), json!(super::dns_name(name)));
            }
            a.copy_str(&mut p, "type", "record_type");
            a.copy_int(&mut p, "ttl", "ttl");
            a.copy_str(&mut p, "set_identifier", "set_identifier");
            let mut values = a.strings("records");
            values.sort();
            p.insert("values".into(), json!(values));
            if let Some(alias) = a.block("alias") {
                p.insert(
                    "alias".into(),
                    json!({
                        "dns_name": alias.str("name").map(super::dns_name),
                        "hosted_zone_id": alias.str("zone_id"),
                        "evaluate_target_health": alias.bool("evaluate_target_health").unwrap_or(false),
                    }),
                );
            }
            p
        },
    },
];

/// A record's `<name> <type>`.
fn record_name(a: &Attrs) -> Option<String> {
    Some(format!("{} {}", super::dns_name(a.str("name")?), a.str("type")?))
}

/// Resources that declare part of a zone or record: none.
pub static PARTS: &[PartMapping] = &[];

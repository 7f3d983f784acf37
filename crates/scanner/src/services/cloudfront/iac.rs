//! How Pulumi and Terraform declare CloudFront's kinds (`aws_cloudfront_distribution`).

use serde_json::{json, Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[KindMapping {
    kind: K::CloudfrontDistribution,
    pulumi: &["aws:cloudfront/distribution:Distribution"],
    terraform: &["aws_cloudfront_distribution"],
    name: Naming::Id,
    live_id: None,
    sensitive: &[],
    properties: |a| {
        let mut p = Map::new();
        let mut aliases = a.strings("aliases");
        aliases.sort();
        p.insert("aliases".into(), json!(aliases));
        a.copy_bool(&mut p, "enabled", "enabled");
        a.copy_str(&mut p, "comment", "comment");
        a.copy_str(&mut p, "web_acl_id", "web_acl");
        a.copy_str(&mut p, "price_class", "price_class");
        a.copy_str(&mut p, "http_version", "http_version");
        if let Some(certificate) = a.block("viewer_certificate") {
            certificate.copy_str(&mut p, "minimum_protocol_version", "minimum_protocol_version");
            certificate.copy_str(&mut p, "ssl_support_method", "ssl_support_method");
        }
        let origins: Vec<Value> = a.blocks("origin").iter().map(origin).collect();
        p.insert("origins".into(), json!(origins));
        let mut behaviors: Vec<Value> = a.block("default_cache_behavior").map(|b| behavior(&b, "*")).into_iter().collect();
        for ordered in a.blocks("ordered_cache_behavior") {
            let pattern = ordered.str("path_pattern").unwrap_or_default().to_string();
            behaviors.push(behavior(&ordered, &pattern));
        }
        p.insert("behaviors".into(), json!(behaviors));
        p
    },
}];

/// Resources that declare part of a distribution: none.
pub static PARTS: &[PartMapping] = &[];

fn origin(o: &Attrs) -> Value {
    let custom = o.block("custom_origin_config");
    let mut protocols = custom.as_ref().map(|c| c.strings("origin_ssl_protocols")).unwrap_or_default();
    protocols.sort();
    json!({
        "id": o.str("origin_id"),
        "domain": o.str("domain_name"),
        "protocol_policy": custom.as_ref().and_then(|c| c.str("origin_protocol_policy")),
        "ssl_protocols": protocols,
    })
}

fn behavior(b: &Attrs, pattern: &str) -> Value {
    let mut methods = b.strings("allowed_methods");
    methods.sort();
    json!({
        "path_pattern": pattern,
        "target_origin": b.str("target_origin_id"),
        "viewer_protocol_policy": b.str("viewer_protocol_policy"),
        "allowed_methods": methods,
    })
}

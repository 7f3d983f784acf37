//! How Pulumi and Terraform declare SSM's kinds.

use serde_json::{json, Map};

use crate::kinds::iac::{KindMapping, Naming, PartMapping};
use crate::model::ResourceKind as K;

/// Its kinds' mappings.
pub static KINDS: &[KindMapping] = &[
    KindMapping {
        kind: K::SsmParameter,
        pulumi: &["aws:ssm/parameter:Parameter"],
        terraform: &["aws_ssm_parameter"],
        name: Naming::Attribute("name"),
        live_id: None,
        sensitive: &["value"],
        properties: |a| {
            let mut p = Map::new();
            a.copy_str(&mut p, "type", "type");
            a.copy_str(&mut p, "tier", "tier");
            // A value is declared only when the state holds it in the clear and it is not a
            // SecureString (Terraform marks `value` sensitive; Pulumi makes it a secret).
            if a.str("type") != Some("SecureString") {
                if let Some(value) = a.str("value").or_else(|| a.str("insecure_value")) {
                    p.insert("value".into(), json!(value));
                }
            }
            p
        },
    },
];

/// Resources that declare part of one of its kinds.
pub static PARTS: &[PartMapping] = &[

];

//! From provider types to driftscan's kinds, through the rows each service declares in its
//! `iac.rs` (`crate::services`).

use crate::kinds::iac::{KindMapping, PartMapping};
use crate::model::ResourceKind as K;

/// Kinds no state type maps to, and why.
pub static NOT_MAPPED: &[(K, &str)] = &[];

/// The kind mapping of a provider type.
pub fn kind_of(provider_type: &str) -> Option<&'static KindMapping> {
    crate::services::iac_kinds().find(|m| declares(m.pulumi, m.terraform, provider_type))
}

/// The part mapping of a provider type.
pub fn part_of(provider_type: &str) -> Option<&'static PartMapping> {
    crate::services::iac_parts().find(|m| declares(m.pulumi, m.terraform, provider_type))
}

fn declares(pulumi: &[&str], terraform: &[&str], provider_type: &str) -> bool {
    pulumi.contains(&provider_type) || terraform.contains(&provider_type)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;
    use crate::services::ec2::iac::inline_rule;

    fn kind_of_kind(kind: K) -> &'static KindMapping {
        crate::services::iac_kinds()
            .find(|m| m.kind == kind)
            .expect("mapped")
    }

    #[test]
    fn every_kind_is_mapped_once_or_said_not_to_be() {
        let mapped: Vec<K> = crate::services::iac_kinds().map(|m| m.kind).collect();
        let unmapped: Vec<K> = NOT_MAPPED.iter().map(|(k, _)| *k).collect();
        for kind in K::ALL {
            let count = mapped.iter().filter(|k| *k == kind).count();
            assert!(
                count == 1 || (count == 0 && unmapped.contains(kind)),
                "{kind}: mapped {count} times and not listed as not mapped"
            );
            if count == 1 {
                let m = kind_of_kind(*kind);
                assert!(
                    !m.pulumi.is_empty() && !m.terraform.is_empty(),
                    "{kind}: both tools"
                );
            }
        }
        let mut types = BTreeSet::new();
        for t in crate::services::iac_kinds()
            .flat_map(|m| m.pulumi.iter().chain(m.terraform))
            .chain(crate::services::iac_parts().flat_map(|p| p.pulumi.iter().chain(p.terraform)))
        {
            assert!(types.insert(*t), "{t} is mapped twice");
        }
    }

    #[test]
    fn inline_rules_split_per_peer() {
        let block = json!({"protocol": "tcp", "from_port": 443, "to_port": 443,
            "cidr_blocks": ["0.0.0.0/0"], "security_groups": ["sg-1"], "self": false,
            "description": "web", "ipv6_cidr_blocks": [], "prefix_list_ids": []});
        assert_eq!(
            inline_rule(&block),
            [
                json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": {"cidr": "0.0.0.0/0"}, "description": "web"}),
                json!({"protocol": "tcp", "from_port": 443, "to_port": 443, "peer": {"group": {"id": "sg-1"}}, "description": "web"}),
            ]
        );
        let all =
            json!({"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]});
        assert_eq!(
            inline_rule(&all),
            [json!({"protocol": "all", "peer": {"cidr": "0.0.0.0/0"}})]
        );
    }
}

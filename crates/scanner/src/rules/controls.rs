//! The published controls each built-in rule implements, so that findings can be read (and a
//! gate can be held) against a standard security teams already report on.
//!
//! The ids are AWS Security Hub's, each checked against the standard's published control list:
//! "Controls that apply to FSBP" in the Security Hub user guide
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html>), and each
//! control's own page (its [`Control::url`]). A rule is mapped only where a control checks the
//! same setting; rules no control matches (`dns-dangling`, `required-tags`, the policy grant
//! rules) name none.

use crate::model::{Report, Severity};

/// A standard whose controls rules name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standard {
    /// AWS Foundational Security Best Practices, Security Hub's own standard.
    Fsbp,
}

impl Standard {
    /// Every standard, as `--standard` takes them.
    pub const ALL: [Standard; 1] = [Standard::Fsbp];

    /// The name `--standard` takes (`fsbp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Standard::Fsbp => "fsbp",
        }
    }

    /// How a control id is prefixed where it is shown (`FSBP EC2.19`).
    pub fn short(self) -> &'static str {
        match self {
            Standard::Fsbp => "FSBP",
        }
    }

    /// Its full name.
    pub fn title(self) -> &'static str {
        match self {
            Standard::Fsbp => "AWS Foundational Security Best Practices",
        }
    }
}

impl std::str::FromStr for Standard {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Standard::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = Standard::ALL.iter().map(|s| s.as_str()).collect();
                format!("unknown standard `{name}` (known: {})", known.join(", "))
            })
    }
}

/// One control of a standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Control {
    /// The standard.
    pub standard: Standard,
    /// Its id there: `EC2.19`.
    pub id: &'static str,
}

impl Control {
    /// `FSBP EC2.19`.
    pub fn label(&self) -> String {
        format!("{} {}", self.standard.short(), self.id)
    }

    /// Where AWS documents it: the Security Hub control reference page of its service.
    pub fn url(&self) -> String {
        let (service, number) = self.id.split_once('.').unwrap_or((self.id, ""));
        let page = service.to_ascii_lowercase();
        format!(
            "https://docs.aws.amazon.com/securityhub/latest/userguide/{page}-controls.html#{page}-{number}"
        )
    }
}

const fn fsbp(id: &'static str) -> Control {
    Control {
        standard: Standard::Fsbp,
        id,
    }
}

/// Each mapped rule's controls.
static CONTROLS: &[(&str, &[Control])] = &[
    ("aurora-storage-encrypted", &[fsbp("RDS.27")]),
    ("db-ingress-from-anywhere", &[fsbp("EC2.19")]),
    ("world-ingress-web-only", &[fsbp("EC2.18")]),
    ("deletion-protection", &[fsbp("RDS.7")]),
    ("ecs-private-networking", &[fsbp("ECS.2")]),
    ("container-insights", &[fsbp("ECS.12")]),
    ("plaintext-secret", &[fsbp("ECS.8")]),
    ("http-redirects-to-https", &[fsbp("ELB.1")]),
    ("load-balancer-deletion-protection", &[fsbp("ELB.6")]),
    ("bucket-public-access-blocked", &[fsbp("S3.8")]),
    (
        "bucket-policy-no-public-grant",
        &[fsbp("S3.2"), fsbp("S3.3")],
    ),
    (
        "cache-encrypted",
        &[fsbp("ElastiCache.4"), fsbp("ElastiCache.5")],
    ),
    ("cache-auth", &[fsbp("ElastiCache.6")]),
    ("cache-failover", &[fsbp("ElastiCache.3")]),
    (
        "secret-rotation",
        &[fsbp("SecretsManager.1"), fsbp("SecretsManager.4")],
    ),
    ("kms-key-pending-deletion", &[fsbp("KMS.3")]),
    ("iam-no-admin-wildcard", &[fsbp("IAM.1")]),
    ("certificate-expiry", &[fsbp("ACM.1")]),
    ("certificate-expiry-critical", &[fsbp("ACM.1")]),
    ("ecr-image-scanning", &[fsbp("ECR.1")]),
    ("ecr-tag-immutability", &[fsbp("ECR.2")]),
    ("ecr-lifecycle-policy", &[fsbp("ECR.3")]),
    ("cdn-viewer-https", &[fsbp("CloudFront.3")]),
    (
        "cdn-origin-https",
        &[fsbp("CloudFront.9"), fsbp("CloudFront.10")],
    ),
    ("cdn-web-acl", &[fsbp("CloudFront.6")]),
];

/// The controls rule `rule_id` implements; none for a rule no published control matches.
pub fn controls_of(rule_id: &str) -> &'static [Control] {
    CONTROLS
        .iter()
        .find(|(rule, _)| *rule == rule_id)
        .map_or(&[], |(_, controls)| controls)
}

/// Whether rule `rule_id` implements a control of `standard`.
pub fn implements(rule_id: &str, standard: Standard) -> bool {
    controls_of(rule_id).iter().any(|c| c.standard == standard)
}

/// Whether `report` has a finding at or above `threshold` of a rule that implements a control
/// of `standard`: the gate held to a standard (`--standard`).
pub fn fails_under(report: &Report, threshold: Severity, standard: Standard) -> bool {
    report.findings.iter().any(|f| {
        let rule = f.rule_id.as_deref().unwrap_or_default();
        f.severity >= threshold && implements(rule, standard)
    })
}

/// `FSBP EC2.19, FSBP EC2.18`: the labels of rule `rule_id`'s controls, or `None`.
pub fn labels(rule_id: &str) -> Option<String> {
    let controls = controls_of(rule_id);
    (!controls.is_empty()).then(|| {
        let labels: Vec<String> = controls.iter().map(Control::label).collect();
        labels.join(", ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_rule_is_built_in_and_named_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (rule, controls) in CONTROLS {
            assert!(super::super::rule(rule).is_some(), "{rule} is a rule");
            assert!(seen.insert(*rule), "{rule} is mapped once");
            assert!(!controls.is_empty(), "{rule}");
        }
    }

    #[test]
    fn a_control_id_is_a_service_and_a_number_and_names_its_page() {
        for control in CONTROLS.iter().flat_map(|(_, c)| c.iter()) {
            let (service, number) = control.id.split_once('.').expect("Service.N");
            assert!(
                service.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}",
                control.id
            );
            assert!(number.parse::<u32>().is_ok(), "{}", control.id);
        }
        let ec2 = fsbp("EC2.19");
        assert_eq!(ec2.label(), "FSBP EC2.19");
        assert_eq!(
            ec2.url(),
            "https://docs.aws.amazon.com/securityhub/latest/userguide/ec2-controls.html#ec2-19"
        );
        assert_eq!(
            fsbp("ElastiCache.4").url(),
            "https://docs.aws.amazon.com/securityhub/latest/userguide/elasticache-controls.html#elasticache-4"
        );
    }

    #[test]
    fn the_documented_table_is_the_mapping() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/scan-and-baselines.md"
        );
        let docs = std::fs::read_to_string(path).expect("docs/scan-and-baselines.md");
        let section = docs
            .split("### Published controls")
            .nth(1)
            .expect("the section");
        let rows: Vec<&str> = section
            .lines()
            .skip_while(|l| !l.starts_with("|---"))
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .collect();
        let expected: Vec<String> = CONTROLS
            .iter()
            .map(|(rule, controls)| {
                let links: Vec<String> = controls
                    .iter()
                    .map(|c| format!("[{}]({})", c.label(), c.url()))
                    .collect();
                format!("| `{rule}` | {} |", links.join(", "))
            })
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn rules_and_standards_are_found_by_name() {
        assert_eq!(
            labels("cache-encrypted").as_deref(),
            Some("FSBP ElastiCache.4, FSBP ElastiCache.5")
        );
        assert_eq!(labels("dns-dangling"), None);
        assert!(implements("db-ingress-from-anywhere", Standard::Fsbp));
        assert!(!implements("required-tags", Standard::Fsbp));
        assert_eq!("fsbp".parse::<Standard>(), Ok(Standard::Fsbp));
        let unknown = "pci".parse::<Standard>().expect_err("unknown");
        assert!(unknown.contains("known: fsbp"), "{unknown}");
    }
}

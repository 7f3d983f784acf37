//! The published controls each built-in rule implements, so that findings can be read (and a
//! gate can be held) against a standard security teams already report on.
//!
//! FSBP ids are AWS Security Hub's, each checked against the standard's published control list:
//! "Controls that apply to FSBP" in the Security Hub user guide
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html>), and each
//! control's own page (its [`Control::url`]). CIS ids are the recommendations of the CIS Amazon
//! Web Services Foundations Benchmark v3.0.0
//! (<https://www.cisecurity.org/benchmark/amazon_web_services>), as Security Hub's standard of
//! that version names them
//! (<https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html>).
//! A rule is mapped only where a control checks the same setting, so that each of its findings
//! is a failure of the control; rules no control matches (`dns-dangling`, `required-tags`, the policy
//! grant rules) name none.

use crate::model::{Report, Severity};

/// A standard whose controls rules name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standard {
    /// AWS Foundational Security Best Practices, Security Hub's own standard.
    Fsbp,
    /// The CIS Amazon Web Services Foundations Benchmark, version 3.0.0.
    Cis3,
}

impl Standard {
    /// Every standard, as `--standard` takes them.
    pub const ALL: [Standard; 2] = [Standard::Fsbp, Standard::Cis3];

    /// The name `--standard` takes (`fsbp`, `cis`).
    pub fn as_str(self) -> &'static str {
        match self {
            Standard::Fsbp => "fsbp",
            Standard::Cis3 => "cis",
        }
    }

    /// How a control id is prefixed where it is shown (`FSBP EC2.19`, `CIS 3.0 2.1.4`).
    pub fn short(self) -> &'static str {
        match self {
            Standard::Fsbp => "FSBP",
            Standard::Cis3 => "CIS 3.0",
        }
    }

    /// Its full name.
    pub fn title(self) -> &'static str {
        match self {
            Standard::Fsbp => "AWS Foundational Security Best Practices",
            Standard::Cis3 => "CIS AWS Foundations Benchmark v3.0.0",
        }
    }

    /// Its category in the ASFF types taxonomy
    /// (<https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format-type-taxonomy.html>).
    pub fn asff_category(self) -> &'static str {
        match self {
            Standard::Fsbp => "AWS Foundational Security Best Practices",
            Standard::Cis3 => "CIS AWS Foundations Benchmark",
        }
    }

    /// Its id in Security Hub (the resource part of `DescribeStandards`' ARN).
    pub fn security_hub_id(self) -> &'static str {
        match self {
            Standard::Fsbp => "standards/aws-foundational-security-best-practices/v/1.0.0",
            Standard::Cis3 => "standards/cis-aws-foundations-benchmark/v/3.0.0",
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

    /// Where AWS documents it: an FSBP control's Security Hub reference page of its service;
    /// for a CIS recommendation, Security Hub's page of the benchmark.
    pub fn url(&self) -> String {
        match self.standard {
            Standard::Fsbp => {
                let (service, number) = self.id.split_once('.').unwrap_or((self.id, ""));
                let page = service.to_ascii_lowercase();
                format!(
                    "https://docs.aws.amazon.com/securityhub/latest/userguide/{page}-controls.html#{page}-{number}"
                )
            }
            Standard::Cis3 => "https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html".into(),
        }
    }

    /// As a requirement in Security Hub's style: `CIS AWS Foundations Benchmark v3.0.0/2.1.4`.
    pub fn requirement(&self) -> String {
        format!("{}/{}", self.standard.title(), self.id)
    }
}

const fn fsbp(id: &'static str) -> Control {
    Control {
        standard: Standard::Fsbp,
        id,
    }
}

const fn cis(id: &'static str) -> Control {
    Control {
        standard: Standard::Cis3,
        id,
    }
}

/// Each mapped rule's controls.
static CONTROLS: &[(&str, &[Control])] = &[
    ("aurora-storage-encrypted", &[fsbp("RDS.27")]),
    ("db-ingress-from-anywhere", &[fsbp("EC2.19")]),
    // Not CIS 5.2 or 5.3: those fail only on administration ports, this on any but 80 and 443.
    ("world-ingress-web-only", &[fsbp("EC2.18")]),
    ("deletion-protection", &[fsbp("RDS.7")]),
    ("ecs-private-networking", &[fsbp("ECS.2")]),
    ("container-insights", &[fsbp("ECS.12")]),
    ("plaintext-secret", &[fsbp("ECS.8")]),
    ("http-redirects-to-https", &[fsbp("ELB.1")]),
    ("load-balancer-deletion-protection", &[fsbp("ELB.6")]),
    (
        "bucket-public-access-blocked",
        &[fsbp("S3.8"), cis("2.1.4")],
    ),
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
    ("kms-key-rotation", &[cis("3.6")]),
    ("iam-no-admin-wildcard", &[fsbp("IAM.1"), cis("1.16")]),
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
        let all = CONTROLS.iter().flat_map(|(_, c)| c.iter());
        for control in all.clone().filter(|c| c.standard == Standard::Cis3) {
            let numbers: Vec<&str> = control.id.split('.').collect();
            assert!(numbers.len() >= 2, "{}", control.id);
            assert!(
                numbers.iter().all(|n| n.parse::<u32>().is_ok()),
                "{}",
                control.id
            );
        }
        for control in all.filter(|c| c.standard == Standard::Fsbp) {
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
        assert_eq!("cis".parse::<Standard>(), Ok(Standard::Cis3));
        assert!(implements("kms-key-rotation", Standard::Cis3));
        assert!(!implements("kms-key-rotation", Standard::Fsbp));
        assert_eq!(
            labels("iam-no-admin-wildcard").as_deref(),
            Some("FSBP IAM.1, CIS 3.0 1.16")
        );
        assert_eq!(
            cis("2.1.4").requirement(),
            "CIS AWS Foundations Benchmark v3.0.0/2.1.4"
        );
        let unknown = "pci".parse::<Standard>().expect_err("unknown");
        assert!(unknown.contains("known: fsbp, cis"), "{unknown}");
    }
}

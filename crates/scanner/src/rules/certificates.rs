//! Certificate rules: the environment's ACM certificates are not about to expire. Two rules,
//! so that each window has its own severity: `certificate-expiry` (high, within 30 days) and
//! `certificate-expiry-critical` (critical, within 7 days or expired). The first stays silent
//! inside the second's window.

use serde::Deserialize;
use serde_json::json;

use super::{days_since, of_kind, params, Check, Day, RuleDef, Violation};
use crate::model::{AcmCertificate, Properties, Resource, Severity, Snapshot};

fn certificates(snapshot: &Snapshot) -> impl Iterator<Item = (&Resource, &AcmCertificate)> {
    of_kind(snapshot, |p| match p {
        Properties::AcmCertificate(c) => Some(c),
        _ => None,
    })
}

/// Days from `today` until the certificate expires (negative: expired), when it says when.
fn days_left(certificate: &AcmCertificate, today: Day) -> Option<i64> {
    certificate
        .not_after
        .as_deref()
        .and_then(|when| days_since(when, today))
        .map(|since| -since)
}

/// `certificate-expiry`: certificates expire more than `days` from today (ACM renews its own
/// certificates from 60 days before expiry,
/// <https://docs.aws.amazon.com/acm/latest/userguide/managed-renewal.html>: one still this close
/// is not renewing).
pub const CERTIFICATE_EXPIRY: RuleDef = RuleDef {
    id: "certificate-expiry",
    severity: Severity::High,
    rationale: "An expired certificate takes the site down for every client at once; a month is the time to fix validation or renewal.",
    build: |values| Ok(Box::new(params::<Expiry>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expiry {
    #[serde(default = "thirty")]
    days: i64,
    /// Where `certificate-expiry-critical` takes over.
    #[serde(default = "seven")]
    critical_days: i64,
}

fn thirty() -> i64 {
    30
}

fn seven() -> i64 {
    7
}

impl Check for Expiry {
    fn check<'a>(&self, snapshot: &'a Snapshot, today: Day, out: &mut Vec<Violation<'a>>) {
        expiring(snapshot, today, (self.critical_days, self.days), out);
    }
}

/// `certificate-expiry-critical`: no certificate expires within `days`, or has expired.
pub const CERTIFICATE_EXPIRY_CRITICAL: RuleDef = RuleDef {
    id: "certificate-expiry-critical",
    severity: Severity::Critical,
    rationale: "Days from expiry there is no time left for anything but an emergency change.",
    build: |values| Ok(Box::new(params::<CriticalExpiry>(values)?)),
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriticalExpiry {
    #[serde(default = "seven")]
    days: i64,
}

impl Check for CriticalExpiry {
    fn check<'a>(&self, snapshot: &'a Snapshot, today: Day, out: &mut Vec<Violation<'a>>) {
        expiring(snapshot, today, (i64::MIN, self.days), out);
    }
}

/// A violation for each certificate with more than `after` and at most `within` days left.
fn expiring<'a>(
    snapshot: &'a Snapshot,
    today: Day,
    (after, within): (i64, i64),
    out: &mut Vec<Violation<'a>>,
) {
    for (resource, certificate) in certificates(snapshot) {
        let Some(left) = days_left(certificate, today) else {
            continue;
        };
        if left <= after || left > within {
            continue;
        }
        let when = match left {
            ..=-1 => format!("expired {} days ago", -left),
            0 => "expires today".to_string(),
            _ => format!("expires in {left} days"),
        };
        out.push(Violation {
            resource,
            path: Some("properties.not_after".into()),
            expected: Some(json!({"more_than_days_left": within})),
            actual: Some(json!(certificate.not_after)),
            message: format!("{} {when}", resource.name),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceKind;
    use crate::testing::violation_paths as paths;

    fn certificate(not_after: &str) -> Snapshot {
        let properties = AcmCertificate {
            domain: "prod.trading.example.com".into(),
            alternative_names: vec!["prod.trading.example.com".into()],
            status: "ISSUED".into(),
            certificate_type: Some("AMAZON_ISSUED".into()),
            key_algorithm: Some("RSA-2048".into()),
            not_after: Some(not_after.into()),
            renewal_eligibility: Some("ELIGIBLE".into()),
            validation_method: Some("DNS".into()),
            in_use_by: vec![],
        };
        let resource = Resource {
            kind: ResourceKind::AcmCertificate,
            region: "us-east-1".into(),
            id: "prod.trading.example.com".into(),
            name: "prod.trading.example.com".into(),
            logical_name: "{env}.trading.example.com".into(),
            arn: None,
            tags: Default::default(),
            properties: Properties::AcmCertificate(properties),
        };
        crate::testing::snapshot(vec![resource])
    }

    #[test]
    fn each_window_has_its_own_rule_and_a_certificate_is_in_one() {
        // The evaluation's day is 2026-12-07.
        let far = certificate("2027-06-01T00:00:00Z");
        let month = certificate("2026-12-30T00:00:00Z"); // 23 days
        let week = certificate("2026-12-10T00:00:00Z"); // 3 days
        let expired = certificate("2026-12-01T00:00:00Z");
        let none = json!({});
        assert!(paths(&CERTIFICATE_EXPIRY, none.clone(), &far).is_empty());
        assert!(paths(&CERTIFICATE_EXPIRY_CRITICAL, none.clone(), &far).is_empty());
        assert_eq!(
            paths(&CERTIFICATE_EXPIRY, none.clone(), &month),
            ["properties.not_after"]
        );
        assert!(paths(&CERTIFICATE_EXPIRY_CRITICAL, none.clone(), &month).is_empty());
        for urgent in [&week, &expired] {
            assert!(
                paths(&CERTIFICATE_EXPIRY, none.clone(), urgent).is_empty(),
                "the critical rule's"
            );
            assert_eq!(
                paths(&CERTIFICATE_EXPIRY_CRITICAL, none.clone(), urgent),
                ["properties.not_after"]
            );
        }
        let wider = json!({"days": 10});
        assert_eq!(paths(&CERTIFICATE_EXPIRY_CRITICAL, wider, &month).len(), 0);
        let wider = json!({"days": 30});
        assert_eq!(
            paths(&CERTIFICATE_EXPIRY_CRITICAL, wider, &month),
            ["properties.not_after"]
        );
    }
}

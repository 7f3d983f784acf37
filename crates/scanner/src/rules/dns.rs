//! DNS rules: no record of the environment points at an AWS resource that no longer exists.

use serde_json::json;

use super::{of_kind, required, Check, Day, RuleDef, Violation};
use crate::model::{Properties, Severity, Snapshot};

/// `dns-dangling`: every alias or CNAME at a load balancer, CloudFront distribution or bucket
/// website names one that exists (in the account, for a bucket). A record left behind when its
/// target was deleted (a preview's load balancer) can be taken over by whoever creates a
/// resource under that name: the subdomain takeover AWS describes in
/// <https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-s3-bucket.html> and
/// its security bulletins.
pub const DNS_DANGLING: RuleDef = RuleDef {
    id: "dns-dangling",
    severity: Severity::Critical,
    rationale: "A name still pointing at a deleted load balancer, distribution or bucket can be claimed by anyone who creates one under that name, and then serves their content under the environment's domain.",
    build: |values| Ok(Box::new(Dangling(required(values)?))),
};

struct Dangling(bool);

impl Check for Dangling {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        let records = of_kind(snapshot, |p| match p {
            Properties::DnsRecord(r) => Some(r),
            _ => None,
        });
        for (resource, record) in records {
            let Some(target) = record.target.as_ref().filter(|t| !t.present) else {
                continue;
            };
            out.push(Violation {
                resource,
                path: Some("properties.target.present".into()),
                expected: Some(json!(true)),
                actual: Some(json!(false)),
                message: format!(
                    "{} points at {} {}, which no longer exists: anyone who creates it takes the name over",
                    record.name, target.kind, target.name
                ),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DnsRecord, DnsTarget};
    use crate::testing::violation_paths as paths;
    use crate::testing::{resource, snapshot};

    fn record(target: Option<DnsTarget>) -> Snapshot {
        let properties = DnsRecord {
            zone: "dev.trading.example.com".into(),
            name: "pr-7.dev.trading.example.com".into(),
            record_type: "CNAME".into(),
            ttl: Some(300),
            values: vec!["alb-pr-7-1.us-east-2.elb.amazonaws.com".into()],
            alias: None,
            set_identifier: None,
            target,
        };
        snapshot(vec![resource(
            "pr-7.dev.trading.example.com CNAME",
            Properties::DnsRecord(properties),
        )])
    }

    #[test]
    fn only_a_record_at_a_target_that_is_gone_dangles() {
        let target = |exists| DnsTarget {
            kind: "load-balancer".into(),
            name: "alb-pr-7-1.us-east-2.elb.amazonaws.com".into(),
            region: Some("us-east-2".into()),
            present: exists,
        };
        assert!(paths(&DNS_DANGLING, json!({}), &record(Some(target(true)))).is_empty());
        assert!(
            paths(&DNS_DANGLING, json!({}), &record(None)).is_empty(),
            "not an AWS target"
        );
        assert_eq!(
            paths(&DNS_DANGLING, json!({}), &record(Some(target(false)))),
            ["properties.target.present"]
        );
    }
}

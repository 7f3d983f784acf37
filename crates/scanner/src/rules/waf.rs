//! Firewall rules: every internet-facing load balancer of the environment sits behind a WAF
//! web ACL.

use std::collections::BTreeSet;

use serde_json::json;

use super::{of_kind, required, Check, Day, RuleDef, Violation};
use crate::model::{Properties, ResourceKind, Severity, Snapshot};

/// `load-balancer-web-acl`: an internet-facing load balancer has a WAF web ACL (AWS Security
/// Hub control ELB.16,
/// <https://docs.aws.amazon.com/securityhub/latest/userguide/elb-controls.html#elb-16>). Not
/// judged in a region whose web ACLs could not be read.
pub const LOAD_BALANCER_WEB_ACL: RuleDef = RuleDef {
    id: "load-balancer-web-acl",
    severity: Severity::Medium,
    rationale: "A load balancer open to the internet without a web ACL passes injection, scanning and flood traffic straight to the application.",
    build: |values| Ok(Box::new(WebAcl(required(values)?))),
};

struct WebAcl(bool);

impl Check for WebAcl {
    fn check<'a>(&self, snapshot: &'a Snapshot, _today: Day, out: &mut Vec<Violation<'a>>) {
        if !self.0 {
            return;
        }
        let protected: BTreeSet<&str> = of_kind(snapshot, |p| match p {
            Properties::WafWebAcl(acl) => Some(acl),
            _ => None,
        })
        .flat_map(|(_, acl)| acl.associations.iter().map(String::as_str))
        .collect();
        let balancers = of_kind(snapshot, |p| match p {
            Properties::LoadBalancer(lb) => Some(lb),
            _ => None,
        });
        for (resource, balancer) in balancers {
            let judged = balancer.scheme == "internet-facing"
                && snapshot.kind_is_complete(&resource.region, ResourceKind::WafWebAcl);
            let arn = resource.arn.as_deref().unwrap_or_default();
            if judged && !protected.contains(arn) {
                out.push(Violation {
                    resource,
                    path: None,
                    expected: Some(json!("a web ACL")),
                    actual: Some(json!(null)),
                    message: format!(
                        "{} is open to the internet without a web ACL",
                        resource.name
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LoadBalancer, ReadFailure, Resource, Service, WafWebAcl};
    use crate::testing::{resource, snapshot, snapshot_with_failures};

    const ARN: &str =
        "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-prod/1";

    fn balancer(scheme: &str) -> Resource {
        let mut r = resource(
            "alb-prod",
            Properties::LoadBalancer(LoadBalancer::application(scheme)),
        );
        r.arn = Some(ARN.into());
        r
    }

    fn web_acl(associations: Vec<String>) -> Resource {
        let acl = WafWebAcl {
            description: None,
            default_action: "allow".into(),
            rules: vec![],
            associations,
        };
        resource("trading-prod", Properties::WafWebAcl(acl))
    }

    #[test]
    fn only_an_internet_facing_balancer_read_completely_needs_a_web_acl() {
        let protected = snapshot(vec![balancer("internet-facing"), web_acl(vec![ARN.into()])]);
        assert_eq!(rule_findings(&protected, json!({})), 0);
        let open = snapshot(vec![balancer("internet-facing"), web_acl(vec![])]);
        assert_eq!(
            rule_findings(&open, json!({})),
            1,
            "the web ACL protects something else"
        );
        assert_eq!(
            rule_findings(&snapshot(vec![balancer("internal")]), json!({})),
            0
        );
        assert_eq!(rule_findings(&open, json!({"required": false})), 0);
        let unread = ReadFailure {
            region: "us-east-1".into(),
            service: Service::Wafv2,
            operation: "GetWebACLForResource".into(),
            kinds: vec![ResourceKind::WafWebAcl],
            code: "AccessDeniedException".into(),
            message: "denied".into(),
        };
        let unknown = snapshot_with_failures(vec![balancer("internet-facing")], vec![unread]);
        assert_eq!(
            rule_findings(&unknown, json!({})),
            0,
            "never judged on unread web ACLs"
        );
    }

    /// How many findings the rule, with `settings`, has on `snapshot` (its violations are
    /// about the whole load balancer: no path to compare).
    fn rule_findings(snapshot: &Snapshot, settings: serde_json::Value) -> usize {
        let values = settings.as_object().cloned().unwrap_or_default();
        let check = (LOAD_BALANCER_WEB_ACL.build)(values).expect("valid settings");
        let mut out = Vec::new();
        check.check(snapshot, crate::testing::TODAY, &mut out);
        out.len()
    }
}

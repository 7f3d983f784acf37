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

//! WAFv2 through its API: for each internet-facing load balancer the region's scan found, the
//! web ACL associated with it (`GetWebACLForResource`, which answers the whole web ACL), then
//! each web ACL's tags. A load balancer without one answers an empty web ACL. The load
//! balancers' own web ACLs are the environment's whatever their tags say.

use std::collections::BTreeMap;

use aws_sdk_wafv2::types as waf;
use aws_sdk_wafv2::Client;

use crate::collect::{display_name, Answer, Collected, FnCollector, RegionContext};
use crate::model::{Properties, ReadFailure, Resource, ResourceKind as K, WafRule, WafWebAcl};

const KINDS: &[K] = &[K::WafWebAcl];

/// Reads WAFv2.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    // Web ACL ARN -> (the web ACL, the load balancers it is associated with).
    let mut acls: BTreeMap<String, (waf::WebAcl, Vec<String>)> = BTreeMap::new();
    for balancer in internet_facing(ctx) {
        match web_acl_of(ctx, &client, &balancer).await {
            Ok(Some(acl)) => {
                let entry = acls.entry(acl.arn().to_string()).or_insert_with(|| (acl, Vec::new()));
                entry.1.push(balancer);
            }
            Ok(None) => {}
            Err(failure) => {
                out.fail(*failure);
                return out.finish();
            }
        }
    }
    for (arn, (acl, associations)) in acls {
        let tags = client.list_tags_for_resource().resource_arn(&arn).send().await;
        let item = crate::collect::ItemRead {
            read: &super::LIST_TAGS_FOR_RESOURCE,
            kinds: KINDS,
            item: (K::WafWebAcl, arn.as_str()),
        };
        match tags {
            Ok(found) => {
                let tags = found.tag_info_for_resource().map(|t| t.tag_list()).unwrap_or_default();
                let tags = crate::collect::tag_map(tags.iter().map(|t| (Some(t.key()), Some(t.value()))));
                out.resources.push(web_acl_resource(ctx, &acl, associations, tags));
            }
            Err(e) => out.item_failed(ctx, item, &e),
        }
    }
    out.finish()
}

/// The ARNs of the region's internet-facing load balancers the scan found.
fn internet_facing(ctx: &RegionContext) -> Vec<String> {
    ctx.found
        .iter()
        .filter(|r| matches!(&r.properties, Properties::LoadBalancer(lb) if lb.scheme == "internet-facing"))
        .filter_map(|r| r.arn.clone())
        .collect()
}

/// The web ACL associated with `balancer`, if any.
async fn web_acl_of(
    ctx: &RegionContext,
    client: &Client,
    balancer: &str,
) -> Result<Option<waf::WebAcl>, Box<ReadFailure>> {
    let answer = client.get_web_acl_for_resource().resource_arn(balancer).send().await;
    // No gone codes are declared: a balancer deleted meanwhile answers "no web ACL".
    Ok(match ctx.answer(&super::GET_WEB_ACL_FOR_RESOURCE, KINDS, answer)? {
        Answer::Some(found) => found.web_acl,
        Answer::None | Answer::Gone(_) => None,
    })
}

fn web_acl_resource(
    ctx: &RegionContext,
    acl: &waf::WebAcl,
    associations: Vec<String>,
    tags: BTreeMap<String, String>,
) -> Resource {
    let default_action = match acl.default_action() {
        Some(action) if action.block().is_some() => "block",
        _ => "allow",
    };
    let mut properties = WafWebAcl {
        description: acl.description().filter(|d| !d.is_empty()).map(str::to_string),
        default_action: default_action.to_string(),
        rules: acl.rules().iter().map(rule).collect(),
        associations,
    };
    crate::model::KindProperties::canonicalize(&mut properties);
    ctx.resource(
        acl.id(),
        display_name(&tags, acl.name()),
        Some(acl.arn().to_string()),
        tags,
        Properties::WafWebAcl(properties),
    )
}

fn rule(r: &waf::Rule) -> WafRule {
    let action = r.action().and_then(|a| {
        let chosen = [
            (a.allow().is_some(), "allow"),
            (a.block().is_some(), "block"),
            (a.count().is_some(), "count"),
            (a.captcha().is_some(), "captcha"),
            (a.challenge().is_some(), "challenge"),
        ];
        chosen.iter().find(|(on, _)| *on).map(|(_, name)| name.to_string())
    });
    let override_action = r.override_action().and_then(|o| match (o.none().is_some(), o.count().is_some()) {
        (true, _) => Some("none".to_string()),
        (_, true) => Some("count".to_string()),
        _ => None,
    });
    let statement = r.statement();
    let managed = statement.and_then(|s| s.managed_rule_group_statement());
    WafRule {
        priority: r.priority(),
        name: r.name().to_string(),
        action,
        override_action,
        managed_rule_group: managed.map(|m| format!("{}/{}", m.vendor_name(), m.name())),
        version: managed.and_then(|m| m.version()).map(str::to_string),
        rule_group: statement
            .and_then(|s| s.rule_group_reference_statement())
            .map(|g| g.arn().to_string()),
    }
}

#[cfg(test)]
mod recorded {
    use std::sync::Arc;

    use super::*;
    use crate::collect::replay::{assert_refused, json, Recorded, Replay};
    use crate::model::LoadBalancer;

    const TARGET: &str = "AWSWAF_20190729";

    fn balancer(ctx: &RegionContext, name: &str, scheme: &str) -> Resource {
        let properties = LoadBalancer::application(scheme);
        let arn = format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{name}/1");
        ctx.resource(name, name, Some(arn), BTreeMap::new(), Properties::LoadBalancer(properties))
    }

    /// staging's internet-facing balancer behind `trading-staging`, its internal one not read.
    fn context(replay: &Replay) -> RegionContext {
        let mut ctx = replay.region_context();
        let found = vec![balancer(&ctx, "alb-staging", "internet-facing"), balancer(&ctx, "internal-staging", "internal")];
        ctx.found = Arc::new(found);
        ctx
    }

    fn answers(extra: Vec<Recorded>) -> Vec<Recorded> {
        let mut all = extra;
        all.extend([
            json(
                &[&format!("{TARGET}.GetWebACLForResource")],
                200,
                r#"{"WebACL":{"Name":"trading-staging","Id":"a1","ARN":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/trading-staging/a1","DefaultAction":{"Allow":{}},"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"m"},"Rules":[{"Name":"AWSManagedRulesCommonRuleSet","Priority":0,"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"AWSManagedRulesCommonRuleSet","Version":"Version_1.12"}},"OverrideAction":{"None":{}},"VisibilityConfig":{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"c"}}]}}"#,
            ),
            json(
                &[&format!("{TARGET}.ListTagsForResource")],
                200,
                r#"{"TagInfoForResource":{"ResourceARN":"arn:aws:wafv2:us-east-1:123456789012:regional/webacl/trading-staging/a1","TagList":[{"Key":"Environment","Value":"staging"}]}}"#,
            ),
        ]);
        all
    }

    #[tokio::test]
    async fn the_web_acl_of_each_internet_facing_balancer_is_read_with_its_managed_rules() {
        let replay = Replay::start(answers(vec![]));
        let collected = collect(&context(&replay)).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(replay.count("GetWebACLForResource"), 1, "not the internal balancer");
        assert_eq!(collected.resources.len(), 1);
        let Properties::WafWebAcl(acl) = &collected.resources[0].properties else { panic!("a web ACL") };
        assert_eq!(acl.default_action, "allow");
        assert_eq!(acl.associations, ["arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-staging/1"]);
        let rule = &acl.rules[0];
        assert_eq!(rule.managed_rule_group.as_deref(), Some("AWS/AWSManagedRulesCommonRuleSet"));
        assert_eq!((rule.version.as_deref(), rule.override_action.as_deref()), (Some("Version_1.12"), Some("none")));
    }

    #[tokio::test]
    async fn a_refused_lookup_leaves_web_acls_unknown_and_names_the_action() {
        let denied = r#"{"__type":"AccessDeniedException","message":"User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: wafv2:GetWebACLForResource"}"#;
        let op = format!("{TARGET}.GetWebACLForResource");
        let replay = Replay::start(answers(vec![json(&[&op], 400, denied)]));
        let collected = collect(&context(&replay)).await;
        assert_refused(&collected, "GetWebACLForResource", "AccessDeniedException", "wafv2:GetWebACLForResource");
    }
}

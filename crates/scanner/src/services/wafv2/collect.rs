//! WAFv2 through its API. In each region: for each internet-facing load balancer the region's
//! scan found, the web ACL associated with it (`GetWebACLForResource`, which answers the whole
//! web ACL); a load balancer without one answers an empty web ACL. Once per scan (in
//! [`GLOBAL_REGION`]): the CLOUDFRONT-scope web ACL each distribution found names
//! (`GetWebACL`, from us-east-1). Then each web ACL's tags. The web ACLs in front of the
//! environment's load balancers and distributions are the environment's whatever their tags say.

use std::collections::BTreeMap;

use aws_sdk_wafv2::types as waf;
use aws_sdk_wafv2::Client;

use crate::collect::{display_name, Answer, Collected, FnCollector, RegionContext};
use crate::kinds::GLOBAL_REGION;
use crate::model::{Properties, ReadFailure, Resource, ResourceKind as K, WafRule, WafWebAcl};

const KINDS: &[K] = &[K::WafWebAcl];

/// The region CLOUDFRONT-scope web ACLs are managed from
/// (<https://docs.aws.amazon.com/waf/latest/APIReference/API_GetWebACL.html>: "CloudFront
/// distributions ... must also specify the Region US East (N. Virginia)").
const CLOUDFRONT_SCOPE_REGION: &str = "us-east-1";

/// Web ACL ARN -> (the web ACL, the ARNs of the environment's resources it protects).
type WebAcls = BTreeMap<String, (waf::WebAcl, Vec<String>)>;

/// Reads WAFv2.
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

async fn collect(ctx: &RegionContext) -> Collected {
    let (client, found) = match ctx.region == GLOBAL_REGION {
        true => {
            let config = crate::aws::for_region(&ctx.sdk_config, CLOUDFRONT_SCOPE_REGION);
            let client = Client::new(&config);
            let found = of_distributions(ctx, &client).await;
            (client, found)
        }
        false => {
            let client = Client::new(&ctx.sdk_config);
            let found = of_load_balancers(ctx, &client).await;
            (client, found)
        }
    };
    match found {
        Ok(acls) => tagged(ctx, &client, acls).await,
        Err(failure) => {
            let mut out = Collected::default();
            out.fail(*failure);
            out.finish()
        }
    }
}

/// The web ACLs of the region's internet-facing load balancers.
async fn of_load_balancers(ctx: &RegionContext, client: &Client) -> Result<WebAcls, Box<ReadFailure>> {
    let mut acls = WebAcls::new();
    for balancer in internet_facing(ctx) {
        if let Some(acl) = web_acl_of(ctx, client, &balancer).await? {
            let entry = acls.entry(acl.arn().to_string()).or_insert_with(|| (acl, Vec::new()));
            entry.1.push(balancer);
        }
    }
    Ok(acls)
}

/// The CLOUDFRONT-scope web ACLs the scan's distributions name. A WAF Classic web ACL (an id,
/// not an ARN) is not WAFv2's and is not read; one deleted since is not there to read.
async fn of_distributions(ctx: &RegionContext, client: &Client) -> Result<WebAcls, Box<ReadFailure>> {
    // (name, id) of each web ACL -> the distributions that name it.
    let mut protected: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for resource in ctx.found.iter() {
        if let (Properties::CloudfrontDistribution(d), Some(arn)) = (&resource.properties, &resource.arn) {
            if let Some(acl) = d.web_acl.as_deref().and_then(cloudfront_acl_name_id) {
                protected.entry(acl).or_default().push(arn.clone());
            }
        }
    }
    let mut acls = WebAcls::new();
    for ((name, id), distributions) in protected {
        let answer = client.get_web_acl().scope(waf::Scope::Cloudfront).name(name).id(id).send().await;
        if let Answer::Some(found) = ctx.answer(&super::GET_WEB_ACL, KINDS, answer)? {
            if let Some(acl) = found.web_acl {
                acls.insert(acl.arn().to_string(), (acl, distributions));
            }
        }
    }
    Ok(acls)
}

/// The name and id in a CLOUDFRONT-scope web ACL's ARN
/// (`arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>`).
fn cloudfront_acl_name_id(arn: &str) -> Option<(&str, &str)> {
    let resource = arn.strip_prefix("arn:")?.splitn(5, ':').nth(4)?;
    match resource.split('/').collect::<Vec<_>>().as_slice() {
        ["global", "webacl", name, id] if !name.is_empty() && !id.is_empty() => Some((name, id)),
        _ => None,
    }
}

/// Each web ACL as a resource, with its tags.
async fn tagged(ctx: &RegionContext, client: &Client, acls: WebAcls) -> Collected {
    let mut out = Collected::default();
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

    /// A distribution naming `web_acl`, as the global read sees it.
    fn distribution(ctx: &RegionContext, id: &str, web_acl: &str) -> Resource {
        let properties = serde_json::json!({
            "aliases": [], "domain_name": format!("{id}.cloudfront.net"), "enabled": true,
            "comment": null, "origins": [], "behaviors": [], "certificate": "cloudfront-default",
            "minimum_protocol_version": null, "ssl_support_method": null, "web_acl": web_acl,
            "logging_bucket": null, "price_class": null, "http_version": null,
        });
        let properties = serde_json::from_value(properties).expect("a distribution");
        let arn = format!("arn:aws:cloudfront::123456789012:distribution/{id}");
        ctx.resource(id, id, Some(arn), BTreeMap::new(), Properties::CloudfrontDistribution(properties))
    }

    #[tokio::test]
    async fn once_per_scan_the_web_acl_each_distribution_names_is_read_from_cloudfront_scope() {
        let cdn_acl = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/trading-staging-cdn/c1";
        let body = format!(
            r#"{{"WebACL":{{"Name":"trading-staging-cdn","Id":"c1","ARN":"{cdn_acl}","DefaultAction":{{"Block":{{}}}},"VisibilityConfig":{{"SampledRequestsEnabled":true,"CloudWatchMetricsEnabled":true,"MetricName":"m"}},"Rules":[]}},"LockToken":"t"}}"#
        );
        let replay = Replay::start(answers(vec![json(&[&format!("{TARGET}.GetWebACL\r\n"), "CLOUDFRONT", "\"c1\""], 200, &body)]));
        let mut ctx = replay.region_context();
        ctx.region = GLOBAL_REGION.into();
        ctx.found = Arc::new(vec![
            distribution(&ctx, "E1", cdn_acl),
            distribution(&ctx, "E2", cdn_acl),
            // WAF Classic's web ACLs are ids, not WAFv2's: not read.
            distribution(&ctx, "E3", "d6b3e5c2-0b9a-4a1e-9f0e-1a2b3c4d5e6f"),
            // What the regional read sees is not read again.
            balancer(&ctx, "alb-staging", "internet-facing"),
        ]);
        let collected = collect(&ctx).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!((replay.count("GetWebACL\r\n"), replay.count("GetWebACLForResource")), (1, 0));
        assert_eq!(collected.resources.len(), 1);
        let acl = &collected.resources[0];
        assert_eq!((acl.region.as_str(), acl.id.as_str()), (GLOBAL_REGION, "c1"));
        let Properties::WafWebAcl(acl) = &acl.properties else { panic!("a web ACL") };
        assert_eq!(acl.default_action, "block");
        let distributions: Vec<String> =
            ["E1", "E2"].iter().map(|id| format!("arn:aws:cloudfront::123456789012:distribution/{id}")).collect();
        assert_eq!(acl.associations, distributions);
    }

    #[test]
    fn only_a_cloudfront_scope_web_acl_arn_is_read_globally() {
        let name_id = cloudfront_acl_name_id;
        assert_eq!(name_id("arn:aws:wafv2:us-east-1:1:global/webacl/cdn/c1"), Some(("cdn", "c1")));
        assert_eq!(name_id("arn:aws:wafv2:us-east-1:1:regional/webacl/alb/a1"), None);
        assert_eq!(name_id("arn:aws:wafv2:us-east-1:1:global/webacl//c1"), None);
        assert_eq!(name_id("d6b3e5c2-0b9a-4a1e-9f0e-1a2b3c4d5e6f"), None);
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

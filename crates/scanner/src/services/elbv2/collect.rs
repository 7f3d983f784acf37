//! Elastic Load Balancing (v2): load balancers, listeners, listener rules and target groups.
//!
//! Every load balancer and target group of the region is listed (neither call takes a tag
//! filter) and their tags read 20 ARNs a call (`DescribeTags`' limit). Listeners and rules are
//! read for the environment's own load balancers and for those its target groups serve, because
//! a preview (`pr-7`) adds its rule to dev's listener: a rule belongs to the environment its tags
//! name, else its target group's, else its listener's. A rule or target group on our load
//! balancer whose environment is gone (nothing tagged for it is left but load balancing
//! resources) is ours to report: what a preview left behind when it was torn down.

use std::collections::{BTreeMap, HashMap, HashSet};

use aws_sdk_elasticloadbalancingv2::types as elb;
use aws_sdk_elasticloadbalancingv2::Client;
use futures::{stream, StreamExt};

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::collect::{FnCollector, batches, display_name, Collected, ItemRead, RegionContext};
use crate::kinds::Read;
use crate::model::{
    AccessLogs, FixedResponseAction, ForwardAction, HealthCheck, Listener, ListenerAction,
    ListenerRule, LoadBalancer, Properties, ReadFailure, RedirectAction, Resource,
    ResourceKind as K, ResourceRef, RuleCondition, TargetGroup,
};
use crate::naming::arn_resource_name;

/// AWS's limit on ARNs per `DescribeTags` call.
pub const DESCRIBE_TAGS_MAX: usize = 20;
/// Page size of the `Describe*` calls (the API's maximum).
const PAGE_SIZE: i32 = 400;
/// Per-load-balancer and per-listener calls in flight at once within one region.
const CONCURRENCY: usize = 4;

const KINDS: &[K] = &[
    K::LoadBalancer,
    K::Listener,
    K::ListenerRule,
    K::TargetGroup,
];

/// Reads Elastic Load Balancing (v2).
pub(crate) static COLLECTOR: FnCollector = FnCollector(|ctx| Box::pin(collect(ctx)));

type Tags = BTreeMap<String, String>;

async fn collect(ctx: &RegionContext) -> Collected {
    let client = Client::new(&ctx.sdk_config);
    let mut out = Collected::default();
    let Some(listing) = list(ctx, &client, &mut out).await else {
        return out;
    };
    let owned = Owned::select(ctx, &listing);
    let details = read_details(ctx, &client, &listing, &owned, &mut out).await;
    let placement = Placement::new(ctx, &listing, &owned, &details);
    let gone = gone_environments(ctx, &placement, &mut out).await;
    emit_balancers_and_groups(&placement, &gone, &mut out);
    emit_listeners_and_rules(&placement, &gone, &mut out);
    out.finish()
}

/// Every load balancer and target group of the region, with their tags.
struct Listing {
    balancers: Vec<elb::LoadBalancer>,
    groups: Vec<elb::TargetGroup>,
    tags: HashMap<String, Tags>,
}

impl Listing {
    fn tags_of(&self, arn: Option<&str>) -> Tags {
        arn.and_then(|a| self.tags.get(a))
            .cloned()
            .unwrap_or_default()
    }
}

/// Lists the region's load balancers and target groups and reads their tags. Without the load
/// balancers nothing can be placed (`None`); without the target groups, neither they nor the
/// rules that follow them.
async fn list(ctx: &RegionContext, client: &Client, out: &mut Collected) -> Option<Listing> {
    let (balancers, groups) = tokio::join!(
        client
            .describe_load_balancers()
            .page_size(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
        client
            .describe_target_groups()
            .page_size(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect(),
    );
    let balancers: Vec<elb::LoadBalancer> = match balancers {
        Ok(balancers) => balancers,
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_LOAD_BALANCERS, KINDS, &e));
            return None;
        }
    };
    let groups: Vec<elb::TargetGroup> = groups.unwrap_or_else(|e| {
        let kinds = &[K::TargetGroup, K::ListenerRule];
        out.fail(ctx.failure(&super::DESCRIBE_TARGET_GROUPS, kinds, &e));
        Vec::new()
    });
    let arns: Vec<String> = balancers
        .iter()
        .filter_map(|b| b.load_balancer_arn())
        .chain(groups.iter().filter_map(|g| g.target_group_arn()))
        .map(str::to_string)
        .collect();
    match read_tags(client, &arns).await {
        Ok(tags) => Some(Listing {
            balancers,
            groups,
            tags,
        }),
        Err(e) => {
            out.fail(ctx.failure(&super::DESCRIBE_TAGS, KINDS, &e));
            None
        }
    }
}

/// The environment's own load balancers and target groups (ARNs).
struct Owned {
    balancers: HashSet<String>,
    groups: HashSet<String>,
}

impl Owned {
    /// Load balancers by tag, else by a name that carries the environment; target groups by
    /// tag, else served by one of its load balancers or named for it.
    fn select(ctx: &RegionContext, listing: &Listing) -> Owned {
        let balancers: HashSet<String> = listing
            .balancers
            .iter()
            .filter(|b| {
                let name = b.load_balancer_name().unwrap_or_default();
                ctx.owns(
                    &listing.tags_of(b.load_balancer_arn()),
                    ctx.names_environment(name),
                )
            })
            .filter_map(|b| b.load_balancer_arn().map(str::to_string))
            .collect();
        let groups = listing
            .groups
            .iter()
            .filter(|g| {
                let contained = g
                    .load_balancer_arns()
                    .iter()
                    .any(|lb| balancers.contains(lb))
                    || ctx.names_environment(g.target_group_name().unwrap_or_default());
                ctx.owns(&listing.tags_of(g.target_group_arn()), contained)
            })
            .filter_map(|g| g.target_group_arn().map(str::to_string))
            .collect();
        Owned { balancers, groups }
    }

    /// Our load balancers and those our target groups serve: whose listeners are read.
    fn listened(&self, listing: &Listing) -> Vec<String> {
        let mut listened: Vec<String> = self.balancers.iter().cloned().collect();
        for group in listing.groups.iter().filter(|g| {
            g.target_group_arn()
                .is_some_and(|arn| self.groups.contains(arn))
        }) {
            listened.extend(group.load_balancer_arns().iter().cloned());
        }
        listened.sort_unstable();
        listened.dedup();
        listened
    }
}

/// What is read per item: load balancers' attributes, listeners, their rules and rules' tags.
struct Details {
    attributes: HashMap<String, BTreeMap<String, String>>,
    listeners: Vec<elb::Listener>,
    /// (listener ARN, rule), default rules left out.
    rules: Vec<(String, elb::Rule)>,
    rule_tags: HashMap<String, Tags>,
}

async fn read_details(
    ctx: &RegionContext,
    client: &Client,
    listing: &Listing,
    owned: &Owned,
    out: &mut Collected,
) -> Details {
    let (attributes, listeners) = tokio::join!(
        read_attributes(ctx, client, owned.balancers.iter().cloned().collect()),
        read_listeners(ctx, client, owned.listened(listing)),
    );
    let (attributes, listeners) = (out.absorb(attributes), out.absorb(listeners));
    let rules = out.absorb(read_rules(ctx, client, &listeners).await);
    let rule_arns: Vec<String> = rules
        .iter()
        .filter_map(|(_, r)| r.rule_arn().map(str::to_string))
        .collect();
    let rule_tags = read_tags(client, &rule_arns).await.unwrap_or_else(|e| {
        out.fail(ctx.failure(&super::DESCRIBE_TAGS, &[K::ListenerRule], &e));
        HashMap::new()
    });
    Details {
        attributes,
        listeners,
        rules,
        rule_tags,
    }
}

async fn read_attributes(
    ctx: &RegionContext,
    client: &Client,
    balancers: Vec<String>,
) -> (HashMap<String, BTreeMap<String, String>>, Collected) {
    let answers = per_item(balancers, |arn| {
        let client = client.clone();
        async move {
            client
                .describe_load_balancer_attributes()
                .load_balancer_arn(arn)
                .send()
                .await
                .map(|o| attribute_map(o.attributes()))
        }
    })
    .await;
    let (found, failed) = file_answers(
        ctx,
        (&super::DESCRIBE_LOAD_BALANCER_ATTRIBUTES, &[K::LoadBalancer]),
        K::LoadBalancer,
        answers,
    );
    (found.into_iter().collect(), failed)
}

/// What one SDK call answered.
type SdkAnswer<T, E> = Result<T, SdkError<E, HttpResponse>>;

/// Files per-item answers of `read`: each value with its item, each error through
/// [`Collected::item_failed`] (a "gone" answer notes the item deleted; any other leaves `kinds`
/// unknown).
fn file_answers<T, E>(
    ctx: &RegionContext,
    (read, kinds): (&'static Read, &[K]),
    item_kind: K,
    answers: Vec<(String, SdkAnswer<T, E>)>,
) -> (Vec<(String, T)>, Collected)
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut failed = Collected::default();
    let mut found = Vec::new();
    for (item, answer) in answers {
        match answer {
            Ok(value) => found.push((item, value)),
            Err(e) => {
                let read = ItemRead {
                    read,
                    kinds,
                    item: (item_kind, &item),
                };
                failed.item_failed(ctx, read, &e);
            }
        }
    }
    (found, failed)
}

async fn read_listeners(
    ctx: &RegionContext,
    client: &Client,
    balancers: Vec<String>,
) -> (Vec<elb::Listener>, Collected) {
    let answers = per_item(balancers, |arn| {
        let client = client.clone();
        async move {
            client
                .describe_listeners()
                .load_balancer_arn(arn)
                .page_size(PAGE_SIZE)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
        }
    })
    .await;
    let kinds = &[K::Listener, K::ListenerRule][..];
    let (found, failed) = file_answers(
        ctx,
        (&super::DESCRIBE_LISTENERS, kinds),
        K::LoadBalancer,
        answers,
    );
    (found.into_iter().flat_map(|(_, l)| l).collect(), failed)
}

async fn read_rules(
    ctx: &RegionContext,
    client: &Client,
    listeners: &[elb::Listener],
) -> (Vec<(String, elb::Rule)>, Collected) {
    let arns = listeners
        .iter()
        .filter_map(|l| l.listener_arn().map(str::to_string))
        .collect();
    let answers = per_item(arns, |arn| {
        let client = client.clone();
        async move {
            client
                .describe_rules()
                .listener_arn(arn)
                .page_size(PAGE_SIZE)
                .into_paginator()
                .items()
                .send()
                .try_collect()
                .await
        }
    })
    .await;
    let (found, failed) = file_answers(
        ctx,
        (&super::DESCRIBE_RULES, &[K::ListenerRule]),
        K::Listener,
        answers,
    );
    let rules = found
        .into_iter()
        .flat_map(|(listener, rules)| {
            rules
                .into_iter()
                .filter(|r| !r.is_default().unwrap_or(false))
                .map(move |r| (listener.clone(), r))
        })
        .collect();
    (rules, failed)
}

/// Where each target group and rule belongs, from what was read.
struct Placement<'a> {
    ctx: &'a RegionContext,
    listing: &'a Listing,
    owned: &'a Owned,
    details: &'a Details,
    /// Each target group's environment tag.
    group_env: HashMap<&'a str, Option<&'a String>>,
}

impl<'a> Placement<'a> {
    fn new(
        ctx: &'a RegionContext,
        listing: &'a Listing,
        owned: &'a Owned,
        details: &'a Details,
    ) -> Self {
        let group_env = listing
            .groups
            .iter()
            .filter_map(|g| {
                let arn = g.target_group_arn()?;
                let env = listing
                    .tags
                    .get(arn)
                    .and_then(|t| t.get(&ctx.selection.tag_key));
                Some((arn, env))
            })
            .collect();
        Placement {
            ctx,
            listing,
            owned,
            details,
            group_env,
        }
    }

    fn on_own_listener(&self, listener: &str) -> bool {
        self.details
            .listeners
            .iter()
            .find(|l| l.listener_arn() == Some(listener))
            .and_then(|l| l.load_balancer_arn())
            .is_some_and(|lb| self.owned.balancers.contains(lb))
    }

    fn behind_own_balancer(&self, group: &elb::TargetGroup) -> bool {
        group
            .load_balancer_arns()
            .iter()
            .any(|lb| self.owned.balancers.contains(lb))
    }

    fn group_environment(&self, arn: &str) -> Option<&'a String> {
        self.group_env.get(arn).copied().flatten()
    }

    /// A rule's environment: its own tag, else that of a target group it forwards to.
    fn rule_owner(&self, rule: &elb::Rule) -> Option<String> {
        let own = rule
            .rule_arn()
            .and_then(|arn| self.details.rule_tags.get(arn))
            .and_then(|t| t.get(&self.ctx.selection.tag_key));
        own.or_else(|| {
            forwarded_groups(rule.actions())
                .filter_map(|g| self.group_environment(&g))
                .next()
        })
        .cloned()
    }

    /// Other environments with rules on our listeners or target groups behind our load
    /// balancers (previews on dev's).
    fn foreign_environments(&self) -> Vec<String> {
        let on_ours = self
            .details
            .rules
            .iter()
            .filter(|(listener, _)| self.on_own_listener(listener))
            .filter_map(|(_, rule)| self.rule_owner(rule));
        let behind_ours = self
            .listing
            .groups
            .iter()
            .filter(|g| self.behind_own_balancer(g))
            .filter_map(|g| self.group_environment(g.target_group_arn()?).cloned());
        let mut foreign: Vec<String> = on_ours
            .chain(behind_ours)
            .filter(|env| env != &self.ctx.environment)
            .collect();
        foreign.sort();
        foreign.dedup();
        foreign
    }
}

/// The foreign environments of which nothing is left but what they put on our load balancers:
/// what they left behind there is ours to report (unmanaged).
async fn gone_environments(
    ctx: &RegionContext,
    placement: &Placement<'_>,
    out: &mut Collected,
) -> HashSet<String> {
    let mut gone = HashSet::new();
    for environment in placement.foreign_environments() {
        match environment_is_gone(ctx, &environment).await {
            Ok(true) => {
                gone.insert(environment);
            }
            Ok(false) => {}
            Err(failure) => {
                out.fail(failure);
                break;
            }
        }
    }
    gone
}

fn emit_balancers_and_groups(p: &Placement<'_>, gone: &HashSet<String>, out: &mut Collected) {
    let empty = BTreeMap::new();
    for balancer in &p.listing.balancers {
        let Some(arn) = balancer.load_balancer_arn() else {
            continue;
        };
        if p.owned.balancers.contains(arn) {
            let attributes = p.details.attributes.get(arn).unwrap_or(&empty);
            let tags = p.listing.tags_of(Some(arn));
            out.resources
                .push(load_balancer(p.ctx, balancer, tags, attributes));
        }
    }
    for group in &p.listing.groups {
        let Some(arn) = group.target_group_arn() else {
            continue;
        };
        let left_behind = p
            .group_environment(arn)
            .is_some_and(|env| gone.contains(env))
            && p.behind_own_balancer(group);
        if p.owned.groups.contains(arn) || left_behind {
            let tags = p.listing.tags_of(Some(arn));
            out.resources.push(target_group(p.ctx, group, tags));
        }
    }
}

fn emit_listeners_and_rules(p: &Placement<'_>, gone: &HashSet<String>, out: &mut Collected) {
    let balancer_names: HashMap<&str, &str> = p
        .listing
        .balancers
        .iter()
        .filter_map(|b| Some((b.load_balancer_arn()?, b.load_balancer_name()?)))
        .collect();
    let mut listener_names: HashMap<&str, String> = HashMap::new();
    for listener in &p.details.listeners {
        let (Some(arn), Some(lb)) = (listener.listener_arn(), listener.load_balancer_arn()) else {
            continue;
        };
        let lb_name = balancer_names
            .get(lb)
            .copied()
            .unwrap_or(arn_resource_name(lb));
        let name = format!("{lb_name}:{}", listener.port().unwrap_or_default());
        listener_names.insert(arn, name.clone());
        if p.owned.balancers.contains(lb) {
            out.resources.push(listener_resource(p.ctx, listener, name));
        }
    }
    for (listener, rule) in &p.details.rules {
        let Some(arn) = rule.rule_arn() else { continue };
        let owned = match p.rule_owner(rule) {
            Some(env) if env == p.ctx.environment => true,
            Some(env) => gone.contains(&env) && p.on_own_listener(listener),
            None => p.on_own_listener(listener),
        };
        if owned {
            let own_tags = p.details.rule_tags.get(arn).cloned().unwrap_or_default();
            let listener_name = listener_names
                .get(listener.as_str())
                .cloned()
                .unwrap_or_else(|| listener.to_string());
            out.resources
                .push(rule_resource(p.ctx, rule, listener, &listener_name, own_tags));
        }
    }
}

/// Whether nothing tagged for `environment` is left in the region but load balancing resources
/// and ECS services and task definitions (which ECS keeps, `INACTIVE`, after they are deleted,
/// and which the tagging API goes on listing): one tagging-API call, paged.
async fn environment_is_gone(ctx: &RegionContext, environment: &str) -> Result<bool, ReadFailure> {
    let tagging = aws_sdk_resourcegroupstagging::Client::new(&ctx.sdk_config);
    let mut pages = tagging
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder()
                .key(&ctx.selection.tag_key)
                .values(environment)
                .build(),
        )
        .into_paginator()
        .items()
        .send();
    while let Some(mapping) = pages.next().await {
        let mapping = mapping.map_err(|e| {
            ctx.failure(&super::GET_RESOURCES,
                &[K::ListenerRule, K::TargetGroup],
                &e,
            )
        })?;
        let arn = mapping.resource_arn().unwrap_or_default();
        let lingers = arn.contains(":elasticloadbalancing:")
            || arn.contains(":task-definition/")
            || (arn.contains(":ecs:") && arn.contains(":service/"));
        if !lingers {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Runs `call` for every item, a few at a time, keeping each item with its result.
async fn per_item<F, Fut, T>(items: Vec<String>, call: F) -> Vec<(String, T)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    stream::iter(items.into_iter().map(|item| {
        let future = call(item.clone());
        async move { (item, future.await) }
    }))
    .buffer_unordered(CONCURRENCY)
    .collect()
    .await
}

/// Tags of `arns`, read [`DESCRIBE_TAGS_MAX`] at a time.
async fn read_tags(
    client: &Client,
    arns: &[String],
) -> Result<
    HashMap<String, Tags>,
    aws_smithy_runtime_api::client::result::SdkError<
        aws_sdk_elasticloadbalancingv2::operation::describe_tags::DescribeTagsError,
        aws_smithy_runtime_api::http::Response,
    >,
> {
    let mut tags = HashMap::new();
    for batch in batches(arns, DESCRIBE_TAGS_MAX) {
        let output = client
            .describe_tags()
            .set_resource_arns(Some(batch.to_vec()))
            .send()
            .await?;
        for description in output.tag_descriptions() {
            if let Some(arn) = description.resource_arn() {
                tags.insert(
                    arn.to_string(),
                    description
                        .tags()
                        .iter()
                        .filter_map(|t| {
                            Some((
                                t.key()?.to_string(),
                                t.value().unwrap_or_default().to_string(),
                            ))
                        })
                        .collect(),
                );
            }
        }
    }
    Ok(tags)
}

fn attribute_map(attributes: &[elb::LoadBalancerAttribute]) -> BTreeMap<String, String> {
    attributes
        .iter()
        .filter_map(|a| Some((a.key()?.to_string(), a.value()?.to_string())))
        .collect()
}

fn load_balancer(
    ctx: &RegionContext,
    balancer: &elb::LoadBalancer,
    tags: Tags,
    attributes: &BTreeMap<String, String>,
) -> Resource {
    let arn = balancer.load_balancer_arn().unwrap_or_default();
    let name = balancer.load_balancer_name().unwrap_or_default();
    let flag = |key: &str| attributes.get(key).map(|v| v == "true");
    let access_logs = (flag("access_logs.s3.enabled") == Some(true)).then(|| AccessLogs {
        bucket: attributes
            .get("access_logs.s3.bucket")
            .cloned()
            .unwrap_or_default(),
        prefix: attributes
            .get("access_logs.s3.prefix")
            .filter(|p| !p.is_empty())
            .cloned(),
    });
    ctx.resource(
        arn,
        display_name(&tags, name),
        Some(arn.to_string()),
        tags,
        Properties::LoadBalancer(LoadBalancer {
            load_balancer_type: balancer
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            scheme: balancer
                .scheme()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            ip_address_type: balancer.ip_address_type().map(|t| t.as_str().to_string()),
            state: balancer
                .state()
                .and_then(|s| s.code())
                .map(|c| c.as_str().to_string()),
            dns_name: balancer.dns_name().map(str::to_string),
            vpc: balancer.vpc_id().map(ResourceRef::id),
            subnets: balancer
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id().map(ResourceRef::id))
                .collect(),
            security_groups: balancer
                .security_groups()
                .iter()
                .map(ResourceRef::id)
                .collect(),
            deletion_protection: flag("deletion_protection.enabled").unwrap_or(false),
            access_logs,
            drop_invalid_header_fields: flag("routing.http.drop_invalid_header_fields.enabled"),
            idle_timeout_seconds: attributes
                .get("idle_timeout.timeout_seconds")
                .and_then(|v| v.parse().ok()),
        }),
    )
}

fn target_group(ctx: &RegionContext, group: &elb::TargetGroup, tags: Tags) -> Resource {
    let arn = group.target_group_arn().unwrap_or_default();
    let name = group.target_group_name().unwrap_or_default();
    ctx.resource(
        arn,
        display_name(&tags, name),
        Some(arn.to_string()),
        tags,
        Properties::TargetGroup(TargetGroup {
            protocol: group.protocol().map(|p| p.as_str().to_string()),
            port: group.port(),
            target_type: group.target_type().map(|t| t.as_str().to_string()),
            vpc: group.vpc_id().map(ResourceRef::id),
            health_check: HealthCheck {
                enabled: group.health_check_enabled(),
                protocol: group
                    .health_check_protocol()
                    .map(|p| p.as_str().to_string()),
                port: group.health_check_port().map(str::to_string),
                path: group.health_check_path().map(str::to_string),
                matcher: group
                    .matcher()
                    .and_then(|m| m.http_code().or(m.grpc_code()))
                    .map(str::to_string),
                interval_seconds: group.health_check_interval_seconds(),
                timeout_seconds: group.health_check_timeout_seconds(),
                healthy_threshold: group.healthy_threshold_count(),
                unhealthy_threshold: group.unhealthy_threshold_count(),
            },
            load_balancers: group
                .load_balancer_arns()
                .iter()
                .map(ResourceRef::id)
                .collect(),
        }),
    )
}

fn listener_resource(ctx: &RegionContext, listener: &elb::Listener, name: String) -> Resource {
    let arn = listener.listener_arn().unwrap_or_default();
    ctx.resource(
        arn,
        name,
        Some(arn.to_string()),
        Tags::new(),
        Properties::Listener(Listener {
            load_balancer: ResourceRef::id(listener.load_balancer_arn().unwrap_or_default()),
            port: listener.port(),
            protocol: listener.protocol().map(|p| p.as_str().to_string()),
            ssl_policy: listener.ssl_policy().map(str::to_string),
            certificates: listener
                .certificates()
                .iter()
                .filter_map(|c| c.certificate_arn().map(str::to_string))
                .collect(),
            default_actions: actions(listener.default_actions()),
        }),
    )
}

fn rule_resource(
    ctx: &RegionContext,
    rule: &elb::Rule,
    listener: &str,
    listener_name: &str,
    tags: Tags,
) -> Resource {
    let arn = rule.rule_arn().unwrap_or_default();
    let priority = rule.priority().unwrap_or_default();
    let fallback = format!("{listener_name}/{priority}");
    ctx.resource(
        arn,
        display_name(&tags, &fallback),
        Some(arn.to_string()),
        tags,
        Properties::ListenerRule(ListenerRule {
            listener: ResourceRef::id(listener),
            priority: priority.parse().ok(),
            conditions: rule.conditions().iter().map(condition).collect(),
            actions: actions(rule.actions()),
        }),
    )
}

fn condition(condition: &elb::RuleCondition) -> RuleCondition {
    let field = condition.field().unwrap_or_default().to_string();
    let mut header = None;
    let values: Vec<String> = if let Some(c) = condition.host_header_config() {
        c.values().to_vec()
    } else if let Some(c) = condition.path_pattern_config() {
        c.values().to_vec()
    } else if let Some(c) = condition.http_header_config() {
        header = c.http_header_name().map(str::to_string);
        c.values().to_vec()
    } else if let Some(c) = condition.http_request_method_config() {
        c.values().to_vec()
    } else if let Some(c) = condition.source_ip_config() {
        c.values().to_vec()
    } else if let Some(c) = condition.query_string_config() {
        c.values()
            .iter()
            .map(|kv| {
                format!(
                    "{}={}",
                    kv.key().unwrap_or_default(),
                    kv.value().unwrap_or_default()
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    // Older rules carry their values in the legacy `Values` list only.
    let values = if values.is_empty() {
        condition.values().to_vec()
    } else {
        values
    };
    RuleCondition {
        field,
        header,
        values,
    }
}

/// Actions in their evaluation order.
fn actions(actions: &[elb::Action]) -> Vec<ListenerAction> {
    let mut ordered: Vec<&elb::Action> = actions.iter().collect();
    ordered.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    ordered.into_iter().map(action).collect()
}

fn action(action: &elb::Action) -> ListenerAction {
    use elb::ActionTypeEnum as T;
    match action.r#type() {
        Some(T::Forward) => ListenerAction::Forward(ForwardAction {
            target_groups: forwarded_groups(std::slice::from_ref(action))
                .map(ResourceRef::id)
                .collect(),
        }),
        Some(T::Redirect) => {
            let config = action.redirect_config();
            let text = |f: fn(&elb::RedirectActionConfig) -> Option<&str>| {
                config.and_then(f).map(str::to_string)
            };
            ListenerAction::Redirect(RedirectAction {
                protocol: text(elb::RedirectActionConfig::protocol),
                port: text(elb::RedirectActionConfig::port),
                host: text(elb::RedirectActionConfig::host),
                path: text(elb::RedirectActionConfig::path),
                query: text(elb::RedirectActionConfig::query),
                status_code: config
                    .and_then(|c| c.status_code())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
            })
        }
        Some(T::FixedResponse) => {
            let config = action.fixed_response_config();
            ListenerAction::FixedResponse(FixedResponseAction {
                status_code: config
                    .and_then(|c| c.status_code())
                    .unwrap_or_default()
                    .to_string(),
                content_type: config.and_then(|c| c.content_type()).map(str::to_string),
            })
        }
        other => ListenerAction::Other(
            other
                .map(|t| t.as_str().to_string())
                .unwrap_or_else(|| "unknown".into()),
        ),
    }
}

/// The target groups `actions` forward to: the single `TargetGroupArn` or the weighted list.
fn forwarded_groups(actions: &[elb::Action]) -> impl Iterator<Item = String> + '_ {
    actions.iter().flat_map(|action| {
        let weighted = action
            .forward_config()
            .map(|f| f.target_groups())
            .unwrap_or_default()
            .iter()
            .filter_map(|t| t.target_group_arn());
        action
            .target_group_arn()
            .into_iter()
            .chain(weighted)
            .map(str::to_string)
            .collect::<std::collections::BTreeSet<_>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::replay::{xml, Replay};

    const NS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

    fn lb_arn(n: usize) -> String {
        format!("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/alb-staging-{n}/0123456789abcdef")
    }

    fn response(action: &str, result: &str) -> String {
        format!("<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>")
    }

    fn balancers(range: std::ops::Range<usize>, marker: Option<&str>) -> String {
        let members: String = range
            .map(|n| {
                format!(
                    "<member><LoadBalancerArn>{}</LoadBalancerArn><LoadBalancerName>alb-staging-{n}</LoadBalancerName><Scheme>internet-facing</Scheme><Type>application</Type><VpcId>vpc-1</VpcId></member>",
                    lb_arn(n)
                )
            })
            .collect();
        let marker = marker
            .map(|m| format!("<NextMarker>{m}</NextMarker>"))
            .unwrap_or_default();
        response(
            "DescribeLoadBalancers",
            &format!("<LoadBalancers>{members}</LoadBalancers>{marker}"),
        )
    }

    fn all_tagged(count: usize) -> String {
        let members: String = (0..count)
            .map(|n| {
                format!(
                    "<member><ResourceArn>{}</ResourceArn><Tags><member><Key>Environment</Key><Value>staging</Value></member></Tags></member>",
                    lb_arn(n)
                )
            })
            .collect();
        response(
            "DescribeTags",
            &format!("<TagDescriptions>{members}</TagDescriptions>"),
        )
    }

    fn recorded(
        extra: Vec<crate::collect::replay::Recorded>,
    ) -> Vec<crate::collect::replay::Recorded> {
        let mut all = extra;
        all.extend([
            xml(&["Action=DescribeLoadBalancers", "Marker=m1"], 200, &balancers(20..25, None)),
            xml(&["Action=DescribeLoadBalancers"], 200, &balancers(0..20, Some("m1"))),
            xml(&["Action=DescribeTargetGroups"], 200, &response("DescribeTargetGroups", "<TargetGroups/>")),
            xml(&["Action=DescribeTags"], 200, &all_tagged(25)),
            xml(
                &["Action=DescribeLoadBalancerAttributes"],
                200,
                &response(
                    "DescribeLoadBalancerAttributes",
                    "<Attributes><member><Key>deletion_protection.enabled</Key><Value>true</Value></member></Attributes>",
                ),
            ),
            xml(&["Action=DescribeListeners"], 200, &response("DescribeListeners", "<Listeners/>")),
        ]);
        all
    }

    #[tokio::test]
    async fn every_page_is_read_and_tags_go_twenty_arns_a_call() {
        let replay = Replay::start(recorded(vec![]));
        let collected = collect(&replay.region_context()).await;
        assert!(collected.failures.is_empty(), "{:?}", collected.failures);
        assert_eq!(collected.resources.len(), 25, "both pages");
        assert_eq!(replay.count("Action=DescribeLoadBalancers&"), 2);
        let tag_calls: Vec<usize> = replay
            .requests()
            .iter()
            .filter(|r| r.contains("Action=DescribeTags"))
            .map(|r| r.matches("ResourceArns.member.").count())
            .collect();
        assert_eq!(
            tag_calls,
            [20, 5],
            "AWS takes at most 20 ARNs per DescribeTags"
        );
        let Properties::LoadBalancer(lb) = &collected.resources[0].properties else {
            panic!("a load balancer")
        };
        assert!(lb.deletion_protection);
    }

    #[tokio::test]
    async fn one_unreadable_load_balancer_leaves_the_kind_unknown_not_the_others() {
        let denied = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>r</RequestId></ErrorResponse>";
        let replay = Replay::start(recorded(vec![xml(
            &["Action=DescribeLoadBalancerAttributes", "alb-staging-3%2F"],
            403,
            denied,
        )]));
        let collected = collect(&replay.region_context()).await;
        assert_eq!(collected.failures.len(), 1, "{:?}", collected.failures);
        let failure = &collected.failures[0];
        assert_eq!(
            (failure.operation.as_str(), failure.code.as_str()),
            ("DescribeLoadBalancerAttributes", "AccessDenied")
        );
        assert_eq!(failure.kinds, [K::LoadBalancer]);
        assert!(
            collected
                .resources
                .iter()
                .all(|r| r.kind != K::LoadBalancer),
            "a partial list never passes for the whole"
        );
    }
}

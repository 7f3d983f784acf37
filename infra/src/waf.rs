//! The regional web ACL `trading-<env>` in front of staging's and prod's load balancer: requests
//! pass unless AWS's managed common rule set blocks them. Destroy disassociates it, then
//! deletes it (it holds no data).

use aws_sdk_wafv2::types as waf;

use crate::edge::{find_load_balancer, load_balancer_name};
use crate::{call_error, refused, Action, Ctx, InfraError, Live};

/// The web ACL of `env`.
fn web_acl_name(env: &str) -> String {
    format!("trading-{env}")
}

/// The managed rule group every web ACL runs (`<vendor>`, `<name>`).
const COMMON_RULES: (&str, &str) = ("AWS", "AWSManagedRulesCommonRuleSet");

/// Where a web ACL lives: a region's regional scope, or CloudFront's scope (served by
/// us-east-1's endpoint, <https://docs.aws.amazon.com/waf/latest/APIReference/API_CreateWebACL.html>).
pub(crate) struct AclScope<'c> {
    client: &'c aws_sdk_wafv2::Client,
    scope: waf::Scope,
}

impl<'c> AclScope<'c> {
    /// The environment's region, for load balancers.
    fn regional(ctx: &'c Ctx<'_>) -> Self {
        AclScope {
            client: &ctx.waf,
            scope: waf::Scope::Regional,
        }
    }

    /// CloudFront's, for distributions.
    pub(crate) fn cloudfront(ctx: &'c Ctx<'_>) -> Self {
        AclScope {
            client: &ctx.global.waf,
            scope: waf::Scope::Cloudfront,
        }
    }
}

/// The web ACL named `name`, if any.
async fn find(at: &AclScope<'_>, name: &str) -> Result<Option<waf::WebAclSummary>, InfraError> {
    let listed = at
        .client
        .list_web_acls()
        .scope(at.scope.clone())
        .send()
        .await
        .map_err(call_error("ListWebACLs", name))?;
    Ok(listed
        .web_acls()
        .iter()
        .find(|a| a.name() == Some(name))
        .cloned())
}

/// The web ACL `name` (AWS's managed common rule set, requests allowed otherwise), made when
/// missing: its ARN (a placeholder in a plan).
pub(crate) async fn converge_acl(
    ctx: &Ctx<'_>,
    at: &AclScope<'_>,
    name: &str,
) -> Result<String, InfraError> {
    match find(at, name).await? {
        Some(found) => Ok(found.arn().unwrap_or_default().to_string()),
        None => create(ctx, at, name).await,
    }
}

fn visibility(name: &str) -> Result<waf::VisibilityConfig, InfraError> {
    waf::VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(name)
        .build()
        .map_err(refused)
}

fn common_rules() -> Result<waf::Rule, InfraError> {
    let (vendor, group) = COMMON_RULES;
    let statement = waf::ManagedRuleGroupStatement::builder()
        .vendor_name(vendor)
        .name(group)
        .build()
        .map_err(refused)?;
    waf::Rule::builder()
        .name(group)
        .priority(0)
        .statement(
            waf::Statement::builder()
                .managed_rule_group_statement(statement)
                .build(),
        )
        .override_action(
            waf::OverrideAction::builder()
                .none(waf::NoneAction::builder().build())
                .build(),
        )
        .visibility_config(visibility(group)?)
        .build()
        .map_err(refused)
}

/// Creates the environment's web ACL and associates it with its load balancer, where the
/// environment has one (staging, prod).
pub(crate) async fn converge(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    if !ctx.spec.web_acl {
        return Ok(());
    }
    let name = web_acl_name(&ctx.spec.name);
    let arn = converge_acl(ctx, &AclScope::regional(ctx), &name).await?;
    let resource = format!("web-acl-association {name}");
    let detail = format!("{name} in front of {}", load_balancer_name(&ctx.spec.name));
    let balancer = find_load_balancer(ctx, &load_balancer_name(&ctx.spec.name)).await?;
    let Some(balancer) = balancer.filter(|_| !crate::is_planned(&arn)) else {
        // Only a plan gets here: an apply made the load balancer and the web ACL first.
        let missing = async {
            Err(InfraError::Refused(format!(
                "{name} cannot be associated yet"
            )))
        };
        return ctx
            .converge(resource, Live::Missing, (detail, missing), async { Ok(()) })
            .await;
    };
    let balancer = balancer.load_balancer_arn().unwrap_or_default().to_string();
    let current = ctx
        .waf
        .get_web_acl_for_resource()
        .resource_arn(&balancer)
        .send()
        .await
        .map_err(call_error("GetWebACLForResource", &balancer))?;
    let live = match current.web_acl() {
        Some(acl) if acl.arn() == arn => Live::Present(vec![]),
        Some(acl) => Live::Present(vec![format!("{} instead of {name}", acl.name())]),
        None => Live::Missing,
    };
    let associate = || async {
        ctx.waf
            .associate_web_acl()
            .web_acl_arn(&arn)
            .resource_arn(&balancer)
            .send()
            .await
            .map_err(call_error("AssociateWebACL", &name))?;
        Ok(())
    };
    ctx.converge(resource, live, (detail, associate()), associate())
        .await
}

async fn create(ctx: &Ctx<'_>, at: &AclScope<'_>, name: &str) -> Result<String, InfraError> {
    let tags: Vec<waf::Tag> = ctx
        .spec
        .tags(name)
        .into_iter()
        .map(|(k, v)| waf::Tag::builder().key(k).value(v).build().map_err(refused))
        .collect::<Result<_, _>>()?;
    let allow = waf::DefaultAction::builder()
        .allow(waf::AllowAction::builder().build())
        .build();
    let request = at
        .client
        .create_web_acl()
        .name(name)
        .scope(at.scope.clone())
        .default_action(allow)
        .rules(common_rules()?)
        .visibility_config(visibility(name)?)
        .set_tags(Some(tags));
    let created = async {
        let created = request
            .send()
            .await
            .map_err(call_error("CreateWebACL", name))?;
        Ok(created
            .summary()
            .and_then(|s| s.arn())
            .unwrap_or_default()
            .to_string())
    };
    ctx.create(
        format!("web-acl {name}"),
        "allow, AWS managed common rule set",
        created,
    )
    .await
}

/// Disassociates the environment's web ACL from its load balancer and deletes it.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let name = web_acl_name(&ctx.spec.name);
    let at = AclScope::regional(ctx);
    let Some(found) = find(&at, &name).await? else {
        return Ok(());
    };
    if let Some(balancer) = find_load_balancer(ctx, &load_balancer_name(&ctx.spec.name)).await? {
        let balancer = balancer.load_balancer_arn().unwrap_or_default().to_string();
        let disassociate = async {
            ctx.waf
                .disassociate_web_acl()
                .resource_arn(&balancer)
                .send()
                .await
                .map_err(call_error("DisassociateWebACL", &name))?;
            Ok(())
        };
        let resource = format!("web-acl-association {name}");
        ctx.change(Action::Delete, resource, "", disassociate)
            .await?;
    }
    delete(ctx, &at, &found).await
}

/// Deletes the web ACL `found` (nothing may use it any more).
async fn delete(
    ctx: &Ctx<'_>,
    at: &AclScope<'_>,
    found: &waf::WebAclSummary,
) -> Result<(), InfraError> {
    let name = found.name().unwrap_or_default();
    let delete = async {
        at.client
            .delete_web_acl()
            .name(name)
            .scope(at.scope.clone())
            .id(found.id().unwrap_or_default())
            .lock_token(found.lock_token().unwrap_or_default())
            .send()
            .await
            .map_err(call_error("DeleteWebACL", name))?;
        Ok(())
    };
    ctx.change(Action::Delete, format!("web-acl {name}"), "", delete)
        .await?;
    Ok(())
}

/// Deletes the web ACL `name` in `at`, if it exists.
pub(crate) async fn delete_named(
    ctx: &Ctx<'_>,
    at: &AclScope<'_>,
    name: &str,
) -> Result<(), InfraError> {
    match find(at, name).await? {
        Some(found) => delete(ctx, at, &found).await,
        None => Ok(()),
    }
}

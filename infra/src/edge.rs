//! The internet edge and the data bucket: an internet-facing Application Load Balancer in the
//! public subnets behind the load-balancer group, an HTTP listener that redirects to HTTPS, an
//! HTTPS listener with the environment's TLS policy forwarding to the app's target group, and an
//! encrypted, versioned bucket with every public access blocked. A preview adds a host-header
//! rule and a target group of its own on dev's HTTPS listener.

use aws_sdk_elasticloadbalancingv2::types as elb;

use crate::{call_error, is_planned, Action, Ctx, EnvironmentSpec, InfraError, Live, Provisioned};

/// The load balancer's name for `env`.
pub(crate) fn load_balancer_name(env: &str) -> String {
    format!("alb-{env}")
}

/// The app's target group for `env` (previews have their own).
pub(crate) fn target_group_name(env: &str) -> String {
    format!("trading-app-{env}")
}

/// The data bucket of `env` in `account`.
pub fn bucket_name(env: &str, account: &str) -> String {
    format!("trading-data-{env}-{account}")
}

/// The host a preview answers on, on dev's load balancer.
pub fn preview_host(env: &str) -> String {
    format!("{env}.dev.trading.example.com")
}

/// The app's container port, which its target groups send traffic to.
const APP_PORT: i32 = 8080;

fn elb_tags(spec: &EnvironmentSpec, name: &str) -> Vec<elb::Tag> {
    spec.tags(name)
        .into_iter()
        .map(|(k, v)| elb::Tag::builder().key(k).value(v).build())
        .collect()
}

/// The load balancer named `name`, if it exists.
pub(crate) async fn find_load_balancer(
    ctx: &Ctx<'_>,
    name: &str,
) -> Result<Option<elb::LoadBalancer>, InfraError> {
    match ctx.elb.describe_load_balancers().names(name).send().await {
        Ok(found) => Ok(found.load_balancers().first().cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_load_balancer_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeLoadBalancers", name)(e)),
    }
}

/// The target group named `name`, if it exists.
pub(crate) async fn find_target_group(
    ctx: &Ctx<'_>,
    name: &str,
) -> Result<Option<elb::TargetGroup>, InfraError> {
    match ctx.elb.describe_target_groups().names(name).send().await {
        Ok(found) => Ok(found.target_groups().first().cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_target_group_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeTargetGroups", name)(e)),
    }
}

/// The listeners of a load balancer.
pub(crate) async fn listeners(
    ctx: &Ctx<'_>,
    load_balancer_arn: &str,
) -> Result<Vec<elb::Listener>, InfraError> {
    Ok(ctx
        .elb
        .describe_listeners()
        .load_balancer_arn(load_balancer_arn)
        .send()
        .await
        .map_err(call_error("DescribeListeners", load_balancer_arn))?
        .listeners()
        .to_vec())
}

fn redirect_to_https() -> elb::Action {
    elb::Action::builder()
        .r#type(elb::ActionTypeEnum::Redirect)
        .redirect_config(
            elb::RedirectActionConfig::builder()
                .protocol("HTTPS")
                .port("443")
                .status_code(elb::RedirectActionStatusCodeEnum::Http301)
                .build(),
        )
        .build()
}

fn forward_to(target_group_arn: &str) -> elb::Action {
    elb::Action::builder()
        .r#type(elb::ActionTypeEnum::Forward)
        .target_group_arn(target_group_arn)
        .build()
}

/// Converges the app's target group (for a full environment or a preview); answers its ARN.
async fn converge_target_group(ctx: &Ctx<'_>, vpc_id: &str) -> Result<String, InfraError> {
    let spec = ctx.spec;
    let name = target_group_name(&spec.name);
    if let Some(found) = find_target_group(ctx, &name).await? {
        return Ok(found.target_group_arn().unwrap_or_default().to_string());
    }
    ctx.create(
        format!("target-group {name}"),
        format!("HTTP:{APP_PORT}, IP targets, health check /health"),
        async {
            let created = ctx
                .elb
                .create_target_group()
                .name(&name)
                .protocol(elb::ProtocolEnum::Http)
                .port(APP_PORT)
                .vpc_id(vpc_id)
                .target_type(elb::TargetTypeEnum::Ip)
                .health_check_enabled(true)
                .health_check_path("/health")
                .health_check_protocol(elb::ProtocolEnum::Http)
                .matcher(elb::Matcher::builder().http_code("200").build())
                .set_tags(Some(elb_tags(spec, &name)))
                .send()
                .await
                .map_err(call_error("CreateTargetGroup", &name))?;
            Ok(created
                .target_groups()
                .first()
                .and_then(|g| g.target_group_arn())
                .unwrap_or_default()
                .to_string())
        },
    )
    .await
}

/// Converges the edge of a full environment, or a preview's rule and target group on dev's.
/// Converges the load balancer, its attributes, the target group and both listeners (a
/// preview: its target group and rule on dev's balancer), then the logs bucket.
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    if ctx.spec.preview.is_some() {
        return converge_preview(ctx, out).await;
    }
    let name = load_balancer_name(&ctx.spec.name);
    let balancer = converge_load_balancer(ctx, out, &name).await?;
    out.load_balancer = balancer.clone();
    converge_balancer_attributes(ctx, &name, &balancer).await?;
    out.target_group = converge_target_group(ctx, &out.vpc_id).await?;
    let live = if is_planned(&balancer) {
        Vec::new()
    } else {
        listeners(ctx, &balancer).await?
    };
    let on_port = |port: i32| live.iter().find(|l| l.port() == Some(port));
    converge_http_listener(ctx, &name, &balancer, on_port(80)).await?;
    let routes = (out.target_group.as_str(), out.certificate.as_str());
    out.https_listener =
        converge_https_listener(ctx, (&name, &balancer), routes, on_port(443)).await?;
    converge_bucket(ctx, &out.kms_key).await
}

/// The internet-facing balancer in the public subnets, answering its ARN.
async fn converge_load_balancer(
    ctx: &Ctx<'_>,
    out: &Provisioned,
    name: &str,
) -> Result<String, InfraError> {
    if let Some(found) = find_load_balancer(ctx, name).await? {
        return Ok(found.load_balancer_arn().unwrap_or_default().to_string());
    }
    let create = async {
        let created = ctx
            .elb
            .create_load_balancer()
            .name(name)
            .r#type(elb::LoadBalancerTypeEnum::Application)
            .scheme(elb::LoadBalancerSchemeEnum::InternetFacing)
            .ip_address_type(elb::IpAddressType::Ipv4)
            .set_subnets(Some(out.public_subnet_ids.clone()))
            .security_groups(&out.security_groups["lb"])
            .set_tags(Some(elb_tags(ctx.spec, name)))
            .send()
            .await
            .map_err(call_error("CreateLoadBalancer", name))?;
        Ok(created
            .load_balancers()
            .first()
            .and_then(|b| b.load_balancer_arn())
            .unwrap_or_default()
            .to_string())
    };
    let detail = "internet-facing, public subnets, behind the load-balancer group";
    ctx.create(format!("load-balancer {name}"), detail, create)
        .await
}

/// Attributes: deletion protection as the environment says, invalid headers dropped.
async fn converge_balancer_attributes(
    ctx: &Ctx<'_>,
    name: &str,
    balancer: &str,
) -> Result<(), InfraError> {
    let want = [
        (
            "deletion_protection.enabled",
            ctx.spec.deletion_protection.to_string(),
        ),
        (
            "routing.http.drop_invalid_header_fields.enabled",
            "true".to_string(),
        ),
    ];
    let live = if is_planned(balancer) {
        Vec::new()
    } else {
        ctx.elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(balancer)
            .send()
            .await
            .map_err(call_error("DescribeLoadBalancerAttributes", name))?
            .attributes()
            .to_vec()
    };
    let differing: Vec<&(&str, String)> = want
        .iter()
        .filter(|(key, value)| {
            !live
                .iter()
                .any(|a| a.key() == Some(*key) && a.value() == Some(value.as_str()))
        })
        .collect();
    if differing.is_empty() {
        return Ok(());
    }
    let detail: Vec<String> = differing.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let modify = async {
        let attributes = differing
            .iter()
            .map(|(k, v)| {
                elb::LoadBalancerAttribute::builder()
                    .key(*k)
                    .value(v)
                    .build()
            })
            .collect();
        ctx.elb
            .modify_load_balancer_attributes()
            .load_balancer_arn(balancer)
            .set_attributes(Some(attributes))
            .send()
            .await
            .map_err(call_error("ModifyLoadBalancerAttributes", name))?;
        Ok(())
    };
    let resource = format!("load-balancer {name}");
    ctx.change(Action::Update, resource, detail.join(", "), modify)
        .await?;
    Ok(())
}

/// HTTP:80 redirects to HTTPS.
async fn converge_http_listener(
    ctx: &Ctx<'_>,
    name: &str,
    balancer: &str,
    found: Option<&elb::Listener>,
) -> Result<(), InfraError> {
    let redirects = |l: &elb::Listener| {
        l.default_actions().len() == 1
            && l.default_actions()[0].r#type() == Some(&elb::ActionTypeEnum::Redirect)
            && l.default_actions()[0]
                .redirect_config()
                .and_then(|r| r.protocol())
                == Some("HTTPS")
    };
    let live = Live::of(found, |l| match redirects(l) {
        true => Vec::new(),
        false => vec!["redirect to HTTPS (301)".to_string()],
    });
    let arn = found
        .and_then(|l| l.listener_arn())
        .unwrap_or_default()
        .to_string();
    let create = async {
        ctx.elb
            .create_listener()
            .load_balancer_arn(balancer)
            .protocol(elb::ProtocolEnum::Http)
            .port(80)
            .default_actions(redirect_to_https())
            .send()
            .await
            .map_err(call_error("CreateListener", name))?;
        Ok(())
    };
    let update = async {
        ctx.elb
            .modify_listener()
            .listener_arn(&arn)
            .protocol(elb::ProtocolEnum::Http)
            .default_actions(redirect_to_https())
            .send()
            .await
            .map_err(call_error("ModifyListener", &arn))?;
        Ok(())
    };
    let created = ("HTTP, redirect to HTTPS (301)".to_string(), create);
    ctx.converge(format!("listener {name}:80"), live, created, update)
        .await
}

/// HTTPS:443 with the environment's TLS policy and certificate, forwarding to the app
/// (`target_group`); answers the listener's ARN.
async fn converge_https_listener(
    ctx: &Ctx<'_>,
    (name, balancer): (&str, &str),
    (target_group, certificate): (&str, &str),
    found: Option<&elb::Listener>,
) -> Result<String, InfraError> {
    let spec = ctx.spec;
    let Some(listener) = found else {
        let create = async {
            let created = ctx
                .elb
                .create_listener()
                .load_balancer_arn(balancer)
                .protocol(elb::ProtocolEnum::Https)
                .port(443)
                .ssl_policy(&spec.tls_policy)
                .certificates(
                    elb::Certificate::builder()
                        .certificate_arn(certificate)
                        .build(),
                )
                .default_actions(forward_to(target_group))
                .send()
                .await
                .map_err(call_error("CreateListener", name))?;
            Ok(created
                .listeners()
                .first()
                .and_then(|l| l.listener_arn())
                .unwrap_or_default()
                .to_string())
        };
        let detail = format!(
            "HTTPS, {}, forward to {}",
            spec.tls_policy,
            target_group_name(&spec.name)
        );
        return ctx
            .create(format!("listener {name}:443"), detail, create)
            .await;
    };
    let arn = listener.listener_arn().unwrap_or_default().to_string();
    let serving = listener
        .certificates()
        .first()
        .and_then(|c| c.certificate_arn())
        .unwrap_or("none");
    let mut differences = Vec::new();
    if listener.ssl_policy() != Some(spec.tls_policy.as_str()) {
        let policy = listener.ssl_policy().unwrap_or("none");
        differences.push(format!("TLS policy {policy} -> {}", spec.tls_policy));
    }
    if serving != certificate {
        differences.push(format!("certificate {serving} -> {certificate}"));
    }
    if differences.is_empty() {
        return Ok(arn);
    }
    let modify = async {
        ctx.elb
            .modify_listener()
            .listener_arn(&arn)
            .ssl_policy(&spec.tls_policy)
            .certificates(
                elb::Certificate::builder()
                    .certificate_arn(certificate)
                    .build(),
            )
            .send()
            .await
            .map_err(call_error("ModifyListener", &arn))?;
        Ok(())
    };
    let detail = differences.join(", ");
    ctx.change(
        Action::Update,
        format!("listener {name}:443"),
        detail,
        modify,
    )
    .await?;
    Ok(arn)
}

/// A preview's target group and host-header rule on dev's HTTPS listener.
async fn converge_preview(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let number = spec.preview.unwrap_or_default();
    let dev = load_balancer_name(spec.network_owner());
    let Some(balancer) = find_load_balancer(ctx, &dev).await? else {
        return Err(InfraError::Refused(format!(
            "preview {} routes through {dev}, which does not exist: apply {} first",
            spec.name,
            spec.network_owner()
        )));
    };
    let balancer = balancer.load_balancer_arn().unwrap_or_default().to_string();
    out.load_balancer = balancer.clone();
    let Some(https) = listeners(ctx, &balancer)
        .await?
        .into_iter()
        .find(|l| l.port() == Some(443))
    else {
        return Err(InfraError::Refused(format!(
            "{dev} has no HTTPS listener: apply {} first",
            spec.network_owner()
        )));
    };
    let listener = https.listener_arn().unwrap_or_default().to_string();
    out.https_listener = listener.clone();
    let target_group = converge_target_group(ctx, &out.vpc_id).await?;
    out.target_group = target_group.clone();

    let host = preview_host(&spec.name);
    let existing = find_preview_rule(ctx, &listener, &host).await?;
    if existing.is_none() {
        let rule_name = format!("trading-app-{}-rule", spec.name);
        ctx.change(
            Action::Create,
            format!("listener-rule {rule_name}"),
            format!("host {host} on {dev}:443, priority {number}, forward"),
            async {
                ctx.elb
                    .create_rule()
                    .listener_arn(&listener)
                    .priority(number as i32)
                    .conditions(
                        elb::RuleCondition::builder()
                            .field("host-header")
                            .host_header_config(
                                elb::HostHeaderConditionConfig::builder()
                                    .values(&host)
                                    .build(),
                            )
                            .build(),
                    )
                    .actions(forward_to(&target_group))
                    .set_tags(Some(elb_tags(spec, &rule_name)))
                    .send()
                    .await
                    .map_err(call_error("CreateRule", &rule_name))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

/// The rule on `listener` that routes `host`, if any.
pub(crate) async fn find_preview_rule(
    ctx: &Ctx<'_>,
    listener: &str,
    host: &str,
) -> Result<Option<String>, InfraError> {
    if is_planned(listener) {
        return Ok(None);
    }
    let rules = ctx
        .elb
        .describe_rules()
        .listener_arn(listener)
        .send()
        .await
        .map_err(call_error("DescribeRules", listener))?;
    Ok(rules
        .rules()
        .iter()
        .find(|r| {
            r.conditions().iter().any(|c| {
                c.host_header_config()
                    .map(|h| h.values())
                    .unwrap_or(c.values())
                    .iter()
                    .any(|v| v == host)
            })
        })
        .and_then(|r| r.rule_arn())
        .map(str::to_string))
}

/// The data bucket: SSE-KMS with the environment's key, versioned, every public access
/// blocked, owner-enforced.
async fn converge_bucket(ctx: &Ctx<'_>, kms_key: &str) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let bucket = bucket_name(&spec.name, &ctx.account);
    let tags = spec
        .tags(&bucket)
        .into_iter()
        .filter(|(k, _)| *k != "Name")
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::bucket::converge(
        &ctx.s3,
        ctx.recorder(),
        &crate::bucket::SecureBucket {
            name: &bucket,
            region: &spec.region,
            tags,
            tls_only: false,
            expire: Vec::new(),
            kms_key: (!kms_key.is_empty()).then(|| kms_key.to_string()),
        },
    )
    .await
}

/// Removes the edge: for a preview its rule and target group on dev's listener; for a full
/// environment the load balancer (its listeners go with it; deletion protection is lifted only
/// after the caller's confirmation), the app's target group, and the data bucket if it is empty.
/// A bucket that holds objects is kept and said: its data is never deleted by `destroy`.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let spec = ctx.spec;
    let owner_lb = load_balancer_name(spec.network_owner());
    let balancer = find_load_balancer(ctx, &owner_lb).await?;
    if spec.preview.is_some() {
        if let Some(balancer) = &balancer {
            let arn = balancer.load_balancer_arn().unwrap_or_default();
            let host = preview_host(&spec.name);
            for listener in listeners(ctx, arn).await? {
                let listener = listener.listener_arn().unwrap_or_default();
                if let Some(rule) = find_preview_rule(ctx, listener, &host).await? {
                    ctx.change(
                        Action::Delete,
                        format!("listener-rule trading-app-{}-rule", spec.name),
                        format!("host {host} on {owner_lb}"),
                        async {
                            ctx.elb
                                .delete_rule()
                                .rule_arn(&rule)
                                .send()
                                .await
                                .map_err(call_error("DeleteRule", &rule))?;
                            Ok(())
                        },
                    )
                    .await?;
                }
            }
        }
    } else if let Some(balancer) = &balancer {
        let arn = balancer.load_balancer_arn().unwrap_or_default().to_string();
        let protected = ctx
            .elb
            .describe_load_balancer_attributes()
            .load_balancer_arn(&arn)
            .send()
            .await
            .map_err(call_error("DescribeLoadBalancerAttributes", &owner_lb))?
            .attributes()
            .iter()
            .any(|a| a.key() == Some("deletion_protection.enabled") && a.value() == Some("true"));
        let detail = if protected {
            format!("{}; its listeners with it", crate::LIFTS_PROTECTION)
        } else {
            "its listeners with it".to_string()
        };
        ctx.change(
            Action::Delete,
            format!("load-balancer {owner_lb}"),
            detail,
            async {
                if protected {
                    ctx.elb
                        .modify_load_balancer_attributes()
                        .load_balancer_arn(&arn)
                        .attributes(
                            elb::LoadBalancerAttribute::builder()
                                .key("deletion_protection.enabled")
                                .value("false")
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(call_error("ModifyLoadBalancerAttributes", &owner_lb))?;
                }
                ctx.elb
                    .delete_load_balancer()
                    .load_balancer_arn(&arn)
                    .send()
                    .await
                    .map_err(call_error("DeleteLoadBalancer", &owner_lb))?;
                Ok(())
            },
        )
        .await?;
    }
    let group = target_group_name(&spec.name);
    if let Some(found) = find_target_group(ctx, &group).await? {
        let arn = found.target_group_arn().unwrap_or_default().to_string();
        ctx.change(Action::Delete, format!("target-group {group}"), "", async {
            ctx.elb
                .delete_target_group()
                .target_group_arn(&arn)
                .send()
                .await
                .map_err(call_error("DeleteTargetGroup", &group))?;
            Ok(())
        })
        .await?;
    }
    if spec.preview.is_none() {
        destroy_bucket(ctx).await?;
    }
    Ok(())
}

async fn destroy_bucket(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let bucket = bucket_name(&ctx.spec.name, &ctx.account);
    crate::bucket::remove_if_empty(&ctx.s3, ctx.recorder(), &bucket).await
}

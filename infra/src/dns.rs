//! The environment's DNS: a public hosted zone `<env>.trading.example.com` per full
//! environment, with an alias A record at its apex to the environment's load balancer; a
//! preview gets its own record, `pr-<n>.dev.trading.example.com`, aliased to dev's load
//! balancer in dev's zone, and loses it on destroy. The zone also holds the CNAME records ACM
//! validates the environment's certificate by. Destroy removes a full environment's
//! records, then its zone, before its load balancer goes, so no record is ever left dangling.

use aws_sdk_route53::types as r53;

use crate::edge::{find_load_balancer, load_balancer_name, preview_host};
use crate::{call_error, is_planned, refused, Action, Ctx, InfraError, Live};

/// The domain the reference platform's zones sit under.
pub const DOMAIN: &str = "trading.example.com";

/// The hosted zone of `env` (a full environment).
pub fn zone_domain(env: &str) -> String {
    format!("{env}.{DOMAIN}")
}

/// The name the environment answers on: its zone's apex, or a preview's host in dev's zone.
fn record_name(ctx: &Ctx<'_>) -> String {
    match ctx.spec.preview {
        Some(_) => preview_host(&ctx.spec.name),
        None => zone_domain(&ctx.spec.name),
    }
}

/// `name` as Route 53 writes it: with the trailing dot.
fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// The hosted zone for `domain`, if any: its id.
async fn find_zone(ctx: &Ctx<'_>, domain: &str) -> Result<Option<String>, InfraError> {
    let found = ctx
        .route53
        .list_hosted_zones_by_name()
        .dns_name(domain)
        .max_items(1)
        .send()
        .await
        .map_err(call_error("ListHostedZonesByName", domain))?;
    Ok(found
        .hosted_zones()
        .iter()
        .find(|z| z.name() == fqdn(domain))
        .map(|z| z.id().to_string()))
}

/// The record set `name` of type `kind` in `zone`, if any (none in a zone a plan would make).
async fn find_record(
    ctx: &Ctx<'_>,
    zone: &str,
    name: &str,
    kind: r53::RrType,
) -> Result<Option<r53::ResourceRecordSet>, InfraError> {
    if is_planned(zone) {
        return Ok(None);
    }
    let found = ctx
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(fqdn(name))
        .start_record_type(kind.clone())
        .max_items(1)
        .send()
        .await
        .map_err(call_error("ListResourceRecordSets", name))?;
    Ok(found
        .resource_record_sets()
        .iter()
        .find(|r| r.name() == fqdn(name) && r.r#type() == &kind)
        .cloned())
}

/// A full environment's hosted zone, created when missing: its id (a placeholder in a plan).
pub(crate) async fn converge_zone(ctx: &Ctx<'_>) -> Result<String, InfraError> {
    let domain = zone_domain(&ctx.spec.name);
    match find_zone(ctx, &domain).await? {
        Some(zone) => Ok(zone),
        None => create_zone(ctx, &domain).await,
    }
}

/// The CNAME record `name` in `zone` holding exactly `value` (TTL 300), made or corrected.
pub(crate) async fn upsert_record(
    ctx: &Ctx<'_>,
    zone: &str,
    name: &str,
    value: r53::ResourceRecord,
) -> Result<(), InfraError> {
    let current = find_record(ctx, zone, name, r53::RrType::Cname).await?;
    let wanted = value.value().to_string();
    let live = Live::of(current.as_ref(), |r| {
        let values: Vec<&str> = r.resource_records().iter().map(|v| v.value()).collect();
        if values == [wanted.as_str()] {
            vec![]
        } else {
            vec![format!("CNAME to {wanted}")]
        }
    });
    let record = r53::ResourceRecordSet::builder()
        .name(fqdn(name))
        .r#type(r53::RrType::Cname)
        .ttl(300)
        .resource_records(value)
        .build()
        .map_err(refused)?;
    let upsert = || change(ctx, zone, r53::ChangeAction::Upsert, record.clone());
    let resource = format!("dns-record {} CNAME", name.trim_end_matches('.'));
    let detail = format!("CNAME to {wanted}");
    ctx.converge(resource, live, (detail, upsert()), upsert())
        .await
}

/// The environment's alias record to its load balancer, in its own zone (`zone`, made by
/// [`converge_zone`]) or, for a preview, in dev's.
pub(crate) async fn converge(ctx: &Ctx<'_>, zone: Option<String>) -> Result<(), InfraError> {
    let zone_domain = zone_domain(ctx.spec.network_owner());
    let zone = match zone {
        Some(zone) => zone,
        None => find_zone(ctx, &zone_domain).await?.ok_or_else(|| {
            InfraError::Refused(format!(
                "dev's hosted zone {zone_domain} does not exist: apply dev first"
            ))
        })?,
    };
    let name = record_name(ctx);
    let balancer_name = load_balancer_name(ctx.spec.network_owner());
    let Some(balancer) = find_load_balancer(ctx, &balancer_name).await? else {
        // Only a plan gets here: an apply made the load balancer first.
        let missing = async {
            Err(InfraError::Refused(format!(
                "{balancer_name} does not exist"
            )))
        };
        let detail = format!("alias A to {balancer_name}");
        let resource = format!("dns-record {name}");
        return ctx
            .converge(resource, Live::Missing, (detail, missing), async { Ok(()) })
            .await;
    };
    let target = r53::AliasTarget::builder()
        .dns_name(fqdn(
            &balancer.dns_name().unwrap_or_default().to_ascii_lowercase(),
        ))
        .hosted_zone_id(balancer.canonical_hosted_zone_id().unwrap_or_default())
        .evaluate_target_health(false)
        .build()
        .map_err(refused)?;
    upsert_alias(ctx, &zone, &name, target).await
}

/// The alias A record `name` in `zone` to `target`, made or brought back to it.
pub(crate) async fn upsert_alias(
    ctx: &Ctx<'_>,
    zone: &str,
    name: &str,
    target: r53::AliasTarget,
) -> Result<(), InfraError> {
    let current = find_record(ctx, zone, name, r53::RrType::A).await?;
    let live = Live::of(current.as_ref(), |r| match r.alias_target() {
        Some(a) if a.dns_name().eq_ignore_ascii_case(target.dns_name()) => vec![],
        _ => vec![format!("alias to {}", target.dns_name())],
    });
    let detail = format!("alias A to {}", target.dns_name());
    let record = r53::ResourceRecordSet::builder()
        .name(fqdn(name))
        .r#type(r53::RrType::A)
        .alias_target(target)
        .build()
        .map_err(refused)?;
    let upsert = || change(ctx, zone, r53::ChangeAction::Upsert, record.clone());
    ctx.converge(
        format!("dns-record {name}"),
        live,
        (detail, upsert()),
        upsert(),
    )
    .await
}

async fn create_zone(ctx: &Ctx<'_>, domain: &str) -> Result<String, InfraError> {
    let create = async {
        // A caller reference is single-use, even after the zone is deleted.
        let reference = format!("{domain}-{}", scanner::clock::epoch_nanos());
        let created = ctx
            .route53
            .create_hosted_zone()
            .name(domain)
            .caller_reference(reference)
            .send()
            .await
            .map_err(call_error("CreateHostedZone", domain))?;
        let id = created
            .hosted_zone()
            .map(|z| z.id().to_string())
            .unwrap_or_default();
        let tags: Vec<r53::Tag> = ctx
            .spec
            .tags(domain)
            .into_iter()
            .map(|(k, v)| r53::Tag::builder().key(k).value(v).build())
            .collect();
        ctx.route53
            .change_tags_for_resource()
            .resource_type(r53::TagResourceType::Hostedzone)
            .resource_id(id.rsplit('/').next().unwrap_or(&id))
            .set_add_tags(Some(tags))
            .send()
            .await
            .map_err(call_error("ChangeTagsForResource", domain))?;
        Ok(id)
    };
    ctx.create(format!("dns-zone {domain}"), "public, tagged", create)
        .await
}

async fn change(
    ctx: &Ctx<'_>,
    zone: &str,
    action: r53::ChangeAction,
    record: r53::ResourceRecordSet,
) -> Result<(), InfraError> {
    let name = record.name().to_string();
    let change = r53::Change::builder()
        .action(action)
        .resource_record_set(record)
        .build()
        .map_err(refused)?;
    let batch = r53::ChangeBatch::builder()
        .changes(change)
        .build()
        .map_err(refused)?;
    ctx.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await
        .map_err(call_error("ChangeResourceRecordSets", &name))?;
    Ok(())
}

/// Removes the preview's record, or a full environment's records and then its zone.
pub(crate) async fn destroy(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let zone_domain = zone_domain(ctx.spec.network_owner());
    let Some(zone) = find_zone(ctx, &zone_domain).await? else {
        return Ok(());
    };
    if ctx.spec.preview.is_some() {
        let name = record_name(ctx);
        if let Some(record) = find_record(ctx, &zone, &name, r53::RrType::A).await? {
            let delete = change(ctx, &zone, r53::ChangeAction::Delete, record);
            ctx.change(Action::Delete, format!("dns-record {name}"), "", delete)
                .await?;
        }
        return Ok(());
    }
    let listed = ctx
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .map_err(call_error("ListResourceRecordSets", &zone_domain))?;
    let apex = fqdn(&zone_domain);
    for record in listed.resource_record_sets() {
        let own =
            record.name() == apex && matches!(record.r#type(), r53::RrType::Soa | r53::RrType::Ns);
        if !own {
            let delete = change(ctx, &zone, r53::ChangeAction::Delete, record.clone());
            let name = format!(
                "dns-record {} {}",
                record.name().trim_end_matches('.'),
                record.r#type().as_str()
            );
            ctx.change(Action::Delete, name, "", delete).await?;
        }
    }
    let delete_zone = async {
        ctx.route53
            .delete_hosted_zone()
            .id(&zone)
            .send()
            .await
            .map_err(call_error("DeleteHostedZone", &zone_domain))?;
        Ok(())
    };
    ctx.change(
        Action::Delete,
        format!("dns-zone {zone_domain}"),
        "",
        delete_zone,
    )
    .await?;
    Ok(())
}

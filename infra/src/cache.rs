//! ElastiCache Redis: the cache subnet group over the private subnets, the AUTH token and the
//! replication group, encrypted in transit and at rest, with failover and Multi-AZ where the
//! environment has them. Previews use dev's.
//!
//! The AUTH token is made by Secrets Manager (`GetRandomPassword`) and kept there as
//! `<env>/redis-auth`; it is handed to ElastiCache when the group is created and never printed,
//! recorded or read back (`GetSecretValue` is never called).

use aws_sdk_elasticache::types as ec;

use crate::{call_error, Action, CacheSpec, Ctx, InfraError, Live, Provisioned};

/// The replication group's id for `env`.
pub(crate) fn group_id(env: &str) -> String {
    format!("redis-{env}")
}

/// The cache subnet group's name for `env`.
pub(crate) fn subnet_group_name(env: &str) -> String {
    format!("redis-subnets-{env}")
}

/// The secret holding the AUTH token of `env`'s group.
pub(crate) fn auth_secret_name(env: &str) -> String {
    format!("{env}/redis-auth")
}

/// The replication group, unless it is being deleted (which ElastiCache keeps listing).
pub(crate) async fn find_group(
    ctx: &Ctx<'_>,
    id: &str,
) -> Result<Option<ec::ReplicationGroup>, InfraError> {
    let found = ctx
        .elasticache
        .describe_replication_groups()
        .replication_group_id(id)
        .send()
        .await;
    match found {
        Ok(found) => Ok(found
            .replication_groups()
            .iter()
            .find(|g| g.status() != Some("deleting"))
            .cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_replication_group_not_found_fault()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeReplicationGroups", id)(e)),
    }
}

/// Whether the cache subnet group exists.
pub(crate) async fn subnet_group_exists(ctx: &Ctx<'_>, name: &str) -> Result<bool, InfraError> {
    let found = ctx
        .elasticache
        .describe_cache_subnet_groups()
        .cache_subnet_group_name(name)
        .send()
        .await;
    match found {
        Ok(found) => Ok(!found.cache_subnet_groups().is_empty()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_cache_subnet_group_not_found_fault()) =>
        {
            Ok(false)
        }
        Err(e) => Err(call_error("DescribeCacheSubnetGroups", name)(e)),
    }
}

fn tags(ctx: &Ctx<'_>, name: &str) -> Vec<ec::Tag> {
    ctx.spec
        .tags(name)
        .into_iter()
        .map(|(k, v)| ec::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Converges the subnet group and the replication group of a full environment.
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    let Some(cache) = &ctx.spec.cache else {
        return Ok(());
    };
    let subnet_group = converge_subnet_group(ctx, out).await?;
    out.cache = group_id(&ctx.spec.name);
    converge_group(ctx, out, cache, &subnet_group).await
}

/// The cache subnet group over the private subnets, answering its name.
async fn converge_subnet_group(ctx: &Ctx<'_>, out: &Provisioned) -> Result<String, InfraError> {
    let env = ctx.spec.name.as_str();
    let name = subnet_group_name(env);
    if subnet_group_exists(ctx, &name).await? {
        return Ok(name);
    }
    let create = async {
        ctx.elasticache
            .create_cache_subnet_group()
            .cache_subnet_group_name(&name)
            .cache_subnet_group_description(format!("Redis private subnets of {env}"))
            .set_subnet_ids(Some(out.private_subnet_ids.clone()))
            .set_tags(Some(tags(ctx, &name)))
            .send()
            .await
            .map_err(call_error("CreateCacheSubnetGroup", &name))?;
        Ok(())
    };
    let resource = format!("cache-subnet-group {name}");
    ctx.change(Action::Create, resource, "the private subnets", create)
        .await?;
    Ok(name)
}

/// The replication group: created with a fresh AUTH token; node type, failover, Multi-AZ and
/// snapshot retention brought in line. Encryption cannot be turned on in place: refused.
async fn converge_group(
    ctx: &Ctx<'_>,
    out: &Provisioned,
    cache: &CacheSpec,
    subnet_group: &str,
) -> Result<(), InfraError> {
    let id = &out.cache;
    let current = find_group(ctx, id).await?;
    if let Some(live) = &current {
        let encrypted = live.transit_encryption_enabled() == Some(true)
            && live.at_rest_encryption_enabled() == Some(true);
        if !encrypted {
            return Err(InfraError::Refused(format!(
                "{id} is not encrypted in transit and at rest, which cannot be turned on in place: create an encrypted group from a snapshot"
            )));
        }
        // The at-rest key is set only at creation
        // (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html).
        if live.kms_key_id() != Some(out.kms_key.as_str()) {
            return Err(crate::refused(format!(
                "{id} is encrypted at rest with {} rather than {}, which cannot be changed in place: create a group from a snapshot with that key",
                live.kms_key_id().unwrap_or("ElastiCache's default key"),
                out.kms_key
            )));
        }
    }
    let live = Live::of(current.as_ref(), |live| group_differences(live, cache));
    let create = async {
        let token = new_auth_token(ctx, &out.kms_key).await?;
        create_group(ctx, out, cache, subnet_group, &token).await
    };
    let update = async {
        ctx.elasticache
            .modify_replication_group()
            .replication_group_id(id)
            .cache_node_type(&cache.node_type)
            .automatic_failover_enabled(cache.failover)
            .multi_az_enabled(cache.failover)
            .snapshot_retention_limit(cache.snapshot_days)
            .apply_immediately(true)
            .send()
            .await
            .map_err(call_error("ModifyReplicationGroup", id))?;
        Ok(())
    };
    let detail = format!(
        "redis, {} with {} replica(s), encrypted in transit and at rest (with {}), AUTH token in {}",
        cache.node_type,
        cache.replicas,
        crate::keys::alias_name(&ctx.spec.name),
        auth_secret_name(&ctx.spec.name)
    );
    let resource = format!("cache-replication-group {id}");
    ctx.converge(resource, live, (detail, create), update).await
}

/// How the live group differs from the spec.
fn group_differences(live: &ec::ReplicationGroup, cache: &CacheSpec) -> Vec<String> {
    let mut differences = Vec::new();
    if live.cache_node_type() != Some(cache.node_type.as_str()) {
        differences.push(format!(
            "node type {} -> {}",
            live.cache_node_type().unwrap_or("none"),
            cache.node_type
        ));
    }
    let wanted = if cache.failover {
        "enabled"
    } else {
        "disabled"
    };
    let failover = live.automatic_failover().map(|f| f.as_str());
    if failover != Some(wanted) {
        differences.push(format!("automatic failover -> {wanted}"));
    }
    if live.multi_az().map(|m| m.as_str()) != Some(wanted) {
        differences.push(format!("Multi-AZ -> {wanted}"));
    }
    if live.snapshot_retention_limit() != Some(cache.snapshot_days) {
        differences.push(format!(
            "snapshot retention {:?} -> {}",
            live.snapshot_retention_limit(),
            cache.snapshot_days
        ));
    }
    differences
}

async fn create_group(
    ctx: &Ctx<'_>,
    out: &Provisioned,
    cache: &CacheSpec,
    subnet_group: &str,
    token: &str,
) -> Result<(), InfraError> {
    let id = &out.cache;
    ctx.elasticache
        .create_replication_group()
        .replication_group_id(id)
        .replication_group_description(format!("Redis of {}", ctx.spec.name))
        .engine("redis")
        .cache_node_type(&cache.node_type)
        // One node group (cluster mode disabled: NumNodeGroups 1) and its replicas
        // (https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html).
        .num_node_groups(1)
        .replicas_per_node_group(cache.replicas)
        .automatic_failover_enabled(cache.failover)
        .multi_az_enabled(cache.failover)
        .transit_encryption_enabled(true)
        .at_rest_encryption_enabled(true)
        .kms_key_id(&out.kms_key)
        .auth_token(token)
        .snapshot_retention_limit(cache.snapshot_days)
        .cache_subnet_group_name(subnet_group)
        .security_group_ids(&out.security_groups["cache"])
        .set_tags(Some(tags(ctx, id)))
        .send()
        .await
        .map_err(call_error("CreateReplicationGroup", id))?;
    Ok(())
}

/// A new AUTH token, made by Secrets Manager and stored as the environment's `redis-auth`
/// secret (a new version when the secret exists; restored first when it is scheduled for
/// deletion). Redis AUTH tokens take printable characters other than `@`, `"` and `/`: no
/// punctuation at all, 64 characters. The secret is encrypted with `kms_key`.
async fn new_auth_token(ctx: &Ctx<'_>, kms_key: &str) -> Result<String, InfraError> {
    let name = auth_secret_name(&ctx.spec.name);
    let token = ctx
        .secrets
        .get_random_password()
        .password_length(64)
        .exclude_punctuation(true)
        .send()
        .await
        .map_err(call_error("GetRandomPassword", &name))?
        .random_password
        .ok_or_else(|| InfraError::Refused("GetRandomPassword answered no password".into()))?;
    match crate::secrets::find_secret(ctx, &name).await? {
        None => {
            let secret = crate::secrets::NewSecret {
                name: &name,
                description: "Redis AUTH token",
                kms_key,
            };
            crate::secrets::create_secret(ctx, secret, &token).await?
        }
        Some(found) => {
            if found.deleted_date().is_some() {
                crate::secrets::restore_secret(ctx, &name).await?;
            }
            if found.kms_key_id() != Some(kms_key) {
                crate::secrets::encrypt_with(ctx, &name, kms_key).await?;
            }
            crate::secrets::put_secret_value(ctx, &name, &token).await?;
        }
    }
    Ok(token)
}

/// Removes the replication group (with a final snapshot unless `--skip-final-snapshot`), its
/// subnet group, and schedules its AUTH token's secret for deletion with the recovery window.
pub(crate) async fn destroy(
    ctx: &Ctx<'_>,
    options: &crate::DestroyOptions,
) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let id = group_id(env);
    if find_group(ctx, &id).await?.is_some() {
        let snapshot = options.final_snapshot_of(&id);
        let detail = match &snapshot {
            Some(name) => format!("final snapshot {name}"),
            None => "NO final snapshot (--skip-final-snapshot): its data is lost".into(),
        };
        let delete = async {
            ctx.elasticache
                .delete_replication_group()
                .replication_group_id(&id)
                .set_final_snapshot_identifier(snapshot.clone())
                .send()
                .await
                .map_err(call_error("DeleteReplicationGroup", &id))?;
            Ok(())
        };
        let resource = format!("cache-replication-group {id}");
        ctx.change(Action::Delete, resource, detail, delete).await?;
    }
    destroy_subnet_group(ctx).await?;
    let secret = auth_secret_name(env);
    if let Some(found) = crate::secrets::find_secret(ctx, &secret).await? {
        if found.deleted_date().is_none() {
            let detail = format!(
                "deletion scheduled in {} days (restorable until then)",
                crate::secrets::RECOVERY_WINDOW_DAYS
            );
            let delete = crate::secrets::schedule_deletion(ctx, &secret);
            ctx.change(Action::Delete, format!("secret {secret}"), detail, delete)
                .await?;
        }
    }
    Ok(())
}

/// The cache subnet group; kept and said while a group being deleted still uses it (AWS
/// answers `CacheSubnetGroupInUse` until the deletion is done).
async fn destroy_subnet_group(ctx: &Ctx<'_>) -> Result<(), InfraError> {
    let name = subnet_group_name(&ctx.spec.name);
    if !subnet_group_exists(ctx, &name).await? {
        return Ok(());
    }
    let resource = format!("cache-subnet-group {name}");
    let deleted = ctx
        .elasticache
        .delete_cache_subnet_group()
        .cache_subnet_group_name(&name)
        .send();
    let delete = async {
        match deleted.await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_cache_subnet_group_in_use()) =>
            {
                Ok(false)
            }
            Err(e) => Err(call_error("DeleteCacheSubnetGroup", &name)(e)),
        }
    };
    let gone = ctx.change(Action::Delete, &resource, "", delete).await?;
    if gone == Some(false) {
        let why = "in use while its replication group is deleted: run destroy again to remove it";
        ctx.change(Action::Keep, resource, why, async { Ok(()) })
            .await?;
    }
    Ok(())
}

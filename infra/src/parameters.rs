//! The SSM hierarchy: `/shared/*` (created once, never overwritten: other environments share
//! it), `/<env>/*` tuning, and `/<env>/network/*` ids for other tools.

use std::collections::BTreeMap;

use aws_sdk_ssm::types::{ParameterType, Tag};

use crate::{call_error, is_planned, Action, Ctx, InfraError, Provisioned};

/// The values of `/shared/*`, the same in every environment.
pub const SHARED_PARAMETERS: [(&str, &str); 3] = [
    ("/shared/app-name", "trading-app"),
    ("/shared/app-version", "1.4.2"),
    ("/shared/log-level", "info"),
];

/// The environment's own parameters: name -> (value, type).
pub(crate) fn own_parameters(
    ctx: &Ctx<'_>,
    out: &Provisioned,
) -> BTreeMap<String, (String, ParameterType)> {
    let env = &ctx.spec.name;
    let mut wanted: BTreeMap<String, (String, ParameterType)> = ctx
        .spec
        .tuning
        .iter()
        .map(|(key, value)| {
            (
                format!("/{env}/{key}"),
                (value.to_string(), ParameterType::String),
            )
        })
        .collect();
    wanted.insert(
        format!("/{env}/network/vpc-id"),
        (out.vpc_id.clone(), ParameterType::String),
    );
    wanted.insert(
        format!("/{env}/network/subnet-ids"),
        (out.private_subnet_ids.join(","), ParameterType::StringList),
    );
    wanted
}

/// Current values of `names` (absent ones are missing from the map).
async fn current(ctx: &Ctx<'_>, names: &[&str]) -> Result<BTreeMap<String, String>, InfraError> {
    let mut values = BTreeMap::new();
    // GetParameters takes at most 10 names.
    for batch in names.chunks(10) {
        let found = ctx
            .ssm
            .get_parameters()
            .set_names(Some(batch.iter().map(|n| n.to_string()).collect()))
            .send()
            .await
            .map_err(call_error(
                "GetParameters",
                batch.first().copied().unwrap_or_default(),
            ))?;
        for p in found.parameters() {
            if let (Some(name), Some(value)) = (p.name(), p.value()) {
                values.insert(name.to_string(), value.to_string());
            }
        }
    }
    Ok(values)
}

/// Converges the parameters: puts only what is missing or different.
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &Provisioned) -> Result<(), InfraError> {
    let shared: Vec<&str> = SHARED_PARAMETERS.iter().map(|(n, _)| *n).collect();
    let existing_shared = current(ctx, &shared).await?;
    for (name, value) in SHARED_PARAMETERS {
        if !existing_shared.contains_key(name) {
            put(
                ctx,
                Action::Create,
                name,
                value,
                ParameterType::String,
                false,
            )
            .await?;
        }
    }
    let wanted = own_parameters(ctx, out);
    let names: Vec<&str> = wanted.keys().map(String::as_str).collect();
    let existing = current(ctx, &names).await?;
    for (name, (value, kind)) in &wanted {
        if is_planned(value) || value.split(',').any(is_planned) {
            put(ctx, Action::Create, name, value, kind.clone(), true).await?;
            continue;
        }
        match existing.get(name) {
            None => put(ctx, Action::Create, name, value, kind.clone(), true).await?,
            Some(live) if live != value => {
                put(ctx, Action::Update, name, value, kind.clone(), true).await?
            }
            Some(_) => {}
        }
    }
    Ok(())
}

async fn put(
    ctx: &Ctx<'_>,
    action: Action,
    name: &str,
    value: &str,
    kind: ParameterType,
    overwrite: bool,
) -> Result<(), InfraError> {
    let tags: Vec<Tag> = ctx
        .spec
        .tags(name)
        .into_iter()
        .filter(|(k, _)| *k != "Name")
        .filter_map(|(k, v)| Tag::builder().key(k).value(v).build().ok())
        .collect();
    let shown = if action == Action::Update {
        format!("value -> {value}")
    } else {
        value.to_string()
    };
    ctx.change(action, format!("ssm-parameter {name}"), shown, async {
        let request = ctx.ssm.put_parameter().name(name).value(value).r#type(kind);
        // PutParameter takes tags only on creation (not with Overwrite).
        let request = if action == Action::Create && !name.starts_with("/shared/") {
            request.set_tags(Some(tags))
        } else {
            request.overwrite(overwrite)
        };
        request
            .send()
            .await
            .map_err(call_error("PutParameter", name))?;
        Ok(())
    })
    .await?;
    Ok(())
}

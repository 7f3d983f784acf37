//! Security groups and their ingress rules: the load balancer's (80 and 443 from anywhere), the
//! app's (the container port from the load balancer only), the database's (5432 from the app
//! only) and the cache's (6379 from the app only). Rules are converged both ways: missing ones
//! are authorized, extra ones (a port opened by hand) revoked.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types as ec2;

use crate::{
    call_error, ec2_tags, filter, is_planned, Action, Ctx, InfraError, Provisioned, APP_PORT,
};

/// Who a rule admits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Peer {
    /// An IPv4 range.
    Cidr(String),
    /// Another security group, by id.
    Group(String),
}

/// One ingress rule, as compared (descriptions are not).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rule {
    pub(crate) protocol: String,
    pub(crate) from_port: i32,
    pub(crate) to_port: i32,
    pub(crate) peer: Peer,
}

impl Rule {
    fn tcp(port: i32, peer: Peer) -> Self {
        Rule {
            protocol: "tcp".into(),
            from_port: port,
            to_port: port,
            peer,
        }
    }

    fn describe(&self) -> String {
        let ports = if self.from_port == self.to_port {
            self.from_port.to_string()
        } else {
            format!("{}-{}", self.from_port, self.to_port)
        };
        let peer = match &self.peer {
            Peer::Cidr(cidr) => cidr.clone(),
            Peer::Group(id) => id.clone(),
        };
        format!("{} {ports} from {peer}", self.protocol)
    }

    fn permission(&self, description: Option<&str>) -> ec2::IpPermission {
        let builder = ec2::IpPermission::builder()
            .ip_protocol(&self.protocol)
            .from_port(self.from_port)
            .to_port(self.to_port);
        match &self.peer {
            Peer::Cidr(cidr) => builder
                .ip_ranges(
                    ec2::IpRange::builder()
                        .cidr_ip(cidr)
                        .set_description(description.map(str::to_string))
                        .build(),
                )
                .build(),
            Peer::Group(id) => builder
                .user_id_group_pairs(
                    ec2::UserIdGroupPair::builder()
                        .group_id(id)
                        .set_description(description.map(str::to_string))
                        .build(),
                )
                .build(),
        }
    }
}

/// The rules a group has, flattened to one peer each.
pub(crate) fn rules_of(permissions: &[ec2::IpPermission]) -> BTreeSet<Rule> {
    let mut rules = BTreeSet::new();
    for p in permissions {
        let protocol = p.ip_protocol().unwrap_or("-1").to_string();
        let (from, to) = (p.from_port().unwrap_or(-1), p.to_port().unwrap_or(-1));
        let rule = |peer| Rule {
            protocol: protocol.clone(),
            from_port: from,
            to_port: to,
            peer,
        };
        for range in p.ip_ranges() {
            if let Some(cidr) = range.cidr_ip() {
                rules.insert(rule(Peer::Cidr(cidr.to_string())));
            }
        }
        for range in p.ipv6_ranges() {
            if let Some(cidr) = range.cidr_ipv6() {
                rules.insert(rule(Peer::Cidr(cidr.to_string())));
            }
        }
        for pair in p.user_id_group_pairs() {
            if let Some(id) = pair.group_id() {
                rules.insert(rule(Peer::Group(id.to_string())));
            }
        }
    }
    rules
}

/// A group by name in a VPC: (id, its ingress rules).
pub(crate) async fn find_group(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    name: &str,
) -> Result<Option<(String, BTreeSet<Rule>)>, InfraError> {
    if is_planned(vpc_id) {
        return Ok(None);
    }
    let found = ctx
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("group-name", name))
        .send()
        .await
        .map_err(call_error("DescribeSecurityGroups", name))?;
    Ok(found.security_groups().first().map(|g| {
        (
            g.group_id().unwrap_or_default().to_string(),
            rules_of(g.ip_permissions()),
        )
    }))
}

/// Converges the environment's groups (a preview has only its app group, admitting dev's load
/// balancer).
pub(crate) async fn converge(ctx: &Ctx<'_>, out: &mut Provisioned) -> Result<(), InfraError> {
    let env = ctx.spec.name.as_str();
    let vpc_id = out.vpc_id.clone();
    let mut ids: BTreeMap<&'static str, String> = BTreeMap::new();
    let lb = if ctx.spec.preview.is_some() {
        let owner = ctx.spec.network_owner();
        find_group(ctx, &vpc_id, &format!("lb-{owner}"))
            .await?
            .map(|(id, _)| id)
            .ok_or_else(|| {
                InfraError::Refused(format!(
                    "{owner}'s lb-{owner} group is missing: apply {owner} first"
                ))
            })?
    } else {
        let lb = group(
            ctx,
            &vpc_id,
            &format!("lb-{env}"),
            "Load balancer: HTTP and HTTPS from anywhere",
            &[
                (Rule::tcp(80, Peer::Cidr("0.0.0.0/0".into())), "HTTP"),
                (Rule::tcp(443, Peer::Cidr("0.0.0.0/0".into())), "HTTPS"),
            ],
        )
        .await?;
        ids.insert("lb", lb.clone());
        lb
    };
    let app = group(
        ctx,
        &vpc_id,
        &format!("app-{env}"),
        "Trading app tasks: container port from the load balancer",
        &[(
            Rule::tcp(APP_PORT, Peer::Group(lb)),
            "from the load balancer",
        )],
    )
    .await?;
    ids.insert("app", app.clone());
    if ctx.spec.preview.is_none() {
        let db = group(
            ctx,
            &vpc_id,
            &format!("db-{env}"),
            "Aurora: PostgreSQL from the app only",
            &[(Rule::tcp(5432, Peer::Group(app.clone())), "from the app")],
        )
        .await?;
        ids.insert("db", db);
        let cache = group(
            ctx,
            &vpc_id,
            &format!("cache-{env}"),
            "Redis: 6379 from the app only",
            &[(Rule::tcp(6379, Peer::Group(app)), "from the app")],
        )
        .await?;
        ids.insert("cache", cache);
    }
    out.security_groups = ids;
    Ok(())
}

/// One group with exactly `rules` as ingress; answers its id.
async fn group(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    name: &str,
    description: &str,
    rules: &[(Rule, &str)],
) -> Result<String, InfraError> {
    let resource = format!("security-group {name}");
    let (id, current) = match find_group(ctx, vpc_id, name).await? {
        Some(found) => found,
        None => {
            let id = ctx
                .create(resource.clone(), description, async {
                    let group = ctx
                        .ec2
                        .create_security_group()
                        .group_name(name)
                        .description(description)
                        .vpc_id(vpc_id)
                        .tag_specifications(ec2_tags(
                            ctx.spec,
                            ec2::ResourceType::SecurityGroup,
                            name,
                        ))
                        .send()
                        .await
                        .map_err(call_error("CreateSecurityGroup", name))?;
                    Ok(group.group_id().unwrap_or_default().to_string())
                })
                .await?;
            (id, BTreeSet::new())
        }
    };
    let wanted: BTreeSet<&Rule> = rules.iter().map(|(r, _)| r).collect();
    for (rule, rule_description) in rules {
        if current.contains(rule) {
            continue;
        }
        ctx.change(
            Action::Update,
            resource.clone(),
            format!("authorize {}", rule.describe()),
            async {
                ctx.ec2
                    .authorize_security_group_ingress()
                    .group_id(&id)
                    .ip_permissions(rule.permission(Some(rule_description)))
                    .send()
                    .await
                    .map_err(call_error("AuthorizeSecurityGroupIngress", name))?;
                Ok(())
            },
        )
        .await?;
    }
    for extra in current.iter().filter(|r| !wanted.contains(r)) {
        ctx.change(
            Action::Update,
            resource.clone(),
            format!("revoke {}", extra.describe()),
            async {
                ctx.ec2
                    .revoke_security_group_ingress()
                    .group_id(&id)
                    .ip_permissions(extra.permission(None))
                    .send()
                    .await
                    .map_err(call_error("RevokeSecurityGroupIngress", name))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_flatten_to_one_rule_per_peer() {
        let permission = ec2::IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(5432)
            .to_port(5432)
            .ip_ranges(ec2::IpRange::builder().cidr_ip("0.0.0.0/0").build())
            .user_id_group_pairs(ec2::UserIdGroupPair::builder().group_id("sg-app").build())
            .build();
        let rules = rules_of(&[permission]);
        assert_eq!(
            rules.iter().map(Rule::describe).collect::<Vec<_>>(),
            ["tcp 5432 from 0.0.0.0/0", "tcp 5432 from sg-app"]
        );
    }
}

//! Naming references: after a region is read, every `ResourceRef` to a resource of the snapshot
//! gets that resource's display name, so a rule reads "from app-sg-staging", not "from sg-0abc".

use std::collections::HashMap;

use crate::model::{Properties, Resource, ResourceKind};
use serde_json::Value;

use crate::naming::{
    generated_suffix, generated_suffixes_to_set_aside, generated_tokens_among, logical_name,
    GeneratedToken, SuffixPatterns, ENV_PLACEHOLDER, GENERATED_PLACEHOLDER,
};

/// Gives resources that AWS creates without a name a stable one derived from their VPC, so they
/// match across environments and runs: a VPC's main route table becomes `<vpc>/main-route-table`
/// and its default security group `<vpc>/default`. Resources with a `Name` tag keep it.
pub fn name_implicit_resources(resources: &mut [Resource], environment: &str) {
    let vpc_names: HashMap<(String, String), String> = resources
        .iter()
        .filter(|r| r.kind == ResourceKind::Vpc)
        .map(|r| ((r.region.clone(), r.id.clone()), r.name.clone()))
        .collect();
    for resource in resources.iter_mut() {
        if resource.tags.contains_key("Name") {
            continue;
        }
        let (vpc, suffix) = match &resource.properties {
            Properties::RouteTable(t) if t.main => (&t.vpc, "main-route-table"),
            Properties::SecurityGroup(g) if g.group_name == "default" => match &g.vpc {
                Some(vpc) => (vpc, "default"),
                None => continue,
            },
            _ => continue,
        };
        let vpc_name = vpc_names
            .get(&(resource.region.clone(), vpc.id.clone()))
            .unwrap_or(&vpc.id);
        resource.name = format!("{vpc_name}/{suffix}");
        resource.logical_name = logical_name(&resource.name, environment);
    }
}

/// Sets generated suffixes aside in logical names: a name ending in a random token of Pulumi,
/// CloudFormation or Terraform (`cache-sg-staging-6b48171`), or of a configured shape, is
/// matched as `cache-sg-{env}-{auto}`, so environments (and a resource replaced under a new
/// suffix) line up. A token that another resource's name also contains is part of a real name
/// (a shared build id, say) and stays.
pub fn set_generated_suffixes_aside(
    resources: &mut [Resource],
    environment: &str,
    configured: &SuffixPatterns,
) {
    let names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
    let starts = generated_suffixes_to_set_aside(&names, configured);
    for (resource, start) in resources.iter_mut().zip(starts) {
        if let Some(start) = start {
            let set_aside = format!("{}{GENERATED_PLACEHOLDER}", &resource.name[..start]);
            resource.logical_name = logical_name(&set_aside, environment);
        }
    }
}

/// The generated tokens of a snapshot's names, each with a regex for tokens of its shape (for
/// normalizing every other place the same names appear, and for capture): those its logical
/// names set aside (read from the logical names themselves, so a snapshot read back needs no
/// configuration), and those that end one of a resource's own AWS names (its id, ARN, or a
/// name-valued property such as a security group's `group_name`) in a built-in shape that no
/// other resource uses: a group named `alb-sg-7437b2e` and tagged `Name: alb-sg-staging`.
pub fn generated_tokens(resources: &[Resource], environment: &str) -> Vec<GeneratedToken> {
    let mut tokens: Vec<GeneratedToken> = resources
        .iter()
        .filter_map(|r| logical_name_token(r, environment))
        .collect();
    let names: Vec<Vec<String>> = resources.iter().map(own_names).collect();
    let groups: Vec<Vec<&str>> = names
        .iter()
        .map(|group| group.iter().map(String::as_str).collect())
        .collect();
    for token in generated_tokens_among(&groups, &SuffixPatterns::default()) {
        if !tokens.iter().any(|t| t.token == token.token) {
            tokens.push(token);
        }
    }
    tokens
}

/// The token that `resource`'s logical name sets aside as `{auto}`.
fn logical_name_token(resource: &Resource, environment: &str) -> Option<GeneratedToken> {
    let prefix = resource
        .logical_name
        .strip_suffix(GENERATED_PLACEHOLDER)?
        .replace(ENV_PLACEHOLDER, environment);
    let head = resource.name.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(&prefix) || resource.name.len() == prefix.len() {
        return None;
    }
    let token = resource.name[prefix.len()..].to_string();
    let pattern = match generated_suffix(&resource.name) {
        Some((start, generator)) if start == prefix.len() => generator.token_pattern().to_string(),
        _ => format!("[0-9A-Za-z]{{{}}}", token.len()),
    };
    Some(GeneratedToken { token, pattern })
}

/// Every name a resource carries: its display name, its id, the segments of its ARN and its
/// kind's name-valued properties.
fn own_names(resource: &Resource) -> Vec<String> {
    let mut names = vec![resource.name.clone(), resource.id.clone()];
    if let Some(arn) = &resource.arn {
        names.extend(arn.split(['/', ':']).map(str::to_string));
    }
    let fields = crate::services::kind(resource.kind).name_fields;
    if !fields.is_empty() {
        if let Ok(Value::Object(properties)) = serde_json::to_value(&resource.properties) {
            names.extend(
                fields
                    .iter()
                    .filter_map(|f| properties.get(*f)?.as_str().map(str::to_string)),
            );
        }
    }
    names
}

/// Names every reference whose target is among `resources` (same region).
pub fn name_references(resources: &mut [Resource]) {
    let names: HashMap<(String, String), String> = resources
        .iter()
        .map(|r| ((r.region.clone(), r.id.clone()), r.name.clone()))
        .collect();
    for resource in resources.iter_mut() {
        let region = resource.region.clone();
        for reference in resource.properties.references_mut() {
            if let Some(name) = names.get(&(region.clone(), reference.id.clone())) {
                reference.name = Some(name.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{ResourceKind, ResourceRef, RulePeer, SecurityGroup, SecurityGroupRule};

    fn group(region: &str, id: &str, name: &str, peer: Option<&str>) -> Resource {
        Resource {
            kind: ResourceKind::SecurityGroup,
            region: region.into(),
            id: id.into(),
            name: name.into(),
            logical_name: name.into(),
            arn: None,
            tags: BTreeMap::new(),
            properties: Properties::SecurityGroup(SecurityGroup {
                group_name: name.into(),
                description: String::new(),
                vpc: None,
                ingress: peer
                    .map(|p| SecurityGroupRule {
                        protocol: "tcp".into(),
                        from_port: Some(5432),
                        to_port: Some(5432),
                        peer: RulePeer::Group(ResourceRef::id(p)),
                        description: None,
                    })
                    .into_iter()
                    .collect(),
                egress: vec![],
            }),
        }
    }

    fn peer_name(resource: &Resource) -> Option<&str> {
        let Properties::SecurityGroup(g) = &resource.properties else {
            unreachable!()
        };
        let RulePeer::Group(r) = &g.ingress[0].peer else {
            unreachable!()
        };
        r.name.as_deref()
    }

    #[test]
    fn implicit_resources_are_named_after_their_vpc() {
        let vpc = Resource {
            kind: ResourceKind::Vpc,
            region: "us-east-1".into(),
            id: "vpc-1".into(),
            name: "vpc-staging".into(),
            logical_name: "vpc-{env}".into(),
            arn: None,
            tags: BTreeMap::from([("Name".to_string(), "vpc-staging".to_string())]),
            properties: Properties::Vpc(crate::model::Vpc {
                cidr_blocks: vec![],
                ipv6_cidr_blocks: vec![],
                dns_support: true,
                dns_hostnames: true,
                is_default: false,
                state: "available".into(),
            }),
        };
        let mut default_group = group("us-east-1", "sg-d", "default", None);
        if let Properties::SecurityGroup(g) = &mut default_group.properties {
            g.vpc = Some(ResourceRef::id("vpc-1"));
        }
        let mut named = group("us-east-1", "sg-n", "default", None);
        named.tags.insert("Name".into(), "kept".into());
        let mut resources = vec![vpc, default_group, named];
        name_implicit_resources(&mut resources, "staging");
        assert_eq!(resources[1].name, "vpc-staging/default");
        assert_eq!(resources[1].logical_name, "vpc-{env}/default");
        assert_eq!(resources[2].name, "default", "a Name tag wins");
    }

    #[test]
    fn references_get_the_names_of_their_targets_in_the_same_region() {
        let mut resources = vec![
            group("us-east-1", "sg-app", "app-staging", None),
            group("us-east-1", "sg-db", "db-staging", Some("sg-app")),
            group("us-west-2", "sg-db2", "db-staging", Some("sg-app")),
            group("us-east-1", "sg-x", "x", Some("sg-unknown")),
        ];
        name_references(&mut resources);
        assert_eq!(peer_name(&resources[1]), Some("app-staging"));
        assert_eq!(
            peer_name(&resources[2]),
            None,
            "another region's group is not this one"
        );
        assert_eq!(peer_name(&resources[3]), None);
    }
}

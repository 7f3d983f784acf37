//! Normalization before two environments are compared: what is meant to differ between
//! environments (physical ids, ARNs, account ids, timestamps, revisions, the environment's own
//! name, its VPC's address range) is rewritten to a neutral form, so only real divergence is left.

use std::net::Ipv4Addr;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::{Map, Value};

use crate::model::{Properties, Resource, Snapshot};
use crate::naming::{logical_name, replace_token, GENERATED_PLACEHOLDER};

/// An IPv4 network, for mapping addresses to their position in the VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: u32,
    prefix: u8,
}

impl Network {
    /// Parses `10.1.0.0/16`.
    pub fn parse(cidr: &str) -> Option<Network> {
        let (address, prefix) = cidr.split_once('/')?;
        let address: Ipv4Addr = address.parse().ok()?;
        let prefix: u8 = prefix.parse().ok().filter(|p| *p <= 32)?;
        Some(Network {
            base: u32::from(address),
            prefix,
        })
    }

    fn mask(&self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - self.prefix)
        }
    }

    /// Whether `other` lies inside this network.
    fn contains(&self, other: &Network) -> bool {
        other.prefix >= self.prefix && (other.base & self.mask()) == (self.base & self.mask())
    }
}

/// The environment-specific context of normalization.
#[derive(Debug, Clone)]
pub struct Context {
    /// The environment's name (replaced by `{env}` as a whole token).
    pub environment: String,
    /// The environment's VPC networks (addresses inside them become positions in the VPC).
    pub vpcs: Vec<Network>,
    /// Random suffixes that infrastructure code generated for the environment's names
    /// (`6b48171` of `cache-sg-staging-6b48171`): `{auto}` wherever they appear.
    pub generated: Vec<String>,
    /// The one region the environment was scanned in, for strings outside a resource (a
    /// resource's own region is used for its document): `{region}` where a value is the region
    /// itself, one of its availability zones, or the region of an ARN, so environments in
    /// different regions compare (an ECR registry's host has its region set aside wherever
    /// it is). Elsewhere (the region inside another host name) the region is part of the value.
    pub region: Option<String>,
    /// Every region the environment was scanned in: a global resource (an IAM role naming the
    /// environment's parameters) has each set aside in it.
    pub regions: Vec<String>,
}

impl Context {
    /// The context of a snapshot: its environment and its VPCs' IPv4 blocks.
    pub fn of(snapshot: &Snapshot) -> Context {
        let vpcs = snapshot
            .resources
            .iter()
            .filter_map(|r| match &r.properties {
                Properties::Vpc(v) => Some(v.cidr_blocks.iter().filter_map(|c| Network::parse(c))),
                _ => None,
            })
            .flatten()
            .collect();
        Context {
            environment: snapshot.environment.clone(),
            vpcs,
            generated: crate::resolve::generated_tokens(&snapshot.resources, &snapshot.environment)
                .into_iter()
                .map(|t| t.token)
                .collect(),
            region: match snapshot.regions.as_slice() {
                [region] => Some(region.clone()),
                _ => None,
            },
            regions: snapshot.regions.clone(),
        }
    }

    /// Rewrites one string: CIDRs inside the VPC to their slot, physical ids, account ids and
    /// the region to placeholders, the environment's name to `{env}`.
    pub fn string(&self, text: &str) -> String {
        self.string_in(text, self.region.as_deref())
    }

    /// [`Context::string`] for a value of a resource in `region`.
    fn string_in(&self, text: &str, region: Option<&str>) -> String {
        if let Some(slot) = self.cidr_slot(text) {
            return slot;
        }
        // Cheap tests first: most strings hold no id and no account number.
        let text: std::borrow::Cow<str> = if text.contains('-') {
            ids().replace_all(text, "$kind-{id}")
        } else {
            text.into()
        };
        // Load balancer, listener, rule and target group ARNs end in random ids.
        let text: std::borrow::Cow<str> = if text.contains(":elasticloadbalancing:") {
            elb_ids().replace_all(&text, "/{id}").into_owned().into()
        } else {
            text
        };
        let text = if text.bytes().filter(u8::is_ascii_digit).count() >= 12 {
            accounts().replace_all(&text, "{account}").into_owned()
        } else {
            text.into_owned()
        };
        // An ECR registry host: the account is set aside above, and so is its region (each
        // account's registry in its own region, or one shared registry: the same topology).
        let text = if text.contains(".dkr.ecr.") {
            registries()
                .replace_all(&text, REGISTRY_PLACEHOLDER)
                .into_owned()
        } else {
            text
        };
        let text = match region {
            Some(region) if text.contains(region) => region_aside(text, region),
            _ => text,
        };
        let mut text = logical_name(&text, &self.environment);
        for token in &self.generated {
            text = replace_token(&text, token, GENERATED_PLACEHOLDER);
        }
        text
    }

    /// `10.1.2.0/24` in VPC `10.1.0.0/16` -> `{vpc}+0.0.2.0/24`; the VPC block itself -> `{vpc}/16`.
    fn cidr_slot(&self, text: &str) -> Option<String> {
        let network = Network::parse(text)?;
        let vpc = self.vpcs.iter().find(|v| v.contains(&network))?;
        let offset = Ipv4Addr::from(network.base.wrapping_sub(vpc.base));
        Some(if network == *vpc {
            format!("{{vpc}}/{}", network.prefix)
        } else {
            format!("{{vpc}}+{offset}/{}", network.prefix)
        })
    }

    /// The comparable document of a resource: its properties and tags, normalized.
    pub fn document(&self, resource: &Resource) -> Value {
        let mut properties = serde_json::to_value(&resource.properties).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut properties {
            crate::services::drop_changes_without_drift(resource.kind, map);
            (crate::services::kind(resource.kind).compare)(map);
        }
        let mut tags = serde_json::to_value(&resource.tags).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut tags {
            map.remove("Name"); // the display name; the logical name is what is matched
        }
        let mut document = Map::new();
        document.insert("properties".into(), properties);
        document.insert("tags".into(), tags);
        let mut document = Value::Object(document);
        // Each resource's own region is set aside in it (an environment may span regions); a
        // global one has every scanned region set aside.
        if resource.region == crate::kinds::GLOBAL_REGION {
            for region in &self.regions {
                self.rewrite(&mut document, Some(region));
            }
            return document;
        }
        let region = Some(resource.region.as_str())
            .filter(|r| !r.is_empty())
            .or(self.region.as_deref());
        self.rewrite(&mut document, region);
        document
    }

    fn rewrite(&self, value: &mut Value, region: Option<&str>) {
        match value {
            Value::String(s) => *s = self.string_in(s, region),
            Value::Array(items) => {
                items.iter_mut().for_each(|v| self.rewrite(v, region));
                // After rewriting, order carries no meaning (ids sorted the lists before).
                items.sort_by_cached_key(|v| v.to_string());
            }
            Value::Object(map) => {
                // A reference with a name is compared by name.
                if map.get("name").is_some_and(|n| !n.is_null()) {
                    map.remove("id");
                }
                map.values_mut().for_each(|v| self.rewrite(v, region));
                // Keys are mostly field names and stay; only those the rewriting changes (tag
                // keys, variable names carrying the environment's name) move.
                let renamed: Vec<(String, String)> = map
                    .keys()
                    .filter_map(|k| {
                        Some((k.clone(), self.string_in(k, region))).filter(|(k, r)| k != r)
                    })
                    .collect();
                for (old, new) in renamed {
                    if let Some(v) = map.remove(&old) {
                        map.insert(new, v);
                    }
                }
            }
            _ => {}
        }
    }
}

/// AWS physical ids: `vpc-0abc...`, `subnet-...`, `sg-...`, and so on.
fn ids() -> &'static Regex {
    static IDS: OnceLock<Regex> = OnceLock::new();
    IDS.get_or_init(|| {
        Regex::new(r"\b(?P<kind>vpc|subnet|sg|rtb|igw|eigw|nat|eipalloc|pcx|tgw|vpce|eni|acl|pl)-[0-9a-f]{8,17}\b")
            .expect("valid id pattern")
    })
}

/// The random ids in Elastic Load Balancing ARNs (`.../targetgroup/app-prod/78ba8e4e06b265d9`).
fn elb_ids() -> &'static Regex {
    static ELB_IDS: OnceLock<Regex> = OnceLock::new();
    ELB_IDS.get_or_init(|| Regex::new(r"/[0-9a-f]{16}\b").expect("valid ELB id pattern"))
}

/// Twelve-digit AWS account ids.
fn accounts() -> &'static Regex {
    static ACCOUNTS: OnceLock<Regex> = OnceLock::new();
    ACCOUNTS.get_or_init(|| Regex::new(r"\b[0-9]{12}\b").expect("valid account pattern"))
}

/// `us-east-2` -> `{region}`, `us-east-2a` -> `{region}a`, the region field of every ARN in
/// `text` and of a regional service principal (`Service:logs.us-east-2.amazonaws.com`) ->
/// `{region}`; anything else unchanged.
fn region_aside(text: String, region: &str) -> String {
    if text == region {
        return REGION_PLACEHOLDER.to_string();
    }
    // A regional service principal (`Service:logs.us-east-2.amazonaws.com`) or endpoint (a
    // `kms:ViaService` value, `secretsmanager.us-east-2.amazonaws.com`) of the resource's own
    // region. Other hosts are left alone: an image's registry may sit in another region.
    let (principal, host) = match text.strip_prefix("Service:") {
        Some(host) => ("Service:", host),
        None => ("", text.as_str()),
    };
    if let Some(service) = host.strip_suffix(&format!(".{region}.amazonaws.com")) {
        if !service.contains('/') {
            return format!("{principal}{service}.{REGION_PLACEHOLDER}.amazonaws.com");
        }
    }
    if let Some(zone) = text.strip_prefix(region) {
        if zone.len() == 1 && zone.bytes().all(|b| b.is_ascii_lowercase()) {
            return format!("{REGION_PLACEHOLDER}{zone}");
        }
    }
    if !text.contains("arn:") {
        return text;
    }
    // arn:<partition>:<service>:<region>:<account>:<resource>
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find("arn:") {
        out.push_str(&rest[..start]);
        let arn = &rest[start..];
        let fields: Vec<&str> = arn.splitn(5, ':').collect();
        match fields.as_slice() {
            [_, partition, service, found, tail] if *found == region => {
                out.push_str(&format!("arn:{partition}:{service}:{REGION_PLACEHOLDER}:"));
                rest = tail;
            }
            _ => {
                out.push_str("arn:");
                rest = &arn[4..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// An ECR registry host, `<account>.dkr.ecr.<region>.amazonaws.com` (the account already
/// `{account}`).
fn registries() -> &'static Regex {
    static REGISTRIES: OnceLock<Regex> = OnceLock::new();
    REGISTRIES.get_or_init(|| {
        Regex::new(r"\{account\}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com").expect("valid regex")
    })
}

/// What an ECR registry host becomes.
const REGISTRY_PLACEHOLDER: &str = "{account}.dkr.ecr.{region}.amazonaws.com";

/// What a region set aside becomes.
const REGION_PLACEHOLDER: &str = "{region}";

#[cfg(test)]
mod tests {
    use super::*;

    fn context(env: &str, vpc: &str) -> Context {
        Context {
            environment: env.into(),
            vpcs: vec![Network::parse(vpc).unwrap()],
            generated: vec![],
            region: None,
            regions: vec![],
        }
    }

    #[test]
    fn the_one_region_scanned_becomes_a_placeholder() {
        let mut dev = context("dev", "10.2.0.0/16");
        dev.region = Some("us-east-2".into());
        let mut prod = context("prod", "10.0.0.0/16");
        prod.region = Some("us-east-1".into());
        for (in_dev, in_prod) in [
            ("us-east-2a", "us-east-1a"),
            (
                "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/app-dev/78ba8e4e06b265d9",
                "arn:aws:elasticloadbalancing:us-east-1:210987654321:targetgroup/app-prod/0d9b2ae2c0a1f00e",
            ),
        ] {
            assert_eq!(dev.string(in_dev), prod.string(in_prod));
        }
        assert_eq!(dev.string("us-east-2b"), "{region}b");
        assert_eq!(dev.string("us-east-2"), "{region}");
        assert_eq!(
            dev.string("secretsmanager.us-east-2.amazonaws.com"),
            "secretsmanager.{region}.amazonaws.com",
            "a kms:ViaService value"
        );
        assert_eq!(
            dev.string("Service:logs.us-east-2.amazonaws.com"),
            "Service:logs.{region}.amazonaws.com"
        );
        // An image registry, shared or each account's own in its region: the same topology.
        let shared = "123456789012.dkr.ecr.us-east-1.amazonaws.com/trading-app";
        let own = "210987654321.dkr.ecr.us-east-2.amazonaws.com/trading-app";
        assert_eq!(prod.string(shared), dev.string(shared));
        assert_eq!(prod.string(shared), dev.string(own));
        assert_eq!(
            prod.string(shared),
            "{account}.dkr.ecr.{region}.amazonaws.com/trading-app"
        );
        assert_eq!(
            dev.string("registry.example.com/trading-app"),
            "registry.example.com/trading-app"
        );
        assert_eq!(
            prod.string(
                "arn:aws:sns:us-east-1:123456789012:alerts arn:aws:iam::123456789012:role/x"
            ),
            "arn:aws:sns:{region}:{account}:alerts arn:aws:iam::{account}:role/x"
        );
        // Scanned over several regions, a region is part of what is compared.
        assert_eq!(
            context("dev", "10.2.0.0/16").string("us-east-2b"),
            "us-east-2b"
        );
    }

    #[test]
    fn load_balancing_arns_lose_their_random_ids() {
        let prod = context("prod", "10.0.0.0/16");
        assert_eq!(
            prod.string("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app-prod/78ba8e4e06b265d9"),
            "arn:aws:elasticloadbalancing:us-east-1:{account}:targetgroup/app-{env}/{id}"
        );
        assert_eq!(
            prod.string("build/78ba8e4e06b265d9"),
            "build/78ba8e4e06b265d9"
        );
    }

    #[test]
    fn environment_names_become_a_placeholder_only_as_whole_tokens() {
        let prod = context("prod", "10.0.0.0/16");
        assert_eq!(prod.string("ecs-cluster-prod"), "ecs-cluster-{env}");
        assert_eq!(prod.string("/prod/cache-ttl"), "/{env}/cache-ttl");
        assert_eq!(
            prod.string("product-api"),
            "product-api",
            "prod inside product-api stays"
        );
        assert_eq!(prod.string("product-api-prod"), "product-api-{env}");
    }

    #[test]
    fn cidrs_map_to_their_slot_in_the_vpc() {
        let staging = context("staging", "10.1.0.0/16");
        let prod = context("prod", "10.0.0.0/16");
        assert_eq!(staging.string("10.1.2.0/24"), prod.string("10.0.2.0/24"));
        assert_eq!(staging.string("10.1.2.0/24"), "{vpc}+0.0.2.0/24");
        assert_eq!(staging.string("10.1.0.0/16"), "{vpc}/16");
        assert_ne!(
            staging.string("10.1.3.0/24"),
            prod.string("10.0.2.0/24"),
            "another slot"
        );
        assert_eq!(
            staging.string("0.0.0.0/0"),
            "0.0.0.0/0",
            "outside the VPC: unchanged"
        );
        assert_eq!(staging.string("10.9.0.0/24"), "10.9.0.0/24");
    }

    #[test]
    fn physical_ids_and_accounts_are_stripped() {
        let c = context("prod", "10.0.0.0/16");
        assert_eq!(c.string("vpc-0a1b2c3d4e5f67890"), "vpc-{id}");
        assert_eq!(
            c.string("subnet-0123abcd,subnet-89abcdef"),
            "subnet-{id},subnet-{id}"
        );
        assert_eq!(
            c.string("arn:aws:ecs:us-east-1:123456789012:cluster/ecs-cluster-prod"),
            "arn:aws:ecs:us-east-1:{account}:cluster/ecs-cluster-{env}"
        );
        assert_eq!(c.string("sg-app"), "sg-app", "not an id");
    }

    #[test]
    fn documents_drop_volatile_fields_and_compare_references_by_name() {
        let c = context("prod", "10.0.0.0/16");
        let resource = crate::testing::resource(
            "/prod/cache-ttl",
            Properties::SsmParameter(crate::model::SsmParameter {
                parameter_type: "String".into(),
                data_type: None,
                version: 7,
                last_modified: Some("2026-11-26T00:00:00Z".into()),
                tier: None,
                key_id: None,
                description: None,
                value: Some("300".into()),
                value_digest: None,
            }),
        );
        let document = c.document(&resource);
        assert!(document["properties"].get("version").is_none());
        assert!(document["properties"].get("last_modified").is_none());
        assert_eq!(document["tags"]["Environment"], "{env}");
        let mut value = serde_json::json!({"vpc": {"id": "vpc-1", "name": "vpc-prod"}});
        c.rewrite(&mut value, None);
        assert_eq!(value, serde_json::json!({"vpc": {"name": "vpc-{env}"}}));
    }
}

//! Reading infrastructure-code state: a Pulumi stack export (deployment version 3) and a
//! Terraform state (format version 4), into one shape: each managed resource's provider type,
//! logical identity, physical id and attributes (snake_case), with the attributes the tool
//! keeps secret set aside and never read.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::IacError;

/// The key Pulumi marks a secret value with (`{"4dabf18193072939515e22adb298388d": ...}`).
pub const PULUMI_SECRET_SIG: &str = "4dabf18193072939515e22adb298388d";

/// Which tool wrote a state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateFormat {
    /// `pulumi stack export`.
    Pulumi,
    /// A Terraform state file.
    Terraform,
}

/// One resource a state manages.
#[derive(Debug, Clone, PartialEq)]
pub struct StateResource {
    /// The provider type (`aws:ec2/vpc:Vpc`, `aws_vpc`).
    pub provider_type: String,
    /// The tool's own identity of it: the URN's name, the Terraform address.
    pub identity: String,
    /// Its physical id.
    pub id: String,
    /// Its attributes, keys in snake_case; secret ones removed.
    pub attributes: Map<String, Value>,
    /// Top-level attributes the tool keeps secret (Pulumi secrets, Terraform
    /// `sensitive_attributes`): expected to exist, never read.
    pub secret: BTreeSet<String>,
}

/// Parses a state file's text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str) -> Result<(StateFormat, Vec<StateResource>), IacError> {
    let document: Value = serde_json::from_str(text).map_err(|e| IacError::Malformed {
        origin: origin.to_string(),
        message: format!("not JSON ({e})"),
    })?;
    if document.get("deployment").is_some() {
        pulumi(&document, origin).map(|r| (StateFormat::Pulumi, r))
    } else if document.get("terraform_version").is_some() || document.get("lineage").is_some() {
        terraform(&document, origin).map(|r| (StateFormat::Terraform, r))
    } else {
        Err(IacError::Malformed {
            origin: origin.to_string(),
            message: "neither a Pulumi stack export (`deployment`) nor a Terraform state (`terraform_version`)".into(),
        })
    }
}

fn pulumi(document: &Value, origin: &str) -> Result<Vec<StateResource>, IacError> {
    let version = document.get("version").and_then(Value::as_u64);
    if version != Some(3) {
        return Err(IacError::Unsupported {
            origin: origin.to_string(),
            message: format!(
                "Pulumi deployment version {} (driftscan reads version 3, what `pulumi stack export` writes)",
                version.map_or("missing".to_string(), |v| v.to_string())
            ),
        });
    }
    let resources = document
        .pointer("/deployment/resources")
        .and_then(Value::as_array)
        .ok_or_else(|| IacError::Malformed {
            origin: origin.to_string(),
            message: "`deployment.resources` is not a list".into(),
        })?;
    let mut out = Vec::new();
    for (i, resource) in resources.iter().enumerate() {
        let field = |name: &str| resource.get(name).and_then(Value::as_str);
        let (Some(urn), Some(provider_type)) = (field("urn"), field("type")) else {
            return Err(IacError::Malformed {
                origin: origin.to_string(),
                message: format!("resource {i} has no `urn` or `type`"),
            });
        };
        // Component resources and providers manage nothing in AWS themselves.
        if resource.get("custom").and_then(Value::as_bool) != Some(true)
            || provider_type.starts_with("pulumi:")
            || resource.get("delete").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        let Some(id) = field("id").filter(|id| !id.is_empty()) else {
            continue;
        };
        let outputs = resource
            .get("outputs")
            .or_else(|| resource.get("inputs"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut attributes = Map::new();
        let mut secret = BTreeSet::new();
        for (key, value) in outputs {
            let key = snake_case(&key);
            if is_pulumi_secret(&value) {
                secret.insert(key);
            } else if !key.starts_with("__") {
                // Tags are user data: their keys stay as written.
                let value = if key == "tags" || key == "tags_all" {
                    value
                } else {
                    snake_keys(value)
                };
                attributes.insert(key, strip_pulumi_secrets(value));
            }
        }
        out.push(StateResource {
            provider_type: provider_type.to_string(),
            identity: urn.rsplit("::").next().unwrap_or(urn).to_string(),
            id: id.to_string(),
            attributes,
            secret,
        });
    }
    Ok(out)
}

fn terraform(document: &Value, origin: &str) -> Result<Vec<StateResource>, IacError> {
    let version = document.get("version").and_then(Value::as_u64);
    if version != Some(4) {
        return Err(IacError::Unsupported {
            origin: origin.to_string(),
            message: format!(
                "Terraform state format version {} (driftscan reads version 4, Terraform 0.12 and later)",
                version.map_or("missing".to_string(), |v| v.to_string())
            ),
        });
    }
    let resources = document
        .get("resources")
        .and_then(Value::as_array)
        .ok_or_else(|| IacError::Malformed {
            origin: origin.to_string(),
            message: "`resources` is not a list".into(),
        })?;
    let mut out = Vec::new();
    for resource in resources {
        let field = |name: &str| resource.get(name).and_then(Value::as_str);
        if field("mode") != Some("managed") {
            continue;
        }
        let (Some(provider_type), Some(name)) = (field("type"), field("name")) else {
            return Err(IacError::Malformed {
                origin: origin.to_string(),
                message: "a resource has no `type` or `name`".into(),
            });
        };
        if !is_aws_provider(field("provider").unwrap_or_default()) {
            continue;
        }
        let module = field("module").map(|m| format!("{m}.")).unwrap_or_default();
        for instance in resource
            .get("instances")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let index = match instance.get("index_key") {
                Some(Value::String(key)) => format!("[\"{key}\"]"),
                Some(Value::Number(n)) => format!("[{n}]"),
                _ => String::new(),
            };
            let Some(attributes) = instance.get("attributes").and_then(Value::as_object) else {
                continue;
            };
            let mut secret: BTreeSet<String> = instance
                .get("sensitive_attributes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|path| {
                    // [[{"type": "get_attr", "value": "password"}, ...], ...]
                    path.as_array()?
                        .first()?
                        .get("value")?
                        .as_str()
                        .map(str::to_string)
                })
                .collect();
            // Terraform before 0.15 recorded no sensitivity: what the provider's schema marks
            // sensitive is secret all the same.
            secret.extend(
                provider_sensitive(provider_type)
                    .iter()
                    .map(|a| a.to_string()),
            );
            let id = attributes
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            out.push(StateResource {
                provider_type: provider_type.to_string(),
                identity: format!("{module}{provider_type}.{name}{index}"),
                id,
                attributes: attributes
                    .iter()
                    .filter(|(key, _)| !secret.contains(*key))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                secret,
            });
        }
    }
    Ok(out)
}

/// Attributes the AWS provider's schema marks `Sensitive` for `provider_type`, as its kind's
/// IaC mapping declares them: a state of Terraform 0.12 to 0.14 holds them without saying so.
fn provider_sensitive(provider_type: &str) -> Vec<&'static str> {
    crate::services::iac_kinds()
        .filter(|m| m.terraform.contains(&provider_type))
        .flat_map(|m| m.sensitive.iter().copied())
        .collect()
}

/// Whether a Terraform state's provider address names the AWS provider, in every form Terraform
/// has written (<https://developer.hashicorp.com/terraform/language/state/resource-addressing>,
/// <https://developer.hashicorp.com/terraform/language/providers/requirements#source-addresses>):
/// - 0.12: `provider.aws`, aliased `provider.aws.west`;
/// - 0.13 upgraded from 0.12: `provider["registry.terraform.io/-/aws"]`;
/// - 0.13 and later: `provider["registry.terraform.io/hashicorp/aws"]`, aliased with `.west`,
///   on any registry host (OpenTofu's `registry.opentofu.org`);
/// - any of these scoped to a module: `module.app.provider.aws`,
///   `module.app["blue"].module.net.provider["registry.terraform.io/hashicorp/aws"]`.
pub fn is_aws_provider(address: &str) -> bool {
    let Some(at) = provider_start(address) else {
        return false;
    };
    let provider = &address[at + "provider".len()..];
    if let Some(rest) = provider.strip_prefix('.') {
        // `aws` or `aws.<alias>` (0.12).
        return rest.split('.').next() == Some("aws");
    }
    let Some(quoted) = provider.strip_prefix("[\"") else {
        return false;
    };
    let Some((source, after)) = quoted.split_once("\"]") else {
        return false;
    };
    let alias_ok = after.is_empty() || after.starts_with('.');
    // `<host>/<namespace>/<type>`, or without the host (the default registry).
    let parts: Vec<&str> = source.split('/').collect();
    let (namespace, name) = match parts.as_slice() {
        [_, namespace, name] => (*namespace, *name),
        [namespace, name] => (*namespace, *name),
        _ => return false,
    };
    alias_ok && name == "aws" && (namespace == "hashicorp" || namespace == "-")
}

/// Where `provider` starts in an address, after any `module.<name>[<key>].` scopes.
fn provider_start(address: &str) -> Option<usize> {
    let mut rest = address;
    let mut at = 0;
    while let Some(scoped) = rest.strip_prefix("module.") {
        // The module's name, an optional index key (which may hold dots), then a dot.
        let name_end = scoped.find(['.', '[']).filter(|end| *end > 0)?;
        let mut after = &scoped[name_end..];
        if after.starts_with('[') {
            let close = after.find(']')?;
            after = &after[close + 1..];
        }
        let after = after.strip_prefix('.')?;
        at += rest.len() - after.len();
        rest = after;
    }
    rest.starts_with("provider").then_some(at)
}

fn is_pulumi_secret(value: &Value) -> bool {
    value.get(PULUMI_SECRET_SIG).is_some()
}

/// Secret values nested inside an output (a list element, a block field) are dropped.
fn strip_pulumi_secrets(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !is_pulumi_secret(v))
                .map(|(k, v)| (k, strip_pulumi_secrets(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .filter(|v| !is_pulumi_secret(v))
                .map(strip_pulumi_secrets)
                .collect(),
        ),
        other => other,
    }
}

/// Pulumi's camelCase attribute names as the Terraform provider it bridges spells them.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            if previous_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            previous_lower = false;
        } else {
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            out.push(c);
        }
    }
    out
}

/// Nested object keys in snake_case too, except inside maps of user data (tags).
fn snake_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let user_data = k == "tags" || k == "tagsAll";
                    (snake_case(&k), if user_data { v } else { snake_keys(v) })
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(snake_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulumi_names_become_terraform_names() {
        assert_eq!(snake_case("cidrBlock"), "cidr_block");
        assert_eq!(snake_case("enableDnsHostnames"), "enable_dns_hostnames");
        assert_eq!(snake_case("vpcId"), "vpc_id");
        assert_eq!(snake_case("tagsAll"), "tags_all");
        assert_eq!(snake_case("arn"), "arn");
    }

    #[test]
    fn pulumi_secrets_are_never_read() {
        let export = serde_json::json!({"version": 3, "deployment": {"resources": [
            {"urn": "urn:pulumi:prod::p::aws:ssm/parameter:Parameter::db-password", "custom": true,
             "type": "aws:ssm/parameter:Parameter", "id": "/prod/db-password",
             "outputs": {"name": "/prod/db-password", "type": "SecureString",
                         "value": {PULUMI_SECRET_SIG: "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "AAAB-secret"},
                         "tags": {"Environment": "prod", "CostCenter": "platform"}}},
            {"urn": "urn:pulumi:prod::p::pulumi:providers:aws::default", "custom": true,
             "type": "pulumi:providers:aws", "id": "x", "outputs": {}}
        ]}});
        let (format, resources) = parse(&export.to_string(), "export.json").unwrap();
        assert_eq!(format, StateFormat::Pulumi);
        assert_eq!(resources.len(), 1, "providers manage nothing");
        let parameter = &resources[0];
        assert_eq!(parameter.identity, "db-password");
        assert!(parameter.secret.contains("value"));
        assert_eq!(
            parameter.attributes["tags"],
            serde_json::json!({"Environment": "prod", "CostCenter": "platform"}),
            "tag keys are user data"
        );
        assert!(!serde_json::to_string(&parameter.attributes)
            .unwrap()
            .contains("AAAB-secret"));
    }

    #[test]
    fn terraform_sensitive_attributes_are_never_read() {
        let state = serde_json::json!({"version": 4, "terraform_version": "1.9.5", "serial": 1,
            "lineage": "l", "outputs": {}, "resources": [
            {"mode": "managed", "type": "aws_rds_cluster", "name": "main",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
             "instances": [{"schema_version": 0,
                "attributes": {"id": "aurora-cluster-prod", "master_password": "hunter2-tf", "engine": "aurora-postgresql"},
                "sensitive_attributes": [[{"type": "get_attr", "value": "master_password"}]]}]},
            {"mode": "data", "type": "aws_caller_identity", "name": "me",
             "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]", "instances": []},
            {"mode": "managed", "type": "random_id", "name": "suffix",
             "provider": "provider[\"registry.terraform.io/hashicorp/random\"]",
             "instances": [{"attributes": {"id": "abc"}}]}
        ]});
        let (format, resources) = parse(&state.to_string(), "terraform.tfstate").unwrap();
        assert_eq!(format, StateFormat::Terraform);
        assert_eq!(
            resources.len(),
            1,
            "data sources and other providers are skipped"
        );
        assert_eq!(resources[0].identity, "aws_rds_cluster.main");
        assert!(!resources[0].attributes.contains_key("master_password"));
        assert!(resources[0].secret.contains("master_password"));
    }

    #[test]
    fn unsupported_and_malformed_states_are_named() {
        let v3 = r#"{"version": 3, "terraform_version": "0.11.14", "lineage": "l", "modules": []}"#;
        let message = parse(v3, "old.tfstate").unwrap_err().to_string();
        assert!(
            message.contains("old.tfstate") && message.contains("version 3"),
            "{message}"
        );
        let truncated = r#"{"version": 4, "terraform_version": "1.9.5", "resources": [{"mode": "#;
        let message = parse(truncated, "cut.tfstate").unwrap_err().to_string();
        assert!(
            message.contains("cut.tfstate") && message.contains("not JSON"),
            "{message}"
        );
        let other = parse(r#"{"hello": 1}"#, "x.json").unwrap_err().to_string();
        assert!(other.contains("neither"), "{other}");
    }
}

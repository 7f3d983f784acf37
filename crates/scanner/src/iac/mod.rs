//! Infrastructure code's own state as the declared truth: a Pulumi stack export or a Terraform
//! state becomes a baseline (`driftscan baseline import`), is scanned against directly
//! (`driftscan scan --from`), or tells which live resources no state manages (`--unmanaged`).
//!
//! Pure: the caller reads the files (or the S3 object); this module parses, maps and writes.

pub mod mapping;
mod read;
pub mod state;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use crate::kinds::iac::{Attrs, KindMapping, Naming};
use crate::model::{Finding, FindingKind, Report, Resource, ResourceKind, Snapshot};
use crate::naming::{logical_name, GENERATED_PLACEHOLDER};
#[cfg(feature = "aws")]
pub use read::read_states;
pub use read::{expand, StateReadError};
pub use state::{StateFormat, StateResource};

/// What AWS creates with every VPC (named after it by the snapshot), never reported unmanaged
/// against a state.
pub const IMPLICIT_RESOURCES: [&str; 2] =
    ["route-table/*/main-route-table", "security-group/*/default"];

/// What a logical name taken from a state's identity starts with (`state:aws_security_group.cache`).
pub const STATE_IDENTITY_PREFIX: &str = "state:";

/// A state that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum IacError {
    /// Not a state, or a damaged one.
    #[error("{origin}: malformed state: {message}")]
    Malformed {
        /// The file or object.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A state driftscan does not read.
    #[error("{origin}: unsupported state: {message}")]
    Unsupported {
        /// The file or object.
        origin: String,
        /// What is unsupported.
        message: String,
    },
    /// A `--from` that names no state.
    #[error("--from `{0}`: expected pulumi:<stack export>, tfstate:<file> or tfstate+s3://<bucket>/<key>")]
    Source(String),
}

/// Why a baseline could not be made of infrastructure code's state.
#[derive(Debug, thiserror::Error)]
pub enum StateBaselineError {
    /// A state that cannot be used.
    #[error(transparent)]
    State(#[from] IacError),
    /// The baseline written from the states, or the environment's own baseline, is invalid.
    #[error(transparent)]
    Baseline(#[from] crate::baseline::BaselineError),
    /// The environment's compliance settings are invalid.
    #[error("invalid compliance settings: {0}")]
    Rules(#[from] crate::rules::RuleConfigError),
}

/// A baseline made of infrastructure code's state (`scan --from`): what the states manage, with
/// the compliance rules, ignores and unmanaged settings of the environment's own baseline in
/// `baselines` when it has one (a broken one is an error; only its absence is fine, and the
/// default rules apply). Answers the import (for identities and `--unmanaged`) and the
/// baseline. `version` is driftscan's, written into the generated baseline.
pub fn state_baseline(
    states: &[(String, String)],
    environment: &str,
    suffixes: &crate::naming::SuffixPatterns,
    baselines: &std::path::Path,
    version: &str,
) -> Result<(Imported, crate::baseline::Baseline), StateBaselineError> {
    use crate::baseline::{Baseline, BaselineError};
    let imported = import(states, environment, suffixes)?;
    let text = imported.baseline_yaml(environment, version)?;
    let origin = imported.origins.join("+");
    let mut baseline = Baseline::parse_str(&text, std::path::Path::new(&origin), environment)?;
    match Baseline::load(baselines, environment) {
        Ok(rules) => {
            baseline.compliance = rules.compliance;
            baseline.ignores = rules.ignores;
            baseline.unmanaged_severity = rules.unmanaged_severity;
            baseline.unmanaged_ignore.extend(rules.unmanaged_ignore);
        }
        Err(BaselineError::Read { path, .. }) if !path.exists() => {}
        Err(e) => return Err(e.into()),
    }
    crate::rules::validate(&baseline)?;
    Ok((imported, baseline))
}

/// Where a state is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `pulumi stack export` file.
    Pulumi(std::path::PathBuf),
    /// A Terraform state file.
    Tfstate(std::path::PathBuf),
    /// A Terraform state in its S3 backend.
    TfstateS3 {
        /// The bucket.
        bucket: String,
        /// The object key.
        key: String,
    },
}

/// A source is written as it is given on the command line (`tfstate:s3://bucket/key`).
impl serde::Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Source {
    type Err = IacError;

    fn from_str(spec: &str) -> Result<Self, IacError> {
        let bad = || IacError::Source(spec.to_string());
        if let Some(path) = spec.strip_prefix("pulumi:") {
            return (!path.is_empty())
                .then(|| Source::Pulumi(path.into()))
                .ok_or_else(bad);
        }
        if let Some(rest) = spec.strip_prefix("tfstate+s3://") {
            let (bucket, key) = rest.split_once('/').ok_or_else(bad)?;
            return (!bucket.is_empty() && !key.is_empty())
                .then(|| Source::TfstateS3 {
                    bucket: bucket.to_string(),
                    key: key.to_string(),
                })
                .ok_or_else(bad);
        }
        if let Some(path) = spec
            .strip_prefix("tfstate://")
            .or_else(|| spec.strip_prefix("tfstate:"))
        {
            return (!path.is_empty())
                .then(|| Source::Tfstate(path.into()))
                .ok_or_else(bad);
        }
        Err(bad())
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Pulumi(path) => write!(f, "pulumi:{}", path.display()),
            Source::Tfstate(path) => write!(f, "tfstate:{}", path.display()),
            Source::TfstateS3 { bucket, key } => write!(f, "tfstate+s3://{bucket}/{key}"),
        }
    }
}

/// One resource of a kind driftscan reads, as a state declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct Managed {
    /// Its kind.
    pub kind: ResourceKind,
    /// Its physical id in the state.
    pub id: String,
    /// The tool's identity (`vpc-main` of a URN, `aws_vpc.main`), with the state it came from.
    pub identity: String,
    /// Its display name, as a snapshot shows it.
    pub display_name: String,
    /// The logical name it is declared under (`{env}` for the environment's name).
    pub logical_name: String,
    /// Declared properties (driftscan's names; references by id).
    pub properties: Map<String, Value>,
    /// Its tags, when the state records them.
    pub tags: Option<BTreeMap<String, String>>,
    /// Every identifier a live resource may carry for it (id, ARN, name, family).
    pub identifiers: BTreeSet<String>,
}

/// What the given states manage, mapped to driftscan's kinds.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The managed resources of kinds driftscan reads.
    pub resources: Vec<Managed>,
    /// Provider types not mapped (and how many of each): reported, not silently dropped.
    pub unmapped: BTreeMap<String, usize>,
    /// The states read, as given.
    pub origins: Vec<String>,
    /// Suffixes that infrastructure code generated for the managed resources' names: the
    /// baseline accepts any suffix of the same shape there.
    pub generated: Vec<crate::naming::GeneratedToken>,
}

/// Maps the resources of `states` ((origin, text) pairs) for `environment`. Several states
/// (a network stack and an app stack) are one managed set.
pub fn import(
    states: &[(String, String)],
    environment: &str,
    suffixes: &crate::naming::SuffixPatterns,
) -> Result<Imported, IacError> {
    let mut imported = Imported::default();
    let mut parts = Vec::new();
    for (origin, text) in states {
        let (_, resources) = state::parse(text, origin)?;
        let aws = resources.len();
        if aws == 0 {
            return Err(IacError::Unsupported {
                origin: origin.clone(),
                message: "it manages no resource of the AWS provider".into(),
            });
        }
        imported.origins.push(origin.clone());
        for resource in resources {
            if let Some(mapping) = mapping::kind_of(&resource.provider_type) {
                imported
                    .resources
                    .push(managed(mapping, &resource, environment));
            } else if let Some(part) = mapping::part_of(&resource.provider_type) {
                parts.push((part, resource));
            } else {
                *imported
                    .unmapped
                    .entry(resource.provider_type.clone())
                    .or_default() += 1;
            }
        }
    }
    for (part, resource) in parts {
        let attrs = Attrs::new(resource.attributes.clone());
        let Some(parent) = attrs.str(part.parent) else {
            continue;
        };
        if let Some(target) = imported
            .resources
            .iter_mut()
            .find(|m| m.kind == part.kind && m.identifiers.contains(parent))
        {
            (part.merge)(&attrs, &mut target.properties);
        }
    }
    name_rules_after_listeners(&mut imported.resources, environment);
    set_generated_suffixes_aside(&mut imported.resources, environment, suffixes);
    imported.generated = generated_tokens(&imported.resources, suffixes);
    Ok(imported)
}

fn managed(mapping: &KindMapping, resource: &StateResource, environment: &str) -> Managed {
    let attrs = Attrs::new(resource.attributes.clone());
    let mut properties = (mapping.properties)(&attrs);
    if mapping.kind == ResourceKind::SsmParameter
        && resource.secret.contains("value")
        && attrs.str("type") != Some(crate::model::SECURE_STRING)
    {
        // Kept secret by the tool: expected to exist, nothing more.
        properties.insert("value".into(), serde_json::json!({"exists": true}));
    }
    redact(&mut properties);
    let tags = attrs.tags();
    let fallback = match mapping.name {
        Naming::Id => None,
        Naming::Attribute(attribute) => attrs.str(attribute).map(str::to_string),
        Naming::Composed(compose) => compose(&attrs),
    }
    .unwrap_or_else(|| resource.id.clone());
    let name = tags
        .as_ref()
        .and_then(|t| t.get("Name"))
        .filter(|n| !n.trim().is_empty())
        .cloned()
        .unwrap_or(fallback);
    let mut logical = logical_name(&name, environment);
    if mapping.kind == ResourceKind::S3Bucket {
        logical = crate::naming::account_aside(&logical);
    }
    let mut identifiers: BTreeSet<String> = [resource.id.clone()].into();
    for key in ["arn", "name", "bucket", "family"] {
        if let Some(value) = attrs.str(key) {
            identifiers.insert(value.to_string());
        }
    }
    if let Some(live_id) = mapping.live_id.and_then(|id| id(&attrs)) {
        identifiers.insert(live_id);
    }
    Managed {
        kind: mapping.kind,
        id: resource.id.clone(),
        identity: resource.identity.clone(),
        display_name: name,
        logical_name: logical,
        properties,
        tags,
        identifiers,
    }
}

/// A rule without a `Name` tag is named as the collector names it, `<listener>/<priority>`,
/// from its listener in the same states.
fn name_rules_after_listeners(resources: &mut [Managed], environment: &str) {
    let listeners: Vec<(BTreeSet<String>, String)> = resources
        .iter()
        .filter(|m| m.kind == ResourceKind::Listener)
        .map(|m| (m.identifiers.clone(), m.display_name.clone()))
        .collect();
    for rule in resources
        .iter_mut()
        .filter(|m| m.kind == ResourceKind::ListenerRule)
    {
        if rule.tags.as_ref().is_some_and(|t| t.contains_key("Name")) {
            continue;
        }
        let listener = rule
            .properties
            .get("listener")
            .and_then(|l| l.get("id"))
            .and_then(Value::as_str);
        let priority = rule.properties.get("priority").and_then(Value::as_i64);
        let named = listener.and_then(|arn| listeners.iter().find(|(ids, _)| ids.contains(arn)));
        if let (Some((_, listener)), Some(priority)) = (named, priority) {
            rule.display_name = format!("{listener}/{priority}");
            rule.logical_name = logical_name(&rule.display_name, environment);
        }
    }
}

/// Container environment values that look like secrets become the same markers the snapshot
/// carries, so the baseline holds no plaintext and still matches.
fn redact(properties: &mut Map<String, Value>) {
    let Some(Value::Array(containers)) = properties.get_mut("containers") else {
        return;
    };
    for container in containers.iter_mut() {
        if let Some(Value::Object(environment)) = container.get_mut("environment") {
            for (name, value) in environment.iter_mut() {
                if let Value::String(text) = value {
                    if let Some(marker) =
                        crate::model::secrets::redacted_if_secret(name, text, None)
                    {
                        *text = marker;
                    }
                }
            }
        }
    }
}

/// As a snapshot does: a generated suffix (`-6b48171`) not shared with another name becomes
/// `{auto}`.
fn set_generated_suffixes_aside(
    resources: &mut [Managed],
    environment: &str,
    suffixes: &crate::naming::SuffixPatterns,
) {
    let names: Vec<String> = resources.iter().map(|m| m.logical_name.clone()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let starts = crate::naming::generated_suffixes_to_set_aside(&names, suffixes);
    for ((managed, name), start) in resources.iter_mut().zip(&names).zip(starts) {
        if let Some(start) = start {
            managed.logical_name = logical_name(
                &format!("{}{GENERATED_PLACEHOLDER}", &name[..start]),
                environment,
            );
        }
    }
}

/// The generated suffixes of the managed resources' own names (display name, identifiers and
/// the kind's name-valued properties), each not shared with another resource.
fn generated_tokens(
    resources: &[Managed],
    suffixes: &crate::naming::SuffixPatterns,
) -> Vec<crate::naming::GeneratedToken> {
    let groups: Vec<Vec<&str>> = resources
        .iter()
        .map(|m| {
            let fields = crate::services::kind(m.kind).name_fields;
            std::iter::once(m.display_name.as_str())
                .chain(m.identifiers.iter().map(String::as_str))
                .chain(fields.iter().filter_map(|f| m.properties.get(*f)?.as_str()))
                .collect()
        })
        .collect();
    crate::naming::generated_tokens_among(&groups, suffixes)
}

impl Imported {
    /// The state's declaration of `resource`, matched by id, ARN, name or family.
    pub fn managing(&self, resource: &Resource) -> Option<&Managed> {
        self.resources
            .iter()
            .find(|m| m.kind == resource.kind && identifies(m, resource))
    }

    /// Whether a state manages `resource`.
    pub fn manages(&self, resource: &Resource) -> bool {
        self.managing(resource).is_some()
    }

    /// Matches live resources to what the states declare by identity first: a live resource a
    /// state manages takes the logical name it is declared under, so a resource renamed out
    /// of band is drift on its name, not a missing one plus an unmanaged one.
    pub fn adopt_logical_names(&self, snapshot: &mut Snapshot) {
        for resource in &mut snapshot.resources {
            if let Some(managed) = self.managing(resource) {
                resource.logical_name.clone_from(&managed.logical_name);
            }
        }
    }

    /// For `compare`: a live resource a state manages is named by the state's own identity (the
    /// URN's name, the Terraform address; the environment's name as `{env}`), which a program
    /// or module keeps the same in every environment whatever names it generates.
    pub fn adopt_identities(&self, snapshot: &mut Snapshot) {
        for resource in &mut snapshot.resources {
            if let Some(managed) = self.managing(resource) {
                resource.logical_name = format!(
                    "{}{}",
                    STATE_IDENTITY_PREFIX,
                    logical_name(&managed.identity, &snapshot.environment)
                );
            }
        }
    }

    /// The baseline YAML of the imported resources, for `environment`.
    pub fn baseline_yaml(&self, environment: &str, version: &str) -> Result<String, IacError> {
        let mut resources = Map::new();
        for managed in &self.resources {
            let mut entry = Map::new();
            let mut properties = Value::Object(managed.properties.clone());
            crate::capture::accept_any_generated_suffix(&mut properties, &self.generated);
            entry.insert("properties".into(), properties);
            if let Some(tags) = &managed.tags {
                let tags: Map<String, Value> = tags
                    .iter()
                    .filter(|(k, _)| !k.starts_with(crate::baseline::AWS_TAG_PREFIX))
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect();
                if crate::services::kind(managed.kind).tags_are_read {
                    entry.insert("tags".into(), Value::Object(tags));
                }
            }
            resources.insert(
                format!("{}/{}", managed.kind, managed.logical_name),
                Value::Object(entry),
            );
        }
        let mut document = Map::new();
        document.insert(
            "driftscan".into(),
            Value::String(crate::baseline::BASELINE_MARKER.into()),
        );
        document.insert("resources".into(), Value::Object(resources));
        // What AWS creates with every VPC is rarely managed by infrastructure code (Terraform
        // needs `aws_default_*` resources for it): not reported unmanaged.
        document.insert(
            "unmanaged".into(),
            serde_json::json!({"ignore": IMPLICIT_RESOURCES}),
        );
        let body =
            serde_saphyr::to_string(&Value::Object(document)).map_err(|e| IacError::Malformed {
                origin: self.origins.join(", "),
                message: format!("cannot write the baseline: {e}"),
            })?;
        let unmapped = if self.unmapped.is_empty() {
            String::new()
        } else {
            let types: Vec<String> = self
                .unmapped
                .iter()
                .map(|(t, n)| format!("{t} x{n}"))
                .collect();
            format!(
                "# Not read by driftscan, so not declared: {}.\n",
                types.join(", ")
            )
        };
        Ok(format!(
            "# Baseline of `{environment}` imported by driftscan {version} from {origins}.\n\
             # What the infrastructure code declares, by driftscan's property names; what the\n\
             # tools keep secret is expected to exist, nothing more.\n{unmapped}{body}",
            origins = self.origins.join(", ")
        ))
    }

    /// `--unmanaged`: every live resource of the snapshot that no state manages (by id), and
    /// every managed resource that is gone, as findings; nothing about kinds the snapshot
    /// could not read.
    pub fn unmanaged_report(
        &self,
        snapshot: &Snapshot,
        mut report: Report,
        baseline: &crate::baseline::Baseline,
    ) -> Report {
        let severity = baseline.unmanaged_severity;
        let mut findings = Vec::new();
        for resource in &snapshot.resources {
            let key = crate::baseline::ResourceKey {
                kind: resource.kind,
                logical_name: resource.logical_name.clone(),
            };
            if self.manages(resource) || baseline.unmanaged_ignored(&key) {
                continue;
            }
            findings.push(
                Finding {
                    attribution: None,
                    fingerprint: String::new(),
                    kind: FindingKind::Unmanaged,
                    severity,
                    environment: snapshot.environment.clone(),
                    region: resource.region.clone(),
                    resource_type: resource.kind,
                    logical_name: resource.logical_name.clone(),
                    physical_id: Some(resource.id.clone()),
                    arn: resource.arn.clone(),
                    path: None,
                    expected: None,
                    actual: None,
                    rule_id: None,
                    message: format!(
                        "{} {} ({}) is managed by no given state",
                        resource.kind, resource.name, resource.id
                    ),
                    source: None,
                }
                .with_fingerprint(),
            );
        }
        for managed in self.resources.iter().filter(|m| gone(snapshot, m)) {
            findings.push(
                Finding {
                    attribution: None,
                    fingerprint: String::new(),
                    kind: FindingKind::Missing,
                    severity: crate::evaluate::MISSING_SEVERITY,
                    environment: snapshot.environment.clone(),
                    region: String::new(),
                    resource_type: managed.kind,
                    logical_name: managed.logical_name.clone(),
                    physical_id: Some(managed.id.clone()),
                    arn: None,
                    path: None,
                    expected: None,
                    actual: None,
                    rule_id: None,
                    message: format!(
                        "{} {} ({}) is in the state as `{}` but not live",
                        managed.kind, managed.logical_name, managed.id, managed.identity
                    ),
                    source: None,
                }
                .with_fingerprint(),
            );
        }
        findings.sort_by(|a, b| {
            (a.resource_type, &a.logical_name, a.kind).cmp(&(
                b.resource_type,
                &b.logical_name,
                b.kind,
            ))
        });
        report.findings = findings;
        report.baseline_files = self.origins.clone();
        report.finalize(snapshot.resources.len())
    }
}

/// Whether `managed` is no live resource of `snapshot`, which read its kind everywhere: in
/// every region, and in the global region for a global kind (IAM, CloudFront, a
/// distribution's web ACL). Unread, it is not known to be gone.
fn gone(snapshot: &Snapshot, managed: &Managed) -> bool {
    snapshot.kind_is_complete_everywhere(managed.kind)
        && !snapshot
            .resources
            .iter()
            .any(|r| r.kind == managed.kind && identifies(managed, r))
}

fn identifies(managed: &Managed, resource: &Resource) -> bool {
    let family = (resource.kind == ResourceKind::EcsTaskDefinition)
        .then(|| resource.id.rsplit_once(':').map(|(f, _)| f))
        .flatten();
    managed.identifiers.contains(&resource.id)
        || resource
            .arn
            .as_ref()
            .is_some_and(|arn| managed.identifiers.contains(arn))
        || family.is_some_and(|f| managed.identifiers.contains(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_managed_global_resource_is_gone_only_when_the_global_region_was_read() {
        let managed = Managed {
            kind: ResourceKind::IamRole,
            id: "app-task-prod".into(),
            identity: "aws_iam_role.task".into(),
            display_name: "app-task-prod".into(),
            logical_name: "iam-role/app-task-{env}".into(),
            properties: Map::new(),
            tags: None,
            identifiers: BTreeSet::from(["app-task-prod".to_string()]),
        };
        let read = crate::testing::snapshot(vec![]);
        assert!(gone(&read, &managed), "read everywhere, and not there");
        let failure = crate::model::ReadFailure {
            region: crate::kinds::GLOBAL_REGION.into(),
            service: crate::model::Service::Iam,
            operation: "ListRoles".into(),
            code: "AccessDenied".into(),
            message: "denied".into(),
            kinds: vec![ResourceKind::IamRole],
        };
        let unread = crate::testing::snapshot_with_failures(vec![], vec![failure]);
        assert!(
            !gone(&unread, &managed),
            "its region (us-east-1) read, the global one not"
        );
    }

    #[test]
    fn sources_are_named_by_scheme() {
        assert_eq!(
            "pulumi:stack.json".parse::<Source>().unwrap(),
            Source::Pulumi("stack.json".into())
        );
        assert_eq!(
            "tfstate://terraform.tfstate".parse::<Source>().unwrap(),
            Source::Tfstate("terraform.tfstate".into())
        );
        assert_eq!(
            "tfstate+s3://state-bucket/env/prod.tfstate"
                .parse::<Source>()
                .unwrap(),
            Source::TfstateS3 {
                bucket: "state-bucket".into(),
                key: "env/prod.tfstate".into()
            }
        );
        for bad in ["stack.json", "pulumi:", "tfstate+s3://bucket", "cdk:x"] {
            assert!(bad.parse::<Source>().is_err(), "{bad}");
        }
    }

    /// The same VPC and subnet as Terraform 0.12, 0.13 (upgraded) and 1.x write them, the
    /// last with the default VPC's resources, in the documented state format version 4.
    const FIXTURES: [(&str, &str); 3] = [
        (
            "terraform-0.12.tfstate",
            include_str!("fixtures/terraform-0.12.tfstate"),
        ),
        (
            "terraform-0.13-legacy.tfstate",
            include_str!("fixtures/terraform-0.13-legacy.tfstate"),
        ),
        (
            "terraform-1.x.tfstate",
            include_str!("fixtures/terraform-1.x.tfstate"),
        ),
    ];

    fn imported(name: &str, text: &str) -> Imported {
        import(
            &[(name.to_string(), text.to_string())],
            "staging",
            &Default::default(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn every_provider_address_terraform_has_written_is_the_aws_provider() {
        for aws in [
            "provider.aws",
            "provider.aws.west",
            "module.network.provider.aws",
            "module.a.module.b.provider.aws.west",
            "provider[\"registry.terraform.io/-/aws\"]",
            "provider[\"registry.terraform.io/hashicorp/aws\"]",
            "provider[\"registry.terraform.io/hashicorp/aws\"].west",
            "provider[\"registry.opentofu.org/hashicorp/aws\"]",
            "module.app.provider[\"registry.terraform.io/hashicorp/aws\"]",
            "module.net[\"blue.green\"].provider[\"registry.terraform.io/hashicorp/aws\"].east",
            "module.net[0].module.x.provider[\"registry.terraform.io/-/aws\"]",
        ] {
            assert!(state::is_aws_provider(aws), "{aws}");
        }
        for other in [
            "",
            "aws",
            "provider.awscc",
            "provider.random",
            "provider[\"registry.terraform.io/hashicorp/awscc\"]",
            "provider[\"registry.terraform.io/hashicorp/google\"]",
            "provider[\"registry.terraform.io/someone/aws\"]",
            "provider[\"registry.terraform.io/hashicorp/aws\"]x",
            "module.provider.aws",
            "module..provider.aws",
        ] {
            assert!(!state::is_aws_provider(other), "{other}");
        }
    }

    #[test]
    fn states_of_every_terraform_version_import_alike() {
        for (name, text) in FIXTURES {
            let imported = imported(name, text);
            let vpc = imported
                .resources
                .iter()
                .find(|m| m.id == "vpc-0a1b2c3d4e5f60718")
                .unwrap_or_else(|| panic!("{name}: the VPC"));
            assert_eq!(vpc.logical_name, "vpc-{env}", "{name}");
            assert_eq!(
                vpc.properties.get("cidr_blocks"),
                Some(&serde_json::json!({"includes": ["10.1.0.0/16"]})),
                "{name}"
            );
            let subnet = imported
                .resources
                .iter()
                .find(|m| m.kind == ResourceKind::Subnet)
                .unwrap_or_else(|| panic!("{name}: the module's subnet"));
            assert!(subnet.identity.starts_with("module.network"), "{name}");
            assert_eq!(
                imported.unmapped,
                BTreeMap::new(),
                "{name}: the random provider is not AWS's, and is not counted as unmapped"
            );
        }
    }

    #[test]
    fn default_vpc_resources_are_the_kinds_they_manage() {
        let (name, text) = FIXTURES[2];
        let latest = imported(name, text);
        let kinds: Vec<(ResourceKind, &str)> = latest
            .resources
            .iter()
            .map(|m| (m.kind, m.id.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                (ResourceKind::Vpc, "vpc-0a1b2c3d4e5f60718"),
                (ResourceKind::Vpc, "vpc-0d0d0d0d0d0d0d0d0"),
                (ResourceKind::Subnet, "subnet-0d0d0d0d0d0d0d0d1"),
                (ResourceKind::SecurityGroup, "sg-0d0d0d0d0d0d0d0d2"),
                (ResourceKind::RouteTable, "rtb-0d0d0d0d0d0d0d0d3"),
            ]
        );
        assert!(latest.unmapped.is_empty(), "{:?}", latest.unmapped);
        // The 0.12 state's aliased provider holds the default VPC too.
        let (name, text) = FIXTURES[0];
        let old = imported(name, text);
        assert_eq!(
            imported_vpcs(&old),
            ["vpc-0a1b2c3d4e5f60718", "vpc-0d0d0d0d0d0d0d0d0"]
        );
    }

    fn imported_vpcs(imported: &Imported) -> Vec<&str> {
        imported
            .resources
            .iter()
            .filter(|m| m.kind == ResourceKind::Vpc)
            .map(|m| m.id.as_str())
            .collect()
    }
}

//! Baselines: what an environment is declared to be, in reviewable YAML.
//!
//! ```yaml
//! driftscan: baseline/v1
//! extends: base.yaml               # optional; the environment file overrides it
//! resources:
//!   db-cluster/aurora-cluster-{env}:
//!     properties:
//!       storage_encrypted: true
//!       backup_retention_period: {">=": 7}
//!     tags:
//!       Environment: "{env}"
//!   security-group/hand-made-{env}:
//!     exists: false                # must not exist
//! compliance:
//!   backup-retention: {min_days: 7}
//!   container-insights: {severity: medium}
//!   required-tags: {enabled: false}
//! ignore:
//!   - resource: ecs-service/trading-app-{env}
//!     path: properties.desired_count
//!     reason: autoscaled
//!     expires: 2027-03-31
//! unmanaged:
//!   severity: medium
//!   ignore: ["ecs-service/worker-*"]
//! ```
//!
//! Resources are keyed `<kind>/<logical name>`; `{env}` in keys and string values is the
//! environment's name. Unknown keys are errors with file, line and column.

pub mod expect;
mod schema;
#[cfg(feature = "aws")]
pub mod ssm_source;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

pub use expect::Mismatch;
pub use schema::model_has_field;

use crate::model::{ResourceKind, Severity, SourceRef};
use crate::naming::ENV_PLACEHOLDER;

/// The `driftscan:` marker every baseline file starts with.
pub const BASELINE_MARKER: &str = "baseline/v1";
/// How deep `extends` chains may go.
const MAX_EXTENDS_DEPTH: usize = 8;
/// Largest baseline file accepted (a captured baseline of 50,000 resources is about 45 MiB).
const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// YAML limits for baselines: room for captured baselines of large estates (the default of
/// 250,000 nodes fits about 5,000 resources), while the alias and anchor limits that stop
/// billion-laughs files stay at their defaults.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = 40_000_000;
    budget.max_events = 80_000_000;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES as usize;
    budget.max_reader_input_bytes = Some(MAX_FILE_BYTES as usize);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

/// The baseline file of preview environments without one of their own.
pub const PREVIEW_BASELINE: &str = "preview.yaml";

/// Whether `environment` is a preview, `pr-<n>`.
pub fn is_preview(environment: &str) -> bool {
    environment
        .strip_prefix("pr-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A baseline that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("cannot read baseline {path}: {message}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Invalid YAML or an unknown key or wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What was expected.
        message: String,
    },
    /// An environment name that cannot name a baseline.
    #[error(transparent)]
    Environment(#[from] crate::error::ConfigError),
}

impl BaselineError {
    fn at(path: &Path, line: u64, column: u64, message: impl Into<String>) -> Self {
        BaselineError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    driftscan: Spanned<String>,
    #[serde(default)]
    extends: Option<Spanned<String>>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    /// When `baseline capture` wrote it (RFC 3339, UTC).
    #[serde(default)]
    captured: Option<Spanned<String>>,
    #[serde(default)]
    resources: BTreeMap<String, Spanned<ResourceDecl>>,
    #[serde(default)]
    compliance: BTreeMap<String, Spanned<Value>>,
    #[serde(default)]
    ignore: Vec<Spanned<IgnoreDecl>>,
    #[serde(default)]
    unmanaged: Option<UnmanagedDecl>,
}

/// The file being applied: where it is, how it is shown, its index, and the environment.
struct FileAt<'a> {
    path: &'a Path,
    display: std::sync::Arc<str>,
    index: u16,
    environment: &'a str,
}

impl FileAt<'_> {
    fn source(&self, line: u64) -> SourceRef {
        SourceRef {
            file: self.display.clone(),
            line,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceDecl {
    #[serde(default)]
    exists: Option<bool>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    properties: BTreeMap<String, Spanned<CompactJson>>,
    /// Declared tags: exactly these (tags under `aws:` aside), unless `extra_tags: allowed`.
    #[serde(default)]
    tags: Option<BTreeMap<String, Spanned<CompactJson>>>,
    #[serde(default)]
    extra_tags: Option<ExtraTags>,
}

/// What a live tag that a resource's `tags:` does not declare is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExtraTags {
    /// Drift, with the tag's key in its path (the default once `tags:` is declared).
    Drift,
    /// Accepted: the declared tags are "at least these".
    Allowed,
}

/// How a resource's live tags are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagCheck {
    /// No `tags:` declared: tags are not checked.
    Unchecked,
    /// Exactly the declared tags (keys under the `aws:` prefix, which AWS sets, aside).
    Exact,
    /// At least the declared tags (`extra_tags: allowed`).
    AtLeast,
}

/// Tag keys AWS itself sets and users cannot change (`aws:cloudformation:stack-name`, ...):
/// never drift.
pub const AWS_TAG_PREFIX: &str = "aws:";

/// A declared value, turned into compact JSON text as soon as it is read, so a large baseline
/// never holds all of its value trees at once.
#[derive(Debug)]
struct CompactJson(String);

impl<'de> Deserialize<'de> for CompactJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| CompactJson(value.to_string()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreDecl {
    resource: String,
    path: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnmanagedDecl {
    #[serde(default)]
    severity: Option<Severity>,
    #[serde(default)]
    ignore: Vec<String>,
}

/// A resource key: `<kind>/<logical name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    /// The kind.
    pub kind: ResourceKind,
    /// The logical name, with `{env}`.
    pub logical_name: String,
}

impl ResourceKey {
    /// Parses `security-group/db-{env}`.
    pub fn parse(key: &str) -> Result<Self, String> {
        let (kind, name) = key
            .split_once('/')
            .ok_or_else(|| format!("resource key `{key}` must be `<kind>/<logical name>`"))?;
        let kind = ResourceKind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| {
                let kinds: Vec<&str> = ResourceKind::ALL.iter().map(|k| k.as_str()).collect();
                format!(
                    "unknown resource kind `{kind}` in `{key}` (expected one of {})",
                    kinds.join(", ")
                )
            })?;
        if name.is_empty() {
            return Err(format!("resource key `{key}` has no logical name"));
        }
        Ok(ResourceKey {
            kind,
            logical_name: name.to_string(),
        })
    }
}

impl std::fmt::Display for ResourceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.logical_name)
    }
}

/// One declared field of a resource, stored compactly: a captured baseline of a large estate
/// has hundreds of thousands of them.
#[derive(Debug, Clone)]
pub struct FieldExpectation {
    /// The declared value (with `{env}` replaced), validated, as compact JSON text.
    declared: Box<str>,
    /// When a file merged its declaration into one from the file it extends: what that file
    /// declared itself (the environment's own part, as compact JSON text).
    own: Option<Box<str>>,
    /// Line of the declaration.
    line: u32,
    /// Index of the declaring file in [`Baseline::files`].
    file: u16,
}

impl FieldExpectation {
    /// The declared value.
    pub fn declared(&self) -> Value {
        serde_json::from_str(&self.declared).unwrap_or(Value::Null)
    }

    /// What the declaring file itself said: the declared value, or only the overriding part
    /// when it was merged into a declaration of the file it extends.
    pub fn own_declaration(&self) -> Value {
        self.own
            .as_deref()
            .and_then(|own| serde_json::from_str(own).ok())
            .unwrap_or_else(|| self.declared())
    }

    /// Checks a live value against the field declared at `path`, collecting mismatches with
    /// their full paths.
    pub fn check(&self, path: &str, actual: Option<&Value>, out: &mut Vec<Mismatch>) {
        expect::check(path, &self.declared(), actual, out);
    }

    /// 1-based line of the declaration.
    pub fn line(&self) -> u64 {
        u64::from(self.line)
    }

    /// Whether the declaration comes from a file that another extends (`base.yaml`), rather
    /// than from the environment's own file.
    pub fn from_base(&self) -> bool {
        self.file == 0
    }
}

/// What a baseline declares about one resource.
#[derive(Debug, Clone)]
pub struct ResourceExpectation {
    /// `false`: the resource must not exist.
    pub exists: bool,
    /// The region it must be in, if pinned.
    pub region: Option<String>,
    /// Severity of drift on it (default medium).
    pub severity: Option<Severity>,
    /// Declared fields, by path (`properties.<field>` or `tags.<key>`).
    pub fields: BTreeMap<Box<str>, FieldExpectation>,
    /// Whether live tags beyond the declared ones are drift.
    pub tags: TagCheck,
    /// Where the resource was declared.
    pub source: SourceRef,
}

/// Settings of one compliance rule: `enabled`, `severity`, and the rule's own parameters.
#[derive(Debug, Clone)]
pub struct RuleSettings {
    /// The settings map (merged along `extends`).
    pub values: serde_json::Map<String, Value>,
    /// Where they were (last) declared.
    pub source: SourceRef,
}

/// A narrow ignore rule: one field path on one resource.
#[derive(Debug, Clone)]
pub struct IgnoreRule {
    /// The resource.
    pub resource: ResourceKey,
    /// The path ignored, with everything under it.
    pub path: String,
    /// Why.
    pub reason: Option<String>,
    /// `YYYY-MM-DD` after which the rule no longer applies.
    pub expires: Option<(i32, u32, u32)>,
    /// Where it was declared.
    pub source: SourceRef,
}

impl IgnoreRule {
    /// Whether it covers `path` on `resource` (on `path` itself or below it).
    pub fn covers(&self, resource: &ResourceKey, path: &str) -> bool {
        &self.resource == resource
            && (path == self.path
                || path.starts_with(&self.path)
                    && matches!(
                        path.as_bytes().get(self.path.len()),
                        Some(b'.') | Some(b'[')
                    ))
    }

    /// Whether the rule has expired on `today` (year, month, day).
    pub fn expired(&self, today: (i32, u32, u32)) -> bool {
        self.expires.is_some_and(|date| date < today)
    }
}

/// Where baselines are read from, and the name findings show that directory by.
#[derive(Debug, Clone, Copy)]
pub struct BaselineDir<'a> {
    /// The local directory (or file).
    pub path: &'a Path,
    /// What findings call it (`ssm:/driftscan/baselines`); `None`: the path as given.
    pub shown_as: Option<&'a str>,
}

impl<'a> BaselineDir<'a> {
    /// Baselines at `path`, shown as given.
    pub fn new(path: &'a Path) -> Self {
        BaselineDir {
            path,
            shown_as: None,
        }
    }

    /// `environment`'s baseline ([`Baseline::load`]).
    pub fn load(&self, environment: &str) -> Result<Baseline, BaselineError> {
        Baseline::load_shown_as(self.path, environment, self.shown_as)
    }

    /// `environment`'s own file, when it has one.
    pub fn load_own(&self, environment: &str) -> Result<Option<Baseline>, BaselineError> {
        let file = self.path.join(format!("{environment}.yaml"));
        if !file.is_file() {
            return Ok(None);
        }
        Baseline::load_shown_as(&file, environment, self.shown_as).map(Some)
    }
}

/// A fully resolved baseline for one environment.
#[derive(Debug, Clone)]
pub struct Baseline {
    /// The environment it was resolved for.
    pub environment: String,
    /// Files read, base first.
    pub files: Vec<PathBuf>,
    /// The same, as shown in findings.
    file_names: Vec<std::sync::Arc<str>>,
    /// Declared resources.
    pub resources: BTreeMap<ResourceKey, ResourceExpectation>,
    /// Compliance rule settings by rule id.
    pub compliance: BTreeMap<String, RuleSettings>,
    /// Ignore rules.
    pub ignores: Vec<IgnoreRule>,
    /// Severity of unmanaged findings.
    pub unmanaged_severity: Severity,
    /// `<kind>/<logical name>` globs of live resources never reported unmanaged.
    pub unmanaged_ignore: Vec<Regex>,
    /// The directory files are read from and the name findings show it by.
    shown_as: Option<(PathBuf, String)>,
    /// When the newest of its files that says so (`captured:`) was captured: drift is what
    /// changed since, so attribution looks no further back.
    pub captured: Option<time::OffsetDateTime>,
}

impl Baseline {
    /// An empty baseline: every live resource is unmanaged, default compliance rules apply.
    pub fn empty(environment: &str) -> Self {
        Baseline {
            environment: environment.to_string(),
            files: Vec::new(),
            file_names: Vec::new(),
            resources: BTreeMap::new(),
            compliance: BTreeMap::new(),
            ignores: Vec::new(),
            unmanaged_severity: Severity::Medium,
            unmanaged_ignore: Vec::new(),
            shown_as: None,
            captured: None,
        }
    }

    /// Loads `<dir>/<environment>.yaml` (for a preview `pr-<n>` without one,
    /// `<dir>/preview.yaml`), or the file itself when `path` is a file.
    pub fn load(path: &Path, environment: &str) -> Result<Self, BaselineError> {
        Self::load_shown_as(path, environment, None)
    }

    /// [`Baseline::load`], naming the files under `path` in findings as under `shown_as`
    /// (`ssm:/driftscan/baselines/prod.yaml`, `baselines/prod.yaml`) rather than by the local
    /// directory they were copied to.
    pub fn load_shown_as(
        path: &Path,
        environment: &str,
        shown_as: Option<&str>,
    ) -> Result<Self, BaselineError> {
        crate::naming::validate_environment_name(environment)?;
        if !path.exists() {
            return Err(BaselineError::Read {
                path: path.to_path_buf(),
                message: "no such baseline directory or file (pass --baselines <dir or file>)"
                    .into(),
            });
        }
        let mut baseline = Baseline::empty(environment);
        if let Some(label) = shown_as {
            let root = if path.is_dir() {
                path
            } else {
                path.parent().unwrap_or(Path::new(""))
            };
            baseline.shown_as = Some((root.to_path_buf(), label.trim_end_matches('/').into()));
        }
        let merged = match Self::file_for(path, environment) {
            Ok(file) => baseline.merge_file(&file, environment, 0),
            Err(e) => Err(e),
        };
        // Errors name their file as findings do, never a temporary copy's path.
        merged.map_err(|error| baseline.shown_in(error))?;
        Ok(baseline)
    }

    /// The file `environment`'s baseline is read from: `path` itself, or in the directory
    /// `<environment>.yaml` (`preview.yaml` for a preview without one of its own).
    fn file_for(path: &Path, environment: &str) -> Result<PathBuf, BaselineError> {
        if !path.is_dir() {
            return Ok(path.to_path_buf());
        }
        let own = path.join(format!("{environment}.yaml"));
        // A preview (`pr-<n>`) without a baseline of its own uses `preview.yaml`.
        let shared = path.join(PREVIEW_BASELINE);
        let file = if !own.is_file() && is_preview(environment) && shared.is_file() {
            shared
        } else {
            own
        };
        if !file.is_file() {
            return Err(BaselineError::Read {
                path: file,
                message: format!("no baseline for environment `{environment}`"),
            });
        }
        Ok(file)
    }

    /// `error` naming its file under the shown name.
    fn shown_in(&self, error: BaselineError) -> BaselineError {
        match error {
            BaselineError::Read { path, message } => BaselineError::Read {
                path: self.shown_name(&path).into(),
                message,
            },
            BaselineError::Parse {
                path,
                line,
                column,
                message,
            } => BaselineError::Parse {
                path: self.shown_name(&path).into(),
                line,
                column,
                message,
            },
            other => other,
        }
    }

    /// The files read, base first, as findings and reports name them.
    pub fn shown_files(&self) -> impl Iterator<Item = &str> {
        self.file_names.iter().map(|name| &**name)
    }

    /// How findings name the file at `path`: under its shown name when one is set.
    fn shown_name(&self, path: &Path) -> String {
        let relative = self
            .shown_as
            .as_ref()
            .and_then(|(root, label)| Some((path.strip_prefix(root).ok()?, label)));
        match relative {
            Some((relative, label)) => format!("{label}/{}", relative.display()),
            None => path.display().to_string(),
        }
    }

    /// Parses one baseline text (no `extends`), for tests and fuzzing.
    pub fn parse_str(text: &str, name: &Path, environment: &str) -> Result<Self, BaselineError> {
        let mut baseline = Baseline::empty(environment);
        let file = parse_file(text, name)?;
        if file.extends.is_some() {
            return Err(BaselineError::at(
                name,
                0,
                0,
                "`extends` needs a baseline loaded from a file",
            ));
        }
        baseline.apply(file, name, environment)?;
        Ok(baseline)
    }

    fn merge_file(
        &mut self,
        path: &Path,
        environment: &str,
        depth: usize,
    ) -> Result<(), BaselineError> {
        if depth > MAX_EXTENDS_DEPTH {
            return Err(BaselineError::at(
                path,
                0,
                0,
                format!("`extends` is nested more than {MAX_EXTENDS_DEPTH} deep (a cycle?)"),
            ));
        }
        let text = read_bounded(path)?;
        let file = parse_file(&text, path)?;
        if let Some(parent) = &file.extends {
            let parent_path = path.parent().unwrap_or(Path::new(".")).join(&parent.value);
            if !parent_path.is_file() {
                return Err(BaselineError::at(
                    path,
                    parent.referenced.line(),
                    parent.referenced.column(),
                    format!(
                        "`extends: {}`: no such file {}",
                        parent.value,
                        parent_path.display()
                    ),
                ));
            }
            self.merge_file(&parent_path, environment, depth + 1)?;
        }
        self.apply(file, path, environment)
    }

    /// Applies one file over what is already merged.
    fn apply(
        &mut self,
        file: BaselineFile,
        path: &Path,
        environment: &str,
    ) -> Result<(), BaselineError> {
        let display: std::sync::Arc<str> = self.shown_name(path).into();
        self.files.push(path.to_path_buf());
        self.file_names.push(display.clone());
        let at = FileAt {
            path,
            display,
            index: u16::try_from(self.files.len() - 1).unwrap_or(u16::MAX),
            environment,
        };
        if let Some(captured) = &file.captured {
            let at = parse_captured(path, captured)?;
            self.captured = self.captured.max(Some(at));
        }
        self.apply_resources(&at, file.resources)?;
        self.apply_compliance(&at, file.compliance)?;
        self.apply_ignores(&at, file.ignore)?;
        self.apply_unmanaged(&at, file.unmanaged)
    }

    fn apply_resources(
        &mut self,
        at: &FileAt<'_>,
        resources: BTreeMap<String, Spanned<ResourceDecl>>,
    ) -> Result<(), BaselineError> {
        for (key, decl) in resources {
            let line = decl.referenced.line();
            let key = ResourceKey::parse(&key)
                .map_err(|e| BaselineError::at(at.path, line, decl.referenced.column(), e))?;
            let decl = decl.value;
            let kind = key.kind;
            let entry = self
                .resources
                .entry(key)
                .or_insert_with(|| ResourceExpectation {
                    exists: true,
                    region: None,
                    severity: None,
                    fields: BTreeMap::new(),
                    tags: TagCheck::Unchecked,
                    source: at.source(line),
                });
            entry.source = at.source(line);
            if let Some(exists) = decl.exists {
                entry.exists = exists;
            }
            if decl.region.is_some() {
                entry.region = decl.region;
            }
            if decl.severity.is_some() {
                entry.severity = decl.severity;
            }
            if decl.tags.is_some() && entry.tags == TagCheck::Unchecked {
                entry.tags = TagCheck::Exact;
            }
            match decl.extra_tags {
                Some(ExtraTags::Allowed) => entry.tags = TagCheck::AtLeast,
                Some(ExtraTags::Drift) => entry.tags = TagCheck::Exact,
                None => {}
            }
            let tags = decl.tags.unwrap_or_default();
            for (section, fields) in [("properties", decl.properties), ("tags", tags)] {
                for (name, value) in fields {
                    let field_path = format!("{section}.{name}");
                    let parsed = serde_json::from_str(&value.value.0).unwrap_or(Value::Null);
                    let declared = substitute_env(parsed, at.environment);
                    let problem = expect::validate(&declared).err().or_else(|| {
                        (section == "properties")
                            .then(|| schema::unknown_field(kind, &name, &declared))
                            .flatten()
                    });
                    problem.map_or(Ok(()), Err).map_err(|e: String| {
                        BaselineError::at(
                            at.path,
                            value.referenced.line(),
                            value.referenced.column(),
                            format!("{field_path}: {e}"),
                        )
                    })?;
                    let declared = if section == "properties" {
                        schema::exact_maps(kind, &name, declared)
                    } else {
                        declared
                    };
                    // A declaration of the extended file is refined, not replaced: structs
                    // field by field, lists of named elements (containers) element by name.
                    let (declared, own) = match entry.fields.get(field_path.as_str()) {
                        Some(inherited) if inherited.file != at.index => {
                            let own = declared.to_string();
                            (merge(inherited.declared(), declared), Some(own.into()))
                        }
                        _ => (declared, None),
                    };
                    entry.fields.insert(
                        field_path.into(),
                        FieldExpectation {
                            declared: declared.to_string().into(),
                            own,
                            line: u32::try_from(value.referenced.line()).unwrap_or(u32::MAX),
                            file: at.index,
                        },
                    );
                }
            }
        }

        Ok(())
    }

    fn apply_compliance(
        &mut self,
        at: &FileAt<'_>,
        compliance: BTreeMap<String, Spanned<Value>>,
    ) -> Result<(), BaselineError> {
        for (rule, settings) in compliance {
            let line = settings.referenced.line();
            let Value::Object(values) = substitute_env(settings.value, at.environment) else {
                return Err(BaselineError::at(
                    at.path,
                    line,
                    settings.referenced.column(),
                    format!("compliance.{rule}: expected a map of settings"),
                ));
            };
            let entry = self.compliance.entry(rule).or_insert_with(|| RuleSettings {
                values: serde_json::Map::new(),
                source: at.source(line),
            });
            entry.values.extend(values);
            entry.source = at.source(line);
        }

        Ok(())
    }

    fn apply_ignores(
        &mut self,
        at: &FileAt<'_>,
        ignores: Vec<Spanned<IgnoreDecl>>,
    ) -> Result<(), BaselineError> {
        for ignore in ignores {
            let (line, column) = (ignore.referenced.line(), ignore.referenced.column());
            let decl = ignore.value;
            let error = |message: String| BaselineError::at(at.path, line, column, message);
            let resource = ResourceKey::parse(&decl.resource).map_err(&error)?;
            if resource.logical_name.contains(['*', '?']) {
                return Err(error(format!(
                    "ignore: `{}` must name one resource, without wildcards",
                    decl.resource
                )));
            }
            if decl.path.trim().is_empty()
                || !(decl.path.starts_with("properties.") || decl.path.starts_with("tags."))
            {
                return Err(error(format!(
                    "ignore: path `{}` must be a field under `properties.` or `tags.`; ignoring a whole resource is not allowed",
                    decl.path
                )));
            }
            let expires = decl
                .expires
                .as_deref()
                .map(|d| {
                    parse_date(d).ok_or_else(|| {
                        error(format!("ignore: expires `{d}` is not a YYYY-MM-DD date"))
                    })
                })
                .transpose()?;
            self.ignores.push(IgnoreRule {
                resource,
                path: decl.path,
                reason: decl.reason,
                expires,
                source: at.source(line),
            });
        }

        Ok(())
    }

    fn apply_unmanaged(
        &mut self,
        at: &FileAt<'_>,
        unmanaged: Option<UnmanagedDecl>,
    ) -> Result<(), BaselineError> {
        if let Some(unmanaged) = unmanaged {
            if let Some(severity) = unmanaged.severity {
                self.unmanaged_severity = severity;
            }
            // Patterns match `<kind>/<logical name>`, whose `{env}` stays literal.
            for pattern in unmanaged.ignore {
                let regex = expect::glob_to_regex(&pattern).map_err(|e| {
                    BaselineError::at(at.path, 0, 0, format!("unmanaged.ignore `{pattern}`: {e}"))
                })?;
                self.unmanaged_ignore.push(regex);
            }
        }
        Ok(())
    }

    /// Where `field` was declared.
    pub fn source_of(&self, field: &FieldExpectation) -> SourceRef {
        SourceRef {
            file: self
                .file_names
                .get(usize::from(field.file))
                .cloned()
                .unwrap_or_else(|| "".into()),
            line: field.line(),
        }
    }

    /// Whether a live, undeclared resource is exempt from unmanaged findings.
    pub fn unmanaged_ignored(&self, key: &ResourceKey) -> bool {
        let text = key.to_string();
        self.unmanaged_ignore.iter().any(|r| r.is_match(&text))
    }
}

/// A file's `captured:` time, or an error at it saying what is expected.
fn parse_captured(
    path: &Path,
    captured: &Spanned<String>,
) -> Result<time::OffsetDateTime, BaselineError> {
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    time::OffsetDateTime::parse(&captured.value, rfc3339).map_err(|e| {
        BaselineError::at(
            path,
            captured.referenced.line(),
            captured.referenced.column(),
            format!(
                "`captured: {}` is not an RFC 3339 time such as 2026-12-07T16:00:00Z ({e})",
                captured.value
            ),
        )
    })
}

fn read_bounded(path: &Path) -> Result<String, BaselineError> {
    let read_error = |message: String| BaselineError::Read {
        path: path.to_path_buf(),
        message,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| read_error(e.to_string()))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(read_error(format!(
            "{size} bytes is more than the {MAX_FILE_BYTES} a baseline may have"
        )));
    }
    std::fs::read_to_string(path).map_err(|e| read_error(e.to_string()))
}

fn parse_file(text: &str, path: &Path) -> Result<BaselineFile, BaselineError> {
    if crate::yaml::is_blank(text) {
        return Err(BaselineError::at(
            path,
            1,
            1,
            format!("empty baseline: it must start with `driftscan: {BASELINE_MARKER}`"),
        ));
    }
    let file: BaselineFile =
        serde_saphyr::from_str_with_options(text, yaml_options()).map_err(|e| {
            let (line, column, message) = crate::yaml::located(&e);
            BaselineError::at(path, line, column, message)
        })?;
    if file.driftscan.value != BASELINE_MARKER {
        return Err(BaselineError::at(
            path,
            file.driftscan.referenced.line(),
            file.driftscan.referenced.column(),
            format!("`driftscan: {}` is not a baseline version this driftscan reads (`{BASELINE_MARKER}`)", file.driftscan.value),
        ));
    }
    Ok(file)
}

/// Merges an environment file's declaration over the one it extends: maps of fields key by
/// key (recursively), lists whose elements all have a `name` element by name (an element the
/// overlay does not name is kept, a new one is added); anything else, matchers included, is
/// replaced by the overlay.
fn merge(base: Value, overlay: Value) -> Value {
    use expect::is_matcher_map;
    let named = |items: &[Value]| {
        !items.is_empty()
            && items
                .iter()
                .all(|i| i.get("name").and_then(Value::as_str).is_some())
    };
    match (base, overlay) {
        (Value::Object(mut base), Value::Object(overlay))
            if !is_matcher_map(&base) && !is_matcher_map(&overlay) =>
        {
            for (key, value) in overlay {
                let merged = match base.remove(&key) {
                    Some(inherited) => merge(inherited, value),
                    None => value,
                };
                base.insert(key, merged);
            }
            Value::Object(base)
        }
        (Value::Array(base), Value::Array(overlay)) if named(&base) && named(&overlay) => {
            let mut merged = base;
            for element in overlay {
                let name = element.get("name").cloned();
                match merged.iter().position(|m| m.get("name") == name.as_ref()) {
                    Some(i) => {
                        let inherited = std::mem::take(&mut merged[i]);
                        merged[i] = merge(inherited, element);
                    }
                    None => merged.push(element),
                }
            }
            Value::Array(merged)
        }
        (_, overlay) => overlay,
    }
}

/// Replaces `{env}` in every string of a declared value.
fn substitute_env(value: Value, environment: &str) -> Value {
    match value {
        Value::String(s) => Value::String(s.replace(ENV_PLACEHOLDER, environment)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| substitute_env(v, environment))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    (
                        k.replace(ENV_PLACEHOLDER, environment),
                        substitute_env(v, environment),
                    )
                })
                .collect(),
        ),
        other => other,
    }
}

/// Parses `YYYY-MM-DD` into a real calendar date (`2027-02-31` is not one), years 1970-9999.
pub fn parse_date(text: &str) -> Option<(i32, u32, u32)> {
    let format = time::format_description::parse_borrowed::<2>("[year]-[month]-[day]").ok()?;
    let date = time::Date::parse(text.trim(), &format).ok()?;
    (1970..=9999).contains(&date.year()).then(|| {
        (
            date.year(),
            u32::from(u8::from(date.month())),
            u32::from(date.day()),
        )
    })
}

/// Today's UTC date as (year, month, day).
pub fn today_utc() -> (i32, u32, u32) {
    utc_date(std::time::SystemTime::now())
}

/// The UTC calendar date of `at` as (year, month, day).
pub fn utc_date(at: std::time::SystemTime) -> (i32, u32, u32) {
    let date = time::OffsetDateTime::from(at).date();
    (
        date.year(),
        u32::from(u8::from(date.month())),
        u32::from(date.day()),
    )
}

#[cfg(test)]
mod tests;

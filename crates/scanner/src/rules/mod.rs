//! Compliance rules: built in, configurable per environment in the baseline's `compliance:`
//! section (`enabled`, `severity`, and each rule's own parameters).
//!
//! A rule is a small type implementing [`Check`], listed once in [`RULES`] with its id, default
//! severity and rationale. Rules read the snapshot only; they never call AWS.

mod cache;
mod cdn;
mod certificates;
pub mod controls;
mod data;
mod dns;
mod edge;
mod grants;
mod images;
mod keys;
mod logs;
mod network;
mod platform;
mod roles;
mod secrets;
mod waf;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::baseline::Baseline;
use crate::model::{Finding, FindingKind, Resource, Severity, Snapshot, SourceRef};

/// A calendar day (UTC) as (year, month, day): the day checks judge ages and expiry dates by,
/// given once per evaluation so that rules stay pure.
pub type Day = (i32, u32, u32);

/// A configured rule, ready to check a snapshot.
pub trait Check: Send + Sync {
    /// Appends a violation for everything in `snapshot` that breaks the rule on `today`.
    fn check<'a>(&self, snapshot: &'a Snapshot, today: Day, out: &mut Vec<Violation<'a>>);
}

/// One broken rule on one resource.
#[derive(Debug)]
pub struct Violation<'a> {
    /// The resource.
    pub resource: &'a Resource,
    /// The field, if the violation is about one.
    pub path: Option<String>,
    /// What the rule requires.
    pub expected: Option<Value>,
    /// What was found.
    pub actual: Option<Value>,
    /// A one-line explanation.
    pub message: String,
}

/// A built-in rule: identity, defaults, and how to build it from its settings.
pub struct RuleDef {
    /// Stable id, used in baselines and reports.
    pub id: &'static str,
    /// Severity unless the baseline sets one.
    pub severity: Severity,
    /// Why the rule exists.
    pub rationale: &'static str,
    /// Builds the check from the rule's parameters (settings minus `enabled` and `severity`).
    pub build: BuildCheck,
}

/// Builds a rule's check from its parameters, or says what is wrong with them.
pub type BuildCheck = fn(Map<String, Value>) -> Result<Box<dyn Check>, String>;

/// Every built-in rule.
pub static RULES: &[RuleDef] = &[
    data::STORAGE_ENCRYPTED,
    network::DB_INGRESS_FROM_ANYWHERE,
    network::WORLD_INGRESS_WEB_ONLY,
    data::BACKUP_RETENTION,
    data::DELETION_PROTECTION,
    platform::IMAGE_TAG_POLICY,
    network::ECS_PRIVATE_NETWORKING,
    platform::CONTAINER_INSIGHTS,
    platform::REQUIRED_TAGS,
    network::VPC_AZ_SPAN,
    platform::PLAINTEXT_SECRET,
    edge::HTTP_REDIRECTS_TO_HTTPS,
    edge::LISTENER_TLS_POLICY,
    edge::LOAD_BALANCER_DELETION_PROTECTION,
    edge::BUCKET_PUBLIC_ACCESS_BLOCKED,
    edge::BUCKET_ENCRYPTED,
    edge::BUCKET_VERSIONING,
    edge::BUCKET_POLICY_NO_PUBLIC_GRANT,
    cache::CACHE_ENCRYPTED,
    cache::CACHE_AUTH,
    cache::CACHE_FAILOVER,
    secrets::SECRET_ROTATION,
    secrets::SECRET_POLICY_NO_OUTSIDE_GRANT,
    logs::LOG_RETENTION,
    logs::LOG_ENCRYPTED,
    keys::KMS_KEY_ROTATION,
    keys::KMS_KEY_PENDING_DELETION,
    keys::KMS_KEY_POLICY_NO_OUTSIDE_GRANT,
    roles::IAM_NO_ADMIN_WILDCARD,
    roles::IAM_TRUST_NO_WILDCARD,
    roles::IAM_PASSROLE_WILDCARD,
    certificates::CERTIFICATE_EXPIRY,
    certificates::CERTIFICATE_EXPIRY_CRITICAL,
    images::ECR_TAG_IMMUTABILITY,
    images::ECR_IMAGE_SCANNING,
    images::ECR_LIFECYCLE_POLICY,
    images::ECR_REPOSITORY_POLICY_NO_OUTSIDE_GRANT,
    images::TASK_IMAGE_REPOSITORY_EXISTS,
    cdn::CDN_VIEWER_HTTPS,
    cdn::CDN_TLS_MINIMUM,
    cdn::CDN_ORIGIN_HTTPS,
    cdn::CDN_WEB_ACL,
    dns::DNS_DANGLING,
    waf::LOAD_BALANCER_WEB_ACL,
];

/// The definition of rule `id`.
pub fn rule(id: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.id == id)
}

/// A rule's settings are wrong.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: compliance.{rule}: {message}")]
pub struct RuleConfigError {
    /// Baseline file.
    pub file: String,
    /// Line of the rule's settings.
    pub line: u64,
    /// Rule id.
    pub rule: String,
    /// What is wrong.
    pub message: String,
}

/// Parameters of a rule from its settings map, rejecting unknown keys.
pub(crate) fn params<T: DeserializeOwned>(values: Map<String, Value>) -> Result<T, String> {
    serde_json::from_value(Value::Object(values)).map_err(|e| e.to_string())
}

/// The parameters of a rule that is on unless its `required` parameter says otherwise.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Required {
    #[serde(default = "yes")]
    required: bool,
}

fn yes() -> bool {
    true
}

/// The parameters of a rule that is off unless its `required` parameter turns it on (prod's).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredWhereSaid {
    #[serde(default)]
    required: bool,
}

/// Whether a rule with `required` semantics is on (default on).
fn required(values: Map<String, Value>) -> Result<bool, String> {
    Ok(params::<Required>(values)?.required)
}

/// Whether a rule that is off unless turned on is on.
fn required_where_said(values: Map<String, Value>) -> Result<bool, String> {
    Ok(params::<RequiredWhereSaid>(values)?.required)
}

/// Days from an RFC 3339 time to `today`; `None` when it does not parse.
pub(super) fn days_since(when: &str, today: Day) -> Option<i64> {
    let then = time::OffsetDateTime::parse(when, &time::format_description::well_known::Rfc3339)
        .ok()?
        .date();
    let month = time::Month::try_from(u8::try_from(today.1).ok()?).ok()?;
    let today = time::Date::from_calendar_date(today.0, month, u8::try_from(today.2).ok()?).ok()?;
    Some((today - then).whole_days())
}

/// The parameters of a rule that takes none.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

/// Every resource of one kind with its properties: `pick` answers the kind's properties type.
fn of_kind<'a, T: 'a>(
    snapshot: &'a Snapshot,
    pick: fn(&'a crate::model::Properties) -> Option<&'a T>,
) -> impl Iterator<Item = (&'a Resource, &'a T)> {
    snapshot
        .resources
        .iter()
        .filter_map(move |r| pick(&r.properties).map(|p| (r, p)))
}

struct Enabled {
    def: &'static RuleDef,
    severity: Severity,
    check: Box<dyn Check>,
    source: Option<SourceRef>,
}

/// Checks the baseline's `compliance:` settings (known rules, valid parameters) without a
/// snapshot.
pub fn validate(baseline: &Baseline) -> Result<(), RuleConfigError> {
    configure(baseline).map(drop)
}

fn configure(baseline: &Baseline) -> Result<Vec<Enabled>, RuleConfigError> {
    for (id, settings) in &baseline.compliance {
        if rule(id).is_none() {
            let known: Vec<&str> = RULES.iter().map(|r| r.id).collect();
            return Err(RuleConfigError {
                file: settings.source.file.to_string(),
                line: settings.source.line,
                rule: id.clone(),
                message: format!("unknown rule (known: {})", known.join(", ")),
            });
        }
    }
    let mut enabled = Vec::new();
    for def in RULES {
        let settings = baseline.compliance.get(def.id);
        let error = |message: String| RuleConfigError {
            file: settings
                .map(|s| s.source.file.to_string())
                .unwrap_or_default(),
            line: settings.map(|s| s.source.line).unwrap_or(0),
            rule: def.id.to_string(),
            message,
        };
        let mut values = settings.map(|s| s.values.clone()).unwrap_or_default();
        let on = match values.remove("enabled") {
            None => true,
            Some(Value::Bool(on)) => on,
            Some(other) => {
                return Err(error(format!(
                    "`enabled` must be true or false, not {other}"
                )))
            }
        };
        let severity = match values.remove("severity") {
            None => def.severity,
            Some(Value::String(s)) => s.parse().map_err(error)?,
            Some(other) => return Err(error(format!("`severity` must be a string, not {other}"))),
        };
        let check = (def.build)(values).map_err(error)?;
        if on {
            enabled.push(Enabled {
                def,
                severity,
                check,
                source: settings.map(|s| s.source.clone()),
            });
        }
    }
    Ok(enabled)
}

/// Checks every enabled rule against `snapshot`.
pub fn evaluate(
    snapshot: &Snapshot,
    baseline: &Baseline,
    today: Day,
) -> Result<Vec<Finding>, RuleConfigError> {
    let mut findings = Vec::new();
    for rule in configure(baseline)? {
        let mut violations = Vec::new();
        rule.check.check(snapshot, today, &mut violations);
        findings.extend(violations.into_iter().map(|v| {
            Finding {
                attribution: None,
                fingerprint: String::new(),
                kind: FindingKind::Compliance,
                severity: rule.severity,
                environment: snapshot.environment.clone(),
                region: v.resource.region.clone(),
                resource_type: v.resource.kind,
                logical_name: v.resource.logical_name.clone(),
                physical_id: Some(v.resource.id.clone()),
                arn: v.resource.arn.clone(),
                path: v.path,
                expected: v.expected,
                actual: v.actual,
                rule_id: Some(rule.def.id.to_string()),
                message: v.message,
                source: rule.source.clone(),
            }
            .with_fingerprint()
        }));
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_and_documented() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for rule in RULES {
            assert!(rule.rationale.len() > 20, "{} needs a rationale", rule.id);
            assert!(
                (rule.build)(Map::new()).is_ok(),
                "{} builds with default parameters",
                rule.id
            );
        }
    }

    #[test]
    fn settings_are_validated() {
        let mut baseline = Baseline::empty("prod");
        let settings = |v: Value| crate::baseline::RuleSettings {
            values: v.as_object().unwrap().clone(),
            source: SourceRef {
                file: "prod.yaml".into(),
                line: 9,
            },
        };
        baseline
            .compliance
            .insert("no-such-rule".into(), settings(serde_json::json!({})));
        let err = evaluate(
            &crate::testing::snapshot(vec![]),
            &baseline,
            crate::testing::TODAY,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("prod.yaml:9: compliance.no-such-rule: unknown rule"),
            "{err}"
        );

        let mut baseline = Baseline::empty("prod");
        baseline.compliance.insert(
            "backup-retention".into(),
            settings(serde_json::json!({"min_dayz": 3})),
        );
        let err = evaluate(
            &crate::testing::snapshot(vec![]),
            &baseline,
            crate::testing::TODAY,
        )
        .unwrap_err();
        assert!(err.to_string().contains("min_dayz"), "{err}");

        let mut baseline = Baseline::empty("prod");
        baseline.compliance.insert(
            "backup-retention".into(),
            settings(serde_json::json!({"severity": "severe"})),
        );
        assert!(evaluate(
            &crate::testing::snapshot(vec![]),
            &baseline,
            crate::testing::TODAY
        )
        .is_err());
    }
}

//! The environment spec from the environment's baseline: one source of truth. What the baseline
//! declares as a concrete value (the VPC range, the desired count, the task size, the backup
//! retention and deletion protection, the Aurora instances and their class, the tuning
//! parameters) is what `apply` builds; what it declares only as a pattern (the image tag line, a
//! `>=` bound on retention) takes the reference value or the bound.

use scanner::baseline::{Baseline, ResourceKey};
use scanner::model::ResourceKind;
use serde_json::Value;

use crate::{EnvironmentSpec, InfraError};

/// A number a declaration pins down: a literal, or the bound of `>=` / `>`.
fn concrete_number(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::Object(map) if map.len() == 1 => match map.iter().next()? {
            (op, Value::Number(n)) if op == ">=" => n.as_i64(),
            (op, Value::Number(n)) if op == ">" => n.as_i64().map(|n| n + 1),
            _ => None,
        },
        _ => None,
    }
}

/// What a declaration pins: `Some` for a literal (or a bound) `read` accepts, `None` for a
/// matcher that pins nothing (the reference value stays), an error for a literal of the wrong
/// type.
fn pinned<T>(declared: &Value, read: impl Fn(&Value) -> Option<T>) -> Result<Option<T>, String> {
    match (read(declared), declared) {
        (Some(value), _) => Ok(Some(value)),
        (None, Value::Object(_)) => Ok(None),
        (None, other) => Err(format!("{other} is not the expected type")),
    }
}

impl EnvironmentSpec {
    /// The reference spec of `baseline.environment`, with every value the baseline pins down
    /// taken from it. Inconsistent declarations (a VPC range outside 10.N.0.0/16, a count that
    /// is not a number) are errors naming the baseline file and line.
    pub fn from_baseline(baseline: &Baseline, region: Option<&str>) -> Result<Self, InfraError> {
        let mut spec = EnvironmentSpec::reference(&baseline.environment, region)?;
        let field = |kind: ResourceKind, name: &str, path: &str| {
            let key = ResourceKey {
                kind,
                logical_name: name.to_string(),
            };
            baseline
                .resources
                .get(&key)
                .filter(|r| r.exists)
                .and_then(|r| r.fields.get(path))
                .map(|f| (f.declared(), baseline.source_of(f)))
        };
        let invalid = |source: scanner::model::SourceRef, what: String| {
            InfraError::Refused(format!("{}:{}: {what}", source.file, source.line))
        };

        if let Some((declared, source)) =
            field(ResourceKind::Vpc, "vpc-{env}", "properties.cidr_blocks")
        {
            let cidr = declared.get(0).and_then(Value::as_str).unwrap_or_default();
            let octet = cidr
                .strip_prefix("10.")
                .and_then(|rest| rest.strip_suffix(".0.0/16"))
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    invalid(
                        source,
                        format!("the VPC range {declared} is not 10.N.0.0/16"),
                    )
                })?;
            spec.cidr_octet = octet;
        }
        if let Some((declared, source)) = field(
            ResourceKind::EcsService,
            "trading-app-{env}",
            "properties.desired_count",
        ) {
            if let Some(n) = pinned(&declared, concrete_number)
                .map_err(|e| invalid(source, format!("desired_count {e}")))?
            {
                spec.desired_count = i32::try_from(n).map_err(|_| {
                    InfraError::Refused(format!("desired_count {n} is out of range"))
                })?;
            }
        }
        for (path, slot) in [("properties.cpu", 0), ("properties.memory", 1)] {
            if let Some((declared, source)) =
                field(ResourceKind::EcsTaskDefinition, "trading-app-{env}", path)
            {
                let value = declared
                    .as_str()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        invalid(
                            source,
                            format!("{path} {declared} is not a number in a string"),
                        )
                    })?;
                if slot == 0 {
                    spec.task_size.0 = value;
                } else {
                    spec.task_size.1 = value;
                }
            }
        }
        let cluster = "aurora-cluster-{env}";
        if let Some((declared, source)) = field(
            ResourceKind::DbCluster,
            cluster,
            "properties.backup_retention_period",
        ) {
            if let Some(n) = pinned(&declared, concrete_number)
                .map_err(|e| invalid(source, format!("backup_retention_period {e}")))?
            {
                spec.backup_retention_days = i32::try_from(n).map_err(|_| {
                    InfraError::Refused(format!("backup retention {n} is out of range"))
                })?;
            }
        }
        if let Some((declared, source)) = field(
            ResourceKind::DbCluster,
            cluster,
            "properties.deletion_protection",
        ) {
            spec.deletion_protection = declared.as_bool().ok_or_else(|| {
                invalid(
                    source,
                    format!("deletion_protection {declared} is not true or false"),
                )
            })?;
        }
        // Aurora instances: the declared aurora-{env}-N, numbered from 1 without gaps.
        let instances: Vec<&ResourceKey> = baseline
            .resources
            .iter()
            .filter(|(k, r)| {
                k.kind == ResourceKind::DbInstance
                    && r.exists
                    && k.logical_name.starts_with("aurora-{env}-")
            })
            .map(|(k, _)| k)
            .collect();
        if !instances.is_empty() && spec.preview.is_none() {
            spec.aurora_instances = instances.len() as u32;
            for i in 1..=instances.len() {
                let name = format!("aurora-{{env}}-{i}");
                if !instances.iter().any(|k| k.logical_name == name) {
                    return Err(InfraError::Refused(format!(
                        "baseline of {}: db-instance/{name} is missing while {} instances are declared",
                        baseline.environment,
                        instances.len()
                    )));
                }
            }
            if let Some((declared, source)) = field(
                ResourceKind::DbInstance,
                "aurora-{env}-1",
                "properties.instance_class",
            ) {
                spec.aurora_class = declared
                    .as_str()
                    .ok_or_else(|| {
                        invalid(
                            source,
                            format!("instance_class {declared} is not a class name"),
                        )
                    })?
                    .to_string();
            }
        }
        for (key, value) in spec.tuning.iter_mut() {
            let name = format!("/{{env}}/{key}");
            if let Some((declared, source)) =
                field(ResourceKind::SsmParameter, &name, "properties.value")
            {
                let literal = |v: &Value| v.as_str().map(str::to_string);
                if let Some(text) = pinned(&declared, literal)
                    .map_err(|e| invalid(source, format!("{name} value {e}")))?
                {
                    *value = text;
                }
            }
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn shipped(env: &str) -> Baseline {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../baselines");
        Baseline::load(&dir, env).expect("shipped baseline")
    }

    #[test]
    fn the_shipped_baselines_and_the_reference_table_agree() {
        for env in ["dev", "staging", "prod"] {
            let from_baseline = EnvironmentSpec::from_baseline(&shipped(env), None).unwrap();
            assert_eq!(
                from_baseline,
                EnvironmentSpec::reference(env, None).unwrap(),
                "{env}"
            );
        }
    }

    #[test]
    fn declared_values_drive_the_spec() {
        let text = r#"
driftscan: baseline/v1
resources:
  vpc/vpc-{env}:
    properties: {cidr_blocks: [10.7.0.0/16]}
  ecs-service/trading-app-{env}:
    properties: {desired_count: 4}
  db-cluster/aurora-cluster-{env}:
    properties: {backup_retention_period: {">=": 14}, deletion_protection: true}
  db-instance/aurora-{env}-1:
    properties: {instance_class: db.r6g.2xlarge}
  db-instance/aurora-{env}-2:
    properties: {instance_class: db.r6g.2xlarge}
  ssm-parameter//{env}/cache-ttl:
    properties: {value: "900"}
"#;
        let baseline = Baseline::parse_str(text, Path::new("staging.yaml"), "staging").unwrap();
        let spec = EnvironmentSpec::from_baseline(&baseline, None).unwrap();
        assert_eq!(spec.cidr_octet, 7);
        assert_eq!(spec.desired_count, 4);
        assert_eq!(spec.backup_retention_days, 14);
        assert!(spec.deletion_protection);
        assert_eq!(
            (spec.aurora_instances, spec.aurora_class.as_str()),
            (2, "db.r6g.2xlarge")
        );
        assert!(spec
            .tuning
            .iter()
            .any(|(k, v)| *k == "cache-ttl" && v == "900"));

        let bad = "driftscan: baseline/v1\nresources:\n  vpc/vpc-{env}:\n    properties: {cidr_blocks: [192.168.0.0/24]}\n";
        let baseline = Baseline::parse_str(bad, Path::new("staging.yaml"), "staging").unwrap();
        let err = EnvironmentSpec::from_baseline(&baseline, None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("staging.yaml:4: the VPC range"), "{err}");
    }
}

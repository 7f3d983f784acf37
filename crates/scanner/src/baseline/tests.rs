use std::path::Path;

use serde_json::json;

use super::*;

fn parse(text: &str) -> Result<Baseline, BaselineError> {
    Baseline::parse_str(text, Path::new("staging.yaml"), "staging")
}

fn location(err: &BaselineError) -> (u64, u64) {
    match err {
        BaselineError::Parse { line, column, .. } => (*line, *column),
        other => panic!("not a parse error: {other}"),
    }
}

#[test]
fn a_baseline_parses_with_env_substitution_and_sources() {
    let baseline = parse(
        "driftscan: baseline/v1\n\
         resources:\n  \
           db-cluster/aurora-cluster-{env}:\n    \
             properties:\n      \
               storage_encrypted: true\n      \
               backup_retention_period: {\">=\": 7}\n    \
             tags:\n      \
               Environment: \"{env}\"\n",
    )
    .unwrap();
    let key = ResourceKey::parse("db-cluster/aurora-cluster-{env}").unwrap();
    let resource = &baseline.resources[&key];
    assert!(resource.exists);
    assert_eq!(resource.source.line, 4);
    let tag = &resource.fields["tags.Environment"];
    assert_eq!(tag.declared(), json!("staging"));
    assert_eq!(tag.line(), 8);
    assert_eq!(
        resource.fields["properties.backup_retention_period"].line(),
        6
    );
    assert_eq!(baseline.source_of(tag).file.as_ref(), "staging.yaml");
}

#[test]
fn unknown_keys_and_wrong_types_are_located() {
    let err = parse("driftscan: baseline/v1\nresources:\n  vpc/vpc-{env}:\n    propertes: {}\n")
        .unwrap_err();
    assert_eq!(location(&err).0, 4, "{err}");
    assert!(err.to_string().contains("propertes"), "{err}");

    let err = parse("driftscan: baseline/v1\nresoures: {}\n").unwrap_err();
    assert_eq!(location(&err).0, 2, "{err}");

    let err =
        parse("driftscan: baseline/v1\nresources:\n  vpc/x:\n    exists: maybe\n").unwrap_err();
    assert_eq!(location(&err).0, 4, "{err}");
}

#[test]
fn bad_values_name_file_line_and_what_is_wrong() {
    let err = parse("driftscan: baseline/v1\nresources:\n  ecs-service/app:\n    properties:\n      launch_type: {regex: \"(\"}\n").unwrap_err();
    assert_eq!(location(&err).0, 5, "{err}");
    assert!(err.to_string().contains("invalid regex"), "{err}");
    assert!(err.to_string().starts_with("staging.yaml:5:"), "{err}");

    let err = parse("driftscan: baseline/v1\nresources:\n  lambda/x: {}\n").unwrap_err();
    assert!(
        err.to_string().contains("unknown resource kind `lambda`"),
        "{err}"
    );

    let err = parse("driftscan: baseline/v2\n").unwrap_err();
    assert!(err.to_string().contains("not a baseline version"), "{err}");

    let err = parse("").unwrap_err();
    assert!(err.to_string().contains("empty baseline"), "{err}");

    let err = parse("- just\n- a list\n").unwrap_err();
    assert!(matches!(err, BaselineError::Parse { .. }), "{err}");
}

#[test]
fn ignore_rules_must_be_narrow() {
    let ignore = |resource: &str, path: &str| {
        parse(&format!(
            "driftscan: baseline/v1\nignore:\n  - resource: {resource}\n    path: {path}\n"
        ))
    };
    assert!(ignore("ecs-service/app-{env}", "properties.desired_count").is_ok());
    assert!(ignore("ecs-service/*", "properties.desired_count")
        .unwrap_err()
        .to_string()
        .contains("without wildcards"));
    assert!(ignore("ecs-service/app", "properties")
        .unwrap_err()
        .to_string()
        .contains("not allowed"));
    assert!(ignore("ecs-service/app", "''").is_err());
    let err = parse("driftscan: baseline/v1\nignore:\n  - resource: ecs-service/app\n    path: properties.x\n    expires: tomorrow\n").unwrap_err();
    assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
}

#[test]
fn ignores_cover_their_path_and_below_and_expire() {
    let baseline = parse(
        "driftscan: baseline/v1\nignore:\n  - resource: ecs-service/app\n    path: properties.deployment\n    reason: tuning\n    expires: 2026-01-31\n",
    )
    .unwrap();
    let rule = &baseline.ignores[0];
    let app = ResourceKey::parse("ecs-service/app").unwrap();
    let other = ResourceKey::parse("ecs-service/api").unwrap();
    assert!(rule.covers(&app, "properties.deployment"));
    assert!(rule.covers(&app, "properties.deployment.maximum_percent"));
    assert!(
        !rule.covers(&app, "properties.deployment_mode"),
        "a prefix of a word is not a parent path"
    );
    assert!(!rule.covers(&other, "properties.deployment"));
    assert!(
        !rule.expired((2026, 1, 31)),
        "valid through its expiry date"
    );
    assert!(rule.expired((2026, 2, 1)));
}

#[test]
fn inheritance_merges_fields_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "driftscan: baseline/v1\n\
         resources:\n  \
           db-cluster/aurora-cluster-{env}:\n    \
             properties:\n      \
               engine: aurora-postgresql\n      \
               backup_retention_period: 1\n\
         compliance:\n  \
           backup-retention: {min_days: 1, severity: low}\n\
         unmanaged:\n  \
           ignore: ['security-group/*/default']\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("prod.yaml"),
        "driftscan: baseline/v1\nextends: base.yaml\n\
         resources:\n  \
           db-cluster/aurora-cluster-{env}:\n    \
             properties:\n      \
               backup_retention_period: 30\n\
         compliance:\n  \
           backup-retention: {min_days: 30}\n",
    )
    .unwrap();
    let baseline = Baseline::load(dir.path(), "prod").unwrap();
    assert_eq!(baseline.files.len(), 2);
    let key = ResourceKey::parse("db-cluster/aurora-cluster-{env}").unwrap();
    let fields = &baseline.resources[&key].fields;
    assert_eq!(
        fields["properties.engine"].declared(),
        json!("aurora-postgresql")
    );
    assert_eq!(
        fields["properties.backup_retention_period"].declared(),
        json!(30)
    );
    assert!(baseline
        .source_of(&fields["properties.backup_retention_period"])
        .file
        .ends_with("prod.yaml"));
    let rule = &baseline.compliance["backup-retention"].values;
    assert_eq!(rule["min_days"], json!(30));
    assert_eq!(rule["severity"], json!("low"), "settings merge key by key");
    assert!(baseline
        .unmanaged_ignored(&ResourceKey::parse("security-group/vpc-{env}/default").unwrap()));
    assert!(!baseline.unmanaged_ignored(&ResourceKey::parse("security-group/hand-made").unwrap()));
}

#[test]
fn extends_cycles_and_missing_parents_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "driftscan: baseline/v1\nextends: b.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        "driftscan: baseline/v1\nextends: a.yaml\n",
    )
    .unwrap();
    let err = Baseline::load(&dir.path().join("a.yaml"), "dev").unwrap_err();
    assert!(err.to_string().contains("nested more than"), "{err}");
    std::fs::write(
        dir.path().join("c.yaml"),
        "driftscan: baseline/v1\nextends: nope.yaml\n",
    )
    .unwrap();
    let err = Baseline::load(&dir.path().join("c.yaml"), "dev").unwrap_err();
    assert!(err.to_string().contains("c.yaml:2:"), "{err}");
    let err = Baseline::load(dir.path(), "qa").unwrap_err();
    assert!(
        err.to_string().contains("no baseline for environment `qa`"),
        "{err}"
    );
}

#[test]
fn yaml_bombs_are_refused() {
    let mut bomb = String::from("driftscan: baseline/v1\nresources:\n  vpc/x:\n    properties:\n      a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        bomb.push_str(&format!("      a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n", p = i - 1));
    }
    assert!(
        parse(&bomb).is_err(),
        "a billion laughs must be refused, not expanded"
    );
}

#[test]
fn dates() {
    assert_eq!(parse_date("2027-03-31"), Some((2027, 3, 31)));
    assert_eq!(parse_date("2027-13-01"), None);
    assert_eq!(parse_date("03/31/2027"), None);
    assert_eq!(parse_date("2027-02-31"), None, "not a calendar date");
    assert_eq!(parse_date("2028-02-29"), Some((2028, 2, 29)), "a leap day");
    assert_eq!(parse_date("2027-02-29"), None);
    let day =
        |days: u64| utc_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(days * 86_400));
    assert_eq!(day(0), (1970, 1, 1));
    assert_eq!(day(20_783), (2026, 11, 26));
    assert_eq!(day(11_016), (2000, 2, 29));
}

#[test]
fn the_shipped_baselines_load_for_every_environment() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baselines");
    for env in ["dev", "staging", "prod"] {
        let baseline = Baseline::load(&dir, env).unwrap_or_else(|e| panic!("{env}: {e}"));
        assert_eq!(baseline.files.len(), 2, "{env}");
        assert!(
            baseline.resources.len() >= 28,
            "{env}: {}",
            baseline.resources.len()
        );
    }
}

#[test]
fn misspelled_properties_are_errors_at_their_line() {
    let err = parse("driftscan: baseline/v1\nresources:\n  db-cluster/aurora:\n    properties:\n      engine: aurora-postgresql\n      storage_encryptd: true\n").unwrap_err();
    assert_eq!(location(&err).0, 6, "{err}");
    assert!(
        err.to_string().contains("unknown field `storage_encryptd`"),
        "{err}"
    );
    let err = parse("driftscan: baseline/v1\nresources:\n  security-group/db:\n    properties:\n      ingress: [{protocol: tcp, peer: {cdir: 0.0.0.0/0}}]\n").unwrap_err();
    assert!(err.to_string().contains("unknown variant `cdir`"), "{err}");
}

#[test]
fn previews_without_a_baseline_of_their_own_use_preview_yaml() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../baselines");
    let preview = Baseline::load(&dir, "pr-42").unwrap();
    assert!(preview.files[0].ends_with("preview.yaml"));
    assert!(
        is_preview("pr-7") && !is_preview("pr-") && !is_preview("prod") && !is_preview("pr-7a")
    );
    // Not a preview name: no fallback.
    let err = Baseline::load(&dir, "qa").unwrap_err().to_string();
    assert!(err.contains("no baseline for environment `qa`"), "{err}");
}

#[test]
fn data_maps_are_exact_and_structs_partial_unless_said_otherwise() {
    let baseline = parse(
        "driftscan: baseline/v1\n\
         resources:\n  \
           ecs-task-definition/app-{env}:\n    \
             properties:\n      \
               containers:\n        \
                 - name: app\n          \
                   environment: {APP_ENV: \"{env}\"}\n          \
                   secrets: {includes: {DB_PASSWORD: {glob: \"arn:*\"}}}\n  \
           ecs-cluster/c:\n    \
             properties:\n      \
               settings: {containerInsights: enabled}\n  \
           subnet/s:\n    \
             properties:\n      \
               vpc: {name: v}\n",
    )
    .unwrap();
    let declared = |key: &str, field: &str| {
        baseline.resources[&ResourceKey::parse(key).unwrap()].fields[field].declared()
    };
    assert_eq!(
        declared("ecs-task-definition/app-{env}", "properties.containers"),
        json!([{
            "name": "app",
            "environment": {"exactly": {"APP_ENV": "staging"}},
            "secrets": {"includes": {"DB_PASSWORD": {"glob": "arn:*"}}}
        }])
    );
    assert_eq!(
        declared("ecs-cluster/c", "properties.settings"),
        json!({"exactly": {"containerInsights": "enabled"}})
    );
    assert_eq!(
        declared("subnet/s", "properties.vpc"),
        json!({"name": "v"}),
        "a reference is a struct: its id is not required"
    );
}

#[test]
fn declared_tags_are_exact_unless_extra_tags_are_allowed() {
    let baseline = parse(
        "driftscan: baseline/v1\n\
         resources:\n  \
           vpc/a: {tags: {Environment: \"{env}\"}}\n  \
           vpc/b: {tags: {Environment: \"{env}\"}, extra_tags: allowed}\n  \
           vpc/c: {properties: {is_default: false}}\n  \
           vpc/d: {tags: {}}\n",
    )
    .unwrap();
    let tags = |key: &str| baseline.resources[&ResourceKey::parse(key).unwrap()].tags;
    assert_eq!(tags("vpc/a"), TagCheck::Exact);
    assert_eq!(tags("vpc/b"), TagCheck::AtLeast);
    assert_eq!(tags("vpc/c"), TagCheck::Unchecked);
    assert_eq!(
        tags("vpc/d"),
        TagCheck::Exact,
        "an empty tag set is a declaration"
    );
    let err =
        parse("driftscan: baseline/v1\nresources:\n  vpc/a: {extra_tags: some}\n").unwrap_err();
    assert!(err.to_string().contains("some"), "{err}");
}

#[test]
fn an_environment_file_refines_what_it_extends_element_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "driftscan: baseline/v1\n\
         resources:\n  \
           ecs-task-definition/app-{env}:\n    \
             properties:\n      \
               containers:\n        \
                 - {name: app, essential: true, environment: {PORT: \"8080\"}}\n        \
                 - {name: sidecar, essential: false}\n      \
               cpu: \"256\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("prod.yaml"),
        "driftscan: baseline/v1\nextends: base.yaml\n\
         resources:\n  \
           ecs-task-definition/app-{env}:\n    \
             properties:\n      \
               containers: [{name: app, image_ref: {tag: v1}}]\n      \
               cpu: \"1024\"\n",
    )
    .unwrap();
    let baseline = Baseline::load(dir.path(), "prod").unwrap();
    let fields =
        &baseline.resources[&ResourceKey::parse("ecs-task-definition/app-{env}").unwrap()].fields;
    assert_eq!(
        fields["properties.containers"].declared(),
        json!([
            {"name": "app", "essential": true, "environment": {"exactly": {"PORT": "8080"}},
             "image_ref": {"tag": "v1"}},
            {"name": "sidecar", "essential": false}
        ]),
        "base's container constraints still apply in prod"
    );
    assert_eq!(
        fields["properties.containers"].own_declaration(),
        json!([{"name": "app", "image_ref": {"tag": "v1"}}]),
        "what prod itself declares (its expected differences)"
    );
    assert_eq!(
        fields["properties.cpu"].declared(),
        json!("1024"),
        "scalars are replaced"
    );
}

#[test]
fn baselines_copied_from_elsewhere_are_named_as_their_origin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("base.yaml"),
        "driftscan: baseline/v1\nresources:\n  vpc/vpc-{env}:\n    properties:\n      dns_support: true\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("prod.yaml"),
        "driftscan: baseline/v1\nextends: base.yaml\nresources: {}\n",
    )
    .unwrap();
    let shown = BaselineDir {
        path: dir.path(),
        shown_as: Some("ssm:/driftscan/baselines/"),
    };
    let baseline = shown.load("prod").unwrap();
    assert_eq!(
        baseline.shown_files().collect::<Vec<_>>(),
        [
            "ssm:/driftscan/baselines/base.yaml",
            "ssm:/driftscan/baselines/prod.yaml"
        ]
    );
    let declared = &baseline.resources.values().next().unwrap().source;
    assert_eq!(&*declared.file, "ssm:/driftscan/baselines/base.yaml");
    // Errors name the origin too, never the local copy.
    std::fs::write(
        dir.path().join("staging.yaml"),
        "driftscan: baseline/v1\nresourcez: {}\n",
    )
    .unwrap();
    let error = shown.load("staging").unwrap_err().to_string();
    assert!(
        error.starts_with("ssm:/driftscan/baselines/staging.yaml:2"),
        "{error}"
    );
    assert!(
        !error.contains(&dir.path().display().to_string()),
        "{error}"
    );
    let missing = shown.load("dev").unwrap_err().to_string();
    assert!(
        missing.contains("ssm:/driftscan/baselines/dev.yaml"),
        "{missing}"
    );
    // Without a shown name, the path as given.
    let plain = BaselineDir::new(dir.path()).load("prod").unwrap();
    assert!(plain
        .shown_files()
        .all(|f| f.starts_with(&*dir.path().to_string_lossy())));
}

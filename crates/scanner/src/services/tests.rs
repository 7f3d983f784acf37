use std::collections::BTreeSet;

use super::*;

#[test]
fn every_kind_and_service_is_registered_once_in_order() {
    let kinds: Vec<ResourceKind> = super::kinds().map(|k| k.kind).collect();
    assert_eq!(
        kinds,
        ResourceKind::ALL,
        "the services' kinds are every kind once, in snapshot order"
    );
    let registered: BTreeSet<Service> = services().collect();
    assert_eq!(
        registered.len(),
        SERVICES.len(),
        "a service is registered once"
    );
    for def in SERVICES {
        assert!(!def.kinds.is_empty(), "{}: no kind", def.service);
        assert!(!def.reads.is_empty(), "{}: no read", def.service);
        assert!(!def.change_events.is_empty(), "{}", def.service);
    }
}

#[test]
fn every_kind_is_fed_by_a_read_of_its_own_service() {
    for def in SERVICES {
        for kind in def.kinds {
            assert!(
                def.reads.iter().any(|r| r.feeds.contains(&kind.kind)),
                "{}: no read of {} feeds it",
                kind.kind,
                def.service
            );
        }
        for read in def.reads {
            assert_eq!(read.service, def.service, "{}", read.action);
            assert!(
                read.feeds.iter().all(|k| service_of(*k) == def.service),
                "{} feeds another service's kind",
                read.action
            );
        }
    }
}

/// Read actions that return data values rather than configuration. A read of one of these
/// must say why (`Read::returns_values`); the ones that return secret values are refused
/// whatever is said.
const VALUE_ACTIONS: &[&str] = &[
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "s3:GetObject",
    "s3:GetObjectVersion",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "sqs:ReceiveMessage",
    "kms:Decrypt",
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "lambda:GetFunction",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "ecr:GetDownloadUrlForLayer",
    "ecr:GetAuthorizationToken",
    "sts:GetSessionToken",
];
const NEVER: &[&str] = &[
    "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue",
    "ecr:GetAuthorizationToken",
    "sts:GetSessionToken",
];

#[test]
fn reads_are_read_only_and_value_reads_say_why() {
    for read in reads() {
        let (prefix, action) = read
            .action
            .split_once(':')
            .unwrap_or_else(|| panic!("{}: no service prefix", read.action));
        assert!(
            ["Describe", "List", "Get"]
                .iter()
                .any(|p| action.starts_with(p)),
            "{} is not read-only",
            read.action
        );
        // The tagging API is how buckets' tags (and gone environments) are read in one call.
        assert!(
            prefix == service(read.service).iam_prefix() || read.action == "tag:GetResources",
            "{}: not an action of {}",
            read.action,
            read.service
        );
        assert!(
            !NEVER.contains(&read.action),
            "{} is never called",
            read.action
        );
        assert_eq!(
            VALUE_ACTIONS.contains(&read.action),
            read.returns_values.is_some(),
            "{}: a read returns data values exactly when it says why",
            read.action
        );
    }
}

#[test]
fn the_policy_grants_exactly_the_declared_reads() {
    let policy = read_only_policy(false);
    let actions: BTreeSet<&str> = policy["Statement"][0]["Action"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(actions, read_actions());
    assert!(actions.contains("ssm:GetParameters"));
    assert!(actions.contains("secretsmanager:DescribeSecret"));
    assert!(!actions.contains("secretsmanager:GetSecretValue"));
    assert_eq!(policy["Statement"][1]["Sid"], "AttributeChanges");
    assert_eq!(
        policy["Statement"][1]["Action"],
        serde_json::json!([ATTRIBUTION_ACTION])
    );
    assert_eq!(read_statements(true).len(), 3);
}

#[test]
fn following_fields_and_volatile_fields_are_model_fields() {
    for def in super::kinds() {
        let names: Vec<String> = def
            .following_fields
            .iter()
            .flat_map(|(lead, follow)| std::iter::once(*lead).chain(follow.iter().copied()))
            .map(|p| p.trim_start_matches("properties.").to_string())
            .chain(def.changes_without_drift.iter().map(|f| f.to_string()))
            .chain(def.name_fields.iter().map(|f| f.to_string()))
            .collect();
        for name in names {
            assert!(
                crate::baseline::model_has_field(def.kind, &name),
                "{}: `{name}` is no property of the model",
                def.kind
            );
        }
    }
}

#[test]
fn the_docs_say_what_is_captured_of_every_kind() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/snapshot.md"),
    )
    .expect("docs/snapshot.md");
    let table = readme
        .split("## What is captured")
        .nth(1)
        .and_then(|rest| rest.split("\n#").next())
        .expect("a `What is captured` table");
    for def in super::kinds() {
        assert!(
            table.contains(&format!("`{}`", def.kind)),
            "docs/snapshot.md's `What is captured` table lacks `{}`",
            def.kind
        );
    }
}

#[test]
fn the_change_pattern_covers_every_service() {
    let pattern = change_event_pattern();
    let sources = pattern["source"].as_array().expect("sources");
    assert_eq!(sources.len(), SERVICES.len());
    assert!(sources.contains(&serde_json::json!("aws.ssm")));
    assert_eq!(service(Service::Ssm).event_source(), "ssm.amazonaws.com");
}

#[test]
fn the_docs_list_exactly_the_declared_read_actions() {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/snapshot.md"),
    )
    .expect("docs/snapshot.md");
    let list = page
        .split("IAM actions used")
        .nth(1)
        .expect("an `IAM actions used` list");
    let listed: BTreeSet<&str> = list
        .lines()
        .skip_while(|line| !line.starts_with("- `"))
        .map_while(|line| line.strip_prefix("- `")?.strip_suffix('`'))
        .collect();
    let declared: BTreeSet<&str> = read_actions().into_iter().collect();
    assert_eq!(
        listed, declared,
        "docs/snapshot.md's `IAM actions used` list and the services' declared reads differ"
    );
}

#[test]
fn the_pages_name_exactly_the_watched_event_sources() {
    let watched: BTreeSet<String> = SERVICES.iter().map(|s| s.event_source()).collect();
    for page in ["docs/lambda.md", "docs/infra.md"] {
        let list = list_after(page, "watched event sources:");
        let named: BTreeSet<String> = list
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect();
        assert_eq!(
            named, watched,
            "{page}'s watched event sources and the registry differ"
        );
    }
}

/// The text of `page` after `marker` up to the closing parenthesis.
fn list_after(page: &str, marker: &str) -> String {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(page),
    )
    .unwrap_or_else(|e| panic!("{page}: {e}"));
    text.split(marker)
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .unwrap_or_else(|| panic!("{page} has no `{marker}` list"))
        .to_string()
}

/// The words of `page` after `marker` up to the closing parenthesis, without `/`.
fn listed_after(page: &str, marker: &str) -> Vec<String> {
    list_after(page, marker)
        .split_whitespace()
        .map(|word| word.trim_end_matches('/').to_string())
        .collect()
}

#[test]
fn the_architecture_page_names_every_service_folder_and_infra_module() {
    let folders = listed_after("docs/architecture.md", "(service folders:");
    assert_eq!(
        folders, FOLDERS,
        "docs/architecture.md's service folders and the registry differ"
    );
    let services = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/services");
    for folder in FOLDERS {
        for file in ["mod.rs", "model.rs", "collect.rs", "iac.rs"] {
            assert!(
                services.join(folder).join(file).is_file(),
                "services/{folder}/{file}"
            );
        }
    }
    let infra = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/src");
    let mut on_disk: Vec<String> = std::fs::read_dir(&infra)
        .expect("infra/src")
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .into_string()
                .ok()?
                .strip_suffix(".rs")
                .map(String::from)
        })
        .filter(|m| {
            ![
                "lib",
                "main",
                "destroy",
                "from_baseline",
                "member_roles",
                "iam",
            ]
            .contains(&m.as_str())
        })
        .collect();
    on_disk.sort();
    let mut listed = listed_after("docs/architecture.md", "(infra modules:");
    listed.sort();
    assert_eq!(
        listed, on_disk,
        "docs/architecture.md's infra modules and infra/src differ"
    );
}

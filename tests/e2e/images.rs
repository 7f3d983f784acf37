//! ECR end to end: the account's repository scans clean in staging and prod after
//! provisioning, and each out-of-band change (prod's tags made mutable, scanning off, the
//! lifecycle policy deleted, a public repository policy, a task definition pulling from a
//! repository that does not exist) gives exactly its findings.

use scanner::model::{FindingKind, Severity};

use crate::support::{
    block_on, finding_row as row, shipped_scan_rows, sorted_rows, FindingRow, Moto, ACCOUNT,
};

const REGION: &str = "us-east-1";
const REPOSITORY: &str = "trading-app";
const KEY: &str = "ecr-repository/trading-app";

fn scan(moto: &Moto, env: &str) -> Vec<FindingRow> {
    shipped_scan_rows(moto, env, REGION)
}

/// The repository's drift at `path` and the rule that judges it: what each change gives.
fn drift_and_rule(path: &str, severity: Severity, rule: Option<&str>) -> Vec<FindingRow> {
    sorted_rows(vec![
        row(FindingKind::Drift, KEY, path, Severity::Medium, None),
        row(FindingKind::Compliance, KEY, path, severity, rule),
    ])
}

#[test]
fn each_repository_change_is_exactly_its_findings() {
    let moto = Moto::start();
    let staging = block_on(moto.provision("staging", REGION));
    block_on(moto.provision("prod", REGION));
    let config = block_on(moto.sdk_config(REGION));
    let ecr = aws_sdk_ecr::Client::new(&config);
    assert_eq!(
        scan(&moto, "staging"),
        vec![],
        "a fresh staging scans clean"
    );
    assert_eq!(scan(&moto, "prod"), vec![], "a fresh prod scans clean");

    // 1. Prod's tags made mutable by hand: drift on prod's declared setting and the
    // immutability rule prod requires; staging requires neither.
    let mutability = |m: aws_sdk_ecr::types::ImageTagMutability| {
        block_on(
            ecr.put_image_tag_mutability()
                .repository_name(REPOSITORY)
                .image_tag_mutability(m)
                .send(),
        )
        .unwrap()
    };
    mutability(aws_sdk_ecr::types::ImageTagMutability::Mutable);
    let path = "properties.tag_mutability";
    assert_eq!(
        scan(&moto, "prod"),
        drift_and_rule(path, Severity::High, Some("ecr-tag-immutability"))
    );
    assert_eq!(scan(&moto, "staging"), vec![]);
    mutability(aws_sdk_ecr::types::ImageTagMutability::Immutable);

    // 2. Scanning turned off: drift and ECR.1, in every environment pulling from it.
    let scanning = |on: bool| {
        let configuration = aws_sdk_ecr::types::ImageScanningConfiguration::builder()
            .scan_on_push(on)
            .build();
        block_on(
            ecr.put_image_scanning_configuration()
                .repository_name(REPOSITORY)
                .image_scanning_configuration(configuration)
                .send(),
        )
        .unwrap()
    };
    scanning(false);
    let path = "properties.scan_on_push";
    assert_eq!(
        scan(&moto, "staging"),
        drift_and_rule(path, Severity::High, Some("ecr-image-scanning"))
    );
    scanning(true);

    // 3. The lifecycle policy deleted: drift and ECR.3.
    let policy = block_on(
        ecr.get_lifecycle_policy()
            .repository_name(REPOSITORY)
            .send(),
    )
    .unwrap();
    block_on(
        ecr.delete_lifecycle_policy()
            .repository_name(REPOSITORY)
            .send(),
    )
    .unwrap();
    let path = "properties.lifecycle_rules";
    assert_eq!(
        scan(&moto, "staging"),
        drift_and_rule(path, Severity::Low, Some("ecr-lifecycle-policy"))
    );
    let text = policy.lifecycle_policy_text.unwrap();
    block_on(
        ecr.put_lifecycle_policy()
            .repository_name(REPOSITORY)
            .lifecycle_policy_text(text)
            .send(),
    )
    .unwrap();

    // 4. Anyone may pull: drift on the policy and the critical grant rule.
    let public = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ByHand","Effect":"Allow","Principal":"*","Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}"#;
    block_on(
        ecr.set_repository_policy()
            .repository_name(REPOSITORY)
            .policy_text(public)
            .send(),
    )
    .unwrap();
    let path = "properties.policy";
    let grant = Some("ecr-repository-policy-no-outside-grant");
    assert_eq!(
        scan(&moto, "staging"),
        drift_and_rule(path, Severity::Critical, grant)
    );
    block_on(
        ecr.delete_repository_policy()
            .repository_name(REPOSITORY)
            .send(),
    )
    .unwrap();
    assert_eq!(scan(&moto, "staging"), vec![], "every change undone");

    // 5. Staging's service moved to an image of a repository that does not exist.
    let spec = infra::EnvironmentSpec::reference("staging", Some(REGION)).unwrap();
    let ecs = aws_sdk_ecs::Client::new(&config);
    let missing = format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/trading-api:staging-4f2a9c1");
    let arn = block_on(infra::register_app_task_definition(
        &ecs,
        &spec,
        (ACCOUNT, &missing),
    ))
    .unwrap();
    let update = ecs
        .update_service()
        .cluster(&staging.cluster)
        .service(&staging.service)
        .task_definition(arn);
    block_on(update.send()).unwrap();
    let findings = scan(&moto, "staging");
    let rule = Some("task-image-repository-exists".to_string());
    let exists: Vec<&FindingRow> = findings.iter().filter(|f| f.4 == rule).collect();
    let path = "properties.containers[trading-app].image_ref.repository";
    let definition = "ecs-task-definition/trading-app-{env}";
    assert_eq!(
        exists,
        [&row(
            FindingKind::Compliance,
            definition,
            path,
            Severity::High,
            rule.as_deref()
        )],
        "{findings:?}"
    );
}

//! No SecureString plaintext anywhere: every command and output format (snapshot, scan and
//! compare in every report format, `baseline capture`, `--secure-digest`, the SNS messages of
//! `--publish`, the EMF metric lines, logs at debug level, and the Lambda's logs and answers) over
//! an estate with SecureString parameters and ECS secrets. moto returns SecureStrings read without
//! decryption as `kms:alias/aws/ssm:<plaintext>`, so the plaintext is one careless field away.

use std::time::Duration;

use aws_sdk_ecs::types as ecs;
use aws_sdk_ssm::types::ParameterType;

use crate::runtime_api::{Answer, RuntimeApi};
use crate::support::{block_on, register_worker_with_secret, shipped_baselines, AlertInbox, Moto};

const SECRETS: [&str; 3] = [
    "staging-db-Pa55w0rd-8841",
    "prod-db-Pa55w0rd-2290",
    "shared-api-key-0f9e8d7c",
];

#[test]
fn no_command_format_message_or_log_carries_a_secret() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let inbox = block_on(AlertInbox::create(&config));
    block_on(async {
        moto.provision("staging", "us-east-1").await;
        moto.provision("prod", "us-east-1").await;
        let ssm = aws_sdk_ssm::Client::new(&config);
        for (name, value) in [
            ("/staging/db-password", SECRETS[0]),
            ("/prod/db-password", SECRETS[1]),
            ("/shared/api-key", SECRETS[2]),
        ] {
            ssm.put_parameter()
                .name(name)
                .value(value)
                .r#type(ParameterType::SecureString)
                .send()
                .await
                .unwrap();
        }
        // A service whose container takes a secret from SSM.
        let ecs_client = aws_sdk_ecs::Client::new(&config);
        let arn = register_worker_with_secret(&ecs_client).await;
        ecs_client
            .create_service()
            .cluster("ecs-cluster-staging")
            .service_name("worker-staging")
            .task_definition(&arn)
            .desired_count(1)
            .launch_type(ecs::LaunchType::Fargate)
            .send()
            .await
            .unwrap();
    });
    let config_file = inbox.config_file(moto.dir.path());
    // The values Secrets Manager keeps for both environments (the AUTH token, and the database's
    // master password where the emulator keeps one): read here, by the test, never by driftscan.
    let kept = block_on(secrets_manager_values(&config));
    assert!(!kept.is_empty(), "the environments' secrets have values");

    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    let mut run = |label: String, args: Vec<String>, digest: bool| {
        let mut command = moto.driftscan();
        command
            .env("DRIFTSCAN_LOG", "debug")
            .arg("--config")
            .arg(&config_file)
            .args(&args);
        if digest {
            command.env(
                "DRIFTSCAN_SECURE_DIGEST_KEY",
                "a-test-key-of-32-bytes-or-more-0001",
            );
        }
        let output = command.output().expect("driftscan runs");
        seen.push((format!("{label} stdout"), output.stdout));
        seen.push((format!("{label} stderr"), output.stderr));
    };
    let region = ["--region".to_string(), "us-east-1".to_string()];
    let baselines = [
        "--baselines".to_string(),
        shipped_baselines().display().to_string(),
    ];
    for env in ["staging", "prod"] {
        let mut args = vec!["snapshot".into(), "--env".into(), env.into()];
        args.extend(region.clone());
        run(format!("snapshot {env}"), args.clone(), false);
        args.push("--secure-digest".into());
        run(format!("snapshot {env} --secure-digest"), args, true);
        let mut capture = vec![
            "baseline".into(),
            "capture".into(),
            "--env".into(),
            env.into(),
        ];
        capture.extend(region.clone());
        run(format!("baseline capture {env}"), capture, false);
    }
    for format in ["text", "json", "markdown", "sarif", "junit", "html"] {
        let mut scan: Vec<String> = ["scan", "--env", "staging", "--publish", "--format", format]
            .map(String::from)
            .to_vec();
        scan.extend(region.clone());
        scan.extend(baselines.clone());
        run(format!("scan --format {format}"), scan, false);
        let mut compare: Vec<String> = [
            "compare",
            "staging",
            "prod",
            "--publish",
            "--show-expected",
            "--format",
            format,
        ]
        .map(String::from)
        .to_vec();
        compare.extend(region.clone());
        compare.extend(baselines.clone());
        run(format!("compare --format {format}"), compare, false);
    }
    let (raw, envelopes) = block_on(inbox.drain());
    assert!(
        !raw.is_empty(),
        "the secrets' parameters alerted as unmanaged"
    );
    for message in raw.iter().chain(&envelopes) {
        seen.push(("SNS message".into(), message.to_string().into_bytes()));
    }

    // The Lambda: one scheduled run at debug level, its logs, its answer and its kept pages.
    block_on(crate::support::create_report_bucket(&config));
    let mut api = RuntimeApi::start();
    let lambda_log = moto.dir.path().join("lambda-secrets.log");
    let mut function = std::process::Command::new(crate::lambda::lambda_binary())
        .current_dir(moto.dir.path())
        .env_clear()
        .envs(crate::lambda::function_env(
            &api,
            &moto,
            "http://127.0.0.1:9",
            &inbox.topic_arn,
        ))
        .env("DRIFTSCAN_LOG", "debug")
        .env("DRIFTSCAN_METRICS", "emf")
        .stdout(std::fs::File::create(&lambda_log).unwrap())
        .stderr(std::fs::File::create(lambda_log.with_extension("err")).unwrap())
        .spawn()
        .expect("driftscan-lambda starts");
    let answer = api.invoke(
        &serde_json::json!({"scan": ["staging", "prod"], "compare": [["staging", "prod"]]}),
        Duration::from_secs(60),
    );
    let _ = function.kill();
    let _ = function.wait();
    match answer {
        Answer::Response(value) => {
            seen.push(("Lambda response".into(), value.to_string().into_bytes()))
        }
        Answer::Error(error) => panic!("the function failed: {error}"),
    }
    for file in [lambda_log.clone(), lambda_log.with_extension("err")] {
        seen.push((
            format!("Lambda log {}", file.display()),
            std::fs::read(&file).unwrap(),
        ));
    }
    let pages = block_on(crate::support::stored_reports(&config));
    assert_eq!(pages.len(), 3, "two scans and a comparison kept");
    for (key, _, page) in pages {
        seen.push((format!("Lambda report s3://{key}"), page.into_bytes()));
    }
    let (raw, envelopes) = block_on(inbox.drain());
    for message in raw.iter().chain(&envelopes) {
        seen.push((
            "Lambda SNS message".into(),
            message.to_string().into_bytes(),
        ));
    }

    let total: usize = seen.iter().map(|(_, bytes)| bytes.len()).sum();
    assert!(total > 100_000, "the outputs were produced ({total} bytes)");
    let needles: Vec<&str> = SECRETS
        .iter()
        .copied()
        .chain(kept.iter().map(String::as_str))
        .collect();
    for (label, bytes) in &seen {
        for secret in &needles {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{label} contains the plaintext {secret}"
            );
        }
    }
    // The secrets were seen: their parameters are named in the outputs.
    let all: Vec<u8> = seen.iter().flat_map(|(_, b)| b.clone()).collect();
    let text = String::from_utf8_lossy(&all);
    assert!(text.contains("db-password") && text.contains("DB_PASSWORD"));
}

/// Every value Secrets Manager keeps in the account (strings of 8 characters or more, which
/// cannot occur by chance in an output).
async fn secrets_manager_values(config: &aws_config::SdkConfig) -> Vec<String> {
    let client = aws_sdk_secretsmanager::Client::new(config);
    let listed = client.list_secrets().send().await.expect("ListSecrets");
    let mut values = Vec::new();
    for secret in listed.secret_list() {
        let id = secret.arn().unwrap_or_default();
        let value = client.get_secret_value().secret_id(id).send().await;
        if let Some(text) = value
            .ok()
            .and_then(|v| v.secret_string().map(str::to_string))
        {
            values.extend(std::iter::once(text.clone()).chain(json_strings(&text)));
        }
    }
    values.retain(|v| v.len() >= 8);
    values.sort();
    values.dedup();
    values
}

/// The string values inside a JSON secret (`{"username": ..., "password": ...}`).
fn json_strings(text: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(fields)) => fields
            .values()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Plain values that are secrets: a password in a container's environment, an access key in a
/// `String` parameter.
const PLAIN_SECRETS: [&str; 4] = [
    "hunter2-Plain-Pa55-7731",
    "AKIAQ3EGRSXYZEXAMPLE",
    // A shared token in a bucket policy's `aws:Referer` condition, and an API key a listener
    // rule matches on: plain configuration of the new kinds.
    "Zq8vN3xR7tLw2YkP/9mB4cHs6DfJ1gT5aUe0WiQy",
    "AKIAZ7PLAINRULEKEY01",
];

#[test]
fn plaintext_secrets_in_configuration_are_flagged_and_never_spread() {
    let moto = Moto::start();
    let config = block_on(moto.sdk_config("us-east-1"));
    let ecs_client = aws_sdk_ecs::Client::new(&config);
    let ssm = aws_sdk_ssm::Client::new(&config);
    let register = |password: &'static str| {
        let client = ecs_client.clone();
        async move {
            client
                .register_task_definition()
                .family("reporting-staging")
                .network_mode(ecs::NetworkMode::Awsvpc)
                .requires_compatibilities(ecs::Compatibility::Fargate)
                .cpu("256")
                .memory("512")
                .container_definitions(
                    ecs::ContainerDefinition::builder()
                        .name("reporting")
                        .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/reporting:staging-1")
                        .environment(
                            ecs::KeyValuePair::builder()
                                .name("DB_PASSWORD")
                                .value(password)
                                .build(),
                        )
                        .environment(
                            ecs::KeyValuePair::builder()
                                .name("LOG_LEVEL")
                                .value("info")
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap()
                .task_definition()
                .and_then(|t| t.task_definition_arn())
                .unwrap()
                .to_string()
        }
    };
    block_on(async {
        moto.provision("staging", "us-east-1").await;
        let arn = register(PLAIN_SECRETS[0]).await;
        ecs_client
            .create_service()
            .cluster("ecs-cluster-staging")
            .service_name("reporting-staging")
            .task_definition(&arn)
            .desired_count(1)
            .launch_type(ecs::LaunchType::Fargate)
            .send()
            .await
            .unwrap();
        ssm.put_parameter()
            .name("/staging/payments/access-key-id")
            .value(PLAIN_SECRETS[1])
            .r#type(ParameterType::String)
            .send()
            .await
            .unwrap();
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        let bucket = infra::edge::bucket_name("staging", "123456789012");
        s3.put_bucket_policy()
            .bucket(&bucket)
            .policy(format!(
                r#"{{"Statement":[{{"Sid":"FromTheSite","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::{bucket}/*","Condition":{{"StringLike":{{"aws:Referer":"{}"}}}}}}]}}"#,
                PLAIN_SECRETS[2]
            ))
            .send()
            .await
            .unwrap();
        let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
        let lb = elb
            .describe_load_balancers()
            .names("alb-staging")
            .send()
            .await
            .unwrap();
        let listeners = elb
            .describe_listeners()
            .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().unwrap())
            .send()
            .await
            .unwrap();
        let https = listeners
            .listeners()
            .iter()
            .find(|l| l.port() == Some(443))
            .unwrap();
        let group = https.default_actions()[0].target_group_arn().unwrap();
        use aws_sdk_elasticloadbalancingv2::types as elb_types;
        elb.create_rule()
            .listener_arn(https.listener_arn().unwrap())
            .priority(20)
            .conditions(
                elb_types::RuleCondition::builder()
                    .field("http-header")
                    .http_header_config(
                        elb_types::HttpHeaderConditionConfig::builder()
                            .http_header_name("X-Api-Key")
                            .values(PLAIN_SECRETS[3])
                            .build(),
                    )
                    .build(),
            )
            .actions(
                elb_types::Action::builder()
                    .r#type(elb_types::ActionTypeEnum::Forward)
                    .target_group_arn(group)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    });
    let dir = tempfile::tempdir().unwrap();
    let mut seen: Vec<(String, Vec<u8>)> = Vec::new();
    let mut run = |label: &str, args: &[&str]| {
        let output = moto
            .driftscan()
            .env("DRIFTSCAN_LOG", "debug")
            .args(args)
            .args(["--region", "us-east-1"])
            .output()
            .expect("driftscan runs");
        seen.push((format!("{label} stdout"), output.stdout.clone()));
        seen.push((format!("{label} stderr"), output.stderr));
        output.stdout
    };
    run("snapshot", &["snapshot", "--env", "staging"]);
    let baselines = shipped_baselines().display().to_string();
    let report = run(
        "scan json",
        &[
            "scan",
            "--env",
            "staging",
            "--format",
            "json",
            "--baselines",
            &baselines,
        ],
    );
    for format in ["text", "markdown", "sarif", "junit", "html"] {
        run(
            &format!("scan {format}"),
            &[
                "scan",
                "--env",
                "staging",
                "--format",
                format,
                "--baselines",
                &baselines,
            ],
        );
    }
    let out = dir.path().display().to_string();
    run(
        "capture",
        &["baseline", "capture", "--env", "staging", "-o", &out],
    );
    let captured = std::fs::read(dir.path().join("staging.yaml")).unwrap();

    // Each secret is a critical `plaintext-secret` finding naming where it is.
    let report: scanner::model::Report = serde_json::from_slice(&report).unwrap();
    let mut flagged: Vec<(String, String, scanner::model::Severity)> = report
        .findings
        .iter()
        .filter(|f| f.rule_id.as_deref() == Some("plaintext-secret"))
        .map(|f| {
            (
                f.logical_name.clone(),
                f.path.clone().unwrap_or_default(),
                f.severity,
            )
        })
        .collect();
    flagged.sort();
    assert_eq!(
        flagged,
        [
            (
                "/{env}/payments/access-key-id".to_string(),
                "properties.value".to_string(),
                scanner::model::Severity::Critical
            ),
            (
                "alb-{env}:443/20".to_string(),
                "properties.conditions[http-header]".to_string(),
                scanner::model::Severity::Critical
            ),
            (
                "reporting-{env}".to_string(),
                "properties.containers[reporting].environment.DB_PASSWORD".to_string(),
                scanner::model::Severity::Critical
            ),
            (
                "trading-data-{env}-{account}".to_string(),
                "properties.policy[0].conditions.StringLike.aws:Referer".to_string(),
                scanner::model::Severity::Critical
            ),
        ]
    );

    // A new password is still drift against the captured baseline, shown by fingerprint only.
    block_on(async {
        let arn = register("hunter3-Plain-Pa55-9902").await;
        ecs_client
            .update_service()
            .cluster("ecs-cluster-staging")
            .service("reporting-staging")
            .task_definition(arn)
            .send()
            .await
            .unwrap();
    });
    let drift = run(
        "scan captured",
        &[
            "scan",
            "--env",
            "staging",
            "--format",
            "json",
            "--baselines",
            &out,
        ],
    );
    let drift: scanner::model::Report = serde_json::from_slice(&drift).unwrap();
    let paths: Vec<_> = drift
        .findings
        .iter()
        .filter(|f| f.rule_id.is_none())
        .filter_map(|f| f.path.clone())
        .collect();
    assert_eq!(
        paths,
        ["properties.containers[reporting].environment.DB_PASSWORD"]
    );

    seen.push(("captured baseline".into(), captured));
    let mut checked = 0;
    for (label, bytes) in &seen {
        let text = String::from_utf8_lossy(bytes);
        for secret in PLAIN_SECRETS
            .iter()
            .chain(["hunter3-Plain-Pa55-9902"].iter())
        {
            assert!(!text.contains(secret), "{label} carries a plaintext secret");
        }
        checked += bytes.len();
    }
    assert!(checked > 20_000, "only {checked} bytes were checked");
}

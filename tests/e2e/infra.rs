//! `driftscan-infra` converges: a second apply changes nothing, drift made by hand is exactly
//! what `plan` lists and what `apply` undoes (after which `driftscan scan` is clean again), a
//! preview lives in dev's VPC (and scans clean against `preview.yaml`) and goes without it,
//! destroy leaves nothing behind, and the scanner stack converges too.

use std::path::{Path, PathBuf};

use aws_sdk_ec2::types as ec2;
use infra::{Action, DestroyOptions, EnvironmentSpec, Mode};

use crate::support::{block_on, shipped_baselines, world_open_database_port, Moto};

/// `driftscan scan --env <env> --fail-on info`: the exit code and the findings, one per line.
fn scan(moto: &Moto, env: &str, region: &str) -> (i32, String) {
    let output = moto
        .driftscan()
        .args([
            "scan",
            "--env",
            env,
            "--region",
            region,
            "--fail-on",
            "info",
            "--baselines",
        ])
        .arg(shipped_baselines())
        .output()
        .expect("driftscan runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// How many of the environment's own resources a live snapshot finds.
fn snapshot_resources(moto: &Moto, env: &str, region: &str) -> usize {
    let output = moto
        .driftscan()
        .args(["snapshot", "--env", env, "--region", region])
        .output()
        .expect("driftscan runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // `/shared/` parameters belong to no environment (and are never destroyed).
    let snapshot = crate::support::parse_snapshot(&output.stdout);
    let own: Vec<String> = snapshot
        .resources
        .iter()
        .filter(|r| !r.name.starts_with("/shared/"))
        .map(|r| format!("{} {}", r.kind.as_str(), r.name))
        .collect();
    if !own.is_empty() {
        eprintln!("{env}: {own:#?}");
    }
    own.len()
}

#[test]
fn apply_converges_plans_remediates_and_destroys() {
    let moto = Moto::start();
    let spec = |env: &str| EnvironmentSpec::reference(env, None).unwrap();
    let east1 = block_on(moto.sdk_config("us-east-1"));
    let east2 = block_on(moto.sdk_config("us-east-2"));
    let converge = |env: &str, mode: Mode| {
        let config = if spec(env).region == "us-east-1" {
            &east1
        } else {
            &east2
        };
        block_on(infra::converge(config, &spec(env), mode)).unwrap_or_else(|e| panic!("{env}: {e}"))
    };

    // A preview needs dev first.
    let refused = block_on(infra::converge(&east2, &spec("pr-7"), Mode::Apply)).unwrap_err();
    assert!(refused.to_string().contains("apply dev first"), "{refused}");

    // Plan on an empty account lists every creation and makes none.
    let planned = converge("staging", Mode::Plan).changes;
    assert!(
        planned.len() > 30 && planned.iter().all(|c| c.action != Action::Delete),
        "{planned:#?}"
    );
    assert!(
        block_on(infra::plan(&east1, &spec("staging")))
            .unwrap()
            .len()
            == planned.len(),
        "nothing was made"
    );

    let mut created = Vec::new();
    for env in ["dev", "staging", "prod", "pr-7"] {
        let applied = converge(env, Mode::Apply);
        assert!(!applied.changes.is_empty(), "{env}");
        created.push((env, applied.changes.len()));
    }
    assert_eq!(created[1].1, planned.len(), "apply made what plan listed");
    // Converged: a second apply changes nothing (no mutating call: every change goes through the
    // one recorder), and plan agrees.
    for env in ["dev", "staging", "prod", "pr-7"] {
        let again = converge(env, Mode::Apply).changes;
        assert!(again.is_empty(), "{env}: {again:#?}");
    }
    for (env, region) in [
        ("dev", "us-east-2"),
        ("staging", "us-east-1"),
        ("prod", "us-east-1"),
    ] {
        let (code, findings) = scan(&moto, env, region);
        assert_eq!(code, 0, "{env}: {findings}");
    }

    // Drift by hand in staging: a world-open database port, a day of backups, five tasks, a
    // changed parameter.
    let staging = block_on(infra::apply(&east1, &spec("staging"))).unwrap();
    let ec2c = aws_sdk_ec2::Client::new(&east1);
    let rds = aws_sdk_rds::Client::new(&east1);
    let ecsc = aws_sdk_ecs::Client::new(&east1);
    let ssm = aws_sdk_ssm::Client::new(&east1);
    block_on(async {
        ec2c.authorize_security_group_ingress()
            .group_id(&staging.security_groups["db"])
            .ip_permissions(world_open_database_port())
            .send()
            .await
            .unwrap();
        rds.modify_db_cluster()
            .db_cluster_identifier("aurora-cluster-staging")
            .backup_retention_period(1)
            .apply_immediately(true)
            .send()
            .await
            .unwrap();
        ecsc.update_service()
            .cluster("ecs-cluster-staging")
            .service("trading-app-staging")
            .desired_count(5)
            .send()
            .await
            .unwrap();
        ssm.put_parameter()
            .name("/staging/cache-ttl")
            .value("9999")
            .overwrite(true)
            .send()
            .await
            .unwrap();
    });
    let (code, findings) = scan(&moto, "staging", "us-east-1");
    assert_eq!(code, 1, "{findings}");
    let plan: Vec<String> = block_on(infra::plan(&east1, &spec("staging")))
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        plan,
        [
            "~ security-group db-staging: revoke tcp 5432 from 0.0.0.0/0",
            "~ ecs-service trading-app-staging: desired count 5 -> 2",
            "~ db-cluster aurora-cluster-staging: backup retention Some(1) -> 7",
            "~ ssm-parameter /staging/cache-ttl: value -> 300",
        ]
    );
    let remediated = converge("staging", Mode::Apply).changes;
    assert_eq!(remediated.len(), 4);
    assert_eq!(
        scan(&moto, "staging", "us-east-1").0,
        0,
        "apply is the remediation"
    );
    assert!(converge("staging", Mode::Apply).changes.is_empty());

    // A preview scaled by hand is caught, and converged back.
    block_on(
        aws_sdk_ecs::Client::new(&east2)
            .update_service()
            .cluster("ecs-cluster-dev")
            .service("trading-app-pr-7")
            .desired_count(3)
            .send(),
    )
    .unwrap();
    let (code, findings) = scan(&moto, "pr-7", "us-east-2");
    assert!(
        code == 1 && findings.contains("desired_count"),
        "{findings}"
    );
    assert_eq!(converge("pr-7", Mode::Apply).changes.len(), 1);
    assert_eq!(scan(&moto, "pr-7", "us-east-2").0, 0);

    // The preview goes; dev's VPC and cluster stay and dev still scans clean.
    let dev_resources = snapshot_resources(&moto, "dev", "us-east-2");
    let no_data = DestroyOptions::without_final_snapshot();
    let removed = block_on(infra::destroy(&east2, &spec("pr-7"), Mode::Apply, &no_data)).unwrap();
    assert!(
        removed
            .iter()
            .all(|c| !c.resource.contains("vpc") && !c.resource.contains("ecs-cluster")),
        "{removed:#?}"
    );
    assert_eq!(snapshot_resources(&moto, "pr-7", "us-east-2"), 0);
    assert_eq!(snapshot_resources(&moto, "dev", "us-east-2"), dev_resources);
    assert_eq!(scan(&moto, "dev", "us-east-2").0, 0);

    // Destroy everything: nothing of any environment is left, nor an Elastic IP.
    for env in ["dev", "staging", "prod"] {
        let config = if spec(env).region == "us-east-1" {
            &east1
        } else {
            &east2
        };
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let options = DestroyOptions::with_final_snapshot(&spec(env), at);
        let dry = block_on(infra::destroy(config, &spec(env), Mode::Plan, &options)).unwrap();
        let removed = block_on(infra::destroy(config, &spec(env), Mode::Apply, &options)).unwrap();
        assert_eq!(dry, removed, "{env}: the dry run lists what goes");
        assert!(
            block_on(infra::destroy(config, &spec(env), Mode::Apply, &options))
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            snapshot_resources(&moto, env, &spec(env).region),
            0,
            "{env}"
        );
    }
    for config in [&east1, &east2] {
        let addresses = block_on(
            aws_sdk_ec2::Client::new(config)
                .describe_addresses()
                .filters(
                    ec2::Filter::builder()
                        .name("tag:ManagedBy")
                        .values("driftscan")
                        .build(),
                )
                .send(),
        )
        .unwrap();
        assert!(addresses.addresses().is_empty());
    }
}

/// The scanner stack's concurrency: the work queue's and the dead-letter queue's mappings'
/// maximum, and the function's reservation.
async fn footprint(config: &aws_config::SdkConfig) -> (Option<i32>, Option<i32>, Option<i32>) {
    let lambda = aws_sdk_lambda::Client::new(config);
    let mappings = lambda
        .list_event_source_mappings()
        .function_name("driftscan")
        .send()
        .await
        .unwrap();
    let maximum = |queue: &str| {
        mappings
            .event_source_mappings()
            .iter()
            .find(|m| m.event_source_arn().is_some_and(|a| a.ends_with(queue)))
            .and_then(|m| m.scaling_config())
            .and_then(|s| s.maximum_concurrency())
    };
    let reserved = lambda
        .get_function_concurrency()
        .function_name("driftscan")
        .send()
        .await
        .unwrap()
        .reserved_concurrent_executions();
    (
        maximum(":driftscan-work"),
        maximum(":driftscan-work-dlq"),
        reserved,
    )
}

/// The debug build of the function, zipped as `bootstrap` (the emulator stores it; it does not
/// run it).
fn function_package(dir: &Path) -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_driftscan")).with_file_name("driftscan-lambda");
    assert!(
        binary.exists(),
        "{} is not built (scripts/test builds it)",
        binary.display()
    );
    let zip = dir.join("bootstrap.zip");
    let script = format!(
        "import zipfile; z = zipfile.ZipFile({:?}, 'w', zipfile.ZIP_DEFLATED); z.write({:?}, 'bootstrap'); z.close()",
        zip.display().to_string(),
        binary.display().to_string()
    );
    let status = std::process::Command::new("python3")
        .args(["-c", &script])
        .status()
        .expect("python3");
    assert!(status.success());
    zip
}

#[test]
fn the_scanner_stack_converges_with_least_privilege_and_a_dashboard_of_real_metrics() {
    use crate::support::LocalStack;
    let moto = Moto::start();
    let localstack = LocalStack::start();
    // Every service to moto, CloudWatch to LocalStack, as the standard chain reads them.
    std::env::set_var("AWS_ENDPOINT_URL", &moto.endpoint);
    std::env::set_var("AWS_ENDPOINT_URL_CLOUDWATCH", &localstack.endpoint);
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    std::env::set_var("AWS_REGION", "us-east-1");
    let config = block_on(aws_config::load_defaults(
        aws_config::BehaviorVersion::latest(),
    ));
    let mut spec = infra::ScannerSpec::reference(
        "us-east-1",
        "123456789012",
        function_package(moto.dir.path()),
    );
    spec.email = Some("platform-oncall@example.com".into());

    let planned = block_on(infra::converge_scanner(&config, &spec, Mode::Plan)).unwrap();
    let applied = block_on(infra::converge_scanner(&config, &spec, Mode::Apply)).unwrap();
    assert_eq!(planned, applied, "plan lists what apply does");
    let kinds: Vec<&str> = applied
        .iter()
        .map(|c| c.resource.split(' ').next().unwrap())
        .collect();
    for kind in [
        "sns-topic",
        "sns-topic-policy",
        "sns-subscription",
        "iam-role",
        "iam-role-policy",
        "lambda-function",
        "eventbridge-rule",
        "eventbridge-target",
        "lambda-permission",
        "cloudwatch-dashboard",
        "cloudwatch-alarm",
        "sqs-queue",
        "lambda-event-source-mapping",
        "s3-bucket",
        "s3-bucket-policy",
        "s3-bucket-lifecycle",
        "dynamodb-table",
        "kms-key",
        "log-group",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {applied:#?}");
    }
    let again = block_on(infra::converge_scanner(&config, &spec, Mode::Apply)).unwrap();
    assert!(again.is_empty(), "converged: {again:#?}");
    // A bounded footprint: 10 workers on the work queue, 2 on the dead letters, 13 reserved.
    assert_eq!(block_on(footprint(&config)), (Some(10), Some(2), Some(13)));
    let mut narrower = spec.clone();
    narrower.concurrency = 4;
    let rescaled = block_on(infra::converge_scanner(&config, &narrower, Mode::Apply)).unwrap();
    let details: Vec<String> = rescaled.iter().map(|c| format!("{c}")).collect();
    assert_eq!(
        details,
        [
            "~ lambda-function driftscan: reserved concurrency 13 -> 7",
            "~ lambda-event-source-mapping driftscan-work: at most 10 -> 4 at once",
        ],
        "in place, nothing else"
    );
    assert_eq!(block_on(footprint(&config)), (Some(4), Some(2), Some(7)));
    block_on(infra::converge_scanner(&config, &spec, Mode::Apply)).unwrap();

    block_on(async {
        let topic = "arn:aws:sns:us-east-1:123456789012:driftscan-alerts";
        let sns = aws_sdk_sns::Client::new(&config);
        let subscriptions = sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .send()
            .await
            .unwrap();
        assert_eq!(subscriptions.subscriptions().len(), 1);
        // Only the scanner role and the stack's alarm may publish.
        let attributes = sns
            .get_topic_attributes()
            .topic_arn(topic)
            .send()
            .await
            .unwrap();
        let policy: serde_json::Value =
            serde_json::from_str(&attributes.attributes().unwrap()["Policy"]).unwrap();
        assert_eq!(policy, infra::topic_policy(&spec));
        assert_eq!(
            subscriptions.subscriptions()[0].endpoint(),
            Some("platform-oncall@example.com")
        );

        let iam = aws_sdk_iam::Client::new(&config);
        let policy = iam
            .get_role_policy()
            .role_name("driftscan-scanner")
            .policy_name("driftscan")
            .send()
            .await
            .unwrap();
        let document: serde_json::Value =
            serde_json::from_str(&urlencoding::decode(&policy.policy_document).unwrap()).unwrap();
        assert_eq!(
            document,
            infra::policy_document(&spec),
            "exactly the least-privilege document"
        );

        let lambda = aws_sdk_lambda::Client::new(&config);
        let function = lambda
            .get_function()
            .function_name("driftscan")
            .send()
            .await
            .unwrap();
        let configuration = function.configuration().unwrap();
        assert_eq!(
            configuration.runtime().map(|r| r.as_str()),
            Some("provided.al2023")
        );
        assert_eq!(configuration.handler(), Some("bootstrap"));
        assert_eq!(
            configuration.role(),
            Some("arn:aws:iam::123456789012:role/driftscan-scanner")
        );
        let variables = configuration.environment().unwrap().variables().unwrap();
        assert_eq!(variables["DRIFTSCAN_COMPARE"], "staging:prod");
        let permissions = lambda
            .get_policy()
            .function_name("driftscan")
            .send()
            .await
            .unwrap();
        let statements: serde_json::Value =
            serde_json::from_str(permissions.policy().unwrap()).unwrap();
        assert_eq!(statements["Statement"].as_array().unwrap().len(), 2);

        let events = aws_sdk_eventbridge::Client::new(&config);
        let schedule = events
            .describe_rule()
            .name("driftscan-schedule")
            .send()
            .await
            .unwrap();
        assert_eq!(schedule.schedule_expression(), Some("rate(15 minutes)"));
        let changes = events
            .describe_rule()
            .name("driftscan-config-changes")
            .send()
            .await
            .unwrap();
        let pattern: serde_json::Value =
            serde_json::from_str(changes.event_pattern().unwrap()).unwrap();
        assert_eq!(pattern, infra::change_event_pattern());
        for rule in ["driftscan-schedule", "driftscan-config-changes"] {
            let targets = events
                .list_targets_by_rule()
                .rule(rule)
                .send()
                .await
                .unwrap();
            assert_eq!(targets.targets().len(), 1, "{rule}");
            assert_eq!(
                targets.targets()[0].arn(),
                "arn:aws:lambda:us-east-1:123456789012:function:driftscan"
            );
        }
        let input: serde_json::Value = serde_json::from_str(
            events
                .list_targets_by_rule()
                .rule("driftscan-schedule")
                .send()
                .await
                .unwrap()
                .targets()[0]
                .input()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(input["scan"], serde_json::json!(["dev", "staging", "prod"]));

        // The topic encrypted with its own key (rotating), the logs kept 30 days.
        let attributes = sns
            .get_topic_attributes()
            .topic_arn(topic)
            .send()
            .await
            .unwrap();
        assert_eq!(
            attributes.attributes().unwrap()["KmsMasterKeyId"],
            "alias/driftscan-alerts"
        );
        let kms = aws_sdk_kms::Client::new(&config);
        let key = kms
            .describe_key()
            .key_id("alias/driftscan-alerts")
            .send()
            .await
            .unwrap();
        let key_id = key.key_metadata().unwrap().key_id().to_string();
        let rotation = kms
            .get_key_rotation_status()
            .key_id(&key_id)
            .send()
            .await
            .unwrap();
        assert!(rotation.key_rotation_enabled());
        let logs = aws_sdk_cloudwatchlogs::Client::new(&config)
            .describe_log_groups()
            .log_group_name_prefix("/aws/lambda/driftscan")
            .send()
            .await
            .unwrap();
        assert_eq!(logs.log_groups()[0].retention_in_days(), Some(30));

        // The fan-out engine, read back: what users' security scanners check.
        let sqs = aws_sdk_sqs::Client::new(&config);
        let attributes = |queue: &'static str| {
            let sqs = sqs.clone();
            async move {
                let url = sqs.get_queue_url().queue_name(queue).send().await.unwrap();
                sqs.get_queue_attributes()
                    .queue_url(url.queue_url().unwrap())
                    .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
                    .send()
                    .await
                    .unwrap()
                    .attributes()
                    .cloned()
                    .unwrap()
            }
        };
        use aws_sdk_sqs::types::QueueAttributeName as Q;
        let work = attributes("driftscan-work").await;
        let dead = attributes("driftscan-work-dlq").await;
        for queue in [&work, &dead] {
            assert_eq!(queue[&Q::SqsManagedSseEnabled], "true", "encrypted");
        }
        assert_eq!(work[&Q::VisibilityTimeout], "1800");
        let redrive: serde_json::Value = serde_json::from_str(&work[&Q::RedrivePolicy]).unwrap();
        assert_eq!(
            redrive["deadLetterTargetArn"],
            "arn:aws:sqs:us-east-1:123456789012:driftscan-work-dlq"
        );
        assert_eq!(dead[&Q::MessageRetentionPeriod], "1209600");
        let mappings = aws_sdk_lambda::Client::new(&config)
            .list_event_source_mappings()
            .function_name("driftscan")
            .send()
            .await
            .unwrap();
        let mut sources: Vec<&str> = mappings
            .event_source_mappings()
            .iter()
            .map(|m| {
                assert_eq!(
                    m.function_response_types(),
                    [aws_sdk_lambda::types::FunctionResponseType::ReportBatchItemFailures]
                );
                m.event_source_arn().unwrap()
            })
            .collect();
        sources.sort();
        assert_eq!(
            sources,
            [
                "arn:aws:sqs:us-east-1:123456789012:driftscan-work",
                "arn:aws:sqs:us-east-1:123456789012:driftscan-work-dlq"
            ]
        );
        let s3 = scanner::aws::s3_client(&config);
        let bucket = "driftscan-runs-123456789012-us-east-1";
        let versioning = s3
            .get_bucket_versioning()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        assert_eq!(
            versioning.status(),
            Some(&aws_sdk_s3::types::BucketVersioningStatus::Enabled)
        );
        let encryption = s3
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let rule = &encryption
            .server_side_encryption_configuration()
            .unwrap()
            .rules()[0];
        assert_eq!(
            rule.apply_server_side_encryption_by_default()
                .unwrap()
                .sse_algorithm(),
            &aws_sdk_s3::types::ServerSideEncryption::AwsKms
        );
        let blocked = s3
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let blocked = blocked.public_access_block_configuration().unwrap();
        assert_eq!(blocked.block_public_acls(), Some(true));
        assert_eq!(blocked.restrict_public_buckets(), Some(true));
        let policy = s3.get_bucket_policy().bucket(bucket).send().await.unwrap();
        assert!(
            policy.policy().unwrap().contains("aws:SecureTransport"),
            "TLS only"
        );
        let lifecycle = s3
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let rule = &lifecycle.rules()[0];
        assert_eq!(rule.filter().and_then(|f| f.prefix()), Some("runs/"));
        assert_eq!(rule.expiration().and_then(|e| e.days()), Some(30));
        let dynamodb = aws_sdk_dynamodb::Client::new(&config);
        let table = dynamodb
            .describe_table()
            .table_name("driftscan")
            .send()
            .await
            .unwrap();
        assert_eq!(
            table
                .table()
                .and_then(|t| t.sse_description())
                .and_then(|d| d.status()),
            Some(&aws_sdk_dynamodb::types::SseStatus::Enabled)
        );
        let backups = dynamodb
            .describe_continuous_backups()
            .table_name("driftscan")
            .send()
            .await
            .unwrap();
        assert_eq!(
            backups
                .continuous_backups_description()
                .and_then(|d| d.point_in_time_recovery_description())
                .and_then(|p| p.point_in_time_recovery_status()),
            Some(&aws_sdk_dynamodb::types::PointInTimeRecoveryStatus::Enabled)
        );
        let ttl = dynamodb
            .describe_time_to_live()
            .table_name("driftscan")
            .send()
            .await
            .unwrap();
        assert_eq!(
            ttl.time_to_live_description()
                .and_then(|d| d.attribute_name()),
            Some("expires_at")
        );
        // The emulator is reached over plain HTTP, so the TLS-only policy refuses a write.
        let refused = s3
            .put_object()
            .bucket(bucket)
            .key("runs/20261127T091500Z-abc/prod/us-east-1/snapshot.json.gz")
            .body(b"{}".to_vec().into())
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refused.raw_response().map(|r| r.status().as_u16()),
            Some(403)
        );
        // A finding in the ledger: destroy keeps the table.
        dynamodb
            .put_item()
            .table_name("driftscan")
            .item(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("report#scan/prod".into()),
            )
            .item(
                "sk",
                aws_sdk_dynamodb::types::AttributeValue::S("#head".into()),
            )
            .send()
            .await
            .unwrap();

        let cloudwatch = localstack.cloudwatch().await;
        let dashboard = cloudwatch
            .get_dashboard()
            .dashboard_name("driftscan")
            .send()
            .await
            .unwrap();
        let body: serde_json::Value =
            serde_json::from_str(dashboard.dashboard_body().unwrap()).unwrap();
        assert_eq!(body, infra::dashboard_body(&spec));
        assert_eq!(body["widgets"].as_array().unwrap().len(), 12);
        let alarms = cloudwatch
            .describe_alarms()
            .alarm_names("driftscan-scan-incomplete")
            .send()
            .await
            .unwrap();
        let alarm = &alarms.metric_alarms()[0];
        assert_eq!(alarm.metric_name(), Some("ScanIncomplete"));
        assert_eq!(alarm.treat_missing_data(), Some("breaching"));
        assert_eq!(alarm.alarm_actions(), [topic.to_string()]);
    });

    // Destroy: the dry run lists what goes, everything goes, and a second run has nothing left.
    let dry = block_on(infra::destroy_scanner(&config, &spec, Mode::Plan)).unwrap();
    assert_eq!(dry.len(), 15, "{dry:#?}");
    let kept: Vec<&str> = dry
        .iter()
        .filter(|c| c.action == infra::Action::Keep)
        .map(|c| c.resource.as_str())
        .collect();
    assert_eq!(kept, ["dynamodb-table driftscan"]);
    // As users run it: `driftscan-infra destroy --scanner`, refused without a terminal or
    // --yes (nothing goes), then confirmed with --yes.
    let binary = Path::new(env!("CARGO_BIN_EXE_driftscan")).with_file_name("driftscan-infra");
    let destroy = |extra: &[&str]| {
        let mut command = std::process::Command::new(&binary);
        crate::support::against_emulator(&mut command, &moto.endpoint);
        command
            .env("AWS_ENDPOINT_URL_CLOUDWATCH", &localstack.endpoint)
            .args(["destroy", "--scanner", "--region", "us-east-1"])
            .args(extra)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("driftscan-infra runs")
    };
    let refused = destroy(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no terminal"), "{stderr}");
    assert_eq!(
        block_on(infra::destroy_scanner(&config, &spec, Mode::Plan)).unwrap(),
        dry,
        "nothing went"
    );
    let confirmed = destroy(&["--yes"]);
    let stdout = String::from_utf8_lossy(&confirmed.stdout);
    assert_eq!(confirmed.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with("Destroy complete! Resources: 0 added, 0 changed, 14 destroyed. 1 kept: they hold data, and destroy never deletes data.\n"),
        "{stdout}"
    );
    assert_eq!(
        block_on(infra::destroy_scanner(&config, &spec, Mode::Apply)).unwrap(),
        dry.into_iter()
            .filter(|c| c.action == infra::Action::Keep)
            .collect::<Vec<_>>(),
        "nothing left but what holds data"
    );
    let roles = block_on(aws_sdk_iam::Client::new(&config).list_roles().send()).unwrap();
    assert!(roles
        .roles()
        .iter()
        .all(|r| r.role_name() != "driftscan-scanner"));
}

//! driftscan's own stack: the SNS topic for alerts (optionally with an email subscription), the
//! Lambda's IAM role with a least-privilege policy, the function from the built package, the
//! EventBridge schedule and CloudTrail change rules with their targets and invoke permissions, and
//! a CloudWatch dashboard and alarm over the metrics the function publishes. Converged like an
//! environment: looked up first, created or updated only where it differs.

use std::collections::BTreeSet;
use std::path::PathBuf;

use aws_config::SdkConfig;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{call_error, Action, Change, InfraError, Mode, Recorder};

/// The names and settings of the scanner stack.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannerSpec {
    /// Region of the stack.
    pub region: String,
    /// The account id (for ARNs of things not yet created while planning).
    pub account: String,
    /// The alert topic's name.
    pub topic: String,
    /// An email address to subscribe to alerts, if any.
    pub email: Option<String>,
    /// The IAM role's name.
    pub role: String,
    /// The function's name.
    pub function: String,
    /// The deployment package (`bootstrap.zip` from `scripts/package-lambda.sh`).
    pub package: PathBuf,
    /// Environments scanned on the schedule.
    pub scan: Vec<String>,
    /// Environments compared on the schedule: pairs, or three and more for a parity matrix.
    pub compare: Vec<Vec<String>>,
    /// The schedule (`rate(15 minutes)`).
    pub schedule: String,
    /// Whether SecureString digests are enabled (only then may the role decrypt).
    pub secure_digest: bool,
    /// The dashboard's and the alarm's base name.
    pub dashboard: String,
    /// Function timeout in seconds.
    pub timeout_secs: i32,
    /// Function memory in MiB.
    pub memory_mb: i32,
    /// A bucket (in the stack's region, not created here) where each run's HTML reports are
    /// kept under `reports/`; the alert links to them.
    pub report_bucket: Option<String>,
    /// The member accounts' read-only roles the function may assume (from driftscan.yaml's
    /// `accounts`).
    pub member_roles: Vec<String>,
    /// With `organization:` discovery: the role name assumed in every member account (the
    /// function may then list the organization and assume that role in any account).
    pub organization_role: Option<String>,
}

impl ScannerSpec {
    /// The reference stack: scans dev, staging and prod, compares staging with prod, every 15
    /// minutes.
    pub fn reference(region: &str, account: &str, package: PathBuf) -> Self {
        ScannerSpec {
            region: region.into(),
            account: account.into(),
            topic: "driftscan-alerts".into(),
            email: None,
            role: "driftscan-scanner".into(),
            function: "driftscan".into(),
            package,
            scan: vec!["dev".into(), "staging".into(), "prod".into()],
            compare: vec![vec!["staging".into(), "prod".into()]],
            schedule: "rate(15 minutes)".into(),
            secure_digest: false,
            dashboard: "driftscan".into(),
            timeout_secs: 300,
            memory_mb: 256,
            report_bucket: None,
            member_roles: Vec::new(),
            organization_role: None,
        }
    }

    fn topic_arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account, self.topic
        )
    }

    fn rule_arn(&self, rule: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:rule/{rule}",
            self.region, self.account
        )
    }

    fn function_arn(&self) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{}",
            self.region, self.account, self.function
        )
    }

    /// The schedule rule's and the change rule's names.
    pub fn rules(&self) -> [String; 2] {
        [
            format!("{}-schedule", self.function),
            format!("{}-config-changes", self.function),
        ]
    }

    /// The incomplete-scan alarm's name.
    pub fn alarm(&self) -> String {
        format!("{}-scan-incomplete", self.dashboard)
    }

    /// The function's environment variables.
    pub fn function_environment(&self) -> Vec<(String, String)> {
        vec![
            ("DRIFTSCAN_SCAN".into(), self.scan.join(",")),
            (
                "DRIFTSCAN_COMPARE".into(),
                self.compare
                    .iter()
                    .map(|group| group.join(":"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("DRIFTSCAN_TOPIC_ARN".into(), self.topic_arn()),
            ("DRIFTSCAN_METRICS".into(), "api".into()),
        ]
        .into_iter()
        .chain(
            self.report_bucket
                .iter()
                .map(|bucket| ("DRIFTSCAN_REPORT_BUCKET".into(), bucket.clone())),
        )
        .collect()
    }
}

/// The function's IAM policy: read-only calls of every collector, `sns:Publish` on the alert
/// topic only, `cloudwatch:PutMetricData` in the `Driftscan` namespace only, its alert state in
/// SSM, its logs, and `s3:PutObject` under `reports/` of the report bucket when there is one.
/// `kms:Decrypt` only with digests.
pub fn policy_document(spec: &ScannerSpec) -> Value {
    let state = scanner::config::DEFAULT_STATE_PATH.trim_start_matches('/');
    let mut statements = scanner::collect::read_statements(spec.secure_digest);
    statements.extend([
        json!({"Sid": "PublishAlerts", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": spec.topic_arn()}),
        json!({
            "Sid": "PutDriftscanMetrics", "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": scanner::metrics::NAMESPACE}}
        }),
        json!({
            "Sid": "AlertState", "Effect": "Allow",
            "Action": ["ssm:GetParametersByPath", "ssm:PutParameter", "ssm:DeleteParameters"],
            "Resource": [
                format!("arn:aws:ssm:{}:{}:parameter/{state}", spec.region, spec.account),
                format!("arn:aws:ssm:{}:{}:parameter/{state}/*", spec.region, spec.account)
            ]
        }),
        json!({
            "Sid": "Logs", "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": format!("arn:aws:logs:{}:{}:log-group:/aws/lambda/{}:*", spec.region, spec.account, spec.function)
        }),
    ]);
    let mut assumable = spec.member_roles.clone();
    if let Some(role) = &spec.organization_role {
        assumable.push(format!("arn:aws:iam::*:role/{role}"));
        statements.push(json!({
            "Sid": "ListOrganization", "Effect": "Allow",
            "Action": ["organizations:ListAccounts", "organizations:ListAccountsForParent",
                       "organizations:ListOrganizationalUnitsForParent", "organizations:ListTagsForResource"],
            "Resource": "*"
        }));
    }
    if !assumable.is_empty() {
        statements.push(json!({
            "Sid": "AssumeMemberRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"],
            "Resource": assumable
        }));
    }
    if let Some(bucket) = &spec.report_bucket {
        statements.push(json!({
            "Sid": "KeepReports", "Effect": "Allow", "Action": ["s3:PutObject"],
            "Resource": format!("arn:aws:s3:::{bucket}/reports/*")
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    })
}

/// The CloudTrail events that trigger a rescan: every service and change event of the kind
/// registry.
pub fn change_event_pattern() -> Value {
    scanner::kinds::change_event_pattern()
}

/// The dashboard: per scanned environment, findings by severity and scan errors by service; per
/// compared pair, scan errors; one widget each for differences per pair, resources scanned, scan
/// duration and incomplete scans. Every metric is one
/// the function publishes (`scanner::metrics::datums`), with its exact dimensions.
pub fn dashboard_body(spec: &ScannerSpec) -> Value {
    let ns = scanner::metrics::NAMESPACE;
    let region = &spec.region;
    let mut widgets = Vec::new();
    let mut place = |title: String, metrics: Vec<Value>, stacked: bool| {
        let i = widgets.len();
        widgets.push(json!({
            "type": "metric",
            "x": (i % 2) * 12, "y": (i / 2) * 6, "width": 12, "height": 6,
            "properties": {
                "title": title, "region": region, "view": "timeSeries", "stacked": stacked,
                "stat": "Maximum", "period": 300, "metrics": metrics
            }
        }));
    };
    for env in &spec.scan {
        let findings = scanner::model::Severity::ALL
            .iter()
            .rev()
            .map(|s| json!([ns, "Findings", "Environment", env, "Severity", s.as_str()]))
            .collect();
        place(format!("Findings by severity: {env}"), findings, true);
        let errors = scanner::kinds::services()
            .map(|s| json!([ns, "ScanErrors", "Environment", env, "Service", s.as_str()]))
            .collect();
        place(format!("Scan errors by service: {env}"), errors, true);
    }
    let pairs: Vec<String> = spec
        .compare
        .iter()
        .map(|group| group.join(scanner::model::COMPARED_SEPARATOR))
        .collect();
    for pair in &pairs {
        let errors = scanner::kinds::services()
            .map(|s| json!([ns, "ScanErrors", "Pair", pair, "Service", s.as_str()]))
            .collect();
        place(format!("Scan errors by service: {pair}"), errors, true);
    }
    place(
        "Differences per compared pair".into(),
        pairs
            .iter()
            .map(|p| json!([ns, "Differences", "Pair", p]))
            .collect(),
        false,
    );
    let scoped = || {
        spec.scan
            .iter()
            .map(|e| ("Environment", e.clone()))
            .chain(pairs.iter().map(|p| ("Pair", p.clone())))
            .collect::<Vec<_>>()
    };
    place(
        "Resources scanned".into(),
        scoped()
            .into_iter()
            .map(|(k, v)| json!([ns, "ResourcesScanned", k, v]))
            .collect(),
        false,
    );
    place(
        "Scan duration (ms)".into(),
        scoped()
            .into_iter()
            .map(|(k, v)| json!([ns, "ScanDuration", k, v]))
            .collect(),
        false,
    );
    let mut incomplete: Vec<Value> = scoped()
        .into_iter()
        .map(|(k, v)| json!([ns, "ScanIncomplete", k, v]))
        .collect();
    incomplete.push(json!([ns, "ScanIncomplete"]));
    place(
        "Incomplete scans (1 = could not read everything)".into(),
        incomplete,
        false,
    );
    json!({"widgets": widgets})
}

struct Clients {
    sns: aws_sdk_sns::Client,
    iam: aws_sdk_iam::Client,
    lambda: aws_sdk_lambda::Client,
    events: aws_sdk_eventbridge::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
}

impl Clients {
    fn new(config: &SdkConfig, region: &str) -> Self {
        let config = config
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .build();
        Clients {
            sns: aws_sdk_sns::Client::new(&config),
            iam: aws_sdk_iam::Client::new(&config),
            lambda: aws_sdk_lambda::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&config),
        }
    }
}

/// Converges the scanner stack; answers the changes made (or, planning, that would be).
pub async fn converge_scanner(
    config: &SdkConfig,
    spec: &ScannerSpec,
    mode: Mode,
) -> Result<Vec<Change>, InfraError> {
    let c = Clients::new(config, &spec.region);
    let rec = Recorder::new(mode);
    Box::pin(topic(&c, spec, &rec)).await?;
    let role_arn = Box::pin(role(&c, spec, &rec)).await?;
    Box::pin(topic_access(&c, spec, &rec)).await?;
    Box::pin(function(&c, spec, &rec, &role_arn)).await?;
    Box::pin(rules(&c, spec, &rec)).await?;
    Box::pin(dashboard_and_alarm(&c, spec, &rec)).await?;
    Ok(rec.into_changes())
}

/// Whether the alert topic exists (listed: CreateTopic would "succeed" either way).
async fn topic_exists(c: &Clients, spec: &ScannerSpec) -> Result<bool, InfraError> {
    let arn = spec.topic_arn();
    let mut pages = c.sns.list_topics().into_paginator().items().send();
    while let Some(topic) = pages.next().await {
        let topic = topic.map_err(call_error("ListTopics", &spec.topic))?;
        if topic.topic_arn() == Some(arn.as_str()) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Whether the function's IAM role exists.
async fn role_exists(c: &Clients, spec: &ScannerSpec) -> Result<bool, InfraError> {
    match c.iam.get_role().role_name(&spec.role).send().await {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            Ok(false)
        }
        Err(e) => Err(call_error("GetRole", &spec.role)(e)),
    }
}

/// The function's configuration, if it exists.
async fn find_function(
    c: &Clients,
    spec: &ScannerSpec,
) -> Result<Option<aws_sdk_lambda::types::FunctionConfiguration>, InfraError> {
    match c
        .lambda
        .get_function()
        .function_name(&spec.function)
        .send()
        .await
    {
        Ok(found) => Ok(found.configuration),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("GetFunction", &spec.function)(e)),
    }
}

async fn topic(c: &Clients, spec: &ScannerSpec, rec: &Recorder) -> Result<(), InfraError> {
    let arn = spec.topic_arn();
    let exists = topic_exists(c, spec).await?;
    if !exists {
        rec.change(
            Action::Create,
            format!("sns-topic {}", spec.topic),
            String::new(),
            async {
                c.sns
                    .create_topic()
                    .name(&spec.topic)
                    .send()
                    .await
                    .map_err(call_error("CreateTopic", &spec.topic))?;
                Ok(())
            },
        )
        .await?;
    }
    if let Some(email) = &spec.email {
        let subscribed = if exists {
            let found = c
                .sns
                .list_subscriptions_by_topic()
                .topic_arn(&arn)
                .send()
                .await
                .map_err(call_error("ListSubscriptionsByTopic", &spec.topic))?;
            found
                .subscriptions()
                .iter()
                .any(|s| s.protocol() == Some("email") && s.endpoint() == Some(email.as_str()))
        } else {
            false
        };
        if !subscribed {
            rec.change(
                Action::Create,
                format!("sns-subscription {}", spec.topic),
                format!("email {email}"),
                async {
                    c.sns
                        .subscribe()
                        .topic_arn(&arn)
                        .protocol("email")
                        .endpoint(email)
                        .send()
                        .await
                        .map_err(call_error("Subscribe", email))?;
                    Ok(())
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Who may publish to the alert topic: the function's role, and CloudWatch for the stack's
/// incomplete-scan alarm only (the default policy lets anything in the account publish).
pub fn topic_policy(spec: &ScannerSpec) -> Value {
    let topic = spec.topic_arn();
    json!({
        "Version": "2012-10-17",
        "Id": "driftscan-alerts",
        "Statement": [
            {
                "Sid": "ScannerPublishes", "Effect": "Allow",
                "Principal": {"AWS": format!("arn:aws:iam::{}:role/{}", spec.account, spec.role)},
                "Action": "sns:Publish", "Resource": topic
            },
            {
                "Sid": "IncompleteScanAlarmPublishes", "Effect": "Allow",
                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                "Action": "sns:Publish", "Resource": topic,
                "Condition": {"ArnLike": {"aws:SourceArn": format!(
                    "arn:aws:cloudwatch:{}:{}:alarm:{}", spec.region, spec.account, spec.alarm()
                )}}
            }
        ]
    })
}

/// The topic's access policy, put when it differs (after the role it names exists).
async fn topic_access(c: &Clients, spec: &ScannerSpec, rec: &Recorder) -> Result<(), InfraError> {
    let arn = spec.topic_arn();
    let wanted = topic_policy(spec);
    let current = match c.sns.get_topic_attributes().topic_arn(&arn).send().await {
        Ok(found) => found
            .attributes()
            .and_then(|a| a.get("Policy"))
            .and_then(|p| serde_json::from_str::<Value>(p).ok()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_not_found_exception()) =>
        {
            None
        }
        Err(e) => return Err(call_error("GetTopicAttributes", &spec.topic)(e)),
    };
    if current.as_ref() == Some(&wanted) {
        return Ok(());
    }
    rec.change(
        Action::Update,
        format!("sns-topic-policy {}", spec.topic),
        "publish: the scanner role and the incomplete-scan alarm only",
        async {
            c.sns
                .set_topic_attributes()
                .topic_arn(&arn)
                .attribute_name("Policy")
                .attribute_value(wanted.to_string())
                .send()
                .await
                .map_err(call_error("SetTopicAttributes", &spec.topic))?;
            Ok(())
        },
    )
    .await?;
    Ok(())
}

async fn role(c: &Clients, spec: &ScannerSpec, rec: &Recorder) -> Result<String, InfraError> {
    let arn = format!("arn:aws:iam::{}:role/{}", spec.account, spec.role);
    let exists = crate::iam::converge_role(
        &c.iam,
        rec,
        crate::iam::Role {
            name: &spec.role,
            trust: &trust_policy(),
            description: "driftscan: read-only scans, alerts, metrics",
            label: format!("iam-role {}", spec.role),
            who: "assumed by lambda.amazonaws.com".into(),
        },
    )
    .await?;
    crate::iam::converge_inline_policy(
        &c.iam,
        rec,
        crate::iam::InlinePolicy {
            role: &spec.role,
            role_exists: exists,
            name: "driftscan",
            document: &policy_document(spec),
            label: format!("iam-role-policy {}/driftscan", spec.role),
            detail: "least privilege",
        },
    )
    .await?;
    Ok(arn)
}

async fn function(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
    role_arn: &str,
) -> Result<(), InfraError> {
    use aws_sdk_lambda::primitives::Blob;
    use aws_sdk_lambda::types::{Architecture, Environment, FunctionCode, Runtime};

    let package = std::fs::read(&spec.package).map_err(|e| {
        InfraError::Refused(format!(
            "cannot read the Lambda package {}: {e} (build it with scripts/package-lambda.sh)",
            spec.package.display()
        ))
    })?;
    let sha = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&package));
    let environment = || {
        let mut env = Environment::builder();
        for (k, v) in spec.function_environment() {
            env = env.variables(k, v);
        }
        env.build()
    };
    let current = find_function(c, spec).await?;
    let Some(current) = current else {
        let detail = format!(
            "provided.al2023, {} MiB, {} s, package {} bytes",
            spec.memory_mb,
            spec.timeout_secs,
            package.len()
        );
        return rec
            .change(
                Action::Create,
                format!("lambda-function {}", spec.function),
                detail,
                async {
                    c.lambda
                        .create_function()
                        .function_name(&spec.function)
                        .runtime(Runtime::Providedal2023)
                        .architectures(Architecture::X8664)
                        .handler("bootstrap")
                        .role(role_arn)
                        .timeout(spec.timeout_secs)
                        .memory_size(spec.memory_mb)
                        .environment(environment())
                        .code(
                            FunctionCode::builder()
                                .zip_file(Blob::new(package.clone()))
                                .build(),
                        )
                        .send()
                        .await
                        .map_err(call_error("CreateFunction", &spec.function))?;
                    Ok(())
                },
            )
            .await
            .map(|_| ());
    };
    if current.code_sha256() != Some(sha.as_str()) {
        rec.change(
            Action::Update,
            format!("lambda-function {}", spec.function),
            "new package",
            async {
                c.lambda
                    .update_function_code()
                    .function_name(&spec.function)
                    .zip_file(Blob::new(package.clone()))
                    .send()
                    .await
                    .map_err(call_error("UpdateFunctionCode", &spec.function))?;
                Ok(())
            },
        )
        .await?;
    }
    let live_env: BTreeSet<(String, String)> = current
        .environment()
        .and_then(|e| e.variables())
        .map(|v| v.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default();
    let wanted_env: BTreeSet<(String, String)> = spec.function_environment().into_iter().collect();
    if live_env != wanted_env
        || current.timeout() != Some(spec.timeout_secs)
        || current.memory_size() != Some(spec.memory_mb)
        || current.role() != Some(role_arn)
    {
        rec.change(
            Action::Update,
            format!("lambda-function {}", spec.function),
            "configuration",
            async {
                c.lambda
                    .update_function_configuration()
                    .function_name(&spec.function)
                    .role(role_arn)
                    .timeout(spec.timeout_secs)
                    .memory_size(spec.memory_mb)
                    .environment(environment())
                    .send()
                    .await
                    .map_err(call_error("UpdateFunctionConfiguration", &spec.function))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

async fn rules(c: &Clients, spec: &ScannerSpec, rec: &Recorder) -> Result<(), InfraError> {
    use aws_sdk_eventbridge::types::{RuleState, Target};
    let [schedule, config_changes] = spec.rules();
    let input = json!({"scan": spec.scan, "compare": spec.compare}).to_string();
    let function_arn = spec.function_arn();
    for (rule, schedule_expression, pattern, target_input) in [
        (
            &schedule,
            Some(spec.schedule.clone()),
            None,
            Some(input.clone()),
        ),
        (&config_changes, None, Some(change_event_pattern()), None),
    ] {
        let current = match c.events.describe_rule().name(rule).send().await {
            Ok(found) => Some(found),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(e) => return Err(call_error("DescribeRule", rule)(e)),
        };
        let matches = current.as_ref().is_some_and(|r| {
            r.schedule_expression() == schedule_expression.as_deref()
                && r.event_pattern()
                    .and_then(|p| serde_json::from_str::<Value>(p).ok())
                    == pattern
                && r.state() == Some(&RuleState::Enabled)
        });
        if !matches {
            let action = if current.is_some() {
                Action::Update
            } else {
                Action::Create
            };
            let detail = schedule_expression
                .clone()
                .unwrap_or_else(|| "CloudTrail configuration changes".into());
            rec.change(action, format!("eventbridge-rule {rule}"), detail, async {
                c.events
                    .put_rule()
                    .name(rule)
                    .set_schedule_expression(schedule_expression.clone())
                    .set_event_pattern(pattern.as_ref().map(Value::to_string))
                    .state(RuleState::Enabled)
                    .send()
                    .await
                    .map_err(call_error("PutRule", rule))?;
                Ok(())
            })
            .await?;
        }
        let targets = if current.is_some() {
            c.events
                .list_targets_by_rule()
                .rule(rule)
                .send()
                .await
                .map_err(call_error("ListTargetsByRule", rule))?
                .targets
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let targeted = targets
            .iter()
            .any(|t| t.arn() == function_arn && t.input() == target_input.as_deref());
        if !targeted {
            rec.change(
                Action::Create,
                format!("eventbridge-target {rule}"),
                spec.function.clone(),
                async {
                    let target = Target::builder()
                        .id("driftscan")
                        .arn(&function_arn)
                        .set_input(target_input.clone())
                        .build()
                        .map_err(|e| InfraError::Refused(e.to_string()))?;
                    c.events
                        .put_targets()
                        .rule(rule)
                        .targets(target)
                        .send()
                        .await
                        .map_err(call_error("PutTargets", rule))?;
                    Ok(())
                },
            )
            .await?;
        }
    }

    // Invoke permissions, one statement per rule (looked up first: moto duplicates a
    // statement id instead of refusing it).
    let statements: Vec<String> = match c
        .lambda
        .get_policy()
        .function_name(&spec.function)
        .send()
        .await
    {
        Ok(found) => found
            .policy()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
            .and_then(|p| p["Statement"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|s| s["Sid"].as_str().map(str::to_string))
            .collect(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Vec::new()
        }
        Err(e) => return Err(call_error("GetPolicy", &spec.function)(e)),
    };
    for rule in [&schedule, &config_changes] {
        let sid = format!("{rule}-invoke");
        if statements.contains(&sid) {
            continue;
        }
        rec.change(
            Action::Create,
            format!("lambda-permission {sid}"),
            "events.amazonaws.com",
            async {
                c.lambda
                    .add_permission()
                    .function_name(&spec.function)
                    .statement_id(&sid)
                    .action("lambda:InvokeFunction")
                    .principal("events.amazonaws.com")
                    .source_arn(spec.rule_arn(rule))
                    .send()
                    .await
                    .map_err(call_error("AddPermission", &sid))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(())
}

async fn dashboard_and_alarm(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
    let body = dashboard_body(spec);
    // Listed first: a missing dashboard's GetDashboard error differs between AWS
    // (ResourceNotFound) and LocalStack (InvalidParameterValue).
    let listed = c
        .cloudwatch
        .list_dashboards()
        .dashboard_name_prefix(&spec.dashboard)
        .send()
        .await
        .map_err(call_error("ListDashboards", &spec.dashboard))?;
    let exists = listed
        .dashboard_entries()
        .iter()
        .any(|d| d.dashboard_name() == Some(spec.dashboard.as_str()));
    let current = if exists {
        let found = c
            .cloudwatch
            .get_dashboard()
            .dashboard_name(&spec.dashboard)
            .send()
            .await
            .map_err(call_error("GetDashboard", &spec.dashboard))?;
        found
            .dashboard_body()
            .and_then(|b| serde_json::from_str::<Value>(b).ok())
    } else {
        None
    };
    if current.as_ref() != Some(&body) {
        let action = if current.is_some() {
            Action::Update
        } else {
            Action::Create
        };
        let widgets = body["widgets"].as_array().map(Vec::len).unwrap_or(0);
        rec.change(
            action,
            format!("cloudwatch-dashboard {}", spec.dashboard),
            format!("{widgets} widgets"),
            async {
                c.cloudwatch
                    .put_dashboard()
                    .dashboard_name(&spec.dashboard)
                    .dashboard_body(body.to_string())
                    .send()
                    .await
                    .map_err(call_error("PutDashboard", &spec.dashboard))?;
                Ok(())
            },
        )
        .await?;
    }

    let alarm = spec.alarm();
    let found = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(&alarm)
        .send()
        .await
        .map_err(call_error("DescribeAlarms", &alarm))?;
    let topic = spec.topic_arn();
    let matches = found.metric_alarms().first().is_some_and(|a| {
        a.metric_name() == Some("ScanIncomplete")
            && a.namespace() == Some(scanner::metrics::NAMESPACE)
            && a.dimensions().is_empty()
            && a.threshold() == Some(1.0)
            && a.treat_missing_data() == Some("breaching")
            && a.alarm_actions() == [topic.clone()]
    });
    if !matches {
        let action = if found.metric_alarms().is_empty() {
            Action::Create
        } else {
            Action::Update
        };
        rec.change(action, format!("cloudwatch-alarm {alarm}"), "ScanIncomplete >= 1, or no data", async {
            c.cloudwatch
                .put_metric_alarm()
                .alarm_name(&alarm)
                .alarm_description("driftscan could not read everything (or did not run): its results cannot be trusted")
                .namespace(scanner::metrics::NAMESPACE)
                .metric_name("ScanIncomplete")
                .statistic(Statistic::Maximum)
                .period(900)
                .evaluation_periods(2)
                .threshold(1.0)
                .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
                // No data means no scan ran: fail closed.
                .treat_missing_data("breaching")
                .alarm_actions(&topic)
                .ok_actions(&topic)
                .send()
                .await
                .map_err(call_error("PutMetricAlarm", &alarm))?;
            Ok(())
        })
        .await?;
    }
    Ok(())
}

/// Removes the scanner stack, dependents first: alarm, dashboard, rule targets and rules, the
/// function (with its permissions), the role's policy and the role, the topic (with its
/// subscriptions). What does not exist is skipped, so a second run does nothing.
pub async fn destroy_scanner(
    config: &SdkConfig,
    spec: &ScannerSpec,
    mode: Mode,
) -> Result<Vec<Change>, InfraError> {
    let c = Clients::new(config, &spec.region);
    let rec = Recorder::new(mode);
    let alarm = spec.alarm();
    let alarms = c
        .cloudwatch
        .describe_alarms()
        .alarm_names(&alarm)
        .send()
        .await
        .map_err(call_error("DescribeAlarms", &alarm))?;
    if !alarms.metric_alarms().is_empty() {
        rec.change(
            Action::Delete,
            format!("cloudwatch-alarm {alarm}"),
            String::new(),
            async {
                c.cloudwatch
                    .delete_alarms()
                    .alarm_names(&alarm)
                    .send()
                    .await
                    .map_err(call_error("DeleteAlarms", &alarm))?;
                Ok(())
            },
        )
        .await?;
    }
    let dashboards = c
        .cloudwatch
        .list_dashboards()
        .dashboard_name_prefix(&spec.dashboard)
        .send()
        .await
        .map_err(call_error("ListDashboards", &spec.dashboard))?;
    if dashboards
        .dashboard_entries()
        .iter()
        .any(|d| d.dashboard_name() == Some(spec.dashboard.as_str()))
    {
        rec.change(
            Action::Delete,
            format!("cloudwatch-dashboard {}", spec.dashboard),
            String::new(),
            async {
                c.cloudwatch
                    .delete_dashboards()
                    .dashboard_names(&spec.dashboard)
                    .send()
                    .await
                    .map_err(call_error("DeleteDashboards", &spec.dashboard))?;
                Ok(())
            },
        )
        .await?;
    }
    for rule in spec.rules() {
        match c.events.describe_rule().name(&rule).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                continue
            }
            Err(e) => return Err(call_error("DescribeRule", &rule)(e)),
        }
        let targets = c
            .events
            .list_targets_by_rule()
            .rule(&rule)
            .send()
            .await
            .map_err(call_error("ListTargetsByRule", &rule))?;
        let ids: Vec<String> = targets
            .targets()
            .iter()
            .map(|t| t.id().to_string())
            .collect();
        rec.change(
            Action::Delete,
            format!("eventbridge-rule {rule}"),
            format!("{} target(s) first", ids.len()),
            async {
                if !ids.is_empty() {
                    c.events
                        .remove_targets()
                        .rule(&rule)
                        .set_ids(Some(ids.clone()))
                        .send()
                        .await
                        .map_err(call_error("RemoveTargets", &rule))?;
                }
                c.events
                    .delete_rule()
                    .name(&rule)
                    .send()
                    .await
                    .map_err(call_error("DeleteRule", &rule))?;
                Ok(())
            },
        )
        .await?;
    }
    if find_function(&c, spec).await?.is_some() {
        rec.change(
            Action::Delete,
            format!("lambda-function {}", spec.function),
            "with its permissions",
            async {
                c.lambda
                    .delete_function()
                    .function_name(&spec.function)
                    .send()
                    .await
                    .map_err(call_error("DeleteFunction", &spec.function))?;
                Ok(())
            },
        )
        .await?;
    }
    if role_exists(&c, spec).await? {
        let policies = c
            .iam
            .list_role_policies()
            .role_name(&spec.role)
            .send()
            .await
            .map_err(call_error("ListRolePolicies", &spec.role))?;
        let names = policies.policy_names().to_vec();
        // The policies go before the role: AWS refuses to delete a role that has any (moto
        // does not, and would leave them orphaned).
        rec.change(
            Action::Delete,
            format!("iam-role {}", spec.role),
            format!("{} inline policy(ies) first", names.len()),
            async {
                for name in &names {
                    c.iam
                        .delete_role_policy()
                        .role_name(&spec.role)
                        .policy_name(name)
                        .send()
                        .await
                        .map_err(call_error("DeleteRolePolicy", name))?;
                }
                c.iam
                    .delete_role()
                    .role_name(&spec.role)
                    .send()
                    .await
                    .map_err(call_error("DeleteRole", &spec.role))?;
                Ok(())
            },
        )
        .await?;
    }
    let arn = spec.topic_arn();
    let exists = topic_exists(&c, spec).await?;
    if exists {
        rec.change(
            Action::Delete,
            format!("sns-topic {}", spec.topic),
            "and its subscriptions",
            async {
                c.sns
                    .delete_topic()
                    .topic_arn(&arn)
                    .send()
                    .await
                    .map_err(call_error("DeleteTopic", &spec.topic))?;
                Ok(())
            },
        )
        .await?;
    }
    Ok(rec.into_changes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use scanner::model::{Counts, Report, REPORT_SCHEMA};

    fn spec() -> ScannerSpec {
        ScannerSpec::reference("us-east-1", "123456789012", PathBuf::from("bootstrap.zip"))
    }

    #[test]
    fn only_the_scanner_role_and_its_alarm_may_publish_alerts() {
        let policy = topic_policy(&spec());
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        for statement in statements {
            assert_eq!(statement["Effect"], "Allow");
            assert_eq!(statement["Action"], "sns:Publish", "publishing only");
            assert_eq!(
                statement["Resource"],
                "arn:aws:sns:us-east-1:123456789012:driftscan-alerts"
            );
        }
        assert_eq!(
            statements[0]["Principal"],
            json!({"AWS": "arn:aws:iam::123456789012:role/driftscan-scanner"})
        );
        assert_eq!(
            statements[1]["Principal"],
            json!({"Service": "cloudwatch.amazonaws.com"})
        );
        assert_eq!(
            statements[1]["Condition"]["ArnLike"]["aws:SourceArn"],
            "arn:aws:cloudwatch:us-east-1:123456789012:alarm:driftscan-scan-incomplete"
        );
        assert!(
            !policy.to_string().contains("\"*\""),
            "no wildcard principal"
        );
    }

    #[test]
    fn the_policy_grants_nothing_beyond_the_list() {
        let policy = policy_document(&ScannerSpec {
            report_bucket: Some("driftscan-reports".into()),
            member_roles: vec!["arn:aws:iam::222222222222:role/driftscan-readonly".into()],
            organization_role: Some("driftscan-readonly".into()),
            ..spec()
        });
        let granted = crate::iam::policy_checks::granted(&policy);
        for (action, resource) in &granted {
            let (service, verb) = action.split_once(':').unwrap();
            let read_only = ["Describe", "List", "Get"]
                .iter()
                .any(|prefix| verb.starts_with(prefix));
            let allowed = match service {
                "ssm" => {
                    verb.starts_with("Describe")
                        || verb.starts_with("Get")
                        || verb.starts_with("List")
                        || (["PutParameter", "DeleteParameters"].contains(&verb)
                            && resource
                                .to_string()
                                .contains("parameter/driftscan/alert-state"))
                }
                "sns" => {
                    verb == "Publish"
                        && resource == "arn:aws:sns:us-east-1:123456789012:driftscan-alerts"
                }
                "cloudwatch" => verb == "PutMetricData",
                "sts" => {
                    verb == "AssumeRole"
                        && resource
                            == &json!([
                                "arn:aws:iam::222222222222:role/driftscan-readonly",
                                "arn:aws:iam::*:role/driftscan-readonly"
                            ])
                }
                "organizations" => verb.starts_with("List"),
                "s3" => {
                    read_only
                        || (verb == "PutObject"
                            && resource == "arn:aws:s3:::driftscan-reports/reports/*")
                }
                _ if crate::iam::policy_checks::is_collector_read(action) => true,
                "logs" => resource
                    .as_str()
                    .unwrap()
                    .contains(":log-group:/aws/lambda/driftscan:"),
                _ => false,
            };
            assert!(allowed, "{action} on {resource}");
        }
        assert!(
            !granted.iter().any(|(a, _)| a == "kms:Decrypt"),
            "no decrypt without digests"
        );
        let metrics = &policy["Statement"][2];
        assert_eq!(
            metrics["Condition"]["StringEquals"]["cloudwatch:namespace"],
            "Driftscan"
        );
        let with_digests = policy_document(&ScannerSpec {
            secure_digest: true,
            ..spec()
        });
        assert!(with_digests.to_string().contains("kms:Decrypt"));
        let alone = policy_document(&spec()).to_string();
        assert!(
            !alone.contains("sts:AssumeRole") && !alone.contains("organizations:"),
            "no member roles, no assuming and no listing"
        );
    }

    #[test]
    fn every_dashboard_metric_is_one_the_function_publishes() {
        let spec = spec();
        let body = dashboard_body(&spec);
        let widgets = body["widgets"].as_array().unwrap();
        assert_eq!(widgets.len(), 2 * spec.scan.len() + spec.compare.len() + 4);
        let report = |command: &str, environment: String| Report {
            schema: REPORT_SCHEMA.into(),
            command: command.into(),
            environment,
            regions: vec![],
            complete: true,
            failures: vec![],
            baseline_files: vec![],
            expired_ignores: vec![],
            counts: Counts::default(),
            duration_ms: 0,
            findings: vec![],
            parity: None,
        };
        let reports: Vec<Report> = spec
            .scan
            .iter()
            .map(|e| report("scan", e.clone()))
            .chain(
                spec.compare
                    .iter()
                    .map(|group| report("compare", group.join(".."))),
            )
            .collect();
        let published: BTreeSet<(String, Vec<(String, String)>)> =
            scanner::metrics::datums(&reports)
                .into_iter()
                .map(|d| {
                    let mut dims = d.dimensions;
                    dims.sort();
                    (d.name, dims)
                })
                .collect();
        let mut graphed = 0;
        for widget in widgets {
            for metric in widget["properties"]["metrics"].as_array().unwrap() {
                let parts: Vec<&str> = metric
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap())
                    .collect();
                assert_eq!(parts[0], "Driftscan");
                let mut dims: Vec<(String, String)> = parts[2..]
                    .chunks(2)
                    .map(|kv| (kv[0].to_string(), kv[1].to_string()))
                    .collect();
                dims.sort();
                assert!(
                    published.contains(&(parts[1].to_string(), dims.clone())),
                    "{parts:?} is not published"
                );
                graphed += 1;
            }
        }
        // Everything the function publishes is on the dashboard.
        assert_eq!(graphed, published.len());
    }

    #[test]
    fn the_function_is_configured_for_its_schedule() {
        let env: std::collections::BTreeMap<_, _> =
            spec().function_environment().into_iter().collect();
        assert_eq!(env["DRIFTSCAN_SCAN"], "dev,staging,prod");
        assert_eq!(env["DRIFTSCAN_COMPARE"], "staging:prod");
        assert_eq!(
            env["DRIFTSCAN_TOPIC_ARN"],
            "arn:aws:sns:us-east-1:123456789012:driftscan-alerts"
        );
    }
}

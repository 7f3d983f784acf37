//! driftscan's own stack: the SNS topic for alerts (optionally with an email subscription), the
//! Lambda's IAM role with a least-privilege policy, the function from the built package, the
//! EventBridge schedule and CloudTrail change rules with their targets and invoke permissions, and
//! a CloudWatch dashboard and alarm over the metrics the function publishes. Converged like an
//! environment: looked up first, created or updated only where it differs.
//!
//! For runs fanned out over an organization it also holds the work queue and its dead-letter
//! queue (both mapped to the function), the run bucket (snapshots under `runs/`) and the table of
//! run records and the findings ledger, each held to what security scanners check.
//!
//! One module per concern: [`access`] holds the policy documents (pure), and each AWS resource's
//! convergence sits in its own module ([`topic`], [`storage`], [`queue`], [`function`],
//! [`events`], [`dashboard`]); [`destroy`] takes it down again, keeping what holds data.

mod access;
mod alert_key;
mod dashboard;
mod destroy;
mod events;
mod function;
mod logs;
mod queue;
mod storage;
#[cfg(test)]
mod tests;
mod topic;

use std::path::PathBuf;

use aws_config::SdkConfig;

use crate::{Change, InfraError, Mode, Recorder};
pub use access::{policy_document, topic_policy};
pub use alert_key::key_policy;
pub use dashboard::dashboard_body;
pub use destroy::destroy_scanner;
pub use events::change_event_pattern;

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
    /// Whether the function imports findings into Security Hub (driftscan.yaml's
    /// `publish.security_hub`): it is told so, and may import into its own account's default
    /// product (a member account's findings go in through its member role).
    pub security_hub: bool,
    /// With `organization:` discovery: the role name assumed in every member account (the
    /// function may then list the organization and assume that role in any account).
    pub organization_role: Option<String>,
    /// The work queue a scheduled run's items go to (its dead-letter queue is `<queue>-dlq`).
    pub queue: String,
    /// Deliveries of a work item before it is dead-lettered.
    pub max_receive_count: u32,
    /// The bucket of run snapshots (`runs/<run-id>/...`), created and kept by the stack.
    pub run_bucket: String,
    /// Days a run's snapshots are kept.
    pub run_retention_days: i32,
    /// The table of run records and the findings ledger.
    pub table: String,
    /// Days the function's logs are kept.
    pub log_retention_days: i32,
    /// Work items worked at once, at most: the work queue's mapping's maximum concurrency
    /// (2 to 1,000,
    /// <https://docs.aws.amazon.com/lambda/latest/api/API_ScalingConfig.html>). The function's
    /// reserved concurrency is [`ScannerSpec::reserved_concurrency`], so a run can never take
    /// the account's other functions' share.
    pub concurrency: i32,
}

/// The dead-letter queue's mapping's maximum concurrency: the least AWS allows.
pub const DEAD_LETTER_CONCURRENCY: i32 = 2;
/// The concurrency a stack gets unless told otherwise.
pub const DEFAULT_CONCURRENCY: i32 = 10;

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
            security_hub: false,
            organization_role: None,
            queue: "driftscan-work".into(),
            max_receive_count: 3,
            run_bucket: format!("driftscan-runs-{account}-{region}"),
            run_retention_days: 30,
            table: "driftscan".into(),
            log_retention_days: 30,
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// The function's reserved concurrency: the work queue's workers, the dead-letter queue's,
    /// and one for the schedule's and change events' invocations (beyond it, EventBridge retries
    /// them; <https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html>).
    pub fn reserved_concurrency(&self) -> i32 {
        self.concurrency + DEAD_LETTER_CONCURRENCY + 1
    }

    /// The alias of the alert topic's KMS key.
    pub fn alert_key_alias(&self) -> String {
        format!("alias/{}", self.topic)
    }

    /// The function's log group.
    pub fn log_group(&self) -> String {
        format!("/aws/lambda/{}", self.function)
    }

    /// The dead-letter queue's name.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}-dlq", self.queue)
    }

    /// A queue's ARN.
    pub(super) fn queue_arn(&self, queue: &str) -> String {
        format!("arn:aws:sqs:{}:{}:{queue}", self.region, self.account)
    }

    /// A queue's URL as SQS names it.
    pub(super) fn queue_url(&self, queue: &str) -> String {
        format!(
            "https://sqs.{}.amazonaws.com/{}/{queue}",
            self.region, self.account
        )
    }

    /// The table's ARN.
    pub(super) fn table_arn(&self) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{}",
            self.region, self.account, self.table
        )
    }

    /// How long a delivered work item stays invisible: six times the function's timeout, as
    /// AWS advises for queues mapped to a function.
    pub fn visibility_timeout_secs(&self) -> i32 {
        self.timeout_secs.saturating_mul(6).min(43_200)
    }

    pub(super) fn topic_arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account, self.topic
        )
    }

    pub(super) fn rule_arn(&self, rule: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:rule/{rule}",
            self.region, self.account
        )
    }

    pub(super) fn function_arn(&self) -> String {
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
            (
                "DRIFTSCAN_WORK_QUEUE_URL".into(),
                self.queue_url(&self.queue),
            ),
            (
                "DRIFTSCAN_DEAD_LETTER_QUEUE_ARN".into(),
                self.queue_arn(&self.dead_letter_queue()),
            ),
            ("DRIFTSCAN_RUN_BUCKET".into(), self.run_bucket.clone()),
            ("DRIFTSCAN_TABLE".into(), self.table.clone()),
        ]
        .into_iter()
        .chain(
            self.report_bucket
                .iter()
                .map(|bucket| ("DRIFTSCAN_REPORT_BUCKET".into(), bucket.clone())),
        )
        .chain(
            self.security_hub
                .then(|| ("DRIFTSCAN_SECURITY_HUB".into(), "1".into())),
        )
        .collect()
    }
}

pub(super) struct Clients {
    pub(super) sns: aws_sdk_sns::Client,
    pub(super) iam: aws_sdk_iam::Client,
    pub(super) lambda: aws_sdk_lambda::Client,
    pub(super) events: aws_sdk_eventbridge::Client,
    pub(super) cloudwatch: aws_sdk_cloudwatch::Client,
    pub(super) sqs: aws_sdk_sqs::Client,
    pub(super) s3: aws_sdk_s3::Client,
    pub(super) dynamodb: aws_sdk_dynamodb::Client,
    pub(super) kms: aws_sdk_kms::Client,
    pub(super) logs: aws_sdk_cloudwatchlogs::Client,
}

impl Clients {
    pub(super) fn new(config: &SdkConfig, region: &str) -> Self {
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
            sqs: aws_sdk_sqs::Client::new(&config),
            s3: scanner::aws::s3_client(&config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
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
    Box::pin(topic::topic(&c, spec, &rec)).await?;
    Box::pin(storage::run_bucket(&c, spec, &rec)).await?;
    Box::pin(storage::table(&c, spec, &rec)).await?;
    Box::pin(queue::queues(&c, spec, &rec)).await?;
    Box::pin(alert_key::alert_key(&c, spec, &rec)).await?;
    Box::pin(logs::log_group(&c, spec, &rec)).await?;
    let role_arn = Box::pin(function::role(&c, spec, &rec)).await?;
    Box::pin(topic::topic_access(&c, spec, &rec)).await?;
    Box::pin(function::function(&c, spec, &rec, &role_arn)).await?;
    Box::pin(queue::event_source_mappings(&c, spec, &rec)).await?;
    Box::pin(events::rules(&c, spec, &rec)).await?;
    Box::pin(dashboard::dashboard_and_alarm(&c, spec, &rec)).await?;
    Ok(rec.into_changes())
}

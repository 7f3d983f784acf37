//! Provisioning of the reference platform (the environments `baselines/` describes) with AWS SDK calls.
//!
//! A full environment is a VPC over three AZs (public and private subnets, one internet and one
//! NAT gateway, route tables), load-balancer / application / database security groups, an ECS
//! Fargate cluster with Container Insights running the trading app, an encrypted Aurora
//! PostgreSQL cluster whose credentials RDS keeps in Secrets Manager, and the SSM hierarchy. A
//! preview (`pr-<n>`) is only a security group, a task definition, a service and parameters, in
//! dev's VPC and cluster.
//!
//! Convergent: [`apply`] looks every resource up (by name and tags) and creates or updates only
//! what differs, so a second run changes nothing and a run after drift is its remediation;
//! [`plan`] lists the same changes without making them; [`destroy`] removes an environment in
//! dependency order. Every change goes through one [`Ctx::change`], which records it (and, when
//! planning, does not make it).

mod bucket;
mod cache;
pub mod cdn;
mod certificates;
mod compute;
mod database;
mod destroy;
pub mod dns;
pub mod edge;
mod from_baseline;
mod iam;
mod images;
mod keys;
mod logs;
pub mod member_roles;
mod network;
mod parameters;
mod roles;
mod scanner_stack;
mod secrets;
mod security;
mod waf;

pub use images::repository_uri;
pub use parameters::SHARED_PARAMETERS;
pub use scanner_stack::{
    change_event_pattern, converge_scanner, dashboard_body, destroy_scanner, key_policy,
    policy_document, topic_policy, ScannerSpec, DEAD_LETTER_CONCURRENCY, DEFAULT_CONCURRENCY,
};

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use aws_config::SdkConfig;
use aws_smithy_types::error::display::DisplayErrorContext;

use aws_sdk_ec2::types as ec2;
use aws_sdk_ecs::types as ecs;

/// The `Project` tag of every resource.
pub const PROJECT: &str = "trading-platform";
/// The `ManagedBy` tag of every resource.
pub const MANAGED_BY: &str = "driftscan";
/// The `CostCenter` tag of every resource.
pub const COST_CENTER: &str = "platform";
/// The application's container port.
pub const APP_PORT: i32 = 8080;
/// Aurora PostgreSQL engine version.
pub const AURORA_ENGINE_VERSION: &str = "15.4";

/// A failed provisioning call.
#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    /// An AWS call failed.
    #[error("{operation} for {resource} failed: {message}")]
    Call {
        /// The API operation.
        operation: &'static str,
        /// The resource it was for.
        resource: String,
        /// The error with its causes.
        message: String,
    },
    /// The request cannot be carried out.
    #[error("{0}")]
    Refused(String),
}

/// The app's container in every task definition.
pub(crate) const APP_CONTAINER: &str = "trading-app";

/// The reference platform's TLS policy: TLS 1.3, with TLS 1.2 for older clients.
pub const DEFAULT_TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

/// A full environment of the reference platform.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvironmentSpec {
    /// `dev`, `staging` or `prod`.
    pub name: String,
    /// Its region.
    pub region: String,
    /// The second octet of its VPC CIDR (`10.<n>.0.0/16`).
    pub cidr_octet: u8,
    /// Aurora instances.
    pub aurora_instances: u32,
    /// Aurora instance class.
    pub aurora_class: String,
    /// Backup retention in days.
    pub backup_retention_days: i32,
    /// Aurora deletion protection.
    pub deletion_protection: bool,
    /// The app image's tag.
    pub image_tag: String,
    /// ECS desired count.
    pub desired_count: i32,
    /// Task CPU units and memory (MiB).
    pub task_size: (u32, u32),
    /// `/<env>/database-max-connections`, `/<env>/cache-ttl`, `/<env>/api-timeout`.
    pub tuning: [(&'static str, String); 3],
    /// For a preview environment (`pr-<n>`), its pull request number: it then lives in dev's
    /// VPC and cluster and has only a security group, a task definition, a service and
    /// parameters.
    pub preview: Option<u32>,
    /// The HTTPS listener's TLS policy.
    pub tls_policy: String,
    /// The HTTPS listener's certificate ARN; `None`: an ACM certificate for the environment's
    /// domain and every name beneath it, requested and DNS-validated through its zone.
    pub certificate: Option<String>,
    /// The Redis replication group (full environments; previews use dev's).
    pub cache: Option<CacheSpec>,
    /// Days the app's log group keeps its events.
    pub log_retention_days: i32,
    /// Whether the app's log group is encrypted with the environment's KMS key.
    pub logs_encrypted: bool,
    /// Whether the environment requires the account's image repository to refuse a tag pushed
    /// twice (prod); no environment's apply makes it mutable again.
    pub immutable_tags: bool,
    /// Whether a regional web ACL sits in front of the load balancer (staging, prod).
    pub web_acl: bool,
}

/// An environment's Redis replication group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSpec {
    /// Node type (`cache.t4g.small`).
    pub node_type: String,
    /// Replicas of the primary (one node group: cluster mode disabled).
    pub replicas: i32,
    /// Automatic failover and Multi-AZ (needs two nodes or more).
    pub failover: bool,
    /// Days automatic snapshots are kept.
    pub snapshot_days: i32,
}

impl EnvironmentSpec {
    /// The reference platform's sizing for `name` (dev, staging, prod), optionally in another
    /// region.
    pub fn reference(name: &str, region: Option<&str>) -> Result<Self, InfraError> {
        let spec = match name {
            "dev" => EnvironmentSpec {
                name: "dev".into(),
                region: "us-east-2".into(),
                cidr_octet: 2,
                aurora_instances: 1,
                aurora_class: "db.t3.medium".into(),
                backup_retention_days: 1,
                deletion_protection: false,
                image_tag: "latest".into(),
                desired_count: 1,
                task_size: (256, 512),
                tuning: [
                    ("database-max-connections", "50".into()),
                    ("cache-ttl", "60".into()),
                    ("api-timeout", "30".into()),
                ],
                preview: None,
                tls_policy: DEFAULT_TLS_POLICY.into(),
                certificate: None,
                cache: Some(CacheSpec {
                    node_type: "cache.t4g.micro".into(),
                    replicas: 0,
                    failover: false,
                    snapshot_days: 1,
                }),
                log_retention_days: 7,
                logs_encrypted: false,
                immutable_tags: false,
                web_acl: false,
            },
            "staging" => EnvironmentSpec {
                name: "staging".into(),
                region: "us-east-1".into(),
                cidr_octet: 1,
                aurora_instances: 2,
                aurora_class: "db.r6g.large".into(),
                backup_retention_days: 7,
                deletion_protection: false,
                image_tag: "staging-4f2a9c1".into(),
                desired_count: 2,
                task_size: (512, 1024),
                tuning: [
                    ("database-max-connections", "100".into()),
                    ("cache-ttl", "300".into()),
                    ("api-timeout", "30".into()),
                ],
                preview: None,
                tls_policy: DEFAULT_TLS_POLICY.into(),
                certificate: None,
                cache: Some(CacheSpec {
                    node_type: "cache.t4g.small".into(),
                    replicas: 1,
                    failover: true,
                    snapshot_days: 7,
                }),
                log_retention_days: 30,
                logs_encrypted: false,
                immutable_tags: false,
                web_acl: true,
            },
            "prod" => EnvironmentSpec {
                name: "prod".into(),
                region: "us-east-1".into(),
                cidr_octet: 0,
                aurora_instances: 3,
                aurora_class: "db.r6g.xlarge".into(),
                backup_retention_days: 30,
                deletion_protection: true,
                image_tag: "v1.4.2".into(),
                desired_count: 3,
                task_size: (1024, 2048),
                tuning: [
                    ("database-max-connections", "200".into()),
                    ("cache-ttl", "300".into()),
                    ("api-timeout", "30".into()),
                ],
                preview: None,
                tls_policy: DEFAULT_TLS_POLICY.into(),
                certificate: None,
                cache: Some(CacheSpec {
                    node_type: "cache.r7g.large".into(),
                    replicas: 1,
                    failover: true,
                    snapshot_days: 14,
                }),
                log_retention_days: 90,
                logs_encrypted: true,
                immutable_tags: true,
                web_acl: true,
            },
            other => match preview_number(other) {
                Some(number) => EnvironmentSpec {
                    name: other.to_string(),
                    region: "us-east-2".into(),
                    cidr_octet: 2,
                    aurora_instances: 0,
                    aurora_class: String::new(),
                    backup_retention_days: 0,
                    deletion_protection: false,
                    image_tag: format!("{other}-head"),
                    desired_count: 1,
                    task_size: (256, 512),
                    tuning: [
                        ("database-max-connections", "20".into()),
                        ("cache-ttl", "60".into()),
                        ("api-timeout", "30".into()),
                    ],
                    preview: Some(number),
                    tls_policy: DEFAULT_TLS_POLICY.into(),
                    certificate: None,
                    cache: None,
                    log_retention_days: 7,
                    logs_encrypted: false,
                    immutable_tags: false,
                    web_acl: false,
                },
                None => {
                    return Err(InfraError::Refused(format!(
                        "unknown environment `{other}`: the reference platform has dev, staging, prod and previews pr-<n>"
                    )))
                }
            },
        };
        Ok(match region {
            Some(region) => EnvironmentSpec {
                region: region.to_string(),
                ..spec
            },
            None => spec,
        })
    }

    /// The standard tags plus `Name` (and, for previews, `PullRequest` and `AutoShutdown`).
    pub fn tags(&self, name: &str) -> BTreeMap<&'static str, String> {
        let mut tags = BTreeMap::from([
            ("Environment", self.name.clone()),
            ("Project", PROJECT.to_string()),
            ("ManagedBy", MANAGED_BY.to_string()),
            ("CostCenter", COST_CENTER.to_string()),
            ("Name", name.to_string()),
        ]);
        if let Some(number) = self.preview {
            tags.insert("PullRequest", number.to_string());
            tags.insert("AutoShutdown", "true".to_string());
        }
        tags
    }

    /// The environment whose VPC and ECS cluster this one uses: itself, or `dev` for a preview.
    pub fn network_owner(&self) -> &str {
        if self.preview.is_some() {
            "dev"
        } else {
            &self.name
        }
    }

    /// The three availability zones used.
    pub fn availability_zones(&self) -> [String; 3] {
        ["a", "b", "c"].map(|z| format!("{}{z}", self.region))
    }

    /// The app image in `account`: the account's repository in the environment's region.
    pub fn image(&self, account: &str) -> String {
        format!(
            "{}:{}",
            repository_uri(account, &self.region),
            self.image_tag
        )
    }
}

/// `Some(n)` for `pr-<n>`.
fn preview_number(name: &str) -> Option<u32> {
    let digits = name.strip_prefix("pr-")?;
    (!digits.is_empty() && !digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Ids of what [`apply`] created, for callers that go on to change things.
#[derive(Debug, Clone, Default)]
pub struct Provisioned {
    /// The VPC.
    pub vpc_id: String,
    /// Public subnets, AZ a..c.
    pub public_subnet_ids: Vec<String>,
    /// Private subnets, AZ a..c.
    pub private_subnet_ids: Vec<String>,
    /// Security groups by role: `lb`, `app`, `db`, `cache`.
    pub security_groups: BTreeMap<&'static str, String>,
    /// The ECS cluster name.
    pub cluster: String,
    /// The ECS service name.
    pub service: String,
    /// The Aurora cluster identifier.
    pub db_cluster: String,
    /// The Redis replication group's id (full environments).
    pub cache: String,
    /// The load balancer's ARN (dev's, for a preview).
    pub load_balancer: String,
    /// The HTTPS listener's ARN (dev's, for a preview).
    pub https_listener: String,
    /// The app's target group ARN.
    pub target_group: String,
    /// The environment's KMS key's ARN (full environments).
    pub kms_key: String,
    /// The HTTPS listener's certificate ARN (full environments).
    pub certificate: String,
}

/// What a change does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    /// Makes a resource that is missing.
    Create,
    /// Changes a resource that differs.
    Update,
    /// Removes a resource.
    Delete,
    /// Leaves a resource a destroy would remove, and says why (a bucket that holds data).
    Keep,
}

impl Action {
    /// `create`, `update` or `delete`, as machine output names it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Keep => "keep",
        }
    }
}

/// The words a destroy's change carries when it lifts an Aurora cluster's deletion protection.
pub(crate) const LIFTS_PROTECTION: &str = "deletion protection lifted first";

/// Whether a destroy plan lifts deletion protection (the live cluster has it on, whatever
/// the spec says): such a destroy is treated as one of a protected environment.
pub fn lifts_deletion_protection(changes: &[Change]) -> bool {
    changes
        .iter()
        .any(|c| c.action == Action::Delete && c.detail.starts_with(LIFTS_PROTECTION))
}

/// One change [`apply`] made (or [`plan`] would make).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What.
    pub action: Action,
    /// The resource: `security-group db-staging`.
    pub resource: String,
    /// Why or what exactly: `authorize tcp 5432 from sg-app`.
    pub detail: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.action {
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
            Action::Keep => "=",
        };
        write!(f, "{sign} {}", self.resource)?;
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        Ok(())
    }
}

/// Apply for real, or only plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Make the changes.
    Apply,
    /// Record the changes without making them.
    Plan,
}

/// The id a resource that does not exist yet gets while planning.
fn planned_id(resource: &str) -> String {
    format!("(new {resource})")
}

/// Whether `id` stands for a resource that a plan would create.
fn is_planned(id: &str) -> bool {
    id.starts_with("(new ")
}

/// The record of changes, and whether to make them: the one place this crate decides whether a
/// change is made.
pub(crate) struct Recorder {
    mode: Mode,
    changes: Mutex<Vec<Change>>,
}

impl Recorder {
    pub(crate) fn new(mode: Mode) -> Self {
        Recorder {
            mode,
            changes: Mutex::new(Vec::new()),
        }
    }

    /// Records a change and, when applying, makes it. Answers `None` when planning.
    pub(crate) async fn change<T>(
        &self,
        action: Action,
        resource: impl Into<String>,
        detail: impl Into<String>,
        call: impl std::future::Future<Output = Result<T, InfraError>>,
    ) -> Result<Option<T>, InfraError> {
        let change = Change {
            action,
            resource: resource.into(),
            detail: detail.into(),
        };
        tracing::info!(change = %change, mode = ?self.mode, "change");
        self.changes.lock().expect("not poisoned").push(change);
        match self.mode {
            Mode::Plan => Ok(None),
            Mode::Apply => call.await.map(Some),
        }
    }

    /// The converge idiom, written once: creates the resource when it is missing, updates it
    /// when it differs (the differences are the change's detail), and leaves it alone when it
    /// matches. Only the call the state asks for runs; every change goes through the recorder.
    pub(crate) async fn converge(
        &self,
        resource: impl Into<String>,
        live: Live,
        create: (
            String,
            impl std::future::Future<Output = Result<(), InfraError>>,
        ),
        update: impl std::future::Future<Output = Result<(), InfraError>>,
    ) -> Result<(), InfraError> {
        let (detail, call) = create;
        match live {
            Live::Missing => self.change(Action::Create, resource, detail, call).await?,
            Live::Present(differences) if differences.is_empty() => None,
            Live::Present(differences) => {
                let detail = differences.join("; ");
                self.change(Action::Update, resource, detail, update)
                    .await?
            }
        };
        Ok(())
    }

    /// Whether this run chose to keep `resource` (a bucket holding objects), in a plan as in
    /// an apply.
    pub(crate) fn kept(&self, resource: &str) -> bool {
        self.changes
            .lock()
            .expect("not poisoned")
            .iter()
            .any(|c| c.action == Action::Keep && c.resource == resource)
    }

    pub(crate) fn into_changes(self) -> Vec<Change> {
        self.changes.into_inner().expect("not poisoned")
    }
}

/// Clients, the spec, and the record of changes.
/// Clients in us-east-1, where CloudFront, its certificates and its web ACLs are managed
/// (<https://docs.aws.amazon.com/acm/latest/userguide/acm-regions.html>).
pub(crate) struct GlobalClients {
    pub(crate) cloudfront: aws_sdk_cloudfront::Client,
    pub(crate) acm: aws_sdk_acm::Client,
    pub(crate) waf: aws_sdk_wafv2::Client,
}

impl GlobalClients {
    /// The region CloudFront's certificates and web ACLs live in.
    pub(crate) const REGION: &'static str = "us-east-1";

    fn new(config: &SdkConfig) -> Self {
        let config = config
            .to_builder()
            .region(aws_config::Region::new(Self::REGION))
            .build();
        GlobalClients {
            cloudfront: aws_sdk_cloudfront::Client::new(&config),
            acm: aws_sdk_acm::Client::new(&config),
            waf: aws_sdk_wafv2::Client::new(&config),
        }
    }
}

pub(crate) struct Ctx<'a> {
    pub(crate) spec: &'a EnvironmentSpec,
    pub(crate) ec2: aws_sdk_ec2::Client,
    pub(crate) ecs: aws_sdk_ecs::Client,
    pub(crate) rds: aws_sdk_rds::Client,
    pub(crate) ssm: aws_sdk_ssm::Client,
    pub(crate) elb: aws_sdk_elasticloadbalancingv2::Client,
    pub(crate) elasticache: aws_sdk_elasticache::Client,
    pub(crate) logs: aws_sdk_cloudwatchlogs::Client,
    pub(crate) kms: aws_sdk_kms::Client,
    pub(crate) secrets: aws_sdk_secretsmanager::Client,
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) iam: aws_sdk_iam::Client,
    pub(crate) ecr: aws_sdk_ecr::Client,
    pub(crate) route53: aws_sdk_route53::Client,
    pub(crate) waf: aws_sdk_wafv2::Client,
    pub(crate) acm: aws_sdk_acm::Client,
    /// Clients of the APIs CloudFront's resources live behind (us-east-1).
    pub(crate) global: GlobalClients,
    /// The account the environment lives in.
    pub(crate) account: String,
    recorder: Recorder,
}

impl<'a> Ctx<'a> {
    async fn new(
        config: &SdkConfig,
        spec: &'a EnvironmentSpec,
        mode: Mode,
    ) -> Result<Self, InfraError> {
        let config = config
            .to_builder()
            .region(aws_config::Region::new(spec.region.clone()))
            .build();
        let account = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .map_err(call_error("GetCallerIdentity", &spec.name))?
            .account()
            .unwrap_or_default()
            .to_string();
        let s3 = scanner::aws::s3_client(&config);
        Ok(Ctx {
            spec,
            ec2: aws_sdk_ec2::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
            rds: aws_sdk_rds::Client::new(&config),
            ssm: aws_sdk_ssm::Client::new(&config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            elasticache: aws_sdk_elasticache::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
            s3,
            iam: aws_sdk_iam::Client::new(&config),
            ecr: aws_sdk_ecr::Client::new(&config),
            route53: aws_sdk_route53::Client::new(&config),
            waf: aws_sdk_wafv2::Client::new(&config),
            acm: aws_sdk_acm::Client::new(&config),
            global: GlobalClients::new(&config),
            account,
            recorder: Recorder::new(mode),
        })
    }

    /// The recorder changes go through.
    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// Whether changes are made (not only planned).
    pub(crate) fn is_applying(&self) -> bool {
        self.recorder.mode == Mode::Apply
    }

    /// Records a change and, when applying, makes it: the only way this crate changes anything.
    /// Answers `None` when planning.
    pub(crate) async fn change<T>(
        &self,
        action: Action,
        resource: impl Into<String>,
        detail: impl Into<String>,
        call: impl std::future::Future<Output = Result<T, InfraError>>,
    ) -> Result<Option<T>, InfraError> {
        Box::pin(self.recorder.change(action, resource, detail, call)).await
    }

    /// Creates (or, planning, pretends to) a resource and answers its id.
    pub(crate) async fn create(
        &self,
        resource: String,
        detail: impl Into<String>,
        call: impl std::future::Future<Output = Result<String, InfraError>>,
    ) -> Result<String, InfraError> {
        let planned = planned_id(&resource);
        Ok(self
            .change(Action::Create, resource, detail, call)
            .await?
            .unwrap_or(planned))
    }

    /// [`Recorder::converge`] through this context's recorder.
    pub(crate) async fn converge(
        &self,
        resource: impl Into<String>,
        live: Live,
        create: (
            String,
            impl std::future::Future<Output = Result<(), InfraError>>,
        ),
        update: impl std::future::Future<Output = Result<(), InfraError>>,
    ) -> Result<(), InfraError> {
        Box::pin(self.recorder.converge(resource, live, create, update)).await
    }

    fn into_changes(self) -> Vec<Change> {
        self.recorder.into_changes()
    }
}

/// What converging one resource found live.
pub(crate) enum Live {
    /// It does not exist: create it.
    Missing,
    /// It exists and differs from the spec in these ways (none: nothing to do).
    Present(Vec<String>),
}

impl Live {
    /// `Missing` when nothing was found, otherwise how `found` differs from the spec.
    pub(crate) fn of<T>(found: Option<&T>, differences: impl FnOnce(&T) -> Vec<String>) -> Live {
        found.map_or(Live::Missing, |found| Live::Present(differences(found)))
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Ids of the environment's resources.
    pub provisioned: Provisioned,
    /// The changes made (none when it had already converged).
    pub changes: Vec<Change>,
}

/// Converges the environment to its spec: creates what is missing, updates what differs, and
/// changes nothing that already matches.
pub async fn apply(config: &SdkConfig, spec: &EnvironmentSpec) -> Result<Provisioned, InfraError> {
    Ok(converge(config, spec, Mode::Apply).await?.provisioned)
}

/// What [`apply`] would change, without changing anything.
pub async fn plan(config: &SdkConfig, spec: &EnvironmentSpec) -> Result<Vec<Change>, InfraError> {
    Ok(converge(config, spec, Mode::Plan).await?.changes)
}

/// [`apply`] or [`plan`], with the changes.
pub async fn converge(
    config: &SdkConfig,
    spec: &EnvironmentSpec,
    mode: Mode,
) -> Result<Applied, InfraError> {
    let ctx = Ctx::new(config, spec, mode).await?;
    let mut out = Provisioned::default();
    // Each step's future is boxed: the SDK's futures are large, and nested they would not fit
    // a 2 MiB thread stack.
    if spec.preview.is_some() {
        Box::pin(network::find_shared(&ctx, &mut out)).await?;
    } else {
        Box::pin(network::converge(&ctx, &mut out)).await?;
    }
    Box::pin(security::converge(&ctx, &mut out)).await?;
    let mut zone = None;
    if spec.preview.is_none() {
        out.kms_key = Box::pin(keys::converge(&ctx)).await?;
        let own_zone = Box::pin(dns::converge_zone(&ctx)).await?;
        out.certificate = Box::pin(certificates::converge(&ctx, &own_zone)).await?;
        zone = Some(own_zone);
    }
    Box::pin(edge::converge(&ctx, &mut out)).await?;
    Box::pin(dns::converge(&ctx, zone.clone())).await?;
    if let Some(zone) = &zone {
        Box::pin(cdn::converge(&ctx, &out, zone)).await?;
    }
    Box::pin(waf::converge(&ctx)).await?;
    Box::pin(logs::converge(&ctx, &out)).await?;
    Box::pin(roles::converge(&ctx)).await?;
    Box::pin(images::converge(&ctx)).await?;
    Box::pin(compute::converge(&ctx, &mut out)).await?;
    if spec.preview.is_none() {
        Box::pin(database::converge(&ctx, &mut out)).await?;
        Box::pin(cache::converge(&ctx, &mut out)).await?;
    }
    Box::pin(parameters::converge(&ctx, &out)).await?;
    let changes = ctx.into_changes();
    tracing::info!(environment = %spec.name, changes = changes.len(), ?mode, "converged");
    Ok(Applied {
        provisioned: out,
        changes,
    })
}

/// How an environment's data is treated when it is destroyed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestroyOptions {
    /// The identifier of the Aurora cluster's final snapshot, or `None` to delete it without
    /// one (only on an explicit `--skip-final-snapshot`).
    pub final_snapshot: Option<String>,
}

impl DestroyOptions {
    /// The final snapshot of `resource` (`redis-staging`) taken at the same time as the
    /// Aurora cluster's: `redis-staging-final-20261127-013000`; `None` without one.
    pub fn final_snapshot_of(&self, resource: &str) -> Option<String> {
        let id = self.final_snapshot.as_deref()?;
        let stamp = id.rsplit_once("-final-").map_or(id, |(_, stamp)| stamp);
        Some(format!("{resource}-final-{stamp}"))
    }

    /// A final snapshot named after the environment's cluster and `at` (`YYYYMMDD-HHMMSS`, UTC):
    /// `aurora-cluster-staging-final-20261127-013000`.
    pub fn with_final_snapshot(spec: &EnvironmentSpec, at: std::time::SystemTime) -> Self {
        let at = time::OffsetDateTime::from(at);
        let stamp = format!(
            "{:04}{:02}{:02}-{:02}{:02}{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        );
        DestroyOptions {
            final_snapshot: Some(format!("aurora-cluster-{}-final-{stamp}", spec.name)),
        }
    }

    /// No final snapshot: the cluster's data is gone with it.
    pub fn without_final_snapshot() -> Self {
        DestroyOptions {
            final_snapshot: None,
        }
    }
}

impl EnvironmentSpec {
    /// Whether destroying this environment needs `--force-protected`: prod, and any
    /// environment whose spec (or baseline) keeps its database under deletion protection.
    pub fn protected(&self) -> bool {
        self.name == "prod" || self.deletion_protection
    }
}

/// Removes the environment's resources in dependency order (or, with [`Mode::Plan`], lists
/// what would go). A preview leaves dev's VPC and cluster alone; `/shared/` parameters stay.
/// The Aurora cluster gets the final snapshot `options` names (deletion protection is lifted
/// only to delete it, and only after the caller's confirmation).
pub async fn destroy(
    config: &SdkConfig,
    spec: &EnvironmentSpec,
    mode: Mode,
    options: &DestroyOptions,
) -> Result<Vec<Change>, InfraError> {
    let ctx = Ctx::new(config, spec, mode).await?;
    Box::pin(destroy::run(&ctx, options)).await?;
    Ok(ctx.into_changes())
}

/// Tags for EC2 creates.
pub(crate) fn ec2_tags(
    spec: &EnvironmentSpec,
    kind: ec2::ResourceType,
    name: &str,
) -> ec2::TagSpecification {
    let tags = spec
        .tags(name)
        .into_iter()
        .map(|(k, v)| ec2::Tag::builder().key(k).value(v).build());
    ec2::TagSpecification::builder()
        .resource_type(kind)
        .set_tags(Some(tags.collect()))
        .build()
}

/// A filter on one EC2 tag.
pub(crate) fn tag_filter(key: &str, value: &str) -> ec2::Filter {
    ec2::Filter::builder()
        .name(format!("tag:{key}"))
        .values(value)
        .build()
}

/// A filter by name and one value.
pub(crate) fn filter(name: &str, value: &str) -> ec2::Filter {
    ec2::Filter::builder().name(name).values(value).build()
}

/// A builder's error (a required field left out) as a refusal.
pub(crate) fn refused(e: impl std::fmt::Display) -> InfraError {
    InfraError::Refused(e.to_string())
}

pub(crate) fn call_error<E: std::error::Error + 'static>(
    operation: &'static str,
    resource: &str,
) -> impl FnOnce(E) -> InfraError {
    let resource = resource.to_string();
    move |e| InfraError::Call {
        operation,
        resource,
        message: DisplayErrorContext(&e).to_string(),
    }
}

/// The standard tags as ECS takes them (ECS resources are named by their own names).
pub fn ecs_tags(spec: &EnvironmentSpec) -> Vec<ecs::Tag> {
    spec.tags("")
        .into_iter()
        .filter(|(k, _)| *k != "Name")
        .map(|(k, v)| ecs::Tag::builder().key(k).value(v).build())
        .collect()
}

/// Registers a revision of the environment's trading-app task definition running `image` as
/// the environment's roles in `account`; returns its ARN. (A deploy is a new revision plus a
/// service update.)
pub async fn register_app_task_definition(
    client: &aws_sdk_ecs::Client,
    spec: &EnvironmentSpec,
    (account, image): (&str, &str),
) -> Result<String, InfraError> {
    let (task_role, execution_role) = roles::role_arns(account, &spec.name);
    let env = &spec.name;
    let family = format!("trading-app-{env}");
    let container = ecs::ContainerDefinition::builder()
        .name(APP_CONTAINER)
        .image(image)
        .essential(true)
        .port_mappings(
            ecs::PortMapping::builder()
                .container_port(APP_PORT)
                .protocol(ecs::TransportProtocol::Tcp)
                .build(),
        )
        .environment(
            ecs::KeyValuePair::builder()
                .name("APP_ENV")
                .value(env)
                .build(),
        )
        .environment(
            ecs::KeyValuePair::builder()
                .name("PORT")
                .value(APP_PORT.to_string())
                .build(),
        )
        .log_configuration(
            ecs::LogConfiguration::builder()
                .log_driver(ecs::LogDriver::Awslogs)
                .options("awslogs-group", format!("/ecs/trading-app-{env}"))
                .options("awslogs-region", &spec.region)
                .options("awslogs-stream-prefix", "app")
                .build()
                .map_err(|e| InfraError::Refused(e.to_string()))?,
        )
        .build();
    let registered = client
        .register_task_definition()
        .family(&family)
        .network_mode(ecs::NetworkMode::Awsvpc)
        .requires_compatibilities(ecs::Compatibility::Fargate)
        .cpu(spec.task_size.0.to_string())
        .memory(spec.task_size.1.to_string())
        .execution_role_arn(execution_role)
        .task_role_arn(task_role)
        .container_definitions(container)
        .set_tags(Some(ecs_tags(spec)))
        .send()
        .await
        .map_err(call_error("RegisterTaskDefinition", &family))?;
    Ok(registered
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .unwrap_or_default()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_sizing_follows_the_platform_table() {
        let sizes: Vec<(u32, String, i32, String)> = ["dev", "staging", "prod"]
            .iter()
            .map(|e| EnvironmentSpec::reference(e, None).unwrap())
            .map(|s| {
                (
                    s.aurora_instances,
                    s.region,
                    s.backup_retention_days,
                    s.aurora_class,
                )
            })
            .collect();
        let expected = [
            (1, "us-east-2", 1, "db.t3.medium"),
            (2, "us-east-1", 7, "db.r6g.large"),
            (3, "us-east-1", 30, "db.r6g.xlarge"),
        ]
        .map(|(n, r, d, c)| (n, r.to_string(), d, c.to_string()));
        assert_eq!(sizes, expected);
        assert!(EnvironmentSpec::reference("qa", None).is_err());
        for bad in ["pr-", "pr-07", "pr-x", "pr-1-2"] {
            assert!(EnvironmentSpec::reference(bad, None).is_err(), "{bad}");
        }
        let preview = EnvironmentSpec::reference("pr-7", None).unwrap();
        assert_eq!(
            (
                preview.preview,
                preview.network_owner(),
                preview.region.as_str()
            ),
            (Some(7), "dev", "us-east-2")
        );
        assert_eq!(preview.tags("x")["PullRequest"], "7");
        assert_eq!(preview.tags("x")["AutoShutdown"], "true");
        assert_eq!(
            preview.image("123456789012"),
            "123456789012.dkr.ecr.us-east-2.amazonaws.com/trading-app:pr-7-head"
        );
    }

    #[test]
    fn every_resource_carries_the_standard_tags() {
        let spec = EnvironmentSpec::reference("staging", Some("us-west-2")).unwrap();
        let tags = spec.tags("vpc-staging");
        for key in ["Environment", "Project", "ManagedBy", "CostCenter", "Name"] {
            assert!(tags.contains_key(key), "{key}");
        }
        assert_eq!(spec.availability_zones()[2], "us-west-2c");
        assert!(!tags.contains_key("PullRequest"));
        assert_eq!(
            Change {
                action: Action::Update,
                resource: "security-group db-staging".into(),
                detail: "revoke tcp 5432 from 0.0.0.0/0".into()
            }
            .to_string(),
            "~ security-group db-staging: revoke tcp 5432 from 0.0.0.0/0"
        );
        assert!(is_planned(&planned_id("vpc vpc-staging")));
        assert!(spec.image("123456789012").ends_with(":staging-4f2a9c1"));
    }
}

//! The snapshot orchestrator: every (region, service) read concurrently under a bound, merged
//! into one deterministic [`Snapshot`] that says exactly what could not be read.

use std::sync::Arc;

use aws_types::SdkConfig;
use futures::{stream, StreamExt};

use crate::collect::{Collected, RegionContext, ServiceReader};
use crate::config::{ConfigFile, EnvironmentSettings, ScanPlan};
use crate::digest::DigestKey;
use crate::error::ConfigError;
use crate::kinds::{Scope, GLOBAL_REGION};
use crate::model::{ReadFailure, Resource, ResourceKind, Service, Snapshot};
use crate::resolve::{name_implicit_resources, name_references};

/// Receives progress while a snapshot is taken (the CLI draws a progress bar from it).
pub trait Progress: Send + Sync {
    /// Called once with the number of (region, service) reads.
    fn start(&self, total: usize);
    /// Called as each read finishes.
    fn finished(&self, region: &str, service: Service, collected: &Collected);
}

/// Progress that goes nowhere.
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _total: usize) {}
    fn finished(&self, _region: &str, _service: Service, _collected: &Collected) {}
}

/// Plans and takes a live snapshot of `environment`: the one entry point every front end uses.
///
/// The region falls back to the standard AWS chain only when neither `overrides` nor the
/// config file names one. Reads still running at `deadline` are abandoned and recorded as
/// failures (code `DeadlineExceeded`).
pub async fn snapshot_environment(
    config: &ConfigFile,
    environment: &str,
    overrides: EnvironmentSettings,
    secure_digest: Option<DigestKey>,
    deadline: Option<std::time::Instant>,
    progress: &dyn Progress,
) -> Result<Snapshot, SnapshotError> {
    let fallback_region = if config.needs_default_region(environment, &overrides) {
        let profile = config.profile_for(environment, &overrides);
        crate::aws::default_region(profile.as_deref()).await
    } else {
        None
    };
    let mut plan = config.plan(environment, overrides, fallback_region, secure_digest)?;
    plan.deadline = deadline;
    tracing::info!(environment, regions = ?plan.regions, "taking snapshot");
    let sdk_config = crate::aws::load(&plan).await?;
    Ok(snapshot(&plan, &sdk_config, progress).await)
}

/// Why an environment could not be snapshotted at all (a snapshot whose reads failed is still
/// a snapshot, incomplete).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The environment's settings are invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No credentials to call AWS with.
    #[error(transparent)]
    Credentials(#[from] crate::aws::CredentialsError),
}

/// What a read abandoned at the deadline leaves: nothing of its kinds, and a failure saying so.
fn cut_short(ctx: &RegionContext, service: Service) -> Collected {
    Collected {
        resources: Vec::new(),
        failures: vec![whole_read_failed(
            &ctx.region,
            service,
            DEADLINE_EXCEEDED,
            "the scan's deadline passed before this read finished",
        )],
        ..Default::default()
    }
}

/// A failure covering everything `service` reads in `region`.
fn whole_read_failed(region: &str, service: Service, code: &str, message: &str) -> ReadFailure {
    ReadFailure {
        region: region.to_string(),
        service,
        operation: "(all)".into(),
        kinds: crate::services::service(service)
            .kinds
            .iter()
            .map(|k| k.kind)
            .collect(),
        code: code.into(),
        message: message.into(),
    }
}

/// The failure code of a read abandoned at the scan's deadline.
pub const DEADLINE_EXCEEDED: &str = "DeadlineExceeded";

/// Snapshots the plan's environment with every registered collector. Credentials that are
/// missing or expired fail every read at once, without a call.
pub async fn snapshot(plan: &ScanPlan, base: &SdkConfig, progress: &dyn Progress) -> Snapshot {
    let collectors = &crate::services::collectors();
    match crate::aws::credentials_problem(base).await {
        None => {
            let snapshot = snapshot_with(plan, base, collectors, progress).await;
            snapshot.in_account(account_read_in(plan, base).await)
        }
        Some((code, message)) => unreadable(plan, collectors, code, &message, progress),
    }
}

/// The account a snapshot is read in: the configuration's, else the credentials' (a lookup
/// that fails is logged and leaves it unknown: it names the findings, it is not state).
async fn account_read_in(plan: &ScanPlan, base: &SdkConfig) -> Option<String> {
    if plan.account.is_some() {
        return plan.account.clone();
    }
    match crate::aws::caller_account(base).await {
        Ok(account) => Some(account),
        Err(error) => {
            let environment = &plan.environment;
            tracing::warn!(environment, error, "the account read in is unknown");
            None
        }
    }
}

/// A snapshot of `plan` of which nothing was read, every (region, service) failing with
/// `code` (a fanned-out run's work item that was dead-lettered, or whose snapshot is gone).
pub fn unread(plan: &ScanPlan, code: &str, message: &str) -> Snapshot {
    unreadable(
        plan,
        &crate::services::collectors(),
        code,
        message,
        &NoProgress,
    )
}

/// A snapshot of which nothing could be read, every (region, service) failing for one reason.
fn unreadable(
    plan: &ScanPlan,
    collectors: &[ServiceReader],
    code: &str,
    message: &str,
    progress: &dyn Progress,
) -> Snapshot {
    let reads = read_regions(plan, collectors);
    progress.start(reads.len());
    let mut results = Vec::new();
    for (region, (service, _)) in reads {
        let collected = Collected {
            resources: Vec::new(),
            failures: vec![whole_read_failed(&region, service, code, message)],
            ..Default::default()
        };
        progress.finished(&region, service, &collected);
        results.push(collected);
    }
    tracing::info!(
        code,
        message,
        "no read was attempted; the snapshot is incomplete"
    );
    assemble(plan, results).in_account(plan.account.clone())
}

/// Every read a scan of `plan` makes, by region: each regional service in each region, each
/// global one once (in [`GLOBAL_REGION`]), and a regional one some global kinds select once
/// more there.
fn read_regions(plan: &ScanPlan, collectors: &[ServiceReader]) -> Vec<(String, ServiceReader)> {
    collectors
        .iter()
        .flat_map(|reader| {
            let scope = scope(reader.0);
            let regional = match scope.is_global() {
                true => &[][..],
                false => plan.regions.as_slice(),
            };
            let global = scope.reads_globally().then(|| GLOBAL_REGION.to_string());
            regional
                .iter()
                .cloned()
                .chain(global)
                .map(move |region| (region, *reader))
        })
        .collect()
}

/// The region a read in `region` calls from: a global service's from the plan's first region,
/// whose partition its endpoint resolves in (IAM's is `iam.amazonaws.com` from any commercial
/// region).
fn sdk_region<'a>(plan: &'a ScanPlan, region: &'a str) -> &'a str {
    match plan.regions.first() {
        Some(first) if region == GLOBAL_REGION => first,
        _ => region,
    }
}

fn scope(service: Service) -> Scope {
    crate::services::service(service).scope
}

/// When a (region, service) read runs: after the reads whose kinds select what it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Wave {
    /// The regional services, which select by tags and containers.
    Regional,
    /// The services that follow them: KMS and ECR in each region, the global services once.
    Following,
    /// A regional service's read in [`GLOBAL_REGION`], selected by the global services' kinds.
    AfterGlobal,
}

fn wave(service: Service, region: &str) -> Wave {
    match scope(service) {
        Scope::Regional => Wave::Regional,
        s if region == GLOBAL_REGION && s.follows_the_global_services() => Wave::AfterGlobal,
        _ => Wave::Following,
    }
}

/// Snapshots with the given collectors (tests pass fakes), in waves: the regional services in
/// every region first, then the services that follow them (KMS in each region, the global
/// services once), then the regional reads that follow the global services (WAFv2's
/// CLOUDFRONT scope). Each wave sees what the earlier ones found.
pub async fn snapshot_with(
    plan: &ScanPlan,
    base: &SdkConfig,
    collectors: &[ServiceReader],
    progress: &dyn Progress,
) -> Snapshot {
    let reads = read_regions(plan, collectors);
    progress.start(reads.len());
    let mut results: Vec<Collected> = Vec::new();
    for current in [Wave::Regional, Wave::Following, Wave::AfterGlobal] {
        let found: Vec<Resource> = results.iter().flat_map(|c| c.resources.clone()).collect();
        let unread: Vec<ReadFailure> = results.iter().flat_map(|c| c.failures.clone()).collect();
        let mut wave_reads = Vec::new();
        for (region, reader) in reads.iter().filter(|(r, (s, _))| wave(*s, r) == current) {
            if let Some(failure) = selection_unread(reader.0, region, &unread) {
                let collected = Collected {
                    failures: vec![failure],
                    ..Default::default()
                };
                progress.finished(region, reader.0, &collected);
                results.push(collected);
                continue;
            }
            let seen = found
                .iter()
                .filter(|_| current != Wave::Regional)
                .filter(|r| region == GLOBAL_REGION || r.region == *region)
                .cloned()
                .collect();
            wave_reads.push((context(plan, base, region, seen), *reader));
        }
        results.extend(run_reads(plan, wave_reads, progress).await);
    }
    assemble(plan, results)
}

/// What a read of `region` is given: the plan's selection and secrets key, an SDK
/// configuration calling from the right region, and what the earlier waves found.
fn context(plan: &ScanPlan, base: &SdkConfig, region: &str, found: Vec<Resource>) -> RegionContext {
    RegionContext {
        environment: plan.environment.clone(),
        region: region.to_string(),
        selection: plan.selection.clone(),
        sdk_config: crate::aws::for_region(base, sdk_region(plan, region)),
        secure_digest: plan.secure_digest.clone(),
        found: Arc::new(found),
    }
}

/// The failure of a following service that is not read in `region` because a kind deciding
/// what it selects ([`Scope::selected_by`]) is unread there (anywhere, for a global read): an
/// ECR listing without the task definitions cannot tell which repositories are the
/// environment's, so its kinds are unknown rather than empty.
fn selection_unread(service: Service, region: &str, unread: &[ReadFailure]) -> Option<ReadFailure> {
    let selected_by = scope(service).selected_by(region);
    let missing: Vec<ResourceKind> = selected_by
        .iter()
        .copied()
        .filter(|kind| {
            unread
                .iter()
                .any(|f| (region == GLOBAL_REGION || f.region == region) && f.kinds.contains(kind))
        })
        .collect();
    let names: Vec<&str> = missing.iter().map(|k| k.as_str()).collect();
    (!missing.is_empty()).then(|| {
        let message = format!(
            "not read: which of its resources are the environment's depends on {}, which could not be read",
            names.join(", ")
        );
        whole_read_failed(region, service, SELECTION_UNREAD, &message)
    })
}

/// The failure code of a following service left unread because what selects its resources
/// could not be read.
pub const SELECTION_UNREAD: &str = "SelectionUnread";

/// Runs `reads` under the plan's concurrency bound and deadline.
async fn run_reads(
    plan: &ScanPlan,
    reads: Vec<(RegionContext, ServiceReader)>,
    progress: &dyn Progress,
) -> Vec<Collected> {
    stream::iter(reads)
        .map(|(ctx, (service, collector))| async move {
            let started = std::time::Instant::now();
            let collected = match plan.deadline {
                None => collector.collect(&ctx).await,
                Some(deadline) => {
                    let deadline = tokio::time::Instant::from_std(deadline);
                    match tokio::time::timeout_at(deadline, collector.collect(&ctx)).await {
                        Ok(collected) => collected,
                        Err(_) => cut_short(&ctx, service),
                    }
                }
            };
            tracing::debug!(
                region = %ctx.region,
                service = %service,
                resources = collected.resources.len(),
                failures = collected.failures.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "read finished"
            );
            for failure in &collected.failures {
                tracing::info!(%failure, "read failed; the snapshot is incomplete");
            }
            progress.finished(&ctx.region, service, &collected);
            collected
        })
        .buffer_unordered(plan.concurrency)
        .collect()
        .await
}

/// Merges what every read collected into the plan's snapshot, naming implicit resources and
/// references.
fn assemble(plan: &ScanPlan, results: Vec<Collected>) -> Snapshot {
    let mut resources = Vec::new();
    let mut failures = Vec::new();
    let mut deleted = Vec::new();
    for collected in results {
        resources.extend(collected.resources);
        failures.extend(collected.failures);
        deleted.extend(collected.deleted);
    }
    name_implicit_resources(&mut resources, &plan.environment);
    crate::resolve::set_generated_suffixes_aside(
        &mut resources,
        &plan.environment,
        &plan.generated_suffixes,
    );
    name_references(&mut resources);
    // Before anything else sees them: plain values that look like secrets become markers.
    crate::model::secrets::redact(&mut resources, plan.secure_digest.as_ref());
    Snapshot::new(
        plan.environment.clone(),
        plan.regions.clone(),
        plan.selection.clone(),
        failures,
        resources,
    )
    .with_deleted(deleted)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use futures::future::BoxFuture;

    use super::*;
    use crate::collect::Collector;
    use crate::model::{Properties, ResourceKind, SsmParameter};

    /// Reads one SSM parameter at once.
    struct Quick;
    /// Never finishes.
    struct Stuck;

    impl Collector for Quick {
        fn collect<'a>(&'a self, ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
            Box::pin(async move {
                let properties = Properties::SsmParameter(SsmParameter {
                    parameter_type: "String".into(),
                    data_type: None,
                    version: 1,
                    last_modified: None,
                    tier: None,
                    key_id: None,
                    description: None,
                    value: Some("x".into()),
                    value_digest: None,
                });
                Collected {
                    resources: vec![ctx.resource(
                        "/dev/x",
                        "/dev/x",
                        None,
                        Default::default(),
                        properties,
                    )],
                    ..Default::default()
                }
            })
        }
    }

    /// Notes, per region, how many resources the services before it found.
    struct Follower(std::sync::Mutex<Vec<(String, usize)>>);

    impl Collector for Follower {
        fn collect<'a>(&'a self, ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
            let seen = (ctx.region.clone(), ctx.found.len());
            self.0.lock().expect("not poisoned").push(seen);
            Box::pin(async { Collected::default() })
        }
    }

    /// dev's plan in us-east-1, from an empty config file.
    fn dev_plan() -> ScanPlan {
        let config = ConfigFile::parse("", std::path::Path::new("t.yaml")).expect("config");
        let region = Some("us-east-1".into());
        let plan = config.plan("dev", EnvironmentSettings::default(), region, None);
        plan.expect("plan")
    }

    #[tokio::test]
    async fn a_following_service_reads_each_region_after_the_others_seeing_what_they_found() {
        let mut plan = dev_plan();
        plan.regions = vec!["us-east-1".into(), "us-west-2".into()];
        let follower: &'static Follower = Box::leak(Box::new(Follower(Default::default())));
        assert!(matches!(
            crate::services::service(Service::Kms).scope,
            Scope::RegionalFollowing { .. }
        ));
        let readers: [ServiceReader; 2] = [(Service::Kms, follower), (Service::Ssm, &Quick)];
        let snapshot =
            snapshot_with(&plan, &SdkConfig::builder().build(), &readers, &NoProgress).await;
        assert_eq!(snapshot.resources.len(), 2, "one parameter per region");
        let mut seen = follower.0.lock().expect("not poisoned").clone();
        seen.sort();
        assert_eq!(
            seen,
            [("us-east-1".to_string(), 1), ("us-west-2".to_string(), 1)],
            "listed first, it still reads after SSM, once per region, seeing that region's find"
        );
    }

    #[tokio::test]
    async fn a_regional_service_global_kinds_select_reads_once_more_after_the_global_services() {
        let mut plan = dev_plan();
        plan.regions = vec!["us-east-1".into(), "us-west-2".into()];
        let follower: &'static Follower = Box::leak(Box::new(Follower(Default::default())));
        assert!(crate::services::service(Service::Wafv2)
            .scope
            .follows_the_global_services());
        let readers: [ServiceReader; 3] = [
            (Service::Wafv2, follower),
            (Service::Cloudfront, &Quick),
            (Service::Ssm, &Quick),
        ];
        let snapshot =
            snapshot_with(&plan, &SdkConfig::builder().build(), &readers, &NoProgress).await;
        assert_eq!(
            snapshot.resources.len(),
            3,
            "a parameter per region, one global"
        );
        let mut seen = follower.0.lock().expect("not poisoned").clone();
        seen.sort();
        let mut expected = vec![
            (GLOBAL_REGION.to_string(), 3),
            ("us-east-1".to_string(), 1),
            ("us-west-2".to_string(), 1),
        ];
        expected.sort();
        assert_eq!(
            seen, expected,
            "in each region after SSM, and globally after CloudFront, seeing everything"
        );
    }

    /// Refuses every read of SSM parameters.
    struct Refused;

    impl Collector for Refused {
        fn collect<'a>(&'a self, ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
            Box::pin(async move {
                let failure = whole_read_failed(&ctx.region, Service::Ssm, "AccessDenied", "no");
                Collected {
                    failures: vec![failure],
                    ..Default::default()
                }
            })
        }
    }

    #[tokio::test]
    async fn a_following_service_whose_selecting_kind_is_unread_is_unknown_not_read() {
        let plan = dev_plan();
        let follower: &'static Follower = Box::leak(Box::new(Follower(Default::default())));
        let readers: [ServiceReader; 2] = [(Service::Kms, follower), (Service::Ssm, &Refused)];
        let snapshot =
            snapshot_with(&plan, &SdkConfig::builder().build(), &readers, &NoProgress).await;
        assert!(
            follower.0.lock().expect("not poisoned").is_empty(),
            "KMS is not read"
        );
        let kms = snapshot.failures.iter().find(|f| f.service == Service::Kms);
        let kms = kms.expect("KMS's kinds are unknown");
        assert_eq!(kms.code, SELECTION_UNREAD);
        assert!(kms.message.contains("ssm-parameter"), "{}", kms.message);
        assert!(!snapshot.kind_is_complete("us-east-1", ResourceKind::KmsKey));
    }

    impl Collector for Stuck {
        fn collect<'a>(&'a self, _ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
            Box::pin(futures::future::pending())
        }
    }

    #[tokio::test]
    async fn reads_running_at_the_deadline_become_failures_and_finished_ones_are_kept() {
        let mut plan = dev_plan();
        plan.deadline = Some(Instant::now() + Duration::from_millis(200));
        let base = SdkConfig::builder().build();
        let snapshot = snapshot_with(
            &plan,
            &base,
            &[(Service::Ssm, &Quick), (Service::Ec2, &Stuck)],
            &NoProgress,
        )
        .await;
        assert!(!snapshot.complete);
        assert_eq!(snapshot.resources.len(), 1, "the finished read is kept");
        assert_eq!(snapshot.failures.len(), 1);
        let failure = &snapshot.failures[0];
        assert_eq!(failure.code, DEADLINE_EXCEEDED);
        assert_eq!(failure.service, Service::Ec2);
        assert_eq!(
            failure.kinds.len(),
            7,
            "every EC2 kind: {:?}",
            failure.kinds
        );
        assert!(failure.kinds.contains(&ResourceKind::Subnet));
        assert!(!snapshot.kind_is_complete("us-east-1", ResourceKind::Vpc));
        assert!(snapshot.kind_is_complete("us-east-1", ResourceKind::SsmParameter));
    }
}

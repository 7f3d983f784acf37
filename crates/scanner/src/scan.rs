//! The snapshot orchestrator: every (region, service) read concurrently under a bound, merged
//! into one deterministic [`Snapshot`] that says exactly what could not be read.

use aws_types::SdkConfig;
use futures::{stream, StreamExt};

use crate::collect::{Collected, RegionContext, ServiceReader};
use crate::config::{ConfigFile, EnvironmentSettings, ScanPlan};
use crate::digest::DigestKey;
use crate::error::ConfigError;
use crate::model::{ReadFailure, Service, Snapshot};
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
        None => snapshot_with(plan, base, collectors, progress).await,
        Some((code, message)) => unreadable(plan, collectors, code, &message, progress),
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
    progress.start(plan.regions.len() * collectors.len());
    let mut results = Vec::new();
    for region in &plan.regions {
        for (service, _) in collectors {
            let collected = Collected {
                resources: Vec::new(),
                failures: vec![whole_read_failed(region, *service, code, message)],
                ..Default::default()
            };
            progress.finished(region, *service, &collected);
            results.push(collected);
        }
    }
    tracing::info!(
        code,
        message,
        "no read was attempted; the snapshot is incomplete"
    );
    assemble(plan, results)
}

/// Snapshots with the given collectors (tests pass fakes).
pub async fn snapshot_with(
    plan: &ScanPlan,
    base: &SdkConfig,
    collectors: &[ServiceReader],
    progress: &dyn Progress,
) -> Snapshot {
    let contexts: Vec<RegionContext> = plan
        .regions
        .iter()
        .map(|region| RegionContext {
            environment: plan.environment.clone(),
            region: region.clone(),
            selection: plan.selection.clone(),
            sdk_config: crate::aws::for_region(base, region),
            secure_digest: plan.secure_digest.clone(),
        })
        .collect();
    progress.start(contexts.len() * collectors.len());

    let reads = contexts
        .iter()
        .flat_map(|ctx| collectors.iter().map(move |reader| (ctx, *reader)));
    let results: Vec<Collected> = stream::iter(reads)
        .map(|(ctx, (service, collector))| async move {
            let started = std::time::Instant::now();
            let collected = match plan.deadline {
                None => collector.collect(ctx).await,
                Some(deadline) => {
                    let deadline = tokio::time::Instant::from_std(deadline);
                    match tokio::time::timeout_at(deadline, collector.collect(ctx)).await {
                        Ok(collected) => collected,
                        Err(_) => cut_short(ctx, service),
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
        .await;
    assemble(plan, results)
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

    impl Collector for Stuck {
        fn collect<'a>(&'a self, _ctx: &'a RegionContext) -> BoxFuture<'a, Collected> {
            Box::pin(futures::future::pending())
        }
    }

    #[tokio::test]
    async fn reads_running_at_the_deadline_become_failures_and_finished_ones_are_kept() {
        let config = ConfigFile::parse("", std::path::Path::new("t.yaml")).expect("config");
        let mut plan = config
            .plan(
                "dev",
                EnvironmentSettings::default(),
                Some("us-east-1".into()),
                None,
            )
            .expect("plan");
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

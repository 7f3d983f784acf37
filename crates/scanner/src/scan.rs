//! The snapshot orchestrator: every (region, service) read concurrently under a bound, merged
//! into one deterministic [`Snapshot`] that says exactly what could not be read.

use aws_types::SdkConfig;
use futures::{stream, StreamExt};

use crate::collect::{Collected, Collector, RegionContext};
use crate::config::{ConfigFile, EnvironmentSettings, ScanPlan};
use crate::digest::DigestKey;
use crate::error::ConfigError;
use crate::model::{Service, Snapshot};
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
/// config file names one.
pub async fn snapshot_environment(
    config: &ConfigFile,
    environment: &str,
    overrides: EnvironmentSettings,
    secure_digest: Option<DigestKey>,
    progress: &dyn Progress,
) -> Result<Snapshot, ConfigError> {
    let fallback_region = if config.needs_default_region(environment, &overrides) {
        let profile = config.profile_for(environment, &overrides);
        crate::aws::default_region(profile.as_deref()).await
    } else {
        None
    };
    let plan = config.plan(environment, overrides, fallback_region, secure_digest)?;
    tracing::info!(environment, regions = ?plan.regions, "taking snapshot");
    let sdk_config = crate::aws::load(&plan).await;
    Ok(snapshot(&plan, &sdk_config, progress).await)
}

/// Snapshots the plan's environment with every registered collector.
pub async fn snapshot(plan: &ScanPlan, base: &SdkConfig, progress: &dyn Progress) -> Snapshot {
    snapshot_with(plan, base, crate::collect::collectors(), progress).await
}

/// Snapshots with the given collectors (tests pass fakes).
pub async fn snapshot_with(
    plan: &ScanPlan,
    base: &SdkConfig,
    collectors: &[&dyn Collector],
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
        .flat_map(|ctx| collectors.iter().map(move |collector| (ctx, *collector)));
    let results: Vec<Collected> = stream::iter(reads)
        .map(|(ctx, collector)| async move {
            let started = std::time::Instant::now();
            let collected = collector.collect(ctx).await;
            tracing::debug!(
                region = %ctx.region,
                service = %collector.service(),
                resources = collected.resources.len(),
                failures = collected.failures.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "read finished"
            );
            for failure in &collected.failures {
                tracing::info!(%failure, "read failed; the snapshot is incomplete");
            }
            progress.finished(&ctx.region, collector.service(), &collected);
            collected
        })
        .buffer_unordered(plan.concurrency)
        .collect()
        .await;

    let mut resources = Vec::new();
    let mut failures = Vec::new();
    for collected in results {
        resources.extend(collected.resources);
        failures.extend(collected.failures);
    }
    name_implicit_resources(&mut resources, &plan.environment);
    name_references(&mut resources);
    Snapshot::new(
        plan.environment.clone(),
        plan.regions.clone(),
        plan.selection.clone(),
        failures,
        resources,
    )
}

//! Preview environments (`pr-<n>`), pure: which ones outlived their pull request or their
//! allowed age, which parts of one are left without the rest, and what each costs a month.
//! The snapshots come from the edge ([`discover`] finds the previews); everything here is
//! decided from them.

#[cfg(feature = "aws")]
pub mod discover;
mod inputs;
mod render;

pub use inputs::{day_number, parse_open_pull_requests, InputError, PriceTable, RegionPrices};
pub use render::{render, FORMATS};

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use crate::config::previews::PreviewSettings;

use crate::model::{Properties, ReadFailure, ResourceKind, Snapshot};

/// A preview's pull request, against the open ones given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PullRequestState {
    /// Among the open pull requests.
    Open,
    /// Not among them.
    Closed,
    /// No list of open pull requests was given.
    Unknown,
}

/// One preview environment, assessed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// Its pull request number.
    pub number: u32,
    /// Its environment (`pr-7`).
    pub environment: String,
    /// Its resources, by kind.
    pub resources: BTreeMap<ResourceKind, usize>,
    /// Days since its oldest creation time the snapshot knows, when it knows one.
    pub age_days: Option<u32>,
    /// Its pull request's state.
    pub pull_request: PullRequestState,
    /// Whether it should go: its pull request closed, or older than `max_age_days`.
    pub stale: bool,
    /// Why it is stale, or what else is wrong with it.
    pub reasons: Vec<String>,
    /// Parts left without the rest (a rule and target group without a service, ...).
    pub orphans: Vec<String>,
    /// Estimated monthly cost in US dollars, when the price table covers its region.
    pub monthly_usd: Option<f64>,
    /// How the cost was reached, or why it is unknown.
    pub cost_basis: String,
    /// The command that removes it (printed, never run).
    pub destroy: String,
}

/// Every preview of a parent environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PreviewReport {
    /// `driftscan.previews/v1`.
    pub schema: &'static str,
    /// The parent environment.
    pub parent: String,
    /// The region read.
    pub region: String,
    /// Whether everything was read: otherwise the list, the costs and the orphans are partial.
    pub complete: bool,
    /// What could not be read.
    pub failures: Vec<ReadFailure>,
    /// The previews, by number.
    pub previews: Vec<Preview>,
    /// The monthly cost of the stale previews, where known.
    pub stale_monthly_usd: f64,
    /// When the prices used were taken (`2026-12-07`), when the table covers the region.
    pub prices_taken: Option<String>,
    /// Whether the price table is over a year old on `today`.
    pub prices_outdated: bool,
}

/// A preview to assess: its number and its snapshot.
pub struct Found {
    /// The pull request number.
    pub number: u32,
    /// Its environment's snapshot.
    pub snapshot: Snapshot,
}

/// What [`assess`] judges by.
pub struct Judged<'a> {
    /// The settings.
    pub settings: &'a PreviewSettings,
    /// The open pull requests, when given.
    pub open: Option<&'a BTreeSet<u32>>,
    /// The prices.
    pub prices: &'a PriceTable,
    /// Today, as days since the epoch.
    pub today: i64,
}

/// Hours in a month, as AWS's own calculators count them.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Assesses `found` (every preview of `parent` in `region`; `discovery` says what could not
/// be read while finding them).
pub fn assess(
    parent: &str,
    region: &str,
    found: &[Found],
    discovery: Vec<ReadFailure>,
    judged: &Judged<'_>,
) -> PreviewReport {
    let previews: Vec<Preview> = found.iter().map(|f| preview(f, judged)).collect();
    let mut failures = discovery;
    failures.extend(
        found
            .iter()
            .flat_map(|f| f.snapshot.failures.iter().cloned()),
    );
    let stale_monthly_usd = previews
        .iter()
        .filter(|p| p.stale)
        .filter_map(|p| p.monthly_usd)
        .sum();
    let taken = judged.prices.regions.get(region).map(|r| r.taken.clone());
    let outdated = taken
        .as_deref()
        .and_then(inputs::day_number)
        .is_some_and(|day| judged.today - day > 365);
    PreviewReport {
        schema: "driftscan.previews/v1",
        parent: parent.to_string(),
        region: region.to_string(),
        complete: failures.is_empty(),
        failures,
        previews,
        stale_monthly_usd,
        prices_taken: taken,
        prices_outdated: outdated,
    }
}

/// One preview, judged.
fn preview(found: &Found, judged: &Judged<'_>) -> Preview {
    let snapshot = &found.snapshot;
    let mut resources = BTreeMap::new();
    for resource in own(snapshot) {
        *resources.entry(resource.kind).or_insert(0) += 1;
    }
    let age_days = oldest_day(snapshot).map(|day| (judged.today - day).max(0) as u32);
    let pull_request = match judged.open {
        Some(open) if open.contains(&found.number) => PullRequestState::Open,
        Some(_) => PullRequestState::Closed,
        None => PullRequestState::Unknown,
    };
    let mut reasons = Vec::new();
    if pull_request == PullRequestState::Closed {
        reasons.push(format!("pull request #{} is closed", found.number));
    }
    let max = judged.settings.max_age_days;
    if age_days.is_some_and(|age| age > max) {
        reasons.push(format!("older than {max} days"));
    }
    let stale = !reasons.is_empty();
    if judged.settings.require_auto_shutdown && !auto_shutdown(snapshot) {
        reasons.push("not every resource is tagged AutoShutdown=true".into());
    }
    let (monthly_usd, cost_basis) = cost(snapshot, judged.prices);
    Preview {
        number: found.number,
        environment: snapshot.environment.clone(),
        resources,
        age_days,
        pull_request,
        stale,
        reasons,
        orphans: orphans(&resources_of(snapshot)),
        monthly_usd,
        cost_basis,
        destroy: format!(
            "driftscan-infra destroy --env {} --yes",
            snapshot.environment
        ),
    }
}

fn resources_of(snapshot: &Snapshot) -> BTreeSet<ResourceKind> {
    own(snapshot).map(|r| r.kind).collect()
}

/// The preview's own resources: not the parameters of shared paths (`/shared/`) a snapshot of
/// any environment reads.
fn own(snapshot: &Snapshot) -> impl Iterator<Item = &crate::model::Resource> {
    let path = format!("/{}/", snapshot.environment);
    snapshot
        .resources
        .iter()
        .filter(move |r| r.kind != ResourceKind::SsmParameter || r.id.starts_with(&path))
}

/// Parts of a preview left without the rest: routing without anything to route to.
fn orphans(kinds: &BTreeSet<ResourceKind>) -> Vec<String> {
    let has = |kind| kinds.contains(&kind);
    let mut out = Vec::new();
    if (has(ResourceKind::ListenerRule) || has(ResourceKind::TargetGroup))
        && !has(ResourceKind::EcsService)
    {
        out.push("a listener rule or target group without a service".to_string());
    }
    if has(ResourceKind::DnsRecord) && !has(ResourceKind::ListenerRule) {
        out.push("a DNS record without a listener rule".to_string());
    }
    out
}

fn auto_shutdown(snapshot: &Snapshot) -> bool {
    own(snapshot)
        .filter(|r| crate::services::kind(r.kind).tags_are_read)
        .all(|r| r.tags.get("AutoShutdown").map(String::as_str) == Some("true"))
}

/// The oldest creation day the snapshot knows (a parameter's last change, a secret's
/// creation), as days since the epoch.
fn oldest_day(snapshot: &Snapshot) -> Option<i64> {
    own(snapshot)
        .filter_map(|r| match &r.properties {
            Properties::SsmParameter(p) => p.last_modified.as_deref(),
            Properties::SecretsManagerSecret(s) => s.created.as_deref(),
            _ => None,
        })
        .filter_map(inputs::day_number)
        .min()
}

/// The preview's Fargate tasks for a month: desired count × (vCPU × price + GB × price) × 730,
/// each service by its task definition's size. Rules, target groups, records and standard
/// parameters cost nothing of their own.
fn cost(snapshot: &Snapshot, prices: &PriceTable) -> (Option<f64>, String) {
    let Some(region) = snapshot.regions.first() else {
        return (None, "no region".into());
    };
    let Some(price) = prices.regions.get(region) else {
        return (
            None,
            format!("no prices for {region}: give them with --prices FILE"),
        );
    };
    let mut total = 0.0;
    let mut tasks = 0;
    for resource in &snapshot.resources {
        let Properties::EcsService(service) = &resource.properties else {
            continue;
        };
        let Some((vcpu, gb)) = task_size(snapshot, &service.task_definition) else {
            return (
                None,
                format!("the size of {} is unknown", service.task_definition),
            );
        };
        let count = f64::from(service.desired_count.max(0));
        tasks += service.desired_count.max(0);
        total +=
            count * (vcpu * price.fargate_vcpu_hour + gb * price.fargate_gb_hour) * HOURS_PER_MONTH;
    }
    let basis = format!(
        "{tasks} Fargate task(s) (x86) at {region}'s prices of {}",
        price.taken
    );
    (Some((total * 100.0).round() / 100.0), basis)
}

/// A task definition's vCPUs and GB, from the snapshot (by ARN, or `family:revision`).
fn task_size(snapshot: &Snapshot, reference: &str) -> Option<(f64, f64)> {
    let definition = snapshot
        .resources
        .iter()
        .find_map(|r| match &r.properties {
            Properties::EcsTaskDefinition(d)
                if r.arn.as_deref() == Some(reference)
                    || r.id == reference
                    || reference.ends_with(&format!("/{}", r.id)) =>
            {
                Some(d)
            }
            _ => None,
        })?;
    let cpu: f64 = definition.cpu.as_deref()?.parse().ok()?;
    let memory: f64 = definition.memory.as_deref()?.parse().ok()?;
    Some((cpu / 1024.0, memory / 1024.0))
}

#[cfg(test)]
mod tests;

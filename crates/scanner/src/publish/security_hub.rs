//! Publishing to AWS Security Hub: each scan's new and changed findings imported ACTIVE, its
//! resolved ones re-imported ARCHIVED, in the finding's own account and region, within
//! `BatchImportFindings`' limits (100 findings and 6 MB a request, 10 requests a second per
//! account and region:
//! <https://docs.aws.amazon.com/securityhub/latest/partnerguide/guidelines-batchimportfindings.html>).
//!
//! What was imported is remembered per report (under `security-hub/<report key>` in the alert
//! state store), and remembered only once every batch of the report went in: a refused or
//! failed import leaves the state as it was, so the next run sends the same findings again
//! (an import with a known `Id` updates it).

use std::time::Duration;

use futures::future::BoxFuture;

use super::{AlertStateStore, PublishError};
use crate::alert::{self, ReportState};
use crate::model::{Report, Severity};
use crate::report::asff::{self, AsffFinding};

/// Findings in one `BatchImportFindings` request.
pub const MAX_FINDINGS_PER_BATCH: usize = 100;
/// Bytes of one request's findings.
pub const MAX_BATCH_BYTES: usize = 6 * 1024 * 1024;
/// Requests a second per account and region AWS allows (a burst of 30 aside).
pub const MAX_REQUESTS_PER_SECOND: u32 = 10;
/// The spacing kept between two requests to one account and region: under
/// [`MAX_REQUESTS_PER_SECOND`] with room to spare.
pub const REQUEST_SPACING: Duration = Duration::from_millis(125);

/// A finding Security Hub refused (`FailedFindings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedFinding {
    /// Its `Id`.
    pub id: String,
    /// Security Hub's code.
    pub code: String,
    /// Its message.
    pub message: String,
}

/// Imports findings into Security Hub (`BatchImportFindings`).
pub trait FindingImport: Send + Sync {
    /// Imports `batch` (within the limits above, all of one account and `region`) with the
    /// credentials `environment` was scanned with; answers the findings it refused.
    fn import<'a>(
        &'a self,
        environment: &'a str,
        region: &'a str,
        batch: &'a [AsffFinding],
    ) -> BoxFuture<'a, Result<Vec<RefusedFinding>, PublishError>>;
}

/// What importing did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Imported {
    /// Findings imported ACTIVE (new or changed).
    pub active: usize,
    /// Findings re-imported ARCHIVED (resolved).
    pub archived: usize,
    /// `BatchImportFindings` requests made.
    pub requests: usize,
}

/// The state key of a report's imported findings.
pub fn state_key(report: &Report) -> String {
    format!("security-hub/{}", alert::report_key(report))
}

/// The documents to import for `report` given what `previous` says was imported: the new and
/// changed findings ACTIVE, the resolved ones (only where the run read their region and kind)
/// ARCHIVED; and the state to remember once they are in.
pub fn documents(
    report: &Report,
    previous: &ReportState,
    now: time::OffsetDateTime,
) -> Result<(Vec<AsffFinding>, ReportState), asff::AsffError> {
    let account = asff::account_of(report)?;
    let delta = alert::delta(report, previous, Severity::Info);
    let first_seen = previous.first_sightings();
    let created = |identity: &str| {
        let seen = first_seen.get(identity).copied();
        seen.and_then(crate::clock::at_secs).unwrap_or(now)
    };
    let mut out: Vec<AsffFinding> = delta
        .new
        .iter()
        .chain(&delta.changed)
        .map(|f| asff::open(report, account, f, now, created(&f.identity())))
        .collect();
    out.extend(
        delta
            .resolved
            .iter()
            .map(|r| asff::archived(report, account, r, now)),
    );
    Ok((out, delta.next_state))
}

/// `findings` sorted by region (stably), then cut into batches of one region each, of at most
/// [`MAX_FINDINGS_PER_BATCH`] findings and [`MAX_BATCH_BYTES`] bytes, in order.
pub fn batches(findings: &mut [AsffFinding]) -> Vec<&[AsffFinding]> {
    findings.sort_by(|a, b| a.region.cmp(&b.region));
    let mut out = Vec::new();
    let mut rest: &[AsffFinding] = findings;
    while !rest.is_empty() {
        let mut bytes = 0;
        let taken = rest
            .iter()
            .enumerate()
            .take_while(|(i, finding)| {
                bytes += serde_json::to_vec(finding).map_or(0, |v| v.len());
                *i == 0
                    || (*i < MAX_FINDINGS_PER_BATCH
                        && finding.region == rest[0].region
                        && bytes <= MAX_BATCH_BYTES)
            })
            .count();
        let (batch, after) = rest.split_at(taken);
        out.push(batch);
        rest = after;
    }
    out
}

/// Imports the findings of every scan in `reports` (comparisons belong to no one account and
/// are not imported). Every report is attempted; the first error is answered after all ran.
pub async fn import(
    reports: &[Report],
    importer: &dyn FindingImport,
    store: &dyn AlertStateStore,
    now_ms: u64,
) -> Result<Imported, PublishError> {
    let now = crate::clock::at_millis(now_ms);
    let scans: Vec<&Report> = reports.iter().filter(|r| r.command == "scan").collect();
    let mut keys: Vec<String> = scans.iter().map(|r| state_key(r)).collect();
    keys.sort();
    keys.dedup();
    store.hold(&keys).await?;
    let mut imported = Imported::default();
    let mut first_error = None;
    let mut pacer = Pacer::default();
    for report in scans {
        let sent = import_report(report, importer, store, now, &mut pacer, &mut imported);
        if let Err(e) = sent.await {
            tracing::error!(error = %e, environment = report.environment, "findings not imported");
            first_error.get_or_insert(e);
        }
    }
    let released = store.release(&keys).await;
    match first_error {
        Some(e) => Err(e),
        None => released.map(|()| imported),
    }
}

/// Keeps requests [`REQUEST_SPACING`] apart.
#[derive(Default)]
struct Pacer {
    last: Option<tokio::time::Instant>,
}

impl Pacer {
    /// Waits until the next request may go.
    async fn wait(&mut self) {
        if let Some(last) = self.last {
            tokio::time::sleep_until(last + REQUEST_SPACING).await;
        }
        self.last = Some(tokio::time::Instant::now());
    }
}

/// Imports one report's documents, batch by batch; saves the state only when every finding
/// went in.
async fn import_report(
    report: &Report,
    importer: &dyn FindingImport,
    store: &dyn AlertStateStore,
    now: time::OffsetDateTime,
    pacer: &mut Pacer,
    imported: &mut Imported,
) -> Result<(), PublishError> {
    let key = state_key(report);
    let previous = store.load(&key).await?.unwrap_or_default();
    let (mut documents, next) = documents(report, &previous, now).map_err(|e| PublishError {
        service: "securityhub",
        operation: "BatchImportFindings",
        code: "UnknownAccount".into(),
        message: e.to_string(),
    })?;
    let mut refused = Vec::new();
    for batch in batches(&mut documents) {
        pacer.wait().await;
        let region = &batch[0].region;
        refused.extend(importer.import(&report.environment, region, batch).await?);
        imported.requests += 1;
    }
    if !refused.is_empty() {
        let ids: Vec<String> = refused
            .iter()
            .map(|r| format!("{} ({}: {})", r.id, r.code, r.message))
            .collect();
        return Err(PublishError {
            service: "securityhub",
            operation: "BatchImportFindings",
            code: "FailedFindings".into(),
            message: format!(
                "{} of {} findings refused, all to be sent again next run: {}",
                refused.len(),
                documents.len(),
                ids.join("; ")
            ),
        });
    }
    let archived = documents
        .iter()
        .filter(|d| d.record_state == "ARCHIVED")
        .count();
    imported.archived += archived;
    imported.active += documents.len() - archived;
    if next != previous {
        store.save(&key, &next).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

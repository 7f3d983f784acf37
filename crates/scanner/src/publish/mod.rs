//! Publishing a run: the HTML reports kept in S3 (when a bucket is configured), the SNS alert
//! (de-duplicated against what was alerted before, linking to those reports) and the CloudWatch
//! metrics, and the findings imported into Security Hub ([`security_hub`]). The decisions are pure ([`crate::alert`], [`crate::metrics`]); the AWS calls sit
//! behind small traits, one per service, implemented in [`aws`].

pub mod aws;
pub use aws::ledger;
pub mod security_hub;

use futures::future::BoxFuture;

use crate::alert::{self, AlertMessage, ReportState, StoredReport};
use crate::config::{MetricsMode, PublishSettings};
use crate::metrics::{self, Datum};
use crate::model::Report;

/// A failed call to AWS while publishing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service}:{operation} failed ({code}): {message}")]
pub struct PublishError {
    /// `sns`, `cloudwatch` or `ssm`.
    pub service: &'static str,
    /// The API operation.
    pub operation: &'static str,
    /// AWS error code or transport failure class.
    pub code: String,
    /// The message with its cause chain.
    pub message: String,
}

/// Sends an alert (SNS).
pub trait AlertSink: Send + Sync {
    /// Publishes `message`; answers the message id.
    fn send<'a>(&'a self, message: &'a AlertMessage)
        -> BoxFuture<'a, Result<String, PublishError>>;
}

/// Remembers what was alerted, per report key (SSM Parameter Store).
pub trait AlertStateStore: Send + Sync {
    /// The state under `key`, with `None` when what is stored cannot be read back (a torn save):
    /// the caller alerts everything again rather than nothing.
    fn load<'a>(&'a self, key: &'a str)
        -> BoxFuture<'a, Result<Option<ReportState>, PublishError>>;
    /// Replaces the state under `key`.
    fn save<'a>(
        &'a self,
        key: &'a str,
        state: &'a ReportState,
    ) -> BoxFuture<'a, Result<(), PublishError>>;
    /// Holds `keys` for this publisher from before their states are loaded until after they are
    /// saved, so a publisher of the same reports at the same time waits and then loads what this
    /// one saved: two workers never both alert a finding, nor both forget one. A store without
    /// concurrent publishers (SSM: one scheduled function) holds nothing.
    fn hold<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), PublishError>> {
        let _ = keys;
        Box::pin(async { Ok(()) })
    }
    /// Whether the store keeps each finding's first sighting (drift age).
    fn keeps_first_sightings(&self) -> bool {
        false
    }
    /// Whether the store keeps each open finding's attribution (the ledger does), so a run
    /// can take it from there rather than from CloudTrail
    /// ([`crate::attribution::recall::recall`]).
    fn keeps_attributions(&self) -> bool {
        false
    }
    /// Lets go of what [`AlertStateStore::hold`] held.
    fn release<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), PublishError>> {
        let _ = keys;
        Box::pin(async { Ok(()) })
    }
}

/// Puts metric datums (CloudWatch `PutMetricData`).
pub trait MetricSink: Send + Sync {
    /// Puts one batch (already within AWS's limits).
    fn put<'a>(&'a self, batch: &'a [Datum]) -> BoxFuture<'a, Result<(), PublishError>>;
}

/// Keeps rendered reports (S3).
pub trait ReportArchive: Send + Sync {
    /// Stores the page `html` under `key`; answers where it is.
    fn put<'a>(
        &'a self,
        key: &'a str,
        html: &'a str,
    ) -> BoxFuture<'a, Result<StoredReport, PublishError>>;
}

/// Where a run's results go.
pub struct Publisher<'a> {
    /// Alert destination; `None` sends no alert (and keeps no state).
    pub alerts: Option<(&'a dyn AlertSink, &'a dyn AlertStateStore)>,
    /// Metric destination for [`MetricsMode::Api`].
    pub metrics: Option<&'a dyn MetricSink>,
    /// Where each run's HTML reports are kept; `None` keeps none.
    pub archive: Option<&'a dyn ReportArchive>,
    /// Security Hub, and where what was imported is remembered; `None` imports nothing.
    pub security_hub: Option<(&'a dyn security_hub::FindingImport, &'a dyn AlertStateStore)>,
    /// Settings (metrics mode, severity threshold).
    pub settings: &'a PublishSettings,
}

/// What publishing did, for logs and the Lambda's response.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Published {
    /// The SNS message id, when an alert went out.
    pub message_id: Option<String>,
    /// The alert's subject.
    pub subject: Option<String>,
    /// Findings alerted as new.
    pub new: usize,
    /// Findings alerted as changed.
    pub changed: usize,
    /// Findings alerted as resolved.
    pub resolved: usize,
    /// The alert's size in bytes (SNS counts at most 262,144).
    pub alert_bytes: usize,
    /// Datums published.
    pub datums: usize,
    /// `PutMetricData` calls made (0 in EMF mode).
    pub metric_calls: usize,
    /// EMF lines for the caller to write to its log (standard output in a Lambda).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emf_lines: Vec<String>,
    /// Reports whose stored alert state could not be read back (alerted afresh).
    pub unreadable_state: Vec<String>,
    /// Mean days the findings resolved by this run were open (findings ledger only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_time_to_resolve_days: Option<f64>,
    /// The HTML reports kept for this run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stored_reports: Vec<StoredReport>,
    /// What went to Security Hub, when it is published to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_hub: Option<security_hub::Imported>,
}

/// A time as `20261127T061500Z` (UTC, to the second): names that list in time order.
pub fn compact_utc(timestamp_ms: u64) -> String {
    let at = crate::clock::at_millis(timestamp_ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
    )
}

/// The object key of a report's page: `reports/<run>/<report key>.html`, the run named by its
/// UTC time (`20261127T061500Z`), so a bucket lists runs in order.
pub fn report_object_key(report: &Report, timestamp_ms: u64) -> String {
    format!(
        "reports/{}/{}.html",
        compact_utc(timestamp_ms),
        alert::report_key(report)
    )
}

/// Publishes `reports`: one alert for whatever is new since the last alert, then the state that
/// remembers it (saved only once the alert is out, so a failed publish alerts again next run),
/// then the metrics. Every step is attempted; the first error is returned after all ran.
pub async fn publish(
    reports: &[Report],
    publisher: &Publisher<'_>,
    timestamp_ms: u64,
) -> Result<Published, PublishError> {
    let mut published = Published::default();
    let mut first_error: Option<PublishError> = None;

    // Kept first, so the alert can link to them; a report that could not be kept is alerted
    // without its link.
    let mut stored: Vec<Option<StoredReport>> = vec![None; reports.len()];
    if let Some(archive) = publisher.archive {
        let options = crate::report::RenderOptions {
            color: false,
            version: env!("CARGO_PKG_VERSION").to_string(),
            wide: false,
            now_ms: crate::clock::epoch_millis(),
        };
        for (report, slot) in reports.iter().zip(&mut stored) {
            let html = crate::report::render(report, crate::report::Format::Html, &options);
            let key = report_object_key(report, timestamp_ms);
            match archive.put(&key, &html).await {
                Ok(kept) => {
                    published.stored_reports.push(kept.clone());
                    *slot = Some(kept);
                }
                Err(e) => {
                    tracing::error!(error = %e, key, "report not kept");
                    first_error.get_or_insert(e);
                }
            }
        }
    }

    let mut drift_ages = Vec::new();
    if let Some((sink, store)) = publisher.alerts {
        match alert_step(
            reports,
            &stored,
            sink,
            store,
            publisher.settings,
            &mut published,
            timestamp_ms / 1000,
        )
        .await
        {
            Ok(ages) => drift_ages = ages,
            Err(e) => {
                tracing::error!(error = %e, "alert not published");
                first_error.get_or_insert(e);
            }
        }
    }

    if let Some((importer, store)) = publisher.security_hub {
        match security_hub::import(reports, importer, store, timestamp_ms).await {
            Ok(imported) => published.security_hub = Some(imported),
            Err(e) => {
                tracing::error!(error = %e, "findings not imported into Security Hub");
                first_error.get_or_insert(e);
            }
        }
    }

    // Our own datums: an invalid one is a bug, left out (and logged) rather than sent to have
    // the whole call rejected.
    let mut datums = metrics::datums(reports);
    datums.extend(
        reports
            .iter()
            .zip(&drift_ages)
            .filter_map(|(report, days)| metrics::drift_age(report, (*days)?)),
    );
    let datums: Vec<Datum> = datums
        .into_iter()
        .filter(|datum| match datum.validate() {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "invalid metric datum left out");
                false
            }
        })
        .collect();
    match publisher.settings.metrics {
        MetricsMode::Off => {}
        MetricsMode::Emf => {
            published.emf_lines = metrics::emf_lines(&datums, timestamp_ms);
            published.datums = datums.len();
        }
        MetricsMode::Api => {
            if let Some(sink) = publisher.metrics {
                for batch in metrics::batches(&datums) {
                    match sink.put(batch).await {
                        Ok(()) => {
                            published.metric_calls += 1;
                            published.datums += batch.len();
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "metrics not published");
                            first_error.get_or_insert(e);
                        }
                    }
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(published),
    }
}

/// Holds the reports' keys, alerts, saves, and lets go (also when a step failed); answers each
/// report's oldest open finding's age in days, where the store knows it.
async fn alert_step(
    reports: &[Report],
    stored: &[Option<StoredReport>],
    sink: &dyn AlertSink,
    store: &dyn AlertStateStore,
    settings: &PublishSettings,
    published: &mut Published,
    now_secs: u64,
) -> Result<Vec<Option<f64>>, PublishError> {
    let mut keys: Vec<String> = reports.iter().map(alert::report_key).collect();
    keys.sort();
    keys.dedup();
    store.hold(&keys).await?;
    let result = alert_held(reports, stored, sink, store, settings, published, now_secs).await;
    let released = store.release(&keys).await;
    let ages = result?;
    released?;
    Ok(ages)
}

async fn alert_held(
    reports: &[Report],
    stored: &[Option<StoredReport>],
    sink: &dyn AlertSink,
    store: &dyn AlertStateStore,
    settings: &PublishSettings,
    published: &mut Published,
    now_secs: u64,
) -> Result<Vec<Option<f64>>, PublishError> {
    let mut previous = Vec::with_capacity(reports.len());
    for report in reports {
        let key = alert::report_key(report);
        let state = match store.load(&key).await? {
            Some(state) => state,
            None => {
                tracing::warn!(
                    key,
                    "stored alert state unreadable: alerting every finding again"
                );
                published.unreadable_state.push(key.clone());
                ReportState::default()
            }
        };
        previous.push(state);
    }
    let deltas: Vec<_> = reports
        .iter()
        .zip(&previous)
        .zip(stored)
        .map(|((report, state), stored)| alert::ReportDelta {
            stored: stored.clone(),
            now_secs: Some(now_secs),
            ..alert::delta(report, state, settings.min_severity)
        })
        .collect();
    published.mean_time_to_resolve_days = alert::mean_time_to_resolve_days(&deltas);
    if let Some(message) = alert::alert_message(&deltas) {
        let message_id = sink.send(&message).await?;
        tracing::info!(
            message_id,
            subject = %message.subject,
            bytes = message.size(),
            listed = message.findings_listed,
            total = message.findings_total,
            "alert published"
        );
        published.message_id = Some(message_id);
        published.subject = Some(message.subject.clone());
        published.alert_bytes = message.size();
    }
    for delta in &deltas {
        published.new += delta.new.len();
        published.changed += delta.changed.len();
        published.resolved += delta.resolved.len();
    }
    for (delta, before) in deltas.iter().zip(&previous) {
        if &delta.next_state != before {
            store.save(&delta.key, &delta.next_state).await?;
        }
    }
    Ok(deltas
        .iter()
        .map(|delta| {
            store
                .keeps_first_sightings()
                .then(|| alert::oldest_open_days(&delta.next_state, now_secs))
                .flatten()
        })
        .collect())
}

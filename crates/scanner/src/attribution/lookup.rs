//! Attribution through CloudTrail's event history (`LookupEvents`): one lookup per drifted
//! resource, nothing for clean ones, at the API's rate.
//!
//! AWS documents the limits this keeps to
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html>):
//! "The rate of lookup requests is limited to two per second, per account, per Region", one
//! lookup attribute per request, at most 50 events per page, and the event history covers the
//! last 90 days. A lookup that fails leaves the finding unattributed with the reason; it never
//! makes the scan incomplete.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use aws_sdk_cloudtrail::Client;
use aws_types::SdkConfig;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::{identifiers, is_attributable, Attribution, ChangeRecord, Deployers};
use crate::model::{Report, Snapshot};

/// `LookupEvents` requests per second, per account, per region (AWS's limit).
pub const LOOKUPS_PER_SECOND: u32 = 2;
/// How far back the event history goes, in days (AWS's limit).
pub const HISTORY_DAYS: i64 = 90;
/// Events per page (AWS's maximum).
const PAGE_SIZE: i32 = 50;
/// Pages read per resource at most: the latest 250 events that name it.
const MAX_PAGES: usize = 5;
/// Where global services (IAM, CloudFront, Route 53) record their events.
const GLOBAL_EVENTS_REGION: &str = "us-east-1";

/// A token bucket: at most `per_second` takes per second, with no burst beyond that.
#[derive(Debug)]
pub struct TokenBucket {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl TokenBucket {
    /// A bucket that lets `per_second` callers through each second, evenly spaced.
    pub fn new(per_second: u32) -> TokenBucket {
        TokenBucket {
            interval: Duration::from_secs(1) / per_second.max(1),
            next: Mutex::new(None),
        }
    }

    /// Waits for the next slot.
    pub async fn take(&self) {
        let mut next = self.next.lock().await;
        let now = Instant::now();
        let at = next.map_or(now, |at| at.max(now));
        *next = Some(at + self.interval);
        drop(next);
        tokio::time::sleep_until(at).await;
    }
}

/// Resources looked up per report at most (50 s at the API's rate); the findings of the
/// others are left unattributed, saying so.
pub const MAX_LOOKUPS_PER_REPORT: usize = 100;

/// The window, as a finding says it: `last 90 days`, or `since the baseline was captured,
/// 3 hours ago`.
fn window_text(window: Duration) -> String {
    if window >= Lookup::HISTORY {
        return format!("last {HISTORY_DAYS} days");
    }
    let hours = window.as_secs() / 3_600;
    let ago = match hours {
        0..=1 => format!("{} minutes ago", window.as_secs() / 60),
        2..=47 => format!("{hours} hours ago"),
        _ => format!("{} days ago", hours / 24),
    };
    format!("since the baseline was captured, {ago}")
}

/// Looks changes up in one account's event history, per region, at the API's rate.
pub struct Lookup {
    config: SdkConfig,
    buckets: Mutex<BTreeMap<String, std::sync::Arc<TokenBucket>>>,
    captured: Option<time::OffsetDateTime>,
    deadline: Option<std::time::Instant>,
}

impl Lookup {
    /// The whole event history: the last 90 days.
    pub const HISTORY: Duration = Duration::from_secs(HISTORY_DAYS as u64 * 86_400);

    /// How far back to look at `now` for a baseline captured at `captured`: since then (what
    /// changed before is in the baseline), at most the whole history; the whole history when
    /// the baseline does not say when it was captured, or says a time not yet come.
    pub fn window_since(
        captured: Option<time::OffsetDateTime>,
        now: time::OffsetDateTime,
    ) -> Duration {
        match captured {
            Some(captured) if captured < now => Duration::try_from(now - captured)
                .map_or(Self::HISTORY, |since| since.min(Self::HISTORY)),
            _ => Self::HISTORY,
        }
    }

    /// Lookups with `config`'s credentials back to `captured`, when the baseline was captured
    /// (at most 90 days: [`Lookup::window_since`]), none started after `deadline`.
    pub fn new(
        config: &SdkConfig,
        captured: Option<time::OffsetDateTime>,
        deadline: Option<std::time::Instant>,
    ) -> Lookup {
        Lookup {
            config: config.clone(),
            buckets: Mutex::new(BTreeMap::new()),
            captured,
            deadline,
        }
    }

    async fn bucket(&self, region: &str) -> std::sync::Arc<TokenBucket> {
        let mut buckets = self.buckets.lock().await;
        buckets
            .entry(region.to_string())
            .or_insert_with(|| std::sync::Arc::new(TokenBucket::new(LOOKUPS_PER_SECOND)))
            .clone()
    }

    /// The write events of `region`'s history that name `resource` (CloudTrail's
    /// `ResourceName`), at most [`MAX_PAGES`] pages; `Err` with the reason when the lookup
    /// failed.
    pub async fn changes(&self, region: &str, resource: &str) -> Result<Vec<ChangeRecord>, String> {
        let region = if region == crate::kinds::GLOBAL_REGION || region.is_empty() {
            GLOBAL_EVENTS_REGION
        } else {
            region
        };
        // Retries go through the bucket too: the SDK's own would not keep to the rate.
        let config = crate::aws::for_region(&self.config, region)
            .into_builder()
            .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
            .build();
        let client = Client::new(&config);
        let bucket = self.bucket(region).await;
        let attribute = LookupAttribute::builder()
            .attribute_key(LookupAttributeKey::ResourceName)
            .attribute_value(resource)
            .build()
            .map_err(|e| format!("cannot ask CloudTrail: {e}"))?;
        let end = std::time::SystemTime::now();
        let window = Self::window_since(self.captured, end.into());
        let request = client
            .lookup_events()
            .lookup_attributes(attribute)
            .start_time((end - window).into())
            .end_time(end.into())
            .max_results(PAGE_SIZE);
        let mut records = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page =
                page_with_retries(&bucket, request.clone().set_next_token(token.take())).await?;
            records.extend(page.events().iter().filter_map(change_of));
            token = page
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(records)
    }
}

/// Attempts per page: a throttled or failed call is tried again at the bucket's next slot.
const ATTEMPTS: usize = 4;

async fn page_with_retries(
    bucket: &TokenBucket,
    request: aws_sdk_cloudtrail::operation::lookup_events::builders::LookupEventsFluentBuilder,
) -> Result<aws_sdk_cloudtrail::operation::lookup_events::LookupEventsOutput, String> {
    let mut last = String::new();
    for _ in 0..ATTEMPTS {
        bucket.take().await;
        match request.clone().send().await {
            Ok(page) => return Ok(page),
            Err(e) if retryable(&crate::aws::error_code(&e)) => last = refusal(&e),
            Err(e) => return Err(refusal(&e)),
        }
    }
    Err(format!("{last}, {ATTEMPTS} times"))
}

/// Throttling and transient failures, worth another attempt.
fn retryable(code: &str) -> bool {
    code.contains("Throttl")
        || [
            "RequestLimitExceeded",
            "TooManyRequestsException",
            "Timeout",
            "ConnectionError",
        ]
        .contains(&code)
        || code.starts_with("InternalFailure")
        || code == "ServiceUnavailable"
}

/// A listed event as a change: its record when it is a write that did not fail, knowing the
/// resources CloudTrail indexed it under (an event of another resource names none of them).
fn change_of(event: &aws_sdk_cloudtrail::types::Event) -> Option<ChangeRecord> {
    let mut record = ChangeRecord::from_json(event.cloud_trail_event()?)?;
    record.identifiers.extend(
        event
            .resources()
            .iter()
            .filter_map(|r| r.resource_name())
            .map(str::to_string),
    );
    record.is_change().then_some(record)
}

/// Why a lookup failed, one line, naming the action a refusal needs.
fn refusal<E, R>(error: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    let code = crate::aws::error_code(error);
    if code.contains("AccessDenied") || code == "UnauthorizedOperation" {
        format!(
            "CloudTrail refused LookupEvents ({code}): attribution needs cloudtrail:LookupEvents"
        )
    } else {
        format!("CloudTrail's LookupEvents failed ({code})")
    }
}

impl Lookup {
    /// Attributes the attributable findings of `report` that carry no attribution yet: one
    /// lookup per resource (findings on one resource share it), in the resource's region, at
    /// most [`MAX_LOOKUPS_PER_REPORT`] and none past the deadline.
    pub async fn attribute_report(
        &self,
        report: &mut Report,
        snapshot: &Snapshot,
        deployers: &Deployers,
    ) {
        let mut answers: BTreeMap<(String, String), Result<Vec<ChangeRecord>, String>> =
            BTreeMap::new();
        for finding in report
            .findings
            .iter_mut()
            .filter(|f| is_attributable(f) && f.attribution.is_none())
        {
            let Some(id) = finding.physical_id.clone() else {
                continue;
            };
            let key = (finding.region.clone(), id.clone());
            if !answers.contains_key(&key) {
                let answer = self.answer(&finding.region, &id, answers.len()).await;
                answers.insert(key.clone(), answer);
            }
            let ids = identifiers(finding, snapshot);
            finding.attribution = Some(match &answers[&key] {
                Err(reason) => Attribution::Unattributed {
                    reason: reason.clone(),
                },
                Ok(records) => match super::explain(&ids, records, deployers) {
                    Some(change) => Attribution::Attributed(Box::new(change)),
                    None => Attribution::Unattributed {
                        reason: format!(
                            "no write event names {id} in CloudTrail's event history ({})",
                            window_text(Self::window_since(
                                self.captured,
                                time::OffsetDateTime::now_utc()
                            ))
                        ),
                    },
                },
            });
        }
    }

    /// The write events of resource `id` in `region`, as [`Lookup::attribute_report`] looks a
    /// resource up; `done` lookups of the report so far count against its budget.
    pub async fn changes_to(
        &self,
        region: &str,
        id: &str,
        done: usize,
    ) -> Result<Vec<ChangeRecord>, String> {
        self.answer(region, id, done).await
    }

    /// The lookup of one resource, unless the report's budget or the run's deadline is spent.
    async fn answer(
        &self,
        region: &str,
        id: &str,
        done: usize,
    ) -> Result<Vec<ChangeRecord>, String> {
        if done >= MAX_LOOKUPS_PER_REPORT {
            return Err(format!(
                "only the first {MAX_LOOKUPS_PER_REPORT} resources are looked up per report (CloudTrail allows {LOOKUPS_PER_SECOND} lookups per second)"
            ));
        }
        if self
            .deadline
            .is_some_and(|at| std::time::Instant::now() >= at)
        {
            return Err("the run's deadline came before the lookup".into());
        }
        self.changes(region, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_reaches_back_to_the_capture_and_never_past_the_history() {
        let at = |seconds: i64| time::OffsetDateTime::from_unix_timestamp(seconds).ok();
        let now = at(1_796_659_200).expect("a time");
        let three_hours = Duration::from_secs(3 * 3_600);
        let captured = at(1_796_659_200 - 3 * 3_600);
        assert_eq!(Lookup::window_since(captured, now), three_hours);
        assert_eq!(
            window_text(three_hours),
            "since the baseline was captured, 3 hours ago"
        );
        let long_ago = at(1_700_000_000);
        assert_eq!(Lookup::window_since(long_ago, now), Lookup::HISTORY);
        assert_eq!(Lookup::window_since(None, now), Lookup::HISTORY, "not said");
        let ahead = at(1_796_659_200 + 60);
        assert_eq!(
            Lookup::window_since(ahead, now),
            Lookup::HISTORY,
            "a clock ahead"
        );
        assert_eq!(window_text(Lookup::HISTORY), "last 90 days");
        assert_eq!(
            window_text(Duration::from_secs(5 * 86_400)),
            "since the baseline was captured, 5 days ago"
        );
    }

    /// A lower bound only: slots cannot come sooner than the rate allows.
    #[tokio::test]
    async fn the_bucket_spaces_its_slots_evenly() {
        let bucket = TokenBucket::new(20);
        let start = Instant::now();
        for _ in 0..5 {
            bucket.take().await;
        }
        // Slots at 0, 50, 100, 150 and 200 ms.
        assert!(
            start.elapsed() >= Duration::from_millis(200),
            "{:?}",
            start.elapsed()
        );
    }
}

//! The findings ledger: alert state in a DynamoDB table, one item per finding per report, shared
//! safely by workers publishing at the same time.
//!
//! Items, all under `pk = report#<report key>`:
//! - `sk = finding#<fingerprint>`: what was alerted (identity, severity, region, kind, label,
//!   the resource's id),
//!   `first_seen` (kept across value changes of the same identity: the finding's drift age) and
//!   `last_alerted`. A finding that is gone gets `resolved_at` and an `expires_at` (DynamoDB TTL)
//!   and is no longer loaded.
//! - `sk = #head`: the incomplete-scan signature last alerted and when the state was saved.
//! - `sk = #lock`: a lease held from load to save ([`AlertStateStore::hold`]); a second
//!   publisher of the same report waits for it, then loads what the first saved.
//!
//! No size ceiling per report (the SSM chunks hold about 1,800 findings). An SSM state found
//! where the table has none is read once and written here (migration); the SSM parameters are
//! left as they are.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_types::SdkConfig;
use futures::future::BoxFuture;

use crate::aws::{ddb_n as n, ddb_s as s};
use crate::clock::epoch_secs as now_secs;

use super::{failure, SsmAlertState};
use crate::alert::{Remembered, ReportState};
use crate::model::ResourceKind;
use crate::publish::{AlertStateStore, PublishError};

/// How long a resolved finding's item is kept (DynamoDB TTL), in seconds: 90 days.
pub const RESOLVED_TTL_SECS: u64 = 90 * 24 * 3600;
/// How long a publisher's hold lasts unless released (a crashed publisher's ends by itself).
pub const LEASE_SECS: u64 = 120;
/// Items per `BatchWriteItem` (DynamoDB's limit).
const BATCH_WRITE: usize = 25;

type Item = HashMap<String, AttributeValue>;

/// The partition of a report's items.
pub fn partition(report_key: &str) -> String {
    format!("report#{report_key}")
}

/// A finding's item; `first_seen` defaults to `now` for a finding never seen before.
pub fn finding_item(report_key: &str, remembered: &Remembered, now: u64) -> Item {
    let mut item = HashMap::from([
        ("pk".into(), s(partition(report_key))),
        (
            "sk".into(),
            s(format!("finding#{}", remembered.fingerprint)),
        ),
        ("fingerprint".into(), s(&remembered.fingerprint)),
        ("identity".into(), s(&remembered.identity)),
        ("severity".into(), s(remembered.severity.as_str())),
        ("region".into(), s(&remembered.region)),
        ("resource_type".into(), s(remembered.resource_type.as_str())),
        ("label".into(), s(&remembered.label)),
        ("first_seen".into(), n(remembered.first_seen.unwrap_or(now))),
        ("last_alerted".into(), n(now)),
    ]);
    if let Some(change) = &remembered.attribution {
        let json = serde_json::to_string(change).expect("an attribution serializes");
        item.insert("attribution".into(), s(json));
    }
    if let Some(id) = &remembered.physical_id {
        item.insert("physical_id".into(), s(id));
    }
    if let Some(arn) = &remembered.arn {
        item.insert("arn".into(), s(arn));
    }
    item
}

/// An open finding's item read back (`None` for a resolved one, or one this version cannot
/// read: it alerts again, the safe direction).
pub fn remembered_from_item(item: &Item) -> Option<Remembered> {
    if item.contains_key("resolved_at") {
        return None;
    }
    let text = |name: &str| item.get(name)?.as_s().ok().cloned();
    Some(Remembered {
        fingerprint: text("fingerprint")?,
        identity: text("identity")?,
        severity: text("severity")?.parse().ok()?,
        region: text("region")?,
        resource_type: ResourceKind::from_name(&text("resource_type")?)?,
        label: text("label").unwrap_or_default(),
        first_seen: item.get("first_seen")?.as_n().ok()?.parse().ok(),
        // Unreadable (another version's), it is left out: the finding is still remembered.
        attribution: text("attribution").and_then(|json| serde_json::from_str(&json).ok()),
        physical_id: text("physical_id"),
        arn: text("arn"),
    })
}

/// The writes that turn the table's `open` items of a report into `next`: new and changed
/// findings put, gone ones put back resolved with an expiry, and the head.
pub fn writes(report_key: &str, open: &[Item], next: &ReportState, now: u64) -> Vec<Item> {
    let mut out = Vec::new();
    let open_fingerprints: HashMap<String, &Item> = open
        .iter()
        .filter(|item| !item.contains_key("resolved_at"))
        .filter_map(|item| Some((item.get("fingerprint")?.as_s().ok()?.clone(), item)))
        .collect();
    for (fingerprint, item) in &open_fingerprints {
        if !next.findings.contains_key(fingerprint) {
            let mut resolved = (*item).clone();
            resolved.insert("resolved_at".into(), n(now));
            resolved.insert("expires_at".into(), n(now + RESOLVED_TTL_SECS));
            out.push(resolved);
        }
    }
    for (fingerprint, remembered) in &next.findings {
        let unchanged = open_fingerprints
            .get(fingerprint)
            .and_then(|item| remembered_from_item(item))
            .is_some_and(|stored| {
                Remembered {
                    first_seen: remembered.first_seen.or(stored.first_seen),
                    attribution: remembered
                        .attribution
                        .clone()
                        .or(stored.attribution.clone()),
                    ..remembered.clone()
                } == stored
            });
        if !unchanged {
            out.push(finding_item(report_key, remembered, now));
        }
    }
    let mut head = HashMap::from([
        ("pk".to_string(), s(partition(report_key))),
        ("sk".to_string(), s("#head")),
        ("saved_at".to_string(), n(now)),
    ]);
    if let Some(signature) = &next.incomplete {
        head.insert("incomplete".into(), s(signature));
    }
    out.push(head);
    out
}

/// Alert state in a DynamoDB table (see the module's documentation).
pub struct DynamoAlertLedger {
    client: aws_sdk_dynamodb::Client,
    table: String,
    /// An SSM state to migrate from, read where the table has nothing for a report.
    legacy: Option<SsmAlertState>,
    /// Who holds leases taken by this process.
    owner: String,
    /// How long [`AlertStateStore::hold`] waits for another publisher's lease.
    wait: Duration,
}

impl DynamoAlertLedger {
    /// The ledger in `table`, migrating from `legacy` where the table has nothing yet.
    pub fn new(
        config: &SdkConfig,
        table: impl Into<String>,
        legacy: Option<SsmAlertState>,
    ) -> Self {
        let nanos = crate::clock::epoch_nanos();
        DynamoAlertLedger {
            client: aws_sdk_dynamodb::Client::new(config),
            table: table.into(),
            legacy,
            owner: format!("{}-{nanos:x}", std::process::id()),
            wait: Duration::from_secs(60),
        }
    }

    /// Every item of a report's partition (findings, head, lock).
    async fn partition_items(&self, key: &str) -> Result<Vec<Item>, PublishError> {
        let mut items = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(partition(key)))
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| failure("dynamodb", "Query", &e))?;
            items.extend(page.items.unwrap_or_default());
        }
        Ok(items)
    }

    /// Writes `items` 25 at a time, retrying what DynamoDB leaves unprocessed (throttled).
    async fn write_all(&self, items: Vec<Item>) -> Result<(), PublishError> {
        for batch in items.chunks(BATCH_WRITE) {
            let mut requests: Vec<WriteRequest> = batch
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .expect("an item is set");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            for attempt in 0..6u32 {
                let done = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(|e| failure("dynamodb", "BatchWriteItem", &e))?;
                requests = done
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                if attempt == 5 {
                    return Err(PublishError {
                        service: "dynamodb",
                        operation: "BatchWriteItem",
                        code: "UnprocessedItems".into(),
                        message: format!(
                            "{} items left unprocessed after 6 attempts",
                            requests.len()
                        ),
                    });
                }
                tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
            }
        }
        Ok(())
    }
}

impl AlertStateStore for DynamoAlertLedger {
    fn load<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<ReportState>, PublishError>> {
        Box::pin(async move {
            let items = self.partition_items(key).await?;
            let head = items.iter().find(|item| {
                item.get("sk")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some("#head")
            });
            if head.is_none() {
                if let Some(legacy) = &self.legacy {
                    let migrated = legacy.load(key).await?;
                    if migrated
                        .as_ref()
                        .is_some_and(|state| *state != ReportState::default())
                    {
                        tracing::info!(key, "alert state migrated from SSM to the findings ledger");
                    }
                    return Ok(migrated);
                }
            }
            let mut state = ReportState {
                incomplete: head
                    .and_then(|h| h.get("incomplete"))
                    .and_then(|v| v.as_s().ok())
                    .cloned(),
                ..Default::default()
            };
            for remembered in items.iter().filter_map(remembered_from_item) {
                state
                    .findings
                    .insert(remembered.fingerprint.clone(), remembered);
            }
            Ok(Some(state))
        })
    }

    fn save<'a>(
        &'a self,
        key: &'a str,
        state: &'a ReportState,
    ) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            let open = self.partition_items(key).await?;
            self.write_all(writes(key, &open, state, now_secs())).await
        })
    }

    fn keeps_first_sightings(&self) -> bool {
        true
    }

    fn keeps_attributions(&self) -> bool {
        true
    }

    fn hold<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            let started = std::time::Instant::now();
            for key in keys {
                loop {
                    let now = now_secs();
                    let taken = self
                        .client
                        .put_item()
                        .table_name(&self.table)
                        .item("pk", s(partition(key)))
                        .item("sk", s("#lock"))
                        .item("owner", s(&self.owner))
                        .item("lease_until", n(now + LEASE_SECS))
                        .item("expires_at", n(now + LEASE_SECS))
                        .condition_expression(
                            "attribute_not_exists(pk) OR lease_until < :now OR #owner = :me",
                        )
                        .expression_attribute_names("#owner", "owner")
                        .expression_attribute_values(":now", n(now))
                        .expression_attribute_values(":me", s(&self.owner))
                        .send()
                        .await;
                    match taken {
                        Ok(_) => break,
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(|s| s.is_conditional_check_failed_exception())
                                && started.elapsed() < self.wait =>
                        {
                            tracing::info!(key, "another publisher holds this report: waiting");
                            tokio::time::sleep(Duration::from_millis(250)).await;
                        }
                        Err(e) => return Err(failure("dynamodb", "PutItem", &e)),
                    }
                }
            }
            Ok(())
        })
    }

    fn release<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<(), PublishError>> {
        Box::pin(async move {
            for key in keys {
                let released = self
                    .client
                    .delete_item()
                    .table_name(&self.table)
                    .key("pk", s(partition(key)))
                    .key("sk", s("#lock"))
                    .condition_expression("#owner = :me")
                    .expression_attribute_names("#owner", "owner")
                    .expression_attribute_values(":me", s(&self.owner))
                    .send()
                    .await;
                match released {
                    Ok(_) => {}
                    // Already expired and taken by another: not ours to delete.
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|s| s.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(failure("dynamodb", "DeleteItem", &e)),
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    fn remembered(fingerprint: &str, identity: &str, first_seen: Option<u64>) -> Remembered {
        Remembered {
            fingerprint: fingerprint.into(),
            identity: identity.into(),
            severity: Severity::High,
            region: "us-east-1".into(),
            resource_type: ResourceKind::SecurityGroup,
            label: "drift sg-app-{env} properties.ingress".into(),
            first_seen,
            attribution: None,
            physical_id: Some("sg-0123".into()),
            arn: Some("arn:aws:ec2:us-east-1:123456789012:security-group/sg-0123".into()),
        }
    }

    fn state(findings: &[Remembered]) -> ReportState {
        ReportState {
            findings: findings
                .iter()
                .map(|r| (r.fingerprint.clone(), r.clone()))
                .collect(),
            incomplete: None,
        }
    }

    #[test]
    fn findings_round_trip_with_their_first_sighting() {
        let r = remembered("f1", "i1", Some(1_000));
        let item = finding_item("scan/prod", &r, 5_000);
        assert_eq!(item["pk"].as_s().unwrap(), "report#scan/prod");
        assert_eq!(item["sk"].as_s().unwrap(), "finding#f1");
        assert_eq!(remembered_from_item(&item), Some(r.clone()));
        // Never seen: first seen now.
        let fresh = finding_item("scan/prod", &remembered("f2", "i2", None), 5_000);
        assert_eq!(
            remembered_from_item(&fresh).unwrap().first_seen,
            Some(5_000)
        );
        // Resolved items are not open findings.
        let mut resolved = item.clone();
        resolved.insert("resolved_at".into(), n(6_000));
        assert_eq!(remembered_from_item(&resolved), None);
    }

    #[test]
    fn a_save_writes_only_what_changed_and_keeps_resolved_findings_to_expire() {
        let kept = remembered("f1", "i1", Some(1_000));
        let gone = remembered("f2", "i2", Some(2_000));
        let open = vec![
            finding_item("scan/prod", &kept, 1_000),
            finding_item("scan/prod", &gone, 2_000),
        ];
        // `kept` is still open (loaded without its age's change), `gone` resolved, `new` added.
        let new = remembered("f3", "i3", None);
        let next = state(&[kept.clone(), new]);
        let out = writes("scan/prod", &open, &next, 9_000);
        let sk = |item: &Item| item["sk"].as_s().unwrap().clone();
        let keys: Vec<String> = out.iter().map(sk).collect();
        assert_eq!(keys, ["finding#f2", "finding#f3", "#head"], "f1 unchanged");
        assert_eq!(out[0]["resolved_at"].as_n().unwrap(), "9000");
        assert_eq!(
            *out[0]["expires_at"].as_n().unwrap(),
            (9_000 + RESOLVED_TTL_SECS).to_string()
        );
        assert_eq!(
            out[0]["first_seen"].as_n().unwrap(),
            "2000",
            "kept as it was"
        );
        assert_eq!(out[1]["first_seen"].as_n().unwrap(), "9000");
        assert!(!out[2].contains_key("incomplete"));
        // A value change of the same identity keeps the age the engine carried over.
        let changed = remembered("f9", "i1", Some(1_000));
        let out = writes("scan/prod", &open, &state(&[changed]), 9_000);
        let put = out.iter().find(|i| sk(i) == "finding#f9").unwrap();
        assert_eq!(put["first_seen"].as_n().unwrap(), "1000");
    }

    #[test]
    fn an_attribution_is_kept_with_the_first_sighting_and_not_erased_by_a_later_scan() {
        let crate::model::attribution::Attribution::Attributed(change) =
            crate::report::fixtures::changed_by_hand()
        else {
            panic!("attributed")
        };
        let first = Remembered {
            attribution: Some(change.clone()),
            ..remembered("f1", "i1", Some(1_000))
        };
        let item = finding_item("scan/prod", &first, 1_000);
        assert_eq!(
            remembered_from_item(&item),
            Some(first.clone()),
            "round trip"
        );
        // Seen again without attribution: nothing to write, the stored one stays.
        let again = remembered("f1", "i1", Some(1_000));
        let out = writes(
            "scan/prod",
            std::slice::from_ref(&item),
            &state(&[again]),
            2_000,
        );
        assert!(
            out.iter().all(|i| i["sk"].as_s().unwrap() == "#head"),
            "{out:?}"
        );
        // An item whose attribution this version cannot read is still a finding.
        let mut odd = item.clone();
        odd.insert("attribution".into(), s("{not json"));
        assert_eq!(
            remembered_from_item(&odd).map(|r| r.attribution),
            Some(None)
        );
    }
}

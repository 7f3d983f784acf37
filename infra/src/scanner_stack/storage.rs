//! Where fanned-out runs keep their state: the run bucket (snapshots under `runs/`, encrypted,
//! versioned, public access blocked, TLS only, expiring after the retention) and the table of
//! run records and the findings ledger (encrypted with KMS, point-in-time recovery, TTL on
//! `expires_at`).

use aws_sdk_dynamodb::client::Waiters as _;
use aws_sdk_dynamodb::types as ddb;

use super::{Clients, ScannerSpec};
use crate::{call_error, Action, InfraError, Live, Recorder};

/// The table's TTL attribute (resolved findings, finished runs, leases).
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// The run bucket.
pub(super) async fn run_bucket(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    crate::bucket::converge(
        &c.s3,
        rec,
        &crate::bucket::SecureBucket {
            name: &spec.run_bucket,
            region: &spec.region,
            tags: vec![("ManagedBy".into(), "driftscan".into())],
            tls_only: true,
            expire: vec![("runs/".into(), spec.run_retention_days)],
            kms_key: None,
        },
    )
    .await
}

fn refused(e: impl std::fmt::Display) -> InfraError {
    InfraError::Refused(e.to_string())
}

/// The table, if it exists.
pub(super) async fn find_table(
    c: &Clients,
    spec: &ScannerSpec,
) -> Result<Option<ddb::TableDescription>, InfraError> {
    match c
        .dynamodb
        .describe_table()
        .table_name(&spec.table)
        .send()
        .await
    {
        Ok(found) => Ok(found.table),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(call_error("DescribeTable", &spec.table)(e)),
    }
}

/// The table: created with its keys, on-demand, KMS-encrypted; then TTL and point-in-time
/// recovery turned on where they are off.
pub(super) async fn table(
    c: &Clients,
    spec: &ScannerSpec,
    rec: &Recorder,
) -> Result<(), InfraError> {
    let name = &spec.table;
    let resource = format!("dynamodb-table {name}");
    let current = find_table(c, spec).await?;
    let live = Live::of(current.as_ref(), |table| {
        let encrypted = table
            .sse_description()
            .is_some_and(|d| d.status() == Some(&ddb::SseStatus::Enabled));
        match encrypted {
            true => Vec::new(),
            false => vec!["SSE-KMS".to_string()],
        }
    });
    let created = (
        "pk/sk, on demand, SSE-KMS".to_string(),
        create_table(c, name),
    );
    rec.converge(&resource, live, created, encrypt_table(c, name))
        .await?;
    let exists = current.is_some();
    if !(exists && ttl_on(c, name).await?) {
        let detail = format!("TTL on {TTL_ATTRIBUTE}");
        rec.change(Action::Update, &resource, detail, turn_ttl_on(c, name))
            .await?;
    }
    if !(exists && recovery_on(c, name).await?) {
        let detail = "point-in-time recovery on";
        rec.change(Action::Update, &resource, detail, turn_recovery_on(c, name))
            .await?;
    }
    Ok(())
}

/// Creates the table (pk/sk, on demand, SSE-KMS) and waits until it is active.
async fn create_table(c: &Clients, name: &str) -> Result<(), InfraError> {
    let key = |attribute: &str, kind: ddb::KeyType| {
        ddb::KeySchemaElement::builder()
            .attribute_name(attribute)
            .key_type(kind)
            .build()
            .map_err(refused)
    };
    let string = |attribute: &str| {
        ddb::AttributeDefinition::builder()
            .attribute_name(attribute)
            .attribute_type(ddb::ScalarAttributeType::S)
            .build()
            .map_err(refused)
    };
    c.dynamodb
        .create_table()
        .table_name(name)
        .key_schema(key("pk", ddb::KeyType::Hash)?)
        .key_schema(key("sk", ddb::KeyType::Range)?)
        .attribute_definitions(string("pk")?)
        .attribute_definitions(string("sk")?)
        .billing_mode(ddb::BillingMode::PayPerRequest)
        .sse_specification(
            ddb::SseSpecification::builder()
                .enabled(true)
                .sse_type(ddb::SseType::Kms)
                .build(),
        )
        .tags(
            ddb::Tag::builder()
                .key("ManagedBy")
                .value("driftscan")
                .build()
                .map_err(refused)?,
        )
        .send()
        .await
        .map_err(call_error("CreateTable", name))?;
    c.dynamodb
        .wait_until_table_exists()
        .table_name(name)
        .wait(std::time::Duration::from_secs(300))
        .await
        .map_err(|e| InfraError::Refused(format!("table {name} did not become active: {e}")))?;
    Ok(())
}

/// Turns SSE-KMS on.
async fn encrypt_table(c: &Clients, name: &str) -> Result<(), InfraError> {
    c.dynamodb
        .update_table()
        .table_name(name)
        .sse_specification(
            ddb::SseSpecification::builder()
                .enabled(true)
                .sse_type(ddb::SseType::Kms)
                .build(),
        )
        .send()
        .await
        .map_err(call_error("UpdateTable", name))?;
    Ok(())
}

/// Whether TTL is on, on the driftscan attribute.
async fn ttl_on(c: &Clients, name: &str) -> Result<bool, InfraError> {
    let ttl = c
        .dynamodb
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(call_error("DescribeTimeToLive", name))?;
    Ok(ttl.time_to_live_description().is_some_and(|d| {
        d.time_to_live_status() == Some(&ddb::TimeToLiveStatus::Enabled)
            && d.attribute_name() == Some(TTL_ATTRIBUTE)
    }))
}

/// Turns TTL on, on the driftscan attribute.
async fn turn_ttl_on(c: &Clients, name: &str) -> Result<(), InfraError> {
    c.dynamodb
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            ddb::TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(TTL_ATTRIBUTE)
                .build()
                .map_err(refused)?,
        )
        .send()
        .await
        .map_err(call_error("UpdateTimeToLive", name))?;
    Ok(())
}

/// Whether point-in-time recovery is on.
async fn recovery_on(c: &Clients, name: &str) -> Result<bool, InfraError> {
    let backups = c
        .dynamodb
        .describe_continuous_backups()
        .table_name(name)
        .send()
        .await
        .map_err(call_error("DescribeContinuousBackups", name))?;
    Ok(backups
        .continuous_backups_description()
        .and_then(|d| d.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        == Some(&ddb::PointInTimeRecoveryStatus::Enabled))
}

/// Turns point-in-time recovery on.
async fn turn_recovery_on(c: &Clients, name: &str) -> Result<(), InfraError> {
    c.dynamodb
        .update_continuous_backups()
        .table_name(name)
        .point_in_time_recovery_specification(
            ddb::PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .map_err(refused)?,
        )
        .send()
        .await
        .map_err(call_error("UpdateContinuousBackups", name))?;
    Ok(())
}

//! `--publish`: the same SNS alert and CloudWatch metrics the Lambda sends, from a CI job.

use scanner::config::MetricsMode;
use scanner::model::Report;
use scanner::publish::aws::AwsPublishers;

use crate::settings::Settings;

/// Publishes `reports` (one alert for all) with the config file's `publish` settings
/// (environment variables override them). Publishing that fails is an error: a gate must not
/// pass quietly without its alert.
/// Security Hub imports use the credentials `scans` (the environments' settings; with `aws`'s
/// options over them) gives each environment, as its scan did.
pub async fn publish(
    reports: &[Report],
    settings: &Settings,
    scans: &scanner::config::ConfigFile,
    aws: &crate::args::AwsArgs,
) -> anyhow::Result<()> {
    let quiet = settings.quiet;
    let mut settings = settings
        .file
        .publish
        .clone()
        .with_env(|name| std::env::var(name).ok())?;
    if settings.topic_arn.is_none()
        && settings.metrics == MetricsMode::Off
        && !settings.security_hub
    {
        anyhow::bail!(
            "--publish has nowhere to publish: set publish.topic_arn in the config file (or DRIFTSCAN_TOPIC_ARN), metrics, or security_hub (DRIFTSCAN_SECURITY_HUB=1)"
        );
    }
    // Without a topic to take the region from, state is kept in the first scanned region.
    if settings.region.is_none() && settings.topic_arn.is_none() {
        settings.region = aws.regions.first().cloned();
    }
    let overrides = crate::snapshot::overrides(aws);
    let publishers = AwsPublishers::connect(&settings, scans, &overrides).await;
    let timestamp_ms = scanner::clock::epoch_millis();
    let published =
        scanner::publish::publish(reports, &publishers.publisher(&settings), timestamp_ms)
            .await
            .map_err(|e| anyhow::anyhow!("publishing failed: {e}"))?;
    // Embedded Metric Format only means something in a Lambda's log; from the CLI it is shown.
    for line in &published.emf_lines {
        eprintln!("{line}");
    }
    if !quiet {
        match &published.subject {
            Some(subject) => eprintln!(
                "published alert \"{subject}\" ({} new, {} changed, {} resolved; {} bytes)",
                published.new, published.changed, published.resolved, published.alert_bytes
            ),
            None if settings.topic_arn.is_some() => {
                eprintln!("no alert: nothing new since the last one")
            }
            None => {}
        }
        if let Some(imported) = &published.security_hub {
            eprintln!(
                "imported into Security Hub: {} active, {} archived, in {} BatchImportFindings request(s)",
                imported.active, imported.archived, imported.requests
            );
        }
        if published.metric_calls > 0 {
            eprintln!(
                "published {} metric datums in {} PutMetricData call(s)",
                published.datums, published.metric_calls
            );
        }
    }
    Ok(())
}

//! `--publish`: the same SNS alert and CloudWatch metrics the Lambda sends, from a CI job.

use scanner::config::{ConfigFile, MetricsMode, PublishSettings};
use scanner::model::Report;
use scanner::publish::aws::AwsPublishers;
use scanner::publish::AlertStateStore;

use crate::settings::Settings;

/// `--publish`'s destinations, connected once with the config file's `publish` settings
/// (environment variables override them): before a live run, so that it takes attributions and
/// first sightings from the findings ledger rather than CloudTrail, and after it to publish.
pub struct Publishing {
    settings: PublishSettings,
    publishers: AwsPublishers,
    quiet: bool,
}

impl Publishing {
    /// Checks the settings (nowhere to publish is bad input, said before anything is read) and
    /// connects. Security Hub imports use the credentials `scans` (the environments' settings;
    /// with `aws`'s options over them) gives each environment, as its scan did.
    pub async fn connect(
        settings: &Settings,
        scans: &ConfigFile,
        aws: &crate::args::AwsArgs,
    ) -> anyhow::Result<Publishing> {
        let mut publish = settings
            .file
            .publish
            .clone()
            .with_env(|name| std::env::var(name).ok())?;
        if publish.topic_arn.is_none()
            && publish.metrics == MetricsMode::Off
            && !publish.security_hub
        {
            anyhow::bail!(
                "--publish has nowhere to publish: set publish.topic_arn in the config file (or DRIFTSCAN_TOPIC_ARN), metrics, or security_hub (DRIFTSCAN_SECURITY_HUB=1)"
            );
        }
        // Without a topic to take the region from, state is kept in the first scanned region.
        if publish.region.is_none() && publish.topic_arn.is_none() {
            publish.region = aws.regions.first().cloned();
        }
        let overrides = crate::snapshot::overrides(aws);
        let publishers = AwsPublishers::connect(&publish, scans, &overrides).await;
        Ok(Publishing {
            settings: publish,
            publishers,
            quiet: settings.quiet,
        })
    }

    /// Where alerted findings are remembered, for the run to recall from.
    pub fn alert_state(&self) -> Option<&dyn AlertStateStore> {
        self.publishers.alert_state()
    }

    /// Publishes `reports` (one alert for all). Publishing that fails is an error: a gate must
    /// not pass quietly without its alert.
    pub async fn publish(&self, reports: &[Report]) -> anyhow::Result<()> {
        let settings = &self.settings;
        let timestamp_ms = scanner::clock::epoch_millis();
        let publisher = self.publishers.publisher(settings);
        let published = scanner::publish::publish(reports, &publisher, timestamp_ms)
            .await
            .map_err(|e| anyhow::anyhow!("publishing failed: {e}"))?;
        // Embedded Metric Format only means something in a Lambda's log; from the CLI it is
        // shown.
        for line in &published.emf_lines {
            eprintln!("{line}");
        }
        if !self.quiet {
            self.say(&published);
        }
        Ok(())
    }

    /// What publishing did, on standard error.
    fn say(&self, published: &scanner::publish::Published) {
        match &published.subject {
            Some(subject) => eprintln!(
                "published alert \"{subject}\" ({} new, {} changed, {} resolved; {} bytes)",
                published.new, published.changed, published.resolved, published.alert_bytes
            ),
            None if self.settings.topic_arn.is_some() => {
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
}

/// Connects `--publish` when it is asked for.
pub async fn connect_if(
    asked: bool,
    settings: &Settings,
    scans: &ConfigFile,
    aws: &crate::args::AwsArgs,
) -> anyhow::Result<Option<Publishing>> {
    match asked {
        true => Ok(Some(Publishing::connect(settings, scans, aws).await?)),
        false => Ok(None),
    }
}

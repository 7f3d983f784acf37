//! `driftscan-infra`: provisions reference-platform environments with AWS SDK calls.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use infra::EnvironmentSpec;

/// Provisions the reference platform's environments (VPC, ECS, Aurora, SSM) with AWS SDK calls.
/// AWS credentials and endpoints come from the standard chain (AWS_PROFILE, AWS_ENDPOINT_URL, ...).
#[derive(Debug, Parser)]
#[command(name = "driftscan-infra", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create an environment (dev, staging or prod) in its reference region.
    Apply {
        /// The environment.
        #[arg(long = "env", value_name = "NAME")]
        environment: String,
        /// Create it in this region instead of the reference one.
        #[arg(long)]
        region: Option<String>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DRIFTSCAN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new();
    let result = runtime
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("driftscan-infra: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Apply {
            environment,
            region,
        } => {
            let spec = EnvironmentSpec::reference(&environment, region.as_deref())?;
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            let created = infra::apply(&config, &spec).await?;
            eprintln!(
                "created {} in {}: {} (vpc {}), cluster {}, service {}, Aurora {}",
                spec.name,
                spec.region,
                format_args!("10.{}.0.0/16", spec.cidr_octet),
                created.vpc_id,
                created.cluster,
                created.service,
                created.db_cluster
            );
            Ok(())
        }
    }
}

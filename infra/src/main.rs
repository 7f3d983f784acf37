//! `driftscan-infra`: provisions reference-platform environments with AWS SDK calls.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use infra::{EnvironmentSpec, Mode};

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
    /// Converge an environment (dev, staging, prod, or a preview pr-<n> in dev's VPC) to its
    /// spec: create what is missing, update what differs, touch nothing else. Also the
    /// remediation for the drift `driftscan scan` reports.
    Apply(Target),
    /// Print what `apply` would change, changing nothing.
    Plan(Target),
    /// Remove an environment's resources in dependency order (a preview leaves dev's VPC).
    Destroy {
        #[command(flatten)]
        target: Target,
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, clap::Args)]
struct Target {
    /// The environment.
    #[arg(long = "env", value_name = "NAME")]
    environment: String,
    /// Its region, instead of the reference one.
    #[arg(long)]
    region: Option<String>,
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
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let (changes, verb) = match cli.command {
        Command::Apply(target) => {
            let spec = EnvironmentSpec::reference(&target.environment, target.region.as_deref())?;
            let applied = infra::converge(&config, &spec, Mode::Apply).await?;
            (
                applied.changes,
                format!("applied to {} in {}", spec.name, spec.region),
            )
        }
        Command::Plan(target) => {
            let spec = EnvironmentSpec::reference(&target.environment, target.region.as_deref())?;
            let changes = infra::plan(&config, &spec).await?;
            (
                changes,
                format!("planned for {} in {}", spec.name, spec.region),
            )
        }
        Command::Destroy { target, dry_run } => {
            let spec = EnvironmentSpec::reference(&target.environment, target.region.as_deref())?;
            let mode = if dry_run { Mode::Plan } else { Mode::Apply };
            let changes = infra::destroy(&config, &spec, mode).await?;
            let verb = if dry_run {
                "would be removed"
            } else {
                "removed"
            };
            (
                changes,
                format!("{verb} from {} in {}", spec.name, spec.region),
            )
        }
    };
    for change in &changes {
        println!("{change}");
    }
    eprintln!("{} change(s) {verb}", changes.len());
    Ok(())
}

//! `driftscan-infra`: provisions reference-platform environments with AWS SDK calls.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

use infra::{EnvironmentSpec, Mode, ScannerSpec};

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
    /// spec, or with --scanner driftscan's own stack: create what is missing, update what
    /// differs, touch nothing else. Also the remediation for the drift `driftscan scan` reports.
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
    #[arg(
        long = "env",
        value_name = "NAME",
        required_unless_present = "scanner",
        conflicts_with = "scanner"
    )]
    environment: Option<String>,
    /// Its region, instead of the reference one (the scanner stack's: default us-east-1).
    #[arg(long)]
    region: Option<String>,
    /// driftscan's own stack: SNS topic, IAM role and policy, the Lambda function, EventBridge
    /// rules, CloudWatch dashboard and alarm.
    #[arg(long)]
    scanner: bool,
    /// The Lambda package for --scanner (from scripts/package-lambda.sh).
    #[arg(long, value_name = "ZIP", requires = "scanner")]
    package: Option<PathBuf>,
    /// An email address to subscribe to the alerts (--scanner).
    #[arg(long, value_name = "ADDRESS", requires = "scanner")]
    email: Option<String>,
    /// Baseline directory: `<env>.yaml` there pins what is built (sizes, counts, ranges,
    /// retention, parameters); previews without one use the reference spec.
    #[arg(long, value_name = "DIR", default_value = "baselines")]
    baselines: PathBuf,
}

impl Target {
    fn environment(&self) -> anyhow::Result<EnvironmentSpec> {
        let name = self.environment.as_deref().context("--env is required")?;
        let file = self.baselines.join(format!("{name}.yaml"));
        if !file.is_file() {
            return Ok(EnvironmentSpec::reference(name, self.region.as_deref())?);
        }
        let baseline = scanner::baseline::Baseline::load(&self.baselines, name)?;
        Ok(EnvironmentSpec::from_baseline(
            &baseline,
            self.region.as_deref(),
        )?)
    }

    async fn scanner(&self, config: &aws_config::SdkConfig) -> anyhow::Result<ScannerSpec> {
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let identity = aws_sdk_sts::Client::new(config)
            .get_caller_identity()
            .send()
            .await
            .context("sts:GetCallerIdentity (for the account id in ARNs)")?;
        let account = identity
            .account()
            .context("no account in the caller identity")?;
        let package = match &self.package {
            Some(path) => path.clone(),
            None => PathBuf::from(
                std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()),
            )
            .join("lambda/driftscan-lambda/bootstrap.zip"),
        };
        let mut spec = ScannerSpec::reference(&region, account, package);
        spec.email = self.email.clone();
        Ok(spec)
    }
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
        Command::Apply(target) if target.scanner => {
            let spec = target.scanner(&config).await?;
            let changes = infra::converge_scanner(&config, &spec, Mode::Apply).await?;
            (
                changes,
                format!("applied to the scanner stack in {}", spec.region),
            )
        }
        Command::Plan(target) if target.scanner => {
            let spec = target.scanner(&config).await?;
            let changes = infra::converge_scanner(&config, &spec, Mode::Plan).await?;
            (
                changes,
                format!("planned for the scanner stack in {}", spec.region),
            )
        }
        Command::Apply(target) => {
            let spec = target.environment()?;
            let applied = infra::converge(&config, &spec, Mode::Apply).await?;
            (
                applied.changes,
                format!("applied to {} in {}", spec.name, spec.region),
            )
        }
        Command::Plan(target) => {
            let spec = target.environment()?;
            let changes = infra::plan(&config, &spec).await?;
            (
                changes,
                format!("planned for {} in {}", spec.name, spec.region),
            )
        }
        Command::Destroy { target, dry_run } => {
            anyhow::ensure!(
                !target.scanner,
                "destroy --scanner is not supported yet: remove the stack by hand"
            );
            let spec = target.environment()?;
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

//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Drift detection and compliance scanning for AWS environments.
#[derive(Debug, Parser)]
#[command(name = "driftscan", version, about, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Config file (default: ./driftscan.yaml when it exists).
    #[arg(long, global = true, env = "DRIFTSCAN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// No progress bar and no summary on standard error.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// More log output on standard error (-v info, -vv debug, -vvv trace); DRIFTSCAN_LOG takes
    /// a tracing filter too.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Snapshot an environment's live VPC, ECS, Aurora/RDS and SSM state as JSON.
    ///
    /// Exit status: 0 when every read succeeded, 2 when anything could not be read (the
    /// snapshot is still written, marked incomplete, with what failed) or on error.
    Snapshot(SnapshotArgs),
}

/// Options shared by every command that reads live AWS state.
#[derive(Debug, Args, Clone)]
pub struct AwsArgs {
    /// Region to scan; repeat for several (default: from the config file, else AWS_REGION).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Named AWS profile (default: AWS_PROFILE, else the default chain).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// IAM role to assume for the scan (read-only access in the environment's account).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// Tag whose value names the environment (default: Environment).
    #[arg(long, value_name = "KEY")]
    pub tag_key: Option<String>,
    /// SSM path to read recursively, `{env}` standing for the environment; repeat for several
    /// (default: /{env}/ and /shared/).
    #[arg(long = "ssm-path", value_name = "PATH")]
    pub ssm_paths: Vec<String>,
    /// Attempts per API call, the first included (SDK standard retry mode; default 5).
    #[arg(long, value_name = "N")]
    pub max_attempts: Option<u32>,
    /// (region, service) reads in flight at once (default 8).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Limit on one API call, retries included, in seconds (default 60).
    #[arg(long, value_name = "SECONDS")]
    pub operation_timeout: Option<u64>,
    /// Record an HMAC-SHA256 digest of each SecureString value, keyed by the secret in
    /// DRIFTSCAN_SECURE_DIGEST_KEY (at least 16 bytes), so equality can be checked without the
    /// value. Needs kms:Decrypt. Without it no SecureString value is ever requested.
    #[arg(long)]
    pub secure_digest: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// The environment to snapshot (dev, staging, prod, pr-42, ...).
    #[arg(long = "env", value_name = "NAME")]
    pub environment: String,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Write the snapshot to FILE (atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

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
    /// Colour in text reports on standard output: `auto` (on a terminal, unless NO_COLOR is
    /// set; CLICOLOR_FORCE forces it), `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
    /// Whole values in the text parity matrix's cells, rather than what each environment adds
    /// (`+ tcp 5432 from 0.0.0.0/0`) or lacks, cut to fit.
    #[arg(long, global = true)]
    pub wide: bool,
}

/// When text reports are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, following NO_COLOR, CLICOLOR and CLICOLOR_FORCE.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Whether text written to standard output is coloured.
    pub fn for_stdout(self) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Snapshot an environment's live VPC, load balancer, ECS, Aurora/RDS, S3 and SSM state as JSON.
    ///
    /// Exit status: 0 when every read succeeded, 2 when anything could not be read (the
    /// snapshot is still written, marked incomplete, with what failed) or on error.
    Snapshot(SnapshotArgs),
    /// Check an environment against its baseline and compliance rules: the pre-deploy gate.
    ///
    /// Exit status: 0 no finding at or above --fail-on; 1 findings at or above it; 2 the scan
    /// could not be completed (never reported as clean) or the input was invalid.
    Scan(ScanArgs),
    /// Compare two environments (or two snapshots of one) after normalization: physical ids,
    /// account ids, revisions and the environments' own names and VPC ranges are set aside, and
    /// the differences the baselines declare (sizes, counts, image lines) are expected.
    ///
    /// Exit status as for `scan`: 0, 1 (differences at or above --fail-on), 2 (incomplete or
    /// invalid input).
    Compare(CompareArgs),
    /// Manage baselines.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// Check baselines and the config file without calling AWS: YAML, keys, property names,
    /// matchers, patterns, compliance rule settings. Exit status 0 when all are valid, 2 with
    /// the first problem's file, line and column.
    Validate(ValidateArgs),
    /// Print the read-only IAM policy a scan needs (from the collectors' own read actions): what
    /// to attach to a role before the first scan against a real account.
    IamPolicy(IamPolicyArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the same definitions as --help.
    Man,
    /// List the preview environments (`pr-<n>`, `previews:` in driftscan.yaml) in the parent
    /// environment's account and region: each one's resources, age, pull request state and
    /// estimated monthly cost, the stale ones (pull request closed, or older than
    /// `max_age_days`) with the command that removes them (printed, never run), and parts of
    /// previews left without the rest.
    ///
    /// Exit status: 0; 1 with --fail-on-stale when a preview is stale; 2 when something could
    /// not be read (the list, costs and orphans are then incomplete, never "no leftovers") or
    /// the input was invalid.
    Previews(PreviewsArgs),
    /// Print the JSON Schema of driftscan.yaml (`config`) or of a baseline file (`baseline`),
    /// for editors; the repository's schemas/ holds both.
    Schema {
        /// Which file's schema.
        #[arg(value_enum)]
        of: SchemaOf,
    },
}

/// The files `driftscan schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaOf {
    /// driftscan.yaml.
    Config,
    /// A baseline file.
    Baseline,
}

/// `driftscan validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Baseline directory or file (default: ./baselines).
    #[arg(long, value_name = "DIR", default_value = "baselines")]
    pub baselines: PathBuf,
}

/// `driftscan iam-policy`.
#[derive(Debug, Args)]
pub struct IamPolicyArgs {
    /// Also allow `kms:Decrypt` through SSM, which `--secure-digest` needs to digest
    /// SecureString values.
    #[arg(long)]
    pub secure_digest: bool,
}

#[derive(Debug, Subcommand)]
pub enum BaselineCommand {
    /// Write a baseline from the live environment (or a saved snapshot), to adopt driftscan on
    /// existing infrastructure and then edit the result.
    Capture(CaptureArgs),
    /// Write a baseline from infrastructure code's own state: a Pulumi stack export or a
    /// Terraform state (local or in its S3 backend). What the tools keep secret is never read.
    Import(ImportArgs),
}

/// `driftscan baseline import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The environment the states describe.
    #[arg(long = "env", value_name = "NAME")]
    pub environment: String,
    /// A state: `pulumi:<stack export>`, `tfstate:<file>` or `tfstate+s3://<bucket>/<key>`;
    /// repeat to combine several (a network stack and an app stack are one environment).
    #[arg(long, value_name = "SOURCE", required = true)]
    pub from: Vec<scanner::iac::Source>,
    /// Write to this file, or to <env>.yaml in this directory (default: standard output).
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing baseline file.
    #[arg(long)]
    pub force: bool,
    /// Named AWS profile, for a state in S3.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// Region of the S3 state bucket (default: AWS_REGION).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
}

/// Where the state to check comes from.
#[derive(Debug, Args)]
pub struct StateArgs {
    /// The environment (dev, staging, prod, pr-42, ...). Optional with --from-snapshot.
    #[arg(long = "env", value_name = "NAME")]
    pub environment: Option<String>,
    /// Read a snapshot saved by `driftscan snapshot` instead of scanning live (offline); `-`
    /// reads standard input.
    #[arg(long, value_name = "FILE")]
    pub from_snapshot: Option<PathBuf>,
    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Baseline directory (holding <env>.yaml) or file.
    #[arg(long, value_name = "PATH", default_value = "baselines")]
    pub baselines: PathBuf,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = parse_format)]
    pub format: scanner::report::Format,
    /// Lowest severity that fails the gate (exit 1), or `never`.
    #[arg(long, value_name = "SEVERITY", default_value = "high", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// Only findings of rules that implement a control of this standard fail the gate (`fsbp`:
    /// AWS Foundational Security Best Practices; `cis`: CIS AWS Foundations Benchmark v3.0.0);
    /// --fail-on still sets the severity.
    #[arg(long, value_name = "STANDARD")]
    pub standard: Option<scanner::rules::controls::Standard>,
    /// Where the report goes; repeat for several from one run: `FORMAT=FILE` (`sarif=r.sarif`,
    /// `junit=-` for standard output), a bare format (`text`) for standard output, or a FILE in
    /// --format. Files are written atomically. Default: --format on standard output.
    #[arg(long, short, value_name = "[FORMAT=]FILE")]
    pub output: Vec<OutputTarget>,
    /// Also publish the SNS alert (what is new since the last alert) and the CloudWatch
    /// metrics, as the Lambda does; settings from the config file's `publish` section.
    #[arg(long)]
    pub publish: bool,
    /// Use infrastructure code's state as the baseline (`pulumi:<stack export>`,
    /// `tfstate:<file>`, `tfstate+s3://<bucket>/<key>`; repeatable) instead of --baselines'
    /// resources; the compliance rules, ignores and unmanaged settings of --baselines still
    /// apply where it has a baseline for the environment.
    #[arg(long, value_name = "SOURCE")]
    pub from: Vec<scanner::iac::Source>,
    /// With --from: report only what no state manages (by id) and what a state declares that
    /// is gone, as driftctl did.
    #[arg(long, requires = "from")]
    pub unmanaged: bool,
    /// Every environment of driftscan.yaml's `accounts`, `organization` and `environments`,
    /// each in its account (its role assumed once) and regions: a report each and an
    /// organization summary.
    #[arg(long, conflicts_with_all = ["environment", "from_snapshot", "from", "role_arn"])]
    pub all: bool,
    /// With --all: environments snapshotted at once (each keeps its own --concurrency).
    #[arg(long, value_name = "N", default_value_t = scanner::run::DEFAULT_PARALLEL, value_parser = parse_parallel)]
    pub parallel: usize,
    #[command(flatten)]
    pub attribution: AttributeArgs,
}

/// `--attribute` and `--no-attribute`, for `scan` and `compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct AttributeArgs {
    /// Say who changed each drifted (or, comparing, differing) resource, when and how: one
    /// CloudTrail `LookupEvents` per resource (`cloudtrail:LookupEvents`, at most 2 per second
    /// per account and region); comparing, in each environment that disagrees. A lookup that
    /// fails leaves its findings unattributed with the reason; the run stays complete.
    #[arg(
        long,
        overrides_with = "no_attribute",
        conflicts_with = "from_snapshot"
    )]
    pub attribute: bool,
    /// Do not attribute findings (the default; overrides an earlier --attribute).
    #[arg(long, overrides_with = "attribute")]
    pub no_attribute: bool,
}

impl AttributeArgs {
    /// What the run attributes: lookups with --attribute.
    pub fn request(&self) -> scanner::run::AttributionRequest {
        scanner::run::AttributionRequest {
            changes: vec![],
            lookup: self.attribute && !self.no_attribute,
        }
    }
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The environments: two for a pairwise comparison (A then B), three or more for a parity
    /// matrix (optional with --from-snapshot).
    #[arg(value_name = "ENV")]
    pub environments: Vec<String>,
    /// Compare saved snapshots instead of scanning live: once per environment, in order.
    #[arg(long, value_name = "FILE", num_args = 1)]
    pub from_snapshot: Vec<PathBuf>,
    /// With three or more environments: name the differences against this environment's
    /// values instead of the majority's.
    #[arg(long, value_name = "ENV")]
    pub reference: Option<String>,
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Baseline directory: `<env>.yaml` files there declare the expected differences.
    #[arg(long, value_name = "DIR", default_value = "baselines")]
    pub baselines: PathBuf,
    /// Also report the expected differences (at `info`).
    #[arg(long)]
    pub show_expected: bool,
    /// An environment's infrastructure-code state, `ENV=SOURCE` (`staging=pulumi:staging.json`,
    /// `prod=tfstate:prod.tfstate`); repeatable. With both environments' states given,
    /// resources are matched by the state's own identity (the URN's name, the Terraform
    /// address) before their names.
    #[arg(long, value_name = "ENV=SOURCE", value_parser = parse_env_source)]
    pub from: Vec<(String, scanner::iac::Source)>,
    /// Output format.
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = parse_format)]
    pub format: scanner::report::Format,
    /// Lowest severity that fails the gate (exit 1), or `never`.
    #[arg(long, value_name = "SEVERITY", default_value = "medium", value_parser = parse_fail_on)]
    pub fail_on: FailOn,
    /// As for `scan --standard` (differences between environments implement no control).
    #[arg(long, value_name = "STANDARD")]
    pub standard: Option<scanner::rules::controls::Standard>,
    /// Where the report goes; repeatable, as for `scan --output`.
    #[arg(long, short, value_name = "[FORMAT=]FILE")]
    pub output: Vec<OutputTarget>,
    /// Also publish the SNS alert and the CloudWatch metrics (see `scan --publish`).
    #[arg(long)]
    pub publish: bool,
    #[command(flatten)]
    pub attribution: AttributeArgs,
    /// Every environment of driftscan.yaml's `accounts`, `organization` and `environments` in
    /// one parity matrix.
    #[arg(long, conflicts_with_all = ["environments", "from_snapshot", "from", "role_arn"])]
    pub all: bool,
    /// With --all: environments snapshotted at once.
    #[arg(long, value_name = "N", default_value_t = scanner::run::DEFAULT_PARALLEL, value_parser = parse_parallel)]
    pub parallel: usize,
}

#[derive(Debug, Args)]
pub struct CaptureArgs {
    #[command(flatten)]
    pub state: StateArgs,
    /// Write to this file, or to <env>.yaml in this directory (default: standard output).
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing baseline file.
    #[arg(long)]
    pub force: bool,
}

fn parse_env_source(text: &str) -> Result<(String, scanner::iac::Source), String> {
    let (env, source) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}`: expected ENV=SOURCE (staging=pulumi:stack.json)"))?;
    let source = source
        .parse()
        .map_err(|e: scanner::iac::IacError| e.to_string())?;
    Ok((env.to_string(), source))
}

/// The gate's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Fail on findings at or above this severity.
    AtLeast(scanner::model::Severity),
    /// Fail on findings at or above this severity of rules that implement a control of the
    /// standard (`--standard`).
    AtLeastUnder(scanner::model::Severity, scanner::rules::controls::Standard),
    /// Never fail on findings (an incomplete scan still exits 2).
    Never,
}

impl FailOn {
    /// This threshold, held to `standard`'s controls when one is given.
    pub fn under(self, standard: Option<scanner::rules::controls::Standard>) -> FailOn {
        match (self, standard) {
            (FailOn::AtLeast(severity), Some(standard)) => FailOn::AtLeastUnder(severity, standard),
            (other, _) => other,
        }
    }
}

/// One place a report goes: a format, and a file (`None`: standard output).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTarget {
    /// The format; `None` takes `--format`'s.
    pub format: Option<scanner::report::Format>,
    /// The file; `None` (or `-`) is standard output.
    pub path: Option<PathBuf>,
}

impl std::str::FromStr for OutputTarget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.is_empty() {
            return Err("an empty output; give FORMAT=FILE, FORMAT or FILE".into());
        }
        let path = |p: &str| (p != "-").then(|| PathBuf::from(p));
        if let Some((format, file)) = s.split_once('=') {
            if let Ok(format) = format.parse() {
                if file.is_empty() {
                    return Err(format!("`{s}` names no file (use `-` for standard output)"));
                }
                return Ok(OutputTarget {
                    format: Some(format),
                    path: path(file),
                });
            }
        }
        Ok(match s.parse() {
            Ok(format) => OutputTarget {
                format: Some(format),
                path: None,
            },
            Err(_) => OutputTarget {
                format: None,
                path: path(s),
            },
        })
    }
}

fn parse_parallel(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(n @ 1..=64) => Ok(n),
        _ => Err(format!(
            "`{s}`: expected a number of environments from 1 to 64"
        )),
    }
}

fn parse_format(s: &str) -> Result<scanner::report::Format, String> {
    s.parse()
}

fn parse_fail_on(s: &str) -> Result<FailOn, String> {
    match s {
        "never" => Ok(FailOn::Never),
        other => other
            .parse()
            .map(FailOn::AtLeast)
            .map_err(|e: String| format!("{e}, or never")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use scanner::report::Format;

    #[test]
    fn output_targets() {
        let target = |s: &str| s.parse::<OutputTarget>();
        assert_eq!(
            target("sarif=r.sarif"),
            Ok(OutputTarget {
                format: Some(Format::Sarif),
                path: Some("r.sarif".into())
            })
        );
        assert_eq!(
            target("text"),
            Ok(OutputTarget {
                format: Some(Format::Text),
                path: None
            })
        );
        assert_eq!(
            target("junit=-"),
            Ok(OutputTarget {
                format: Some(Format::Junit),
                path: None
            })
        );
        assert_eq!(
            target("report.txt"),
            Ok(OutputTarget {
                format: None,
                path: Some("report.txt".into())
            })
        );
        assert_eq!(
            target("-"),
            Ok(OutputTarget {
                format: None,
                path: None
            })
        );
        assert_eq!(
            target("a=b.txt"),
            Ok(OutputTarget {
                format: None,
                path: Some("a=b.txt".into())
            }),
            "not a format: a file name with `=`"
        );
        assert!(target("json=").is_err());
        assert!(target("").is_err());
    }
}

/// `driftscan previews`.
#[derive(Debug, clap::Args)]
pub struct PreviewsArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The open pull requests, from a file or `-` (standard input): the JSON
    /// `gh pr list --state open --json number` prints, or one number per line. Without it
    /// every preview's pull request state is unknown, and only age makes one stale.
    #[arg(long, value_name = "FILE|-")]
    pub open_prs: Option<PathBuf>,
    /// Exit 1 when a preview is stale.
    #[arg(long)]
    pub fail_on_stale: bool,
    /// Judge ages as of this day (YYYY-MM-DD) instead of today: what will be stale by then.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Prices to estimate with (YAML, the shape of the shipped table), instead of the shipped
    /// ones.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// Output format: text, json or markdown (a pull-request or issue comment).
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = parse_format)]
    pub format: scanner::report::Format,
    /// Where the list goes (default: standard output); written atomically.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Preview snapshots read at once.
    #[arg(long, value_name = "N", default_value_t = scanner::run::DEFAULT_PARALLEL, value_parser = parse_parallel)]
    pub parallel: usize,
}

//! `driftscan-infra`: provisions reference-platform environments with AWS SDK calls.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use infra::{Action, Change, DestroyOptions, EnvironmentSpec, Mode, ScannerSpec};

/// Provisions the reference platform's environments (VPC, ECS, Aurora, SSM) with AWS SDK calls.
/// AWS credentials and endpoints come from the standard chain (AWS_PROFILE, AWS_ENDPOINT_URL, ...).
///
/// Exit codes: 0 done; 2 error (with `plan --detailed-exitcode`, Terraform's: 0 no changes,
/// 1 error, 2 changes).
#[derive(Debug, Parser)]
#[command(name = "driftscan-infra", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    aws: AwsArgs,
}

#[derive(Debug, Args)]
struct AwsArgs {
    /// Named AWS profile (default: AWS_PROFILE, else the default chain).
    #[arg(long, value_name = "NAME", global = true)]
    profile: Option<String>,
    /// IAM role to assume for every call (provisioning access in the environment's account).
    #[arg(long, value_name = "ARN", global = true)]
    role_arn: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Converge an environment (dev, staging, prod, or a preview pr-<n> in dev's VPC) to its
    /// spec, or with --scanner driftscan's own stack: create what is missing, update what
    /// differs, touch nothing else. Also the remediation for the drift `driftscan scan` reports.
    Apply {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        output: Output,
    },
    /// Print what `apply` would change, changing nothing.
    Plan {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        output: Output,
        /// Terraform's exit codes: 0 no changes, 1 error, 2 changes to make.
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Remove an environment's resources in dependency order (a preview leaves dev's VPC), or
    /// with --scanner driftscan's own stack. Shows the plan and asks for the environment's name
    /// to be typed; without a terminal it refuses unless --yes is given.
    Destroy {
        #[command(flatten)]
        target: Target,
        #[command(flatten)]
        output: Output,
        /// Only print what would be removed.
        #[arg(long)]
        dry_run: bool,
        /// Destroy without asking (what a pipeline with no terminal must say).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Also destroy a protected environment: prod, or one whose baseline keeps its database
        /// under deletion protection.
        #[arg(long)]
        force_protected: bool,
        /// Delete the Aurora cluster without the final snapshot otherwise taken (its data is
        /// then gone for good).
        #[arg(long)]
        skip_final_snapshot: bool,
    },
}

#[derive(Debug, Args)]
struct Output {
    /// Print the changes as one JSON document (for machines) instead of lines.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
struct Target {
    /// The environment.
    #[arg(
        long = "env",
        value_name = "NAME",
        required_unless_present_any = ["scanner", "member_roles"],
        conflicts_with_all = ["scanner", "member_roles"]
    )]
    environment: Option<String>,
    /// The read-only role driftscan assumes in each member account of driftscan.yaml's
    /// `accounts` (and `organization`), trusted by the scanner stack's role only; created
    /// through --via-role in each account.
    #[arg(long, conflicts_with = "scanner")]
    member_roles: bool,
    /// With --member-roles: the administrative role to assume in each member account to
    /// create it (the one AWS Organizations creates in new accounts by default).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole",
        requires = "member_roles"
    )]
    via_role: String,
    /// driftscan's config file: its `accounts` and `organization` give --member-roles their
    /// accounts and --scanner the roles its function may assume.
    #[arg(long, value_name = "FILE", default_value = "driftscan.yaml")]
    config: PathBuf,
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
    /// An existing S3 bucket in the stack's region where the function keeps each run's HTML
    /// reports (under `reports/`) and the alert links to them (--scanner).
    #[arg(long, value_name = "BUCKET", requires = "scanner")]
    report_bucket: Option<String>,
    /// Work items the function works at once, at most (--scanner): the work queue's maximum
    /// concurrency, 2 to 1000 as AWS allows; the function reserves 3 more (dead letters, the
    /// schedule and change events).
    #[arg(long, value_name = "N", requires = "scanner", default_value_t = infra::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(i32).range(2..=1000))]
    concurrency: i32,
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
        // STS in the stack's region: without AWS_REGION the base config has none to sign for.
        let config = config
            .to_builder()
            .region(aws_config::Region::new(region.clone()))
            .build();
        let identity = aws_sdk_sts::Client::new(&config)
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
        if let Some(bucket) = &self.report_bucket {
            // The function's own check of the name, before anything is deployed with it.
            scanner::config::PublishSettings {
                report_bucket: Some(bucket.clone()),
                ..Default::default()
            }
            .with_env(|_| None)?;
        }
        spec.report_bucket = self.report_bucket.clone();
        spec.concurrency = self.concurrency;
        let accounts = self.driftscan_config()?;
        spec.member_roles = accounts.accounts.iter().map(|a| a.role_arn()).collect();
        spec.security_hub = accounts
            .publish
            .clone()
            .with_env(|name| std::env::var(name).ok())?
            .security_hub;
        spec.organization_role = accounts.organization.as_ref().map(|o| o.role.clone());
        Ok(spec)
    }

    /// driftscan.yaml, when there is one (an empty configuration otherwise).
    fn driftscan_config(&self) -> anyhow::Result<scanner::config::ConfigFile> {
        if self.config.is_file() {
            Ok(scanner::config::ConfigFile::load(&self.config)?)
        } else {
            Ok(scanner::config::ConfigFile::default())
        }
    }

    /// The member roles to converge: one per account of driftscan.yaml (and its organization),
    /// trusted by the scanner stack's role in the caller's account; with credentials in each
    /// account through --via-role.
    async fn member_roles(
        &self,
        config: &aws_config::SdkConfig,
    ) -> anyhow::Result<Vec<(aws_config::SdkConfig, infra::member_roles::MemberRoleSpec)>> {
        let region = self.region.clone().unwrap_or_else(|| "us-east-1".into());
        let config = config
            .to_builder()
            .region(aws_config::Region::new(region))
            .build();
        let file = self.driftscan_config()?;
        let (file, _) = scanner::org::with_organization(file, &config).await?;
        let imports_findings = file
            .publish
            .clone()
            .with_env(|name| std::env::var(name).ok())?
            .security_hub;
        anyhow::ensure!(
            !file.accounts.is_empty(),
            "--member-roles: {} lists no accounts (accounts: or organization:)",
            self.config.display()
        );
        let identity = aws_sdk_sts::Client::new(&config)
            .get_caller_identity()
            .send()
            .await
            .context("sts:GetCallerIdentity (the scanner stack's account)")?;
        let scanner_account = identity
            .account()
            .context("no account in the caller identity")?;
        let scanner_role = format!(
            "arn:aws:iam::{scanner_account}:role/{}",
            ScannerSpec::reference("us-east-1", scanner_account, PathBuf::new()).role
        );
        let mut out = Vec::new();
        for account in &file.accounts {
            let admin = format!("arn:aws:iam::{}:role/{}", account.id, self.via_role);
            let member = scanner::aws::assume_role(config.clone(), &admin, "driftscan-infra").await;
            out.push((
                member,
                infra::member_roles::MemberRoleSpec::for_account(
                    account,
                    &scanner_role,
                    imports_findings,
                ),
            ));
        }
        Ok(out)
    }
}

/// How a run ended, for the exit code.
enum Outcome {
    /// Done (or nothing to do).
    Done,
    /// `plan --detailed-exitcode` found changes to make.
    ChangesPending,
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
    let detailed = matches!(
        cli.command,
        Command::Plan {
            detailed_exitcode: true,
            ..
        }
    );
    let runtime = tokio::runtime::Runtime::new();
    let result = runtime
        .context("cannot start the async runtime")
        .and_then(|rt| rt.block_on(run(cli)));
    match result {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::ChangesPending) => ExitCode::from(2),
        Err(e) => {
            eprintln!("driftscan-infra: error: {e:#}");
            ExitCode::from(if detailed { 1 } else { 2 })
        }
    }
}

/// The standard chain's configuration with the profile given, its credentials resolved before
/// any call, and the role given assumed on top.
async fn load_config(aws: &AwsArgs) -> anyhow::Result<aws_config::SdkConfig> {
    let base = scanner::aws::load_for(aws.profile.as_deref(), None).await?;
    Ok(match &aws.role_arn {
        Some(role_arn) => scanner::aws::assume_role(base, role_arn, "driftscan-infra").await,
        None => base,
    })
}

async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    let config = load_config(&cli.aws).await?;
    match cli.command {
        Command::Apply { target, output } => {
            let (changes, place) = if target.member_roles {
                let mut changes = Vec::new();
                for (member, spec) in target.member_roles(&config).await? {
                    changes.extend(
                        infra::member_roles::converge_member_role(&member, &spec, Mode::Apply)
                            .await?,
                    );
                }
                (changes, "the member accounts' roles".to_string())
            } else if target.scanner {
                let spec = target.scanner(&config).await?;
                let changes = infra::converge_scanner(&config, &spec, Mode::Apply).await?;
                (changes, format!("the scanner stack in {}", spec.region))
            } else {
                let spec = target.environment()?;
                let applied = infra::converge(&config, &spec, Mode::Apply).await?;
                (applied.changes, format!("{} in {}", spec.name, spec.region))
            };
            report(&changes, &output, &format!("Apply complete ({place})!"));
            Ok(Outcome::Done)
        }
        Command::Plan {
            target,
            output,
            detailed_exitcode,
        } => {
            let changes = if target.member_roles {
                let mut changes = Vec::new();
                for (member, spec) in target.member_roles(&config).await? {
                    changes.extend(
                        infra::member_roles::converge_member_role(&member, &spec, Mode::Plan)
                            .await?,
                    );
                }
                changes
            } else if target.scanner {
                let spec = target.scanner(&config).await?;
                infra::converge_scanner(&config, &spec, Mode::Plan).await?
            } else {
                infra::plan(&config, &target.environment()?).await?
            };
            report(&changes, &output, "Plan:");
            Ok(if detailed_exitcode && !changes.is_empty() {
                Outcome::ChangesPending
            } else {
                Outcome::Done
            })
        }
        Command::Destroy {
            target,
            output,
            dry_run,
            yes,
            force_protected,
            skip_final_snapshot,
        } => {
            if target.member_roles {
                bail!("destroy --member-roles is not offered: delete a member account's driftscan role with IAM (it holds no data)");
            }
            if target.scanner {
                let spec = target.scanner(&config).await?;
                let planned = infra::destroy_scanner(&config, &spec, Mode::Plan).await?;
                report(&planned, &output, "Plan:");
                if dry_run || planned.is_empty() {
                    return Ok(Outcome::Done);
                }
                confirm(
                    yes,
                    "scanner",
                    &format!("driftscan's scanner stack in {}", spec.region),
                )?;
                let removed = infra::destroy_scanner(&config, &spec, Mode::Apply).await?;
                report(&removed, &output, "Destroy complete!");
                return Ok(Outcome::Done);
            }
            let spec = target.environment()?;
            let options = if skip_final_snapshot {
                DestroyOptions::without_final_snapshot()
            } else {
                DestroyOptions::with_final_snapshot(&spec, std::time::SystemTime::now())
            };
            let planned = infra::destroy(&config, &spec, Mode::Plan, &options).await?;
            report(&planned, &output, "Plan:");
            if dry_run || planned.is_empty() {
                return Ok(Outcome::Done);
            }
            let protected = spec.protected() || infra::lifts_deletion_protection(&planned);
            if protected && !force_protected {
                bail!(
                    "`{}` is protected (prod, or its database is under deletion protection): \
                     nothing was destroyed. To destroy it all the same, pass --force-protected as well",
                    spec.name
                );
            }
            confirm(
                yes,
                &spec.name,
                &format!("environment `{}` in {}", spec.name, spec.region),
            )?;
            let removed = infra::destroy(&config, &spec, Mode::Apply, &options).await?;
            report(&removed, &output, "Destroy complete!");
            Ok(Outcome::Done)
        }
    }
}

/// Asks for `word` to be typed on the terminal before anything is destroyed; `--yes` answers
/// for a pipeline. Without a terminal and without `--yes`, refuses.
fn confirm(yes: bool, word: &str, what: &str) -> anyhow::Result<()> {
    if yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("refusing to destroy {what} without confirmation: there is no terminal to ask on. Nothing was destroyed; pass --yes to confirm from a pipeline");
    }
    let mut stderr = std::io::stderr();
    write!(
        stderr,
        "\nThis destroys {what} as planned above. Type `{word}` to confirm: "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer)?;
    if answer.trim() != word {
        bail!(
            "destroy cancelled: `{}` is not `{word}`. Nothing was destroyed",
            answer.trim()
        );
    }
    Ok(())
}

/// Prints the changes (lines, or one JSON document) and Terraform's closing summary.
fn report(changes: &[Change], output: &Output, heading: &str) {
    let count = |action| changes.iter().filter(|c| c.action == action).count();
    let (add, change, destroy) = (
        count(Action::Create),
        count(Action::Update),
        count(Action::Delete),
    );
    if output.json {
        let document = serde_json::json!({
            "changes": changes.iter().map(|c| serde_json::json!({
                "action": c.action.as_str(),
                "resource": c.resource,
                "detail": c.detail,
            })).collect::<Vec<_>>(),
            "summary": {"add": add, "change": change, "destroy": destroy},
        });
        println!("{document:#}");
        return;
    }
    for change in changes {
        println!("{change}");
    }
    if heading == "Plan:" {
        if changes.is_empty() {
            println!("No changes. The infrastructure matches its spec.");
        }
        println!("Plan: {add} to add, {change} to change, {destroy} to destroy.");
    } else {
        let kept = count(Action::Keep);
        let kept = if kept > 0 {
            format!(" {kept} kept: they hold data, and destroy never deletes data.")
        } else {
            String::new()
        };
        println!("{heading} Resources: {add} added, {change} changed, {destroy} destroyed.{kept}");
    }
}

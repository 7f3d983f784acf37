//! `driftscan`: snapshot AWS environments and find drift.
//!
//! Thin by design: parse arguments, call the scanner crate, render, map to an exit code
//! (0 success, 1 findings at or above the gate, 2 error or incomplete scan).

mod args;
mod baseline;
mod compare;
mod logging;
mod output;
mod progress;
mod publish;
mod scan;
mod snapshot;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// Exit status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything was read (and nothing failed the gate).
    Success,
    /// Findings at or above the gate's threshold.
    Findings,
    /// The scan could not read everything: never to be taken for "no drift".
    Incomplete,
}

impl Outcome {
    fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Findings => ExitCode::from(1),
            Outcome::Incomplete => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(cli.global.verbose, cli.global.quiet);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("driftscan: error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(outcome) => outcome.exit_code(),
        Err(e) => {
            eprintln!("driftscan: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Snapshot(args) => snapshot::run(args, &cli.global).await,
        Command::Scan(args) => scan::run(args, &cli.global).await,
        Command::Compare(args) => compare::run(args, &cli.global).await,
        Command::Baseline(args::BaselineCommand::Capture(args)) => {
            baseline::capture(args, &cli.global).await
        }
        Command::Validate(args) => baseline::validate(&args, &cli.global),
        Command::IamPolicy(args) => {
            let policy = scanner::collect::read_only_policy(args.secure_digest);
            output::write(None, &format!("{policy:#}\n"))?;
            Ok(Outcome::Success)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "driftscan", &mut std::io::stdout());
            Ok(Outcome::Success)
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            let mut page = Vec::new();
            clap_mangen::Man::new(command).render(&mut page)?;
            output::write(None, &String::from_utf8_lossy(&page))?;
            Ok(Outcome::Success)
        }
    }
}

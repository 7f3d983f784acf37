//! What `driftscan previews` reads besides AWS: the open pull requests and the prices, each
//! refused with where and what when it is wrong, before anything is read from AWS.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// Bad input: the source, the 1-based line (0 when the whole input), and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct InputError {
    /// The file (`-` for standard input, `prices` for the shipped table).
    pub source_name: String,
    /// The line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The open pull requests' numbers: the JSON `gh pr list --state open --json number` prints
/// (`[{"number": 7}, ...]`), or one number per line (`7` or `#7`; blank lines and `# ...`
/// comments skipped).
pub fn parse_open_pull_requests(source: &str, text: &str) -> Result<BTreeSet<u32>, InputError> {
    let error = |line: usize, message: String| InputError {
        source_name: source.to_string(),
        line,
        message,
    };
    if text.trim_start().starts_with('[') {
        #[derive(Deserialize)]
        struct PullRequest {
            number: u32,
        }
        let list: Vec<PullRequest> = serde_json::from_str(text).map_err(|e| {
            error(
                e.line(),
                format!("not the JSON `gh pr list --json number` prints: {e}"),
            )
        })?;
        return Ok(list.into_iter().map(|p| p.number).collect());
    }
    let mut numbers = BTreeSet::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        let comment = line.starts_with('#') && !line[1..].starts_with(|c: char| c.is_ascii_digit());
        if line.is_empty() || comment {
            continue;
        }
        let number = line.trim_start_matches('#').parse::<u32>().map_err(|_| {
            error(
                index + 1,
                format!("`{line}` is not a pull request number (give one per line, or gh's JSON)"),
            )
        })?;
        numbers.insert(number);
    }
    Ok(numbers)
}

/// One region's prices, in US dollars.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionPrices {
    /// When they were taken from AWS's price page (`2026-12-07`).
    pub taken: String,
    /// Fargate, Linux/x86, per vCPU-hour.
    pub fargate_vcpu_hour: f64,
    /// Fargate, Linux/x86, per GB-hour.
    pub fargate_gb_hour: f64,
    /// Fargate, Linux/ARM, per vCPU-hour.
    pub fargate_arm_vcpu_hour: f64,
    /// Fargate, Linux/ARM, per GB-hour.
    pub fargate_arm_gb_hour: f64,
}

/// A price table: the shipped one, or `--prices FILE`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceTable {
    /// Where the prices come from.
    pub source: String,
    /// Prices by region.
    pub regions: BTreeMap<String, RegionPrices>,
}

/// The table shipped in the package.
const SHIPPED: &str = include_str!("prices.yaml");

impl PriceTable {
    /// The shipped table.
    pub fn shipped() -> PriceTable {
        PriceTable::parse("prices", SHIPPED).expect("the shipped price table is valid")
    }

    /// A table from YAML, every price present, a number and not negative, every date a day.
    pub fn parse(source: &str, text: &str) -> Result<PriceTable, InputError> {
        let error = |line: u64, message: String| InputError {
            source_name: source.to_string(),
            line: line as usize,
            message,
        };
        let table: PriceTable = serde_saphyr::from_str(text).map_err(|e| {
            let (line, _, message) = crate::yaml::located(&e);
            error(line, message)
        })?;
        for (region, prices) in &table.regions {
            let figures = [
                ("fargate_vcpu_hour", prices.fargate_vcpu_hour),
                ("fargate_gb_hour", prices.fargate_gb_hour),
                ("fargate_arm_vcpu_hour", prices.fargate_arm_vcpu_hour),
                ("fargate_arm_gb_hour", prices.fargate_arm_gb_hour),
            ];
            if let Some((name, value)) = figures.iter().find(|(_, v)| !v.is_finite() || *v < 0.0) {
                let line = line_of(text, region);
                return Err(error(
                    line,
                    format!(
                        "{region}.{name} is {value}: a price is a number of dollars, 0 or more"
                    ),
                ));
            }
            if day_number(&prices.taken).is_none() {
                let line = line_of(text, region);
                return Err(error(
                    line,
                    format!(
                        "{region}.taken `{}` is not a date (YYYY-MM-DD)",
                        prices.taken
                    ),
                ));
            }
        }
        Ok(table)
    }
}

/// The line `region:` opens in `text` (0 when not found).
fn line_of(text: &str, region: &str) -> u64 {
    let key = format!("{region}:");
    text.lines()
        .position(|l| l.trim_start().starts_with(&key))
        .map_or(0, |i| i as u64 + 1)
}

/// Days since the epoch of a date (`2026-12-07`) or an RFC 3339 time.
pub fn day_number(text: &str) -> Option<i64> {
    let mut parts = text.get(..10)?.split('-');
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u8 = parts.next()?.parse().ok()?;
    let day: u8 = parts.next()?.parse().ok()?;
    let date =
        time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()?;
    let epoch = time::Date::from_calendar_date(1970, time::Month::January, 1).ok()?;
    Some(i64::from(date.to_julian_day() - epoch.to_julian_day()))
}

//! Peak memory and wall time of one evaluation of a synthetic estate:
//! `cargo run --profile bench -p driftscan-scanner --example evaluate_memory -- 50000` (in one
//! process), or `... -- write DIR 50000` then `... -- read DIR` (inputs loaded from files, as
//! `driftscan scan --from-snapshot` loads them).
//! Prints the process's peak resident set (VmHWM) after building the inputs, then resets the
//! peak (`/proc/self/clear_refs`) so the second figure is the peak while evaluating, with the
//! snapshot and the baseline resident.

use std::path::Path;
use std::time::Instant;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        // `write <dir> [resources]`: the snapshot (1% drifted) and its captured baseline, as files.
        Some("write") => {
            let dir = Path::new(args.get(1).expect("write <dir>"));
            let resources = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(50_000);
            let clean = scanner::synthetic::estate("prod", resources);
            let text = scanner::capture::capture(&clean, "bench").expect("capture");
            std::fs::write(dir.join("prod.yaml"), text).expect("write baseline");
            let mut live = clean;
            scanner::synthetic::drift(&mut live, 100);
            std::fs::write(dir.join("prod.json"), live.to_json()).expect("write snapshot");
        }
        // `compare [resources]`: peak memory of comparing two environments of that size.
        Some("compare") => {
            let resources = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(50_000);
            let staging = scanner::synthetic::estate("staging", resources);
            let mut prod = scanner::synthetic::estate("prod", resources);
            scanner::synthetic::drift(&mut prod, 100);
            println!(
                "setup: 2 x {} resources, peak RSS {:.1} MiB, resident now {:.1} MiB",
                staging.resources.len(),
                peak_rss_mib(),
                rss_mib()
            );
            let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
            let started = Instant::now();
            let report = scanner::compare::compare(&staging, &prod, &Default::default(), false);
            println!(
                "compare: {} differences in {:.3} s, peak RSS during comparison {:.1} MiB{}",
                report.findings.len(),
                started.elapsed().as_secs_f64(),
                peak_rss_mib(),
                if reset {
                    ""
                } else {
                    " (peak reset unavailable: includes setup)"
                }
            );
        }
        // `read <dir>`: load both as `driftscan scan --from-snapshot` does, then evaluate.
        Some("read") => {
            let dir = Path::new(args.get(1).expect("read <dir>"));
            let started = Instant::now();
            let text = std::fs::read_to_string(dir.join("prod.json")).expect("snapshot");
            let live = scanner::Snapshot::from_json(&text).expect("snapshot parses");
            drop(text);
            let after_snapshot = rss_mib();
            let baseline = scanner::baseline::Baseline::load(dir, "prod").expect("baseline");
            println!(
                "resident after the snapshot {after_snapshot:.1} MiB, after the baseline {:.1} MiB",
                rss_mib()
            );
            println!(
                "load: {} resources, {:.2} s, peak RSS {:.1} MiB, resident now {:.1} MiB",
                live.resources.len(),
                started.elapsed().as_secs_f64(),
                peak_rss_mib(),
                rss_mib()
            );
            evaluate(&live, &baseline);
        }
        _ => {
            let resources: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(50_000);
            let started = Instant::now();
            let clean = scanner::synthetic::estate("prod", resources);
            let text = scanner::capture::capture(&clean, "bench").expect("capture");
            let baseline =
                scanner::baseline::Baseline::parse_str(&text, Path::new("prod.yaml"), "prod")
                    .expect("baseline");
            drop(text);
            let mut live = clean;
            scanner::synthetic::drift(&mut live, 100);
            println!(
                "setup: {} resources, {:.2} s, peak RSS {:.1} MiB, resident now {:.1} MiB",
                live.resources.len(),
                started.elapsed().as_secs_f64(),
                peak_rss_mib(),
                rss_mib()
            );
            evaluate(&live, &baseline);
        }
    }
}

fn evaluate(live: &scanner::Snapshot, baseline: &scanner::baseline::Baseline) {
    // Reset the peak: what follows measures the evaluation alone (inputs resident).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let started = Instant::now();
    let report = scanner::evaluate::evaluate(live, baseline, (2026, 11, 26)).expect("evaluates");
    println!(
        "evaluate: {} findings in {:.3} s, peak RSS during evaluation {:.1} MiB{}",
        report.findings.len(),
        started.elapsed().as_secs_f64(),
        peak_rss_mib(),
        if reset {
            ""
        } else {
            " (peak reset unavailable: includes setup)"
        }
    );
}

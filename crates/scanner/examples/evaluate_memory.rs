//! Peak memory and wall time of one evaluation of a synthetic estate:
//! `cargo run --release -p driftscan-scanner --example evaluate_memory -- 50000`.
//! Prints the process's peak resident set (VmHWM) before and after the evaluation.

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

fn main() {
    let resources: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let started = Instant::now();
    let clean = scanner::synthetic::estate("prod", resources);
    let text = scanner::capture::capture(&clean, "bench").expect("capture");
    let baseline = scanner::baseline::Baseline::parse_str(&text, Path::new("prod.yaml"), "prod")
        .expect("baseline");
    drop(text);
    let mut live = clean;
    scanner::synthetic::drift(&mut live, 100);
    println!(
        "setup: {} resources, {:.2} s, peak RSS {:.1} MiB",
        live.resources.len(),
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
    let started = Instant::now();
    let report = scanner::evaluate::evaluate(&live, &baseline, (2026, 11, 26)).expect("evaluates");
    println!(
        "evaluate: {} findings in {:.3} s, peak RSS {:.1} MiB",
        report.findings.len(),
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}

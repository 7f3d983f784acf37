//! `cargo bench -p driftscan-scanner --bench evaluate`: evaluating a synthetic 50,000-resource
//! snapshot against its baseline (captured from it, then 1% of resources drifted), and comparing
//! two synthetic 50,000-resource environments (1% divergent), and the parity matrix and HTML
//! report of five 10,000-resource environments.

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use scanner::baseline::Baseline;

fn evaluate_50k(c: &mut Criterion) {
    let clean = scanner::synthetic::estate("prod", 50_000);
    let text = scanner::capture::capture(&clean, "bench").expect("capture");
    let baseline = Baseline::parse_str(&text, Path::new("prod.yaml"), "prod").expect("baseline");
    let mut live = clean;
    scanner::synthetic::drift(&mut live, 100);
    let mut group = c.benchmark_group("evaluate");
    group.sample_size(10);
    group.bench_function("50k resources vs baseline", |b| {
        b.iter(|| scanner::evaluate::evaluate(&live, &baseline, (2026, 11, 26)).expect("evaluates"))
    });
    group.bench_function("parse 50k-resource baseline", |b| {
        b.iter(|| Baseline::parse_str(&text, Path::new("prod.yaml"), "prod").expect("baseline"))
    });
    group.finish();
}

fn compare_50k(c: &mut Criterion) {
    let staging = scanner::synthetic::estate("staging", 50_000);
    let mut prod = scanner::synthetic::estate("prod", 50_000);
    scanner::synthetic::drift(&mut prod, 100);
    let expected = scanner::compare::ExpectedDifferences::default();
    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    group.bench_function("two 50k-resource snapshots", |b| {
        b.iter(|| scanner::compare::compare(&staging, &prod, &expected, false))
    });
    group.finish();
}

fn parity_5x10k(c: &mut Criterion) {
    use scanner::compare::{compare_environments, CompareOptions, ExpectedDifferences};
    use scanner::report::{render, Format, RenderOptions};
    let mut environments: Vec<_> = ["dev", "staging", "prod", "pr-1", "pr-2"]
        .into_iter()
        .map(|env| scanner::synthetic::estate(env, 10_000))
        .collect();
    // Three environments drift, each its own way: 1%, 2.7% and 10% of their resources.
    for (snapshot, every) in environments[2..].iter_mut().zip([100, 37, 10]) {
        scanner::synthetic::drift(snapshot, every);
    }
    let snapshots: Vec<_> = environments.iter().collect();
    let expected = ExpectedDifferences::default();
    let options = CompareOptions::default();
    let report = compare_environments(&snapshots, &expected, &options);
    let render_options = RenderOptions {
        color: false,
        version: "bench".into(),
        wide: false,
        now_ms: 1_796_000_000_000,
    };
    let html = render(&report, Format::Html, &render_options);
    eprintln!(
        "parity 5x10k: {} rows, {} findings, HTML {} bytes, JSON {} bytes",
        report.parity.as_ref().map_or(0, |m| m.rows.len()),
        report.findings.len(),
        html.len(),
        render(&report, Format::Json, &render_options).len()
    );
    let mut group = c.benchmark_group("parity");
    group.sample_size(10);
    group.bench_function("matrix of five 10k-resource snapshots", |b| {
        b.iter(|| compare_environments(&snapshots, &expected, &options))
    });
    group.bench_function("HTML report of that matrix", |b| {
        b.iter(|| render(&report, Format::Html, &render_options))
    });
    group.finish();
}

criterion_group!(benches, evaluate_50k, compare_50k, parity_5x10k);
criterion_main!(benches);

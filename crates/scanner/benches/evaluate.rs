//! `cargo bench -p driftscan-scanner --bench evaluate`: evaluating a synthetic 50,000-resource
//! snapshot against its baseline (captured from it, then 1% of resources drifted), and comparing
//! two synthetic 50,000-resource environments (1% divergent).

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

criterion_group!(benches, evaluate_50k, compare_50k);
criterion_main!(benches);

//! What each command does after loading, at 100,000 and 1,000,000
//! entities, beside the batch evaluation of the same snapshot (what
//! `prereq check` costs) measured in the same run.
//!
//! - `table` and `json`: the report of every verdict, rendered for people
//!   and written as JSON (to a sink);
//! - `explain`: one entity's explanation, on the whole snapshot;
//! - `diff`: two snapshots of as many entities (different seeds), every
//!   differing verdict with its causes;
//! - `unlock_all`: `deploy` for every entity that does not satisfy it;
//! - `leverage`: single changes for `commit_troops`.
//!
//! Every command is linear in the entities: the figure at 1,000,000 is
//! about ten times the figure at 100,000, and a small multiple of the
//! evaluation. Run with `cargo bench --bench commands`; compare the ratios,
//! not the absolute times (this machine is shared and noisy).

#![allow(clippy::expect_used)] // benchmark inputs are ours
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::UnlockOptions;
use prereq::batch::{self, Columns};
use prereq::report::table;
use prereq::synthetic::CoalitionFacts;
use prereq::{RuleSet, Snapshot};

fn coalition() -> RuleSet {
    RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).expect("the example checks")
}

fn columns(rules: &RuleSet, entities: usize, seed: u64) -> Columns {
    let json = CoalitionFacts {
        entities,
        seed,
        unknown_percent: 10,
    }
    .json();
    Columns::from_json_str(rules.program().schema(), "bench.json", &json).expect("the facts fit")
}

fn commands(c: &mut Criterion) {
    let rules = coalition();
    let mut group = c.benchmark_group("commands");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(4));
    for entities in [100_000, 1_000_000] {
        let snapshot: Snapshot<'_> = rules.snapshot_of(columns(&rules, entities, 1));
        let other = rules.snapshot_of(columns(&rules, entities, 2));
        let report = snapshot.report();
        let entity = snapshot
            .entity_name(entities / 2)
            .expect("an entity")
            .to_string();
        group.bench_function(BenchmarkId::new("baseline_evaluate", entities), |b| {
            b.iter(|| black_box(batch::evaluate(rules.program(), snapshot.columns())))
        });
        group.bench_function(BenchmarkId::new("table", entities), |b| {
            b.iter(|| black_box(table::render(&report, table::Style::default()).len()))
        });
        group.bench_function(BenchmarkId::new("json", entities), |b| {
            b.iter(|| report.write_json(std::io::sink()))
        });
        group.bench_function(BenchmarkId::new("explain", entities), |b| {
            b.iter(|| black_box(snapshot.explain(Some(&entity), "deploy")))
        });
        group.bench_function(BenchmarkId::new("diff", entities), |b| {
            b.iter(|| {
                black_box(
                    prereq::analysis::diff::diff(&snapshot, &other)
                        .changed
                        .len(),
                )
            })
        });
        group.bench_function(BenchmarkId::new("unlock_all", entities), |b| {
            let options = UnlockOptions {
                max_options: 3,
                budget: u64::MAX,
            };
            b.iter(|| {
                black_box(
                    snapshot
                        .unlock_all("deploy", options)
                        .map(|u| u.results.len()),
                )
            })
        });
        group.bench_function(BenchmarkId::new("leverage", entities), |b| {
            let options = LeverageOptions {
                budget: u64::MAX,
                ..LeverageOptions::default()
            };
            b.iter(|| black_box(snapshot.leverage("commit_troops", options)))
        });
    }
    group.finish();
}

criterion_group!(benches, commands);
criterion_main!(benches);

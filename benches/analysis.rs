//! Benchmarks of the analyses, each beside a baseline measured in the same run.
//!
//! - `unlock/*`: minimal change sets for a rule with 30 conditions, against
//!   one evaluation of the same snapshot (`unlock/baseline_evaluate`).
//! - `leverage/10000x20`: the best single change over 10,000 entities with 20
//!   facts each, against one evaluation of all of them (`leverage/baseline_evaluate`).
//!
//! Run with `cargo bench --bench analysis`; compare the ratios, not the
//! absolute times (this machine is shared and noisy).

#![allow(clippy::expect_used)] // a benchmark with broken inputs should stop loudly
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::UnlockOptions;
use prereq::{Facts, RuleSet};

/// A deterministic pseudo-random sequence (a 64-bit LCG), so runs compare.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A rule with 30 conditions: 20 conjuncts (some of them alternatives), half failing now.
fn thirty_conditions() -> (RuleSet, Facts) {
    let mut text = String::new();
    for i in 0..24 {
        let _ = writeln!(text, "fact b{i}: bool");
    }
    text.push_str(
        "fact n0: number\nfact n1: number\nfact tags: set<string>\nworld fact w0: bool\n",
    );
    let mut conjuncts: Vec<String> = (0..14).map(|i| format!("b{i}")).collect();
    conjuncts.push("(b14 or b15)".into());
    conjuncts.push("(b16 or b17 or n0 >= 10)".into());
    conjuncts.push("(b18 or \"x\" in tags)".into());
    conjuncts.push("not b19".into());
    conjuncts.push("(n1 < 5 or b20 or b21)".into());
    conjuncts.push("(w0 or b22 or b23)".into());
    let _ = writeln!(text, "rule target requires {}", conjuncts.join(" and "));
    let rules = RuleSet::parse("thirty.rules", &text).expect("the benchmark rules check");
    let mut facts = Facts::new("bench");
    for i in 0..24 {
        facts.set("E", &format!("b{i}"), i % 2 == 0);
    }
    facts
        .set("E", "n0", 1)
        .set("E", "n1", 9)
        .set("E", "tags", ["y"])
        .set_world("w0", false);
    (rules, facts)
}

const LEVERAGE_RULES: &str = r#"
world fact w0: bool
world fact w1: bool
world fact w2: bool
fact f0: bool
fact f1: bool
fact f2: bool
fact f3: bool
fact f4: bool
fact f5: bool
fact f6: bool
fact f7: bool
fact f8: bool
fact f9: bool
fact f10: bool
fact f11: bool
fact f12: bool
fact f13: bool
fact n0: number
fact n1: number
fact n2: number
fact n3: number
fact tags: set<string>
fact region: string
rule ready requires w0 and (f0 or f1) and n0 >= 100
rule equipped requires ready and f2 and not f3 and "x" in tags
rule northern requires (w1 or f4) and f5 and n1 < 50 and region == "north"
rule target requires equipped or (northern and f6 and f7) or (w2 and f8 and n2 >= 10 and f9)
rule other requires f10 and f11 or f12 and not f13 and n3 > 0
"#;

/// `entities` entities with 20 facts each, about 10% unknown.
fn leverage_data(entities: usize) -> (RuleSet, Facts) {
    let rules =
        RuleSet::parse("leverage.rules", LEVERAGE_RULES).expect("the benchmark rules check");
    let mut rng = Lcg(42);
    let mut facts = Facts::new("bench");
    facts
        .set_world("w0", true)
        .set_world("w1", false)
        .set_world("w2", false);
    for e in 0..entities {
        let name = format!("e{e}");
        facts.add_entity(&name);
        for f in 0..14 {
            if rng.below(10) > 0 {
                facts.set(&name, &format!("f{f}"), rng.below(2) == 0);
            }
        }
        for n in 0..4 {
            if rng.below(10) > 0 {
                facts.set(&name, &format!("n{n}"), (rng.below(200) as i32) - 20);
            }
        }
        if rng.below(10) > 0 {
            facts.set(
                &name,
                "tags",
                if rng.below(2) == 0 {
                    ["x", "y"]
                } else {
                    ["y", "z"]
                },
            );
        }
        if rng.below(10) > 0 {
            facts.set(
                &name,
                "region",
                if rng.below(3) == 0 { "north" } else { "south" },
            );
        }
    }
    (rules, facts)
}

fn unlock(c: &mut Criterion) {
    let (rules, facts) = thirty_conditions();
    let snapshot = rules.snapshot(&facts).expect("facts fit");
    let mut group = c.benchmark_group("unlock");
    group.bench_function("baseline_evaluate", |b| {
        b.iter(|| black_box(rules.evaluate(black_box(&facts))))
    });
    group.bench_function("30_conditions", |b| {
        b.iter(|| black_box(snapshot.unlock(Some("E"), "target", UnlockOptions::default())))
    });
    group.finish();
}

fn leverage(c: &mut Criterion) {
    let (rules, facts) = leverage_data(10_000);
    let snapshot = rules.snapshot(&facts).expect("facts fit");
    let mut group = c.benchmark_group("leverage");
    group.sample_size(10);
    group.bench_function("baseline_evaluate", |b| {
        b.iter(|| black_box(rules.snapshot(black_box(&facts))))
    });
    group.bench_function("10000x20", |b| {
        b.iter(|| black_box(snapshot.leverage("target", LeverageOptions::default())))
    });
    group.bench_function("10000x20_pairs", |b| {
        b.iter(|| {
            black_box(snapshot.leverage(
                "target",
                LeverageOptions {
                    pairs: true,
                    ..LeverageOptions::default()
                },
            ))
        })
    });
    group.finish();
}

criterion_group!(benches, unlock, leverage);
criterion_main!(benches);

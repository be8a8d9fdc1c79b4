//! Evaluation speed, each figure beside a baseline measured in the same run.
//!
//! - `eval_one`: the coalition `deploy` rule (with the rules it reads) for
//!   one entity: the function `prereq codegen` writes for it
//!   (tests/generated/coalition.rs, world facts constant as in the
//!   hand-written call), prereq's compiled plan over the entity's
//!   `batch::Row` (the interpreter's counterpart of the hand-written
//!   struct), the same plan reading one entity of a columnar snapshot, and
//!   the tree-walking evaluator (`eval`, over a row of values), against the
//!   same rules hand-written as a Rust function over a struct, the floor.
//! - `eval_batch`: every coalition rule for 1,000,000 synthetic entities
//!   (`prereq bench-data`, ~10% of facts unknown): prereq's batch evaluator,
//!   the same logic hand-written over bitsets, and prereq's single-entity
//!   evaluator in a loop.
//! - `load`: the same 1,000,000 entities from JSON, into columns (and, for
//!   comparison, into `Facts` as written); throughput in bytes per second.
//!   `load_same_facts`: those entities from a JSON file, a CSV table and
//!   a Parquet file, into columns; `check_from_parquet`: what `prereq
//!   check` does from that Parquet file to a Parquet file of verdicts.
//! - `parse_check`: a generated file of 10,000 rules, parsed, checked and
//!   compiled; and parsed alone, with the fast path and with pest alone.
//! - `arithmetic`: a rule with arithmetic and a comparison between facts
//!   (tests/fixtures/codegen/arithmetic.rules) over 1,000,000 entities, 10%
//!   of each fact unknown: the batch evaluator, a plan over each entity's
//!   row, the generated function, and the same rule hand-written.
//!
//! Run with `cargo bench --bench eval`; compare the ratios, not the absolute
//! times (this machine is shared and noisy).

#![allow(clippy::expect_used, clippy::indexing_slicing)] // benchmark inputs are ours
#![allow(missing_docs)] // criterion_group! generates an undocumented function

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The coalition rules as `prereq codegen rules/` writes them.
#[rustfmt::skip]
#[allow(dead_code)] // the benchmark calls `deploy` alone
#[path = "../tests/generated/coalition.rs"]
mod coalition;
/// A rule with arithmetic, as `prereq codegen` writes it.
#[rustfmt::skip]
#[path = "../tests/generated/arithmetic.rs"]
mod arithmetic;
use prereq::batch::{self, Columns};
use prereq::facts::Value;
use prereq::synthetic::CoalitionFacts;
use prereq::{Facts, RuleSet, Tri};

const ENTITIES: usize = 1_000_000;

fn coalition() -> RuleSet {
    RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).expect("the example checks")
}

/// The synthetic coalition of `ENTITIES` entities, 10% of facts unknown.
fn synthetic_facts() -> CoalitionFacts {
    CoalitionFacts {
        entities: ENTITIES,
        seed: 1,
        unknown_percent: 10,
    }
}

fn synthetic_json() -> String {
    synthetic_facts().json()
}

// ----- the hand-written floor ---------------------------------------------

/// One entity's facts as a hand-written program would hold them.
#[derive(Clone, Copy)]
struct Country {
    in_coalition: Option<bool>,
    legal_basis: Option<bool>,
    rules_of_engagement: Option<bool>,
    needs_us_backstop: Option<bool>,
    borders_russia: Option<bool>,
    troops_offered: Option<f64>,
}

fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

fn or(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    }
}

fn not(a: Option<bool>) -> Option<bool> {
    a.map(|a| !a)
}

/// `deploy` and the rules it reads, in Kleene logic, by hand.
fn deploy_by_hand(c: &Country, us_backstop: Option<bool>, ceasefire: Option<bool>) -> Option<bool> {
    let backing_met = or(us_backstop, not(c.needs_us_backstop));
    let willing = and(
        and(c.in_coalition, c.troops_offered.map(|t| t >= 1.0)),
        not(c.borders_russia),
    );
    let commit_troops = and(and(willing, backing_met), c.legal_basis);
    and(and(commit_troops, ceasefire), c.rules_of_engagement)
}

fn eval_one(c: &mut Criterion) {
    let rules = coalition();
    let facts = Facts::from_toml_str(
        "uk.toml",
        "[world]\nus_backstop = true\nceasefire = true\n[entities.UK]\nin_coalition = true\nlegal_basis = true\nrules_of_engagement = true\nneeds_us_backstop = true\nborders_russia = false\ntroops_offered = 10000\n",
    )
    .expect("the facts parse");
    let table = prereq::facts::bind::bind(&facts, rules.program().schema()).expect("the facts fit");
    let program = rules.program();
    let resolved = rules.resolved();
    let deploy_closure = ["backing_met", "willing", "commit_troops", "deploy"]
        .map(|name| resolved.rule_id(name).expect("the rule exists"));
    let chain: Vec<_> = program
        .entity_rules()
        .iter()
        .filter(|rule| deploy_closure.contains(&rule.id))
        .cloned()
        .collect();
    let mut verdicts = vec![Tri::Unknown; program.rule_count()];
    prereq::eval::evaluate_rules(program.world_rules(), table.world(), &[], &mut verdicts);
    let row = &table.entity_rows()[0];
    let deploy = deploy_closure[3].index();
    let uk = Country {
        in_coalition: Some(true),
        legal_basis: Some(true),
        rules_of_engagement: Some(true),
        needs_us_backstop: Some(true),
        borders_russia: Some(false),
        troops_offered: Some(10000.0),
    };
    let columns = Columns::from_facts(program.schema(), &facts).expect("the facts fit");
    let compiled = batch::compile(program, &columns);
    let plan = compiled.plan(deploy_closure[3]);
    let mut scratch = compiled.scratch();
    let mut group = c.benchmark_group("eval_one");
    group.bench_function("prereq_compiled", |b| {
        b.iter(|| compiled.entity(&plan, black_box(0), &mut scratch))
    });
    let uk_row = compiled.row(0);
    group.bench_function("prereq_row", |b| {
        b.iter(|| plan.evaluate(black_box(&uk_row), &mut scratch))
    });
    let (world, entity) = (
        coalition::World {
            us_backstop: Some(true),
            ceasefire: Some(true),
        },
        coalition::Entity {
            in_coalition: Some(true),
            legal_basis: Some(true),
            rules_of_engagement: Some(true),
            needs_us_backstop: Some(true),
            borders_russia: Some(false),
            troops_offered: Some(10000.0),
            contributions: None,
            resists_asset_seizure: None,
        },
    );
    group.bench_function("prereq_codegen", |b| {
        b.iter(|| coalition::deploy(&world, black_box(&entity)))
    });
    group.bench_function("prereq_tree", |b| {
        b.iter(|| {
            prereq::eval::evaluate_rules(&chain, table.world(), black_box(row), &mut verdicts);
            black_box(verdicts[deploy])
        })
    });
    group.bench_function("hand_written", |b| {
        b.iter(|| deploy_by_hand(black_box(&uk), Some(true), Some(true)))
    });
    group.finish();
}

// ----- batch ----------------------------------------------------------------

/// The synthetic facts as hand-written bitset code would hold them.
struct BitColumns {
    len: usize,
    bools: [(Vec<u64>, Vec<u64>); 6],
    troops: (Vec<f64>, Vec<u64>),
    /// Per entity, one bit per contribution: troops, fast_jets, logistics, engineering, backfill.
    contributions: (Vec<u8>, Vec<u64>),
}

const BOOL_FACTS: [&str; 6] = [
    "in_coalition",
    "legal_basis",
    "rules_of_engagement",
    "needs_us_backstop",
    "borders_russia",
    "resists_asset_seizure",
];

impl BitColumns {
    /// The bitsets of a `Facts` built in code, by hand: each fact matched
    /// by name, its value placed (the baseline of `Columns::from_facts`).
    fn from_facts(facts: &Facts) -> BitColumns {
        let len = facts.entities().len();
        let words = len.div_ceil(64);
        let mut bits = BitColumns {
            len,
            bools: std::array::from_fn(|_| (vec![0; words], vec![0; words])),
            troops: (vec![0.0; len], vec![0; words]),
            contributions: (vec![0; len], vec![0; words]),
        };
        let names = ["fast_jets", "logistics", "engineering", "backfill"];
        for (entity, facts) in facts.entities().iter().enumerate() {
            let (word, bit) = (entity / 64, 1u64 << (entity % 64));
            for (name, value) in &facts.facts {
                match value {
                    prereq::FactValue::Bool(value) => {
                        if let Some(index) = BOOL_FACTS.iter().position(|b| **b == **name) {
                            bits.bools[index].1[word] |= bit;
                            if *value {
                                bits.bools[index].0[word] |= bit;
                            }
                        }
                    }
                    prereq::FactValue::Number(n) if &**name == "troops_offered" => {
                        bits.troops.0[entity] = *n;
                        bits.troops.1[word] |= bit;
                    }
                    prereq::FactValue::Strings(items) if &**name == "contributions" => {
                        bits.contributions.1[word] |= bit;
                        for (index, wanted) in names.iter().enumerate() {
                            if items.iter().any(|item| item == wanted) {
                                bits.contributions.0[entity] |= 1 << index;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        bits
    }

    fn from_columns(rules: &RuleSet, columns: &Columns) -> BitColumns {
        let schema = rules.program().schema();
        let slot = |name: &str| match schema.fact(name).expect("declared").slot {
            prereq::compile::Slot::Entity(slot) => slot as usize,
            prereq::compile::Slot::World(_) => unreachable!("entity facts"),
        };
        let words = columns.len().div_ceil(64);
        let mut bits = BitColumns {
            len: columns.len(),
            bools: std::array::from_fn(|_| (vec![0; words], vec![0; words])),
            troops: (vec![0.0; columns.len()], vec![0; words]),
            contributions: (vec![0; columns.len()], vec![0; words]),
        };
        let names = ["fast_jets", "logistics", "engineering", "backfill"];
        for entity in 0..columns.len() {
            let row = columns.entity_row(entity);
            let (word, bit) = (entity / 64, 1u64 << (entity % 64));
            for (index, name) in BOOL_FACTS.iter().enumerate() {
                if let Some(Value::Bool(value)) = &row[slot(name)] {
                    bits.bools[index].1[word] |= bit;
                    if *value {
                        bits.bools[index].0[word] |= bit;
                    }
                }
            }
            if let Some(Value::Number(n)) = &row[slot("troops_offered")] {
                bits.troops.0[entity] = *n;
                bits.troops.1[word] |= bit;
            }
            if let Some(Value::Set(items)) = &row[slot("contributions")] {
                bits.contributions.1[word] |= bit;
                for (index, name) in names.iter().enumerate() {
                    if items.iter().any(|item| &**item == *name) {
                        bits.contributions.0[entity] |= 1 << index;
                    }
                }
            }
        }
        bits
    }
}

/// Every coalition rule over bitsets, by hand: (is true, is false) words.
fn batch_by_hand(c: &BitColumns, us_backstop: bool, ceasefire: bool) -> Vec<[(u64, u64); 7]> {
    let words = c.len.div_ceil(64);
    let fact = |index: usize, word: usize| {
        let (value, known) = (&c.bools[index].0[word], &c.bools[index].1[word]);
        (value & known, !value & known)
    };
    let world = |value: bool| if value { (!0u64, 0u64) } else { (0, !0) };
    let and = |(at, af): (u64, u64), (bt, bf): (u64, u64)| (at & bt, af | bf);
    let or = |(at, af): (u64, u64), (bt, bf): (u64, u64)| (at | bt, af & bf);
    let not = |(t, f): (u64, u64)| (f, t);
    (0..words)
        .map(|word| {
            let first = word * 64;
            let mut troops = 0u64;
            let mut contributes = 0u64;
            for bit in 0..64.min(c.len - first) {
                troops |= u64::from(c.troops.0[first + bit] >= 1.0) << bit;
                contributes |= u64::from(c.contributions.0[first + bit] != 0) << bit;
            }
            let troops = (troops & c.troops.1[word], !troops & c.troops.1[word]);
            let contributions_known = c.contributions.1[word];
            let other_role = (
                contributes & contributions_known,
                !contributes & contributions_known,
            );
            let in_coalition = fact(0, word);
            let backing_met = or(world(us_backstop), not(fact(3, word)));
            let willing = and(and(in_coalition, troops), not(fact(4, word)));
            let commit_troops = and(and(willing, backing_met), fact(1, word));
            let deploy = and(and(commit_troops, world(ceasefire)), fact(2, word));
            let contribute = or(willing, other_role);
            let defends = and(in_coalition, fact(4, word));
            let seizure = and(in_coalition, not(fact(5, word)));
            [
                backing_met,
                willing,
                commit_troops,
                deploy,
                contribute,
                defends,
                seizure,
            ]
        })
        .collect()
}

fn eval_batch(c: &mut Criterion) {
    let rules = coalition();
    let json = synthetic_json();
    let columns = Columns::from_json_str(rules.program().schema(), "synthetic.json", &json)
        .expect("the synthetic facts fit");
    let table = prereq::facts::bind::bind(
        &Facts::from_json_str("synthetic.json", &json).expect("the facts parse"),
        rules.program().schema(),
    )
    .expect("the facts fit");
    drop(json);
    let by_hand = BitColumns::from_columns(&rules, &columns);
    let deploy = rules.resolved().rule_id("deploy").expect("the rule exists");
    let verdicts = batch::evaluate(rules.program(), &columns);
    let hand = batch_by_hand(&by_hand, true, true);
    for entity in (0..columns.len()).step_by(997) {
        let (t, f) = hand[entity / 64][3];
        let bit = 1 << (entity % 64);
        let expected = if t & bit != 0 {
            Tri::True
        } else if f & bit != 0 {
            Tri::False
        } else {
            Tri::Unknown
        };
        assert_eq!(
            verdicts.get(entity, deploy),
            expected,
            "the baseline agrees with prereq"
        );
    }
    let mut group = c.benchmark_group("eval_batch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(ENTITIES as u64));
    group.bench_function("prereq_batch", |b| {
        b.iter(|| black_box(batch::evaluate(rules.program(), &columns)))
    });
    group.bench_function("hand_written_bitsets", |b| {
        b.iter(|| black_box(batch_by_hand(&by_hand, true, true)))
    });
    group.bench_function("prereq_single_entity_loop", |b| {
        b.iter(|| black_box(prereq::eval::evaluate(rules.program(), &table)))
    });
    group.finish();
}

// ----- the front door: facts built in code, one entity at a time ------------

/// One entity's facts as a service would hold them before asking prereq:
/// a record with its name and a string list, as they arrive from a request.
struct CountryRecord {
    name: String,
    in_coalition: Option<bool>,
    legal_basis: Option<bool>,
    rules_of_engagement: Option<bool>,
    needs_us_backstop: Option<bool>,
    borders_russia: Option<bool>,
    troops_offered: Option<f64>,
    contributions: Option<Vec<String>>,
    resists_asset_seizure: Option<bool>,
}

impl CountryRecord {
    /// Every entity of a facts snapshot as a record.
    fn all(facts: &Facts) -> Vec<CountryRecord> {
        facts
            .entities()
            .iter()
            .map(|entity| {
                let get = |name: &str| {
                    entity
                        .facts
                        .iter()
                        .find(|(fact, _)| &**fact == name)
                        .map(|(_, value)| value)
                };
                let flag = |name: &str| match get(name) {
                    Some(prereq::FactValue::Bool(value)) => Some(*value),
                    _ => None,
                };
                CountryRecord {
                    name: entity.name.clone(),
                    in_coalition: flag("in_coalition"),
                    legal_basis: flag("legal_basis"),
                    rules_of_engagement: flag("rules_of_engagement"),
                    needs_us_backstop: flag("needs_us_backstop"),
                    borders_russia: flag("borders_russia"),
                    troops_offered: match get("troops_offered") {
                        Some(prereq::FactValue::Number(n)) => Some(*n),
                        _ => None,
                    },
                    contributions: match get("contributions") {
                        Some(prereq::FactValue::Strings(items)) => Some(items.clone()),
                        _ => None,
                    },
                    resists_asset_seizure: flag("resists_asset_seizure"),
                }
            })
            .collect()
    }

    /// The `bool` facts, in the order of `BOOL_FACTS`.
    fn flags(&self) -> [Option<bool>; 6] {
        [
            self.in_coalition,
            self.legal_basis,
            self.rules_of_engagement,
            self.needs_us_backstop,
            self.borders_russia,
            self.resists_asset_seizure,
        ]
    }

    /// The record as `Facts` built in code, the README's way.
    fn add_to(&self, facts: &mut Facts) {
        let mut entity = facts.entity(&self.name);
        for (fact, value) in BOOL_FACTS.into_iter().zip(self.flags()) {
            if let Some(value) = value {
                entity.set(fact, value);
            }
        }
        if let Some(troops) = self.troops_offered {
            entity.set("troops_offered", troops);
        }
        if let Some(contributions) = &self.contributions {
            entity.set("contributions", contributions.clone());
        }
    }
}

/// The coalition's entity facts as a `Decider`'s handles, prepared once.
struct CoalitionHandles {
    flags: [prereq::batch::BoolFact; 6],
    troops_offered: prereq::batch::NumberFact,
    contributions: prereq::batch::SetFact,
}

impl CoalitionHandles {
    fn of(decider: &prereq::Decider) -> CoalitionHandles {
        let flag = |name| decider.bool_fact(name).expect("a bool fact");
        CoalitionHandles {
            flags: BOOL_FACTS.map(flag),
            troops_offered: decider
                .number_fact("troops_offered")
                .expect("a number fact"),
            contributions: decider.set_fact("contributions").expect("a set fact"),
        }
    }

    /// A record's facts, given to one request.
    fn give(&self, record: &CountryRecord, request: &mut prereq::batch::Request<'_>) {
        for (handle, value) in self.flags.iter().zip(record.flags()) {
            if let Some(value) = value {
                request.set_bool(*handle, value);
            }
        }
        if let Some(troops) = record.troops_offered {
            request
                .set_number(self.troops_offered, troops)
                .expect("an exact number");
        }
        if let Some(contributions) = &record.contributions {
            request
                .set_strings(self.contributions, contributions)
                .expect("words of the vocabulary");
        }
    }
}

/// Every coalition entity rule for one record, by hand, in rule order:
/// backing_met, willing, commit_troops, deploy, contribute,
/// defends_own_border, asset_seizure_partner.
fn record_by_hand(
    c: &CountryRecord,
    us_backstop: Option<bool>,
    ceasefire: Option<bool>,
) -> [Option<bool>; 7] {
    let offers = |what: &str| {
        c.contributions
            .as_ref()
            .map(|items| items.iter().any(|item| item == what))
    };
    let backing_met = or(us_backstop, not(c.needs_us_backstop));
    let willing = and(
        and(c.in_coalition, c.troops_offered.map(|t| t >= 1.0)),
        not(c.borders_russia),
    );
    let commit_troops = and(and(willing, backing_met), c.legal_basis);
    let deploy = and(and(commit_troops, ceasefire), c.rules_of_engagement);
    let other_role = or(
        or(offers("fast_jets"), offers("logistics")),
        or(offers("engineering"), offers("backfill")),
    );
    let contribute = or(willing, other_role);
    let defends = and(c.in_coalition, c.borders_russia);
    let seizure = and(c.in_coalition, not(c.resists_asset_seizure));
    [
        backing_met,
        willing,
        commit_troops,
        deploy,
        contribute,
        defends,
        seizure,
    ]
}

/// A verdict as the hand-written functions give it.
fn known(verdict: prereq::Verdict) -> Option<bool> {
    match verdict {
        prereq::Verdict::Satisfied => Some(true),
        prereq::Verdict::Unsatisfied => Some(false),
        prereq::Verdict::Undetermined => None,
    }
}

/// How many of each verdict, for checking that two paths agree.
fn tally(verdicts: impl Iterator<Item = Option<bool>>) -> [usize; 3] {
    let mut counts = [0; 3];
    verdicts.for_each(|verdict| count(&mut counts, verdict));
    counts
}

/// One more of `verdict` in `counts` (satisfied, unsatisfied, undetermined).
fn count(counts: &mut [usize; 3], verdict: Option<bool>) {
    counts[match verdict {
        Some(true) => 0,
        Some(false) => 1,
        None => 2,
    }] += 1;
}

fn front_door(c: &mut Criterion) {
    let rules = coalition();
    let json = synthetic_json();
    let snapshot = Facts::from_json_str("synthetic.json", &json).expect("the facts parse");
    drop(json);
    let records = CountryRecord::all(&snapshot);
    drop(snapshot);
    let build_facts = || {
        let mut facts = Facts::new("code");
        facts
            .set_world("us_backstop", true)
            .set_world("ceasefire", true);
        for record in &records {
            record.add_to(&mut facts);
        }
        facts
    };
    let facts = build_facts();
    let columns = Columns::from_facts(rules.program().schema(), &facts).expect("the facts fit");
    assert_eq!(
        batch_by_hand(&BitColumns::from_facts(&facts), true, true),
        batch_by_hand(&BitColumns::from_columns(&rules, &columns), true, true),
        "the hand-written load reads the facts as the columns hold them"
    );
    drop(columns);
    let by_hand = || {
        tally(
            records
                .iter()
                .flat_map(|record| record_by_hand(black_box(record), Some(true), Some(true))),
        )
    };
    let entity_rules: Vec<_> = rules
        .resolved()
        .rules
        .iter()
        .filter(|rule| rule.kind == prereq::check::RuleKind::Entity)
        .map(|rule| rule.name.clone())
        .collect();
    let report = rules.evaluate(&facts).expect("the facts fit");
    let from_report = tally(records.iter().flat_map(|record| {
        entity_rules
            .iter()
            .map(|rule| known(report.verdict(&record.name, rule).expect("a verdict")))
            .collect::<Vec<_>>()
    }));
    assert_eq!(
        from_report,
        by_hand(),
        "RuleSet::evaluate agrees with the hand-written function"
    );
    drop(report);

    let mut world = Facts::new("world");
    world
        .set_world("us_backstop", true)
        .set_world("ceasefire", true);
    let mut decider = rules.decider(&world).expect("the world fits");
    let coalition_facts = CoalitionHandles::of(&decider);
    let entity_ids: Vec<_> = entity_rules
        .iter()
        .map(|rule| decider.rule(rule).expect("the rule exists"))
        .collect();
    let mut decide = || {
        let mut counts = [0; 3];
        for record in &records {
            let mut request = decider.request();
            coalition_facts.give(black_box(record), &mut request);
            for &rule in &entity_ids {
                count(&mut counts, known(request.decide(rule)));
            }
        }
        counts
    };
    assert_eq!(
        decide(),
        by_hand(),
        "the decider agrees with the hand-written function"
    );

    let mut group = c.benchmark_group("front_door");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(records.len() as u64));
    group.bench_function("hand_written_fn", |b| b.iter(by_hand));
    group.bench_function("decider", |b| b.iter(&mut decide));
    group.bench_function("facts_in_code", |b| b.iter(|| black_box(build_facts())));
    group.bench_function("ruleset_evaluate", |b| {
        b.iter(|| black_box(rules.evaluate(&facts)))
    });
    group.bench_function("columns_from_facts", |b| {
        b.iter(|| black_box(Columns::from_facts(rules.program().schema(), &facts)))
    });
    group.bench_function("hand_written_load_from_facts", |b| {
        b.iter(|| black_box(BitColumns::from_facts(&facts)))
    });
    group.finish();
}

// ----- loading and parsing ---------------------------------------------------

fn load(c: &mut Criterion) {
    let rules = coalition();
    let json = synthetic_json();
    let columns = Columns::from_json_str(rules.program().schema(), "synthetic.json", &json)
        .expect("the synthetic facts fit");
    eprintln!(
        "load: {} entities, JSON {:.1} MB, columns hold {:.1} MB ({:.0}% of the JSON)",
        columns.len(),
        json.len() as f64 / 1e6,
        columns.heap_bytes() as f64 / 1e6,
        100.0 * columns.heap_bytes() as f64 / json.len() as f64
    );
    drop(columns);
    let mut group = c.benchmark_group("load");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("json_to_columns", |b| {
        b.iter(|| {
            black_box(Columns::from_json_str(
                rules.program().schema(),
                "synthetic.json",
                &json,
            ))
        })
    });
    // A file, as `prereq check` reads one: streamed, a chunk at a time.
    let file = std::env::temp_dir().join(format!("prereq-bench-{}.json", std::process::id()));
    std::fs::write(&file, &json).expect("the synthetic facts are written");
    group.bench_function("json_file_to_columns", |b| {
        b.iter(|| black_box(Columns::load(rules.program().schema(), &file)))
    });
    // The serde visitors alone: how every document was read before the
    // quick reader, and how it still reads what that one gives up on.
    group.bench_function("json_to_columns_serde_alone", |b| {
        b.iter(|| {
            black_box(Columns::from_json_str_with_serde(
                rules.program().schema(),
                "synthetic.json",
                &json,
            ))
        })
    });
    group.bench_function("json_to_facts_as_written", |b| {
        b.iter(|| black_box(Facts::from_json_str("synthetic.json", &json)))
    });
    group.finish();
    same_facts_as_a_table(c, &rules, &file);
    std::fs::remove_file(&file).expect("the synthetic facts file is removed");
}

/// The same 1,000,000 entities as a JSON file and as a CSV table, each read
/// into columns as `prereq check` reads it: the table must be at least as
/// fast (it is a third of the bytes, but every cell is typed by its
/// column's declaration rather than by its syntax).
fn same_facts_as_a_table(c: &mut Criterion, rules: &RuleSet, json_file: &std::path::Path) {
    let mut csv = Vec::new();
    synthetic_facts()
        .write_csv(&mut csv)
        .expect("a Vec takes the table");
    let csv_file = std::env::temp_dir().join(format!("prereq-bench-{}.csv", std::process::id()));
    std::fs::write(&csv_file, &csv).expect("the synthetic table is written");
    let mut group = c.benchmark_group("load_same_facts");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(ENTITIES as u64));
    let schema = rules.program().schema();
    group.bench_function("json_file", |b| {
        b.iter(|| black_box(Columns::load(schema, json_file)))
    });
    group.bench_function("csv_file", |b| {
        b.iter(|| black_box(Columns::load(schema, &csv_file)))
    });
    let parquet_file =
        std::env::temp_dir().join(format!("prereq-bench-{}.parquet", std::process::id()));
    let parquet = std::fs::File::create(&parquet_file).expect("the synthetic table is written");
    synthetic_facts()
        .write_parquet(parquet)
        .expect("the synthetic table is written");
    group.bench_function("parquet_file", |b| {
        b.iter(|| black_box(Columns::load(schema, &parquet_file)))
    });
    group.finish();
    check_from_parquet(c, rules, &parquet_file);
    std::fs::remove_file(&csv_file).expect("the synthetic table is removed");
    std::fs::remove_file(&parquet_file).expect("the synthetic table is removed");
}

/// What `prereq check --facts x.parquet --format parquet -o y.parquet`
/// does with 1,000,000 entities: load the table, give the world facts as
/// what-ifs, evaluate every rule, write the verdicts as Parquet (to
/// memory); beside it, the load alone. (DuckDB and Polars doing the same
/// are timed by `benches/peers/parquet_check.py`.)
fn check_from_parquet(c: &mut Criterion, rules: &RuleSet, parquet_file: &std::path::Path) {
    let schema = rules.program().schema();
    let world = [
        batch::FactChange::set("us_backstop=true").expect("a what-if"),
        batch::FactChange::set("ceasefire=true").expect("a what-if"),
    ];
    let mut group = c.benchmark_group("check_from_parquet");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(ENTITIES as u64));
    group.bench_function("load_alone", |b| {
        b.iter(|| black_box(Columns::load(schema, parquet_file)))
    });
    group.bench_function("load_evaluate_write", |b| {
        b.iter(|| {
            let mut columns = Columns::load(schema, parquet_file).expect("the table fits");
            columns.apply(schema, &world).expect("the what-ifs fit");
            let mut out = Vec::new();
            rules
                .evaluate_columns(&columns)
                .write_parquet(&mut out)
                .expect("the verdicts are written");
            black_box(out)
        })
    });
    group.finish();
}

fn parse_check(c: &mut Criterion) {
    let text = prereq::synthetic::rule_file(10_000);
    let mut group = c.benchmark_group("parse_check");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("10000_rules", |b| {
        b.iter(|| black_box(RuleSet::parse("generated.rules", &text).expect("the rules check")))
    });
    // Parsing alone, with the fast path and with pest alone (the reference).
    let id = prereq::Sources::default().add("generated.rules", "");
    group.bench_function("parse_only", |b| {
        b.iter(|| black_box(prereq::syntax::parse_file(id, &text)))
    });
    group.bench_function("parse_only_pest_alone", |b| {
        b.iter(|| black_box(prereq::syntax::parse_file_with_pest(id, &text)))
    });
    group.finish();
}

// ----- arithmetic and comparisons between facts ------------------------------

/// One entity of the arithmetic benchmark: (troops offered, active personnel).
type Forces = (Option<f64>, Option<f64>);

/// Synthetic forces: troops in steps of 250 up to 30,000, personnel up to
/// 200,000; a tenth of each unknown.
fn forces() -> Vec<Forces> {
    let mut state: u64 = 7;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    (0..ENTITIES)
        .map(|_| {
            let troops = (next(10) != 0).then(|| (next(121) * 250) as f64);
            let personnel = (next(10) != 0).then(|| (next(200_001)) as f64);
            (troops, personnel)
        })
        .collect()
}

/// `troops_offered >= min_contingent and troops_offered * 100 >=
/// active_personnel` by hand, in Kleene's logic, with the ranges' verdicts
/// for unknowns: troops from 0 to 30000 against a contingent of 1000 is
/// unknown; any troops cover no personnel at all.
fn ready_by_hand((troops, personnel): Forces, min_contingent: f64) -> Option<bool> {
    let enough = troops.map(|t| t >= min_contingent);
    let share = match (troops, personnel) {
        (Some(t), Some(p)) => Some(t * 100.0 >= p),
        (None, Some(p)) if p <= 0.0 => Some(true),
        _ => None,
    };
    and(enough, share)
}

fn arithmetic(c: &mut Criterion) {
    let rules = RuleSet::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/codegen/arithmetic.rules"
    ))
    .expect("the rules check");
    let forces = forces();
    let mut facts = Facts::new("forces");
    facts.set_world("min_contingent", 1000);
    for (index, (troops, personnel)) in forces.iter().enumerate() {
        let mut entity = facts.entity(&format!("c{index}"));
        if let Some(t) = troops {
            entity.set("troops_offered", *t);
        }
        if let Some(p) = personnel {
            entity.set("active_personnel", *p);
        }
    }
    let columns = Columns::from_facts(rules.program().schema(), &facts).expect("the facts fit");
    drop(facts);
    let ready = rules.resolved().rule_id("ready").expect("the rule exists");
    let compiled = batch::compile(rules.program(), &columns);
    let plan = compiled.plan(ready);
    let mut scratch = compiled.scratch();
    let rows: Vec<_> = (0..1000).map(|e| compiled.row(e)).collect();
    let world = arithmetic::World {
        min_contingent: Some(1000.0),
    };
    let entities: Vec<arithmetic::Entity> = forces
        .iter()
        .map(|(troops_offered, active_personnel)| arithmetic::Entity {
            troops_offered: *troops_offered,
            active_personnel: *active_personnel,
        })
        .collect();
    let verdicts = batch::evaluate(rules.program(), &columns);
    for (entity, force) in forces.iter().enumerate().step_by(991) {
        let expected = Tri::from(ready_by_hand(*force, 1000.0));
        assert_eq!(
            verdicts.get(entity, ready),
            expected,
            "batch agrees by hand"
        );
        assert_eq!(
            arithmetic::ready(&world, &entities[entity]),
            expected,
            "codegen agrees"
        );
        if let Some(row) = rows.get(entity) {
            assert_eq!(
                plan.evaluate(row, &mut scratch),
                expected,
                "the plan agrees"
            );
        }
    }
    let mut group = c.benchmark_group("arithmetic");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Elements(ENTITIES as u64));
    group.bench_function("hand_written", |b| {
        b.iter(|| {
            black_box(&forces)
                .iter()
                .map(|force| Tri::from(ready_by_hand(*force, 1000.0)))
                .filter(|t| *t == Tri::True)
                .count()
        })
    });
    group.bench_function("prereq_batch", |b| {
        b.iter(|| black_box(batch::evaluate(rules.program(), &columns)))
    });
    group.bench_function("prereq_codegen", |b| {
        b.iter(|| {
            black_box(&entities)
                .iter()
                .map(|entity| arithmetic::ready(&world, entity))
                .filter(|t| *t == Tri::True)
                .count()
        })
    });
    group.throughput(Throughput::Elements(rows.len() as u64));
    group.bench_function("prereq_plan_per_row_1000", |b| {
        b.iter(|| {
            rows.iter()
                .map(|row| plan.evaluate(black_box(row), &mut scratch))
                .filter(|t| *t == Tri::True)
                .count()
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    eval_one,
    eval_batch,
    front_door,
    load,
    parse_check,
    arithmetic
);
criterion_main!(benches);

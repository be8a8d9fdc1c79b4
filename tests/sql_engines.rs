//! `prereq sql` on the real engines: random rule sets over random facts
//! with unknowns, and the coalition example, decided by DuckDB, SQLite,
//! PostgreSQL and Spark (local mode) from the tables `prereq sql --schema` describes, verdict for verdict as
//! prereq's evaluator decides them.
//!
//! The engines are reached through Python (`tests/engines/run_sql.py`):
//! DuckDB, psycopg and PySpark from PyPI, SQLite from Python's own
//! library, a PostgreSQL server named by `PREREQ_POSTGRES` (the local one
//! when unset). Where an engine is
//! missing the test says so and passes — except under CI (`CI` set), where
//! it fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeMap;

use common::sql::{Case, run, setup, with_whole_sets};
use common::{entity_rows, facts_of, print_rules, rule_set, world_row};
use prereq::sql::{Dialect, SqlError, SqlOptions};
use prereq::{Facts, RuleSet};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// How many random rule sets each engine decides (Spark, which writes
/// each case's tables as files, fewer).
const CASES: usize = 1000;
const SPARK_CASES: usize = 50;

/// One case: the rules, the facts, and the verdicts prereq gives, by
/// entity and then by rule.
struct Expected {
    rules: RuleSet,
    facts: Facts,
    verdicts: BTreeMap<String, BTreeMap<String, String>>,
}

fn expected(rules: RuleSet, facts: Facts) -> Expected {
    let report = rules.evaluate(&facts).unwrap();
    let names: Vec<String> = rules
        .resolved()
        .rules
        .iter()
        .map(|r| r.name.clone())
        .collect();
    let mut verdicts = BTreeMap::new();
    for entity in report.entities() {
        let row = names
            .iter()
            .map(|rule| {
                let verdict = report
                    .verdict(entity, rule)
                    .or_else(|| report.world_verdict(rule))
                    .unwrap();
                (rule.clone(), verdict.as_str().to_string())
            })
            .collect();
        verdicts.insert(entity.to_string(), row);
    }
    Expected {
        rules,
        facts,
        verdicts,
    }
}

/// Random rule sets that compile to SQL, with random facts: arithmetic is
/// refused (and must be said to be), and sets are given whole.
fn random_cases(count: usize) -> Vec<Expected> {
    let mut runner = TestRunner::deterministic();
    let strategy = (rule_set(), world_row(), entity_rows());
    let mut cases = Vec::new();
    let mut refused = 0;
    while cases.len() < count {
        let (rules, world, entities) = strategy.new_tree(&mut runner).unwrap().current();
        let text = print_rules(&rules);
        let rules = RuleSet::parse("generated.rules", &text).unwrap();
        match prereq::sql::query(&rules, &SqlOptions::new(Dialect::DuckDb)) {
            Ok(_) => {}
            Err(SqlError::Unsupported { construct, .. }) => {
                assert!(construct.contains("arithmetic"), "{construct}\n{text}");
                refused += 1;
                continue;
            }
            Err(other) => panic!("{other}\n{text}"),
        }
        let facts = with_whole_sets(&facts_of(&world, &entities));
        cases.push(expected(rules, facts));
    }
    eprintln!("{refused} generated rule sets refused for their arithmetic");
    assert!(refused < 4 * count, "{refused} rule sets refused");
    cases.push(coalition());
    cases
}

/// The bundled example after the US backstop, its sets made whole.
fn coalition() -> Expected {
    let root = env!("CARGO_MANIFEST_DIR");
    let rules = RuleSet::load(format!("{root}/rules")).unwrap();
    let facts = Facts::load(format!("{root}/rules/facts/what-if-backstop.toml")).unwrap();
    expected(rules, with_whole_sets(&facts))
}

/// Runs every case on an engine and compares each verdict.
fn decides_as_prereq(engine: &str, dialect: Dialect, count: usize) {
    let cases = random_cases(count);
    let requests: Vec<Case> = cases
        .iter()
        .map(|case| Case {
            setup: setup(&case.rules, &case.facts, dialect),
            query: prereq::sql::query(&case.rules, &SqlOptions::new(dialect)).unwrap(),
        })
        .collect();
    let Some(answers) = run(engine, &requests) else {
        return;
    };
    let mut compared = 0;
    for ((case, request), answer) in cases.iter().zip(&requests).zip(answers) {
        let context = || {
            format!(
                "{}\n{}\n{}",
                request.setup.join(";\n"),
                request.query,
                case.rules
                    .sources()
                    .iter()
                    .map(|(_, s)| s.text())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        };
        assert!(
            answer.error.is_none(),
            "{engine}: {:?}\n{}",
            answer.error,
            context()
        );
        let mut got = BTreeMap::new();
        for row in &answer.rows {
            let entity = row[0].clone().unwrap();
            let verdicts: BTreeMap<String, String> = answer.columns[1..]
                .iter()
                .cloned()
                .zip(row[1..].iter().map(|cell| cell.clone().unwrap()))
                .collect();
            compared += verdicts.len();
            got.insert(entity, verdicts);
        }
        assert_eq!(
            got,
            case.verdicts,
            "{engine} decides otherwise\n{}",
            context()
        );
    }
    assert!(compared > count, "only {compared} verdicts compared");
}

#[test]
fn duckdb_decides_as_prereq() {
    decides_as_prereq("duckdb", Dialect::DuckDb, CASES);
}

#[test]
fn sqlite_decides_as_prereq() {
    decides_as_prereq("sqlite", Dialect::Sqlite, CASES);
}

#[test]
fn postgres_decides_as_prereq() {
    decides_as_prereq("postgres", Dialect::Postgres, CASES);
}

#[test]
fn spark_decides_as_prereq() {
    decides_as_prereq("spark", Dialect::Spark, SPARK_CASES);
}

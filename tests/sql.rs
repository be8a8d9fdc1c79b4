//! `prereq sql` through the real binary: the coalition's query and tables
//! in every dialect, a rule set of hostile names and strings, and every
//! refusal with its exit code and hint. That the queries decide as prereq
//! does is `tests/sql_engines.rs`'s to show.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::run::{prereq, prereq_in};

#[test]
fn the_coalition_in_every_dialect() {
    for dialect in ["duckdb", "postgres", "sqlite", "spark"] {
        let query = prereq(&["sql", "rules/", "--dialect", dialect]);
        assert_eq!(query.code, 0, "{}", query.stderr);
        let schema = prereq(&["sql", "rules/", "--dialect", dialect, "--schema"]);
        assert_eq!(schema.code, 0, "{}", schema.stderr);
        insta::assert_snapshot!(
            format!("coalition_{dialect}"),
            format!("{}\n{}", schema.stdout, query.stdout)
        );
    }
}

#[test]
fn one_rule_with_the_rules_it_reads_from_named_tables() {
    let run = prereq(&[
        "sql",
        "rules/",
        "--dialect",
        "postgres",
        "--rule",
        "commit_troops",
        "--entities",
        "warehouse.countries",
        "--world",
        "warehouse.world_2025",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stdout.contains("\"rule deploy\""),
        "deploy is not read"
    );
    assert!(!run.stdout.contains("ceasefire"), "nor is the ceasefire");
    insta::assert_snapshot!(run.stdout);
}

/// Names that are keywords, strings with quotes and backslashes: quoted
/// and escaped in every dialect.
#[test]
fn hostile_names_and_strings_are_quoted() {
    let dir = std::env::temp_dir().join(format!("prereq-sql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("hostile.rules"),
        "world fact select: bool\nfact order: string\nfact from: set<string>\n\
         rule group requires select and order == \"it's \\\\ '; DROP TABLE x; --\" \
         and \"a\\\"b\" in from\n",
    )
    .unwrap();
    let mut transcript = String::new();
    for dialect in ["duckdb", "postgres", "sqlite", "spark"] {
        let run = prereq_in(&dir, &["sql", "hostile.rules", "--dialect", dialect]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        transcript.push_str(&format!("-- {dialect}\n{}\n", run.stdout));
    }
    std::fs::remove_dir_all(&dir).unwrap();
    insta::assert_snapshot!(transcript);
}

#[test]
fn refusals_name_the_rule_and_give_a_hint() {
    let cases: &[(&[&str], i32)] = &[
        (
            &["sql", "tests/fixtures/arithmetic", "--dialect", "duckdb"],
            4,
        ),
        (
            &["sql", "rules/", "--dialect", "duckdb", "--rule", "deplyo"],
            2,
        ),
        (
            &["sql", "rules/", "--dialect", "duckdb", "--entities", "a..b"],
            2,
        ),
        (&["sql", "rules/", "--dialect", "oracle"], 2),
    ];
    let mut transcript = String::new();
    for (args, code) in cases {
        let run = prereq(args);
        assert_eq!(run.code, *code, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty());
        transcript.push_str(&format!("$ prereq {}\n{}\n", args.join(" "), run.stderr));
    }
    insta::assert_snapshot!(transcript);
}

//! Facts where they live, through the real binary: CSV tables, a TOML file
//! that names its table of entities, standard input, what-ifs given on the
//! command line, facts the rules do not declare, and verdicts as a table.
//!
//! Every way of giving the same snapshot must give the same verdicts as
//! the TOML file of the bundled example; every mistake is an error naming
//! where it is.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::run::{Run, prereq, prereq_with_stdin};

const EXAMPLE: &str = "rules/facts/2025-03-17.toml";
const EXAMPLE_TABLE: &str = "rules/facts/2025-03-17-countries.csv";

/// The verdicts of `check --format json`, asserting the run succeeded.
fn verdicts(run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

/// Writes a file in `dir`; returns its path.
fn written(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn check_json(extra: &[&str]) -> Run {
    let mut args = vec!["check", "rules/", "--format", "json"];
    args.extend_from_slice(extra);
    prereq(&args)
}

#[test]
fn every_way_of_giving_the_example_gives_its_verdicts() {
    let expected = verdicts(&check_json(&["--facts", EXAMPLE]));
    let world = ["--set", "us_backstop=false", "--set", "ceasefire=false"];
    let table_and_world: Vec<&str> = ["--facts", EXAMPLE_TABLE]
        .iter()
        .chain(&world)
        .copied()
        .collect();
    assert_eq!(
        verdicts(&check_json(&table_and_world)),
        expected,
        "CSV with the world facts set"
    );
    let named = check_json(&["--facts", "rules/facts/2025-03-17-table.toml"]);
    assert_eq!(verdicts(&named), expected, "a TOML file naming its table");

    let toml = std::fs::read(EXAMPLE).unwrap();
    let args = [
        "check",
        "rules/",
        "--format",
        "json",
        "--facts",
        "-",
        "--facts-format",
        "toml",
    ];
    assert_eq!(
        verdicts(&prereq_with_stdin(&args, &toml)),
        expected,
        "TOML on stdin"
    );

    let csv = std::fs::read(EXAMPLE_TABLE).unwrap();
    let mut args = vec![
        "check",
        "rules/",
        "--format",
        "json",
        "--facts",
        "-",
        "--facts-format",
        "csv",
    ];
    args.extend_from_slice(&world);
    assert_eq!(
        verdicts(&prereq_with_stdin(&args, &csv)),
        expected,
        "CSV on stdin"
    );
}

#[test]
fn world_facts_of_a_bare_table_are_unknown() {
    let run = check_json(&["--facts", EXAMPLE_TABLE, "--rule", "secure_peace"]);
    let results = verdicts(&run)["results"].clone();
    assert_eq!(results[0]["verdict"], "undetermined", "{results}");
}

#[test]
fn standard_input_needs_its_format() {
    let run = prereq_with_stdin(&["check", "rules/", "--facts", "-"], b"[world]\n");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn what_ifs_give_the_same_verdicts_as_the_edited_file() {
    let edited = verdicts(&check_json(&[
        "--facts",
        "rules/facts/what-if-backstop.toml",
    ]));
    let set = check_json(&[
        "--facts",
        EXAMPLE,
        "--set",
        "us_backstop=true",
        "--set",
        "ceasefire=true",
        "--set",
        "UK.rules_of_engagement=true",
        "--set",
        "France.rules_of_engagement=true",
    ]);
    assert_eq!(verdicts(&set), edited);
}

#[test]
fn unset_makes_a_fact_unknown() {
    let willing = |extra: &[&str]| {
        let mut args = vec!["--facts", EXAMPLE, "--entity", "UK", "--rule", "willing"];
        args.extend_from_slice(extra);
        verdicts(&check_json(&args))["results"][0]["verdict"].clone()
    };
    assert_eq!(willing(&[]), "satisfied");
    assert_eq!(willing(&["--unset", "UK.in_coalition"]), "undetermined");
    assert_eq!(willing(&["--set", "UK.in_coalition=false"]), "unsatisfied");
}

/// Every what-if that cannot be: an error naming the flag, with a hint.
#[test]
fn what_if_mistakes_are_named_with_a_hint() {
    let cases: &[&[&str]] = &[
        &["--set", "Nowhere.legal_basis=true"],
        &["--set", "uk.legal_basis=true"],
        &["--set", "UK.legal_basis=maybe"],
        &["--set", "legal_basis=true"],
        &["--set", "UK.us_backstop=true"],
        &["--set", "no_equals_sign"],
        &["--set", "UK.legal_basis=true", "--unset", "UK.legal_basis"],
        &["--unset", "UK.colour"],
        &["--set", "UK.contributions=troops; tanks"],
        &["--set", "UK.troops_offered=50000"],
        &["--set", "UK.troops_offered=1e400"],
    ];
    let mut transcript = String::new();
    for case in cases {
        let mut args = vec!["check", "rules/", "--facts", EXAMPLE];
        args.extend_from_slice(case);
        let run = prereq(&args);
        let expected = if case[1] == "no_equals_sign" { 2 } else { 1 };
        assert_eq!(run.code, expected, "{case:?}: {}", run.stderr);
        assert!(
            run.stdout.is_empty(),
            "{case:?}: no verdicts on a bad what-if"
        );
        transcript.push_str(&format!("$ {}\n{}\n", case.join(" "), run.transcript()));
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn what_ifs_reach_every_command_that_reads_a_snapshot() {
    let backstop = ["--set", "us_backstop=true", "--set", "ceasefire=true"];
    let commands: &[&[&str]] = &[
        &[
            "explain", "rules/", "--facts", EXAMPLE, "--entity", "UK", "--rule", "deploy",
        ],
        &[
            "unlock", "rules/", "--facts", EXAMPLE, "--entity", "UK", "--rule", "deploy",
        ],
        &["leverage", "rules/", "--facts", EXAMPLE, "--rule", "deploy"],
        &["diff", "rules/", "--facts", EXAMPLE, "--rule", "deploy"],
    ];
    let mut transcript = String::new();
    for command in commands {
        let args: Vec<&str> = command.iter().chain(&backstop).copied().collect();
        let run = prereq(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        transcript.push_str(&format!("$ {}\n{}\n", args.join(" "), run.transcript()));
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn validate_checks_what_ifs_against_the_facts_it_is_given() {
    let run = prereq(&["validate", "rules/", "--set", "ceasefire=true"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = prereq(&[
        "validate",
        "rules/",
        "--facts",
        EXAMPLE,
        "--set",
        "ceasefire=maybe",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("--set ceasefire=maybe"),
        "{}",
        run.stderr
    );
}

#[test]
fn extra_facts_are_refused_or_ignored_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let shared = written(
        &dir,
        "shared.csv",
        "entity,in_coalition,colour,gdp\nUK,true,red,3.1\nIreland,,green,0.5\n",
    );
    let shared = shared.as_str();
    let refused = prereq(&["check", "rules/", "--facts", shared]);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("`colour` is not a declared fact"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("--allow-extra-facts"),
        "{}",
        refused.stderr
    );
    let allowed = prereq(&["check", "rules/", "--facts", shared, "--allow-extra-facts"]);
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    assert!(
        allowed
            .stderr
            .ends_with("ignored 2 facts the rules do not declare: colour, gdp\n"),
        "{}",
        allowed.stderr
    );
}

#[test]
fn verdicts_as_csv_on_stdout_or_in_a_file() {
    let run = prereq(&["check", "rules/", "--facts", EXAMPLE, "--format", "csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("verdicts.csv");
    let out = out.to_str().unwrap();
    let to_file = prereq(&[
        "check", "rules/", "--facts", EXAMPLE, "--format", "csv", "-o", out,
    ]);
    assert_eq!(to_file.code, 0, "{}", to_file.stderr);
    assert!(to_file.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(out).unwrap(), run.stdout);
}

#[test]
fn verdicts_as_csv_quote_what_needs_quoting() {
    let dir = tempfile::tempdir().unwrap();
    let facts = written(
        &dir,
        "odd.csv",
        "entity,in_coalition\n\"Korea, Republic of\",true\n\"The \"\"Quoted\"\" One\",\n",
    );
    let run = prereq(&[
        "check", "rules/", "--facts", &facts, "--format", "csv", "--rule", "deploy",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut table = csv::Reader::from_reader(run.stdout.as_bytes());
    let rows: Vec<Vec<String>> = table
        .records()
        .map(|row| row.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["Korea, Republic of", "undetermined"],
            ["The \"Quoted\" One", "undetermined"]
        ]
    );
}

#[test]
fn a_named_table_meets_every_check() {
    let dir = tempfile::tempdir().unwrap();
    written(&dir, "bad.csv", "entity,in_coalition\nUK,maybe\n");
    written(&dir, "bad.toml", "entities_from = \"bad.csv\"\n");
    written(
        &dir,
        "both.toml",
        "entities_from = \"bad.csv\"\n[entities.UK]\n",
    );
    written(&dir, "json.toml", "entities_from = \"other.json\"\n");
    written(&dir, "number.json", "{\"entities_from\": 5}");
    let mut transcript = String::new();
    for name in ["bad.toml", "both.toml", "json.toml", "number.json"] {
        let run = common::run::prereq_in(
            dir.path(),
            &[
                "validate",
                concat!(env!("CARGO_MANIFEST_DIR"), "/rules"),
                "--facts",
                name,
            ],
        );
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        let stderr = run.stderr.replace(&dir.path().display().to_string(), "DIR");
        transcript.push_str(&format!("$ --facts {name}\n{stderr}\n"));
    }
    insta::assert_snapshot!(transcript);
}

/// `bench-data --format csv` writes the entities of `bench-data`'s JSON:
/// with the world facts set, the same verdicts.
#[test]
fn synthetic_table_gives_the_synthetic_documents_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    let (json, csv) = (path("facts.json"), path("facts.csv"));
    for (format, file) in [("json", &json), ("csv", &csv)] {
        let args = [
            "bench-data",
            "--entities",
            "500",
            "--format",
            format,
            "-o",
            file,
        ];
        assert_eq!(prereq(&args).code, 0);
    }
    let from_json = verdicts(&check_json(&["--facts", &json]));
    let world = ["--set", "us_backstop=true", "--set", "ceasefire=true"];
    let from_csv: Vec<&str> = ["--facts", csv.as_str()]
        .iter()
        .chain(&world)
        .copied()
        .collect();
    assert_eq!(verdicts(&check_json(&from_csv)), from_json);
}

//! Integration tests that run the real `prereq` binary.
//!
//! Output is snapshotted with insta; exit codes are asserted. Every run sets
//! `NO_COLOR` and runs from the repository root with relative paths, so the
//! snapshots do not depend on the machine.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;

use common::run::{prereq, prereq_in};

#[test]
fn check_prints_the_coalition_matrix() {
    let run = prereq(&["check", "rules/", "--facts", "rules/facts/2025-03-17.toml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for symbol in ["✓", "✗", "?"] {
        assert!(
            run.stdout.contains(symbol),
            "the matrix shows {symbol} cells"
        );
    }
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn check_what_if_backstop_table() {
    let run = prereq(&[
        "check",
        "rules",
        "--facts",
        "rules/facts/what-if-backstop.toml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn check_json_has_the_documented_shape() {
    let run = prereq(&[
        "check",
        "rules/",
        "--facts",
        "rules/facts/2025-03-17.toml",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let value: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let results = value["results"].as_array().unwrap();
    assert_eq!(
        value.as_object().unwrap().len(),
        1,
        "only `results` at the top"
    );
    assert_eq!(
        results[0]["entity"],
        serde_json::Value::Null,
        "world rules come first, with a null entity"
    );
    assert_eq!(results[0]["rule"], "secure_peace");
    assert_eq!(results[1]["entity"], "UK", "entities in facts-file order");
    assert_eq!(
        results[1]["rule"], "backing_met",
        "rules in declaration order"
    );
    let poland_deploy = results
        .iter()
        .find(|r| r["entity"] == "Poland" && r["rule"] == "deploy")
        .unwrap();
    assert_eq!(poland_deploy["verdict"], "unsatisfied");
    for row in results {
        assert_eq!(row.as_object().unwrap().len(), 3);
        assert!(
            ["satisfied", "unsatisfied", "undetermined"]
                .contains(&row["verdict"].as_str().unwrap())
        );
    }
    insta::assert_snapshot!(run.stdout);
}

#[test]
fn check_narrows_to_rules_and_entities() {
    let run = prereq(&[
        "check",
        "rules/coalition.rules",
        "--facts",
        "rules/facts/what-if-backstop.toml",
        "--rule",
        "deploy",
        "--entity",
        "Ireland",
        "--entity",
        "UK",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "{\"results\":[{\"entity\":\"UK\",\"rule\":\"deploy\",\"verdict\":\"satisfied\"},\
         {\"entity\":\"Ireland\",\"rule\":\"deploy\",\"verdict\":\"undetermined\"}]}\n"
    );
}

#[test]
fn unknown_rule_or_entity_is_a_usage_error_with_a_suggestion() {
    let run = prereq(&[
        "check",
        "rules/",
        "--facts",
        "rules/facts/2025-03-17.toml",
        "--rule",
        "deplo",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: there is no rule named `deplo`; did you mean `deploy`?\n"
    );
    let run = prereq(&[
        "check",
        "rules/",
        "--facts",
        "rules/facts/2025-03-17.toml",
        "--entity",
        "Narnia",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr, "error: there is no entity named `Narnia`\n");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(prereq(&["check", "rules/"]).code, 2, "--facts is required");
    assert_eq!(prereq(&[]).code, 2, "a command is required");
    assert_eq!(prereq(&["frobnicate"]).code, 2);
    let run = prereq(&["check", "rules/", "--facts", "x.toml", "--format", "yaml"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("invalid value 'yaml'"),
        "{}",
        run.stderr
    );
}

#[test]
fn help_works_everywhere() {
    for args in [
        &["--help"][..],
        &["check", "--help"],
        &["validate", "--help"],
    ] {
        let run = prereq(args);
        assert_eq!(run.code, 0);
        assert!(run.stdout.contains("Usage: prereq"), "{}", run.stdout);
    }
    assert!(prereq(&["--help"]).stdout.contains("Exit codes"));
}

#[test]
fn validate_reports_success_on_stdout() {
    let run = prereq(&[
        "validate",
        "rules/",
        "--facts",
        "rules/facts/2025-03-17.toml",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "ok: 8 rules and 10 facts in 1 file\n");
    assert_eq!(run.stderr, "");
}

#[test]
fn invalid_facts_exit_1_naming_every_path() {
    let run = prereq(&[
        "check",
        "rules/",
        "--facts",
        "tests/fixtures/facts/bad.toml",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "");
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn unreadable_inputs_exit_1() {
    let run = prereq(&[
        "check",
        "no/such/rules",
        "--facts",
        "rules/facts/2025-03-17.toml",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: no/such/rules: cannot read:"),
        "{}",
        run.stderr
    );
    let run = prereq(&["check", "rules/", "--facts", "rules/coalition.rules"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stderr,
        "error: rules/coalition.rules: facts files must end in .toml, .json, .csv or .parquet (or say their format: --facts-format)\n"
    );
    let run = prereq(&[
        "check",
        "rules/",
        "--facts",
        "tests/fixtures/facts/broken.json",
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("trailing comma at line 1 column 30"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_split_across_files_are_one_rule_set() {
    let run = prereq(&["validate", "tests/fixtures/cross_file"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn colours_only_when_asked_or_on_a_terminal() {
    let plain = prereq(&["check", "rules/", "--facts", "rules/facts/2025-03-17.toml"]);
    assert!(!plain.stdout.contains('\x1b'), "no colour when piped");
    let forced = prereq(&[
        "check",
        "rules/",
        "--facts",
        "rules/facts/2025-03-17.toml",
        "--color",
        "always",
    ]);
    assert!(forced.stdout.contains("\x1b[32m✓\x1b[0m"));
}

/// Every file under tests/bad/rules/ shows one kind of diagnostic (or, when
/// its name says so, a shape of input that must work).
#[test]
fn diagnostics_catalogue() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad/rules");
    insta::glob!("bad/rules/*.rules", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let run = prereq_in(&dir, &["validate", name]);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        insta::assert_snapshot!(run.transcript());
    });
}

/// The four questions of the analyses, on the coalition example, table and JSON.
#[test]
fn analyses_on_the_coalition_example() {
    let today = "rules/facts/2025-03-17.toml";
    let what_if = "rules/facts/what-if-backstop.toml";
    let runs: [(&str, Vec<&str>); 10] = [
        (
            "explain_uk_deploy",
            vec![
                "explain", "rules/", "--facts", today, "--entity", "UK", "--rule", "deploy",
            ],
        ),
        (
            "explain_ireland_commit",
            vec![
                "explain",
                "rules/",
                "--facts",
                today,
                "--entity",
                "Ireland",
                "--rule",
                "commit_troops",
            ],
        ),
        (
            "explain_world_rule_json",
            vec![
                "explain",
                "rules/",
                "--facts",
                today,
                "--rule",
                "secure_peace",
                "--format",
                "json",
            ],
        ),
        (
            "unlock_ireland_deploy",
            vec![
                "unlock", "rules/", "--facts", today, "--entity", "Ireland", "--rule", "deploy",
            ],
        ),
        (
            "unlock_uk_deploy_json",
            vec![
                "unlock", "rules/", "--facts", today, "--entity", "UK", "--rule", "deploy",
                "--format", "json",
            ],
        ),
        (
            "unlock_every_entity",
            vec![
                "unlock",
                "rules/",
                "--facts",
                today,
                "--rule",
                "commit_troops",
                "--max",
                "2",
            ],
        ),
        (
            "diff_what_if",
            vec!["diff", "rules/", "--facts", today, "--facts", what_if],
        ),
        (
            "diff_what_if_json",
            vec![
                "diff", "rules/", "--facts", today, "--facts", what_if, "--format", "json",
            ],
        ),
        (
            "leverage_commit",
            vec![
                "leverage",
                "rules/",
                "--facts",
                today,
                "--rule",
                "commit_troops",
                "--pairs",
            ],
        ),
        (
            "leverage_commit_json",
            vec![
                "leverage",
                "rules/",
                "--facts",
                today,
                "--rule",
                "commit_troops",
                "--format",
                "json",
            ],
        ),
    ];
    for (name, args) in runs {
        let run = prereq(&args);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        if name.ends_with("json") {
            serde_json::from_str::<serde_json::Value>(&run.stdout).unwrap();
        }
        insta::assert_snapshot!(name, run.stdout);
    }
}

/// Arithmetic and comparisons between facts are evaluated, and every
/// analysis reasons about them exactly: lint proves, leverage and unlock
/// propose changes to every fact read (one given the other's value, or
/// several together), compare proves meanings equal.
#[test]
fn arithmetic_and_comparisons_between_facts_are_analysed_exactly() {
    let rules = "tests/fixtures/arithmetic/force.rules";
    let facts = "tests/fixtures/arithmetic/force.toml";
    let run = |args: &[&str]| {
        let run = prereq(args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        run
    };
    let check = run(&["check", rules, "--facts", facts]);
    let explain = run(&[
        "explain",
        rules,
        "--facts",
        facts,
        "--rule",
        "meaningful_share",
        "--entity",
        "Estonia",
    ]);
    let lint = run(&["lint", rules]);
    assert!(
        lint.stderr
            .contains("rule `exact_decimals` is satisfied whenever its facts are known")
    );
    let lint_json = run(&["lint", rules, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&lint_json.stdout).unwrap();
    assert_eq!(value["unchecked"], serde_json::json!([]));
    let leverage = run(&[
        "leverage",
        rules,
        "--facts",
        facts,
        "--rule",
        "ground_troops",
    ]);
    assert!(
        leverage
            .stdout
            .contains("min_contingent (world): 1000 → <= 50   +1 (Estonia)")
    );
    let leverage_json = run(&[
        "leverage",
        rules,
        "--facts",
        facts,
        "--rule",
        "meaningful_share",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&leverage_json.stdout).unwrap();
    assert_eq!(value["not_searched"], serde_json::json!([]));
    let facts_changed: Vec<&str> = value["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|effect| effect["changes"][0]["fact"].as_str().unwrap())
        .collect();
    assert!(
        facts_changed.contains(&"troops_offered") && facts_changed.contains(&"active_personnel")
    );
    let unlock = run(&[
        "unlock",
        rules,
        "--facts",
        facts,
        "--rule",
        "ground_troops",
        "--entity",
        "Ireland",
    ]);
    let together = run(&[
        "unlock",
        rules,
        "--facts",
        facts,
        "--rule",
        "anglo_french_core",
        "--entity",
        "Ireland",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&together.stdout).unwrap();
    assert_eq!(
        value["options"][0][0]["jointly"],
        serde_json::json!(["uk_troops + france_troops >= 20000"])
    );
    let compare = run(&["compare", rules, rules]);
    let transcripts: Vec<String> = [check, explain, lint, leverage, unlock, compare]
        .iter()
        .map(|run| run.transcript())
        .collect();
    insta::assert_snapshot!(transcripts.join("\n"));
}

/// With a vocabulary, what a change takes is said in its words.
#[test]
fn unlock_and_leverage_propose_words_of_the_vocabulary() {
    let rules = "tests/fixtures/vocabulary/stance.rules";
    let facts = "tests/fixtures/vocabulary/stance.toml";
    let unlock = prereq(&[
        "unlock", rules, "--facts", facts, "--rule", "ready", "--entity", "UK",
    ]);
    assert_eq!(unlock.code, 0, "{}", unlock.stderr);
    assert!(
        unlock
            .stdout
            .contains(r#"stance: "opposed" → in ["conditional", "willing"]"#)
    );
    let leverage = prereq(&["leverage", rules, "--facts", facts, "--rule", "not_opposed"]);
    assert_eq!(leverage.code, 0, "{}", leverage.stderr);
    insta::assert_snapshot!(format!(
        "{}\n{}",
        unlock.transcript(),
        leverage.transcript()
    ));
}

#[test]
fn analysis_usage_errors() {
    let today = "rules/facts/2025-03-17.toml";
    let run = prereq(&["explain", "rules/", "--facts", today, "--rule", "deploy"]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: rule `deploy` is decided per entity: name the entity\n"
    );
    let run = prereq(&[
        "unlock", "rules/", "--facts", today, "--entity", "Irland", "--rule", "deploy",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: there is no entity named `Irland`; did you mean `Ireland`?\n"
    );
    let run = prereq(&["diff", "rules/", "--facts", today]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: diff takes two facts files (--facts OLD --facts NEW), or one and the what-ifs to compare it with (--set, --unset)\n"
    );
}

/// Every file under tests/bad/facts/ is a facts snapshot with one kind of
/// problem (or, when its name says so, a shape that must work), checked
/// against the coalition rules.
#[test]
fn facts_catalogue() {
    insta::glob!("bad/facts/*", |path| {
        let name = path.file_name().unwrap().to_str().unwrap();
        let facts = format!("tests/bad/facts/{name}");
        let run = prereq(&["validate", "rules/", "--facts", &facts]);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        assert_eq!(
            run.code,
            if name.contains("_work") { 0 } else { 1 },
            "{name}: {}",
            run.stderr
        );
        insta::assert_snapshot!(run.transcript());
    });
}

#[test]
fn lint_reports_every_lint_with_spans_and_help() {
    let run = prereq(&["lint", "tests/fixtures/lint/every_lint.rules"]);
    assert_eq!(run.code, 0);
    insta::assert_snapshot!(run.transcript());
    let json = prereq(&[
        "lint",
        "tests/fixtures/lint/every_lint.rules",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["complete"], true);
    let codes: Vec<&str> = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    for (lint, _) in prereq::analysis::lint::LINTS {
        assert!(
            codes.contains(&lint),
            "the fixture shows `{lint}`: {codes:?}"
        );
    }
    assert!(
        !json.stdout.contains("`silenced`"),
        "allow() silences a lint"
    );
    assert_eq!(
        prereq(&[
            "lint",
            "tests/fixtures/lint/every_lint.rules",
            "--deny-warnings"
        ])
        .code,
        1
    );
    assert_eq!(prereq(&["lint", "rules/"]).stdout, "no lints\n");
}

#[test]
fn compare_shows_a_witness_for_each_changed_rule() {
    let run = prereq(&[
        "compare",
        "rules/",
        "tests/fixtures/compare/coalition_v2.rules",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    insta::assert_snapshot!(run.transcript());
    let same = prereq(&[
        "compare",
        "rules/",
        "rules/coalition.rules",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&same.stdout).unwrap();
    assert!(
        value["rules"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "same-meaning")
    );
}

#[test]
fn rule_tests_pass_on_the_example_and_report_failures_with_explanations() {
    let run = prereq(&["test", "rules/"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.ends_with("result: 11 passed, 0 failed\n"),
        "{}",
        run.stdout
    );
    let run = prereq(&["test", "tests/fixtures/ruletests/failing.test.toml"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.transcript());
}

#[test]
fn fmt_checks_rewrites_and_never_touches_a_broken_file() {
    let dir = std::env::temp_dir().join(format!("prereq-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let messy = dir.join("messy.rules");
    let broken = dir.join("broken.rules");
    std::fs::write(
        &messy,
        "fact a:bool # keep me\nrule r requires a and(a or a)\n",
    )
    .unwrap();
    std::fs::write(&broken, "rule r requires a and\n").unwrap();
    let messy_arg = messy.to_str().unwrap();
    let check = prereq(&["fmt", "--check", messy_arg]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (1, format!("{messy_arg}\n").as_str())
    );
    assert_eq!(prereq(&["fmt", messy_arg]).code, 0);
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "fact a: bool # keep me\n\nrule r requires a and (a or a)\n"
    );
    assert_eq!(prereq(&["fmt", "--check", messy_arg]).code, 0);
    let run = prereq(&["fmt", broken.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("has syntax errors; not formatted"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "rule r requires a and\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary files left behind: {leftovers:?}"
    );
    assert_eq!(
        prereq(&["fmt", "--check", "rules/"]).code,
        0,
        "the example is formatted"
    );
}

#[test]
fn codegen_writes_the_committed_module_and_refuses_invalid_rules() {
    let run = prereq(&["codegen", "rules/"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated/coalition.rs"),
    )
    .unwrap();
    assert_eq!(run.stdout, committed);
    let out = std::env::temp_dir().join(format!("prereq-codegen-{}.rs", std::process::id()));
    let run = prereq(&["codegen", "rules/", "-o", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), committed);
    std::fs::remove_file(&out).unwrap();
    let run = prereq(&["codegen", "tests/bad/rules/rule_cycle.rules"]);
    assert_eq!(run.code, 1, "invalid rules exit 1");
    assert!(run.stdout.is_empty(), "no code for invalid rules");
}

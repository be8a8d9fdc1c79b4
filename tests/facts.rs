//! Loading fact snapshots: every problem reported with its path, in one run.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use prereq::{FactValue, Facts, FactsError, RuleSet, Verdict};

fn coalition() -> RuleSet {
    RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap()
}

fn problems(error: FactsError) -> Vec<String> {
    match error {
        FactsError::Invalid { problems, .. } => problems.iter().map(ToString::to_string).collect(),
        other => panic!("expected problems, got {other}"),
    }
}

#[test]
fn json_duplicates_nulls_and_misshapen_entities_are_all_reported() {
    let facts = Facts::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/facts/bad.json"
    ))
    .unwrap();
    let error = coalition().evaluate(&facts).unwrap_err();
    insta::assert_snapshot!(problems(error).join("\n"));
}

#[test]
fn toml_and_json_give_the_same_facts_in_file_order() {
    let toml = Facts::from_toml_str(
        "a.toml",
        "[world]\nceasefire = true\n[entities.Zed]\ntroops_offered = 2.5\n[entities.Abe]\ncontributions = [\"x\", \"y\"]\n",
    )
    .unwrap();
    let json = Facts::from_json_str(
        "a.json",
        r#"{"entities": {"Zed": {"troops_offered": 2.5}, "Abe": {"contributions": ["x", "y"]}}, "world": {"ceasefire": true}}"#,
    )
    .unwrap();
    assert_eq!(toml.world(), json.world());
    assert_eq!(toml.entities(), json.entities());
    assert_eq!(toml.entities()[0].name, "Zed", "file order, not sorted");
    assert_eq!(toml.world()[0], ("ceasefire".into(), FactValue::Bool(true)));
}

#[test]
fn integers_up_to_two_to_the_53_are_exact_and_beyond_are_refused() {
    let ok = Facts::from_json_str(
        "n.json",
        r#"{"entities": {"A": {"troops_offered": 9007199254740992}}}"#,
    )
    .unwrap();
    assert!(ok.problems().is_empty());
    let toml = Facts::from_toml_str(
        "n.toml",
        "[entities.A]\ntroops_offered = -9007199254740993\n",
    )
    .unwrap();
    assert_eq!(toml.problems()[0].path, "entities.A.troops_offered");
    let json = Facts::from_json_str(
        "n.json",
        r#"{"entities": {"A": {"troops_offered": 18446744073709551615}}}"#,
    )
    .unwrap();
    assert!(json.problems()[0].message.contains("beyond 2^53"));
}

#[test]
fn infinities_and_nan_are_refused_from_toml() {
    let facts = Facts::from_toml_str("f.toml", "[world]\na = inf\nb = -inf\nc = nan\n").unwrap();
    let messages: Vec<&str> = facts
        .problems()
        .iter()
        .map(|p| p.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "inf is not a finite number",
            "-inf is not a finite number",
            "NaN is not a finite number"
        ]
    );
}

#[test]
fn entity_names_may_hold_spaces_and_unicode() {
    let facts = Facts::from_toml_str(
        "n.toml",
        "[entities.\"New Zealand\"]\nin_coalition = true\n[entities.\"Côte d'Ivoire\"]\n[entities.\"日本\"]\n",
    )
    .unwrap();
    let report = coalition().evaluate(&facts).unwrap();
    assert_eq!(
        report.entities().collect::<Vec<_>>(),
        ["New Zealand", "Côte d'Ivoire", "日本"]
    );
    assert_eq!(
        report.verdict("日本", "defends_own_border"),
        Some(Verdict::Undetermined)
    );
}

#[test]
fn a_type_mismatch_names_the_path_the_expected_type_and_the_value() {
    let facts =
        Facts::from_toml_str("uk.toml", "[entities.UK]\ntroops_offered = \"many\"\n").unwrap();
    let error = coalition().evaluate(&facts).unwrap_err();
    assert_eq!(
        error.to_string(),
        "uk.toml: entities.UK.troops_offered: expected a number, found the string \"many\"\n  help: `troops_offered` is declared as `number`"
    );
}

#[test]
fn deeply_nested_values_are_problems_not_crashes() {
    let json = format!(
        r#"{{"world": {{"a": {}{}}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let facts = Facts::from_json_str("deep.json", &json).unwrap();
    assert_eq!(
        facts.problems()[0].to_string(),
        "world.a: a list fact holds strings only, but element 0 is a list\n  help: write every element in quotes"
    );
    let toml = format!(
        "[world]\na = {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    match Facts::from_toml_str("deep.toml", &toml) {
        Err(FactsError::Syntax { message, .. }) => assert!(message.contains("line 2"), "{message}"),
        other => panic!("expected TOML's nesting limit, got {other:?}"),
    }
    let json_objects = format!(
        r#"{{"world": {}1{}}}"#,
        r#"{"a":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    let facts = Facts::from_json_str("deep.json", &json_objects).unwrap();
    assert_eq!(facts.problems()[0].message, "a table is not a fact value");
}

#[test]
fn malformed_files_fail_with_line_and_column() {
    let error = Facts::from_toml_str("x.toml", "[world]\nceasefire = \n").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with("x.toml: TOML parse error at line 2, column 13"),
        "{message}"
    );
}

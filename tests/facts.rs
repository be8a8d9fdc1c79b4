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
        "uk.toml: entities.UK.troops_offered: expected a number, found the string \"many\"\n  help: `troops_offered` is declared as `number from 0 to 30000`"
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
    assert_eq!(
        facts.problems()[0].message,
        "a table is a fact value only as a set known in part, and `a` is not one of its parts (`has`, `lacks`)"
    );
    // The parts of a set known in part hold lists, never tables, however deep.
    let deep_parts = format!(
        r#"{{"world": {}1{}}}"#,
        r#"{"has":"#.repeat(100_000),
        "}".repeat(100_000)
    );
    let facts = Facts::from_json_str("deep.json", &deep_parts).unwrap();
    assert_eq!(
        facts.problems()[0].message,
        "`has` must be a list of strings, but it is a table"
    );
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

/// Facts built in code hold, per table, each fact once with its last
/// value, in the order first set, whichever way they were set — through
/// `Facts::set`, an `EntityMut`, or `set_world` — and however many facts
/// a table holds (from 32, a table is indexed rather than scanned).
mod built_in_code {
    use super::*;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Step {
        World(usize, u32),
        Entity(usize, usize, u32),
        EntityRun(usize, Vec<(usize, u32)>),
    }

    fn step() -> impl Strategy<Value = Step> {
        let fact = 0..40usize;
        prop_oneof![
            1 => (fact.clone(), any::<u32>()).prop_map(|(f, v)| Step::World(f, v)),
            3 => (0..4usize, fact.clone(), any::<u32>()).prop_map(|(e, f, v)| Step::Entity(e, f, v)),
            3 => (0..4usize, prop::collection::vec((fact, any::<u32>()), 0..45))
                .prop_map(|(e, run)| Step::EntityRun(e, run)),
        ]
    }

    /// A table as a model keeps it: names in the order first set, last value each.
    fn put(table: &mut Vec<(String, FactValue)>, fact: usize, value: u32) {
        let name = format!("f{fact}");
        let value = FactValue::from(value);
        match table.iter_mut().find(|(known, _)| *known == name) {
            Some(entry) => entry.1 = value,
            None => table.push((name, value)),
        }
    }

    fn plain(table: &[(prereq::facts::FactName, FactValue)]) -> Vec<(String, FactValue)> {
        table
            .iter()
            .map(|(name, value)| (name.to_string(), value.clone()))
            .collect()
    }

    proptest! {
        #[test]
        fn every_way_of_setting_keeps_each_fact_once_with_its_last_value(
            steps in prop::collection::vec(step(), 0..30)
        ) {
            let mut facts = Facts::new("code");
            let mut world = Vec::new();
            let mut entities: Vec<(String, Vec<(String, FactValue)>)> = Vec::new();
            let entity = |name: String, entities: &mut Vec<(String, Vec<_>)>| {
                match entities.iter().position(|(known, _)| *known == name) {
                    Some(at) => at,
                    None => { entities.push((name, Vec::new())); entities.len() - 1 }
                }
            };
            for step in steps {
                match step {
                    Step::World(fact, value) => {
                        facts.set_world(&format!("f{fact}"), value);
                        put(&mut world, fact, value);
                    }
                    Step::Entity(e, fact, value) => {
                        facts.set(&format!("e{e}"), &format!("f{fact}"), value);
                        let at = entity(format!("e{e}"), &mut entities);
                        put(&mut entities[at].1, fact, value);
                    }
                    Step::EntityRun(e, run) => {
                        let mut handle = facts.entity(&format!("e{e}"));
                        let at = entity(format!("e{e}"), &mut entities);
                        for (fact, value) in run {
                            handle.set(&format!("f{fact}"), value);
                            put(&mut entities[at].1, fact, value);
                        }
                    }
                }
            }
            prop_assert_eq!(plain(facts.world()), world);
            let built: Vec<_> = facts.entities().iter().map(|e| (e.name.clone(), plain(&e.facts))).collect();
            prop_assert_eq!(built, entities);
        }
    }
}

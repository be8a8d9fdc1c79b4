//! The batch evaluator, and the compiled evaluator one entity at a time,
//! agree with the single-entity evaluator and with the reference evaluator, on random rule sets and facts with unknowns, for
//! entity counts that end mid-word, mid-block and on a block's edge; and
//! the columnar loader reads the same facts as the row loader.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use prereq::batch::{self, BLOCK_ENTITIES, Columns};
use prereq::check::RuleId;
use prereq::{Facts, FactsError, RuleSet, Verdict};
use proptest::prelude::*;

/// `count` entities, entity `i` with the facts of `distinct[i % len]`.
fn cycled(distinct: &[Row], count: usize) -> Vec<Row> {
    if distinct.is_empty() {
        return Vec::new();
    }
    (0..count)
        .map(|i| distinct[i % distinct.len()].clone())
        .collect()
}

fn entity_counts() -> impl Strategy<Value = usize> {
    prop_oneof![
        0usize..70,
        Just(BLOCK_ENTITIES - 1),
        Just(BLOCK_ENTITIES),
        Just(BLOCK_ENTITIES + 1),
        (BLOCK_ENTITIES..3 * BLOCK_ENTITIES),
    ]
}

/// The facts as a JSON document, as a facts file would hold them.
fn json_of(world: &Row, entities: &[Row]) -> String {
    let table = |row: &Row| {
        serde_json::Value::Object(
            row.iter()
                .map(|(name, value)| {
                    let value = serde_json::to_value(to_fact_value(value)).unwrap();
                    (name.to_string(), value)
                })
                .collect(),
        )
    };
    let entities: serde_json::Map<String, serde_json::Value> = entities
        .iter()
        .enumerate()
        .map(|(index, row)| (format!("entity{index}"), table(row)))
        .collect();
    serde_json::json!({"world": table(world), "entities": entities}).to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn batch_agrees_with_single_entity_and_reference_evaluators(
        rules in rule_set(),
        world in world_row(),
        distinct in prop::collection::vec(entity_rows(), 1..3).prop_map(|v| v.concat()),
        count in entity_counts(),
    ) {
        let text = print_rules(&rules);
        let rule_set = RuleSet::parse("generated.rules", &text).unwrap();
        let entities = cycled(&distinct, count);
        let facts = facts_of(&world, &entities);
        let schema = rule_set.program().schema();
        let columns = Columns::from_json_str(schema, "generated.json", &json_of(&world, &entities)).unwrap();
        let from_rows = Columns::from_facts(schema, &facts).unwrap();
        for index in 0..distinct.len().min(entities.len()) {
            prop_assert_eq!(columns.entity_row(index), from_rows.entity_row(index));
        }
        let compiled = batch::compile(rule_set.program(), &columns);
        let verdicts = compiled.evaluate();
        prop_assert_eq!(verdicts.len(), entities.len());
        let mut scratch = compiled.scratch();
        prop_assert_eq!(verdicts.to_verdicts(), row_verdicts(&rule_set, &facts), "{}", text);
        for rule in 0..rules.len() {
            let id = RuleId(rule as u32);
            let plan = compiled.plan(id);
            let mut satisfied = 0;
            for (index, entity) in entities.iter().enumerate() {
                let reference = Reference { rules: &rules, world: &world, entity };
                let expected = verdict(reference.rule(rule));
                let batch = Verdict::from(verdicts.get(index, id));
                prop_assert_eq!(batch, expected, "r{} for entity{} of {}\n{}", rule, index, entities.len(), text);
                let one = Verdict::from(compiled.entity(&plan, index, &mut scratch));
                prop_assert_eq!(one, expected, "compiled, r{} for entity{}\n{}", rule, index, text);
                if index < distinct.len() {
                    let row = compiled.row(index);
                    let from_row = Verdict::from(plan.evaluate(&row, &mut scratch));
                    prop_assert_eq!(from_row, expected, "row, r{} for entity{}\n{}", rule, index, text);
                }
                satisfied += usize::from(expected == Verdict::Satisfied);
            }
            prop_assert_eq!(verdicts.counts(id).satisfied, satisfied);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn plans_span_several_words_of_facts_and_registers(
        entities in prop::collection::vec(
            prop::collection::vec((prop::option::weighted(0.9, any::<bool>()), prop::option::weighted(0.9, 0u8..4)), 70),
            1..40,
        ),
    ) {
        let rules = RuleSet::parse("wide.rules", &wide_rules()).unwrap();
        let entities: serde_json::Map<String, serde_json::Value> = entities
            .iter()
            .enumerate()
            .map(|(index, facts)| {
                let mut object = serde_json::Map::new();
                for (i, (flag, number)) in facts.iter().enumerate() {
                    if let Some(flag) = flag {
                        object.insert(format!("b{i}"), (*flag).into());
                    }
                    if let Some(number) = number {
                        object.insert(format!("n{i}"), (*number).into());
                    }
                }
                (format!("e{index}"), object.into())
            })
            .collect();
        let json = serde_json::json!({"entities": entities}).to_string();
        let columns = Columns::from_json_str(rules.program().schema(), "wide.json", &json).unwrap();
        let compiled = batch::compile(rules.program(), &columns);
        let verdicts = compiled.evaluate();
        let facts = Facts::from_json_str("wide.json", &json).unwrap();
        prop_assert_eq!(verdicts.to_verdicts(), row_verdicts(&rules, &facts));
        let mut scratch = compiled.scratch();
        for name in ["wide", "wider"] {
            let id = rules.resolved().rule_id(name).unwrap();
            let plan = compiled.plan(id);
            for entity in 0..columns.len() {
                let batch = verdicts.get(entity, id);
                prop_assert_eq!(compiled.entity(&plan, entity, &mut scratch), batch, "{} for e{}", name, entity);
                prop_assert_eq!(plan.evaluate(&compiled.row(entity), &mut scratch), batch, "{} for e{} from its row", name, entity);
            }
        }
    }
}

fn row_verdicts(rules: &RuleSet, facts: &Facts) -> prereq::eval::Verdicts {
    let table = prereq::facts::bind::bind(facts, rules.program().schema()).unwrap();
    prereq::eval::evaluate(rules.program(), &table)
}

#[test]
fn the_columnar_loader_reports_every_problem_with_its_path() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let json = r#"{"world": {"ceasefire": "yes", "in_coalition": true},
        "entities": {"UK": {"troops_offered": "many", "legal_basis": true, "legal_basis": false, "us_backstop": true,
                            "borders_russia": "no", "borders_russia": false, "typo": 1, "typo": 2},
                     "UK": {}, "": {}, "Malta": {"contributions": ["a", 1], "typo_fact": 1}},
        "extra": 1}"#;
    let Err(FactsError::Invalid { problems, .. }) =
        Columns::from_json_str(rules.program().schema(), "bad.json", json)
    else {
        panic!("expected problems");
    };
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(lines.join("\n"));
    // The row loader reports the same problems, in its own order.
    let facts = Facts::from_json_str("bad.json", json).unwrap();
    let Err(FactsError::Invalid { problems, .. }) = rules.evaluate(&facts) else {
        panic!("expected problems");
    };
    let mut rows: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let mut columns = lines.clone();
    rows.sort();
    columns.sort();
    assert_eq!(rows, columns);
}

#[test]
fn toml_and_json_columns_are_the_same_and_give_the_row_verdicts() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/rules/facts/2025-03-17.toml");
    let schema = rules.program().schema();
    let columns = Columns::load(schema, path).unwrap();
    let facts = Facts::load(path).unwrap();
    let from_rows = Columns::from_facts(schema, &facts).unwrap();
    for index in 0..columns.len() {
        assert_eq!(columns.entity_row(index), from_rows.entity_row(index));
    }
    let report = rules.evaluate(&facts).unwrap();
    let verdicts = batch::evaluate(rules.program(), &columns);
    for (index, entity) in columns.entity_names().enumerate() {
        for rule in report.rules() {
            let id = rules.resolved().rule_id(&rule.name).unwrap();
            assert_eq!(
                report.verdict(entity, &rule.name),
                Some(Verdict::from(verdicts.get(index, id))),
                "{} for {entity}",
                rule.name
            );
        }
    }
    assert_eq!(columns.entity_index("Poland"), Some(13));
    assert_eq!(columns.entity_index("Narnia"), None);
}

#[test]
fn sets_read_into_columns_drop_repeated_strings() {
    let rules = RuleSet::parse(
        "s.rules",
        "fact tags: set<string>\nrule tagged requires \"x\" in tags and \"y\" in tags and \"z\" not in tags\n",
    )
    .unwrap();
    let columns = Columns::from_json_str(
        rules.program().schema(),
        "s.json",
        r#"{"entities": {"a": {"tags": ["y", "x", "x", "y", "x"]}, "b": {"tags": []}, "c": {"tags": ["x"]}}}"#,
    )
    .unwrap();
    assert_eq!(
        columns.entity_row(0),
        vec![Some(prereq::facts::Value::Set(
            vec!["x".into(), "y".into()].into_boxed_slice()
        ))]
    );
    let tagged = rules.resolved().rule_id("tagged").unwrap();
    let verdicts = batch::evaluate(rules.program(), &columns);
    let got: Vec<Verdict> = (0..3)
        .map(|e| Verdict::from(verdicts.get(e, tagged)))
        .collect();
    assert_eq!(
        got,
        [
            Verdict::Satisfied,
            Verdict::Unsatisfied,
            Verdict::Unsatisfied
        ]
    );
}

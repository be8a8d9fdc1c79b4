//! `prereq codegen`: the generated modules under tests/generated/ are what
//! the generator writes today, they compile, and their functions give the
//! evaluator's verdict for every rule on random facts with unknowns.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

/// Included, as a build script's output would be; the generated code
/// compiles without a warning (a helper rule's local is snake case, and
/// functions nobody calls are allowed).
#[deny(warnings)]
mod coalition {
    include!("generated/coalition.rs");
}

#[rustfmt::skip]
#[deny(warnings)]
#[path = "generated/every_construct.rs"]
mod every_construct;

use prereq::eval::StringSet;
use prereq::{FactValue, Facts, RuleSet, Tri};
use proptest::prelude::*;

fn manifest(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Generating again gives the committed module, byte for byte.
fn assert_fresh(rules: &str, generated: &str) {
    let rules = RuleSet::load(manifest(rules)).unwrap();
    let committed = std::fs::read_to_string(manifest(generated)).unwrap();
    assert!(
        prereq::codegen::rust(&rules) == committed,
        "{generated} is stale: run `cargo run -- codegen {} -o {generated}`",
        rules.sources().iter().next().unwrap().1.name()
    );
}

#[test]
fn the_generated_modules_are_fresh() {
    assert_fresh("rules", "tests/generated/coalition.rs");
    assert_fresh(
        "tests/fixtures/codegen/every_construct.rules",
        "tests/generated/every_construct.rs",
    );
    assert_fresh(
        "tests/fixtures/codegen/arithmetic.rules",
        "tests/generated/arithmetic.rs",
    );
}

/// The evaluator's verdict of each rule (by name) for the one entity of `facts`.
fn evaluator_verdicts(rules: &RuleSet, facts: &Facts) -> Vec<(String, Tri)> {
    let table = prereq::facts::bind::bind(facts, rules.program().schema()).unwrap();
    let verdicts = prereq::eval::evaluate(rules.program(), &table);
    let entity = verdicts.entity(0).unwrap();
    rules
        .resolved()
        .rules
        .iter()
        .zip(entity)
        .map(|(rule, verdict)| (rule.name.clone(), *verdict))
        .collect()
}

/// Facts for one entity `e` and the world, from values by fact name.
fn facts_of(world: &[(&str, Option<FactValue>)], entity: &[(&str, Option<FactValue>)]) -> Facts {
    let mut facts = Facts::new("generated");
    facts.add_entity("e");
    for (name, value) in world {
        if let Some(value) = value {
            facts.set_world(name, value.clone());
        }
    }
    for (name, value) in entity {
        if let Some(value) = value {
            facts.set("e", name, value.clone());
        }
    }
    facts
}

fn bool_fact() -> impl Strategy<Value = Option<bool>> {
    prop::option::weighted(0.8, any::<bool>())
}

fn number_fact() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(
        0.8,
        prop::sample::select(vec![-3.0, -2.0, 0.0, 1.0, 3.5, 5.0, 10.0, 11.0, 30000.0]),
    )
}

/// A value of `troops_offered: number from 0 to 30000`, or unknown.
fn troops_fact() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(
        0.8,
        prop::sample::select(vec![0.0, 1.0, 500.0, 10000.0, 30000.0]),
    )
}

/// A value of `share: number from 0 to 100`, or unknown.
fn share_fact() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(
        0.7,
        prop::sample::select(vec![0.0, 0.5, 40.0, 50.0, 99.5, 100.0]),
    )
}

fn string_fact() -> impl Strategy<Value = Option<String>> {
    prop::option::weighted(
        0.8,
        prop::sample::select(vec!["east", "west", "kyiv", "a", "b\"c", "x", "paris", "b"])
            .prop_map(str::to_string),
    )
}

/// A value of the coalition's `contributions` (words of its vocabulary).
fn contributions_fact() -> impl Strategy<Value = Option<StringSet>> {
    string_set(vec![
        "troops",
        "fast_jets",
        "logistics",
        "engineering",
        "backfill",
        "political_backing",
    ])
}

fn set_fact() -> impl Strategy<Value = Option<StringSet>> {
    string_set(vec![
        "fast_jets",
        "logistics",
        "engineering",
        "backfill",
        "east",
        "kyiv",
        "paris",
        "b",
    ])
}

/// A set of some of `words`: given whole, known in part (no word both held
/// and lacked), or unknown.
fn string_set(words: Vec<&'static str>) -> impl Strategy<Value = Option<StringSet>> {
    let some = || prop::collection::btree_set(prop::sample::select(words.clone()), 0..4);
    let whole =
        some().prop_map(|set| StringSet::Exactly(set.into_iter().map(str::to_string).collect()));
    let partly = (some(), some()).prop_map(|(has, lacks)| {
        let lacks: Vec<&str> = lacks.difference(&has).copied().collect();
        StringSet::partly(has, lacks)
    });
    prop::option::weighted(0.8, prop_oneof![2 => whole, 1 => partly])
}

fn value<T: Clone + Into<FactValue>>(value: &Option<T>) -> Option<FactValue> {
    value.clone().map(Into::into)
}

fn set_value(value: &Option<StringSet>) -> Option<FactValue> {
    value.clone().map(FactValue::from)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn the_coalition_module_gives_the_evaluators_verdicts(
        (us_backstop, ceasefire) in (bool_fact(), bool_fact()),
        (in_coalition, legal_basis, rules_of_engagement, needs_us_backstop) in (bool_fact(), bool_fact(), bool_fact(), bool_fact()),
        (borders_russia, resists_asset_seizure) in (bool_fact(), bool_fact()),
        troops_offered in troops_fact(),
        contributions in contributions_fact(),
    ) {
        use coalition::*;
        let world = World { us_backstop, ceasefire };
        let entity = Entity {
            in_coalition, legal_basis, rules_of_engagement, needs_us_backstop,
            borders_russia, troops_offered, contributions: contributions.clone(), resists_asset_seizure,
        };
        let facts = facts_of(
            &[("us_backstop", value(&us_backstop)), ("ceasefire", value(&ceasefire))],
            &[
                ("in_coalition", value(&in_coalition)),
                ("legal_basis", value(&legal_basis)),
                ("rules_of_engagement", value(&rules_of_engagement)),
                ("needs_us_backstop", value(&needs_us_backstop)),
                ("borders_russia", value(&borders_russia)),
                ("troops_offered", value(&troops_offered)),
                ("contributions", set_value(&contributions)),
                ("resists_asset_seizure", value(&resists_asset_seizure)),
            ],
        );
        let rules = RuleSet::load(manifest("rules")).unwrap();
        for (name, expected) in evaluator_verdicts(&rules, &facts) {
            let generated = match name.as_str() {
                "secure_peace" => secure_peace(&world),
                "backing_met" => backing_met(&world, &entity),
                "willing" => willing(&world, &entity),
                "commit_troops" => commit_troops(&world, &entity),
                "deploy" => deploy(&world, &entity),
                "contribute" => contribute(&world, &entity),
                "defends_own_border" => defends_own_border(&world, &entity),
                "asset_seizure_partner" => asset_seizure_partner(&world, &entity),
                other => panic!("no generated function for {other}"),
            };
            prop_assert_eq!(generated, expected, "{}", name);
        }
    }

    #[test]
    fn the_every_construct_module_gives_the_evaluators_verdicts(
        (season_open, threshold, capital, allies) in (bool_fact(), number_fact(), string_fact(), set_fact()),
        (r#type, r#match, self_) in (bool_fact(), number_fact(), string_fact()),
        (self_flag, underscore, share) in (bool_fact(), bool_fact(), share_fact()),
        (tags, region, amount, flag) in (set_fact(), string_fact(), number_fact(), bool_fact()),
    ) {
        use every_construct::*;
        let world = World { season_open, threshold, capital: capital.clone(), allies: allies.clone() };
        let entity = Entity {
            r#type, r#match, self__: self_.clone(), tags: tags.clone(), region: region.clone(), amount, flag,
            self_: self_flag, __: underscore, share,
        };
        let facts = facts_of(
            &[
                ("season_open", value(&season_open)),
                ("threshold", value(&threshold)),
                ("capital", value(&capital)),
                ("allies", set_value(&allies)),
            ],
            &[
                ("type", value(&r#type)),
                ("match", value(&r#match)),
                ("self", value(&self_)),
                ("tags", set_value(&tags)),
                ("region", value(&region)),
                ("amount", value(&amount)),
                ("share", value(&share)),
                ("flag", value(&flag)),
                ("self_", value(&self_flag)),
                ("_", value(&underscore)),
            ],
        );
        let rules = RuleSet::load(manifest("tests/fixtures/codegen/every_construct.rules")).unwrap();
        for (name, expected) in evaluator_verdicts(&rules, &facts) {
            let generated = match name.as_str() {
                "open" => open(&world),
                "named" => named(&world),
                "keywords" => keywords(&world, &entity),
                "strings" => strings(&world, &entity),
                "sets" => sets(&world, &entity),
                "numbers" => numbers(&world, &entity),
                "arithmetic" => arithmetic(&world, &entity),
                "ranges" => ranges(&world, &entity),
                "conds" => conds(&world, &entity),
                "consts" => consts(&world, &entity),
                "entity" => every_construct::entity(&world, &entity),
                "prereq" => every_construct::prereq(&world, &entity),
                "everything" => everything(&world, &entity),
                "_helper" => _helper(&world, &entity),
                "twice__over" => twice__over(&world, &entity),
                "twice_over" => twice_over(&world, &entity),
                "uses_helpers" => uses_helpers(&world, &entity),
                other => panic!("no generated function for {other}"),
            };
            prop_assert_eq!(generated, expected, "{}", name);
        }
    }
}

//! The one-entity decider agrees with the batch evaluator: on random rule
//! sets and facts with unknowns (facts set through handles or by name, one
//! decider reused from entity to entity), on rules wide enough for the
//! general plans, on strings no rule names, and on the worked example; and
//! it refuses what does not fit with the fact's name and a hint.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use prereq::batch::{self, Columns, Decider, Request};
use prereq::check::RuleId;
use prereq::{Facts, RuleSet, Verdict};
use proptest::prelude::*;

/// Gives `entity`'s facts to `request`, through handles or by name.
fn give(decider_facts: &Handles, request: &mut Request<'_>, entity: &Row, by_name: bool) {
    for (name, value) in entity {
        if by_name {
            request.set(name, to_fact_value(value)).unwrap();
            continue;
        }
        match value {
            Value::Bool(b) => {
                request.set_bool(decider_facts.bools[name], *b);
            }
            Value::Number(n) => {
                request.set_number(decider_facts.numbers[name], *n).unwrap();
            }
            Value::String(s) => {
                request.set_string(decider_facts.strings[name], s).unwrap();
            }
            Value::Set(items) => {
                // Given twice, in another order and with a repeat: the last wins.
                request
                    .set_strings(decider_facts.sets[name], ["b", "c"])
                    .unwrap();
                let mut shuffled: Vec<&str> = items.iter().rev().copied().collect();
                shuffled.extend(items.first());
                request
                    .set_strings(decider_facts.sets[name], shuffled)
                    .unwrap();
            }
            Value::Partly(has, lacks) => {
                request
                    .set_partly(decider_facts.sets[name], has, lacks)
                    .unwrap();
            }
        }
    }
}

/// The handles of the generated declarations' entity facts.
struct Handles {
    bools: std::collections::HashMap<&'static str, batch::BoolFact>,
    numbers: std::collections::HashMap<&'static str, batch::NumberFact>,
    strings: std::collections::HashMap<&'static str, batch::StringFact>,
    sets: std::collections::HashMap<&'static str, batch::SetFact>,
}

impl Handles {
    fn of(decider: &Decider) -> Handles {
        Handles {
            bools: handles(&ENTITY_BOOLS, |n| decider.bool_fact(n)),
            numbers: handles(&ENTITY_NUMBERS, |n| decider.number_fact(n)),
            strings: handles(&ENTITY_STRINGS, |n| decider.string_fact(n)),
            sets: handles(&ENTITY_SETS, |n| decider.set_fact(n)),
        }
    }
}

/// Each fact's handle, by name.
fn handles<H>(
    names: &[&'static str],
    take: impl Fn(&str) -> Result<H, prereq::FactProblem>,
) -> std::collections::HashMap<&'static str, H> {
    names
        .iter()
        .map(|&name| (name, take(name).unwrap()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_decider_agrees_with_the_batch_evaluator(
        rules in rule_set(),
        world in world_row(),
        entities in entity_rows(),
        by_name in any::<bool>(),
    ) {
        let text = print_rules(&rules);
        let rule_set = RuleSet::parse("generated.rules", &text).unwrap();
        let facts = facts_of(&world, &entities);
        let columns = Columns::from_facts(rule_set.program().schema(), &facts).unwrap();
        let verdicts = batch::evaluate(rule_set.program(), &columns);
        let mut decider = rule_set.decider(&facts_of(&world, &[])).unwrap();
        let handles = Handles::of(&decider);
        for (index, entity) in entities.iter().enumerate() {
            let mut request = decider.request();
            give(&handles, &mut request, entity, by_name);
            let all: Vec<Verdict> = request.verdicts().map(|(_, verdict)| verdict).collect();
            prop_assert_eq!(all.len(), rules.len());
            for (rule, decided) in all.iter().enumerate() {
                let id = RuleId(rule as u32);
                let expected = Verdict::from(verdicts.get(index, id));
                prop_assert_eq!(*decided, expected, "r{} for entity{}\n{}", rule, index, text);
                prop_assert_eq!(request.decide(id), expected, "r{} alone for entity{}\n{}", rule, index, text);
            }
        }
    }

    #[test]
    fn wide_rules_decide_as_the_batch_evaluator_does(
        entities in prop::collection::vec(
            prop::collection::vec((prop::option::weighted(0.9, any::<bool>()), prop::option::weighted(0.9, 0u8..4)), 70),
            1..20,
        ),
    ) {
        let rules = RuleSet::parse("wide.rules", &wide_rules()).unwrap();
        let mut facts = Facts::new("wide");
        for (index, entity) in entities.iter().enumerate() {
            let name = format!("e{index}");
            facts.add_entity(&name);
            for (i, (flag, number)) in entity.iter().enumerate() {
                if let Some(flag) = flag {
                    facts.set(&name, &format!("b{i}"), *flag);
                }
                if let Some(number) = number {
                    facts.set(&name, &format!("n{i}"), u32::from(*number));
                }
            }
        }
        let verdicts = rules.evaluate(&facts).unwrap();
        let mut decider = rules.decider(&Facts::new("no world")).unwrap();
        for (entity, given) in facts.entities().iter().enumerate() {
            let mut request = decider.request();
            for (name, value) in &given.facts {
                request.set(name, value.clone()).unwrap();
            }
            for (rule, verdict) in request.verdicts() {
                prop_assert_eq!(Some(verdict), verdicts.verdict(&given.name, rule), "{} for e{}", rule, entity);
            }
        }
    }
}

#[test]
fn strings_no_rule_names_are_told_apart_only_when_two_facts_are_compared() {
    let rules = RuleSet::parse(
        "s.rules",
        r#"
        fact home: string
        fact posted: string
        fact visited: set<string>
        rule stays requires home == posted
        rule returns requires home in visited
        rule abroad requires posted != "home" and "base" not in visited
        "#,
    )
    .unwrap();
    let mut decider = rules.decider(&Facts::new("none")).unwrap();
    let (home, posted) = (
        decider.string_fact("home").unwrap(),
        decider.string_fact("posted").unwrap(),
    );
    let visited = decider.set_fact("visited").unwrap();
    let [stays, returns, abroad] =
        ["stays", "returns", "abroad"].map(|name| decider.rule(name).unwrap());
    let mut request = decider.request();
    request
        .set_string(home, "Oslo")
        .and_then(|r| r.set_string(posted, "Riga"))
        .and_then(|r| r.set_strings(visited, ["Tallinn", "Vilnius"]))
        .unwrap();
    assert_eq!(request.decide(stays), Verdict::Unsatisfied);
    assert_eq!(request.decide(returns), Verdict::Unsatisfied);
    assert_eq!(request.decide(abroad), Verdict::Satisfied);
    let mut request = decider.request();
    request
        .set_string(home, "Riga")
        .and_then(|r| r.set_string(posted, "Riga"))
        .and_then(|r| r.set_strings(visited, ["Tallinn", "Riga", "base"]))
        .unwrap();
    assert_eq!(request.decide(stays), Verdict::Satisfied);
    assert_eq!(request.decide(returns), Verdict::Satisfied);
    assert_eq!(request.decide(abroad), Verdict::Unsatisfied);
    let mut request = decider.request();
    request.set_string(home, "Riga").unwrap();
    assert_eq!(request.decide(stays), Verdict::Undetermined);
    assert_eq!(request.decide(returns), Verdict::Undetermined);
}

#[test]
fn the_coalition_decided_one_country_at_a_time_matches_the_report() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let facts = Facts::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/rules/facts/2025-03-17.toml"
    ))
    .unwrap();
    let report = rules.evaluate(&facts).unwrap();
    let mut decider = rules.decider(&facts).unwrap();
    for entity in facts.entities() {
        let mut request = decider.request();
        for (name, value) in &entity.facts {
            request.set(name, value.clone()).unwrap();
        }
        for (rule, verdict) in request.verdicts() {
            assert_eq!(
                report.verdict(&entity.name, rule),
                Some(verdict),
                "{rule} for {}",
                entity.name
            );
        }
    }
}

#[test]
fn what_does_not_fit_is_refused_with_the_fact_and_a_hint() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let mut world = Facts::new("world.toml");
    world.set_world("ceasefire", "yes");
    let Err(prereq::FactsError::Invalid { problems, .. }) = rules.decider(&world) else {
        panic!("a world fact of the wrong type is refused");
    };
    let mut lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let mut decider = rules.decider(&Facts::new("none")).unwrap();
    lines.push(decider.bool_fact("troops_offered").unwrap_err().to_string());
    lines.push(
        decider
            .number_fact("troops_ofered")
            .unwrap_err()
            .to_string(),
    );
    lines.push(decider.bool_fact("ceasefire").unwrap_err().to_string());
    lines.push(decider.rule("deplyo").unwrap_err().to_string());
    let troops = decider.number_fact("troops_offered").unwrap();
    let contributions = decider.set_fact("contributions").unwrap();
    let mut request = decider.request();
    lines.push(
        request
            .set_number(troops, f64::NAN)
            .unwrap_err()
            .to_string(),
    );
    lines.push(request.set_number(troops, 1e300).unwrap_err().to_string());
    // Outside the declared range, through the handle and by name.
    lines.push(request.set_number(troops, -1.0).unwrap_err().to_string());
    lines.push(
        request
            .set("troops_offered", 30001)
            .unwrap_err()
            .to_string(),
    );
    // Outside the vocabulary, through the handle and by name.
    let refused = request.set_strings(contributions, ["fast_jet"]);
    lines.push(refused.unwrap_err().to_string());
    let refused = request.set("contributions", vec!["air_defence"]);
    lines.push(refused.unwrap_err().to_string());
    lines.push(
        request
            .set("troops_offered", "many")
            .unwrap_err()
            .to_string(),
    );
    lines.push(request.set("us_backstop", true).unwrap_err().to_string());
    insta::assert_snapshot!(lines.join("\n"));
    // What fits is still taken after a refusal.
    request.set("contributions", vec!["logistics"]).unwrap();
    let contribute = decider.rule("contribute").unwrap();
    assert_eq!(decider.request().decide(contribute), Verdict::Undetermined);
}

#[test]
fn a_decider_can_be_sent_to_and_shared_between_threads() {
    fn send_and_sync<T: Send + Sync + Clone>() {}
    send_and_sync::<Decider>();
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let decider = rules.decider(&Facts::new("none")).unwrap();
    let deploy = decider.rule("deploy").unwrap();
    let verdicts: Vec<Verdict> = std::thread::scope(|scope| {
        let workers: Vec<_> = [true, false]
            .map(|borders_russia| {
                let mut mine = decider.clone();
                scope.spawn(move || {
                    let mut request = mine.request();
                    request.set("borders_russia", borders_russia).unwrap();
                    request.decide(deploy)
                })
            })
            .into_iter()
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(verdicts, [Verdict::Unsatisfied, Verdict::Undetermined]);
}

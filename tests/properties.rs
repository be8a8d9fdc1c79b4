//! Laws checked on random rule sets and facts.
//!
//! The generator (tests/common) builds well-typed rule sets as a small
//! expression type of its own, prints them as rule text, and draws facts
//! with unknowns. The crate's whole pipeline (parse, check, compile,
//! evaluate) must agree with the reference evaluator there on every verdict.
//! Kleene laws (De Morgan, `unless`, double negation) are checked through
//! the real pipeline too.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::*;
use prereq::RuleSet;
use proptest::prelude::*;

// ----- the properties ---------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The full pipeline agrees with the reference evaluator on every verdict.
    #[test]
    fn pipeline_agrees_with_reference_evaluator(rules in rule_set(), world in world_row(), entities in entity_rows()) {
        let text = print_rules(&rules);
        let rule_set = RuleSet::parse("generated.rules", &text)
            .unwrap_or_else(|error| panic!("generated rules must check:\n{text}\n{error}"));
        let report = rule_set.evaluate(&facts_of(&world, &entities)).unwrap();
        for (index, entity) in entities.iter().enumerate() {
            let reference = Reference { rules: &rules, world: &world, entity };
            for rule in 0..rules.len() {
                let expected = verdict(reference.rule(rule));
                let actual = report.verdict(&format!("entity{index}"), &format!("r{rule}"));
                prop_assert_eq!(actual, Some(expected), "rule r{} for entity{}\n{}", rule, index, text);
            }
        }
        // Rows list world rules once and every entity rule per entity.
        let world_rules = report.rules().filter(|r| r.kind == prereq::check::RuleKind::World).count();
        prop_assert_eq!(report.rows().count(), world_rules + entities.len() * (rules.len() - world_rules));
    }

    /// De Morgan, `unless` and double negation hold for three-valued verdicts.
    #[test]
    fn kleene_laws_hold(a in cond(0), b in cond(0), world in world_row(), entities in entity_rows()) {
        let (a, b) = (print_cond(&a), print_cond(&b));
        let text = format!(
            "{DECLARATIONS}
            rule not_and requires not (({a}) and ({b}))
            rule or_not requires not ({a}) or not ({b})
            rule not_or requires not (({a}) or ({b}))
            rule and_not requires not ({a}) and not ({b})
            rule unless_form requires ({a}) unless ({b})
            rule and_not_form requires ({a}) and not ({b})
            rule double_negation requires not not ({a})
            rule plain requires ({a})
            "
        );
        let rules = RuleSet::parse("laws.rules", &text).unwrap();
        let report = rules.evaluate(&facts_of(&world, &entities)).unwrap();
        for index in 0..entities.len() {
            let entity = format!("entity{index}");
            let v = |rule: &str| report.verdict(&entity, rule);
            prop_assert_eq!(v("not_and"), v("or_not"));
            prop_assert_eq!(v("not_or"), v("and_not"));
            prop_assert_eq!(v("unless_form"), v("and_not_form"));
            prop_assert_eq!(v("double_negation"), v("plain"));
        }
    }

    /// The report's own JSON writer (names escaped once) gives serde's
    /// bytes, whatever the entity names hold: quotes, backslashes, control
    /// and non-ASCII characters; narrowed or not.
    #[test]
    fn report_json_is_serdes(names in proptest::collection::vec("\\PC{0,6}|[\"\\\\\u{0}-\u{1f}\u{7f}é❤\u{2028}]{1,4}", 0..6), narrow in any::<bool>()) {
        let rules = RuleSet::parse("r.rules", "world fact w: bool\nfact f: bool\nrule world_rule requires w\nrule r requires f and world_rule").unwrap();
        let mut facts = prereq::Facts::new("names");
        facts.set_world("w", true);
        for (index, name) in names.iter().enumerate() {
            facts.set(name, "f", index % 2 == 0);
        }
        let mut report = rules.evaluate(&facts).unwrap();
        if narrow {
            report = report.select(&["r".to_string()], &names.iter().take(2).cloned().collect::<Vec<_>>()).unwrap();
        }
        let json = report.to_json();
        prop_assert_eq!(&json, &serde_json::to_string(&report).unwrap());
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(parsed["results"].as_array().unwrap().len(), report.rows().count());
    }
}

//! The analyses checked against brute force on small random rule sets.
//!
//! - unlock: the minimal change sets equal those found by trying every
//!   change set (every condition on every subset of changeable facts) and
//!   keeping the minimal working ones;
//! - explain: a determined verdict survives any change to facts outside the
//!   deciding nodes, and knowing the deciding unknown facts determines an
//!   undetermined verdict;
//! - leverage: each single change's gains equal a full re-evaluation's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::BTreeMap;

use prereq::analysis::budget::Budget;
use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::UnlockOptions;
use prereq::{FactValue, Facts, RuleSet, Verdict};
use proptest::prelude::*;

// ----- unlock against brute force ----------------------------------------------

const UNLOCK_DECLARATIONS: &str = "
world fact w: bool
fact a: bool
fact b: bool
fact k: bool fixed
fact n: number
fact s: set<string>
fact r: number from 0 to 5
";

/// The facts, in order, with the representative values brute force tries.
/// The set `s` is two of them, `s.x` and `s.y`: whether it holds `"x"`,
/// and `"y"` — each known or not on its own, as in a set known in part.
fn universe() -> Vec<(&'static str, Vec<FactValue>)> {
    let bools = || vec![FactValue::Bool(true), FactValue::Bool(false)];
    vec![
        ("w", bools()),
        ("a", bools()),
        ("b", bools()),
        ("k", bools()),
        (
            "n",
            [-1.0, 0.0, 2.5, 5.0, 6.0].map(FactValue::Number).to_vec(),
        ),
        ("s.x", bools()),
        ("s.y", bools()),
        // Within its range only: unknown, it is any of these.
        ("r", [0.0, 2.5, 5.0].map(FactValue::Number).to_vec()),
    ]
}

/// An atom rules are built from: its text, the index of its fact, its test on a value.
type PoolAtom = (&'static str, usize, fn(&FactValue) -> bool);

/// The atoms rules are built from.
fn atom_pool() -> Vec<PoolAtom> {
    fn number(v: &FactValue) -> f64 {
        match v {
            FactValue::Number(n) => *n,
            _ => f64::NAN,
        }
    }
    vec![
        ("w", 0, |v| *v == FactValue::Bool(true)),
        ("a", 1, |v| *v == FactValue::Bool(true)),
        ("b", 2, |v| *v == FactValue::Bool(true)),
        ("k", 3, |v| *v == FactValue::Bool(true)),
        ("n >= 0", 4, |v| number(v) >= 0.0),
        ("n < 5", 4, |v| number(v) < 5.0),
        ("n == 5", 4, |v| number(v) == 5.0),
        ("\"x\" in s", 5, |v| *v == FactValue::Bool(true)),
        ("\"y\" in s", 6, |v| *v == FactValue::Bool(true)),
        // Decided by the range while `r` is unknown: always, never.
        ("r >= 0", 7, |v| number(v) >= 0.0),
        ("r > 6", 7, |v| number(v) > 6.0),
        ("r < 5", 7, |v| number(v) < 5.0),
    ]
}

#[derive(Debug, Clone)]
enum Expr {
    Atom(usize),
    Rule0,
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

fn expr(allow_rule: bool) -> BoxedStrategy<Expr> {
    let atoms = atom_pool().len();
    let leaf = if allow_rule {
        prop_oneof![4 => (0..atoms).prop_map(Expr::Atom), 1 => Just(Expr::Rule0)].boxed()
    } else {
        (0..atoms).prop_map(Expr::Atom).boxed()
    };
    leaf.prop_recursive(3, 10, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| Expr::Not(Box::new(e))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner, 2..4).prop_map(Expr::Or),
        ]
    })
    .boxed()
}

fn text(e: &Expr) -> String {
    match e {
        Expr::Atom(i) => atom_pool()[*i].0.to_string(),
        Expr::Rule0 => "r0".to_string(),
        Expr::Not(inner) => format!("not ({})", text(inner)),
        Expr::And(parts) => parts
            .iter()
            .map(|p| format!("({})", text(p)))
            .collect::<Vec<_>>()
            .join(" and "),
        Expr::Or(parts) => parts
            .iter()
            .map(|p| format!("({})", text(p)))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

fn atoms_used(e: &Expr, r0: &Expr, used: &mut Vec<usize>) {
    match e {
        Expr::Atom(i) => {
            if !used.contains(i) {
                used.push(*i)
            }
        }
        Expr::Rule0 => atoms_used(r0, r0, used),
        Expr::Not(inner) => atoms_used(inner, r0, used),
        Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|p| atoms_used(p, r0, used)),
    }
}

/// Current state: per fact, an index into its representatives, or unknown.
fn state() -> impl Strategy<Value = Vec<Option<usize>>> {
    universe()
        .into_iter()
        .map(|(_, values)| prop::option::weighted(0.6, 0..values.len()))
        .collect::<Vec<_>>()
}

/// A change set as compared: per changed fact, which representatives it admits.
type Masks = BTreeMap<&'static str, Vec<bool>>;

struct Brute {
    universe: Vec<(&'static str, Vec<FactValue>)>,
    /// Satisfied, for every full state (each fact unknown or a representative), by state index.
    satisfied: Vec<bool>,
    /// The number of states per fact (representatives + unknown).
    radix: Vec<usize>,
}

impl Brute {
    fn new(rules: &RuleSet) -> Brute {
        let universe = universe();
        let radix: Vec<usize> = universe.iter().map(|(_, v)| v.len() + 1).collect();
        let total: usize = radix.iter().product();
        let mut satisfied = vec![false; total];
        // w is a world fact: one snapshot per state of w, every other state an entity.
        for w in 0..radix[0] {
            let mut facts = Facts::new("brute");
            if let Some(value) = universe[0].1.get(w) {
                facts.set_world("w", value.clone());
            }
            let per_w = total / radix[0];
            for rest in 0..per_w {
                let index = w * per_w + rest;
                let name = index.to_string();
                facts.add_entity(&name);
                set_entity(&mut facts, &name, &decode(index, &radix), &universe);
            }
            let report = rules.evaluate(&facts).unwrap();
            for rest in 0..per_w {
                let index = w * per_w + rest;
                satisfied[index] =
                    report.verdict(&index.to_string(), "target") == Some(Verdict::Satisfied);
            }
        }
        Brute {
            universe,
            satisfied,
            radix,
        }
    }

    fn index(&self, choices: &[usize]) -> usize {
        choices
            .iter()
            .zip(&self.radix)
            .fold(0, |acc, (c, r)| acc * r + c)
    }

    /// Every minimal working change set from `now` (unknown = the last choice).
    fn minimal(&self, now: &[usize], used: &[usize]) -> Vec<Masks> {
        let pool = atom_pool();
        // Per changeable fact: the admitted-representative masks of every consistent cube.
        let options: Vec<Vec<Option<Vec<bool>>>> = self
            .universe
            .iter()
            .enumerate()
            .map(|(fact, (name, values))| {
                let mut choices = vec![None];
                if *name == "k" {
                    return choices;
                }
                let atoms: Vec<usize> = used
                    .iter()
                    .copied()
                    .filter(|a| pool[*a].1 == fact)
                    .collect();
                for cube in 0..3usize.pow(atoms.len() as u32) {
                    let mask: Vec<bool> = values
                        .iter()
                        .map(|v| {
                            let mut c = cube;
                            atoms.iter().all(|a| {
                                let want = c % 3;
                                c /= 3;
                                want == 2 || (pool[*a].2)(v) == (want == 1)
                            })
                        })
                        .collect();
                    if mask.iter().any(|m| *m) && !choices.contains(&Some(mask.clone())) {
                        choices.push(Some(mask));
                    }
                }
                choices
            })
            .collect();
        let mut working: Vec<Vec<Option<Vec<bool>>>> = Vec::new();
        let mut pick = vec![0usize; options.len()];
        loop {
            let set: Vec<Option<Vec<bool>>> = pick
                .iter()
                .zip(&options)
                .map(|(p, o)| o[*p].clone())
                .collect();
            if self.works(now, &set) {
                working.push(set);
            }
            let mut digit = 0;
            loop {
                if digit == pick.len() {
                    return self.keep_minimal(working);
                }
                pick[digit] += 1;
                if pick[digit] < options[digit].len() {
                    break;
                }
                pick[digit] = 0;
                digit += 1;
            }
        }
    }

    fn works(&self, now: &[usize], set: &[Option<Vec<bool>>]) -> bool {
        let mut choices: Vec<Vec<usize>> = vec![Vec::new()];
        for (fact, change) in set.iter().enumerate() {
            let values: Vec<usize> = match change {
                None => vec![now[fact]],
                Some(mask) => mask
                    .iter()
                    .enumerate()
                    .filter(|(_, m)| **m)
                    .map(|(i, _)| i)
                    .collect(),
            };
            choices = choices
                .into_iter()
                .flat_map(|c| values.iter().map(move |v| [c.clone(), vec![*v]].concat()))
                .collect();
        }
        choices.iter().all(|c| self.satisfied[self.index(c)])
    }

    fn keep_minimal(&self, mut working: Vec<Vec<Option<Vec<bool>>>>) -> Vec<Masks> {
        let size = |s: &Vec<Option<Vec<bool>>>| s.iter().filter(|c| c.is_some()).count();
        let admitted =
            |s: &Vec<Option<Vec<bool>>>| s.iter().flatten().flatten().filter(|m| **m).count();
        working.sort_by_key(|s| (size(s), std::cmp::Reverse(admitted(s))));
        let at_most = |small: &Vec<Option<Vec<bool>>>, large: &Vec<Option<Vec<bool>>>| {
            small.iter().zip(large).all(|(s, l)| match (s, l) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(s), Some(l)) => l.iter().zip(s).all(|(l, s)| !l || *s),
            })
        };
        let mut minimal: Vec<Vec<Option<Vec<bool>>>> = Vec::new();
        for set in working {
            if !minimal.iter().any(|m| at_most(m, &set)) {
                minimal.push(set);
            }
        }
        minimal
            .into_iter()
            .map(|set| {
                set.into_iter()
                    .enumerate()
                    .filter_map(|(fact, mask)| Some((self.universe[fact].0, mask?)))
                    .collect()
            })
            .collect()
    }
}

/// Sets entity `name`'s facts from a choice per fact (an index into its
/// representatives, or past them for unknown): `s.x` and `s.y` make one
/// set, given whole when both are known, else known in part.
fn set_entity(
    facts: &mut Facts,
    name: &str,
    choices: &[usize],
    universe: &[(&'static str, Vec<FactValue>)],
) {
    let (mut has, mut lacks, mut unknown) = (Vec::new(), Vec::new(), false);
    for (fact, choice) in choices.iter().enumerate().skip(1) {
        let (fact_name, values) = &universe[fact];
        let value = values.get(*choice);
        if let Some(string) = fact_name.strip_prefix("s.") {
            match value {
                Some(FactValue::Bool(true)) => has.push(string),
                Some(_) => lacks.push(string),
                None => unknown = true,
            }
        } else if let Some(value) = value {
            facts.set(name, fact_name, value.clone());
        }
    }
    match (unknown, has.len() + lacks.len()) {
        (_, 0) => {}
        (false, _) => {
            facts.set(name, "s", FactValue::from(has));
        }
        (true, _) => {
            facts.set(name, "s", FactValue::partial_set(has, lacks));
        }
    }
}

fn decode(mut index: usize, radix: &[usize]) -> Vec<usize> {
    let mut digits = vec![0; radix.len()];
    for (digit, r) in digits.iter_mut().zip(radix).rev() {
        *digit = index % r;
        index /= r;
    }
    digits
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn unlock_finds_exactly_the_minimal_change_sets(r0 in expr(false), target in expr(true), unless in prop::option::weighted(0.3, expr(true)), now in state()) {
        let mut source = format!("{UNLOCK_DECLARATIONS}rule r0 requires {}\nrule target requires {}\n", text(&r0), text(&target));
        if let Some(unless) = &unless {
            source.push_str(&format!("    unless {}\n", text(unless)));
        }
        let rules = RuleSet::parse("unlock.rules", &source).unwrap();
        let universe = universe();
        let mut facts = Facts::new("now");
        facts.add_entity("E");
        let choices: Vec<usize> = now.iter().zip(&universe).map(|(c, (_, v))| c.unwrap_or(v.len())).collect();
        if let Some(w) = universe[0].1.get(choices[0]) { facts.set_world("w", w.clone()); }
        set_entity(&mut facts, "E", &choices, &universe);
        let answer = rules.snapshot(&facts).unwrap().unlock(Some("E"), "target", UnlockOptions { max_options: usize::MAX, budget: 10_000_000 }).unwrap();
        prop_assert!(answer.complete);
        let mut used = Vec::new();
        atoms_used(&target, &r0, &mut used);
        if let Some(unless) = &unless { atoms_used(unless, &r0, &mut used); }
        let brute = Brute::new(&rules);
        let current: Vec<usize> = now.iter().zip(&universe).map(|(c, (_, v))| c.unwrap_or(v.len())).collect();
        let mut expected = brute.minimal(&current, &used);
        let mut actual: Vec<Masks> = answer.options.iter().map(|option| {
            option.iter().flat_map(|change| {
                if change.fact == "s" {
                    // A set's strings, each with what it takes of it.
                    let element = |string: &str, unit: &'static str| {
                        let has = |list: &Vec<String>| list.iter().any(|s| s == string);
                        let mask = if has(&change.add) { vec![true, false] }
                            else if has(&change.remove) { vec![false, true] }
                            else if has(&change.settle) { vec![true, true] }
                            else { return None };
                        Some((unit, mask))
                    };
                    return [element("x", "s.x"), element("y", "s.y")].into_iter().flatten().collect::<Vec<_>>();
                }
                let (name, values) = universe.iter().find(|(n, _)| *n == change.fact).unwrap();
                vec![(*name, values.iter().map(|v| change.admits(v)).collect())]
            }).collect()
        }).collect();
        if answer.verdict == Verdict::Satisfied {
            prop_assert_eq!(expected, vec![Masks::new()]);
            prop_assert!(actual.is_empty());
        } else {
            expected.sort();
            actual.sort();
            prop_assert_eq!(actual, expected, "rules:\n{}\nnow: {:?}", source, now);
        }
    }
}

// ----- explain and leverage on the general generator --------------------------

use common::{
    ENTITY_BOOLS, ENTITY_NUMBERS, ENTITY_SETS, ENTITY_STRINGS, Row, WORLD_BOOLS, WORLD_NUMBERS,
    WORLD_SETS,
};

/// A value for every fact, each known whole (no set known in part).
fn full_row(names: Vec<&'static str>) -> impl Strategy<Value = Row> {
    let whole = |v: &common::Value| !matches!(v, common::Value::Partly(..));
    names
        .into_iter()
        .map(move |name| {
            common::value_for(name)
                .prop_filter_map("a value", move |v| Some((name, v.filter(whole)?)))
        })
        .collect::<Vec<_>>()
        .prop_map(|pairs| pairs.into_iter().collect())
}

fn world_names() -> Vec<&'static str> {
    [&WORLD_BOOLS[..], &WORLD_NUMBERS[..], &WORLD_SETS[..]].concat()
}

fn entity_names() -> Vec<&'static str> {
    [
        &ENTITY_BOOLS[..],
        &ENTITY_NUMBERS[..],
        &ENTITY_STRINGS[..],
        &ENTITY_SETS[..],
    ]
    .concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn deciding_facts_decide(
        rules in common::rule_set(),
        world in common::world_row(),
        entity in common::row(entity_names()),
        other_world in full_row(world_names()),
        other_entity in full_row(entity_names()),
        drop_mask in prop::collection::vec(any::<bool>(), 12),
    ) {
        let text = common::print_rules(&rules);
        let rule_set = RuleSet::parse("explain.rules", &text).unwrap();
        let target = format!("r{}", rules.len() - 1);
        let snapshot = rule_set.snapshot(&common::facts_of(&world, std::slice::from_ref(&entity))).unwrap();
        let why = snapshot.explain(Some("entity0"), &target).unwrap();
        prop_assert_eq!(Some(why.verdict), snapshot.report().verdict("entity0", &target));
        let deciding: Vec<&'static str> = world_names()
            .into_iter()
            .chain(entity_names())
            .filter(|name| why.deciding_facts.iter().any(|f| f.fact == *name))
            .collect();
        let mut changed_world = world.clone();
        let mut changed_entity = entity.clone();
        if why.verdict == Verdict::Undetermined {
            // Knowing every deciding unknown fact (or set known in part) determines the verdict.
            let learn = |row: &mut Row, other: &Row, name: &'static str| {
                let known = row.get(name).is_some_and(|v| !matches!(v, common::Value::Partly(..)));
                if let (false, Some(v)) = (known, other.get(name)) { row.insert(name, v.clone()); }
            };
            for name in &deciding {
                learn(&mut changed_world, &other_world, name);
                learn(&mut changed_entity, &other_entity, name);
            }
            let report = rule_set.evaluate(&common::facts_of(&changed_world, &[changed_entity])).unwrap();
            prop_assert_ne!(report.verdict("entity0", &target), Some(Verdict::Undetermined), "{}", text);
        } else {
            // Facts outside the deciding nodes cannot change a determined verdict.
            for (index, name) in world_names().into_iter().chain(entity_names()).enumerate() {
                if deciding.contains(&name) { continue; }
                let row = if world_names().contains(&name) { (&mut changed_world, &other_world) } else { (&mut changed_entity, &other_entity) };
                if drop_mask[index % drop_mask.len()] { row.0.remove(name); } else if let Some(v) = row.1.get(name) { row.0.insert(name, v.clone()); }
            }
            let report = rule_set.evaluate(&common::facts_of(&changed_world, &[changed_entity])).unwrap();
            prop_assert_eq!(report.verdict("entity0", &target), Some(why.verdict), "{}", text);
        }
    }

    #[test]
    fn diff_causes_alone_bring_the_new_verdict_about(
        rules in common::rule_set(),
        (world, entity) in (common::world_row(), common::row(entity_names())),
        (new_world, new_entity) in (common::world_row(), common::row(entity_names())),
    ) {
        let text = common::print_rules(&rules);
        let rule_set = RuleSet::parse("diff.rules", &text).unwrap();
        let old = rule_set.snapshot(&common::facts_of(&world, std::slice::from_ref(&entity))).unwrap();
        let new = rule_set.snapshot(&common::facts_of(&new_world, std::slice::from_ref(&new_entity))).unwrap();
        let diff = prereq::analysis::diff::diff(&old, &new);
        for change in &diff.changed {
            prop_assert!(!change.causes.is_empty(), "a changed verdict has a cause: {:?}\n{}", change, text);
            // The old facts with only the causes changed give the new verdict.
            let (mut w, mut e) = (world.clone(), entity.clone());
            for cause in &change.causes {
                let name = world_names().into_iter().chain(entity_names()).find(|n| *n == cause.fact).unwrap();
                let (row, new_row) = if world_names().contains(&name) { (&mut w, &new_world) } else { (&mut e, &new_entity) };
                match new_row.get(name) {
                    Some(v) => { row.insert(name, v.clone()); }
                    None => { row.remove(name); }
                }
            }
            let caused = rule_set.evaluate(&common::facts_of(&w, &[e])).unwrap();
            let verdict = match &change.entity {
                Some(who) => caused.verdict(who, &change.rule),
                None => caused.world_verdict(&change.rule),
            };
            prop_assert_eq!(verdict, Some(change.new), "the causes {:?} alone\n{}", change.causes, text);
        }
    }

    #[test]
    fn leverage_gains_match_full_reevaluation(rules in common::rule_set(), world in common::world_row(), entities in common::entity_rows()) {
        let text = common::print_rules(&rules);
        let rule_set = RuleSet::parse("leverage.rules", &text).unwrap();
        let target = format!("r{}", rules.len() - 1);
        let facts = common::facts_of(&world, &entities);
        let snapshot = rule_set.snapshot(&facts).unwrap();
        let answer = snapshot.leverage(&target, LeverageOptions { top: usize::MAX, pairs: false, budget: u64::MAX }).unwrap();
        let before = snapshot.report();
        for effect in &answer.changes {
            let change = &effect.changes[0];
            // Apply the change with its example value, and evaluate everything again.
            let value = change.example.clone();
            let mut changed = facts.clone();
            match &change.entity {
                None => { changed.set_world(&change.fact, value); }
                Some(entity) => { changed.set(entity, &change.fact, value); }
            }
            let after = rule_set.evaluate(&changed).unwrap();
            if let Some(world_after) = after.world_verdict(&target) {
                // A world rule: the change's effect is the rule's own verdict.
                prop_assert_eq!(effect.after, Some(world_after), "{}", text);
                prop_assert_ne!(Some(world_after), before.world_verdict(&target), "{}", text);
                prop_assert!(effect.gains.is_empty() && effect.losses.is_empty());
                continue;
            }
            let gains: Vec<String> = before.entities().filter(|e| before.verdict(e, &target) != Some(Verdict::Satisfied) && after.verdict(e, &target) == Some(Verdict::Satisfied)).map(str::to_string).collect();
            let losses: Vec<String> = before.entities().filter(|e| before.verdict(e, &target) == Some(Verdict::Satisfied) && after.verdict(e, &target) != Some(Verdict::Satisfied)).map(str::to_string).collect();
            prop_assert_eq!(&effect.gains, &gains, "{}", text);
            prop_assert_eq!(&effect.losses, &losses, "{}", text);
        }
    }
}

// ----- compare and the lints against brute force ---------------------------------

/// The verdict of `target` on every state of the universe (each fact unknown
/// or one of its representatives), by the real evaluator.
fn all_verdicts(rules: &RuleSet) -> Vec<Option<Verdict>> {
    let universe = universe();
    let radix: Vec<usize> = universe.iter().map(|(_, v)| v.len() + 1).collect();
    let total: usize = radix.iter().product();
    let per_w = total / radix[0];
    let mut verdicts = Vec::with_capacity(total);
    for w in 0..radix[0] {
        let mut facts = Facts::new("all");
        if let Some(value) = universe[0].1.get(w) {
            facts.set_world("w", value.clone());
        }
        for rest in 0..per_w {
            let name = rest.to_string();
            facts.add_entity(&name);
            set_entity(
                &mut facts,
                &name,
                &decode(w * per_w + rest, &radix),
                &universe,
            );
        }
        let report = rules.evaluate(&facts).unwrap();
        verdicts.extend((0..per_w).map(|rest| report.verdict(&rest.to_string(), "target")));
    }
    verdicts
}

fn version(r0: &Expr, target: &Expr) -> RuleSet {
    let source = format!(
        "{UNLOCK_DECLARATIONS}rule r0 requires {}\nrule target requires {}\n",
        text(r0),
        text(target)
    );
    RuleSet::parse("version.rules", &source).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn compare_agrees_with_brute_force(r0 in expr(false), old in expr(true), new in expr(true)) {
        use prereq::analysis::compare::{compare, Outcome};
        let (before, after) = (version(&r0, &old), version(&r0, &new));
        let outcome = compare(&before, &after, Some("target"), &Budget::new(u64::MAX)).unwrap().remove(0).outcome;
        let differ = all_verdicts(&before) != all_verdicts(&after);
        match outcome {
            Outcome::SameMeaning => prop_assert!(!differ, "same meaning claimed for {} vs {}", text(&old), text(&new)),
            Outcome::Differs { old: o, new: n, .. } => {
                prop_assert!(differ);
                prop_assert_ne!(o, n, "the witness shows the difference");
            }
            other => prop_assert!(false, "unexpected {:?}", other),
        }
        // Reordering and reformatting never changes the meaning.
        let reordered = match &new {
            Expr::And(parts) => Expr::And(parts.iter().rev().cloned().collect()),
            Expr::Or(parts) => Expr::Or(parts.iter().rev().cloned().collect()),
            other => Expr::Not(Box::new(Expr::Not(Box::new(other.clone())))),
        };
        let outcome = compare(&after, &version(&r0, &reordered), Some("target"), &Budget::new(u64::MAX)).unwrap().remove(0).outcome;
        prop_assert_eq!(outcome, Outcome::SameMeaning);
    }

    #[test]
    fn equivalent_rules_are_equivalent_and_reordered_ones_are_found(first in expr(false), second in expr(false)) {
        // `r0` is `first`, `target` is `second`: a claim of equivalence is a proof.
        let rules = version(&first, &second);
        let claims = |rules: &RuleSet| prereq::analysis::lint::lint(rules, &Budget::new(u64::MAX))
            .found
            .iter()
            .any(|d| d.code == "equivalent-rules" && d.message.contains("`target` means the same as rule `r0`"));
        if claims(&rules) {
            prop_assert_eq!(all_verdicts(&rules), all_verdicts(&version(&first, &first)), "{} vs {}", text(&first), text(&second));
        }
        // The same condition with its parts reordered reads the same facts: always found.
        let reordered = match &first {
            Expr::And(parts) => Expr::And(parts.iter().rev().cloned().collect()),
            Expr::Or(parts) => Expr::Or(parts.iter().rev().cloned().collect()),
            other => Expr::Not(Box::new(Expr::Not(Box::new(other.clone())))),
        };
        let twin = version(&first, &reordered);
        let is_alias = text(&reordered) == "r0";
        prop_assert!(is_alias || claims(&twin), "{} and {} are not found equivalent", text(&first), text(&reordered));
    }

    #[test]
    fn never_and_always_satisfied_agree_with_brute_force(r0 in expr(false), target in expr(true)) {
        let rules = version(&r0, &target);
        let codes: Vec<&str> = prereq::analysis::lint::lint(&rules, &Budget::new(u64::MAX))
            .found
            .into_iter()
            .filter(|d| d.labels.first().is_some_and(|l| rules.sources().snippet(l.span) == "target"))
            .map(|d| d.code)
            .collect();
        let verdicts = all_verdicts(&rules);
        let never = !verdicts.contains(&Some(Verdict::Satisfied));
        prop_assert_eq!(codes.contains(&"never-satisfied"), never, "{}", text(&target));
    }
}

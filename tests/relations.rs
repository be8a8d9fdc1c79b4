//! The analyses against brute force on rules that compare facts with each
//! other and compute with them.
//!
//! Number facts range over 0 to 3; brute force tries every quarter in
//! between. The relations of the pool have coefficients of 1 and 2 and
//! whole thresholds, so every cell of their arrangements (where the tests
//! and relations come out alike) holds a quarter point: what holds on the
//! grid holds on every value.
//!
//! - unlock: the minimal change sets equal those found by trying every
//!   condition (every combination of the atoms' outcomes) on every subset
//!   of changeable facts over the grid, keeping the working ones no other
//!   makes redundant;
//! - compare: "same meaning" only where every state gives the same
//!   verdicts, and a witness that shows the difference otherwise;
//! - lint: "never satisfied" exactly where no state satisfies the rule;
//! - leverage: every change it proposes gains exactly the entities a full
//!   re-evaluation says.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{BTreeMap, BTreeSet, HashMap};

use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::{UnlockOptions, option_admits};
use prereq::{FactValue, Facts, RuleSet, Verdict};
use proptest::prelude::*;

const DECLARATIONS: &str = "
world fact m: number from 0 to 3
fact a: bool
fact x: number from 0 to 3
fact y: number from 0 to 3
fact k: number from 0 to 3 fixed
";

/// The facts, in order: name, world or not, changeable or not, number or bool.
const FACTS: [(&str, bool, bool, bool); 5] = [
    ("m", true, true, true),
    ("a", false, true, false),
    ("x", false, true, true),
    ("y", false, true, true),
    ("k", false, false, true),
];

/// The atoms rules are built from, each with whether it is a relation
/// (its outcome may be undetermined once its facts are set, if another
/// fact it reads is unknown).
const ATOMS: [(&str, bool); 13] = [
    ("a", false),
    ("x >= y", true),
    ("x + y >= 3", true),
    ("x - y < 1", true),
    ("x <= m", true),
    ("x + m > 4", true),
    ("x >= 1", false),
    ("y < 2", false),
    ("m >= 2", false),
    ("x - x >= 0", true),
    ("2 * x >= 3", false),
    ("x + y == 3", true),
    ("y >= k", true),
];

/// The facts an atom reads.
fn atom_facts(atom: usize) -> Vec<&'static str> {
    let text = ATOMS[atom].0;
    FACTS
        .iter()
        .map(|(name, ..)| *name)
        .filter(|name| {
            text.split(|c: char| !c.is_alphanumeric())
                .any(|w| w == *name)
        })
        .collect()
}

/// Values brute force gives a number it changes: every quarter from 0 to 3.
fn grid() -> Vec<f64> {
    (0..=12).map(|q| f64::from(q) / 4.0).collect()
}

/// Values a fact can have now: whole numbers (or a bool), or unknown.
fn now_values(number: bool) -> Vec<FactValue> {
    match number {
        true => (0..=3).map(|n| FactValue::Number(f64::from(n))).collect(),
        false => vec![FactValue::Bool(true), FactValue::Bool(false)],
    }
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
    let leaf = if allow_rule {
        prop_oneof![4 => (0..ATOMS.len()).prop_map(Expr::Atom), 1 => Just(Expr::Rule0)].boxed()
    } else {
        (0..ATOMS.len()).prop_map(Expr::Atom).boxed()
    };
    leaf.prop_recursive(2, 6, 3, |inner| {
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
        Expr::Atom(i) => ATOMS[*i].0.to_string(),
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

fn atoms_used(e: &Expr, r0: &Expr, used: &mut BTreeSet<usize>) {
    match e {
        Expr::Atom(i) => {
            used.insert(*i);
        }
        Expr::Rule0 => atoms_used(r0, r0, used),
        Expr::Not(inner) => atoms_used(inner, r0, used),
        Expr::And(parts) | Expr::Or(parts) => parts.iter().for_each(|p| atoms_used(p, r0, used)),
    }
}

/// The rules: `r0`, `target`, and one rule per atom used (`atom_N`), so
/// that one evaluation gives the atoms' outcomes too.
fn rules_of(r0: &Expr, target: &Expr, used: &BTreeSet<usize>) -> RuleSet {
    let mut source = format!(
        "{DECLARATIONS}rule r0 requires {}\nrule target requires {}\n",
        text(r0),
        text(target)
    );
    for atom in used {
        source.push_str(&format!("rule atom_{atom} requires {}\n", ATOMS[*atom].0));
    }
    RuleSet::parse("relations.rules", &source).unwrap()
}

/// A state: a value per fact, or unknown.
type State = BTreeMap<&'static str, Option<FactValue>>;

/// Evaluates `target` and each used atom on many entity states sharing
/// one world; returns, per entity, (target satisfied, atom outcomes).
fn evaluate(
    rules: &RuleSet,
    world: &State,
    entities: &[State],
    used: &BTreeSet<usize>,
) -> Vec<(bool, Vec<Verdict>)> {
    let mut facts = Facts::new("brute");
    for (name, value) in world {
        if let Some(value) = value {
            facts.set_world(name, value.clone());
        }
    }
    for (index, entity) in entities.iter().enumerate() {
        let name = index.to_string();
        facts.add_entity(&name);
        for (fact, value) in entity {
            if let Some(value) = value {
                facts.set(&name, fact, value.clone());
            }
        }
    }
    let report = rules.evaluate(&facts).unwrap();
    (0..entities.len())
        .map(|index| {
            let name = index.to_string();
            let satisfied = report.verdict(&name, "target") == Some(Verdict::Satisfied);
            let outcomes = used
                .iter()
                .map(|atom| {
                    let rule = format!("atom_{atom}");
                    report
                        .verdict(&name, &rule)
                        .or_else(|| report.world_verdict(&rule))
                        .unwrap()
                })
                .collect();
            (satisfied, outcomes)
        })
        .collect()
}

/// A change set as compared: the facts changed, and the grid points of
/// their values it admits.
type Option_ = (BTreeSet<&'static str>, BTreeSet<Vec<u64>>);

/// Every point of the grid for the facts `changed` (in FACTS order).
fn points(changed: &[&'static str]) -> Vec<Vec<FactValue>> {
    let mut all: Vec<Vec<FactValue>> = vec![Vec::new()];
    for name in changed {
        let number = FACTS.iter().find(|f| f.0 == *name).unwrap().3;
        let values: Vec<FactValue> = match number {
            true => grid().into_iter().map(FactValue::Number).collect(),
            false => vec![FactValue::Bool(true), FactValue::Bool(false)],
        };
        all = all
            .into_iter()
            .flat_map(|p| {
                values
                    .iter()
                    .map(move |v| [p.clone(), vec![v.clone()]].concat())
            })
            .collect();
    }
    all
}

fn key(point: &[FactValue]) -> Vec<u64> {
    point
        .iter()
        .map(|v| match v {
            FactValue::Number(n) => n.to_bits(),
            FactValue::Bool(b) => u64::from(*b),
            _ => u64::MAX,
        })
        .collect()
}

/// The outcome sets a cube may ask of an atom: a test, known once set,
/// is true or false; a relation may stay undetermined.
fn choices(relation: bool) -> Vec<Vec<Verdict>> {
    use Verdict::{Satisfied as T, Undetermined as U, Unsatisfied as F};
    match relation {
        false => vec![vec![T, F, U], vec![T], vec![F]],
        true => vec![
            vec![T, F, U],
            vec![T],
            vec![F],
            vec![T, U],
            vec![F, U],
            vec![U],
        ],
    }
}

/// Every minimal working change set, by brute force.
fn brute_unlock(rules: &RuleSet, now: &State, used: &BTreeSet<usize>) -> BTreeSet<Option_> {
    let changeable: Vec<&'static str> = FACTS.iter().filter(|f| f.2).map(|f| f.0).collect();
    let mut working: Vec<Option_> = Vec::new();
    for subset in 0..(1u32 << changeable.len()) {
        let changed: Vec<&'static str> = changeable
            .iter()
            .enumerate()
            .filter(|(i, _)| subset & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect();
        let points = points(&changed);
        // Evaluate every point: worlds apart.
        let mut by_world: HashMap<Vec<u64>, Vec<usize>> = HashMap::new();
        let states: Vec<State> = points
            .iter()
            .map(|p| {
                let mut state = now.clone();
                for (name, value) in changed.iter().zip(p) {
                    state.insert(name, Some(value.clone()));
                }
                state
            })
            .collect();
        for (index, state) in states.iter().enumerate() {
            let world_key = key(&[state["m"].clone().unwrap_or(FactValue::Integer(9))]);
            by_world.entry(world_key).or_default().push(index);
        }
        let mut results = vec![(false, Vec::new()); points.len()];
        for indices in by_world.values() {
            let world: State = states[indices[0]]
                .iter()
                .filter(|(n, _)| **n == "m")
                .map(|(n, v)| (*n, v.clone()))
                .collect();
            let entities: Vec<State> = indices
                .iter()
                .map(|i| {
                    states[*i]
                        .iter()
                        .filter(|(n, _)| **n != "m")
                        .map(|(n, v)| (*n, v.clone()))
                        .collect()
                })
                .collect();
            for (i, result) in indices.iter().zip(evaluate(rules, &world, &entities, used)) {
                results[*i] = result;
            }
        }
        // The atoms that read a changed fact: the points by their outcomes
        // (a point's verdict depends on nothing else).
        let relevant: Vec<usize> = used
            .iter()
            .enumerate()
            .filter(|(_, atom)| atom_facts(**atom).iter().any(|f| changed.contains(f)))
            .map(|(position, _)| position)
            .collect();
        let mut by_outcomes: HashMap<Vec<Verdict>, (bool, Vec<usize>)> = HashMap::new();
        for (point, (satisfied, outcomes)) in results.iter().enumerate() {
            let signature: Vec<Verdict> = relevant.iter().map(|p| outcomes[*p]).collect();
            let entry = by_outcomes
                .entry(signature)
                .or_insert((*satisfied, Vec::new()));
            assert_eq!(
                entry.0, *satisfied,
                "the verdict depends on the atoms' outcomes only"
            );
            entry.1.push(point);
        }
        let signatures: Vec<(Vec<Verdict>, bool, Vec<usize>)> = by_outcomes
            .into_iter()
            .map(|(s, (ok, points))| (s, ok, points))
            .collect();
        let relation: Vec<bool> = relevant
            .iter()
            .map(|p| ATOMS[*used.iter().nth(*p).unwrap()].1)
            .collect();
        // Every cube of outcome choices, depth first: a cube that admits
        // nothing, or already works (its refinements are redundant), ends
        // the search below it.
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(0, (0..signatures.len()).collect())];
        while let Some((atom, admitted)) = stack.pop() {
            if admitted.is_empty() {
                continue;
            }
            if admitted.iter().all(|s| signatures[*s].1) {
                let set: BTreeSet<Vec<u64>> = admitted
                    .iter()
                    .flat_map(|s| signatures[*s].2.iter().map(|p| key(&points[*p])))
                    .collect();
                working.push((changed.iter().copied().collect(), set));
                continue;
            }
            if atom == relevant.len() {
                continue;
            }
            for choice in choices(relation[atom]) {
                let kept = admitted
                    .iter()
                    .copied()
                    .filter(|s| choice.contains(&signatures[*s].0[atom]))
                    .collect();
                stack.push((atom + 1, kept));
            }
        }
    }
    minimal(working)
}

/// The options no other makes redundant: one that changes a subset of
/// the facts and admits, on them, every value the other does.
fn minimal(mut options: Vec<Option_>) -> BTreeSet<Option_> {
    options.sort();
    options.dedup();
    let order: Vec<&'static str> = FACTS.iter().map(|f| f.0).collect();
    let project = |option: &Option_, onto: &BTreeSet<&'static str>| -> BTreeSet<Vec<u64>> {
        let names: Vec<&'static str> = order
            .iter()
            .copied()
            .filter(|n| option.0.contains(n))
            .collect();
        option
            .1
            .iter()
            .map(|point| {
                point
                    .iter()
                    .zip(&names)
                    .filter(|(_, n)| onto.contains(*n))
                    .map(|(v, _)| *v)
                    .collect()
            })
            .collect()
    };
    let dominates = |small: &Option_, large: &Option_| {
        small.0.is_subset(&large.0) && project(large, &small.0).is_subset(&small.1)
    };
    options
        .iter()
        .filter(|o| {
            !options
                .iter()
                .any(|other| other != *o && dominates(other, o))
        })
        .cloned()
        .collect()
}

/// A state of every fact: each value now, or unknown.
fn state() -> impl Strategy<Value = State> {
    let facts: Vec<BoxedStrategy<(&'static str, Option<FactValue>)>> = FACTS
        .iter()
        .map(|(name, _, _, number)| {
            let name = *name;
            prop::option::weighted(0.65, prop::sample::select(now_values(*number)))
                .prop_map(move |v| (name, v))
                .boxed()
        })
        .collect();
    facts.prop_map(|pairs| pairs.into_iter().collect())
}

fn snapshot_facts(now: &State) -> Facts {
    let mut facts = Facts::new("now");
    facts.add_entity("E");
    for (name, world, _, _) in FACTS {
        if let Some(value) = &now[name] {
            if world {
                facts.set_world(name, value.clone());
            } else {
                facts.set("E", name, value.clone());
            }
        }
    }
    facts
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn unlock_finds_exactly_the_minimal_change_sets(r0 in expr(false), target in expr(true), now in state()) {
        let mut used = BTreeSet::new();
        atoms_used(&target, &r0, &mut used);
        let rules = rules_of(&r0, &target, &used);
        let answer = rules
            .snapshot(&snapshot_facts(&now))
            .unwrap()
            .unlock(Some("E"), "target", UnlockOptions { max_options: usize::MAX, budget: 50_000_000 })
            .unwrap();
        prop_assert!(answer.complete);
        let expected = brute_unlock(&rules, &now, &used);
        if answer.verdict == Verdict::Satisfied {
            prop_assert!(answer.options.is_empty());
            prop_assert!(expected.contains(&(BTreeSet::new(), [Vec::new()].into_iter().collect())));
            return Ok(());
        }
        let order: Vec<&'static str> = FACTS.iter().map(|f| f.0).collect();
        let actual: BTreeSet<Option_> = answer.options.iter().map(|option| {
            let changed: Vec<&'static str> = order.iter().copied().filter(|n| option.iter().any(|c| c.fact == *n)).collect();
            let admitted = points(&changed).into_iter().filter(|point| {
                option_admits(option, |name| changed.iter().position(|c| *c == name).map(|i| point[i].clone()))
            }).map(|p| key(&p)).collect();
            (changed.into_iter().collect(), admitted)
        }).collect();
        prop_assert_eq!(actual.len(), answer.options.len(), "two options admit the same values: {:?}", answer.options);
        prop_assert_eq!(actual, expected, "rules: r0 = {}, target = {}\nnow: {:?}\noptions: {:#?}", text(&r0), text(&target), now, answer.options);
    }
}

// ----- compare, lint and leverage -------------------------------------------

/// Every state of the facts over a grid (each fact unknown or a value of
/// the grid; `k` whole), with the target's verdict in each.
fn all_verdicts(rules: &RuleSet, grid: &[f64]) -> Vec<Option<Verdict>> {
    let numbers: Vec<Option<FactValue>> = std::iter::once(None)
        .chain(grid.iter().map(|n| Some(FactValue::Number(*n))))
        .collect();
    let bools = [
        None,
        Some(FactValue::Bool(true)),
        Some(FactValue::Bool(false)),
    ];
    let wholes: Vec<Option<FactValue>> = std::iter::once(None)
        .chain((0..=3).map(|n| Some(FactValue::Number(f64::from(n)))))
        .collect();
    let mut verdicts = Vec::new();
    for m in &numbers {
        let mut facts = Facts::new("all");
        if let Some(m) = m {
            facts.set_world("m", m.clone());
        }
        let mut count = 0;
        for a in &bools {
            for x in &numbers {
                for y in &numbers {
                    for k in &wholes {
                        let name = count.to_string();
                        count += 1;
                        facts.add_entity(&name);
                        for (fact, value) in [("a", a), ("x", x), ("y", y), ("k", k)] {
                            if let Some(value) = value {
                                facts.set(&name, fact, value.clone());
                            }
                        }
                    }
                }
            }
        }
        let report = rules.evaluate(&facts).unwrap();
        verdicts.extend((0..count).map(|e| report.verdict(&e.to_string(), "target")));
    }
    verdicts
}

fn version(r0: &Expr, target: &Expr) -> RuleSet {
    rules_of(r0, target, &BTreeSet::new())
}

/// The target's verdict on a witness: its world and entity facts, every
/// other fact unknown.
fn verdict_on(rules: &RuleSet, witness: &prereq::analysis::semantics::Witness) -> Option<Verdict> {
    let mut facts = Facts::new("witness");
    facts.add_entity("E");
    for (name, value) in &witness.world {
        facts.set_world(name, value.clone());
    }
    for (name, value) in &witness.entity {
        facts.set("E", name, value.clone());
    }
    let report = rules.evaluate(&facts).unwrap();
    report
        .verdict("E", "target")
        .or_else(|| report.world_verdict("target"))
}

fn halves() -> Vec<f64> {
    (0..=6).map(|h| f64::from(h) / 2.0).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn compare_proves_what_it_claims(r0 in expr(false), old in expr(true), new in expr(true)) {
        use prereq::analysis::budget::Budget;
        use prereq::analysis::compare::{Outcome, compare};
        let (before, after) = (version(&r0, &old), version(&r0, &new));
        let outcome = compare(&before, &after, Some("target"), &Budget::new(u64::MAX)).unwrap().remove(0).outcome;
        match outcome {
            // A proof: no state of the grid tells them apart.
            Outcome::SameMeaning => prop_assert_eq!(all_verdicts(&before, &halves()), all_verdicts(&after, &halves()), "{} vs {}", text(&old), text(&new)),
            // A witness: the two versions decide it differently.
            Outcome::Differs { witness, old: o, new: n } => {
                prop_assert_ne!(o, n);
                prop_assert_eq!(verdict_on(&before, &witness), Some(o), "{} at {:?}", text(&old), witness);
                prop_assert_eq!(verdict_on(&after, &witness), Some(n), "{} at {:?}", text(&new), witness);
            }
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn never_satisfied_is_proved_and_found(r0 in expr(false), target in expr(true)) {
        use prereq::analysis::budget::Budget;
        let rules = version(&r0, &target);
        let never_claimed = prereq::analysis::lint::lint(&rules, &Budget::new(u64::MAX))
            .found
            .into_iter()
            .any(|d| d.code == "never-satisfied" && d.labels.first().is_some_and(|l| rules.sources().snippet(l.span) == "target"));
        let quarters: Vec<f64> = grid();
        let never = !all_verdicts(&rules, &quarters).contains(&Some(Verdict::Satisfied));
        prop_assert_eq!(never_claimed, never, "{}", text(&target));
    }

    #[test]
    fn leverage_gains_match_full_reevaluation(
        r0 in expr(false),
        target in expr(true),
        world in state(),
        entities in prop::collection::vec(state(), 1..4),
    ) {
        let rules = version(&r0, &target);
        let mut facts = Facts::new("now");
        if let Some(m) = &world["m"] {
            facts.set_world("m", m.clone());
        }
        for (index, entity) in entities.iter().enumerate() {
            let name = format!("e{index}");
            facts.add_entity(&name);
            for (fact, value) in entity.iter().filter(|(f, _)| **f != "m") {
                if let Some(value) = value {
                    facts.set(&name, fact, value.clone());
                }
            }
        }
        let snapshot = rules.snapshot(&facts).unwrap();
        let answer = snapshot.leverage("target", LeverageOptions { top: usize::MAX, pairs: false, budget: u64::MAX }).unwrap();
        prop_assert!(answer.complete && answer.not_searched.is_empty());
        let before = snapshot.report();
        for effect in &answer.changes {
            let change = &effect.changes[0];
            let mut changed = facts.clone();
            match &change.entity {
                None => { changed.set_world(&change.fact, change.example.clone()); }
                Some(entity) => { changed.set(entity, &change.fact, change.example.clone()); }
            }
            let after = rules.evaluate(&changed).unwrap();
            if let Some(world_after) = after.world_verdict("target") {
                prop_assert_eq!(effect.after, Some(world_after));
                continue;
            }
            let gains: Vec<String> = before.entities().filter(|e| before.verdict(e, "target") != Some(Verdict::Satisfied) && after.verdict(e, "target") == Some(Verdict::Satisfied)).map(str::to_string).collect();
            let losses: Vec<String> = before.entities().filter(|e| before.verdict(e, "target") == Some(Verdict::Satisfied) && after.verdict(e, "target") != Some(Verdict::Satisfied)).map(str::to_string).collect();
            prop_assert_eq!(&effect.gains, &gains, "{} with {:?}", text(&target), change);
            prop_assert_eq!(&effect.losses, &losses, "{} with {:?}", text(&target), change);
        }
    }
}

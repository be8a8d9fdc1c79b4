//! The analyses against brute force on rules that compare facts with each
//! other and compute with them.
//!
//! Two universes of facts: numbers from 0 to 3, tried at every quarter in
//! between (the tests of the pool are on whole thresholds and the
//! relations are sums and differences with whole constants, so their lines
//! cross at halves, and every cell of their arrangements — where the tests
//! and relations come out alike — holds a quarter point); and words,
//! tried at every word a rule names and at as many others as there are
//! facts (so every way of words being alike or not is tried). What holds
//! on the grid holds on every value.
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

use prereq::analysis::budget::Budget;
use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::{UnlockOptions, option_admits};
use prereq::{FactValue, Facts, RuleSet, Verdict};
use proptest::prelude::*;

/// A fact of a universe.
struct Fact {
    name: &'static str,
    world: bool,
    changeable: bool,
    /// The values brute force changes it to.
    grid: Vec<FactValue>,
    /// The values it may have now (or it is unknown).
    now: Vec<FactValue>,
}

/// Facts, and the atoms rules are built from, each with whether it is a
/// relation (its outcome may stay undetermined once its facts are set, if
/// another fact it reads is unknown).
struct Universe {
    declarations: &'static str,
    facts: Vec<Fact>,
    atoms: Vec<(&'static str, bool)>,
}

fn numbers(values: &[f64]) -> Vec<FactValue> {
    values.iter().map(|n| FactValue::Number(*n)).collect()
}

fn words(values: &[&str]) -> Vec<FactValue> {
    values
        .iter()
        .map(|w| FactValue::String(w.to_string()))
        .collect()
}

fn bools() -> Vec<FactValue> {
    vec![FactValue::Bool(true), FactValue::Bool(false)]
}

/// An entity `bool` fact that may change.
fn flag(name: &'static str) -> Fact {
    Fact {
        name,
        world: false,
        changeable: true,
        grid: bools(),
        now: bools(),
    }
}

/// Numbers from 0 to 3, related by sums and differences.
fn number_universe() -> Universe {
    let quarters: Vec<f64> = (0..=12).map(|q| f64::from(q) / 4.0).collect();
    let whole = [0.0, 1.0, 2.0, 3.0];
    let number = |name, world, changeable| Fact {
        name,
        world,
        changeable,
        grid: numbers(&quarters),
        now: numbers(&whole),
    };
    Universe {
        declarations: "
world fact m: number from 0 to 3
fact a: bool
fact x: number from 0 to 3
fact y: number from 0 to 3
fact k: number from 0 to 3 fixed
",
        facts: vec![
            number("m", true, true),
            flag("a"),
            number("x", false, true),
            number("y", false, true),
            number("k", false, false),
        ],
        atoms: vec![
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
            ("2 * x >= 4", false),
            ("x + y == 3", true),
            ("y >= k", true),
        ],
    }
}

/// Words: one fact with a vocabulary, two without, one of the world.
fn word_universe() -> Universe {
    // Every word a rule or vocabulary names, and three none names.
    let any = words(&["p", "q", "x", "y", "o1", "o2", "o3"]);
    let fact = |name, world, grid: &Vec<FactValue>| Fact {
        name,
        world,
        changeable: true,
        grid: grid.clone(),
        now: grid.clone(),
    };
    Universe {
        declarations: r#"
world fact w: string
fact u: one of "p", "q"
fact v: string
fact t: string
fact a: bool
"#,
        facts: vec![
            fact("w", true, &any),
            fact("u", false, &words(&["p", "q"])),
            fact("v", false, &any),
            fact("t", false, &any),
            flag("a"),
        ],
        atoms: vec![
            ("a", false),
            ("u == v", true),
            ("v == t", true),
            ("u != t", true),
            ("v == w", true),
            ("u == \"p\"", false),
            ("v == \"x\"", false),
            ("t in [\"x\", \"y\"]", false),
            ("w != \"y\"", false),
        ],
    }
}

impl Universe {
    /// The facts an atom reads.
    fn atom_facts(&self, atom: usize) -> Vec<&'static str> {
        let text = self.atoms[atom].0;
        self.facts
            .iter()
            .map(|f| f.name)
            .filter(|name| {
                text.split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == *name)
            })
            .collect()
    }

    fn fact(&self, name: &str) -> &Fact {
        self.facts.iter().find(|f| f.name == name).unwrap()
    }

    fn names(&self) -> Vec<&'static str> {
        self.facts.iter().map(|f| f.name).collect()
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

fn expr(atoms: usize, allow_rule: bool) -> BoxedStrategy<Expr> {
    let leaf = if allow_rule {
        prop_oneof![4 => (0..atoms).prop_map(Expr::Atom), 1 => Just(Expr::Rule0)].boxed()
    } else {
        (0..atoms).prop_map(Expr::Atom).boxed()
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

fn text(u: &Universe, e: &Expr) -> String {
    let join = |parts: &[Expr], with: &str| {
        let parts: Vec<String> = parts.iter().map(|p| format!("({})", text(u, p))).collect();
        parts.join(with)
    };
    match e {
        Expr::Atom(i) => u.atoms[*i].0.to_string(),
        Expr::Rule0 => "r0".to_string(),
        Expr::Not(inner) => format!("not ({})", text(u, inner)),
        Expr::And(parts) => join(parts, " and "),
        Expr::Or(parts) => join(parts, " or "),
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
fn rules_of(u: &Universe, r0: &Expr, target: &Expr, used: &BTreeSet<usize>) -> RuleSet {
    let mut source = format!(
        "{}rule r0 requires {}\nrule target requires {}\n",
        u.declarations,
        text(u, r0),
        text(u, target)
    );
    for atom in used {
        source.push_str(&format!("rule atom_{atom} requires {}\n", u.atoms[*atom].0));
    }
    RuleSet::parse("relations.rules", &source).unwrap()
}

/// A state: a value per fact, or unknown.
type State = BTreeMap<&'static str, Option<FactValue>>;

/// Evaluates `target` and each used atom on states, those with the same
/// world together; returns, per state, (target's verdict, atom outcomes).
fn evaluate(
    u: &Universe,
    rules: &RuleSet,
    states: &[State],
    used: &BTreeSet<usize>,
) -> Vec<(Verdict, Vec<Verdict>)> {
    let world_of = |state: &State| -> Vec<Option<FactValue>> {
        u.facts
            .iter()
            .filter(|f| f.world)
            .map(|f| state[f.name].clone())
            .collect()
    };
    let mut by_world: Vec<(Vec<Option<FactValue>>, Vec<usize>)> = Vec::new();
    for (index, state) in states.iter().enumerate() {
        let world = world_of(state);
        match by_world.iter_mut().find(|(w, _)| *w == world) {
            Some((_, indices)) => indices.push(index),
            None => by_world.push((world, vec![index])),
        }
    }
    let mut results = vec![(Verdict::Undetermined, Vec::new()); states.len()];
    for (_, indices) in by_world {
        let mut facts = Facts::new("brute");
        for (position, index) in indices.iter().enumerate() {
            let name = position.to_string();
            facts.add_entity(&name);
            for fact in &u.facts {
                let Some(value) = &states[*index][fact.name] else {
                    continue;
                };
                match fact.world {
                    true => facts.set_world(fact.name, value.clone()),
                    false => facts.set(&name, fact.name, value.clone()),
                };
            }
        }
        let report = rules.evaluate(&facts).unwrap();
        for (position, index) in indices.iter().enumerate() {
            let name = position.to_string();
            let verdict = |rule: &str| {
                report
                    .verdict(&name, rule)
                    .or_else(|| report.world_verdict(rule))
                    .unwrap()
            };
            let outcomes = used
                .iter()
                .map(|atom| verdict(&format!("atom_{atom}")))
                .collect();
            results[*index] = (verdict("target"), outcomes);
        }
    }
    results
}

/// A change set as compared: the facts changed, and the grid points of
/// their values it admits.
type Option_ = (BTreeSet<&'static str>, BTreeSet<Vec<String>>);

/// Every point of the grid for the facts `changed` (in the universe's order).
fn points(u: &Universe, changed: &[&'static str]) -> Vec<Vec<FactValue>> {
    let mut all: Vec<Vec<FactValue>> = vec![Vec::new()];
    for name in changed {
        let values = &u.fact(name).grid;
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

fn key(point: &[FactValue]) -> Vec<String> {
    point.iter().map(|v| format!("{v:?}")).collect()
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
fn brute_unlock(
    u: &Universe,
    rules: &RuleSet,
    now: &State,
    used: &BTreeSet<usize>,
) -> BTreeSet<Option_> {
    let changeable: Vec<&'static str> = u
        .facts
        .iter()
        .filter(|f| f.changeable)
        .map(|f| f.name)
        .collect();
    let used_list: Vec<usize> = used.iter().copied().collect();
    let mut working: Vec<Option_> = Vec::new();
    for subset in 0..(1u32 << changeable.len()) {
        let changed: Vec<&'static str> = changeable
            .iter()
            .enumerate()
            .filter(|(i, _)| subset & (1 << i) != 0)
            .map(|(_, f)| *f)
            .collect();
        let points = points(u, &changed);
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
        let results = evaluate(u, rules, &states, used);
        // The atoms that read a changed fact: the points by their outcomes
        // (a point's verdict depends on nothing else).
        let relevant: Vec<usize> = (0..used_list.len())
            .filter(|p| {
                u.atom_facts(used_list[*p])
                    .iter()
                    .any(|f| changed.contains(f))
            })
            .collect();
        let mut by_outcomes: HashMap<Vec<Verdict>, (bool, Vec<usize>)> = HashMap::new();
        for (point, (verdict, outcomes)) in results.iter().enumerate() {
            let satisfied = &(*verdict == Verdict::Satisfied);
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
        let relation: Vec<bool> = relevant.iter().map(|p| u.atoms[used_list[*p]].1).collect();
        // Every cube of outcome choices, depth first: a cube that admits
        // nothing, or already works (its refinements are redundant), ends
        // the search below it.
        let mut stack: Vec<(usize, Vec<usize>)> = vec![(0, (0..signatures.len()).collect())];
        while let Some((atom, admitted)) = stack.pop() {
            if admitted.is_empty() {
                continue;
            }
            if admitted.iter().all(|s| signatures[*s].1) {
                let set: BTreeSet<Vec<String>> = admitted
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
    minimal(u, working)
}

/// The options no other makes redundant: one that changes a subset of
/// the facts and admits, on them, every value the other does.
fn minimal(u: &Universe, mut options: Vec<Option_>) -> BTreeSet<Option_> {
    options.sort();
    options.dedup();
    let order = u.names();
    let project = |option: &Option_, onto: &BTreeSet<&'static str>| -> BTreeSet<Vec<String>> {
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
                    .map(|(v, _)| v.clone())
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

/// A state of every fact: each a value it may have now, or unknown.
fn state(u: &Universe) -> BoxedStrategy<State> {
    let facts: Vec<BoxedStrategy<(&'static str, Option<FactValue>)>> = u
        .facts
        .iter()
        .map(|fact| {
            let name = fact.name;
            prop::option::weighted(0.65, prop::sample::select(fact.now.clone()))
                .prop_map(move |v| (name, v))
                .boxed()
        })
        .collect();
    facts.prop_map(|pairs| pairs.into_iter().collect()).boxed()
}

fn snapshot_facts(u: &Universe, now: &State) -> Facts {
    let mut facts = Facts::new("now");
    facts.add_entity("E");
    for fact in &u.facts {
        if let Some(value) = &now[fact.name] {
            match fact.world {
                true => facts.set_world(fact.name, value.clone()),
                false => facts.set("E", fact.name, value.clone()),
            };
        }
    }
    facts
}

/// Unlock's options for the entity against brute force.
fn unlock_is_exact(
    u: &Universe,
    r0: &Expr,
    target: &Expr,
    now: &State,
) -> Result<(), TestCaseError> {
    let mut used = BTreeSet::new();
    atoms_used(target, r0, &mut used);
    let rules = rules_of(u, r0, target, &used);
    let answer = rules
        .snapshot(&snapshot_facts(u, now))
        .unwrap()
        .unlock(
            Some("E"),
            "target",
            UnlockOptions {
                max_options: usize::MAX,
                budget: 50_000_000,
            },
        )
        .unwrap();
    prop_assert!(answer.complete);
    let expected = brute_unlock(u, &rules, now, &used);
    if answer.verdict == Verdict::Satisfied {
        prop_assert!(answer.options.is_empty());
        prop_assert!(expected.contains(&(BTreeSet::new(), [Vec::new()].into_iter().collect())));
        return Ok(());
    }
    let order = u.names();
    let actual: BTreeSet<Option_> = answer
        .options
        .iter()
        .map(|option| {
            let changed: Vec<&'static str> = order
                .iter()
                .copied()
                .filter(|n| option.iter().any(|c| c.fact == *n))
                .collect();
            let admitted = points(u, &changed)
                .into_iter()
                .filter(|point| {
                    option_admits(option, |name| {
                        changed
                            .iter()
                            .position(|c| *c == name)
                            .map(|i| point[i].clone())
                    })
                })
                .map(|p| key(&p))
                .collect();
            (changed.into_iter().collect(), admitted)
        })
        .collect();
    prop_assert_eq!(
        actual.len(),
        answer.options.len(),
        "two options admit the same values: {:?}",
        answer.options
    );
    prop_assert_eq!(
        actual,
        expected,
        "rules: r0 = {}, target = {}\nnow: {:?}\noptions: {:#?}",
        text(u, r0),
        text(u, target),
        now,
        answer.options
    );
    Ok(())
}

fn universe_of(words: bool) -> Universe {
    match words {
        true => word_universe(),
        false => number_universe(),
    }
}

/// A case of a universe: `r0`, `target` and a state, drawn from it.
fn case(words: bool) -> impl Strategy<Value = (bool, Expr, Expr, State)> {
    let u = universe_of(words);
    let atoms = u.atoms.len();
    (expr(atoms, false), expr(atoms, true), state(&u))
        .prop_map(move |(r0, target, now)| (words, r0, target, now))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn unlock_finds_exactly_the_minimal_change_sets_of_numbers((words, r0, target, now) in case(false)) {
        unlock_is_exact(&universe_of(words), &r0, &target, &now)?;
    }

    #[test]
    fn unlock_finds_exactly_the_minimal_change_sets_of_words((words, r0, target, now) in case(true)) {
        unlock_is_exact(&universe_of(words), &r0, &target, &now)?;
    }
}

// ----- compare, lint and leverage -------------------------------------------

/// Every state of the facts (each unknown or a value of its grid — every
/// `step`-th — a fixed one a value it may have now), with the target's
/// verdict in each.
fn all_verdicts(u: &Universe, rules: &RuleSet, step: usize) -> Vec<Verdict> {
    let mut states: Vec<State> = vec![State::new()];
    for fact in &u.facts {
        let values: Vec<Option<FactValue>> = match fact.changeable {
            true => fact.grid.iter().step_by(step).cloned().map(Some).collect(),
            false => fact.now.iter().cloned().map(Some).collect(),
        };
        states = states
            .into_iter()
            .flat_map(|s| {
                std::iter::once(None)
                    .chain(values.iter().cloned())
                    .map(move |v| {
                        let mut s = s.clone();
                        s.insert(fact.name, v);
                        s
                    })
            })
            .collect();
    }
    evaluate(u, rules, &states, &BTreeSet::new())
        .into_iter()
        .map(|(verdict, _)| verdict)
        .collect()
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

/// Compare's claims, proved: "same meaning" on every state of a grid, a
/// witness the two versions decide differently.
fn compare_is_sound(u: &Universe, r0: &Expr, old: &Expr, new: &Expr) -> Result<(), TestCaseError> {
    use prereq::analysis::compare::{Outcome, compare};
    let none = BTreeSet::new();
    let (before, after) = (rules_of(u, r0, old, &none), rules_of(u, r0, new, &none));
    let outcome = compare(&before, &after, Some("target"), &Budget::new(u64::MAX))
        .unwrap()
        .remove(0)
        .outcome;
    match outcome {
        Outcome::SameMeaning => prop_assert_eq!(
            all_verdicts(u, &before, 2),
            all_verdicts(u, &after, 2),
            "{} vs {}",
            text(u, old),
            text(u, new)
        ),
        Outcome::Differs {
            witness,
            old: o,
            new: n,
        } => {
            prop_assert_ne!(o, n);
            prop_assert_eq!(
                verdict_on(&before, &witness),
                Some(o),
                "{} at {:?}",
                text(u, old),
                witness
            );
            prop_assert_eq!(
                verdict_on(&after, &witness),
                Some(n),
                "{} at {:?}",
                text(u, new),
                witness
            );
        }
        other => prop_assert!(false, "unexpected {:?}", other),
    }
    Ok(())
}

/// Lint's "never satisfied", exactly where no state of the grid satisfies.
fn never_satisfied_is_exact(u: &Universe, r0: &Expr, target: &Expr) -> Result<(), TestCaseError> {
    let rules = rules_of(u, r0, target, &BTreeSet::new());
    let claimed = prereq::analysis::lint::lint(&rules, &Budget::new(u64::MAX))
        .found
        .into_iter()
        .any(|d| {
            d.code == "never-satisfied"
                && d.labels
                    .first()
                    .is_some_and(|l| rules.sources().snippet(l.span) == "target")
        });
    let never = !all_verdicts(u, &rules, 1).contains(&Verdict::Satisfied);
    prop_assert_eq!(claimed, never, "{}", text(u, target));
    Ok(())
}

/// Every leverage proposal gains and loses what a full re-evaluation says.
fn leverage_is_exact(
    u: &Universe,
    r0: &Expr,
    target: &Expr,
    states: &[State],
) -> Result<(), TestCaseError> {
    let rules = rules_of(u, r0, target, &BTreeSet::new());
    let mut facts = Facts::new("now");
    for (index, state) in states.iter().enumerate() {
        let name = format!("e{index}");
        facts.add_entity(&name);
        for fact in &u.facts {
            let Some(value) = &state[fact.name] else {
                continue;
            };
            // The world's facts are the first state's.
            match (fact.world, index) {
                (true, 0) => {
                    facts.set_world(fact.name, value.clone());
                }
                (true, _) => {}
                (false, _) => {
                    facts.set(&name, fact.name, value.clone());
                }
            }
        }
    }
    let snapshot = rules.snapshot(&facts).unwrap();
    let answer = snapshot
        .leverage(
            "target",
            LeverageOptions {
                top: usize::MAX,
                pairs: false,
                budget: u64::MAX,
            },
        )
        .unwrap();
    prop_assert!(answer.complete && answer.not_searched.is_empty());
    let before = snapshot.report();
    for effect in &answer.changes {
        let change = &effect.changes[0];
        let mut changed = facts.clone();
        match &change.entity {
            None => {
                changed.set_world(&change.fact, change.example.clone());
            }
            Some(entity) => {
                changed.set(entity, &change.fact, change.example.clone());
            }
        }
        let after = rules.evaluate(&changed).unwrap();
        if let Some(world_after) = after.world_verdict("target") {
            prop_assert_eq!(effect.after, Some(world_after));
            continue;
        }
        let satisfied = |report: &prereq::Report, e: &str| {
            report.verdict(e, "target") == Some(Verdict::Satisfied)
        };
        let gains: Vec<String> = before
            .entities()
            .filter(|e| !satisfied(&before, e) && satisfied(&after, e))
            .map(str::to_string)
            .collect();
        let losses: Vec<String> = before
            .entities()
            .filter(|e| satisfied(&before, e) && !satisfied(&after, e))
            .map(str::to_string)
            .collect();
        prop_assert_eq!(
            &effect.gains,
            &gains,
            "{} with {:?}",
            text(u, target),
            change
        );
        prop_assert_eq!(
            &effect.losses,
            &losses,
            "{} with {:?}",
            text(u, target),
            change
        );
    }
    Ok(())
}

/// Two versions of a rule over a universe.
fn versions(words: bool) -> impl Strategy<Value = (bool, Expr, Expr, Expr)> {
    let atoms = universe_of(words).atoms.len();
    (expr(atoms, false), expr(atoms, true), expr(atoms, true))
        .prop_map(move |(r0, old, new)| (words, r0, old, new))
}

/// A rule over a universe, with a few entities' states.
fn entities(words: bool) -> impl Strategy<Value = (bool, Expr, Expr, Vec<State>)> {
    let u = universe_of(words);
    let atoms = u.atoms.len();
    (
        expr(atoms, false),
        expr(atoms, true),
        prop::collection::vec(state(&u), 1..4),
    )
        .prop_map(move |(r0, target, states)| (words, r0, target, states))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn compare_proves_what_it_claims((words, r0, old, new) in prop_oneof![versions(false), versions(true)]) {
        compare_is_sound(&universe_of(words), &r0, &old, &new)?;
    }

    #[test]
    fn never_satisfied_is_proved_and_found((words, r0, target, _) in prop_oneof![1 => case(false), 2 => case(true)]) {
        never_satisfied_is_exact(&universe_of(words), &r0, &target)?;
    }

    #[test]
    fn leverage_gains_match_full_reevaluation((words, r0, target, states) in prop_oneof![entities(false), entities(true)]) {
        leverage_is_exact(&universe_of(words), &r0, &target, &states)?;
    }
}

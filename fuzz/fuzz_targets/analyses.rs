//! Generated well-typed rule sets and facts, run through every analysis.
//!
//! Sets may be known in part; facts are compared with facts and computed
//! with. Checks, besides "no panic": the explanation's own evaluation of a rule's
//! parts agrees with the compiled evaluator; every unlock option, applied,
//! satisfies the rule — with values found together where facts change
//! together (or unlock says the rule multiplies facts, which it does not
//! reason about); every
//! leverage effect, applied, brings in exactly the
//! entities it claims; a snapshot diffed with itself is empty; the batch
//! evaluator, and the compiled form one entity at a time, agree with the
//! single-entity evaluator on every verdict, and so does the one-entity
//! `Decider` given each entity's facts by name. Each analysis runs again on a
//! budget the input chooses, often too small: what it returns then is
//! still true, and it says it is incomplete.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use prereq::analysis::budget::Budget;
use prereq::analysis::diff::diff;
use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::{Change, UnlockOptions, option_admits};
use prereq::{FactValue, Facts, RuleSet, Tri, Verdict};

const DECLARATIONS: &str = "world fact w: bool\nworld fact m: number\nworld fact l: string\nfact a: bool\nfact b: bool\nfact k: bool fixed\nfact n: number\nfact s: set<string>\nfact t: string\nfact r: number from 0 to 5\n";

const ATOMS: [&str; 23] = [
    "w", "a", "b", "k", "n >= 0", "n < 5", "n == 5", "m > 1", "\"x\" in s", "\"y\" not in s", "t == \"p\"", "t in [\"p\", \"q\"]",
    "n * 2 - m >= 3", "n - n >= 0", "0.1 * n + 0.2 * n == 0.3 * n", "n >= m", "n + r < m + 2",
    "r >= 0", "r < 3", "r > 7", "n * m >= 2", "t == l", "t != l",
];

/// The atoms unlock does not reason about: with one in its closure it
/// must say so, and leverage must name the facts it did not search.
const BEYOND: [&str; 1] = ["n * m >= 2"];

#[derive(Arbitrary, Debug)]
enum Expr {
    Atom(u8),
    Rule(u8),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    Or(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
}

#[derive(Arbitrary, Debug)]
struct RuleSpec {
    requires: Expr,
    unless: Option<Expr>,
}

#[derive(Arbitrary, Debug)]
struct EntitySpec {
    a: Option<bool>,
    b: Option<bool>,
    k: Option<bool>,
    n: Option<i8>,
    /// Whether `s` holds "x" and "y": 0 no, 1 yes, else unknown (a set
    /// known in part).
    s: Option<(u8, u8)>,
    t: Option<u8>,
    r: Option<u8>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    /// A budget for the second run of each analysis.
    budget: u16,
    rules: Vec<RuleSpec>,
    w: Option<bool>,
    m: Option<i8>,
    l: Option<u8>,
    entities: Vec<EntitySpec>,
}

/// A set of "x" and "y", each held (1), lacked (0) or unknown: given whole
/// when both are known, else known in part.
fn set_value(strings: [(&str, u8); 2]) -> FactValue {
    let with = |state: u8| strings.iter().filter(move |(_, s)| *s == state).map(|(x, _)| x.to_string());
    let has: Vec<String> = with(1).collect();
    match strings.iter().all(|(_, s)| *s <= 1) {
        true => FactValue::Strings(has),
        false => FactValue::PartialSet { has, lacks: with(0).collect() },
    }
}

fn text(e: &Expr, rule: usize, depth: usize) -> String {
    if depth > 12 {
        return "true".into();
    }
    match e {
        Expr::Atom(i) => ATOMS[*i as usize % ATOMS.len()].into(),
        Expr::Rule(i) if rule > 0 => format!("r{}", *i as usize % rule),
        Expr::Rule(_) => "false".into(),
        Expr::Not(inner) => format!("not ({})", text(inner, rule, depth + 1)),
        Expr::And(x, y, z) | Expr::Or(x, y, z) => {
            let word = if matches!(e, Expr::And(..)) { " and " } else { " or " };
            let parts: Vec<String> = [Some(x), Some(y), z.as_ref()].into_iter().flatten().map(|p| format!("({})", text(p, rule, depth + 1))).collect();
            parts.join(word)
        }
    }
}

fn facts(input: &Input) -> Facts {
    let mut facts = Facts::new("fuzz");
    if let Some(w) = input.w {
        facts.set_world("w", w);
    }
    if let Some(m) = input.m {
        facts.set_world("m", i32::from(m));
    }
    if let Some(l) = input.l {
        facts.set_world("l", ["p", "q", "z"][l as usize % 3]);
    }
    for (index, e) in input.entities.iter().take(4).enumerate() {
        let name = format!("e{index}");
        facts.add_entity(&name);
        let mut set = |fact: &str, value: Option<FactValue>| {
            if let Some(value) = value {
                facts.set(&name, fact, value);
            }
        };
        set("a", e.a.map(FactValue::Bool));
        set("b", e.b.map(FactValue::Bool));
        set("k", e.k.map(FactValue::Bool));
        set("n", e.n.map(|n| FactValue::Number(f64::from(n % 8))));
        set("s", e.s.map(|(x, y)| set_value([("x", x), ("y", y)])));
        set("t", e.t.map(|t| FactValue::String(["p", "q", "r"][t as usize % 3].into())));
        set("r", e.r.map(|r| FactValue::Number(f64::from(r % 6))));
    }
    facts
}

/// The values an option gives as examples, checked to meet it.
fn admitted(option: &[Change]) -> Vec<FactValue> {
    let values: Vec<FactValue> = option
        .iter()
        .map(|change| {
            change
                .example
                .clone()
                .or(change.to.map(FactValue::Bool))
                .unwrap_or_else(|| panic!("no example in {change:?}"))
        })
        .collect();
    let value_of = |name: &str| option.iter().position(|c| c.fact == name).map(|i| values[i].clone());
    assert!(option_admits(option, value_of), "the examples do not meet {option:?}");
    for (change, value) in option.iter().zip(&values) {
        if change.jointly.is_empty() {
            assert!(change.admits(value), "the example does not meet {change:?}");
        }
    }
    values
}

fuzz_target!(|input: Input| {
    if input.rules.is_empty() {
        return;
    }
    let mut source = DECLARATIONS.to_string();
    for (index, rule) in input.rules.iter().take(5).enumerate() {
        source.push_str(&format!("rule r{index} requires {}\n", text(&rule.requires, index, 0)));
        if let Some(unless) = &rule.unless {
            source.push_str(&format!("    unless {}\n", text(unless, index, 0)));
        }
    }
    let rules = RuleSet::parse("fuzz.rules", &source).expect("generated rules check");
    let facts = facts(&input);
    let snapshot = rules.snapshot(&facts).expect("generated facts fit");
    let report = snapshot.report();
    let columns = prereq::batch::Columns::from_facts(rules.program().schema(), &facts).expect("generated facts fit");
    let compiled = prereq::batch::compile(rules.program(), &columns);
    let batch = compiled.evaluate();
    let mut scratch = compiled.scratch();
    for (id, _) in rules.resolved().rules.iter().enumerate() {
        let rule = prereq::check::RuleId(id as u32);
        let plan = compiled.plan(rule);
        for entity in 0..columns.len() {
            assert_eq!(compiled.entity(&plan, entity, &mut scratch), batch.get(entity, rule), "one entity and batch disagree\n{source}");
        }
    }
    let mut decider = rules.decider(&facts).expect("generated world facts fit");
    for (entity, given) in facts.entities().iter().enumerate() {
        let mut request = decider.request();
        for (name, value) in &given.facts {
            request.set(name, value.clone()).expect("generated facts fit");
        }
        for (id, (_, verdict)) in request.verdicts().enumerate() {
            let expected = Verdict::from(batch.get(entity, prereq::check::RuleId(id as u32)));
            assert_eq!(verdict, expected, "the decider and batch disagree on r{id}\n{source}");
        }
    }
    let single = prereq::eval::evaluate(rules.program(), &prereq::facts::bind::bind(&facts, rules.program().schema()).expect("facts fit"));
    assert_eq!(batch.to_verdicts(), single, "batch and single-entity evaluation disagree\n{source}");
    assert!(diff(&snapshot, &snapshot).changed.is_empty());
    let lints = prereq::analysis::lint::lint(&rules, &Budget::new(u64::from(input.budget)));
    let full = prereq::analysis::lint::lint(&rules, &Budget::new(u64::MAX));
    assert!(full.complete, "an unbounded lint finishes");
    let proved: Vec<_> = full.found.iter().map(|d| (d.code, d.primary_span())).collect();
    for found in &lints.found {
        assert!(proved.contains(&(found.code, found.primary_span())), "a lint under a small budget is a lint: {found:?}\n{source}");
    }
    let formatted = prereq::format::format_source(&source).expect("generated rules format");
    let reparsed = RuleSet::parse("formatted.rules", &formatted).expect("formatted rules check");
    assert_eq!(reparsed.evaluate(&facts).expect("facts fit").to_json(), snapshot.report().to_json(), "formatting changed a verdict");
    let target = format!("r{}", input.rules.len().min(5) - 1);
    for entity in report.entities().map(str::to_string).collect::<Vec<_>>() {
        let why = snapshot.explain(Some(&entity), &target).expect("names exist");
        let parts = why.tree.children.iter().map(|c| match c.value {
            Verdict::Satisfied => Tri::True,
            Verdict::Unsatisfied => Tri::False,
            Verdict::Undetermined => Tri::Unknown,
        });
        if !why.tree.collapsed {
            assert_eq!(Verdict::from(Tri::all(parts)), why.verdict, "explain disagrees with eval\n{source}");
        }
        let beyond = BEYOND.iter().any(|atom| source.contains(atom));
        let unlock = match snapshot.unlock(Some(&entity), &target, UnlockOptions { max_options: 8, budget: 50_000 }) {
            Ok(unlock) => unlock,
            Err(prereq::AnalysisError::Unsupported { .. }) if beyond => continue,
            Err(error) => panic!("{error}\n{source}"),
        };
        let tight = snapshot.unlock(Some(&entity), &target, UnlockOptions { max_options: 8, budget: u64::from(input.budget) }).expect("no product of facts");
        assert!(tight.complete || tight.verdict != Verdict::Satisfied);
        for option in unlock.options.iter().chain(&tight.options) {
            let mut changed = facts.clone();
            for (change, value) in option.iter().zip(admitted(option)) {
                match change.scope {
                    prereq::syntax::ast::Scope::World => changed.set_world(&change.fact, value),
                    prereq::syntax::ast::Scope::Entity => changed.set(&entity, &change.fact, value),
                };
            }
            let after = rules.evaluate(&changed).expect("changed facts fit");
            assert_eq!(after.verdict(&entity, &target), Some(Verdict::Satisfied), "option {option:?} fails\n{source}");
        }
    }
    let leverage = snapshot.leverage(&target, LeverageOptions { top: 5, pairs: false, budget: u64::MAX }).expect("names exist");
    assert!(leverage.not_searched.is_empty() || BEYOND.iter().any(|atom| source.contains(atom)), "leverage left out facts of plain tests\n{source}");
    let tight = snapshot.leverage(&target, LeverageOptions { top: 5, pairs: true, budget: u64::from(input.budget) }).expect("names exist");
    for effect in leverage.changes.iter().chain(&tight.changes) {
        let change = &effect.changes[0];
        let mut changed = facts.clone();
        match &change.entity {
            None => changed.set_world(&change.fact, change.example.clone()),
            Some(entity) => changed.set(entity, &change.fact, change.example.clone()),
        };
        let after = rules.evaluate(&changed).expect("changed facts fit");
        if let Some(world_after) = after.world_verdict(&target) {
            assert_eq!(effect.after, Some(world_after), "leverage on a world rule\n{source}");
            continue;
        }
        let gains: Vec<String> = report
            .entities()
            .filter(|e| report.verdict(e, &target) != Some(Verdict::Satisfied) && after.verdict(e, &target) == Some(Verdict::Satisfied))
            .map(String::from)
            .collect();
        assert_eq!(gains, effect.gains, "leverage gains\n{source}");
    }
});

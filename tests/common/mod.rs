//! Shared by the tests: a generator of well-typed rule sets and facts with
//! unknowns, the generated rules as text, a deliberately simple reference
//! evaluator (direct recursive Kleene evaluation with names looked up in
//! plain maps), and ([`run`]) the real binary run as a user runs it.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod run;
pub mod sql;

use std::collections::BTreeMap;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};
use prereq::{Facts, Verdict};
use proptest::prelude::*;

pub const WORLD_BOOLS: [&str; 2] = ["w_b0", "w_b1"];
pub const WORLD_NUMBERS: [&str; 2] = ["w_n0", "w_r0"];
pub const ENTITY_BOOLS: [&str; 3] = ["e_b0", "e_b1", "e_b2"];
pub const ENTITY_NUMBERS: [&str; 3] = ["e_n0", "e_n1", "e_r0"];
/// The number facts declared with a range, and the range.
pub const RANGES: [(&str, Option<f64>, Option<f64>); 2] =
    [("w_r0", Some(-1.0), Some(2.5)), ("e_r0", Some(0.0), None)];
pub const ENTITY_STRINGS: [&str; 2] = ["e_s0", "e_v0"];
/// The vocabulary of `e_v0` (and of `e_vset0`): the words a fact holds.
pub const VOCABULARY: [&str; 3] = ["a", "b", "c"];
pub const ENTITY_SETS: [&str; 2] = ["e_set0", "e_vset0"];
pub const WORLD_SETS: [&str; 1] = ["w_set0"];
pub const WORDS: [&str; 3] = ["a", "b", "c"];
/// Words rules may name: those facts hold, and one no fact ever holds.
pub const RULE_WORDS: [&str; 4] = ["a", "b", "c", "z"];
pub const NUMBERS: [f64; 5] = [-1.0, 0.0, 1.0, 2.5, 1000.0];
pub const OPS: [&str; 6] = ["==", "!=", "<", "<=", ">", ">="];

pub const DECLARATIONS: &str = r#"
world fact w_b0: bool
world fact w_b1: bool
world fact w_n0: number
world fact w_r0: number from -1 to 2.5
world fact w_set0: set<string>
fact e_b0: bool
fact e_b1: bool
fact e_b2: bool fixed
fact e_n0: number
fact e_n1: number
fact e_r0: number from 0
fact e_s0: string
fact e_v0: one of "a", "b", "c"
fact e_set0: set<string>
fact e_vset0: set<one of "a", "b", "c">
"#;

/// A well-typed condition, as the generator builds it.
#[derive(Debug, Clone)]
pub enum Cond {
    Const(bool),
    Bool(&'static str),
    Rule(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// `lhs OP rhs` over number facts or literals.
    Numbers(NumTerm, &'static str, NumTerm),
    /// `string_fact ==/!= "word"`.
    Strings(&'static str, bool, &'static str),
    /// `"word" [not] in set_or_list`.
    Member(&'static str, bool, Collection),
    /// `string_fact [not] in set_or_list`.
    StringIn(&'static str, bool, Collection),
    /// `(a) ==/!= (b)`.
    Iff(Box<Cond>, bool, Box<Cond>),
}

#[derive(Debug, Clone)]
pub enum NumTerm {
    Fact(&'static str),
    Const(f64),
    /// `-(a)`
    Neg(Box<NumTerm>),
    /// `(a) + (b) - (c)…`: each term with whether it is subtracted.
    Sum(Vec<(bool, NumTerm)>),
    /// `(a) * (b) … / d`: the factors, then a divisor.
    Product(Vec<NumTerm>, Option<f64>),
}

/// Literals of arithmetic: decimals that floats hold only nearly, too.
pub const ARITH_NUMBERS: [f64; 7] = [-1.0, 0.0, 0.1, 0.2, 0.3, 2.5, 1000.0];
/// What `/` divides by.
pub const DIVISORS: [f64; 4] = [-1.0, 0.1, 3.0, 1000.0];

#[derive(Debug, Clone)]
pub enum Collection {
    Fact(&'static str),
    List(Vec<&'static str>),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub requires: Cond,
    pub unless: Option<Cond>,
}

pub fn num_term() -> impl Strategy<Value = NumTerm> {
    prop_oneof![
        prop::sample::select([&WORLD_NUMBERS[..], &ENTITY_NUMBERS[..]].concat())
            .prop_map(NumTerm::Fact),
        prop::sample::select(NUMBERS.to_vec()).prop_map(NumTerm::Const),
    ]
}

/// A number expression: mostly plain terms, sometimes arithmetic.
pub fn num_expr() -> BoxedStrategy<NumTerm> {
    let leaf = prop_oneof![
        3 => num_term(),
        1 => prop::sample::select(ARITH_NUMBERS.to_vec()).prop_map(NumTerm::Const),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|n| NumTerm::Neg(Box::new(n))),
            prop::collection::vec((any::<bool>(), inner.clone()), 2..4).prop_map(NumTerm::Sum),
            (
                prop::collection::vec(inner, 1..3),
                prop::option::of(prop::sample::select(DIVISORS.to_vec())),
            )
                .prop_filter("a product", |(factors, divisor)| {
                    factors.len() > 1 || divisor.is_some()
                })
                .prop_map(|(factors, divisor)| NumTerm::Product(factors, divisor)),
        ]
    })
    .boxed()
}

pub fn leaf(rules_before: usize) -> BoxedStrategy<Cond> {
    let bools = [&WORLD_BOOLS[..], &ENTITY_BOOLS[..]].concat();
    let mut options: Vec<BoxedStrategy<Cond>> = vec![
        any::<bool>().prop_map(Cond::Const).boxed(),
        prop::sample::select(bools).prop_map(Cond::Bool).boxed(),
        (num_term(), prop::sample::select(OPS.to_vec()), num_term())
            .prop_map(|(l, op, r)| Cond::Numbers(l, op, r))
            .boxed(),
        (num_expr(), prop::sample::select(OPS.to_vec()), num_expr())
            .prop_map(|(l, op, r)| Cond::Numbers(l, op, r))
            .boxed(),
        prop::sample::select(ENTITY_STRINGS.to_vec())
            .prop_flat_map(|fact| {
                (any::<bool>(), prop::sample::select(words_for(fact)))
                    .prop_map(move |(eq, word)| Cond::Strings(fact, eq, word))
            })
            .boxed(),
        prop::sample::select([&ENTITY_SETS[..], &WORLD_SETS[..]].concat())
            .prop_flat_map(|set| {
                (prop::sample::select(words_for(set)), any::<bool>()).prop_map(
                    move |(word, negated)| Cond::Member(word, negated, Collection::Fact(set)),
                )
            })
            .boxed(),
        (
            prop::sample::select(RULE_WORDS.to_vec()),
            any::<bool>(),
            list(RULE_WORDS.to_vec()),
        )
            .prop_map(|(word, negated, c)| Cond::Member(word, negated, c))
            .boxed(),
        prop::sample::select(ENTITY_STRINGS.to_vec())
            .prop_flat_map(|fact| {
                let collection = match fact {
                    "e_v0" => list(VOCABULARY.to_vec()).boxed(),
                    _ => collection().boxed(),
                };
                (any::<bool>(), collection)
                    .prop_map(move |(negated, c)| Cond::StringIn(fact, negated, c))
            })
            .boxed(),
    ];
    if rules_before > 0 {
        options.push((0..rules_before).prop_map(Cond::Rule).boxed());
    }
    prop::strategy::Union::new(options).boxed()
}

/// The words a rule may test a string or set fact for: its vocabulary's,
/// if it has one (anything else is a check error), else any.
pub fn words_for(fact: &str) -> Vec<&'static str> {
    if fact.starts_with("e_v") {
        VOCABULARY.to_vec()
    } else {
        RULE_WORDS.to_vec()
    }
}

/// A list literal of some of `words`.
pub fn list(words: Vec<&'static str>) -> impl Strategy<Value = Collection> {
    prop::sample::subsequence(words, 0..=3).prop_map(Collection::List)
}

pub fn collection() -> impl Strategy<Value = Collection> {
    prop_oneof![
        prop::sample::select([&ENTITY_SETS[..], &WORLD_SETS[..]].concat())
            .prop_map(Collection::Fact),
        prop::sample::subsequence(RULE_WORDS.to_vec(), 0..=3).prop_map(Collection::List),
    ]
}

pub fn cond(rules_before: usize) -> BoxedStrategy<Cond> {
    leaf(rules_before)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::And),
                prop::collection::vec(inner.clone(), 2..4).prop_map(Cond::Or),
                (inner.clone(), any::<bool>(), inner).prop_map(|(a, eq, b)| Cond::Iff(
                    Box::new(a),
                    eq,
                    Box::new(b)
                )),
            ]
        })
        .boxed()
}

pub fn rule_set() -> impl Strategy<Value = Vec<Rule>> {
    (1usize..6).prop_flat_map(|count| {
        (0..count)
            .map(|index| {
                (cond(index), prop::option::weighted(0.3, cond(index)))
                    .prop_map(|(requires, unless)| Rule { requires, unless })
                    .boxed()
            })
            .collect::<Vec<_>>()
    })
}

/// A fact value as the reference evaluator sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Number(f64),
    String(&'static str),
    Set(Vec<&'static str>),
    /// A set known in part: the words it holds, the words it lacks.
    Partly(Vec<&'static str>, Vec<&'static str>),
}

pub type Row = BTreeMap<&'static str, Value>;

pub fn value_for(name: &'static str) -> BoxedStrategy<Option<Value>> {
    let value: BoxedStrategy<Value> = if name.contains("_b") {
        any::<bool>().prop_map(Value::Bool).boxed()
    } else if name.contains("_n") || name.contains("_r") {
        let range = range_of(name);
        let values: Vec<f64> = NUMBERS
            .into_iter()
            .filter(|n| range.0.is_none_or(|lo| *n >= lo) && range.1.is_none_or(|hi| *n <= hi))
            .collect();
        prop::sample::select(values).prop_map(Value::Number).boxed()
    } else if name.contains("set") {
        let words = || prop::sample::subsequence(WORDS.to_vec(), 0..=3);
        let partly = (words(), words()).prop_map(|(has, lacks)| {
            let lacks = lacks.into_iter().filter(|w| !has.contains(w)).collect();
            Value::Partly(has, lacks)
        });
        prop_oneof![3 => words().prop_map(Value::Set), 1 => partly].boxed()
    } else {
        prop::sample::select(WORDS.to_vec())
            .prop_map(Value::String)
            .boxed()
    };
    prop::option::weighted(0.75, value).boxed()
}

/// A number fact's declared range (none for most).
pub fn range_of(name: &str) -> (Option<f64>, Option<f64>) {
    RANGES
        .iter()
        .find(|(fact, _, _)| *fact == name)
        .map_or((None, None), |(_, lo, hi)| (*lo, *hi))
}

pub fn row(names: Vec<&'static str>) -> impl Strategy<Value = Row> {
    names
        .into_iter()
        .map(|name| value_for(name).prop_map(move |v| (name, v)))
        .collect::<Vec<_>>()
        .prop_map(|pairs| {
            pairs
                .into_iter()
                .filter_map(|(n, v)| Some((n, v?)))
                .collect()
        })
}

pub fn world_row() -> impl Strategy<Value = Row> {
    row([&WORLD_BOOLS[..], &WORLD_NUMBERS[..], &WORLD_SETS[..]].concat())
}

pub fn entity_rows() -> impl Strategy<Value = Vec<Row>> {
    let names = [
        &ENTITY_BOOLS[..],
        &ENTITY_NUMBERS[..],
        &ENTITY_STRINGS[..],
        &ENTITY_SETS[..],
    ]
    .concat();
    prop::collection::vec(row(names), 0..4)
}

/// Facts and rules wide enough that a plan's row and registers take more
/// than one word: 70 `bool` and 70 `number` facts, and a rule of 70
/// junctions over them.
pub fn wide_rules() -> String {
    let mut text = String::new();
    for i in 0..70 {
        text += &format!("fact b{i}: bool\nfact n{i}: number\n");
    }
    let parts: Vec<String> = (0..70)
        .map(|i| format!("(b{i} or n{i} >= {})", i % 3))
        .collect();
    text += &format!("rule wide requires {}\n", parts.join(" and "));
    text += "rule wider requires wide or (not b69 and n0 < 1) or b35 == (n35 > 0)\n";
    text
}

// ----- the AST without spans ----------------------------------------------

/// The declarations of a file as text with every span removed (the file
/// must parse without diagnostics).
pub fn ast_without_spans(text: &str) -> String {
    let mut sources = prereq::Sources::default();
    let (file, diagnostics) = prereq::syntax::parse_file(sources.add("f.rules", text), text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}\n{text}");
    let debug = format!("{:?}", file.declarations);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find('}').unwrap();
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

// ----- printing -------------------------------------------------------------

pub fn print_cond(cond: &Cond) -> String {
    match cond {
        Cond::Const(b) => b.to_string(),
        Cond::Bool(name) => name.to_string(),
        Cond::Rule(index) => format!("r{index}"),
        Cond::Not(inner) => format!("not ({})", print_cond(inner)),
        Cond::And(parts) => join(parts, " and "),
        Cond::Or(parts) => join(parts, " or "),
        Cond::Numbers(l, op, r) => format!("{} {op} {}", print_num(l), print_num(r)),
        Cond::Strings(fact, eq, word) => {
            format!("{fact} {} \"{word}\"", if *eq { "==" } else { "!=" })
        }
        Cond::Member(word, negated, collection) => format!(
            "\"{word}\" {}in {}",
            if *negated { "not " } else { "" },
            print_collection(collection)
        ),
        Cond::StringIn(fact, negated, collection) => format!(
            "{fact} {}in {}",
            if *negated { "not " } else { "" },
            print_collection(collection)
        ),
        Cond::Iff(a, eq, b) => format!(
            "({}) {} ({})",
            print_cond(a),
            if *eq { "==" } else { "!=" },
            print_cond(b)
        ),
    }
}

pub fn print_collection(collection: &Collection) -> String {
    match collection {
        Collection::Fact(name) => name.to_string(),
        Collection::List(items) => format!(
            "[{}]",
            items
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub fn join(parts: &[Cond], separator: &str) -> String {
    parts
        .iter()
        .map(|p| format!("({})", print_cond(p)))
        .collect::<Vec<_>>()
        .join(separator)
}

pub fn print_num(term: &NumTerm) -> String {
    match term {
        NumTerm::Fact(name) => name.to_string(),
        NumTerm::Const(n) => n.to_string(),
        NumTerm::Neg(inner) => format!("-({})", print_num(inner)),
        NumTerm::Sum(terms) => {
            let mut text = String::new();
            for (index, (subtracted, term)) in terms.iter().enumerate() {
                let op = match (index, subtracted) {
                    (0, true) => "0 - ",
                    (0, false) => "",
                    (_, true) => " - ",
                    (_, false) => " + ",
                };
                text += &format!("{op}({})", print_num(term));
            }
            text
        }
        NumTerm::Product(factors, divisor) => {
            let factors: Vec<String> = factors
                .iter()
                .map(|f| format!("({})", print_num(f)))
                .collect();
            let mut text = factors.join(" * ");
            if let Some(divisor) = divisor {
                text += &format!(" / {divisor}");
            }
            text
        }
    }
}

pub fn print_rules(rules: &[Rule]) -> String {
    let mut text = DECLARATIONS.to_string();
    for (index, rule) in rules.iter().enumerate() {
        text.push_str(&format!(
            "rule r{index} requires {}",
            print_cond(&rule.requires)
        ));
        if let Some(unless) = &rule.unless {
            text.push_str(&format!("\n    unless {}", print_cond(unless)));
        }
        text.push('\n');
    }
    text
}

pub fn facts_of(world: &Row, entities: &[Row]) -> Facts {
    let mut facts = Facts::new("generated");
    for (name, value) in world {
        facts.set_world(name, to_fact_value(value));
    }
    for (index, entity) in entities.iter().enumerate() {
        let entity_name = format!("entity{index}");
        facts.add_entity(&entity_name);
        for (name, value) in entity {
            facts.set(&entity_name, name, to_fact_value(value));
        }
    }
    facts
}

pub fn to_fact_value(value: &Value) -> prereq::FactValue {
    match value {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => (*n).into(),
        Value::String(s) => (*s).into(),
        Value::Set(items) => items
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .into(),
        Value::Partly(has, lacks) => prereq::FactValue::partial_set(has.clone(), lacks.clone()),
    }
}

// ----- the reference evaluator ----------------------------------------------

pub struct Reference<'a> {
    pub rules: &'a [Rule],
    pub world: &'a Row,
    pub entity: &'a Row,
}

impl Reference<'_> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.world.get(name).or_else(|| self.entity.get(name))
    }

    pub fn rule(&self, index: usize) -> Option<bool> {
        let rule = &self.rules[index];
        let requires = self.eval(&rule.requires);
        match &rule.unless {
            None => requires,
            Some(unless) => and(requires, not(self.eval(unless))),
        }
    }

    pub fn eval(&self, cond: &Cond) -> Option<bool> {
        match cond {
            Cond::Const(b) => Some(*b),
            Cond::Bool(name) => match self.lookup(name) {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
            Cond::Rule(index) => self.rule(*index),
            Cond::Not(inner) => not(self.eval(inner)),
            Cond::And(parts) => {
                let values: Vec<_> = parts.iter().map(|p| self.eval(p)).collect();
                if values.contains(&Some(false)) {
                    Some(false)
                } else if values.iter().all(|v| *v == Some(true)) {
                    Some(true)
                } else {
                    None
                }
            }
            Cond::Or(parts) => {
                let values: Vec<_> = parts.iter().map(|p| self.eval(p)).collect();
                if values.contains(&Some(true)) {
                    Some(true)
                } else if values.iter().all(|v| *v == Some(false)) {
                    Some(false)
                } else {
                    None
                }
            }
            Cond::Numbers(l, op, r) => self.exactly(l).compare(op, &self.exactly(r)),
            Cond::Strings(fact, eq, word) => match self.lookup(fact) {
                Some(Value::String(s)) => Some((s == word) == *eq),
                _ => None,
            },
            Cond::Member(word, negated, collection) => {
                Some(self.holds(collection, word)? != *negated)
            }
            Cond::StringIn(fact, negated, collection) => match self.lookup(fact) {
                Some(Value::String(s)) => Some(self.holds(collection, s)? != *negated),
                _ => None,
            },
            Cond::Iff(a, eq, b) => {
                let (a, b) = (self.eval(a)?, self.eval(b)?);
                Some((a == b) == *eq)
            }
        }
    }

    /// Whether a list or set holds `word`: unknown for an unknown set, and
    /// for a set known in part that neither holds nor lacks it.
    fn holds(&self, collection: &Collection, word: &str) -> Option<bool> {
        match collection {
            Collection::List(items) => Some(items.contains(&word)),
            Collection::Fact(name) => match self.lookup(name) {
                Some(Value::Set(items)) => Some(items.contains(&word)),
                Some(Value::Partly(has, _)) if has.contains(&word) => Some(true),
                Some(Value::Partly(_, lacks)) if lacks.contains(&word) => Some(false),
                _ => None,
            },
        }
    }

    /// A number expression's values, in exact rationals: every value from
    /// `lo` to `hi`. An unknown fact is any value of its range (any number
    /// at all without one), and each operator takes the widest answer over
    /// its operands, each occurrence of a fact on its own.
    fn exactly(&self, term: &NumTerm) -> Interval {
        match term {
            NumTerm::Const(n) => Interval::point(rational(*n)),
            NumTerm::Fact(name) => match self.lookup(name) {
                Some(Value::Number(n)) => Interval::point(rational(*n)),
                _ => {
                    let (lo, hi) = range_of(name);
                    let end =
                        |b: Option<f64>, unbounded| b.map_or(unbounded, |b| End::At(rational(b)));
                    Interval {
                        lo: end(lo, End::Below),
                        hi: end(hi, End::Above),
                    }
                }
            },
            NumTerm::Neg(inner) => self.exactly(inner).neg(),
            NumTerm::Sum(terms) => {
                let mut total = Interval::point(BigRational::zero());
                for (subtracted, term) in terms {
                    let term = self.exactly(term);
                    total = total.add(&if *subtracted { term.neg() } else { term });
                }
                total
            }
            NumTerm::Product(factors, divisor) => {
                let mut product = Interval::point(BigRational::one());
                for factor in factors {
                    product = product.mul(&self.exactly(factor));
                }
                match divisor {
                    Some(d) => product.mul(&Interval::point(rational(*d).recip())),
                    None => product,
                }
            }
        }
    }
}

/// An end of an interval: a rational, or no bound.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Below,
    At(BigRational),
    Above,
}

/// The values a number expression can take.
#[derive(Clone)]
struct Interval {
    lo: End,
    hi: End,
}

impl Interval {
    fn point(x: BigRational) -> Interval {
        Interval {
            lo: End::At(x.clone()),
            hi: End::At(x),
        }
    }

    fn neg(self) -> Interval {
        let flip = |e: End| match e {
            End::Below => End::Above,
            End::Above => End::Below,
            End::At(x) => End::At(-x),
        };
        Interval {
            lo: flip(self.hi),
            hi: flip(self.lo),
        }
    }

    fn add(&self, other: &Interval) -> Interval {
        let sum = |a: &End, b: &End, unbounded: End| match (a, b) {
            (End::At(x), End::At(y)) => End::At(x + y),
            _ => unbounded,
        };
        Interval {
            lo: sum(&self.lo, &other.lo, End::Below),
            hi: sum(&self.hi, &other.hi, End::Above),
        }
    }

    fn mul(&self, other: &Interval) -> Interval {
        let sign = |e: &End| match e {
            End::Below => -1,
            End::Above => 1,
            End::At(x) if x.is_zero() => 0,
            End::At(x) if x.is_negative() => -1,
            End::At(_) => 1,
        };
        let times = |a: &End, b: &End| match (a, b) {
            (End::At(x), End::At(y)) => End::At(x * y),
            _ => match sign(a) * sign(b) {
                0 => End::At(BigRational::zero()),
                1 => End::Above,
                _ => End::Below,
            },
        };
        let products = [
            times(&self.lo, &other.lo),
            times(&self.lo, &other.hi),
            times(&self.hi, &other.lo),
            times(&self.hi, &other.hi),
        ];
        Interval {
            lo: products.iter().min().cloned().unwrap(),
            hi: products.iter().max().cloned().unwrap(),
        }
    }

    /// Satisfied when the operator holds for every pair of values, not
    /// when for none, undetermined otherwise.
    fn compare(&self, op: &str, other: &Interval) -> Option<bool> {
        let (l, r) = (self, other);
        let (always, never) = match op {
            "<" => (l.hi < r.lo, l.lo >= r.hi),
            "<=" => (l.hi <= r.lo, l.lo > r.hi),
            ">" => (r.hi < l.lo, r.lo >= l.hi),
            ">=" => (r.hi <= l.lo, r.lo > l.hi),
            "==" | "!=" => {
                let point = |i: &Interval| matches!(i.lo, End::At(_)) && i.lo == i.hi;
                let same = point(l) && point(r) && l.lo == r.lo;
                let disjoint = l.hi < r.lo || r.hi < l.lo;
                if op == "==" {
                    (same, disjoint)
                } else {
                    (disjoint, same)
                }
            }
            _ => unreachable!(),
        };
        if always {
            Some(true)
        } else if never {
            Some(false)
        } else {
            None
        }
    }
}

/// The decimal a float prints as, exactly.
fn rational(x: f64) -> BigRational {
    let text = x.to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let numerator: BigInt = format!("{whole}{fraction}").parse().unwrap();
    BigRational::new(numerator, BigInt::from(10).pow(fraction.len() as u32))
}

pub fn not(a: Option<bool>) -> Option<bool> {
    a.map(|b| !b)
}

pub fn and(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    }
}

pub fn verdict(value: Option<bool>) -> Verdict {
    match value {
        Some(true) => Verdict::Satisfied,
        Some(false) => Verdict::Unsatisfied,
        None => Verdict::Undetermined,
    }
}

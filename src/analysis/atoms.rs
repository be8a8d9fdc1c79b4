//! Atoms: the tests on single facts that rules are built from.
//!
//! To reason about what a change would do, analyses break every rule down
//! to *atoms* — `legal_basis`, `troops_offered >= 1000`, `"fast_jets" in
//! contributions` — each a [`Test`] on one fact. The atoms on one fact cut
//! its values into *regions*: values in one region pass and fail the same
//! tests, so one representative value per region stands for all of them.
//! A *condition* is a conjunction of test outcomes on one fact, which is how
//! a change is described to people (`>= 1000 and < 30000`).

use super::relations::Relation;
use crate::check::{Collection, Cond, CondKind, FactId, Number, Term};
use crate::eval::Tri;
use crate::eval::arith;
use crate::facts::Value;
use crate::syntax::ast::{CompareOp, FactType, NumberRange};

/// A test on one fact's value.
///
/// Tests compare equal, and hash alike, when they test the same thing:
/// `n > 0` and `n > -0` are one test.
#[derive(Debug, Clone)]
pub enum Test {
    /// A `bool` fact is true.
    IsTrue,
    /// A `number` fact compared with a constant: `fact OP constant`.
    Number(CompareOp, f64),
    /// A `string` fact equals a constant.
    Equals(String),
    /// A `string` fact is one of a list (sorted, no duplicates).
    OneOf(Vec<String>),
    /// A `set<string>` fact contains a constant.
    Contains(String),
}

impl Test {
    /// What identifies the test: its kind, operator and constant (a number
    /// by its bits, with `-0` as `0`).
    fn key(&self) -> (u8, Option<CompareOp>, u64, &[String]) {
        let bits = |c: f64| if c == 0.0 { 0 } else { c.to_bits() };
        match self {
            Test::IsTrue => (0, None, 0, &[]),
            Test::Number(op, c) => (1, Some(*op), bits(*c), &[]),
            Test::Equals(c) => (2, None, 0, std::slice::from_ref(c)),
            Test::OneOf(items) => (3, None, 0, items),
            Test::Contains(c) => (4, None, 0, std::slice::from_ref(c)),
        }
    }
}

impl PartialEq for Test {
    fn eq(&self, other: &Test) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Test {}

impl std::hash::Hash for Test {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

/// A test on a given fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Atom {
    /// The fact tested.
    pub fact: FactId,
    /// The test.
    pub test: Test,
}

/// What a condition node amounts to: a constant, an atom that must hold
/// (`positive`) or fail, or a relation between facts that must hold or fail.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Leaf {
    Const(bool),
    Atom { atom: Atom, positive: bool },
    Relation { relation: Relation, positive: bool },
}

/// Why a condition cannot be broken into atoms: a test the analyses do
/// not reason about yet. Every analysis that meets one says so in its
/// answer (its own message, exit code 4 and JSON field); none leaves an
/// option out silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Beyond {
    /// A string fact tested for membership in a set fact.
    ComparesTwoFacts,
    /// A product of two number facts (no linear form).
    ProductOfFacts,
}

impl Beyond {
    /// A stable code, as JSON gives it.
    pub fn code(self) -> &'static str {
        match self {
            Beyond::ComparesTwoFacts => "compares-two-facts",
            Beyond::ProductOfFacts => "product-of-facts",
        }
    }

    /// Why, in words: "it compares two facts with each other".
    pub fn reason(self) -> &'static str {
        match self {
            Beyond::ComparesTwoFacts => "it looks for a string fact in a set fact",
            Beyond::ProductOfFacts => "it multiplies facts with each other",
        }
    }
}

/// The leaf a comparison, membership or fact condition stands for; `None`
/// for `and`/`or`/`not`/rule references, `Err` for a test across two facts.
pub(crate) fn leaf(cond: &Cond) -> Option<Result<Leaf, Beyond>> {
    Some(Ok(match &cond.kind {
        CondKind::Const(value) => Leaf::Const(*value),
        CondKind::Fact(fact) => positive(*fact, Test::IsTrue),
        CondKind::CompareNumbers { op, lhs, rhs } => match (lhs.as_term(), rhs.as_term()) {
            (Some(Term::Fact(fact)), Some(Term::Const(c))) => positive(fact, Test::Number(*op, c)),
            (Some(Term::Const(c)), Some(Term::Fact(fact))) => {
                positive(fact, Test::Number(op.mirrored(), c))
            }
            _ => return Some(relation(*op, lhs, rhs)),
        },
        CondKind::CompareStrings { op, lhs, rhs } => {
            let equal = *op == CompareOp::Eq;
            match (lhs, rhs) {
                (Term::Fact(fact), Term::Const(c)) | (Term::Const(c), Term::Fact(fact)) => {
                    Leaf::Atom {
                        atom: Atom {
                            fact: *fact,
                            test: Test::Equals(c.clone()),
                        },
                        positive: equal,
                    }
                }
                (Term::Const(a), Term::Const(b)) => Leaf::Const((a == b) == equal),
                (Term::Fact(a), Term::Fact(b)) => Leaf::Relation {
                    relation: Relation::between_strings(*op, *a, *b),
                    positive: true,
                },
            }
        }
        CondKind::Member {
            negated,
            element,
            collection,
        } => {
            let (fact, test) = match (element, collection) {
                (Term::Const(s), Collection::Fact(set)) => (*set, Test::Contains(s.clone())),
                (Term::Fact(fact), Collection::List(items)) => (*fact, Test::OneOf(items.clone())),
                (Term::Const(s), Collection::List(items)) => {
                    return Some(Ok(Leaf::Const(items.contains(s) != *negated)));
                }
                (Term::Fact(_), Collection::Fact(_)) => return Some(Err(Beyond::ComparesTwoFacts)),
            };
            Leaf::Atom {
                atom: Atom { fact, test },
                positive: !*negated,
            }
        }
        CondKind::Not(_)
        | CondKind::And(_)
        | CondKind::Or(_)
        | CondKind::Rule(_)
        | CondKind::CompareConds { .. } => {
            return None;
        }
    }))
}

/// A comparison of two facts or with arithmetic: a constant when it reads
/// no fact, a test when it tests one fact against a threshold, else a
/// relation — or beyond, when it multiplies facts together.
fn relation(op: CompareOp, lhs: &Number, rhs: &Number) -> Result<Leaf, Beyond> {
    let relation = Relation::of(op, lhs, rhs).ok_or(Beyond::ProductOfFacts)?;
    if relation.terms.is_empty() {
        let unknown = |_| crate::eval::arith::Reading::Unknown(Default::default());
        return Ok(Leaf::Const(
            crate::eval::arith::evaluate(op, lhs, rhs, unknown) == Tri::True,
        ));
    }
    Ok(match relation.as_test() {
        Some((fact, test)) => positive(fact, test),
        None => Leaf::Relation {
            relation,
            positive: true,
        },
    })
}

fn positive(fact: FactId, test: Test) -> Leaf {
    Leaf::Atom {
        atom: Atom { fact, test },
        positive: true,
    }
}

impl Test {
    /// Whether a value passes the test (`None` if the value has another type).
    pub fn holds(&self, value: &Value) -> Option<bool> {
        Some(match (self, value) {
            (Test::IsTrue, Value::Bool(b)) => *b,
            (Test::Number(op, c), Value::Number(n)) => op.holds(n, c),
            (Test::Equals(c), Value::String(s)) => **s == **c,
            // Lists and sets are sorted: found by halving, however long.
            (Test::OneOf(items), Value::String(s)) => {
                items.binary_search_by(|item| item.as_str().cmp(s)).is_ok()
            }
            (Test::Contains(c), set) => return set.set_holds(c),
            _ => return None,
        })
    }

    /// The test's outcome for a value, or for an unknown one: any value of
    /// the fact's `range` (a number test may be decided by the range alone:
    /// `troops_offered >= 0` for a fact `from 0`).
    pub fn outcome(&self, value: Option<&Value>, range: NumberRange) -> Tri {
        match (value, self) {
            (Some(value), _) => self.holds(value).map_or(Tri::Unknown, Tri::from),
            (None, Test::Number(op, c)) => arith::range_outcome(*op, range, *c),
            (None, _) => Tri::Unknown,
        }
    }

    /// The test's outcome in words, as it would be written after the fact's
    /// name: `>= 1000`, `< 1000`, `== "x"`, `contains "x"`, `true`.
    pub fn describe(&self, holds: bool) -> String {
        match self {
            Test::IsTrue => holds.to_string(),
            Test::Number(op, c) => {
                let op = if holds { *op } else { op.negated() };
                format!("{} {}", op.symbol(), number(*c))
            }
            Test::Equals(c) => format!("{} {c:?}", if holds { "==" } else { "!=" }),
            Test::OneOf(items) => {
                let list: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
                format!(
                    "{}in [{}]",
                    if holds { "" } else { "not " },
                    list.join(", ")
                )
            }
            Test::Contains(c) => format!(
                "{} {c:?}",
                if holds {
                    "contains"
                } else {
                    "does not contain"
                }
            ),
        }
    }
}

/// A number as written in rules: integers without a fraction.
pub(crate) fn number(n: f64) -> String {
    n.to_string()
}

/// One representative value per region of a fact, for the given tests.
///
/// Bools have two; numbers one per constant, one between each two, one
/// below and one above; strings one per constant and one that is none of
/// them. Sets are not cut into regions here: their tests are independent.
pub(crate) fn representatives(ty: FactType, tests: &[&Test], domain: Domain<'_>) -> Vec<Value> {
    if ty == FactType::Number && !domain.range.is_any() {
        let every = Domain {
            range: NumberRange::ANY,
            ..domain
        };
        return within(representatives(ty, tests, every), domain.range);
    }
    match ty {
        FactType::Bool => vec![Value::Bool(true), Value::Bool(false)],
        FactType::Number => {
            let mut constants: Vec<f64> = tests
                .iter()
                .filter_map(|t| match t {
                    Test::Number(_, c) => Some(*c),
                    _ => None,
                })
                .collect();
            constants.sort_by(f64::total_cmp);
            constants.dedup();
            let (Some(&first), Some(&last)) = (constants.first(), constants.last()) else {
                return vec![Value::Number(0.0)];
            };
            let mut values = vec![first - 1.0];
            for pair in constants.windows(2) {
                if let [a, b] = pair {
                    values.extend([*a, a + (b - a) / 2.0]);
                }
            }
            values.extend([last, last + 1.0]);
            values.into_iter().map(Value::Number).collect()
        }
        FactType::String => {
            let mut constants: Vec<&str> = tests
                .iter()
                .flat_map(|t| match t {
                    Test::Equals(c) => vec![c.as_str()],
                    Test::OneOf(items) => items.iter().map(String::as_str).collect(),
                    _ => Vec::new(),
                })
                .collect();
            constants.sort_unstable();
            constants.dedup();
            let mut values: Vec<Value> = constants
                .iter()
                .map(|c| Value::String((*c).into()))
                .collect();
            values.extend(
                other_string(&constants, domain.vocabulary).map(|o| Value::String(o.into())),
            );
            values
        }
        FactType::StringSet => Vec::new(),
    }
}

/// The values a fact may take, as far as the analyses use them: a
/// number's range, a string's or set's vocabulary.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Domain<'a> {
    pub range: NumberRange,
    pub vocabulary: Option<&'a [String]>,
}

impl<'a> Domain<'a> {
    /// A declared fact's domain.
    pub(crate) fn of(fact: &'a crate::check::FactInfo) -> Domain<'a> {
        Domain {
            range: fact.range,
            vocabulary: fact.vocabulary.as_deref(),
        }
    }
}

/// A string that is none of `constants` (sorted): of the vocabulary when
/// there is one (`None` when the constants take every word), else any.
pub(crate) fn other_string<S: AsRef<str>>(
    constants: &[S],
    vocabulary: Option<&[String]>,
) -> Option<String> {
    let taken = |word: &str| constants.iter().any(|c| c.as_ref() == word);
    match vocabulary {
        Some(words) => words.iter().find(|w| !taken(w)).cloned(),
        None => {
            let mut other = String::from("other");
            while taken(&other) {
                other.push('_');
            }
            Some(other)
        }
    }
}

/// Words a string may take, as a condition: `== "willing"`, or
/// `in ["conditional", "willing"]`.
pub(crate) fn words_condition<S: AsRef<str>>(words: &[S]) -> String {
    match words {
        [one] => format!("== {:?}", one.as_ref()),
        many => {
            let list: Vec<String> = many.iter().map(|w| format!("{:?}", w.as_ref())).collect();
            format!("in [{}]", list.join(", "))
        }
    }
}

/// A conjunction of test outcomes on one fact, in words: `>= 1000 and < 30000`.
pub(crate) fn describe_condition(literals: &[(&Test, bool)]) -> String {
    let parts: Vec<String> = literals
        .iter()
        .map(|(test, holds)| test.describe(*holds))
        .collect();
    parts.join(" and ")
}

/// The representatives that lie in `range`, and its bounds: together one
/// value for each region the range meets (a region it meets holds a bound,
/// or lies inside the range with its own representative).
fn within(values: Vec<Value>, range: NumberRange) -> Vec<Value> {
    let bounds = [range.lo, range.hi]
        .into_iter()
        .flatten()
        .map(Value::Number);
    let mut kept: Vec<Value> = values
        .into_iter()
        .chain(bounds)
        .filter(|value| matches!(value, Value::Number(n) if range.contains(*n)))
        .collect();
    kept.sort_by(|a, b| match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
        _ => std::cmp::Ordering::Equal,
    });
    kept.dedup();
    kept
}

/// One end of a region of numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum End {
    /// No bound on this side.
    Open,
    /// Bounded by this constant, which belongs to the region.
    Including(f64),
    /// Bounded by this constant, which does not.
    Excluding(f64),
}

/// A region of a number fact's values: an interval of numbers that pass
/// and fail the same tests, with a value inside it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumberRegion {
    /// The lower end.
    pub low: End,
    /// The upper end.
    pub high: End,
    /// A value in the region.
    pub value: f64,
}

impl NumberRegion {
    /// The region as a condition on the fact: `>= 1000 and < 30000`.
    pub(crate) fn describe(&self) -> String {
        match (self.low, self.high) {
            (End::Including(a), End::Including(b)) if a == b => format!("== {}", number(a)),
            (End::Open, End::Open) => "any value".to_string(),
            (low, high) => {
                let low = match low {
                    End::Including(a) => Some(format!(">= {}", number(a))),
                    End::Excluding(a) => Some(format!("> {}", number(a))),
                    End::Open => None,
                };
                let high = match high {
                    End::Including(b) => Some(format!("<= {}", number(b))),
                    End::Excluding(b) => Some(format!("< {}", number(b))),
                    End::Open => None,
                };
                [low, high]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" and ")
            }
        }
    }

    /// Whether `value` lies in the region.
    pub(crate) fn contains(&self, value: f64) -> bool {
        let above = match self.low {
            End::Open => true,
            End::Including(a) => value >= a,
            End::Excluding(a) => value > a,
        };
        let below = match self.high {
            End::Open => true,
            End::Including(b) => value <= b,
            End::Excluding(b) => value < b,
        };
        above && below
    }
}

/// The regions the tests cut a number fact's values into, in increasing
/// order: between two constants, at a constant, below the first and above
/// the last, with neighbours merged where no test tells them apart (`x >=
/// 10` does not tell 10 from 11). Linear in the tests after sorting them.
pub(crate) fn number_regions(tests: &[&Test], range: NumberRange) -> Vec<NumberRegion> {
    let regions = all_number_regions(tests);
    if range.is_any() {
        return regions;
    }
    let bounds: Vec<f64> = [range.lo, range.hi].into_iter().flatten().collect();
    regions
        .into_iter()
        .filter_map(|mut region| {
            if !range.contains(region.value) {
                region.value = *bounds.iter().find(|b| region.contains(**b))?;
            }
            Some(region)
        })
        .collect()
}

/// The regions over every number.
fn all_number_regions(tests: &[&Test]) -> Vec<NumberRegion> {
    let mut cuts: Vec<(f64, CompareOp)> = tests
        .iter()
        .filter_map(|t| match t {
            Test::Number(op, c) => Some((if *c == 0.0 { 0.0 } else { *c }, *op)),
            _ => None,
        })
        .collect();
    cuts.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Per constant: whether a test tells the constant from the numbers just
    // below it, and from those just above it.
    let mut constants: Vec<(f64, bool, bool)> = Vec::new();
    for (c, op) in cuts {
        let below = matches!(
            op,
            CompareOp::Eq | CompareOp::Ne | CompareOp::Lt | CompareOp::Ge
        );
        let above = matches!(
            op,
            CompareOp::Eq | CompareOp::Ne | CompareOp::Le | CompareOp::Gt
        );
        match constants.last_mut() {
            Some(last) if last.0 == c => {
                last.1 |= below;
                last.2 |= above;
            }
            _ => constants.push((c, below, above)),
        }
    }
    let mut regions = Vec::new();
    let mut low = End::Open;
    for (c, below, above) in constants {
        if below {
            regions.push((low, End::Excluding(c)));
            low = End::Including(c);
        }
        if above {
            regions.push((low, End::Including(c)));
            low = End::Excluding(c);
        }
    }
    regions.push((low, End::Open));
    regions
        .into_iter()
        .filter_map(|(low, high)| {
            let mut region = NumberRegion {
                low,
                high,
                value: 0.0,
            };
            region.value = inside(&region)?;
            Some(region)
        })
        .collect()
}

/// A value in a region that a fact can hold: the constant itself for a
/// single point or a closed end, a round number where there is room, the
/// nearest float otherwise; `None` if the region holds no such value (two
/// constants that are neighbouring floats, or beyond 2^53).
fn inside(region: &NumberRegion) -> Option<f64> {
    let bound = |end: End| match end {
        End::Including(c) | End::Excluding(c) => Some(c),
        End::Open => None,
    };
    let (low, high) = (bound(region.low), bound(region.high));
    let mut tries = Vec::with_capacity(4);
    if let End::Including(a) = region.low {
        tries.push(a);
    }
    if let End::Including(b) = region.high {
        tries.push(b);
    }
    match (low, high) {
        (None, None) => tries.push(0.0),
        (Some(a), None) => tries.extend([a + 1.0, a.next_up()]),
        (None, Some(b)) => tries.extend([b - 1.0, b.next_down()]),
        (Some(a), Some(b)) => tries.extend([a + (b - a) / 2.0, a.next_up()]),
    }
    tries
        .into_iter()
        .find(|v| region.contains(*v) && v.abs() <= crate::number::MAX_EXACT)
}

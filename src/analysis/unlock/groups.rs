//! Facts tied together by relations, as unlock changes them.
//!
//! A relation such as `troops_offered >= min_contingent` ties its facts: a
//! change to one moves what the other must be. Facts tied this way (and
//! the tests on them) form a [`Group`], and a change to a group is a
//! *pattern* — which of its members change — with a condition on the
//! changed members' values, the others keeping theirs (a known value, or
//! unknown: any value of its range). The condition is a set of the
//! group's cells ([`relations::cells`]) for that pattern: a change of one
//! member given the others' values now (`troops_offered >= 1000` while
//! `min_contingent` is 1000), or of several together (`troops_offered >=
//! min_contingent`).
//!
//! Cells are what regions are for one fact: every value in a cell passes
//! and fails the same tests and relations. Whether one change asks for no
//! more than another — the second's condition, on the facts both change,
//! lies within the first's — is decided cell against cell by linear
//! programming ([`linear::solve`]), exactly.

use num_traits::{One, Signed};

use super::super::atoms::Atom;
use super::super::budget::{Budget, Exhausted};
use super::super::linear::{self, Bounds, Form, Q, Sign};
use super::super::relations::{self, Reading, Relation, Spread, Words};
use crate::check::FactId;
use crate::eval::Tri;
use crate::facts::Value;
use crate::syntax::ast::{CompareOp, NumberRange};

/// Facts tied by relations, and the tests on them.
#[derive(Debug)]
pub(super) struct Group {
    pub(super) members: Vec<Member>,
    /// Its relations (indices into the question's relations).
    pub(super) relations: Vec<usize>,
    /// The tests on its changeable members (indices into the question's atoms).
    pub(super) tests: Vec<usize>,
}

/// A fact of a group.
#[derive(Debug)]
pub(super) struct Member {
    pub(super) fact: FactId,
    /// Whether it may change (not declared `fixed`).
    pub(super) changeable: bool,
    pub(super) range: NumberRange,
    /// For a string fact with a vocabulary, its words.
    pub(super) vocabulary: Option<Vec<String>>,
}

/// Which of a relation's variables a literal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Surely {
    /// The relation surely holds.
    Holds,
    /// The relation surely fails.
    Fails,
}

/// What a change asks of a group: which members change (by index among
/// them, in order), and what its tests and relations must come out as.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) struct GroupChange {
    pub(super) group: usize,
    pub(super) changed: Vec<usize>,
    /// Tests (atom index) with the outcome asked for.
    pub(super) tests: Vec<(usize, bool)>,
    /// Relations (index into the question's) with what is asked of them.
    pub(super) relations: Vec<(usize, Surely, bool)>,
}

/// One way a group comes out under a pattern of change.
#[derive(Debug, Clone)]
pub(super) struct PatternCell {
    /// Each test's outcome (in [`Group::tests`] order): `None` where its
    /// member keeps a value that is unknown.
    pub(super) tests: Vec<Option<bool>>,
    /// Each relation's outcome (in [`Group::relations`] order).
    pub(super) relations: Vec<Tri>,
    /// The signs that make the cell, over the changed members' values.
    pub(super) constraints: Vec<(Form, Sign)>,
    /// Values of the changed members that bring the cell about.
    pub(super) point: Vec<Q>,
}

/// The group's members' values now, in order (`None`: unknown), and for a
/// group of string facts the words that matter: those its tests name, its
/// vocabularies hold and its members hold now.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct GroupNow {
    pub(super) values: Vec<Option<Value>>,
    pub(super) words: Option<Words>,
}

impl GroupNow {
    /// The values as a key of the searches done (numbers by their bits).
    pub(super) fn key(&self) -> Vec<Option<String>> {
        self.values
            .iter()
            .map(|value| match value {
                Some(Value::Number(n)) => Some(format!("{:x}", n.to_bits())),
                Some(Value::String(s)) => Some(format!("'{s}")),
                _ => None,
            })
            .collect()
    }

    /// The value of member `index` now.
    fn value(&self, index: usize) -> Option<&Value> {
        self.values.get(index).and_then(Option::as_ref)
    }
}

impl Group {
    /// How the group's facts read when the members `changed` (flags, in
    /// member order) take new values: a free variable each (numbered in
    /// order), the others their value now or, unknown, any of their range.
    pub(super) fn reading<'g>(
        &'g self,
        now: &'g GroupNow,
        changed: &'g [bool],
    ) -> impl Fn(FactId) -> Reading + 'g {
        move |fact| {
            let Some(index) = self.members.iter().position(|m| m.fact == fact) else {
                return Reading::Unknown(Bounds::default());
            };
            if changed.get(index) == Some(&true) {
                let variable = changed.iter().take(index).filter(|c| **c).count();
                return Reading::Free(variable);
            }
            let known = match (now.value(index), &now.words) {
                (Some(Value::Number(n)), _) => crate::eval::arith::decimal(*n),
                (Some(Value::String(s)), Some(words)) => {
                    words.code(s).map(|code| Q::from_integer(code.into()))
                }
                _ => None,
            };
            match known {
                Some(value) => Reading::Known(value),
                None => Reading::Unknown(
                    self.members
                        .get(index)
                        .map(|m| relations::bounds_of(m.range))
                        .unwrap_or_default(),
                ),
            }
        }
    }

    /// The bounds of the changed members' values: their ranges.
    fn bounds(&self, changed: &[bool]) -> Vec<Bounds> {
        self.members
            .iter()
            .zip(changed)
            .filter(|(_, c)| **c)
            .map(|(m, _)| relations::bounds_of(m.range))
            .collect()
    }

    /// Every way the group comes out when the members `changed` take any
    /// values of their ranges, the others keeping theirs (`now`).
    pub(super) fn cells(
        &self,
        atoms: &[Atom],
        relations: &[Relation],
        now: &GroupNow,
        changed: &[bool],
        budget: &Budget,
    ) -> Result<Vec<PatternCell>, Exhausted> {
        let member_of = |fact: FactId| self.members.iter().position(|m| m.fact == fact);
        let variable_of = |member: usize| -> Option<usize> {
            changed
                .get(member)
                .filter(|c| **c)
                .map(|_| changed.iter().take(member).filter(|c| **c).count())
        };
        // Tests on changed members are part of the arrangement; those on
        // unchanged members keep the outcome of their value now.
        let mut free_tests = Vec::new();
        let mut fixed: Vec<Option<Option<bool>>> = Vec::with_capacity(self.tests.len());
        for atom in self.tests.iter().filter_map(|a| atoms.get(*a)) {
            let member = member_of(atom.fact);
            match member.and_then(variable_of) {
                Some(variable) => {
                    free_tests.push((variable, atom.test.clone()));
                    fixed.push(None);
                }
                None => {
                    let value = member.and_then(|m| now.value(m));
                    fixed.push(Some(value.and_then(|v| atom.test.holds(v))));
                }
            }
        }
        let group_relations: Vec<Relation> = self
            .relations
            .iter()
            .filter_map(|r| relations.get(*r).cloned())
            .collect();
        let reading = self.reading(now, changed);
        let cells = match &now.words {
            // Each changed member any word: of its vocabulary, or any word
            // that matters and as many fresh ones as members change.
            Some(words) => {
                let fresh = changed.iter().filter(|c| **c).count();
                let choices: Vec<Vec<usize>> = self
                    .members
                    .iter()
                    .zip(changed)
                    .filter(|(_, c)| **c)
                    .map(|(m, _)| words.choices(m.vocabulary.as_deref(), fresh))
                    .collect();
                relations::word_cells(
                    &choices,
                    &free_tests,
                    &group_relations,
                    reading,
                    words,
                    budget,
                )?
            }
            None => relations::cells(
                &self.bounds(changed),
                &free_tests,
                &group_relations,
                reading,
                budget,
            )?,
        };
        Ok(cells
            .into_iter()
            .map(|cell| {
                let mut outcomes = cell.tests.into_iter();
                let tests = fixed
                    .iter()
                    .map(|f| match f {
                        Some(outcome) => *outcome,
                        None => outcomes.next(),
                    })
                    .collect();
                PatternCell {
                    tests,
                    relations: cell.relations,
                    constraints: cell.constraints,
                    point: cell.point,
                }
            })
            .collect())
    }

    /// Whether a cell meets a change's literals.
    pub(super) fn meets(&self, cell: &PatternCell, change: &GroupChange) -> bool {
        let tests = change.tests.iter().all(|(atom, value)| {
            let position = self.tests.iter().position(|a| a == atom);
            position.and_then(|p| cell.tests.get(p).copied().flatten()) == Some(*value)
        });
        let relations = change.relations.iter().all(|(relation, surely, value)| {
            let position = self.relations.iter().position(|r| r == relation);
            let outcome = position.and_then(|p| cell.relations.get(p).copied());
            let holds = match surely {
                Surely::Holds => outcome == Some(Tri::True),
                Surely::Fails => outcome == Some(Tri::False),
            };
            holds == *value
        });
        tests && relations
    }

    /// The change's pattern: a flag per member.
    pub(super) fn pattern(&self, change: &GroupChange) -> Vec<bool> {
        (0..self.members.len())
            .map(|m| change.changed.contains(&m))
            .collect()
    }

    /// Whether `loose` asks for no more than `strict` of the facts it
    /// changes: it changes some of `strict`'s members, and every value
    /// `strict` admits for them, `loose` admits too. Decided cell against
    /// cell (`cells`: the group's, by pattern), each pair by linear
    /// programming.
    pub(super) fn admits_all_of(
        &self,
        cells: &GroupCells,
        words: Option<&Words>,
        loose: &GroupChange,
        strict: &GroupChange,
        budget: &Budget,
    ) -> Result<bool, Exhausted> {
        if !loose.changed.iter().all(|m| strict.changed.contains(m)) {
            return Ok(false);
        }
        let (loose_pattern, strict_pattern) = (self.pattern(loose), self.pattern(strict));
        let outside: Vec<&PatternCell> = cells
            .get(&loose_pattern)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|c| !self.meets(c, loose))
            .collect();
        if outside.is_empty() {
            return Ok(true);
        }
        let inside: Vec<&PatternCell> = cells
            .get(&strict_pattern)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|c| self.meets(c, strict))
            .collect();
        // The loose change's variables among the strict one's.
        let renumber: Vec<usize> = loose
            .changed
            .iter()
            .filter_map(|m| strict.changed.iter().position(|s| s == m))
            .collect();
        if let Some(words) = words {
            return Ok(words_admit_all_of(&inside, &outside, &renumber, words));
        }
        let bounds = self.bounds(&strict_pattern);
        for admitted in &inside {
            for refused in &outside {
                let mut constraints = admitted.constraints.clone();
                constraints.extend(refused.constraints.iter().map(|(form, sign)| {
                    let terms = form
                        .terms
                        .iter()
                        .map(|(v, c)| (renumber.get(*v).copied().unwrap_or(*v), c.clone()));
                    (Form::new(terms, form.constant.clone()), *sign)
                }));
                if linear::solve(&bounds, &constraints, budget)?.is_some() {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// For string groups, whose cells are points: whether every point the
/// strict change admits, on the loose change's members (`renumber`: their
/// places among the strict one's), is a point the loose change admits —
/// fresh words compared by which are alike, not by their numbers.
fn words_admit_all_of(
    inside: &[&PatternCell],
    outside: &[&PatternCell],
    renumber: &[usize],
    words: &Words,
) -> bool {
    let refused: std::collections::HashSet<Vec<Q>> = outside
        .iter()
        .map(|cell| canonical(&cell.point, words))
        .collect();
    inside.iter().all(|cell| {
        let projected: Vec<Q> = renumber
            .iter()
            .filter_map(|v| cell.point.get(*v).cloned())
            .collect();
        !refused.contains(&canonical(&projected, words))
    })
}

/// A point of words with its fresh words (the numbers past the named
/// ones) renumbered in order of first use: two points with the same named
/// words and the same fresh words alike are then equal.
fn canonical(point: &[Q], words: &Words) -> Vec<Q> {
    let named = words.len();
    let mut fresh: Vec<&Q> = Vec::new();
    point
        .iter()
        .map(|q| {
            let code: usize = q.to_integer().try_into().unwrap_or(usize::MAX);
            if code < named {
                return q.clone();
            }
            let position = fresh.iter().position(|f| *f == q).unwrap_or_else(|| {
                fresh.push(q);
                fresh.len() - 1
            });
            Q::from_integer((named + position).into())
        })
        .collect()
}

impl Group {
    /// Values of the changed members (in order) that meet a change: from
    /// a cell that meets it — numbers decimals a fact can hold, words
    /// spelled out.
    pub(super) fn example(
        &self,
        cells: &GroupCells,
        words: Option<&Words>,
        change: &GroupChange,
    ) -> Option<Vec<crate::FactValue>> {
        let meets = cells
            .get(&self.pattern(change))?
            .iter()
            .filter(|cell| self.meets(cell, change));
        match words {
            Some(words) => meets.into_iter().next().map(|cell| {
                words
                    .spell_point(&cell.point)
                    .into_iter()
                    .map(crate::FactValue::String)
                    .collect()
            }),
            None => meets
                .into_iter()
                .find_map(|cell| {
                    cell.point
                        .iter()
                        .map(relations::to_decimal)
                        .collect::<Option<Vec<f64>>>()
                })
                .map(|values| values.into_iter().map(crate::FactValue::Number).collect()),
        }
    }
}

impl Group {
    /// The values a change of one number admits, if they are one interval:
    /// the cells that meet it, each an interval of its values, joined.
    pub(super) fn interval(
        &self,
        cells: &GroupCells,
        change: &GroupChange,
        range: NumberRange,
    ) -> Option<(relations::End, relations::End)> {
        let bounds = relations::bounds_of(range);
        let mut spans: Vec<(relations::End, relations::End)> = cells
            .get(&self.pattern(change))?
            .iter()
            .filter(|cell| self.meets(cell, change))
            .map(|cell| relations::interval(&cell.constraints, &bounds))
            .collect();
        spans.sort_by(|a, b| relations::start_order(&a.0, &b.0));
        let mut joined = spans.into_iter();
        let (lo, mut hi) = joined.next()?;
        for (next_lo, next_hi) in joined {
            // Each span must start where the last one ends.
            let touches = match (&hi, &next_lo) {
                (Some((a, a_open)), Some((b, b_open))) => a == b && a_open != b_open,
                _ => false,
            };
            if !touches {
                return None;
            }
            hi = next_hi;
        }
        Some((lo, hi))
    }
}

/// A group's cells, by pattern of members changed.
pub(super) type GroupCells = std::collections::HashMap<Vec<bool>, Vec<PatternCell>>;

/// A relation's literal, as a condition people read, over the changed
/// facts (named by `names`, one per free variable): `troops_offered >=
/// min_contingent`, or `troops_offered >= 1000` while `min_contingent`
/// keeps its value 1000. `None` when it reads no changed fact.
pub(super) fn relation_text(
    relation: &Relation,
    spread: &Spread,
    surely: Surely,
    value: bool,
    names: &[String],
    words: Option<&Words>,
) -> Option<String> {
    if spread.form.terms.is_empty() {
        return None;
    }
    // Surely failing is surely holding of the opposite comparison; and
    // with every fact it reads known, not holding is failing.
    let decided = spread.low == spread.high;
    let (op, value) = match (surely, value, decided) {
        (Surely::Holds, false, true) => (relation.op.negated(), true),
        (Surely::Fails, false, true) => (relation.op, true),
        (Surely::Holds, _, _) => (relation.op, value),
        (Surely::Fails, _, _) => (relation.op.negated(), value),
    };
    let text = match (relation.strings, words) {
        (true, Some(words)) => words_text(op, spread, names, words),
        _ => surely_text(op, spread, names),
    };
    Some(match value {
        true => text,
        false => format!("not ({text})"),
    })
}

/// `a OP b` between string facts: both changed (`stance == partner`), or
/// one given the other's word now (`stance == "willing"`).
fn words_text(op: CompareOp, spread: &Spread, names: &[String], words: &Words) -> String {
    let name = |v: usize| names.get(v).cloned().unwrap_or_default();
    match spread.form.terms.as_slice() {
        [(a, _), (b, _)] => format!("{} {} {}", name(*a), op.symbol(), name(*b)),
        [(a, coefficient)] if spread.low == spread.high => {
            // x - code = 0 (or -x + code = 0): the other side's word.
            let code = -(&spread.form.constant / coefficient);
            let code: usize = code.to_integer().try_into().unwrap_or(usize::MAX);
            let word = words.spell(&[code]).pop().unwrap_or_default();
            format!("{} {} {word:?}", name(*a), op.symbol())
        }
        // The other side unknown: its word could be any.
        _ => "an impossible value".to_string(),
    }
}

/// `difference OP 0` for every value the unknown facts can take, in words.
fn surely_text(op: CompareOp, spread: &Spread, names: &[String]) -> String {
    let with = |offset: &Option<Q>| offset.as_ref().map(|o| spread.form.plus(o));
    let (low, high) = (with(&spread.low), with(&spread.high));
    let never = "an impossible value".to_string();
    match op {
        CompareOp::Ge | CompareOp::Gt => low.map_or(never, |f| inequality(&f, op, names)),
        CompareOp::Le | CompareOp::Lt => high.map_or(never, |f| inequality(&f, op, names)),
        CompareOp::Eq => match (low, high) {
            (Some(l), Some(h)) if l == h => inequality(&l, op, names),
            _ => never,
        },
        CompareOp::Ne => match (low, high) {
            (Some(l), Some(h)) if l == h => inequality(&l, op, names),
            (low, high) => {
                let below = high.map(|h| inequality(&h, CompareOp::Lt, names));
                let above = low.map(|l| inequality(&l, CompareOp::Gt, names));
                let parts: Vec<String> = below.into_iter().chain(above).collect();
                match parts.is_empty() {
                    true => never,
                    false => parts.join(" or "),
                }
            }
        },
    }
}

/// `form OP 0` written as people write it: whole coefficients, facts
/// with a positive coefficient on the left, the others on the right, the
/// constant where it is positive (`troops_offered >= min_contingent`, `uk +
/// france >= 20000`); one fact alone with its threshold (`troops_offered >=
/// 333.5`), where the threshold is a decimal.
pub(super) fn inequality(form: &Form, op: CompareOp, names: &[String]) -> String {
    let name = |v: usize| names.get(v).cloned().unwrap_or_default();
    if let [(variable, coefficient)] = form.terms.as_slice() {
        let threshold = -(&form.constant / coefficient);
        if let Some(text) = relations::decimal_text(&threshold) {
            let op = if coefficient.is_positive() {
                op
            } else {
                op.mirrored()
            };
            return format!("{} {} {text}", name(*variable), op.symbol());
        }
    }
    let whole = whole_multiple(form);
    let term = |(v, c): &(usize, Q)| match c.abs().is_one() {
        true => name(*v),
        false => format!("{} * {}", c.abs().to_integer(), name(*v)),
    };
    let mut left: Vec<String> = whole
        .terms
        .iter()
        .filter(|(_, c)| c.is_positive())
        .map(term)
        .collect();
    let mut right: Vec<String> = whole
        .terms
        .iter()
        .filter(|(_, c)| c.is_negative())
        .map(term)
        .collect();
    let facts_left = !left.is_empty();
    match Sign::of(&whole.constant) {
        Sign::Positive => left.push(whole.constant.to_integer().to_string()),
        Sign::Negative => right.push((-whole.constant.clone()).to_integer().to_string()),
        Sign::Zero => {}
    }
    for side in [&mut left, &mut right] {
        if side.is_empty() {
            side.push("0".to_string());
        }
    }
    let op = match facts_left {
        true => op,
        false => {
            std::mem::swap(&mut left, &mut right);
            op.mirrored()
        }
    };
    format!("{} {} {}", left.join(" + "), op.symbol(), right.join(" + "))
}

/// The form times the least positive number that makes its coefficients
/// and constant whole.
fn whole_multiple(form: &Form) -> Form {
    use num_integer::Integer;
    let mut denominator = num_bigint::BigInt::from(1);
    for c in form.terms.iter().map(|(_, c)| c).chain([&form.constant]) {
        denominator = denominator.lcm(c.denom());
    }
    let scale = Q::from_integer(denominator);
    Form {
        terms: form.terms.iter().map(|(v, c)| (*v, c * &scale)).collect(),
        constant: &form.constant * &scale,
    }
}

/// A relation's literal over the facts an option changes, to check values
/// against: the relation's spread with the facts kept as they are put in,
/// and the changed facts named.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RelationCheck {
    names: Vec<String>,
    op: CompareOp,
    spread: Spread,
    surely: Surely,
    value: bool,
    /// For a relation of string facts, how words are numbers.
    words: Option<Words>,
}

impl RelationCheck {
    pub(super) fn new(
        relation: &Relation,
        spread: Spread,
        surely: Surely,
        value: bool,
        names: &[String],
    ) -> RelationCheck {
        RelationCheck {
            names: names.to_vec(),
            op: relation.op,
            spread,
            surely,
            value,
            words: None,
        }
    }

    /// The check of a relation between string facts, words numbered by `words`.
    pub(super) fn with_words(mut self, words: Option<&Words>) -> RelationCheck {
        self.words = words.cloned();
        self
    }

    /// The changed facts it reads, by position among them.
    pub(super) fn reads(&self) -> Vec<usize> {
        self.spread.form.terms.iter().map(|(v, _)| *v).collect()
    }

    /// Whether it reads one fact only, `name`.
    pub(super) fn reads_only(&self, name: &str) -> bool {
        matches!(self.reads().as_slice(), [one] if self.names.get(*one).is_some_and(|n| n == name))
    }

    /// Whether the values hold the literal: the relation's outcome there is
    /// as asked. A fact without a value (or a value no number) fails it.
    pub(super) fn holds(&self, value_of: impl Fn(&str) -> Option<crate::FactValue>) -> bool {
        let mut point = Vec::with_capacity(self.names.len());
        // Words no test names: numbers past the named ones, one per word.
        let mut unnamed: Vec<String> = Vec::new();
        for (variable, name) in self.names.iter().enumerate() {
            let read = self.reads().contains(&variable);
            let value = match (read, value_of(name), &self.words) {
                (false, _, _) => Q::from_integer(0.into()),
                (true, Some(crate::FactValue::Number(n)), _) => {
                    match crate::eval::arith::decimal(n) {
                        Some(q) => q,
                        None => return false,
                    }
                }
                (true, Some(crate::FactValue::Integer(n)), _) => Q::from_integer(n.into()),
                (true, Some(crate::FactValue::String(word)), Some(words)) => {
                    let code = words.code(&word).unwrap_or_else(|| {
                        let at = unnamed.iter().position(|w| *w == word).unwrap_or_else(|| {
                            unnamed.push(word.clone());
                            unnamed.len() - 1
                        });
                        words.len() + at
                    });
                    Q::from_integer(code.into())
                }
                (true, _, _) => return false,
            };
            point.push(value);
        }
        let at = |offset: &Option<Q>, unbounded: Sign| match offset {
            Some(offset) => Sign::of(&(self.spread.form.at(&point) + offset)),
            None => unbounded,
        };
        let outcome = relations::outcome(
            self.op,
            at(&self.spread.low, Sign::Negative),
            at(&self.spread.high, Sign::Positive),
        );
        let surely = match self.surely {
            Surely::Holds => outcome == Tri::True,
            Surely::Fails => outcome == Tri::False,
        };
        surely == self.value
    }
}

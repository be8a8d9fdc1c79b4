//! Relations: comparisons that read several facts, or compute with them.
//!
//! `troops_offered >= min_contingent` and `uk_troops + france_troops >=
//! 20000` are not tests on one fact: their outcome depends on facts
//! together. A [`Relation`] is such a comparison as a linear form — the
//! left side minus the right — compared with zero, each occurrence of a
//! fact kept on its own, as the evaluators' interval arithmetic keeps it
//! (`x - x` is 0 once `x` is known, anything from `lo - hi` to `hi - lo`
//! while it is unknown). A product of two facts is no linear form: it
//! stays beyond the analyses, and they say so.
//!
//! Facts tied together by relations form a *group*. Given what is known of
//! each member — a value, nothing (any value of its range), or free (a
//! value an analysis is choosing) — [`cells`] lists every way the group's
//! tests and relations can come out together, with a value for each free
//! member that brings it about: what regions of values are for one fact.
//!
//! Architecture invariant: a relation's outcome from its facts' readings
//! ([`Relation::outcome`]) is the evaluators' ([`crate::eval::arith`]);
//! `tests::outcomes_are_the_evaluators` checks it.

use num_traits::{Signed, Zero};

use super::atoms::Test;
use super::budget::{Budget, Exhausted};
use super::linear::{self, Bounds, Form, Q, Sign};
use crate::check::{FactId, Number};
use crate::eval::Tri;
use crate::eval::arith::decimal;
use crate::syntax::ast::{CompareOp, NumberRange};

/// A comparison of linear expressions of number facts, as its difference
/// compared with zero: `Σ (positive + negative) · fact + constant OP 0`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Relation {
    /// Whether it compares two string facts (`==`, `!=`): their words are
    /// then numbers ([`Words`]), equal exactly when the words are.
    pub(crate) strings: bool,
    /// The comparison with zero.
    pub(crate) op: CompareOp,
    /// Per fact, by id: the sum of its occurrences' positive coefficients,
    /// and of their negative ones (while it is unknown, each occurrence
    /// takes any value of its range on its own).
    pub(crate) terms: Vec<(FactId, Q, Q)>,
    pub(crate) constant: Q,
}

/// What is known of a fact, for a relation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reading {
    /// Its value.
    Known(Q),
    /// Unknown: any value within these bounds, each occurrence on its own.
    Unknown(Bounds),
    /// A value being chosen: variable number `n` of the forms.
    Free(usize),
}

/// A relation's difference at a reading: a form over the free facts,
/// plus anything from `low` to `high` for the unknown ones (`None`: no
/// bound on that side).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Spread {
    pub(crate) form: Form,
    pub(crate) low: Option<Q>,
    pub(crate) high: Option<Q>,
}

impl Relation {
    /// `lhs OP rhs` as a relation; `None` when a side multiplies facts with
    /// each other (or holds a number no decimal is).
    pub(crate) fn of(op: CompareOp, lhs: &Number, rhs: &Number) -> Option<Relation> {
        let mut occurrences = Vec::new();
        let mut constant = Q::zero();
        let one = Q::from_integer(1.into());
        linear_parts(lhs, &one, &mut occurrences, &mut constant)?;
        linear_parts(rhs, &-one, &mut occurrences, &mut constant)?;
        occurrences.sort_by_key(|(fact, _)| *fact);
        let mut terms: Vec<(FactId, Q, Q)> = Vec::new();
        for (fact, coefficient) in occurrences {
            if coefficient.is_zero() {
                continue;
            }
            if terms.last().is_none_or(|(last, _, _)| *last != fact) {
                terms.push((fact, Q::zero(), Q::zero()));
            }
            if let Some((_, positive, negative)) = terms.last_mut() {
                match coefficient.is_positive() {
                    true => *positive += coefficient,
                    false => *negative += coefficient,
                }
            }
        }
        Some(Relation {
            strings: false,
            op,
            terms,
            constant,
        })
    }

    /// `a OP b` (`==` or `!=`) between two string facts.
    pub(crate) fn between_strings(op: CompareOp, a: FactId, b: FactId) -> Relation {
        let one = Q::from_integer(1.into());
        let mut terms = vec![(a, one.clone(), Q::zero()), (b, Q::zero(), -one)];
        terms.sort_by_key(|(fact, _, _)| *fact);
        Relation {
            strings: true,
            op,
            terms,
            constant: Q::zero(),
        }
    }

    /// The relation with each fact replaced (`None` if one has no
    /// replacement).
    pub(crate) fn mapped(&self, mut to: impl FnMut(FactId) -> Option<FactId>) -> Option<Relation> {
        let mut terms = self
            .terms
            .iter()
            .map(|(fact, positive, negative)| {
                Some((to(*fact)?, positive.clone(), negative.clone()))
            })
            .collect::<Option<Vec<_>>>()?;
        terms.sort_by_key(|(fact, _, _)| *fact);
        Some(Relation {
            strings: self.strings,
            op: self.op,
            terms,
            constant: self.constant.clone(),
        })
    }

    /// The facts it reads, in id order.
    pub(crate) fn facts(&self) -> impl Iterator<Item = FactId> + '_ {
        self.terms.iter().map(|(fact, _, _)| *fact)
    }

    /// As a test on its one fact, when it is one: the fact occurs with one
    /// sign only, and the threshold is a decimal a fact can hold
    /// (`2 * troops >= 2000` is `troops >= 1000`).
    pub(crate) fn as_test(&self) -> Option<(FactId, Test)> {
        if self.strings {
            return None;
        }
        let [(fact, positive, negative)] = self.terms.as_slice() else {
            return None;
        };
        let coefficient = match (positive.is_zero(), negative.is_zero()) {
            (false, true) => positive,
            (true, false) => negative,
            _ => return None,
        };
        // a·x + c OP 0  ⟺  x OP' -c/a, the operator mirrored for a < 0.
        let threshold = -(&self.constant / coefficient);
        let value = to_decimal(&threshold)?;
        let op = match coefficient.is_positive() {
            true => self.op,
            false => self.op.mirrored(),
        };
        Some((*fact, Test::Number(op, value)))
    }

    /// The difference at a reading of each fact.
    pub(crate) fn spread(&self, reading: impl Fn(FactId) -> Reading) -> Spread {
        let mut free = Vec::new();
        let (mut constant, mut low, mut high) =
            (self.constant.clone(), Some(Q::zero()), Some(Q::zero()));
        for (fact, positive, negative) in &self.terms {
            match reading(*fact) {
                Reading::Known(x) => constant += (positive + negative) * x,
                Reading::Free(variable) => free.push((variable, positive + negative)),
                Reading::Unknown(bounds) => {
                    // Each occurrence alone: positive ones at their least
                    // with the range's low end, negative ones with its high end.
                    let least = end_sum(positive, &bounds.lo, negative, &bounds.hi);
                    let most = end_sum(positive, &bounds.hi, negative, &bounds.lo);
                    low = low.zip(least).map(|(a, b)| a + b);
                    high = high.zip(most).map(|(a, b)| a + b);
                }
            }
        }
        Spread {
            form: Form::new(free, constant),
            low,
            high,
        }
    }

    /// Its outcome when every fact is known or unknown (none free): what
    /// the cells' outcomes rest on, checked against the evaluators.
    pub(crate) fn outcome(&self, reading: impl Fn(FactId) -> Reading) -> Tri {
        let spread = self.spread(reading);
        let sign = |offset: &Option<Q>, unbounded: Sign| match offset {
            Some(offset) => Sign::of(&(&spread.form.constant + offset)),
            None => unbounded,
        };
        outcome(
            self.op,
            sign(&spread.low, Sign::Negative),
            sign(&spread.high, Sign::Positive),
        )
    }
}

/// `a · lo + b · hi`, ends that are `None` unbounded (then the sum is,
/// unless its coefficient is zero).
fn end_sum(a: &Q, a_end: &Option<Q>, b: &Q, b_end: &Option<Q>) -> Option<Q> {
    let part = |c: &Q, end: &Option<Q>| match (c.is_zero(), end) {
        (true, _) => Some(Q::zero()),
        (false, Some(x)) => Some(c * x),
        (false, None) => None,
    };
    Some(part(a, a_end)? + part(b, b_end)?)
}

/// The outcome of `difference OP 0` where the difference is anything from
/// a value of sign `low` to one of sign `high`: satisfied when every value
/// passes, unsatisfied when none does.
pub(crate) fn outcome(op: CompareOp, low: Sign, high: Sign) -> Tri {
    use Sign::{Negative, Positive, Zero};
    let (all, none) = match op {
        CompareOp::Ge => (low != Negative, high == Negative),
        CompareOp::Gt => (low == Positive, high != Positive),
        CompareOp::Le => (high != Positive, low == Positive),
        CompareOp::Lt => (high == Negative, low != Negative),
        CompareOp::Eq => (
            low == Zero && high == Zero,
            high == Negative || low == Positive,
        ),
        CompareOp::Ne => (
            high == Negative || low == Positive,
            low == Zero && high == Zero,
        ),
    };
    match (all, none) {
        (true, _) => Tri::True,
        (false, true) => Tri::False,
        (false, false) => Tri::Unknown,
    }
}

/// Adds the occurrences of `expr`, times `scale`, to `into` (facts) and
/// `constant`; `None` if it multiplies facts together.
fn linear_parts(
    expr: &Number,
    scale: &Q,
    into: &mut Vec<(FactId, Q)>,
    constant: &mut Q,
) -> Option<()> {
    match expr {
        Number::Const(c) => *constant += scale * decimal(*c)?,
        Number::Fact(fact) => into.push((*fact, scale.clone())),
        Number::Neg(inner) => linear_parts(inner, &-scale.clone(), into, constant)?,
        Number::Sum(parts) => {
            for part in parts {
                linear_parts(part, scale, into, constant)?;
            }
        }
        Number::Product { factors, divisors } => {
            let mut scale = scale.clone();
            for divisor in divisors {
                let divisor = decimal(*divisor).filter(|d| !d.is_zero())?;
                scale /= divisor;
            }
            let mut reading = None;
            for factor in factors {
                let mut facts = Vec::new();
                factor.facts(&mut facts);
                if facts.is_empty() {
                    let mut value = Q::zero();
                    linear_parts(
                        factor,
                        &Q::from_integer(1.into()),
                        &mut Vec::new(),
                        &mut value,
                    )?;
                    scale *= value;
                } else if reading.replace(factor).is_some() {
                    return None;
                }
            }
            match reading {
                Some(factor) => linear_parts(factor, &scale, into, constant)?,
                None => *constant += scale,
            }
        }
    }
    Some(())
}

/// A number as a decimal a fact can hold exactly, if it is one.
pub(crate) fn to_decimal(q: &Q) -> Option<f64> {
    let text = decimal_text(q)?;
    match crate::number::exact(&text) {
        Some(Ok(value)) => Some(value),
        _ => None,
    }
}

/// A rational's decimal digits, if it has finitely many.
pub(crate) fn decimal_text(q: &Q) -> Option<String> {
    // Finitely many digits exactly when the denominator has no prime
    // but 2 and 5; then multiplying by ten makes it whole.
    let (two, five) = (num_bigint::BigInt::from(2), num_bigint::BigInt::from(5));
    let mut denominator = q.denom().clone();
    for prime in [&two, &five] {
        while (&denominator % prime).is_zero() {
            denominator /= prime;
        }
    }
    if denominator != num_bigint::BigInt::from(1) {
        return None;
    }
    let ten = Q::from_integer(num_bigint::BigInt::from(10));
    let (mut scaled, mut places) = (q.clone(), 0usize);
    while !scaled.is_integer() {
        scaled *= &ten;
        places += 1;
    }
    let digits = scaled.to_integer().abs().to_string();
    let sign = if q.is_negative() { "-" } else { "" };
    Some(match places {
        0 => format!("{sign}{digits}"),
        _ => {
            let padded = format!("{digits:0>width$}", width = places + 1);
            let (whole, fraction) = padded.split_at(padded.len() - places);
            format!("{sign}{whole}.{fraction}")
        }
    })
}

/// A fact's range as bounds.
pub(crate) fn bounds_of(range: NumberRange) -> Bounds {
    Bounds {
        lo: range.lo.and_then(decimal),
        hi: range.hi.and_then(decimal),
    }
}

// ----- intervals of one fact ------------------------------------------------

/// The order of two intervals' starts: no bound first, then by value, an
/// included end before an excluded one.
pub(crate) fn start_order(a: &End, b: &End) -> std::cmp::Ordering {
    let key = |end: &End| match end {
        None => (false, None, false),
        Some((b, open)) => (true, Some(b.clone()), *open),
    };
    key(a).cmp(&key(b))
}

/// One end of an interval: a value, and whether it is excluded.
pub(crate) type End = Option<(Q, bool)>;

/// Whether `x` lies between two ends.
pub(crate) fn within(x: &Q, lo: &End, hi: &End) -> bool {
    lo.as_ref()
        .is_none_or(|(b, open)| if *open { x > b } else { x >= b })
        && hi
            .as_ref()
            .is_none_or(|(b, open)| if *open { x < b } else { x <= b })
}

/// An interval as a condition on a fact of `range`: `>= 1000 and <
/// 30000`, `== 5`, `any value` — an end the range has anyway left out.
pub(crate) fn describe_interval(
    lo: &End,
    hi: &End,
    range: crate::syntax::ast::NumberRange,
) -> String {
    if let (Some((a, false)), Some((b, false))) = (lo, hi) {
        if a == b {
            return format!("== {}", number(a));
        }
    }
    let bounds = bounds_of(range);
    let lo = lo
        .as_ref()
        .filter(|(b, open)| *open || bounds.lo.as_ref() != Some(b))
        .map(|(b, open)| format!("{} {}", if *open { ">" } else { ">=" }, number(b)));
    let hi = hi
        .as_ref()
        .filter(|(b, open)| *open || bounds.hi.as_ref() != Some(b))
        .map(|(b, open)| format!("{} {}", if *open { "<" } else { "<=" }, number(b)));
    let parts: Vec<String> = lo.into_iter().chain(hi).collect();
    match parts.is_empty() {
        true => "any value".to_string(),
        false => parts.join(" and "),
    }
}

/// A number as written: a decimal, or a fraction where it has none.
fn number(q: &Q) -> String {
    decimal_text(q).unwrap_or_else(|| format!("{}/{}", q.numer(), q.denom()))
}

/// The interval a cell of one variable makes: its forms' signs as bounds,
/// within the fact's range.
pub(crate) fn interval(constraints: &[(Form, Sign)], range: &Bounds) -> (End, End) {
    let (mut lo, mut hi): (End, End) = (None, None);
    for (form, sign) in constraints {
        let Some((_, a)) = form.terms.first() else {
            continue;
        };
        // a·x + k has this sign: x is above, at or below -k/a.
        let at = -(&form.constant / a);
        let sign = match (a.is_negative(), sign) {
            (true, Sign::Negative) => Sign::Positive,
            (true, Sign::Positive) => Sign::Negative,
            (_, sign) => *sign,
        };
        match sign {
            Sign::Zero => {
                lo = tighter(lo, Some((at.clone(), false)), true);
                hi = tighter(hi, Some((at, false)), false);
            }
            Sign::Positive => lo = tighter(lo, Some((at, true)), true),
            Sign::Negative => hi = tighter(hi, Some((at, true)), false),
        }
    }
    lo = tighter(lo, range.lo.clone().map(|b| (b, false)), true);
    hi = tighter(hi, range.hi.clone().map(|b| (b, false)), false);
    (lo, hi)
}

/// The tighter of a bound and a new one (`lower`: the greater; else the
/// lesser); at the same value, the excluding one.
fn tighter(current: End, new: Option<(Q, bool)>, lower: bool) -> End {
    let Some(new) = new else { return current };
    let Some(current) = current else {
        return Some(new);
    };
    let ordering = new.0.cmp(&current.0);
    Some(match (ordering, lower) {
        (std::cmp::Ordering::Greater, true) | (std::cmp::Ordering::Less, false) => new,
        (std::cmp::Ordering::Equal, _) => (current.0, current.1 || new.1),
        _ => current,
    })
}

/// One way a group's tests and relations come out together.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cell {
    /// Each test's outcome (in the order given; the tests are on free members).
    pub(crate) tests: Vec<bool>,
    /// Each relation's outcome.
    pub(crate) relations: Vec<Tri>,
    /// A value of each free variable that brings the cell about.
    pub(crate) point: Vec<Q>,
    /// What makes the cell: a sign for each form of the arrangement, over
    /// the free variables.
    pub(crate) constraints: Vec<(Form, Sign)>,
}

/// Every way `tests` (on free variables: `(variable, test)`) and
/// `relations` can come out together, where each fact reads as `reading`
/// says and free variable `n` lies within `bounds[n]`; each with a point.
pub(crate) fn cells(
    bounds: &[Bounds],
    tests: &[(usize, Test)],
    relations: &[Relation],
    reading: impl Fn(FactId) -> Reading,
    budget: &Budget,
) -> Result<Vec<Cell>, Exhausted> {
    let mut forms: Vec<Form> = Vec::new();
    // Where each atom reads its signs: a form's position, or a fixed sign.
    let mut place = |form: Form| -> Place {
        if form.terms.is_empty() {
            return Place::Fixed(Sign::of(&form.constant));
        }
        let (form, flipped) = oriented(form);
        let at = forms.iter().position(|f| *f == form).unwrap_or_else(|| {
            forms.push(form);
            forms.len() - 1
        });
        Place::Form { at, flipped }
    };
    let test_places: Vec<(Place, CompareOp)> = tests
        .iter()
        .filter_map(|(variable, test)| match test {
            Test::Number(op, c) => {
                let c = decimal(*c)?;
                Some((
                    place(Form::new([(*variable, Q::from_integer(1.into()))], -c)),
                    *op,
                ))
            }
            _ => None,
        })
        .collect();
    let relation_places: Vec<(Place, Place, CompareOp)> = relations
        .iter()
        .map(|relation| {
            let spread = relation.spread(&reading);
            let mut end = |offset: &Option<Q>, unbounded: Sign| match offset {
                Some(offset) => place(spread.form.plus(offset)),
                None => Place::Fixed(unbounded),
            };
            (
                end(&spread.low, Sign::Negative),
                end(&spread.high, Sign::Positive),
                relation.op,
            )
        })
        .collect();
    let found = linear::cells(bounds, &forms, budget)?;
    Ok(found
        .into_iter()
        .map(|(signs, point)| Cell {
            tests: test_places
                .iter()
                .map(|(at, op)| signs_allow(*op, at.sign(&signs)))
                .collect(),
            relations: relation_places
                .iter()
                .map(|(low, high, op)| outcome(*op, low.sign(&signs), high.sign(&signs)))
                .collect(),
            point,
            constraints: forms.iter().cloned().zip(signs).collect(),
        })
        .collect())
}

/// Where an atom finds the sign of one of its forms.
#[derive(Debug, Clone, Copy)]
enum Place {
    /// A sign that does not depend on the free variables.
    Fixed(Sign),
    /// The sign of form `at` of the arrangement, negated if `flipped`.
    Form { at: usize, flipped: bool },
}

impl Place {
    fn sign(self, signs: &[Sign]) -> Sign {
        match self {
            Place::Fixed(sign) => sign,
            Place::Form { at, flipped } => {
                let sign = signs.get(at).copied().unwrap_or(Sign::Zero);
                match (flipped, sign) {
                    (true, Sign::Negative) => Sign::Positive,
                    (true, Sign::Positive) => Sign::Negative,
                    _ => sign,
                }
            }
        }
    }
}

/// A form scaled to first coefficient 1, and whether that took a negative
/// scale (its signs then read flipped).
fn oriented(form: Form) -> (Form, bool) {
    let flipped = form.terms.first().is_some_and(|(_, c)| c.is_negative());
    let form = match flipped {
        true => Form {
            terms: form.terms.into_iter().map(|(v, c)| (v, -c)).collect(),
            constant: -form.constant,
        },
        false => form,
    };
    (form.normalised(), flipped)
}

/// Whether `x - c` of this sign passes `x OP c`.
fn signs_allow(op: CompareOp, sign: Sign) -> bool {
    match op {
        CompareOp::Eq => sign == Sign::Zero,
        CompareOp::Ne => sign != Sign::Zero,
        CompareOp::Lt => sign == Sign::Negative,
        CompareOp::Le => sign != Sign::Positive,
        CompareOp::Gt => sign == Sign::Positive,
        CompareOp::Ge => sign != Sign::Negative,
    }
}

/// The words a group of string facts can take, as numbers, so that their
/// relations are relations of numbers: each word named — by a test, a
/// vocabulary or a value now — is a number of its own (its place), and
/// the numbers past them are *fresh* words, named nowhere, each unlike
/// every other.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Words {
    named: Vec<String>,
}

impl Words {
    /// Names a word (once).
    pub(crate) fn name(&mut self, word: &str) {
        if !self.named.iter().any(|w| w == word) {
            self.named.push(word.to_string());
        }
    }

    /// How many words are named: the first fresh word's number.
    pub(crate) fn len(&self) -> usize {
        self.named.len()
    }

    /// A word's number.
    pub(crate) fn code(&self, word: &str) -> Option<usize> {
        self.named.iter().position(|w| w == word)
    }

    /// The word a number stands for: a named word, or `None` for a fresh one.
    pub(crate) fn word(&self, code: usize) -> Option<&str> {
        self.named.get(code).map(String::as_str)
    }

    /// The numbers a fact can take: its vocabulary's words, or every
    /// named word and `fresh` fresh ones.
    pub(crate) fn choices(&self, vocabulary: Option<&[String]>, fresh: usize) -> Vec<usize> {
        match vocabulary {
            Some(words) => words.iter().filter_map(|w| self.code(w)).collect(),
            None => (0..self.named.len() + fresh).collect(),
        }
    }

    /// A word for each number of a cell's point (numbers as rationals).
    pub(crate) fn spell_point(&self, point: &[Q]) -> Vec<String> {
        let codes: Vec<usize> = point
            .iter()
            .map(|q| q.to_integer().try_into().unwrap_or(usize::MAX))
            .collect();
        self.spell(&codes)
    }

    /// A word for each number of a point: the named ones as they are,
    /// fresh ones as words named nowhere (`other`, `other_2`, …).
    pub(crate) fn spell(&self, codes: &[usize]) -> Vec<String> {
        let mut fresh: Vec<(usize, String)> = Vec::new();
        codes
            .iter()
            .map(|code| match self.word(*code) {
                Some(word) => word.to_string(),
                None => {
                    if let Some((_, word)) = fresh.iter().find(|(c, _)| c == code) {
                        return word.clone();
                    }
                    let mut word = "other".to_string();
                    let mut n = 1;
                    while self.code(&word).is_some() || fresh.iter().any(|(_, w)| *w == word) {
                        n += 1;
                        word = format!("other_{n}");
                    }
                    fresh.push((*code, word.clone()));
                    word
                }
            })
            .collect()
    }
}

/// Every way string `tests` (on free variables) and `relations` between
/// string facts come out together, each free variable taking any of its
/// `choices` (numbers of `words`), the other facts reading as `reading`
/// says (known: a word's number; unknown: any word, so their relations are
/// undetermined). Words are finitely many that matter, so the cells are the
/// points themselves, each enumerated.
pub(crate) fn word_cells(
    choices: &[Vec<usize>],
    tests: &[(usize, Test)],
    relations: &[Relation],
    reading: impl Fn(FactId) -> Reading,
    words: &Words,
    budget: &Budget,
) -> Result<Vec<Cell>, Exhausted> {
    let total: u64 = choices
        .iter()
        .try_fold(1u64, |n, c| n.checked_mul(c.len() as u64))
        .ok_or(Exhausted)?;
    budget.spend(total.saturating_mul((tests.len() + relations.len()) as u64 + 1))?;
    let mut cells = Vec::new();
    let mut pick = vec![0usize; choices.len()];
    loop {
        let point: Vec<usize> = pick
            .iter()
            .zip(choices)
            .filter_map(|(p, c)| c.get(*p).copied())
            .collect();
        if point.len() == choices.len() {
            let known = |fact: FactId| match reading(fact) {
                Reading::Free(variable) => Reading::Known(Q::from_integer(
                    point.get(variable).copied().unwrap_or(0).into(),
                )),
                Reading::Unknown(_) => Reading::Unknown(Bounds::default()),
                other => other,
            };
            let tests = tests
                .iter()
                .map(|(variable, test)| {
                    let word = point.get(*variable).and_then(|c| words.word(*c));
                    let value = crate::facts::Value::String(word.unwrap_or("").into());
                    // A fresh word is none of the words a test names.
                    word.is_some() && test.holds(&value) == Some(true)
                })
                .collect();
            let relations = relations.iter().map(|r| r.outcome(known)).collect();
            cells.push(Cell {
                tests,
                relations,
                point: point.iter().map(|c| Q::from_integer((*c).into())).collect(),
                constraints: Vec::new(),
            });
        }
        let mut digit = 0;
        loop {
            let Some(slot) = pick.get_mut(digit) else {
                return Ok(cells);
            };
            *slot += 1;
            if *slot < choices.get(digit).map_or(0, Vec::len) {
                break;
            }
            *slot = 0;
            digit += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::arith::{self, Reading as ArithReading};
    use proptest::prelude::*;

    fn fact(n: u32) -> Number {
        Number::Fact(FactId(n))
    }

    /// Expressions over facts 0 and 1 and small constants: sums, negations,
    /// products with constants, divisions by literals.
    fn expression() -> impl Strategy<Value = Number> {
        let leaf = prop_oneof![
            (0u32..2).prop_map(fact),
            prop::sample::select(vec![-2.0, 0.0, 0.5, 1.0, 3.0]).prop_map(Number::Const),
        ];
        leaf.prop_recursive(3, 10, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|n| Number::Neg(Box::new(n))),
                prop::collection::vec(inner.clone(), 2..3).prop_map(Number::Sum),
                (
                    inner,
                    prop::sample::select(vec![1.0, 2.0, -0.5]),
                    any::<bool>()
                )
                    .prop_map(|(n, c, divide)| match divide {
                        true => Number::Product {
                            factors: vec![n],
                            divisors: vec![c]
                        },
                        false => Number::Product {
                            factors: vec![Number::Const(c), n],
                            divisors: vec![]
                        },
                    }),
            ]
        })
    }

    fn state() -> impl Strategy<Value = Option<f64>> {
        prop::option::weighted(0.6, prop::sample::select(vec![-1.0, 0.0, 1.5, 4.0]))
    }

    proptest! {
        /// A relation's outcome is the evaluators', fact by fact known or
        /// unknown within a range.
        #[test]
        fn outcomes_are_the_evaluators(
            lhs in expression(),
            rhs in expression(),
            op in prop::sample::select(vec![CompareOp::Eq, CompareOp::Ne, CompareOp::Lt, CompareOp::Le, CompareOp::Gt, CompareOp::Ge]),
            values in (state(), state()),
            ranged in any::<bool>(),
        ) {
            let range = match ranged {
                true => NumberRange { lo: Some(-1.0), hi: Some(4.0) },
                false => NumberRange::ANY,
            };
            let value = |f: FactId| if f.0 == 0 { values.0 } else { values.1 };
            let expected = arith::evaluate(op, &lhs, &rhs, |f| ArithReading::of(value(f), range));
            let relation = Relation::of(op, &lhs, &rhs).unwrap();
            let actual = relation.outcome(|f| match value(f).and_then(decimal) {
                Some(x) => Reading::Known(x),
                None => Reading::Unknown(bounds_of(range)),
            });
            prop_assert_eq!(actual, expected, "{:?} {:?} {:?} at {:?}", lhs, op, rhs, values);
        }
    }

    #[test]
    fn products_of_facts_are_no_relation() {
        let product = Number::Product {
            factors: vec![fact(0), fact(1)],
            divisors: vec![],
        };
        assert_eq!(
            Relation::of(CompareOp::Ge, &product, &Number::Const(1.0)),
            None
        );
    }

    #[test]
    fn one_fact_with_a_decimal_threshold_is_a_test() {
        let twice = Number::Product {
            factors: vec![Number::Const(2.0), fact(0)],
            divisors: vec![],
        };
        let relation = Relation::of(CompareOp::Ge, &twice, &Number::Const(2000.0)).unwrap();
        assert_eq!(
            relation.as_test(),
            Some((FactId(0), Test::Number(CompareOp::Ge, 1000.0)))
        );
        // -x <= -5 is x >= 5; 3x >= 10 has no decimal threshold.
        let negated = Relation::of(
            CompareOp::Le,
            &Number::Neg(Box::new(fact(0))),
            &Number::Const(-5.0),
        )
        .unwrap();
        assert_eq!(
            negated.as_test(),
            Some((FactId(0), Test::Number(CompareOp::Ge, 5.0)))
        );
        let thrice = Number::Product {
            factors: vec![Number::Const(3.0), fact(0)],
            divisors: vec![],
        };
        assert_eq!(
            Relation::of(CompareOp::Ge, &thrice, &Number::Const(10.0))
                .unwrap()
                .as_test(),
            None
        );
        // x - x >= 0: two signs, no test.
        let difference = Number::Sum(vec![fact(0), Number::Neg(Box::new(fact(0)))]);
        assert_eq!(
            Relation::of(CompareOp::Ge, &difference, &Number::Const(0.0))
                .unwrap()
                .as_test(),
            None
        );
    }

    #[test]
    fn decimal_text_is_exact_or_nothing() {
        let q = |n: i64, d: i64| Q::new(n.into(), d.into());
        assert_eq!(decimal_text(&q(1, 8)).as_deref(), Some("0.125"));
        assert_eq!(decimal_text(&q(-5, 2)).as_deref(), Some("-2.5"));
        assert_eq!(decimal_text(&q(1000, 1)).as_deref(), Some("1000"));
        assert_eq!(decimal_text(&q(1, 3)), None);
    }

    #[test]
    fn cells_of_a_threshold_and_a_comparison() {
        // troops >= min (both free, min from 0 to 100) and troops >= 50.
        let relation = Relation::of(CompareOp::Ge, &fact(0), &fact(1)).unwrap();
        let bounds = vec![
            Bounds::default(),
            Bounds {
                lo: Some(Q::zero()),
                hi: Some(Q::from_integer(100.into())),
            },
        ];
        let free = |f: FactId| Reading::Free(f.0 as usize);
        let found = cells(
            &bounds,
            &[(0, Test::Number(CompareOp::Ge, 50.0))],
            std::slice::from_ref(&relation),
            free,
            &Budget::new(u64::MAX),
        )
        .unwrap();
        let outcomes: std::collections::BTreeSet<(bool, Tri)> =
            found.iter().map(|c| (c.tests[0], c.relations[0])).collect();
        assert_eq!(
            outcomes.into_iter().collect::<Vec<_>>(),
            vec![
                (false, Tri::False),
                (false, Tri::True),
                (true, Tri::False),
                (true, Tri::True)
            ]
        );
        // With `min` unknown (0 to 100), `troops >= min` holds for sure
        // only from 100 on.
        let unknown_min = |f: FactId| match f.0 {
            0 => Reading::Free(0),
            _ => Reading::Unknown(bounds[1].clone()),
        };
        let found = cells(
            &bounds[..1],
            &[],
            std::slice::from_ref(&relation),
            unknown_min,
            &Budget::new(u64::MAX),
        )
        .unwrap();
        let mut seen: Vec<(Tri, Q)> = found
            .iter()
            .map(|c| (c.relations[0], c.point[0].clone()))
            .collect();
        seen.sort_by(|a, b| a.1.cmp(&b.1));
        // Below 0, at 0, between, at 100, above.
        assert_eq!(
            seen.iter().map(|(t, _)| *t).collect::<Vec<_>>(),
            vec![Tri::False, Tri::Unknown, Tri::Unknown, Tri::True, Tri::True]
        );
    }
}

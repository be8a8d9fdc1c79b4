//! Arithmetic on numbers that may be unknown: the one definition every
//! evaluator uses.
//!
//! **One principle.** An unknown number stands for every value it could
//! take (every value of its declared range, every number without one),
//! and each operator
//! takes the widest answer over its operands independently: interval
//! arithmetic, as Kleene's logic is for conditions. A comparison is
//! satisfied when it holds for every pair of values its two sides can take,
//! unsatisfied when it holds for none, undetermined otherwise. So `0 * x`
//! is `0` whatever `x` is, and `x - x >= 0` is undetermined when `x` is
//! unknown: each occurrence of `x` stands for any value on its own, as in
//! `a or not a`.
//!
//! **Exact.** Numbers are the decimals written in rules and facts, and the
//! arithmetic is exact: `0.1 + 0.2 == 0.3` is satisfied, and no result is
//! ever rounded into a wrong verdict, whatever its size. Two forms compute
//! the same thing:
//!
//! - [`Fast`] works in 64-bit floats and carries a bound on how far each
//!   end of its interval may be from the exact one (zero while everything
//!   is a whole number below 2^53, as most facts are). It decides a
//!   comparison only when the two sides are further apart than their
//!   error bounds, and says it cannot otherwise.
//! - [`Exact`] works in rational numbers of any size and always decides;
//!   it is what [`compare`] falls back to when [`Fast`] cannot.
//!
//! [`evaluate`] runs both over a compiled [`NumExpr`] (or the checker's
//! expression, for explanations); the tree walker, the batch kernel and
//! plans call it, and generated code writes the same calls
//! out (`tests/arith.rs` checks [`Fast`] against [`Exact`]).

use std::cmp::Ordering;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};

use super::Tri;
use crate::check::{FactId, Number};
use crate::compile::{NumExpr, Slot};
use crate::syntax::ast::{CompareOp, NumberRange};

/// Integers up to this magnitude are exact in a 64-bit float.
const EXACT_LIMIT: f64 = 9_007_199_254_740_992.0;

/// The values a number expression can take, in 64-bit floats: every
/// number from `lo` to `hi` (infinite ends where unbounded), each end
/// within `err` of the exact one.
///
/// ```
/// use prereq::eval::arith::Fast;
/// use prereq::Tri;
/// use prereq::syntax::ast::CompareOp;
/// let troops = Fast::known(Some(12_000.0));
/// let doubled = troops * Fast::known(Some(2.0));
/// assert_eq!(doubled.decide(CompareOp::Ge, Fast::known(Some(24_000.0))), Some(Tri::True));
/// // Unknown: any value, so nothing decides `x - x >= 0`...
/// let x = Fast::known(None);
/// assert_eq!((x + -x).decide(CompareOp::Ge, Fast::known(Some(0.0))), Some(Tri::Unknown));
/// // ...but `0 * x` is 0 whatever `x` is.
/// assert_eq!((Fast::known(Some(0.0)) * x).decide(CompareOp::Eq, Fast::known(Some(0.0))), Some(Tri::True));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fast {
    lo: f64,
    hi: f64,
    err: f64,
}

impl Fast {
    /// A number: a known value (the decimal it was written as), or
    /// unknown (any value).
    #[inline]
    pub fn known(value: Option<f64>) -> Fast {
        Fast::read(Reading::from(value))
    }

    /// A number fact with a range: its value, or unknown and so any value
    /// from `lo` to `hi` (a bound left out is none).
    #[inline]
    pub fn within(value: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> Fast {
        Fast::read(Reading::of(value, NumberRange { lo, hi }))
    }

    /// A reading: a point, or the interval of a range.
    #[inline]
    pub fn read(reading: Reading) -> Fast {
        // A decimal that is not whole is the float nearest to it, within
        // half a unit in the last place.
        let error = |x: f64| if is_whole(x) { 0.0 } else { rounding(x) };
        match reading {
            Reading::Known(x) => Fast {
                lo: x,
                hi: x,
                err: error(x),
            },
            Reading::Unknown(range) => {
                let lo = range.lo.unwrap_or(f64::NEG_INFINITY);
                let hi = range.hi.unwrap_or(f64::INFINITY);
                let err = range.lo.map_or(0.0, error).max(range.hi.map_or(0.0, error));
                Fast { lo, hi, err }
            }
        }
    }

    /// Whether `self OP other` holds for every pair of values (true), for
    /// none (false) or for some (unknown); `None` when the two sides are
    /// too close for floats to tell, and [`Exact`] must.
    #[inline]
    pub fn decide(self, op: CompareOp, other: Fast) -> Option<Tri> {
        let err = self.err + other.err;
        if err == 0.0 && self.lo == self.hi && other.lo == other.hi {
            // Two exact points, as for known whole facts: compared at once.
            return Some(Tri::from(op.holds(&self.lo, &other.lo)));
        }
        let order = |a: f64, b: f64| certain_order(a, b, err);
        decide_with(op, [self.lo, self.hi], [other.lo, other.hi], order)
    }

    fn checked(lo: f64, hi: f64, err: f64) -> Fast {
        let err = if lo.is_nan() || hi.is_nan() || err.is_nan() {
            f64::INFINITY
        } else {
            err
        };
        Fast { lo, hi, err }
    }

    /// Whether both ends are whole numbers (or unbounded) held exactly.
    fn is_exact_whole(self) -> bool {
        self.err == 0.0 && whole_or_unbounded(self.lo) && whole_or_unbounded(self.hi)
    }
}

impl std::ops::Neg for Fast {
    type Output = Fast;

    /// `-self`.
    #[inline]
    fn neg(self) -> Fast {
        Fast {
            lo: -self.hi,
            hi: -self.lo,
            err: self.err,
        }
    }
}

impl std::ops::Add<Fast> for Fast {
    type Output = Fast;

    /// `self + other`.
    #[inline]
    fn add(self, other: Fast) -> Fast {
        let whole = self.is_exact_whole() && other.is_exact_whole();
        let (lo, hi) = (self.lo + other.lo, self.hi + other.hi);
        let err = self.err
            + other.err
            + end_error(self.lo, other.lo, lo, whole).max(end_error(self.hi, other.hi, hi, whole));
        Fast::checked(lo, hi, err)
    }
}

impl std::ops::Mul<Fast> for Fast {
    type Output = Fast;

    /// `self * other`.
    #[inline]
    fn mul(self, other: Fast) -> Fast {
        let whole = self.is_exact_whole() && other.is_exact_whole();
        if self.lo == self.hi && other.lo == other.hi {
            // Two points, as for known facts: one product.
            let (p, err) = product(self.lo, self.err, other.lo, other.err, whole);
            return Fast::checked(p, p, err);
        }
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut err: f64 = 0.0;
        for x in [self.lo, self.hi] {
            for y in [other.lo, other.hi] {
                let (product, error) = product(x, self.err, y, other.err, whole);
                lo = lo.min(product);
                hi = hi.max(product);
                err = err.max(error);
            }
        }
        Fast::checked(lo, hi, err)
    }
}

impl std::ops::Div<f64> for Fast {
    type Output = Fast;

    /// `self / divisor`, a number literal other than zero.
    #[inline]
    fn div(self, divisor: f64) -> Fast {
        let divisor_err = if is_whole(divisor) {
            0.0
        } else {
            rounding(divisor)
        };
        let whole = self.is_exact_whole() && divisor_err == 0.0;
        let quotient = |x: f64| {
            let q = x / divisor;
            let exact = x.is_infinite()
                || (whole && x.abs() < EXACT_LIMIT && is_whole(q) && q * divisor == x);
            let error = match exact {
                true => 0.0,
                false => rounding(q),
            };
            (q, error)
        };
        let (a, a_err) = quotient(self.lo);
        let (b, b_err) = quotient(self.hi);
        let (lo, hi) = if divisor < 0.0 { (b, a) } else { (a, b) };
        // The divisor's own error moves each finite end by up to its
        // magnitude times the divisor's relative error (an unbounded end
        // stays unbounded).
        let finite = |x: f64| if x.is_finite() { x.abs() } else { 0.0 };
        let largest = finite(lo).max(finite(hi));
        let carried = (self.err + largest * divisor_err) / (divisor.abs() - divisor_err);
        Fast::checked(lo, hi, carried + a_err.max(b_err))
    }
}

/// A whole number small enough to be held exactly. (A cast, not
/// `fract`: without SSE4.1 that is a call into libm.)
#[inline]
fn is_whole(x: f64) -> bool {
    x.abs() <= EXACT_LIMIT && (x as i64) as f64 == x
}

#[inline]
fn whole_or_unbounded(x: f64) -> bool {
    x.is_infinite() || is_whole(x)
}

/// More than the rounding error of one operation giving `x`.
#[inline]
fn rounding(x: f64) -> f64 {
    x.abs() * f64::EPSILON + f64::from_bits(1)
}

/// The error one end of a sum or product adds: none when an operand is
/// unbounded (the end stays unbounded) or the operation on whole numbers
/// stayed below 2^53; unbounded when finite operands overflowed.
#[inline]
fn end_error(x: f64, y: f64, result: f64, whole: bool) -> f64 {
    if x.is_infinite() || y.is_infinite() {
        0.0
    } else if !result.is_finite() {
        f64::INFINITY
    } else if whole && result.abs() < EXACT_LIMIT && is_whole(result) {
        0.0
    } else {
        rounding(result)
    }
}

/// One product of two ends and its error bound. Zero times an unbounded
/// end is zero; an unbounded end times a number whose sign the error
/// leaves open cannot be bounded in floats.
#[inline]
fn product(x: f64, x_err: f64, y: f64, y_err: f64, whole: bool) -> (f64, f64) {
    if x.is_infinite() || y.is_infinite() {
        let (other, other_err) = if x.is_infinite() {
            (y, y_err)
        } else {
            (x, x_err)
        };
        return if other == 0.0 && other_err == 0.0 {
            (0.0, 0.0)
        } else if other.abs() > other_err {
            (x * y, 0.0)
        } else {
            (x * y, f64::INFINITY)
        };
    }
    let p = x * y;
    let carried = x.abs() * y_err + y.abs() * x_err + x_err * y_err;
    (p, carried + end_error(x, y, p, whole))
}

/// The order of two ends, when their error bounds leave it certain.
#[inline]
fn certain_order(a: f64, b: f64, err: f64) -> Option<Ordering> {
    // An unbounded error (an overflow, an unbounded end whose sign floats
    // could not tell) leaves every end in doubt, infinite ones too.
    if !err.is_finite() {
        return None;
    }
    if a.is_infinite() || b.is_infinite() || err == 0.0 {
        return a.partial_cmp(&b);
    }
    let gap = a - b;
    let margin = 2.0 * (err + rounding(gap));
    if !margin.is_finite() {
        None
    } else if gap > margin {
        Some(Ordering::Greater)
    } else if gap < -margin {
        Some(Ordering::Less)
    } else {
        None
    }
}

/// A comparison of two intervals `[l0, l1]` and `[r0, r1]`, given how to
/// order two ends (`None`: cannot tell). Satisfied when the operator holds
/// for every pair of values, unsatisfied when for none.
#[inline]
fn decide_with(
    op: CompareOp,
    [l0, l1]: [f64; 2],
    [r0, r1]: [f64; 2],
    order: impl Fn(f64, f64) -> Option<Ordering>,
) -> Option<Tri> {
    decide_ends(op, [&l0, &l1], [&r0, &r1], |a, b| order(*a, *b))
}

#[inline]
fn decide_ends<T>(
    op: CompareOp,
    [l0, l1]: [&T; 2],
    [r0, r1]: [&T; 2],
    order: impl Fn(&T, &T) -> Option<Ordering>,
) -> Option<Tri> {
    use Ordering::{Equal, Greater, Less};
    // Each answer from two questions: does it always hold, does it never.
    let answer = |always: Option<bool>, never: Option<bool>| match (always, never) {
        (Some(true), _) => Some(Tri::True),
        (_, Some(true)) => Some(Tri::False),
        (Some(false), Some(false)) => Some(Tri::Unknown),
        _ => None,
    };
    match op {
        CompareOp::Lt => answer(
            order(l1, r0).map(|o| o == Less),
            order(l0, r1).map(|o| o != Less),
        ),
        CompareOp::Le => answer(
            order(l1, r0).map(|o| o != Greater),
            order(l0, r1).map(|o| o == Greater),
        ),
        CompareOp::Gt => decide_ends(CompareOp::Lt, [r0, r1], [l0, l1], order),
        CompareOp::Ge => decide_ends(CompareOp::Le, [r0, r1], [l0, l1], order),
        CompareOp::Eq => {
            let disjoint = match (order(l1, r0), order(r1, l0)) {
                (Some(Less), _) | (_, Some(Less)) => Some(true),
                (Some(_), Some(_)) => Some(false),
                _ => None,
            };
            let one_point = [order(l0, l1), order(l1, r0), order(r0, r1)];
            let same_point = match one_point {
                [Some(Equal), Some(Equal), Some(Equal)] => Some(true),
                [a, b, c] if [a, b, c].iter().any(|o| o.is_some_and(|o| o != Equal)) => Some(false),
                _ => None,
            };
            answer(same_point, disjoint)
        }
        CompareOp::Ne => decide_ends(CompareOp::Eq, [l0, l1], [r0, r1], order).map(|t| !t),
    }
}

/// One end of an exact interval: a rational number, or unbounded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum End {
    Below,
    At(BigRational),
    Above,
}

/// The values a number expression can take, exactly: the reference
/// [`Fast`] is checked against, and what decides when it cannot.
///
/// ```
/// use prereq::eval::arith::Exact;
/// use prereq::Tri;
/// use prereq::syntax::ast::CompareOp;
/// let sum = Exact::known(Some(0.1)) + Exact::known(Some(0.2));
/// assert_eq!(sum.compare(CompareOp::Eq, &Exact::known(Some(0.3))), Tri::True);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Exact {
    lo: End,
    hi: End,
}

impl Exact {
    /// A number: a known value (the decimal it was written as), or
    /// unknown (any value).
    pub fn known(value: Option<f64>) -> Exact {
        Exact::read(Reading::from(value))
    }

    /// A number fact with a range: its value, or unknown and so any value
    /// from `lo` to `hi` (a bound left out is none).
    pub fn within(value: Option<f64>, lo: Option<f64>, hi: Option<f64>) -> Exact {
        Exact::read(Reading::of(value, NumberRange { lo, hi }))
    }

    /// A reading: a point, or the interval of a range.
    pub fn read(reading: Reading) -> Exact {
        let end = |bound: Option<f64>, unbounded: End| match bound.and_then(decimal) {
            Some(x) => End::At(x),
            None => unbounded,
        };
        match reading {
            Reading::Known(x) => Exact {
                lo: end(Some(x), End::Below),
                hi: end(Some(x), End::Above),
            },
            Reading::Unknown(range) => Exact {
                lo: end(range.lo, End::Below),
                hi: end(range.hi, End::Above),
            },
        }
    }

    /// Whether `self OP other` holds for every pair of values (true), for
    /// none (false) or for some (unknown).
    pub fn compare(&self, op: CompareOp, other: &Exact) -> Tri {
        decide_ends(op, [&self.lo, &self.hi], [&other.lo, &other.hi], |a, b| {
            Some(a.cmp(b))
        })
        .unwrap_or(Tri::Unknown)
    }
}

impl std::ops::Neg for Exact {
    type Output = Exact;

    /// `-self`.
    fn neg(self) -> Exact {
        let flip = |end: End| match end {
            End::Below => End::Above,
            End::Above => End::Below,
            End::At(x) => End::At(-x),
        };
        Exact {
            lo: flip(self.hi),
            hi: flip(self.lo),
        }
    }
}

impl std::ops::Add<Exact> for Exact {
    type Output = Exact;

    /// `self + other`.
    fn add(self, other: Exact) -> Exact {
        let sum = |a: End, b: End, unbounded: End| match (a, b) {
            (End::At(x), End::At(y)) => End::At(x + y),
            _ => unbounded,
        };
        Exact {
            lo: sum(self.lo, other.lo, End::Below),
            hi: sum(self.hi, other.hi, End::Above),
        }
    }
}

impl std::ops::Mul<Exact> for Exact {
    type Output = Exact;

    /// `self * other`.
    fn mul(self, other: Exact) -> Exact {
        let products = [
            end_product(&self.lo, &other.lo),
            end_product(&self.lo, &other.hi),
            end_product(&self.hi, &other.lo),
            end_product(&self.hi, &other.hi),
        ];
        let lo = products.iter().min().cloned().unwrap_or(End::Below);
        let hi = products.into_iter().max().unwrap_or(End::Above);
        Exact { lo, hi }
    }
}

impl std::ops::Div<f64> for Exact {
    type Output = Exact;

    /// `self / divisor`, a number literal other than zero (a zero divisor
    /// gives every value; the checker refuses it).
    fn div(self, divisor: f64) -> Exact {
        match decimal(divisor).filter(|d| !d.is_zero()) {
            Some(d) => {
                let reciprocal = End::At(d.recip());
                // Division by a number is multiplication by its reciprocal.
                std::ops::Mul::mul(
                    self,
                    Exact {
                        lo: reciprocal.clone(),
                        hi: reciprocal,
                    },
                )
            }
            None => Exact::known(None),
        }
    }
}

/// The product of two ends; zero times an unbounded end is zero.
fn end_product(a: &End, b: &End) -> End {
    let sign = |end: &End| match end {
        End::Below => Ordering::Less,
        End::Above => Ordering::Greater,
        End::At(x) => x.cmp(&BigRational::zero()),
    };
    match (a, b) {
        (End::At(x), End::At(y)) => End::At(x * y),
        _ => match (sign(a), sign(b)) {
            (Ordering::Equal, _) | (_, Ordering::Equal) => End::At(BigRational::zero()),
            (x, y) if x == y => End::Above,
            _ => End::Below,
        },
    }
}

/// The decimal a float was written as (its shortest form), exactly.
pub(crate) fn decimal(x: f64) -> Option<BigRational> {
    if !x.is_finite() {
        return None;
    }
    let text = format!("{x}");
    let (digits, negative) = match text.strip_prefix('-') {
        Some(rest) => (rest, true),
        None => (text.as_str(), false),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let numerator: BigInt = format!("{whole}{fraction}").parse().ok()?;
    let denominator = num_traits::pow(BigInt::from(10), fraction.len());
    let value = BigRational::new(numerator, denominator);
    Some(if negative { -value } else { value })
}

/// What an evaluator reads of a number fact: its value, or that it is
/// unknown and so any value of its range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reading {
    /// The fact's value.
    Known(f64),
    /// Not known: any value of the range.
    Unknown(NumberRange),
}

impl Reading {
    /// The value if known, else the range.
    #[inline]
    pub fn of(value: Option<f64>, range: NumberRange) -> Reading {
        match value {
            Some(x) => Reading::Known(x),
            None => Reading::Unknown(range),
        }
    }
}

/// A value, or unknown and so any number at all.
impl From<Option<f64>> for Reading {
    #[inline]
    fn from(value: Option<f64>) -> Reading {
        Reading::of(value, NumberRange::ANY)
    }
}

/// A number expression as the evaluators here read it: the compiled
/// [`NumExpr`] (inputs are slots), or the checker's
/// [`Number`](crate::check::Number) (inputs are facts, for explanations).
pub trait Expression: Sized {
    /// What names an input value.
    type Input: Copy;

    /// The expression's outermost operator and its operands.
    fn shape(&self) -> Shape<'_, Self, Self::Input>;
}

/// The outermost form of an [`Expression`].
pub enum Shape<'a, E, I> {
    /// A literal.
    Const(f64),
    /// An input's value.
    Input(I),
    /// `-a`
    Neg(&'a E),
    /// `a + b + …`
    Sum(&'a [E]),
    /// The product of the factors divided by each divisor.
    Product(&'a [E], &'a [f64]),
}

/// A compiled fact is read with its range: the input is both.
impl Expression for NumExpr {
    type Input = (Slot, NumberRange);

    fn shape(&self) -> Shape<'_, NumExpr, (Slot, NumberRange)> {
        match self {
            NumExpr::Const(value) => Shape::Const(*value),
            NumExpr::Fact { slot, range } => Shape::Input((*slot, *range)),
            NumExpr::Neg(inner) => Shape::Neg(inner),
            NumExpr::Sum(terms) => Shape::Sum(terms),
            NumExpr::Product { factors, divisors } => Shape::Product(factors, divisors),
        }
    }
}

impl Expression for Number {
    type Input = FactId;

    fn shape(&self) -> Shape<'_, Number, FactId> {
        match self {
            Number::Const(value) => Shape::Const(*value),
            Number::Fact(fact) => Shape::Input(*fact),
            Number::Neg(inner) => Shape::Neg(inner),
            Number::Sum(terms) => Shape::Sum(terms),
            Number::Product { factors, divisors } => Shape::Product(factors, divisors),
        }
    }
}

/// `lhs OP rhs` over an expression's inputs: in floats when they decide,
/// exactly otherwise. `input` reads each input: its value, or unknown
/// within a range.
///
/// ```
/// use prereq::compile::{NumExpr, Slot};
/// use prereq::eval::arith::{Reading, evaluate};
/// use prereq::syntax::ast::{CompareOp, NumberRange};
/// use prereq::Tri;
/// // uk_troops + france_troops >= 20000
/// let troops = |i| NumExpr::Fact { slot: Slot::Entity(i), range: NumberRange::ANY };
/// let sum = NumExpr::Sum(Box::new([troops(0), troops(1)]));
/// let goal = NumExpr::Const(20_000.0);
/// let facts = |(slot, _)| match slot {
///     Slot::Entity(0) => Reading::Known(12_000.0),
///     _ => Reading::Known(10_000.0),
/// };
/// assert_eq!(evaluate(CompareOp::Ge, &sum, &goal, facts), Tri::True);
/// // Unknown, but never negative: `troops_offered >= 0` holds all the same.
/// let offered = NumExpr::Fact { slot: Slot::Entity(0), range: NumberRange { lo: Some(0.0), hi: None } };
/// let unknown = |(_, range)| Reading::Unknown(range);
/// assert_eq!(evaluate(CompareOp::Ge, &offered, &NumExpr::Const(0.0), unknown), Tri::True);
/// ```
pub fn evaluate<E: Expression>(
    op: CompareOp,
    lhs: &E,
    rhs: &E,
    input: impl Fn(E::Input) -> Reading,
) -> Tri {
    compare(op, fast(lhs, &input), fast(rhs, &input), || {
        (exact(lhs, &input), exact(rhs, &input))
    })
}

/// `fact OP constant` for a fact that is unknown: any value of `range`.
/// Evaluators that compare a column with a constant compute it once, and
/// give it to every entity that lacks the fact.
///
/// ```
/// use prereq::eval::arith::range_outcome;
/// use prereq::syntax::ast::{CompareOp, NumberRange};
/// use prereq::Tri;
/// let troops = NumberRange { lo: Some(0.0), hi: Some(30_000.0) };
/// assert_eq!(range_outcome(CompareOp::Ge, troops, 0.0), Tri::True);
/// assert_eq!(range_outcome(CompareOp::Gt, troops, 60_000.0), Tri::False);
/// assert_eq!(range_outcome(CompareOp::Ge, troops, 1.0), Tri::Unknown);
/// ```
pub fn range_outcome(op: CompareOp, range: NumberRange, constant: f64) -> Tri {
    let (unknown, constant) = (Reading::Unknown(range), Reading::Known(constant));
    compare(op, Fast::read(unknown), Fast::read(constant), || {
        (Exact::read(unknown), Exact::read(constant))
    })
}

/// The verdict of a comparison from its two sides in floats, asking for
/// them exactly (`exact`) only when floats cannot tell.
#[inline]
pub fn compare(op: CompareOp, lhs: Fast, rhs: Fast, exact: impl FnOnce() -> (Exact, Exact)) -> Tri {
    match lhs.decide(op, rhs) {
        Some(verdict) => verdict,
        None => {
            let (lhs, rhs) = exact();
            lhs.compare(op, &rhs)
        }
    }
}

/// An expression's values in floats.
pub fn fast<E: Expression>(expr: &E, input: &impl Fn(E::Input) -> Reading) -> Fast {
    match expr.shape() {
        Shape::Const(value) => Fast::known(Some(value)),
        Shape::Input(name) => Fast::read(input(name)),
        Shape::Neg(inner) => -fast(inner, input),
        Shape::Sum(terms) => fold(terms, |t| fast(t, input), |a, b| a + b),
        Shape::Product(factors, divisors) => divisors.iter().fold(
            fold(factors, |f| fast(f, input), |a, b| a * b),
            |value, d| value / *d,
        ),
    }
}

/// An expression's values, exactly.
pub fn exact<E: Expression>(expr: &E, input: &impl Fn(E::Input) -> Reading) -> Exact {
    match expr.shape() {
        Shape::Const(value) => Exact::known(Some(value)),
        Shape::Input(name) => Exact::read(input(name)),
        Shape::Neg(inner) => -exact(inner, input),
        Shape::Sum(terms) => fold(terms, |t| exact(t, input), |a, b| a + b),
        Shape::Product(factors, divisors) => divisors.iter().fold(
            fold(factors, |f| exact(f, input), |a, b| a * b),
            |value, d| value / *d,
        ),
    }
}

/// The parts combined left to right. (The checker makes no empty sum or
/// product; one would be unknown.)
fn fold<E, T>(parts: &[E], value: impl Fn(&E) -> T, combine: fn(T, T) -> T) -> T
where
    T: From<Reading>,
{
    let mut values = parts.iter().map(value);
    match values.next() {
        Some(first) => values.fold(first, combine),
        None => T::from(Reading::Unknown(NumberRange::ANY)),
    }
}

impl From<Reading> for Fast {
    fn from(reading: Reading) -> Fast {
        Fast::read(reading)
    }
}

impl From<Reading> for Exact {
    fn from(reading: Reading) -> Exact {
        Exact::read(reading)
    }
}

/// Whether an exact interval's ends are both bounded (for tests).
#[doc(hidden)]
pub fn is_bounded(value: &Exact) -> bool {
    matches!((&value.lo, &value.hi), (End::At(_), End::At(_))) && value.lo <= value.hi
}

impl Exact {
    /// Whether the exact interval contains the float interval's ends as
    /// far as their error allows — that `fast` is a sound view of `self`
    /// (for tests).
    #[doc(hidden)]
    pub fn is_approximated_by(&self, fast: &Fast) -> bool {
        let within = |end: &End, x: f64| match end {
            End::Below => x == f64::NEG_INFINITY,
            End::Above => x == f64::INFINITY,
            End::At(exact) => match decimal_of_float(x) {
                Some(approx) => {
                    let gap = (exact - approx).abs();
                    fast.err.is_infinite()
                        || decimal_of_float(fast.err).is_some_and(|err| gap <= err)
                }
                None => fast.err.is_infinite(),
            },
        };
        within(&self.lo, fast.lo) && within(&self.hi, fast.hi)
    }
}

/// A float's own binary value, exactly.
fn decimal_of_float(x: f64) -> Option<BigRational> {
    BigRational::from_float(x)
}

//! Linear arithmetic over the rationals: the exact reasoning behind the
//! analyses of comparisons between facts and of arithmetic on them.
//!
//! A comparison such as `troops_offered >= min_contingent` or `uk_troops +
//! france_troops >= 20000` is a *linear form* of the facts compared with
//! zero. Which values the facts can take together is a question about
//! many such forms at once: does some point give each form the sign asked
//! for? [`solve`] answers it exactly — Gaussian elimination of the
//! equalities, then Fourier–Motzkin elimination of the variables one by
//! one, strict and non-strict inequalities kept apart — and gives such a
//! point, with the simplest decimals it can find. [`cells`] lists every
//! sign a set of forms can take together: the cells of their arrangement,
//! which play for several facts the part that regions of values play for
//! one.
//!
//! Numbers are reasoned about as exact rationals. A condition only
//! fractions meet (`3 * x == 1`) is treated as satisfiable; every value the
//! analyses propose or give as an example is a decimal a fact can hold.
//!
//! Every row combined is paid for by the [`Budget`] of the question: the
//! elimination is exponential in the worst case, and a question beyond the
//! budget says so rather than guess.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, Zero};

use super::budget::{Budget, Exhausted};

/// A rational number, exactly.
pub(crate) type Q = BigRational;

/// A linear form `Σ coefficient · x_variable + constant`, its terms sorted
/// by variable, none with a zero coefficient.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Form {
    pub(crate) terms: Vec<(usize, Q)>,
    pub(crate) constant: Q,
}

impl Form {
    /// `coefficient · x_variable`, summed over `terms` (repeated variables
    /// added up), plus `constant`.
    pub(crate) fn new(terms: impl IntoIterator<Item = (usize, Q)>, constant: Q) -> Form {
        let mut terms: Vec<(usize, Q)> = terms.into_iter().collect();
        terms.sort_by_key(|(variable, _)| *variable);
        let mut merged: Vec<(usize, Q)> = Vec::with_capacity(terms.len());
        for (variable, coefficient) in terms {
            match merged.last_mut() {
                Some((last, sum)) if *last == variable => *sum += coefficient,
                _ => merged.push((variable, coefficient)),
            }
        }
        merged.retain(|(_, c)| !c.is_zero());
        Form {
            terms: merged,
            constant,
        }
    }

    /// The form plus `c`.
    pub(crate) fn plus(&self, c: &Q) -> Form {
        Form {
            terms: self.terms.clone(),
            constant: &self.constant + c,
        }
    }

    /// The form's value at a point (variables past its end count as zero).
    pub(crate) fn at(&self, point: &[Q]) -> Q {
        self.terms
            .iter()
            .fold(self.constant.clone(), |sum, (variable, coefficient)| {
                sum + coefficient * point.get(*variable).cloned().unwrap_or_else(Q::zero)
            })
    }

    /// The form scaled by a positive number so that its first coefficient
    /// is 1 or -1 (or, constant, the form itself): forms with the same
    /// zero set and sides compare equal.
    pub(crate) fn normalised(&self) -> Form {
        let Some((_, first)) = self.terms.first() else {
            return self.clone();
        };
        let scale = first.abs().recip();
        Form {
            terms: self.terms.iter().map(|(v, c)| (*v, c * &scale)).collect(),
            constant: &self.constant * &scale,
        }
    }
}

/// The sign of a number: below zero, zero, above zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Sign {
    Negative,
    Zero,
    Positive,
}

impl Sign {
    /// Every sign, in order.
    pub(crate) const ALL: [Sign; 3] = [Sign::Negative, Sign::Zero, Sign::Positive];

    /// The sign of `q`.
    pub(crate) fn of(q: &Q) -> Sign {
        if q.is_negative() {
            Sign::Negative
        } else if q.is_zero() {
            Sign::Zero
        } else {
            Sign::Positive
        }
    }
}

/// A bound found for a variable: a value, and whether it is excluded.
type Bound = Option<(Q, bool)>;

/// A cell of an arrangement: a sign per form, and a point with those signs.
pub(crate) type Cell = (Vec<Sign>, Vec<Q>);

/// Inclusive bounds on a variable; `None` where unbounded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub(crate) struct Bounds {
    pub(crate) lo: Option<Q>,
    pub(crate) hi: Option<Q>,
}

/// How a row relates its form to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    /// `form = 0`
    Equal,
    /// `form > 0`
    Above,
    /// `form >= 0`
    AtLeast,
}

/// A row: `coefficients · x + constant` (dense, one per variable) against zero.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Row {
    coefficients: Vec<Q>,
    constant: Q,
    kind: Kind,
}

impl Row {
    fn of(form: &Form, sign: Sign, variables: usize) -> Row {
        let mut coefficients = vec![Q::zero(); variables];
        for (variable, coefficient) in &form.terms {
            if let Some(cell) = coefficients.get_mut(*variable) {
                *cell = coefficient.clone();
            }
        }
        let row = Row {
            coefficients,
            constant: form.constant.clone(),
            kind: Kind::Above,
        };
        match sign {
            Sign::Positive => row,
            Sign::Zero => Row {
                kind: Kind::Equal,
                ..row
            },
            Sign::Negative => row.negated(),
        }
    }

    fn negated(self) -> Row {
        Row {
            coefficients: self.coefficients.into_iter().map(|c| -c).collect(),
            constant: -self.constant,
            kind: self.kind,
        }
    }

    fn coefficient(&self, variable: usize) -> Q {
        self.coefficients
            .get(variable)
            .cloned()
            .unwrap_or_else(Q::zero)
    }

    /// `self * a + other * b` (a and b positive for inequalities).
    fn combined(&self, a: &Q, other: &Row, b: &Q) -> Row {
        let kind = match (self.kind, other.kind) {
            (Kind::Above, _) | (_, Kind::Above) => Kind::Above,
            _ => Kind::AtLeast,
        };
        Row {
            coefficients: self
                .coefficients
                .iter()
                .zip(&other.coefficients)
                .map(|(x, y)| x * a + y * b)
                .collect(),
            constant: &self.constant * a + &other.constant * b,
            kind,
        }
    }

    /// Whether the row is a constant that holds.
    fn constant_holds(&self) -> Option<bool> {
        if self.coefficients.iter().any(|c| !c.is_zero()) {
            return None;
        }
        Some(match self.kind {
            Kind::Equal => self.constant.is_zero(),
            Kind::Above => self.constant.is_positive(),
            Kind::AtLeast => !self.constant.is_negative(),
        })
    }

    /// The row scaled so its first nonzero coefficient is ±1, for
    /// dropping repeated rows.
    fn normalised(self) -> Row {
        let Some(first) = self.coefficients.iter().find(|c| !c.is_zero()).cloned() else {
            return self;
        };
        let scale = first.abs().recip();
        Row {
            coefficients: self.coefficients.iter().map(|c| c * &scale).collect(),
            constant: &self.constant * &scale,
            kind: self.kind,
        }
    }
}

/// A variable eliminated, and how to give it a value once the variables
/// eliminated after it have theirs.
enum Step {
    /// By an equality: `x = -(rest · x + constant) / coefficient`.
    Substituted { variable: usize, row: Row },
    /// By Fourier–Motzkin: the rows that bounded it.
    Eliminated { variable: usize, rows: Vec<Row> },
}

/// Whether some point, within `bounds` (one per variable), gives each
/// form its sign; such a point if so, each coordinate the simplest
/// decimal the elimination allows (`None`: no point). Every row combined
/// is paid for by `budget`.
pub(crate) fn solve(
    bounds: &[Bounds],
    constraints: &[(Form, Sign)],
    budget: &Budget,
) -> Result<Option<Vec<Q>>, Exhausted> {
    let variables = bounds.len();
    let mut rows: Vec<Row> = constraints
        .iter()
        .map(|(form, sign)| Row::of(form, *sign, variables))
        .collect();
    for (variable, bound) in bounds.iter().enumerate() {
        let unit = Form::new([(variable, Q::one())], Q::zero());
        if let Some(lo) = &bound.lo {
            let row = Row::of(&unit.plus(&-lo.clone()), Sign::Positive, variables);
            rows.push(Row {
                kind: Kind::AtLeast,
                ..row
            });
        }
        if let Some(hi) = &bound.hi {
            let row = Row::of(&unit.plus(&-hi.clone()), Sign::Negative, variables);
            rows.push(Row {
                kind: Kind::AtLeast,
                ..row
            });
        }
    }
    budget.spend(rows.len() as u64 + 1)?;
    let mut steps = Vec::with_capacity(variables);
    let mut remaining: Vec<usize> = (0..variables).collect();
    // Equalities first: each removes a variable outright.
    while let Some(at) = rows
        .iter()
        .position(|r| r.kind == Kind::Equal && r.constant_holds().is_none())
    {
        let row = rows.swap_remove(at);
        let Some(variable) = remaining
            .iter()
            .copied()
            .find(|v| !row.coefficient(*v).is_zero())
        else {
            continue;
        };
        rows = substitute(rows, variable, &row, budget)?;
        remaining.retain(|v| *v != variable);
        steps.push(Step::Substituted { variable, row });
    }
    if !constants_hold(&mut rows) {
        return Ok(None);
    }
    while !remaining.is_empty() {
        let variable = cheapest(&rows, &remaining);
        remaining.retain(|v| *v != variable);
        let (bounding, mut rest): (Vec<Row>, Vec<Row>) = rows
            .into_iter()
            .partition(|r| !r.coefficient(variable).is_zero());
        let (lower, upper): (Vec<&Row>, Vec<&Row>) = bounding
            .iter()
            .partition(|r| r.coefficient(variable).is_positive());
        budget.spend((lower.len() * upper.len()) as u64 + 1)?;
        for low in &lower {
            for high in &upper {
                let a = -high.coefficient(variable);
                let b = low.coefficient(variable);
                rest.push(low.combined(&a, high, &b).normalised());
            }
        }
        rest.sort_by(|a, b| a.constant.cmp(&b.constant));
        rest.dedup();
        rows = rest;
        if !constants_hold(&mut rows) {
            return Ok(None);
        }
        steps.push(Step::Eliminated {
            variable,
            rows: bounding,
        });
    }
    Ok(Some(point(variables, steps)))
}

/// Drops the constant rows, or says one fails.
fn constants_hold(rows: &mut Vec<Row>) -> bool {
    let mut holds = true;
    rows.retain(|row| match row.constant_holds() {
        Some(true) => false,
        Some(false) => {
            holds = false;
            false
        }
        None => true,
    });
    holds
}

/// Each row with `variable` replaced by what the equality `by` makes it.
fn substitute(
    rows: Vec<Row>,
    variable: usize,
    by: &Row,
    budget: &Budget,
) -> Result<Vec<Row>, Exhausted> {
    let pivot = by.coefficient(variable);
    rows.into_iter()
        .map(|row| {
            let c = row.coefficient(variable);
            if c.is_zero() {
                return Ok(row);
            }
            budget.spend(1)?;
            // row - (c / pivot) · by: any multiple of an equality may be
            // added to a row without changing where it holds.
            let factor = -(&c / &pivot);
            let mut sum = Row {
                kind: row.kind,
                ..row.combined(&Q::one(), by, &factor)
            };
            if let Some(cell) = sum.coefficients.get_mut(variable) {
                *cell = Q::zero();
            }
            Ok(sum)
        })
        .collect()
}

/// The variable whose elimination makes the fewest new rows.
fn cheapest(rows: &[Row], remaining: &[usize]) -> usize {
    remaining
        .iter()
        .copied()
        .min_by_key(|v| {
            let up = rows
                .iter()
                .filter(|r| r.coefficient(*v).is_positive())
                .count();
            let down = rows
                .iter()
                .filter(|r| r.coefficient(*v).is_negative())
                .count();
            up * down
        })
        .unwrap_or(0)
}

/// A point meeting every row: variables given values in the reverse order
/// of their elimination, each the simplest decimal between its bounds.
fn point(variables: usize, steps: Vec<Step>) -> Vec<Q> {
    let mut point = vec![Q::zero(); variables];
    for step in steps.into_iter().rev() {
        match step {
            Step::Eliminated { variable, rows } => {
                let (mut lo, mut hi): (Bound, Bound) = (None, None);
                for row in &rows {
                    let a = row.coefficient(variable);
                    // a·x + rest (kind) 0, rest at the point so far.
                    let rest = without(row, variable, &point);
                    let bound = -rest / &a;
                    let strict = row.kind == Kind::Above;
                    if row.kind == Kind::Equal {
                        lo = tighter(lo, (bound.clone(), false), true);
                        hi = tighter(hi, (bound, false), false);
                    } else if a.is_positive() {
                        lo = tighter(lo, (bound, strict), true);
                    } else {
                        hi = tighter(hi, (bound, strict), false);
                    }
                }
                if let Some(cell) = point.get_mut(variable) {
                    *cell = simplest_between(lo.as_ref(), hi.as_ref());
                }
            }
            Step::Substituted { variable, row } => {
                let a = row.coefficient(variable);
                let rest = without(&row, variable, &point);
                if let Some(cell) = point.get_mut(variable) {
                    *cell = -rest / a;
                }
            }
        }
    }
    point
}

/// A row's value at `point` but for its `variable` term.
fn without(row: &Row, variable: usize, point: &[Q]) -> Q {
    row.coefficients
        .iter()
        .enumerate()
        .filter(|(v, _)| *v != variable)
        .fold(row.constant.clone(), |sum, (v, c)| {
            sum + c * point.get(v).cloned().unwrap_or_else(Q::zero)
        })
}

/// The tighter of two lower (`lower`) or upper bounds; at the same value,
/// the strict one.
fn tighter(current: Bound, new: (Q, bool), lower: bool) -> Bound {
    let Some(current) = current else {
        return Some(new);
    };
    let ordering = new.0.cmp(&current.0);
    let better = match lower {
        true => ordering.is_gt(),
        false => ordering.is_lt(),
    };
    Some(match (better, ordering.is_eq()) {
        (true, _) => new,
        (false, true) => (current.0, current.1 || new.1),
        (false, false) => current,
    })
}

/// The simplest decimal between two bounds (each a value, and whether it
/// is excluded): zero if allowed, else the number of fewest decimal places
/// (up to 15), nearest zero; else the midpoint.
pub(crate) fn simplest_between(lo: Option<&(Q, bool)>, hi: Option<&(Q, bool)>) -> Q {
    let above = |x: &Q| lo.is_none_or(|(b, strict)| if *strict { x > b } else { x >= b });
    let below = |x: &Q| hi.is_none_or(|(b, strict)| if *strict { x < b } else { x <= b });
    let zero = Q::zero();
    if above(&zero) && below(&zero) {
        return zero;
    }
    if let (Some((a, false)), Some((b, false))) = (lo, hi) {
        if a == b {
            return a.clone();
        }
    }
    for places in 0..=15usize {
        let step = Q::new(BigInt::one(), num_traits::pow(BigInt::from(10), places));
        // Zero is not allowed, so the interval lies on one side of it: the
        // multiple of `step` nearest zero is the one nearest that side's bound.
        let candidate = match (lo, hi) {
            (Some((a, _)), _) if a >= &zero => {
                let m = (a / &step).ceil() * &step;
                if above(&m) { m } else { m + &step }
            }
            (_, Some((b, _))) => {
                let m = (b / &step).floor() * &step;
                if below(&m) { m } else { m - &step }
            }
            _ => break,
        };
        if above(&candidate) && below(&candidate) {
            return candidate;
        }
    }
    match (lo, hi) {
        (Some((a, _)), Some((b, _))) => (a + b) / Q::from_integer(BigInt::from(2)),
        (Some((a, _)), None) => a + Q::one(),
        (None, Some((b, _))) => b - Q::one(),
        (None, None) => zero,
    }
}

/// The signs `forms` can take together within `bounds`: every feasible
/// sign vector (one sign per form, in order) with a point that gives it.
/// A form with no variable has its own sign only.
pub(crate) fn cells(
    bounds: &[Bounds],
    forms: &[Form],
    budget: &Budget,
) -> Result<Vec<Cell>, Exhausted> {
    let mut found = Vec::new();
    let mut chosen: Vec<(Form, Sign)> = Vec::with_capacity(forms.len());
    if forms.is_empty() {
        if let Some(point) = solve(bounds, &[], budget)? {
            found.push((Vec::new(), point));
        }
        return Ok(found);
    }
    grow_cells(bounds, forms, &mut chosen, &mut found, budget)?;
    Ok(found)
}

/// Extends the signs chosen so far by each sign of the next form that
/// leaves them feasible, recording the complete ones.
fn grow_cells(
    bounds: &[Bounds],
    forms: &[Form],
    chosen: &mut Vec<(Form, Sign)>,
    found: &mut Vec<Cell>,
    budget: &Budget,
) -> Result<(), Exhausted> {
    let Some(form) = forms.get(chosen.len()) else {
        return Ok(());
    };
    for sign in Sign::ALL {
        if form.terms.is_empty() && Sign::of(&form.constant) != sign {
            continue;
        }
        chosen.push((form.clone(), sign));
        if let Some(point) = solve(bounds, chosen, budget)? {
            if chosen.len() == forms.len() {
                found.push((chosen.iter().map(|(_, s)| *s).collect(), point));
            } else {
                grow_cells(bounds, forms, chosen, found, budget)?;
            }
        }
        chosen.pop();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn q(n: i64) -> Q {
        Q::from_integer(BigInt::from(n))
    }

    fn half(n: i64) -> Q {
        Q::new(BigInt::from(n), BigInt::from(2))
    }

    fn form(terms: &[(usize, i64)], constant: i64) -> Form {
        Form::new(terms.iter().map(|(v, c)| (*v, q(*c))), q(constant))
    }

    fn budget() -> Budget {
        Budget::new(u64::MAX)
    }

    #[test]
    fn a_strict_pair_of_bounds_with_no_room_is_infeasible() {
        // x > y and y > x
        let constraints = [
            (form(&[(0, 1), (1, -1)], 0), Sign::Positive),
            (form(&[(0, -1), (1, 1)], 0), Sign::Positive),
        ];
        let bounds = vec![Bounds::default(); 2];
        assert_eq!(solve(&bounds, &constraints, &budget()).unwrap(), None);
        // x >= y and y >= x: only on the diagonal, and zero is on it.
        let point = solve(
            &bounds,
            &[
                (form(&[(0, 1), (1, -1)], 0), Sign::Zero),
                (form(&[(0, 1)], -3), Sign::Positive),
            ],
            &budget(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(point, vec![q(4), q(4)]);
    }

    #[test]
    fn points_are_the_simplest_decimals_that_fit() {
        // 1 < x < 2: one decimal place is needed.
        let point = solve(
            &[Bounds::default()],
            &[
                (form(&[(0, 1)], -1), Sign::Positive),
                (form(&[(0, 1)], -2), Sign::Negative),
            ],
            &budget(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(point, vec![Q::new(BigInt::from(11), BigInt::from(10))]);
        // Within a range from 10: the range's own bound.
        let bounds = [Bounds {
            lo: Some(q(10)),
            hi: Some(q(20)),
        }];
        assert_eq!(
            solve(&bounds, &[], &budget()).unwrap().unwrap(),
            vec![q(10)]
        );
        assert_eq!(
            simplest_between(Some(&(half(3), false)), Some(&(half(3), false))),
            half(3)
        );
    }

    #[test]
    fn cells_of_two_crossing_lines_and_a_range() {
        // x - y and x + y - 4 over 0 <= x, y <= 4: 9 sign pairs, all feasible.
        let bounds = vec![
            Bounds {
                lo: Some(q(0)),
                hi: Some(q(4)),
            };
            2
        ];
        let forms = [form(&[(0, 1), (1, -1)], 0), form(&[(0, 1), (1, 1)], -4)];
        let found = cells(&bounds, &forms, &budget()).unwrap();
        assert_eq!(found.len(), 9);
        for (signs, point) in &found {
            for (form, sign) in forms.iter().zip(signs) {
                assert_eq!(Sign::of(&form.at(point)), *sign);
            }
        }
        // x + y - 9 over the same box: always negative.
        let found = cells(&bounds, &[form(&[(0, 1), (1, 1)], -9)], &budget()).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, vec![Sign::Negative]);
    }

    #[test]
    fn the_budget_bounds_the_work() {
        let forms: Vec<Form> = (0..6).map(|i| form(&[(0, 1), (1, i)], -i)).collect();
        let bounds = vec![Bounds::default(); 2];
        assert!(cells(&bounds, &forms, &Budget::new(50)).is_err());
    }

    /// A small system: forms over two variables with small integer
    /// coefficients, each with a sign.
    fn system() -> impl Strategy<Value = Vec<(Form, Sign)>> {
        let term = (0usize..2, -2i64..=2);
        let one = (
            prop::collection::vec(term, 1..3),
            -3i64..=3,
            prop::sample::select(Sign::ALL.to_vec()),
        )
            .prop_map(|(terms, constant, sign)| (form(&terms, constant), sign));
        prop::collection::vec(one, 1..5)
    }

    proptest! {
        /// Against a search of a grid fine enough to meet every cell of such
        /// systems within the box: feasible exactly when a grid point is,
        /// and the point given meets every constraint.
        #[test]
        fn solve_agrees_with_a_grid_search(constraints in system()) {
            let bounds = vec![Bounds { lo: Some(q(-3)), hi: Some(q(3)) }; 2];
            let answer = solve(&bounds, &constraints, &budget()).unwrap();
            let meets = |p: &[Q]| constraints.iter().all(|(f, s)| Sign::of(&f.at(p)) == *s)
                && p.iter().all(|x| x >= &q(-3) && x <= &q(3));
            if let Some(point) = &answer {
                prop_assert!(meets(point), "{point:?} fails {constraints:?}");
            }
            // A grid of twelfths: where it finds a point, so must `solve`.
            let grid: Vec<Q> = (-36..=36).map(|n| Q::new(BigInt::from(n), BigInt::from(12))).collect();
            let found = grid.iter().any(|x| grid.iter().any(|y| meets(&[x.clone(), y.clone()])));
            if found {
                prop_assert!(answer.is_some(), "a grid point meets {constraints:?}");
            }
        }
    }
}

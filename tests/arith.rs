//! Arithmetic's one definition (`prereq::eval::arith`) against itself and
//! the language: the float form never decides differently from the exact
//! one, sums in any order are equal exactly, and the documented examples
//! hold in `RuleSet::evaluate`, the batch kernel, plans and codegen alike
//! (the last three are compared with the tree walker in tests/batch.rs,
//! tests/decide.rs and tests/codegen.rs on generated rules).

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use prereq::compile::{NumExpr, Slot};
use prereq::eval::arith::{self, Exact, Fast, Reading};
use prereq::syntax::ast::{CompareOp, NumberRange};
use prereq::{Facts, RuleSet, Tri, Verdict};
use proptest::prelude::*;

const OPS: [CompareOp; 6] = [
    CompareOp::Eq,
    CompareOp::Ne,
    CompareOp::Lt,
    CompareOp::Le,
    CompareOp::Gt,
    CompareOp::Ge,
];

/// Inputs: whole numbers, decimals floats hold only nearly, the largest
/// exact integers, and unknown.
const INPUTS: [Option<f64>; 10] = [
    Some(0.0),
    Some(1.0),
    Some(-7.0),
    Some(0.1),
    Some(0.2),
    Some(0.3),
    Some(1e-7),
    Some(9_007_199_254_740_992.0),
    Some(-123_456.789),
    None,
];

fn input(values: &[Option<f64>]) -> impl Fn((Slot, NumberRange)) -> Reading + '_ {
    move |(slot, range)| match slot {
        Slot::Entity(i) | Slot::World(i) => {
            Reading::of(values.get(i as usize).copied().flatten(), range)
        }
    }
}

/// Ranges a fact may be declared with (its value, when known, in it or not:
/// the arithmetic does not care, the loaders do).
const RANGES: [NumberRange; 4] = [
    NumberRange::ANY,
    NumberRange {
        lo: Some(0.0),
        hi: Some(50_000.0),
    },
    NumberRange {
        lo: Some(-0.1),
        hi: None,
    },
    NumberRange {
        lo: None,
        hi: Some(0.3),
    },
];

fn expr() -> impl Strategy<Value = NumExpr> {
    let leaf = prop_oneof![
        (0u32..4, prop::sample::select(RANGES.to_vec())).prop_map(|(i, range)| NumExpr::Fact {
            slot: Slot::Entity(i),
            range
        }),
        prop::sample::select(vec![
            0.0,
            1.0,
            3.0,
            0.1,
            0.7,
            -2.5,
            1e15,
            4_503_599_627_370_497.0
        ])
        .prop_map(NumExpr::Const),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|e| NumExpr::Neg(Box::new(e))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|t| NumExpr::Sum(t.into())),
            (
                prop::collection::vec(inner, 1..3),
                prop::collection::vec(prop::sample::select(vec![3.0, -0.1, 7.0, 0.5]), 0..2),
            )
                .prop_map(|(factors, divisors)| NumExpr::Product {
                    factors: factors.into(),
                    divisors: divisors.into(),
                }),
        ]
    })
}

fn inputs() -> impl Strategy<Value = Vec<Option<f64>>> {
    prop::collection::vec(prop::sample::select(INPUTS.to_vec()), 4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Where floats decide, they decide as exact arithmetic does; the
    /// combined answer is always the exact one.
    #[test]
    fn floats_decide_only_as_exact_arithmetic_does(
        lhs in expr(),
        rhs in expr(),
        op in prop::sample::select(OPS.to_vec()),
        values in inputs(),
    ) {
        let input = input(&values);
        let (fast_l, fast_r) = (arith::fast(&lhs, &input), arith::fast(&rhs, &input));
        let (exact_l, exact_r) = (arith::exact(&lhs, &input), arith::exact(&rhs, &input));
        let exact = exact_l.compare(op, &exact_r);
        if let Some(fast) = fast_l.decide(op, fast_r) {
            prop_assert_eq!(fast, exact);
        }
        prop_assert_eq!(arith::evaluate(op, &lhs, &rhs, &input), exact);
        prop_assert!(exact_l.is_approximated_by(&fast_l));
    }

    /// A sum is the same in any order and grouping, exactly, though the
    /// floats round each order differently.
    #[test]
    fn sums_in_any_order_are_equal(
        terms in prop::collection::vec(expr(), 2..6),
        values in prop::collection::vec(prop::sample::select(INPUTS[..9].to_vec()), 4),
    ) {
        let forward = NumExpr::Sum(terms.clone().into());
        let mut reversed = terms.clone();
        reversed.reverse();
        let (first, rest) = reversed.split_first().unwrap();
        let grouped = NumExpr::Sum(vec![first.clone(), NumExpr::Sum(rest.to_vec().into())].into());
        let grouped = if rest.len() > 1 { grouped } else { NumExpr::Sum(reversed.into()) };
        let input = input(&values);
        prop_assert_eq!(arith::evaluate(CompareOp::Eq, &forward, &grouped, &input), Tri::True);
        prop_assert_eq!(arith::evaluate(CompareOp::Lt, &forward, &grouped, &input), Tri::False);
    }
}

fn verdicts(rules: &str, facts: &Facts) -> Vec<(String, Verdict)> {
    let rules = RuleSet::parse("arith.rules", rules).unwrap();
    let report = rules.evaluate(facts).unwrap();
    report
        .rows()
        .map(|row| {
            (
                format!("{}.{}", row.entity.unwrap_or("world"), row.rule),
                row.verdict,
            )
        })
        .collect()
}

#[test]
fn decimals_are_exact() {
    let rules = "
        fact a: number
        rule tenths requires a * 0.1 + 0.2 == 0.3
        rule thirds requires a / 3 * 3 == 1
        rule past_2_53 requires a * 9007199254740992 + 1 > a * 9007199254740992
        rule huge requires a * 9007199254740992 * 9007199254740992 * 9007199254740992 > 1
    ";
    let mut facts = Facts::new("one");
    facts.set("E", "a", 1);
    let all: Vec<Verdict> = verdicts(rules, &facts)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    assert_eq!(all, vec![Verdict::Satisfied; 4]);
}

/// The README's examples of the one principle.
#[test]
fn an_unknown_number_stands_for_any_value() {
    let rules = "
        fact troops_offered: number
        fact active_personnel: number
        rule zero requires 0 * troops_offered == 0
        rule itself requires troops_offered - troops_offered >= 0
        rule share requires troops_offered >= 0.01 * active_personnel
    ";
    let mut facts = Facts::new("unknown");
    facts.add_entity("Ireland");
    facts
        .set("UK", "troops_offered", 10_000)
        .set("UK", "active_personnel", 150_000);
    let got = verdicts(rules, &facts);
    let expected = [
        ("Ireland.zero", Verdict::Satisfied),
        ("Ireland.itself", Verdict::Undetermined),
        ("Ireland.share", Verdict::Undetermined),
        ("UK.zero", Verdict::Satisfied),
        ("UK.itself", Verdict::Satisfied),
        ("UK.share", Verdict::Satisfied),
    ];
    let expected: Vec<(String, Verdict)> =
        expected.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    assert_eq!(got, expected);
}

/// The README's examples of ranges: an unknown fact is any value of its
/// range, so some comparisons are decided without it.
#[test]
fn an_unknown_number_stands_for_any_value_of_its_range() {
    let rules = "
        fact troops_offered: number from 0 to 50000
        rule never_negative requires troops_offered >= 0
        rule too_many requires troops_offered > 60000
        rule itself requires troops_offered - troops_offered >= 0
        rule doubled requires 2 * troops_offered <= 100000
        rule some requires troops_offered >= 1000
    ";
    let mut facts = Facts::new("unknown");
    facts.add_entity("Ireland");
    let got: Vec<Verdict> = verdicts(rules, &facts)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    use Verdict::{Satisfied, Undetermined, Unsatisfied};
    assert_eq!(
        got,
        [
            Satisfied,
            Unsatisfied,
            Undetermined,
            Satisfied,
            Undetermined
        ]
    );
}

/// Dividing an interval with one unbounded end by a decimal that floats
/// hold only nearly: the finite end still carries the divisor's error.
#[test]
fn a_half_bounded_interval_divided_by_a_decimal_keeps_its_error() {
    for (lo, divisor, threshold) in [(5e15, 0.1, 5e16), (3.0, 0.3, 10.0), (7.0, -0.7, -10.0)] {
        let x = Reading::Unknown(NumberRange {
            lo: Some(lo),
            hi: None,
        });
        let (fast, exact) = (Fast::read(x) / divisor, Exact::read(x) / divisor);
        for op in OPS {
            let t = Reading::Known(threshold);
            let expected = exact.compare(op, &Exact::read(t));
            if let Some(decided) = fast.decide(op, Fast::read(t)) {
                assert_eq!(decided, expected, "{lo} / {divisor} {op:?} {threshold}");
            }
        }
        assert!(exact.is_approximated_by(&fast));
    }
}

#[test]
fn exact_and_fast_agree_on_the_doc_examples() {
    let x = Fast::known(None);
    assert_eq!(
        (x + -x).decide(CompareOp::Ge, Fast::known(Some(0.0))),
        Some(Tri::Unknown)
    );
    let tenth = Exact::known(Some(0.1)) * Exact::known(Some(3.0));
    assert_eq!(
        tenth.compare(CompareOp::Eq, &Exact::known(Some(0.3))),
        Tri::True
    );
    // Floats alone cannot tell 0.1 * 3 from 0.3: they must say so.
    let tenth = Fast::known(Some(0.1)) * Fast::known(Some(3.0));
    assert_eq!(tenth.decide(CompareOp::Eq, Fast::known(Some(0.3))), None);
}

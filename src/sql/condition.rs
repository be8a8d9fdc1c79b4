//! A compiled condition as a SQL expression that is `TRUE`, `FALSE` or
//! `NULL` exactly when prereq's verdict is satisfied, unsatisfied or
//! undetermined.
//!
//! SQL's `AND`, `OR` and `NOT` over `NULL` are Kleene's, and a comparison
//! with a `NULL` operand is `NULL`, so most of a rule is written as it
//! reads. What differs is written out:
//!
//! - an unknown number with a declared range stands for every value of
//!   the range ([`crate::eval::arith`]): a comparison against a constant
//!   takes, when the fact is `NULL`, the outcome [`range_outcome`] gives
//!   (computed here, once); between two facts, each side is an interval
//!   (a `NULL` end is unbounded) and the comparison is decided only when
//!   it holds for every pair of values, or for none;
//! - `x IN ()` is no SQL, and `NOT IN` over a list with a `NULL` in it is
//!   never true: lists in rules hold no `NULL` and are never empty here;
//! - a set fact is asked whether it holds a string only when both are
//!   known, so a `NULL` list is unknown rather than "holds nothing".
//!
//! Arithmetic is refused (see [`super::SqlError::Unsupported`]): prereq
//! computes exactly with the decimals written, which the engines' `DOUBLE`
//! does not, and no type exact enough is shared by every dialect.

use super::{Dialect, SqlError};
use crate::compile::{Arg, Node, NumExpr, SetArg, Slot};
use crate::eval::Tri;
use crate::eval::arith::range_outcome;
use crate::syntax::ast::CompareOp;

/// How the names a condition reads are written: facts and rules of the
/// world through the world alias, those of the entity through the entity
/// alias.
pub(super) struct Names<'a> {
    pub(super) dialect: Dialect,
    /// The column of each slot's fact.
    pub(super) fact: &'a dyn Fn(Slot) -> String,
    /// The column of each rule's verdict.
    pub(super) rule: &'a dyn Fn(crate::check::RuleId) -> String,
}

impl Names<'_> {
    /// The SQL of a condition; `rule` names the rule it belongs to, for
    /// an error.
    pub(super) fn condition(&self, node: &Node, rule: &str) -> Result<String, SqlError> {
        Ok(match node {
            Node::Const(value) => self.dialect.boolean(*value).to_string(),
            Node::Bool(slot) => (self.fact)(*slot),
            Node::Rule(id) => (self.rule)(*id),
            Node::Not(inner) => format!("(NOT {})", self.condition(inner, rule)?),
            Node::And(parts) => self.junction(parts, " AND ", rule)?,
            Node::Or(parts) => self.junction(parts, " OR ", rule)?,
            Node::Conds { equal, lhs, rhs } => format!(
                "({} {} {})",
                self.condition(lhs, rule)?,
                if *equal { "=" } else { "<>" },
                self.condition(rhs, rule)?
            ),
            Node::Strings { equal, lhs, rhs } => format!(
                "({} {} {})",
                self.string(lhs),
                if *equal { "=" } else { "<>" },
                self.string(rhs)
            ),
            Node::Member {
                negated,
                element,
                set,
            } => self.member(*negated, element, set),
            Node::Numbers { op, lhs, rhs } => self.numbers(*op, lhs, rhs, rule)?,
        })
    }

    fn junction(&self, parts: &[Node], operator: &str, rule: &str) -> Result<String, SqlError> {
        let parts: Vec<String> = parts
            .iter()
            .map(|part| self.condition(part, rule))
            .collect::<Result<_, _>>()?;
        Ok(format!("({})", parts.join(operator)))
    }

    fn string(&self, arg: &Arg<Box<str>>) -> String {
        match arg {
            Arg::Const(text) => self.dialect.string(text),
            Arg::Slot(slot) => (self.fact)(*slot),
        }
    }

    /// `element [not] in set`: unknown when either is unknown.
    fn member(&self, negated: bool, element: &Arg<Box<str>>, set: &SetArg) -> String {
        let found = match (element, set) {
            (Arg::Const(text), SetArg::List(items)) => {
                let holds = items.iter().any(|item| item == text);
                self.dialect.boolean(holds).to_string()
            }
            (Arg::Slot(slot), SetArg::List(items)) if items.is_empty() => {
                let unknown = (self.fact)(*slot);
                let no = self.dialect.boolean(false);
                format!("(CASE WHEN {unknown} IS NULL THEN NULL ELSE {no} END)")
            }
            (Arg::Slot(slot), SetArg::List(items)) => {
                let items: Vec<String> = items.iter().map(|i| self.dialect.string(i)).collect();
                let operator = if negated { "NOT IN" } else { "IN" };
                return format!("({} {operator} ({}))", (self.fact)(*slot), items.join(", "));
            }
            (element_arg, SetArg::Slot(set)) => {
                let (element, set) = (self.string(element_arg), (self.fact)(*set));
                let unknown = match element_arg {
                    Arg::Const(_) => format!("{set} IS NULL"),
                    Arg::Slot(_) => format!("{set} IS NULL OR {element} IS NULL"),
                };
                let holds = self.dialect.contains(&set, &element);
                format!("(CASE WHEN {unknown} THEN NULL ELSE {holds} END)")
            }
        };
        if negated {
            format!("(NOT {found})")
        } else {
            found
        }
    }

    /// `lhs OP rhs` over literals and facts, each unknown fact standing
    /// for every value of its range.
    fn numbers(
        &self,
        op: CompareOp,
        lhs: &NumExpr,
        rhs: &NumExpr,
        rule: &str,
    ) -> Result<String, SqlError> {
        let (Some(left), Some(right)) = (self.operand(lhs), self.operand(rhs)) else {
            return Err(SqlError::Unsupported {
                rule: rule.to_string(),
                construct: "arithmetic (`+`, `-`, `*`, `/`)".to_string(),
            });
        };
        Ok(match (&left, &right) {
            (Operand::Const(a), Operand::Const(b)) => {
                self.dialect.boolean(op.holds(a, b)).to_string()
            }
            _ if !left.has_range() && !right.has_range() => {
                let (d, op) = (self.dialect, symbol(op));
                format!("({} {op} {})", left.value(d), right.value(d))
            }
            (
                Operand::Fact {
                    column,
                    range: Some(range),
                },
                Operand::Const(constant),
            ) => self.against_constant(column, op, *range, *constant, true),
            (
                Operand::Const(constant),
                Operand::Fact {
                    column,
                    range: Some(range),
                },
            ) => self.against_constant(column, op, *range, *constant, false),
            _ => self.intervals(op, &left, &right),
        })
    }

    /// A fact with a range against a constant: when the fact is unknown,
    /// the outcome over its whole range.
    fn against_constant(
        &self,
        column: &str,
        op: CompareOp,
        range: crate::syntax::ast::NumberRange,
        constant: f64,
        fact_first: bool,
    ) -> String {
        let op_from_fact = if fact_first { op } else { op.mirrored() };
        let unknown = match range_outcome(op_from_fact, range, constant) {
            Tri::True => self.dialect.boolean(true),
            Tri::False => self.dialect.boolean(false),
            Tri::Unknown => "NULL",
        };
        let constant = self.dialect.number(constant);
        let known = format!("{column} {} {constant}", symbol(op_from_fact));
        format!("(CASE WHEN {column} IS NULL THEN {unknown} ELSE {known} END)")
    }

    /// Two intervals compared: true when `op` holds for every pair of
    /// their values, false when for none, else unknown.
    fn intervals(&self, op: CompareOp, left: &Operand, right: &Operand) -> String {
        let d = self.dialect;
        let ([l0, l1], [r0, r1]) = (left.ends(d), right.ends(d));
        let (always, never) = match op {
            CompareOp::Lt => (format!("{l1} < {r0}"), format!("{l0} >= {r1}")),
            CompareOp::Le => (format!("{l1} <= {r0}"), format!("{l0} > {r1}")),
            CompareOp::Gt => (format!("{l0} > {r1}"), format!("{l1} <= {r0}")),
            CompareOp::Ge => (format!("{l0} >= {r1}"), format!("{l1} < {r0}")),
            CompareOp::Eq | CompareOp::Ne => {
                let same = format!("{l0} = {l1} AND {l1} = {r0} AND {r0} = {r1}");
                let apart = format!("{l1} < {r0} OR {r1} < {l0}");
                match op {
                    CompareOp::Eq => (same, apart),
                    _ => (apart, same),
                }
            }
        };
        let (yes, no) = (d.boolean(true), d.boolean(false));
        format!("(CASE WHEN {always} THEN {yes} WHEN {never} THEN {no} END)")
    }

    fn operand(&self, expr: &NumExpr) -> Option<Operand> {
        match expr {
            NumExpr::Const(value) => Some(Operand::Const(*value)),
            NumExpr::Fact { slot, range } => Some(Operand::Fact {
                column: (self.fact)(*slot),
                range: (!range.is_any()).then_some(*range),
            }),
            NumExpr::Neg(_) | NumExpr::Sum(_) | NumExpr::Product { .. } => None,
        }
    }
}

/// One side of a comparison of numbers.
enum Operand {
    Const(f64),
    Fact {
        column: String,
        range: Option<crate::syntax::ast::NumberRange>,
    },
}

impl Operand {
    fn has_range(&self) -> bool {
        matches!(self, Operand::Fact { range: Some(_), .. })
    }

    fn value(&self, dialect: Dialect) -> String {
        match self {
            Operand::Const(value) => dialect.number(*value),
            Operand::Fact { column, .. } => column.clone(),
        }
    }

    /// The least and greatest values it may take; `NULL` is unbounded.
    fn ends(&self, dialect: Dialect) -> [String; 2] {
        match self {
            Operand::Const(value) => [dialect.number(*value), dialect.number(*value)],
            Operand::Fact { column, range } => {
                let end = |bound: Option<f64>| match bound {
                    Some(bound) => format!("COALESCE({column}, {})", dialect.number(bound)),
                    None => column.clone(),
                };
                let range = range.unwrap_or(crate::syntax::ast::NumberRange::ANY);
                [end(range.lo), end(range.hi)]
            }
        }
    }
}

/// The operator as SQL writes it.
fn symbol(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
    }
}

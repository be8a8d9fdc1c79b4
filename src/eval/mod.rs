//! Eval: three-valued verdicts over compiled rules.
//!
//! Logic is Kleene's strong three-valued logic ([`Tri`]): `false and
//! unknown` is false, `true or unknown` is true, `not unknown` is unknown,
//! and a comparison or membership with an unknown operand is unknown.
//!
//! World rules are evaluated once; entity rules once per entity, in
//! dependency order, so a rule that refers to another reads the verdict
//! already computed for the same entity and nothing is evaluated twice.
//!
//! Architecture invariant: evaluation reads only the compiled [`Program`]
//! and a bound [`FactTable`]; it allocates once per call, not per entity,
//! and cannot fail.

pub mod arith;
mod tri;

pub use tri::{Tri, Verdict};

use crate::compile::{Arg, CompiledRule, Node, NumExpr, Program, SetArg, Slot};
use crate::facts::{FactTable, Value};

/// Verdicts of every rule: world rules once, entity rules per entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdicts {
    rule_count: usize,
    /// Indexed by rule id; meaningful for world rules only.
    world: Vec<Tri>,
    /// `rule_count` verdicts per entity, entities in file order.
    entities: Vec<Tri>,
}

impl Verdicts {
    /// The verdicts of world rules, indexed by rule id (entity rules' cells are unknown).
    pub fn world(&self) -> &[Tri] {
        &self.world
    }

    /// Verdicts laid out as [`evaluate`] lays them: the world's by rule id,
    /// then `rule_count` per entity.
    pub(crate) fn from_parts(rule_count: usize, world: Vec<Tri>, entities: Vec<Tri>) -> Verdicts {
        Verdicts {
            rule_count,
            world,
            entities,
        }
    }

    /// One entity's verdicts, indexed by rule id (world rules' cells repeat the world's).
    pub fn entity(&self, index: usize) -> Option<&[Tri]> {
        let start = index.checked_mul(self.rule_count)?;
        self.entities.get(start..start + self.rule_count)
    }
}

/// Evaluates every rule for the world and for every entity.
pub fn evaluate(program: &Program, facts: &FactTable) -> Verdicts {
    let rule_count = program.rule_count();
    let mut verdicts = vec![Tri::Unknown; rule_count];
    evaluate_rules(program.world_rules(), facts.world(), &[], &mut verdicts);
    let world = verdicts.clone();
    let mut entities = Vec::with_capacity(rule_count * facts.entity_rows().len());
    for row in facts.entity_rows() {
        evaluate_rules(program.entity_rules(), facts.world(), row, &mut verdicts);
        entities.extend_from_slice(&verdicts);
    }
    Verdicts {
        rule_count,
        world,
        entities,
    }
}

/// Evaluates `rules` (in evaluation order) against one world row and one
/// entity row, writing each verdict into `verdicts` (indexed by rule id),
/// where later rules read it. Analyses use this to re-evaluate only the
/// rules a changed fact reaches, on top of verdicts already computed.
pub fn evaluate_rules<'a>(
    rules: impl IntoIterator<Item = &'a CompiledRule>,
    world: &[Option<Value>],
    entity: &[Option<Value>],
    verdicts: &mut [Tri],
) {
    for rule in rules {
        let context = Context {
            world,
            entity,
            verdicts,
        };
        let value = context.eval(&rule.condition);
        set(verdicts, rule.id.index(), value);
    }
}

/// Evaluates one condition against a world row, an entity row and the
/// verdicts so far. The batch evaluator folds the parts of a rule that read
/// no entity fact with it, so both evaluators agree on them by construction.
pub(crate) fn evaluate_node(
    node: &Node,
    world: &[Option<Value>],
    entity: &[Option<Value>],
    verdicts: &[Tri],
) -> Tri {
    Context {
        world,
        entity,
        verdicts,
    }
    .eval(node)
}

fn set(verdicts: &mut [Tri], index: usize, value: Tri) {
    if let Some(cell) = verdicts.get_mut(index) {
        *cell = value;
    }
}

/// What one evaluation reads: the world row, the entity's row, verdicts so far.
struct Context<'a> {
    world: &'a [Option<Value>],
    entity: &'a [Option<Value>],
    verdicts: &'a [Tri],
}

impl Context<'_> {
    fn value(&self, slot: Slot) -> Option<&Value> {
        let cell = match slot {
            Slot::World(index) => self.world.get(index as usize),
            Slot::Entity(index) => self.entity.get(index as usize),
        };
        cell.and_then(Option::as_ref)
    }

    fn eval(&self, node: &Node) -> Tri {
        match node {
            Node::Const(value) => Tri::from(*value),
            Node::Bool(slot) => match self.value(*slot) {
                Some(Value::Bool(value)) => Tri::from(*value),
                _ => Tri::Unknown,
            },
            Node::Rule(rule) => self
                .verdicts
                .get(rule.index())
                .copied()
                .unwrap_or(Tri::Unknown),
            Node::Not(inner) => !self.eval(inner),
            Node::And(parts) => Tri::all(parts.iter().map(|part| self.eval(part))),
            Node::Or(parts) => Tri::any(parts.iter().map(|part| self.eval(part))),
            Node::Numbers { op, lhs, rhs } => match (self.known(lhs), self.known(rhs)) {
                (Some(lhs), Some(rhs)) => Tri::from(op.holds(&lhs, &rhs)),
                _ => arith::evaluate(*op, lhs, rhs, |(slot, range)| {
                    arith::Reading::of(self.number(&Arg::Slot(slot)), range)
                }),
            },
            Node::Strings { equal, lhs, rhs } => match (self.string(lhs), self.string(rhs)) {
                (Some(lhs), Some(rhs)) => Tri::from((lhs == rhs) == *equal),
                _ => Tri::Unknown,
            },
            Node::Conds { equal, lhs, rhs } => {
                let same = self.eval(lhs).iff(self.eval(rhs));
                if *equal { same } else { !same }
            }
            Node::Member {
                negated,
                element,
                set,
            } => {
                let found = match (self.string(element), self.set(set)) {
                    (Some(element), Some(items)) => {
                        Tri::from(items.binary_search_by(|item| (**item).cmp(element)).is_ok())
                    }
                    _ => Tri::Unknown,
                };
                if *negated { !found } else { found }
            }
        }
    }

    /// A literal's or a known fact's value: compared at once, without
    /// arithmetic (two decimals compare as their floats do).
    fn known(&self, expr: &NumExpr) -> Option<f64> {
        match expr {
            NumExpr::Const(value) => Some(*value),
            NumExpr::Fact { slot, .. } => self.number(&Arg::Slot(*slot)),
            _ => None,
        }
    }

    fn number(&self, arg: &Arg<f64>) -> Option<f64> {
        match arg {
            Arg::Const(value) => Some(*value),
            Arg::Slot(slot) => match self.value(*slot) {
                Some(Value::Number(value)) => Some(*value),
                _ => None,
            },
        }
    }

    fn string<'v>(&'v self, arg: &'v Arg<Box<str>>) -> Option<&'v str> {
        match arg {
            Arg::Const(value) => Some(value),
            Arg::Slot(slot) => match self.value(*slot) {
                Some(Value::String(value)) => Some(value),
                _ => None,
            },
        }
    }

    fn set<'v>(&'v self, set: &'v SetArg) -> Option<&'v [Box<str>]> {
        match set {
            SetArg::List(items) => Some(items),
            SetArg::Slot(slot) => match self.value(*slot) {
                Some(Value::Set(items)) => Some(items),
                _ => None,
            },
        }
    }
}

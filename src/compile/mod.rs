//! Compile: the resolved rule set lowered to slots.
//!
//! Every fact gets a dense [`Slot`] in the world row or in each entity's row,
//! every rule a position in its evaluation order, and every condition becomes
//! a [`Node`] that refers to slots and rule ids only: evaluating a compiled
//! rule does no name lookup, hashing or allocation. `A unless B` is lowered
//! to `A and not B`; list literals become sorted, deduplicated slices.
//!
//! Architecture invariant: compile reads only the [`ResolvedRules`] (never
//! the AST or the facts) and cannot fail: everything it needs was checked.

use rustc_hash::FxHashMap;

use crate::check::{
    Collection, Cond, CondKind, FactId, Number, ResolvedRules, RuleId, RuleKind, Term,
};
use crate::syntax::ast::{CompareOp, FactType, NumberRange, Scope};

/// Where a fact's value lives: a position in the world row or in an entity's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    /// Index into the world row.
    World(u32),
    /// Index into each entity's row.
    Entity(u32),
}

/// A declared fact as the facts loader needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct FactSlot {
    /// The fact's name.
    pub name: String,
    /// Its declared type.
    pub ty: FactType,
    /// For a number, the values it may take.
    pub range: NumberRange,
    /// For a string or a set, the only strings it may hold (sorted).
    pub vocabulary: Option<Box<[Box<str>]>>,
    /// Where its value lives.
    pub slot: Slot,
}

/// The layout of fact rows: which fact lives in which slot.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    facts: Vec<FactSlot>,
    by_name: FxHashMap<String, FactId>,
    world_len: usize,
    entity_len: usize,
}

impl Schema {
    fn new(resolved: &ResolvedRules) -> Schema {
        let mut schema = Schema::default();
        for (index, fact) in resolved.facts.iter().enumerate() {
            let slot = match fact.scope {
                Scope::World => Slot::World(next_index(&mut schema.world_len)),
                Scope::Entity => Slot::Entity(next_index(&mut schema.entity_len)),
            };
            schema.by_name.insert(
                fact.name.clone(),
                FactId(u32::try_from(index).unwrap_or(u32::MAX)),
            );
            schema.facts.push(FactSlot {
                name: fact.name.clone(),
                ty: fact.ty,
                range: fact.range,
                vocabulary: fact
                    .vocabulary
                    .as_ref()
                    .map(|words| words.iter().map(|w| w.as_str().into()).collect()),
                slot,
            });
        }
        schema
    }

    /// Looks up a fact by name.
    pub fn fact(&self, name: &str) -> Option<&FactSlot> {
        self.by_name
            .get(name)
            .and_then(|id| self.facts.get(id.index()))
    }

    /// All facts, in declaration order.
    pub fn facts(&self) -> &[FactSlot] {
        &self.facts
    }

    /// How many world facts there are (the length of the world row).
    pub fn world_len(&self) -> usize {
        self.world_len
    }

    /// How many entity facts there are (the length of each entity row).
    pub fn entity_len(&self) -> usize {
        self.entity_len
    }
}

fn next_index(counter: &mut usize) -> u32 {
    let index = u32::try_from(*counter).unwrap_or(u32::MAX);
    *counter += 1;
    index
}

/// A number or string operand: a constant or a fact's slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<T> {
    /// A literal.
    Const(T),
    /// A fact.
    Slot(Slot),
}

/// A number expression over slots: a literal, a fact, or arithmetic.
///
/// Sums and products are flat lists (a long chain is wide, not deep);
/// `a - b` is the sum of `a` and `-b`, and `a * b / 2` the product of `a`
/// and `b` divided by `2`. What each operator means over unknown values is
/// [`eval::arith`](crate::eval::arith)'s to say.
#[derive(Debug, Clone, PartialEq)]
pub enum NumExpr {
    /// A literal.
    Const(f64),
    /// A `number` fact, with the range its value lies in (what it stands
    /// for when unknown).
    Fact {
        /// Where its value lives.
        slot: Slot,
        /// Its declared range.
        range: NumberRange,
    },
    /// `-a`
    Neg(Box<NumExpr>),
    /// `a + b + …` (two or more terms).
    Sum(Box<[NumExpr]>),
    /// The product of `factors` (one or more) divided by each of `divisors`
    /// (literals other than zero).
    Product {
        /// What is multiplied.
        factors: Box<[NumExpr]>,
        /// What the product is divided by, in order.
        divisors: Box<[f64]>,
    },
}

impl NumExpr {
    /// The expression as a plain operand, when it is a literal or a fact
    /// without a range (an unknown one is then any value: unknown against
    /// anything, which evaluators decide without arithmetic).
    pub fn as_arg(&self) -> Option<Arg<f64>> {
        match self {
            NumExpr::Const(value) => Some(Arg::Const(*value)),
            NumExpr::Fact { slot, range } if range.is_any() => Some(Arg::Slot(*slot)),
            _ => None,
        }
    }

    /// Calls `visit` on every slot the expression reads, left to right.
    pub fn each_slot(&self, visit: &mut impl FnMut(Slot)) {
        match self {
            NumExpr::Const(_) => {}
            NumExpr::Fact { slot, .. } => visit(*slot),
            NumExpr::Neg(inner) => inner.each_slot(visit),
            NumExpr::Sum(parts) | NumExpr::Product { factors: parts, .. } => {
                parts.iter().for_each(|part| part.each_slot(visit))
            }
        }
    }
}

/// The right side of `in`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetArg {
    /// A `set<string>` fact.
    Slot(Slot),
    /// A list literal, sorted and deduplicated.
    List(Box<[Box<str>]>),
}

/// A compiled condition.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// `true` / `false`.
    Const(bool),
    /// A `bool` fact.
    Bool(Slot),
    /// Another rule's verdict (evaluated earlier in the order).
    Rule(RuleId),
    /// Kleene negation.
    Not(Box<Node>),
    /// Kleene conjunction.
    And(Box<[Node]>),
    /// Kleene disjunction.
    Or(Box<[Node]>),
    /// A comparison of numbers.
    Numbers {
        /// The operator.
        op: CompareOp,
        /// Left side.
        lhs: NumExpr,
        /// Right side.
        rhs: NumExpr,
    },
    /// `==` (`equal`) or `!=` between strings.
    Strings {
        /// `==` rather than `!=`.
        equal: bool,
        /// Left side.
        lhs: Arg<Box<str>>,
        /// Right side.
        rhs: Arg<Box<str>>,
    },
    /// `==` (`equal`) or `!=` between conditions.
    Conds {
        /// `==` rather than `!=`.
        equal: bool,
        /// Left side.
        lhs: Box<Node>,
        /// Right side.
        rhs: Box<Node>,
    },
    /// Membership of a string in a set.
    Member {
        /// `not in`.
        negated: bool,
        /// The string looked for.
        element: Arg<Box<str>>,
        /// The set looked in.
        set: SetArg,
    },
}

impl Node {
    /// How many nodes the condition has: what evaluating it costs.
    pub fn size(&self) -> usize {
        let mut count = 0;
        self.each(|_| count += 1);
        count
    }

    /// Calls `visit` on the condition and every condition inside it, with
    /// a stack of its own rather than the call stack (conditions can nest
    /// deeply).
    pub fn each<'n>(&'n self, mut visit: impl FnMut(&'n Node)) {
        let mut pending = vec![self];
        while let Some(node) = pending.pop() {
            visit(node);
            match node {
                Node::Not(inner) => pending.push(inner),
                Node::And(parts) | Node::Or(parts) => pending.extend(parts.iter()),
                Node::Conds { lhs, rhs, .. } => pending.extend([&**lhs, &**rhs]),
                Node::Const(_)
                | Node::Bool(_)
                | Node::Rule(_)
                | Node::Numbers { .. }
                | Node::Strings { .. }
                | Node::Member { .. } => {}
            }
        }
    }
}

/// One compiled rule.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledRule {
    /// The rule's id in the resolved rule set.
    pub id: RuleId,
    /// World or entity rule.
    pub kind: RuleKind,
    /// `requires and not unless`.
    pub condition: Node,
}

/// A rule set ready to evaluate.
#[derive(Debug, Clone)]
pub struct Program {
    schema: Schema,
    rule_count: usize,
    world_rules: Vec<CompiledRule>,
    entity_rules: Vec<CompiledRule>,
    /// By rule id: whether it is a world rule, and its position among them.
    by_id: Vec<(bool, usize)>,
}

impl Program {
    /// Compiles a resolved rule set.
    pub fn compile(resolved: &ResolvedRules) -> Program {
        let schema = Schema::new(resolved);
        let slots: Vec<Slot> = schema.facts.iter().map(|fact| fact.slot).collect();
        let ranges: Vec<NumberRange> = schema.facts.iter().map(|fact| fact.range).collect();
        let lower = Lowering {
            slots: &slots,
            ranges: &ranges,
        };
        let (mut world_rules, mut entity_rules) = (Vec::new(), Vec::new());
        for id in &resolved.evaluation_order {
            let Some(rule) = resolved.rule(*id) else {
                continue;
            };
            let mut condition = lower.cond(&rule.requires);
            if let Some(unless) = &rule.unless {
                let excluded = Node::Not(Box::new(lower.cond(unless)));
                condition = match condition {
                    Node::And(parts) => {
                        Node::And(parts.into_vec().into_iter().chain([excluded]).collect())
                    }
                    other => Node::And(Box::new([other, excluded])),
                };
            }
            let compiled = CompiledRule {
                id: *id,
                kind: rule.kind,
                condition,
            };
            match rule.kind {
                RuleKind::World => world_rules.push(compiled),
                RuleKind::Entity => entity_rules.push(compiled),
            }
        }
        let mut by_id = vec![(false, usize::MAX); resolved.rules.len()];
        for (world, rules) in [(true, &world_rules), (false, &entity_rules)] {
            for (position, rule) in rules.iter().enumerate() {
                if let Some(cell) = by_id.get_mut(rule.id.index()) {
                    *cell = (world, position);
                }
            }
        }
        Program {
            schema,
            rule_count: resolved.rules.len(),
            world_rules,
            entity_rules,
            by_id,
        }
    }

    /// The fact layout.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// How many rules there are, world and entity.
    pub fn rule_count(&self) -> usize {
        self.rule_count
    }

    /// World rules, in evaluation order.
    pub fn world_rules(&self) -> &[CompiledRule] {
        &self.world_rules
    }

    /// Entity rules, in evaluation order.
    pub fn entity_rules(&self) -> &[CompiledRule] {
        &self.entity_rules
    }

    /// The compiled rule with this id.
    pub fn rule(&self, id: RuleId) -> Option<&CompiledRule> {
        let (world, position) = *self.by_id.get(id.index())?;
        match world {
            true => self.world_rules.get(position),
            false => self.entity_rules.get(position),
        }
    }
}

struct Lowering<'a> {
    slots: &'a [Slot],
    /// By fact id: its range.
    ranges: &'a [NumberRange],
}

impl Lowering<'_> {
    fn slot(&self, fact: FactId) -> Slot {
        self.slots
            .get(fact.index())
            .copied()
            .unwrap_or(Slot::World(u32::MAX))
    }

    fn cond(&self, cond: &Cond) -> Node {
        match &cond.kind {
            CondKind::Const(value) => Node::Const(*value),
            CondKind::Fact(fact) => Node::Bool(self.slot(*fact)),
            CondKind::Rule(rule) => Node::Rule(*rule),
            CondKind::Not(inner) => Node::Not(Box::new(self.cond(inner))),
            CondKind::And(parts) => Node::And(parts.iter().map(|c| self.cond(c)).collect()),
            CondKind::Or(parts) => Node::Or(parts.iter().map(|c| self.cond(c)).collect()),
            CondKind::CompareNumbers { op, lhs, rhs } => Node::Numbers {
                op: *op,
                lhs: self.number(lhs),
                rhs: self.number(rhs),
            },
            CondKind::CompareStrings { op, lhs, rhs } => Node::Strings {
                equal: *op == CompareOp::Eq,
                lhs: self.arg(lhs, |s| s.as_str().into()),
                rhs: self.arg(rhs, |s| s.as_str().into()),
            },
            CondKind::CompareConds { op, lhs, rhs } => Node::Conds {
                equal: *op == CompareOp::Eq,
                lhs: Box::new(self.cond(lhs)),
                rhs: Box::new(self.cond(rhs)),
            },
            CondKind::Member {
                negated,
                element,
                collection,
            } => Node::Member {
                negated: *negated,
                element: self.arg(element, |s| s.as_str().into()),
                set: match collection {
                    Collection::Fact(fact) => SetArg::Slot(self.slot(*fact)),
                    Collection::List(items) => {
                        SetArg::List(items.iter().map(|s| s.as_str().into()).collect())
                    }
                },
            },
        }
    }

    fn number(&self, expr: &Number) -> NumExpr {
        match expr {
            Number::Const(value) => NumExpr::Const(*value),
            Number::Fact(fact) => NumExpr::Fact {
                slot: self.slot(*fact),
                range: self.ranges.get(fact.index()).copied().unwrap_or_default(),
            },
            Number::Neg(inner) => NumExpr::Neg(Box::new(self.number(inner))),
            Number::Sum(terms) => NumExpr::Sum(terms.iter().map(|t| self.number(t)).collect()),
            Number::Product { factors, divisors } => NumExpr::Product {
                factors: factors.iter().map(|f| self.number(f)).collect(),
                divisors: divisors.clone().into_boxed_slice(),
            },
        }
    }

    fn arg<T, U>(&self, term: &Term<T>, convert: impl Fn(&T) -> U) -> Arg<U> {
        match term {
            Term::Const(value) => Arg::Const(convert(value)),
            Term::Fact(fact) => Arg::Slot(self.slot(*fact)),
        }
    }
}

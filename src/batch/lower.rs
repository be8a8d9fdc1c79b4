//! Lowering: the compiled rules specialised to one columnar snapshot.
//!
//! World facts and world rules become constants (folded by the single-entity
//! evaluator, so both agree on them), entity facts become column numbers,
//! string constants become the snapshot's interned ids, and the membership
//! tests of constant strings are hoisted so that each block reads them as
//! bitsets ([`Memberships`]).

use fixedbitset::FixedBitSet;

use super::columns::Columns;
use super::{BLOCK_ENTITIES, BLOCK_WORDS, WORD_BITS, Word};
use crate::compile::{Arg, Node, NumExpr, SetArg, Slot};
use crate::eval::arith;
use crate::eval::{self, Tri};
use crate::facts::Value;
use crate::syntax::ast::{CompareOp, NumberRange};

/// A condition specialised to one snapshot: world facts and world rules
/// folded into constants, strings into interned ids, entity facts into columns.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
    Const(Tri),
    Bool(u32),
    Rule(usize),
    Not(Box<Op>),
    And(Vec<Op>),
    Or(Vec<Op>),
    /// `==` (`equal`) or `!=` between two conditions.
    Same {
        equal: bool,
        lhs: Box<Op>,
        rhs: Box<Op>,
    },
    /// A comparison or membership: reads columns, not other values.
    Leaf(Leaf),
}

/// `lhs OP rhs` over numbers, with arithmetic.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Arithmetic {
    pub(super) op: CompareOp,
    pub(super) lhs: NumExpr,
    pub(super) rhs: NumExpr,
}

/// A condition's leaf: a comparison or membership over columns.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Leaf {
    /// A number column against a constant; `unknown` is the verdict where
    /// the column is unknown (decided by the fact's range, or unknown).
    Compare {
        op: CompareOp,
        column: u32,
        constant: f64,
        unknown: Tri,
    },
    /// Two number columns.
    CompareColumns { op: CompareOp, lhs: u32, rhs: u32 },
    /// A comparison with arithmetic, decided by [`eval::arith`]: its world
    /// facts folded in (an unknown one stays a world slot, which reads as
    /// unknown), its entity facts read from their columns. Boxed, so that
    /// the common leaves stay small.
    Arithmetic(Box<Arithmetic>),
    /// A string column against a constant (`None`: a string no entity holds).
    StringIs {
        equal: bool,
        column: u32,
        id: Option<u32>,
    },
    /// Two string columns.
    StringsEqual { equal: bool, lhs: u32, rhs: u32 },
    /// A constant string in a set column, computed with the others of the
    /// block: membership bitset `index` has the entities whose set holds it.
    Holds {
        negated: bool,
        set: u32,
        id: u32,
        index: usize,
    },
    /// A constant string no entity's set holds, in a set column: `in` is
    /// false, and `not in` true, wherever the set is known.
    Absent { negated: bool, set: u32 },
    /// A string column in a constant list of ids, or in a world set.
    InList {
        negated: bool,
        column: u32,
        ids: ConstSet,
    },
    /// A string column in a set column.
    ColumnInSet {
        negated: bool,
        element: u32,
        set: u32,
    },
}

impl Leaf {
    /// The columns the leaf reads.
    pub(super) fn columns(&self) -> Vec<u32> {
        match self {
            Leaf::Compare { column, .. }
            | Leaf::StringIs { column, .. }
            | Leaf::InList { column, .. } => vec![*column],
            Leaf::Holds { set, .. } | Leaf::Absent { set, .. } => vec![*set],
            Leaf::CompareColumns { lhs, rhs, .. } | Leaf::StringsEqual { lhs, rhs, .. } => {
                vec![*lhs, *rhs]
            }
            Leaf::ColumnInSet { element, set, .. } => vec![*element, *set],
            Leaf::Arithmetic(arithmetic) => {
                let Arithmetic { lhs, rhs, .. } = &**arithmetic;
                let mut columns = Vec::new();
                for side in [lhs, rhs] {
                    side.each_slot(&mut |slot| {
                        if let Slot::Entity(column) = slot {
                            if !columns.contains(&column) {
                                columns.push(column);
                            }
                        }
                    });
                }
                columns
            }
        }
    }
}

/// A side of a number comparison, plainly: a constant, a column (with its
/// fact's range), or unknown for every entity.
enum Plain {
    Const(f64),
    Column(u32, NumberRange),
    Unknown,
}

/// An operand: a constant for every entity (`None`: unknown), or a column.
enum Operand<T> {
    Same(Option<T>),
    Column(u32),
}

pub(super) struct Lowering<'a> {
    pub(super) columns: &'a Columns,
    /// The world facts folded in: the snapshot's, or a what-if's.
    pub(super) world: &'a [Option<Value>],
    pub(super) world_verdicts: &'a [Tri],
    pub(super) position: &'a [Option<usize>],
    /// The memberships the lowered rules read, registered as they are met.
    pub(super) memberships: Memberships,
}

impl Lowering<'_> {
    /// The node's value when it reads no entity fact.
    fn fold(&self, node: &Node) -> Op {
        Op::Const(eval::evaluate_node(
            node,
            self.world,
            &[],
            self.world_verdicts,
        ))
    }

    pub(super) fn lower(&mut self, node: &Node) -> Op {
        match node {
            Node::Const(_) => self.fold(node),
            Node::Bool(Slot::Entity(column)) => Op::Bool(*column),
            Node::Bool(Slot::World(_)) => self.fold(node),
            Node::Rule(rule) => match self.position.get(rule.index()) {
                Some(Some(position)) => Op::Rule(*position),
                _ => self.fold(node),
            },
            Node::Not(inner) => match self.lower(inner) {
                Op::Const(value) => Op::Const(!value),
                inner => Op::Not(Box::new(inner)),
            },
            Node::And(parts) => self.junction(parts, Tri::all, Op::And),
            Node::Or(parts) => self.junction(parts, Tri::any, Op::Or),
            Node::Conds { equal, lhs, rhs } => match (self.lower(lhs), self.lower(rhs)) {
                (Op::Const(_), Op::Const(_)) => self.fold(node),
                (lhs, rhs) => Op::Same {
                    equal: *equal,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            },
            Node::Numbers { op, lhs, rhs } => self.numbers(node, *op, lhs, rhs),
            Node::Strings { equal, lhs, rhs } => self.strings(node, *equal, lhs, rhs),
            Node::Member {
                negated,
                element,
                set,
            } => self.member(node, *negated, element, set),
        }
    }

    /// `and` / `or`: the constant parts folded into one, which decides
    /// alone when it is the absorbing value (false for `and`, true for `or`).
    fn junction(
        &mut self,
        parts: &[Node],
        combine: fn(Vec<Tri>) -> Tri,
        make: fn(Vec<Op>) -> Op,
    ) -> Op {
        let absorbing = combine(vec![Tri::True, Tri::False]);
        let (constants, mut rest): (Vec<Op>, Vec<Op>) = parts
            .iter()
            .map(|part| self.lower(part))
            .partition(|op| matches!(op, Op::Const(_)));
        let folded = combine(
            constants
                .iter()
                .filter_map(|op| match op {
                    Op::Const(value) => Some(*value),
                    _ => None,
                })
                .collect(),
        );
        if folded == absorbing || rest.is_empty() {
            return Op::Const(folded);
        }
        if folded == Tri::Unknown {
            rest.push(Op::Const(Tri::Unknown));
        }
        make(rest)
    }

    /// A world fact's value, if known.
    fn world(&self, slot: u32) -> Option<&Value> {
        self.world.get(slot as usize).and_then(Option::as_ref)
    }

    /// A side of a comparison as a constant or a column, when it is one:
    /// a literal, a known world fact, an entity fact; or an unknown world
    /// fact without a range (any number: the comparison is unknown).
    fn plain(&self, expr: &NumExpr) -> Option<Plain> {
        Some(match expr {
            NumExpr::Const(n) => Plain::Const(*n),
            NumExpr::Fact {
                slot: Slot::Entity(column),
                range,
            } => Plain::Column(*column, *range),
            NumExpr::Fact {
                slot: Slot::World(slot),
                range,
            } => match self.world(*slot) {
                Some(Value::Number(n)) => Plain::Const(*n),
                _ if range.is_any() => Plain::Unknown,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// A comparison of numbers: a constant when it reads no entity fact, a
    /// column against a constant (with the verdict where it is unknown, from
    /// the fact's range), two columns, or else arithmetic entity by entity.
    fn numbers(&self, node: &Node, op: CompareOp, lhs: &NumExpr, rhs: &NumExpr) -> Op {
        let compare = |op: CompareOp, column: u32, range, constant| {
            Op::Leaf(Leaf::Compare {
                op,
                column,
                constant,
                unknown: arith::range_outcome(op, range, constant),
            })
        };
        match (self.plain(lhs), self.plain(rhs)) {
            (Some(Plain::Unknown), _) | (_, Some(Plain::Unknown)) => Op::Const(Tri::Unknown),
            (Some(Plain::Const(_)), Some(Plain::Const(_))) => self.fold(node),
            (Some(Plain::Column(column, range)), Some(Plain::Const(constant))) => {
                compare(op, column, range, constant)
            }
            (Some(Plain::Const(constant)), Some(Plain::Column(column, range))) => {
                compare(op.mirrored(), column, range, constant)
            }
            (Some(Plain::Column(lhs, l)), Some(Plain::Column(rhs, r)))
                if l.is_any() && r.is_any() =>
            {
                Op::Leaf(Leaf::CompareColumns { op, lhs, rhs })
            }
            _ => self.arithmetic(node, op, lhs, rhs),
        }
    }

    /// A comparison with arithmetic: folded when it reads no entity fact,
    /// else a leaf over the entity columns with the world's values put in.
    fn arithmetic(&self, node: &Node, op: CompareOp, lhs: &NumExpr, rhs: &NumExpr) -> Op {
        let mut reads_entity = false;
        for side in [lhs, rhs] {
            side.each_slot(&mut |slot| reads_entity |= matches!(slot, Slot::Entity(_)));
        }
        if !reads_entity {
            return self.fold(node);
        }
        Op::Leaf(Leaf::Arithmetic(Box::new(Arithmetic {
            op,
            lhs: self.world_put_in(lhs),
            rhs: self.world_put_in(rhs),
        })))
    }

    /// The expression with each known world fact replaced by its value.
    fn world_put_in(&self, expr: &NumExpr) -> NumExpr {
        let each = |parts: &[NumExpr]| parts.iter().map(|p| self.world_put_in(p)).collect();
        match expr {
            NumExpr::Fact {
                slot: Slot::World(slot),
                ..
            } => match self.world(*slot) {
                Some(Value::Number(n)) => NumExpr::Const(*n),
                _ => expr.clone(),
            },
            NumExpr::Const(_)
            | NumExpr::Fact {
                slot: Slot::Entity(_),
                ..
            } => expr.clone(),
            NumExpr::Neg(inner) => NumExpr::Neg(Box::new(self.world_put_in(inner))),
            NumExpr::Sum(terms) => NumExpr::Sum(each(terms)),
            NumExpr::Product { factors, divisors } => NumExpr::Product {
                factors: each(factors),
                divisors: divisors.clone(),
            },
        }
    }

    /// A string operand as an interned id (`Some(None)`: a string no entity holds).
    fn string(&self, arg: &Arg<Box<str>>) -> Operand<Option<u32>> {
        let strings = self.columns.strings();
        match arg {
            Arg::Const(s) => Operand::Same(Some(strings.get(s))),
            Arg::Slot(Slot::Entity(column)) => Operand::Column(*column),
            Arg::Slot(Slot::World(slot)) => Operand::Same(match self.world(*slot) {
                Some(Value::String(s)) => Some(strings.get(s)),
                _ => None,
            }),
        }
    }

    fn strings(&self, node: &Node, equal: bool, lhs: &Arg<Box<str>>, rhs: &Arg<Box<str>>) -> Op {
        match (self.string(lhs), self.string(rhs)) {
            (Operand::Same(_), Operand::Same(_)) => self.fold(node),
            (Operand::Same(None), _) | (_, Operand::Same(None)) => Op::Const(Tri::Unknown),
            (Operand::Column(column), Operand::Same(Some(id)))
            | (Operand::Same(Some(id)), Operand::Column(column)) => {
                Op::Leaf(Leaf::StringIs { equal, column, id })
            }
            (Operand::Column(lhs), Operand::Column(rhs)) => {
                Op::Leaf(Leaf::StringsEqual { equal, lhs, rhs })
            }
        }
    }

    fn member(&mut self, node: &Node, negated: bool, element: &Arg<Box<str>>, set: &SetArg) -> Op {
        let strings = self.columns.strings();
        // Strings no entity holds are left out: no column's string is one.
        let ids = |items: &[Box<str>]| -> Vec<u32> {
            let mut ids: Vec<u32> = items.iter().filter_map(|s| strings.get(s)).collect();
            ids.sort_unstable();
            ids
        };
        let whole = |items: &[Box<str>]| ConstSet {
            has: ids(items),
            lacks: None,
        };
        let set = match set {
            SetArg::List(items) => Operand::Same(Some(whole(items))),
            SetArg::Slot(Slot::Entity(column)) => Operand::Column(*column),
            SetArg::Slot(Slot::World(slot)) => Operand::Same(match self.world(*slot) {
                Some(Value::Set(items)) => Some(whole(items)),
                Some(Value::PartialSet { has, lacks }) => Some(ConstSet {
                    has: ids(has),
                    lacks: Some(ids(lacks)),
                }),
                _ => None,
            }),
        };
        match (self.string(element), set) {
            (Operand::Same(_), Operand::Same(_)) => self.fold(node),
            (Operand::Same(None), _) | (_, Operand::Same(None)) => Op::Const(Tri::Unknown),
            (Operand::Same(Some(Some(id))), Operand::Column(set)) => Op::Leaf(Leaf::Holds {
                negated,
                set,
                id,
                index: self.memberships.register(set, id),
            }),
            (Operand::Same(Some(None)), Operand::Column(set)) => {
                Op::Leaf(Leaf::Absent { negated, set })
            }
            (Operand::Column(column), Operand::Same(Some(ids))) => Op::Leaf(Leaf::InList {
                negated,
                column,
                ids,
            }),
            (Operand::Column(element), Operand::Column(set)) => Op::Leaf(Leaf::ColumnInSet {
                negated,
                element,
                set,
            }),
        }
    }
}

/// A set the same for every entity, as string ids: a list, or a world set
/// (given whole, or known in part: then `lacks` holds what it lacks).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConstSet {
    /// The ids it holds, sorted.
    pub(crate) has: Vec<u32>,
    /// For a set known in part, the ids it lacks, sorted.
    pub(crate) lacks: Option<Vec<u32>>,
}

impl ConstSet {
    /// Whether the set holds string `id` ([`crate::eval::member`]).
    #[inline]
    pub(crate) fn member(&self, id: u32) -> Tri {
        let among = |ids: &Vec<u32>| ids.binary_search(&id).is_ok();
        crate::eval::member(
            among(&self.has),
            self.lacks.as_ref().is_some_and(among),
            self.lacks.is_some(),
        )
    }
}

/// Which strings the rules look for in which set columns. At the start of
/// each block, a bitset for each (set column, string) asked about is filled
/// from the column's postings (built once per snapshot), instead of a search
/// per entity for every `in`.
#[derive(Default)]
pub(super) struct Memberships {
    index: std::collections::HashMap<(u32, u32), usize>,
    /// By membership index: the snapshot's bitset, when it keeps one.
    cached: Vec<Option<std::sync::Arc<FixedBitSet>>>,
}

impl Memberships {
    /// The index of the bitset for string `id` in set column `set`.
    fn register(&mut self, set: u32, id: u32) -> usize {
        let next = self.index.len();
        *self.index.entry((set, id)).or_insert(next)
    }

    /// Words of block-local bitsets the memberships need.
    pub(super) fn words(&self) -> usize {
        self.index.len() * BLOCK_WORDS
    }

    /// Takes the snapshot's membership bitsets (built on first use).
    pub(super) fn cache(mut self, columns: &Columns) -> Memberships {
        let mut cached = vec![None; self.index.len()];
        for (&(set, id), &index) in &self.index {
            if let Some(cell) = cached.get_mut(index) {
                *cell = columns.membership(set, id);
            }
        }
        self.cached = cached;
        self
    }

    /// Fills the block's membership bitsets, `BLOCK_WORDS` words each: a copy
    /// of the snapshot's bitset, or else from the set column's postings (the
    /// cost is the entities that hold the string, not every string of every set).
    pub(super) fn fill(&self, columns: &Columns, first_word: usize, out: &mut [Word]) {
        out.fill(0);
        let first = first_word * WORD_BITS;
        let last = first + BLOCK_ENTITIES;
        for (&(set, id), &index) in &self.index {
            if let Some(Some(bits)) = self.cached.get(index) {
                let from = bits.as_slice().get(first_word..).unwrap_or(&[]);
                let words = out
                    .get_mut(index * BLOCK_WORDS..(index + 1) * BLOCK_WORDS)
                    .unwrap_or(&mut []);
                words
                    .iter_mut()
                    .zip(from)
                    .for_each(|(to, from)| *to = *from);
                continue;
            }
            let holders = columns.holders(set, id);
            let from = holders.partition_point(|&e| (e as usize) < first);
            let words = out
                .get_mut(index * BLOCK_WORDS..(index + 1) * BLOCK_WORDS)
                .unwrap_or(&mut []);
            for &entity in holders.get(from..).unwrap_or(&[]) {
                let entity = entity as usize;
                if entity >= last {
                    break;
                }
                let offset = entity - first;
                if let Some(word) = words.get_mut(offset / WORD_BITS) {
                    *word |= 1 << (offset % WORD_BITS);
                }
            }
        }
    }
}

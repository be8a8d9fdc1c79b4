//! Batch: every entity at once, a machine word of entities per operation.
//!
//! Facts are stored column by column ([`Columns`]); each entity rule is
//! evaluated for [`BLOCK_ENTITIES`] entities at a time as bitsets. A
//! three-valued column is a pair of bitsets, *is true* and *is false* (an
//! entity in neither is unknown: the "known" bitset is their union), and
//! Kleene's logic becomes word operations on the pairs:
//!
//! | Kleene | is true | is false |
//! | --- | --- | --- |
//! | `a and b` | `t_a & t_b` | `f_a \| f_b` |
//! | `a or b` | `t_a \| t_b` | `f_a & f_b` |
//! | `not a` | `f_a` | `t_a` |
//!
//! A comparison becomes a bitset computed from its column once per block,
//! masked by the column's known bits; the membership of a constant string in
//! a set column is a bitset built once per snapshot (from the column's
//! postings) and kept with it, read like a `bool` column afterwards.
//!
//! [`compile`] does the folding once for a snapshot; the [`Compiled`] rules
//! evaluate every entity ([`Compiled::evaluate`]) or one entity at a time
//! ([`Compiled::entity`]), the hot path for a program that asks about one
//! entity of a loaded snapshot. Everything that reads
//! no entity fact — world facts, world rules, constants — is folded into a
//! constant before the first block, by the single-entity evaluator itself.
//! Blocks are independent, so with the `parallel` feature they are spread
//! over every core (rayon); a block's rules run in evaluation order, and a
//! rule that refers to another reads that rule's bits for the same block.
//!
//! Architecture invariant: reads only a compiled [`Program`] and
//! [`Columns`]; agrees with [`crate::eval`] on every verdict (a property
//! test compares them on random rule sets); allocates per call and per
//! thread, never per entity or per block; cannot fail.

mod columns;

pub use columns::Columns;

use fixedbitset::FixedBitSet;

use crate::check::RuleId;
use crate::compile::{Arg, Node, Program, SetArg, Slot};
use crate::eval::{self, Tri, Verdicts};
use crate::facts::Value;
use crate::syntax::ast::CompareOp;
use columns::{Column, set_items};

/// A machine word of entities.
type Word = fixedbitset::Block;

/// Entities per word.
const WORD_BITS: usize = Word::BITS as usize;

/// Words of entities evaluated together: small enough that a block's
/// intermediate bitsets stay in the first-level cache.
const BLOCK_WORDS: usize = 16;

/// Entities evaluated together.
pub const BLOCK_ENTITIES: usize = BLOCK_WORDS * WORD_BITS;

/// One three-valued bitset over a block: is-true words, then is-false words.
const PAIR: usize = 2 * BLOCK_WORDS;

/// How many entities satisfy, do not satisfy, or leave undetermined a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Counts {
    /// Entities for which the rule is satisfied.
    pub satisfied: usize,
    /// Entities for which it is unsatisfied.
    pub unsatisfied: usize,
    /// Entities for which it is undetermined.
    pub undetermined: usize,
}

/// The verdicts of a batch evaluation: world rules once, entity rules as bitsets.
///
/// ```
/// use prereq::{RuleSet, Tri};
/// use prereq::batch::{self, Columns};
/// let rules = RuleSet::parse("r.rules", "
///     world fact ceasefire: bool
///     fact troops_offered: number
///     rule deploy requires ceasefire and troops_offered >= 1000
/// ")?;
/// let schema = rules.program().schema();
/// let columns = Columns::from_json_str(schema, "facts.json", r#"
///     {"world": {"ceasefire": true},
///      "entities": {"UK": {"troops_offered": 10000}, "Malta": {"troops_offered": 0}, "Ireland": {}}}
/// "#)?;
/// let verdicts = batch::evaluate(rules.program(), &columns);
/// let deploy = rules.resolved().rule_id("deploy").unwrap();
/// assert_eq!(verdicts.get(0, deploy), Tri::True);
/// assert_eq!(verdicts.get(1, deploy), Tri::False);
/// assert_eq!(verdicts.get(2, deploy), Tri::Unknown);
/// assert_eq!(verdicts.counts(deploy).satisfied, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BatchVerdicts {
    len: usize,
    /// By rule id: world rules' verdicts; `None` for entity rules.
    world: Vec<Option<Tri>>,
    /// By rule id: the rule's position among entity rules.
    position: Vec<Option<usize>>,
    entity_rules: usize,
    /// Block after block; in each, every entity rule's pair of bitsets.
    words: Vec<Word>,
}

impl BatchVerdicts {
    /// How many entities were evaluated.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there were no entities.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The verdict of `rule` for entity `entity` (a world rule's for anyone).
    pub fn get(&self, entity: usize, rule: RuleId) -> Tri {
        if let Some(Some(verdict)) = self.world.get(rule.index()) {
            return *verdict;
        }
        let Some(Some(position)) = self.position.get(rule.index()) else {
            return Tri::Unknown;
        };
        if entity >= self.len {
            return Tri::Unknown;
        }
        let block = entity / BLOCK_ENTITIES;
        let word = entity % BLOCK_ENTITIES / WORD_BITS;
        let bit = 1 << (entity % WORD_BITS);
        let at = block * self.entity_rules * PAIR + position * PAIR + word;
        let is = |offset: usize| self.words.get(at + offset).is_some_and(|w| w & bit != 0);
        match (is(0), is(BLOCK_WORDS)) {
            (true, _) => Tri::True,
            (_, true) => Tri::False,
            _ => Tri::Unknown,
        }
    }

    /// How many entities satisfy `rule`, do not, or are undetermined.
    pub fn counts(&self, rule: RuleId) -> Counts {
        let tally = |tri: Tri, n: usize| match tri {
            Tri::True => Counts {
                satisfied: n,
                ..Counts::default()
            },
            Tri::False => Counts {
                unsatisfied: n,
                ..Counts::default()
            },
            Tri::Unknown => Counts {
                undetermined: n,
                ..Counts::default()
            },
        };
        if let Some(Some(verdict)) = self.world.get(rule.index()) {
            return tally(*verdict, self.len);
        }
        let Some(Some(position)) = self.position.get(rule.index()) else {
            return tally(Tri::Unknown, self.len);
        };
        let ones = |words: &[Word]| words.iter().map(|w| w.count_ones() as usize).sum::<usize>();
        let (mut satisfied, mut unsatisfied) = (0, 0);
        for block in self.words.chunks(self.entity_rules * PAIR) {
            let pair = block
                .get(position * PAIR..(position + 1) * PAIR)
                .unwrap_or(&[]);
            let (t, f) = pair.split_at(pair.len() / 2);
            satisfied += ones(t);
            unsatisfied += ones(f);
        }
        Counts {
            satisfied,
            unsatisfied,
            undetermined: self.len - satisfied - unsatisfied,
        }
    }

    /// The entities for which `rule` is satisfied, as a bitset.
    pub fn satisfied(&self, rule: RuleId) -> FixedBitSet {
        let mut set = FixedBitSet::with_capacity(self.len);
        for entity in 0..self.len {
            if self.get(entity, rule) == Tri::True {
                set.insert(entity);
            }
        }
        set
    }

    /// The same verdicts laid out entity by entity, as reports read them.
    pub fn to_verdicts(&self) -> Verdicts {
        let rule_count = self.world.len();
        let world: Vec<Tri> = self
            .world
            .iter()
            .map(|v| v.unwrap_or(Tri::Unknown))
            .collect();
        let mut entities = Vec::with_capacity(rule_count * self.len);
        for entity in 0..self.len {
            entities.extend((0..rule_count).map(|rule| self.get(entity, RuleId(rule as u32))));
        }
        Verdicts::from_parts(rule_count, world, entities)
    }
}

/// Evaluates every rule for every entity of `columns`, a block at a time.
pub fn evaluate(program: &Program, columns: &Columns) -> BatchVerdicts {
    compile(program, columns).evaluate()
}

/// Compiles the rules against one columnar snapshot: world facts and world
/// rules folded into constants, string constants into the snapshot's ids.
/// The result evaluates every entity as bitsets ([`Compiled::evaluate`]), or
/// one entity at a time ([`Compiled::entity`]) with no lookup, hashing or
/// allocation: the compiled form for hot paths.
///
/// ```
/// use prereq::{RuleSet, Tri};
/// use prereq::batch::{self, Columns};
/// let rules = RuleSet::parse("r.rules", "
///     world fact ceasefire: bool
///     fact troops_offered: number
///     rule willing requires troops_offered >= 1
///     rule deploy requires ceasefire and willing
/// ")?;
/// let columns = Columns::from_json_str(rules.program().schema(), "facts.json", r#"
///     {"world": {"ceasefire": true}, "entities": {"UK": {"troops_offered": 10000}, "Ireland": {}}}
/// "#)?;
/// let compiled = batch::compile(rules.program(), &columns);
/// let deploy = compiled.plan(rules.resolved().rule_id("deploy").unwrap());
/// let mut scratch = compiled.scratch();
/// assert_eq!(compiled.entity(&deploy, 0, &mut scratch), Tri::True);
/// assert_eq!(compiled.entity(&deploy, 1, &mut scratch), Tri::Unknown);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compile<'c>(program: &Program, columns: &'c Columns) -> Compiled<'c> {
    let rule_count = program.rule_count();
    let mut world_verdicts = vec![Tri::Unknown; rule_count];
    eval::evaluate_rules(
        program.world_rules(),
        columns.world(),
        &[],
        &mut world_verdicts,
    );
    let mut world = vec![None; rule_count];
    for rule in program.world_rules() {
        if let (Some(cell), Some(verdict)) = (
            world.get_mut(rule.id.index()),
            world_verdicts.get(rule.id.index()),
        ) {
            *cell = Some(*verdict);
        }
    }
    let mut position = vec![None; rule_count];
    for (index, rule) in program.entity_rules().iter().enumerate() {
        if let Some(cell) = position.get_mut(rule.id.index()) {
            *cell = Some(index);
        }
    }
    let lowering = Lowering {
        columns,
        world_verdicts: &world_verdicts,
        position: &position,
    };
    let mut memberships = Memberships::default();
    let rules = program
        .entity_rules()
        .iter()
        .map(|rule| memberships.hoist(lowering.lower(&rule.condition)))
        .collect();
    Compiled {
        kernel: Kernel {
            rules,
            columns,
            memberships: memberships.cache(columns),
            len: columns.len(),
        },
        world,
        position,
    }
}

/// Rules compiled against one columnar snapshot (see [`compile`]).
pub struct Compiled<'c> {
    kernel: Kernel<'c>,
    /// By rule id: world rules' verdicts; `None` for entity rules.
    world: Vec<Option<Tri>>,
    /// By rule id: the rule's position among entity rules.
    position: Vec<Option<usize>>,
}

/// What evaluating one rule for one entity takes: the entity rules it
/// reads, directly or not, in evaluation order (see [`Compiled::plan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The rule's verdict when it is a world rule (the same for everyone).
    world: Option<Tri>,
    /// Positions of the entity rules to evaluate, the rule itself last.
    positions: Vec<usize>,
}

impl Compiled<'_> {
    /// Every rule for every entity, a block of entities at a time.
    pub fn evaluate(&self) -> BatchVerdicts {
        BatchVerdicts {
            len: self.kernel.len,
            world: self.world.clone(),
            position: self.position.clone(),
            entity_rules: self.kernel.rules.len(),
            words: self.kernel.run(),
        }
    }

    /// The entity rules `rule` needs, in evaluation order.
    pub fn plan(&self, rule: RuleId) -> Plan {
        let world = self.world.get(rule.index()).copied().flatten();
        let Some(Some(target)) = self.position.get(rule.index()).copied() else {
            return Plan {
                world: Some(world.unwrap_or(Tri::Unknown)),
                positions: Vec::new(),
            };
        };
        let mut needed = vec![false; target + 1];
        if let Some(cell) = needed.get_mut(target) {
            *cell = true;
        }
        for position in (0..=target).rev() {
            if needed.get(position) == Some(&true) {
                if let Some(op) = self.kernel.rules.get(position) {
                    mark_rules(op, &mut needed);
                }
            }
        }
        Plan {
            world: None,
            positions: (0..=target)
                .filter(|p| needed.get(*p) == Some(&true))
                .collect(),
        }
    }

    /// Working memory for [`Compiled::entity`]: one verdict per entity rule.
    pub fn scratch(&self) -> Vec<Tri> {
        vec![Tri::Unknown; self.kernel.rules.len()]
    }

    /// The verdict of the plan's rule for entity `entity`, evaluating the
    /// rules it needs one after the other; `scratch` comes from
    /// [`Compiled::scratch`] and is reused from call to call.
    pub fn entity(&self, plan: &Plan, entity: usize, scratch: &mut [Tri]) -> Tri {
        if let Some(verdict) = plan.world {
            return verdict;
        }
        let mut verdict = Tri::Unknown;
        for &position in &plan.positions {
            let Some(op) = self.kernel.rules.get(position) else {
                continue;
            };
            verdict = self.kernel.one(op, entity, scratch);
            if let Some(cell) = scratch.get_mut(position) {
                *cell = verdict;
            }
        }
        verdict
    }
}

/// Marks the entity rules `op` reads.
fn mark_rules(op: &Op, needed: &mut [bool]) {
    match op {
        Op::Rule(position) => {
            if let Some(cell) = needed.get_mut(*position) {
                *cell = true;
            }
        }
        Op::Not(inner) => mark_rules(inner, needed),
        Op::And(parts) | Op::Or(parts) => parts.iter().for_each(|part| mark_rules(part, needed)),
        Op::Same { lhs, rhs, .. } => {
            mark_rules(lhs, needed);
            mark_rules(rhs, needed);
        }
        _ => {}
    }
}

/// A condition specialised to one snapshot: world facts and world rules
/// folded into constants, strings into interned ids, entity facts into columns.
#[derive(Debug, Clone, PartialEq)]
enum Op {
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
    /// A number column against a constant.
    Compare {
        op: CompareOp,
        column: u32,
        constant: f64,
    },
    /// Two number columns.
    CompareColumns {
        op: CompareOp,
        lhs: u32,
        rhs: u32,
    },
    /// A string column against a constant (`None`: a string no entity holds).
    StringIs {
        equal: bool,
        column: u32,
        id: Option<u32>,
    },
    /// Two string columns.
    StringsEqual {
        equal: bool,
        lhs: u32,
        rhs: u32,
    },
    /// A constant string in a set column, computed with the others of the
    /// block: membership bitset `index` has the entities whose set holds it.
    Holds {
        negated: bool,
        set: u32,
        id: u32,
        index: usize,
    },
    /// A constant string in a set column.
    Contains {
        negated: bool,
        set: u32,
        id: Option<u32>,
    },
    /// A string column in a constant list of ids.
    InList {
        negated: bool,
        column: u32,
        ids: Vec<u32>,
    },
    /// A string column in a set column.
    ColumnInSet {
        negated: bool,
        element: u32,
        set: u32,
    },
}

/// An operand: a constant for every entity (`None`: unknown), or a column.
enum Operand<T> {
    Same(Option<T>),
    Column(u32),
}

struct Lowering<'a> {
    columns: &'a Columns,
    world_verdicts: &'a [Tri],
    position: &'a [Option<usize>],
}

impl Lowering<'_> {
    /// The node's value when it reads no entity fact.
    fn fold(&self, node: &Node) -> Op {
        Op::Const(eval::evaluate_node(
            node,
            self.columns.world(),
            &[],
            self.world_verdicts,
        ))
    }

    fn lower(&self, node: &Node) -> Op {
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
        &self,
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
        self.columns
            .world()
            .get(slot as usize)
            .and_then(Option::as_ref)
    }

    fn number(&self, arg: &Arg<f64>) -> Operand<f64> {
        match arg {
            Arg::Const(n) => Operand::Same(Some(*n)),
            Arg::Slot(Slot::Entity(column)) => Operand::Column(*column),
            Arg::Slot(Slot::World(slot)) => Operand::Same(match self.world(*slot) {
                Some(Value::Number(n)) => Some(*n),
                _ => None,
            }),
        }
    }

    fn numbers(&self, node: &Node, op: CompareOp, lhs: &Arg<f64>, rhs: &Arg<f64>) -> Op {
        match (self.number(lhs), self.number(rhs)) {
            (Operand::Same(_), Operand::Same(_)) => self.fold(node),
            (Operand::Same(None), _) | (_, Operand::Same(None)) => Op::Const(Tri::Unknown),
            (Operand::Column(column), Operand::Same(Some(constant))) => Op::Compare {
                op,
                column,
                constant,
            },
            (Operand::Same(Some(constant)), Operand::Column(column)) => Op::Compare {
                op: op.mirrored(),
                column,
                constant,
            },
            (Operand::Column(lhs), Operand::Column(rhs)) => Op::CompareColumns { op, lhs, rhs },
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
                Op::StringIs { equal, column, id }
            }
            (Operand::Column(lhs), Operand::Column(rhs)) => Op::StringsEqual { equal, lhs, rhs },
        }
    }

    fn member(&self, node: &Node, negated: bool, element: &Arg<Box<str>>, set: &SetArg) -> Op {
        let strings = self.columns.strings();
        let ids = |items: &[Box<str>]| -> Vec<u32> {
            let mut ids: Vec<u32> = items.iter().filter_map(|s| strings.get(s)).collect();
            ids.sort_unstable();
            ids
        };
        let set = match set {
            SetArg::List(items) => Operand::Same(Some(ids(items))),
            SetArg::Slot(Slot::Entity(column)) => Operand::Column(*column),
            SetArg::Slot(Slot::World(slot)) => Operand::Same(match self.world(*slot) {
                Some(Value::Set(items)) => Some(ids(items)),
                _ => None,
            }),
        };
        match (self.string(element), set) {
            (Operand::Same(_), Operand::Same(_)) => self.fold(node),
            (Operand::Same(None), _) | (_, Operand::Same(None)) => Op::Const(Tri::Unknown),
            (Operand::Same(Some(id)), Operand::Column(set)) => Op::Contains { negated, set, id },
            (Operand::Column(column), Operand::Same(Some(ids))) => Op::InList {
                negated,
                column,
                ids,
            },
            (Operand::Column(element), Operand::Column(set)) => Op::ColumnInSet {
                negated,
                element,
                set,
            },
        }
    }
}

/// Which strings the rules look for in which set columns. At the start of
/// each block, a bitset for each (set column, string) asked about is filled
/// from the column's postings (built once per snapshot), instead of a search
/// per entity for every `in`.
#[derive(Default)]
struct Memberships {
    index: std::collections::HashMap<(u32, u32), usize>,
    /// By membership index: the snapshot's bitset, when it keeps one.
    cached: Vec<Option<std::sync::Arc<FixedBitSet>>>,
}

impl Memberships {
    /// Replaces every `Contains` of a string some entity holds with `Holds`.
    fn hoist(&mut self, op: Op) -> Op {
        let mut hoist_all =
            |ops: Vec<Op>| -> Vec<Op> { ops.into_iter().map(|op| self.hoist(op)).collect() };
        match op {
            Op::Contains {
                negated,
                set,
                id: Some(id),
            } => {
                let next = self.index.len();
                Op::Holds {
                    negated,
                    set,
                    id,
                    index: *self.index.entry((set, id)).or_insert(next),
                }
            }
            Op::Not(inner) => Op::Not(Box::new(self.hoist(*inner))),
            Op::And(parts) => Op::And(hoist_all(parts)),
            Op::Or(parts) => Op::Or(hoist_all(parts)),
            Op::Same { equal, lhs, rhs } => Op::Same {
                equal,
                lhs: Box::new(self.hoist(*lhs)),
                rhs: Box::new(self.hoist(*rhs)),
            },
            other => other,
        }
    }

    /// Words of block-local bitsets the memberships need.
    fn words(&self) -> usize {
        self.index.len() * BLOCK_WORDS
    }

    /// Takes the snapshot's membership bitsets (built on first use).
    fn cache(mut self, columns: &Columns) -> Memberships {
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
    fn fill(&self, columns: &Columns, first_word: usize, out: &mut [Word]) {
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

/// The lowered entity rules and the columns they read.
struct Kernel<'a> {
    rules: Vec<Op>,
    columns: &'a Columns,
    memberships: Memberships,
    len: usize,
}

impl Kernel<'_> {
    /// Every block's verdicts, block after block.
    fn run(&self) -> Vec<Word> {
        let region = self.rules.len() * PAIR;
        let blocks = self.len.div_ceil(BLOCK_ENTITIES);
        let mut words = vec![0; blocks * region];
        if region == 0 {
            return words;
        }
        let scratch = || {
            let depth = self.rules.iter().map(depth).max().unwrap_or(0);
            Scratch {
                pairs: vec![0; depth * PAIR],
                memberships: vec![0; self.memberships.words()],
            }
        };
        #[cfg(feature = "parallel")]
        {
            use rayon::prelude::*;
            words
                .par_chunks_mut(region)
                .enumerate()
                .for_each_init(scratch, |scratch, (block, out)| {
                    self.block(block, out, scratch)
                });
        }
        #[cfg(not(feature = "parallel"))]
        {
            let mut scratch = scratch();
            for (block, out) in words.chunks_mut(region).enumerate() {
                self.block(block, out, &mut scratch);
            }
        }
        words
    }

    /// The value of `op` for one entity, given the verdicts (by position)
    /// of the entity rules evaluated before it.
    fn one(&self, op: &Op, entity: usize, done: &[Tri]) -> Tri {
        let column = |c: &u32| self.columns.column(*c);
        let known = |c: &Column| c.known().contains(entity);
        match op {
            Op::Const(value) => *value,
            Op::Bool(c) => match column(c) {
                Some(Column::Bool { value, known }) if known.contains(entity) => {
                    Tri::from(value.contains(entity))
                }
                _ => Tri::Unknown,
            },
            Op::Rule(position) => done.get(*position).copied().unwrap_or(Tri::Unknown),
            Op::Not(inner) => !self.one(inner, entity, done),
            Op::And(parts) => {
                let mut result = Tri::True;
                for part in parts {
                    match self.one(part, entity, done) {
                        Tri::False => return Tri::False,
                        value => result = result.min(value),
                    }
                }
                result
            }
            Op::Or(parts) => {
                let mut result = Tri::False;
                for part in parts {
                    match self.one(part, entity, done) {
                        Tri::True => return Tri::True,
                        value => result = result.max(value),
                    }
                }
                result
            }
            Op::Same { equal, lhs, rhs } => {
                let same = self.one(lhs, entity, done).iff(self.one(rhs, entity, done));
                if *equal { same } else { !same }
            }
            Op::Compare {
                op,
                column: c,
                constant,
            } => match self.number(*c, entity) {
                Some(n) => Tri::from(op.holds(&n, constant)),
                None => Tri::Unknown,
            },
            Op::CompareColumns { op, lhs, rhs } => {
                match (self.number(*lhs, entity), self.number(*rhs, entity)) {
                    (Some(a), Some(b)) => Tri::from(op.holds(&a, &b)),
                    _ => Tri::Unknown,
                }
            }
            Op::StringIs {
                equal,
                column: c,
                id,
            } => match self.string(*c, entity) {
                Some(value) => Tri::from((Some(value) == *id) == *equal),
                None => Tri::Unknown,
            },
            Op::StringsEqual { equal, lhs, rhs } => {
                match (self.string(*lhs, entity), self.string(*rhs, entity)) {
                    (Some(a), Some(b)) => Tri::from((a == b) == *equal),
                    _ => Tri::Unknown,
                }
            }
            Op::Holds {
                negated, set, id, ..
            }
            | Op::Contains {
                negated,
                set,
                id: Some(id),
            } => match self.set(*set, entity) {
                Some(items) => Tri::from(items.contains(id) != *negated),
                None => Tri::Unknown,
            },
            Op::Contains {
                negated,
                set,
                id: None,
            } => match column(set) {
                Some(c) if known(c) => Tri::from(*negated),
                _ => Tri::Unknown,
            },
            Op::InList {
                negated,
                column: c,
                ids,
            } => match self.string(*c, entity) {
                Some(value) => Tri::from(ids.binary_search(&value).is_ok() != *negated),
                None => Tri::Unknown,
            },
            Op::ColumnInSet {
                negated,
                element,
                set,
            } => match (self.string(*element, entity), self.set(*set, entity)) {
                (Some(value), Some(items)) => Tri::from(items.contains(&value) != *negated),
                _ => Tri::Unknown,
            },
        }
    }

    fn number(&self, column: u32, entity: usize) -> Option<f64> {
        match self.columns.column(column) {
            Some(Column::Number { value, known }) if known.contains(entity) => {
                value.get(entity).copied()
            }
            _ => None,
        }
    }

    fn string(&self, column: u32, entity: usize) -> Option<u32> {
        match self.columns.column(column) {
            Some(Column::String { value, known }) if known.contains(entity) => {
                value.get(entity).copied()
            }
            _ => None,
        }
    }

    fn set(&self, column: u32, entity: usize) -> Option<&[u32]> {
        match self.columns.column(column) {
            Some(Column::Set { ends, items, known }) if known.contains(entity) => {
                Some(set_items(ends, items, entity))
            }
            _ => None,
        }
    }

    /// Evaluates every rule, in order, for one block.
    fn block(&self, block: usize, out: &mut [Word], scratch: &mut Scratch) {
        let first_word = block * BLOCK_WORDS;
        self.memberships
            .fill(self.columns, first_word, &mut scratch.memberships);
        let at = Block {
            first_word,
            columns: self.columns,
            memberships: &scratch.memberships,
        };
        for (position, rule) in self.rules.iter().enumerate() {
            let (done, rest) = out.split_at_mut(position * PAIR);
            let Some(pair) = rest.get_mut(..PAIR) else {
                return;
            };
            at.eval(rule, done, pair, &mut scratch.pairs);
            at.mask(pair, self.len);
        }
    }
}

/// A thread's working memory: temporary pairs, and the block's memberships.
struct Scratch {
    pairs: Vec<Word>,
    memberships: Vec<Word>,
}

/// How many temporary pairs evaluating `op` needs.
fn depth(op: &Op) -> usize {
    match op {
        Op::Not(inner) => depth(inner),
        Op::And(parts) | Op::Or(parts) => 1 + parts.iter().map(depth).max().unwrap_or(0),
        Op::Same { lhs, rhs, .. } => 1 + depth(lhs).max(depth(rhs)),
        _ => 0,
    }
}

/// One block of entities being evaluated.
struct Block<'a> {
    first_word: usize,
    columns: &'a Columns,
    /// The block's membership bitsets, `BLOCK_WORDS` words each.
    memberships: &'a [Word],
}

impl Block<'_> {
    /// Evaluates `op` into `pair` (is-true words, then is-false words).
    fn eval(&self, op: &Op, done: &[Word], pair: &mut [Word], scratch: &mut [Word]) {
        match op {
            Op::Const(value) => {
                let (t, f) = pair.split_at_mut(BLOCK_WORDS);
                t.fill(if *value == Tri::True { !0 } else { 0 });
                f.fill(if *value == Tri::False { !0 } else { 0 });
            }
            Op::Bool(column) => self.bool(*column, pair),
            Op::Rule(position) => {
                let from = done
                    .get(position * PAIR..(position + 1) * PAIR)
                    .unwrap_or(&[]);
                pair.fill(0);
                for (to, from) in pair.iter_mut().zip(from) {
                    *to = *from;
                }
            }
            Op::Not(inner) => {
                self.eval(inner, done, pair, scratch);
                let (t, f) = pair.split_at_mut(BLOCK_WORDS);
                t.swap_with_slice(f);
            }
            Op::And(parts) => self.junction(parts, true, done, pair, scratch),
            Op::Or(parts) => self.junction(parts, false, done, pair, scratch),
            Op::Same { equal, lhs, rhs } => {
                self.eval(lhs, done, pair, scratch);
                with_temporary(scratch, |other, scratch| {
                    self.eval(rhs, done, other, scratch);
                    let (t, f) = pair.split_at_mut(BLOCK_WORDS);
                    let (ot, of) = other.split_at(BLOCK_WORDS);
                    for (((t, f), ot), of) in t.iter_mut().zip(f).zip(ot).zip(of) {
                        let same = (*t & ot) | (*f & of);
                        let differ = (*t & of) | (*f & ot);
                        (*t, *f) = if *equal {
                            (same, differ)
                        } else {
                            (differ, same)
                        };
                    }
                });
            }
            Op::Compare {
                op,
                column,
                constant,
            } => {
                let c = *constant;
                // One loop per operator, so that each compiles to straight-line code.
                match op {
                    CompareOp::Eq => self.numbers(*column, pair, |n| n == c),
                    CompareOp::Ne => self.numbers(*column, pair, |n| n != c),
                    CompareOp::Lt => self.numbers(*column, pair, |n| n < c),
                    CompareOp::Le => self.numbers(*column, pair, |n| n <= c),
                    CompareOp::Gt => self.numbers(*column, pair, |n| n > c),
                    CompareOp::Ge => self.numbers(*column, pair, |n| n >= c),
                }
            }
            Op::CompareColumns { op, lhs, rhs } => self.compare_columns(*op, *lhs, *rhs, pair),
            Op::StringIs { equal, column, id } => {
                let is = |value: u32| Some(value) == *id;
                self.strings(*column, pair, |value| is(value) == *equal);
            }
            Op::StringsEqual { equal, lhs, rhs } => self.strings_equal(*equal, *lhs, *rhs, pair),
            Op::Holds {
                negated,
                set,
                index,
                ..
            } => self.holds(*negated, *set, *index, pair),
            Op::Contains { negated, set, id } => {
                let Some(id) = id else {
                    // No entity's set holds the string: `in` is false, and
                    // `not in` true, wherever the set is known.
                    self.known_as(*set, *negated, pair);
                    return;
                };
                self.sets(*set, pair, |items| items.contains(id) != *negated);
            }
            Op::InList {
                negated,
                column,
                ids,
            } => self.strings(*column, pair, |value| {
                ids.binary_search(&value).is_ok() != *negated
            }),
            Op::ColumnInSet {
                negated,
                element,
                set,
            } => self.column_in_set(*negated, *element, *set, pair),
        }
    }

    /// `and` (`conjunction`) or `or` of the parts, folded word by word.
    fn junction(
        &self,
        parts: &[Op],
        conjunction: bool,
        done: &[Word],
        pair: &mut [Word],
        scratch: &mut [Word],
    ) {
        let Some((first, rest)) = parts.split_first() else {
            return self.eval(&Op::Const(Tri::from(conjunction)), done, pair, scratch);
        };
        self.eval(first, done, pair, scratch);
        for part in rest {
            with_temporary(scratch, |other, scratch| {
                self.eval(part, done, other, scratch);
                let (t, f) = pair.split_at_mut(BLOCK_WORDS);
                let (ot, of) = other.split_at(BLOCK_WORDS);
                if conjunction {
                    t.iter_mut().zip(ot).for_each(|(t, o)| *t &= o);
                    f.iter_mut().zip(of).for_each(|(f, o)| *f |= o);
                } else {
                    t.iter_mut().zip(ot).for_each(|(t, o)| *t |= o);
                    f.iter_mut().zip(of).for_each(|(f, o)| *f &= o);
                }
            });
        }
    }

    /// The block's words of a bitset, zero beyond its end.
    fn words(&self, bits: &FixedBitSet) -> [Word; BLOCK_WORDS] {
        let mut words = [0; BLOCK_WORDS];
        if let Some(from) = bits.as_slice().get(self.first_word..) {
            words
                .iter_mut()
                .zip(from)
                .for_each(|(to, from)| *to = *from);
        }
        words
    }

    fn bool(&self, column: u32, pair: &mut [Word]) {
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        match self.columns.column(column) {
            Some(Column::Bool { value, known }) => {
                for (((t, f), value), known) in t
                    .iter_mut()
                    .zip(f)
                    .zip(self.words(value))
                    .zip(self.words(known))
                {
                    *t = value & known;
                    *f = !value & known;
                }
            }
            _ => {
                t.fill(0);
                f.fill(0);
            }
        }
    }

    fn holds(&self, negated: bool, set: u32, index: usize, pair: &mut [Word]) {
        let words = index * BLOCK_WORDS..(index + 1) * BLOCK_WORDS;
        let (Some(bits), Some(column)) = (self.memberships.get(words), self.columns.column(set))
        else {
            return pair.fill(0);
        };
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        let (yes, no) = if negated { (f, t) } else { (t, f) };
        for (((yes, no), holds), known) in yes
            .iter_mut()
            .zip(no)
            .zip(bits)
            .zip(self.words(column.known()))
        {
            *yes = holds & known;
            *no = !holds & known;
        }
    }

    /// Where the column is known, `value` for every entity: true or false.
    fn known_as(&self, column: u32, value: bool, pair: &mut [Word]) {
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        let (yes, no) = if value { (t, f) } else { (f, t) };
        no.fill(0);
        yes.fill(0);
        if let Some(column) = self.columns.column(column) {
            for (yes, known) in yes.iter_mut().zip(self.words(column.known())) {
                *yes = known;
            }
        }
    }

    /// Sets the pair from a test of each entity, where `known` says it applies.
    fn tested(&self, pair: &mut [Word], known: &FixedBitSet, mut test: impl FnMut(usize) -> bool) {
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        for (word, ((t, f), known)) in t.iter_mut().zip(f).zip(self.words(known)).enumerate() {
            let first = (self.first_word + word) * WORD_BITS;
            let mut bits: Word = 0;
            if known != 0 {
                for bit in 0..WORD_BITS {
                    bits |= Word::from(test(first + bit)) << bit;
                }
            }
            *t = bits & known;
            *f = !bits & known;
        }
    }

    fn numbers(&self, column: u32, pair: &mut [Word], test: impl Fn(f64) -> bool) {
        match self.columns.column(column) {
            Some(Column::Number { value, known }) => {
                let (t, f) = pair.split_at_mut(BLOCK_WORDS);
                for (word, ((t, f), known)) in
                    t.iter_mut().zip(f).zip(self.words(known)).enumerate()
                {
                    let first = (self.first_word + word) * WORD_BITS;
                    let full: Option<&[f64; WORD_BITS]> = value
                        .get(first..first + WORD_BITS)
                        .and_then(|values| values.try_into().ok());
                    let bits = match full {
                        // A whole word of values: a fixed-length loop the
                        // compiler unrolls and vectorises.
                        Some(values) => test_word(values, &test),
                        None => test_word_tail(value.get(first..).unwrap_or(&[]), &test),
                    };
                    *t = bits & known;
                    *f = !bits & known;
                }
            }
            _ => pair.fill(0),
        }
    }

    fn compare_columns(&self, op: CompareOp, lhs: u32, rhs: u32, pair: &mut [Word]) {
        match (self.columns.column(lhs), self.columns.column(rhs)) {
            (
                Some(Column::Number {
                    value: a,
                    known: ka,
                }),
                Some(Column::Number {
                    value: b,
                    known: kb,
                }),
            ) => {
                let both = intersection(ka, kb);
                self.tested(pair, &both, |i| match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => op.holds(x, y),
                    _ => false,
                });
            }
            _ => pair.fill(0),
        }
    }

    fn strings(&self, column: u32, pair: &mut [Word], test: impl Fn(u32) -> bool) {
        match self.columns.column(column) {
            Some(Column::String { value, known }) => {
                self.tested(pair, known, |i| value.get(i).is_some_and(|v| test(*v)));
            }
            _ => pair.fill(0),
        }
    }

    fn strings_equal(&self, equal: bool, lhs: u32, rhs: u32, pair: &mut [Word]) {
        match (self.columns.column(lhs), self.columns.column(rhs)) {
            (
                Some(Column::String {
                    value: a,
                    known: ka,
                }),
                Some(Column::String {
                    value: b,
                    known: kb,
                }),
            ) => {
                let both = intersection(ka, kb);
                self.tested(pair, &both, |i| (a.get(i) == b.get(i)) == equal);
            }
            _ => pair.fill(0),
        }
    }

    fn sets(&self, set: u32, pair: &mut [Word], test: impl Fn(&[u32]) -> bool) {
        match self.columns.column(set) {
            Some(Column::Set { ends, items, known }) => {
                self.tested(pair, known, |i| test(set_items(ends, items, i)));
            }
            _ => pair.fill(0),
        }
    }

    fn column_in_set(&self, negated: bool, element: u32, set: u32, pair: &mut [Word]) {
        match (self.columns.column(element), self.columns.column(set)) {
            (
                Some(Column::String { value, known: ke }),
                Some(Column::Set {
                    ends,
                    items,
                    known: ks,
                }),
            ) => {
                let both = intersection(ke, ks);
                self.tested(pair, &both, |i| {
                    let found = value
                        .get(i)
                        .is_some_and(|id| set_items(ends, items, i).contains(id));
                    found != negated
                });
            }
            _ => pair.fill(0),
        }
    }

    /// Clears the bits of entities past the last one.
    fn mask(&self, pair: &mut [Word], len: usize) {
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        for (word, (t, f)) in t.iter_mut().zip(f).enumerate() {
            let first = (self.first_word + word) * WORD_BITS;
            let keep = match len.saturating_sub(first) {
                0 => 0,
                n if n >= WORD_BITS => !0,
                n => (1 << n) - 1,
            };
            *t &= keep;
            *f &= keep;
        }
    }
}

/// One bit per value: whether it passes `test`. The tests fill a byte per
/// value (a loop the compiler vectorises), then each 8 bytes of 0 or 1 are
/// gathered into 8 bits with one multiplication: byte `i`, at bit `8i`,
/// times `2^(56 - 7i)` lands on bit `56 + i`, and no two partial products
/// share a bit, so nothing carries into the top byte.
fn test_word(values: &[f64; WORD_BITS], test: &impl Fn(f64) -> bool) -> Word {
    const GATHER: u64 = 0x0102_0408_1020_4080;
    let mut flags = [0u8; WORD_BITS];
    for (flag, n) in flags.iter_mut().zip(values) {
        *flag = u8::from(test(*n));
    }
    let mut bits: u64 = 0;
    for (byte, chunk) in flags.chunks_exact(8).enumerate() {
        let eight = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        bits |= (eight.wrapping_mul(GATHER) >> 56) << (8 * byte);
    }
    // A word holds WORD_BITS bits, so `bits` fits.
    Word::try_from(bits).unwrap_or(Word::MAX)
}

/// [`test_word`] for the last, partial word of values.
fn test_word_tail(values: &[f64], test: &impl Fn(f64) -> bool) -> Word {
    let mut bits: Word = 0;
    for (bit, n) in values.iter().take(WORD_BITS).enumerate() {
        bits |= Word::from(test(*n)) << bit;
    }
    bits
}

fn intersection(a: &FixedBitSet, b: &FixedBitSet) -> FixedBitSet {
    let mut both = a.clone();
    both.intersect_with(b);
    both
}

/// Runs `body` with a temporary pair taken from `scratch` and the scratch
/// left after it (a fresh one if the scratch is used up, which the depth
/// computed beforehand rules out).
fn with_temporary(scratch: &mut [Word], body: impl FnOnce(&mut [Word], &mut [Word])) {
    match scratch.split_at_mut_checked(PAIR) {
        Some((pair, rest)) => body(pair, rest),
        None => body(&mut [0; PAIR], &mut []),
    }
}

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

mod changes;
mod columns;
mod decide;
mod kernel;
mod load;
mod lower;
#[cfg(feature = "parquet")]
mod parquet;
mod plan;

pub use changes::FactChange;
pub use columns::{Columns, EntityNames};
pub use decide::{BoolFact, Decider, NumberFact, Request, SetFact, StringFact};
pub use plan::{Plan, Row, Scratch};

use crate::check::RuleId;
use crate::compile::Program;
use crate::eval::{self, Tri, Verdicts};
use crate::facts::Value;
use kernel::Kernel;
use lower::{Lowering, Memberships};
use plan::Planner;

/// A machine word of entities.
pub(crate) type Word = fixedbitset::Block;

/// Entities per word.
pub(crate) const WORD_BITS: usize = Word::BITS as usize;

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

    /// The entities that satisfy `rule`, one bit each, a word of entities
    /// at a time (bits past the last entity are zero).
    pub(crate) fn satisfied(&self, rule: RuleId) -> Vec<Word> {
        let words = self.len.div_ceil(WORD_BITS);
        if let Some(Some(verdict)) = self.world.get(rule.index()) {
            let all = if *verdict == Tri::True { Word::MAX } else { 0 };
            let mut bits = vec![all; words];
            if let (Some(last), true) = (bits.last_mut(), self.len % WORD_BITS != 0) {
                *last &= (1 << (self.len % WORD_BITS)) - 1;
            }
            return bits;
        }
        let Some(Some(position)) = self.position.get(rule.index()) else {
            return vec![0; words];
        };
        let mut bits = Vec::with_capacity(words);
        for block in self.words.chunks(self.entity_rules * PAIR) {
            let start = position * PAIR;
            bits.extend_from_slice(block.get(start..start + BLOCK_WORDS).unwrap_or(&[]));
        }
        bits.truncate(words);
        bits
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
    compile_with_world(program, columns, columns.world())
}

/// [`compile`] with other world facts than the snapshot's: what every
/// entity's verdicts would be if the world were `world` (a row by world
/// slot, as [`Columns`] holds it).
pub(crate) fn compile_with_world<'c>(
    program: &Program,
    columns: &'c Columns,
    world: &[Option<Value>],
) -> Compiled<'c> {
    let rule_count = program.rule_count();
    let mut world_verdicts = vec![Tri::Unknown; rule_count];
    eval::evaluate_rules(program.world_rules(), world, &[], &mut world_verdicts);
    let mut world_rules = vec![None; rule_count];
    for rule in program.world_rules() {
        if let (Some(cell), Some(verdict)) = (
            world_rules.get_mut(rule.id.index()),
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
    let mut lowering = Lowering {
        columns,
        world,
        world_verdicts: &world_verdicts,
        position: &position,
        memberships: Memberships::default(),
    };
    let rules = program
        .entity_rules()
        .iter()
        .map(|rule| lowering.lower(&rule.condition))
        .collect();
    Compiled {
        kernel: Kernel {
            rules,
            columns,
            memberships: lowering.memberships.cache(columns),
            len: columns.len(),
        },
        world: world_rules,
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

    /// What evaluating `rule` for one entity takes: the rule and the
    /// entity rules it reads, flattened into a few steps (see [`Plan`]).
    pub fn plan(&self, rule: RuleId) -> Plan {
        match (
            self.world.get(rule.index()).copied().flatten(),
            self.position.get(rule.index()).copied().flatten(),
        ) {
            (None, Some(position)) => Planner::plan(&self.kernel.rules, position),
            (world, _) => Plan::constant(world.unwrap_or(Tri::Unknown)),
        }
    }

    /// Working memory for [`Compiled::entity`] and [`Plan::evaluate`].
    pub fn scratch(&self) -> Scratch {
        Scratch::new(self.kernel.columns.column_count())
    }

    /// Entity `entity`'s facts as a [`Row`], for evaluating plans on it
    /// again and again without reading the columns.
    pub fn row(&self, entity: usize) -> Row {
        let columns = self.kernel.columns;
        let mut row = Row::unknown(columns.column_count());
        let every: Vec<u32> = (0..columns.column_count())
            .filter_map(|column| u32::try_from(column).ok())
            .collect();
        row.load(columns, &every, entity);
        row
    }

    /// The verdict of the plan's rule for entity `entity`: the columns the
    /// plan reads are copied into the scratch's row, then the plan runs
    /// ([`Plan::evaluate`]). `scratch` comes from [`Compiled::scratch`] and
    /// is reused from call to call.
    pub fn entity(&self, plan: &Plan, entity: usize, scratch: &mut Scratch) -> Tri {
        scratch
            .row
            .load(self.kernel.columns, plan.columns(), entity);
        plan.run(&scratch.row, &mut scratch.registers)
    }
}

//! Plans: one rule for one entity, as straight-line steps over bits.
//!
//! A [`Plan`] is what evaluating a rule for a single entity runs: the rule
//! and the rules it reads, flattened once. Every three-valued value is a
//! pair of bits (is true, is false) in one of two banks: the entity's
//! [`Row`], where a `bool` column's bits are the fact itself, or the plan's
//! registers, one per comparison, membership, `==` or nested junction. A
//! junction costs a few word operations per word of bits it reads, however
//! many parts it has, so the `and` of five facts is one mask test. A rule
//! that another rule reads as a part of the same kind (an `and` inside an
//! `and`) is spliced into it, since Kleene's `and` and `or` are associative
//! too: the coalition's `deploy`, which reads three rules, becomes one
//! comparison and one junction over the row.
//!
//! Most plans read at most 64 columns and write at most 64 registers; they
//! run in a narrow form ([`Narrow`]) that keeps both words in machine
//! registers and compares numbers inline. Wider plans run the general steps
//! over words in memory. Both come from the same steps ([`build`]).
//!
//! Architecture invariant: running a plan reads only the row and the
//! registers — no column lookup, hashing or allocation — and agrees with
//! the batch kernel on every verdict (property tests compare them, on small
//! rule sets and on wide ones).

mod build;
mod row;

pub(super) use build::Planner;
pub use row::Row;

use super::lower::Leaf;
use super::{WORD_BITS, Word};
use crate::eval::Tri;
use crate::syntax::ast::CompareOp;

/// Where a pair of bits lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bank {
    /// The entity's row: bit `i` is column `i`'s value (of a `bool` column).
    Row,
    /// The plan's registers.
    Registers,
}

/// A value a step reads: a constant, or a pair of bits, perhaps negated.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Literal {
    Const(Tri),
    Bit {
        bank: Bank,
        index: usize,
        negated: bool,
    },
}

impl Literal {
    fn register(index: usize) -> Literal {
        Literal::Bit {
            bank: Bank::Registers,
            index,
            negated: false,
        }
    }

    fn not(self) -> Literal {
        match self {
            Literal::Const(value) => Literal::Const(!value),
            Literal::Bit {
                bank,
                index,
                negated,
            } => Literal::Bit {
                bank,
                index,
                negated: !negated,
            },
        }
    }

    /// The literal's value, given the (is true, is false) words of each bank.
    fn read(self, words: impl Fn(Bank, usize) -> (Word, Word)) -> Tri {
        match self {
            Literal::Const(value) => value,
            Literal::Bit {
                bank,
                index,
                negated,
            } => {
                let (is_true, is_false) = words(bank, index / WORD_BITS);
                let value = tri(is_true, is_false, index % WORD_BITS);
                if negated { !value } else { value }
            }
        }
    }
}

/// The value of bit `bit` of an (is true, is false) pair of words.
fn tri(is_true: Word, is_false: Word, bit: usize) -> Tri {
    let mask: Word = 1 << bit;
    match (is_true & mask != 0, is_false & mask != 0) {
        (true, _) => Tri::True,
        (_, true) => Tri::False,
        _ => Tri::Unknown,
    }
}

/// Sets bit `bit` of an (is true, is false) pair of words to `value`
/// (both bits clear before).
fn write(words: &mut (Word, Word), bit: usize, value: Tri) {
    words.0 |= Word::from(value == Tri::True) << bit;
    words.1 |= Word::from(value == Tri::False) << bit;
}

/// The literals of a junction that lie in one word of one bank: bits read
/// as they are (`plain`) and negated.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Term {
    bank: Bank,
    word: usize,
    plain: Word,
    negated: Word,
}

impl Term {
    /// The term's literals: its plain bits, then its negated ones.
    fn literals(self) -> impl Iterator<Item = Literal> {
        [(self.plain, false), (self.negated, true)]
            .into_iter()
            .flat_map(move |(bits, negated)| {
                (0..WORD_BITS)
                    .filter(move |bit| bits & (1 << bit) != 0)
                    .map(move |bit| Literal::Bit {
                        bank: self.bank,
                        index: self.word * WORD_BITS + bit,
                        negated,
                    })
            })
    }
}

/// Kleene `and` (`conjunction`) or `or` over the literals of terms, each
/// given as (plain mask, negated mask, the (is true, is false) word read):
/// a part that decides alone (false for `and`, true for `or`) decides; the
/// junction takes the other value only if every part does and none is the
/// constant unknown (`undetermined`).
fn junction(
    conjunction: bool,
    undetermined: bool,
    terms: impl IntoIterator<Item = (Word, Word, (Word, Word))>,
) -> Tri {
    let mut decided: Word = 0;
    let mut every = !undetermined;
    for (plain, negated, (is_true, is_false)) in terms {
        let holds = (is_true & plain) | (is_false & negated);
        let fails = (is_false & plain) | (is_true & negated);
        let (deciding, other) = if conjunction {
            (fails, holds)
        } else {
            (holds, fails)
        };
        decided |= deciding;
        every &= other == plain | negated;
    }
    match (decided != 0, every) {
        (true, _) => Tri::from(!conjunction),
        (_, true) => Tri::from(conjunction),
        _ => Tri::Unknown,
    }
}

/// One step of a plan; each writes one register.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// A comparison or membership.
    Leaf { leaf: Leaf, to: usize },
    /// `and` (`conjunction`) or `or` of literals, one of which is the
    /// constant unknown when `undetermined`.
    Junction {
        conjunction: bool,
        undetermined: bool,
        terms: Box<[Term]>,
        to: usize,
    },
    /// `==` or `!=` between two values.
    Same { same: Same, to: usize },
}

/// `==` (`equal`) or `!=` between two values.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Same {
    equal: bool,
    lhs: Literal,
    rhs: Literal,
}

impl Same {
    fn value(self, words: impl Fn(Bank, usize) -> (Word, Word)) -> Tri {
        let same = self.lhs.read(&words).iff(self.rhs.read(&words));
        if self.equal { same } else { !same }
    }
}

impl Step {
    fn register(&self) -> usize {
        match self {
            Step::Leaf { to, .. } | Step::Junction { to, .. } | Step::Same { to, .. } => *to,
        }
    }

    /// The same step writing register `to`, reading registers as `remap` says.
    fn renumbered(&self, to: usize, remap: impl Fn(Literal) -> Literal) -> Step {
        match self {
            Step::Leaf { leaf, .. } => Step::Leaf {
                leaf: leaf.clone(),
                to,
            },
            Step::Junction {
                conjunction,
                undetermined,
                terms,
                ..
            } => {
                let literals: Vec<Literal> = terms
                    .iter()
                    .copied()
                    .flat_map(Term::literals)
                    .map(remap)
                    .collect();
                Step::Junction {
                    conjunction: *conjunction,
                    undetermined: *undetermined,
                    terms: build::terms(&literals),
                    to,
                }
            }
            Step::Same { same, .. } => Step::Same {
                same: Same {
                    lhs: remap(same.lhs),
                    rhs: remap(same.rhs),
                    ..*same
                },
                to,
            },
        }
    }

    /// The bits the step reads, besides its leaf's columns.
    fn reads(&self) -> Vec<Literal> {
        match self {
            Step::Leaf { .. } => Vec::new(),
            Step::Junction { terms, .. } => {
                terms.iter().copied().flat_map(Term::literals).collect()
            }
            Step::Same { same, .. } => vec![same.lhs, same.rhs],
        }
    }
}

/// What evaluating one rule for one entity takes (see
/// [`Compiled::plan`](super::Compiled::plan)): the rule and the rules it
/// reads, as steps over the entity's [`Row`] and a few registers.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    form: Form,
    /// The entity columns the plan reads, in order, without repeats.
    columns: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
enum Form {
    Narrow(Narrow),
    Wide(Wide),
}

impl Plan {
    /// The rule's verdict for the entity whose facts `row` holds (from
    /// [`Compiled::row`](super::Compiled::row) of the same compiled rules);
    /// `scratch` comes from [`Compiled::scratch`](super::Compiled::scratch)
    /// and is reused from call to call.
    ///
    /// ```
    /// use prereq::{RuleSet, Tri};
    /// use prereq::batch::{self, Columns};
    /// let rules = RuleSet::parse("r.rules", "
    ///     world fact ceasefire: bool
    ///     fact in_coalition: bool
    ///     fact troops_offered: number
    ///     rule willing requires in_coalition and troops_offered >= 1
    ///     rule deploy requires ceasefire and willing
    /// ")?;
    /// let columns = Columns::from_json_str(rules.program().schema(), "facts.json", r#"
    ///     {"world": {"ceasefire": true},
    ///      "entities": {"UK": {"in_coalition": true, "troops_offered": 10000},
    ///                   "Ireland": {"in_coalition": true}}}
    /// "#)?;
    /// let compiled = batch::compile(rules.program(), &columns);
    /// let deploy = compiled.plan(rules.resolved().rule_id("deploy").unwrap());
    /// let (uk, ireland) = (compiled.row(0), compiled.row(1));
    /// let mut scratch = compiled.scratch();
    /// assert_eq!(deploy.evaluate(&uk, &mut scratch), Tri::True);
    /// assert_eq!(deploy.evaluate(&ireland, &mut scratch), Tri::Unknown);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate(&self, row: &Row, scratch: &mut Scratch) -> Tri {
        self.run(row, &mut scratch.registers)
    }

    /// [`Plan::evaluate`] with the registers of a scratch whose row it may be
    /// reading.
    pub(super) fn run(&self, row: &Row, registers: &mut Vec<(Word, Word)>) -> Tri {
        match &self.form {
            Form::Narrow(narrow) => narrow.evaluate(row),
            Form::Wide(wide) => wide.evaluate(row, registers),
        }
    }

    /// A plan whose rule has the same verdict for everyone (a world rule).
    pub(super) fn constant(verdict: Tri) -> Plan {
        Plan {
            form: Form::Narrow(Narrow::constant(verdict)),
            columns: Vec::new(),
        }
    }

    /// The entity columns the plan reads.
    pub(super) fn columns(&self) -> &[u32] {
        &self.columns
    }
}

/// Working memory for evaluating plans: the registers of a wide plan, and
/// a row for [`Compiled::entity`](super::Compiled::entity) to fill.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    pub(super) registers: Vec<(Word, Word)>,
    pub(super) row: Row,
}

impl Scratch {
    /// Scratch for rules over `columns` entity columns.
    pub(super) fn new(columns: usize) -> Scratch {
        Scratch {
            registers: Vec::new(),
            row: Row::unknown(columns),
        }
    }
}

/// The general form: steps in order over words of registers in memory.
#[derive(Debug, Clone, PartialEq)]
struct Wide {
    steps: Vec<Step>,
    result: Literal,
    /// Words of registers the steps write.
    register_words: usize,
}

impl Wide {
    fn evaluate(&self, row: &Row, registers: &mut Vec<(Word, Word)>) -> Tri {
        registers.clear();
        registers.resize(self.register_words, (0, 0));
        for step in &self.steps {
            let words = |bank, word| wide_words(row, registers, bank, word);
            let value = match step {
                Step::Leaf { leaf, .. } => row.leaf(leaf),
                Step::Junction {
                    conjunction,
                    undetermined,
                    terms,
                    ..
                } => junction(
                    *conjunction,
                    *undetermined,
                    terms
                        .iter()
                        .map(|term| (term.plain, term.negated, words(term.bank, term.word))),
                ),
                Step::Same { same, .. } => same.value(words),
            };
            let to = step.register();
            if let Some(pair) = registers.get_mut(to / WORD_BITS) {
                write(pair, to % WORD_BITS, value);
            }
        }
        self.result
            .read(|bank, word| wide_words(row, registers, bank, word))
    }
}

/// Word `word` of a bank, for a wide plan.
fn wide_words(row: &Row, registers: &[(Word, Word)], bank: Bank, word: usize) -> (Word, Word) {
    match bank {
        Bank::Row => row.bools(word),
        Bank::Registers => registers.get(word).copied().unwrap_or((0, 0)),
    }
}

/// The form of a plan whose bits all lie in the first word of the row and
/// of the registers: the two words stay in machine registers, comparisons
/// of a number with a constant (the commonest leaf) are done inline, and a
/// junction reads one word of each bank.
#[derive(Debug, Clone, PartialEq)]
struct Narrow {
    compares: Box<[Compare]>,
    /// The other leaves, with their registers.
    leaves: Box<[(Leaf, usize)]>,
    steps: Box<[NarrowStep]>,
    result: Literal,
    /// Whether the result is the last step's value, and negated: read it
    /// straight from the step.
    result_is_last: Option<bool>,
}

/// A number column against a constant, into register `to`, as a range
/// test: `lo <= n <= hi`, or outside it when `negated` (for `!=`). Every
/// operator with a finite constant is one: `n > c` is `n >= c⁺`, the next
/// number up; a NaN fact is in no range, as it passes no comparison but `!=`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Compare {
    column: usize,
    lo: f64,
    hi: f64,
    negated: bool,
    /// Where the column is unknown: (is true, is false), 0 or 1 each.
    unknown: (Word, Word),
    to: usize,
}

impl Compare {
    /// `leaf` as a range test, if it compares a column with a finite constant.
    fn of(leaf: &Leaf, to: usize) -> Option<Compare> {
        let Leaf::Compare {
            op,
            column,
            constant,
            unknown,
        } = *leaf
        else {
            return None;
        };
        if !constant.is_finite() {
            return None;
        }
        let (lo, hi, negated) = match op {
            CompareOp::Eq => (constant, constant, false),
            CompareOp::Ne => (constant, constant, true),
            CompareOp::Lt => (f64::NEG_INFINITY, constant.next_down(), false),
            CompareOp::Le => (f64::NEG_INFINITY, constant, false),
            CompareOp::Gt => (constant.next_up(), f64::INFINITY, false),
            CompareOp::Ge => (constant, f64::INFINITY, false),
        };
        Some(Compare {
            column: column as usize,
            lo,
            hi,
            negated,
            unknown: (
                Word::from(unknown == Tri::True),
                Word::from(unknown == Tri::False),
            ),
            to,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NarrowStep {
    /// A junction's literals among the facts' bits and the registers'.
    Junction {
        conjunction: bool,
        undetermined: bool,
        facts: (Word, Word),
        registers: (Word, Word),
        to: usize,
    },
    Same {
        same: Same,
        to: usize,
    },
}

impl Narrow {
    fn constant(verdict: Tri) -> Narrow {
        Narrow {
            compares: Box::new([]),
            leaves: Box::new([]),
            steps: Box::new([]),
            result: Literal::Const(verdict),
            result_is_last: None,
        }
    }

    /// The narrow form of `steps` (reading `columns`), if every bit they
    /// read or write lies in the first word of its bank; leaves go first,
    /// since they read only the row.
    fn of(steps: &[Step], result: Literal, columns: &[u32]) -> Option<Narrow> {
        let fits = |n: usize| n <= WORD_BITS;
        if !fits(steps.len()) || !columns.last().is_none_or(|last| fits(*last as usize + 1)) {
            return None;
        }
        let (mut compares, mut leaves, mut narrow) = (Vec::new(), Vec::new(), Vec::new());
        for step in steps {
            match step {
                Step::Leaf { leaf, to } => match Compare::of(leaf, *to) {
                    Some(compare) => compares.push(compare),
                    None => leaves.push((leaf.clone(), *to)),
                },
                Step::Junction {
                    conjunction,
                    undetermined,
                    terms,
                    to,
                } => narrow.push(NarrowStep::Junction {
                    conjunction: *conjunction,
                    undetermined: *undetermined,
                    facts: first_word_masks(terms, Bank::Row)?,
                    registers: first_word_masks(terms, Bank::Registers)?,
                    to: *to,
                }),
                Step::Same { same, to } => narrow.push(NarrowStep::Same {
                    same: *same,
                    to: *to,
                }),
            }
        }
        let last = steps.last().map(Step::register);
        let result_is_last = match result {
            Literal::Bit {
                bank: Bank::Registers,
                index,
                negated,
            } if Some(index) == last && !narrow.is_empty() => Some(negated),
            _ => None,
        };
        Some(Narrow {
            compares: compares.into_boxed_slice(),
            leaves: leaves.into_boxed_slice(),
            steps: narrow.into_boxed_slice(),
            result,
            result_is_last,
        })
    }

    fn evaluate(&self, row: &Row) -> Tri {
        let facts = row.bools(0);
        let known = facts.0 | facts.1;
        let mut registers: (Word, Word) = (0, 0);
        for compare in &self.compares {
            let is_known = (known >> compare.column) & 1;
            let n = f64::from_bits(row.scalar_bits(compare.column));
            let holds = Word::from((compare.lo <= n && n <= compare.hi) != compare.negated);
            let is_unknown = is_known ^ 1;
            let (unknown_true, unknown_false) = compare.unknown;
            registers.0 |= ((is_known & holds) | (is_unknown & unknown_true)) << compare.to;
            registers.1 |= ((is_known & (holds ^ 1)) | (is_unknown & unknown_false)) << compare.to;
        }
        for (leaf, to) in &self.leaves {
            write(&mut registers, *to, row.leaf(leaf));
        }
        let mut last = Tri::Unknown;
        for step in &self.steps {
            let (value, to) = match *step {
                NarrowStep::Junction {
                    conjunction,
                    undetermined,
                    facts: (facts_plain, facts_negated),
                    registers: (registers_plain, registers_negated),
                    to,
                } => {
                    let terms = [
                        (facts_plain, facts_negated, facts),
                        (registers_plain, registers_negated, registers),
                    ];
                    (junction(conjunction, undetermined, terms), to)
                }
                NarrowStep::Same { same, to } => (same.value(narrow_words(facts, registers)), to),
            };
            write(&mut registers, to, value);
            last = value;
        }
        match self.result_is_last {
            Some(negated) => {
                if negated {
                    !last
                } else {
                    last
                }
            }
            None => self.result.read(narrow_words(facts, registers)),
        }
    }
}

/// The banks of a narrow plan: one word each.
fn narrow_words(
    facts: (Word, Word),
    registers: (Word, Word),
) -> impl Fn(Bank, usize) -> (Word, Word) {
    move |bank, _| match bank {
        Bank::Row => facts,
        Bank::Registers => registers,
    }
}

/// The (plain, negated) masks of the terms in bank `bank`, if they lie in
/// the bank's first word.
fn first_word_masks(terms: &[Term], bank: Bank) -> Option<(Word, Word)> {
    let mut masks = (0, 0);
    for term in terms.iter().filter(|term| term.bank == bank) {
        if term.word != 0 {
            return None;
        }
        masks = (term.plain, term.negated);
    }
    Some(masks)
}

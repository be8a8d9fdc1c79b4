//! Planning: the lowered rules a plan needs, flattened into steps.
//!
//! Rules are planned in evaluation order, each once, so a rule's
//! references are ready before it (no recursion from rule to rule, however
//! long a chain). Parts of the same kind are spliced; comparisons and
//! memberships are shared by every rule that reads them; steps nothing
//! reads are dropped at the end.

use super::{Bank, Form, Literal, Narrow, Plan, Same, Step, Term, Wide};
use crate::batch::lower::{Leaf, Op};
use crate::batch::{WORD_BITS, Word};
use crate::eval::Tri;

/// Spliced rules are copied into every rule that reads them; past this many
/// parts a rule is read from its register instead, so that a long chain of
/// rules does not grow quadratically.
const MAX_SPLICE: usize = 64;

/// Builds a [`Plan`] from the lowered entity rules.
pub(in crate::batch) struct Planner<'a> {
    /// Step `i` writes register `i`.
    steps: Vec<Step>,
    /// Leaves planned so far, with their registers.
    leaves: Vec<(&'a Leaf, usize)>,
    /// By rule position: its value, once planned.
    values: Vec<Option<Literal>>,
    /// By rule position: its parts when it is a junction that callers of
    /// the same kind may splice.
    spliceable: Vec<Option<(bool, Vec<Literal>)>>,
}

impl<'a> Planner<'a> {
    /// The plan of the rule at `target` among the lowered `rules`.
    pub(in crate::batch) fn plan(rules: &'a [Op], target: usize) -> Plan {
        let mut planner = Planner {
            steps: Vec::new(),
            leaves: Vec::new(),
            values: vec![None; rules.len()],
            spliceable: vec![None; rules.len()],
        };
        // Earlier rules first, so that a rule's references are planned
        // before it: no recursion from rule to rule, however long the chain.
        for position in needed(rules, target) {
            if let Some(op) = rules.get(position) {
                let value = planner.value(op, Some(position));
                if let Some(cell) = planner.values.get_mut(position) {
                    *cell = Some(value);
                }
            }
        }
        let result = planner
            .values
            .get(target)
            .copied()
            .flatten()
            .unwrap_or(Literal::Const(Tri::Unknown));
        planner.finish(result)
    }

    /// The value of `op`; `rule` is the position of the rule it is the whole
    /// condition of.
    fn value(&mut self, op: &'a Op, rule: Option<usize>) -> Literal {
        match op {
            Op::Const(value) => Literal::Const(*value),
            Op::Bool(column) => Literal::Bit {
                bank: Bank::Row,
                index: *column as usize,
                negated: false,
            },
            Op::Rule(position) => self
                .values
                .get(*position)
                .copied()
                .flatten()
                .unwrap_or(Literal::Const(Tri::Unknown)),
            Op::Not(inner) => self.value(inner, None).not(),
            Op::And(parts) => self.junction(parts, true, rule),
            Op::Or(parts) => self.junction(parts, false, rule),
            Op::Same { equal, lhs, rhs } => {
                let same = Same {
                    equal: *equal,
                    lhs: self.value(lhs, None),
                    rhs: self.value(rhs, None),
                };
                match (same.lhs, same.rhs) {
                    // Constants read no bank.
                    (Literal::Const(_), Literal::Const(_)) => {
                        Literal::Const(same.value(|_, _| (0, 0)))
                    }
                    _ => self.step(|to| Step::Same { same, to }),
                }
            }
            Op::Leaf(leaf) => {
                if let Some((_, register)) = self.leaves.iter().find(|(seen, _)| *seen == leaf) {
                    return Literal::register(*register);
                }
                self.leaves.push((leaf, self.steps.len()));
                self.step(|to| Step::Leaf {
                    leaf: leaf.clone(),
                    to,
                })
            }
        }
    }

    /// Adds a step writing a new register; its value is that register.
    fn step(&mut self, make: impl FnOnce(usize) -> Step) -> Literal {
        let to = self.steps.len();
        self.steps.push(make(to));
        Literal::register(to)
    }

    /// `and` (`conjunction`) or `or` of `parts`, with parts of the same
    /// kind (nested junctions, spliceable rules) spliced in.
    fn junction(&mut self, parts: &'a [Op], conjunction: bool, rule: Option<usize>) -> Literal {
        let mut literals = Vec::new();
        self.gather(parts, conjunction, &mut literals);
        let absorbing = Tri::from(!conjunction);
        if literals.contains(&Literal::Const(absorbing)) {
            return Literal::Const(absorbing);
        }
        literals.retain(|literal| *literal != Literal::Const(Tri::from(conjunction)));
        let undetermined = literals.contains(&Literal::Const(Tri::Unknown));
        let bits: Vec<Literal> = literals
            .iter()
            .copied()
            .filter(|literal| matches!(literal, Literal::Bit { .. }))
            .collect();
        match (bits.as_slice(), undetermined) {
            ([], true) => return Literal::Const(Tri::Unknown),
            ([], false) => return Literal::Const(Tri::from(conjunction)),
            ([only], false) => return *only,
            _ => {}
        }
        let terms = terms(&bits);
        let value = self.step(|to| Step::Junction {
            conjunction,
            undetermined,
            terms,
            to,
        });
        if let Some(cell) = rule.and_then(|position| self.spliceable.get_mut(position)) {
            if literals.len() <= MAX_SPLICE {
                *cell = Some((conjunction, literals));
            }
        }
        value
    }

    /// The literals of `parts`, splicing parts that are junctions of the
    /// same kind.
    fn gather(&mut self, parts: &'a [Op], conjunction: bool, out: &mut Vec<Literal>) {
        for part in parts {
            match part {
                Op::And(inner) if conjunction => self.gather(inner, conjunction, out),
                Op::Or(inner) if !conjunction => self.gather(inner, conjunction, out),
                Op::Rule(position) => match self.spliceable.get(*position) {
                    Some(Some((kind, literals))) if *kind == conjunction => {
                        out.extend_from_slice(literals);
                    }
                    _ => out.push(self.value(part, None)),
                },
                _ => out.push(self.value(part, None)),
            }
        }
    }

    /// Drops the steps whose registers nothing reads (rules that were
    /// spliced into their callers), and lists the columns read.
    fn finish(self, result: Literal) -> Plan {
        let registers = self.steps.len();
        let steps = live_steps(self.steps, result);
        // Registers renumbered in step order, so that a plan whose live
        // steps fit in a word runs in the narrow form.
        let mut renumbered = vec![None; registers];
        for (index, step) in steps.iter().enumerate() {
            if let Some(cell) = renumbered.get_mut(step.register()) {
                *cell = Some(index);
            }
        }
        let remap = |literal: Literal| match literal {
            Literal::Bit {
                bank: Bank::Registers,
                index,
                negated,
            } => Literal::Bit {
                bank: Bank::Registers,
                index: renumbered.get(index).copied().flatten().unwrap_or(index),
                negated,
            },
            other => other,
        };
        let steps: Vec<Step> = steps
            .iter()
            .enumerate()
            .map(|(to, step)| step.renumbered(to, remap))
            .collect();
        let result = remap(result);
        let columns = columns_read(&steps, result);
        let form = match Narrow::of(&steps, result, &columns) {
            Some(narrow) => Form::Narrow(narrow),
            None => Form::Wide(Wide {
                register_words: steps.len().div_ceil(WORD_BITS),
                steps,
                result,
            }),
        };
        Plan { form, columns }
    }
}

/// The steps whose registers the result reads, directly or not, in order.
fn live_steps(steps: Vec<Step>, result: Literal) -> Vec<Step> {
    let mut live = vec![false; steps.len()];
    let mark = |literal: Literal, live: &mut Vec<bool>| {
        if let Literal::Bit {
            bank: Bank::Registers,
            index,
            ..
        } = literal
        {
            if let Some(cell) = live.get_mut(index) {
                *cell = true;
            }
        }
    };
    mark(result, &mut live);
    let mut kept = Vec::new();
    for step in steps.into_iter().rev() {
        if live.get(step.register()) == Some(&true) {
            for literal in step.reads() {
                mark(literal, &mut live);
            }
            kept.push(step);
        }
    }
    kept.reverse();
    kept
}

/// The positions of the rules `target` needs, itself included, in order.
fn needed(rules: &[Op], target: usize) -> Vec<usize> {
    let mut needed = vec![false; rules.len()];
    if let Some(cell) = needed.get_mut(target) {
        *cell = true;
    }
    for position in (0..rules.len()).rev() {
        if needed.get(position) == Some(&true) {
            if let Some(op) = rules.get(position) {
                mark_rules(op, &mut needed);
            }
        }
    }
    (0..rules.len())
        .filter(|position| needed.get(*position) == Some(&true))
        .collect()
}

/// Marks the rules `op` reads.
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
        Op::Const(_) | Op::Bool(_) | Op::Leaf(_) => {}
    }
}

/// Literals (bits only) grouped by bank and word.
pub(super) fn terms(literals: &[Literal]) -> Box<[Term]> {
    let mut terms: Vec<Term> = Vec::new();
    for literal in literals {
        let Literal::Bit {
            bank,
            index,
            negated,
        } = *literal
        else {
            continue;
        };
        let word = index / WORD_BITS;
        let bit: Word = 1 << (index % WORD_BITS);
        let term = match terms.iter_mut().find(|t| t.bank == bank && t.word == word) {
            Some(term) => term,
            None => {
                terms.push(Term {
                    bank,
                    word,
                    plain: 0,
                    negated: 0,
                });
                let Some(term) = terms.last_mut() else {
                    continue;
                };
                term
            }
        };
        if negated {
            term.negated |= bit;
        } else {
            term.plain |= bit;
        }
    }
    terms.into_boxed_slice()
}

/// The entity columns the steps and the result read, sorted, without repeats.
fn columns_read(steps: &[Step], result: Literal) -> Vec<u32> {
    let mut columns = Vec::new();
    let row_bits = |literal: Literal, columns: &mut Vec<u32>| {
        if let Literal::Bit {
            bank: Bank::Row,
            index,
            ..
        } = literal
        {
            columns.push(u32::try_from(index).unwrap_or(u32::MAX));
        }
    };
    row_bits(result, &mut columns);
    for step in steps {
        if let Step::Leaf { leaf, .. } = step {
            columns.extend(leaf.columns());
        }
        for literal in step.reads() {
            row_bits(literal, &mut columns);
        }
    }
    columns.sort_unstable();
    columns.dedup();
    columns
}

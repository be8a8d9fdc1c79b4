//! The row: one entity's facts laid out for plans.
//!
//! A bit per column says whether the fact is known, and a bit per `bool`
//! column holds its value, so a plan reads every `bool` fact of the
//! entity from one word; a 64-bit scalar per column holds a number's bits,
//! a string's id in the snapshot, or where a set's ids lie among the row's
//! items. A set known in part lies there as its ids, [`OPEN`], then the ids
//! it lacks.

use crate::batch::columns::{Column, Columns, set_items};
use crate::batch::lower::Leaf;
use crate::batch::{WORD_BITS, Word};
use crate::compile::Slot;
use crate::eval::{Tri, arith};

/// One entity's facts, laid out for plans: per column a "known" bit and,
/// for a `bool`, a value bit; a 64-bit scalar (a number's bits, a string's
/// id, or where a set's ids lie among the row's items).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    known: Vec<Word>,
    value: Vec<Word>,
    scalars: Vec<u64>,
    items: Vec<u32>,
}

impl Row {
    /// A row of `columns` columns, every fact unknown.
    pub(in crate::batch) fn unknown(columns: usize) -> Row {
        let words = columns.div_ceil(WORD_BITS);
        Row {
            known: vec![0; words],
            value: vec![0; words],
            scalars: vec![0; columns],
            items: Vec::new(),
        }
    }

    /// Fills the row with entity `entity`'s values of `wanted` (other
    /// columns keep what they held).
    pub(in crate::batch) fn load(&mut self, columns: &Columns, wanted: &[u32], entity: usize) {
        self.items.clear();
        for &column in wanted {
            self.load_column(columns, column, entity);
        }
    }

    fn load_column(&mut self, columns: &Columns, column: u32, entity: usize) {
        let Some(stored) = columns.column(column) else {
            self.forget(column);
            return;
        };
        if !stored.known().contains(entity) {
            self.forget(column);
            return;
        }
        match stored {
            Column::Bool { value, .. } => self.set_bool(column, value.contains(entity)),
            Column::Number { value, .. } => {
                self.set_scalar(column, value.get(entity).map_or(0, |n| n.to_bits()));
            }
            Column::String { value, .. } => {
                self.set_scalar(column, value.get(entity).map_or(0, |id| u64::from(*id)));
            }
            Column::Set {
                ends,
                items,
                partial,
                ..
            } => {
                let has = set_items(ends, items, entity).iter().copied();
                match partial.as_deref().filter(|p| p.is_open(entity)) {
                    Some(partial) => {
                        self.set_partly(column, has, partial.lacks(entity).iter().copied())
                    }
                    None => self.set_items(column, has),
                }
            }
        }
    }

    /// Every fact unknown again, keeping the room the row has grown to.
    #[inline]
    pub(in crate::batch) fn forget_all(&mut self) {
        self.known.fill(0);
        self.items.clear();
    }

    /// Column `column`'s fact unknown.
    pub(in crate::batch) fn forget(&mut self, column: u32) {
        put_bit(&mut self.known, column, false);
    }

    /// A `bool` column's value, known.
    #[inline]
    pub(in crate::batch) fn set_bool(&mut self, column: u32, value: bool) {
        put_bit(&mut self.value, column, value);
        put_bit(&mut self.known, column, true);
    }

    /// A number's bits or a string's id, known.
    #[inline]
    pub(in crate::batch) fn set_scalar(&mut self, column: u32, scalar: u64) {
        if let Some(cell) = self.scalars.get_mut(column as usize) {
            *cell = scalar;
            put_bit(&mut self.known, column, true);
        }
    }

    /// A set column's ids, known: appended to the row's items, so that a
    /// set given again leaves its old ids unread until the row is forgotten.
    #[inline]
    pub(in crate::batch) fn set_items(&mut self, column: u32, ids: impl IntoIterator<Item = u32>) {
        let start = self.items.len();
        self.items.extend(ids);
        self.set_scalar(column, pack(start, self.items.len()));
    }

    /// A set column's ids known in part: the ids it holds, then [`OPEN`],
    /// then the ids it lacks.
    pub(in crate::batch) fn set_partly(
        &mut self,
        column: u32,
        has: impl IntoIterator<Item = u32>,
        lacks: impl IntoIterator<Item = u32>,
    ) {
        let start = self.items.len();
        self.items.extend(has);
        self.items.push(OPEN);
        self.items.extend(lacks);
        self.set_scalar(column, pack(start, self.items.len()));
    }

    /// Word `word` of the `bool` columns: (is true, is false) bits.
    pub(super) fn bools(&self, word: usize) -> (Word, Word) {
        let known = self.known.get(word).copied().unwrap_or(0);
        let value = self.value.get(word).copied().unwrap_or(0);
        (known & value, known & !value)
    }

    fn is_known(&self, column: u32) -> bool {
        let index = column as usize;
        self.known
            .get(index / WORD_BITS)
            .is_some_and(|word| word & (1 << (index % WORD_BITS)) != 0)
    }

    /// Column `column`'s scalar, whether the fact is known or not.
    pub(super) fn scalar_bits(&self, column: usize) -> u64 {
        self.scalars.get(column).copied().unwrap_or(0)
    }

    fn scalar(&self, column: u32) -> Option<u64> {
        if !self.is_known(column) {
            return None;
        }
        self.scalars.get(column as usize).copied()
    }

    fn number(&self, column: u32) -> Option<f64> {
        self.scalar(column).map(f64::from_bits)
    }

    fn string(&self, column: u32) -> Option<u64> {
        self.scalar(column)
    }

    fn set(&self, column: u32) -> Option<&[u32]> {
        let (start, end) = unpack(self.scalar(column)?);
        self.items.get(start..end)
    }

    /// A comparison's or membership's value for this row.
    #[inline]
    pub(super) fn leaf(&self, leaf: &Leaf) -> Tri {
        let known = |value: Option<bool>| value.map_or(Tri::Unknown, Tri::from);
        match leaf {
            Leaf::Compare {
                op,
                column,
                constant,
                unknown,
            } => self
                .number(*column)
                .map_or(*unknown, |n| Tri::from(op.holds(&n, constant))),
            Leaf::CompareColumns { op, lhs, rhs } => known(
                self.number(*lhs)
                    .zip(self.number(*rhs))
                    .map(|(a, b)| op.holds(&a, &b)),
            ),
            Leaf::Arithmetic(arithmetic) => {
                let (op, lhs, rhs) = (arithmetic.op, &arithmetic.lhs, &arithmetic.rhs);
                arith::evaluate(op, lhs, rhs, |(slot, range)| match slot {
                    Slot::Entity(column) => arith::Reading::of(self.number(column), range),
                    // Known world facts were put in when the rules were lowered.
                    Slot::World(_) => arith::Reading::Unknown(range),
                })
            }
            Leaf::StringIs { equal, column, id } => known(
                self.string(*column)
                    .map(|value| (Some(value) == id.map(u64::from)) == *equal),
            ),
            Leaf::StringsEqual { equal, lhs, rhs } => known(
                self.string(*lhs)
                    .zip(self.string(*rhs))
                    .map(|(a, b)| (a == b) == *equal),
            ),
            Leaf::Holds {
                negated, set, id, ..
            } => negate(
                self.set(*set)
                    .map_or(Tri::Unknown, |items| holds(items, *id)),
                *negated,
            ),
            Leaf::Absent { negated, set } => negate(
                self.set(*set)
                    .map_or(Tri::Unknown, |items| holds(items, OPEN)),
                *negated,
            ),
            Leaf::InList {
                negated,
                column,
                ids,
            } => negate(
                self.string(*column).map_or(Tri::Unknown, |value| {
                    let id = u32::try_from(value).unwrap_or(OPEN);
                    ids.member(id)
                }),
                *negated,
            ),
            Leaf::ColumnInSet {
                negated,
                element,
                set,
            } => negate(
                self.string(*element)
                    .zip(self.set(*set))
                    .map_or(Tri::Unknown, |(value, items)| {
                        holds(items, u32::try_from(value).unwrap_or(OPEN))
                    }),
                *negated,
            ),
        }
    }
}

/// Where a set known in part ends its ids and starts the ids it lacks, in
/// the row's items; no string's id (a snapshot holds fewer strings).
pub(in crate::batch) const OPEN: u32 = u32::MAX;

/// Whether a set (its ids, and after [`OPEN`] those it lacks) holds `id`;
/// an `id` of [`OPEN`] is a string no set holds.
fn holds(items: &[u32], id: u32) -> Tri {
    let (has, lacks) = match items.iter().position(|&item| item == OPEN) {
        Some(at) => (items.get(..at).unwrap_or(&[]), items.get(at + 1..)),
        None => (items, None),
    };
    crate::eval::member(
        id != OPEN && has.contains(&id),
        lacks.is_some_and(|lacks| id != OPEN && lacks.contains(&id)),
        lacks.is_some(),
    )
}

fn negate(value: Tri, negated: bool) -> Tri {
    if negated { !value } else { value }
}

/// Sets or clears bit `column` of a row's words.
#[inline]
fn put_bit(words: &mut [Word], column: u32, on: bool) {
    let index = column as usize;
    if let Some(word) = words.get_mut(index / WORD_BITS) {
        let bit: Word = 1 << (index % WORD_BITS);
        *word = if on { *word | bit } else { *word & !bit };
    }
}

/// Where a set's ids lie among a row's items, in one scalar.
fn pack(start: usize, end: usize) -> u64 {
    let half = |n: usize| u64::from(u32::try_from(n).unwrap_or(u32::MAX));
    half(start) | (half(end) << 32)
}

fn unpack(scalar: u64) -> (usize, usize) {
    let half = |n: u64| usize::try_from(n & u64::from(u32::MAX)).unwrap_or(usize::MAX);
    (half(scalar), half(scalar >> 32))
}

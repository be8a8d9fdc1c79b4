//! The kernel: lowered rules evaluated a block of entities at a time.
//!
//! A block's three-valued values are pairs of word arrays (is true, then is
//! false); `and`/`or`/`not` combine them word by word; leaves read the
//! block's words of a column. Temporaries come from a per-thread scratch
//! sized by the rules' depth, so a block allocates nothing.

use fixedbitset::FixedBitSet;

use super::columns::{Column, Columns, PartialSets, set_items};
use super::lower::{Leaf, Memberships, Op};
use super::{BLOCK_ENTITIES, BLOCK_WORDS, PAIR, WORD_BITS, Word};
use crate::compile::{NumExpr, Slot};
use crate::eval::{Tri, arith};
use crate::syntax::ast::CompareOp;

/// The lowered entity rules and the columns they read.
pub(super) struct Kernel<'a> {
    pub(super) rules: Vec<Op>,
    pub(super) columns: &'a Columns,
    pub(super) memberships: Memberships,
    pub(super) len: usize,
}

impl Kernel<'_> {
    /// Every block's verdicts, block after block.
    pub(super) fn run(&self) -> Vec<Word> {
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
            Op::Leaf(leaf) => self.leaf(leaf, pair),
        }
    }

    /// Evaluates a comparison or membership into `pair`.
    fn leaf(&self, leaf: &Leaf, pair: &mut [Word]) {
        match leaf {
            Leaf::Compare {
                op,
                column,
                constant,
                unknown,
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
                if *unknown != Tri::Unknown {
                    self.unknown_as(*column, *unknown == Tri::True, pair);
                }
            }
            Leaf::CompareColumns { op, lhs, rhs } => self.compare_columns(*op, *lhs, *rhs, pair),
            Leaf::Arithmetic(arithmetic) => {
                self.arithmetic(arithmetic.op, &arithmetic.lhs, &arithmetic.rhs, pair)
            }
            Leaf::StringIs { equal, column, id } => {
                let is = |value: u32| Some(value) == *id;
                self.strings(*column, pair, |value| is(value) == *equal);
            }
            Leaf::StringsEqual { equal, lhs, rhs } => self.strings_equal(*equal, *lhs, *rhs, pair),
            Leaf::Holds {
                negated,
                set,
                index,
                id,
            } => {
                self.holds(*negated, *set, *index, pair);
                self.patch_open(*set, *negated, pair, |entity, has, partial| {
                    crate::eval::member(has.contains(id), partial.lacks(entity).contains(id), true)
                });
            }
            Leaf::Absent { negated, set } => {
                self.known_as(*set, *negated, pair);
                self.patch_open(*set, *negated, pair, |_, _, _| Tri::Unknown);
            }
            Leaf::InList {
                negated,
                column,
                ids,
            } if ids.lacks.is_none() => self.strings(*column, pair, |value| {
                ids.has.binary_search(&value).is_ok() != *negated
            }),
            Leaf::InList {
                negated,
                column,
                ids,
            } => self.strings_tri(*column, pair, |value| {
                let found = ids.member(value);
                if *negated { !found } else { found }
            }),
            Leaf::ColumnInSet {
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
            // A rule already evaluated, or a `bool` column, is combined
            // straight from where it lies, without a temporary.
            if let Some((ot, of)) = self.direct(part, done) {
                combine(pair, &ot, &of, conjunction);
                continue;
            }
            with_temporary(scratch, |other, scratch| {
                self.eval(part, done, other, scratch);
                let (ot, of) = other.split_at(BLOCK_WORDS);
                combine(pair, ot, of, conjunction);
            });
        }
    }

    /// The words of a part that needs no evaluation: an earlier rule's
    /// verdicts or a `bool` column, possibly under `not`.
    fn direct(&self, op: &Op, done: &[Word]) -> Option<([Word; BLOCK_WORDS], [Word; BLOCK_WORDS])> {
        let (negated, op) = match op {
            Op::Not(inner) => (true, &**inner),
            other => (false, other),
        };
        let (mut t, mut f) = ([0; BLOCK_WORDS], [0; BLOCK_WORDS]);
        match op {
            Op::Rule(position) => {
                let from = done.get(position * PAIR..(position + 1) * PAIR)?;
                let (ft, ff) = from.split_at(BLOCK_WORDS);
                t.iter_mut().zip(ft).for_each(|(to, from)| *to = *from);
                f.iter_mut().zip(ff).for_each(|(to, from)| *to = *from);
            }
            Op::Bool(column) => {
                let Some(Column::Bool { value, known }) = self.columns.column(*column) else {
                    return None;
                };
                for (((t, f), value), known) in t
                    .iter_mut()
                    .zip(f.iter_mut())
                    .zip(self.words(value))
                    .zip(self.words(known))
                {
                    *t = value & known;
                    *f = !value & known;
                }
            }
            _ => return None,
        }
        Some(if negated { (f, t) } else { (t, f) })
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

    /// Sets anew, for the entities of the block whose set (in column `set`)
    /// is known in part, whether it holds what is looked for: `found`, from
    /// the entity, the ids it holds and the sets known in part (negated
    /// for `not in`). Other entities keep what the pair says.
    fn patch_open(
        &self,
        set: u32,
        negated: bool,
        pair: &mut [Word],
        found: impl Fn(usize, &[u32], &PartialSets) -> Tri,
    ) {
        let Some(Column::Set {
            ends,
            items,
            partial: Some(partial),
            ..
        }) = self.columns.column(set)
        else {
            return;
        };
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        for (word, ((t, f), open)) in t
            .iter_mut()
            .zip(f)
            .zip(self.words(&partial.open))
            .enumerate()
        {
            let mut bits = open;
            while bits != 0 {
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let entity = (self.first_word + word) * WORD_BITS + bit;
                let found = found(entity, set_items(ends, items, entity), partial);
                let value = if negated { !found } else { found };
                let mask: Word = 1 << bit;
                *t = (*t & !mask) | if value == Tri::True { mask } else { 0 };
                *f = (*f & !mask) | if value == Tri::False { mask } else { 0 };
            }
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

    /// Sets the pair from a test of each entity, where `known` (the block's
    /// words) says it applies.
    fn tested(
        &self,
        pair: &mut [Word],
        known: [Word; BLOCK_WORDS],
        mut test: impl FnMut(usize) -> bool,
    ) {
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        for (word, ((t, f), known)) in t.iter_mut().zip(f).zip(known).enumerate() {
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
                let both = self.both_known(ka, kb);
                self.tested(pair, both, |i| match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => op.holds(x, y),
                    _ => false,
                });
            }
            _ => pair.fill(0),
        }
    }

    /// Where the column is unknown, `value` for every entity of the block
    /// (a comparison its fact's range decides).
    #[inline(never)]
    fn unknown_as(&self, column: u32, value: bool, pair: &mut [Word]) {
        let known = match self.columns.column(column) {
            Some(column) => self.words(column.known()),
            None => [0; BLOCK_WORDS],
        };
        let entities = self.columns.len();
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        let words = if value { t } else { f };
        for (word, (bits, known)) in words.iter_mut().zip(known).enumerate() {
            let first = (self.first_word + word) * WORD_BITS;
            let present = match entities.saturating_sub(first) {
                0 => 0,
                n if n >= WORD_BITS => Word::MAX,
                n => (1 << n) - 1,
            };
            *bits |= !known & present;
        }
    }

    /// A comparison with arithmetic, entity by entity (kept out of line:
    /// the common leaves' loops stay small enough to inline): decided for every
    /// entity of the block, known facts or not (`0 * x` is 0 whatever `x`).
    #[inline(never)]
    fn arithmetic(&self, op: CompareOp, lhs: &NumExpr, rhs: &NumExpr, pair: &mut [Word]) {
        let entities = self.columns.len();
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        for (word, (t, f)) in t.iter_mut().zip(f).enumerate() {
            let first = (self.first_word + word) * WORD_BITS;
            let (mut yes, mut no): (Word, Word) = (0, 0);
            for bit in 0..WORD_BITS.min(entities.saturating_sub(first)) {
                let entity = first + bit;
                let read = |(slot, range)| arith::Reading::of(self.number_at(slot, entity), range);
                match arith::evaluate(op, lhs, rhs, read) {
                    Tri::True => yes |= 1 << bit,
                    Tri::False => no |= 1 << bit,
                    Tri::Unknown => {}
                }
            }
            (*t, *f) = (yes, no);
        }
    }

    /// An entity's value of a number slot; world slots left in a lowered
    /// expression are unknown ones.
    fn number_at(&self, slot: Slot, entity: usize) -> Option<f64> {
        let Slot::Entity(column) = slot else {
            return None;
        };
        match self.columns.column(column) {
            Some(Column::Number { value, known }) if known.contains(entity) => {
                value.get(entity).copied()
            }
            _ => None,
        }
    }

    /// A three-valued test of each known string of a column.
    fn strings_tri(&self, column: u32, pair: &mut [Word], test: impl Fn(u32) -> Tri) {
        let (known, value) = match self.columns.column(column) {
            Some(Column::String { value, known }) => (self.words(known), value),
            _ => return pair.fill(0),
        };
        let (t, f) = pair.split_at_mut(BLOCK_WORDS);
        for (word, ((t, f), known)) in t.iter_mut().zip(f).zip(known).enumerate() {
            let first = (self.first_word + word) * WORD_BITS;
            let (mut yes, mut no): (Word, Word) = (0, 0);
            for bit in (0..WORD_BITS).filter(|bit| known & (1 << bit) != 0) {
                match value.get(first + bit).map(|v| test(*v)) {
                    Some(Tri::True) => yes |= 1 << bit,
                    Some(Tri::False) => no |= 1 << bit,
                    _ => {}
                }
            }
            (*t, *f) = (yes, no);
        }
    }

    fn strings(&self, column: u32, pair: &mut [Word], test: impl Fn(u32) -> bool) {
        match self.columns.column(column) {
            Some(Column::String { value, known }) => {
                self.tested(pair, self.words(known), |i| {
                    value.get(i).is_some_and(|v| test(*v))
                });
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
                let both = self.both_known(ka, kb);
                self.tested(pair, both, |i| (a.get(i) == b.get(i)) == equal);
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
                    ..
                }),
            ) => {
                let both = self.both_known(ke, ks);
                self.tested(pair, both, |i| {
                    let found = value
                        .get(i)
                        .is_some_and(|id| set_items(ends, items, i).contains(id));
                    found != negated
                });
                self.patch_open(set, negated, pair, |entity, has, partial| {
                    match value.get(entity).filter(|_| ke.contains(entity)) {
                        Some(id) => crate::eval::member(
                            has.contains(id),
                            partial.lacks(entity).contains(id),
                            true,
                        ),
                        None => Tri::Unknown,
                    }
                });
            }
            _ => pair.fill(0),
        }
    }

    /// The block's words of entities known in both bitsets.
    fn both_known(&self, a: &FixedBitSet, b: &FixedBitSet) -> [Word; BLOCK_WORDS] {
        let mut both = self.words(a);
        both.iter_mut()
            .zip(self.words(b))
            .for_each(|(both, b)| *both &= b);
        both
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

/// Combines `other` into `pair`: Kleene `and` (`conjunction`) or `or`.
fn combine(pair: &mut [Word], other_true: &[Word], other_false: &[Word], conjunction: bool) {
    let (t, f) = pair.split_at_mut(BLOCK_WORDS);
    if conjunction {
        t.iter_mut().zip(other_true).for_each(|(t, o)| *t &= o);
        f.iter_mut().zip(other_false).for_each(|(f, o)| *f |= o);
    } else {
        t.iter_mut().zip(other_true).for_each(|(t, o)| *t |= o);
        f.iter_mut().zip(other_false).for_each(|(f, o)| *f &= o);
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

/// Runs `body` with a temporary pair taken from `scratch` and the scratch
/// left after it (a fresh one if the scratch is used up, which the depth
/// computed beforehand rules out).
fn with_temporary(scratch: &mut [Word], body: impl FnOnce(&mut [Word], &mut [Word])) {
    match scratch.split_at_mut_checked(PAIR) {
        Some((pair, rest)) => body(pair, rest),
        None => body(&mut [0; PAIR], &mut []),
    }
}

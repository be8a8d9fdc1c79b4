//! Names to their positions, without a second copy of any name.
//!
//! A snapshot's entity names already live somewhere — in its list of
//! entities, or end to end in one string — so the index keeps only
//! positions, hashed by the name each one points at, and asks its owner for
//! the name at a position when it must compare. Adding a name is one probe,
//! whether it is new or there already.
//!
//! Each entry is one word: the position (40 bits, a trillion names) and 24
//! bits of the name's hash, from which the table's hash is made again when
//! it grows — growing never reads a name, so a million names are indexed
//! without a cache miss per name per doubling. (Beyond 16 million names,
//! names whose 24 bits agree share a probe sequence: slower, never wrong,
//! for the names are compared.)
//!
//! A reader that knows every name before it needs to look one up (a
//! facts file, read in full) builds the index at the end, in one go
//! ([`NameIndex::of_all`]): the names sorted by where they go in the table,
//! so the table is written front to back rather than at random, a cache
//! miss per name saved.
//!
//! Architecture invariant: the index never holds a name, and one hash
//! function serves every lookup.

use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

/// Positions of names kept elsewhere, by name: each entry is a position
/// above [`HASH_BITS`] bits of the name's hash.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex(hashbrown::HashTable<u64>);

/// The bits of a name's hash kept in its entry.
const HASH_BITS: u32 = 24;

impl PartialEq for NameIndex {
    /// An index follows the names it indexes: it changes no comparison.
    fn eq(&self, _: &NameIndex) -> bool {
        true
    }
}

impl NameIndex {
    /// The bits of `name`'s hash an entry keeps.
    fn short_hash(name: &str) -> u64 {
        FxBuildHasher.hash_one(name) >> (64 - HASH_BITS)
    }

    /// The table's hash of an entry, made from the bits it keeps (spread
    /// over the word, as the table reads both its low and its high bits).
    fn table_hash(entry: u64) -> u64 {
        (entry & ((1 << HASH_BITS) - 1)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }

    fn position(entry: u64) -> usize {
        usize::try_from(entry >> HASH_BITS).unwrap_or(usize::MAX)
    }

    /// The position of `name`, where `name_at` gives the name at a position.
    pub(crate) fn find<'n>(
        &self,
        name: &str,
        name_at: impl Fn(usize) -> Option<&'n str>,
    ) -> Option<usize> {
        let short = NameIndex::short_hash(name);
        let named = |entry: &u64| name_at(NameIndex::position(*entry)) == Some(name);
        let entry = self.0.find(NameIndex::table_hash(short), named)?;
        Some(NameIndex::position(*entry))
    }

    /// Records that `name` is at `position`, unless it is already at
    /// another: then that position is the error.
    pub(crate) fn insert<'n>(
        &mut self,
        name: &str,
        position: usize,
        name_at: impl Fn(usize) -> Option<&'n str>,
    ) -> Result<(), usize> {
        let entry = NameIndex::entry(position, NameIndex::short_hash(name));
        self.place(entry, |existing| name_at(existing) == Some(name))
    }

    /// Adds `entry` unless an entry whose name `same` says is its own is
    /// there already: then that entry's position is the error. Names are
    /// compared only where the table's tags agree, nearly never in vain.
    fn place(&mut self, entry: u64, same: impl Fn(usize) -> bool) -> Result<(), usize> {
        let named = |existing: &u64| same(NameIndex::position(*existing));
        let table_hash = |existing: &u64| NameIndex::table_hash(*existing);
        match self
            .0
            .entry(NameIndex::table_hash(entry), named, table_hash)
        {
            hashbrown::hash_table::Entry::Occupied(existing) => {
                Err(NameIndex::position(*existing.get()))
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(entry);
                Ok(())
            }
        }
    }

    /// The index of the names at positions `0..count`, or the position of
    /// a name that repeats another.
    pub(crate) fn of_all<'n>(
        count: usize,
        name_at: impl Fn(usize) -> Option<&'n str>,
    ) -> Result<NameIndex, usize> {
        let mut index = NameIndex(hashbrown::HashTable::with_capacity(count));
        // Where an entry goes: the low bits of its hash, as many as the
        // table has buckets (about 8/7 of its capacity, a power of two).
        let buckets = (index.0.capacity().saturating_mul(8) / 7).next_power_of_two();
        let bucket = |entry: u64| NameIndex::table_hash(entry) & (buckets as u64 - 1);
        let mut entries: Vec<u64> = (0..count)
            .map(|at| NameIndex::entry(at, NameIndex::short_hash(name_at(at).unwrap_or_default())))
            .collect();
        // Entries come in position order, so a stable sort by bucket
        // places the earlier of two equal names first.
        sort_by_bucket(&mut entries, buckets.trailing_zeros(), bucket);
        for entry in entries {
            let new = || name_at(NameIndex::position(entry));
            index.place(entry, |existing| name_at(existing) == new())?;
        }
        Ok(index)
    }

    /// The entry of the name at `position` whose short hash is `short`.
    fn entry(position: usize, short: u64) -> u64 {
        (position as u64) << HASH_BITS | short
    }

    /// No names, keeping the room the table has grown to.
    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// The bytes the table holds: an entry and a control byte per bucket.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.capacity() * (std::mem::size_of::<u64>() + 1)
    }
}

/// Sorts entries by their bucket (of `bits` bits), stably: a radix sort,
/// a digit of up to 11 bits a pass, each pass two reads of the entries —
/// a million entries sort in a few milliseconds, where a comparison sort
/// takes ten times as long.
fn sort_by_bucket(entries: &mut Vec<u64>, bits: u32, bucket: impl Fn(u64) -> u64) {
    const DIGIT_BITS: u32 = 11;
    let mut sorted = vec![0; entries.len()];
    let mut shift = 0;
    while shift < bits {
        let width = DIGIT_BITS.min(bits - shift);
        let digit = |entry: u64| ((bucket(entry) >> shift) & ((1 << width) - 1)) as usize;
        let mut starts = vec![0usize; (1 << width) + 1];
        for &entry in entries.iter() {
            if let Some(count) = starts.get_mut(digit(entry) + 1) {
                *count += 1;
            }
        }
        for at in 1..starts.len() {
            let before = starts.get(at - 1).copied().unwrap_or(0);
            if let Some(start) = starts.get_mut(at) {
                *start += before;
            }
        }
        for &entry in entries.iter() {
            if let Some(next) = starts.get_mut(digit(entry)) {
                if let Some(cell) = sorted.get_mut(*next) {
                    *cell = entry;
                }
                *next += 1;
            }
        }
        std::mem::swap(entries, &mut sorted);
        shift += width;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The radix sort orders entries as a stable comparison sort by
        /// bucket does.
        #[test]
        fn entries_sort_by_bucket_stably(
            entries in proptest::collection::vec(any::<u64>(), 0..2_000),
            bits in 1u32..30,
        ) {
            let bucket = |entry: u64| NameIndex::table_hash(entry) & ((1 << bits) - 1);
            let mut expected = entries.clone();
            expected.sort_by_key(|&entry| bucket(entry));
            let mut sorted = entries;
            sort_by_bucket(&mut sorted, bits, bucket);
            prop_assert_eq!(sorted, expected);
        }
    }

    /// A name given twice is refused at its first position.
    #[test]
    fn a_repeated_name_names_its_first_position() {
        let names = ["UK", "France", "Ireland", "France"];
        let found = NameIndex::of_all(names.len(), |at| names.get(at).copied());
        assert_eq!(found.err(), Some(1));
    }
}

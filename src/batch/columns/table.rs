//! Filling the store a column at a time, from a table whose columns come
//! decoded by type ([`super::super::parquet`]): the builder split in two
//! parts, the entities' names and the facts' columns, filled side by side,
//! and the setters of a column's cells by type.
//!
//! Architecture invariant: a value reaches a setter here only once it
//! has passed the checks a value of a facts file passes.

use super::{Builder, Column, EntityNames, Interner, LookAlikes};
use crate::compile::Slot;

impl Column {
    /// Sets the bools of entities from `first` on, unknown so far: known
    /// for the rows `known`, true for the rows `truths` (rows counted
    /// from `first`, each a known one).
    pub(in crate::batch) fn set_bools(
        &mut self,
        first: usize,
        known_rows: impl Iterator<Item = usize>,
        truths: impl Iterator<Item = usize>,
    ) {
        if let Column::Bool { value, known } = self {
            known_rows.for_each(|row| known.insert(first + row));
            truths.for_each(|row| value.insert(first + row));
        }
    }

    /// Sets the bools of entities from `first` on, unknown so far, a word
    /// of 64 entities at a time: `first` is a multiple of 64, and each
    /// word of `known_words` says which of its entities are known, each
    /// of `true_words` which are true (a known one).
    pub(in crate::batch) fn set_bool_words(
        &mut self,
        first: usize,
        known_words: impl Iterator<Item = u64>,
        true_words: impl Iterator<Item = u64>,
    ) {
        if let Column::Bool { value, known } = self {
            let start = first / 64;
            let or_into = |bits: &mut fixedbitset::FixedBitSet,
                           words: &mut dyn Iterator<Item = u64>| {
                for (block, word) in bits.as_mut_slice().iter_mut().skip(start).zip(words) {
                    *block |= word as usize;
                }
            };
            or_into(known, &mut { known_words });
            or_into(value, &mut { true_words });
        }
    }

    /// Sets the last entity's string, `entity`, unknown so far, by its
    /// interned id.
    pub(in crate::batch) fn set_string_id(&mut self, entity: usize, id: u32) {
        if let Column::String { value, known } = self {
            if let Some(cell) = value.last_mut() {
                *cell = id;
            }
            known.insert(entity);
        }
    }
}

/// The names of a table's entities, being added in file order: checked
/// all at once at the end ([`TableNames::all_different`]).
pub(in crate::batch) struct TableNames<'b> {
    names: &'b mut EntityNames,
    look_alikes: &'b mut LookAlikes,
}

impl TableNames<'_> {
    /// Adds the next row's entity.
    pub(in crate::batch) fn add(&mut self, name: &str) {
        self.names.push_unindexed(name);
        self.look_alikes.add(name);
    }

    /// The names so far.
    pub(in crate::batch) fn names(&self) -> &EntityNames {
        self.names
    }

    /// Indexes the names; false if two are the same.
    pub(in crate::batch) fn all_different(&mut self) -> bool {
        self.names.index_all()
    }
}

/// Entity facts' columns of a table, being filled an entity at a time:
/// all of them, or a part split off to fill side by side.
pub(in crate::batch) struct TableColumns<'b> {
    /// By entity slot: the column, if this part holds it.
    columns: Vec<Option<&'b mut Column>>,
    strings: &'b mut Interner,
}

impl<'b> TableColumns<'b> {
    /// The column of an entity fact, if this part holds it, with the
    /// strings interned so far.
    pub(in crate::batch) fn column(&mut self, slot: Slot) -> Option<(&mut Column, &mut Interner)> {
        let Slot::Entity(slot) = slot else {
            return None;
        };
        let column = self.columns.get_mut(slot as usize)?.as_deref_mut()?;
        Some((column, &mut *self.strings))
    }

    /// Moves the columns of bools and numbers whose slot `moves` picks to
    /// a part of their own, to fill on another thread. Columns of strings
    /// stay: their ids come from this part's strings, and the part split
    /// off has only `scratch` (which no bool or number uses).
    pub(in crate::batch) fn split_off<'p>(
        &mut self,
        moves: impl Fn(u32) -> bool,
        scratch: &'p mut Interner,
    ) -> TableColumns<'p>
    where
        'b: 'p,
    {
        let columns = self
            .columns
            .iter_mut()
            .enumerate()
            .map(|(slot, column)| {
                let plain = matches!(
                    column.as_deref(),
                    Some(Column::Bool { .. } | Column::Number { .. })
                );
                let slot = u32::try_from(slot).unwrap_or(u32::MAX);
                (plain && moves(slot)).then(|| column.take()).flatten()
            })
            .collect();
        TableColumns {
            columns,
            strings: scratch,
        }
    }

    /// Makes every column of this part `len` entities long, the facts not
    /// given unknown.
    pub(in crate::batch) fn pad_to(&mut self, len: usize) {
        for column in self.columns.iter_mut().flatten() {
            column.pad_to(len);
        }
    }
}

impl Builder<'_> {
    /// The builder as two parts to fill side by side from a table read a
    /// column at a time ([`super::parquet`]): its entities' names, and its
    /// entity facts' columns. It must hold no entities yet.
    pub(in crate::batch) fn table_parts(&mut self) -> (TableNames<'_>, TableColumns<'_>) {
        let columns = &mut self.columns;
        (
            TableNames {
                names: &mut columns.names,
                look_alikes: &mut self.look_alikes,
            },
            TableColumns {
                columns: columns.columns.iter_mut().map(Some).collect(),
                strings: &mut columns.strings,
            },
        )
    }
}

//! Facts from a Parquet file, straight into the columnar store: a batch of
//! rows at a time, and within it a column at a time.
//!
//! A column `entity` (text) names each row's entity; every other column
//! is an entity fact named as the fact. A column's type must fit its
//! fact's: `BOOLEAN` for a bool; any integer, decimal or floating type
//! for a number (integers beyond 2^53, and decimals a float would round,
//! are refused, not rounded); text for a string; a list of text for a
//! set. `NULL` is an unknown fact. A column whose type does not fit, that
//! names a world fact, or that names no fact at all (unless extra facts
//! are allowed) is one problem, not one per row; only the columns of
//! declared facts are decoded.
//!
//! Each column is decoded once per batch, and each value stored as it is
//! checked: a value the quick checks accept (a bool; a number exact,
//! finite and in its fact's range; strings of its fact's vocabulary) is
//! stored at once; any other is checked as a value of a facts file is
//! ([`crate::facts::bind::typed`]), so that a problem is told in the same
//! words as in every other format, naming its row and column as well as
//! its path. Entity names are checked all at once when the table ends.
//!
//! Architecture invariant: the quick checks only ever accept; what they
//! do not accept, `typed` decides. Problems are reported in the order of
//! the rows, and within a row of the columns, whatever order they were
//! found in.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, GenericListArray, LargeStringArray, OffsetSizeTrait,
    PrimitiveArray, StringArray, StringViewArray,
};
use arrow_schema::{DataType, Field, FieldRef, Fields};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder,
};
use rustc_hash::FxHashSet;

use super::EntityNames;
use super::columns::{Builder, Column, Interner, TableColumns, TableNames};
use crate::compile::{FactSlot, Schema, Slot};
use crate::facts::FactProblem;
use crate::facts::bind::{Value, typed, words_of};
use crate::facts::de::{FactSink, Refusal};
use crate::facts::{FactValue, path_key};
use crate::limits::MAX_ENTITIES;
use crate::number::MAX_EXACT;
use crate::syntax::ast::FactType;

/// Reads a Parquet file of entity facts into `builder`, which holds no
/// entities yet. Fails only on a file that cannot be read as Parquet or
/// has no `entity` column of text; every other problem is given to the
/// builder, its path after `within` (the file's name) when the table is
/// read for a document that named it. Returns the columns skipped as
/// extra facts.
///
/// The names and the facts are read side by side: the names are indexed
/// (and so checked) while the facts are decoded.
pub(super) fn read_parquet(
    builder: &mut Builder<'_>,
    path: &Path,
    allow_extra_facts: bool,
    within: Option<&str>,
) -> Result<Vec<String>, String> {
    // The decoder's words may quote the file's bytes: escaped for a terminal.
    read_table(builder, path, allow_extra_facts, within)
        .map_err(|error| crate::text::escape(&error).into_owned())
}

/// [`read_parquet`], the decoder's words as they are.
fn read_table(
    builder: &mut Builder<'_>,
    path: &Path,
    allow_extra_facts: bool,
    within: Option<&str>,
) -> Result<Vec<String>, String> {
    let file = File::open(path).map_err(|error| format!("cannot read the file: {error}"))?;
    let as_written = decoding(|| {
        ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(|e| parquet_error(&e))
    })?;
    let expected_rows = usize::try_from(as_written.metadata().file_metadata().num_rows())
        .unwrap_or(0)
        .min(MAX_ENTITIES);
    let fields = as_written.schema().fields();
    let plan = TablePlan::of(fields, builder.schema(), allow_extra_facts)?;
    let coded = ArrowReaderOptions::new().with_schema(Arc::new(arrow_schema::Schema::new(
        fields
            .iter()
            .map(|field| coded_field(field, &plan))
            .collect::<Vec<_>>(),
    )));
    let metadata = decoding(|| {
        ArrowReaderMetadata::try_new(as_written.metadata().clone(), coded)
            .map_err(|e| parquet_error(&e))
    })?;
    let reader = |columns: &[usize]| -> Result<ParquetRecordBatchReader, String> {
        // A file of its own: two readers side by side each seek their own way.
        let file = File::open(path).map_err(|error| format!("cannot read the file: {error}"))?;
        let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone());
        let mask = ProjectionMask::roots(reader.parquet_schema(), columns.iter().copied());
        decoding(|| {
            reader
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| parquet_error(&e))
        })
    };
    let mut problems = RowProblems {
        within: within.map(str::to_string),
        found: Vec::new(),
    };
    for problem in &plan.column_problems {
        builder.problem(problems.named(problem.clone()));
    }
    let (with_names, alone) = plan.two_parts();
    let names_part = ReadPart::of(Some(plan.entity_column), &with_names, reader)?;
    let has_facts = !alone.is_empty();
    let facts_part = match alone.is_empty() {
        true => None,
        false => Some(ReadPart::of(None, &alone, reader)?),
    };
    let (mut names, mut columns) = builder.table_parts();
    let mut scratch = Interner::default();
    let moved: FxHashSet<u32> = with_names
        .iter()
        .filter_map(|(_, fact)| entity_slot(fact))
        .collect();
    let mut beside_names = columns.split_off(|slot| moved.contains(&slot), &mut scratch);
    let (named, filled) = crate::parallel::join(
        || names_part.read(Some(&mut names), &mut beside_names),
        || match facts_part {
            Some(part) => part.read(None, &mut columns),
            None => Ok(PartProblems::default()),
        },
    );
    let (named, filled) = (named?, filled?);
    let rows = names.names().len();
    // Each reader counts the rows its pages hold: a corrupt file may
    // give its columns different lengths, which no row can be read from.
    let read = [Some(named.rows_read), has_facts.then_some(filled.rows_read)];
    if read.iter().flatten().any(|&count| count != expected_rows) {
        return Err(format!(
            "not a Parquet file that can be read: its columns hold different numbers of rows (the file says {expected_rows})"
        ));
    }
    beside_names.pad_to(rows);
    columns.pad_to(rows);
    problems.found.extend(named.rows);
    for cell in named.cells.into_iter().chain(filled.cells) {
        problems.found.push(cell.at(names.names()));
    }
    if named.repeats {
        problems.name_repeated_entities(names.names());
    }
    problems.report(builder);
    Ok(plan.ignored)
}

/// An entity fact's column slot.
fn entity_slot(fact: &FactSlot) -> Option<u32> {
    match fact.slot {
        Slot::Entity(slot) => Some(slot),
        Slot::World(_) => None,
    }
}

/// One of the readers that read a file side by side: the names (for one
/// of them) and some of the facts' columns.
struct ReadPart<'s> {
    reader: ParquetRecordBatchReader,
    /// Where the names are in a batch, for the reader that reads them.
    names_at: Option<usize>,
    columns: Vec<FactColumn<'s>>,
}

/// The problems one reader found: of rows (no name, too many), and of
/// values (named once every name is known).
#[derive(Default)]
struct PartProblems<'s> {
    rows: Vec<RowProblem>,
    cells: Vec<CellProblem<'s>>,
    /// Whether two rows name one entity (found by the reader of names,
    /// as it indexes them).
    repeats: bool,
    /// How many rows the reader read.
    rows_read: usize,
}

impl<'s> ReadPart<'s> {
    /// A reader of the names' column (`names`) and of `facts` (their
    /// places in the file).
    fn of(
        names: Option<usize>,
        facts: &[(usize, &'s FactSlot)],
        reader: impl Fn(&[usize]) -> Result<ParquetRecordBatchReader, String>,
    ) -> Result<ReadPart<'s>, String> {
        let mut read: Vec<usize> = facts.iter().map(|(index, _)| *index).collect();
        read.extend(names);
        read.sort_unstable();
        let position = |index: usize| read.binary_search(&index).unwrap_or(0);
        Ok(ReadPart {
            reader: reader(&read)?,
            names_at: names.map(position),
            columns: facts
                .iter()
                .map(|&(index, fact)| FactColumn {
                    read_at: position(index),
                    in_file: index,
                    fact,
                })
                .collect(),
        })
    }

    /// Reads every batch: the names into `names` (when this reader reads
    /// them), each value checked as it is stored into `store`.
    fn read(
        self,
        mut names: Option<&mut TableNames<'_>>,
        store: &mut TableColumns<'_>,
    ) -> Result<PartProblems<'s>, String> {
        let mut problems = PartProblems::default();
        let mut first = 0;
        let mut batches = self.reader;
        while let Some(batch) = decoding(|| Ok(batches.next()))? {
            let batch = batch.map_err(|error| format!("cannot read a row group: {error}"))?;
            let rows = batch.num_rows().min(MAX_ENTITIES.saturating_sub(first));
            if let (Some(names), Some(at)) = (names.as_deref_mut(), self.names_at) {
                let column = batch.columns().get(at);
                read_names(column, first, rows, names, &mut problems.rows);
            }
            for column in &self.columns {
                let (Some((column_store, strings)), Some(array)) = (
                    store.column(column.fact.slot),
                    batch.columns().get(column.read_at),
                ) else {
                    continue;
                };
                let mut cells = Cells {
                    fact: column.fact,
                    array,
                    store: column_store,
                    strings,
                    first,
                    place: column.in_file + 1,
                    problems: &mut problems.cells,
                };
                cells.read(rows);
            }
            first += rows;
            if rows < batch.num_rows() {
                if names.is_some() {
                    let row = first + 1;
                    let refusal = Refusal::new(
                        format!("more than {MAX_ENTITIES} entities; the rest were not read"),
                        Some("split the snapshot into several files"),
                    );
                    problems
                        .rows
                        .push((row, 0, refusal.at(format!("row {row}"))));
                }
                break;
            }
        }
        problems.rows_read = first;
        problems.repeats = names.is_some_and(|names| !names.all_different());
        Ok(problems)
    }
}

/// Adds the entities a batch's rows name; a row that names none is a
/// problem.
fn read_names(
    column: Option<&ArrayRef>,
    first: usize,
    rows: usize,
    names: &mut TableNames<'_>,
    problems: &mut Vec<RowProblem>,
) {
    let texts = column.and_then(|names| Texts::of(names.as_ref()));
    for index in 0..rows {
        let name = texts.as_ref().and_then(|texts| texts.get(index));
        let name = name.unwrap_or_default();
        if name.is_empty() {
            let row = first + index + 1;
            let refusal = Refusal::new(
                "the row names no entity",
                Some("give the entity's name in the column `entity`, or remove the row"),
            );
            problems.push((row, 0, refusal.at(format!("row {row} (entities.\"\")"))));
        }
        names.add(name);
    }
}

/// A field of the file as it is to be decoded: the text of a fact column
/// (a string, a set's items) as a dictionary, as Parquet stores text with
/// few distinct values, so that each distinct string is interned and
/// checked once per batch rather than once per row.
fn coded_field(field: &FieldRef, plan: &TablePlan) -> FieldRef {
    let coded = |item: &Field| match item.data_type() {
        DataType::Utf8 => item.clone().with_data_type(DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Utf8),
        )),
        _ => item.clone(),
    };
    let is_fact = plan.fact_names.contains(field.name().as_str());
    match field.data_type() {
        DataType::Utf8 if is_fact => Arc::new(coded(field)),
        DataType::List(item) if is_fact => Arc::new(
            field
                .as_ref()
                .clone()
                .with_data_type(DataType::List(Arc::new(coded(item)))),
        ),
        _ => field.clone(),
    }
}

/// Rows per batch: enough that what is done once per batch (a
/// dictionary's strings interned and checked) costs nothing per row, few
/// enough that a batch stays in the cache's reach.
const BATCH_ROWS: usize = 16_384;

/// Fact columns of a file: their places in it, their facts.
type FactColumns<'s> = Vec<(usize, &'s FactSlot)>;

/// What to read of a file: which columns, as which facts.
struct TablePlan<'s> {
    /// The file's column of entity names.
    entity_column: usize,
    /// The fact columns to decode.
    wanted: FactColumns<'s>,
    /// The columns of undeclared facts, ignored.
    ignored: Vec<String>,
    /// The columns that cannot be read as their facts.
    column_problems: Vec<FactProblem>,
    /// The names of the columns read as facts (a set: a table may have
    /// thousands of columns).
    fact_names: FxHashSet<&'s str>,
}

impl<'s> TablePlan<'s> {
    /// The fact columns in two parts to read side by side, about even in
    /// work: the first read with the names, the second with every column
    /// of strings (whose ids come from one table of strings); the
    /// columns of bools and numbers go each to the lighter part. A
    /// column's weight is a rough count of its work per row.
    fn two_parts(&self) -> (FactColumns<'s>, FactColumns<'s>) {
        // The names — decoded, hashed and indexed — weigh about as much
        // as eight columns of bools (on the synthetic coalition).
        const NAMES: usize = 8;
        let weight = |fact: &FactSlot| match fact.ty {
            FactType::Bool | FactType::Number => 1,
            FactType::String => 2,
            FactType::StringSet => 4,
        };
        let plain = |fact: &FactSlot| matches!(fact.ty, FactType::Bool | FactType::Number);
        let (mut with_names, mut alone): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
        let mut loads = (NAMES, 0);
        for &(index, fact) in self.wanted.iter().filter(|(_, fact)| !plain(fact)) {
            loads.1 += weight(fact);
            alone.push((index, fact));
        }
        for &(index, fact) in self.wanted.iter().filter(|(_, fact)| plain(fact)) {
            if loads.0 <= loads.1 {
                loads.0 += weight(fact);
                with_names.push((index, fact));
            } else {
                loads.1 += weight(fact);
                alone.push((index, fact));
            }
        }
        with_names.sort_unstable_by_key(|(index, _)| *index);
        alone.sort_unstable_by_key(|(index, _)| *index);
        (with_names, alone)
    }
}

/// A fact column to read: where it is in a batch, and its fact.
struct FactColumn<'s> {
    read_at: usize,
    /// Its place among the file's columns, for the order of problems.
    in_file: usize,
    fact: &'s FactSlot,
}

impl<'s> TablePlan<'s> {
    /// Matches a file's columns with the declared facts.
    fn of(
        fields: &Fields,
        schema: &'s Schema,
        allow_extra_facts: bool,
    ) -> Result<TablePlan<'s>, String> {
        let mut plan = TablePlan {
            entity_column: 0,
            wanted: Vec::new(),
            ignored: Vec::new(),
            column_problems: Vec::new(),
            fact_names: FxHashSet::default(),
        };
        let mut entity_column = None;
        let mut wanted: Vec<(usize, &FactSlot)> = Vec::new();
        for (index, field) in fields.iter().enumerate() {
            let place = || format!("column {} ({:?})", index + 1, field.name());
            if field.name() == "entity" {
                if !is_text(field.data_type()) {
                    return Err(format!(
                        "{}: the entities' names must be text, not {}",
                        place(),
                        field.data_type()
                    ));
                }
                entity_column = Some(index);
                continue;
            }
            let fact = column_fact(schema, field.name(), field.data_type(), allow_extra_facts)
                .and_then(|fact| match fact {
                    Some(fact) if plan.fact_names.contains(fact.name.as_str()) => {
                        Err(crate::facts::csv::column_twice(field.name()))
                    }
                    fact => Ok(fact),
                });
            match fact {
                Ok(Some(fact)) => {
                    plan.fact_names.insert(&fact.name);
                    wanted.push((index, fact));
                }
                Ok(None) => plan.ignored.push(field.name().clone()),
                Err(mut refusal) => {
                    // A type's words may quote the file's field names.
                    refusal.message = crate::text::escape(&refusal.message).into_owned();
                    plan.column_problems.push(refusal.at(place()));
                }
            }
        }
        let Some(entity_column) = entity_column else {
            return Err("no column `entity` names the entities".to_string());
        };
        plan.entity_column = entity_column;
        plan.wanted = wanted;
        Ok(plan)
    }
}

/// One fact's column of one batch, being stored.
struct Cells<'a, 'f> {
    fact: &'f FactSlot,
    array: &'a ArrayRef,
    store: &'a mut Column,
    strings: &'a mut Interner,
    /// The entity of the batch's first row.
    first: usize,
    /// The column's place in a row (after the name), for the order of
    /// problems.
    place: usize,
    problems: &'a mut Vec<CellProblem<'f>>,
}

impl Cells<'_, '_> {
    /// Stores the first `rows` rows.
    fn read(&mut self, rows: usize) {
        match self.fact.ty {
            FactType::Bool => self.read_bools(rows),
            FactType::Number => self.read_numbers(rows),
            FactType::String => self.read_strings(rows),
            FactType::StringSet => match self.array.data_type() {
                DataType::LargeList(_) => self.read_sets(self.array.as_list::<i64>(), rows),
                _ => self.read_sets(self.array.as_list::<i32>(), rows),
            },
        }
    }

    /// Stores a column of bools a bit at a time, visiting only the known
    /// rows and the true ones.
    fn read_bools(&mut self, rows: usize) {
        let array = self.array.as_boolean();
        self.store.pad_to(self.first + rows);
        // A word of 64 rows at a time where the words line up.
        if usize::BITS == 64 && self.first % 64 == 0 && rows == array.len() {
            let known = || -> Box<dyn Iterator<Item = u64> + '_> {
                match array.nulls() {
                    Some(nulls) => Box::new(nulls.inner().bit_chunks().iter_padded()),
                    None => Box::new((0..rows.div_ceil(64)).map(move |word| {
                        let past = rows - word * 64;
                        if past >= 64 {
                            u64::MAX
                        } else {
                            (1 << past) - 1
                        }
                    })),
                }
            };
            let truths = array.values().bit_chunks().iter_padded();
            let truths = truths.zip(known()).map(|(value, known)| value & known);
            return self.store.set_bool_words(self.first, known(), truths);
        }
        let known: Box<dyn Iterator<Item = usize>> = match array.nulls() {
            Some(nulls) => Box::new(nulls.valid_indices()),
            None => Box::new(0..array.len()),
        };
        let truths = array
            .values()
            .set_indices()
            .filter(|&row| array.is_valid(row));
        self.store.set_bools(
            self.first,
            known.take_while(|&row| row < rows),
            truths.take_while(|&row| row < rows),
        );
    }

    fn read_numbers(&mut self, rows: usize) {
        // Integers within 2^53 are exact as floats; the others are
        // refused, or (decimals) checked as written, by `typed`.
        const EXACT: u64 = 1 << 53;
        let array = self.array;
        match array.data_type() {
            DataType::Int8 => self.read_primitive::<Int8Type>(rows, |v| Some(v.into())),
            DataType::Int16 => self.read_primitive::<Int16Type>(rows, |v| Some(v.into())),
            DataType::Int32 => self.read_primitive::<Int32Type>(rows, |v| Some(v.into())),
            DataType::UInt8 => self.read_primitive::<UInt8Type>(rows, |v| Some(v.into())),
            DataType::UInt16 => self.read_primitive::<UInt16Type>(rows, |v| Some(v.into())),
            DataType::UInt32 => self.read_primitive::<UInt32Type>(rows, |v| Some(v.into())),
            DataType::Int64 => self.read_primitive::<Int64Type>(rows, |v| {
                (v.unsigned_abs() <= EXACT).then_some(v as f64)
            }),
            DataType::UInt64 => {
                self.read_primitive::<UInt64Type>(rows, |v| (v <= EXACT).then_some(v as f64))
            }
            DataType::Float32 => self.read_primitive::<Float32Type>(rows, |v| Some(v.into())),
            DataType::Float64 => self.read_primitive::<Float64Type>(rows, Some),
            _ => (0..rows).for_each(|row| self.checked(row)),
        }
    }

    /// Stores a column of numbers whose values `exact` turns into floats
    /// (`None`: not for the quick checks to accept).
    fn read_primitive<T: ArrowPrimitiveType>(
        &mut self,
        rows: usize,
        exact: impl Fn(T::Native) -> Option<f64>,
    ) {
        let array: &PrimitiveArray<T> = self.array.as_primitive();
        for row in 0..rows {
            let entity = self.first + row;
            if array.is_null(row) {
                self.store.pad_to(entity + 1);
                continue;
            }
            match exact(array.value(row)) {
                Some(n) if n.is_finite() && n.abs() <= MAX_EXACT && self.fact.range.contains(n) => {
                    self.store.pad_to(entity + 1);
                    self.store.set_last(entity, Value::Number(n), self.strings);
                }
                _ => self.checked(row),
            }
        }
    }

    fn read_strings(&mut self, rows: usize) {
        let Some(words) = Words::of(self.array.as_ref(), self.fact, self.strings) else {
            return (0..rows).for_each(|row| self.checked(row));
        };
        for row in 0..rows {
            let entity = self.first + row;
            match words.id(row, self.fact, self.strings) {
                Word::Null => self.store.pad_to(entity + 1),
                Word::Id(id) => {
                    self.store.pad_to(entity + 1);
                    self.store.set_string_id(entity, id);
                }
                Word::Check => self.checked(row),
            }
        }
    }

    fn read_sets<O: OffsetSizeTrait>(&mut self, lists: &GenericListArray<O>, rows: usize) {
        let Some(words) = Words::of(lists.values().as_ref(), self.fact, self.strings) else {
            return (0..rows).for_each(|row| self.checked(row));
        };
        let offsets = lists.value_offsets();
        let mut ids: Vec<u32> = Vec::new();
        for row in 0..rows {
            let entity = self.first + row;
            if lists.is_null(row) {
                self.store.pad_to(entity + 1);
                continue;
            }
            let start = offsets.get(row).map_or(0, |o| o.as_usize());
            let end = offsets.get(row + 1).map_or(start, |o| o.as_usize());
            ids.clear();
            let accepted = (start..end).all(|at| match words.id(at, self.fact, self.strings) {
                Word::Id(id) => {
                    ids.push(id);
                    true
                }
                Word::Null | Word::Check => false,
            });
            if accepted {
                self.store.pad_to(entity + 1);
                self.store.set_ids(entity, ids.iter().copied());
            } else {
                self.checked(row);
            }
        }
    }

    /// Stores a row's value checked as a facts file's value is; a value
    /// refused is a problem, and the fact unknown.
    fn checked(&mut self, row: usize) {
        let entity = self.first + row;
        self.store.pad_to(entity + 1);
        if self.array.is_null(row) {
            return;
        }
        match value_at(self.array, row, self.fact.ty).and_then(|value| typed(self.fact, &value)) {
            Ok(value) => self.store.set_last(entity, value, self.strings),
            Err(refusal) => self.problems.push(CellProblem {
                entity,
                place: self.place,
                fact: self.fact,
                refusal,
            }),
        }
    }
}

/// A value refused: of which entity, in which column.
struct CellProblem<'s> {
    entity: usize,
    place: usize,
    fact: &'s FactSlot,
    refusal: Refusal,
}

impl CellProblem<'_> {
    /// The problem, its path naming the entity.
    fn at(self, names: &EntityNames) -> RowProblem {
        let row = self.entity + 1;
        let fact = &self.fact.name;
        let name = names.get(self.entity).unwrap_or_default();
        let path = format!(
            "row {row}, column {fact:?} (entities.{}.{})",
            path_key(name),
            path_key(fact)
        );
        (row, self.place, self.refusal.at(path))
    }
}

/// A problem of a table's row, with its row and its place in the row (0:
/// the entity).
type RowProblem = (usize, usize, FactProblem);

/// The problems of a table's rows, reported in the order of its rows.
struct RowProblems {
    /// The table's file, when it is read for a document that named it.
    within: Option<String>,
    found: Vec<RowProblem>,
}

impl RowProblems {
    /// A problem whose path names the table's file, when it is read for
    /// a document: the document's own problems are the document's.
    fn named(&self, mut problem: FactProblem) -> FactProblem {
        if let Some(origin) = &self.within {
            problem.path = format!("{origin}: {}", problem.path);
        }
        problem
    }

    /// A problem for each row that names an entity an earlier row named.
    fn name_repeated_entities(&mut self, names: &EntityNames) {
        let mut seen = FxHashSet::default();
        for (index, name) in names.iter().enumerate() {
            if !name.is_empty() && !seen.insert(name) {
                let row = index + 1;
                let refusal = Refusal::new(
                    "this entity is given by an earlier row too",
                    Some("merge the two rows"),
                );
                let path = format!("row {row} (entities.{})", path_key(name));
                self.found.push((row, 0, refusal.at(path)));
            }
        }
    }

    fn report(mut self, builder: &mut Builder<'_>) {
        self.found.sort_by_key(|(row, place, _)| (*row, *place));
        for (_, _, problem) in std::mem::take(&mut self.found) {
            builder.problem(self.named(problem));
        }
    }
}

/// A column of text decoded for storing: plain, or coded by a dictionary
/// whose strings are interned and checked once.
enum Words<'a> {
    Plain(Texts<'a>),
    Coded {
        keys: &'a PrimitiveArray<Int32Type>,
        /// By key: the string's id, if the quick checks accept it.
        ids: Vec<Option<u32>>,
    },
}

/// A row of a column of text, as the quick checks see it.
enum Word {
    Null,
    /// An accepted string's interned id.
    Id(u32),
    /// A string to check the slow way.
    Check,
}

impl<'a> Words<'a> {
    fn of(array: &'a dyn Array, fact: &FactSlot, strings: &mut Interner) -> Option<Words<'a>> {
        let Some(coded) = array.as_dictionary_opt::<Int32Type>() else {
            return Texts::of(array).map(Words::Plain);
        };
        let texts = Texts::of(coded.values().as_ref())?;
        let ids = (0..coded.values().len())
            .map(|key| {
                let text = texts.get(key)?;
                words_of(fact, [text]).ok()?;
                Some(strings.intern(text))
            })
            .collect();
        Some(Words::Coded {
            keys: coded.keys(),
            ids,
        })
    }

    fn id(&self, index: usize, fact: &FactSlot, strings: &mut Interner) -> Word {
        match self {
            Words::Plain(texts) => match texts.get(index) {
                None => Word::Null,
                Some(text) if words_of(fact, [text]).is_ok() => Word::Id(strings.intern(text)),
                Some(_) => Word::Check,
            },
            Words::Coded { keys, ids } if keys.is_valid(index) => {
                let key = usize::try_from(keys.value(index)).ok();
                match key.and_then(|key| ids.get(key).copied().flatten()) {
                    Some(id) => Word::Id(id),
                    None => Word::Check,
                }
            }
            Words::Coded { .. } => Word::Null,
        }
    }
}

/// A column of text, of any of Arrow's three layouts.
enum Texts<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Texts<'a> {
    /// The column as text, if it is.
    fn of(array: &'a dyn Array) -> Option<Texts<'a>> {
        Some(match array.data_type() {
            DataType::Utf8 => Texts::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Texts::Large(array.as_string::<i64>()),
            DataType::Utf8View => Texts::View(array.as_string_view()),
            _ => return None,
        })
    }

    /// The text at `index` (`None` when null).
    fn get(&self, index: usize) -> Option<&'a str> {
        match self {
            Texts::Utf8(array) => array.is_valid(index).then(|| array.value(index)),
            Texts::Large(array) => array.is_valid(index).then(|| array.value(index)),
            Texts::View(array) => array.is_valid(index).then(|| array.value(index)),
        }
    }
}

/// The entity fact a column holds: `Ok(None)` for a column of an
/// undeclared fact that is ignored; a refusal for a column that cannot be
/// read as its fact.
fn column_fact<'s>(
    schema: &'s Schema,
    name: &str,
    ty: &DataType,
    allow_extra_facts: bool,
) -> Result<Option<&'s FactSlot>, Refusal> {
    let Some(fact) = schema.fact(name) else {
        return match allow_extra_facts {
            true => Ok(None),
            false => Err(crate::facts::bind::undeclared(schema, name)),
        };
    };
    if matches!(fact.slot, Slot::World(_)) {
        return Err(crate::facts::csv::world_fact_column(name));
    }
    let fits = match fact.ty {
        FactType::Bool => matches!(ty, DataType::Boolean),
        FactType::Number => is_number(ty),
        FactType::String => is_text(ty),
        FactType::StringSet => match ty {
            DataType::List(item) | DataType::LargeList(item) => is_text(item.data_type()),
            _ => false,
        },
    };
    match fits {
        true => Ok(Some(fact)),
        false => Err(Refusal::new(
            format!(
                "`{name}` is a {} fact, but the column holds {ty}",
                fact.ty.keyword()
            ),
            Some(match fact.ty {
                FactType::Bool => "store it as BOOLEAN",
                FactType::Number => {
                    "store it as an integer, decimal or floating type (BIGINT, DECIMAL, DOUBLE)"
                }
                FactType::String => "store it as text (VARCHAR, UTF8)",
                FactType::StringSet => "store it as a list of text (VARCHAR[], LIST<UTF8>)",
            }),
        )),
    }
}

fn is_text(ty: &DataType) -> bool {
    matches!(
        ty,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn is_number(ty: &DataType) -> bool {
    ty.is_integer()
        || matches!(
            ty,
            DataType::Float32 | DataType::Float64 | DataType::Decimal128(..)
        )
}

/// The value at `index` (not null) of a column whose type fits `ty`, as
/// a facts file would give it.
fn value_at(array: &ArrayRef, index: usize, ty: FactType) -> Result<FactValue, Refusal> {
    match ty {
        FactType::Bool => Ok(FactValue::Bool(array.as_boolean().value(index))),
        FactType::Number => number_at(array, index),
        FactType::String => Ok(FactValue::String(
            text_at(array.as_ref(), index)
                .unwrap_or_default()
                .to_string(),
        )),
        FactType::StringSet => {
            let items = match array.data_type() {
                DataType::LargeList(_) => array.as_list::<i64>().value(index),
                _ => array.as_list::<i32>().value(index),
            };
            let strings: Option<Vec<String>> = (0..items.len())
                .map(|item| text_at(items.as_ref(), item).map(str::to_string))
                .collect();
            strings.map(FactValue::Strings).ok_or_else(|| {
                Refusal::new(
                    "the list holds a null",
                    Some(
                        "a set holds strings only: leave the null out, or make the whole cell null if the set is unknown",
                    ),
                )
            })
        }
    }
}

/// The text at `index` of a column of text, plain or coded (`None` when
/// null).
fn text_at(array: &dyn Array, index: usize) -> Option<&str> {
    match array.as_dictionary_opt::<Int32Type>() {
        Some(coded) if coded.is_valid(index) => {
            let key = usize::try_from(coded.keys().value(index)).ok()?;
            text_at(coded.values().as_ref(), key)
        }
        Some(_) => None,
        None => Texts::of(array).and_then(|texts| texts.get(index)),
    }
}

/// A number column's value: integers kept exact (beyond 2^53, refused
/// when checked), decimals checked as written (as in a facts file),
/// floats as they are.
fn number_at(array: &ArrayRef, index: usize) -> Result<FactValue, Refusal> {
    let integer = |value: i128| FactValue::Integer(value);
    Ok(match array.data_type() {
        DataType::Decimal128(..) => {
            let text = array
                .as_primitive::<arrow_array::types::Decimal128Type>()
                .value_as_string(index);
            return crate::facts::de::number(&text);
        }
        DataType::Int8 => integer(array.as_primitive::<Int8Type>().value(index).into()),
        DataType::Int16 => integer(array.as_primitive::<Int16Type>().value(index).into()),
        DataType::Int32 => integer(array.as_primitive::<Int32Type>().value(index).into()),
        DataType::Int64 => integer(array.as_primitive::<Int64Type>().value(index).into()),
        DataType::UInt8 => integer(array.as_primitive::<UInt8Type>().value(index).into()),
        DataType::UInt16 => integer(array.as_primitive::<UInt16Type>().value(index).into()),
        DataType::UInt32 => integer(array.as_primitive::<UInt32Type>().value(index).into()),
        DataType::UInt64 => integer(array.as_primitive::<UInt64Type>().value(index).into()),
        DataType::Float32 => {
            FactValue::Number(array.as_primitive::<Float32Type>().value(index).into())
        }
        _ => FactValue::Number(array.as_primitive::<Float64Type>().value(index)),
    })
}

/// A Parquet error in words.
fn parquet_error(error: &parquet::errors::ParquetError) -> String {
    format!("not a Parquet file that can be read: {error}")
}

/// Runs a call into the Parquet decoder, which on some corrupt files
/// panics (an assertion in its bit reader) rather than failing: the panic
/// becomes an error, and its message is kept off standard error. Only the
/// decoder's own calls run here, so a panic of prereq's stays loud.
fn decoding<R>(decode: impl FnOnce() -> Result<R, String>) -> Result<R, String> {
    quiet_decoder_panics();
    DECODING.with(|depth| depth.set(depth.get() + 1));
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(decode));
    DECODING.with(|depth| depth.set(depth.get().saturating_sub(1)));
    decoded.unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|why| why.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!(
            "not a Parquet file that can be read: its data is corrupt ({why})"
        ))
    })
}

thread_local! {
    /// How deep this thread is in [`decoding`].
    static DECODING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Once per process: a panic hook that says nothing of a panic inside
/// [`decoding`] and hands every other panic to the hook there was.
fn quiet_decoder_panics() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if DECODING.with(|depth| depth.get()) == 0 {
                previous(info);
            }
        }));
    });
}

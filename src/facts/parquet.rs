//! Facts from a Parquet file: a row per entity, a typed column per fact.
//!
//! A column `entity` (text) names each row's entity; every other column
//! is an entity fact named as the fact. A column's type must fit its
//! fact's: `BOOLEAN` for a bool; any integer, decimal or floating type
//! for a number (integers beyond 2^53, and decimals a float would round,
//! are refused, not rounded); text for a
//! string; a list of text for a set. `NULL` is an unknown fact. A column
//! whose type does not fit, that names a world fact, or that names no
//! fact at all (unless extra facts are allowed) is one problem, not one
//! per row; only the columns of declared facts are decoded.
//!
//! The values reach the same sink as those of every other format, so
//! they meet the same checks; a problem names its row and column as well
//! as its path.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::csv::{TableOptions, row_entity};
use super::de::{FactSink, Refusal};
use super::{FactValue, path_key};
use crate::compile::{FactSlot, Schema, Slot};
use crate::limits::MAX_ENTITIES;
use crate::syntax::ast::FactType;

/// A fact column to read: where it is in the file, and its fact.
struct FactColumn<'s> {
    /// Its position among the columns read.
    read_at: usize,
    fact: &'s FactSlot,
}

/// Reads a Parquet file of entity facts into `sink`. Fails only on a file
/// that cannot be read as Parquet or has no `entity` column of text;
/// every other problem is given to the sink. Returns the columns skipped
/// as extra facts, or `None` if names were checked at the end and two
/// rows name one entity: the sink must then be thrown away and the file
/// read again without deferring (as for a CSV table).
pub(crate) fn read_parquet<S: FactSink>(
    path: &Path,
    schema: &Schema,
    options: TableOptions,
    sink: &mut S,
) -> Result<Option<Vec<String>>, String> {
    let allow_extra_facts = options.allow_extra_facts;
    if options.defer_name_checks {
        sink.defer_name_checks();
    }
    let file = File::open(path).map_err(|error| format!("cannot read the file: {error}"))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| parquet_error(&e))?;
    let fields = builder.schema().fields().clone();
    let mut ignored = Vec::new();
    let mut wanted = Vec::new();
    let mut entity_column = None;
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
        match column_fact(schema, field.name(), field.data_type(), allow_extra_facts) {
            Ok(Some(fact)) => wanted.push((index, fact)),
            Ok(None) => ignored.push(field.name().clone()),
            Err(refusal) => sink.problem(refusal.at(place())),
        }
    }
    let Some(entity_column) = entity_column else {
        return Err("no column `entity` names the entities".to_string());
    };
    // Columns come back in file order, the entity's among them.
    let mut read: Vec<usize> = wanted.iter().map(|(index, _)| *index).collect();
    read.push(entity_column);
    read.sort_unstable();
    let position = |index: usize| read.binary_search(&index).unwrap_or(0);
    let columns: Vec<FactColumn> = wanted
        .iter()
        .map(|(index, fact)| FactColumn {
            read_at: position(*index),
            fact,
        })
        .collect();
    let entity_at = position(entity_column);
    let mask = ProjectionMask::roots(builder.parquet_schema(), read.iter().copied());
    let reader = builder
        .with_projection(mask)
        .build()
        .map_err(|e| parquet_error(&e))?;
    let mut row = 0;
    for batch in reader {
        let batch = batch.map_err(|error| format!("cannot read a row group: {error}"))?;
        if !read_batch(&batch, entity_at, &columns, &mut row, sink) {
            break;
        }
    }
    Ok(sink.names_unique().then_some(ignored))
}

/// Reads one batch of rows; `false` once the entity limit is reached.
fn read_batch<S: FactSink>(
    batch: &RecordBatch,
    entity_at: usize,
    columns: &[FactColumn],
    row: &mut usize,
    sink: &mut S,
) -> bool {
    let names = batch.column(entity_at);
    for index in 0..batch.num_rows() {
        *row += 1;
        if sink.entity_count() >= MAX_ENTITIES {
            sink.problem(
                Refusal::new(
                    format!("more than {MAX_ENTITIES} entities; the rest were not read"),
                    Some("split the snapshot into several files"),
                )
                .at(format!("row {row}")),
            );
            return false;
        }
        let name = text_at(names, index).unwrap_or_default();
        if let Err(refusal) = row_entity(name, sink) {
            let path = format!("row {row} (entities.{})", path_key(name));
            sink.problem(refusal.at(path));
            continue;
        }
        for column in columns {
            let array = batch.column(column.read_at);
            if array.is_null(index) {
                continue;
            }
            let given = value_at(array, index, column.fact.ty)
                .and_then(|value| sink.entity_fact(&column.fact.name, value));
            if let Err(refusal) = given {
                let path = format!(
                    "row {row}, column {:?} (entities.{}.{})",
                    column.fact.name,
                    path_key(name),
                    path_key(&column.fact.name)
                );
                sink.problem(refusal.at(path));
            }
        }
    }
    true
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
            false => Err(super::bind::undeclared(schema, name)),
        };
    };
    if matches!(fact.slot, Slot::World(_)) {
        return Err(super::csv::world_fact_column(name));
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

/// The text at `index` of a text column (`None` when null).
fn text_at(array: &ArrayRef, index: usize) -> Option<&str> {
    if array.is_null(index) {
        return None;
    }
    match array.data_type() {
        DataType::Utf8 => Some(array.as_string::<i32>().value(index)),
        DataType::LargeUtf8 => Some(array.as_string::<i64>().value(index)),
        DataType::Utf8View => Some(array.as_string_view().value(index)),
        _ => None,
    }
}

/// The value at `index` (not null) of a column whose type fits `ty`.
fn value_at(array: &ArrayRef, index: usize, ty: FactType) -> Result<FactValue, Refusal> {
    match ty {
        FactType::Bool => Ok(FactValue::Bool(array.as_boolean().value(index))),
        FactType::Number => number_at(array, index),
        FactType::String => Ok(FactValue::String(
            text_at(array, index).unwrap_or_default().to_string(),
        )),
        FactType::StringSet => list_at(array, index),
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
                .as_primitive::<Decimal128Type>()
                .value_as_string(index);
            return super::de::number(&text);
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

/// A list column's strings; a null string in it is refused.
fn list_at(array: &ArrayRef, index: usize) -> Result<FactValue, Refusal> {
    let items = match array.data_type() {
        DataType::LargeList(_) => array.as_list::<i64>().value(index),
        _ => array.as_list::<i32>().value(index),
    };
    let mut strings = Vec::with_capacity(items.len());
    for item in 0..items.len() {
        match text_at(&items, item) {
            Some(text) => strings.push(text.to_string()),
            None => {
                return Err(Refusal::new(
                    "the list holds a null",
                    Some(
                        "a set holds strings only: leave the null out, or make the whole cell null if the set is unknown",
                    ),
                ));
            }
        }
    }
    Ok(FactValue::Strings(strings))
}

/// A Parquet error in words.
fn parquet_error(error: &parquet::errors::ParquetError) -> String {
    format!("not a Parquet file that can be read: {error}")
}

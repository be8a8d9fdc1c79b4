//! Verdicts as a Parquet file: the CSV table's columns (`entity`, then a
//! column per rule shown, world rules included), typed as text,
//! dictionary-encoded and compressed with Snappy, so each verdict of three
//! words takes a few bits. What a data pipeline reads back with DuckDB,
//! Spark or Polars.
//!
//! Architecture invariant: written a row group at a time, its columns
//! encoded in parallel and a batch of rows at a time; the file's columns
//! are those of [`Report::write_csv`], in the same order.

use std::sync::Arc;

use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, DictionaryArray, Int8Array, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, compute_leaves};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use super::{Report, RuleColumn};
use crate::Verdict;
use crate::check::RuleKind;

/// The words of the verdicts, each column's dictionary: a verdict is
/// written as its place here.
const VERDICTS: [Verdict; 3] = [
    Verdict::Satisfied,
    Verdict::Unsatisfied,
    Verdict::Undetermined,
];

/// Rows per batch handed to a column's encoder.
const BATCH_ROWS: usize = 65_536;

/// Rows per row group: Parquet's usual million.
const ROW_GROUP_ROWS: usize = 1 << 20;

/// A column of the file.
#[derive(Clone, Copy)]
enum VerdictColumn<'r> {
    Entity,
    Rule(&'r RuleColumn),
}

impl Report {
    /// Writes the verdicts as Parquet: a column `entity`, then a column
    /// per rule shown, each cell `satisfied`, `unsatisfied` or
    /// `undetermined`. The columns of a row group are encoded side by
    /// side, on every core.
    ///
    /// ```
    /// use prereq::{Facts, RuleSet};
    /// let rules = RuleSet::parse("r.rules", "fact legal_basis: bool\nrule deploy requires legal_basis")?;
    /// let mut facts = Facts::new("inline");
    /// facts.set("UK", "legal_basis", true);
    /// let mut file = Vec::new();
    /// rules.evaluate(&facts)?.write_parquet(&mut file)?;
    /// assert_eq!(&file[..4], b"PAR1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_parquet(&self, out: impl std::io::Write + Send) -> Result<(), ParquetError> {
        let rules: Vec<&RuleColumn> = self.rules().collect();
        let columns: Vec<VerdictColumn> = std::iter::once(VerdictColumn::Entity)
            .chain(rules.iter().map(|rule| VerdictColumn::Rule(rule)))
            .collect();
        let schema = verdicts_schema(&rules);
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(properties(&rules)))?;
        let (mut file, encoders) = writer.into_serialized_writer()?;
        let entities: Vec<(usize, &str)> = self.indexed_entities().collect();
        for (group, rows) in entities.chunks(ROW_GROUP_ROWS).enumerate() {
            let work: Vec<_> = encoders
                .create_column_writers(group)?
                .into_iter()
                .zip(schema.fields().iter().zip(&columns))
                .collect();
            let chunks = crate::parallel::map_each_in_order(work, |(encoder, (field, column))| {
                self.encode_column(encoder, field, *column, rows)
            });
            let mut row_group = file.next_row_group()?;
            for chunk in chunks {
                chunk?.append_to_row_group(&mut row_group)?;
            }
            row_group.close()?;
        }
        file.close()?;
        Ok(())
    }

    /// Encodes one column of a row group's rows.
    fn encode_column(
        &self,
        mut encoder: ArrowColumnWriter,
        field: &Field,
        column: VerdictColumn,
        rows: &[(usize, &str)],
    ) -> Result<ArrowColumnChunk, ParquetError> {
        let words: ArrayRef = Arc::new(StringArray::from_iter_values(
            VERDICTS.iter().map(|verdict| verdict.as_str()),
        ));
        for batch in rows.chunks(BATCH_ROWS) {
            let array: ArrayRef = match column {
                VerdictColumn::Entity => Arc::new(StringArray::from_iter_values(
                    batch.iter().map(|(_, name)| *name),
                )),
                VerdictColumn::Rule(rule) => {
                    let keys = self.verdict_keys(rule, batch);
                    Arc::new(DictionaryArray::<Int8Type>::try_new(keys, words.clone())?)
                }
            };
            for leaf in compute_leaves(field, &array)? {
                encoder.write(&leaf)?;
            }
        }
        encoder.close()
    }

    /// A rule's verdicts for some entities, as places in [`VERDICTS`].
    fn verdict_keys(&self, rule: &RuleColumn, rows: &[(usize, &str)]) -> Int8Array {
        let key = |verdict: Verdict| {
            let place = VERDICTS.iter().position(|v| *v == verdict)?;
            i8::try_from(place).ok()
        };
        match rule.kind {
            RuleKind::World => {
                let world = self.cell(None, rule).and_then(key);
                rows.iter().map(|_| world).collect()
            }
            RuleKind::Entity => rows
                .iter()
                .map(|&(index, _)| key(Verdict::from(self.verdicts.get(index, rule.id))))
                .collect(),
        }
    }
}

/// The file's columns: `entity`, then a column of verdicts per rule, each
/// a dictionary of the three words.
fn verdicts_schema(rules: &[&RuleColumn]) -> Arc<Schema> {
    let verdict_type = DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8));
    let fields = std::iter::once(Field::new("entity", DataType::Utf8, false)).chain(
        rules
            .iter()
            .map(|rule| Field::new(rule.name.as_str(), verdict_type.clone(), true)),
    );
    Arc::new(Schema::new(fields.collect::<Vec<_>>()))
}

/// How the file is written: Snappy, as DuckDB, Spark and Polars write
/// by default, and read fastest; no dictionary for the names, mostly each
/// other's strangers; no statistics for the verdicts, whose dictionary
/// of three words says all a reader could skip by.
fn properties(rules: &[&RuleColumn]) -> WriterProperties {
    let mut properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_dictionary_enabled(ColumnPath::from("entity"), false);
    for rule in rules {
        properties = properties.set_column_statistics_enabled(
            ColumnPath::from(rule.name.as_str()),
            EnabledStatistics::None,
        );
    }
    properties.build()
}

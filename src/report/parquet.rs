//! Verdicts as a Parquet file: the CSV table's columns (`entity`, then a
//! column per rule shown, world rules included), typed as text,
//! dictionary-encoded and compressed with Snappy, so each verdict of three
//! words takes a few bits. What a data pipeline reads back with DuckDB,
//! Spark or Polars.
//!
//! Architecture invariant: written a batch of rows at a time; the file's
//! columns are those of [`Report::write_csv`], in the same order.

use std::sync::Arc;

use arrow_array::builder::StringDictionaryBuilder;
use arrow_array::types::Int8Type;
use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::Report;
use crate::check::RuleKind;

/// Rows per batch handed to the writer.
const BATCH_ROWS: usize = 65_536;

impl Report {
    /// Writes the verdicts as Parquet: a column `entity`, then a column
    /// per rule shown, each cell `satisfied`, `unsatisfied` or
    /// `undetermined`.
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
    pub fn write_parquet(
        &self,
        out: impl std::io::Write + Send,
    ) -> Result<(), parquet::errors::ParquetError> {
        let rules: Vec<_> = self.rules().collect();
        let mut fields = vec![Field::new("entity", DataType::Utf8, false)];
        let verdict_type = DataType::Dictionary(Box::new(DataType::Int8), Box::new(DataType::Utf8));
        fields.extend(
            rules
                .iter()
                .map(|rule| Field::new(rule.name.as_str(), verdict_type.clone(), true)),
        );
        let schema = Arc::new(Schema::new(fields));
        // Snappy: what DuckDB, Spark and Polars write by default, and read
        // fastest.
        // Names are mostly each other's strangers: no dictionary for them.
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_column_dictionary_enabled(ColumnPath::from("entity"), false)
            .build();
        let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(properties))?;
        let entities: Vec<(usize, &str)> = self.indexed_entities().collect();
        for chunk in entities.chunks(BATCH_ROWS) {
            let names: StringArray = chunk.iter().map(|(_, name)| Some(*name)).collect();
            let mut columns: Vec<ArrayRef> = vec![Arc::new(names)];
            for rule in &rules {
                let mut verdicts = StringDictionaryBuilder::<Int8Type>::new();
                for (index, _) in chunk {
                    let entity = match rule.kind {
                        RuleKind::World => None,
                        RuleKind::Entity => Some(*index),
                    };
                    match self.cell(entity, rule) {
                        Some(verdict) => verdicts.append_value(verdict.as_str()),
                        None => verdicts.append_null(),
                    }
                }
                columns.push(Arc::new(verdicts.finish()));
            }
            let batch = RecordBatch::try_new(schema.clone(), columns)?;
            writer.write(&batch)?;
        }
        writer.close()?;
        Ok(())
    }
}

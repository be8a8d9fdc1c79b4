//! Reading a facts snapshot into columns: a TOML, JSON or CSV file (its
//! format told by its extension, or given), or standard input, with the
//! options of [`LoadOptions`].
//!
//! Every format reaches the same column builder, so every value meets the
//! same checks and every problem the same words: JSON files are streamed a
//! chunk at a time, TOML read whole, CSV tables row by row
//! ([`crate::facts::csv`]).

use std::path::Path;

use super::columns::{Builder, Columns};
use crate::compile::{FactSlot, Schema};
use crate::facts::csv::TableOptions;
use crate::facts::de::{FactSink, LIMITS, Refusal, TomlText, read_document};
use crate::facts::{FactProblem, FactValue, FactsError, Format, LoadOptions, STDIN};

impl Columns {
    /// Reads a `.toml`, `.json` or `.csv` facts file straight into columns.
    pub fn load(schema: &Schema, path: impl AsRef<Path>) -> Result<Columns, FactsError> {
        Columns::load_with(schema, path, &LoadOptions::default())
    }

    /// Reads a facts file — or, for `-`, standard input — as `options`
    /// say: its format (told by the extension when not given), and
    /// whether facts the rules do not declare are ignored.
    ///
    /// ```
    /// # use prereq::{RuleSet, batch::Columns, facts::LoadOptions};
    /// let rules = RuleSet::parse("r.rules", "fact troops: number\nrule big requires troops > 10")?;
    /// let error = Columns::load_with(rules.program().schema(), "-", &LoadOptions::default()).unwrap_err();
    /// assert!(error.to_string().contains("--facts-format"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_with(
        schema: &Schema,
        path: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<Columns, FactsError> {
        let path = path.as_ref();
        let stdin = path == Path::new(STDIN);
        let (origin, format) = match (options.format, stdin) {
            (Some(format), true) => ("standard input".to_string(), format),
            (Some(format), false) => (path.display().to_string(), format),
            (None, true) => {
                return Err(FactsError::FormatNotGiven {
                    origin: "standard input".to_string(),
                });
            }
            (None, false) => crate::facts::facts_format(path)?,
        };
        let builder =
            || Builder::new(schema, &origin).allowing_extra_facts(options.allow_extra_facts);
        if format == Format::Parquet {
            if stdin {
                return Err(FactsError::ParquetUnavailable {
                    origin,
                    reason: "a Parquet file must be read from a file: its index is at its end",
                });
            }
            return read_parquet_file(builder, path, options)?.finish();
        }
        // Standard input's tables are found from the working directory.
        let base = Some(match stdin {
            true => Path::new(""),
            false => path.parent().unwrap_or(Path::new("")),
        });
        if format == Format::Json && !stdin {
            let builder = crate::facts::de::load_json(path, builder)?;
            return with_entities_table(builder, base, options)?.finish();
        }
        let text = crate::facts::read_facts_text(path, &origin)?;
        let options = LoadOptions {
            format: Some(format),
            ..*options
        };
        read_text(schema, &origin, &text, base, &options)?.finish()
    }

    /// Reads facts from text in a format (`options.format`, TOML if none);
    /// `origin` names the text in errors. Text has no place to find a
    /// table of entities from: one it names (`entities_from`) is a
    /// problem; load the file instead ([`Columns::load_with`]).
    pub fn from_text_with(
        schema: &Schema,
        origin: &str,
        text: &str,
        options: &LoadOptions,
    ) -> Result<Columns, FactsError> {
        read_text(schema, origin, text, None, options)?.finish()
    }
}

/// Reads facts from text into a builder, then the table of entities the
/// text names, relative to `base` (none: text alone names no table).
fn read_text<'s>(
    schema: &'s Schema,
    origin: &str,
    text: &str,
    base: Option<&Path>,
    options: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    // TOML's reader takes a byte order mark itself; JSON's and CSV's do not.
    let builder = || Builder::new(schema, origin).allowing_extra_facts(options.allow_extra_facts);
    let document = match options.format.unwrap_or(Format::Toml) {
        Format::Json => crate::facts::de::read_json(crate::facts::without_bom(text), builder)
            .map_err(|error| crate::facts::syntax_error(origin, error.to_string()))?,
        Format::Toml => {
            let mut builder = builder();
            let deserializer = toml::Deserializer::parse(text)
                .map_err(|error| crate::facts::toml_error(origin, text, &error))?;
            read_document(deserializer, LIMITS, TomlText(text), &mut builder)
                .map_err(|error| crate::facts::toml_error(origin, text, &error))?;
            builder
        }
        Format::Csv => return read_csv_table(builder, origin, text, options),
        Format::Parquet => {
            return Err(FactsError::ParquetUnavailable {
                origin: origin.to_string(),
                reason: "a Parquet file is read from its path, not from text",
            });
        }
    };
    with_entities_table(document, base, options)
}

/// Reads a CSV table of its own into a fresh builder.
fn read_csv_table<'s>(
    builder: impl Fn() -> Builder<'s>,
    origin: &str,
    text: &str,
    options: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    read_table(builder, options, |fresh, table| {
        let schema = fresh.schema();
        csv_into(fresh, schema, origin, text, table)
    })
}

/// Reads a CSV table of its own into a fresh builder with
/// `read`: entity names checked all at once at the end, and only if two
/// rows name one entity read again, into another fresh builder, row by
/// row, to say which.
fn read_table<'s>(
    builder: impl Fn() -> Builder<'s>,
    options: &LoadOptions,
    read: impl Fn(&mut Builder<'s>, TableOptions) -> Result<Option<Vec<String>>, FactsError>,
) -> Result<Builder<'s>, FactsError> {
    let deferred = TableOptions {
        allow_extra_facts: options.allow_extra_facts,
        defer_name_checks: true,
    };
    let mut fresh = builder();
    if let Some(ignored) = read(&mut fresh, deferred)? {
        return Ok(fresh.ignoring(ignored));
    }
    let row_by_row = TableOptions {
        defer_name_checks: false,
        ..deferred
    };
    let mut fresh = builder();
    let ignored = read(&mut fresh, row_by_row)?;
    Ok(fresh.ignoring(ignored.unwrap_or_default()))
}

/// Reads a CSV table's text into a sink; returns the columns it ignored,
/// or `None` if deferred name checks found a name given twice.
fn csv_into<S: FactSink>(
    sink: &mut S,
    schema: &Schema,
    origin: &str,
    text: &str,
    options: TableOptions,
) -> Result<Option<Vec<String>>, FactsError> {
    let text = crate::facts::without_bom(text);
    crate::facts::csv::read_csv(text.as_bytes(), schema, options, sink)
        .map_err(|message| crate::facts::syntax_error(origin, message))
}

/// Reads the table of entities a document named (`entities_from`), found
/// relative to `base`, into the same builder: its problems name the
/// table's file. Entities given in the document too are a problem.
fn with_entities_table<'s>(
    mut builder: Builder<'s>,
    base: Option<&Path>,
    options: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    let Some(table) = builder.entities_from.take() else {
        return Ok(builder);
    };
    let Some(base) = base else {
        builder.problem(
            Refusal::new(
                format!("the table {table:?} is found relative to a facts file, but these facts are text"),
                Some("load the facts from their file (RuleSet::load_columns)"),
            )
            .at("entities_from".to_string()),
        );
        return Ok(builder);
    };
    if builder.entity_count() > 0 {
        builder.problem(
            Refusal::new(
                format!("entities are given both in `entities` and in the table {table:?}"),
                Some("give the entities in one place: the table, or the `entities` table"),
            )
            .at("entities_from".to_string()),
        );
        return Ok(builder);
    }
    let path = base.join(&table);
    let origin = path.display().to_string();
    match crate::facts::facts_format(&path) {
        Ok((_, Format::Csv)) => {
            let text = crate::facts::read_facts_text(&path, &origin)?;
            let schema = builder.schema();
            let mut within = WithinTable {
                sink: &mut builder,
                origin: &origin,
            };
            let table = TableOptions {
                allow_extra_facts: options.allow_extra_facts,
                defer_name_checks: false,
            };
            let ignored = csv_into(&mut within, schema, &origin, &text, table)?;
            Ok(builder.ignoring(ignored.unwrap_or_default()))
        }
        Ok((_, Format::Parquet)) => read_parquet_within(builder, &path, &origin, options),
        _ => {
            builder.problem(
                Refusal::new(
                    format!("{table:?} is not a table of entities"),
                    Some("name a .csv or .parquet file, relative to this file"),
                )
                .at("entities_from".to_string()),
            );
            Ok(builder)
        }
    }
}

/// Reads a Parquet file of its own into a fresh builder.
#[cfg(feature = "parquet")]
fn read_parquet_file<'s>(
    builder: impl Fn() -> Builder<'s>,
    path: &Path,
    options: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    let mut builder = builder();
    let ignored = super::parquet::read_parquet(&mut builder, path, options.allow_extra_facts, None)
        .map_err(|message| crate::facts::syntax_error(&path.display().to_string(), message))?;
    Ok(builder.ignoring(ignored))
}

/// Reads a Parquet file a document named into the document's builder, its
/// problems naming the file.
#[cfg(feature = "parquet")]
fn read_parquet_within<'s>(
    mut builder: Builder<'s>,
    path: &Path,
    origin: &str,
    options: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    let allow = options.allow_extra_facts;
    let ignored = super::parquet::read_parquet(&mut builder, path, allow, Some(origin))
        .map_err(|message| crate::facts::syntax_error(origin, message))?;
    Ok(builder.ignoring(ignored))
}

/// Without the `parquet` feature, a Parquet file cannot be read.
#[cfg(not(feature = "parquet"))]
fn read_parquet_file<'s>(
    _: impl Fn() -> Builder<'s>,
    path: &Path,
    _: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    Err(no_parquet(path))
}

/// Without the `parquet` feature, a Parquet file cannot be read.
#[cfg(not(feature = "parquet"))]
fn read_parquet_within<'s>(
    _: Builder<'s>,
    path: &Path,
    _: &str,
    _: &LoadOptions,
) -> Result<Builder<'s>, FactsError> {
    Err(no_parquet(path))
}

#[cfg(not(feature = "parquet"))]
fn no_parquet(path: &Path) -> FactsError {
    FactsError::ParquetUnavailable {
        origin: path.display().to_string(),
        reason: "this build of prereq reads no Parquet: build it with the `parquet` feature",
    }
}

/// A sink that hands everything on, naming the table's file in each
/// problem: the problems of a table read for a document are the table's.
struct WithinTable<'b, 's> {
    sink: &'b mut Builder<'s>,
    origin: &'b str,
}

impl FactSink for WithinTable<'_, '_> {
    fn world_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal> {
        self.sink.world_fact(name, value)
    }

    fn entity(&mut self, name: &str) -> Result<(), Refusal> {
        self.sink.entity(name)
    }

    fn entity_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal> {
        self.sink.entity_fact(name, value)
    }

    fn entity_strings(&mut self, name: &str, strings: &[&str]) -> Result<(), Refusal> {
        self.sink.entity_strings(name, strings)
    }

    fn declared_fact(&mut self, fact: &FactSlot, value: FactValue) -> Result<(), Refusal> {
        self.sink.declared_fact(fact, value)
    }

    fn declared_strings(&mut self, fact: &FactSlot, strings: &[&str]) -> Result<(), Refusal> {
        self.sink.declared_strings(fact, strings)
    }

    fn entity_count(&self) -> usize {
        self.sink.entity_count()
    }

    fn problem(&mut self, mut problem: FactProblem) {
        problem.path = format!("{}: {}", self.origin, problem.path);
        self.sink.problem(problem);
    }
}

//! The options of every command that reads a facts snapshot: the format
//! of its file (or of standard input), whether facts the rules do not
//! declare are refused or ignored, and what-ifs given by hand.

use std::path::Path;

use clap::{Args, ValueEnum};
use prereq::RuleSet;
use prereq::batch::{Columns, FactChange};
use prereq::facts::{Format, LoadOptions};

use super::EXIT_USAGE;
use super::render::Painter;

/// How to read the facts snapshot, and what to change in it.
#[derive(Debug, Args)]
pub struct FactsOptions {
    /// The format of the facts: told by the file's extension when not
    /// given; standard input (`--facts -`) needs it.
    #[arg(long, value_enum, value_name = "FORMAT")]
    facts_format: Option<FactsFormat>,

    /// Ignore facts the rules do not declare (saying how many) instead of
    /// refusing them: for a facts file shared by several rule sets.
    #[arg(long)]
    allow_extra_facts: bool,

    /// What if: give a fact this value, `ENTITY.FACT=VALUE` or, for a world
    /// fact, `FACT=VALUE`; written as a CSV cell (repeatable).
    #[arg(long = "set", value_name = "[ENTITY.]FACT=VALUE")]
    set: Vec<String>,

    /// What if: make a fact unknown, `ENTITY.FACT` or `FACT` (repeatable).
    #[arg(long = "unset", value_name = "[ENTITY.]FACT")]
    unset: Vec<String>,
}

/// The formats a facts snapshot may be read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FactsFormat {
    Toml,
    Json,
    Csv,
    Parquet,
}

impl FactsOptions {
    /// Whether any what-if is given.
    pub fn changes_anything(&self) -> bool {
        !self.set.is_empty() || !self.unset.is_empty()
    }

    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            format: self.facts_format.map(|format| match format {
                FactsFormat::Toml => Format::Toml,
                FactsFormat::Json => Format::Json,
                FactsFormat::Csv => Format::Csv,
                FactsFormat::Parquet => Format::Parquet,
            }),
            allow_extra_facts: self.allow_extra_facts,
        }
    }

    /// The what-ifs, read; a malformed one is a usage error.
    fn changes(&self, painter: &Painter) -> Result<Vec<FactChange>, u8> {
        let set = self.set.iter().map(|text| FactChange::set(text));
        let unset = self.unset.iter().map(|text| FactChange::unset(text));
        set.chain(unset)
            .collect::<Result<_, _>>()
            .map_err(|message| {
                painter.error(&message);
                EXIT_USAGE
            })
    }
}

/// Reads a facts snapshot as the options say, checked against the rules,
/// without the what-ifs: its warnings, and the facts it ignored, go to
/// stderr.
pub fn load_as_given(
    rules: &RuleSet,
    path: &Path,
    options: &FactsOptions,
    painter: &Painter,
) -> Result<Columns, u8> {
    let columns = rules
        .load_columns_with(path, &options.load_options())
        .map_err(|error| {
            painter.facts_error(&error);
            super::EXIT_INVALID
        })?;
    painter.facts_warnings(columns.origin(), columns.warnings());
    let ignored = columns.ignored_facts();
    if !ignored.is_empty() {
        let n = ignored.len();
        painter.note(&format!(
            "{}: ignored {n} fact{} the rules do not declare: {}",
            columns.origin(),
            if n == 1 { "" } else { "s" },
            ignored.join(", ")
        ));
    }
    Ok(columns)
}

/// Reads a facts snapshot as the options say, with the what-ifs applied.
pub fn load(
    rules: &RuleSet,
    path: &Path,
    options: &FactsOptions,
    painter: &Painter,
) -> Result<Columns, u8> {
    let mut columns = load_as_given(rules, path, options, painter)?;
    apply_changes(rules, &mut columns, options, painter)?;
    Ok(columns)
}

/// Applies the what-ifs to a snapshot read already.
pub fn apply_changes(
    rules: &RuleSet,
    columns: &mut Columns,
    options: &FactsOptions,
    painter: &Painter,
) -> Result<(), u8> {
    let changes = options.changes(painter)?;
    columns
        .apply(rules.program().schema(), &changes)
        .map_err(|error| {
            painter.facts_error(&error);
            super::EXIT_INVALID
        })
}

//! Facts from a table: CSV, one row per entity.
//!
//! A header row names the columns: `entity` first, then one entity fact
//! per column, named as the fact. Each row is an entity: its name, then
//! its facts. A cell is read as its fact's declared type says — `true` or
//! `false` for a bool, a decimal for a number (checked as written, as in
//! TOML and JSON), the text for a string, and for a set its strings
//! separated by `;` (`troops; fast_jets`, `[]` for none). A set known in
//! part is written with `?` among its strings (`troops; ?`: it holds
//! troops, and of others nothing is known) and the strings it lacks after
//! `!` (`troops; !fast_jets`). An empty cell is an unknown fact.
//!
//! The cells reach the same sink as TOML and JSON values do, so they meet
//! the same checks and problems; a problem names its line and column as
//! well as its path. A column that names no entity fact is one problem
//! (or, with [`super::LoadOptions::allow_extra_facts`], ignored), not one
//! per row.

use std::io::Read;

use super::de::{FactSink, Refusal};
use super::{FactValue, path_key};
use crate::compile::{FactSlot, Schema, Slot};
use crate::limits::{MAX_ENTITIES, MAX_SET_SIZE};
use crate::syntax::ast::FactType;

/// What a column of the table holds.
enum ColumnKind<'s> {
    /// The entity's name (the first column).
    Entity,
    /// A declared entity fact.
    Fact(&'s FactSlot),
    /// A column skipped: not an entity fact (already reported, or ignored).
    Skipped,
}

/// How a table is read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableOptions {
    /// Columns that name no declared fact are skipped (and named in the
    /// answer) rather than problems.
    pub(crate) allow_extra_facts: bool,
    /// Entity names go unchecked until the end, all at once (a fresh sink
    /// must then be at hand, to read again if two rows name one entity).
    pub(crate) defer_name_checks: bool,
}

/// Reads a CSV table of entity facts into `sink`. Fails only on text
/// that is not CSV (or not UTF-8), with its line; every other problem is
/// given to the sink with its line, column and path. Returns the columns
/// skipped as extra facts, or `None` if names were checked at the end and
/// two rows name one entity: the sink must then be thrown away and the
/// table read again without deferring.
pub(crate) fn read_csv<S: FactSink>(
    reader: impl Read,
    schema: &Schema,
    options: TableOptions,
    sink: &mut S,
) -> Result<Option<Vec<String>>, String> {
    // Cells are trimmed where they are read, not in every record.
    let mut table = ::csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(reader);
    if options.defer_name_checks {
        sink.defer_name_checks();
    }
    let allow_extra_facts = options.allow_extra_facts;
    let headers = table.headers().map_err(|e| csv_error(&e))?.clone();
    let mut ignored = Vec::new();
    let kinds = columns(&headers, schema, allow_extra_facts, &mut ignored, sink)?;
    let mut record = ::csv::StringRecord::new();
    while table.read_record(&mut record).map_err(|e| csv_error(&e))? {
        let line = record.position().map_or(0, |p| p.line());
        if sink.entity_count() >= MAX_ENTITIES {
            sink.problem(
                Refusal::new(
                    format!("more than {MAX_ENTITIES} entities; the rest were not read"),
                    Some("split the snapshot into several files"),
                )
                .at(format!("line {line}")),
            );
            break;
        }
        let name = record.get(0).unwrap_or("").trim();
        if let Err(refusal) = row_entity(name, sink) {
            sink.problem(refusal.at(format!(
                "line {line}, column 1 (entities.{})",
                path_key(name)
            )));
            continue;
        }
        if record.len() > kinds.len() {
            sink.problem(
                Refusal::new(
                    format!(
                        "{} cells, but the header names {} columns",
                        record.len(),
                        kinds.len()
                    ),
                    Some("give each row as many cells as the header has columns"),
                )
                .at(format!("line {line} (entities.{})", path_key(name))),
            );
        }
        for (column, kind) in kinds.iter().enumerate().skip(1) {
            let (ColumnKind::Fact(fact), Some(cell)) = (kind, record.get(column)) else {
                continue;
            };
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            let place = || {
                format!(
                    "line {line}, column {} (entities.{}.{})",
                    column + 1,
                    path_key(name),
                    path_key(&fact.name)
                )
            };
            let given = match fact.ty {
                FactType::StringSet => {
                    let mut strings = Vec::new();
                    set_cell(cell, &mut strings).and_then(|set| match set {
                        Set::Whole => sink.declared_strings(fact, &strings),
                        Set::Partly(value) => sink.declared_fact(fact, value),
                    })
                }
                ty => typed_cell(ty, cell).and_then(|value| sink.declared_fact(fact, value)),
            };
            if let Err(refusal) = given {
                sink.problem(refusal.at(place()));
            }
        }
    }
    Ok(sink.names_unique().then_some(ignored))
}

/// Starts the entity a row of a table names: a name that is empty, or
/// given by an earlier row, is refused in words about rows.
pub(crate) fn row_entity<S: FactSink>(name: &str, sink: &mut S) -> Result<(), Refusal> {
    if name.is_empty() {
        return Err(Refusal::new(
            "the row names no entity",
            Some("give the entity's name in the column `entity`, or remove the row"),
        ));
    }
    sink.entity(name)
        .map_err(|refusal| match refusal == Refusal::entity_twice() {
            true => Refusal::new(
                "this entity is given by an earlier row too",
                Some("merge the two rows"),
            ),
            false => refusal,
        })
}

/// A table's column whose name an earlier column has.
pub(crate) fn column_twice(name: &str) -> Refusal {
    Refusal::new(
        format!("the column `{name}` is given twice"),
        Some("keep one of the two columns"),
    )
}

/// A table's column that names a world fact: a world fact has one value,
/// not one per row.
pub(crate) fn world_fact_column(name: &str) -> Refusal {
    Refusal::new(
        format!("`{name}` is a world fact, but it is given for each entity"),
        Some("give world facts in a TOML or JSON file (with `entities_from`), or with --set"),
    )
}

/// What each column holds; a column that is no entity fact is reported
/// once (or, when extra facts are allowed, added to `ignored`).
fn columns<'s, S: FactSink>(
    headers: &::csv::StringRecord,
    schema: &'s Schema,
    allow_extra_facts: bool,
    ignored: &mut Vec<String>,
    sink: &mut S,
) -> Result<Vec<ColumnKind<'s>>, String> {
    match headers.get(0).map(str::trim) {
        Some("entity") => {}
        Some(first) => {
            return Err(format!(
                "line 1: the first column must be `entity` (the entities' names), not {first:?}"
            ));
        }
        None => return Err("line 1: the header row is empty".to_string()),
    }
    // A set, not a list: a table may have thousands of columns.
    let mut seen: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
    let mut kinds = vec![ColumnKind::Entity];
    for (index, name) in headers.iter().map(str::trim).enumerate().skip(1) {
        let place = || format!("line 1, column {} ({name:?})", index + 1);
        if !seen.insert(name) {
            sink.problem(column_twice(name).at(place()));
            kinds.push(ColumnKind::Skipped);
            continue;
        }
        let kind = match schema.fact(name) {
            Some(fact) if matches!(fact.slot, Slot::Entity(_)) => ColumnKind::Fact(fact),
            Some(_) => {
                sink.problem(world_fact_column(name).at(place()));
                ColumnKind::Skipped
            }
            None if allow_extra_facts => {
                ignored.push(name.to_string());
                ColumnKind::Skipped
            }
            None => {
                sink.problem(super::bind::undeclared(schema, name).at(place()));
                ColumnKind::Skipped
            }
        };
        kinds.push(kind);
    }
    Ok(kinds)
}

/// A value written as a cell of the fact's column: its text read as the
/// fact's declared type says (what a what-if given by hand is read as).
pub(crate) fn cell_value(fact: &FactSlot, cell: &str) -> Result<FactValue, Refusal> {
    match fact.ty {
        FactType::StringSet => {
            let mut strings = Vec::new();
            Ok(match set_cell(cell, &mut strings)? {
                Set::Whole => FactValue::Strings(strings.iter().map(|s| s.to_string()).collect()),
                Set::Partly(value) => value,
            })
        }
        ty => typed_cell(ty, cell),
    }
}

/// A cell of a `bool`, `number` or `string` column as a value.
fn typed_cell(ty: FactType, cell: &str) -> Result<FactValue, Refusal> {
    match ty {
        FactType::Bool if cell.eq_ignore_ascii_case("true") => Ok(FactValue::Bool(true)),
        FactType::Bool if cell.eq_ignore_ascii_case("false") => Ok(FactValue::Bool(false)),
        FactType::Bool => Err(Refusal::new(
            format!("expected true or false, found {cell:?}"),
            Some("write true or false; an unknown fact is an empty cell (or --unset)"),
        )),
        FactType::Number => super::de::number(cell),
        _ => Ok(FactValue::String(cell.to_string())),
    }
}

/// A set cell as read: whole (its strings in the buffer), or known in part.
enum Set {
    Whole,
    Partly(FactValue),
}

/// A set cell: strings separated by `;`, `[]` for none; `?` among them
/// makes it known in part, `!` before a string names one it lacks.
fn set_cell<'c>(cell: &'c str, strings: &mut Vec<&'c str>) -> Result<Set, Refusal> {
    strings.clear();
    if cell == "[]" {
        return Ok(Set::Whole);
    }
    let mut lacks: Vec<String> = Vec::new();
    let mut partly = false;
    for item in cell.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        if strings.len() + lacks.len() >= MAX_SET_SIZE {
            return Err(Refusal::new(
                format!("a list of more than {MAX_SET_SIZE} strings"),
                Some("sets this large are not supported"),
            ));
        }
        match (item, item.strip_prefix('!')) {
            ("?", _) => partly = true,
            (_, Some(lacked)) => {
                partly = true;
                lacks.push(lacked.trim().to_string());
            }
            (item, None) => strings.push(item),
        }
    }
    Ok(match partly {
        false => Set::Whole,
        true => Set::Partly(FactValue::PartialSet {
            has: strings.iter().map(|s| s.to_string()).collect(),
            lacks,
        }),
    })
}

/// A CSV error in words, with its line.
fn csv_error(error: &::csv::Error) -> String {
    match error.position() {
        Some(position) => format!("line {}: {error}", position.line()),
        None => error.to_string(),
    }
}

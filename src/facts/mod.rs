//! Facts: what is known about the world and about each entity.
//!
//! A facts file is TOML or JSON (chosen by extension) with a `world` table
//! and an `entities` table of tables, one per entity, in the file's order:
//!
//! ```toml
//! [world]
//! ceasefire = false
//!
//! [entities.UK]
//! legal_basis = true
//! troops_offered = 10000
//! contributions = ["troops", "fast_jets"]
//! ```
//!
//! A declared fact left out is *unknown*. [`Facts`] holds the values as
//! written; whether they fit the rule set's declarations is decided when
//! they are bound to a compiled program ([`bind`]). Problems that make a
//! value unusable whatever the rules say — `null`, a table where a value
//! belongs, an integer beyond 2^53, a duplicate key, an unknown top-level
//! key — are collected with their paths (`entities.UK.troops_offered`) while
//! reading, kept in [`Facts::problems`], and reported by evaluation together
//! with the values that do not fit the declarations: one run, every problem.
//! Only a file that is not valid TOML or JSON fails to load.
//!
//! Architecture invariant: loading never evaluates anything and never
//! panics on input; every problem names the path of the offending value.

pub mod bind;
pub(crate) mod csv;
pub(crate) mod de;
mod quick_json;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashSet;

use crate::name_index::NameIndex;
use crate::read::{Nul, ReadError};

pub use bind::{FactTable, Value};

/// A fact value as a facts file can hold it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum FactValue {
    /// `true` / `false`
    Bool(bool),
    /// A number: a finite float of magnitude at most 2^53.
    Number(f64),
    /// An integer given in code (from `i64`, `u64`, `usize`), kept exact
    /// until it is bound: beyond 2^53 it is refused, not rounded.
    Integer(i128),
    /// A string.
    String(String),
    /// A list of strings, for `set<string>` facts: exactly these strings.
    Strings(Vec<String>),
    /// A `set<string>` fact known in part: strings it holds, strings it
    /// does not; whether it holds any other string is unknown. Written
    /// `{ has = ["troops"], lacks = ["fast_jets"] }` in a facts file.
    ///
    /// ```
    /// use prereq::{FactValue, Facts, RuleSet, Verdict};
    /// let rules = RuleSet::parse("r.rules", "
    ///     fact offers: set<string>
    ///     rule troops requires \"troops\" in offers
    ///     rule jets requires \"fast_jets\" in offers
    ///     rule logistics requires \"logistics\" in offers")?;
    /// let mut facts = Facts::new("code");
    /// facts.set("Denmark", "offers", FactValue::partial_set(["troops"], ["fast_jets"]));
    /// let report = rules.evaluate(&facts)?;
    /// assert_eq!(report.verdict("Denmark", "troops"), Some(Verdict::Satisfied));
    /// assert_eq!(report.verdict("Denmark", "jets"), Some(Verdict::Unsatisfied));
    /// assert_eq!(report.verdict("Denmark", "logistics"), Some(Verdict::Undetermined));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    PartialSet {
        /// Strings the set holds.
        has: Vec<String>,
        /// Strings the set does not hold.
        lacks: Vec<String>,
    },
}

impl FactValue {
    /// How the value is described in error messages: "the string \"many\"".
    pub fn describe(&self) -> String {
        match self {
            FactValue::Bool(value) => format!("the bool {value}"),
            FactValue::Number(value) => format!("the number {}", crate::number::shown(*value)),
            FactValue::Integer(value) => format!("the number {value}"),
            FactValue::String(value) => format!("the string {value:?}"),
            FactValue::Strings(values) => format!("a list of {} strings", values.len()),
            FactValue::PartialSet { .. } => "a set known in part".to_string(),
        }
    }

    /// A set known in part: it holds `has`, it does not hold `lacks`, and
    /// of any other string it is unknown.
    pub fn partial_set<H, L>(
        has: impl IntoIterator<Item = H>,
        lacks: impl IntoIterator<Item = L>,
    ) -> FactValue
    where
        H: Into<String>,
        L: Into<String>,
    {
        FactValue::PartialSet {
            has: has.into_iter().map(Into::into).collect(),
            lacks: lacks.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<bool> for FactValue {
    fn from(value: bool) -> Self {
        FactValue::Bool(value)
    }
}

impl From<f64> for FactValue {
    fn from(value: f64) -> Self {
        FactValue::Number(value)
    }
}

impl From<i32> for FactValue {
    fn from(value: i32) -> Self {
        FactValue::Number(f64::from(value))
    }
}

impl From<u32> for FactValue {
    fn from(value: u32) -> Self {
        FactValue::Number(f64::from(value))
    }
}

/// Integers that a float may not hold exactly are kept as they are, and
/// refused when bound if they are beyond 2^53.
///
/// ```
/// use prereq::{Facts, RuleSet};
/// let rules = RuleSet::parse("r.rules", "fact troops: number\nrule big requires troops > 10")?;
/// let mut facts = Facts::new("code");
/// facts.set("UK", "troops", 10_000_i64).set("France", "troops", 9_007_199_254_740_993_u64);
/// let error = rules.evaluate(&facts).unwrap_err().to_string();
/// assert!(error.contains("entities.France.troops: the integer 9007199254740993 is beyond 2^53"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
macro_rules! from_integer {
    ($($ty:ty),*) => {$(
        impl From<$ty> for FactValue {
            fn from(value: $ty) -> Self {
                FactValue::Integer(i128::from(value))
            }
        }
    )*};
}

from_integer!(i64, u64);

impl From<usize> for FactValue {
    fn from(value: usize) -> Self {
        FactValue::Integer(i128::try_from(value).unwrap_or(i128::MAX))
    }
}

impl From<&str> for FactValue {
    fn from(value: &str) -> Self {
        FactValue::String(value.to_string())
    }
}

impl From<String> for FactValue {
    fn from(value: String) -> Self {
        FactValue::String(value)
    }
}

impl<const N: usize> From<[&str; N]> for FactValue {
    fn from(values: [&str; N]) -> Self {
        FactValue::Strings(values.iter().map(|s| s.to_string()).collect())
    }
}

impl From<Vec<String>> for FactValue {
    fn from(values: Vec<String>) -> Self {
        FactValue::Strings(values)
    }
}

impl From<Vec<&str>> for FactValue {
    fn from(values: Vec<&str>) -> Self {
        FactValue::Strings(values.into_iter().map(str::to_string).collect())
    }
}

impl From<&[&str]> for FactValue {
    fn from(values: &[&str]) -> Self {
        FactValue::Strings(values.iter().map(|s| s.to_string()).collect())
    }
}

/// A fact's name as a snapshot holds it: shared by every table that gives
/// the fact, so a million entities hold one copy of `troops_offered`.
pub type FactName = Arc<str>;

/// One entity's facts, in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EntityFacts {
    /// The entity's name, e.g. `UK`.
    pub name: String,
    /// Its facts by name.
    pub facts: Vec<(FactName, FactValue)>,
}

/// A problem with one value in a facts file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactProblem {
    /// Where: `world.ceasefire`, `entities.UK.troops_offered`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

/// Shown escaped ([`crate::text::escape`]): paths and messages hold names
/// and values from the file.
impl fmt::Display for FactProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::text::escape;
        write!(f, "{}: {}", escape(&self.path), escape(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {}", escape(help))?;
        }
        Ok(())
    }
}

impl std::error::Error for FactProblem {}

/// Why facts could not be loaded or do not fit a rule set.
#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    /// The file could not be read.
    #[error("{origin}: cannot read the facts file: {source}")]
    Io {
        /// The file.
        origin: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is larger than [`crate::limits::MAX_FACTS_FILE_BYTES`].
    #[error("{origin}: the facts file is larger than {} GiB; split the snapshot into several files", crate::limits::MAX_FACTS_FILE_BYTES >> 30)]
    TooLarge {
        /// The file.
        origin: String,
    },
    /// The extension is none of `.toml`, `.json`, `.csv` and `.parquet`
    /// (and no format was given).
    #[error(
        "{origin}: facts files must end in .toml, .json, .csv or .parquet (or say their format: --facts-format)"
    )]
    UnknownFormat {
        /// The file.
        origin: String,
    },
    /// A Parquet file where it cannot be read: from standard input (which
    /// cannot seek), or by a build without the `parquet` feature.
    #[error("{origin}: {reason}")]
    ParquetUnavailable {
        /// Where the facts come from.
        origin: String,
        /// Why it cannot be read.
        reason: &'static str,
    },
    /// Standard input was given without its format.
    #[error(
        "{origin}: standard input has no file name to tell its format by: give it with --facts-format toml, json or csv"
    )]
    FormatNotGiven {
        /// Where the facts come from.
        origin: String,
    },
    /// A table (CSV, Parquet) read without the rules: its cells are read
    /// as the rules declare their facts.
    #[error(
        "{origin}: a table's cells are read as the rules declare their facts: read it into columns (`RuleSet::load_columns`)"
    )]
    TableWithoutRules {
        /// The file.
        origin: String,
    },
    /// The file is not valid TOML or JSON.
    #[error("{origin}: {message}")]
    Syntax {
        /// The file.
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// Some values are unusable or do not fit the declarations.
    #[error("{origin}: {}", render_problems(problems))]
    Invalid {
        /// The file.
        origin: String,
        /// Every problem found.
        problems: Vec<FactProblem>,
    },
}

fn render_problems(problems: &[FactProblem]) -> String {
    let lines: Vec<String> = problems.iter().map(ToString::to_string).collect();
    match lines.as_slice() {
        [one] => one.clone(),
        _ => format!("{} problems\n{}", lines.len(), lines.join("\n")),
    }
}

/// The facts of one snapshot: world facts and each entity's facts, as written.
///
/// ```
/// use prereq::Facts;
/// let facts = Facts::from_toml_str("example.toml", r#"
///     [world]
///     ceasefire = false
///     [entities.UK]
///     troops_offered = 10000
///     [entities.Ireland]
/// "#)?;
/// assert_eq!(facts.entities().iter().map(|e| e.name.as_str()).collect::<Vec<_>>(), ["UK", "Ireland"]);
/// # Ok::<(), prereq::FactsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facts {
    origin: String,
    world: Vec<(FactName, FactValue)>,
    entities: Vec<EntityFacts>,
    /// Entity name to position in `entities`.
    entity_index: NameIndex,
    /// Where the facts of large tables are.
    fact_index: FactIndex,
    problems: Vec<FactProblem>,
}

impl Facts {
    /// An empty snapshot, to fill with [`Facts::set_world`] and [`Facts::set`].
    ///
    /// ```
    /// use prereq::Facts;
    /// let mut facts = Facts::new("inline");
    /// facts.set_world("ceasefire", true);
    /// facts.set("UK", "contributions", ["troops", "fast_jets"]);
    /// assert_eq!(facts.entities()[0].name, "UK");
    /// ```
    pub fn new(origin: impl Into<String>) -> Facts {
        Facts {
            origin: origin.into(),
            ..Facts::default()
        }
    }

    /// Reads a `.toml` or `.json` facts file.
    pub fn load(path: impl AsRef<Path>) -> Result<Facts, FactsError> {
        let path = path.as_ref();
        let (origin, format) = facts_format(path)?;
        match format {
            Format::Toml => {
                let (origin, text, _) = read_facts_file(path)?;
                Facts::from_toml_str(&origin, &text)
            }
            Format::Json => Ok(de::facts_from_json_file(path)?.with_origin(&origin)),
            Format::Csv | Format::Parquet => Err(FactsError::TableWithoutRules { origin }),
        }
    }

    /// Parses TOML facts; `origin` names the source in errors. Fails only if
    /// the text is not TOML; unusable values are kept in [`Facts::problems`].
    pub fn from_toml_str(origin: &str, text: &str) -> Result<Facts, FactsError> {
        let facts = de::facts_from_toml(text).map_err(|error| toml_error(origin, text, &error))?;
        Ok(facts.with_origin(origin))
    }

    /// Parses JSON facts; `origin` names the source in errors. Fails only if
    /// the text is not JSON; unusable values are kept in [`Facts::problems`].
    pub fn from_json_str(origin: &str, text: &str) -> Result<Facts, FactsError> {
        let facts = de::facts_from_json(without_bom(text))
            .map_err(|error| syntax_error(origin, error.to_string()))?;
        Ok(facts.with_origin(origin))
    }

    /// Parses JSON facts with the serde visitors alone: the reference
    /// [`Facts::from_json_str`] is tested against (which reads documents of
    /// the usual shape quickly, and hands any other to these visitors).
    ///
    /// ```
    /// use prereq::Facts;
    /// let text = r#"{"entities": {"UK": {"troops_offered": 10000}}}"#;
    /// assert_eq!(Facts::from_json_str_with_serde("f.json", text)?, Facts::from_json_str("f.json", text)?);
    /// # Ok::<(), prereq::FactsError>(())
    /// ```
    #[doc(hidden)]
    pub fn from_json_str_with_serde(origin: &str, text: &str) -> Result<Facts, FactsError> {
        let facts = de::facts_from_json_with_serde(without_bom(text))
            .map_err(|error| syntax_error(origin, error.to_string()))?;
        Ok(facts.with_origin(origin))
    }

    fn with_origin(mut self, origin: &str) -> Facts {
        self.origin = origin.to_string();
        self
    }

    /// Sets a world fact (replacing an earlier value).
    pub fn set_world(&mut self, fact: &str, value: impl Into<FactValue>) -> &mut Facts {
        let table = Table {
            id: WORLD_TABLE,
            entries: &mut self.world,
            like: None,
        };
        self.fact_index.put(table, fact, value.into(), Put::Replace);
        self
    }

    /// Sets an entity's fact, adding the entity after the others if it is new.
    pub fn set(&mut self, entity: &str, fact: &str, value: impl Into<FactValue>) -> &mut Facts {
        self.entity(entity).set(fact, value);
        self
    }

    /// The entity named `entity`, added after the others if it is new, to
    /// set its facts one after another without finding it again each time
    /// (the fast way to build a large snapshot in code).
    ///
    /// ```
    /// use prereq::Facts;
    /// let mut facts = Facts::new("inline");
    /// facts
    ///     .entity("UK")
    ///     .set("legal_basis", true)
    ///     .set("troops_offered", 10_000)
    ///     .set("contributions", ["troops", "fast_jets"]);
    /// assert_eq!(facts.entities()[0].facts.len(), 3);
    /// ```
    pub fn entity(&mut self, entity: &str) -> EntityMut<'_> {
        let position = self.entity_position(entity);
        EntityMut {
            facts: self,
            position,
        }
    }

    /// Adds an entity with no facts yet (all unknown), if it is not there already.
    pub fn add_entity(&mut self, entity: &str) -> &mut Facts {
        self.push_entity(entity);
        self
    }

    /// Adds an entity with no facts yet; false if it is there already.
    fn push_entity(&mut self, entity: &str) -> bool {
        let known = self.entities.len();
        self.entity_position(entity) == known
    }

    /// Where entity `entity` is in `entities`, added (with no facts yet)
    /// if it is new.
    fn entity_position(&mut self, entity: &str) -> usize {
        entity_position(&mut self.entity_index, &mut self.entities, entity)
    }

    /// Where the facts came from (a path, or the name given).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The world facts, in the order written.
    pub fn world(&self) -> &[(FactName, FactValue)] {
        &self.world
    }

    /// The entities, in the order written.
    pub fn entities(&self) -> &[EntityFacts] {
        &self.entities
    }

    /// Values found unusable while reading (`null`, tables, inexact integers,
    /// duplicate keys…), each with its path. [`crate::RuleSet::evaluate`]
    /// reports them, so a snapshot with problems never yields verdicts.
    pub fn problems(&self) -> &[FactProblem] {
        &self.problems
    }
}

/// One entity of a [`Facts`], its facts to set: from [`Facts::entity`].
#[derive(Debug)]
pub struct EntityMut<'f> {
    facts: &'f mut Facts,
    position: usize,
}

impl EntityMut<'_> {
    /// Sets the entity's fact (replacing an earlier value).
    pub fn set(&mut self, fact: &str, value: impl Into<FactValue>) -> &mut Self {
        let Facts {
            entities,
            fact_index,
            ..
        } = &mut *self.facts;
        if let Some(table) = entity_table(entities, self.position) {
            fact_index.put(table, fact, value.into(), Put::Replace);
        }
        self
    }
}

/// Entity `position`'s table of facts, beside the table before it.
pub(crate) fn entity_table(entities: &mut [EntityFacts], position: usize) -> Option<Table<'_>> {
    let (before, from) = entities.split_at_mut_checked(position)?;
    let entity = from.first_mut()?;
    Some(Table {
        id: position + 1,
        entries: &mut entity.facts,
        like: before.last().map(|previous| previous.facts.as_slice()),
    })
}

/// The formats of facts: TOML and JSON documents, and CSV tables of
/// entity facts ([`csv`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `[world]` and `[entities.NAME]` tables.
    Toml,
    /// `{"world": {…}, "entities": {…}}`.
    Json,
    /// A header row (`entity`, then entity facts), a row per entity.
    Csv,
    /// A typed column per entity fact and a column `entity`, a row per
    /// entity (with the `parquet` feature).
    Parquet,
}

/// How a facts snapshot is read.
///
/// ```
/// use prereq::RuleSet;
/// use prereq::facts::{Format, LoadOptions};
/// let rules = RuleSet::parse("r.rules", "fact troops: number\nrule big requires troops > 10")?;
/// let options = LoadOptions { format: Some(Format::Csv), allow_extra_facts: true };
/// let columns = prereq::batch::Columns::from_text_with(
///     rules.program().schema(),
///     "table",
///     "entity,troops,colour\nUK,10000,red\nIreland,,green\n",
///     &options,
/// )?;
/// assert_eq!(columns.ignored_facts(), ["colour"]);
/// assert_eq!(rules.evaluate_columns(&columns).verdict("UK", "big"), Some(prereq::Verdict::Satisfied));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// The format; `None`: told by the file's extension (standard input,
    /// `-`, has none, so it needs one).
    pub format: Option<Format>,
    /// Facts the rules do not declare are ignored (and named in
    /// [`crate::batch::Columns::ignored_facts`]) rather than problems: for
    /// a facts file shared by several rule sets.
    pub allow_extra_facts: bool,
}

/// The origin of a facts file (its path as shown in errors) and its
/// format, told by its extension.
pub(crate) fn facts_format(path: &Path) -> Result<(String, Format), FactsError> {
    let origin = path.display().to_string();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("toml") => Ok((origin, Format::Toml)),
        Some("json") => Ok((origin, Format::Json)),
        Some("csv") => Ok((origin, Format::Csv)),
        Some("parquet") => Ok((origin, Format::Parquet)),
        _ => Err(FactsError::UnknownFormat { origin }),
    }
}

/// Reads a facts file as UTF-8 text, its format told by its extension.
/// Returns the origin (the path as shown in errors), the text and the format.
pub(crate) fn read_facts_file(path: &Path) -> Result<(String, String, Format), FactsError> {
    let (origin, format) = facts_format(path)?;
    let text = read_facts_text(path, &origin)?;
    Ok((origin, text, format))
}

/// Standard input's name as `--facts` takes it.
pub const STDIN: &str = "-";

/// The text of a facts file (or, for [`STDIN`], of standard input) as
/// UTF-8, within the size limit; `origin` names it in errors.
pub(crate) fn read_facts_text(path: &Path, origin: &str) -> Result<String, FactsError> {
    let origin = origin.to_string();
    let limit = crate::limits::MAX_FACTS_FILE_BYTES;
    let read = match path == Path::new(STDIN) {
        true => crate::read::bounded_stdin(limit, Nul::Refused),
        false => crate::read::bounded(path, limit, Nul::Refused),
    };
    let bytes = read.map_err(|error| match error {
        ReadError::Io(source) => FactsError::Io {
            origin: origin.clone(),
            source,
        },
        ReadError::TooLarge => FactsError::TooLarge {
            origin: origin.clone(),
        },
        ReadError::Binary(offset) => FactsError::Syntax {
            origin: origin.clone(),
            message: format!("the file holds a NUL byte (at byte {offset}): it is not a text file"),
        },
    })?;
    String::from_utf8(bytes).map_err(|error| {
        let at = crate::source::utf8_error_location(&error);
        FactsError::Syntax {
            origin: origin.clone(),
            message: format!(
                "the file is not valid UTF-8 at line {}, column {}; save it as UTF-8",
                at.line, at.column
            ),
        }
    })
}

/// The text after a byte order mark, if it starts with one: the mark says
/// "UTF-8" and nothing else. TOML allows it; JSON files from some editors
/// start with one.
pub(crate) fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A TOML file that does not parse, as an error of its `origin`.
pub(crate) fn toml_error(origin: &str, text: &str, error: &toml::de::Error) -> FactsError {
    syntax_error(origin, toml_message(text, error))
}

/// What is wrong with a TOML text: the parser's message with the line and
/// column, but not the offending line itself — the file may not be meant
/// as facts at all, and its contents are nobody's business.
pub(crate) fn toml_message(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    match error.span() {
        Some(span) => {
            let mut sources = crate::Sources::default();
            let id = sources.add("", text);
            let at = sources
                .file(id)
                .map_or(crate::LineCol { line: 1, column: 1 }, |file| {
                    file.line_col(span.start)
                });
            format!(
                "TOML parse error at line {}, column {}: {message}",
                at.line, at.column
            )
        }
        None => format!("TOML parse error: {message}"),
    }
}

/// A facts file that is not valid TOML or JSON.
pub(crate) fn syntax_error(origin: &str, message: String) -> FactsError {
    FactsError::Syntax {
        origin: origin.to_string(),
        message: message.trim_end().to_string(),
    }
}

/// The table of world facts in a [`FactIndex`]; entity `i`'s is `i + 1`.
pub(crate) const WORLD_TABLE: usize = 0;

/// Where the facts of each large table are, by name: finding a fact in a
/// table of a few facts scans it, in a table of thousands looks it up, so
/// that a table is built in time linear in its facts. It also keeps one
/// copy of each fact name for all the tables.
#[derive(Debug, Clone, Default)]
pub(crate) struct FactIndex {
    tables: std::collections::HashMap<usize, std::collections::HashMap<FactName, usize>>,
    names: FxHashSet<FactName>,
}

impl PartialEq for FactIndex {
    /// An index follows the tables it indexes: it changes no comparison.
    fn eq(&self, _: &FactIndex) -> bool {
        true
    }
}

/// A table of facts being set: its id in the [`FactIndex`] (world
/// [`WORLD_TABLE`], entity `i` `i + 1`), its entries, and the table before
/// it, whose facts are likely the same ones in the same order.
pub(crate) struct Table<'t> {
    pub(crate) id: usize,
    pub(crate) entries: &'t mut Vec<(FactName, FactValue)>,
    pub(crate) like: Option<&'t [(FactName, FactValue)]>,
}

/// What [`FactIndex::put`] does with a fact the table has already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Put {
    /// Its value is replaced.
    Replace,
    /// It is kept, and the put refused.
    Once,
}

impl FactIndex {
    /// The size from which a table is indexed.
    const FROM: usize = 32;

    /// Sets fact `name` of `table` to `value`: added at the end if the
    /// table lacks it; else replaced, or (with [`Put::Once`]) left as it
    /// is, and false returned.
    pub(crate) fn put(&mut self, table: Table<'_>, name: &str, value: FactValue, put: Put) -> bool {
        let entries = table.entries;
        let name = self.name(name, table.like.and_then(|like| like.get(entries.len())));
        let existing = if entries.len() < FactIndex::FROM {
            // Every name in a table is its shared copy: one pointer each to compare.
            entries
                .iter()
                .position(|(known, _)| Arc::ptr_eq(known, &name))
        } else {
            let index = self.tables.entry(table.id).or_insert_with(|| {
                entries
                    .iter()
                    .enumerate()
                    .map(|(at, (name, _))| (name.clone(), at))
                    .collect()
            });
            let existing = index.get(&name).copied();
            if existing.is_none() {
                index.insert(name.clone(), entries.len());
            }
            existing
        };
        match (existing.and_then(|at| entries.get_mut(at)), put) {
            (Some(entry), Put::Replace) => entry.1 = value,
            (Some(_), Put::Once) => return false,
            (None, _) => entries.push((name, value)),
        }
        true
    }

    /// The shared copy of a fact name, made the first time it is met;
    /// `like`, the fact in the same place of the table before, is nearly
    /// always the same fact, and then no lookup is needed.
    fn name(&mut self, name: &str, like: Option<&(FactName, FactValue)>) -> FactName {
        if let Some((shared, _)) = like.filter(|(shared, _)| **shared == *name) {
            return shared.clone();
        }
        if let Some(shared) = self.names.get(name) {
            return shared.clone();
        }
        let shared: FactName = name.into();
        self.names.insert(shared.clone());
        shared
    }
}

/// Where entity `name` is in `entities`, added with no facts yet (room for
/// as many as the entity before it has) if it is new.
fn entity_position(index: &mut NameIndex, entities: &mut Vec<EntityFacts>, name: &str) -> usize {
    let position = entities.len();
    let name_at = |at: usize| entities.get(at).map(|e| e.name.as_str());
    if let Err(existing) = index.insert(name, position, name_at) {
        return existing;
    }
    let room = entities.last().map_or(0, |last| last.facts.len());
    entities.push(EntityFacts {
        name: name.to_string(),
        facts: Vec::with_capacity(room),
    });
    position
}

/// A key as it appears in a path: bare if it can be, quoted otherwise.
pub(crate) fn path_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        format!("{key:?}")
    }
}

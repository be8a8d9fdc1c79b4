//! The library's front door: load rules, evaluate facts.
//!
//! [`RuleSet`] runs the pipeline — read files, parse ([`crate::syntax`]),
//! check ([`crate::check`]), compile ([`crate::compile`]) — once, and then
//! evaluates any number of fact snapshots ([`RuleSet::evaluate`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::Snapshot;
use crate::batch::{self, Columns, Decider};
use crate::check::{self, ResolvedRules};
use crate::compile::Program;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::facts::{Facts, FactsError};
use crate::read::{Nul, ReadError};
use crate::report::Report;
use crate::source::Sources;
use crate::syntax;

/// Why a rule set could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file or directory could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The path as given.
        path: String,
        /// What the system said.
        source: std::io::Error,
    },
    /// A directory holds no `.rules` file.
    #[error("{path}: no .rules files found")]
    NoRuleFiles {
        /// The directory.
        path: String,
    },
    /// A rule file is larger than [`crate::limits::MAX_RULE_FILE_BYTES`].
    #[error("{path}: the file is larger than {} MiB; split the rules into several files", crate::limits::MAX_RULE_FILE_BYTES >> 20)]
    TooLarge {
        /// The file.
        path: String,
    },
    /// A rule file is not UTF-8.
    #[error("{path}:{line}:{column}: the file is not valid UTF-8; save it as UTF-8")]
    NotUtf8 {
        /// The file.
        path: String,
        /// Line of the first invalid byte.
        line: usize,
        /// Column (in characters) of the first invalid byte.
        column: usize,
    },
    /// The rules have errors: every diagnostic, warnings included.
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// A checked and compiled set of rules, ready to evaluate facts.
///
/// ```
/// use prereq::{Facts, RuleSet, Verdict};
/// let rules = RuleSet::parse("coalition.rules", r#"
///     world fact us_backstop: bool
///     fact troops_offered: number
///     fact borders_russia: bool fixed
///     rule deploy requires us_backstop and troops_offered >= 1000 unless borders_russia
/// "#)?;
/// let facts = Facts::from_toml_str("snapshot.toml", r#"
///     [world]
///     us_backstop = true
///     [entities.UK]
///     troops_offered = 10000
///     borders_russia = false
///     [entities.Poland]
///     borders_russia = true
/// "#)?;
/// let report = rules.evaluate(&facts)?;
/// assert_eq!(report.verdict("UK", "deploy"), Some(Verdict::Satisfied));
/// assert_eq!(report.verdict("Poland", "deploy"), Some(Verdict::Unsatisfied));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RuleSet {
    sources: Sources,
    resolved: ResolvedRules,
    program: Program,
    warnings: Vec<Diagnostic>,
}

impl RuleSet {
    /// Loads a `.rules` file, or every `.rules` file under a directory.
    pub fn load(path: impl AsRef<Path>) -> Result<RuleSet, LoadError> {
        RuleSet::load_all([path])
    }

    /// Loads several files and directories as one rule set.
    ///
    /// Directories are searched recursively for `*.rules` files, in path
    /// order; symbolic links to directories are not followed.
    pub fn load_all<P: AsRef<Path>>(
        paths: impl IntoIterator<Item = P>,
    ) -> Result<RuleSet, LoadError> {
        let mut sources = Sources::default();
        for path in paths {
            for file in rule_files(path.as_ref())? {
                let name = file.display().to_string();
                let text = read_text(&file, &name)?;
                sources.add(name, text);
            }
        }
        RuleSet::from_sources(sources)
    }

    /// Parses rules from a string; `name` is shown in diagnostics.
    pub fn parse(name: &str, text: &str) -> Result<RuleSet, LoadError> {
        let mut sources = Sources::default();
        sources.add(name, text.strip_prefix('\u{feff}').unwrap_or(text));
        RuleSet::from_sources(sources)
    }

    /// Parses, checks and compiles the given files as one rule set.
    pub fn from_sources(sources: Sources) -> Result<RuleSet, LoadError> {
        let mut diagnostics = Vec::new();
        let files: Vec<_> = sources
            .iter()
            .map(|(id, file)| {
                let (ast, found) = syntax::parse_file(id, file.text());
                diagnostics.extend(found);
                ast
            })
            .collect();
        let (resolved, found) = check::check(&files);
        diagnostics.extend(found);
        match resolved {
            Some(resolved)
                if !diagnostics
                    .iter()
                    .any(|d| d.severity == crate::Severity::Error) =>
            {
                let program = Program::compile(&resolved);
                Ok(RuleSet {
                    sources,
                    resolved,
                    program,
                    warnings: diagnostics,
                })
            }
            _ => Err(LoadError::Invalid(Diagnostics::new(diagnostics, sources))),
        }
    }

    /// Evaluates every rule against a snapshot of facts.
    ///
    /// Fails only if the facts do not fit the declarations (an undeclared
    /// fact, a wrong type, a world fact under an entity); every such problem
    /// is reported, each with its path.
    pub fn evaluate(&self, facts: &Facts) -> Result<Report, FactsError> {
        Ok(self.snapshot(facts)?.report())
    }

    /// Reads a `.json` or `.toml` facts file straight into a columnar store,
    /// checking every value against these rules' declarations as it is read.
    /// For large snapshots: no per-entity maps are built.
    pub fn load_columns(&self, path: impl AsRef<Path>) -> Result<Columns, FactsError> {
        Columns::load(self.program.schema(), path)
    }

    /// Reads a facts snapshot as `options` say — a `.toml`, `.json` or
    /// `.csv` file, or standard input (`-`) in a given format; facts the
    /// rules do not declare refused or ignored — into a columnar store.
    ///
    /// ```
    /// # use prereq::{RuleSet, facts::{Format, LoadOptions}};
    /// let rules = RuleSet::parse("r.rules", "fact troops: number\nrule big requires troops > 10")?;
    /// let csv = std::env::temp_dir().join("prereq-load-columns-with.csv");
    /// std::fs::write(&csv, "entity,troops,notes\nUK,10000,ready\n")?;
    /// let options = LoadOptions { allow_extra_facts: true, ..LoadOptions::default() };
    /// let columns = rules.load_columns_with(&csv, &options)?;
    /// assert_eq!(columns.ignored_facts(), ["notes"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn load_columns_with(
        &self,
        path: impl AsRef<Path>,
        options: &crate::facts::LoadOptions,
    ) -> Result<Columns, FactsError> {
        Columns::load_with(self.program.schema(), path, options)
    }

    /// Evaluates every rule for every entity of a columnar snapshot, a block
    /// of entities at a time ([`crate::batch`]), into a report. Gives the
    /// same verdicts as [`RuleSet::evaluate`] on the same facts.
    ///
    /// ```
    /// use prereq::{RuleSet, Verdict};
    /// let rules = RuleSet::parse("r.rules", "
    ///     world fact ceasefire: bool
    ///     fact legal_basis: bool
    ///     rule deploy requires ceasefire and legal_basis
    /// ")?;
    /// let columns = prereq::batch::Columns::from_json_str(
    ///     rules.program().schema(),
    ///     "facts.json",
    ///     r#"{"world": {"ceasefire": true}, "entities": {"UK": {"legal_basis": true}, "Ireland": {}}}"#,
    /// )?;
    /// let report = rules.evaluate_columns(&columns);
    /// assert_eq!(report.verdict("UK", "deploy"), Some(Verdict::Satisfied));
    /// assert_eq!(report.verdict("Ireland", "deploy"), Some(Verdict::Undetermined));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_columns(&self, columns: &Columns) -> Report {
        let verdicts = batch::evaluate(&self.program, columns);
        Report::new(&self.resolved, columns.names().clone(), Arc::new(verdicts))
    }

    /// Prepares these rules for deciding entities one at a time, in the
    /// world of `world` (its world facts): see [`Decider`].
    pub fn decider(&self, world: &Facts) -> Result<Decider, FactsError> {
        Decider::new(self, world)
    }

    /// Binds and evaluates a snapshot of facts, to ask it questions: the
    /// report, and the analyses (why, what it would take, leverage, diff).
    pub fn snapshot(&self, facts: &Facts) -> Result<Snapshot<'_>, FactsError> {
        Ok(self.snapshot_of(Columns::from_facts(self.program.schema(), facts)?))
    }

    /// Evaluates a columnar snapshot (from [`RuleSet::load_columns`]) to
    /// ask it questions, as [`RuleSet::snapshot`] does for [`Facts`].
    pub fn snapshot_of(&self, columns: Columns) -> Snapshot<'_> {
        Snapshot::new(self, columns)
    }

    /// The text of one rule file as it is (a byte order mark kept), read
    /// within [`crate::limits::MAX_RULE_FILE_BYTES`] whatever the file is:
    /// what the formatter rewrites.
    pub fn read_source(path: impl AsRef<Path>) -> Result<String, LoadError> {
        let path = path.as_ref();
        read_rule_file_named(path, &path.display().to_string())
    }

    /// Warnings found while checking (unused facts, unused helper rules).
    pub fn warnings(&self) -> Diagnostics {
        Diagnostics::new(self.warnings.clone(), self.sources.clone())
    }

    /// The resolved rules: facts, rules, types, evaluation order.
    pub fn resolved(&self) -> &ResolvedRules {
        &self.resolved
    }

    /// The compiled program.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The source files.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }
}

fn io_error(path: &Path, source: std::io::Error) -> LoadError {
    LoadError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The `.rules` files a path stands for: itself, or those under it, sorted.
/// This is how [`RuleSet::load`] finds files; the formatter uses it too.
pub fn rule_files_of(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    rule_files(path)
}

/// The `.rules` files a path stands for: itself, or those under it, sorted.
///
/// Symbolic links to directories are not followed, and a symbolic link to a
/// file is followed only if the file lies inside the directory given (and is
/// not found there already): a rules directory never pulls in files from
/// elsewhere, nor the same file twice.
fn rule_files(path: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let metadata = std::fs::metadata(path).map_err(|e| io_error(path, e))?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let root = std::fs::canonicalize(path).map_err(|e| io_error(path, e))?;
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|e| io_error(&dir, e))? {
            let entry = entry.map_err(|e| io_error(&dir, e))?;
            let entry_path = entry.path();
            let file_type = entry.file_type().map_err(|e| io_error(&entry_path, e))?;
            let is_rules = entry_path.extension().is_some_and(|ext| ext == "rules");
            if file_type.is_dir() {
                pending.push(entry_path);
            } else if is_rules
                && (file_type.is_file()
                    || file_type.is_symlink() && links_inside(&entry_path, &root))
            {
                found.push(entry_path);
            }
        }
    }
    if found.is_empty() {
        return Err(LoadError::NoRuleFiles {
            path: path.display().to_string(),
        });
    }
    found.sort();
    // A link to a file already found is the same file: load it once.
    let mut seen = std::collections::HashSet::new();
    found.retain(|file| seen.insert(std::fs::canonicalize(file).unwrap_or_else(|_| file.clone())));
    Ok(found)
}

/// Whether a symbolic link leads to a file inside `root`.
fn links_inside(link: &Path, root: &Path) -> bool {
    std::fs::canonicalize(link).is_ok_and(|target| target.starts_with(root) && target.is_file())
}

fn read_text(path: &Path, name: &str) -> Result<String, LoadError> {
    let text = read_rule_file_named(path, name)?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

fn read_rule_file_named(path: &Path, name: &str) -> Result<String, LoadError> {
    let limit = crate::limits::MAX_RULE_FILE_BYTES as u64;
    let bytes = crate::read::bounded(path, limit, Nul::Allowed).map_err(|error| match error {
        ReadError::Io(source) => io_error(path, source),
        ReadError::TooLarge | ReadError::Binary(_) => LoadError::TooLarge {
            path: name.to_string(),
        },
    })?;
    String::from_utf8(bytes).map_err(|error| {
        let at = crate::source::utf8_error_location(&error);
        LoadError::NotUtf8 {
            path: name.to_string(),
            line: at.line,
            column: at.column,
        }
    })
}

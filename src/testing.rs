//! Rule tests: `*.test.toml` files beside the rules, run by `prereq test`.
//!
//! A test file holds `[[test]]` tables. Each names facts — a `world` table
//! and `entities` tables as in a facts file, optionally on top of a facts
//! file it names with `facts = "path"` — and the verdicts it expects:
//!
//! ```toml
//! [[test]]
//! name = "the UK waits for a US backstop"
//! facts = "facts/2025-03-17.toml"
//! entities.UK.legal_basis = true
//! expect = { UK = { commit_troops = "unsatisfied" }, world = { secure_peace = "unsatisfied" } }
//! ```
//!
//! The rules are every `.rules` file in the test file's directory, unless
//! the file says `rules = "path"` at the top. Paths are relative to the test
//! file, and must lead (links resolved) to files under the test's *root*:
//! the directory given to `prereq test`, or the test file's own directory,
//! or another the user names (`--root`). A test file cannot make prereq
//! read `/etc/passwd` or walk the whole disk for rules.
//!
//! `expect.world` checks world rules (unless an entity is named `world`);
//! every other key is an entity. On top of a facts file, `entities.NAME`
//! may only change entities the file has (a misspelt name is an error with
//! a suggestion); `new_entities = ["NAME"]` adds one on purpose. A test
//! that expects nothing is broken, not passed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::explain::Explanation;
use crate::batch::Columns;
use crate::eval::Verdict;
use crate::facts::{Facts, FactsError};
use crate::read::{Nul, ReadError};
use crate::{LoadError, RuleSet};

/// Why a test file could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum TestFileError {
    /// The file could not be read or is not valid TOML of the expected shape.
    #[error("{path}: {message}")]
    Invalid {
        /// The test file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The rules it tests do not load.
    #[error("{path}: the rules do not load:\n{source}")]
    Rules {
        /// The test file.
        path: String,
        /// Why.
        source: LoadError,
    },
}

/// One failed expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The entity (`None` for a world rule).
    pub entity: Option<String>,
    /// The rule.
    pub rule: String,
    /// The verdict expected.
    pub expected: Verdict,
    /// The verdict found.
    pub actual: Verdict,
    /// Why the actual verdict is what it is.
    pub explanation: Option<Explanation>,
}

/// What one test came to.
#[derive(Debug, Clone, PartialEq)]
pub enum TestOutcome {
    /// Every expectation held.
    Passed,
    /// Some expectations did not hold.
    Failed(Vec<Mismatch>),
    /// The test itself is wrong: facts that do not fit, unknown names, bad verdicts.
    Broken(String),
}

/// One test's result.
#[derive(Debug, Clone, PartialEq)]
pub struct TestResult {
    /// The test's name.
    pub name: String,
    /// What it came to.
    pub outcome: TestOutcome,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    rules: Option<PathBuf>,
    #[serde(default, rename = "test")]
    tests: Vec<TestCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestCase {
    name: String,
    facts: Option<PathBuf>,
    world: Option<toml::Table>,
    entities: Option<toml::Table>,
    #[serde(default)]
    new_entities: Vec<String>,
    #[serde(default)]
    expect: BTreeMap<String, BTreeMap<String, String>>,
}

/// Where a test file's paths lead.
struct Paths<'a> {
    /// The test file's directory: paths are relative to it.
    base: PathBuf,
    /// The directory they must stay under, links resolved.
    root: PathBuf,
    test_file: &'a Path,
}

impl Paths<'_> {
    /// The path a test file names, if it leads under the root.
    fn resolve(&self, key: &str, written: &Path) -> Result<PathBuf, String> {
        let joined = self.base.join(written);
        let real = std::fs::canonicalize(&joined).map_err(|e| {
            format!(
                "`{key} = {:?}`: cannot read {}: {e}",
                written,
                joined.display()
            )
        })?;
        if !real.starts_with(&self.root) {
            return Err(format!(
                "`{key} = {:?}` leads outside the test's root {}; run `prereq test --root DIR` to allow another root",
                written,
                self.root.display()
            ));
        }
        // The path checked is the path read: a link swapped in between
        // cannot lead elsewhere.
        Ok(real)
    }
}

/// Runs every test of a test file; its paths must stay under `root`.
pub fn run_file(path: &Path, root: &Path) -> Result<Vec<TestResult>, TestFileError> {
    let invalid = |message: String| TestFileError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let bytes = crate::read::bounded(path, crate::limits::MAX_TEST_FILE_BYTES, Nul::Refused)
        .map_err(|error| {
            invalid(match error {
                ReadError::Io(e) => format!("cannot read: {e}"),
                ReadError::TooLarge => format!(
                    "the file is larger than {} MiB",
                    crate::limits::MAX_TEST_FILE_BYTES >> 20
                ),
                ReadError::Binary(_) => "the file holds a NUL byte: it is not a text file".into(),
            })
        })?;
    let text =
        String::from_utf8(bytes).map_err(|_| invalid("the file is not valid UTF-8".into()))?;
    let file: TestFile =
        toml::from_str(&text).map_err(|e| invalid(crate::facts::toml_message(&text, &e)))?;
    let base = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let paths = Paths {
        root: std::fs::canonicalize(root)
            .map_err(|e| invalid(format!("cannot read the root {}: {e}", root.display())))?,
        base,
        test_file: path,
    };
    let rules_path = match &file.rules {
        Some(rules) => paths.resolve("rules", rules).map_err(invalid)?,
        None => paths.resolve("rules", Path::new(".")).map_err(invalid)?,
    };
    let rules = RuleSet::load(&rules_path).map_err(|source| TestFileError::Rules {
        path: path.display().to_string(),
        source,
    })?;
    if file.tests.is_empty() {
        return Err(invalid("no [[test]] in the file".to_string()));
    }
    Ok(file
        .tests
        .iter()
        .map(|case| TestResult {
            name: case.name.clone(),
            outcome: run_case(&rules, &paths, case).unwrap_or_else(TestOutcome::Broken),
        })
        .collect())
}

fn run_case(rules: &RuleSet, paths: &Paths<'_>, case: &TestCase) -> Result<TestOutcome, String> {
    if case.expect.values().all(BTreeMap::is_empty) {
        return Err(
            "the test expects no verdict: add one, such as `expect.UK = { deploy = \"satisfied\" }`"
                .to_string(),
        );
    }
    let mut facts = match &case.facts {
        Some(file) => Facts::load(paths.resolve("facts", file)?).map_err(|e| e.to_string())?,
        None => Facts::new(&case.name),
    };
    let overlay = overlay(rules, paths, case)?;
    if case.facts.is_some() {
        for entity in overlay.entities() {
            let known = facts.entities().iter().any(|e| e.name == entity.name);
            if !known && !case.new_entities.contains(&entity.name) {
                return Err(unknown_entity(&facts, &entity.name));
            }
        }
    }
    for (name, value) in overlay.world() {
        facts.set_world(name, value.clone());
    }
    for name in &case.new_entities {
        facts.add_entity(name);
    }
    for entity in overlay.entities() {
        facts.add_entity(&entity.name);
        for (name, value) in &entity.facts {
            facts.set(&entity.name, name, value.clone());
        }
    }
    let snapshot = rules
        .snapshot(&facts)
        .map_err(|e: FactsError| e.to_string())?;
    let report = snapshot.report();
    let mut mismatches = Vec::new();
    for (who, expected) in &case.expect {
        let is_world = who == "world" && report.entities().all(|e| e != "world");
        for (rule, verdict) in expected {
            let expected = parse_verdict(verdict)?;
            let actual = match is_world {
                true => report
                    .world_verdict(rule)
                    .ok_or(format!("`{rule}` is not a world rule"))?,
                false => expected_of(&report, who, rule)?,
            };
            if actual != expected {
                let entity = (!is_world).then(|| who.clone());
                mismatches.push(Mismatch {
                    explanation: snapshot.explain(entity.as_deref(), rule).ok(),
                    entity,
                    rule: rule.clone(),
                    expected,
                    actual,
                });
            }
        }
    }
    Ok(if mismatches.is_empty() {
        TestOutcome::Passed
    } else {
        TestOutcome::Failed(mismatches)
    })
}

/// The test's own `world` and `entities` tables as facts, each value
/// checked against the rules: a problem is the test's, named by its path.
fn overlay(rules: &RuleSet, paths: &Paths<'_>, case: &TestCase) -> Result<Facts, String> {
    let mut table = toml::Table::new();
    if let Some(world) = &case.world {
        table.insert("world".into(), toml::Value::Table(world.clone()));
    }
    if let Some(entities) = &case.entities {
        table.insert("entities".into(), toml::Value::Table(entities.clone()));
    }
    let origin = format!("{}: test {:?}", paths.test_file.display(), case.name);
    let text = toml::to_string(&table).map_err(|e| format!("{origin}: {e}"))?;
    let overlay = Facts::from_toml_str(&origin, &text).map_err(|e| e.to_string())?;
    Columns::from_facts(rules.program().schema(), &overlay).map_err(|e| e.to_string())?;
    Ok(overlay)
}

/// A test's entity that its facts file does not have.
fn unknown_entity(facts: &Facts, name: &str) -> String {
    let names = facts.entities().iter().map(|e| e.name.as_str());
    let hint = match crate::check::suggest(name, names) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "list it in `new_entities` to add it to the test's facts".to_string(),
    };
    format!(
        "entities.{}: {} has no entity `{}`; {hint}",
        crate::facts::path_key(name),
        facts.origin(),
        crate::text::escape(name)
    )
}

/// The verdict of an entity's rule, or why the test cannot ask for it.
fn expected_of(report: &crate::Report, who: &str, rule: &str) -> Result<Verdict, String> {
    if report.rules().all(|r| r.name != rule) {
        let names = report.rules().map(|r| r.name.as_str());
        let hint = crate::check::suggest(rule, names)
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
        return Err(format!("there is no rule `{rule}`{hint}"));
    }
    report.verdict(who, rule).ok_or_else(|| {
        let hint = crate::check::suggest(who, report.entities())
            .map(|near| format!("; did you mean `{near}`?"))
            .unwrap_or_default();
        format!(
            "the test's facts have no entity `{}`{hint}",
            crate::text::escape(who)
        )
    })
}

fn parse_verdict(text: &str) -> Result<Verdict, String> {
    match text {
        "satisfied" => Ok(Verdict::Satisfied),
        "unsatisfied" => Ok(Verdict::Unsatisfied),
        "undetermined" => Ok(Verdict::Undetermined),
        other => Err(format!(
            "`{}` is not a verdict: write satisfied, unsatisfied or undetermined",
            crate::text::escape(other)
        )),
    }
}

/// The test files a path stands for: itself, or every `*.test.toml` under
/// it, sorted. Symbolic links are not followed out of a directory.
pub fn test_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let file_type = entry.file_type()?;
            let entry_path = entry.path();
            if file_type.is_dir() {
                pending.push(entry_path);
            } else if file_type.is_file() && entry_path.to_string_lossy().ends_with(".test.toml") {
                found.push(entry_path);
            }
        }
    }
    found.sort();
    Ok(found)
}

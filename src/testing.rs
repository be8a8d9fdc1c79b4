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
//! file. `expect.world` checks world rules (unless an entity is named
//! `world`); every other key is an entity.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::analysis::explain::Explanation;
use crate::eval::Verdict;
use crate::facts::{Facts, FactsError};
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
    expect: BTreeMap<String, BTreeMap<String, String>>,
}

/// Runs every test of a test file.
pub fn run_file(path: &Path) -> Result<Vec<TestResult>, TestFileError> {
    let invalid = |message: String| TestFileError::Invalid {
        path: path.display().to_string(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read: {e}")))?;
    let file: TestFile =
        toml::from_str(&text).map_err(|e| invalid(e.to_string().trim_end().to_string()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rules_path = file
        .rules
        .as_ref()
        .map_or_else(|| base.to_path_buf(), |r| base.join(r));
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
            outcome: run_case(&rules, base, case).unwrap_or_else(TestOutcome::Broken),
        })
        .collect())
}

fn run_case(rules: &RuleSet, base: &Path, case: &TestCase) -> Result<TestOutcome, String> {
    let mut facts = match &case.facts {
        Some(file) => Facts::load(base.join(file)).map_err(|e| e.to_string())?,
        None => Facts::new(&case.name),
    };
    let mut overlay = toml::Table::new();
    if let Some(world) = &case.world {
        overlay.insert("world".into(), toml::Value::Table(world.clone()));
    }
    if let Some(entities) = &case.entities {
        overlay.insert("entities".into(), toml::Value::Table(entities.clone()));
    }
    let overlay: Facts = toml::Value::Table(overlay)
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string())?;
    if let Some(problem) = overlay.problems().first() {
        return Err(format!("the test's facts: {problem}"));
    }
    for (name, value) in overlay.world() {
        facts.set_world(name, value.clone());
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
        let is_world = who == "world" && !report.entities().any(|e| e == "world");
        for (rule, verdict) in expected {
            let expected = parse_verdict(verdict)?;
            let actual = match is_world {
                true => report
                    .world_verdict(rule)
                    .ok_or(format!("`{rule}` is not a world rule"))?,
                false => report
                    .verdict(who, rule)
                    .ok_or_else(|| format!("no entity `{who}` or no rule `{rule}` in this test"))?,
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

fn parse_verdict(text: &str) -> Result<Verdict, String> {
    match text {
        "satisfied" => Ok(Verdict::Satisfied),
        "unsatisfied" => Ok(Verdict::Unsatisfied),
        "undetermined" => Ok(Verdict::Undetermined),
        other => Err(format!(
            "`{other}` is not a verdict: write satisfied, unsatisfied or undetermined"
        )),
    }
}

/// The test files a path stands for: itself, or every `*.test.toml` under it, sorted.
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

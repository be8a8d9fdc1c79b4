//! What-ifs given by hand: facts of a snapshot set, or made unknown.
//!
//! `--set us_backstop=true`, `--set UK.legal_basis=false` and `--unset
//! Ireland.legal_basis` change a snapshot already read, without a new facts
//! file. A change names a world fact, or an entity's fact after the
//! entity's name and a dot (the last dot: entity names may hold dots, fact
//! names do not); its value is written as a CSV cell of the fact's type
//! ([`crate::facts::csv`]) and checked as a facts file's value is —
//! type, exactness, range, vocabulary — every problem reported with the
//! change as written.
//!
//! Architecture invariant: a changed snapshot is a snapshot like any
//! other: the columns are changed in place and their caches dropped, so
//! every evaluator and analysis reads the change.

use super::columns::Columns;
use crate::compile::{FactSlot, Schema, Slot};
use crate::facts::de::Refusal;
use crate::facts::{FactProblem, FactsError};

/// A change to one fact of a snapshot: set to a value (written as text),
/// or made unknown.
///
/// ```
/// use prereq::{RuleSet, Verdict, batch::{Columns, FactChange}};
/// let rules = RuleSet::parse("r.rules", "
///     world fact ceasefire: bool
///     fact legal_basis: bool
///     rule deploy requires ceasefire and legal_basis")?;
/// let schema = rules.program().schema();
/// let mut columns = Columns::from_toml_str(schema, "now.toml", "
///     [world]
///     ceasefire = false
///     [entities.UK]
///     legal_basis = true")?;
/// columns.apply(schema, &[FactChange::set("ceasefire=true")?])?;
/// assert_eq!(rules.evaluate_columns(&columns).verdict("UK", "deploy"), Some(Verdict::Satisfied));
/// columns.apply(schema, &[FactChange::unset("UK.legal_basis")?])?;
/// assert_eq!(rules.evaluate_columns(&columns).verdict("UK", "deploy"), Some(Verdict::Undetermined));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactChange {
    /// The entity, or `None` for a world fact.
    pub entity: Option<String>,
    /// The fact.
    pub fact: String,
    /// The value as written, or `None`: the fact becomes unknown.
    pub value: Option<String>,
    /// The change as it was given, for problems.
    pub written: String,
}

impl FactChange {
    /// `[ENTITY.]FACT=VALUE`: `UK.legal_basis=false`, `us_backstop=true`.
    pub fn set(text: &str) -> Result<FactChange, String> {
        let Some((target, value)) = text.split_once('=') else {
            return Err(format!(
                "--set {text}: write the fact, `=` and its value: `UK.legal_basis=false`, `ceasefire=true`"
            ));
        };
        let (entity, fact) = target_of(target.trim());
        Ok(FactChange {
            entity,
            fact,
            value: Some(value.trim().to_string()),
            written: format!("--set {text}"),
        })
    }

    /// `[ENTITY.]FACT`: `Ireland.legal_basis`, `ceasefire`.
    pub fn unset(text: &str) -> Result<FactChange, String> {
        if text.contains('=') {
            return Err(format!(
                "--unset {text}: name the fact only (`Ireland.legal_basis`); to give it a value, use --set"
            ));
        }
        let (entity, fact) = target_of(text.trim());
        Ok(FactChange {
            entity,
            fact,
            value: None,
            written: format!("--unset {text}"),
        })
    }
}

/// The entity (before the last dot, if what follows is a fact's name) and
/// the fact of a change's target.
fn target_of(target: &str) -> (Option<String>, String) {
    let is_name = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    match target.rsplit_once('.') {
        Some((entity, fact)) if is_name(fact) => (Some(entity.to_string()), fact.to_string()),
        _ => (None, target.to_string()),
    }
}

impl Columns {
    /// Applies what-ifs to the snapshot: each value read as a cell of its
    /// fact's type and checked as a facts file's value is. A fact changed
    /// twice is a problem (which change wins would hang on their order).
    /// Every problem is reported together, each naming the change as
    /// written; the snapshot is then unchanged.
    pub fn apply(&mut self, schema: &Schema, changes: &[FactChange]) -> Result<(), FactsError> {
        let mut problems = Vec::new();
        let mut checked = Vec::with_capacity(changes.len());
        for (index, change) in changes.iter().enumerate() {
            let earlier = changes.get(..index).unwrap_or_default();
            let twice = earlier
                .iter()
                .find(|before| before.entity == change.entity && before.fact == change.fact);
            let checked_change = match twice {
                Some(before) => Err(Refusal::new(
                    format!("this fact is changed already, by {}", before.written),
                    Some("change each fact once"),
                )),
                None => self.check(schema, change),
            };
            match checked_change {
                Ok(done) => checked.push(done),
                Err(refusal) => problems.push(refusal.at(change.written.clone())),
            }
        }
        if !problems.is_empty() {
            return Err(invalid(problems));
        }
        for (slot, entity, value) in checked {
            self.put(slot, entity, value);
        }
        Ok(())
    }

    /// Where a change goes and its value, checked.
    fn check(
        &self,
        schema: &Schema,
        change: &FactChange,
    ) -> Result<(Slot, Option<usize>, Option<crate::facts::Value>), Refusal> {
        let fact = declared(schema, &change.fact)?;
        let entity = match (fact.slot, &change.entity) {
            (Slot::World(_), None) => None,
            (Slot::Entity(_), Some(name)) => Some(self.names().find(name).ok_or_else(|| {
                let names = || (0..self.len()).filter_map(|i| self.names().get(i));
                // `uk` for `UK` first: what a hand typing a what-if misses most.
                let lower = name.to_lowercase();
                let near = names()
                    .find(|entity| entity.to_lowercase() == lower)
                    .or_else(|| crate::check::suggest(name, names()));
                let help = match near {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => {
                        "name an entity of the snapshot: a what-if changes facts, it adds no entity"
                            .to_string()
                    }
                };
                Refusal::new(
                    format!("there is no entity `{name}` in the snapshot"),
                    Some(&help),
                )
            })?),
            (Slot::World(_), Some(_)) => {
                return Err(Refusal::new(
                    format!("`{}` is a world fact, not an entity's", fact.name),
                    Some(&format!("name it alone: `{}`", fact.name)),
                ));
            }
            (Slot::Entity(_), None) => {
                return Err(Refusal::new(
                    format!("`{}` is an entity fact: say whose", fact.name),
                    Some(&format!("write the entity first: `UK.{}`", fact.name)),
                ));
            }
        };
        let value = match &change.value {
            Some(text) => {
                let value = crate::facts::csv::cell_value(fact, text)?;
                Some(crate::facts::bind::typed(fact, &value)?)
            }
            None => None,
        };
        Ok((fact.slot, entity, value))
    }
}

/// The declared fact named `name`, or why there is none.
fn declared<'s>(schema: &'s Schema, name: &str) -> Result<&'s FactSlot, Refusal> {
    schema
        .fact(name)
        .ok_or_else(|| crate::facts::bind::undeclared(schema, name))
}

fn invalid(problems: Vec<FactProblem>) -> FactsError {
    FactsError::Invalid {
        origin: "command line".to_string(),
        problems,
    }
}

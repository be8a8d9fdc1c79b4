//! Analysis: why a verdict is what it is, and what it would take to change it.
//!
//! A [`Snapshot`] is a rule set bound to one facts snapshot and evaluated
//! once; the analyses read it:
//! - [`explain`]: the rule's expression as a tree of values, with the nodes
//!   that decide the verdict marked;
//! - [`unlock`]: every minimal set of fact changes that would satisfy a rule,
//!   exactly (prime implicants over a BDD), within a budget;
//! - [`diff`]: the verdicts that differ between two snapshots, with the fact
//!   changes that caused each;
//! - [`leverage`]: which single change (and, on request, which pair) brings
//!   the most entities to satisfy a rule.
//!
//! Architecture invariant: analyses read the resolved rules, the compiled
//! program and the bound facts; they never change the snapshot, and any
//! re-evaluation goes through [`crate::eval`], so an analysis and `check`
//! can never disagree about a verdict.

pub mod atoms;
pub mod compare;
pub mod diff;
pub mod explain;
pub mod leverage;
pub mod lint;
mod primes;
pub mod semantics;
pub mod unlock;

use std::collections::BTreeSet;

use crate::RuleSet;
use crate::check::{FactId, ResolvedRules, RuleId, RuleKind};
use crate::compile::Slot;
use crate::eval::{Tri, Verdicts};
use crate::facts::{FactTable, FactValue, Value};
use crate::report::{Report, UnknownName};
use crate::syntax::ast::Scope;

/// Why an analysis could not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    /// A rule or entity name that does not exist.
    #[error(transparent)]
    UnknownName(#[from] UnknownName),
    /// An entity rule was asked about without naming an entity.
    #[error("rule `{rule}` is decided per entity: name the entity")]
    EntityRequired {
        /// The rule.
        rule: String,
    },
    /// The rule uses something the analysis cannot reason about exactly.
    #[error("cannot analyse rule `{rule}` exactly: {reason}")]
    Unsupported {
        /// The rule.
        rule: String,
        /// What it uses.
        reason: String,
    },
}

/// A rule set bound to one facts snapshot, evaluated once.
///
/// ```
/// use prereq::{Facts, RuleSet, Verdict};
/// let rules = RuleSet::parse("r.rules", "world fact ceasefire: bool\nfact legal_basis: bool\nrule deploy requires ceasefire and legal_basis")?;
/// let mut facts = Facts::new("now");
/// facts.set_world("ceasefire", false).set("UK", "legal_basis", true);
/// let snapshot = rules.snapshot(&facts)?;
/// assert_eq!(snapshot.report().verdict("UK", "deploy"), Some(Verdict::Unsatisfied));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot<'r> {
    rules: &'r RuleSet,
    table: FactTable,
    verdicts: Verdicts,
}

/// Who a question is about: one entity, or the world (for world rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Target {
    /// Index of the entity in the snapshot, `None` for the world.
    pub entity: Option<usize>,
    /// The rule.
    pub rule: RuleId,
}

impl<'r> Snapshot<'r> {
    pub(crate) fn new(rules: &'r RuleSet, table: FactTable, verdicts: Verdicts) -> Snapshot<'r> {
        Snapshot {
            rules,
            table,
            verdicts,
        }
    }

    /// The verdicts as a report.
    pub fn report(&self) -> Report {
        Report::new(
            self.resolved(),
            self.table.entity_names().to_vec(),
            self.verdicts.clone(),
        )
    }

    /// The rule set.
    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// Entity names, in facts-file order.
    pub fn entity_names(&self) -> &[String] {
        self.table.entity_names()
    }

    pub(crate) fn resolved(&self) -> &'r ResolvedRules {
        self.rules.resolved()
    }

    pub(crate) fn table(&self) -> &FactTable {
        &self.table
    }

    pub(crate) fn verdicts(&self) -> &Verdicts {
        &self.verdicts
    }

    /// Resolves names to a target; a world rule ignores the entity.
    pub(crate) fn target(&self, entity: Option<&str>, rule: &str) -> Result<Target, AnalysisError> {
        let resolved = self.resolved();
        let rule_names = resolved.rules.iter().map(|r| r.name.as_str());
        let rule_id = resolved
            .rule_id(rule)
            .ok_or_else(|| unknown("rule", rule, rule_names))?;
        let is_world = resolved
            .rule(rule_id)
            .is_some_and(|r| r.kind == RuleKind::World);
        let entity = match entity {
            Some(name) => Some(self.entity_index(name)?),
            None if is_world => None,
            None => {
                return Err(AnalysisError::EntityRequired {
                    rule: rule.to_string(),
                });
            }
        };
        Ok(Target {
            entity: if is_world { None } else { entity },
            rule: rule_id,
        })
    }

    pub(crate) fn entity_index(&self, name: &str) -> Result<usize, AnalysisError> {
        let names = self.table.entity_names();
        names
            .iter()
            .position(|e| e == name)
            .ok_or_else(|| unknown("entity", name, names.iter().map(String::as_str)).into())
    }

    /// The verdict of a rule for an entity (or the world) in this snapshot.
    pub(crate) fn tri(&self, entity: Option<usize>, rule: RuleId) -> Tri {
        let row = match entity {
            Some(index) => self.verdicts.entity(index),
            None => Some(self.verdicts.world()),
        };
        row.and_then(|row| row.get(rule.index()))
            .copied()
            .unwrap_or(Tri::Unknown)
    }

    /// The current value of a fact for an entity (world facts ignore the entity).
    pub(crate) fn value(&self, entity: Option<usize>, fact: FactId) -> Option<&Value> {
        let slot = self
            .rules
            .program()
            .schema()
            .facts()
            .get(fact.index())?
            .slot;
        let cell = match slot {
            Slot::World(index) => self.table.world().get(index as usize),
            Slot::Entity(index) => {
                let row = self.table.entity_rows().get(entity?)?;
                row.get(index as usize)
            }
        };
        cell.and_then(Option::as_ref)
    }

    /// The current value of a fact as written in a facts file (`None`: unknown).
    pub(crate) fn fact_value(&self, entity: Option<usize>, fact: FactId) -> Option<FactValue> {
        self.value(entity, fact).map(to_fact_value)
    }
}

fn unknown<'a>(
    kind: &'static str,
    name: &str,
    names: impl Iterator<Item = &'a str>,
) -> UnknownName {
    UnknownName {
        kind,
        name: name.to_string(),
        suggestion: crate::check::suggest(name, names).map(str::to_string),
    }
}

/// A bound value back in the form a facts file writes it.
pub(crate) fn to_fact_value(value: &Value) -> FactValue {
    match value {
        Value::Bool(b) => FactValue::Bool(*b),
        Value::Number(n) => FactValue::Number(*n),
        Value::String(s) => FactValue::String(s.to_string()),
        Value::Set(items) => FactValue::Strings(items.iter().map(|s| s.to_string()).collect()),
    }
}

/// A rule with every rule it refers to, directly or not.
pub(crate) struct Closure {
    /// The rules, each after the rules it refers to.
    pub rules: Vec<RuleId>,
    /// Every fact those rules read, in declaration order.
    pub facts: BTreeSet<FactId>,
}

impl Closure {
    pub(crate) fn of(resolved: &ResolvedRules, rule: RuleId) -> Closure {
        let mut reached = vec![false; resolved.rules.len()];
        let mut pending = vec![rule];
        while let Some(id) = pending.pop() {
            match reached.get_mut(id.index()) {
                Some(seen) if !*seen => *seen = true,
                _ => continue,
            }
            if let Some(info) = resolved.rule(id) {
                pending.extend(info.conditions().flat_map(|c| c.rules_referenced()));
            }
        }
        let rules: Vec<RuleId> = resolved
            .evaluation_order
            .iter()
            .copied()
            .filter(|id| reached.get(id.index()).copied().unwrap_or(false))
            .collect();
        let facts = rules
            .iter()
            .filter_map(|id| resolved.rule(*id))
            .flat_map(|info| {
                info.conditions()
                    .flat_map(|c| c.facts_read())
                    .collect::<Vec<_>>()
            })
            .collect();
        Closure { rules, facts }
    }
}

/// `world` or `entity`, for a fact.
pub(crate) fn scope_of(resolved: &ResolvedRules, fact: FactId) -> Scope {
    resolved.fact(fact).map_or(Scope::Entity, |f| f.scope)
}

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
pub mod budget;
pub mod compare;
pub mod diff;
pub mod explain;
pub mod leverage;
mod linear;
pub mod lint;
mod primes;
mod relations;
pub mod semantics;
pub mod unlock;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::RuleSet;
use crate::batch::{BatchVerdicts, Columns};
use crate::check::{FactId, ResolvedRules, RuleId, RuleKind};
use crate::compile::{CompiledRule, Slot};
use crate::eval::{Tri, evaluate_rules};
use crate::facts::{FactValue, Value};
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
/// The facts are held column by column ([`Columns`]) and the verdicts as
/// bitsets ([`BatchVerdicts`]), so a snapshot of a million entities costs
/// what `prereq check` costs, whichever question is asked of it.
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
    columns: Columns,
    verdicts: Arc<BatchVerdicts>,
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
    /// Evaluates every rule over a columnar snapshot of facts.
    pub(crate) fn new(rules: &'r RuleSet, columns: Columns) -> Snapshot<'r> {
        let verdicts = Arc::new(crate::batch::evaluate(rules.program(), &columns));
        Snapshot {
            rules,
            columns,
            verdicts,
        }
    }

    /// The verdicts as a report.
    pub fn report(&self) -> Report {
        Report::new(
            self.resolved(),
            self.columns.names().clone(),
            Arc::clone(&self.verdicts),
        )
    }

    /// The rule set.
    pub fn rules(&self) -> &'r RuleSet {
        self.rules
    }

    /// The facts, column by column.
    pub fn columns(&self) -> &Columns {
        &self.columns
    }

    /// How many entities there are.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether there is no entity.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The name of entity `index` (facts-file order).
    pub fn entity_name(&self, index: usize) -> Option<&str> {
        self.columns.entity_name(index)
    }

    pub(crate) fn resolved(&self) -> &'r ResolvedRules {
        self.rules.resolved()
    }

    pub(crate) fn verdicts(&self) -> &BatchVerdicts {
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
        self.columns
            .entity_index(name)
            .ok_or_else(|| unknown("entity", name, self.columns.entity_names()).into())
    }

    /// The verdict of a rule for an entity (or the world) in this snapshot.
    pub(crate) fn tri(&self, entity: Option<usize>, rule: RuleId) -> Tri {
        let is_world = self
            .resolved()
            .rule(rule)
            .is_some_and(|r| r.kind == RuleKind::World);
        match entity {
            Some(entity) => self.verdicts.get(entity, rule),
            None if is_world => self.verdicts.get(0, rule),
            None => Tri::Unknown,
        }
    }

    /// Every rule's verdict for one entity, indexed by rule id (world rules
    /// with the world's verdict): where re-evaluations start from.
    pub(crate) fn entity_verdicts(&self, entity: usize) -> Vec<Tri> {
        (0..self.resolved().rules.len())
            .map(|rule| {
                self.verdicts
                    .get(entity, RuleId(u32::try_from(rule).unwrap_or(u32::MAX)))
            })
            .collect()
    }

    /// The current value of a fact for an entity (world facts ignore the entity).
    pub(crate) fn value(&self, entity: Option<usize>, fact: FactId) -> Option<Value> {
        let slot = self
            .rules
            .program()
            .schema()
            .facts()
            .get(fact.index())?
            .slot;
        match (slot, entity) {
            (Slot::World(_), _) => self.columns.value(0, slot),
            (Slot::Entity(_), Some(entity)) => self.columns.value(entity, slot),
            (Slot::Entity(_), None) => None,
        }
    }

    /// Each atom's outcome for an entity (or the world) now, each fact's
    /// value read once however many atoms test it.
    pub(crate) fn outcomes(&self, entity: Option<usize>, atoms: &[atoms::Atom]) -> Vec<Tri> {
        let mut values: HashMap<FactId, Option<Value>> = HashMap::new();
        atoms
            .iter()
            .map(|atom| {
                let value = values
                    .entry(atom.fact)
                    .or_insert_with(|| self.value(entity, atom.fact));
                match value.as_ref().and_then(|v| atom.test.holds(v)) {
                    Some(holds) => Tri::from(holds),
                    None => Tri::Unknown,
                }
            })
            .collect()
    }

    /// The current value of a fact as written in a facts file (`None`: unknown).
    pub(crate) fn fact_value(&self, entity: Option<usize>, fact: FactId) -> Option<FactValue> {
        self.value(entity, fact).as_ref().map(to_fact_value)
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
        Value::Set(items) => FactValue::Strings(strings(items)),
        Value::PartialSet { has, lacks } => FactValue::PartialSet {
            has: strings(has),
            lacks: strings(lacks),
        },
    }
}

fn strings(items: &[Box<str>]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A rule with every rule it refers to, directly or not.
pub(crate) struct Closure {
    /// The rules, each after the rules it refers to.
    pub rules: Vec<RuleId>,
    /// Every fact those rules read, in declaration order.
    pub facts: BTreeSet<FactId>,
}

impl Closure {
    /// The closure of `rule`: in time and memory proportional to the
    /// closure, not to the rule set.
    pub(crate) fn of(resolved: &ResolvedRules, rule: RuleId) -> Closure {
        let mut reached: BTreeSet<RuleId> = BTreeSet::new();
        let mut pending = vec![rule];
        while let Some(id) = pending.pop() {
            if !reached.insert(id) {
                continue;
            }
            if let Some(info) = resolved.rule(id) {
                pending.extend(info.conditions().flat_map(|c| c.rules_referenced()));
            }
        }
        let mut rules: Vec<RuleId> = reached.into_iter().collect();
        rules.sort_by_key(|id| {
            resolved
                .evaluation_position
                .get(id.index())
                .copied()
                .unwrap_or(usize::MAX)
        });
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

/// Re-evaluations of one rule with a few facts changed, for one entity (or
/// the world) at a time: only the rules of the rule's closure that a
/// changed fact reaches are evaluated again, through
/// [`crate::eval::evaluate_rules`], on top of the snapshot's verdicts.
pub(crate) struct WhatIf<'s, 'r> {
    snapshot: &'s Snapshot<'r>,
    rule: RuleId,
    /// Per fact: the rules of the closure that read it directly.
    readers: HashMap<FactId, Vec<RuleId>>,
    /// Per rule: the rules of the closure that refer to it directly.
    dependents: HashMap<RuleId, Vec<RuleId>>,
    /// Each closure rule, compiled, with its position in evaluation order
    /// and its size (nodes).
    compiled: HashMap<RuleId, (usize, &'r CompiledRule, u64)>,
    /// The nodes the last re-evaluation went through: what it cost.
    last_cost: u64,
    /// The rows and verdicts of the entity loaded, as in the snapshot.
    loaded: Option<Option<usize>>,
    world: Vec<Option<Value>>,
    entity: Vec<Option<Value>>,
    verdicts: Vec<Tri>,
}

impl<'s, 'r> WhatIf<'s, 'r> {
    pub(crate) fn new(snapshot: &'s Snapshot<'r>, rule: RuleId) -> WhatIf<'s, 'r> {
        let resolved = snapshot.resolved();
        let program = snapshot.rules().program();
        let closure = Closure::of(resolved, rule);
        let mut readers: HashMap<FactId, Vec<RuleId>> = HashMap::new();
        let mut dependents: HashMap<RuleId, Vec<RuleId>> = HashMap::new();
        for id in &closure.rules {
            for cond in resolved.rule(*id).into_iter().flat_map(|r| r.conditions()) {
                for fact in cond.facts_read() {
                    readers.entry(fact).or_default().push(*id);
                }
                for referenced in cond.rules_referenced() {
                    dependents.entry(referenced).or_default().push(*id);
                }
            }
        }
        // World rules first, each after the rules it reads: an order to evaluate in.
        let compiled = closure
            .rules
            .iter()
            .filter_map(|id| program.rule(*id))
            .map(|r| {
                let world_first = usize::from(r.kind == RuleKind::Entity) * resolved.rules.len();
                let position = world_first
                    + resolved
                        .evaluation_position
                        .get(r.id.index())
                        .copied()
                        .unwrap_or(0);
                (r.id, (position, r, r.condition.size() as u64))
            })
            .collect();
        WhatIf {
            snapshot,
            rule,
            readers,
            dependents,
            compiled,
            last_cost: 0,
            loaded: None,
            world: Vec::new(),
            entity: Vec::new(),
            verdicts: Vec::new(),
        }
    }

    /// The rule's verdict for `entity` (`None`: the world) with each fact
    /// of `changes` set to its value (`None`: unknown).
    pub(crate) fn verdict(
        &mut self,
        entity: Option<usize>,
        changes: &[(FactId, Option<Value>)],
    ) -> Tri {
        self.load(entity);
        let schema = self.snapshot.rules().program().schema();
        let mut saved = Vec::with_capacity(changes.len());
        for (fact, value) in changes {
            let Some(slot) = schema.facts().get(fact.index()).map(|f| f.slot) else {
                continue;
            };
            if let Some(cell) = self.cell(slot) {
                saved.push((slot, std::mem::replace(cell, value.clone())));
            }
        }
        let rules = self.reached(changes.iter().map(|(fact, _)| *fact));
        self.last_cost = 1 + rules
            .iter()
            .filter_map(|rule| self.compiled.get(&rule.id).map(|(_, _, size)| *size))
            .sum::<u64>();
        let before: Vec<(usize, Tri)> = rules
            .iter()
            .filter_map(|r| Some((r.id.index(), *self.verdicts.get(r.id.index())?)))
            .collect();
        evaluate_rules(rules, &self.world, &self.entity, &mut self.verdicts);
        let verdict = self
            .verdicts
            .get(self.rule.index())
            .copied()
            .unwrap_or(Tri::Unknown);
        for (index, tri) in before {
            if let Some(cell) = self.verdicts.get_mut(index) {
                *cell = tri;
            }
        }
        for (slot, value) in saved.into_iter().rev() {
            if let Some(cell) = self.cell(slot) {
                *cell = value;
            }
        }
        verdict
    }

    /// What the last [`WhatIf::verdict`] cost: the nodes it evaluated.
    pub(crate) fn last_cost(&self) -> u64 {
        self.last_cost
    }

    fn cell(&mut self, slot: Slot) -> Option<&mut Option<Value>> {
        match slot {
            Slot::World(index) => self.world.get_mut(index as usize),
            Slot::Entity(index) => self.entity.get_mut(index as usize),
        }
    }

    /// Loads the rows and verdicts of `entity`, unless they are loaded.
    fn load(&mut self, entity: Option<usize>) {
        if self.loaded == Some(entity) {
            return;
        }
        let columns = self.snapshot.columns();
        if self.loaded.is_none() {
            self.world = columns.world().to_vec();
        }
        self.entity = entity.map_or_else(Vec::new, |e| columns.entity_row(e));
        self.verdicts = match entity {
            Some(e) => self.snapshot.entity_verdicts(e),
            None => (0..self.snapshot.resolved().rules.len())
                .map(|r| {
                    self.snapshot
                        .tri(None, RuleId(u32::try_from(r).unwrap_or(u32::MAX)))
                })
                .collect(),
        };
        self.loaded = Some(entity);
    }

    /// The closure rules the facts reach, directly or through other rules,
    /// in evaluation order.
    fn reached(&self, facts: impl Iterator<Item = FactId>) -> Vec<&'r CompiledRule> {
        let mut pending: Vec<RuleId> = facts
            .flat_map(|fact| self.readers.get(&fact).into_iter().flatten().copied())
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(rule) = pending.pop() {
            if seen.insert(rule) {
                pending.extend(self.dependents.get(&rule).into_iter().flatten().copied());
            }
        }
        let mut rules: Vec<(usize, &'r CompiledRule)> = seen
            .iter()
            .filter_map(|id| self.compiled.get(id).map(|(p, r, _)| (*p, *r)))
            .collect();
        rules.sort_by_key(|(position, _)| *position);
        rules.into_iter().map(|(_, rule)| rule).collect()
    }
}

/// `world` or `entity`, for a fact.
pub(crate) fn scope_of(resolved: &ResolvedRules, fact: FactId) -> Scope {
    resolved.fact(fact).map_or(Scope::Entity, |f| f.scope)
}

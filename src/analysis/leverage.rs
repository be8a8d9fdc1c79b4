//! Leverage: which single change brings the most entities to satisfy a rule.
//!
//! Candidate changes are, for every fact the rule reads (directly or through
//! other rules) and that is not `fixed`: each region of its values the
//! rule's tests distinguish (see [`super::atoms`]) — for a world fact once,
//! for an entity fact per entity. A world change is evaluated for every
//! entity; an entity change for its entity only. Either way only the rules
//! the changed fact reaches are re-evaluated, on top of the snapshot's
//! verdicts, through [`crate::eval::evaluate_rules`].
//!
//! With pairs requested, pairs of changes on two different facts are tried
//! too (world with world; and, for each entity that no single change brings
//! in, that entity's changes with each other and with world changes), and
//! pairs that bring in entities no single change reaches are listed.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::atoms::{self, Leaf, Test};
use super::{AnalysisError, Closure, Snapshot, scope_of, to_fact_value};
use crate::check::{FactId, RuleId, RuleKind};
use crate::compile::{CompiledRule, Slot};
use crate::eval::{Tri, evaluate_rules};
use crate::facts::{FactValue, Value};
use crate::syntax::ast::{FactType, Scope};

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeverageOptions {
    /// How many single changes to list.
    pub top: usize,
    /// Also look for pairs of changes.
    pub pairs: bool,
}

impl Default for LeverageOptions {
    fn default() -> Self {
        LeverageOptions {
            top: 10,
            pairs: false,
        }
    }
}

/// A proposed change of one fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Proposal {
    /// The entity whose fact changes, or `None` for a world fact.
    pub entity: Option<String>,
    /// The fact.
    pub fact: String,
    /// World or entity fact.
    pub scope: Scope,
    /// Its value now (`None`: unknown).
    pub now: Option<FactValue>,
    /// For a `bool` fact: the value to set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<bool>,
    /// For other facts: the condition the new value meets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// The value the change was evaluated with (any value meeting the
    /// condition has the same effect).
    pub example: FactValue,
}

/// A change (or pair of changes) and the entities it brings in or loses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effect {
    /// The change, or the two changes of a pair.
    pub changes: Vec<Proposal>,
    /// Entities whose verdict becomes satisfied.
    pub gains: Vec<String>,
    /// Entities whose verdict stops being satisfied.
    pub losses: Vec<String>,
}

/// The answer to "which change brings in the most?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leverage {
    /// The rule.
    pub rule: String,
    /// How many entities satisfy it now.
    pub satisfied_now: usize,
    /// How many entities there are.
    pub entities: usize,
    /// The best single changes: most gains first, then fewest losses.
    pub changes: Vec<Effect>,
    /// How many single changes bring anyone in, in all.
    pub changes_with_gains: usize,
    /// Pairs (when asked) that bring in entities no single change does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Vec<Effect>>,
}

impl Snapshot<'_> {
    /// Which single fact changes bring the most entities to satisfy `rule`.
    ///
    /// ```
    /// # use prereq::{Facts, RuleSet, analysis::leverage::LeverageOptions};
    /// let rules = RuleSet::parse("r.rules", "world fact backstop: bool\nfact willing: bool\nrule deploy requires backstop and willing")?;
    /// let mut facts = Facts::new("now");
    /// facts.set_world("backstop", false).set("UK", "willing", true).set("France", "willing", true).set("Poland", "willing", false);
    /// let leverage = rules.snapshot(&facts)?.leverage("deploy", LeverageOptions::default())?;
    /// assert_eq!(leverage.changes[0].changes[0].fact, "backstop");
    /// assert_eq!(leverage.changes[0].gains, ["UK", "France"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn leverage(
        &self,
        rule: &str,
        options: LeverageOptions,
    ) -> Result<Leverage, AnalysisError> {
        let rule_id = match self.target(None, rule) {
            Ok(target) => target.rule,
            Err(AnalysisError::EntityRequired { .. }) => {
                self.resolved()
                    .rule_id(rule)
                    .ok_or(AnalysisError::EntityRequired {
                        rule: rule.to_string(),
                    })?
            }
            Err(other) => return Err(other),
        };
        Ok(Search::new(self, rule_id).run(options))
    }
}

/// A candidate change: a fact set to a representative value of a region.
#[derive(Debug, Clone)]
struct Candidate {
    fact: FactId,
    slot: Slot,
    value: Value,
    /// The entity, for an entity fact.
    entity: Option<usize>,
}

struct Search<'s, 'r> {
    snapshot: &'s Snapshot<'r>,
    rule: RuleId,
    closure: Closure,
    /// For each fact of the closure, the rules of the closure it reaches, in evaluation order.
    reached: HashMap<FactId, Vec<&'r CompiledRule>>,
    /// The tests on each fact within the closure.
    tests: HashMap<FactId, Vec<Test>>,
    baseline: Vec<Tri>,
}

impl<'s, 'r> Search<'s, 'r> {
    fn new(snapshot: &'s Snapshot<'r>, rule: RuleId) -> Search<'s, 'r> {
        let resolved = snapshot.resolved();
        let program = snapshot.rules().program();
        let closure = Closure::of(resolved, rule);
        let compiled: HashMap<RuleId, &'r CompiledRule> = program
            .world_rules()
            .iter()
            .chain(program.entity_rules())
            .map(|r| (r.id, r))
            .collect();
        let mut reads: HashMap<RuleId, BTreeSet<FactId>> = HashMap::new();
        let mut tests: HashMap<FactId, Vec<Test>> = HashMap::new();
        for id in &closure.rules {
            let Some(info) = resolved.rule(*id) else {
                continue;
            };
            let mut facts: BTreeSet<FactId> = BTreeSet::new();
            for cond in info.conditions() {
                facts.extend(cond.facts_read());
                for referenced in cond.rules_referenced() {
                    facts.extend(reads.get(&referenced).into_iter().flatten().copied());
                }
                cond.walk(|c| {
                    if let Some(Ok(Leaf::Atom { atom, .. })) = atoms::leaf(c) {
                        let list = tests.entry(atom.fact).or_default();
                        if !list.contains(&atom.test) {
                            list.push(atom.test);
                        }
                    }
                });
            }
            reads.insert(*id, facts);
        }
        let reached = closure
            .facts
            .iter()
            .map(|fact| {
                let rules = closure
                    .rules
                    .iter()
                    .filter(|id| reads.get(id).is_some_and(|facts| facts.contains(fact)))
                    .filter_map(|id| compiled.get(id).copied())
                    .collect();
                (*fact, rules)
            })
            .collect();
        let entities = snapshot.entity_names().len();
        let baseline = (0..entities).map(|e| snapshot.tri(Some(e), rule)).collect();
        Search {
            snapshot,
            rule,
            closure,
            reached,
            tests,
            baseline,
        }
    }

    fn run(&self, options: LeverageOptions) -> Leverage {
        let world = self.world_candidates();
        let mut effects: Vec<(Vec<Candidate>, Vec<usize>, Vec<usize>)> = Vec::new();
        for candidate in &world {
            let outcome = self.world_outcome(std::slice::from_ref(candidate));
            let (gains, losses) = self.compare(&outcome);
            effects.push((vec![candidate.clone()], gains, losses));
        }
        for entity in 0..self.baseline.len() {
            for candidate in self.entity_candidates(entity) {
                let outcome = self.entity_outcome(entity, &[], std::slice::from_ref(&candidate));
                let (gains, losses) = self.compare_one(entity, outcome);
                if !gains.is_empty() || !losses.is_empty() {
                    effects.push((vec![candidate], gains, losses));
                }
            }
        }
        effects.sort_by_key(|(_, gains, losses)| (std::cmp::Reverse(gains.len()), losses.len()));
        let reached_alone: BTreeSet<usize> = effects
            .iter()
            .flat_map(|(_, gains, _)| gains.iter().copied())
            .collect();
        let changes_with_gains = effects
            .iter()
            .filter(|(_, gains, _)| !gains.is_empty())
            .count();
        let pairs = options.pairs.then(|| self.pairs(&world, &reached_alone));
        let names = self.snapshot.entity_names();
        Leverage {
            rule: self
                .snapshot
                .resolved()
                .rule(self.rule)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            satisfied_now: self.baseline.iter().filter(|t| **t == Tri::True).count(),
            entities: names.len(),
            changes: effects
                .iter()
                .take(options.top)
                .map(|e| self.effect(e))
                .collect(),
            changes_with_gains,
            pairs: pairs.map(|pairs| {
                pairs
                    .iter()
                    .take(options.top)
                    .map(|e| self.effect(e))
                    .collect()
            }),
        }
    }

    fn pairs(
        &self,
        world: &[Candidate],
        reached_alone: &BTreeSet<usize>,
    ) -> Vec<(Vec<Candidate>, Vec<usize>, Vec<usize>)> {
        let mut found = Vec::new();
        for (index, first) in world.iter().enumerate() {
            for second in world
                .iter()
                .skip(index + 1)
                .filter(|c| c.fact != first.fact)
            {
                let pair = [first.clone(), second.clone()];
                let (gains, losses) = self.compare(&self.world_outcome(&pair));
                if gains.iter().any(|g| !reached_alone.contains(g)) {
                    found.push((pair.to_vec(), gains, losses));
                }
            }
        }
        for entity in (0..self.baseline.len())
            .filter(|e| !reached_alone.contains(e) && self.baseline.get(*e) != Some(&Tri::True))
        {
            let own = self.entity_candidates(entity);
            let mut pairs: Vec<[Candidate; 2]> = Vec::new();
            for w in world {
                pairs.extend(own.iter().map(|c| [w.clone(), c.clone()]));
            }
            for (index, first) in own.iter().enumerate() {
                pairs.extend(
                    own.iter()
                        .skip(index + 1)
                        .filter(|c| c.fact != first.fact)
                        .map(|c| [first.clone(), c.clone()]),
                );
            }
            if let Some(pair) = pairs.into_iter().find(|pair| {
                let (world_part, own_part): (Vec<Candidate>, Vec<Candidate>) =
                    pair.iter().cloned().partition(|c| c.entity.is_none());
                self.entity_outcome(entity, &world_part, &own_part) == Tri::True
            }) {
                found.push((pair.to_vec(), vec![entity], Vec::new()));
            }
        }
        found.sort_by_key(|(_, gains, losses)| (std::cmp::Reverse(gains.len()), losses.len()));
        found
    }

    /// One representative value per region of each changeable world fact, other than the current one.
    fn world_candidates(&self) -> Vec<Candidate> {
        self.candidates(None, Scope::World)
    }

    fn entity_candidates(&self, entity: usize) -> Vec<Candidate> {
        self.candidates(Some(entity), Scope::Entity)
    }

    fn candidates(&self, entity: Option<usize>, scope: Scope) -> Vec<Candidate> {
        let resolved = self.snapshot.resolved();
        let schema = self.snapshot.rules().program().schema();
        let mut found = Vec::new();
        for fact in &self.closure.facts {
            let Some(info) = resolved
                .fact(*fact)
                .filter(|f| f.scope == scope && !f.fixed)
            else {
                continue;
            };
            let Some(slot) = schema.facts().get(fact.index()).map(|f| f.slot) else {
                continue;
            };
            let tests: Vec<&Test> = self
                .tests
                .get(fact)
                .map(|t| t.iter().collect())
                .unwrap_or_default();
            let now = self.snapshot.value(entity, *fact);
            let values = match info.ty {
                FactType::StringSet => set_variants(now, &tests),
                ty => atoms::representatives(ty, &tests),
            };
            let mut seen: Vec<Vec<Option<bool>>> =
                now.map(|v| valuation(&tests, v)).into_iter().collect();
            for value in values {
                let regions = valuation(&tests, &value);
                if seen.contains(&regions) {
                    continue;
                }
                seen.push(regions);
                found.push(Candidate {
                    fact: *fact,
                    slot,
                    value,
                    entity,
                });
            }
        }
        found
    }

    /// The rule's verdict per entity with world changes applied.
    fn world_outcome(&self, changes: &[Candidate]) -> Vec<Tri> {
        (0..self.baseline.len())
            .map(|entity| self.entity_outcome(entity, changes, &[]))
            .collect()
    }

    /// The rule's verdict for one entity with world and entity changes applied.
    fn entity_outcome(
        &self,
        entity: usize,
        world_changes: &[Candidate],
        own_changes: &[Candidate],
    ) -> Tri {
        let table = self.snapshot.table();
        let (Some(row), Some(verdicts)) = (
            table.entity_rows().get(entity),
            self.snapshot.verdicts().entity(entity),
        ) else {
            return Tri::Unknown;
        };
        let mut world = table.world().to_vec();
        let mut own = row.clone();
        let mut verdicts = verdicts.to_vec();
        let mut rules: Vec<&CompiledRule> = Vec::new();
        for change in world_changes.iter().chain(own_changes) {
            let cell = match change.slot {
                Slot::World(i) => world.get_mut(i as usize),
                Slot::Entity(i) => own.get_mut(i as usize),
            };
            if let Some(cell) = cell {
                *cell = Some(change.value.clone());
            }
            rules.extend(
                self.reached
                    .get(&change.fact)
                    .into_iter()
                    .flatten()
                    .copied(),
            );
        }
        rules.sort_by_key(|rule| (rule.kind == RuleKind::Entity, self.position(rule.id)));
        rules.dedup_by_key(|rule| rule.id);
        evaluate_rules(rules, &world, &own, &mut verdicts);
        verdicts
            .get(self.rule.index())
            .copied()
            .unwrap_or(Tri::Unknown)
    }

    fn position(&self, rule: RuleId) -> usize {
        self.closure
            .rules
            .iter()
            .position(|r| *r == rule)
            .unwrap_or(usize::MAX)
    }

    fn compare(&self, outcome: &[Tri]) -> (Vec<usize>, Vec<usize>) {
        let mut gains = Vec::new();
        let mut losses = Vec::new();
        for (entity, (before, after)) in self.baseline.iter().zip(outcome).enumerate() {
            match (*before == Tri::True, *after == Tri::True) {
                (false, true) => gains.push(entity),
                (true, false) => losses.push(entity),
                _ => {}
            }
        }
        (gains, losses)
    }

    fn compare_one(&self, entity: usize, after: Tri) -> (Vec<usize>, Vec<usize>) {
        let before = self.baseline.get(entity).copied().unwrap_or(Tri::Unknown);
        match (before == Tri::True, after == Tri::True) {
            (false, true) => (vec![entity], Vec::new()),
            (true, false) => (Vec::new(), vec![entity]),
            _ => (Vec::new(), Vec::new()),
        }
    }

    fn effect(
        &self,
        (changes, gains, losses): &(Vec<Candidate>, Vec<usize>, Vec<usize>),
    ) -> Effect {
        let names = self.snapshot.entity_names();
        let name = |i: &usize| names.get(*i).cloned().unwrap_or_default();
        Effect {
            changes: changes.iter().map(|c| self.proposal(c)).collect(),
            gains: gains.iter().map(name).collect(),
            losses: losses.iter().map(name).collect(),
        }
    }

    fn proposal(&self, candidate: &Candidate) -> Proposal {
        let resolved = self.snapshot.resolved();
        let tests: Vec<&Test> = self
            .tests
            .get(&candidate.fact)
            .map(|t| t.iter().collect())
            .unwrap_or_default();
        let (to, condition) = match &candidate.value {
            Value::Bool(b) => (Some(*b), None),
            value => {
                let literals: Vec<(&Test, bool)> = tests
                    .iter()
                    .filter_map(|t| Some((*t, t.holds(value)?)))
                    .collect();
                (None, Some(atoms::describe_condition(&literals)))
            }
        };
        Proposal {
            entity: candidate
                .entity
                .and_then(|e| self.snapshot.entity_names().get(e).cloned()),
            fact: resolved
                .fact(candidate.fact)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            scope: scope_of(resolved, candidate.fact),
            now: self
                .snapshot
                .value(candidate.entity, candidate.fact)
                .map(to_fact_value),
            to,
            condition,
            example: to_fact_value(&candidate.value),
        }
    }
}

/// Which tests a value passes: its region.
fn valuation(tests: &[&Test], value: &Value) -> Vec<Option<bool>> {
    tests.iter().map(|t| t.holds(value)).collect()
}

/// A set fact's variants: the current set (empty if unknown) with each tested
/// string added or removed.
fn set_variants(now: Option<&Value>, tests: &[&Test]) -> Vec<Value> {
    let current: Vec<Box<str>> = match now {
        Some(Value::Set(items)) => items.to_vec(),
        _ => Vec::new(),
    };
    let mut variants = vec![Value::Set(current.clone().into_boxed_slice())];
    for test in tests {
        let Test::Contains(element) = test else {
            continue;
        };
        let mut items = current.clone();
        match items.iter().position(|i| **i == **element) {
            Some(at) => {
                items.remove(at);
            }
            None => {
                items.push(element.as_str().into());
                items.sort();
            }
        }
        variants.push(Value::Set(items.into_boxed_slice()));
    }
    variants
}

//! Leverage: which single change brings the most entities to satisfy a rule.
//!
//! Candidate changes are, for every fact the rule reads (directly or through
//! other rules) and that is not `fixed`: each region of its values the
//! rule's tests distinguish (see [`super::atoms`]) other than the one it is
//! in — for a world fact once, for an entity fact per entity; a set gains
//! or loses one tested string. A world change is evaluated for every
//! entity at once, by the batch evaluator over the snapshot's columns; an
//! entity change for its entity only, re-evaluating just the rules the
//! changed fact reaches ([`super::WhatIf`]). An entity change's effect
//! depends on the entity only through the outcomes of the rule's tests on
//! its facts, so entities with the same outcomes share one evaluation.
//!
//! With pairs requested, pairs of changes on two different facts are tried
//! too (world with world; and, for each entity that no single change brings
//! in, that entity's changes with each other and with world changes), and
//! pairs that bring in entities no single change reaches are listed.
//!
//! Every evaluation is paid for by one [`Budget`]; when it runs out the
//! answer ranks what was tried and says it is incomplete. Only the best
//! changes are kept with their entities, so memory stays within the
//! snapshot's size.
//!
//! For a world rule there are no entities to bring in: the answer lists the
//! world changes that satisfy it (or, if it is satisfied, those that undo
//! it); with pairs requested and no single change enough, the pairs that
//! satisfy it.

use std::cmp::Reverse;
use std::collections::HashMap;

use serde::Serialize;

mod related;

use super::atoms::{self, Beyond, Leaf, NumberRegion, Test};
use super::budget::{Budget, DEFAULT_STEPS, Exhausted};
use super::relations::Relation;
use super::{AnalysisError, Closure, Snapshot, WhatIf, scope_of, to_fact_value};
use crate::check::{FactId, RuleId, RuleKind};
use crate::compile::Slot;
use crate::eval::{Tri, Verdict};
use crate::facts::{FactValue, Value};
use crate::syntax::ast::{FactType, Scope};

/// What to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeverageOptions {
    /// How many single changes to list.
    pub top: usize,
    /// Also look for pairs of changes.
    pub pairs: bool,
    /// Work budget, in steps (a node of the rules evaluated for one entity;
    /// for a world change, evaluated over every entity, a word of entities
    /// per rule).
    pub budget: u64,
}

impl Default for LeverageOptions {
    fn default() -> Self {
        LeverageOptions {
            top: 10,
            pairs: false,
            budget: DEFAULT_STEPS,
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
    /// For other facts: what the change is — the condition the new value
    /// meets (`>= 1000 and < 30000`), or for a set the string added or
    /// removed (`add "fast_jets"`), or the set it becomes if it is unknown.
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
    /// Entities whose verdict becomes satisfied (none for a world rule).
    pub gains: Vec<String>,
    /// Entities whose verdict stops being satisfied (none for a world rule).
    pub losses: Vec<String>,
    /// For a world rule: its verdict after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Verdict>,
}

/// The answer to "which change brings in the most?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leverage {
    /// The rule.
    pub rule: String,
    /// World or entity rule.
    pub kind: RuleKind,
    /// For a world rule: its verdict now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// How many entities satisfy it now.
    pub satisfied_now: usize,
    /// How many entities there are.
    pub entities: usize,
    /// The best single changes: most gains first, then fewest losses (for a
    /// world rule: those that satisfy it first).
    pub changes: Vec<Effect>,
    /// How many single changes bring anyone in (or satisfy a world rule), in all.
    pub changes_with_gains: usize,
    /// Pairs (when asked) that bring in entities no single change does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pairs: Option<Vec<Effect>>,
    /// `false` if the budget ran out: the ranking covers only the changes
    /// tried by then.
    pub complete: bool,
    /// Facts the rule reads in tests leverage does not search yet (a
    /// comparison of two facts, arithmetic): changes to them are missing
    /// from the ranking, or found only as far as the fact's other tests
    /// go. Empty when the search covered every fact the rule reads.
    pub not_searched: Vec<NotSearched>,
}

/// A fact whose changes leverage did not search, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotSearched {
    /// The fact.
    pub fact: String,
    /// Why: the kind of test it is read in.
    pub reason: Beyond,
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
    /// assert!(leverage.complete);
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
        let budget = Budget::new(options.budget);
        Ok(Search::new(self, rule_id, &budget).run(options))
    }
}

/// A candidate change: a fact set to a value standing for a region.
#[derive(Debug, Clone)]
struct Candidate {
    fact: FactId,
    value: Value,
    /// The entity, for an entity fact.
    entity: Option<usize>,
    /// The change as a condition, where it was worked out with the value
    /// (a world fact related to entity facts).
    condition: Option<String>,
}

/// Who a change brings in or loses.
#[derive(Debug, Clone)]
enum Members {
    /// One entity.
    One(usize),
    /// A bit per entity.
    Bits(Vec<crate::batch::Word>),
}

impl Members {
    fn none() -> Members {
        Members::Bits(Vec::new())
    }

    fn count(&self) -> usize {
        match self {
            Members::One(_) => 1,
            Members::Bits(bits) => bits.iter().map(|w| w.count_ones() as usize).sum(),
        }
    }

    fn contains(&self, entity: usize) -> bool {
        match self {
            Members::One(one) => *one == entity,
            Members::Bits(bits) => bits
                .get(entity / crate::batch::WORD_BITS)
                .is_some_and(|w| w >> (entity % crate::batch::WORD_BITS) & 1 == 1),
        }
    }

    /// Whether some member is not one of `others`.
    fn any_outside(&self, others: &Members) -> bool {
        match (self, others) {
            (Members::Bits(bits), Members::Bits(other)) => bits
                .iter()
                .enumerate()
                .any(|(i, w)| w & !other.get(i).copied().unwrap_or(0) != 0),
            _ => self.indices().into_iter().any(|m| !others.contains(m)),
        }
    }

    fn indices(&self) -> Vec<usize> {
        match self {
            Members::One(one) => vec![*one],
            Members::Bits(bits) => bits
                .iter()
                .enumerate()
                .flat_map(|(index, word)| {
                    (0..crate::batch::WORD_BITS)
                        .filter(move |bit| word >> bit & 1 == 1)
                        .map(move |bit| index * crate::batch::WORD_BITS + bit)
                })
                .collect(),
        }
    }
}

/// A change or pair found, with what it does.
#[derive(Debug, Clone)]
struct Found {
    changes: Vec<Candidate>,
    gains: Members,
    losses: Members,
    after: Option<Tri>,
}

/// Most gains, then fewest losses, then the order found in: ascending is best first.
type Rank = (Reverse<usize>, usize, usize);

/// The best changes found so far: at most `top` kept, ranked by most gains,
/// then fewest losses, then the order they were found in.
struct Ranking {
    top: usize,
    kept: Vec<(Rank, Found)>,
    found: usize,
    with_gains: usize,
}

impl Ranking {
    fn new(top: usize) -> Ranking {
        Ranking {
            top,
            kept: Vec::new(),
            found: 0,
            with_gains: 0,
        }
    }

    fn add(&mut self, found: Found) {
        let (gains, losses) = (found.gains.count(), found.losses.count());
        if gains == 0 && losses == 0 {
            return;
        }
        self.with_gains += usize::from(gains > 0);
        self.found += 1;
        self.kept
            .push(((Reverse(gains), losses, self.found), found));
        if self.kept.len() >= self.top.max(8).saturating_mul(2) {
            self.trim();
        }
    }

    fn trim(&mut self) {
        self.kept.sort_by_key(|(key, _)| *key);
        self.kept.truncate(self.top);
    }

    fn best(mut self) -> Vec<Found> {
        self.trim();
        self.kept.into_iter().map(|(_, found)| found).collect()
    }
}

/// A candidate change, by the position of its fact and which of its
/// variants: the same for every entity with the same signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    fact: usize,
    variant: Variant,
}

/// Which change of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Variant {
    /// A bool set to this value.
    Bool(bool),
    /// A number or string moved to this region (the last string region is
    /// "any other string").
    Region(usize),
    /// A set made to hold the tested string of this index.
    Add(usize),
    /// A set made not to hold the tested string of this index.
    Remove(usize),
    /// A number related to other facts set to this value (its bits): one
    /// per cell of its values, given the other facts' values.
    Value(u64),
    /// A string related to other facts set to the word of this place among
    /// those that matter, given the other facts' values.
    Word(usize),
}

/// What an entity's effects depend on (see [`Search::signature`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Signature {
    outcomes: Vec<Tri>,
    regions: Vec<Option<usize>>,
}

/// How the rule's tests cut one fact's values, the same for every entity.
enum Cut {
    Bool,
    /// Number regions, in increasing order.
    Numbers(Vec<NumberRegion>),
    /// The constants compared with (sorted), and a string that is none of
    /// them (`None` when they take every word of the fact's vocabulary).
    Strings(Vec<String>, Option<String>),
    /// The strings tested for membership.
    Set(Vec<String>),
    /// A number in relations with other facts: its regions depend on their
    /// values, so they are worked out where they are read (its own tests
    /// on it, by position in [`Search::atoms`]).
    Related(Vec<usize>),
    /// A string compared with other string facts: the words that matter
    /// depend on theirs (its own tests, as for a number).
    RelatedWords(Vec<usize>),
}

struct Search<'s, 'r, 'b> {
    snapshot: &'s Snapshot<'r>,
    rule: RuleId,
    kind: RuleKind,
    budget: &'b Budget,
    /// The changeable facts of the closure, world facts first, with their cut.
    facts: Vec<(FactId, Scope, Cut)>,
    /// The closure's tests on single facts (the outcomes that decide).
    atoms: Vec<atoms::Atom>,
    /// Whether the closure compares two facts with each other: then an
    /// entity's effects depend on more than its test outcomes.
    two_fact_tests: bool,
    /// The facts read in such tests, each with the first test's reason.
    not_searched: Vec<(FactId, Beyond)>,
    /// The relations between facts the closure reads.
    relations: Vec<Relation>,
    /// The nodes of every compiled entity rule: what lowering them costs.
    program_size: u64,
    /// The rule's verdict per entity now.
    baseline: Vec<Tri>,
    satisfied: Vec<crate::batch::Word>,
}

impl<'s, 'r, 'b> Search<'s, 'r, 'b> {
    fn new(snapshot: &'s Snapshot<'r>, rule: RuleId, budget: &'b Budget) -> Search<'s, 'r, 'b> {
        let resolved = snapshot.resolved();
        let closure = Closure::of(resolved, rule);
        let mut tests: HashMap<FactId, Vec<Test>> = HashMap::new();
        let mut seen = std::collections::HashSet::new();
        let mut atoms = Vec::new();
        let mut two_fact_tests = false;
        let mut not_searched = Vec::new();
        let mut relations: Vec<Relation> = Vec::new();
        for info in closure.rules.iter().filter_map(|id| resolved.rule(*id)) {
            for cond in info.conditions() {
                cond.walk(|c| match atoms::leaf(c) {
                    Some(Ok(Leaf::Atom { atom, .. })) if seen.insert(atom.clone()) => {
                        tests.entry(atom.fact).or_default().push(atom.test.clone());
                        atoms.push(atom);
                    }
                    Some(Ok(Leaf::Relation { relation, .. })) => {
                        two_fact_tests = true;
                        if !relations.contains(&relation) {
                            relations.push(relation);
                        }
                    }
                    Some(Err(reason)) => {
                        two_fact_tests = true;
                        for fact in c.facts_read() {
                            let changeable = resolved.fact(fact).is_some_and(|f| !f.fixed);
                            if changeable && !not_searched.iter().any(|(f, _)| *f == fact) {
                                not_searched.push((fact, reason));
                            }
                        }
                    }
                    _ => {}
                });
            }
        }
        let mut facts: Vec<(FactId, Scope, Cut)> = closure
            .facts
            .iter()
            .filter_map(|fact| {
                let info = resolved.fact(*fact).filter(|f| !f.fixed)?;
                if relations.iter().any(|r| r.facts().any(|f| f == *fact)) {
                    let own = atoms
                        .iter()
                        .enumerate()
                        .filter(|(_, a)| a.fact == *fact)
                        .map(|(index, _)| index)
                        .collect();
                    let cut = match info.ty {
                        FactType::String => Cut::RelatedWords(own),
                        _ => Cut::Related(own),
                    };
                    return Some((*fact, info.scope, cut));
                }
                let tests: Vec<&Test> = tests.get(fact).map(|t| t.iter().collect())?;
                let cut = match info.ty {
                    FactType::Bool => Cut::Bool,
                    FactType::Number => Cut::Numbers(atoms::number_regions(&tests, info.range)),
                    FactType::String => {
                        let constants = string_constants(&tests);
                        let other = atoms::other_string(&constants, info.vocabulary.as_deref());
                        Cut::Strings(constants, other)
                    }
                    FactType::StringSet => Cut::Set(
                        tests
                            .iter()
                            .filter_map(|t| match t {
                                Test::Contains(s) => Some(s.clone()),
                                _ => None,
                            })
                            .collect(),
                    ),
                };
                Some((*fact, info.scope, cut))
            })
            .collect();
        facts.sort_by_key(|(_, scope, _)| *scope != Scope::World);
        let kind = resolved.rule(rule).map_or(RuleKind::Entity, |r| r.kind);
        let baseline = (0..snapshot.len())
            .map(|e| snapshot.tri(Some(e), rule))
            .collect();
        let program_size = snapshot
            .rules()
            .program()
            .entity_rules()
            .iter()
            .map(|r| r.condition.size() as u64)
            .sum();
        Search {
            snapshot,
            rule,
            kind,
            budget,
            program_size,
            facts,
            atoms,
            two_fact_tests,
            not_searched,
            relations,
            baseline,
            satisfied: snapshot.verdicts().satisfied(rule),
        }
    }

    fn run(&self, options: LeverageOptions) -> Leverage {
        let mut singles = Ranking::new(options.top);
        let mut pairs = options.pairs.then(|| Ranking::new(options.top));
        let searched = self.keys(None, Scope::World).and_then(|keys| {
            let world: Vec<Candidate> = keys
                .into_iter()
                .filter_map(|key| self.candidate(None, key))
                .collect();
            match self.kind {
                RuleKind::World => self.world_rule(&world, &mut singles, pairs.as_mut()),
                RuleKind::Entity => self.entity_rule(&world, &mut singles, pairs.as_mut()),
            }
        });
        let resolved = self.snapshot.resolved();
        let now = self.snapshot.tri(None, self.rule);
        let changes_with_gains = singles.with_gains;
        Leverage {
            rule: resolved
                .rule(self.rule)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            kind: self.kind,
            verdict: (self.kind == RuleKind::World).then(|| Verdict::from(now)),
            satisfied_now: self.baseline.iter().filter(|t| **t == Tri::True).count(),
            entities: self.snapshot.len(),
            changes: singles.best().iter().map(|f| self.effect(f)).collect(),
            changes_with_gains,
            pairs: pairs.map(|p| p.best().iter().map(|f| self.effect(f)).collect()),
            complete: searched.is_ok(),
            not_searched: self
                .not_searched
                .iter()
                .map(|(fact, reason)| NotSearched {
                    fact: resolved
                        .fact(*fact)
                        .map(|f| f.name.clone())
                        .unwrap_or_default(),
                    reason: *reason,
                })
                .collect(),
        }
    }

    /// A world rule: each world change (and pair) re-evaluated once.
    fn world_rule(
        &self,
        world: &[Candidate],
        singles: &mut Ranking,
        pairs: Option<&mut Ranking>,
    ) -> Result<(), Exhausted> {
        let now = self.snapshot.tri(None, self.rule);
        let mut what_if = WhatIf::new(self.snapshot, self.rule);
        let mut try_changes = |changes: &[&Candidate]| -> Result<Found, Exhausted> {
            let values: Vec<(FactId, Option<Value>)> = changes
                .iter()
                .map(|c| (c.fact, Some(c.value.clone())))
                .collect();
            let after = what_if.verdict(None, &values);
            self.budget.spend(what_if.last_cost())?;
            let member = |yes: bool| {
                if yes {
                    Members::One(0)
                } else {
                    Members::none()
                }
            };
            Ok(Found {
                changes: changes.iter().map(|c| (*c).clone()).collect(),
                gains: member(now != Tri::True && after == Tri::True),
                losses: member(now == Tri::True && after != Tri::True),
                after: Some(after),
            })
        };
        let mut satisfied_alone = false;
        for candidate in world {
            let found = try_changes(&[candidate])?;
            satisfied_alone |= found.gains.count() > 0;
            singles.add(found);
        }
        let Some(pairs) = pairs.filter(|_| !satisfied_alone) else {
            return Ok(());
        };
        for (index, first) in world.iter().enumerate() {
            for second in world
                .iter()
                .skip(index + 1)
                .filter(|c| c.fact != first.fact)
            {
                let found = try_changes(&[first, second])?;
                if found.gains.count() > 0 {
                    pairs.add(found);
                }
            }
        }
        Ok(())
    }

    /// An entity rule: world changes over every entity at once, entity
    /// changes entity by entity; then, if asked, pairs.
    fn entity_rule(
        &self,
        world: &[Candidate],
        singles: &mut Ranking,
        pairs: Option<&mut Ranking>,
    ) -> Result<(), Exhausted> {
        let mut reached_alone = vec![0 as crate::batch::Word; self.satisfied.len()];
        for candidate in world {
            let found = self.world_effect(std::slice::from_ref(candidate))?;
            mark(&mut reached_alone, &found.gains);
            singles.add(found);
        }
        let mut what_if = WhatIf::new(self.snapshot, self.rule);
        self.related_world(singles, &mut what_if, &mut reached_alone)?;
        // Per signature: the changes that bring its entities in or lose
        // them, so that the next entity like it costs only those.
        let mut effective: HashMap<Signature, Vec<(Key, Tri)>> = HashMap::new();
        for entity in 0..self.baseline.len() {
            let before = self.baseline.get(entity).copied().unwrap_or(Tri::Unknown);
            let signature = self.signature(entity);
            let mut record = |key: Key, after: Tri, singles: &mut Ranking| -> bool {
                let (gains, losses) = match (before == Tri::True, after == Tri::True) {
                    (false, true) => (Members::One(entity), Members::none()),
                    (true, false) => (Members::none(), Members::One(entity)),
                    _ => return false,
                };
                let Some(candidate) = self.candidate(Some(entity), key) else {
                    return false;
                };
                mark(&mut reached_alone, &gains);
                singles.add(Found {
                    changes: vec![candidate],
                    gains,
                    losses,
                    after: None,
                });
                true
            };
            if let Some(known) = signature.as_ref().and_then(|s| effective.get(s)) {
                for (key, after) in known {
                    record(*key, *after, singles);
                }
                continue;
            }
            let mut found = Vec::new();
            for key in self.keys(Some(entity), Scope::Entity)? {
                let Some(candidate) = self.candidate(Some(entity), key) else {
                    continue;
                };
                let after = what_if.verdict(
                    Some(entity),
                    &[(candidate.fact, Some(candidate.value.clone()))],
                );
                if record(key, after, singles) {
                    found.push((key, after));
                }
                self.budget.spend(what_if.last_cost())?;
            }
            if let Some(signature) = signature {
                effective.insert(signature, found);
            }
        }
        match pairs {
            Some(pairs) => self.pairs(world, &Members::Bits(reached_alone), pairs, &mut what_if),
            None => Ok(()),
        }
    }

    /// What a set of world changes does to every entity, by the batch
    /// evaluator over the snapshot's columns.
    fn world_effect(&self, changes: &[Candidate]) -> Result<Found, Exhausted> {
        let program = self.snapshot.rules().program();
        let columns = self.snapshot.columns();
        // Lowering every entity rule again with the changed world, then a
        // word of entities per rule.
        let words = columns.len().div_ceil(crate::batch::WORD_BITS) as u64;
        self.budget.spend(
            (words + 1) * (program.entity_rules().len() as u64 + 1)
                + columns.world().len() as u64
                + self.program_size,
        )?;
        let mut world = columns.world().to_vec();
        for change in changes {
            let slot = program
                .schema()
                .facts()
                .get(change.fact.index())
                .map(|f| f.slot);
            if let Some(Slot::World(index)) = slot {
                if let Some(cell) = world.get_mut(index as usize) {
                    *cell = Some(change.value.clone());
                }
            }
        }
        let after = crate::batch::compile_with_world(program, columns, &world)
            .evaluate()
            .satisfied(self.rule);
        let gains = after
            .iter()
            .zip(&self.satisfied)
            .map(|(a, b)| a & !b)
            .collect();
        let losses = after
            .iter()
            .zip(&self.satisfied)
            .map(|(a, b)| b & !a)
            .collect();
        Ok(Found {
            changes: changes.to_vec(),
            gains: Members::Bits(gains),
            losses: Members::Bits(losses),
            after: None,
        })
    }

    /// Pairs: world with world, then for each entity no single change
    /// brings in, its own changes with each other and with world changes.
    fn pairs(
        &self,
        world: &[Candidate],
        reached_alone: &Members,
        pairs: &mut Ranking,
        what_if: &mut WhatIf<'_, '_>,
    ) -> Result<(), Exhausted> {
        for (index, first) in world.iter().enumerate() {
            for second in world
                .iter()
                .skip(index + 1)
                .filter(|c| c.fact != first.fact)
            {
                let found = self.world_effect(&[first.clone(), second.clone()])?;
                if found.gains.any_outside(reached_alone) {
                    pairs.add(found);
                }
            }
        }
        let mut firsts: HashMap<Signature, Option<[Option<Key>; 2]>> = HashMap::new();
        for entity in 0..self.baseline.len() {
            if reached_alone.contains(entity) || self.baseline.get(entity) == Some(&Tri::True) {
                continue;
            }
            let signature = self.signature(entity);
            let first = match signature.as_ref().and_then(|s| firsts.get(s)) {
                Some(first) => *first,
                None => {
                    let first = self.first_pair(entity, what_if)?;
                    if let Some(signature) = signature {
                        firsts.insert(signature, first);
                    }
                    first
                }
            };
            let Some([world_key, own_key]) = first else {
                continue;
            };
            let changes: Option<Vec<Candidate>> = [world_key, own_key]
                .into_iter()
                .flatten()
                .map(|key| self.candidate(self.owner(key, entity), key))
                .collect();
            if let Some(changes) = changes {
                pairs.add(Found {
                    changes,
                    gains: Members::One(entity),
                    losses: Members::none(),
                    after: None,
                });
            }
        }
        Ok(())
    }

    /// The first pair of changes that brings an entity in: a world change
    /// with one of its own, or two of its own on different facts; `None`
    /// if none does. Pairs are tried one by one, never listed.
    fn first_pair(
        &self,
        entity: usize,
        what_if: &mut WhatIf<'_, '_>,
    ) -> Result<Option<[Option<Key>; 2]>, Exhausted> {
        let own = self.keys(Some(entity), Scope::Entity)?;
        let world_keys = self.keys(None, Scope::World)?;
        let mut works = |first: Key, second: Key| -> Result<bool, Exhausted> {
            let changes: Option<Vec<(FactId, Option<Value>)>> = [first, second]
                .into_iter()
                .map(|key| {
                    self.candidate(self.owner(key, entity), key)
                        .map(|c| (c.fact, Some(c.value)))
                })
                .collect();
            let Some(changes) = changes else {
                return Ok(false);
            };
            let after = what_if.verdict(Some(entity), &changes);
            self.budget.spend(what_if.last_cost())?;
            Ok(after == Tri::True)
        };
        for world_key in &world_keys {
            for own_key in &own {
                if works(*world_key, *own_key)? {
                    return Ok(Some([Some(*world_key), Some(*own_key)]));
                }
            }
        }
        for (index, first) in own.iter().enumerate() {
            for second in own.iter().skip(index + 1).filter(|k| k.fact != first.fact) {
                if works(*first, *second)? {
                    return Ok(Some([Some(*first), Some(*second)]));
                }
            }
        }
        Ok(None)
    }

    /// What an entity's effects depend on: the outcomes of the closure's
    /// tests on its facts, and the region each of its numbers and strings
    /// lies in (which decides its candidate changes). `None` when the
    /// closure compares two facts: then the values themselves matter.
    fn signature(&self, entity: usize) -> Option<Signature> {
        if self.two_fact_tests {
            return None;
        }
        let outcomes = self.snapshot.outcomes(Some(entity), &self.atoms);
        let regions = self
            .facts
            .iter()
            .filter(|(_, scope, _)| *scope == Scope::Entity)
            .map(|(fact, _, cut)| {
                let now = self.snapshot.value(Some(entity), *fact);
                match (cut, now) {
                    (Cut::Numbers(regions), Some(Value::Number(n))) => {
                        regions.iter().position(|r| r.contains(n))
                    }
                    (Cut::Strings(constants, _), Some(value)) => {
                        Some(string_region(constants, &value).map_or(0, |i| i + 1))
                    }
                    _ => None,
                }
            })
            .collect();
        Some(Signature { outcomes, regions })
    }

    /// The candidate changes of an entity's facts (or the world's) of
    /// `scope`: one per region of each changeable fact other than the
    /// region its value is in now; for a set, each tested string added or
    /// removed (and, when unknown, the empty set). The keys are the same
    /// for every entity with the same signature.
    fn keys(&self, entity: Option<usize>, scope: Scope) -> Result<Vec<Key>, Exhausted> {
        let mut keys = Vec::new();
        for (position, (fact, _, cut)) in self.facts.iter().enumerate() {
            if self
                .facts
                .get(position)
                .is_some_and(|(_, s, _)| *s != scope)
            {
                continue;
            }
            let now = self.snapshot.value(entity, *fact);
            let key = |variant| Key {
                fact: position,
                variant,
            };
            match cut {
                Cut::Bool => keys.extend(
                    [true, false]
                        .into_iter()
                        .filter(|b| now != Some(Value::Bool(*b)))
                        .map(|b| key(Variant::Bool(b))),
                ),
                Cut::Numbers(regions) => {
                    let current = match now {
                        Some(Value::Number(n)) => regions.iter().position(|r| r.contains(n)),
                        _ => None,
                    };
                    keys.extend(
                        (0..regions.len())
                            .filter(|index| Some(*index) != current)
                            .map(|index| key(Variant::Region(index))),
                    );
                }
                Cut::Strings(constants, other) => {
                    let current = now.as_ref().map(|now| string_region(constants, now));
                    let regions = constants.len() + usize::from(other.is_some());
                    keys.extend(
                        (0..regions)
                            .filter(|index| {
                                current.is_none_or(|c| c != constants.get(*index).map(|_| *index))
                            })
                            .map(|index| key(Variant::Region(index))),
                    );
                }
                Cut::Set(tested) => {
                    // Each string on its own: added where the set may lack
                    // it, removed where it may hold it.
                    for (index, string) in tested.iter().enumerate() {
                        let holds = now.as_ref().and_then(|set| set.set_holds(string));
                        if holds != Some(true) {
                            keys.push(key(Variant::Add(index)));
                        }
                        if holds != Some(false) {
                            keys.push(key(Variant::Remove(index)));
                        }
                    }
                }
                // A world fact related to entity facts moves each entity's
                // threshold: searched by a sweep over the entities instead.
                Cut::Related(_) | Cut::RelatedWords(_)
                    if entity.is_none() && self.related_to_entities(*fact) => {}
                Cut::RelatedWords(own) => {
                    let current = match &now {
                        Some(Value::String(word)) => Some(&**word),
                        _ => None,
                    };
                    keys.extend(
                        self.words(*fact, own, entity)
                            .iter()
                            .enumerate()
                            .filter(|(_, word)| Some(word.as_str()) != current)
                            .map(|(index, _)| key(Variant::Word(index))),
                    );
                }
                Cut::Related(own) => {
                    let current = match now {
                        Some(Value::Number(n)) => Some(n),
                        _ => None,
                    };
                    keys.extend(
                        self.regions(*fact, own, entity)?
                            .into_iter()
                            .filter(|r| current.is_none_or(|n| !r.contains(n)))
                            .map(|r| key(Variant::Value(r.value.to_bits()))),
                    );
                }
            }
        }
        Ok(keys)
    }

    /// The regions of a related fact's values for `entity` (or the world):
    /// by its own tests and its relations, every other fact as it is.
    fn regions(
        &self,
        fact: FactId,
        own: &[usize],
        entity: Option<usize>,
    ) -> Result<Vec<related::Region>, Exhausted> {
        let tests: Vec<Test> = own
            .iter()
            .filter_map(|a| self.atoms.get(*a).map(|a| a.test.clone()))
            .collect();
        related::regions(
            self.snapshot,
            fact,
            &tests,
            &self.relations,
            entity,
            self.budget,
        )
    }

    /// The words that matter to a string fact in relations, for `entity`
    /// (or the world): those its tests name, its vocabulary holds, and the
    /// facts it is compared with hold now.
    fn named_words(&self, fact: FactId, own: &[usize], entity: Option<usize>) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        let mut name = |word: &str| {
            if !words.iter().any(|w| w == word) {
                words.push(word.to_string());
            }
        };
        for atom in own.iter().filter_map(|a| self.atoms.get(*a)) {
            match &atom.test {
                Test::Equals(word) => name(word),
                Test::OneOf(items) => items.iter().for_each(|w| name(w)),
                _ => {}
            }
        }
        let info = self.snapshot.resolved().fact(fact);
        info.and_then(|f| f.vocabulary.as_ref())
            .into_iter()
            .flatten()
            .for_each(|w| name(w));
        let partners = self
            .relations
            .iter()
            .filter(|r| r.facts().any(|f| f == fact))
            .flat_map(|r| r.facts())
            .filter(|f| *f != fact);
        for partner in partners {
            if let Some(Value::String(word)) = self.snapshot.value(entity, partner) {
                name(&word);
            }
        }
        words
    }

    /// The words a related string fact may be set to: those that matter,
    /// and (without a vocabulary) one word that is none of them.
    fn words(&self, fact: FactId, own: &[usize], entity: Option<usize>) -> Vec<String> {
        let mut words = self.named_words(fact, own, entity);
        let vocabulary = self
            .snapshot
            .resolved()
            .fact(fact)
            .and_then(|f| f.vocabulary.as_deref());
        if let Some(vocabulary) = vocabulary {
            words.retain(|w| vocabulary.contains(w));
        } else if let Some(other) = atoms::other_string(&words, None) {
            words.push(other);
        }
        words
    }

    /// Whether a fact is related to an entity fact.
    fn related_to_entities(&self, fact: FactId) -> bool {
        let resolved = self.snapshot.resolved();
        self.relations
            .iter()
            .filter(|r| r.facts().any(|f| f == fact))
            .flat_map(|r| r.facts())
            .any(|f| resolved.fact(f).is_some_and(|i| i.scope == Scope::Entity))
    }

    /// The world facts related to entity facts, each changed over a sweep
    /// of the entities: for each entity, the cells of the world fact's
    /// values given the entity's facts, each evaluated for it; then the
    /// intervals that gain or lose most, each evaluated over every entity
    /// (the ranking's own evaluation, so its gains are exact).
    fn related_world(
        &self,
        singles: &mut Ranking,
        what_if: &mut WhatIf<'_, '_>,
        reached_alone: &mut [crate::batch::Word],
    ) -> Result<(), Exhausted> {
        for (fact, scope, cut) in &self.facts {
            if *scope != Scope::World || !self.related_to_entities(*fact) {
                continue;
            }
            let own = match cut {
                Cut::Related(own) => own,
                Cut::RelatedWords(own) => {
                    self.related_world_words(*fact, own, singles, what_if, reached_alone)?;
                    continue;
                }
                _ => continue,
            };
            let mut sweep = related::Sweep::default();
            for entity in 0..self.baseline.len() {
                let before = self.baseline.get(entity).copied().unwrap_or(Tri::Unknown);
                for region in self.regions(*fact, own, Some(entity))? {
                    let after = what_if
                        .verdict(Some(entity), &[(*fact, Some(Value::Number(region.value)))]);
                    self.budget.spend(what_if.last_cost())?;
                    match (before == Tri::True, after == Tri::True) {
                        (false, true) => sweep.add(&region, entity, true),
                        (true, false) => sweep.add(&region, entity, false),
                        _ => {}
                    }
                }
            }
            let now = match self.snapshot.value(None, *fact) {
                Some(Value::Number(n)) => Some(n),
                _ => None,
            };
            let mut counted: Vec<related::Counted> = sweep
                .counted()
                .into_iter()
                .filter(|c| now.is_none_or(|n| !c.contains(n)))
                .collect();
            counted.sort_by_key(|c| (Reverse(c.gains), c.losses));
            for interval in counted.iter().take(singles.top.max(1)) {
                let Some(value) = interval.value() else {
                    continue;
                };
                let candidate = Candidate {
                    fact: *fact,
                    value: Value::Number(value),
                    entity: None,
                    condition: Some(super::relations::describe_interval(
                        &interval.lo,
                        &interval.hi,
                        resolved_range(self.snapshot, *fact),
                    )),
                };
                let found = self.world_effect(std::slice::from_ref(&candidate))?;
                mark(reached_alone, &found.gains);
                singles.add(found);
            }
        }
        Ok(())
    }

    /// A world string fact related to entity string facts: for each entity,
    /// the words that matter to it (any other word is alike to it, as the
    /// one word none of them), each evaluated; then the words that gain or
    /// lose most over every entity — counted as the entities gained by "any
    /// other word", corrected by what each entity does with its own words
    /// — each evaluated over every entity.
    fn related_world_words(
        &self,
        fact: FactId,
        own: &[usize],
        singles: &mut Ranking,
        what_if: &mut WhatIf<'_, '_>,
        reached_alone: &mut [crate::batch::Word],
    ) -> Result<(), Exhausted> {
        let (mut other_gains, mut other_losses) = (0i64, 0i64);
        let mut by_word: HashMap<String, (i64, i64)> = HashMap::new();
        let other = "\u{0}other".to_string();
        for entity in 0..self.baseline.len() {
            let before = self.baseline.get(entity).copied().unwrap_or(Tri::Unknown) == Tri::True;
            let mut words = self.named_words(fact, own, Some(entity));
            let unnamed = atoms::other_string(&words, None).unwrap_or_default();
            words.push(unnamed.clone());
            let mut outcome = |word: &str| -> Result<(i64, i64), Exhausted> {
                let after =
                    what_if.verdict(Some(entity), &[(fact, Some(Value::String(word.into())))]);
                self.budget.spend(what_if.last_cost())?;
                let after = after == Tri::True;
                Ok((i64::from(!before && after), i64::from(before && !after)))
            };
            let (gain, loss) = outcome(&unnamed)?;
            other_gains += gain;
            other_losses += loss;
            for word in words.iter().filter(|w| **w != unnamed) {
                let (g, l) = outcome(word)?;
                let entry = by_word.entry(word.clone()).or_default();
                entry.0 += g - gain;
                entry.1 += l - loss;
            }
        }
        by_word.insert(other, (0, 0));
        let now = self.snapshot.value(None, fact);
        let vocabulary = self
            .snapshot
            .resolved()
            .fact(fact)
            .and_then(|f| f.vocabulary.clone());
        let mut counted: Vec<(String, i64, i64)> = by_word
            .into_iter()
            .map(|(word, (g, l))| (word, other_gains + g, other_losses + l))
            .filter(|(word, _, _)| now != Some(Value::String(word.as_str().into())))
            .filter(|(word, _, _)| {
                vocabulary.as_ref().is_none_or(|v| v.contains(word)) || word.starts_with('\u{0}')
            })
            .collect();
        counted.sort_by_key(|(word, gains, losses)| (Reverse(*gains), *losses, word.clone()));
        let mut named: Vec<String> = counted
            .iter()
            .map(|(w, _, _)| w.clone())
            .filter(|w| !w.starts_with('\u{0}'))
            .collect();
        named.sort();
        for (word, _, _) in counted.iter().take(singles.top.max(1)) {
            // "Any other word": one the entities' words are not, of the
            // vocabulary if there is one.
            let value = match word.starts_with('\u{0}') {
                true => match atoms::other_string(&named, vocabulary.as_deref()) {
                    Some(other) => other,
                    None => continue,
                },
                false => word.clone(),
            };
            let value = Value::String(value.as_str().into());
            let candidate = Candidate {
                fact,
                condition: Some(string_condition(&named, vocabulary.as_deref(), &value)),
                value,
                entity: None,
            };
            let found = self.world_effect(std::slice::from_ref(&candidate))?;
            mark(reached_alone, &found.gains);
            singles.add(found);
        }
        Ok(())
    }

    /// Whose fact a key changes, in a pair for `entity`: a world fact is
    /// no entity's.
    fn owner(&self, key: Key, entity: usize) -> Option<usize> {
        match self.facts.get(key.fact) {
            Some((_, Scope::World, _)) | None => None,
            Some((_, Scope::Entity, _)) => Some(entity),
        }
    }

    /// The change a key stands for, for an entity (or the world).
    fn candidate(&self, entity: Option<usize>, key: Key) -> Option<Candidate> {
        let (fact, _, cut) = self.facts.get(key.fact)?;
        let value = match (cut, key.variant) {
            (Cut::Bool, Variant::Bool(b)) => Value::Bool(b),
            (Cut::Numbers(regions), Variant::Region(index)) => {
                Value::Number(regions.get(index)?.value)
            }
            (Cut::Strings(constants, other), Variant::Region(index)) => {
                let value = constants.get(index).or(other.as_ref())?;
                Value::String(value.as_str().into())
            }
            (Cut::Related(_), Variant::Value(bits)) => Value::Number(f64::from_bits(bits)),
            (Cut::RelatedWords(own), Variant::Word(index)) => {
                Value::String(self.words(*fact, own, entity).get(index)?.as_str().into())
            }
            (Cut::Set(tested), Variant::Add(index) | Variant::Remove(index)) => with_string(
                self.snapshot.value(entity, *fact).as_ref(),
                tested.get(index)?,
                matches!(key.variant, Variant::Add(_)),
            ),
            _ => return None,
        };
        Some(Candidate {
            fact: *fact,
            value,
            entity,
            condition: None,
        })
    }

    fn effect(&self, found: &Found) -> Effect {
        let name = |i: usize| self.snapshot.entity_name(i).unwrap_or_default().to_string();
        let is_world = self.kind == RuleKind::World;
        Effect {
            changes: found.changes.iter().map(|c| self.proposal(c)).collect(),
            gains: if is_world {
                Vec::new()
            } else {
                found.gains.indices().into_iter().map(name).collect()
            },
            losses: if is_world {
                Vec::new()
            } else {
                found.losses.indices().into_iter().map(name).collect()
            },
            after: found.after.map(Verdict::from),
        }
    }

    fn proposal(&self, candidate: &Candidate) -> Proposal {
        let resolved = self.snapshot.resolved();
        let range_of = |fact: FactId| resolved_range(self.snapshot, fact);
        let now = self.snapshot.value(candidate.entity, candidate.fact);
        let cut = self
            .facts
            .iter()
            .find(|(f, _, _)| *f == candidate.fact)
            .map(|(_, _, cut)| cut);
        let (to, condition) = match (&candidate.value, cut) {
            (Value::Bool(b), _) => (Some(*b), None),
            (Value::Number(n), Some(Cut::Numbers(regions))) => (
                None,
                regions
                    .iter()
                    .find(|r| r.contains(*n))
                    .map(NumberRegion::describe),
            ),
            (value @ Value::String(_), Some(Cut::Strings(constants, _))) => {
                let vocabulary = resolved
                    .fact(candidate.fact)
                    .and_then(|f| f.vocabulary.as_deref());
                (None, Some(string_condition(constants, vocabulary, value)))
            }
            (after @ (Value::Set(_) | Value::PartialSet { .. }), Some(Cut::Set(tested))) => {
                (None, Some(set_change(now.as_ref(), after, tested)))
            }
            (value @ Value::String(_), Some(Cut::RelatedWords(own))) => {
                let mut named = self.named_words(candidate.fact, own, candidate.entity);
                named.sort();
                let vocabulary = resolved
                    .fact(candidate.fact)
                    .and_then(|f| f.vocabulary.as_deref());
                (None, Some(string_condition(&named, vocabulary, value)))
            }
            (Value::Number(n), Some(Cut::Related(own))) => (
                None,
                candidate.condition.clone().or_else(|| {
                    self.regions(candidate.fact, own, candidate.entity)
                        .ok()?
                        .into_iter()
                        .find(|r| r.contains(*n))
                        .map(|r| r.describe(range_of(candidate.fact)))
                }),
            ),
            _ => (None, None),
        };
        Proposal {
            entity: candidate
                .entity
                .and_then(|e| self.snapshot.entity_name(e).map(str::to_string)),
            fact: resolved
                .fact(candidate.fact)
                .map(|f| f.name.clone())
                .unwrap_or_default(),
            scope: scope_of(resolved, candidate.fact),
            now: now.as_ref().map(to_fact_value),
            to,
            condition,
            example: to_fact_value(&candidate.value),
        }
    }
}

/// A fact's declared range.
fn resolved_range(snapshot: &Snapshot<'_>, fact: FactId) -> crate::syntax::ast::NumberRange {
    snapshot
        .resolved()
        .fact(fact)
        .map(|f| f.range)
        .unwrap_or_default()
}

/// Adds the members to a bitset of entities.
fn mark(bits: &mut [crate::batch::Word], members: &Members) {
    for entity in members.indices() {
        if let Some(word) = bits.get_mut(entity / crate::batch::WORD_BITS) {
            *word |= 1 << (entity % crate::batch::WORD_BITS);
        }
    }
}

/// The string constants a string fact is compared with, sorted, once each.
fn string_constants(tests: &[&Test]) -> Vec<String> {
    let mut constants: Vec<String> = tests
        .iter()
        .flat_map(|t| match t {
            Test::Equals(c) => vec![c.clone()],
            Test::OneOf(items) => items.clone(),
            _ => Vec::new(),
        })
        .collect();
    constants.sort();
    constants.dedup();
    constants
}

/// The region of a string value: the constant it equals, or `None` for any other.
fn string_region(constants: &[String], value: &Value) -> Option<usize> {
    match value {
        Value::String(s) => constants.binary_search_by(|c| c.as_str().cmp(s)).ok(),
        _ => None,
    }
}

/// A string region as a condition: `== "x"`, or none of the constants —
/// with a vocabulary, the words left: `== "willing"`, `in ["a", "b"]`.
fn string_condition(constants: &[String], vocabulary: Option<&[String]>, value: &Value) -> String {
    match string_region(constants, value).and_then(|i| constants.get(i)) {
        Some(constant) => format!("== {constant:?}"),
        None if vocabulary.is_some() => {
            let rest: Vec<&String> = vocabulary
                .unwrap_or_default()
                .iter()
                .filter(|w| constants.binary_search(w).is_err())
                .collect();
            atoms::words_condition(&rest)
        }
        None => match constants {
            [one] => format!("!= {one:?}"),
            many => {
                let list: Vec<String> = many.iter().map(|c| format!("{c:?}")).collect();
                format!("not in [{}]", list.join(", "))
            }
        },
    }
}

/// The set `now` with `string` held (`holds`) or lacked, and nothing else
/// changed: a set given whole stays whole; a set known in part, or
/// unknown, comes to be known in part.
fn with_string(now: Option<&Value>, string: &str, holds: bool) -> Value {
    let without = |items: &[Box<str>]| -> Vec<Box<str>> {
        items.iter().filter(|i| &***i != string).cloned().collect()
    };
    let with = |items: &[Box<str>]| -> Box<[Box<str>]> {
        let mut items = without(items);
        let at = items.partition_point(|i| &**i < string);
        items.insert(at, string.into());
        items.into_boxed_slice()
    };
    match (now, holds) {
        (Some(Value::Set(items)), true) => Value::Set(with(items)),
        (Some(Value::Set(items)), false) => Value::Set(without(items).into_boxed_slice()),
        (Some(Value::PartialSet { has, lacks }), true) => Value::PartialSet {
            has: with(has),
            lacks: without(lacks).into_boxed_slice(),
        },
        (Some(Value::PartialSet { has, lacks }), false) => Value::PartialSet {
            has: without(has).into_boxed_slice(),
            lacks: with(lacks),
        },
        (_, true) => Value::PartialSet {
            has: with(&[]),
            lacks: Box::new([]),
        },
        (_, false) => Value::PartialSet {
            has: Box::new([]),
            lacks: with(&[]),
        },
    }
}

/// What a set change is, in words: the tested string it comes to hold
/// (`add "x"`) or not to hold (`remove "x"`).
fn set_change(now: Option<&Value>, after: &Value, tested: &[String]) -> String {
    let holds = |set: Option<&Value>, string: &str| set.and_then(|s| s.set_holds(string));
    tested
        .iter()
        .find_map(|string| match holds(Some(after), string) {
            changed if changed == holds(now, string) => None,
            Some(true) => Some(format!("add {string:?}")),
            Some(false) => Some(format!("remove {string:?}")),
            None => None,
        })
        .unwrap_or_else(|| "no change".to_string())
}

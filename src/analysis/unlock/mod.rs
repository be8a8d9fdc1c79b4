//! What it would take: every minimal set of fact changes that satisfies a rule.
//!
//! A *change* sets a `bool` fact (`legal_basis → true`), or makes another
//! fact meet a condition (`troops_offered >= 1000`, `contributions contains
//! "fast_jets"`); settling an unknown fact is a change too. Facts declared
//! `fixed` never change. A change set *works* if, whatever values the
//! changed facts take within their conditions (and with every other fact as
//! it is, unknowns still unknown), the rule is satisfied. It is *minimal* if
//! no other working set uses a subset of its facts with conditions at least
//! as loose.
//!
//! The answer is exact. The rule (with the rules it refers to) is encoded
//! over a BDD with one variable per atom of a changeable fact — its outcome
//! after the change; a known fact left alone keeps its outcomes — plus, for
//! an unknown fact, a variable "settled" (left alone, it stays unknown).
//! Kleene's logic is a pair of functions (surely true, surely false), and
//! regions keep the atoms of one fact consistent. The minimal change sets
//! are then among the prime implicants of `(facts take consistent values) →
//! (rule surely true)`: a prime's literals that differ from a known fact's
//! outcomes now, or that settle an unknown fact, are the changes. Kleene's
//! logic is monotone in knowledge, so leaving a fact unknown never helps,
//! and no prime needs to say "leave this alone". [`super::primes`] computes
//! the primes; every BDD, prime and comparison is paid for by one
//! [`Budget`] for the whole question (all entities of [`Snapshot::unlock_all`]
//! together). If it runs out the answer says so, and holds only options
//! checked to work.
//!
//! The encoding depends on an entity only through the outcomes of the
//! rule's atoms for it, so entities with the same outcomes share one
//! search: `unlock_all` over a million entities searches once per distinct
//! pattern, and costs a lookup for the others.

use std::collections::HashMap;
use std::rc::Rc;

use biodivine_lib_bdd::{Bdd, BddPartialValuation, BddVariable, BddVariableSet};
use serde::Serialize;

mod groups;

use super::atoms::{self, Atom, Leaf, Test};
use super::budget::{Budget, DEFAULT_STEPS, Exhausted};
use super::primes::{self, Cube};
use super::relations::{self, Relation};
use super::{AnalysisError, Closure, Snapshot, Target, scope_of};
use crate::check::{Cond, CondKind, FactId, RuleId};
use crate::eval::{Tri, Verdict};
use crate::facts::{FactValue, Value};
use crate::syntax::ast::{CompareOp, FactType, Scope};
use groups::{Group, GroupCells, GroupChange, GroupNow, Member, Surely};

/// The steps spent on finding example values for one change, where the
/// search that found it ran out of budget before it could.
const EXAMPLE_STEPS: u64 = 1_000_000;

/// Limits on an unlock question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockOptions {
    /// Return at most this many change sets per entity (smallest first).
    pub max_options: usize,
    /// Work budget, in steps, for the whole question (every entity).
    pub budget: u64,
}

impl Default for UnlockOptions {
    fn default() -> Self {
        UnlockOptions {
            max_options: 20,
            budget: DEFAULT_STEPS,
        }
    }
}

/// One fact change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The fact.
    pub fact: String,
    /// World or entity fact.
    pub scope: Scope,
    /// Its value now (`None`: unknown).
    pub now: Option<FactValue>,
    /// For a `bool` fact: the value to set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<bool>,
    /// For other facts: the condition the new value must meet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
    /// For a set: strings it must come to hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub add: Vec<String>,
    /// For a set: strings it must come not to hold.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// For a set: strings whose membership must come to be known, either
    /// way (where knowing alone decides).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settle: Vec<String>,
    /// Conditions the fact must meet together with other facts the same
    /// option changes: `troops_offered >= min_contingent`, both changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub jointly: Vec<String>,
    /// A value meeting the change — with the other changes of its option,
    /// where they meet conditions together (none where `to` says it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<FactValue>,
    #[serde(skip)]
    literals: Vec<(Test, bool)>,
    #[serde(skip)]
    relations: Vec<groups::RelationCheck>,
}

impl Change {
    /// Whether a value meets this change's condition.
    ///
    /// ```
    /// # use prereq::{Facts, RuleSet, FactValue, analysis::unlock::UnlockOptions};
    /// let rules = RuleSet::parse("r.rules", "fact troops: number\nrule ready requires troops >= 1000")?;
    /// let mut facts = Facts::new("now");
    /// facts.set("UK", "troops", 500);
    /// let unlock = rules.snapshot(&facts)?.unlock(Some("UK"), "ready", UnlockOptions::default())?;
    /// let change = &unlock.options[0][0];
    /// assert_eq!(change.condition.as_deref(), Some(">= 1000"));
    /// assert!(change.admits(&FactValue::Number(1000.0)) && !change.admits(&FactValue::Number(999.0)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn admits(&self, value: &FactValue) -> bool {
        let own = |name: &str| (name == self.fact).then(|| value.clone());
        let untyped = crate::facts::bind::untyped(value);
        self.literals
            .iter()
            .all(|(test, holds)| test.holds(&untyped) == Some(*holds))
            && self
                .relations
                .iter()
                .filter(|check| check.reads_only(&self.fact))
                .all(|check| check.holds(own))
    }
}

/// Whether an option admits the values `value_of` gives its facts: each
/// change's own condition, and the conditions its facts meet together
/// ([`Change::jointly`]). A fact `value_of` gives no value is refused.
///
/// ```
/// # use prereq::{Facts, RuleSet, FactValue, analysis::unlock::{UnlockOptions, option_admits}};
/// let rules = RuleSet::parse("r.rules", "
///     world fact min_contingent: number
///     fact troops: number
///     rule ready requires troops >= min_contingent")?;
/// let mut facts = Facts::new("now");
/// facts.set_world("min_contingent", 1000).set("UK", "troops", 500);
/// let unlock = rules.snapshot(&facts)?.unlock(Some("UK"), "ready", UnlockOptions::default())?;
/// // Both changed, together: troops >= min_contingent.
/// let together = unlock.options.iter().find(|o| o.len() == 2).unwrap();
/// let values = |troops: f64, min: f64| move |name: &str| match name {
///     "troops" => Some(FactValue::Number(troops)),
///     _ => Some(FactValue::Number(min)),
/// };
/// assert!(option_admits(together, values(800.0, 700.0)));
/// assert!(!option_admits(together, values(800.0, 900.0)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn option_admits(option: &[Change], value_of: impl Fn(&str) -> Option<FactValue>) -> bool {
    option.iter().all(|change| {
        let Some(value) = value_of(&change.fact) else {
            return false;
        };
        let untyped = crate::facts::bind::untyped(&value);
        change
            .literals
            .iter()
            .all(|(test, holds)| test.holds(&untyped) == Some(*holds))
            && change.relations.iter().all(|check| check.holds(&value_of))
    })
}

/// The answer to "what would it take?" for one rule and one entity (or the world).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unlock {
    /// The entity, or `None` for a world rule.
    pub entity: Option<String>,
    /// The rule.
    pub rule: String,
    /// Its verdict now.
    pub verdict: Verdict,
    /// Minimal change sets, fewest changes first.
    pub options: Vec<Vec<Change>>,
    /// How many more minimal change sets there are beyond `options`.
    pub more: usize,
    /// `false` if the budget ran out: then `options` holds only change sets
    /// checked to work, and there may be other (and smaller) ones.
    pub complete: bool,
}

/// The answers for every entity that does not satisfy a rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unlocks {
    /// One answer per entity analysed, in facts-file order.
    pub results: Vec<Unlock>,
    /// Entities not analysed because the budget ran out first.
    pub not_analysed: usize,
    /// `false` if the budget ran out: some answers are partial (their own
    /// `complete` says which) or missing (`not_analysed`).
    pub complete: bool,
}

impl Snapshot<'_> {
    /// Every minimal set of fact changes that would satisfy `rule` for
    /// `entity` (`None` for a world rule).
    pub fn unlock(
        &self,
        entity: Option<&str>,
        rule: &str,
        options: UnlockOptions,
    ) -> Result<Unlock, AnalysisError> {
        let target = self.target(entity, rule)?;
        let budget = Budget::new(options.budget);
        let question = Question::new(self, target.rule, &budget)?;
        Ok(question.answer(target.entity, options, &budget, &mut HashMap::new()))
    }

    /// [`Snapshot::unlock`] for every entity whose verdict is not satisfied
    /// (or the world, for a world rule that is not), under one budget.
    pub fn unlock_all(&self, rule: &str, options: UnlockOptions) -> Result<Unlocks, AnalysisError> {
        let targets: Vec<Target> = match self.target(None, rule) {
            Ok(target) => vec![target],
            Err(AnalysisError::EntityRequired { .. }) => {
                let rule_id =
                    self.resolved()
                        .rule_id(rule)
                        .ok_or(AnalysisError::EntityRequired {
                            rule: rule.to_string(),
                        })?;
                (0..self.len())
                    .map(|entity| Target {
                        entity: Some(entity),
                        rule: rule_id,
                    })
                    .collect()
            }
            Err(other) => return Err(other),
        };
        let Some(first) = targets.first() else {
            return Ok(Unlocks {
                results: Vec::new(),
                not_analysed: 0,
                complete: true,
            });
        };
        let budget = Budget::new(options.budget);
        let question = Question::new(self, first.rule, &budget)?;
        let mut solved = HashMap::new();
        let mut results = Vec::new();
        let mut not_analysed = 0;
        for target in targets
            .iter()
            .filter(|t| self.tri(t.entity, t.rule) != Tri::True)
        {
            // Past the budget, an entity is still answered if its pattern was.
            if budget.is_exhausted() && !solved.contains_key(&question.now(target.entity).key()) {
                not_analysed += 1;
                continue;
            }
            results.push(question.answer(target.entity, options, &budget, &mut solved));
        }
        Ok(Unlocks {
            complete: not_analysed == 0 && results.iter().all(|r| r.complete),
            results,
            not_analysed,
        })
    }
}

/// Per changed fact (by position in [`Question::facts`]), the atoms (by
/// index) with the outcome required.
type FactChanges = Vec<(usize, Vec<(usize, bool)>)>;

/// A change set while it is computed: per changed fact (by position in
/// [`Question::facts`]), the atoms (by index) with the outcome required;
/// and what it asks of each group of related facts it changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct ChangeSet {
    facts: FactChanges,
    groups: Vec<GroupChange>,
}

impl ChangeSet {
    /// How many facts it changes.
    fn size(&self) -> usize {
        self.facts.len() + self.groups.iter().map(|g| g.changed.len()).sum::<usize>()
    }

    /// How many literals it holds.
    fn literals(&self) -> usize {
        self.facts.iter().map(|(_, l)| l.len()).sum::<usize>()
            + self
                .groups
                .iter()
                .map(|g| g.tests.len() + g.relations.len())
                .sum::<usize>()
    }
}

/// A change set prepared for comparing: per changed fact (in fact order),
/// its literals and, for numbers and strings, the regions they admit.
type Shaped = Vec<ShapedChange>;

struct ShapedChange {
    fact: usize,
    literals: Vec<(usize, bool)>,
    admitted: Option<Vec<bool>>,
}

/// Whether `small` changes a subset of `large`'s facts, each with a
/// condition admitting at least the values `large`'s does. Both list their
/// facts in order, so one walk over both decides.
fn at_most(small: &Shaped, large: &Shaped) -> bool {
    let mut large = large.iter().peekable();
    small.iter().all(|change| {
        while large.peek().is_some_and(|l| l.fact < change.fact) {
            large.next();
        }
        large
            .peek()
            .is_some_and(|l| l.fact == change.fact && looser_or_equal(change, l))
    })
}

/// Whether condition `loose` admits every value condition `strict` does.
fn looser_or_equal(loose: &ShapedChange, strict: &ShapedChange) -> bool {
    match (&loose.admitted, &strict.admitted) {
        (Some(loose), Some(strict)) => strict.iter().zip(loose).all(|(s, l)| !s || *l),
        _ => loose
            .literals
            .iter()
            .all(|literal| strict.literals.contains(literal)),
    }
}

/// What comparing two prepared change sets reads: their literals, and
/// their admitted regions a machine word at a time.
fn comparison_cost(a: &Shaped, b: &Shaped) -> u64 {
    let size = |s: &Shaped| {
        s.iter()
            .map(|c| c.literals.len() + c.admitted.as_ref().map_or(0, |r| r.len().div_ceil(64)))
            .sum::<usize>()
    };
    (1 + size(a) + size(b)) as u64
}

/// The minimal change sets for one pattern of atom outcomes.
#[derive(Debug, Clone)]
struct Solution {
    /// Fewest changes first.
    sets: Vec<ChangeSet>,
    /// Whether the search finished within the budget.
    complete: bool,
    /// Each group's cells, by pattern of members changed (for examples).
    cells: Vec<GroupCells>,
}

/// What the search for one entity depends on: each atom's outcome, and
/// the values of the members of each group (relations read values, not
/// only outcomes).
#[derive(Debug, Clone, PartialEq)]
struct Now {
    outcomes: Vec<Tri>,
    groups: Vec<GroupNow>,
}

impl Now {
    /// A key for the searches done so far.
    fn key(&self) -> NowKey {
        let groups = self.groups.iter().map(GroupNow::key).collect();
        (self.outcomes.clone(), groups)
    }
}

/// What the search for one entity depends on, as a key.
type NowKey = (Vec<Tri>, Vec<Vec<Option<String>>>);

/// The searches done so far, by what they depend on.
type Solved = HashMap<NowKey, Rc<Solution>>;

/// What unlocking one rule takes, the same for every entity: its atoms,
/// and the facts a change may touch.
struct Question<'s, 'r> {
    snapshot: &'s Snapshot<'r>,
    rule: RuleId,
    closure: Closure,
    atoms: Vec<Atom>,
    /// Each atom's index in `atoms`.
    atom_index: HashMap<Atom, usize>,
    /// Each atom's outcome while its fact is unknown: decided by the fact's
    /// range for some number tests, else unknown.
    unknown_outcomes: Vec<Tri>,
    /// The facts that may change: not fixed, tested by some atom, and in
    /// no relation.
    facts: Vec<ChangeableFact>,
    /// The relations between facts the rule reads.
    relations: Vec<Relation>,
    /// The facts tied by relations.
    groups: Vec<Group>,
    /// For each atom on a group's member: the group and the atom's place
    /// among its tests.
    group_tests: HashMap<usize, (usize, usize)>,
    /// Whether the budget ran out while cutting facts into regions: then
    /// no entity can be answered.
    exhausted: bool,
}

/// A fact that may change.
struct ChangeableFact {
    fact: FactId,
    /// Its atoms (indices into [`Question::atoms`]).
    atoms: Vec<usize>,
    /// For numbers and strings: each region's outcome of the fact's atoms
    /// (in `atoms` order). Empty for bools and sets, whose atoms are independent.
    regions: Vec<Vec<bool>>,
}

impl ChangeableFact {
    /// Which regions a condition admits (`None` when atoms are independent).
    fn admitted(&self, literals: &[(usize, bool)]) -> Option<Vec<bool>> {
        if self.regions.is_empty() {
            return None;
        }
        // The atoms are in increasing order: found by halving.
        let position = |atom: usize| self.atoms.binary_search(&atom).ok();
        Some(
            self.regions
                .iter()
                .map(|outcomes| {
                    literals.iter().all(|(atom, value)| {
                        position(*atom).and_then(|p| outcomes.get(p)) == Some(value)
                    })
                })
                .collect(),
        )
    }
}

impl<'s, 'r> Question<'s, 'r> {
    /// The question for `rule`; cutting facts into regions (a region's
    /// outcome per test) is paid for by `budget`.
    fn new(
        snapshot: &'s Snapshot<'r>,
        rule: RuleId,
        budget: &Budget,
    ) -> Result<Question<'s, 'r>, AnalysisError> {
        let resolved = snapshot.resolved();
        let closure = Closure::of(resolved, rule);
        let mut atoms: Vec<Atom> = Vec::new();
        let mut atom_index: HashMap<Atom, usize> = HashMap::new();
        let mut relations: Vec<Relation> = Vec::new();
        for info in closure.rules.iter().filter_map(|id| resolved.rule(*id)) {
            for cond in info.conditions() {
                let mut failure = None;
                cond.walk(|c| match atoms::leaf(c) {
                    Some(Ok(Leaf::Atom { atom, .. })) if !atom_index.contains_key(&atom) => {
                        atom_index.insert(atom.clone(), atoms.len());
                        atoms.push(atom);
                    }
                    Some(Ok(Leaf::Relation { relation, .. })) if !relations.contains(&relation) => {
                        relations.push(relation);
                    }
                    Some(Err(reason)) => failure = Some(reason),
                    _ => {}
                });
                if let Some(beyond) = failure {
                    let asked = resolved
                        .rule(rule)
                        .map(|r| r.name.clone())
                        .unwrap_or_default();
                    let reason = match asked == info.name {
                        true => beyond.reason().to_string(),
                        false => format!("it reads rule `{}`, and {}", info.name, beyond.reason()),
                    };
                    return Err(AnalysisError::Unsupported {
                        rule: asked,
                        reason: format!("{reason}, which unlock does not reason about yet"),
                    });
                }
            }
        }
        let groups = groups_of(resolved, &relations, &atoms);
        let mut group_tests = HashMap::new();
        for (index, group) in groups.iter().enumerate() {
            for (place, atom) in group.tests.iter().enumerate() {
                group_tests.insert(*atom, (index, place));
            }
        }
        let related: std::collections::HashSet<FactId> = groups
            .iter()
            .flat_map(|g| g.members.iter().map(|m| m.fact))
            .collect();
        let mut by_fact: HashMap<FactId, Vec<usize>> = HashMap::new();
        for (index, atom) in atoms.iter().enumerate() {
            if !related.contains(&atom.fact) {
                by_fact.entry(atom.fact).or_default().push(index);
            }
        }
        let mut exhausted = false;
        let facts = closure
            .facts
            .iter()
            .filter(|f| resolved.fact(**f).is_some_and(|info| !info.fixed))
            .filter_map(|fact| Some((fact, by_fact.remove(fact)?)))
            .flat_map(|(fact, fact_atoms)| {
                // A set's strings are known, or not, each on its own: a
                // set known in part may hold one and be unknown of another.
                match resolved.fact(*fact).map(|f| f.ty) {
                    Some(FactType::StringSet) => {
                        fact_atoms.into_iter().map(|a| (fact, vec![a])).collect()
                    }
                    _ => vec![(fact, fact_atoms)],
                }
            })
            .map(|(fact, fact_atoms)| {
                let ty = resolved.fact(*fact).map_or(FactType::Bool, |f| f.ty);
                let tests: Vec<&Test> = fact_atoms
                    .iter()
                    .filter_map(|i| atoms.get(*i).map(|a| &a.test))
                    .collect();
                let mut regions: Vec<Vec<bool>> = match ty {
                    FactType::Bool | FactType::StringSet => Vec::new(),
                    _ => {
                        let domain = resolved
                            .fact(*fact)
                            .map(atoms::Domain::of)
                            .unwrap_or_default();
                        let values = atoms::representatives(ty, &tests, domain);
                        if budget.spend((values.len() * tests.len()) as u64).is_err() {
                            exhausted = true;
                            Vec::new()
                        } else {
                            values
                                .iter()
                                .map(|value| {
                                    tests
                                        .iter()
                                        .map(|t| t.holds(value).unwrap_or(false))
                                        .collect()
                                })
                                .collect()
                        }
                    }
                };
                regions.dedup();
                ChangeableFact {
                    fact: *fact,
                    atoms: fact_atoms,
                    regions,
                }
            })
            .collect();
        let unknown_outcomes = atoms
            .iter()
            .map(|atom| {
                let range = resolved.fact(atom.fact).map(|f| f.range);
                atom.test.outcome(None, range.unwrap_or_default())
            })
            .collect();
        Ok(Question {
            snapshot,
            rule,
            closure,
            atoms,
            atom_index,
            unknown_outcomes,
            facts,
            relations,
            groups,
            group_tests,
            exhausted,
        })
    }

    /// The answer for one entity (or the world): searched, or taken from
    /// the search of an earlier entity with the same atom outcomes.
    fn answer(
        &self,
        entity: Option<usize>,
        options: UnlockOptions,
        budget: &Budget,
        solved: &mut Solved,
    ) -> Unlock {
        let snapshot = self.snapshot;
        let verdict = Verdict::from(snapshot.tri(entity, self.rule));
        let mut answer = Unlock {
            entity: entity.and_then(|e| snapshot.entity_name(e).map(str::to_string)),
            rule: snapshot
                .resolved()
                .rule(self.rule)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            verdict,
            options: Vec::new(),
            more: 0,
            complete: true,
        };
        if verdict == Verdict::Satisfied {
            return answer;
        }
        if self.exhausted {
            answer.complete = false;
            return answer;
        }
        let now = self.now(entity);
        let key = now.key();
        let solution = match solved.get(&key) {
            Some(solution) => Rc::clone(solution),
            None => {
                let solution = Rc::new(self.solve(&now, budget));
                if solution.complete {
                    solved.insert(key, Rc::clone(&solution));
                }
                solution
            }
        };
        answer.complete = solution.complete;
        answer.more = solution.sets.len().saturating_sub(options.max_options);
        answer.options = solution
            .sets
            .iter()
            .take(options.max_options)
            .map(|set| self.describe(entity, set, &now, &solution.cells))
            .collect();
        answer
    }

    /// Each atom's outcome for the entity now, and the values of the
    /// groups' members: all the search depends on.
    fn now(&self, entity: Option<usize>) -> Now {
        let groups = self
            .groups
            .iter()
            .map(|group| {
                let values: Vec<Option<Value>> = group
                    .members
                    .iter()
                    .map(|m| self.snapshot.value(entity, m.fact))
                    .collect();
                let words = self.words(group, &values);
                GroupNow { values, words }
            })
            .collect();
        Now {
            outcomes: self.snapshot.outcomes(entity, &self.atoms),
            groups,
        }
    }

    /// For a group of string facts, the words that matter: those its tests
    /// name, its vocabularies hold and its members hold now.
    fn words(&self, group: &Group, values: &[Option<Value>]) -> Option<super::relations::Words> {
        let resolved = self.snapshot.resolved();
        let strings = group.members.iter().all(|m| {
            resolved
                .fact(m.fact)
                .is_some_and(|f| f.ty == FactType::String)
        });
        if !strings {
            return None;
        }
        let mut words = super::relations::Words::default();
        for atom in self
            .atoms
            .iter()
            .filter(|a| group.members.iter().any(|m| m.fact == a.fact))
        {
            match &atom.test {
                Test::Equals(word) => words.name(word),
                Test::OneOf(items) => items.iter().for_each(|w| words.name(w)),
                _ => {}
            }
        }
        for member in &group.members {
            member
                .vocabulary
                .iter()
                .flatten()
                .for_each(|w| words.name(w));
        }
        for value in values.iter().flatten() {
            if let Value::String(word) = value {
                words.name(word);
            }
        }
        Some(words)
    }

    /// The minimal change sets for an entity whose atoms and groups are as `now`.
    fn solve(&self, now: &Now, budget: &Budget) -> Solution {
        let mut cells = Vec::new();
        let searched = Space::build(self, now, budget).and_then(|space| {
            let goal = space.goal(budget)?;
            let sets = match primes::prime_implicants(&goal, budget) {
                Ok(primes) => {
                    let mut sets = Vec::new();
                    for cube in &primes {
                        sets.extend(space.change_sets(cube, budget)?);
                    }
                    sets
                }
                Err(Exhausted) => return Ok((space.witness(&goal).into_iter().collect(), false)),
            };
            cells = space.groups.into_iter().map(|g| g.cells).collect();
            Ok((sets, true))
        });
        let (mut sets, mut complete) = searched.unwrap_or((Vec::new(), false));
        if self.keep_minimal(&mut sets, &cells, now, budget).is_err() {
            complete = false;
        }
        sets.sort_by_key(|set| {
            (
                set.size(),
                set.literals(),
                set.facts.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
                set.groups.clone(),
            )
        });
        Solution {
            sets,
            complete,
            cells,
        }
    }

    /// Removes change sets that another set makes redundant: one that
    /// changes a subset of the facts, each with a condition at least as
    /// loose. What each condition admits is worked out once per set; each
    /// comparison is paid for by what it reads. When the budget runs out
    /// the sets not yet compared are kept (they work, but may not be minimal).
    fn keep_minimal(
        &self,
        sets: &mut Vec<ChangeSet>,
        cells: &[GroupCells],
        now: &Now,
        budget: &Budget,
    ) -> Result<(), Exhausted> {
        sets.iter_mut().for_each(|set| {
            set.facts.sort();
            set.facts
                .iter_mut()
                .for_each(|(_, literals)| literals.sort());
            set.groups.sort();
        });
        sets.sort_by(|a, b| (a.size(), a).cmp(&(b.size(), b)));
        sets.dedup();
        let all = std::mem::take(sets);
        let mut shaped = Vec::with_capacity(all.len());
        for set in &all {
            match self.shape(set, budget) {
                Ok(shape) => shaped.push(shape),
                Err(exhausted) => {
                    *sets = all;
                    return Err(exhausted);
                }
            }
        }
        let mut kept: Vec<usize> = Vec::new();
        let mut is_kept = vec![false; shaped.len()];
        for (index, (set, shape)) in all.iter().zip(&shaped).enumerate() {
            // A set is dominated only by sets of as few facts or fewer, which
            // come first; of sets that admit the same values, the first is kept.
            let rivals = all
                .iter()
                .zip(&shaped)
                .enumerate()
                .take_while(|(_, (o, _))| o.size() <= set.size())
                .filter(|(other, _)| *other != index);
            let mut redundant = false;
            for (other, (rival, rival_shape)) in rivals {
                let compared = budget
                    .spend(comparison_cost(rival_shape, shape))
                    .and_then(|()| {
                        let groups = (cells, now);
                        let covers =
                            self.at_most(rival, rival_shape, set, shape, groups, budget)?;
                        let kept_before = is_kept.get(other).copied().unwrap_or(false);
                        Ok(covers
                            && (kept_before
                                || !self.at_most(
                                    set,
                                    shape,
                                    rival,
                                    rival_shape,
                                    groups,
                                    budget,
                                )?))
                    });
                match compared {
                    Ok(true) => {
                        redundant = true;
                        break;
                    }
                    Ok(false) => {}
                    Err(exhausted) => {
                        kept.extend(index..all.len());
                        *sets = kept
                            .into_iter()
                            .filter_map(|i| all.get(i).cloned())
                            .collect();
                        return Err(exhausted);
                    }
                }
            }
            if !redundant {
                kept.push(index);
                if let Some(cell) = is_kept.get_mut(index) {
                    *cell = true;
                }
            }
        }
        *sets = kept
            .into_iter()
            .filter_map(|i| all.get(i).cloned())
            .collect();
        Ok(())
    }

    /// Whether `small` changes a subset of `large`'s facts, each with a
    /// condition admitting at least the values `large`'s does: fact by
    /// fact, and group by group on the facts both change.
    fn at_most(
        &self,
        small: &ChangeSet,
        small_shape: &Shaped,
        large: &ChangeSet,
        large_shape: &Shaped,
        (cells, now): (&[GroupCells], &Now),
        budget: &Budget,
    ) -> Result<bool, Exhausted> {
        if !at_most(small_shape, large_shape) {
            return Ok(false);
        }
        for change in &small.groups {
            let Some(rival) = large.groups.iter().find(|g| g.group == change.group) else {
                return Ok(false);
            };
            let (Some(group), Some(cells)) =
                (self.groups.get(change.group), cells.get(change.group))
            else {
                return Ok(false);
            };
            let words = now.groups.get(change.group).and_then(|g| g.words.as_ref());
            if !group.admits_all_of(cells, words, change, rival, budget)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// A change set with what each of its conditions admits, for comparing.
    fn shape(&self, set: &ChangeSet, budget: &Budget) -> Result<Shaped, Exhausted> {
        set.facts
            .iter()
            .map(|(fact, literals)| {
                let vars = self.facts.get(*fact);
                let regions = vars.map_or(0, |v| v.regions.len());
                budget.spend((regions * (literals.len() + 1)) as u64 + 1)?;
                Ok(ShapedChange {
                    fact: *fact,
                    admitted: vars.and_then(|v| v.admitted(literals)),
                    literals: literals.clone(),
                })
            })
            .collect()
    }

    fn describe(
        &self,
        entity: Option<usize>,
        set: &ChangeSet,
        now: &Now,
        cells: &[GroupCells],
    ) -> Vec<Change> {
        let resolved = self.snapshot.resolved();
        // The strings of one set, changed each on its own, are one change.
        let mut changes: Vec<Change> = Vec::with_capacity(set.size());
        for (fact_index, literals) in &set.facts {
            let Some(unit) = self.facts.get(*fact_index) else {
                continue;
            };
            let literals: Vec<(Test, bool)> = literals
                .iter()
                .filter_map(|(atom, holds)| Some((self.atoms.get(*atom)?.test.clone(), *holds)))
                .collect();
            let Some(info) = resolved.fact(unit.fact) else {
                continue;
            };
            if info.ty == FactType::StringSet {
                let string = unit
                    .atoms
                    .first()
                    .and_then(|a| match &self.atoms.get(*a)?.test {
                        Test::Contains(string) => Some(string.clone()),
                        _ => None,
                    });
                let same_set = changes.last().is_some_and(|last| last.fact == info.name);
                if !same_set {
                    changes.push(self.change(entity, unit.fact, Vec::new()));
                }
                if let (Some(change), Some(string)) = (changes.last_mut(), string) {
                    change.set_string(string, literals);
                }
                continue;
            }
            changes.push(self.change(entity, unit.fact, literals));
        }
        for change in &set.groups {
            let cells = cells.get(change.group);
            changes.extend(self.describe_group(entity, change, now, cells));
        }
        changes
    }

    /// A group's cells for one pattern of change: the search's, or (when
    /// the search ran out of budget and did not keep them) worked out on a
    /// budget of their own.
    fn pattern_cells(
        &self,
        group: &Group,
        values: &GroupNow,
        pattern: &[bool],
        searched: Option<&GroupCells>,
    ) -> Option<GroupCells> {
        let cells = match searched.and_then(|cells| cells.get(pattern)) {
            Some(cells) => cells.clone(),
            None => {
                let budget = Budget::new(EXAMPLE_STEPS);
                group
                    .cells(&self.atoms, &self.relations, values, pattern, &budget)
                    .ok()?
            }
        };
        Some([(pattern.to_vec(), cells)].into_iter().collect())
    }

    /// The changes to a group's members: each changed member with its own
    /// tests and the relations that read it alone (the others keeping
    /// their values), and the relations over several changed members as
    /// conditions they meet together.
    fn describe_group(
        &self,
        entity: Option<usize>,
        change: &GroupChange,
        now: &Now,
        cells: Option<&GroupCells>,
    ) -> Vec<Change> {
        let (Some(group), Some(values)) =
            (self.groups.get(change.group), now.groups.get(change.group))
        else {
            return Vec::new();
        };
        let resolved = self.snapshot.resolved();
        let facts: Vec<FactId> = change
            .changed
            .iter()
            .filter_map(|m| group.members.get(*m).map(|m| m.fact))
            .collect();
        let names: Vec<String> = facts
            .iter()
            .map(|f| {
                resolved
                    .fact(*f)
                    .map(|i| i.name.clone())
                    .unwrap_or_default()
            })
            .collect();
        let mut changes: Vec<Change> = facts
            .iter()
            .map(|fact| {
                let literals = change
                    .tests
                    .iter()
                    .filter_map(|(atom, holds)| {
                        let atom = self.atoms.get(*atom)?;
                        (atom.fact == *fact).then(|| (atom.test.clone(), *holds))
                    })
                    .collect();
                let mut described = self.change(entity, *fact, literals);
                if described.condition.as_deref() == Some("any value") {
                    described.condition = None;
                }
                described
            })
            .collect();
        let pattern = group.pattern(change);
        let reading = group.reading(values, &pattern);
        for (relation, surely, value) in &change.relations {
            let Some(relation) = self.relations.get(*relation) else {
                continue;
            };
            let spread = relation.spread(&reading);
            let words = values.words.as_ref();
            let Some(text) =
                groups::relation_text(relation, &spread, *surely, *value, &names, words)
            else {
                continue;
            };
            let check = groups::RelationCheck::new(relation, spread, *surely, *value, &names)
                .with_words(words);
            let readers: Vec<usize> = check.reads();
            for reader in &readers {
                let Some(described) = changes.get_mut(*reader) else {
                    continue;
                };
                match readers.len() {
                    // One fact: a condition of its own, without its name.
                    1 => {
                        let own = text
                            .strip_prefix(&format!("{} ", described.fact))
                            .unwrap_or(&text)
                            .to_string();
                        described.condition = Some(match described.condition.take() {
                            Some(before) => format!("{before} and {own}"),
                            None => own,
                        });
                    }
                    _ => described.jointly.push(text.clone()),
                }
                described.relations.push(check.clone());
            }
        }
        let words = values.words.as_ref();
        let cells = self.pattern_cells(group, values, &pattern, cells);
        let example = cells
            .as_ref()
            .and_then(|cells| group.example(cells, words, change));
        // One number changed alone: its condition as the interval it
        // admits, where that is one (`>= 39`, not `>= 20 and >= 39`).
        if let ([member], None, Some(cells), Some(described)) = (
            change.changed.as_slice(),
            words,
            &cells,
            changes.first_mut(),
        ) {
            let range = group
                .members
                .get(*member)
                .map(|m| m.range)
                .unwrap_or_default();
            if let Some((lo, hi)) = group.interval(cells, change, range) {
                described.condition = Some(relations::describe_interval(&lo, &hi, range));
            }
        }
        for (index, described) in changes.iter_mut().enumerate() {
            if described.condition.is_none() && described.jointly.is_empty() {
                described.condition = Some("any value".to_string());
            }
            described.example = example
                .as_ref()
                .and_then(|values| values.get(index))
                .cloned();
        }
        changes
    }

    /// The change of one fact to meet `literals` (none yet, for a set:
    /// its strings are added one by one).
    fn change(&self, entity: Option<usize>, fact: FactId, literals: Vec<(Test, bool)>) -> Change {
        let resolved = self.snapshot.resolved();
        let info = resolved.fact(fact);
        let (to, condition) = match (info.map(|i| i.ty), literals.as_slice()) {
            (Some(FactType::Bool), [(Test::IsTrue, value)]) => (Some(*value), None),
            (Some(FactType::StringSet), _) => (None, None),
            (_, []) => (None, Some("any value".to_string())),
            (Some(FactType::String), _) if info.is_some_and(|i| i.vocabulary.is_some()) => {
                // The words the condition admits, named.
                let words: Vec<&String> = info
                    .and_then(|i| i.vocabulary.as_ref())
                    .into_iter()
                    .flatten()
                    .filter(|w| {
                        let word = Value::String(w.as_str().into());
                        literals.iter().all(|(t, h)| t.holds(&word) == Some(*h))
                    })
                    .collect();
                (None, Some(atoms::words_condition(&words)))
            }
            _ => {
                let parts: Vec<(&Test, bool)> = literals.iter().map(|(t, h)| (t, *h)).collect();
                (None, Some(atoms::describe_condition(&parts)))
            }
        };
        let now = self.snapshot.fact_value(entity, fact);
        let example = match (info.map(|i| i.ty), to) {
            (Some(FactType::StringSet), _) | (_, Some(_)) => None,
            _ => self.example(fact, &literals, now.as_ref()),
        };
        Change {
            fact: info.map(|i| i.name.clone()).unwrap_or_default(),
            scope: scope_of(resolved, fact),
            now,
            to,
            condition,
            add: Vec::new(),
            remove: Vec::new(),
            settle: Vec::new(),
            jointly: Vec::new(),
            example,
            literals,
            relations: Vec::new(),
        }
    }

    /// A value of `fact` meeting `literals`: one value of each region its
    /// tests cut it into (the value now first, where it meets them).
    fn example(
        &self,
        fact: FactId,
        literals: &[(Test, bool)],
        now: Option<&FactValue>,
    ) -> Option<FactValue> {
        let info = self.snapshot.resolved().fact(fact)?;
        let tests: Vec<&Test> = self
            .atoms
            .iter()
            .filter(|a| a.fact == fact)
            .map(|a| &a.test)
            .collect();
        let now = now.map(crate::facts::bind::untyped);
        now.into_iter()
            .chain(atoms::representatives(
                info.ty,
                &tests,
                atoms::Domain::of(info),
            ))
            .find(|value| literals.iter().all(|(t, h)| t.holds(value) == Some(*h)))
            .map(|value| super::to_fact_value(&value))
    }
}

impl Change {
    /// Adds to a set's change what it takes of one string: to hold it, to
    /// lack it, or (no literal) to know which.
    fn set_string(&mut self, string: String, literals: Vec<(Test, bool)>) {
        match literals.first() {
            Some((_, true)) => self.add.push(string),
            Some((_, false)) => self.remove.push(string),
            None => self.settle.push(string),
        }
        self.literals.extend(literals);
        let mut parts: Vec<String> = Vec::new();
        parts.extend(self.add.iter().map(|s| format!("add {s:?}")));
        parts.extend(self.remove.iter().map(|s| format!("remove {s:?}")));
        parts.extend(
            self.settle
                .iter()
                .map(|s| format!("find out whether it holds {s:?}")),
        );
        self.condition = Some(parts.join(", "));
        self.example = Some(self.set_example());
    }

    /// The set now with the strings added and removed (and those to find
    /// out about, held): given whole if it was, else known in part.
    fn set_example(&self) -> FactValue {
        let holds = |s: &String| self.add.contains(s) || self.settle.contains(s);
        let changed = |s: &String| holds(s) || self.remove.contains(s);
        let gained = self.add.iter().chain(&self.settle).cloned();
        match &self.now {
            Some(FactValue::Strings(items)) => FactValue::Strings(
                items
                    .iter()
                    .filter(|s| !changed(s))
                    .cloned()
                    .chain(gained)
                    .collect(),
            ),
            Some(FactValue::PartialSet { has, lacks }) => FactValue::PartialSet {
                has: has
                    .iter()
                    .filter(|s| !changed(s))
                    .cloned()
                    .chain(gained)
                    .collect(),
                lacks: lacks
                    .iter()
                    .filter(|s| !changed(s))
                    .cloned()
                    .chain(self.remove.iter().cloned())
                    .collect(),
            },
            _ => FactValue::PartialSet {
                has: gained.collect(),
                lacks: self.remove.clone(),
            },
        }
    }
}

/// The BDD encoding of one rule for one pattern of atom outcomes.
struct Space<'q, 's, 'r> {
    question: &'q Question<'s, 'r>,
    vars: BddVariableSet,
    /// Each atom's outcome now.
    now: &'q [Tri],
    /// Each atom's outcome and each group's values now.
    whole_now: &'q Now,
    /// Per changeable fact (parallel to [`Question::facts`]).
    facts: Vec<FactVars>,
    /// Per group (parallel to [`Question::groups`]).
    groups: Vec<GroupVars>,
    /// Per atom: its variable, and the fact's "settled" variable if it is
    /// unknown; `None` for an atom of a fact that may not change.
    atom_vars: Vec<Option<(Option<BddVariable>, BddVariable)>>,
    /// Which fact (position in `facts`) and atom each variable stands for, by variable index.
    meaning: Vec<(usize, Option<usize>)>,
    /// Rule surely true.
    root: Bdd,
}

/// The variables of a group of related facts.
struct GroupVars {
    /// Per member: whether it changes (`None`: it may not).
    changed: Vec<Option<BddVariable>>,
    /// Per test of the group: its outcome after the change.
    tests: Vec<BddVariable>,
    /// Per relation of the group: whether it surely holds, surely fails.
    relations: Vec<(BddVariable, BddVariable)>,
    /// The outcomes the tests and relations can take together, for each
    /// pattern of members changed.
    consistent: Bdd,
    /// The cells of each pattern of members changed.
    cells: GroupCells,
}

struct FactVars {
    /// For an unknown fact: the variable "settled".
    settled: Option<BddVariable>,
    /// For a known fact: each atom's outcome now (in atom order).
    now: Option<Vec<bool>>,
    /// Each atom (index into the question's atoms) with its variable.
    atoms: Vec<(usize, BddVariable)>,
    /// The atom valuations the fact can really have (one cube per region).
    consistent: Bdd,
}

impl<'q, 's, 'r> Space<'q, 's, 'r> {
    fn build(
        question: &'q Question<'s, 'r>,
        whole_now: &'q Now,
        budget: &Budget,
    ) -> Result<Space<'q, 's, 'r>, Exhausted> {
        let now = whole_now.outcomes.as_slice();
        let is_known = |fact: &ChangeableFact| {
            fact.atoms
                .first()
                .is_some_and(|atom| now.get(*atom).is_some_and(|t| *t != Tri::Unknown))
        };
        let variable_count = question
            .facts
            .iter()
            .map(|fact| fact.atoms.len() + usize::from(!is_known(fact)))
            .sum::<usize>()
            + question
                .groups
                .iter()
                .map(|g| {
                    g.members.iter().filter(|m| m.changeable).count()
                        + g.tests.len()
                        + 2 * g.relations.len()
                })
                .sum::<usize>();
        let count = u16::try_from(variable_count).map_err(|_| Exhausted)?;
        budget.spend(u64::from(count))?;
        let vars = BddVariableSet::new_anonymous(count);
        let mut next = vars.variables().into_iter();
        let mut facts = Vec::with_capacity(question.facts.len());
        let mut meaning = Vec::with_capacity(variable_count);
        let mut atom_vars = vec![None; question.atoms.len()];
        for (index, fact) in question.facts.iter().enumerate() {
            let settled = match is_known(fact) {
                true => None,
                false => {
                    meaning.push((index, None));
                    next.next()
                }
            };
            let mut fact_atoms = Vec::with_capacity(fact.atoms.len());
            for atom in &fact.atoms {
                let var = next.next().ok_or(Exhausted)?;
                meaning.push((index, Some(*atom)));
                fact_atoms.push((*atom, var));
                if let Some(cell) = atom_vars.get_mut(*atom) {
                    *cell = Some((settled, var));
                }
            }
            let now_outcomes = settled.is_none().then(|| {
                fact.atoms
                    .iter()
                    .map(|atom| now.get(*atom) == Some(&Tri::True))
                    .collect()
            });
            let mut vars_of_fact = FactVars {
                settled,
                now: now_outcomes,
                atoms: fact_atoms,
                consistent: vars.mk_true(),
            };
            vars_of_fact.consistent = consistency(&vars, fact, &vars_of_fact, budget)?;
            facts.push(vars_of_fact);
        }
        let mut groups = Vec::with_capacity(question.groups.len());
        for (group, values) in question.groups.iter().zip(&whole_now.groups) {
            let mut take = || next.next().ok_or(Exhausted);
            let changed = group
                .members
                .iter()
                .map(|m| m.changeable.then(&mut take).transpose())
                .collect::<Result<Vec<_>, _>>()?;
            let tests = group
                .tests
                .iter()
                .map(|_| take())
                .collect::<Result<Vec<_>, _>>()?;
            let relations = group
                .relations
                .iter()
                .map(|_| Ok((take()?, take()?)))
                .collect::<Result<Vec<_>, Exhausted>>()?;
            let mut group_vars = GroupVars {
                changed,
                tests,
                relations,
                consistent: vars.mk_true(),
                cells: GroupCells::default(),
            };
            let (consistent, cells) =
                group_consistency(&vars, question, group, values, &group_vars, budget)?;
            group_vars.consistent = consistent;
            group_vars.cells = cells;
            groups.push(group_vars);
        }
        let mut space = Space {
            question,
            root: vars.mk_false(),
            vars,
            now,
            whole_now,
            facts,
            groups,
            atom_vars,
            meaning,
        };
        let resolved = question.snapshot.resolved();
        let mut rules: HashMap<RuleId, (Bdd, Bdd)> = HashMap::new();
        for id in &question.closure.rules {
            let Some(rule) = resolved.rule(*id) else {
                continue;
            };
            let requires = space.kleene(&rule.requires, &rules, budget)?;
            let value = match &rule.unless {
                Some(unless) => {
                    let unless = space.kleene(unless, &rules, budget)?;
                    (
                        budget.and(&requires.0, &unless.1)?,
                        budget.or(&requires.1, &unless.0)?,
                    )
                }
                None => requires,
            };
            rules.insert(*id, value);
        }
        space.root = rules
            .remove(&question.rule)
            .map_or_else(|| space.vars.mk_false(), |(surely_true, _)| surely_true);
        Ok(space)
    }

    /// `(facts take consistent values) → (rule surely true)`.
    fn goal(&self, budget: &Budget) -> Result<Bdd, Exhausted> {
        budget.imp(&self.assumption(budget)?, &self.root)
    }

    /// Known facts take values in their regions; so do unknown facts once settled.
    fn assumption(&self, budget: &Budget) -> Result<Bdd, Exhausted> {
        let mut assumption = self.vars.mk_true();
        for fact in &self.facts {
            let constraint = match fact.settled {
                Some(settled) => budget.imp(&self.vars.mk_var(settled), &fact.consistent)?,
                None => fact.consistent.clone(),
            };
            assumption = budget.and(&assumption, &constraint)?;
        }
        for group in &self.groups {
            assumption = budget.and(&assumption, &group.consistent)?;
        }
        Ok(assumption)
    }

    /// (surely true, surely false) of a condition; rules come from `rules`.
    fn kleene(
        &self,
        cond: &Cond,
        rules: &HashMap<RuleId, (Bdd, Bdd)>,
        budget: &Budget,
    ) -> Result<(Bdd, Bdd), Exhausted> {
        let constant = |b: bool| {
            if b {
                self.vars.mk_true()
            } else {
                self.vars.mk_false()
            }
        };
        Ok(match &cond.kind {
            CondKind::Not(inner) => {
                let (t, f) = self.kleene(inner, rules, budget)?;
                (f, t)
            }
            CondKind::And(parts) => {
                let (mut t, mut f) = (constant(true), constant(false));
                for part in parts {
                    let (pt, pf) = self.kleene(part, rules, budget)?;
                    (t, f) = (budget.and(&t, &pt)?, budget.or(&f, &pf)?);
                }
                (t, f)
            }
            CondKind::Or(parts) => {
                let (mut t, mut f) = (constant(false), constant(true));
                for part in parts {
                    let (pt, pf) = self.kleene(part, rules, budget)?;
                    (t, f) = (budget.or(&t, &pt)?, budget.and(&f, &pf)?);
                }
                (t, f)
            }
            CondKind::Rule(id) => rules
                .get(id)
                .cloned()
                .unwrap_or((constant(false), constant(false))),
            CondKind::CompareConds { op, lhs, rhs } => {
                let ((lt, lf), (rt, rf)) = (
                    self.kleene(lhs, rules, budget)?,
                    self.kleene(rhs, rules, budget)?,
                );
                let same = budget.or(&budget.and(&lt, &rt)?, &budget.and(&lf, &rf)?)?;
                let differ = budget.or(&budget.and(&lt, &rf)?, &budget.and(&lf, &rt)?)?;
                if *op == CompareOp::Eq {
                    (same, differ)
                } else {
                    (differ, same)
                }
            }
            _ => match atoms::leaf(cond) {
                Some(Ok(Leaf::Const(b))) => (constant(b), constant(!b)),
                Some(Ok(Leaf::Atom { atom, positive })) => {
                    let (t, f) = self.atom(&atom, budget)?;
                    if positive { (t, f) } else { (f, t) }
                }
                Some(Ok(Leaf::Relation { relation, positive })) => {
                    let (t, f) = self.relation(&relation);
                    if positive { (t, f) } else { (f, t) }
                }
                _ => (constant(false), constant(false)),
            },
        })
    }

    /// (surely true, surely false) of a relation: its variables.
    fn relation(&self, relation: &Relation) -> (Bdd, Bdd) {
        let found = self.question.relations.iter().position(|r| r == relation);
        let vars = found.and_then(|index| {
            self.question
                .groups
                .iter()
                .zip(&self.groups)
                .find_map(|(group, vars)| {
                    let place = group.relations.iter().position(|r| *r == index)?;
                    vars.relations.get(place).copied()
                })
        });
        match vars {
            Some((t, f)) => (self.vars.mk_var(t), self.vars.mk_var(f)),
            None => (self.vars.mk_false(), self.vars.mk_false()),
        }
    }

    /// (surely true, surely false) of a test on a group's member: its
    /// variable — for a member unknown now, only once it changes (before,
    /// what its range decides).
    fn group_test(&self, index: usize, group: usize, place: usize) -> Option<(Bdd, Bdd)> {
        let (spec, vars) = (self.question.groups.get(group)?, self.groups.get(group)?);
        let var = self.vars.mk_var(*vars.tests.get(place)?);
        let atom = self.question.atoms.get(index)?;
        let member = spec.members.iter().position(|m| m.fact == atom.fact)?;
        let known = self
            .whole_now
            .groups
            .get(group)?
            .values
            .get(member)?
            .is_some();
        if known {
            return Some((var.clone(), var.not()));
        }
        let changed = self.vars.mk_var((*vars.changed.get(member)?)?);
        let by_range = self
            .question
            .unknown_outcomes
            .get(index)
            .copied()
            .unwrap_or(Tri::Unknown);
        let surely = |value: bool| {
            let once_changed = changed.and(&if value { var.clone() } else { var.not() });
            match by_range == Tri::from(value) {
                true => once_changed.or(&changed.not()),
                false => once_changed,
            }
        };
        Some((surely(true), surely(false)))
    }

    /// (surely true, surely false) of an atom: its variable if the fact may
    /// change (and, for an unknown fact, only once settled: before, what
    /// the fact's range decides), its value now if the fact is fixed.
    fn atom(&self, atom: &Atom, budget: &Budget) -> Result<(Bdd, Bdd), Exhausted> {
        let index = self.question.atom_index.get(atom).copied();
        if let Some((group, place)) = index.and_then(|i| self.question.group_tests.get(&i)) {
            if let Some(pair) = index.and_then(|i| self.group_test(i, *group, *place)) {
                budget.spend(4)?;
                return Ok(pair);
            }
        }
        let variable = index.and_then(|i| self.atom_vars.get(i).copied().flatten());
        let unknown = index
            .and_then(|i| self.question.unknown_outcomes.get(i).copied())
            .unwrap_or(Tri::Unknown);
        let constant = |b: bool| match b {
            true => self.vars.mk_true(),
            false => self.vars.mk_false(),
        };
        Ok(match variable {
            Some((None, var)) => (self.vars.mk_var(var), self.vars.mk_literal(var, false)),
            Some((Some(settled), var)) => {
                let unsettled = self.vars.mk_literal(settled, false);
                let settled = self.vars.mk_var(settled);
                let surely = |value: bool, by_range: bool| -> Result<Bdd, Exhausted> {
                    let once_settled = budget.and(&settled, &self.vars.mk_literal(var, value))?;
                    match by_range {
                        true => budget.or(&once_settled, &unsettled),
                        false => Ok(once_settled),
                    }
                };
                (
                    surely(true, unknown == Tri::True)?,
                    surely(false, unknown == Tri::False)?,
                )
            }
            None => {
                let now = index
                    .and_then(|i| self.now.get(i).copied())
                    .unwrap_or(Tri::Unknown);
                let now = if now == Tri::Unknown { unknown } else { now };
                (constant(now == Tri::True), constant(now == Tri::False))
            }
        })
    }

    /// The change sets a prime implicant stands for: its changes to facts,
    /// if consistent, with each way of changing the groups it asks
    /// something of (which members change).
    fn change_sets(&self, cube: &Cube, budget: &Budget) -> Result<Vec<ChangeSet>, Exhausted> {
        let Some(facts) = self.fact_changes(cube, budget)? else {
            return Ok(Vec::new());
        };
        let mut sets = vec![ChangeSet {
            facts,
            groups: Vec::new(),
        }];
        for index in 0..self.groups.len() {
            let ways = self.group_changes(index, cube, budget)?;
            if ways.is_empty() {
                return Ok(Vec::new());
            }
            sets = sets
                .into_iter()
                .flat_map(|set| {
                    ways.iter().map(move |way| {
                        let mut set = set.clone();
                        set.groups.extend(way.clone());
                        set
                    })
                })
                .collect();
        }
        Ok(sets)
    }

    /// The ways a prime implicant changes group `index`: each set of its
    /// members that can change (those the prime says change, and any of
    /// those it leaves open) to meet the prime's literals, the others
    /// keeping their values; `None` for no change. Empty if none can.
    fn group_changes(
        &self,
        index: usize,
        cube: &Cube,
        budget: &Budget,
    ) -> Result<Vec<Option<GroupChange>>, Exhausted> {
        let (Some(vars), Some(spec)) = (self.groups.get(index), self.question.groups.get(index))
        else {
            return Ok(vec![None]);
        };
        let value = |var: BddVariable| cube.iter().find(|(v, _)| *v == var).map(|(_, b)| *b);
        let tests: Vec<(usize, bool)> = spec
            .tests
            .iter()
            .zip(&vars.tests)
            .filter_map(|(atom, var)| Some((*atom, value(*var)?)))
            .collect();
        let relations: Vec<(usize, Surely, bool)> = spec
            .relations
            .iter()
            .zip(&vars.relations)
            .flat_map(|(relation, (t, f))| {
                [
                    (*relation, Surely::Holds, *t),
                    (*relation, Surely::Fails, *f),
                ]
            })
            .filter_map(|(relation, surely, var)| Some((relation, surely, value(var)?)))
            .collect();
        let changeable: Vec<(usize, BddVariable)> = vars
            .changed
            .iter()
            .enumerate()
            .filter_map(|(member, var)| Some((member, (*var)?)))
            .collect();
        let asked = !tests.is_empty()
            || !relations.is_empty()
            || changeable.iter().any(|(_, var)| value(*var).is_some());
        if !asked {
            return Ok(vec![None]);
        }
        let open: Vec<(usize, BddVariable)> = changeable
            .iter()
            .copied()
            .filter(|(_, var)| value(*var).is_none())
            .collect();
        let subsets = 1u64.checked_shl(open.len() as u32).ok_or(Exhausted)?;
        let own: Vec<(BddVariable, bool)> = vars
            .tests
            .iter()
            .chain(vars.relations.iter().flat_map(|(t, f)| [t, f]))
            .filter_map(|var| Some((*var, value(*var)?)))
            .collect();
        let mut ways = Vec::new();
        for subset in 0..subsets {
            budget.spend(1 + vars.consistent.size() as u64)?;
            let changes = |var: BddVariable| {
                value(var).unwrap_or_else(|| {
                    let bit = open.iter().position(|(_, v)| *v == var);
                    bit.is_some_and(|b| subset & (1 << b) != 0)
                })
            };
            let mut restriction = own.clone();
            restriction.extend(changeable.iter().map(|(_, var)| (*var, changes(*var))));
            if vars.consistent.restrict(&restriction).is_false() {
                continue;
            }
            let changed: Vec<usize> = changeable
                .iter()
                .filter(|(_, var)| changes(*var))
                .map(|(member, _)| *member)
                .collect();
            if changed.is_empty() {
                ways.push(None);
                continue;
            }
            let on_changed = |atom: &usize| {
                let fact = self.question.atoms.get(*atom).map(|a| a.fact);
                changed
                    .iter()
                    .any(|m| spec.members.get(*m).map(|m| m.fact) == fact)
            };
            ways.push(Some(GroupChange {
                group: index,
                tests: tests
                    .iter()
                    .copied()
                    .filter(|(a, _)| on_changed(a))
                    .collect(),
                relations: relations.clone(),
                changed,
            }));
        }
        Ok(ways)
    }

    /// The changes to facts a prime implicant stands for, if it is
    /// consistent: the unknown facts it settles, and the known facts it
    /// gives an outcome other than their outcome now.
    fn fact_changes(&self, cube: &Cube, budget: &Budget) -> Result<Option<FactChanges>, Exhausted> {
        budget.spend(cube.len() as u64 + 1)?;
        let mut literals_of: Vec<Vec<(usize, bool)>> = vec![Vec::new(); self.facts.len()];
        let mut settles = vec![false; self.facts.len()];
        for (var, value) in cube {
            match self.meaning.get(var.to_index()) {
                Some(&(fact, Some(atom))) => {
                    if let Some(literals) = literals_of.get_mut(fact) {
                        literals.push((atom, *value));
                    }
                }
                Some(&(fact, None)) if *value => {
                    if let Some(settled) = settles.get_mut(fact) {
                        *settled = true;
                    }
                }
                _ => {}
            }
        }
        let mut set = Vec::new();
        for (index, (fact, literals)) in self.facts.iter().zip(literals_of).enumerate() {
            let changed = match (fact.settled, &fact.now) {
                (Some(_), _) => settles.get(index).copied().unwrap_or(false),
                (None, Some(now)) => literals.iter().any(|(atom, value)| {
                    let position = fact.atoms.iter().position(|(i, _)| i == atom);
                    position.and_then(|p| now.get(p)) != Some(value)
                }),
                (None, None) => false,
            };
            if changed {
                let cube: Vec<(BddVariable, bool)> = literals
                    .iter()
                    .filter_map(|(atom, value)| {
                        fact.atoms
                            .iter()
                            .find(|(i, _)| i == atom)
                            .map(|(_, v)| (*v, *value))
                    })
                    .collect();
                budget.spend(fact.consistent.size() as u64)?;
                if fact.consistent.restrict(&cube).is_false() {
                    return Ok(None);
                }
                set.push((index, literals));
            }
        }
        Ok(Some(set))
    }

    /// When the budget runs out: one working change set, made minimal by
    /// dropping facts and literals while it still works. It runs on a
    /// budget of its own, as large as the BDDs already built, so that it
    /// finishes; `None` if even that does not suffice.
    fn witness(&self, goal: &Bdd) -> Option<ChangeSet> {
        let budget = Budget::new(64 * (goal.size() as u64 + 1) * (self.facts.len() as u64 + 1));
        let valuation = budget
            .and(&self.assumption(&budget).ok()?, &self.root)
            .ok()?
            .sat_witness()?;
        let facts = self
            .facts
            .iter()
            .enumerate()
            .filter(|(_, f)| f.settled.is_none_or(|settled| valuation.value(settled)))
            .map(|(index, f)| {
                (
                    index,
                    f.atoms
                        .iter()
                        .map(|(atom, var)| (*atom, valuation.value(*var)))
                        .collect(),
                )
            })
            .collect();
        let groups = (0..self.groups.len())
            .filter_map(|index| self.group_as_valued(index, &valuation))
            .collect();
        let mut set = ChangeSet { facts, groups };
        let works = |set: &ChangeSet| primes::implies(&self.cube_of(set), goal, &budget);
        let mut index = 0;
        while index < set.facts.len() {
            let mut without = set.clone();
            without.facts.remove(index);
            if works(&without).ok()? {
                set = without;
            } else {
                index += 1;
            }
        }
        for fact in 0..set.facts.len() {
            let mut literal = 0;
            while set.facts.get(fact).is_some_and(|(_, l)| literal < l.len()) {
                let mut looser = set.clone();
                if let Some((_, literals)) = looser.facts.get_mut(fact) {
                    literals.remove(literal);
                }
                if works(&looser).ok()? {
                    set = looser
                } else {
                    literal += 1
                }
            }
        }
        Some(set)
    }

    /// A group's change as a valuation has it: the members it changes, and
    /// every outcome of their tests and of the relations; `None` if it
    /// changes none.
    fn group_as_valued(
        &self,
        index: usize,
        valuation: &biodivine_lib_bdd::BddValuation,
    ) -> Option<GroupChange> {
        let (vars, spec) = (self.groups.get(index)?, self.question.groups.get(index)?);
        let changed: Vec<usize> = vars
            .changed
            .iter()
            .enumerate()
            .filter(|(_, var)| var.is_some_and(|v| valuation.value(v)))
            .map(|(member, _)| member)
            .collect();
        if changed.is_empty() {
            return None;
        }
        let facts: Vec<FactId> = changed
            .iter()
            .filter_map(|m| spec.members.get(*m).map(|m| m.fact))
            .collect();
        let tests = spec
            .tests
            .iter()
            .zip(&vars.tests)
            .filter(|(atom, _)| {
                self.question
                    .atoms
                    .get(**atom)
                    .is_some_and(|a| facts.contains(&a.fact))
            })
            .map(|(atom, var)| (*atom, valuation.value(*var)))
            .collect();
        let relations = spec
            .relations
            .iter()
            .zip(&vars.relations)
            .flat_map(|(relation, (t, f))| {
                [
                    (*relation, Surely::Holds, valuation.value(*t)),
                    (*relation, Surely::Fails, valuation.value(*f)),
                ]
            })
            .collect();
        Some(GroupChange {
            group: index,
            changed,
            tests,
            relations,
        })
    }

    /// The full cube of a change set: changed facts with their literals,
    /// known facts left alone with their outcomes now, unknown ones
    /// unsettled; groups with the members they change and their literals.
    fn cube_of(&self, set: &ChangeSet) -> Vec<(BddVariable, bool)> {
        let mut cube = Vec::new();
        for (index, fact) in self.facts.iter().enumerate() {
            let change = set.facts.iter().find(|(f, _)| *f == index);
            if let Some(settled) = fact.settled {
                cube.push((settled, change.is_some()));
            }
            let literals: Vec<(usize, bool)> = match (change, &fact.now) {
                (Some((_, literals)), _) => literals.clone(),
                (None, Some(now)) => fact
                    .atoms
                    .iter()
                    .map(|(atom, _)| *atom)
                    .zip(now.iter().copied())
                    .collect(),
                (None, None) => Vec::new(),
            };
            for (atom, value) in literals {
                if let Some((_, var)) = fact.atoms.iter().find(|(i, _)| *i == atom) {
                    cube.push((*var, value));
                }
            }
        }
        for (index, (vars, spec)) in self.groups.iter().zip(&self.question.groups).enumerate() {
            let change = set.groups.iter().find(|g| g.group == index);
            for (member, var) in vars.changed.iter().enumerate() {
                if let Some(var) = var {
                    cube.push((*var, change.is_some_and(|c| c.changed.contains(&member))));
                }
            }
            let Some(change) = change else { continue };
            for (atom, value) in &change.tests {
                if let Some(place) = spec.tests.iter().position(|a| a == atom) {
                    cube.extend(vars.tests.get(place).map(|var| (*var, *value)));
                }
            }
            for (relation, surely, value) in &change.relations {
                if let Some(place) = spec.relations.iter().position(|r| r == relation) {
                    let var = vars.relations.get(place).map(|(t, f)| match surely {
                        Surely::Holds => *t,
                        Surely::Fails => *f,
                    });
                    cube.extend(var.map(|var| (var, *value)));
                }
            }
        }
        cube
    }
}

/// The atom valuations a fact can really have (one cube per region).
fn consistency(
    vars: &BddVariableSet,
    fact: &ChangeableFact,
    fact_vars: &FactVars,
    budget: &Budget,
) -> Result<Bdd, Exhausted> {
    if fact.regions.is_empty() {
        return Ok(vars.mk_true());
    }
    let mut regions = vars.mk_false();
    for outcomes in &fact.regions {
        budget.spend(outcomes.len() as u64)?;
        let cube = BddPartialValuation::from_values_iter(
            fact_vars
                .atoms
                .iter()
                .zip(outcomes)
                .map(|((_, var), holds)| (*var, *holds)),
        );
        regions = budget.or(&regions, &vars.mk_conjunctive_clause(&cube))?;
    }
    Ok(regions)
}

/// The groups of facts tied by the relations, each with the tests on its
/// members that may change.
fn groups_of(
    resolved: &crate::check::ResolvedRules,
    relations: &[Relation],
    atoms: &[Atom],
) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for (index, relation) in relations.iter().enumerate() {
        let facts: Vec<FactId> = relation.facts().collect();
        // The groups this relation touches merge into one.
        let (touched, kept): (Vec<Group>, Vec<Group>) = std::mem::take(&mut groups)
            .into_iter()
            .partition(|g| g.members.iter().any(|m| facts.contains(&m.fact)));
        groups = kept;
        let mut merged = Group {
            members: Vec::new(),
            relations: vec![index],
            tests: Vec::new(),
        };
        for group in touched {
            merged.members.extend(group.members);
            merged.relations.extend(group.relations);
        }
        for fact in facts {
            if merged.members.iter().all(|m| m.fact != fact) {
                let info = resolved.fact(fact);
                merged.members.push(Member {
                    fact,
                    changeable: info.is_some_and(|f| !f.fixed),
                    range: info.map(|f| f.range).unwrap_or_default(),
                    vocabulary: info.and_then(|f| f.vocabulary.clone()),
                });
            }
        }
        groups.push(merged);
    }
    for group in &mut groups {
        group.members.sort_by_key(|m| m.fact);
        group.relations.sort_unstable();
        group.tests = atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                group
                    .members
                    .iter()
                    .any(|m| m.fact == a.fact && m.changeable)
            })
            .map(|(index, _)| index)
            .collect();
    }
    groups
}

/// The outcomes a group's tests and relations can take together: for each
/// pattern of members changed (a "changed" variable each), the cells of
/// the changed members' values, the others keeping theirs.
fn group_consistency(
    vars: &BddVariableSet,
    question: &Question<'_, '_>,
    group: &Group,
    now: &GroupNow,
    group_vars: &GroupVars,
    budget: &Budget,
) -> Result<(Bdd, GroupCells), Exhausted> {
    let mut every = GroupCells::default();
    let changeable: Vec<usize> = (0..group.members.len())
        .filter(|m| group_vars.changed.get(*m).is_some_and(Option::is_some))
        .collect();
    let patterns = 1u64.checked_shl(changeable.len() as u32).ok_or(Exhausted)?;
    budget.spend(patterns)?;
    let mut all = vars.mk_false();
    for pattern in 0..patterns {
        let mut changed = vec![false; group.members.len()];
        let mut literals: Vec<(BddVariable, bool)> = Vec::new();
        for (bit, member) in changeable.iter().enumerate() {
            let on = pattern & (1 << bit) != 0;
            if let Some(flag) = changed.get_mut(*member) {
                *flag = on;
            }
            if let Some(Some(var)) = group_vars.changed.get(*member) {
                literals.push((*var, on));
            }
        }
        let cells = group.cells(&question.atoms, &question.relations, now, &changed, budget)?;
        for cell in &cells {
            let mut cube = literals.clone();
            for (var, outcome) in group_vars.tests.iter().zip(&cell.tests) {
                if let Some(outcome) = outcome {
                    cube.push((*var, *outcome));
                }
            }
            for ((t, f), outcome) in group_vars.relations.iter().zip(&cell.relations) {
                cube.push((*t, *outcome == Tri::True));
                cube.push((*f, *outcome == Tri::False));
            }
            let cube = BddPartialValuation::from_values_iter(cube.into_iter());
            all = budget.or(&all, &vars.mk_conjunctive_clause(&cube))?;
        }
        every.insert(changed, cells);
    }
    Ok((all, every))
}

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

use super::atoms::{self, Atom, Leaf, Test};
use super::budget::{Budget, DEFAULT_STEPS, Exhausted};
use super::primes::{self, Cube};
use super::{AnalysisError, Closure, Snapshot, Target, scope_of};
use crate::check::{Cond, CondKind, FactId, RuleId};
use crate::eval::{Tri, Verdict};
use crate::facts::{FactValue, Value};
use crate::syntax::ast::{CompareOp, FactType, Scope};

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
    #[serde(skip)]
    literals: Vec<(Test, bool)>,
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
        let value = crate::facts::bind::untyped(value);
        self.literals
            .iter()
            .all(|(test, holds)| test.holds(&value) == Some(*holds))
    }
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
            if budget.is_exhausted() && !solved.contains_key(&question.now(target.entity)) {
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

/// A change set while it is computed: per changed fact (by position in
/// [`Question::facts`]), the atoms (by index) with the outcome required.
type ChangeSet = Vec<(usize, Vec<(usize, bool)>)>;

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
}

/// The searches done so far, by pattern of atom outcomes.
type Solved = HashMap<Vec<Tri>, Rc<Solution>>;

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
    /// The facts that may change: not fixed, tested by some atom.
    facts: Vec<ChangeableFact>,
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
        for info in closure.rules.iter().filter_map(|id| resolved.rule(*id)) {
            for cond in info.conditions() {
                let mut failure = None;
                cond.walk(|c| match atoms::leaf(c) {
                    Some(Ok(Leaf::Atom { atom, .. })) if !atom_index.contains_key(&atom) => {
                        atom_index.insert(atom.clone(), atoms.len());
                        atoms.push(atom);
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
        let mut by_fact: HashMap<FactId, Vec<usize>> = HashMap::new();
        for (index, atom) in atoms.iter().enumerate() {
            by_fact.entry(atom.fact).or_default().push(index);
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
        let solution = match solved.get(&now) {
            Some(solution) => Rc::clone(solution),
            None => {
                let solution = Rc::new(self.solve(&now, budget));
                if solution.complete {
                    solved.insert(now, Rc::clone(&solution));
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
            .map(|set| self.describe(entity, set))
            .collect();
        answer
    }

    /// Each atom's outcome for the entity now: all the search depends on.
    fn now(&self, entity: Option<usize>) -> Vec<Tri> {
        self.snapshot.outcomes(entity, &self.atoms)
    }

    /// The minimal change sets for atoms with outcomes `now`.
    fn solve(&self, now: &[Tri], budget: &Budget) -> Solution {
        let searched = Space::build(self, now, budget).and_then(|space| {
            let goal = space.goal(budget)?;
            let sets = match primes::prime_implicants(&goal, budget) {
                Ok(primes) => {
                    let mut sets = Vec::new();
                    for cube in &primes {
                        if let Some(set) = space.change_set(cube, budget)? {
                            sets.push(set);
                        }
                    }
                    sets
                }
                Err(Exhausted) => return Ok((space.witness(&goal).into_iter().collect(), false)),
            };
            Ok((sets, true))
        });
        let (mut sets, mut complete) = searched.unwrap_or((Vec::new(), false));
        if self.keep_minimal(&mut sets, budget).is_err() {
            complete = false;
        }
        sets.sort_by_key(|set| {
            (
                set.len(),
                set.iter().map(|(_, l)| l.len()).sum::<usize>(),
                set.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
            )
        });
        Solution { sets, complete }
    }

    /// Removes change sets that another set makes redundant: one that
    /// changes a subset of the facts, each with a condition at least as
    /// loose. What each condition admits is worked out once per set; each
    /// comparison is paid for by what it reads. When the budget runs out
    /// the sets not yet compared are kept (they work, but may not be minimal).
    fn keep_minimal(&self, sets: &mut Vec<ChangeSet>, budget: &Budget) -> Result<(), Exhausted> {
        sets.iter_mut().for_each(|set| {
            set.sort();
            set.iter_mut().for_each(|(_, literals)| literals.sort());
        });
        sets.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
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
        for (index, set) in shaped.iter().enumerate() {
            // A set is dominated only by sets of as few facts or fewer, which
            // come first; of sets that admit the same values, the first is kept.
            let rivals = shaped
                .iter()
                .enumerate()
                .take_while(|(_, o)| o.len() <= set.len())
                .filter(|(other, _)| *other != index);
            let mut redundant = false;
            for (other, rival) in rivals {
                if let Err(exhausted) = budget.spend(comparison_cost(rival, set)) {
                    kept.extend(index..all.len());
                    *sets = kept
                        .into_iter()
                        .filter_map(|i| all.get(i).cloned())
                        .collect();
                    return Err(exhausted);
                }
                let covers = at_most(rival, set);
                let kept_before = is_kept.get(other).copied().unwrap_or(false);
                if covers && (!at_most(set, rival) || kept_before) {
                    redundant = true;
                    break;
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

    /// A change set with what each of its conditions admits, for comparing.
    fn shape(&self, set: &ChangeSet, budget: &Budget) -> Result<Shaped, Exhausted> {
        set.iter()
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

    fn describe(&self, entity: Option<usize>, set: &ChangeSet) -> Vec<Change> {
        let resolved = self.snapshot.resolved();
        // The strings of one set, changed each on its own, are one change.
        let mut changes: Vec<Change> = Vec::with_capacity(set.len());
        for (fact_index, literals) in set {
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
        Change {
            fact: info.map(|i| i.name.clone()).unwrap_or_default(),
            scope: scope_of(resolved, fact),
            now: self.snapshot.fact_value(entity, fact),
            to,
            condition,
            add: Vec::new(),
            remove: Vec::new(),
            settle: Vec::new(),
            literals,
        }
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
    }
}

/// The BDD encoding of one rule for one pattern of atom outcomes.
struct Space<'q, 's, 'r> {
    question: &'q Question<'s, 'r>,
    vars: BddVariableSet,
    /// Each atom's outcome now.
    now: &'q [Tri],
    /// Per changeable fact (parallel to [`Question::facts`]).
    facts: Vec<FactVars>,
    /// Per atom: its variable, and the fact's "settled" variable if it is
    /// unknown; `None` for an atom of a fact that may not change.
    atom_vars: Vec<Option<(Option<BddVariable>, BddVariable)>>,
    /// Which fact (position in `facts`) and atom each variable stands for, by variable index.
    meaning: Vec<(usize, Option<usize>)>,
    /// Rule surely true.
    root: Bdd,
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
        now: &'q [Tri],
        budget: &Budget,
    ) -> Result<Space<'q, 's, 'r>, Exhausted> {
        let is_known = |fact: &ChangeableFact| {
            fact.atoms
                .first()
                .is_some_and(|atom| now.get(*atom).is_some_and(|t| *t != Tri::Unknown))
        };
        let variable_count = question
            .facts
            .iter()
            .map(|fact| fact.atoms.len() + usize::from(!is_known(fact)))
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
        let mut space = Space {
            question,
            root: vars.mk_false(),
            vars,
            now,
            facts,
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
                _ => (constant(false), constant(false)),
            },
        })
    }

    /// (surely true, surely false) of an atom: its variable if the fact may
    /// change (and, for an unknown fact, only once settled: before, what
    /// the fact's range decides), its value now if the fact is fixed.
    fn atom(&self, atom: &Atom, budget: &Budget) -> Result<(Bdd, Bdd), Exhausted> {
        let index = self.question.atom_index.get(atom).copied();
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

    /// The change set a prime implicant stands for, if it is consistent: the
    /// unknown facts it settles, and the known facts it gives an outcome
    /// other than their outcome now.
    fn change_set(&self, cube: &Cube, budget: &Budget) -> Result<Option<ChangeSet>, Exhausted> {
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
        let mut set: ChangeSet = Vec::new();
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
        let mut set: ChangeSet = self
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
        let works = |set: &ChangeSet| primes::implies(&self.cube_of(set), goal, &budget);
        let mut index = 0;
        while index < set.len() {
            let mut without = set.clone();
            without.remove(index);
            if works(&without).ok()? {
                set = without;
            } else {
                index += 1;
            }
        }
        for fact in 0..set.len() {
            let mut literal = 0;
            while set.get(fact).is_some_and(|(_, l)| literal < l.len()) {
                let mut looser = set.clone();
                if let Some((_, literals)) = looser.get_mut(fact) {
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

    /// The full cube of a change set: changed facts with their literals,
    /// known facts left alone with their outcomes now, unknown ones unsettled.
    fn cube_of(&self, set: &ChangeSet) -> Vec<(BddVariable, bool)> {
        let mut cube = Vec::new();
        for (index, fact) in self.facts.iter().enumerate() {
            let change = set.iter().find(|(f, _)| *f == index);
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

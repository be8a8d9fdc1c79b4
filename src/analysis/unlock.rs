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
//! the primes within a step budget; if it runs out the answer says so, and
//! holds only options checked to work.

use std::collections::HashMap;

use biodivine_lib_bdd::{Bdd, BddVariable, BddVariableSet};
use serde::Serialize;

use super::atoms::{self, Atom, Leaf, Test};
use super::primes::{self, Cube};
use super::{AnalysisError, Closure, Snapshot, Target, scope_of};
use crate::check::{Cond, CondKind, FactId, RuleId};
use crate::eval::{Tri, Verdict};
use crate::facts::{FactValue, Value};
use crate::syntax::ast::{CompareOp, FactType, Scope};

/// Limits on an unlock question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnlockOptions {
    /// Return at most this many change sets (smallest first).
    pub max_options: usize,
    /// Work budget, in steps of the prime-implicant search.
    pub budget: usize,
}

impl Default for UnlockOptions {
    fn default() -> Self {
        UnlockOptions {
            max_options: 20,
            budget: 2_000_000,
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
        let value = match value {
            FactValue::Bool(b) => Value::Bool(*b),
            FactValue::Number(n) => Value::Number(*n),
            FactValue::String(s) => Value::String(s.as_str().into()),
            FactValue::Strings(items) => {
                Value::Set(items.iter().map(|s| s.as_str().into()).collect())
            }
        };
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
        unlock(self, target, options)
    }

    /// [`Snapshot::unlock`] for every entity whose verdict is not satisfied
    /// (or the world, for a world rule that is not).
    pub fn unlock_all(
        &self,
        rule: &str,
        options: UnlockOptions,
    ) -> Result<Vec<Unlock>, AnalysisError> {
        let world = self.target(None, rule);
        let targets: Vec<Target> = match world {
            Ok(target) => vec![target],
            Err(AnalysisError::EntityRequired { .. }) => {
                let rule_id =
                    self.resolved()
                        .rule_id(rule)
                        .ok_or(AnalysisError::EntityRequired {
                            rule: rule.to_string(),
                        })?;
                (0..self.entity_names().len())
                    .map(|entity| Target {
                        entity: Some(entity),
                        rule: rule_id,
                    })
                    .collect()
            }
            Err(other) => return Err(other),
        };
        targets
            .into_iter()
            .filter(|t| self.tri(t.entity, t.rule) != Tri::True)
            .map(|t| unlock(self, t, options))
            .collect()
    }
}

fn unlock(
    snapshot: &Snapshot<'_>,
    target: Target,
    options: UnlockOptions,
) -> Result<Unlock, AnalysisError> {
    let resolved = snapshot.resolved();
    let rule_name = resolved
        .rule(target.rule)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let verdict = Verdict::from(snapshot.tri(target.entity, target.rule));
    let mut answer = Unlock {
        entity: target
            .entity
            .and_then(|e| snapshot.entity_names().get(e).cloned()),
        rule: rule_name.clone(),
        verdict,
        options: Vec::new(),
        more: 0,
        complete: true,
    };
    if verdict == Verdict::Satisfied {
        return Ok(answer);
    }
    let space = Space::build(snapshot, target).map_err(|reason| AnalysisError::Unsupported {
        rule: rule_name,
        reason,
    })?;
    let goal = space.goal();
    let mut budget = options.budget;
    let mut sets = match primes::prime_implicants(&goal, &mut budget) {
        Some(primes) => primes
            .iter()
            .filter_map(|cube| space.change_set(cube))
            .collect(),
        None => {
            answer.complete = false;
            space.witness(&goal).into_iter().collect::<Vec<_>>()
        }
    };
    keep_minimal(&mut sets, &space.facts);
    sets.sort_by_key(|set| {
        (
            set.len(),
            set.iter().map(|(_, l)| l.len()).sum::<usize>(),
            set.clone().into_iter().map(|(f, _)| f).collect::<Vec<_>>(),
        )
    });
    answer.more = sets.len().saturating_sub(options.max_options);
    sets.truncate(options.max_options);
    answer.options = sets
        .iter()
        .map(|set| space.describe(snapshot, target.entity, set))
        .collect();
    Ok(answer)
}

/// A change set while it is computed: per changed fact (by position in
/// [`Space::facts`]), the atoms (by index) with the outcome required.
type ChangeSet = Vec<(usize, Vec<(usize, bool)>)>;

/// Removes change sets that another set makes redundant: one that changes a
/// subset of the facts, each with a condition at least as loose.
fn keep_minimal(sets: &mut Vec<ChangeSet>, facts: &[FactVars]) {
    sets.iter_mut().for_each(|set| {
        set.sort();
        set.iter_mut().for_each(|(_, literals)| literals.sort());
    });
    sets.sort();
    sets.dedup();
    let all = sets.clone();
    let dominated = |set: &ChangeSet| {
        all.iter()
            .any(|other| other != set && at_most(other, set, facts) && !at_most(set, other, facts))
    };
    let mut kept: Vec<ChangeSet> = Vec::new();
    for set in all.iter().filter(|set| !dominated(set)) {
        // Of conditions that admit the same values, keep the first.
        if !kept.iter().any(|k| at_most(k, set, facts)) {
            kept.push(set.clone());
        }
    }
    *sets = kept;
}

/// Whether `small` changes a subset of `large`'s facts, each with a condition
/// admitting at least the values `large`'s does.
fn at_most(small: &ChangeSet, large: &ChangeSet, facts: &[FactVars]) -> bool {
    small.iter().all(|(fact, literals)| {
        let Some(vars) = facts.get(*fact) else {
            return false;
        };
        large
            .iter()
            .find(|(f, _)| f == fact)
            .is_some_and(|(_, large_literals)| vars.looser_or_equal(literals, large_literals))
    })
}

/// The BDD encoding of one rule for one entity.
struct Space {
    vars: BddVariableSet,
    atoms: Vec<Atom>,
    /// Changeable facts: the fact, its atoms with their variables, and for an unknown fact its "settled" variable.
    facts: Vec<FactVars>,
    /// Each atom's truth now.
    now: Vec<Tri>,
    /// Which fact (position in `facts`) and atom each variable stands for.
    meaning: HashMap<BddVariable, (usize, Option<usize>)>,
    /// Rule surely true / surely false, per rule of the closure.
    root: (Bdd, Bdd),
    consistent: Vec<Bdd>,
}

struct FactVars {
    fact: FactId,
    ty: FactType,
    /// For an unknown fact: the variable "settled".
    settled: Option<BddVariable>,
    /// For a known fact: each atom's outcome now (in `atoms` order).
    now: Option<Vec<bool>>,
    atoms: Vec<(usize, BddVariable)>,
    /// For numbers and strings: each region's outcome of the fact's atoms
    /// (in `atoms` order). Empty for bools and sets, whose atoms are independent.
    regions: Vec<Vec<bool>>,
}

impl FactVars {
    /// Which regions a condition admits (`None` when atoms are independent).
    fn admitted(&self, literals: &[(usize, bool)]) -> Option<Vec<bool>> {
        if self.regions.is_empty() {
            return None;
        }
        let position = |atom: usize| self.atoms.iter().position(|(i, _)| *i == atom);
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

    /// Whether condition `loose` admits every value condition `strict` does.
    fn looser_or_equal(&self, loose: &[(usize, bool)], strict: &[(usize, bool)]) -> bool {
        match (self.admitted(loose), self.admitted(strict)) {
            (Some(loose), Some(strict)) => strict.iter().zip(&loose).all(|(s, l)| !s || *l),
            _ => loose.iter().all(|literal| strict.contains(literal)),
        }
    }
}

impl Space {
    fn build(snapshot: &Snapshot<'_>, target: Target) -> Result<Space, String> {
        let resolved = snapshot.resolved();
        let closure = Closure::of(resolved, target.rule);
        let mut atoms: Vec<Atom> = Vec::new();
        for rule in closure.rules.iter().filter_map(|id| resolved.rule(*id)) {
            for cond in rule.conditions() {
                let mut failure = None;
                cond.walk(|c| match atoms::leaf(c) {
                    Some(Ok(Leaf::Atom { atom, .. })) if !atoms.contains(&atom) => atoms.push(atom),
                    Some(Err(reason)) => failure = Some(reason),
                    _ => {}
                });
                if let Some(reason) = failure {
                    return Err(format!("rule `{}`: {reason}", rule.name));
                }
            }
        }
        let now: Vec<Tri> = atoms
            .iter()
            .map(|atom| {
                match snapshot
                    .value(target.entity, atom.fact)
                    .and_then(|v| atom.test.holds(v))
                {
                    Some(holds) => Tri::from(holds),
                    None => Tri::Unknown,
                }
            })
            .collect();
        let changeable: Vec<FactId> = closure
            .facts
            .iter()
            .copied()
            .filter(|f| {
                resolved.fact(*f).is_some_and(|info| !info.fixed)
                    && atoms.iter().any(|a| a.fact == *f)
            })
            .collect();
        let is_known = |fact: FactId| snapshot.value(target.entity, fact).is_some();
        let variable_count = changeable.iter().filter(|f| !is_known(**f)).count()
            + atoms
                .iter()
                .filter(|a| changeable.contains(&a.fact))
                .count();
        let vars = BddVariableSet::new_anonymous(
            u16::try_from(variable_count)
                .map_err(|_| "it tests too many conditions (over 65,535)".to_string())?,
        );
        let all_vars = vars.variables();
        let mut next = all_vars.into_iter();
        let mut facts = Vec::new();
        let mut meaning = HashMap::new();
        for fact in changeable {
            let settled = match is_known(fact) {
                true => None,
                false => {
                    let var = next.next().ok_or("variables ran out")?;
                    meaning.insert(var, (facts.len(), None));
                    Some(var)
                }
            };
            let mut fact_atoms = Vec::new();
            for (index, _) in atoms.iter().enumerate().filter(|(_, a)| a.fact == fact) {
                let var = next.next().ok_or("variables ran out")?;
                meaning.insert(var, (facts.len(), Some(index)));
                fact_atoms.push((index, var));
            }
            let ty = resolved.fact(fact).map_or(FactType::Bool, |f| f.ty);
            let tests: Vec<&Test> = fact_atoms
                .iter()
                .filter_map(|(i, _)| atoms.get(*i).map(|a| &a.test))
                .collect();
            let mut regions: Vec<Vec<bool>> = atoms::representatives(ty, &tests)
                .iter()
                .filter(|_| ty != FactType::Bool)
                .map(|value| {
                    tests
                        .iter()
                        .map(|t| t.holds(value).unwrap_or(false))
                        .collect()
                })
                .collect();
            regions.dedup();
            let now_outcomes = settled.is_none().then(|| {
                fact_atoms
                    .iter()
                    .map(|(i, _)| now.get(*i) == Some(&Tri::True))
                    .collect()
            });
            facts.push(FactVars {
                fact,
                ty,
                settled,
                now: now_outcomes,
                atoms: fact_atoms,
                regions,
            });
        }
        let mut space = Space {
            root: (vars.mk_false(), vars.mk_false()),
            consistent: Vec::new(),
            vars,
            atoms,
            facts,
            now,
            meaning,
        };
        space.consistent = space.facts.iter().map(|f| space.consistency(f)).collect();
        let mut rules: HashMap<RuleId, (Bdd, Bdd)> = HashMap::new();
        for id in &closure.rules {
            let Some(rule) = resolved.rule(*id) else {
                continue;
            };
            let requires = space.kleene(&rule.requires, &rules);
            let value = match &rule.unless {
                Some(unless) => {
                    let unless = space.kleene(unless, &rules);
                    (requires.0.and(&unless.1), requires.1.or(&unless.0))
                }
                None => requires,
            };
            rules.insert(*id, value);
        }
        space.root = rules
            .remove(&target.rule)
            .ok_or("the rule is missing from its closure")?;
        Ok(space)
    }

    /// `(facts take consistent values) → (rule surely true)`.
    fn goal(&self) -> Bdd {
        self.assumption().imp(&self.root.0)
    }

    /// Known facts take values in their regions; so do unknown facts once settled.
    fn assumption(&self) -> Bdd {
        let mut assumption = self.vars.mk_true();
        for (fact, consistent) in self.facts.iter().zip(&self.consistent) {
            let constraint = match fact.settled {
                Some(settled) => self.vars.mk_var(settled).imp(consistent),
                None => consistent.clone(),
            };
            assumption = assumption.and(&constraint);
        }
        assumption
    }

    /// The atom valuations a fact can really have (one cube per region).
    fn consistency(&self, fact: &FactVars) -> Bdd {
        if fact.regions.is_empty() {
            return self.vars.mk_true();
        }
        let mut regions = self.vars.mk_false();
        for outcomes in &fact.regions {
            let mut cube = self.vars.mk_true();
            for ((_, var), holds) in fact.atoms.iter().zip(outcomes) {
                cube = cube.and(&self.vars.mk_literal(*var, *holds));
            }
            regions = regions.or(&cube);
        }
        regions
    }

    /// (surely true, surely false) of a condition; rules come from `rules`.
    fn kleene(&self, cond: &Cond, rules: &HashMap<RuleId, (Bdd, Bdd)>) -> (Bdd, Bdd) {
        let constant = |b: bool| {
            if b {
                self.vars.mk_true()
            } else {
                self.vars.mk_false()
            }
        };
        match &cond.kind {
            CondKind::Not(inner) => {
                let (t, f) = self.kleene(inner, rules);
                (f, t)
            }
            CondKind::And(parts) => parts.iter().fold(
                (self.vars.mk_true(), self.vars.mk_false()),
                |(t, f), part| {
                    let (pt, pf) = self.kleene(part, rules);
                    (t.and(&pt), f.or(&pf))
                },
            ),
            CondKind::Or(parts) => parts.iter().fold(
                (self.vars.mk_false(), self.vars.mk_true()),
                |(t, f), part| {
                    let (pt, pf) = self.kleene(part, rules);
                    (t.or(&pt), f.and(&pf))
                },
            ),
            CondKind::Rule(id) => rules
                .get(id)
                .cloned()
                .unwrap_or((constant(false), constant(false))),
            CondKind::CompareConds { op, lhs, rhs } => {
                let ((lt, lf), (rt, rf)) = (self.kleene(lhs, rules), self.kleene(rhs, rules));
                let same = lt.and(&rt).or(&lf.and(&rf));
                let differ = lt.and(&rf).or(&lf.and(&rt));
                if *op == CompareOp::Eq {
                    (same, differ)
                } else {
                    (differ, same)
                }
            }
            _ => match atoms::leaf(cond) {
                Some(Ok(Leaf::Const(b))) => (constant(b), constant(!b)),
                Some(Ok(Leaf::Atom { atom, positive })) => {
                    let (t, f) = self.atom(&atom);
                    if positive { (t, f) } else { (f, t) }
                }
                _ => (constant(false), constant(false)),
            },
        }
    }

    /// (surely true, surely false) of an atom: its variable if the fact may
    /// change (and, for an unknown fact, only once settled), its value now
    /// if the fact is fixed.
    fn atom(&self, atom: &Atom) -> (Bdd, Bdd) {
        let Some(index) = self.atoms.iter().position(|a| a == atom) else {
            return (self.vars.mk_false(), self.vars.mk_false());
        };
        let variable = self.facts.iter().find_map(|f| {
            let var = f.atoms.iter().find(|(i, _)| *i == index)?.1;
            Some((f.settled, var))
        });
        match variable {
            Some((None, var)) => (self.vars.mk_var(var), self.vars.mk_literal(var, false)),
            Some((Some(settled), var)) => {
                let settled = self.vars.mk_var(settled);
                (
                    settled.and(&self.vars.mk_var(var)),
                    settled.and(&self.vars.mk_literal(var, false)),
                )
            }
            None => {
                let now = self.now.get(index).copied().unwrap_or(Tri::Unknown);
                let constant = |b: bool| {
                    if b {
                        self.vars.mk_true()
                    } else {
                        self.vars.mk_false()
                    }
                };
                (constant(now == Tri::True), constant(now == Tri::False))
            }
        }
    }

    /// The change set a prime implicant stands for, if it is consistent: the
    /// unknown facts it settles, and the known facts it gives an outcome
    /// other than their outcome now.
    fn change_set(&self, cube: &Cube) -> Option<ChangeSet> {
        let mut set: ChangeSet = Vec::new();
        for (index, fact) in self.facts.iter().enumerate() {
            let literals: Vec<(usize, bool)> = cube
                .iter()
                .filter_map(|(var, value)| match self.meaning.get(var) {
                    Some(&(f, Some(atom))) if f == index => Some((atom, *value)),
                    _ => None,
                })
                .collect();
            let changed = match (fact.settled, &fact.now) {
                (Some(settled), _) => cube.contains(&(settled, true)),
                (None, Some(now)) => literals.iter().any(|(atom, value)| {
                    let position = fact.atoms.iter().position(|(i, _)| i == atom);
                    position.and_then(|p| now.get(p)) != Some(value)
                }),
                (None, None) => false,
            };
            if changed {
                set.push((index, literals));
            }
        }
        let consistent = set.iter().all(|(fact, literals)| {
            let (Some(vars), Some(regions)) = (self.facts.get(*fact), self.consistent.get(*fact))
            else {
                return false;
            };
            let cube: Vec<(BddVariable, bool)> = literals
                .iter()
                .filter_map(|(atom, value)| {
                    vars.atoms
                        .iter()
                        .find(|(i, _)| i == atom)
                        .map(|(_, v)| (*v, *value))
                })
                .collect();
            !regions.restrict(&cube).is_false()
        });
        consistent.then_some(set)
    }

    /// When the budget runs out: one working change set, made minimal by
    /// dropping facts and literals while it still works.
    fn witness(&self, goal: &Bdd) -> Option<ChangeSet> {
        let valuation = self.assumption().and(&self.root.0).sat_witness()?;
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
        let works = |set: &ChangeSet| primes::implies(&self.cube_of(set), goal);
        let mut index = 0;
        while index < set.len() {
            let mut without = set.clone();
            without.remove(index);
            if works(&without) {
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
                if works(&looser) {
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

    fn describe(
        &self,
        snapshot: &Snapshot<'_>,
        entity: Option<usize>,
        set: &ChangeSet,
    ) -> Vec<Change> {
        let resolved = snapshot.resolved();
        set.iter()
            .filter_map(|(fact_index, literals)| {
                let fact = self.facts.get(*fact_index)?;
                let info = resolved.fact(fact.fact)?;
                let literals: Vec<(Test, bool)> = literals
                    .iter()
                    .filter_map(|(atom, holds)| Some((self.atoms.get(*atom)?.test.clone(), *holds)))
                    .collect();
                let (to, condition) = match (fact.ty, literals.as_slice()) {
                    (FactType::Bool, [(Test::IsTrue, value)]) => (Some(*value), None),
                    (_, []) => (None, Some("any value".to_string())),
                    _ => {
                        let parts: Vec<(&Test, bool)> =
                            literals.iter().map(|(t, h)| (t, *h)).collect();
                        (None, Some(atoms::describe_condition(&parts)))
                    }
                };
                Some(Change {
                    fact: info.name.clone(),
                    scope: scope_of(resolved, fact.fact),
                    now: snapshot.fact_value(entity, fact.fact),
                    to,
                    condition,
                    literals,
                })
            })
            .collect()
    }
}

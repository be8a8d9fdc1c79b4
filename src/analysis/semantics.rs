//! The meaning of rules over every possible snapshot of facts.
//!
//! This is the one semantic engine behind the linter (never or always
//! satisfied, redundant conditions, equivalent rules) and `compare` (can two
//! versions of a rule decide differently?). A rule's meaning is a pair of
//! BDDs — *surely true* and *surely false* — over, per fact, a variable
//! "known" and one variable per atom on it ([`super::atoms`]). Two rules
//! mean the same when both BDDs agree on every consistent assignment, so
//! verdicts agree on every snapshot, unknown facts included: this is
//! Kleene's three-valued logic, not classical logic (`a or not a` is not
//! always satisfied: it is undetermined while `a` is unknown).
//!
//! Consistency (a known number lies in one region of its atoms) is a
//! constraint per fact, and a question about meanings needs the
//! constraints of the facts those meanings read only: the others are
//! satisfiable and independent. So every question costs what its meanings
//! cost, however many other rules and facts the set has — linear in the
//! rule set, never rules × facts. Equivalent rules are found by hashing
//! a canonical form ([`Space::canonical`]): the facts a meaning reads and
//! its BDDs restricted to their consistent values, equal exactly when two
//! meanings that read the same facts are equivalent.
//!
//! Facts are matched by name and type, so the meanings of two versions of a
//! rule set live in one space. Rules with a test the engine does not
//! reason about yet — two facts compared, arithmetic — have no meaning here
//! ([`NoMeaning::Beyond`]): the engine does not guess, and says so. Every BDD operation is paid for by a [`Budget`]; a meaning the
//! budget could not pay for is [`NoMeaning::Budget`].

use std::collections::BTreeSet;

use biodivine_lib_bdd::{Bdd, BddPartialValuation, BddValuation, BddVariable, BddVariableSet};
use rustc_hash::FxHashMap;

use super::atoms::{self, Atom, Beyond, Leaf, Test};
use super::budget::{Budget, Exhausted};
use super::linear::Bounds;
use super::relations::{self, Reading, Relation};
use crate::check::{Cond, CondKind, FactId, ResolvedRules, RuleId};
use crate::eval::Tri;
use crate::facts::FactValue;
use crate::syntax::ast::{CompareOp, FactType, NumberRange, Scope};

/// What a rule or condition means: when it is surely true, when surely false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meaning {
    /// The assignments under which it is satisfied.
    pub satisfied: Bdd,
    /// The assignments under which it is unsatisfied.
    pub unsatisfied: Bdd,
}

impl Meaning {
    /// The meaning of a test that holds where `holds` and fails where
    /// `fails`, or (not `positive`) of its negation.
    fn signed(holds: Bdd, fails: Bdd, positive: bool) -> Meaning {
        match positive {
            true => Meaning {
                satisfied: holds,
                unsatisfied: fails,
            },
            false => Meaning {
                satisfied: fails,
                unsatisfied: holds,
            },
        }
    }
}

/// Why a rule or condition has no meaning in the space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMeaning {
    /// It holds a test the engine does not reason about yet.
    Beyond(Beyond),
    /// The budget ran out before it was built.
    Budget,
}

impl From<Exhausted> for NoMeaning {
    fn from(_: Exhausted) -> NoMeaning {
        NoMeaning::Budget
    }
}

/// A fact in the shared space.
struct FactVars {
    name: String,
    ty: FactType,
    scope: Scope,
    /// For a number, the values it may take in every rule set given (the
    /// ranges of all versions, intersected: a witness must suit each).
    range: NumberRange,
    /// For a string or set, the words every version allows (intersected),
    /// if any version has a vocabulary.
    vocabulary: Option<Vec<String>>,
    /// Whether the fact is known: one variable, or for a set one per atom
    /// (a set may be known in part: whether it holds one string, and not
    /// another).
    known: Vec<BddVariable>,
    atoms: Vec<(Test, BddVariable)>,
    /// The variable of each test.
    by_test: FxHashMap<Test, BddVariable>,
    /// When known, its atoms take the outcomes of one region (`None`: any
    /// outcomes, as for bools and sets, and for the members of a group,
    /// whose constraint is the group's); `Err` if the budget could not pay.
    regions: Result<Option<Bdd>, Exhausted>,
    /// The group of facts it is related with, if any (by position).
    group: Option<usize>,
}

/// What a variable says something of.
#[derive(Debug, Clone, Copy)]
enum Owner {
    /// A fact (by position): whether it is known, or a test's outcome.
    Fact(usize),
    /// A relation (by position): whether it surely holds, or surely fails.
    Relation(usize),
}

/// One way a group's tests and relations come out: the values of their
/// variables, and a value of each known member (by index among them).
struct GroupCell {
    literals: Vec<(BddVariable, bool)>,
    /// A value of each known member (by index among them), where a fact
    /// can hold one.
    values: Vec<(usize, Option<FactValue>)>,
}

/// A relation between facts, over the space's facts (its fact ids are
/// positions in the space), with its variables: surely true, surely false.
struct RelationVars {
    relation: Relation,
    satisfied: BddVariable,
    unsatisfied: BddVariable,
}

/// Facts tied together by relations: their values are constrained
/// together (which tests and relations can come out how), not one by one.
struct Group {
    /// The facts, by position.
    members: Vec<usize>,
    /// Its relations, by position in [`Space::relations`].
    relations: Vec<usize>,
    /// The outcomes its tests and relations can take together, by what is
    /// known of its members; `Err` if the budget could not pay.
    constraint: Result<Bdd, Exhausted>,
}

/// Facts with example values: a snapshot where two meanings differ.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Witness {
    /// World facts that must be known, with a value.
    pub world: Vec<(String, FactValue)>,
    /// Entity facts that must be known, with a value (for one entity).
    pub entity: Vec<(String, FactValue)>,
}

/// A meaning's canonical form: the facts it reads (by position) and its
/// two BDDs restricted to consistent values of those facts. Two meanings
/// that read the same facts are equivalent exactly when their forms are
/// equal. (Two rules that read different facts can mean the same only
/// through values those facts cannot take together; they are not found.)
pub type Canonical = (Vec<usize>, Bdd, Bdd);

/// The shared space of one or more rule sets.
pub struct Space {
    vars: BddVariableSet,
    facts: Vec<FactVars>,
    /// Each fact's position, by name and type.
    by_name: FxHashMap<(String, FactType), usize>,
    /// What each variable says something of: a fact, or a relation.
    fact_of: Vec<Owner>,
    /// Per rule set, per rule: its meaning.
    meanings: Vec<Vec<Result<Meaning, NoMeaning>>>,
    /// The relations the rules hold, once each.
    relations: Vec<RelationVars>,
    /// The groups of related facts.
    groups: Vec<Group>,
    /// The consistency constraint of each set of facts asked about so far.
    constraints: std::cell::RefCell<FxHashMap<Vec<usize>, Bdd>>,
}

impl Space {
    /// Builds the space of the given rule sets and, as far as the budget
    /// pays, the meaning of every rule; `Err` if they test more than 65,535
    /// conditions.
    pub fn new(sets: &[&ResolvedRules], budget: &Budget) -> Result<Space, String> {
        let every: Vec<Vec<RuleId>> = sets
            .iter()
            .map(|set| set.evaluation_order.clone())
            .collect();
        Space::of_rules(sets, &every, budget)
    }

    /// The space of the given rule sets, with the meanings of the given
    /// rules of each set (and of the rules they refer to) only: a question
    /// about one rule is not held up by others.
    pub fn of_rules(
        sets: &[&ResolvedRules],
        wanted: &[Vec<RuleId>],
        budget: &Budget,
    ) -> Result<Space, String> {
        let closures: Vec<Vec<RuleId>> = sets
            .iter()
            .zip(wanted)
            .map(|(set, rules)| closure_in_order(set, rules))
            .collect();
        let (facts, relations) = collect_tests(sets, &closures);
        let count = facts
            .iter()
            .map(|(_, ty, _, tests)| tests.len() + knowledge_count(*ty, tests.len()))
            .sum::<usize>()
            + 2 * relations.len();
        let vars = BddVariableSet::new_anonymous(
            u16::try_from(count)
                .map_err(|_| "the rules test more than 65,535 conditions".to_string())?,
        );
        let mut next = vars.variables().into_iter();
        let mut spaces = Vec::with_capacity(facts.len());
        let mut fact_of = Vec::with_capacity(count);
        for (index, (name, ty, scope, tests)) in facts.into_iter().enumerate() {
            let mut known = Vec::new();
            for _ in 0..knowledge_count(ty, tests.len()) {
                known.push(next.next().ok_or("variables ran out")?);
                fact_of.push(Owner::Fact(index));
            }
            let mut atoms = Vec::with_capacity(tests.len());
            for test in tests {
                atoms.push((test, next.next().ok_or("variables ran out")?));
                fact_of.push(Owner::Fact(index));
            }
            let by_test = atoms.iter().cloned().collect();
            let range = common_range(sets, &name, ty);
            let vocabulary = common_vocabulary(sets, &name, ty);
            spaces.push(FactVars {
                name,
                ty,
                scope,
                range,
                vocabulary,
                known,
                atoms,
                by_test,
                regions: Ok(None),
                group: None,
            });
        }
        let mut relation_vars = Vec::with_capacity(relations.len());
        for (index, relation) in relations.into_iter().enumerate() {
            let mut variable = || {
                fact_of.push(Owner::Relation(index));
                next.next().ok_or("variables ran out")
            };
            relation_vars.push(RelationVars {
                satisfied: variable()?,
                unsatisfied: variable()?,
                relation,
            });
        }
        let groups = groups_of(spaces.len(), &relation_vars);
        for (index, group) in groups.iter().enumerate() {
            for member in &group.members {
                if let Some(fact) = spaces.get_mut(*member) {
                    fact.group = Some(index);
                }
            }
        }
        let by_name = spaces
            .iter()
            .enumerate()
            .map(|(index, fact)| ((fact.name.clone(), fact.ty), index))
            .collect();
        let mut space = Space {
            vars,
            facts: spaces,
            by_name,
            fact_of,
            meanings: Vec::new(),
            relations: relation_vars,
            groups,
            constraints: std::cell::RefCell::default(),
        };
        let regions: Vec<_> = space
            .facts
            .iter()
            .map(|f| space.regions(f, budget))
            .collect();
        for (fact, regions) in space.facts.iter_mut().zip(regions) {
            fact.regions = regions;
        }
        let constraints: Vec<_> = space
            .groups
            .iter()
            .map(|group| space.group_constraint(group, budget))
            .collect();
        for (group, constraint) in space.groups.iter_mut().zip(constraints) {
            group.constraint = constraint;
        }
        for (set, rules) in sets.iter().zip(&closures) {
            let meanings = space.rule_meanings(set, rules, budget);
            space.meanings.push(meanings);
        }
        Ok(space)
    }

    /// The atom outcomes a known fact can really have: one cube per region
    /// of its values (`None` for bools and sets, whose atoms are independent).
    fn regions(&self, fact: &FactVars, budget: &Budget) -> Result<Option<Bdd>, Exhausted> {
        if !has_regions(fact) {
            return Ok(None);
        }
        let tests: Vec<&Test> = fact.atoms.iter().map(|(t, _)| t).collect();
        let mut regions = self.vars.mk_false();
        for value in atoms::representatives(fact.ty, &tests, fact.domain()) {
            budget.spend(fact.atoms.len() as u64)?;
            let cube = BddPartialValuation::from_values_iter(
                fact.atoms
                    .iter()
                    .map(|(test, var)| (*var, test.holds(&value).unwrap_or(false))),
            );
            regions = budget.or(&regions, &self.vars.mk_conjunctive_clause(&cube))?;
        }
        Ok(Some(regions))
    }

    /// The meanings of `rules` (in evaluation order) of `set`.
    fn rule_meanings(
        &self,
        set: &ResolvedRules,
        rules: &[RuleId],
        budget: &Budget,
    ) -> Vec<Result<Meaning, NoMeaning>> {
        let mut meanings: Vec<Result<Meaning, NoMeaning>> =
            vec![Err(NoMeaning::Budget); set.rules.len()];
        for id in rules {
            let Some(rule) = set.rule(*id) else { continue };
            let meaning = self
                .meaning(set, &rule.requires, &meanings, budget)
                .and_then(|requires| {
                    let Some(unless) = &rule.unless else {
                        return Ok(requires);
                    };
                    let unless = self.meaning(set, unless, &meanings, budget)?;
                    Ok(Meaning {
                        satisfied: budget.and(&requires.satisfied, &unless.unsatisfied)?,
                        unsatisfied: budget.or(&requires.unsatisfied, &unless.satisfied)?,
                    })
                });
            if let Some(cell) = meanings.get_mut(id.index()) {
                *cell = meaning;
            }
        }
        meanings
    }

    /// The meaning of a condition of `set`; `rules` holds the meanings of
    /// the rules it may refer to.
    pub fn meaning(
        &self,
        set: &ResolvedRules,
        cond: &Cond,
        rules: &[Result<Meaning, NoMeaning>],
        budget: &Budget,
    ) -> Result<Meaning, NoMeaning> {
        let constant = |b: bool| {
            if b {
                self.vars.mk_true()
            } else {
                self.vars.mk_false()
            }
        };
        Ok(match &cond.kind {
            CondKind::Not(inner) => {
                let inner = self.meaning(set, inner, rules, budget)?;
                Meaning {
                    satisfied: inner.unsatisfied,
                    unsatisfied: inner.satisfied,
                }
            }
            CondKind::And(parts) => {
                let mut all = Meaning {
                    satisfied: constant(true),
                    unsatisfied: constant(false),
                };
                for part in parts {
                    let part = self.meaning(set, part, rules, budget)?;
                    all = self.and(&all, &part, budget)?;
                }
                all
            }
            CondKind::Or(parts) => {
                let mut any = Meaning {
                    satisfied: constant(false),
                    unsatisfied: constant(true),
                };
                for part in parts {
                    let part = self.meaning(set, part, rules, budget)?;
                    any = self.or(&any, &part, budget)?;
                }
                any
            }
            CondKind::Rule(id) => rules
                .get(id.index())
                .cloned()
                .unwrap_or(Err(NoMeaning::Budget))?,
            CondKind::CompareConds { op, lhs, rhs } => {
                let (l, r) = (
                    self.meaning(set, lhs, rules, budget)?,
                    self.meaning(set, rhs, rules, budget)?,
                );
                let same = budget.or(
                    &budget.and(&l.satisfied, &r.satisfied)?,
                    &budget.and(&l.unsatisfied, &r.unsatisfied)?,
                )?;
                let differ = budget.or(
                    &budget.and(&l.satisfied, &r.unsatisfied)?,
                    &budget.and(&l.unsatisfied, &r.satisfied)?,
                )?;
                match op {
                    CompareOp::Eq => Meaning {
                        satisfied: same,
                        unsatisfied: differ,
                    },
                    _ => Meaning {
                        satisfied: differ,
                        unsatisfied: same,
                    },
                }
            }
            _ => match atoms::leaf(cond) {
                Some(Ok(Leaf::Const(b))) => Meaning {
                    satisfied: constant(b),
                    unsatisfied: constant(!b),
                },
                Some(Ok(Leaf::Atom { atom, positive })) => {
                    let (known, value, range) = self
                        .atom(set, &atom)
                        .ok_or(NoMeaning::Beyond(Beyond::ComparesTwoFacts))?;
                    let mut holds = budget.and(&known, &value)?;
                    let mut fails = budget.and_not(&known, &value)?;
                    // Unknown, a number may still be decided by its range.
                    match atom.test.outcome(None, range) {
                        Tri::True => holds = budget.or(&holds, &known.not())?,
                        Tri::False => fails = budget.or(&fails, &known.not())?,
                        Tri::Unknown => {}
                    }
                    Meaning::signed(holds, fails, positive)
                }
                Some(Ok(Leaf::Relation { relation, positive })) => {
                    let vars = self
                        .relation(set, &relation)
                        .ok_or(NoMeaning::Beyond(Beyond::ComparesTwoFacts))?;
                    let holds = self.vars.mk_var(vars.satisfied);
                    let fails = self.vars.mk_var(vars.unsatisfied);
                    Meaning::signed(holds, fails, positive)
                }
                Some(Err(beyond)) => return Err(NoMeaning::Beyond(beyond)),
                // (Never: junctions, `not` and rules are met above.)
                None => return Err(NoMeaning::Beyond(Beyond::ComparesTwoFacts)),
            },
        })
    }

    /// Kleene `and` of two meanings.
    pub fn and(&self, a: &Meaning, b: &Meaning, budget: &Budget) -> Result<Meaning, Exhausted> {
        Ok(Meaning {
            satisfied: budget.and(&a.satisfied, &b.satisfied)?,
            unsatisfied: budget.or(&a.unsatisfied, &b.unsatisfied)?,
        })
    }

    /// Kleene `or` of two meanings.
    pub fn or(&self, a: &Meaning, b: &Meaning, budget: &Budget) -> Result<Meaning, Exhausted> {
        Ok(Meaning {
            satisfied: budget.or(&a.satisfied, &b.satisfied)?,
            unsatisfied: budget.and(&a.unsatisfied, &b.unsatisfied)?,
        })
    }

    /// The meaning that holds everywhere: the unit of `and`.
    pub fn always(&self) -> Meaning {
        Meaning {
            satisfied: self.vars.mk_true(),
            unsatisfied: self.vars.mk_false(),
        }
    }

    /// The meaning that holds nowhere: the unit of `or`.
    pub fn never(&self) -> Meaning {
        Meaning {
            satisfied: self.vars.mk_false(),
            unsatisfied: self.vars.mk_true(),
        }
    }

    fn atom(&self, set: &ResolvedRules, atom: &Atom) -> Option<(Bdd, Bdd, NumberRange)> {
        let info = set.fact(atom.fact)?;
        let fact = self
            .facts
            .get(*self.by_name.get(&(info.name.clone(), info.ty))?)?;
        let var = *fact.by_test.get(&atom.test)?;
        let position = fact.atoms.iter().position(|(_, v)| *v == var)?;
        Some((
            self.vars.mk_var(fact.known_of(position)?),
            self.vars.mk_var(var),
            fact.range,
        ))
    }

    /// The variables of a relation of `set`, found by its facts' names.
    fn relation(&self, set: &ResolvedRules, relation: &Relation) -> Option<&RelationVars> {
        let mapped = self.in_space(set, relation)?;
        self.relations.iter().find(|r| r.relation == mapped)
    }

    /// A relation of `set` with its facts as positions in the space.
    fn in_space(&self, set: &ResolvedRules, relation: &Relation) -> Option<Relation> {
        relation.mapped(|fact| {
            let info = set.fact(fact)?;
            let position = *self.by_name.get(&(info.name.clone(), info.ty))?;
            Some(FactId(u32::try_from(position).ok()?))
        })
    }

    /// The outcomes a group's tests and relations can take together: for
    /// each way of knowing its members (each known or not), the cells of
    /// the known members' values, the unknown ones any value of their
    /// range.
    fn group_constraint(&self, group: &Group, budget: &Budget) -> Result<Bdd, Exhausted> {
        let patterns = 1u64
            .checked_shl(group.members.len() as u32)
            .ok_or(Exhausted)?;
        budget.spend(patterns)?;
        let mut all = self.vars.mk_false();
        for pattern in 0..patterns {
            let known = |index: usize| pattern & (1 << index) != 0;
            let cells = self.group_cells(group, &known, budget)?;
            let mut knowledge: Vec<(BddVariable, bool)> = Vec::new();
            for (index, member) in group.members.iter().enumerate() {
                if let Some(member) = self.facts.get(*member) {
                    knowledge.extend(member.known.iter().map(|k| (*k, known(index))));
                }
            }
            for cell in cells {
                let mut cube = knowledge.clone();
                cube.extend(cell.literals);
                let cube = BddPartialValuation::from_values_iter(cube.into_iter());
                all = budget.or(&all, &self.vars.mk_conjunctive_clause(&cube))?;
            }
        }
        Ok(all)
    }

    /// The cells of a group whose members `known` (by index among them)
    /// are known, the others unknown: each as the values of the known
    /// members' test variables and of the relations' variables, with the
    /// known members' values (by index among them).
    fn group_cells(
        &self,
        group: &Group,
        known: &dyn Fn(usize) -> bool,
        budget: &Budget,
    ) -> Result<Vec<GroupCell>, Exhausted> {
        let free: Vec<usize> = (0..group.members.len()).filter(|i| known(*i)).collect();
        let member = |index: usize| group.members.get(index).and_then(|m| self.facts.get(*m));
        let bounds: Vec<Bounds> = free
            .iter()
            .filter_map(|i| member(*i))
            .map(|m| relations::bounds_of(m.range))
            .collect();
        let mut tests = Vec::new();
        let mut test_vars = Vec::new();
        for (variable, index) in free.iter().enumerate() {
            for (test, var) in member(*index).map_or(&[][..], |m| &m.atoms) {
                tests.push((variable, test.clone()));
                test_vars.push(*var);
            }
        }
        let relations: Vec<&RelationVars> = group
            .relations
            .iter()
            .filter_map(|r| self.relations.get(*r))
            .collect();
        let plain: Vec<Relation> = relations.iter().map(|r| r.relation.clone()).collect();
        let reading = |fact: FactId| {
            let index = group.members.iter().position(|m| *m == fact.index());
            match index.and_then(|i| free.iter().position(|f| *f == i)) {
                Some(variable) => Reading::Free(variable),
                None => Reading::Unknown(
                    self.facts
                        .get(fact.index())
                        .map(|f| relations::bounds_of(f.range))
                        .unwrap_or_default(),
                ),
            }
        };
        let words = self.words(group);
        let cells = match &words {
            Some(words) => {
                // Each member any word: of its vocabulary, or any named one
                // and as many fresh ones as there are members.
                let choices: Vec<Vec<usize>> = free
                    .iter()
                    .filter_map(|i| member(*i))
                    .map(|m| words.choices(m.vocabulary.as_deref(), free.len()))
                    .collect();
                relations::word_cells(&choices, &tests, &plain, reading, words, budget)?
            }
            None => relations::cells(&bounds, &tests, &plain, reading, budget)?,
        };
        Ok(cells
            .into_iter()
            .map(|cell| {
                let mut literals: Vec<(BddVariable, bool)> = test_vars
                    .iter()
                    .copied()
                    .zip(cell.tests.iter().copied())
                    .collect();
                for (vars, outcome) in relations.iter().zip(&cell.relations) {
                    literals.push((vars.satisfied, *outcome == Tri::True));
                    literals.push((vars.unsatisfied, *outcome == Tri::False));
                }
                // Words spelled together: fresh ones alike only where equal.
                let values: Vec<Option<FactValue>> = match &words {
                    Some(words) => words
                        .spell_point(&cell.point)
                        .into_iter()
                        .map(|w| Some(FactValue::String(w)))
                        .collect(),
                    None => cell
                        .point
                        .iter()
                        .map(|q| relations::to_decimal(q).map(FactValue::Number))
                        .collect(),
                };
                let values = free.iter().copied().zip(values).collect();
                GroupCell { literals, values }
            })
            .collect())
    }

    /// For a group of string facts, the words it can take: those its
    /// tests name and its members' vocabularies hold.
    fn words(&self, group: &Group) -> Option<relations::Words> {
        let members: Vec<&FactVars> = group
            .members
            .iter()
            .filter_map(|m| self.facts.get(*m))
            .collect();
        if members.iter().any(|m| m.ty != FactType::String) {
            return None;
        }
        let mut words = relations::Words::default();
        for member in members {
            for (test, _) in &member.atoms {
                match test {
                    Test::Equals(word) => words.name(word),
                    Test::OneOf(items) => items.iter().for_each(|w| words.name(w)),
                    _ => {}
                }
            }
            member
                .vocabulary
                .iter()
                .flatten()
                .for_each(|w| words.name(w));
        }
        Some(words)
    }

    /// Values of a group's known members that give the valuation's test
    /// and relation outcomes, by position in the space.
    fn group_example(
        &self,
        group: &Group,
        valuation: &BddValuation,
        budget: &Budget,
    ) -> Result<Vec<(usize, FactValue)>, Exhausted> {
        let known = |index: usize| {
            group
                .members
                .get(index)
                .and_then(|m| self.facts.get(*m))
                .and_then(|m| m.known.first())
                .is_some_and(|k| valuation.value(*k))
        };
        for cell in self.group_cells(group, &known, budget)? {
            if !cell
                .literals
                .iter()
                .all(|(var, value)| valuation.value(*var) == *value)
            {
                continue;
            }
            let values: Option<Vec<(usize, FactValue)>> = cell
                .values
                .iter()
                .map(|(index, value)| Some((*group.members.get(*index)?, value.clone()?)))
                .collect();
            if let Some(values) = values {
                return Ok(values);
            }
        }
        Ok(Vec::new())
    }

    /// The meaning of a rule of the `set`-th rule set given to [`Space::new`].
    pub fn rule(&self, set: usize, rule: RuleId) -> Result<&Meaning, NoMeaning> {
        match self.meanings.get(set).and_then(|m| m.get(rule.index())) {
            Some(Ok(meaning)) => Ok(meaning),
            Some(Err(why)) => Err(*why),
            None => Err(NoMeaning::Budget),
        }
    }

    /// The meanings of every rule of the `set`-th rule set, by rule id.
    pub fn meanings(&self, set: usize) -> &[Result<Meaning, NoMeaning>] {
        self.meanings.get(set).map_or(&[], Vec::as_slice)
    }

    /// The facts (by position) whose variables some of `bdds` read.
    /// A relation's variables read every fact of the relation.
    fn support(&self, bdds: &[&Bdd]) -> BTreeSet<usize> {
        let mut facts = BTreeSet::new();
        for var in bdds.iter().flat_map(|bdd| bdd.support_set()) {
            match self.fact_of.get(var.to_index()) {
                Some(Owner::Fact(fact)) => {
                    facts.insert(*fact);
                }
                Some(Owner::Relation(relation)) => {
                    let relation = self.relations.get(*relation).map(|r| &r.relation);
                    facts.extend(
                        relation
                            .into_iter()
                            .flat_map(|r| r.facts().map(FactId::index)),
                    );
                }
                None => {}
            }
        }
        facts
    }

    /// The consistency constraints of the given facts: a known fact takes
    /// values in one of its regions.
    fn consistency(&self, facts: &BTreeSet<usize>, budget: &Budget) -> Result<Bdd, Exhausted> {
        let constrained: Vec<usize> = facts
            .iter()
            .copied()
            .filter(|f| {
                self.facts
                    .get(*f)
                    .is_some_and(|fact| has_regions(fact) || fact.group.is_some())
            })
            .collect();
        if let Some(known) = self.constraints.borrow().get(&constrained) {
            return Ok(known.clone());
        }
        let mut all = self.vars.mk_true();
        let mut groups_met = BTreeSet::new();
        for fact in constrained.iter().filter_map(|f| self.facts.get(*f)) {
            if let Some(group) = fact.group {
                if groups_met.insert(group) {
                    if let Some(group) = self.groups.get(group) {
                        let constraint = group.constraint.as_ref().map_err(|e| *e)?;
                        all = budget.and(&all, constraint)?;
                    }
                }
                continue;
            }
            let (Some(regions), Some(known)) =
                (fact.regions.as_ref().map_err(|e| *e)?, fact.known.first())
            else {
                continue;
            };
            let constraint = budget.imp(&self.vars.mk_var(*known), regions)?;
            all = budget.and(&all, &constraint)?;
        }
        self.constraints
            .borrow_mut()
            .insert(constrained, all.clone());
        Ok(all)
    }

    /// `bdd` restricted to consistent assignments of the facts it reads
    /// (and those of `also`): satisfiable exactly when some snapshot
    /// satisfies it.
    fn consistent(&self, bdd: &Bdd, also: &[&Bdd], budget: &Budget) -> Result<Bdd, Exhausted> {
        let mut bdds = vec![bdd];
        bdds.extend_from_slice(also);
        let constraint = self.consistency(&self.support(&bdds), budget)?;
        budget.and(bdd, &constraint)
    }

    /// Whether no snapshot of facts satisfies it.
    pub fn never_satisfied(&self, meaning: &Meaning, budget: &Budget) -> Result<bool, Exhausted> {
        Ok(self.consistent(&meaning.satisfied, &[], budget)?.is_false())
    }

    /// Whether every snapshot that knows all facts satisfies it.
    pub fn always_satisfied_when_known(
        &self,
        meaning: &Meaning,
        budget: &Budget,
    ) -> Result<bool, Exhausted> {
        let facts = self.support(&[&meaning.satisfied]);
        let mut all_known = self.consistency(&facts, budget)?;
        for fact in facts.iter().filter_map(|f| self.facts.get(*f)) {
            for known in &fact.known {
                all_known = budget.and(&all_known, &self.vars.mk_var(*known))?;
            }
        }
        Ok(budget.and_not(&all_known, &meaning.satisfied)?.is_false())
    }

    /// Whether a meaning is satisfied on every snapshot, facts known or
    /// not (ranges can make it so: `troops_offered >= 0` for a fact `from 0`).
    pub fn always_satisfied(&self, meaning: &Meaning, budget: &Budget) -> Result<bool, Exhausted> {
        let facts = self.support(&[&meaning.satisfied]);
        let consistent = self.consistency(&facts, budget)?;
        Ok(budget.and_not(&consistent, &meaning.satisfied)?.is_false())
    }

    /// The canonical form of a meaning (see [`Canonical`]).
    pub fn canonical(&self, meaning: &Meaning, budget: &Budget) -> Result<Canonical, Exhausted> {
        let facts = self.support(&[&meaning.satisfied, &meaning.unsatisfied]);
        let constraint = self.consistency(&facts, budget)?;
        Ok((
            facts.into_iter().collect(),
            budget.and(&meaning.satisfied, &constraint)?,
            budget.and(&meaning.unsatisfied, &constraint)?,
        ))
    }

    /// Whether two meanings give the same verdict on every snapshot.
    pub fn equivalent(&self, a: &Meaning, b: &Meaning, budget: &Budget) -> Result<bool, Exhausted> {
        Ok(self.difference(a, b, budget)?.is_false())
    }

    /// The consistent assignments on which two meanings differ.
    fn difference(&self, a: &Meaning, b: &Meaning, budget: &Budget) -> Result<Bdd, Exhausted> {
        let differ = budget.or(
            &budget.xor(&a.satisfied, &b.satisfied)?,
            &budget.xor(&a.unsatisfied, &b.unsatisfied)?,
        )?;
        self.consistent(&differ, &[], budget)
    }

    /// Whether the meaning depends on no fact of the given scope.
    pub fn independent_of(&self, meaning: &Meaning, scope: Scope) -> bool {
        self.support(&[&meaning.satisfied, &meaning.unsatisfied])
            .iter()
            .filter_map(|f| self.facts.get(*f))
            .all(|fact| fact.scope != scope)
    }

    /// A snapshot on which two meanings differ, with as few known facts as
    /// the search finds (facts are made unknown one by one while the
    /// difference stays); `None` if they are equivalent.
    pub fn witness(
        &self,
        a: &Meaning,
        b: &Meaning,
        budget: &Budget,
    ) -> Result<Option<Witness>, Exhausted> {
        let difference = self.difference(a, b, budget)?;
        let Some(mut valuation) = difference.sat_witness() else {
            return Ok(None);
        };
        // Only the facts the difference reads matter; every other is unknown.
        let relevant = self.support(&[&difference]);
        let mut known = Vec::new();
        for fact in relevant.iter().filter_map(|f| self.facts.get(*f)) {
            let mut still_known = false;
            for knowledge in &fact.known {
                if !valuation.value(*knowledge) {
                    continue;
                }
                budget.spend(difference.size() as u64)?;
                valuation.set_value(*knowledge, false);
                if !difference.eval_in(&valuation) {
                    valuation.set_value(*knowledge, true);
                    still_known = true;
                }
            }
            if still_known {
                known.push(fact);
            }
        }
        let mut witness = Witness {
            world: Vec::new(),
            entity: Vec::new(),
        };
        // Related facts take their values together, from one cell.
        let mut group_values: FxHashMap<usize, FactValue> = FxHashMap::default();
        let groups: BTreeSet<usize> = known.iter().filter_map(|f| f.group).collect();
        for group in groups.iter().filter_map(|g| self.groups.get(*g)) {
            group_values.extend(self.group_example(group, &valuation, budget)?);
        }
        for fact in known {
            let position = self.by_name.get(&(fact.name.clone(), fact.ty)).copied();
            let value = match fact.group {
                Some(_) => position.and_then(|p| group_values.remove(&p)),
                None => self.example(fact, &valuation),
            };
            let Some(value) = value else {
                continue;
            };
            let list = match fact.scope {
                Scope::World => &mut witness.world,
                Scope::Entity => &mut witness.entity,
            };
            list.push((fact.name.clone(), value));
        }
        Ok(Some(witness))
    }

    /// A value of the fact whose test outcomes are those of the valuation.
    fn example(&self, fact: &FactVars, valuation: &BddValuation) -> Option<FactValue> {
        let wanted: Vec<bool> = fact
            .atoms
            .iter()
            .map(|(_, v)| valuation.value(*v))
            .collect();
        if fact.ty == FactType::StringSet {
            // The strings whose membership is known: held, or lacked.
            let (mut has, mut lacks, mut partly) = (Vec::new(), Vec::new(), false);
            for (((test, _), holds), known) in fact.atoms.iter().zip(&wanted).zip(&fact.known) {
                let Test::Contains(item) = test else { continue };
                match (valuation.value(*known), holds) {
                    (false, _) => partly = true,
                    (true, true) => has.push(item.clone()),
                    (true, false) => lacks.push(item.clone()),
                }
            }
            return Some(match partly {
                true => FactValue::PartialSet { has, lacks },
                false => FactValue::Strings(has),
            });
        }
        let tests: Vec<&Test> = fact.atoms.iter().map(|(t, _)| t).collect();
        atoms::representatives(fact.ty, &tests, fact.domain())
            .into_iter()
            .find(|value| {
                tests
                    .iter()
                    .zip(&wanted)
                    .all(|(t, w)| t.holds(value) == Some(*w))
            })
            .map(|value| super::to_fact_value(&value))
            .or(match (fact.ty, wanted.first()) {
                (FactType::Bool, Some(b)) => Some(FactValue::Bool(*b)),
                _ => None,
            })
    }
}

/// How many variables say what is known of a fact: one, or for a set one
/// per atom.
fn knowledge_count(ty: FactType, atoms: usize) -> usize {
    match ty {
        FactType::StringSet => atoms,
        _ => 1,
    }
}

impl FactVars {
    /// The variable saying whether atom `position`'s outcome is known.
    fn known_of(&self, position: usize) -> Option<BddVariable> {
        match self.ty {
            FactType::StringSet => self.known.get(position).copied(),
            _ => self.known.first().copied(),
        }
    }

    fn domain(&self) -> atoms::Domain<'_> {
        atoms::Domain {
            range: self.range,
            vocabulary: self.vocabulary.as_deref(),
        }
    }
}

/// Whether a fact's atoms are tied together by the regions of its values
/// (numbers and strings) rather than independent (bools and sets).
fn has_regions(fact: &FactVars) -> bool {
    matches!(fact.ty, FactType::Number | FactType::String)
        && !fact.atoms.is_empty()
        && fact.group.is_none()
}

/// Every fact the rule sets test, by name and type in order of first use,
/// with the tests on it (each once).
/// The rules `wanted` reach (themselves included), in evaluation order.
fn closure_in_order(set: &ResolvedRules, wanted: &[RuleId]) -> Vec<RuleId> {
    let mut reached: rustc_hash::FxHashSet<RuleId> = rustc_hash::FxHashSet::default();
    let mut pending: Vec<RuleId> = wanted.to_vec();
    while let Some(id) = pending.pop() {
        if reached.insert(id) {
            if let Some(rule) = set.rule(id) {
                pending.extend(rule.conditions().flat_map(|c| c.rules_referenced()));
            }
        }
    }
    let mut rules: Vec<RuleId> = reached.into_iter().collect();
    rules.sort_by_key(|id| {
        set.evaluation_position
            .get(id.index())
            .copied()
            .unwrap_or(usize::MAX)
    });
    rules
}

/// The words a fact may hold in every rule set that declares it with a
/// vocabulary, intersected (`None`: no version has one).
fn common_vocabulary(sets: &[&ResolvedRules], name: &str, ty: FactType) -> Option<Vec<String>> {
    let mut common: Option<Vec<String>> = None;
    for set in sets {
        let Some(info) = set.fact_id(name).and_then(|id| set.fact(id)) else {
            continue;
        };
        if info.ty != ty {
            continue;
        }
        if let Some(words) = &info.vocabulary {
            common = Some(match common {
                Some(mut kept) => {
                    kept.retain(|w| words.binary_search(w).is_ok());
                    kept
                }
                None => words.clone(),
            });
        }
    }
    common
}

/// The range a fact has in every rule set that declares it (by name and
/// type), intersected.
fn common_range(sets: &[&ResolvedRules], name: &str, ty: FactType) -> NumberRange {
    let mut range = NumberRange::ANY;
    for set in sets {
        let Some(info) = set.fact_id(name).and_then(|id| set.fact(id)) else {
            continue;
        };
        if info.ty != ty {
            continue;
        }
        range.lo = match (range.lo, info.range.lo) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        range.hi = match (range.hi, info.range.hi) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    range
}

/// A fact of the space: its name, type, scope and the tests on it.
type SpaceFact = (String, FactType, Scope, Vec<Test>);

/// Every fact the rule sets test, by name and type in order of first use,
/// with the tests on it (each once), and the relations between facts
/// (each once, its facts as positions among them).
fn collect_tests(
    sets: &[&ResolvedRules],
    closures: &[Vec<RuleId>],
) -> (Vec<SpaceFact>, Vec<Relation>) {
    let mut facts: Vec<SpaceFact> = Vec::new();
    let mut relations: Vec<Relation> = Vec::new();
    let mut position: FxHashMap<(String, FactType), usize> = FxHashMap::default();
    let mut seen: rustc_hash::FxHashSet<(usize, Test)> = rustc_hash::FxHashSet::default();
    for (set, rules) in sets.iter().zip(closures) {
        let mut place = |fact: FactId, facts: &mut Vec<SpaceFact>| {
            let info = set.fact(fact)?;
            let key = (info.name.clone(), info.ty);
            Some(*position.entry(key).or_insert_with(|| {
                facts.push((info.name.clone(), info.ty, info.scope, Vec::new()));
                facts.len() - 1
            }))
        };
        for rule in rules.iter().filter_map(|id| set.rule(*id)) {
            for cond in rule.conditions() {
                cond.walk(|c| match atoms::leaf(c) {
                    Some(Ok(Leaf::Atom { atom, .. })) => {
                        let Some(index) = place(atom.fact, &mut facts) else {
                            return;
                        };
                        if seen.insert((index, atom.test.clone())) {
                            if let Some((_, _, _, tests)) = facts.get_mut(index) {
                                tests.push(atom.test);
                            }
                        }
                    }
                    Some(Ok(Leaf::Relation { relation, .. })) => {
                        let mapped = relation.mapped(|fact| {
                            Some(FactId(u32::try_from(place(fact, &mut facts)?).ok()?))
                        });
                        if let Some(mapped) = mapped {
                            if !relations.contains(&mapped) {
                                relations.push(mapped);
                            }
                        }
                    }
                    _ => {}
                });
            }
        }
    }
    (facts, relations)
}

/// The groups of facts (of `count`, by position) tied by relations: each
/// with its members and relations.
fn groups_of(count: usize, relations: &[RelationVars]) -> Vec<Group> {
    let mut parent: Vec<usize> = (0..count).collect();
    fn root(parent: &mut [usize], mut at: usize) -> usize {
        while let Some(&up) = parent.get(at) {
            if up == at {
                break;
            }
            at = up;
        }
        at
    }
    for relation in relations {
        let mut facts = relation.relation.facts().map(FactId::index);
        let Some(first) = facts.next() else { continue };
        for other in facts {
            let (a, b) = (root(&mut parent, first), root(&mut parent, other));
            if let Some(cell) = parent.get_mut(b) {
                *cell = a;
            }
        }
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut group_of_root: FxHashMap<usize, usize> = FxHashMap::default();
    for (index, relation) in relations.iter().enumerate() {
        let Some(first) = relation.relation.facts().next() else {
            continue;
        };
        let top = root(&mut parent, first.index());
        let group = *group_of_root.entry(top).or_insert_with(|| {
            groups.push(Group {
                members: Vec::new(),
                relations: Vec::new(),
                constraint: Err(Exhausted),
            });
            groups.len() - 1
        });
        if let Some(group) = groups.get_mut(group) {
            group.relations.push(index);
            for fact in relation.relation.facts() {
                if !group.members.contains(&fact.index()) {
                    group.members.push(fact.index());
                }
            }
        }
    }
    for group in &mut groups {
        group.members.sort_unstable();
    }
    groups
}

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
//! Facts are matched by name and type, so the meanings of two versions of a
//! rule set live in one space. Rules that compare two facts with each other
//! have no meaning here ([`Meaning`] is `None`): the engine does not guess.

use biodivine_lib_bdd::{Bdd, BddValuation, BddVariable, BddVariableSet};

use super::atoms::{self, Atom, Leaf, Test};
use crate::check::{Cond, CondKind, ResolvedRules, RuleId};
use crate::facts::FactValue;
use crate::syntax::ast::{CompareOp, FactType, Scope};

/// What a rule or condition means: when it is surely true, when surely false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meaning {
    /// The assignments under which it is satisfied.
    pub satisfied: Bdd,
    /// The assignments under which it is unsatisfied.
    pub unsatisfied: Bdd,
}

/// A fact in the shared space.
struct FactVars {
    name: String,
    ty: FactType,
    scope: Scope,
    known: BddVariable,
    atoms: Vec<(Test, BddVariable)>,
}

/// Facts with example values: a snapshot where two meanings differ.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Witness {
    /// World facts that must be known, with a value.
    pub world: Vec<(String, FactValue)>,
    /// Entity facts that must be known, with a value (for one entity).
    pub entity: Vec<(String, FactValue)>,
}

/// The shared space of one or more rule sets.
pub struct Space {
    vars: BddVariableSet,
    facts: Vec<FactVars>,
    consistent: Bdd,
    /// Per rule set, per rule: its meaning (`None`: it compares two facts).
    meanings: Vec<Vec<Option<Meaning>>>,
}

impl Space {
    /// Builds the space of the given rule sets and the meaning of every rule.
    pub fn new(sets: &[&ResolvedRules]) -> Result<Space, String> {
        let mut facts: Vec<(String, FactType, Scope, Vec<Test>)> = Vec::new();
        for set in sets {
            for rule in &set.rules {
                for cond in rule.conditions() {
                    cond.walk(|c| {
                        if let Some(Ok(Leaf::Atom { atom, .. })) = atoms::leaf(c) {
                            let Some(info) = set.fact(atom.fact) else {
                                return;
                            };
                            let position = facts
                                .iter()
                                .position(|(n, t, _, _)| *n == info.name && *t == info.ty);
                            let entry = match position {
                                Some(p) => facts.get_mut(p),
                                None => {
                                    facts.push((
                                        info.name.clone(),
                                        info.ty,
                                        info.scope,
                                        Vec::new(),
                                    ));
                                    facts.last_mut()
                                }
                            };
                            if let Some((_, _, _, tests)) = entry {
                                if !tests.contains(&atom.test) {
                                    tests.push(atom.test);
                                }
                            }
                        }
                    });
                }
            }
        }
        let count = facts
            .iter()
            .map(|(_, _, _, tests)| tests.len() + 1)
            .sum::<usize>();
        let vars = BddVariableSet::new_anonymous(
            u16::try_from(count).map_err(|_| "too many conditions".to_string())?,
        );
        let mut next = vars.variables().into_iter();
        let mut spaces = Vec::new();
        for (name, ty, scope, tests) in facts {
            let known = next.next().ok_or("variables ran out")?;
            let mut atoms = Vec::new();
            for test in tests {
                atoms.push((test, next.next().ok_or("variables ran out")?));
            }
            spaces.push(FactVars {
                name,
                ty,
                scope,
                known,
                atoms,
            });
        }
        let mut space = Space {
            consistent: vars.mk_true(),
            vars,
            facts: spaces,
            meanings: Vec::new(),
        };
        space.consistent = space.consistency();
        for set in sets {
            let meanings = space.rule_meanings(set);
            space.meanings.push(meanings);
        }
        Ok(space)
    }

    /// A known fact takes a value in one of its regions.
    fn consistency(&self) -> Bdd {
        let mut all = self.vars.mk_true();
        for fact in &self.facts {
            let tests: Vec<&Test> = fact.atoms.iter().map(|(t, _)| t).collect();
            let representatives = atoms::representatives(fact.ty, &tests);
            if representatives.is_empty() || fact.ty == FactType::Bool {
                continue;
            }
            let mut regions = self.vars.mk_false();
            for value in representatives {
                let mut cube = self.vars.mk_true();
                for (test, var) in &fact.atoms {
                    cube = cube.and(
                        &self
                            .vars
                            .mk_literal(*var, test.holds(&value).unwrap_or(false)),
                    );
                }
                regions = regions.or(&cube);
            }
            all = all.and(&self.vars.mk_var(fact.known).imp(&regions));
        }
        all
    }

    fn rule_meanings(&self, set: &ResolvedRules) -> Vec<Option<Meaning>> {
        let mut meanings: Vec<Option<Meaning>> = vec![None; set.rules.len()];
        for id in &set.evaluation_order {
            let Some(rule) = set.rule(*id) else { continue };
            let requires = self.meaning(set, &rule.requires, &meanings);
            let meaning = match &rule.unless {
                None => requires,
                Some(unless) => {
                    let unless = self.meaning(set, unless, &meanings);
                    requires.zip(unless).map(|(r, u)| Meaning {
                        satisfied: r.satisfied.and(&u.unsatisfied),
                        unsatisfied: r.unsatisfied.or(&u.satisfied),
                    })
                }
            };
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
        rules: &[Option<Meaning>],
    ) -> Option<Meaning> {
        let constant = |b: bool| {
            if b {
                self.vars.mk_true()
            } else {
                self.vars.mk_false()
            }
        };
        Some(match &cond.kind {
            CondKind::Not(inner) => {
                let inner = self.meaning(set, inner, rules)?;
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
                    let part = self.meaning(set, part, rules)?;
                    all = Meaning {
                        satisfied: all.satisfied.and(&part.satisfied),
                        unsatisfied: all.unsatisfied.or(&part.unsatisfied),
                    };
                }
                all
            }
            CondKind::Or(parts) => {
                let mut any = Meaning {
                    satisfied: constant(false),
                    unsatisfied: constant(true),
                };
                for part in parts {
                    let part = self.meaning(set, part, rules)?;
                    any = Meaning {
                        satisfied: any.satisfied.or(&part.satisfied),
                        unsatisfied: any.unsatisfied.and(&part.unsatisfied),
                    };
                }
                any
            }
            CondKind::Rule(id) => rules.get(id.index()).cloned().flatten()?,
            CondKind::CompareConds { op, lhs, rhs } => {
                let (l, r) = (
                    self.meaning(set, lhs, rules)?,
                    self.meaning(set, rhs, rules)?,
                );
                let same = l
                    .satisfied
                    .and(&r.satisfied)
                    .or(&l.unsatisfied.and(&r.unsatisfied));
                let differ = l
                    .satisfied
                    .and(&r.unsatisfied)
                    .or(&l.unsatisfied.and(&r.satisfied));
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
            _ => match atoms::leaf(cond)? {
                Ok(Leaf::Const(b)) => Meaning {
                    satisfied: constant(b),
                    unsatisfied: constant(!b),
                },
                Ok(Leaf::Atom { atom, positive }) => {
                    let (known, value) = self.atom(set, &atom)?;
                    let (holds, fails) = (known.and(&value), known.and(&value.not()));
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
                Err(_) => return None,
            },
        })
    }

    fn atom(&self, set: &ResolvedRules, atom: &Atom) -> Option<(Bdd, Bdd)> {
        let info = set.fact(atom.fact)?;
        let fact = self
            .facts
            .iter()
            .find(|f| f.name == info.name && f.ty == info.ty)?;
        let var = fact.atoms.iter().find(|(t, _)| *t == atom.test)?.1;
        Some((self.vars.mk_var(fact.known), self.vars.mk_var(var)))
    }

    /// The meaning of a rule of the `set`-th rule set given to [`Space::new`].
    pub fn rule(&self, set: usize, rule: RuleId) -> Option<&Meaning> {
        self.meanings.get(set)?.get(rule.index())?.as_ref()
    }

    /// Whether no snapshot of facts satisfies it.
    pub fn never_satisfied(&self, meaning: &Meaning) -> bool {
        self.consistent.and(&meaning.satisfied).is_false()
    }

    /// Whether every snapshot that knows all facts satisfies it.
    pub fn always_satisfied_when_known(&self, meaning: &Meaning) -> bool {
        let mut all_known = self.consistent.clone();
        for fact in &self.facts {
            all_known = all_known.and(&self.vars.mk_var(fact.known));
        }
        all_known.and_not(&meaning.satisfied).is_false()
    }

    /// The meaning restricted to consistent assignments, as a canonical pair:
    /// two meanings are equivalent exactly when their pairs are equal.
    pub fn canonical(&self, meaning: &Meaning) -> (Bdd, Bdd) {
        (
            meaning.satisfied.and(&self.consistent),
            meaning.unsatisfied.and(&self.consistent),
        )
    }

    /// Whether two meanings give the same verdict on every snapshot.
    pub fn equivalent(&self, a: &Meaning, b: &Meaning) -> bool {
        self.difference(a, b).is_false()
    }

    fn difference(&self, a: &Meaning, b: &Meaning) -> Bdd {
        let differ = a
            .satisfied
            .xor(&b.satisfied)
            .or(&a.unsatisfied.xor(&b.unsatisfied));
        self.consistent.and(&differ)
    }

    /// Whether the meaning depends on no fact of the given scope.
    pub fn independent_of(&self, meaning: &Meaning, scope: Scope) -> bool {
        let support: Vec<BddVariable> = meaning
            .satisfied
            .support_set()
            .into_iter()
            .chain(meaning.unsatisfied.support_set())
            .collect();
        self.facts.iter().filter(|f| f.scope == scope).all(|f| {
            !support.contains(&f.known) && f.atoms.iter().all(|(_, v)| !support.contains(v))
        })
    }

    /// A snapshot on which two meanings differ, with as few known facts as
    /// the search finds (facts are made unknown one by one while the
    /// difference stays).
    pub fn witness(&self, a: &Meaning, b: &Meaning) -> Option<Witness> {
        let difference = self.difference(a, b);
        let mut valuation = difference.sat_witness()?;
        for fact in &self.facts {
            if !valuation.value(fact.known) {
                continue;
            }
            let mut without = valuation.clone();
            without.set_value(fact.known, false);
            if difference.eval_in(&without) {
                valuation = without;
            }
        }
        let mut witness = Witness {
            world: Vec::new(),
            entity: Vec::new(),
        };
        for fact in self.facts.iter().filter(|f| valuation.value(f.known)) {
            let value = self.example(fact, &valuation)?;
            let list = match fact.scope {
                Scope::World => &mut witness.world,
                Scope::Entity => &mut witness.entity,
            };
            list.push((fact.name.clone(), value));
        }
        Some(witness)
    }

    /// A value of the fact whose test outcomes are those of the valuation.
    fn example(&self, fact: &FactVars, valuation: &BddValuation) -> Option<FactValue> {
        let wanted: Vec<bool> = fact
            .atoms
            .iter()
            .map(|(_, v)| valuation.value(*v))
            .collect();
        if fact.ty == FactType::StringSet {
            let items: Vec<String> = fact
                .atoms
                .iter()
                .zip(&wanted)
                .filter_map(|((test, _), holds)| match test {
                    Test::Contains(item) if *holds => Some(item.clone()),
                    _ => None,
                })
                .collect();
            return Some(FactValue::Strings(items));
        }
        let tests: Vec<&Test> = fact.atoms.iter().map(|(t, _)| t).collect();
        atoms::representatives(fact.ty, &tests)
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

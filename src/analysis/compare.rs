//! Semantic diff of two versions of a rule set.
//!
//! For each rule in both versions: can they decide differently on some
//! snapshot of facts? If so, a concrete witness — as few known facts as the
//! search finds, with values — and both verdicts on it, from the real
//! evaluators. Reformatting, reordered conjuncts, reworded doc comments and
//! other purely textual edits come out as "same meaning": meanings are
//! compared as BDDs ([`super::semantics`]), not as text.

use std::collections::HashSet;

use serde::Serialize;

use super::Closure;
use super::atoms::Beyond;
use super::budget::Budget;
use super::semantics::{NoMeaning, Space, Witness};
use crate::RuleSet;
use crate::check::RuleId;
use crate::compile::Slot;
use crate::eval::{Tri, Verdict, evaluate_rules};
use crate::facts::Value;

/// What became of one rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Outcome {
    /// Same verdict on every snapshot.
    SameMeaning,
    /// Some snapshot gets different verdicts.
    Differs {
        /// Such a snapshot: the facts that must be known (the rest unknown).
        witness: Witness,
        /// The old version's verdict on it.
        old: Verdict,
        /// The new version's verdict on it.
        new: Verdict,
    },
    /// The rule is gone in the new version.
    OnlyInOld,
    /// The rule is new.
    OnlyInNew,
    /// The rule holds a test the engine does not reason about yet (two
    /// facts compared, arithmetic): neither "same" nor "differs" is claimed.
    CannotCompare {
        /// What the test is.
        beyond: Beyond,
    },
    /// The budget ran out before the two versions were compared.
    Undecided,
}

/// One rule's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleComparison {
    /// The rule.
    pub rule: String,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Compares every rule (or the one named) of two versions of a rule set,
/// spending `budget`; rules it could not compare within it are
/// [`Outcome::Undecided`].
///
/// ```
/// use prereq::{RuleSet, analysis::{budget::Budget, compare::{compare, Outcome}}};
/// let old = RuleSet::parse("old.rules", "fact a: bool\nfact b: bool\nrule r requires a and b")?;
/// let new = RuleSet::parse("new.rules", "fact a: bool\nfact b: bool\n## Reordered.\nrule r requires b and a")?;
/// let budget = Budget::new(1_000_000);
/// assert_eq!(compare(&old, &new, None, &budget).unwrap()[0].outcome, Outcome::SameMeaning);
/// let changed = RuleSet::parse("changed.rules", "fact a: bool\nfact b: bool\nrule r requires a or b")?;
/// assert!(matches!(compare(&old, &changed, None, &budget).unwrap()[0].outcome, Outcome::Differs { .. }));
/// # Ok::<(), prereq::LoadError>(())
/// ```
pub fn compare(
    old: &RuleSet,
    new: &RuleSet,
    rule: Option<&str>,
    budget: &Budget,
) -> Result<Vec<RuleComparison>, String> {
    let mut names: Vec<&str> = Vec::new();
    let mut seen = HashSet::new();
    for name in old
        .resolved()
        .rules
        .iter()
        .chain(&new.resolved().rules)
        .map(|r| r.name.as_str())
    {
        if seen.insert(name) {
            names.push(name);
        }
    }
    if let Some(wanted) = rule {
        if !seen.contains(wanted) {
            return Err(format!(
                "neither version has a rule named `{}`",
                crate::text::escape(wanted)
            ));
        }
        names.retain(|name| *name == wanted);
    }
    let sets = [old.resolved(), new.resolved()];
    let space = match rule {
        Some(name) => {
            let wanted: Vec<Vec<RuleId>> = sets
                .iter()
                .map(|set| set.rule_id(name).into_iter().collect())
                .collect();
            Space::of_rules(&sets, &wanted, budget)?
        }
        None => Space::new(&sets, budget)?,
    };
    let mut on_witness = [OnWitness::new(old), OnWitness::new(new)];
    Ok(names
        .into_iter()
        .map(|name| RuleComparison {
            rule: name.to_string(),
            outcome: outcome(&space, &mut on_witness, name, budget),
        })
        .collect())
}

fn outcome(
    space: &Space,
    versions: &mut [OnWitness<'_>; 2],
    name: &str,
    budget: &Budget,
) -> Outcome {
    let [old, new] = versions;
    let (old_id, new_id) = (
        old.rules.resolved().rule_id(name),
        new.rules.resolved().rule_id(name),
    );
    let (Some(old_id), Some(new_id)) = (old_id, new_id) else {
        return if old_id.is_some() {
            Outcome::OnlyInOld
        } else {
            Outcome::OnlyInNew
        };
    };
    let (before, after) = match (space.rule(0, old_id), space.rule(1, new_id)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(NoMeaning::Beyond(beyond)), _) | (_, Err(NoMeaning::Beyond(beyond))) => {
            return Outcome::CannotCompare { beyond };
        }
        _ => return Outcome::Undecided,
    };
    match space.witness(before, after, budget) {
        Ok(None) => Outcome::SameMeaning,
        Ok(Some(witness)) => Outcome::Differs {
            old: old.verdict(old_id, &witness),
            new: new.verdict(new_id, &witness),
            witness,
        },
        Err(_) => Outcome::Undecided,
    }
}

/// One version of the rules, evaluated on witnesses by the real evaluator:
/// rows allocated once, only a witness's facts set in them, only the rule's
/// closure evaluated — so comparing every rule of a large set stays linear.
struct OnWitness<'r> {
    rules: &'r RuleSet,
    world: Vec<Option<Value>>,
    entity: Vec<Option<Value>>,
    verdicts: Vec<Tri>,
}

impl<'r> OnWitness<'r> {
    fn new(rules: &'r RuleSet) -> OnWitness<'r> {
        let schema = rules.program().schema();
        OnWitness {
            rules,
            world: vec![None; schema.world_len()],
            entity: vec![None; schema.entity_len()],
            verdicts: vec![Tri::Unknown; rules.program().rule_count()],
        }
    }

    /// The verdict of `rule` on the witness. Facts this version does not
    /// declare with a matching type are left out; each fact is given in the
    /// scope this version declares it in.
    fn verdict(&mut self, rule: RuleId, witness: &Witness) -> Verdict {
        let program = self.rules.program();
        let mut placed = Vec::new();
        for (name, value) in witness.world.iter().chain(&witness.entity) {
            let Some(fact) = program.schema().fact(name) else {
                continue;
            };
            let Ok(value) = crate::facts::bind::typed(fact, value) else {
                continue;
            };
            let cell = match fact.slot {
                Slot::World(index) => self.world.get_mut(index as usize),
                Slot::Entity(index) => self.entity.get_mut(index as usize),
            };
            if let Some(cell) = cell {
                *cell = Some(value);
                placed.push(fact.slot);
            }
        }
        let closure = Closure::of(self.rules.resolved(), rule);
        let rules = closure.rules.iter().filter_map(|id| program.rule(*id));
        evaluate_rules(rules, &self.world, &self.entity, &mut self.verdicts);
        let verdict = self
            .verdicts
            .get(rule.index())
            .map_or(Verdict::Undetermined, |tri| Verdict::from(*tri));
        for slot in placed {
            let cell = match slot {
                Slot::World(index) => self.world.get_mut(index as usize),
                Slot::Entity(index) => self.entity.get_mut(index as usize),
            };
            if let Some(cell) = cell {
                *cell = None;
            }
        }
        verdict
    }
}

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

use super::budget::Budget;
use super::semantics::{NoMeaning, Space, Witness};
use crate::RuleSet;
use crate::check::RuleId;
use crate::eval::Verdict;
use crate::facts::{FactValue, Facts};
use crate::syntax::ast::{FactType, Scope};

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
    /// The rule compares two facts with each other, which the engine does not reason about.
    CannotCompare,
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
    let space = Space::new(&[old.resolved(), new.resolved()], budget)?;
    Ok(names
        .into_iter()
        .map(|name| RuleComparison {
            rule: name.to_string(),
            outcome: outcome(&space, old, new, name, budget),
        })
        .collect())
}

fn outcome(space: &Space, old: &RuleSet, new: &RuleSet, name: &str, budget: &Budget) -> Outcome {
    let (old_id, new_id) = (old.resolved().rule_id(name), new.resolved().rule_id(name));
    let (Some(old_id), Some(new_id)) = (old_id, new_id) else {
        return if old_id.is_some() {
            Outcome::OnlyInOld
        } else {
            Outcome::OnlyInNew
        };
    };
    let (before, after) = match (space.rule(0, old_id), space.rule(1, new_id)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(NoMeaning::TwoFacts), _) | (_, Err(NoMeaning::TwoFacts)) => {
            return Outcome::CannotCompare;
        }
        _ => return Outcome::Undecided,
    };
    match space.witness(before, after, budget) {
        Ok(None) => Outcome::SameMeaning,
        Ok(Some(witness)) => Outcome::Differs {
            old: verdict_on(old, old_id, &witness),
            new: verdict_on(new, new_id, &witness),
            witness,
        },
        Err(_) => Outcome::Undecided,
    }
}

/// The verdict of a rule on the witness, by the real evaluator. Facts the
/// version does not declare with a matching type are left out; each fact is
/// given in the scope this version declares it in.
fn verdict_on(rules: &RuleSet, rule: RuleId, witness: &Witness) -> Verdict {
    let mut facts = Facts::new("witness");
    facts.add_entity("witness");
    for (name, value) in witness.world.iter().chain(&witness.entity) {
        let Some(fact) = rules
            .resolved()
            .fact_id(name)
            .and_then(|id| rules.resolved().fact(id))
        else {
            continue;
        };
        let fits = matches!(
            (fact.ty, value),
            (FactType::Bool, FactValue::Bool(_))
                | (FactType::Number, FactValue::Number(_))
                | (FactType::String, FactValue::String(_))
                | (FactType::StringSet, FactValue::Strings(_))
        );
        match (fits, fact.scope) {
            (false, _) => {}
            (true, Scope::World) => {
                facts.set_world(name, value.clone());
            }
            (true, Scope::Entity) => {
                facts.set("witness", name, value.clone());
            }
        }
    }
    let name = rules
        .resolved()
        .rule(rule)
        .map(|r| r.name.as_str())
        .unwrap_or("");
    rules
        .evaluate(&facts)
        .ok()
        .and_then(|report| report.verdict("witness", name))
        .unwrap_or(Verdict::Undetermined)
}

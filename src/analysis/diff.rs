//! Scenario diff: which verdicts differ between two snapshots, and why.
//!
//! Both snapshots are of the same rule set. For every rule and every entity
//! present in both, a differing verdict is listed with its causes: the fact
//! changes that brought the new verdict about (see [`diff`]). Entities
//! present in only one snapshot are listed as added or removed. Entities
//! are matched by name through the snapshots' indexes: linear in entities.

use serde::Serialize;

use std::collections::{HashMap, HashSet};

use super::explain::{NodeKind, Origin, values};
use super::{Closure, Snapshot, Target, WhatIf, scope_of, to_fact_value};
use crate::check::{FactId, RuleId, RuleKind};
use crate::eval::Verdict;
use crate::facts::{FactValue, Value};
use crate::syntax::ast::Scope;

/// A fact whose value differs between the snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactChange {
    /// The fact.
    pub fact: String,
    /// World or entity fact.
    pub scope: Scope,
    /// Its old value (`None`: unknown).
    pub old: Option<FactValue>,
    /// Its new value (`None`: unknown).
    pub new: Option<FactValue>,
}

/// A verdict that differs, with the fact changes that caused it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictChange {
    /// The entity, or `None` for a world rule.
    pub entity: Option<String>,
    /// The rule.
    pub rule: String,
    /// The verdict in the old snapshot.
    pub old: Verdict,
    /// The verdict in the new snapshot.
    pub new: Verdict,
    /// The fact changes that brought the new verdict about (see [`diff`]).
    pub causes: Vec<FactChange>,
}

/// Everything that differs between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// Verdicts that differ: world rules first, then entities in the new file's order.
    pub changed: Vec<VerdictChange>,
    /// Entities only in the new snapshot.
    pub added: Vec<String>,
    /// Entities only in the old snapshot.
    pub removed: Vec<String>,
}

/// Compares two snapshots of the same rule set.
///
/// A change's causes are the fact changes that brought the new verdict
/// about, not every fact that differs: a changed fact is a cause if a
/// condition on it that decides the new verdict (as [`Snapshot::explain`]
/// marks it) has a new value, or if changing it back alone would change
/// the new verdict. A change that pushed the other way, or that left every
/// condition on the fact as it was, is not listed.
///
/// ```
/// # use prereq::{Facts, RuleSet, Verdict, analysis::diff::diff};
/// let rules = RuleSet::parse("r.rules", "world fact ceasefire: bool\nfact legal_basis: bool\nfact troops: number\nrule deploy requires ceasefire and legal_basis and troops >= 1000")?;
/// let mut old = Facts::new("old");
/// old.set_world("ceasefire", false).set("UK", "legal_basis", true).set("UK", "troops", 20000);
/// let mut new = old.clone();
/// new.set_world("ceasefire", true).set("UK", "troops", 15000);
/// let diff = diff(&rules.snapshot(&old)?, &rules.snapshot(&new)?);
/// assert_eq!(diff.changed[0].new, Verdict::Satisfied);
/// let causes: Vec<&str> = diff.changed[0].causes.iter().map(|c| c.fact.as_str()).collect();
/// assert_eq!(causes, ["ceasefire"]); // troops changed too, but still meets the condition
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(old: &Snapshot<'_>, new: &Snapshot<'_>) -> Diff {
    let resolved = new.resolved();
    let mut declared: Vec<(RuleId, Closure)> = resolved
        .evaluation_order
        .iter()
        .map(|id| (*id, Closure::of(resolved, *id)))
        .collect();
    declared.sort_by_key(|(id, _)| *id);
    let mut what_ifs: HashMap<RuleId, WhatIf<'_, '_>> = HashMap::new();
    let (world_rules, entity_rules): (Vec<_>, Vec<_>) =
        declared.iter().partition(|(id, _)| is_world(new, *id));
    let mut changed = Vec::new();
    let mut differ = |old_entity, new_entity, rule: RuleId, closure: &Closure| {
        let what_if = what_ifs
            .entry(rule)
            .or_insert_with(|| WhatIf::new(new, rule));
        compare(old, new, (old_entity, new_entity), rule, closure, what_if)
    };
    for (rule, closure) in world_rules {
        changed.extend(differ(None, None, *rule, closure));
    }
    for new_index in 0..new.len() {
        let Some(old_index) = new
            .entity_name(new_index)
            .and_then(|name| old.columns().entity_index(name))
        else {
            continue;
        };
        for (rule, closure) in &entity_rules {
            changed.extend(differ(Some(old_index), Some(new_index), *rule, closure));
        }
    }
    let only_in = |a: &Snapshot<'_>, b: &Snapshot<'_>| -> Vec<String> {
        a.columns()
            .entity_names()
            .filter(|e| b.columns().entity_index(e).is_none())
            .map(str::to_string)
            .collect()
    };
    Diff {
        changed,
        added: only_in(new, old),
        removed: only_in(old, new),
    }
}

fn is_world(snapshot: &Snapshot<'_>, rule: RuleId) -> bool {
    snapshot
        .resolved()
        .rule(rule)
        .is_some_and(|r| r.kind == RuleKind::World)
}

fn compare(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    (old_entity, new_entity): (Option<usize>, Option<usize>),
    rule: RuleId,
    closure: &Closure,
    what_if: &mut WhatIf<'_, '_>,
) -> Option<VerdictChange> {
    let (before, after) = (
        Verdict::from(old.tri(old_entity, rule)),
        Verdict::from(new.tri(new_entity, rule)),
    );
    if before == after {
        return None;
    }
    let resolved = new.resolved();
    let differing: Vec<(FactId, Option<Value>, Option<Value>)> = closure
        .facts
        .iter()
        .filter_map(|fact| {
            let (was, is) = (old.value(old_entity, *fact), new.value(new_entity, *fact));
            (was != is).then_some((*fact, was, is))
        })
        .collect();
    // One change alone is the cause; among several, those the new verdict rests on.
    let causes: Vec<(FactId, Option<Value>, Option<Value>)> = if differing.len() > 1 {
        let decided = decided_anew(old, new, (old_entity, new_entity), rule);
        differing
            .into_iter()
            .filter(|(fact, was, _)| {
                decided.contains(fact)
                    || Verdict::from(what_if.verdict(new_entity, &[(*fact, was.clone())])) != after
            })
            .collect()
    } else {
        differing
    };
    Some(VerdictChange {
        entity: new_entity.and_then(|e| new.entity_name(e).map(str::to_string)),
        rule: resolved
            .rule(rule)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        old: before,
        new: after,
        causes: causes
            .into_iter()
            .map(|(fact, was, is)| FactChange {
                fact: resolved
                    .fact(fact)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                scope: scope_of(resolved, fact),
                old: was.as_ref().map(to_fact_value),
                new: is.as_ref().map(to_fact_value),
            })
            .collect(),
    })
}

/// The facts read by conditions that decide the new verdict and whose
/// value differs from the old one. Both snapshots explain the same rules,
/// so their trees of values have the same shape and are walked side by side.
fn decided_anew(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    (old_entity, new_entity): (Option<usize>, Option<usize>),
    rule: RuleId,
) -> HashSet<FactId> {
    let before = values(
        old,
        Target {
            entity: old_entity,
            rule,
        },
    );
    let after = values(
        new,
        Target {
            entity: new_entity,
            rule,
        },
    );
    let mut facts = HashSet::new();
    let mut pending = vec![(&before, &after)];
    while let Some((was, is)) = pending.pop() {
        if !is.deciding {
            continue;
        }
        if let (NodeKind::Condition, Origin::Cond(cond)) = (is.kind, is.origin) {
            if was.value != is.value {
                facts.extend(cond.facts_read());
            }
        }
        pending.extend(was.children.iter().zip(&is.children));
    }
    facts
}

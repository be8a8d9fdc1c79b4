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
/// about, not every fact that differs: first those read by a test whose
/// value changed, reached from the rule through parts whose value changed
/// (a change inside a part that kept its value pushed the other way, or
/// was cancelled by another); then, if those alone do not bring the new
/// verdict about, each other change the verdict needs. The causes, applied
/// alone to the old facts, always give the new verdict, and every changed
/// verdict has one.
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
    let ids = (0..resolved.rules.len()).map(|i| RuleId(u32::try_from(i).unwrap_or(u32::MAX)));
    let (world_rules, entity_rules): (Vec<RuleId>, Vec<RuleId>) =
        ids.partition(|id| is_world(new, *id));
    // What finding the causes takes, per rule, for the rules whose verdict
    // changes only: the facts it reads, and re-evaluations on the old facts.
    let mut why: HashMap<RuleId, (Closure, WhatIf<'_, '_>)> = HashMap::new();
    let mut changed = Vec::new();
    let mut differ = |old_entity: Option<usize>, new_entity: Option<usize>, rule: RuleId| {
        let (before, after) = (old.tri(old_entity, rule), new.tri(new_entity, rule));
        if Verdict::from(before) == Verdict::from(after) {
            return None;
        }
        let (closure, what_if) = why
            .entry(rule)
            .or_insert_with(|| (Closure::of(resolved, rule), WhatIf::new(old, rule)));
        Some(compare(
            old,
            new,
            (old_entity, new_entity),
            rule,
            closure,
            what_if,
        ))
    };
    for rule in &world_rules {
        changed.extend(differ(None, None, *rule));
    }
    for new_index in 0..new.len() {
        let Some(old_index) = new
            .entity_name(new_index)
            .and_then(|name| old.columns().entity_index(name))
        else {
            continue;
        };
        for rule in &entity_rules {
            changed.extend(differ(Some(old_index), Some(new_index), *rule));
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

/// A verdict that differs, with the changes that caused it.
fn compare(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    (old_entity, new_entity): (Option<usize>, Option<usize>),
    rule: RuleId,
    closure: &Closure,
    on_old: &mut WhatIf<'_, '_>,
) -> VerdictChange {
    let (before, after) = (
        Verdict::from(old.tri(old_entity, rule)),
        Verdict::from(new.tri(new_entity, rule)),
    );
    let resolved = new.resolved();
    let differing: Vec<(FactId, Option<Value>, Option<Value>)> = closure
        .facts
        .iter()
        .filter_map(|fact| {
            let (was, is) = (old.value(old_entity, *fact), new.value(new_entity, *fact));
            (was != is).then_some((*fact, was, is))
        })
        .collect();
    let causes = if differing.len() > 1 {
        let changed = changed_conditions(old, new, (old_entity, new_entity), rule);
        let brings = |causes: &[&(FactId, Option<Value>, Option<Value>)],
                      on_old: &mut WhatIf<'_, '_>| {
            let changes: Vec<(FactId, Option<Value>)> = causes
                .iter()
                .map(|(fact, _, is)| (*fact, is.clone()))
                .collect();
            Verdict::from(on_old.verdict(old_entity, &changes)) == after
        };
        let (on_path, off_path): (Vec<_>, Vec<_>) = differing
            .iter()
            .partition(|(fact, _, _)| changed.contains(fact));
        let mut kept: Vec<_> = differing.iter().collect();
        if brings(&on_path, on_old) {
            kept = on_path;
        } else {
            // Changes off the path are kept only where the new verdict needs them.
            for change in off_path {
                let without: Vec<_> = kept.iter().copied().filter(|c| c.0 != change.0).collect();
                if brings(&without, on_old) {
                    kept = without;
                }
            }
        }
        kept.into_iter().cloned().collect()
    } else {
        differing
    };
    VerdictChange {
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
    }
}

/// The facts read by the conditions whose value changed on the way from
/// the rule to its new verdict: from the rule, down every part whose value
/// changed (a part whose value stayed the same changed nothing, whatever
/// changed inside it), to the tests that changed. Both snapshots give the
/// rules the same trees, so the two trees of values are walked side by
/// side; a rule explained elsewhere in the tree is walked on its own.
fn changed_conditions(
    old: &Snapshot<'_>,
    new: &Snapshot<'_>,
    (old_entity, new_entity): (Option<usize>, Option<usize>),
    rule: RuleId,
) -> HashSet<FactId> {
    let mut facts = HashSet::new();
    let mut rules = vec![rule];
    let mut walked = HashSet::new();
    while let Some(rule) = rules.pop() {
        if !walked.insert(rule) {
            continue;
        }
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
        let mut pending = vec![(&before, &after)];
        while let Some((was, is)) = pending.pop() {
            if was.value == is.value {
                continue;
            }
            match (is.kind, is.origin) {
                (NodeKind::Condition, Origin::Cond(cond)) => facts.extend(cond.facts_read()),
                (NodeKind::Rule, Origin::Rule(id)) if is.collapsed => rules.push(id),
                _ => pending.extend(was.children.iter().zip(&is.children)),
            }
        }
    }
    facts
}

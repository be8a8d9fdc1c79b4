//! Scenario diff: which verdicts differ between two snapshots, and why.
//!
//! Both snapshots are of the same rule set. For every rule and every entity
//! present in both, a differing verdict is listed with its causes: the facts
//! the rule reads (directly or through other rules) whose values differ.
//! Entities present in only one snapshot are listed as added or removed.

use serde::Serialize;

use super::{Closure, Snapshot, scope_of};
use crate::check::{RuleId, RuleKind};
use crate::eval::Verdict;
use crate::facts::FactValue;
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
    /// The facts the rule reads whose values differ.
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
/// ```
/// # use prereq::{Facts, RuleSet, Verdict, analysis::diff::diff};
/// let rules = RuleSet::parse("r.rules", "world fact ceasefire: bool\nfact legal_basis: bool\nrule deploy requires ceasefire and legal_basis")?;
/// let mut old = Facts::new("old");
/// old.set_world("ceasefire", false).set("UK", "legal_basis", true);
/// let mut new = old.clone();
/// new.set_world("ceasefire", true);
/// let diff = diff(&rules.snapshot(&old)?, &rules.snapshot(&new)?);
/// assert_eq!(diff.changed[0].new, Verdict::Satisfied);
/// assert_eq!(diff.changed[0].causes[0].fact, "ceasefire");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(old: &Snapshot<'_>, new: &Snapshot<'_>) -> Diff {
    let resolved = new.resolved();
    let closures: Vec<(RuleId, Closure)> = resolved
        .evaluation_order
        .iter()
        .map(|id| (*id, Closure::of(resolved, *id)))
        .collect();
    let mut declared: Vec<&(RuleId, Closure)> = closures.iter().collect();
    declared.sort_by_key(|(id, _)| *id);
    let mut changed = Vec::new();
    let world_rules = declared.iter().filter(|(id, _)| is_world(new, *id));
    for (rule, closure) in world_rules {
        changed.extend(compare(old, new, None, None, *rule, closure));
    }
    for (new_index, name) in new.entity_names().iter().enumerate() {
        let Some(old_index) = old.entity_names().iter().position(|e| e == name) else {
            continue;
        };
        for (rule, closure) in declared.iter().filter(|(id, _)| !is_world(new, *id)) {
            changed.extend(compare(
                old,
                new,
                Some(old_index),
                Some(new_index),
                *rule,
                closure,
            ));
        }
    }
    let only_in = |a: &Snapshot<'_>, b: &Snapshot<'_>| -> Vec<String> {
        a.entity_names()
            .iter()
            .filter(|e| !b.entity_names().contains(e))
            .cloned()
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
    old_entity: Option<usize>,
    new_entity: Option<usize>,
    rule: RuleId,
    closure: &Closure,
) -> Option<VerdictChange> {
    let (before, after) = (
        Verdict::from(old.tri(old_entity, rule)),
        Verdict::from(new.tri(new_entity, rule)),
    );
    if before == after {
        return None;
    }
    let resolved = new.resolved();
    let causes = closure
        .facts
        .iter()
        .filter_map(|fact| {
            let (was, is) = (
                old.fact_value(old_entity, *fact),
                new.fact_value(new_entity, *fact),
            );
            (was != is).then(|| FactChange {
                fact: resolved
                    .fact(*fact)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                scope: scope_of(resolved, *fact),
                old: was,
                new: is,
            })
        })
        .collect();
    Some(VerdictChange {
        entity: new_entity.and_then(|e| new.entity_names().get(e).cloned()),
        rule: resolved
            .rule(rule)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        old: before,
        new: after,
        causes,
    })
}

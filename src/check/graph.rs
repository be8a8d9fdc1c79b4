//! The graph of rules referring to rules.
//!
//! Finds cycles (reported as `a -> b -> a`), orders rules so that each comes
//! after the rules it refers to, classifies world and entity rules, and finds
//! unused facts and helper rules. Every walk here is iterative, so a chain
//! of 20,000 rules each referring to the previous needs no deep stack.

use super::model::{FactId, FactInfo, RuleId, Symbol};
use crate::diagnostic::Diagnostic;
use crate::limits::MAX_RULE_CHAIN;
use crate::source::Span;
use crate::syntax::ast::Scope;

/// A rule as the graph sees it: its name, where it is declared, and the
/// declared names its expressions use (with the span of each use).
pub(super) struct Node<'a> {
    pub name: &'a str,
    pub span: Span,
    pub uses: Vec<(Symbol, Span)>,
}

impl Node<'_> {
    fn rules(&self) -> impl Iterator<Item = (RuleId, Span)> + '_ {
        self.uses.iter().filter_map(|&(symbol, span)| match symbol {
            Symbol::Rule(id) => Some((id, span)),
            Symbol::Fact(_) => None,
        })
    }

    fn facts(&self) -> impl Iterator<Item = FactId> + '_ {
        self.uses.iter().filter_map(|&(symbol, _)| match symbol {
            Symbol::Fact(id) => Some(id),
            Symbol::Rule(_) => None,
        })
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Unvisited,
    OnPath,
    Done,
}

/// Returns every rule after its dependencies; reports each cycle found.
pub(super) fn evaluation_order(
    rules: &[Node<'_>],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<RuleId> {
    let references: Vec<Vec<(RuleId, Span)>> =
        rules.iter().map(|rule| rule.rules().collect()).collect();
    let mut marks = vec![Mark::Unvisited; rules.len()];
    let mut order = Vec::with_capacity(rules.len());
    for root in 0..rules.len() {
        if marks.get(root) != Some(&Mark::Unvisited) {
            continue;
        }
        // The DFS path: each rule with the index of the next reference to follow.
        let mut path: Vec<(usize, usize)> = vec![(root, 0)];
        if let Some(mark) = marks.get_mut(root) {
            *mark = Mark::OnPath;
        }
        while let Some(&mut (rule, ref mut next)) = path.last_mut() {
            let edge = references
                .get(rule)
                .and_then(|refs| refs.get(*next))
                .copied();
            *next += 1;
            match edge {
                None => {
                    if let Some(mark) = marks.get_mut(rule) {
                        *mark = Mark::Done;
                    }
                    order.push(RuleId(u32::try_from(rule).unwrap_or(u32::MAX)));
                    path.pop();
                }
                Some((target, span)) => match marks.get(target.index()) {
                    Some(Mark::Unvisited) => {
                        if let Some(mark) = marks.get_mut(target.index()) {
                            *mark = Mark::OnPath;
                        }
                        path.push((target.index(), 0));
                    }
                    Some(Mark::OnPath) => diagnostics.push(cycle(rules, &path, target, span)),
                    _ => {}
                },
            }
        }
    }
    order
}

fn cycle(rules: &[Node<'_>], path: &[(usize, usize)], back_to: RuleId, span: Span) -> Diagnostic {
    let start = path
        .iter()
        .position(|&(rule, _)| rule == back_to.index())
        .unwrap_or(0);
    let name = |index: usize| rules.get(index).map_or("?", |rule| rule.name);
    let mut names: Vec<&str> = path
        .iter()
        .skip(start)
        .map(|&(rule, _)| name(rule))
        .collect();
    names.push(name(back_to.index()));
    let last = path.last().map_or(0, |&(rule, _)| rule);
    let message = if names.len() == 2 {
        format!("rule `{}` refers to itself", name(last))
    } else {
        format!(
            "rules refer to each other in a cycle: {}",
            names.join(" -> ")
        )
    };
    Diagnostic::error("rule-cycle", message)
        .with_label(
            span,
            format!(
                "`{}` refers back to `{}` here",
                name(last),
                name(back_to.index())
            ),
        )
        .with_help(
            "a rule cannot depend on itself, directly or through other rules: break the cycle",
        )
}

/// Reports the first rule at the end of a chain of rule references longer
/// than [`MAX_RULE_CHAIN`] (computed in evaluation order, without recursion).
pub(super) fn chain_lengths(
    rules: &[Node<'_>],
    order: &[RuleId],
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut length = vec![1usize; rules.len()];
    for id in order {
        let Some(rule) = rules.get(id.index()) else {
            continue;
        };
        let longest = rule
            .rules()
            .filter_map(|(target, _)| length.get(target.index()))
            .max()
            .map_or(1, |n| n + 1);
        if let Some(cell) = length.get_mut(id.index()) {
            *cell = longest;
        }
        if longest > MAX_RULE_CHAIN {
            diagnostics.push(
                Diagnostic::error(
                    "rule-chain-too-long",
                    format!("rule `{}` ends a chain of more than {MAX_RULE_CHAIN} rules referring to rules", rule.name),
                )
                .with_label(rule.span, format!("a chain of {longest} rules ends here"))
                .with_help("flatten the chain: refer to facts, or to fewer intermediate rules"),
            );
            return;
        }
    }
}

/// Whether each rule is a world rule (reads only world facts, directly or
/// through other rules), computed in evaluation order.
pub(super) fn world_rules(rules: &[Node<'_>], facts: &[FactInfo], order: &[RuleId]) -> Vec<bool> {
    let mut world = vec![false; rules.len()];
    for id in order {
        let Some(rule) = rules.get(id.index()) else {
            continue;
        };
        let reads_entity_fact = rule.facts().any(|fact| {
            facts
                .get(fact.index())
                .is_some_and(|f| f.scope == Scope::Entity)
        });
        let uses_entity_rule = rule
            .rules()
            .any(|(target, _)| !world.get(target.index()).copied().unwrap_or(false));
        if let Some(is_world) = world.get_mut(id.index()) {
            *is_world = !reads_entity_fact && !uses_entity_rule;
        }
    }
    world
}

/// Warns about facts no rule reads, and helper rules (`_name`) no rule uses.
pub(super) fn unused(rules: &[Node<'_>], facts: &[FactInfo], diagnostics: &mut Vec<Diagnostic>) {
    let mut fact_used = vec![false; facts.len()];
    let mut rule_used = vec![false; rules.len()];
    for (symbol, _) in rules.iter().flat_map(|rule| &rule.uses) {
        let used = match symbol {
            Symbol::Fact(id) => fact_used.get_mut(id.index()),
            Symbol::Rule(id) => rule_used.get_mut(id.index()),
        };
        if let Some(used) = used {
            *used = true;
        }
    }
    for (fact, _) in facts.iter().zip(&fact_used).filter(|(_, used)| !**used) {
        diagnostics.push(
            Diagnostic::warning("unused-fact", format!("fact `{}` is never used", fact.name))
                .with_label(fact.span, "declared here, but no rule reads it")
                .with_help("use it in a rule, or remove the declaration"),
        );
    }
    let unused_helpers = rules
        .iter()
        .zip(&rule_used)
        .filter(|(rule, used)| !**used && rule.name.starts_with('_'));
    for (rule, _) in unused_helpers {
        diagnostics.push(
            Diagnostic::warning(
                "unused-rule",
                format!("helper rule `{}` is never used", rule.name),
            )
            .with_label(rule.span, "declared here, but no rule refers to it")
            .with_help(
                "a name starting with `_` marks a helper for other rules: use it, or remove it",
            ),
        );
    }
}

//! Terminal renderings of the analyses: explanation trees, unlock options,
//! scenario diffs and leverage. The JSON forms are the analysis structs
//! themselves, serialized with serde.
//!
//! Everything that came from a file — entity names, doc comments, the
//! text of conditions, string values — is escaped on its way out
//! ([`crate::text::escape`]), so no file can steer the terminal.

use std::fmt::Write as _;

use super::table::{Style, paint, symbol};
use crate::analysis::diff::{Diff, FactChange};
use crate::analysis::explain::{ExplainNode, Explanation, FactReading, NodeKind};
use crate::analysis::leverage::{Effect, Leverage, Proposal};
use crate::analysis::unlock::{Change, Unlock};
use crate::check::RuleKind;
use crate::eval::Verdict;
use crate::facts::FactValue;
use crate::syntax::ast::Scope;
use crate::text::escape;

/// A fact value as people read it; `unknown` for none.
pub fn value_text(value: Option<&FactValue>) -> String {
    match value {
        None => "unknown".to_string(),
        Some(FactValue::Bool(b)) => b.to_string(),
        Some(FactValue::Number(n)) => n.to_string(),
        Some(FactValue::Integer(n)) => n.to_string(),
        Some(FactValue::String(s)) => format!("{s:?}"),
        Some(FactValue::Strings(items)) => list_text(items),
        Some(FactValue::PartialSet { has, lacks }) => {
            let parts = [("has", has), ("lacks", lacks)];
            let written: Vec<String> = parts
                .iter()
                .filter(|(_, list)| !list.is_empty())
                .map(|(part, list)| format!("{part} = {}", list_text(list)))
                .collect();
            match written.is_empty() {
                true => "{ has = [], lacks = [] }".to_string(),
                false => format!("{{ {} }}", written.join(", ")),
            }
        }
    }
}

/// A list of strings as a facts file writes it: `["troops", "logistics"]`.
fn list_text(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| format!("{i:?}")).collect();
    format!("[{}]", items.join(", "))
}

fn verdict_text(verdict: Verdict, style: Style) -> String {
    format!("{} {verdict}", paint(symbol(verdict), verdict, style))
}

fn subject(entity: Option<&str>, rule: &str) -> String {
    match entity {
        Some(entity) => format!("{rule} for {}", escape(entity)),
        None => format!("{rule} (world rule)"),
    }
}

/// Doc comment lines joined into one, escaped.
fn docs(lines: &[String]) -> String {
    escape(&lines.join(" ")).into_owned()
}

fn fact_name(fact: &str, scope: Scope) -> String {
    match scope {
        Scope::World => format!("{fact} (world)"),
        Scope::Entity => fact.to_string(),
    }
}

/// Renders an explanation as an indented tree.
pub fn explanation(why: &Explanation, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}",
        subject(why.entity.as_deref(), &why.rule),
        verdict_text(why.verdict, style)
    );
    for line in &why.tree.docs {
        let _ = writeln!(out, "  {}", escape(line));
    }
    out.push('\n');
    tree_lines(&mut out, &why.tree, style);
    // Undetermined: the facts unknown, or sets known only in part.
    let shown: Vec<&FactReading> = match why.verdict {
        Verdict::Undetermined => why
            .deciding_facts
            .iter()
            .filter(|f| matches!(f.value, None | Some(FactValue::PartialSet { .. })))
            .collect(),
        _ => why.deciding_facts.iter().collect(),
    };
    if !shown.is_empty() {
        let label = match why.verdict {
            Verdict::Undetermined => "Unknown facts that could still change it",
            _ => "Decided by",
        };
        let _ = writeln!(out, "\n{label}:");
        let width = shown
            .iter()
            .map(|f| reading(f).chars().count())
            .max()
            .unwrap_or(0);
        for fact in shown {
            let text = reading(fact);
            let pad = " ".repeat(width - text.chars().count());
            let line = format!("  {text}{pad}  {}", docs(&fact.docs));
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    let _ = writeln!(
        out,
        "Legend: ✓ satisfied   ✗ unsatisfied   ? undetermined   ◀ decides the verdict"
    );
    out
}

fn reading(fact: &FactReading) -> String {
    let within = match (&fact.value, &fact.range) {
        (None, Some(range)) => format!(" (any value {range})"),
        _ => String::new(),
    };
    format!(
        "{} = {}{within}",
        fact_name(&fact.fact, fact.scope),
        value_text(fact.value.as_ref())
    )
}

/// Writes the tree depth-first without recursion: (node, prefix, is last child).
fn tree_lines(out: &mut String, root: &ExplainNode, style: Style) {
    let mut stack: Vec<(&ExplainNode, String, Option<bool>)> = vec![(root, String::new(), None)];
    while let Some((node, prefix, last)) = stack.pop() {
        let branch = match last {
            None => "",
            Some(true) => "└─ ",
            Some(false) => "├─ ",
        };
        let _ = writeln!(out, "{prefix}{branch}{}", node_line(node, style));
        let child_prefix = match last {
            None => prefix.clone(),
            Some(true) => format!("{prefix}   "),
            Some(false) => format!("{prefix}│  "),
        };
        let count = node.children.len();
        for (index, child) in node.children.iter().enumerate().rev() {
            stack.push((child, child_prefix.clone(), Some(index + 1 == count)));
        }
    }
}

fn node_line(node: &ExplainNode, style: Style) -> String {
    let label = match node.kind {
        NodeKind::All => "all of".to_string(),
        NodeKind::Any => "any of".to_string(),
        NodeKind::Not => "not".to_string(),
        NodeKind::Unless => "unless".to_string(),
        NodeKind::Rule if node.docs.is_empty() => node.text.clone(),
        NodeKind::Rule => format!("{} — {}", node.text, docs(&node.docs)),
        NodeKind::Same | NodeKind::Condition => escape(&node.text).into_owned(),
    };
    let mut line = format!("{} {label}", paint(symbol(node.value), node.value, style));
    let shows_value_itself = node.kind == NodeKind::Condition
        && node.facts.len() == 1
        && node.facts.first().is_some_and(|f| f.fact == node.text);
    if shows_value_itself {
        if let Some(fact) = node.facts.first() {
            let _ = write!(line, " = {}", value_text(fact.value.as_ref()));
            if fact.scope == Scope::World {
                line.push_str(" (world)");
            }
        }
    } else if !node.facts.is_empty() {
        let facts: Vec<String> = node.facts.iter().map(reading).collect();
        let _ = write!(line, "   [{}]", facts.join(", "));
    }
    if node.collapsed && node.kind == NodeKind::Rule {
        line.push_str("   (expanded above, or too deep to expand)");
    }
    if node.deciding {
        line.push_str("  ◀");
    }
    line
}

/// Renders unlock answers, one block per entity.
pub fn unlocks(answers: &[Unlock], style: Style) -> String {
    let mut out = String::new();
    if answers.is_empty() {
        out.push_str("Every entity already satisfies the rule.\n");
    }
    for (index, answer) in answers.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        unlock(&mut out, answer, style);
    }
    out
}

fn unlock(out: &mut String, answer: &Unlock, style: Style) {
    let _ = write!(
        out,
        "{}: {}",
        subject(answer.entity.as_deref(), &answer.rule),
        verdict_text(answer.verdict, style)
    );
    if answer.verdict == Verdict::Satisfied {
        out.push_str(" — nothing to change\n");
        return;
    }
    let total = answer.options.len() + answer.more;
    match total {
        0 => out.push_str(" — no change of facts that may change can satisfy it\n"),
        1 => out.push_str(" — one way to satisfy it:\n"),
        n => {
            let _ = writeln!(out, " — {n} minimal ways to satisfy it:");
        }
    }
    for (index, option) in answer.options.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", index + 1, option_text(option));
    }
    if answer.more > 0 {
        let _ = writeln!(
            out,
            "  … and {} more (raise --max to see them)",
            answer.more
        );
    }
    if !answer.complete {
        out.push_str("  budget exhausted: these options work, but there may be others, and smaller ones (raise --budget)\n");
    }
}

/// One option: each change with its own condition, then the facts that
/// change together with the conditions they meet together: `troops_offered:
/// 500 and min_contingent (world): 1000 → troops_offered >= min_contingent`.
fn option_text(option: &[Change]) -> String {
    let together = |c: &&Change| c.to.is_none() && c.condition.is_none() && !c.jointly.is_empty();
    let mut parts: Vec<String> = option.iter().filter(|c| !together(c)).map(change).collect();
    let mut joint: Vec<&String> = Vec::new();
    for condition in option.iter().flat_map(|c| &c.jointly) {
        if !joint.contains(&condition) {
            joint.push(condition);
        }
    }
    if !joint.is_empty() {
        let facts: Vec<String> = option
            .iter()
            .filter(together)
            .map(|c| {
                format!(
                    "{}: {}",
                    fact_name(&c.fact, c.scope),
                    value_text(c.now.as_ref())
                )
            })
            .collect();
        let conditions: Vec<String> = joint.iter().map(|c| escape(c).into_owned()).collect();
        parts.push(match facts.is_empty() {
            true => format!("together: {}", conditions.join(" and ")),
            false => format!("{} → {}", facts.join(" and "), conditions.join(" and ")),
        });
    }
    parts.join("; ")
}

fn change(change: &Change) -> String {
    let target = match (change.to, &change.condition) {
        (Some(to), _) => to.to_string(),
        (None, Some(condition)) => escape(condition).into_owned(),
        (None, None) => "any value".to_string(),
    };
    format!(
        "{}: {} → {target}",
        fact_name(&change.fact, change.scope),
        value_text(change.now.as_ref())
    )
}

/// Renders a scenario diff.
pub fn diff(diff: &Diff, style: Style) -> String {
    let mut out = String::new();
    if diff.changed.is_empty() && diff.added.is_empty() && diff.removed.is_empty() {
        out.push_str("No verdict differs.\n");
        return out;
    }
    for change in &diff.changed {
        let _ = writeln!(
            out,
            "{}: {} → {}",
            subject(change.entity.as_deref(), &change.rule),
            verdict_text(change.old, style),
            verdict_text(change.new, style)
        );
        let causes: Vec<String> = change.causes.iter().map(fact_change).collect();
        if !causes.is_empty() {
            let _ = writeln!(out, "    because {}", causes.join("; "));
        }
    }
    if !diff.added.is_empty() {
        let _ = writeln!(out, "Added entities: {}", names(&diff.added));
    }
    if !diff.removed.is_empty() {
        let _ = writeln!(out, "Removed entities: {}", names(&diff.removed));
    }
    out
}

/// Entity names, escaped and joined.
fn names(names: &[String]) -> String {
    escape(&names.join(", ")).into_owned()
}

/// How many entities a line names before it counts the rest.
const NAMES_SHOWN: usize = 10;

/// The first few entity names, escaped, and how many more there are: a
/// change that brings in a million entities takes one line, not a book.
fn some_names(all: &[String]) -> String {
    let shown = names(all.get(..NAMES_SHOWN.min(all.len())).unwrap_or(all));
    match all.len().saturating_sub(NAMES_SHOWN) {
        0 => shown,
        more => format!("{shown}, … and {more} more"),
    }
}

fn fact_change(change: &FactChange) -> String {
    format!(
        "{}: {} → {}",
        fact_name(&change.fact, change.scope),
        value_text(change.old.as_ref()),
        value_text(change.new.as_ref())
    )
}

/// Renders a leverage answer.
pub fn leverage(answer: &Leverage, style: Style) -> String {
    let mut out = String::new();
    match (answer.kind, answer.verdict) {
        (RuleKind::World, Some(verdict)) => {
            let _ = writeln!(
                out,
                "{}: {} now.",
                subject(None, &answer.rule),
                verdict_text(verdict, style)
            );
            world_changes(&mut out, answer, style);
        }
        _ => {
            let _ = writeln!(
                out,
                "{}: {} of {} entities satisfy it now.",
                answer.rule, answer.satisfied_now, answer.entities
            );
            entity_changes(&mut out, answer);
        }
    }
    if !answer.complete {
        out.push_str("\nbudget exhausted: the ranking covers only the changes tried so far; there may be better ones (raise --budget)\n");
    }
    if !answer.not_searched.is_empty() {
        let facts: Vec<String> = answer
            .not_searched
            .iter()
            .map(|n| format!("`{}` ({})", n.fact, n.reason.reason()))
            .collect();
        let _ = writeln!(
            out,
            "\nnot searched: changes to {}; leverage does not search such tests yet, so changes to these facts may be missing",
            facts.join(", ")
        );
    }
    out
}

fn entity_changes(out: &mut String, answer: &Leverage) {
    if answer.changes.iter().all(|e| e.gains.is_empty()) {
        out.push_str("No single change brings anyone in.\n");
    } else {
        let _ = writeln!(
            out,
            "\nSingle changes that bring the most in ({} bring someone in):",
            answer.changes_with_gains
        );
        effects(out, answer.changes.iter().filter(|e| !e.gains.is_empty()));
    }
    if let Some(pairs) = &answer.pairs {
        if pairs.is_empty() {
            out.push_str("\nNo pair of changes brings in anyone that a single change does not.\n");
        } else {
            out.push_str("\nPairs that bring in entities no single change does:\n");
            effects(out, pairs.iter());
        }
    }
}

fn world_changes(out: &mut String, answer: &Leverage, style: Style) {
    let satisfying: Vec<&Effect> = answer
        .changes
        .iter()
        .filter(|e| e.after == Some(Verdict::Satisfied))
        .collect();
    if satisfying.is_empty() {
        out.push_str("No single change satisfies it.\n");
    } else {
        out.push_str("\nSingle changes that satisfy it:\n");
    }
    let shown = answer.changes.iter().filter(|e| e.after.is_some());
    for (index, effect) in shown.enumerate() {
        let changes: Vec<String> = effect.changes.iter().map(proposal).collect();
        let after = effect
            .after
            .map_or(String::new(), |v| verdict_text(v, style));
        let _ = writeln!(out, "  {}. {}   → {after}", index + 1, changes.join(" + "));
    }
    if let Some(pairs) = &answer.pairs {
        if pairs.is_empty() && !satisfying.is_empty() {
            out.push_str("\nA single change satisfies it: no pair is needed.\n");
        } else if pairs.is_empty() {
            out.push_str("\nNo pair of changes satisfies it.\n");
        } else {
            out.push_str("\nPairs of changes that satisfy it:\n");
            for (index, effect) in pairs.iter().enumerate() {
                let changes: Vec<String> = effect.changes.iter().map(proposal).collect();
                let _ = writeln!(out, "  {}. {}", index + 1, changes.join(" + "));
            }
        }
    }
}

fn effects<'a>(out: &mut String, effects: impl Iterator<Item = &'a Effect>) {
    for (index, effect) in effects.enumerate() {
        let changes: Vec<String> = effect.changes.iter().map(proposal).collect();
        let _ = write!(
            out,
            "  {}. {}   +{} ({})",
            index + 1,
            changes.join(" + "),
            effect.gains.len(),
            some_names(&effect.gains)
        );
        if !effect.losses.is_empty() {
            let _ = write!(
                out,
                "   −{} ({})",
                effect.losses.len(),
                some_names(&effect.losses)
            );
        }
        out.push('\n');
    }
}

fn proposal(proposal: &Proposal) -> String {
    let target = match (proposal.to, &proposal.condition) {
        (Some(to), _) => to.to_string(),
        (None, Some(condition)) => escape(condition).into_owned(),
        (None, None) => "any value".to_string(),
    };
    let owner = match &proposal.entity {
        Some(entity) => format!("{}'s ", escape(entity)),
        None => String::new(),
    };
    format!(
        "{owner}{}: {} → {target}",
        fact_name(&proposal.fact, proposal.scope),
        value_text(proposal.now.as_ref())
    )
}

/// Diagnostics as JSON values for editors and CI: file, line, column, code,
/// severity, message, help.
pub fn diagnostics_json(
    diagnostics: &[crate::Diagnostic],
    sources: &crate::Sources,
) -> Vec<serde_json::Value> {
    diagnostics
        .iter()
        .map(|d| {
            let span = d.primary_span();
            let file = span.and_then(|s| sources.file(s.file));
            let at = span.zip(file).map(|(s, f)| f.line_col(s.start as usize));
            serde_json::json!({
                "file": file.map(|f| f.name()),
                "line": at.map(|a| a.line),
                "column": at.map(|a| a.column),
                "code": d.code,
                "severity": d.severity,
                "message": d.message,
                "help": d.help,
            })
        })
        .collect()
}

/// Renders a comparison of two rule set versions.
pub fn comparison(rules: &[crate::analysis::compare::RuleComparison], style: Style) -> String {
    use crate::analysis::compare::Outcome;
    let mut out = String::new();
    for rule in rules {
        match &rule.outcome {
            Outcome::SameMeaning => {
                let _ = writeln!(out, "{}: same meaning", rule.rule);
            }
            Outcome::OnlyInOld => {
                let _ = writeln!(out, "{}: only in the old version", rule.rule);
            }
            Outcome::OnlyInNew => {
                let _ = writeln!(out, "{}: only in the new version", rule.rule);
            }
            Outcome::CannotCompare { beyond } => {
                let _ = writeln!(
                    out,
                    "{}: cannot compare ({}, which the engine does not reason about yet)",
                    rule.rule,
                    beyond.reason()
                );
            }
            Outcome::Undecided => {
                let _ = writeln!(
                    out,
                    "{}: undecided (the budget ran out before it was compared; raise --budget)",
                    rule.rule
                );
            }
            Outcome::Differs { witness, old, new } => {
                let _ = writeln!(out, "{}: decides differently", rule.rule);
                let facts: Vec<String> = witness
                    .world
                    .iter()
                    .map(|(f, v)| {
                        format!("{} = {}", fact_name(f, Scope::World), value_text(Some(v)))
                    })
                    .chain(
                        witness
                            .entity
                            .iter()
                            .map(|(f, v)| format!("{f} = {}", value_text(Some(v)))),
                    )
                    .collect();
                let when = if facts.is_empty() {
                    "every fact unknown".to_string()
                } else {
                    format!("{}, every other fact unknown", facts.join(", "))
                };
                let _ = writeln!(out, "    for example when {when}:");
                let _ = writeln!(
                    out,
                    "    old {}   new {}",
                    verdict_text(*old, style),
                    verdict_text(*new, style)
                );
            }
        }
    }
    out
}

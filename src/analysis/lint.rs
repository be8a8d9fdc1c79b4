//! Lints: warnings about rules that are valid but probably not what was meant.
//!
//! The semantic lints are proofs, not guesses: they ask the engine in
//! [`super::semantics`] whether a rule can ever be satisfied, whether a
//! condition or an `unless` changes any verdict, whether two rules mean the
//! same, whether an entity rule depends on any entity fact. Every lint has a
//! name; `# prereq: allow(NAME)` on the line of a declaration or on the
//! comment lines right above it silences it there. `docs/lints.md` describes
//! each one.

use std::collections::HashMap;

use biodivine_lib_bdd::Bdd;

use super::semantics::{Meaning, Space};
use crate::RuleSet;
use crate::check::{Cond, CondKind, RuleId, RuleKind};
use crate::diagnostic::Diagnostic;
use crate::source::{Sources, Span};
use crate::syntax::ast::Scope;

/// Every lint: its name and what it finds.
pub const LINTS: [(&str, &str); 8] = [
    ("never-satisfied", "a rule no snapshot of facts can satisfy"),
    (
        "always-satisfied",
        "a rule every snapshot that knows its facts satisfies",
    ),
    (
        "redundant-condition",
        "a part of `and`/`or` whose removal changes no verdict",
    ),
    (
        "redundant-unless",
        "an `unless` that excludes nothing `requires` does not already exclude",
    ),
    (
        "equivalent-rules",
        "a rule that gives the same verdict as an earlier rule on every snapshot",
    ),
    (
        "entity-in-name-only",
        "an entity rule whose verdict depends on world facts only",
    ),
    ("unused-fact", "a fact no rule reads"),
    ("unused-rule", "a helper rule (`_name`) no rule refers to"),
];

/// Runs every lint; the warnings of the checker (unused declarations) included.
///
/// ```
/// use prereq::{RuleSet, analysis::lint::lint};
/// let rules = RuleSet::parse("r.rules", "fact a: bool\nfact n: number\nrule r requires a and not a\nrule s requires n > 10 and n < 5")?;
/// let codes: Vec<&str> = lint(&rules).iter().map(|d| d.code).collect();
/// assert_eq!(codes, ["never-satisfied", "never-satisfied"]);
/// # Ok::<(), prereq::LoadError>(())
/// ```
pub fn lint(rules: &RuleSet) -> Vec<Diagnostic> {
    let resolved = rules.resolved();
    let mut found: Vec<Diagnostic> = rules.warnings().iter().cloned().collect();
    if let Ok(space) = Space::new(&[resolved]) {
        let mut canonical: HashMap<(Bdd, Bdd), RuleId> = HashMap::new();
        for (index, rule) in resolved.rules.iter().enumerate() {
            let id = RuleId(u32::try_from(index).unwrap_or(u32::MAX));
            let Some(meaning) = space.rule(0, id) else {
                continue;
            };
            let name = &rule.name;
            if space.never_satisfied(meaning) {
                found.push(
                    warning("never-satisfied", format!("rule `{name}` can never be satisfied"), rule.span, "no snapshot of facts satisfies it")
                        .with_help("its conditions contradict each other (a proof over every value the facts can take)"),
                );
            } else if space.always_satisfied_when_known(meaning) {
                found.push(
                    warning(
                        "always-satisfied",
                        format!("rule `{name}` is satisfied whenever its facts are known"),
                        rule.span,
                        "it tells only whether facts are known",
                    )
                    .with_help("check the conditions: as written they cannot fail"),
                );
            }
            if rule.kind == RuleKind::Entity && space.independent_of(meaning, Scope::Entity) {
                found.push(
                    warning("entity-in-name-only", format!("rule `{name}` reads entity facts, but its verdict depends on world facts only"), rule.span, "decided per entity, yet the same for all")
                        .with_help("remove the entity facts that cannot change the verdict, making it a world rule"),
                );
            }
            if let Some(unless) = &rule.unless {
                let requires = space.meaning(
                    resolved,
                    &rule.requires,
                    &all_meanings(&space, resolved.rules.len()),
                );
                if requires.is_some_and(|r| space.equivalent(&r, meaning)) {
                    found.push(
                        warning(
                            "redundant-unless",
                            format!("the `unless` of rule `{name}` excludes nothing more"),
                            unless.span,
                            "`requires` already excludes this",
                        )
                        .with_help("remove the `unless` part"),
                    );
                }
            }
            redundant_conditions(&space, rules, rule.conditions(), &mut found);
            let key = canonical_key(&space, meaning);
            match canonical.get(&key) {
                Some(first) if !is_alias(rule.requires.kind.clone(), *first) => {
                    let first_name = resolved
                        .rule(*first)
                        .map(|r| r.name.as_str())
                        .unwrap_or("?");
                    let first_span = resolved.rule(*first).map_or(rule.span, |r| r.span);
                    found.push(
                        warning(
                            "equivalent-rules",
                            format!("rule `{name}` means the same as rule `{first_name}`"),
                            rule.span,
                            "same verdict on every snapshot",
                        )
                        .with_label(first_span, format!("`{first_name}` is declared here"))
                        .with_help(format!(
                            "keep one, or define `{name}` as `rule {name} requires {first_name}`"
                        )),
                    );
                }
                Some(_) => {}
                None => {
                    canonical.insert(key, id);
                }
            }
        }
    }
    found.retain(|d| !allowed(rules.sources(), d));
    found.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    found
}

fn warning(code: &'static str, message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic::warning(code, message).with_label(span, label)
}

fn all_meanings(space: &Space, count: usize) -> Vec<Option<Meaning>> {
    (0..count)
        .map(|i| {
            space
                .rule(0, RuleId(u32::try_from(i).unwrap_or(u32::MAX)))
                .cloned()
        })
        .collect()
}

/// A rule that only refers to another is an alias, not an accidental duplicate.
fn is_alias(requires: CondKind, other: RuleId) -> bool {
    matches!(requires, CondKind::Rule(id) if id == other)
}

/// The meaning restricted to consistent assignments: equal keys, equal meanings.
fn canonical_key(space: &Space, meaning: &Meaning) -> (Bdd, Bdd) {
    space.canonical(meaning)
}

/// Reports each part of an `and`/`or` without which the part's node means the same.
fn redundant_conditions<'a>(
    space: &Space,
    rules: &RuleSet,
    conditions: impl Iterator<Item = &'a Cond>,
    found: &mut Vec<Diagnostic>,
) {
    let resolved = rules.resolved();
    let meanings = all_meanings(space, resolved.rules.len());
    for cond in conditions {
        cond.walk(|node| {
            let (parts, joiner) = match &node.kind {
                CondKind::And(parts) => (parts, " and "),
                CondKind::Or(parts) => (parts, " or "),
                _ => return,
            };
            let Some(whole) = space.meaning(resolved, node, &meanings) else {
                return;
            };
            for (index, part) in parts.iter().enumerate() {
                let rest: Vec<Cond> = parts
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != index)
                    .map(|(_, p)| p.clone())
                    .collect();
                let without = Cond {
                    kind: match rest.len() {
                        1 => rest
                            .into_iter()
                            .next()
                            .map_or(CondKind::Const(true), |c| c.kind),
                        _ if joiner == " and " => CondKind::And(rest),
                        _ => CondKind::Or(rest),
                    },
                    span: node.span,
                };
                let Some(reduced) = space.meaning(resolved, &without, &meanings) else {
                    continue;
                };
                if space.equivalent(&whole, &reduced) {
                    let simpler = parts
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != index)
                        .map(|(_, p)| text(rules.sources(), p))
                        .collect::<Vec<_>>()
                        .join(joiner);
                    found.push(
                        warning(
                            "redundant-condition",
                            "this condition changes no verdict".to_string(),
                            part.span,
                            "removing it gives the same verdict on every snapshot",
                        )
                        .with_help(format!("write `{simpler}`")),
                    );
                    break;
                }
            }
        });
    }
}

/// The source text of a condition, in parentheses if it is an `and`/`or`.
fn text(sources: &Sources, cond: &Cond) -> String {
    let snippet = sources.snippet(cond.span);
    match cond.kind {
        CondKind::And(_) | CondKind::Or(_) => format!("({snippet})"),
        _ => snippet.to_string(),
    }
}

/// Whether `# prereq: allow(CODE)` stands on a line of the declaration the
/// diagnostic points into, or on the comment lines right above it.
fn allowed(sources: &Sources, diagnostic: &Diagnostic) -> bool {
    let Some(span) = diagnostic.primary_span() else {
        return false;
    };
    let Some(file) = sources.file(span.file) else {
        return false;
    };
    let line_index = file.line_col(span.start as usize).line - 1;
    let lines: Vec<&str> = file.text().lines().collect();
    let starts_declaration = |line: &&str| {
        let line = line.trim_start();
        ["rule ", "fact ", "world "]
            .iter()
            .any(|k| line.starts_with(k))
    };
    let first = (0..=line_index)
        .rev()
        .find(|i| lines.get(*i).is_some_and(starts_declaration))
        .unwrap_or(line_index);
    let mentions = |line: &&str| {
        line.split_once("# prereq: allow(")
            .and_then(|(_, rest)| rest.split_once(')'))
            .is_some_and(|(names, _)| names.split(',').any(|n| n.trim() == diagnostic.code))
    };
    let own = lines.iter().skip(first).take(line_index + 1 - first);
    let above = lines
        .iter()
        .take(first)
        .rev()
        .take_while(|l| l.trim_start().starts_with('#'));
    own.chain(above).any(mentions)
}

//! Lints: warnings about rules that are valid but probably not what was meant.
//!
//! The semantic lints are proofs, not guesses: they ask the engine in
//! [`super::semantics`] whether a rule can ever be satisfied, whether a
//! condition or an `unless` changes any verdict, whether two rules mean the
//! same, whether an entity rule depends on any entity fact. Every lint has a
//! name; `# prereq: allow(NAME)` on the line of a declaration or on the
//! comment lines right above it silences it there. `docs/lints.md` describes
//! each one.

use rustc_hash::FxHashMap;

use super::budget::{Budget, Exhausted};
use super::semantics::{Canonical, Meaning, NoMeaning, Space};
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

/// What [`lint`] found, and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct Lints {
    /// The warnings, in source order: the checker's (unused declarations)
    /// and the lints', minus those allowed.
    pub found: Vec<Diagnostic>,
    /// Rules whose semantic lints were not all checked: the budget ran out
    /// (every rule after it), or they compare two facts with each other.
    pub unchecked: Vec<Unchecked>,
    /// `false` if the budget ran out before every rule was checked.
    pub complete: bool,
}

/// A rule the semantic lints did not check in full, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unchecked {
    /// The rule.
    pub rule: String,
    /// Why: `budget` or `compares-two-facts`.
    pub reason: &'static str,
}

/// Runs every lint; the warnings of the checker (unused declarations)
/// included. The semantic lints spend `budget`; rules they could not
/// check are listed in [`Lints::unchecked`].
///
/// ```
/// use prereq::{RuleSet, analysis::{budget::Budget, lint::lint}};
/// let rules = RuleSet::parse("r.rules", "fact a: bool\nfact n: number\nrule r requires a and not a\nrule s requires n > 10 and n < 5")?;
/// let lints = lint(&rules, &Budget::new(1_000_000));
/// let codes: Vec<&str> = lints.found.iter().map(|d| d.code).collect();
/// assert_eq!(codes, ["never-satisfied", "never-satisfied"]);
/// assert!(lints.complete);
/// # Ok::<(), prereq::LoadError>(())
/// ```
pub fn lint(rules: &RuleSet, budget: &Budget) -> Lints {
    let resolved = rules.resolved();
    let mut found: Vec<Diagnostic> = rules.warnings().iter().cloned().collect();
    let mut unchecked = Vec::new();
    match Space::new(&[resolved], budget) {
        Ok(space) => {
            let mut linter = Linter {
                space: &space,
                rules,
                budget,
                found: &mut found,
                by_form: FxHashMap::default(),
            };
            for (index, rule) in resolved.rules.iter().enumerate() {
                let id = RuleId(u32::try_from(index).unwrap_or(u32::MAX));
                let reason = match space.rule(0, id) {
                    Ok(meaning) => match linter.rule(id, meaning) {
                        Ok(()) => continue,
                        Err(Exhausted) => "budget",
                    },
                    Err(NoMeaning::Budget) => "budget",
                    Err(NoMeaning::Beyond(beyond)) => beyond.code(),
                };
                unchecked.push(Unchecked {
                    rule: rule.name.clone(),
                    reason,
                });
            }
        }
        Err(_) => unchecked.extend(resolved.rules.iter().map(|rule| Unchecked {
            rule: rule.name.clone(),
            reason: "budget",
        })),
    }
    let allowances = Allowances::of(rules.sources());
    found.retain(|d| !allowances.allow(d));
    found.sort_by_key(|d| d.primary_span().map(|s| (s.file, s.start)));
    Lints {
        found,
        complete: !unchecked.iter().any(|u| u.reason == "budget"),
        unchecked,
    }
}

/// The semantic lints of one rule set, rule by rule.
struct Linter<'a> {
    space: &'a Space,
    rules: &'a RuleSet,
    budget: &'a Budget,
    found: &'a mut Vec<Diagnostic>,
    /// The first rule of each meaning, by its canonical form.
    by_form: FxHashMap<Canonical, RuleId>,
}

impl Linter<'_> {
    fn rule(&mut self, id: RuleId, meaning: &Meaning) -> Result<(), Exhausted> {
        let (space, budget) = (self.space, self.budget);
        let resolved = self.rules.resolved();
        let Some(rule) = resolved.rule(id) else {
            return Ok(());
        };
        let name = &rule.name;
        if space.never_satisfied(meaning, budget)? {
            self.found.push(
                warning("never-satisfied", format!("rule `{name}` can never be satisfied"), rule.span, "no snapshot of facts satisfies it")
                    .with_help("its conditions contradict each other (a proof over every value the facts can take)"),
            );
        } else if space.always_satisfied(meaning, budget)? {
            self.found.push(
                warning(
                    "always-satisfied",
                    format!("rule `{name}` is always satisfied"),
                    rule.span,
                    "whatever the facts, known or not",
                )
                .with_help(
                    "the declared ranges decide it: check the conditions against the ranges",
                ),
            );
        } else if space.always_satisfied_when_known(meaning, budget)? {
            self.found.push(
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
            self.found.push(
                warning("entity-in-name-only", format!("rule `{name}` reads entity facts, but its verdict depends on world facts only"), rule.span, "decided per entity, yet the same for all")
                    .with_help("remove the entity facts that cannot change the verdict, making it a world rule"),
            );
        }
        if let Some(unless) = &rule.unless {
            let requires = space.meaning(resolved, &rule.requires, space.meanings(0), budget);
            let redundant = match requires {
                Ok(requires) => space.equivalent(&requires, meaning, budget)?,
                Err(NoMeaning::Budget) => return Err(Exhausted),
                Err(NoMeaning::Beyond(_)) => false,
            };
            if redundant {
                self.found.push(
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
        for cond in rule.conditions() {
            self.redundant_conditions(cond)?;
        }
        self.equivalent_rules(id, meaning)
    }

    /// Reports the rule if it means the same as an earlier one (unless it
    /// merely refers to it): rules are grouped by the canonical form of
    /// their meaning, so finding equivalents costs one form per rule.
    fn equivalent_rules(&mut self, id: RuleId, meaning: &Meaning) -> Result<(), Exhausted> {
        let resolved = self.rules.resolved();
        let Some(rule) = resolved.rule(id) else {
            return Ok(());
        };
        let form = self.space.canonical(meaning, self.budget)?;
        let Some(&first) = self.by_form.get(&form) else {
            self.by_form.insert(form, id);
            return Ok(());
        };
        if !is_alias(&rule.requires.kind, first) {
            let first_name = resolved.rule(first).map_or("?", |r| r.name.as_str());
            let first_span = resolved.rule(first).map_or(rule.span, |r| r.span);
            let name = &rule.name;
            self.found.push(
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
        Ok(())
    }

    /// Reports, in each `and`/`or` of the condition, the first part without
    /// which the node means the same. The meaning of the node without part
    /// `i` joins the parts before it with those after it, each side built
    /// once for all parts: linear in the parts, not quadratic.
    fn redundant_conditions(&mut self, cond: &Cond) -> Result<(), Exhausted> {
        let mut nodes = Vec::new();
        cond.walk(|node| {
            if matches!(node.kind, CondKind::And(_) | CondKind::Or(_)) {
                nodes.push(node);
            }
        });
        for node in nodes {
            let (parts, conjunction) = match &node.kind {
                CondKind::And(parts) => (parts, true),
                CondKind::Or(parts) => (parts, false),
                _ => continue,
            };
            let Some(index) = self.redundant_part(parts, conjunction)? else {
                continue;
            };
            let Some(part) = parts.get(index) else {
                continue;
            };
            let joiner = if conjunction { " and " } else { " or " };
            let simpler = parts
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != index)
                .map(|(_, p)| text(self.rules.sources(), p))
                .collect::<Vec<_>>()
                .join(joiner);
            self.found.push(
                warning(
                    "redundant-condition",
                    "this condition changes no verdict".to_string(),
                    part.span,
                    "removing it gives the same verdict on every snapshot",
                )
                .with_help(format!("write `{simpler}`")),
            );
        }
        Ok(())
    }

    /// The first part of an `and` (`conjunction`) or `or` whose removal
    /// leaves the meaning unchanged.
    fn redundant_part(
        &self,
        parts: &[Cond],
        conjunction: bool,
    ) -> Result<Option<usize>, Exhausted> {
        let (space, budget) = (self.space, self.budget);
        let resolved = self.rules.resolved();
        let mut meanings = Vec::with_capacity(parts.len());
        for part in parts {
            match space.meaning(resolved, part, space.meanings(0), budget) {
                Ok(meaning) => meanings.push(meaning),
                Err(NoMeaning::Beyond(_)) => return Ok(None),
                Err(NoMeaning::Budget) => return Err(Exhausted),
            }
        }
        let join = |a: &Meaning, b: &Meaning| match conjunction {
            true => space.and(a, b, budget),
            false => space.or(a, b, budget),
        };
        let unit = if conjunction {
            space.always()
        } else {
            space.never()
        };
        // before[i] joins parts 0..i; after[i] joins parts i..
        let mut before = vec![unit.clone()];
        for meaning in &meanings {
            let last = before.last().unwrap_or(&unit);
            before.push(join(last, meaning)?);
        }
        let mut after = vec![unit.clone()];
        for meaning in meanings.iter().rev() {
            let last = after.last().unwrap_or(&unit);
            after.push(join(meaning, last)?);
        }
        after.reverse();
        let whole = before.last().unwrap_or(&unit);
        for index in 0..meanings.len() {
            let (Some(left), Some(right)) = (before.get(index), after.get(index + 1)) else {
                continue;
            };
            if space.equivalent(whole, &join(left, right)?, budget)? {
                return Ok(Some(index));
            }
        }
        Ok(None)
    }
}

fn warning(code: &'static str, message: String, span: Span, label: &str) -> Diagnostic {
    Diagnostic::warning(code, message).with_label(span, label)
}

/// A rule that only refers to another is an alias, not an accidental duplicate.
fn is_alias(requires: &CondKind, other: RuleId) -> bool {
    matches!(requires, CondKind::Rule(id) if *id == other)
}

/// The source text of a condition, in parentheses if it is an `and`/`or`.
fn text(sources: &Sources, cond: &Cond) -> String {
    let snippet = sources.snippet(cond.span);
    match cond.kind {
        CondKind::And(_) | CondKind::Or(_) => format!("({snippet})"),
        _ => snippet.to_string(),
    }
}

/// Where `# prereq: allow(NAME)` comments stand: per file, per line, the
/// lint names a comment on that line allows. Built once for all
/// diagnostics; a `#` inside a string literal starts no comment.
struct Allowances<'s> {
    sources: &'s Sources,
    /// Per file: the lines (0-based) with allowances, and the names.
    lines: Vec<FxHashMap<usize, Vec<String>>>,
}

impl<'s> Allowances<'s> {
    fn of(sources: &'s Sources) -> Allowances<'s> {
        let lines = sources
            .iter()
            .map(|(_, file)| {
                file.text()
                    .lines()
                    .enumerate()
                    .filter_map(|(index, line)| Some((index, allowed_names(comment(line)?)?)))
                    .collect()
            })
            .collect();
        Allowances { sources, lines }
    }

    /// Whether an allowance for the diagnostic's code stands on a line of
    /// the declaration it points into, or on the comment lines right above.
    fn allow(&self, diagnostic: &Diagnostic) -> bool {
        let Some(span) = diagnostic.primary_span() else {
            return false;
        };
        let (Some(file), Some(allowed)) = (
            self.sources.file(span.file),
            self.lines.get(span.file.0 as usize),
        ) else {
            return false;
        };
        if allowed.is_empty() {
            return false;
        }
        let line_index = file.line_col(span.start as usize).line - 1;
        let line = |index: usize| file.line(index).unwrap_or("");
        let starts_declaration = |index: usize| {
            let text = line(index).trim_start();
            ["rule ", "fact ", "world "]
                .iter()
                .any(|k| text.starts_with(k))
        };
        let first = (0..=line_index)
            .rev()
            .find(|i| starts_declaration(*i))
            .unwrap_or(line_index);
        let comment_lines_above = (0..first)
            .rev()
            .take_while(|i| line(*i).trim_start().starts_with('#'));
        let mentions = |index: usize| {
            allowed
                .get(&index)
                .is_some_and(|names| names.iter().any(|n| n == diagnostic.code))
        };
        (first..=line_index)
            .chain(comment_lines_above)
            .any(mentions)
    }
}

/// The comment of a line: from the first `#` outside a string literal.
fn comment(line: &str) -> Option<&str> {
    let mut in_string = false;
    let mut escaped = false;
    for (index, c) in line.char_indices() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (_, false, '"') => in_string = !in_string,
            (false, _, '#') => return line.get(index..),
            _ => {}
        }
    }
    None
}

/// The lint names of a `# prereq: allow(A, B)` comment.
fn allowed_names(comment: &str) -> Option<Vec<String>> {
    let (_, rest) = comment.split_once("# prereq: allow(")?;
    let (names, _) = rest.split_once(')')?;
    Some(names.split(',').map(|n| n.trim().to_string()).collect())
}

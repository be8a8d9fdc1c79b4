//! The terminal table: entities as rows, entity rules as columns.
//!
//! World rules come first, one line each, since they have one verdict for
//! everyone. Then the matrix, with a symbol per cell, a count of satisfied
//! entities under each column, the legend, and the doc comments of the rules
//! shown. Colours are opt-in ([`Style::color`]); the CLI turns them on only
//! for a terminal and never when `NO_COLOR` is set. Entity names and doc
//! comments are escaped ([`crate::text::escape`]): a name holding a newline
//! or an escape sequence shows as `\n` or `\u{1b}`, never as a forged row.
//! Cells are read by index, so the table is linear in its size.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{Report, RuleColumn};
use crate::check::RuleKind;
use crate::eval::Verdict;
use crate::text::escape;

/// How to render the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

/// Renders a report as a table for people.
///
/// ```
/// use prereq::{Facts, RuleSet, report::table};
/// let rules = RuleSet::parse("r.rules", "fact ready: bool\nrule go requires ready")?;
/// let mut facts = Facts::new("inline");
/// facts.set("UK", "ready", true);
/// facts.add_entity("Ireland");
/// let text = table::render(&rules.evaluate(&facts)?, table::Style::default());
/// assert!(text.starts_with("Entity     go\nUK         ✓\nIreland    ?\nsatisfied  1/2\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let world: Vec<&RuleColumn> = report
        .rules()
        .filter(|r| r.kind == RuleKind::World)
        .collect();
    let entity_rules: Vec<&RuleColumn> = report
        .rules()
        .filter(|r| r.kind == RuleKind::Entity)
        .collect();
    if !world.is_empty() {
        render_world(&mut out, report, &world, style);
    }
    if !entity_rules.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        render_matrix(&mut out, report, &entity_rules, style);
    }
    if world.is_empty() && entity_rules.is_empty() {
        out.push_str("No rules to show.\n");
        return out;
    }
    out.push('\n');
    let legend: Vec<String> = [
        Verdict::Satisfied,
        Verdict::Unsatisfied,
        Verdict::Undetermined,
    ]
    .iter()
    .map(|&v| format!("{} {}", paint(symbol(v), v, style), v))
    .collect();
    let _ = writeln!(out, "Legend: {}", legend.join("   "));
    render_docs(&mut out, report);
    out
}

fn render_world(out: &mut String, report: &Report, world: &[&RuleColumn], style: Style) {
    out.push_str("World rules (one verdict for all)\n");
    let width = world.iter().map(|r| width_of(&r.name)).max().unwrap_or(0);
    for rule in world {
        if let Some(verdict) = report.world_verdict(&rule.name) {
            let _ = writeln!(
                out,
                "  {}  {}  {}",
                pad(&rule.name, width),
                paint(symbol(verdict), verdict, style),
                verdict
            );
        }
    }
}

fn render_matrix(out: &mut String, report: &Report, rules: &[&RuleColumn], style: Style) {
    let entities: Vec<(usize, Cow<'_, str>)> = report
        .indexed_entities()
        .map(|(index, name)| (index, escape(name)))
        .collect();
    let first_width = entities
        .iter()
        .map(|(_, e)| width_of(e))
        .chain([width_of("Entity"), width_of("satisfied")])
        .max()
        .unwrap_or(0);
    let widths: Vec<usize> = rules.iter().map(|r| width_of(&r.name).max(3)).collect();
    let _ = write!(out, "{}", pad("Entity", first_width));
    for (rule, width) in rules.iter().zip(&widths) {
        let _ = write!(out, "  {}", pad(&rule.name, *width));
    }
    trim_line_end(out);
    out.push('\n');
    let mut satisfied = vec![0usize; rules.len()];
    for (index, entity) in &entities {
        let _ = write!(out, "{}", pad(entity, first_width));
        for ((rule, width), count) in rules.iter().zip(&widths).zip(&mut satisfied) {
            let verdict = report
                .cell(Some(*index), rule)
                .unwrap_or(Verdict::Undetermined);
            *count += usize::from(verdict == Verdict::Satisfied);
            let cell = paint(symbol(verdict), verdict, style);
            let _ = write!(out, "  {cell}{}", " ".repeat(width.saturating_sub(1)));
        }
        trim_line_end(out);
        out.push('\n');
    }
    if entities.is_empty() {
        out.push_str("(no entities in the facts)\n");
        return;
    }
    let _ = write!(out, "{}", pad("satisfied", first_width));
    for (count, width) in satisfied.iter().zip(&widths) {
        let _ = write!(
            out,
            "  {}",
            pad(&format!("{count}/{}", entities.len()), *width)
        );
    }
    trim_line_end(out);
    out.push('\n');
}

fn render_docs(out: &mut String, report: &Report) {
    let documented: Vec<&RuleColumn> = report.rules().filter(|r| !r.docs.is_empty()).collect();
    if documented.is_empty() {
        return;
    }
    out.push_str("\nRules\n");
    let width = documented
        .iter()
        .map(|r| width_of(&r.name))
        .max()
        .unwrap_or(0);
    for rule in documented {
        let indent = " ".repeat(width + 4);
        for (index, line) in rule.docs.iter().enumerate() {
            let line = escape(line);
            if index == 0 {
                let _ = writeln!(out, "  {}  {line}", pad(&rule.name, width));
            } else {
                let _ = writeln!(out, "{indent}{line}");
            }
        }
    }
}

fn trim_line_end(out: &mut String) {
    let trimmed = out.trim_end_matches(' ').len();
    out.truncate(trimmed);
}

pub(crate) fn symbol(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Satisfied => "✓",
        Verdict::Unsatisfied => "✗",
        Verdict::Undetermined => "?",
    }
}

pub(crate) fn paint(text: &str, verdict: Verdict, style: Style) -> String {
    if !style.color {
        return text.to_string();
    }
    let code = match verdict {
        Verdict::Satisfied => "32",
        Verdict::Unsatisfied => "31",
        Verdict::Undetermined => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Display width, counting characters (good enough for names; no wide-glyph tables).
fn width_of(text: &str) -> usize {
    text.chars().count()
}

fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(width_of(text))))
}

//! The formatter: one canonical layout for rule files.
//!
//! The layout: one space around operators; a rule on one line if it fits in
//! [`WIDTH`] columns, else broken before each top-level `and`/`or`, with
//! continuation lines (and `unless`) indented four spaces; `and`/`or` inside
//! another `and`/`or` in parentheses, so precedence is never left to the
//! reader; a blank line before every rule; runs of blank lines collapsed.
//!
//! Comments are kept exactly, in place: comment lines between declarations
//! stay where they are (a comment right above a declaration stays attached
//! to it), a comment after a declaration's last token stays on its line, and
//! a declaration with a comment *inside* it is left as written (only
//! trailing blanks are trimmed) rather than risk moving the comment.
//!
//! Invariant, checked by property tests: the output parses to the same AST
//! (spans aside) as the input, formatting it again changes nothing, and
//! every comment of the input is in the output.

use crate::diagnostic::Diagnostic;
use crate::source::FileId;
use crate::syntax::ast::{Declaration, Expr, ExprKind, FactDecl, FactType, RuleDecl, Scope};
use crate::syntax::{self, is_blank, scan_chunks};

/// The width a rule must fit in to stay on one line.
pub const WIDTH: usize = 80;

/// Formats a rule file; fails with the syntax errors of a file that does not parse.
///
/// ```
/// let text = "rule   deploy requires a and(b or c)   # why\nfact a:bool\n";
/// let formatted = prereq::format::format_source(text).unwrap();
/// assert_eq!(formatted, "rule deploy requires a and (b or c) # why\n\nfact a: bool\n");
/// ```
pub fn format_source(text: &str) -> Result<String, Vec<Diagnostic>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let file_id = FileId(0);
    let (file, diagnostics) = syntax::parse_file(file_id, text);
    if !diagnostics.is_empty() || file.incomplete {
        return Err(diagnostics);
    }
    let chunks = scan_chunks(file_id, text);
    let mut out = Output::default();
    if file.declarations.is_empty() {
        // Nothing but comments and blank lines.
        out.trivia(text);
    }
    for (chunk, declaration) in chunks.iter().zip(&file.declarations) {
        let chunk_text = text.get(chunk.clone()).unwrap_or("");
        let (start, end) = declaration_range(declaration, chunk.start);
        let (before, rest) = chunk_text.split_at(start.min(chunk_text.len()));
        let (body, after) = rest.split_at((end - start).min(rest.len()));
        // Doc comments (and any comment among them) go with the declaration.
        let docs_at = before.find("##").map_or(before.len(), |at| {
            before[..at].rfind('\n').map_or(0, |nl| nl + 1)
        });
        let (trivia, docs) = before.split_at(docs_at);
        out.trivia(trivia);
        out.declaration(declaration, docs, body);
        out.trailing(after);
    }
    Ok(out.finish())
}

fn trim_blanks(line: &str) -> &str {
    line.trim_matches(is_blank)
}

/// The declaration's start (its first doc comment or keyword) and end,
/// relative to its chunk.
fn declaration_range(declaration: &Declaration, chunk_start: usize) -> (usize, usize) {
    let span = match declaration {
        Declaration::Fact(fact) => fact.span,
        Declaration::Rule(rule) => rule.span,
    };
    let start = (span.start as usize).saturating_sub(chunk_start);
    let end = (span.end as usize).saturating_sub(chunk_start);
    (start, end)
}

/// The formatted text, built line by line.
#[derive(Default)]
struct Output {
    lines: Vec<String>,
    /// The last line written is a comment with no blank line after it yet.
    comment_attached: bool,
    /// The kind of the last declaration written (`true` for a rule).
    last_was_rule: Option<bool>,
}

impl Output {
    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.is_empty()) {
            self.lines.push(String::new());
        }
        self.comment_attached = false;
    }

    /// Comment and blank lines between declarations.
    fn trivia(&mut self, text: &str) {
        for line in text.lines() {
            let line = trim_blanks(line);
            if line.is_empty() {
                self.blank();
            } else {
                self.lines.push(line.to_string());
                self.comment_attached = true;
            }
        }
    }

    /// A declaration, after its doc comments written exactly as they are.
    fn declaration(&mut self, declaration: &Declaration, docs: &str, body: &str) {
        let is_rule = matches!(declaration, Declaration::Rule(_));
        let separate = is_rule || self.last_was_rule == Some(true);
        if separate && !self.comment_attached && self.last_was_rule.is_some() {
            self.blank();
        }
        self.lines.extend(
            docs.lines()
                .map(trim_blanks)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
        let decl_text = body;
        if has_comment(decl_text) {
            self.lines.extend(
                decl_text
                    .lines()
                    .map(|l| l.trim_end_matches(is_blank).to_string()),
            );
        } else {
            let formatted = match declaration {
                Declaration::Fact(fact) => fact_line(fact),
                Declaration::Rule(rule) => rule_text(rule),
            };
            self.lines.extend(formatted.lines().map(str::to_string));
        }
        self.comment_attached = false;
        self.last_was_rule = Some(is_rule);
    }

    /// What follows a declaration in its chunk: a comment on its last line,
    /// then comment and blank lines up to the next declaration.
    fn trailing(&mut self, text: &str) {
        let (same_line, rest) = text.split_once('\n').unwrap_or((text, ""));
        let same_line = trim_blanks(same_line);
        if !same_line.is_empty() {
            if let Some(last) = self.lines.last_mut() {
                last.push(' ');
                last.push_str(same_line);
            }
        }
        self.trivia(rest);
    }

    fn finish(mut self) -> String {
        while self.lines.last().is_some_and(String::is_empty) {
            self.lines.pop();
        }
        while self.lines.first().is_some_and(String::is_empty) {
            self.lines.remove(0);
        }
        if self.lines.is_empty() {
            return String::new();
        }
        self.lines.join("\n") + "\n"
    }
}

/// Whether a declaration's text holds a `#` comment outside strings.
fn has_comment(text: &str) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        match (in_string, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') | (false, _, '"') => in_string = !in_string,
            (false, _, '#') => return true,
            _ => {}
        }
    }
    false
}

fn fact_line(fact: &FactDecl) -> String {
    let world = if fact.scope == Scope::World {
        "world "
    } else {
        ""
    };
    let fixed = if fact.fixed { " fixed" } else { "" };
    let range = match fact.range {
        Some((range, _)) if !range.is_any() => format!(" {range}"),
        _ => String::new(),
    };
    let ty = match &fact.vocabulary {
        Some(words) => {
            let words: Vec<String> = words.iter().map(|w| string(&w.value)).collect();
            let vocabulary = format!("one of {}", words.join(", "));
            match fact.ty {
                FactType::StringSet => format!("set<{vocabulary}>"),
                _ => vocabulary,
            }
        }
        None => fact.ty.keyword().to_string(),
    };
    format!("{world}fact {}: {ty}{range}{fixed}", fact.name.name)
}

fn rule_text(rule: &RuleDecl) -> String {
    let head = format!("rule {} requires ", rule.name.name);
    let unless = rule
        .unless
        .as_ref()
        .map(|u| format!("unless {}", expr(u, Context::Top)));
    let one_line = match &unless {
        Some(unless) => format!("{head}{} {unless}", expr(&rule.requires, Context::Top)),
        None => format!("{head}{}", expr(&rule.requires, Context::Top)),
    };
    if one_line.chars().count() <= WIDTH {
        return one_line;
    }
    let mut text = head;
    match &rule.requires.kind {
        ExprKind::And(parts) | ExprKind::Or(parts) => {
            let word = if matches!(rule.requires.kind, ExprKind::And(_)) {
                "and"
            } else {
                "or"
            };
            for (index, part) in parts.iter().enumerate() {
                if index > 0 {
                    text.push_str(&format!("\n    {word} "));
                }
                text.push_str(&expr(part, Context::Operand));
            }
        }
        _ => text.push_str(&expr(&rule.requires, Context::Top)),
    }
    if let Some(unless) = unless {
        text.push_str(&format!("\n    {unless}"));
    }
    text
}

/// Where an expression is printed: at the top of a condition, as a part of
/// `and`/`or`, as the operand of `not` or a comparison, as a term of `+`
/// and `-`, or as a factor of `*` and `/` or the operand of a minus.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    Operand,
    Tight,
    Term,
    Factor,
}

/// Prints an expression in canonical form (no recursion deeper than the
/// expression, whose depth the parser bounds).
fn expr(e: &Expr, context: Context) -> String {
    let text = match &e.kind {
        ExprKind::Or(parts) => join(parts, " or "),
        ExprKind::And(parts) => join(parts, " and "),
        ExprKind::Not(inner) if matches!(inner.kind, ExprKind::Not(_)) => {
            format!("not {}", expr(inner, Context::Operand))
        }
        ExprKind::Not(inner) => format!("not {}", expr(inner, Context::Tight)),
        ExprKind::Compare { op, lhs, rhs, .. } => {
            format!(
                "{} {} {}",
                expr(lhs, Context::Tight),
                op.symbol(),
                expr(rhs, Context::Tight)
            )
        }
        ExprKind::Member {
            negated,
            element,
            collection,
            ..
        } => format!(
            "{} {}in {}",
            expr(element, Context::Tight),
            if *negated { "not " } else { "" },
            expr(collection, Context::Tight)
        ),
        ExprKind::Neg(inner) => format!("-{}", expr(inner, Context::Factor)),
        ExprKind::Arith { first, rest } => {
            let operand = match rest.first().is_some_and(|part| part.op.is_additive()) {
                true => Context::Term,
                false => Context::Factor,
            };
            let mut text = expr(first, operand);
            for part in rest {
                let operand_text = expr(&part.operand, operand);
                text.push_str(&format!(" {} {operand_text}", part.op.symbol()));
            }
            text
        }
        ExprKind::List(items) => {
            let items: Vec<String> = items.iter().map(|s| string(&s.value)).collect();
            format!("[{}]", items.join(", "))
        }
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Number(n) => n.to_string(),
        ExprKind::String(s) => string(s),
        ExprKind::Name(name) => name.clone(),
    };
    let condition = matches!(
        e.kind,
        ExprKind::Or(_)
            | ExprKind::And(_)
            | ExprKind::Compare { .. }
            | ExprKind::Member { .. }
            | ExprKind::Not(_)
    );
    // A chain inside a chain keeps its parentheses, so that the printed
    // text parses to the same tree; `*` binds tighter than `+` without them.
    let additive = match &e.kind {
        ExprKind::Arith { rest, .. } => Some(rest.first().is_some_and(|p| p.op.is_additive())),
        _ => None,
    };
    let needs_parens = match context {
        Context::Top => false,
        Context::Operand => matches!(e.kind, ExprKind::Or(_) | ExprKind::And(_)),
        Context::Tight => condition,
        Context::Term => condition || additive == Some(true),
        Context::Factor => condition || additive.is_some(),
    };
    if needs_parens {
        format!("({text})")
    } else {
        text
    }
}

fn join(parts: &[Expr], separator: &str) -> String {
    parts
        .iter()
        .map(|p| expr(p, Context::Operand))
        .collect::<Vec<_>>()
        .join(separator)
}

/// A string literal with `"` and `\` escaped.
fn string(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

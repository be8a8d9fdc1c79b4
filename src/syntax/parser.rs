//! From pest's parse tree to the typed AST.
//!
//! pest does the recognising (grammar in `grammar/prereq.pest`); this module
//! turns its pairs into [`ast`](super::ast) nodes with spans, checks what the
//! grammar deliberately lets through so it can explain it better (capitalised
//! names, chained comparisons, bad escapes, inexact numbers, `not` runs deeper
//! than the nesting limit), and reports those as diagnostics.
//!
//! Invariant: recursion here follows parentheses only, whose depth the
//! pre-pass in [`scan`](super::scan) has bounded; `not` runs are counted
//! against the same limit before they are built.

use pest::Parser as _;
use pest::iterators::Pair;

use super::ast::{
    ArithOp, ArithPart, CompareOp, Declaration, Expr, ExprKind, FactDecl, FactType, Ident,
    NumberRange, RuleDecl, Scope, StringLiteral,
};
use super::errors::syntax_error;
use super::literal;
use crate::diagnostic::Diagnostic;
use crate::limits::{MAX_NAME_LENGTH, MAX_NESTING_DEPTH, MAX_STRING_LENGTH};
use crate::number::Inexact;
use crate::source::{FileId, Span};

/// The pest parser generated from the grammar file.
#[derive(pest_derive::Parser)]
#[grammar = "grammar/prereq.pest"]
pub(crate) struct PrereqParser;

/// Parses one declaration found at `start..end` of `text`.
pub(crate) fn parse_declaration(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Declaration> {
    let chunk = text.get(start..end)?;
    match PrereqParser::parse(Rule::declaration_unit, chunk) {
        Ok(mut pairs) => {
            let unit = pairs.next()?;
            let declaration = unit
                .into_inner()
                .find(|p| p.as_rule() == Rule::declaration)?;
            let mut builder = Builder {
                file,
                offset: start,
                diagnostics,
            };
            builder.declaration(declaration)
        }
        Err(error) => {
            diagnostics.push(syntax_error(file, text, start, chunk, &error));
            None
        }
    }
}

struct Builder<'d> {
    file: FileId,
    offset: usize,
    diagnostics: &'d mut Vec<Diagnostic>,
}

/// Marks a part that was reported as an error and left out of the AST.
struct Reported;

type Built<T> = Result<T, Reported>;

impl Builder<'_> {
    /// The span of a pair, from its first token to the end of its last one
    /// (pest lets a sequence's span run over the blanks after its last token).
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let start = pair.as_span().start();
        Span::new(
            self.file,
            self.offset + start..self.offset + content_end(pair),
        )
    }

    fn report(&mut self, diagnostic: Diagnostic) -> Reported {
        self.diagnostics.push(diagnostic);
        Reported
    }

    fn declaration(&mut self, pair: Pair<'_, Rule>) -> Option<Declaration> {
        let mut docs = Vec::new();
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::doc_comment => docs.push(doc_line(&part)),
                Rule::fact_decl => return self.fact(part, docs).ok().map(Declaration::Fact),
                Rule::rule_decl => return self.rule(part, docs).ok().map(Declaration::Rule),
                _ => {}
            }
        }
        None
    }

    fn fact(&mut self, pair: Pair<'_, Rule>, docs: Vec<String>) -> Built<FactDecl> {
        let span = self.span(&pair);
        let mut scope = Scope::Entity;
        let mut name = None;
        let mut ty = None;
        let mut range = None;
        let mut vocabulary = None;
        let mut fixed = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::world_kw => scope = Scope::World,
                Rule::name => name = Some(self.ident(&part)?),
                Rule::fact_type => {
                    ty = Some(fact_type(&part));
                    range = self.range(&part)?;
                    vocabulary = self.vocabulary(&part)?;
                }
                Rule::fixed_kw => fixed = true,
                _ => {}
            }
        }
        let (Some(name), Some(ty)) = (name, ty) else {
            return Err(Reported);
        };
        Ok(FactDecl {
            docs,
            scope,
            name,
            ty,
            range,
            vocabulary,
            fixed,
            span,
        })
    }

    /// A string or set type's vocabulary, if one is written.
    fn vocabulary(&mut self, fact_type: &Pair<'_, Rule>) -> Built<Option<Vec<StringLiteral>>> {
        let found = fact_type
            .clone()
            .into_inner()
            .flatten()
            .find(|part| part.as_rule() == Rule::vocabulary);
        found.map(|words| self.list(words)).transpose()
    }

    /// A number type's range, if one is written.
    fn range(&mut self, fact_type: &Pair<'_, Rule>) -> Built<Option<(NumberRange, Span)>> {
        let Some(range) = fact_type
            .clone()
            .into_inner()
            .flat_map(|part| part.into_inner())
            .find(|part| part.as_rule() == Rule::number_range)
        else {
            return Ok(None);
        };
        let span = self.span(&range);
        let mut bounds = NumberRange::ANY;
        let mut upper = false;
        for part in range.into_inner() {
            match part.as_rule() {
                Rule::from_kw => upper = false,
                Rule::to_kw => upper = true,
                Rule::number if upper => bounds.hi = Some(self.number(&part)?),
                Rule::number => bounds.lo = Some(self.number(&part)?),
                _ => {}
            }
        }
        Ok(Some((bounds, span)))
    }

    fn rule(&mut self, pair: Pair<'_, Rule>, docs: Vec<String>) -> Built<RuleDecl> {
        let span = self.span(&pair);
        let mut name = None;
        let mut requires = None;
        let mut unless = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::name => name = Some(self.ident(&part)),
                Rule::expr => requires = Some(self.expr(part, 0)),
                Rule::unless_clause => {
                    let expr = part.into_inner().find(|p| p.as_rule() == Rule::expr);
                    unless = expr.map(|e| self.expr(e, 0));
                }
                _ => {}
            }
        }
        let (Some(name), Some(requires)) = (name, requires) else {
            return Err(Reported);
        };
        Ok(RuleDecl {
            docs,
            name: name?,
            requires: requires?,
            unless: unless.transpose()?,
            span,
        })
    }

    fn ident(&mut self, pair: &Pair<'_, Rule>) -> Built<Ident> {
        let name = pair.as_str();
        let span = self.span(pair);
        if name.len() > MAX_NAME_LENGTH {
            return Err(self.report(
                Diagnostic::error(
                    "name-too-long",
                    format!("a name longer than {MAX_NAME_LENGTH} characters"),
                )
                .with_label(span, format!("{} characters", name.len()))
                .with_help("shorten the name"),
            ));
        }
        if name.bytes().any(|b| b.is_ascii_uppercase()) {
            let lower = name.to_ascii_lowercase();
            return Err(self.report(
                Diagnostic::error("invalid-name", format!("`{name}` has capital letters"))
                    .with_label(span, "names are lowercase")
                    .with_help(format!(
                        "names use lowercase ASCII letters, digits and `_`: write `{lower}`"
                    )),
            ));
        }
        Ok(Ident {
            name: name.to_string(),
            span,
        })
    }

    /// Builds `expr`, `conjunction`, `negation`, `comparison` and `operand` pairs.
    fn expr(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr => self.chain(pair, span, depth, Rule::conjunction, ExprKind::Or),
            Rule::conjunction => self.chain(pair, span, depth, Rule::negation, ExprKind::And),
            Rule::negation => self.negation(pair, span, depth),
            Rule::comparison => self.comparison(pair, span, depth),
            Rule::sum | Rule::product => self.arithmetic(pair, span, depth),
            Rule::unary => self.unary(pair, depth),
            Rule::operand | Rule::collection => self.operand(pair, depth),
            _ => Err(Reported),
        }
    }

    /// Builds a flat `or`/`and` list; a single operand stands for itself.
    fn chain(
        &mut self,
        pair: Pair<'_, Rule>,
        span: Span,
        depth: usize,
        operand_rule: Rule,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Built<Expr> {
        let mut operands: Vec<Built<Expr>> = pair
            .into_inner()
            .filter(|p| p.as_rule() == operand_rule)
            .map(|p| self.expr(p, depth))
            .collect();
        if operands.len() == 1 {
            return operands.pop().unwrap_or(Err(Reported));
        }
        let operands = operands.into_iter().collect::<Built<Vec<_>>>()?;
        Ok(Expr {
            kind: make(operands),
            span,
        })
    }

    fn negation(&mut self, pair: Pair<'_, Rule>, span: Span, depth: usize) -> Built<Expr> {
        let mut nots = Vec::new();
        let mut inner = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::not_kw => nots.push(self.span(&part)),
                _ => inner = Some(part),
            }
        }
        if let Some(&too_deep) = nots.get(MAX_NESTING_DEPTH.saturating_sub(depth)) {
            return Err(self.report(nesting_too_deep(too_deep)));
        }
        let inner = inner.ok_or(Reported)?;
        let mut expr = self.expr(inner, depth + nots.len())?;
        for not in nots.into_iter().rev() {
            expr = Expr {
                span: not.to(span),
                kind: ExprKind::Not(Box::new(expr)),
            };
        }
        Ok(expr)
    }

    /// Builds a flat chain of `+`/`-` or `*`/`/`; one operand stands for itself.
    fn arithmetic(&mut self, pair: Pair<'_, Rule>, span: Span, depth: usize) -> Built<Expr> {
        let mut parts = pair.into_inner();
        let first = self.expr(parts.next().ok_or(Reported)?, depth);
        let mut rest = Vec::new();
        let mut broken = first.is_err();
        while let Some(op) = parts.next() {
            let operand = self.expr(parts.next().ok_or(Reported)?, depth);
            match operand {
                Ok(operand) => rest.push(ArithPart {
                    op: arith_op(op.as_str()),
                    op_span: self.span(&op),
                    operand,
                }),
                Err(Reported) => broken = true,
            }
        }
        if broken {
            return Err(Reported);
        }
        let first = first?;
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Expr {
            kind: ExprKind::Arith {
                first: Box::new(first),
                rest,
            },
            span,
        })
    }

    /// Builds `- … - operand`: a run of minuses, each spanning the rest;
    /// a minus before a number literal becomes part of it.
    fn unary(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let mut minuses = Vec::new();
        let mut current = pair;
        let operand = loop {
            let span = self.span(&current);
            let mut inner = current.into_inner();
            let first = inner.next().ok_or(Reported)?;
            match first.as_rule() {
                Rule::minus => {
                    minuses.push(span);
                    current = inner.next().ok_or(Reported)?;
                }
                _ => break first,
            }
        };
        if let Some(&too_deep) = minuses.get(MAX_NESTING_DEPTH.saturating_sub(depth)) {
            return Err(self.report(nesting_too_deep(too_deep)));
        }
        let mut expr = self.expr(operand, depth + minuses.len())?;
        for span in minuses.into_iter().rev() {
            expr = literal::negate(expr, span);
        }
        Ok(expr)
    }

    fn comparison(&mut self, pair: Pair<'_, Rule>, span: Span, depth: usize) -> Built<Expr> {
        let mut parts = pair.into_inner();
        let lhs = parts.next().ok_or(Reported)?;
        let Some(op) = parts.next() else {
            return self.expr(lhs, depth);
        };
        let rhs = parts.next().ok_or(Reported)?;
        if let Some(chained) = parts.next() {
            return Err(self.report(chained_comparison(self.span(&op), self.span(&chained))));
        }
        let op_span = self.span(&op);
        let lhs = Box::new(self.expr(lhs, depth)?);
        let rhs = Box::new(self.expr(rhs, depth)?);
        let kind = match op.as_rule() {
            Rule::compare_op => ExprKind::Compare {
                op: compare_op(op.as_str()),
                op_span,
                lhs,
                rhs,
            },
            _ => ExprKind::Member {
                negated: op.into_inner().any(|p| p.as_rule() == Rule::not_in),
                op_span,
                element: lhs,
                collection: rhs,
            },
        };
        Ok(Expr { kind, span })
    }

    fn operand(&mut self, pair: Pair<'_, Rule>, depth: usize) -> Built<Expr> {
        let inner = pair
            .into_inner()
            .find(|p| !matches!(p.as_rule(), Rule::paren_open | Rule::paren_close));
        let inner = inner.ok_or(Reported)?;
        let span = self.span(&inner);
        let kind = match inner.as_rule() {
            Rule::expr => {
                if depth >= MAX_NESTING_DEPTH {
                    return Err(self.report(nesting_too_deep(span)));
                }
                return self.expr(inner, depth + 1);
            }
            Rule::operand => return self.operand(inner, depth),
            Rule::number => ExprKind::Number(self.number(&inner)?),
            Rule::string => ExprKind::String(self.string(&inner)?),
            Rule::true_kw => ExprKind::Bool(true),
            Rule::false_kw => ExprKind::Bool(false),
            Rule::name => ExprKind::Name(self.ident(&inner)?.name),
            Rule::list => ExprKind::List(self.list(inner)?),
            _ => return Err(Reported),
        };
        Ok(Expr { kind, span })
    }

    fn list(&mut self, pair: Pair<'_, Rule>) -> Built<Vec<StringLiteral>> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::string)
            .map(|p| {
                Ok(StringLiteral {
                    value: self.string(&p)?,
                    span: self.span(&p),
                })
            })
            .collect()
    }

    fn number(&mut self, pair: &Pair<'_, Rule>) -> Built<f64> {
        let text = pair.as_str();
        let span = self.span(pair);
        literal::number(text).map_err(|inexact| {
            let code = match inexact {
                Inexact::TooLarge { .. } => "number-out-of-range",
                Inexact::Rounded(_) => "number-inexact",
            };
            self.report(
                Diagnostic::error(code, inexact.message(text))
                    .with_label(span, "not exactly representable")
                    .with_help(inexact.help()),
            )
        })
    }

    fn string(&mut self, pair: &Pair<'_, Rule>) -> Built<String> {
        let span = self.span(pair);
        let raw = pair
            .clone()
            .into_inner()
            .next()
            .map_or("", |text| text.as_str());
        if raw.len() > MAX_STRING_LENGTH {
            return Err(self.report(
                Diagnostic::error(
                    "string-too-long",
                    format!("a string longer than {} KiB", MAX_STRING_LENGTH >> 10),
                )
                .with_label(
                    Span::new(self.file, span.start as usize..span.start as usize + 1),
                    "this string",
                )
                .with_help("strings in rules are names of things, not documents"),
            ));
        }
        literal::unescape(raw).map_err(|(at, other)| {
            let escape_start = span.start as usize + at;
            let escape = Span::new(self.file, escape_start..escape_start + 1 + other.len_utf8());
            self.report(
                Diagnostic::error("invalid-escape", format!("unknown escape `\\{other}`"))
                    .with_label(escape, "not an escape")
                    .with_help("the escapes are `\\\"` (a quote) and `\\\\` (a backslash)"),
            )
        })
    }
}

/// Where a pair's last token ends: composite rules end with their last part.
///
/// Walks down the last parts (`next_back` finds a pair's last part without
/// walking the others), so the cost is the depth of the last part. pest's
/// `Pair::tokens` would be cheaper in release builds, but checks its whole
/// token queue on every call when debug assertions are on, which makes long
/// chains quadratic in tests.
fn content_end(pair: &Pair<'_, Rule>) -> usize {
    let mut end = pair.as_span().end();
    let mut current = pair.clone();
    while is_composite(current.as_rule()) {
        let Some(last) = current.into_inner().next_back() else {
            break;
        };
        end = last.as_span().end();
        current = last;
    }
    end
}

/// Rules whose span can run over the blanks after their last part.
fn is_composite(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::declaration
            | Rule::fact_decl
            | Rule::rule_decl
            | Rule::unless_clause
            | Rule::fact_type
            | Rule::number_type
            | Rule::number_range
            | Rule::set_type
            | Rule::string_type
            | Rule::vocabulary
            | Rule::expr
            | Rule::conjunction
            | Rule::negation
            | Rule::comparison
            | Rule::chained_comparison
            | Rule::sum
            | Rule::product
            | Rule::unary
            | Rule::membership_op
            | Rule::not_in
            | Rule::collection
            | Rule::operand
            | Rule::list
    )
}

/// A doc comment's text (see [`literal::doc_text`]).
fn doc_line(pair: &Pair<'_, Rule>) -> String {
    literal::doc_text(pair.as_str().strip_prefix("##").unwrap_or(""))
}

fn fact_type(pair: &Pair<'_, Rule>) -> FactType {
    match pair.clone().into_inner().next().map(|p| p.as_rule()) {
        Some(Rule::number_type) => FactType::Number,
        Some(Rule::string_type) => FactType::String,
        Some(Rule::set_type) => FactType::StringSet,
        _ => FactType::Bool,
    }
}

fn compare_op(symbol: &str) -> CompareOp {
    match symbol {
        "==" => CompareOp::Eq,
        "!=" => CompareOp::Ne,
        "<" => CompareOp::Lt,
        "<=" => CompareOp::Le,
        ">" => CompareOp::Gt,
        _ => CompareOp::Ge,
    }
}

fn arith_op(symbol: &str) -> ArithOp {
    match symbol {
        "+" => ArithOp::Add,
        "-" => ArithOp::Sub,
        "*" => ArithOp::Mul,
        _ => ArithOp::Div,
    }
}

fn nesting_too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        "nesting-too-deep",
        format!("nesting deeper than {MAX_NESTING_DEPTH} levels"),
    )
    .with_label(span, "one level too deep")
    .with_help("split the condition into smaller rules that refer to each other")
}

fn chained_comparison(first: Span, second: Span) -> Diagnostic {
    Diagnostic::error("chained-comparison", "comparisons do not chain")
        .with_label(second, "a second comparison")
        .with_label(first, "after this one")
        .with_help("compare twice and join with `and`: `a < b and b < c`")
}

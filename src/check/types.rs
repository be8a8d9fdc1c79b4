//! Name resolution and type checking of expressions.
//!
//! Lowers an AST expression to a typed [`Cond`], resolving names through the
//! declarations. An expression that cannot be typed is reported once and
//! becomes an `Invalid` value, which silences the errors it would otherwise
//! cause further up (one mistake, one message).

use rustc_hash::FxHashMap;

use super::model::{Collection, Cond, CondKind, FactId, FactInfo, Number, Symbol, Term};
use super::names::suggest;
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{ArithOp, ArithPart, CompareOp, Expr, ExprKind, FactType};

/// What an expression turned out to be.
enum Typed {
    Cond(Cond),
    Number(Number),
    String(Term<String>),
    Set(Collection),
    /// Already reported.
    Invalid,
}

impl Typed {
    fn describe(&self) -> &'static str {
        match self {
            Typed::Cond(_) => "a condition (bool)",
            Typed::Number(_) => "a number",
            Typed::String(_) => "a string",
            Typed::Set(Collection::Fact(_)) => "a set",
            Typed::Set(Collection::List(_)) => "a list",
            Typed::Invalid => "invalid",
        }
    }
}

/// Resolves and types expressions against the declared names.
pub(super) struct Typer<'a> {
    pub facts: &'a [FactInfo],
    pub symbols: &'a FxHashMap<String, Symbol>,
    /// Names of declarations that failed to parse (already reported).
    pub broken_names: &'a [&'a str],
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Typer<'_> {
    /// Lowers a rule's `requires` or `unless` expression, which must be a condition.
    pub fn condition(&mut self, expr: &Expr, context: &str) -> Option<Cond> {
        let typed = self.lower(expr);
        self.expect_cond(typed, expr, context)
    }

    fn expect_cond(&mut self, typed: Typed, expr: &Expr, context: &str) -> Option<Cond> {
        match typed {
            Typed::Cond(cond) => Some(cond),
            Typed::Invalid => None,
            other => {
                let what = other.describe();
                let help = match other {
                    Typed::Number(_) => {
                        format!("compare it, for example `{} > 0`", self.example(expr))
                    }
                    Typed::String(_) => {
                        format!("compare it, for example `{} == \"…\"`", self.example(expr))
                    }
                    _ => format!(
                        "test membership, for example `\"…\" in {}`",
                        self.example(expr)
                    ),
                };
                self.diagnostics.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "{context} needs a condition, but {} is {what}",
                            self.quoted(expr)
                        ),
                    )
                    .with_label(expr.span, format!("this is {what}"))
                    .with_help(help),
                );
                None
            }
        }
    }

    /// The source text of an expression when it is a name or a literal.
    fn text(&self, expr: &Expr) -> Option<String> {
        match &expr.kind {
            ExprKind::Name(name) => Some(name.clone()),
            ExprKind::Number(n) => Some(n.to_string()),
            ExprKind::String(s) => Some(format!("{s:?}")),
            _ => None,
        }
    }

    /// An expression named in a message: `` `troops` ``, or "this expression".
    fn quoted(&self, expr: &Expr) -> String {
        self.text(expr)
            .map_or_else(|| "this expression".to_string(), |text| format!("`{text}`"))
    }

    /// An expression in an example of a fix: its text, or `…`.
    fn example(&self, expr: &Expr) -> String {
        self.text(expr).unwrap_or_else(|| "…".to_string())
    }

    fn lower(&mut self, expr: &Expr) -> Typed {
        let span = expr.span;
        match &expr.kind {
            ExprKind::Bool(value) => cond(CondKind::Const(*value), span),
            ExprKind::Number(value) => Typed::Number(Number::Const(*value)),
            ExprKind::String(value) => Typed::String(Term::Const(value.clone())),
            ExprKind::List(items) => {
                let mut values: Vec<String> = items.iter().map(|item| item.value.clone()).collect();
                values.sort();
                values.dedup();
                Typed::Set(Collection::List(values))
            }
            ExprKind::Name(name) => self.name(name, span),
            ExprKind::Not(inner) => {
                let typed = self.lower(inner);
                match self.expect_cond(typed, inner, "`not`") {
                    Some(inner) => cond(CondKind::Not(Box::new(inner)), span),
                    None => Typed::Invalid,
                }
            }
            ExprKind::Neg(inner) => match self.number(inner, "-", "negates") {
                Some(inner) => Typed::Number(Number::Neg(Box::new(inner))),
                None => Typed::Invalid,
            },
            ExprKind::Arith { first, rest } => self.arithmetic(first, rest),
            ExprKind::And(parts) => self.junction(parts, span, "`and`", CondKind::And),
            ExprKind::Or(parts) => self.junction(parts, span, "`or`", CondKind::Or),
            ExprKind::Compare {
                op,
                op_span,
                lhs,
                rhs,
            } => self.compare(*op, *op_span, lhs, rhs, span),
            ExprKind::Member {
                negated,
                op_span,
                element,
                collection,
            } => self.member(*negated, *op_span, element, collection, span),
        }
    }

    fn name(&mut self, name: &str, span: Span) -> Typed {
        match self.symbols.get(name) {
            Some(Symbol::Rule(id)) => cond(CondKind::Rule(*id), span),
            Some(Symbol::Fact(id)) => match self.facts.get(id.index()).map(|fact| fact.ty) {
                Some(FactType::Bool) => cond(CondKind::Fact(*id), span),
                Some(FactType::Number) => Typed::Number(Number::Fact(*id)),
                Some(FactType::String) => Typed::String(Term::Fact(*id)),
                Some(FactType::StringSet) => Typed::Set(Collection::Fact(*id)),
                None => Typed::Invalid,
            },
            None if self.broken_names.contains(&name) => Typed::Invalid,
            None => {
                let suggestion = suggest(name, self.symbols.keys().map(String::as_str));
                let help = match suggestion {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "declare it, for example `fact {name}: bool`, or define `rule {name} requires …`"
                    ),
                };
                self.diagnostics.push(
                    Diagnostic::error("undeclared-name", format!("`{name}` is not declared"))
                        .with_label(span, "not a declared fact or rule")
                        .with_help(help),
                );
                Typed::Invalid
            }
        }
    }

    fn junction(
        &mut self,
        parts: &[Expr],
        span: Span,
        op: &str,
        make: fn(Vec<Cond>) -> CondKind,
    ) -> Typed {
        let mut conds = Vec::with_capacity(parts.len());
        let mut valid = true;
        for part in parts {
            let typed = self.lower(part);
            match self.expect_cond(typed, part, op) {
                Some(c) => conds.push(c),
                None => valid = false,
            }
        }
        if valid {
            cond(make(conds), span)
        } else {
            Typed::Invalid
        }
    }

    /// An operand of arithmetic, which must be a number; `symbol` and
    /// `verb` say what the operator does.
    fn number(&mut self, expr: &Expr, symbol: &str, verb: &str) -> Option<Number> {
        match self.lower(expr) {
            Typed::Number(number) => Some(number),
            Typed::Invalid => None,
            other => {
                let what = other.describe();
                self.diagnostics.push(
                    Diagnostic::error(
                        "type-mismatch",
                        format!(
                            "`{symbol}` {verb} numbers, but {} is {what}",
                            self.quoted(expr)
                        ),
                    )
                    .with_label(expr.span, format!("this is {what}"))
                    .with_help("arithmetic applies to numbers: number facts, literals and their sums and products"),
                );
                None
            }
        }
    }

    /// A chain of `+`/`-` (a sum, `a - b` as `a + -b`) or of `*`/`/` (a
    /// product of factors over literal divisors). Every operand is checked,
    /// so every mistake is reported at once.
    fn arithmetic(&mut self, first: &Expr, rest: &[ArithPart]) -> Typed {
        let additive = rest.first().is_some_and(|part| part.op.is_additive());
        let verb = |op: ArithOp| match op {
            ArithOp::Add => "adds",
            ArithOp::Sub => "subtracts",
            ArithOp::Mul => "multiplies",
            ArithOp::Div => "divides",
        };
        let lead = rest.first().map_or(ArithOp::Add, |part| part.op);
        let mut valid = true;
        let mut operands = Vec::with_capacity(rest.len() + 1);
        let mut divisors = Vec::new();
        match self.number(first, lead.symbol(), verb(lead)) {
            Some(number) => operands.push(number),
            None => valid = false,
        }
        for part in rest {
            if part.op == ArithOp::Div {
                match self.divisor(part) {
                    Some(divisor) => divisors.push(divisor),
                    None => valid = false,
                }
                continue;
            }
            match self.number(&part.operand, part.op.symbol(), verb(part.op)) {
                Some(number) if part.op == ArithOp::Sub => {
                    operands.push(Number::Neg(Box::new(number)))
                }
                Some(number) => operands.push(number),
                None => valid = false,
            }
        }
        if !valid {
            return Typed::Invalid;
        }
        Typed::Number(match additive {
            true => Number::Sum(operands),
            false => Number::Product {
                factors: operands,
                divisors,
            },
        })
    }

    /// What `/` divides by: a number literal other than zero.
    fn divisor(&mut self, part: &ArithPart) -> Option<f64> {
        let operand = &part.operand;
        match self.lower(operand) {
            Typed::Number(Number::Const(divisor)) if divisor != 0.0 => Some(divisor),
            Typed::Number(Number::Const(_)) => {
                self.diagnostics.push(
                    Diagnostic::error("division-by-zero", "division by zero")
                        .with_label(operand.span, "this is zero")
                        .with_label(part.op_span, "operator")
                        .with_help("divide by a number other than zero"),
                );
                None
            }
            Typed::Number(_) => {
                self.diagnostics.push(
                    Diagnostic::error("division-by-fact", "`/` divides only by a number literal")
                        .with_label(operand.span, "not a number literal")
                        .with_label(part.op_span, "operator")
                        .with_help(
                            "a fact could be zero; multiply the other side instead: \
                         `a / b >= 0.5` is `a >= 0.5 * b` where `b` is positive",
                        ),
                );
                None
            }
            Typed::Invalid => None,
            other => {
                let what = other.describe();
                self.mismatch_quiet(
                    format!(
                        "`/` divides numbers, but {} is {what}",
                        self.quoted(operand)
                    ),
                    operand.span,
                    format!("this is {what}"),
                    part.op_span,
                    "divide a number by a number literal other than zero",
                );
                None
            }
        }
    }

    fn compare(
        &mut self,
        op: CompareOp,
        op_span: Span,
        lhs: &Expr,
        rhs: &Expr,
        span: Span,
    ) -> Typed {
        let (left, right) = (self.lower(lhs), self.lower(rhs));
        let symbol = op.symbol();
        let kind = match (left, right) {
            (Typed::Invalid, _) | (_, Typed::Invalid) => return Typed::Invalid,
            (Typed::Number(lhs), Typed::Number(rhs)) => CondKind::CompareNumbers { op, lhs, rhs },
            (left, right) if op.is_ordering() => {
                let (culprit, what) = if matches!(left, Typed::Number(_)) {
                    (rhs, right.describe())
                } else {
                    (lhs, left.describe())
                };
                return self.mismatch(
                    format!(
                        "`{symbol}` compares numbers, but {} is {what}",
                        self.quoted(culprit)
                    ),
                    culprit.span,
                    format!("this is {what}"),
                    op_span,
                    "only `==` and `!=` apply to strings and conditions",
                );
            }
            (Typed::String(l), Typed::String(r)) => {
                self.words_of(&l, &r, rhs);
                self.words_of(&r, &l, lhs);
                CondKind::CompareStrings { op, lhs: l, rhs: r }
            }
            (Typed::Cond(lhs), Typed::Cond(rhs)) => CondKind::CompareConds {
                op,
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
            },
            (Typed::Set(_), _) | (_, Typed::Set(_)) => {
                return self.mismatch(
                    format!("`{symbol}` cannot compare sets"),
                    span,
                    "a set or list is compared here".to_string(),
                    op_span,
                    "test membership instead: `\"…\" in a_set`",
                );
            }
            (left, right) => {
                return self.mismatch(
                    format!(
                        "`{symbol}` compares values of one type, but this compares {} with {}",
                        left.describe(),
                        right.describe()
                    ),
                    span,
                    format!("{} and {}", left.describe(), right.describe()),
                    op_span,
                    "compare a fact with a value of its own type",
                );
            }
        };
        cond(kind, span)
    }

    fn member(
        &mut self,
        negated: bool,
        op_span: Span,
        element: &Expr,
        collection: &Expr,
        span: Span,
    ) -> Typed {
        let (needle, haystack) = (self.lower(element), self.lower(collection));
        let element_term = match needle {
            Typed::String(term) => Some(term),
            Typed::Invalid => None,
            other => {
                let what = other.describe();
                self.mismatch_quiet(
                    format!(
                        "`in` looks for a string, but {} is {what}",
                        self.quoted(element)
                    ),
                    element.span,
                    format!("this is {what}"),
                    op_span,
                    "sets hold strings: put a string or a string fact on the left of `in`",
                );
                None
            }
        };
        let collection_value = match haystack {
            Typed::Set(collection) => Some(collection),
            Typed::Invalid => None,
            other => {
                let what = other.describe();
                self.mismatch_quiet(
                    format!(
                        "`in` needs a set or a list on its right, but {} is {what}",
                        self.quoted(collection)
                    ),
                    collection.span,
                    format!("this is {what}"),
                    op_span,
                    "use a `set<string>` fact or a list such as `[\"a\", \"b\"]`",
                );
                None
            }
        };
        match (&element_term, &collection_value, &collection.kind) {
            (Some(Term::Const(word)), Some(Collection::Fact(set)), _) => {
                self.word_of(*set, word, element.span);
            }
            (Some(Term::Fact(fact)), Some(Collection::List(_)), ExprKind::List(items)) => {
                for item in items {
                    self.word_of(*fact, &item.value, item.span);
                }
            }
            _ => {}
        }
        match (element_term, collection_value) {
            (Some(element), Some(collection)) => cond(
                CondKind::Member {
                    negated,
                    element,
                    collection,
                },
                span,
            ),
            _ => Typed::Invalid,
        }
    }

    /// When `fact` is a fact with a vocabulary and `other` a literal
    /// (written as `written`), checks that the literal is one of its words.
    fn words_of(&mut self, fact: &Term<String>, other: &Term<String>, written: &Expr) {
        if let (Term::Fact(fact), Term::Const(word)) = (fact, other) {
            self.word_of(*fact, word, written.span);
        }
    }

    /// Reports `word` (written at `span`) unless it is a word of `fact`'s
    /// vocabulary, or the fact has none: a typo would otherwise make a
    /// test that silently never holds.
    fn word_of(&mut self, fact: FactId, word: &str, span: Span) {
        let Some(info) = self.facts.get(fact.index()) else {
            return;
        };
        let Some(words) = &info.vocabulary else {
            return;
        };
        if words.binary_search_by(|w| w.as_str().cmp(word)).is_ok() {
            return;
        }
        let help = match suggest(word, words.iter().map(String::as_str)) {
            Some(near) => format!("did you mean `{near:?}`?"),
            None => {
                let shown: Vec<String> = words.iter().take(8).map(|w| format!("{w:?}")).collect();
                let more = if words.len() > 8 { ", …" } else { "" };
                format!("its words are {}{more}", shown.join(", "))
            }
        };
        self.diagnostics.push(
            Diagnostic::error(
                "not-in-vocabulary",
                format!("{word:?} is not a word of `{}`", info.name),
            )
            .with_label(span, format!("not one of `{}`'s words", info.name))
            .with_help(help),
        );
    }

    fn mismatch(
        &mut self,
        message: String,
        span: Span,
        label: String,
        op_span: Span,
        help: &str,
    ) -> Typed {
        self.mismatch_quiet(message, span, label, op_span, help);
        Typed::Invalid
    }

    fn mismatch_quiet(
        &mut self,
        message: String,
        span: Span,
        label: String,
        op_span: Span,
        help: &str,
    ) {
        let mut diagnostic = Diagnostic::error("type-mismatch", message).with_label(span, label);
        if op_span != span {
            diagnostic = diagnostic.with_label(op_span, "operator");
        }
        self.diagnostics.push(diagnostic.with_help(help));
    }
}

fn cond(kind: CondKind, span: Span) -> Typed {
    Typed::Cond(Cond { kind, span })
}

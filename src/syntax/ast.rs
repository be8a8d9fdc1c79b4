//! The typed syntax tree of a rule file.
//!
//! The AST mirrors what the author wrote — names are still strings, nothing
//! is resolved — and every node carries the [`Span`] it came from.
//! `and`/`or` chains are flat lists, so a long chain is wide, not deep; the
//! parser bounds the depth of everything else (see [`crate::limits`]).

use crate::source::{FileId, Span};

/// One parsed rule file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    /// Which file of the rule set this is.
    pub id: FileId,
    /// Declarations in source order.
    pub declarations: Vec<Declaration>,
    /// Names of declarations that had errors and were left out, where the
    /// name could still be read. Later layers treat uses of these names as
    /// already reported, instead of calling them undeclared.
    pub broken_names: Vec<String>,
    /// Whether some declaration had errors and was left out.
    pub incomplete: bool,
}

/// A fact or a rule declaration.
#[derive(Debug, Clone, PartialEq)]
pub enum Declaration {
    /// `[world] fact NAME: TYPE [fixed]`
    Fact(FactDecl),
    /// `rule NAME requires EXPR [unless EXPR]`
    Rule(RuleDecl),
}

impl Declaration {
    /// The declared name.
    pub fn name(&self) -> &Ident {
        match self {
            Declaration::Fact(fact) => &fact.name,
            Declaration::Rule(rule) => &rule.name,
        }
    }
}

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: String,
    /// Where it was written.
    pub span: Span,
}

/// Whether a fact belongs to each entity or to the world shared by all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One value per entity.
    Entity,
    /// One value for all entities.
    World,
}

/// The type of a fact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FactType {
    /// `bool`
    Bool,
    /// `number`: a finite f64, integers exact up to 2^53.
    Number,
    /// `string`
    String,
    /// `set<string>`
    StringSet,
}

impl FactType {
    /// The type as written in a rule file.
    pub fn keyword(self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Number => "number",
            FactType::String => "string",
            FactType::StringSet => "set<string>",
        }
    }
}

/// The values a number fact may take: from `lo` to `hi`, inclusive; a
/// bound left out is no bound.
///
/// ```
/// use prereq::syntax::ast::NumberRange;
/// let troops = NumberRange { lo: Some(0.0), hi: Some(50_000.0) };
/// assert!(troops.contains(30_000.0) && !troops.contains(-1.0));
/// assert_eq!(troops.to_string(), "from 0 to 50000");
/// assert!(NumberRange::ANY.is_any());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct NumberRange {
    /// The least value, if bounded below.
    pub lo: Option<f64>,
    /// The greatest value, if bounded above.
    pub hi: Option<f64>,
}

impl NumberRange {
    /// Every number.
    pub const ANY: NumberRange = NumberRange { lo: None, hi: None };

    /// Whether it bounds nothing.
    pub fn is_any(self) -> bool {
        self.lo.is_none() && self.hi.is_none()
    }

    /// Whether `value` lies in it.
    pub fn contains(self, value: f64) -> bool {
        self.lo.is_none_or(|lo| value >= lo) && self.hi.is_none_or(|hi| value <= hi)
    }
}

/// As written after `number`: `from 0 to 100`, `from 0`, `to 100` (empty
/// for [`NumberRange::ANY`]).
impl std::fmt::Display for NumberRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.lo, self.hi) {
            (Some(lo), Some(hi)) => write!(f, "from {lo} to {hi}"),
            (Some(lo), None) => write!(f, "from {lo}"),
            (None, Some(hi)) => write!(f, "to {hi}"),
            (None, None) => Ok(()),
        }
    }
}

/// `[world] fact NAME: TYPE [fixed]`
#[derive(Debug, Clone, PartialEq)]
pub struct FactDecl {
    /// The `##` doc comment lines before the declaration, without the `##`.
    pub docs: Vec<String>,
    /// Entity or world fact.
    pub scope: Scope,
    /// The fact's name.
    pub name: Ident,
    /// The declared type.
    pub ty: FactType,
    /// For a number, its range as written, and where (`from … to …`).
    pub range: Option<(NumberRange, Span)>,
    /// For a string or a set, its vocabulary as written (`one of "a", "b"`):
    /// the only strings it may hold.
    pub vocabulary: Option<Vec<StringLiteral>>,
    /// `fixed`: the fact cannot change, so analyses never propose changing it.
    pub fixed: bool,
    /// The whole declaration, from the keyword to its last token.
    pub span: Span,
}

/// `rule NAME requires EXPR [unless EXPR]`
#[derive(Debug, Clone, PartialEq)]
pub struct RuleDecl {
    /// The `##` doc comment lines before the declaration, without the `##`.
    pub docs: Vec<String>,
    /// The rule's name.
    pub name: Ident,
    /// The condition after `requires`.
    pub requires: Expr,
    /// The condition after `unless`, if any: the rule is `requires and not unless`.
    pub unless: Option<Expr>,
    /// The whole declaration, from the keyword to its last token.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// The text it was parsed from.
    pub span: Span,
}

impl Expr {
    /// Calls `visit` on this expression and every expression inside it,
    /// parents before children, without recursion.
    ///
    /// ```
    /// use prereq::{Sources, syntax::{self, ast::{Declaration, ExprKind}}};
    /// let mut sources = Sources::default();
    /// let text = "rule r requires a and (b or not c)";
    /// let (file, _) = syntax::parse_file(sources.add("r.rules", text), text);
    /// let Declaration::Rule(rule) = &file.declarations[0] else { unreachable!() };
    /// let mut names = Vec::new();
    /// rule.requires.walk(|e| if let ExprKind::Name(n) = &e.kind { names.push(n.clone()) });
    /// assert_eq!(names, ["a", "b", "c"]);
    /// ```
    pub fn walk<'a>(&'a self, mut visit: impl FnMut(&'a Expr)) {
        let mut stack = vec![self];
        while let Some(expr) = stack.pop() {
            visit(expr);
            match &expr.kind {
                ExprKind::Not(inner) | ExprKind::Neg(inner) => stack.push(inner),
                ExprKind::Arith { first, rest } => {
                    stack.extend(rest.iter().rev().map(|part| &part.operand));
                    stack.push(first);
                }
                ExprKind::And(parts) | ExprKind::Or(parts) => stack.extend(parts.iter().rev()),
                ExprKind::Compare { lhs, rhs, .. } => stack.extend([&**rhs, &**lhs]),
                ExprKind::Member {
                    element,
                    collection,
                    ..
                } => {
                    stack.extend([&**collection, &**element]);
                }
                ExprKind::List(_)
                | ExprKind::Bool(_)
                | ExprKind::Number(_)
                | ExprKind::String(_)
                | ExprKind::Name(_) => {}
            }
        }
    }
}

impl RuleDecl {
    /// The rule's expressions: `requires`, then `unless` if present.
    pub fn expressions(&self) -> impl Iterator<Item = &Expr> {
        std::iter::once(&self.requires).chain(self.unless.as_ref())
    }
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a or b or …` (two or more operands).
    Or(Vec<Expr>),
    /// `a and b and …` (two or more operands).
    And(Vec<Expr>),
    /// `not a`
    Not(Box<Expr>),
    /// `-a` (a minus before a number literal is part of the literal).
    Neg(Box<Expr>),
    /// `a + b - c` or `a * b / c`: operands joined, left to right, by
    /// operators of one precedence level (a chain is wide, not deep).
    Arith {
        /// The first operand.
        first: Box<Expr>,
        /// Each further operand with the operator before it.
        rest: Vec<ArithPart>,
    },
    /// `a OP b` for a comparison operator.
    Compare {
        /// The operator.
        op: CompareOp,
        /// Where the operator was written.
        op_span: Span,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `a in b` or `a not in b`.
    Member {
        /// `not in`
        negated: bool,
        /// Where the operator was written.
        op_span: Span,
        /// The value looked for.
        element: Box<Expr>,
        /// The set fact or list literal looked in.
        collection: Box<Expr>,
    },
    /// `["a", "b"]`
    List(Vec<StringLiteral>),
    /// `true` or `false`
    Bool(bool),
    /// A number literal.
    Number(f64),
    /// A string literal, escapes resolved.
    String(String),
    /// A reference to a fact or a rule.
    Name(String),
}

/// An operator and the operand after it, in an arithmetic chain.
#[derive(Debug, Clone, PartialEq)]
pub struct ArithPart {
    /// The operator.
    pub op: ArithOp,
    /// Where the operator was written.
    pub op_span: Span,
    /// The operand after it.
    pub operand: Expr,
}

/// The four arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
}

impl ArithOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            ArithOp::Add => "+",
            ArithOp::Sub => "-",
            ArithOp::Mul => "*",
            ArithOp::Div => "/",
        }
    }

    /// Whether it is `+` or `-`, which bind more loosely than `*` and `/`.
    pub fn is_additive(self) -> bool {
        matches!(self, ArithOp::Add | ArithOp::Sub)
    }
}

/// A string in a list literal.
#[derive(Debug, Clone, PartialEq)]
pub struct StringLiteral {
    /// The string, escapes resolved.
    pub value: String,
    /// Where it was written, quotes included.
    pub span: Span,
}

/// The six comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }

    /// The operator that holds exactly when this one does not: `<` for `>=`.
    ///
    /// ```
    /// use prereq::syntax::ast::CompareOp;
    /// assert_eq!(CompareOp::Ge.negated(), CompareOp::Lt);
    /// assert_eq!(CompareOp::Eq.negated(), CompareOp::Ne);
    /// ```
    pub fn negated(self) -> CompareOp {
        match self {
            CompareOp::Eq => CompareOp::Ne,
            CompareOp::Ne => CompareOp::Eq,
            CompareOp::Lt => CompareOp::Ge,
            CompareOp::Le => CompareOp::Gt,
            CompareOp::Gt => CompareOp::Le,
            CompareOp::Ge => CompareOp::Lt,
        }
    }

    /// The operator with its sides swapped: `a < b` is `b > a`.
    pub fn mirrored(self) -> CompareOp {
        match self {
            CompareOp::Eq | CompareOp::Ne => self,
            CompareOp::Lt => CompareOp::Gt,
            CompareOp::Le => CompareOp::Ge,
            CompareOp::Gt => CompareOp::Lt,
            CompareOp::Ge => CompareOp::Le,
        }
    }

    /// Whether the operator only makes sense on numbers (an ordering).
    pub fn is_ordering(self) -> bool {
        !matches!(self, CompareOp::Eq | CompareOp::Ne)
    }

    /// Applies the operator to two ordered values.
    pub fn holds<T: PartialOrd + ?Sized>(self, lhs: &T, rhs: &T) -> bool {
        match self {
            CompareOp::Eq => lhs == rhs,
            CompareOp::Ne => lhs != rhs,
            CompareOp::Lt => lhs < rhs,
            CompareOp::Le => lhs <= rhs,
            CompareOp::Gt => lhs > rhs,
            CompareOp::Ge => lhs >= rhs,
        }
    }
}

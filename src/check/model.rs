//! The resolved rule set: what the checker hands to the later layers.
//!
//! Names are resolved to [`FactId`]s and [`RuleId`]s, every expression is
//! typed (a condition, or a number, string or set term), `unless` is kept
//! apart from `requires` (explanations show them separately), and rules
//! come with their evaluation order and whether they are world rules.

use rustc_hash::FxHashMap;

use crate::source::Span;
use crate::syntax::ast::{CompareOp, FactType, NumberRange, Scope};

/// Index of a fact in [`ResolvedRules::facts`] (declaration order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FactId(pub u32);

/// Index of a rule in [`ResolvedRules::rules`] (declaration order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

impl FactId {
    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl RuleId {
    /// The index as `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Symbol {
    /// A declared fact.
    Fact(FactId),
    /// A declared rule.
    Rule(RuleId),
}

/// A declared fact.
#[derive(Debug, Clone, PartialEq)]
pub struct FactInfo {
    /// Its name.
    pub name: String,
    /// Entity or world fact.
    pub scope: Scope,
    /// Its type.
    pub ty: FactType,
    /// For a number, the values it may take ([`NumberRange::ANY`] for
    /// other types, or when no range is written).
    pub range: NumberRange,
    /// For a string or a set, its vocabulary, sorted and without
    /// duplicates: the only strings it may hold (`None`: any string).
    pub vocabulary: Option<Vec<String>>,
    /// Whether it is declared `fixed` (never proposed to change).
    pub fixed: bool,
    /// Its doc comment lines.
    pub docs: Vec<String>,
    /// Where its name is declared.
    pub span: Span,
}

/// Whether a rule is decided once for the world or once per entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    /// Reads only world facts, directly or through other rules: one verdict in all.
    World,
    /// Reads some entity fact: one verdict per entity.
    Entity,
}

/// A declared rule, resolved and typed.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleInfo {
    /// Its name.
    pub name: String,
    /// Its doc comment lines.
    pub docs: Vec<String>,
    /// Where its name is declared.
    pub span: Span,
    /// The `requires` condition.
    pub requires: Cond,
    /// The `unless` condition, if any.
    pub unless: Option<Cond>,
    /// World or entity rule.
    pub kind: RuleKind,
}

/// A typed condition (an expression that is true, false or unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct Cond {
    /// What kind of condition.
    pub kind: CondKind,
    /// Where it was written.
    pub span: Span,
}

/// The kinds of condition.
#[derive(Debug, Clone, PartialEq)]
pub enum CondKind {
    /// `true` or `false`.
    Const(bool),
    /// A `bool` fact.
    Fact(FactId),
    /// Another rule's verdict.
    Rule(RuleId),
    /// `not`
    Not(Box<Cond>),
    /// `and` over two or more conditions.
    And(Vec<Cond>),
    /// `or` over two or more conditions.
    Or(Vec<Cond>),
    /// A comparison of two numbers.
    CompareNumbers {
        /// The operator.
        op: CompareOp,
        /// Left side.
        lhs: Number,
        /// Right side.
        rhs: Number,
    },
    /// `==` or `!=` between two strings.
    CompareStrings {
        /// The operator (`Eq` or `Ne`).
        op: CompareOp,
        /// Left side.
        lhs: Term<String>,
        /// Right side.
        rhs: Term<String>,
    },
    /// `==` or `!=` between two conditions.
    CompareConds {
        /// The operator (`Eq` or `Ne`).
        op: CompareOp,
        /// Left side.
        lhs: Box<Cond>,
        /// Right side.
        rhs: Box<Cond>,
    },
    /// `x in s` or `x not in s`.
    Member {
        /// `not in`
        negated: bool,
        /// The string looked for.
        element: Term<String>,
        /// Where it is looked for.
        collection: Collection,
    },
}

/// A number or string operand: a literal or a fact.
#[derive(Debug, Clone, PartialEq)]
pub enum Term<T> {
    /// A literal.
    Const(T),
    /// A fact of the operand's type.
    Fact(FactId),
}

/// A typed number expression: a literal, a `number` fact, or arithmetic.
/// Sums and products are flat lists; `a - b` is the sum of `a` and `-b`.
#[derive(Debug, Clone, PartialEq)]
pub enum Number {
    /// A literal.
    Const(f64),
    /// A `number` fact.
    Fact(FactId),
    /// `-a`
    Neg(Box<Number>),
    /// `a + b + …` (two or more terms).
    Sum(Vec<Number>),
    /// The product of `factors` divided by each of `divisors` (number
    /// literals other than zero).
    Product {
        /// What is multiplied (one or more).
        factors: Vec<Number>,
        /// What the product is divided by, in order.
        divisors: Vec<f64>,
    },
}

impl Number {
    /// The expression as a plain operand, when it is a literal or a fact.
    pub fn as_term(&self) -> Option<Term<f64>> {
        match self {
            Number::Const(value) => Some(Term::Const(*value)),
            Number::Fact(fact) => Some(Term::Fact(*fact)),
            _ => None,
        }
    }

    /// The facts the expression reads, left to right.
    pub fn facts(&self, into: &mut Vec<FactId>) {
        match self {
            Number::Const(_) => {}
            Number::Fact(fact) => into.push(*fact),
            Number::Neg(inner) => inner.facts(into),
            Number::Sum(parts) | Number::Product { factors: parts, .. } => {
                parts.iter().for_each(|part| part.facts(into))
            }
        }
    }
}

/// The right side of `in`.
#[derive(Debug, Clone, PartialEq)]
pub enum Collection {
    /// A `set<string>` fact.
    Fact(FactId),
    /// A list literal, sorted and without duplicates.
    List(Vec<String>),
}

/// A checked rule set: facts, rules, names and evaluation order.
#[derive(Debug, Clone, Default)]
pub struct ResolvedRules {
    /// Facts in declaration order (files in load order).
    pub facts: Vec<FactInfo>,
    /// Rules in declaration order (files in load order).
    pub rules: Vec<RuleInfo>,
    /// Every rule once, each after the rules it refers to.
    pub evaluation_order: Vec<RuleId>,
    /// By rule id: the rule's position in `evaluation_order`.
    pub evaluation_position: Vec<usize>,
    /// Every declared name.
    pub symbols: FxHashMap<String, Symbol>,
}

impl ResolvedRules {
    /// The fact with this id.
    pub fn fact(&self, id: FactId) -> Option<&FactInfo> {
        self.facts.get(id.index())
    }

    /// The rule with this id.
    pub fn rule(&self, id: RuleId) -> Option<&RuleInfo> {
        self.rules.get(id.index())
    }

    /// Looks up a rule by name.
    pub fn rule_id(&self, name: &str) -> Option<RuleId> {
        match self.symbols.get(name) {
            Some(Symbol::Rule(id)) => Some(*id),
            _ => None,
        }
    }

    /// Looks up a fact by name.
    pub fn fact_id(&self, name: &str) -> Option<FactId> {
        match self.symbols.get(name) {
            Some(Symbol::Fact(id)) => Some(*id),
            _ => None,
        }
    }
}

impl Cond {
    /// Calls `visit` on this condition and every condition inside it,
    /// parents before children, without recursion.
    pub fn walk<'a>(&'a self, mut visit: impl FnMut(&'a Cond)) {
        let mut stack = vec![self];
        while let Some(cond) = stack.pop() {
            visit(cond);
            match &cond.kind {
                CondKind::Not(inner) => stack.push(inner),
                CondKind::And(parts) | CondKind::Or(parts) => stack.extend(parts.iter().rev()),
                CondKind::CompareConds { lhs, rhs, .. } => stack.extend([&**rhs, &**lhs]),
                CondKind::Const(_)
                | CondKind::Fact(_)
                | CondKind::Rule(_)
                | CondKind::CompareNumbers { .. }
                | CondKind::CompareStrings { .. }
                | CondKind::Member { .. } => {}
            }
        }
    }

    /// The facts this condition itself reads (not through other rules).
    pub fn facts_read(&self) -> Vec<FactId> {
        fn term<T>(term: &Term<T>) -> Option<FactId> {
            match term {
                Term::Fact(id) => Some(*id),
                Term::Const(_) => None,
            }
        }
        let mut facts = Vec::new();
        self.walk(|cond| match &cond.kind {
            CondKind::Fact(id) => facts.push(*id),
            CondKind::CompareNumbers { lhs, rhs, .. } => {
                lhs.facts(&mut facts);
                rhs.facts(&mut facts);
            }
            CondKind::CompareStrings { lhs, rhs, .. } => {
                facts.extend(term(lhs).into_iter().chain(term(rhs)))
            }
            CondKind::Member {
                element,
                collection,
                ..
            } => {
                facts.extend(term(element));
                if let Collection::Fact(id) = collection {
                    facts.push(*id);
                }
            }
            _ => {}
        });
        facts
    }

    /// The rules this condition refers to directly.
    pub fn rules_referenced(&self) -> Vec<RuleId> {
        let mut rules = Vec::new();
        self.walk(|cond| {
            if let CondKind::Rule(id) = cond.kind {
                rules.push(id);
            }
        });
        rules
    }
}

impl RuleInfo {
    /// The rule's conditions: `requires`, then `unless` if present.
    pub fn conditions(&self) -> impl Iterator<Item = &Cond> {
        std::iter::once(&self.requires).chain(self.unless.as_ref())
    }
}

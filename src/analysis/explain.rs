//! Why: a verdict as a tree of values, with the deciding nodes marked.
//!
//! Each node of the rule's expression shows its value and the facts it read;
//! referenced rules are expanded as sub-trees (each once; later references
//! point back). A node is *deciding* when its value decides its deciding
//! parent's: for an unsatisfied `and`, its false parts; for a satisfied
//! `or`, its true parts; for a satisfied `and` or an unsatisfied `or`, all
//! parts; for an undetermined node, its undetermined parts — whose unknown
//! facts could still change the verdict. Two laws hold and are tested: a
//! determined verdict does not change whatever happens to facts outside the
//! deciding nodes, and knowing every unknown fact under the deciding nodes
//! determines an undetermined verdict.

use std::collections::HashSet;

use serde::Serialize;

use super::atoms::{self, Leaf};
use super::{AnalysisError, Closure, Snapshot, Target, scope_of};
use crate::check::{Cond, CondKind, FactId, ResolvedRules, RuleId};
use crate::eval::{Tri, Verdict};
use crate::facts::FactValue;
use crate::syntax::ast::{CompareOp, Scope};

/// How deep referenced rules are expanded; deeper ones show their verdict only.
pub const MAX_RULE_DEPTH: usize = 16;

/// What a node of the tree is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    /// A rule (the root, or a referenced rule).
    Rule,
    /// `and`: all parts must hold.
    All,
    /// `or`: one part must hold.
    Any,
    /// `not`.
    Not,
    /// The `unless` part of a rule (holds when its condition does not).
    Unless,
    /// `==` / `!=` between conditions.
    Same,
    /// A test on facts (or a constant).
    Condition,
}

/// A fact as read by a node.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactReading {
    /// The fact's name.
    pub fact: String,
    /// World or entity fact.
    pub scope: Scope,
    /// Its value (`None`: unknown).
    pub value: Option<FactValue>,
    /// For a number fact with a range, the range as declared (`from 0 to
    /// 50000`): what an unknown value may be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
    /// Its doc comment.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub docs: Vec<String>,
}

/// One node of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainNode {
    /// What the node is.
    pub kind: NodeKind,
    /// The rule's name, or the node's source text.
    pub text: String,
    /// The rule's doc comment (rule nodes only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub docs: Vec<String>,
    /// The node's value.
    pub value: Verdict,
    /// Whether the node decides the verdict.
    pub deciding: bool,
    /// Facts the node reads itself (condition nodes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub facts: Vec<FactReading>,
    /// Sub-nodes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ExplainNode>,
    /// A rule node not expanded here: explained above, or too deep.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub collapsed: bool,
}

/// The answer to "why?" for one rule and one entity (or the world).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The entity, or `None` for a world rule.
    pub entity: Option<String>,
    /// The rule.
    pub rule: String,
    /// The verdict.
    pub verdict: Verdict,
    /// The facts read by deciding nodes: what the verdict rests on (for an
    /// undetermined verdict, the unknown ones among them could change it).
    pub deciding_facts: Vec<FactReading>,
    /// The tree.
    pub tree: ExplainNode,
}

impl Snapshot<'_> {
    /// Explains the verdict of `rule` for `entity` (`None` for a world rule).
    ///
    /// ```
    /// # use prereq::{Facts, RuleSet, Verdict};
    /// let rules = RuleSet::parse("r.rules", "world fact ceasefire: bool\nfact legal_basis: bool\nrule deploy requires ceasefire and legal_basis")?;
    /// let mut facts = Facts::new("now");
    /// facts.set_world("ceasefire", false).set("UK", "legal_basis", true);
    /// let why = rules.snapshot(&facts)?.explain(Some("UK"), "deploy")?;
    /// assert_eq!(why.verdict, Verdict::Unsatisfied);
    /// let deciding: Vec<&str> = why.deciding_facts.iter().map(|f| f.fact.as_str()).collect();
    /// assert_eq!(deciding, ["ceasefire"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn explain(&self, entity: Option<&str>, rule: &str) -> Result<Explanation, AnalysisError> {
        let target = self.target(entity, rule)?;
        Ok(explain(self, target))
    }
}

pub(crate) fn explain(snapshot: &Snapshot<'_>, target: Target) -> Explanation {
    let values = values(snapshot, target);
    let tree = words(snapshot, target.entity, &values);
    let mut deciding_facts: Vec<FactReading> = Vec::new();
    let mut listed: HashSet<String> = HashSet::new();
    let collapsed = collect_deciding_facts(&tree, &mut deciding_facts, &mut listed);
    // A collapsed deciding rule rests on every fact it reads, as far as this tree shows.
    let resolved = snapshot.resolved();
    for rule in collapsed
        .into_iter()
        .filter_map(|name| resolved.rule_id(&name))
    {
        for fact in Closure::of(resolved, rule).facts {
            let Some(info) = resolved.fact(fact) else {
                continue;
            };
            if listed.insert(info.name.clone()) {
                deciding_facts.push(FactReading {
                    fact: info.name.clone(),
                    scope: info.scope,
                    value: snapshot.fact_value(target.entity, fact),
                    range: range_text(info),
                    docs: info.docs.clone(),
                });
            }
        }
    }
    Explanation {
        entity: target
            .entity
            .and_then(|e| snapshot.entity_name(e).map(str::to_string)),
        rule: tree.text.clone(),
        verdict: tree.value,
        deciding_facts,
        tree,
    }
}

/// A rule's tree of values for one entity, deciding nodes marked: the
/// shape of an explanation without its words, cheap enough to build for
/// every verdict `diff` compares.
pub(crate) struct ValueNode<'r> {
    pub(crate) kind: NodeKind,
    pub(crate) value: Tri,
    pub(crate) deciding: bool,
    /// A rule node not expanded here: explained above, or too deep.
    pub(crate) collapsed: bool,
    pub(crate) origin: Origin<'r>,
    pub(crate) children: Vec<ValueNode<'r>>,
}

/// What a node of the tree stands for.
#[derive(Clone, Copy)]
pub(crate) enum Origin<'r> {
    Rule(RuleId),
    Cond(&'r Cond),
}

/// The tree of values of `target`, with its deciding nodes marked.
pub(crate) fn values<'r>(snapshot: &Snapshot<'r>, target: Target) -> ValueNode<'r> {
    let mut builder = Builder {
        snapshot,
        entity: target.entity,
        expanded: vec![false; snapshot.resolved().rules.len()],
    };
    let mut tree = builder.rule(target.rule, 0);
    mark_deciding(&mut tree);
    tree
}

/// An explanation's tree: the values with their words — the text of each
/// condition, rules' docs, the facts each condition read.
fn words(snapshot: &Snapshot<'_>, entity: Option<usize>, node: &ValueNode<'_>) -> ExplainNode {
    let resolved = snapshot.resolved();
    let children: Vec<ExplainNode> = node
        .children
        .iter()
        .map(|child| words(snapshot, entity, child))
        .collect();
    let (text, docs, facts) = match node.origin {
        Origin::Rule(id) => {
            let info = resolved.rule(id);
            let name = info.map(|r| r.name.clone()).unwrap_or_default();
            (
                name,
                info.map(|r| r.docs.clone()).unwrap_or_default(),
                Vec::new(),
            )
        }
        Origin::Cond(_) if node.kind == NodeKind::Unless => {
            let inner = children.first().map_or("", |c| c.text.as_str());
            (format!("unless {inner}"), Vec::new(), Vec::new())
        }
        Origin::Cond(cond) => {
            let text = snapshot.rules().sources().snippet(cond.span).to_string();
            let facts = match node.kind {
                NodeKind::Condition => readings(snapshot, entity, cond),
                _ => Vec::new(),
            };
            (text, Vec::new(), facts)
        }
    };
    ExplainNode {
        kind: node.kind,
        text,
        docs,
        value: Verdict::from(node.value),
        deciding: node.deciding,
        facts,
        children,
        collapsed: node.collapsed,
    }
}

/// The facts a condition reads, with their values.
fn readings(snapshot: &Snapshot<'_>, entity: Option<usize>, cond: &Cond) -> Vec<FactReading> {
    let resolved = snapshot.resolved();
    let mut facts: Vec<FactId> = cond.facts_read();
    facts.dedup();
    facts
        .into_iter()
        .filter_map(|fact| {
            let info = resolved.fact(fact)?;
            Some(FactReading {
                fact: info.name.clone(),
                scope: scope_of(resolved, fact),
                value: snapshot.fact_value(entity, fact),
                range: range_text(info),
                docs: info.docs.clone(),
            })
        })
        .collect()
}

struct Builder<'s, 'r> {
    snapshot: &'s Snapshot<'r>,
    entity: Option<usize>,
    expanded: Vec<bool>,
}

impl<'r> Builder<'_, 'r> {
    fn rule(&mut self, id: RuleId, depth: usize) -> ValueNode<'r> {
        let resolved: &'r ResolvedRules = self.snapshot.resolved();
        let mut node = ValueNode {
            kind: NodeKind::Rule,
            value: self.snapshot.tri(self.entity, id),
            deciding: false,
            collapsed: true,
            origin: Origin::Rule(id),
            children: Vec::new(),
        };
        let Some(info) = resolved.rule(id) else {
            return node;
        };
        let first_time = self.expanded.get(id.index()).is_some_and(|seen| !seen);
        if !first_time || depth >= MAX_RULE_DEPTH {
            return node;
        }
        if let Some(seen) = self.expanded.get_mut(id.index()) {
            *seen = true;
        }
        node.collapsed = false;
        node.children.push(self.cond(&info.requires, depth));
        if let Some(unless) = &info.unless {
            let inner = self.cond(unless, depth);
            node.children.push(ValueNode {
                kind: NodeKind::Unless,
                value: !inner.value,
                origin: Origin::Cond(unless),
                children: vec![inner],
                ..leaf(Tri::Unknown, Origin::Cond(unless))
            });
        }
        node
    }

    fn cond(&mut self, cond: &'r Cond, depth: usize) -> ValueNode<'r> {
        let composite = |kind, value, children| ValueNode {
            kind,
            value,
            children,
            ..leaf(value, Origin::Cond(cond))
        };
        match &cond.kind {
            CondKind::Rule(id) => self.rule(*id, depth + 1),
            CondKind::Not(inner) => {
                let inner = self.cond(inner, depth);
                composite(NodeKind::Not, !inner.value, vec![inner])
            }
            CondKind::And(parts) => {
                let children: Vec<_> = parts.iter().map(|p| self.cond(p, depth)).collect();
                let value = Tri::all(children.iter().map(|c| c.value));
                composite(NodeKind::All, value, children)
            }
            CondKind::Or(parts) => {
                let children: Vec<_> = parts.iter().map(|p| self.cond(p, depth)).collect();
                let value = Tri::any(children.iter().map(|c| c.value));
                composite(NodeKind::Any, value, children)
            }
            CondKind::CompareConds { op, lhs, rhs } => {
                let (left, right) = (self.cond(lhs, depth), self.cond(rhs, depth));
                let same = left.value.iff(right.value);
                let value = if *op == CompareOp::Eq { same } else { !same };
                composite(NodeKind::Same, value, vec![left, right])
            }
            _ => leaf(self.condition(cond), Origin::Cond(cond)),
        }
    }

    /// A test's value, read from the facts.
    fn condition(&self, cond: &Cond) -> Tri {
        match atoms::leaf(cond) {
            Some(Ok(Leaf::Const(b))) => Tri::from(b),
            Some(Ok(Leaf::Atom { atom, positive })) => {
                let value = self.snapshot.value(self.entity, atom.fact);
                let range = self.snapshot.resolved().fact(atom.fact).map(|f| f.range);
                let outcome = atom.test.outcome(value.as_ref(), range.unwrap_or_default());
                if positive { outcome } else { !outcome }
            }
            _ => self.evaluate_two_fact_test(cond),
        }
    }
    /// A test between two facts, evaluated directly from their values.
    fn evaluate_two_fact_test(&self, cond: &Cond) -> Tri {
        use crate::check::{Collection, Term};
        use crate::facts::Value;
        let value = |fact: &FactId| self.snapshot.value(self.entity, *fact);
        let outcome = match &cond.kind {
            CondKind::CompareNumbers { op, lhs, rhs } => {
                let resolved = self.snapshot.resolved();
                let number = |fact: FactId| {
                    let range = resolved.fact(fact).map(|f| f.range).unwrap_or_default();
                    match value(&fact) {
                        Some(Value::Number(x)) => crate::eval::arith::Reading::Known(x),
                        _ => crate::eval::arith::Reading::Unknown(range),
                    }
                };
                return crate::eval::arith::evaluate(*op, lhs, rhs, number);
            }
            CondKind::CompareStrings {
                op,
                lhs: Term::Fact(a),
                rhs: Term::Fact(b),
            } => match (value(a), value(b)) {
                (Some(Value::String(x)), Some(Value::String(y))) => {
                    Some((x == y) == (*op == CompareOp::Eq))
                }
                _ => None,
            },
            CondKind::Member {
                negated,
                element: Term::Fact(a),
                collection: Collection::Fact(b),
            } => match (value(a), value(b)) {
                (Some(Value::String(x)), Some(set)) => {
                    set.set_holds(&x).map(|found| found != *negated)
                }
                _ => None,
            },
            _ => None,
        };
        outcome.map_or(Tri::Unknown, Tri::from)
    }
}

/// A fact's declared range in words, if it has one.
fn range_text(info: &crate::check::FactInfo) -> Option<String> {
    (!info.range.is_any()).then(|| info.range.to_string())
}

/// A condition node: a leaf unless children are given.
fn leaf<'r>(value: Tri, origin: Origin<'r>) -> ValueNode<'r> {
    ValueNode {
        kind: NodeKind::Condition,
        value,
        deciding: false,
        collapsed: false,
        origin,
        children: Vec::new(),
    }
}

/// Marks the root and, below each deciding node, the children that decide it.
fn mark_deciding(root: &mut ValueNode<'_>) {
    root.deciding = true;
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        let value = node.value;
        let conjunctive = matches!(node.kind, NodeKind::All | NodeKind::Rule);
        let disjunctive = node.kind == NodeKind::Any;
        for child in &mut node.children {
            child.deciding = match (value, conjunctive, disjunctive) {
                (Tri::Unknown, _, _) => child.value == Tri::Unknown,
                (Tri::False, true, _) | (Tri::True, _, true) => child.value == value,
                _ => true,
            };
        }
        stack.extend(node.children.iter_mut().filter(|c| c.deciding));
    }
}

/// The facts read by deciding condition nodes, each once (`listed` holds
/// their names), in tree order; returns the names of deciding rule nodes
/// that were not expanded.
fn collect_deciding_facts(
    root: &ExplainNode,
    facts: &mut Vec<FactReading>,
    listed: &mut HashSet<String>,
) -> Vec<String> {
    let mut collapsed = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if !node.deciding {
            continue;
        }
        if node.collapsed {
            collapsed.push(node.text.clone());
        }
        for reading in &node.facts {
            if listed.insert(reading.fact.clone()) {
                facts.push(reading.clone());
            }
        }
        stack.extend(node.children.iter().rev());
    }
    collapsed
}

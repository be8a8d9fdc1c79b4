//! Check: from parsed files to a resolved, typed, acyclic rule set.
//!
//! [`check`] gathers the declarations of every file into one namespace
//! (`names`), resolves and types each rule's expressions (`types`),
//! rejects cycles among rules and orders rules for evaluation, classifies
//! world and entity rules, and warns about unused declarations (`graph`).
//! It reports every problem it finds in the whole file set, not just the
//! first.
//!
//! Architecture invariant: this layer reads only the AST; it never sees
//! facts, and it produces a [`ResolvedRules`] only when there is no error.

mod graph;
pub mod model;
mod names;
pub(crate) use names::suggest;
mod types;

pub use model::{
    Collection, Cond, CondKind, FactId, FactInfo, Number, ResolvedRules, RuleId, RuleInfo,
    RuleKind, Symbol, Term,
};

use rustc_hash::FxHashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;
use crate::syntax::ast::{ExprKind, File, RuleDecl};

/// Checks parsed files; returns the resolved rule set (if there was no
/// error) and every diagnostic found, warnings included.
///
/// ```
/// use prereq::{Sources, check, syntax};
/// let mut sources = Sources::default();
/// let text = "world fact ceasefire: bool\nfact legal_basis: bool\n\
///             rule peace requires ceasefire\nrule deploy requires peace and legal_basis\n";
/// let id = sources.add("a.rules", text);
/// let (file, _) = syntax::parse_file(id, text);
/// let (resolved, diagnostics) = check::check(&[file]);
/// let resolved = resolved.unwrap();
/// assert!(diagnostics.is_empty());
/// let peace = resolved.rule_id("peace").unwrap();
/// assert_eq!(resolved.rule(peace).unwrap().kind, check::RuleKind::World);
/// ```
pub fn check(files: &[File]) -> (Option<ResolvedRules>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let declared = names::declare(files, &mut diagnostics);
    let nodes: Vec<graph::Node<'_>> = declared
        .rules
        .iter()
        .map(|decl| graph::Node {
            name: &decl.name.name,
            span: decl.name.span,
            uses: names_used(decl, &declared.symbols),
        })
        .collect();
    let broken_names: Vec<&str> = files
        .iter()
        .flat_map(|f| &f.broken_names)
        .map(String::as_str)
        .collect();
    let type_rule = |decl: &&RuleDecl| {
        let mut found = Vec::new();
        let mut typer = types::Typer {
            facts: &declared.facts,
            symbols: &declared.symbols,
            broken_names: &broken_names,
            diagnostics: &mut found,
        };
        let requires = typer.condition(&decl.requires, "a rule");
        let unless = decl.unless.as_ref().map(|e| typer.condition(e, "`unless`"));
        let conditions = requires.zip(unless.map_or(Some(None), |u| u.map(Some)));
        (conditions, found)
    };
    // Rules type independently: on every core for large rule sets;
    // diagnostics are taken in rule order either way.
    let typed_with_diagnostics = crate::parallel::map_in_order(&declared.rules, type_rule);
    let mut typed = Vec::with_capacity(typed_with_diagnostics.len());
    for (conditions, found) in typed_with_diagnostics {
        diagnostics.extend(found);
        typed.push(conditions);
    }
    let evaluation_order = graph::evaluation_order(&nodes, &mut diagnostics);
    graph::chain_lengths(&nodes, &evaluation_order, &mut diagnostics);
    let world = graph::world_rules(&nodes, &declared.facts, &evaluation_order);
    let has_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    if !has_errors && files.iter().all(|file| !file.incomplete) {
        // Only a clean rule set can say what is unused: a declaration that
        // failed to parse, or a misspelt use, may be what uses it.
        graph::unused(&nodes, &declared.facts, &mut diagnostics);
    }
    let mut rules = Vec::with_capacity(typed.len());
    for ((decl, conditions), is_world) in declared.rules.iter().zip(typed).zip(world) {
        let Some((requires, unless)) = conditions else {
            continue;
        };
        rules.push(RuleInfo {
            name: decl.name.name.clone(),
            docs: decl.docs.clone(),
            span: decl.name.span,
            requires,
            unless,
            kind: if is_world {
                RuleKind::World
            } else {
                RuleKind::Entity
            },
        });
    }
    if has_errors {
        return (None, diagnostics);
    }
    let mut evaluation_position = vec![0; rules.len()];
    for (position, id) in evaluation_order.iter().enumerate() {
        if let Some(cell) = evaluation_position.get_mut(id.index()) {
            *cell = position;
        }
    }
    let resolved = ResolvedRules {
        facts: declared.facts,
        rules,
        evaluation_order,
        evaluation_position,
        symbols: declared.symbols,
    };
    (Some(resolved), diagnostics)
}

/// The declared names a rule's expressions use, with the span of each use.
fn names_used(decl: &RuleDecl, symbols: &FxHashMap<String, Symbol>) -> Vec<(Symbol, Span)> {
    let mut uses = Vec::new();
    for expr in decl.expressions() {
        expr.walk(|e| {
            if let ExprKind::Name(name) = &e.kind {
                if let Some(symbol) = symbols.get(name) {
                    uses.push((*symbol, e.span));
                }
            }
        });
    }
    uses
}

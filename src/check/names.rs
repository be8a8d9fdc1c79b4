//! Declarations: one namespace for facts and rules across all files.
//!
//! Collects every declaration of the rule set in load order, reports names
//! declared twice (pointing at both places, and saying so when a fact name is
//! reused for a rule), and suggests the nearest declared name for a typo.

use rustc_hash::FxHashMap;
use std::collections::hash_map::Entry;

use super::model::{FactId, FactInfo, RuleId, Symbol};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use crate::syntax::ast::{Declaration, FactDecl, File, NumberRange, RuleDecl};

/// Every declaration, with duplicates left out (the first one wins).
pub(super) struct Declarations<'a> {
    pub facts: Vec<FactInfo>,
    pub rules: Vec<&'a RuleDecl>,
    pub symbols: FxHashMap<String, Symbol>,
}

/// A number fact's range; an empty one (`from 10 to 1`) is reported and
/// taken as no range, so that it causes no errors further on.
fn range(fact: &FactDecl, diagnostics: &mut Vec<Diagnostic>) -> NumberRange {
    let Some((range, span)) = fact.range else {
        return NumberRange::ANY;
    };
    match (range.lo, range.hi) {
        (Some(lo), Some(hi)) if lo > hi => {
            diagnostics.push(
                Diagnostic::error(
                    "empty-range",
                    format!("the range of `{}` holds no number", fact.name.name),
                )
                .with_label(span, format!("{lo} is greater than {hi}"))
                .with_help(format!(
                    "write the smaller bound first: `from {hi} to {lo}`"
                )),
            );
            NumberRange::ANY
        }
        _ => range,
    }
}

/// Collects declarations from all files, reporting duplicates.
pub(super) fn declare<'a>(
    files: &'a [File],
    diagnostics: &mut Vec<Diagnostic>,
) -> Declarations<'a> {
    let mut declared = Declarations {
        facts: Vec::new(),
        rules: Vec::new(),
        symbols: FxHashMap::default(),
    };
    let mut first_spans: FxHashMap<String, Span> = FxHashMap::default();
    for declaration in files.iter().flat_map(|file| &file.declarations) {
        let name = declaration.name();
        let symbol = match declaration {
            Declaration::Fact(_) => Symbol::Fact(FactId(len_u32(declared.facts.len()))),
            Declaration::Rule(_) => Symbol::Rule(RuleId(len_u32(declared.rules.len()))),
        };
        match declared.symbols.entry(name.name.clone()) {
            Entry::Occupied(existing) => {
                let first = first_spans.get(&name.name).copied().unwrap_or(name.span);
                diagnostics.push(duplicate(
                    &name.name,
                    *existing.get(),
                    symbol,
                    first,
                    name.span,
                ));
                continue;
            }
            Entry::Vacant(slot) => {
                slot.insert(symbol);
                first_spans.insert(name.name.clone(), name.span);
            }
        }
        match declaration {
            Declaration::Fact(fact) => declared.facts.push(FactInfo {
                name: fact.name.name.clone(),
                scope: fact.scope,
                ty: fact.ty,
                range: range(fact, diagnostics),
                vocabulary: fact.vocabulary.as_ref().map(|words| {
                    let mut words: Vec<String> = words.iter().map(|w| w.value.clone()).collect();
                    words.sort();
                    words.dedup();
                    words
                }),
                fixed: fact.fixed,
                docs: fact.docs.clone(),
                span: fact.name.span,
            }),
            Declaration::Rule(rule) => declared.rules.push(rule),
        }
    }
    declared
}

fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

fn kind_name(symbol: Symbol) -> &'static str {
    match symbol {
        Symbol::Fact(_) => "a fact",
        Symbol::Rule(_) => "a rule",
    }
}

fn duplicate(
    name: &str,
    first: Symbol,
    second: Symbol,
    first_span: Span,
    second_span: Span,
) -> Diagnostic {
    let same_kind = matches!(
        (first, second),
        (Symbol::Fact(_), Symbol::Fact(_)) | (Symbol::Rule(_), Symbol::Rule(_))
    );
    if same_kind {
        Diagnostic::error(
            "duplicate-declaration",
            format!("`{name}` is declared twice"),
        )
        .with_label(second_span, "declared again here")
        .with_label(first_span, "first declared here")
        .with_help("remove one declaration, or rename one of them")
    } else {
        Diagnostic::error(
            "fact-rule-name-clash",
            format!(
                "`{name}` is declared as {} and as {}",
                kind_name(first),
                kind_name(second)
            ),
        )
        .with_label(
            second_span,
            format!("declared as {} here", kind_name(second)),
        )
        .with_label(first_span, format!("declared as {} here", kind_name(first)))
        .with_help("facts and rules share one namespace: rename one of them")
    }
}

/// The declared name closest to `unknown`, if one is close enough to be a typo.
pub(crate) fn suggest<'a>(
    unknown: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|candidate| (strsim::jaro_winkler(unknown, candidate), candidate))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggests_near_names_only() {
        let names = ["legal_basis", "ceasefire", "deploy"];
        assert_eq!(
            suggest("legal_bais", names.into_iter()),
            Some("legal_basis")
        );
        assert_eq!(suggest("cease_fire", names.into_iter()), Some("ceasefire"));
        assert_eq!(suggest("troops", names.into_iter()), None);
    }
}

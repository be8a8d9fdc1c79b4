//! Literals and doc comments as both parsers read them.
//!
//! The AST builder (after pest) and the fast path must turn the same text
//! into the same values and refuse the same values; they share these
//! readings so that they cannot drift apart. The builder reports what is
//! refused; the fast path gives the declaration to pest instead.

use super::ast::{Expr, ExprKind};
use super::is_blank;
use crate::number::Inexact;
use crate::source::Span;

/// A doc comment's text after `##`: without trailing blanks (they mean
/// nothing, and the formatter drops them) and without one leading space.
pub(super) fn doc_text(after_hashes: &str) -> String {
    let text = after_hashes.trim_end_matches(is_blank);
    text.strip_prefix(' ').unwrap_or(text).to_string()
}

/// The value of a number literal (`-`? digits (`.` digits)?), if a 64-bit
/// float holds it exactly as written ([`crate::number::exact`]).
pub(super) fn number(text: &str) -> Result<f64, Inexact> {
    crate::number::exact(text).unwrap_or(Err(Inexact::Rounded(f64::NAN)))
}

/// `-expr`, spanning `span`: a number literal negated is the negative
/// literal (`- 3` is `-3`), anything else a [`ExprKind::Neg`].
pub(super) fn negate(expr: Expr, span: Span) -> Expr {
    let kind = match expr.kind {
        ExprKind::Number(value) => ExprKind::Number(-value),
        other => ExprKind::Neg(Box::new(Expr {
            kind: other,
            span: expr.span,
        })),
    };
    Expr { kind, span }
}

/// A string literal's text between its quotes with the escapes `\"` and
/// `\\` resolved; or the byte offset and character of the first other
/// escape.
pub(super) fn unescape(raw: &str) -> Result<String, (usize, char)> {
    let mut value = String::with_capacity(raw.len());
    let mut chars = raw.char_indices();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next() {
            Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
            Some((at, other)) => return Err((at, other)),
            // The grammar lets no string end in a lone backslash.
            None => return Err((raw.len(), '\\')),
        }
    }
    Ok(value)
}

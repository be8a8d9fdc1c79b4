//! pest's parse errors, said in plain words.
//!
//! pest reports the grammar rules it would have accepted at the failing
//! position. This module turns those into what a policy author thinks in
//! ("expected `and`, `or`, `unless` or the end of the declaration, found
//! `Basis`"), points at the offending token rather than at the blank before
//! it, and adds a hint for the usual slips (`=` for `==`, `&&` for `and`, a
//! keyword used as a name, a stray doc comment).

use pest::error::{Error, ErrorVariant, InputLocation};

use super::KEYWORDS;
use super::parser::Rule;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// Converts a pest error in the declaration at `chunk_start` of `text`.
pub(crate) fn syntax_error(
    file: FileId,
    text: &str,
    chunk_start: usize,
    chunk: &str,
    error: &Error<Rule>,
) -> Diagnostic {
    let position = match error.location {
        InputLocation::Pos(at) | InputLocation::Span((at, _)) => at,
    };
    let (token_start, found) = next_token(text, chunk_start + position);
    let expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    let found_text = match found {
        "" => "the end of the file".to_string(),
        token => format!("`{token}`"),
    };
    let is_declaration_end = token_start >= chunk_start + chunk.trim_end().len();
    let label = if is_declaration_end && !found.is_empty() {
        "the declaration ends before this".to_string()
    } else {
        "unexpected here".to_string()
    };
    let span = Span::new(file, token_start..token_start + found.len());
    let mut diagnostic = Diagnostic::error(
        "syntax-error",
        format!("expected {expected}, found {found_text}"),
    )
    .with_label(span, label);
    if let Some(help) = hint(found, &expected, chunk, position) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// Skips blanks and comments from `at` and returns the next token's start and text.
fn next_token(text: &str, mut at: usize) -> (usize, &str) {
    loop {
        let rest = text.get(at..).unwrap_or("");
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n', '\u{feff}']);
        at += rest.len() - trimmed.len();
        if trimmed.starts_with('#') && !trimmed.starts_with("##") {
            at += trimmed.find('\n').unwrap_or(trimmed.len());
            continue;
        }
        return (at, token_at(trimmed));
    }
}

/// The token at the start of `rest`: a word, a number, a string, an operator or one character.
fn token_at(rest: &str) -> &str {
    let word_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    if word_len > 0 {
        return rest.get(..word_len).unwrap_or("");
    }
    for operator in ["##", "==", "!=", "<=", ">=", "&&", "||"] {
        if rest.starts_with(operator) {
            return operator;
        }
    }
    rest.chars()
        .next()
        .map_or("", |c| rest.get(..c.len_utf8()).unwrap_or(""))
}

/// "a, b or c" from the rules pest would have accepted.
fn describe_expected(positives: &[Rule]) -> String {
    let starts_expression = positives.iter().any(|rule| {
        matches!(
            rule,
            Rule::expr | Rule::operand | Rule::paren_open | Rule::not_kw | Rule::minus
        )
    });
    let mut positives = positives.to_vec();
    positives.sort_by_key(|rule| rank(*rule));
    let mut phrases: Vec<&str> = Vec::new();
    for rule in &positives {
        let phrase = if starts_expression && is_expression_start(*rule) {
            "an expression (a name, a value, `not`, `-` or `(`)"
        } else {
            describe(*rule)
        };
        if !phrases.contains(&phrase) {
            phrases.push(phrase);
        }
    }
    match phrases.split_last() {
        None => "something else".to_string(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn is_expression_start(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::expr
            | Rule::conjunction
            | Rule::negation
            | Rule::comparison
            | Rule::sum
            | Rule::product
            | Rule::unary
            | Rule::minus
            | Rule::operand
            | Rule::collection
            | Rule::number
            | Rule::string
            | Rule::name
            | Rule::true_kw
            | Rule::false_kw
            | Rule::not_kw
            | Rule::paren_open
    )
}

/// Orders expected items the way a reader scans them: continuations first, the end last.
fn rank(rule: Rule) -> u8 {
    match rule {
        Rule::and_kw => 1,
        Rule::or_kw => 2,
        Rule::add_op | Rule::mul_op => 4,
        Rule::compare_op => 3,
        Rule::in_kw | Rule::membership_op | Rule::not_in => 4,
        Rule::unless_kw | Rule::unless_clause => 5,
        Rule::from_kw | Rule::to_kw | Rule::number_range => 6,
        Rule::fixed_kw => 6,
        Rule::paren_close | Rule::bracket_close | Rule::comma => 7,
        Rule::EOI => 9,
        _ => 0,
    }
}

fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "the end of the declaration",
        Rule::declaration
        | Rule::fact_decl
        | Rule::rule_decl
        | Rule::doc_comment
        | Rule::world_kw
        | Rule::fact_kw
        | Rule::rule_kw => "a declaration (`fact`, `world fact` or `rule`)",
        Rule::fact_type
        | Rule::bool_kw
        | Rule::number_kw
        | Rule::number_type
        | Rule::string_kw
        | Rule::string_type
        | Rule::set_type => "a type (`bool`, `number`, `string` or `set<string>`)",
        Rule::one_kw | Rule::vocabulary => "a vocabulary (`one of \"a\", \"b\"`)",
        Rule::of_kw => "`of`",
        Rule::name => "a name",
        Rule::fixed_kw => "`fixed`",
        Rule::from_kw | Rule::number_range => "a range (`from 0 to 100`)",
        Rule::to_kw => "`to`",
        Rule::requires_kw => "`requires`",
        Rule::unless_kw | Rule::unless_clause => "`unless`",
        Rule::and_kw => "`and`",
        Rule::or_kw => "`or`",
        Rule::not_kw => "`not`",
        Rule::in_kw | Rule::membership_op | Rule::not_in => "`in`",
        Rule::compare_op | Rule::chained_comparison => {
            "a comparison (`==`, `!=`, `<`, `<=`, `>`, `>=`)"
        }
        Rule::add_op | Rule::mul_op => "arithmetic (`+`, `-`, `*`, `/`)",
        Rule::list | Rule::bracket_open => "a list (`[\"a\", \"b\"]`)",
        Rule::string | Rule::string_text => "a string",
        Rule::number => "a number",
        Rule::true_kw | Rule::false_kw => "`true` or `false`",
        Rule::colon => "`:`",
        Rule::comma => "`,`",
        Rule::angle_open => "`<`",
        Rule::angle_close => "`>`",
        Rule::bracket_close => "`]`",
        Rule::paren_open => "`(`",
        Rule::paren_close => "`)`",
        _ => "an expression (a name, a value, `not`, `-` or `(`)",
    }
}

/// A hint for the usual slips, judged from the token found and what was expected.
fn hint(found: &str, expected: &str, chunk: &str, position: usize) -> Option<String> {
    let reserved = KEYWORDS.contains(&found);
    if reserved && expected == "a name" {
        return Some(format!(
            "`{found}` is a reserved word and cannot be a name; pick another, such as `{found}_`"
        ));
    }
    match found {
        "=" => Some("to compare, write `==`".to_string()),
        "&&" | "&" => Some("write `and`".to_string()),
        "||" | "|" => Some("write `or`".to_string()),
        "!" => Some("write `not`, or `!=` to compare".to_string()),
        "##" => Some(
            "a `##` doc comment must stand right before a declaration; use `#` for other comments"
                .to_string(),
        ),
        _ if starts_with_docs_only(chunk, position) => Some(
            "a `##` doc comment must be followed by a declaration; use `#` for other comments"
                .to_string(),
        ),
        _ => None,
    }
}

/// Whether everything in the chunk before `position` is doc comments and blanks.
fn starts_with_docs_only(chunk: &str, position: usize) -> bool {
    let before = chunk.get(..position).unwrap_or("");
    before.contains("##")
        && before.lines().all(|line| {
            let line = line.trim();
            line.is_empty() || line.starts_with("##")
        })
}

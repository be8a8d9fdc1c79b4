//! A fast path for well-formed declarations.
//!
//! pest, running the grammar in `grammar/prereq.pest`, spends most of a
//! parse on bookkeeping around each alternative it tries (about 70,000
//! instructions for a three-line rule). Most declarations in a large file
//! are well formed, so this module reads them first with a hand-written
//! recursive descent over the same grammar, building the same AST with the
//! same spans. It gives up — returns `None` — on anything it is not sure
//! of: any syntax error, and anything the AST builder would report
//! (capitalised or over-long names, unknown escapes, inexact numbers,
//! chained comparisons, deep nesting). The declaration then goes to pest
//! and the builder, which stay the only source of syntax diagnostics.
//!
//! Invariant: for every input, this parser returns `None` or exactly what
//! pest and the builder return (a property test and the `parse_check` fuzz
//! target compare them); its recursion follows parentheses and `not`s only,
//! cut off at [`MAX_DEPTH`].

use super::ast::{
    ArithOp, ArithPart, CompareOp, Declaration, Expr, ExprKind, FactDecl, FactType, Ident,
    NumberRange, RuleDecl, Scope, StringLiteral,
};
use super::{KEYWORDS, literal};
use crate::limits::{MAX_NAME_LENGTH, MAX_STRING_LENGTH};
use crate::source::{FileId, Span};

/// Parentheses and `not`s deeper than this go to pest, whose builder
/// reports nesting past the limit (well beyond this depth).
const MAX_DEPTH: usize = 32;

/// Parses the declaration found at `start..end` of `text`, or returns
/// `None` to leave it to pest.
pub(super) fn parse_declaration(
    file: FileId,
    text: &str,
    start: usize,
    end: usize,
) -> Option<Declaration> {
    let chunk = text.get(start..end)?;
    let mut cursor = Cursor {
        text: chunk,
        at: 0,
        file,
        offset: start,
        depth: 0,
    };
    let declaration = cursor.declaration()?;
    cursor.skip()?;
    (cursor.at == chunk.len()).then_some(declaration)
}

/// An expression with the extent of the text it was parsed from: a
/// parenthesised expression's extent includes its parentheses, its span
/// does not (as pest's pairs and the builder's spans have it).
struct Parsed {
    expr: Expr,
    start: usize,
    end: usize,
}

struct Cursor<'t> {
    text: &'t str,
    at: usize,
    file: FileId,
    offset: usize,
    /// Parentheses and `not`s around the current position.
    depth: usize,
}

impl<'t> Cursor<'t> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.offset + start..self.offset + end)
    }

    fn rest(&self) -> &'t str {
        self.text.get(self.at..).unwrap_or("")
    }

    /// Skips blanks and `#` comments; `None` at a `##`, which only a
    /// declaration's start may hold.
    fn skip(&mut self) -> Option<()> {
        match self.skip_blanks_and_comments() {
            Stop::AtDocComment => None,
            Stop::AtToken => Some(()),
        }
    }

    /// Skips blanks and `#` comments, up to a token or a `##`.
    fn skip_blanks_and_comments(&mut self) -> Stop {
        let bytes = self.text.as_bytes();
        loop {
            match bytes.get(self.at..) {
                Some([b' ' | b'\t' | b'\n' | b'\r', ..]) => self.at += 1,
                Some([0xEF, 0xBB, 0xBF, ..]) => self.at += 3, // U+FEFF
                Some([b'#', b'#', ..]) => return Stop::AtDocComment,
                Some([b'#', ..]) => {
                    let line = bytes.get(self.at..).unwrap_or(&[]);
                    self.at += line
                        .iter()
                        .position(|b| matches!(b, b'\n' | b'\r'))
                        .unwrap_or(line.len());
                }
                _ => return Stop::AtToken,
            }
        }
    }

    /// Takes `token` if the text goes on with it.
    fn eat(&mut self, token: &str) -> bool {
        let found = self.rest().starts_with(token);
        if found {
            self.at += token.len();
        }
        found
    }

    /// The word (letters, digits, `_`, not starting with a digit) at the
    /// cursor, if any, without taking it.
    fn word(&self) -> Option<&'t str> {
        let rest = self.rest();
        let first = rest.bytes().next()?;
        if !(first.is_ascii_alphabetic() || first == b'_') {
            return None;
        }
        let end = rest
            .bytes()
            .position(|b| !is_word_byte(b))
            .unwrap_or(rest.len());
        rest.get(..end)
    }

    /// Takes keyword `keyword` if it is the next word.
    fn keyword(&mut self, keyword: &str) -> bool {
        let bytes = self.text.as_bytes();
        let end = self.at + keyword.len();
        let found = bytes.get(self.at..end) == Some(keyword.as_bytes())
            && !bytes.get(end).is_some_and(|b| is_word_byte(*b));
        if found {
            self.at = end;
        }
        found
    }

    /// Takes a keyword and the blanks after it, or gives up.
    fn expect_keyword(&mut self, keyword: &str) -> Option<()> {
        self.keyword(keyword).then_some(())?;
        self.skip()
    }

    /// Takes a punctuation token and the blanks after it, or gives up.
    fn expect(&mut self, token: &str) -> Option<()> {
        self.eat(token).then_some(())?;
        self.skip()
    }

    /// A name the builder accepts: not a keyword, lowercase, not too long.
    fn ident(&mut self) -> Option<Ident> {
        let word = self.word()?;
        let acceptable = word.len() <= MAX_NAME_LENGTH
            && !word.bytes().any(|b| b.is_ascii_uppercase())
            && !KEYWORDS.contains(&word);
        if !acceptable {
            return None;
        }
        let start = self.at;
        self.at += word.len();
        Some(Ident {
            name: word.to_string(),
            span: self.span(start, self.at),
        })
    }

    fn declaration(&mut self) -> Option<Declaration> {
        self.skip_blanks_and_comments();
        let mut docs = Vec::new();
        while self.rest().starts_with("##") {
            let rest = self.rest();
            let line = rest.find(['\n', '\r']).unwrap_or(rest.len());
            docs.push(literal::doc_text(rest.get(2..line)?));
            self.at += line;
            self.skip_blanks_and_comments();
        }
        let start = self.at;
        if self.keyword("rule") {
            self.skip()?;
            return self.rule(start, docs).map(Declaration::Rule);
        }
        let scope = if self.keyword("world") {
            self.skip()?;
            Scope::World
        } else {
            Scope::Entity
        };
        self.expect_keyword("fact")?;
        self.fact(start, scope, docs).map(Declaration::Fact)
    }

    fn fact(&mut self, start: usize, scope: Scope, docs: Vec<String>) -> Option<FactDecl> {
        let name = self.ident()?;
        self.skip()?;
        self.expect(":")?;
        let word = self.word()?;
        let mut vocabulary = None;
        let ty = match word {
            "bool" => FactType::Bool,
            "number" => FactType::Number,
            "string" => FactType::String,
            "one" => {
                vocabulary = Some(self.vocabulary()?);
                FactType::String
            }
            "set" => FactType::StringSet,
            _ => return None,
        };
        if vocabulary.is_none() {
            self.at += word.len();
        }
        if ty == FactType::StringSet {
            self.skip()?;
            self.expect("<")?;
            if self.word() == Some("one") {
                vocabulary = Some(self.vocabulary()?);
            } else {
                self.keyword("string").then_some(())?;
            }
            self.skip()?;
            self.eat(">").then_some(())?;
        }
        let mut end = self.at;
        let range = match ty {
            FactType::Number => self.range(&mut end)?,
            _ => None,
        };
        let before_fixed = self.at;
        self.skip()?;
        let fixed = self.keyword("fixed");
        if fixed {
            end = self.at;
        } else {
            self.at = before_fixed;
        }
        Some(FactDecl {
            docs,
            scope,
            name,
            ty,
            range,
            vocabulary,
            fixed,
            span: self.span(start, end),
        })
    }

    /// `one of "a", "b", …`: the strings, the cursor after the last.
    fn vocabulary(&mut self) -> Option<Vec<StringLiteral>> {
        self.keyword("one").then_some(())?;
        self.skip()?;
        self.keyword("of").then_some(())?;
        let mut words = Vec::new();
        loop {
            self.skip()?;
            let (value, from, to) = self.string()?;
            words.push(StringLiteral {
                value,
                span: self.span(from, to),
            });
            let after = self.at;
            self.skip()?;
            if !self.eat(",") {
                self.at = after;
                return Some(words);
            }
        }
    }

    /// `from A [to B]` or `to B` after `number`, if written; `end` moves
    /// past it. `None` inside: no range.
    fn range(&mut self, end: &mut usize) -> Option<Option<(NumberRange, Span)>> {
        let before = self.at;
        self.skip()?;
        let start = self.at;
        let mut range = NumberRange::ANY;
        if self.keyword("from") {
            self.skip()?;
            range.lo = Some(self.number()?);
            *end = self.at;
            let after_lo = self.at;
            self.skip()?;
            if !self.keyword("to") {
                self.at = after_lo;
                return Some(Some((range, self.span(start, *end))));
            }
        } else if !self.keyword("to") {
            self.at = before;
            return Some(None);
        }
        self.skip()?;
        range.hi = Some(self.number()?);
        *end = self.at;
        Some(Some((range, self.span(start, *end))))
    }

    fn rule(&mut self, start: usize, docs: Vec<String>) -> Option<RuleDecl> {
        let name = self.ident()?;
        self.skip()?;
        self.expect_keyword("requires")?;
        let requires = self.or()?;
        let mut end = requires.end;
        let before_unless = self.at;
        self.skip()?;
        let unless = if self.keyword("unless") {
            self.skip()?;
            let unless = self.or()?;
            end = unless.end;
            Some(unless.expr)
        } else {
            self.at = before_unless;
            None
        };
        Some(RuleDecl {
            docs,
            name,
            requires: requires.expr,
            unless,
            span: self.span(start, end),
        })
    }

    /// `a or b or …`
    fn or(&mut self) -> Option<Parsed> {
        self.chain("or", Cursor::and, ExprKind::Or)
    }

    /// `a and b and …`
    fn and(&mut self) -> Option<Parsed> {
        self.chain("and", Cursor::negation, ExprKind::And)
    }

    /// Operands joined by `keyword`; one operand stands for itself.
    fn chain(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Option<Parsed>,
        make: fn(Vec<Expr>) -> ExprKind,
    ) -> Option<Parsed> {
        let first = operand(self)?;
        let (start, mut end) = (first.start, first.end);
        let mut operands = vec![first.expr];
        loop {
            let before = self.at;
            self.skip()?;
            if !self.keyword(keyword) {
                self.at = before;
                break;
            }
            self.skip()?;
            let next = operand(self)?;
            end = next.end;
            operands.push(next.expr);
        }
        let expr = match operands.len() {
            1 => operands.pop()?,
            _ => Expr {
                kind: make(operands),
                span: self.span(start, end),
            },
        };
        Some(Parsed { expr, start, end })
    }

    /// `not … not comparison`
    fn negation(&mut self) -> Option<Parsed> {
        let start = self.at;
        let mut nots = 0;
        while self.keyword("not") {
            nots += 1;
            self.skip()?;
        }
        self.enter(nots)?;
        let inner = self.comparison();
        self.depth -= nots;
        let inner = inner?;
        let end = inner.end;
        let mut expr = inner.expr;
        // Every `not` of a run spans the whole run, as the builder has it.
        for _ in 0..nots {
            expr = Expr {
                span: self.span(start, end),
                kind: ExprKind::Not(Box::new(expr)),
            };
        }
        Some(Parsed { expr, start, end })
    }

    /// Goes `levels` deeper, or gives up past [`MAX_DEPTH`].
    fn enter(&mut self, levels: usize) -> Option<()> {
        self.depth += levels;
        if self.depth > MAX_DEPTH {
            self.depth -= levels;
            return None;
        }
        Some(())
    }

    /// A sum, maybe compared with another or tested for membership.
    fn comparison(&mut self) -> Option<Parsed> {
        let lhs = self.sum()?;
        let before = self.at;
        self.skip()?;
        let op_start = self.at;
        if let Some(op) = self.compare_op() {
            let op_span = self.span(op_start, self.at);
            self.skip()?;
            let rhs = self.sum()?;
            let after = self.at;
            self.skip()?;
            if self.compare_op().is_some() {
                return None; // a chained comparison: the builder explains it
            }
            self.at = after;
            return Some(self.binary(lhs, rhs, |lhs, rhs| ExprKind::Compare {
                op,
                op_span,
                lhs,
                rhs,
            }));
        }
        let negated = self.keyword("not");
        if negated {
            self.skip()?;
        }
        if !self.keyword("in") {
            // `not` must begin `not in` here; anything else ends the comparison.
            return if negated {
                None
            } else {
                self.at = before;
                Some(lhs)
            };
        }
        let op_span = self.span(op_start, self.at);
        self.skip()?;
        let collection = self.collection()?;
        Some(
            self.binary(lhs, collection, |element, collection| ExprKind::Member {
                negated,
                op_span,
                element,
                collection,
            }),
        )
    }

    /// `a + b - …`
    fn sum(&mut self) -> Option<Parsed> {
        self.arithmetic(
            &[(b'+', ArithOp::Add), (b'-', ArithOp::Sub)],
            Cursor::product,
        )
    }

    /// `a * b / …`
    fn product(&mut self) -> Option<Parsed> {
        self.arithmetic(&[(b'*', ArithOp::Mul), (b'/', ArithOp::Div)], Cursor::unary)
    }

    /// Operands joined by the operators of one level; one stands for itself.
    fn arithmetic(
        &mut self,
        ops: &[(u8, ArithOp)],
        operand: fn(&mut Self) -> Option<Parsed>,
    ) -> Option<Parsed> {
        let first = operand(self)?;
        let (start, mut end) = (first.start, first.end);
        let mut rest = Vec::new();
        loop {
            let before = self.at;
            self.skip()?;
            let next = self.rest().bytes().next();
            let Some(&(_, op)) = ops.iter().find(|(byte, _)| Some(*byte) == next) else {
                self.at = before;
                break;
            };
            let op_span = self.span(self.at, self.at + 1);
            self.at += 1;
            self.skip()?;
            let next = operand(self)?;
            end = next.end;
            rest.push(ArithPart {
                op,
                op_span,
                operand: next.expr,
            });
        }
        if rest.is_empty() {
            return Some(first);
        }
        let expr = Expr {
            kind: ExprKind::Arith {
                first: Box::new(first.expr),
                rest,
            },
            span: self.span(start, end),
        };
        Some(Parsed { expr, start, end })
    }

    /// `- … - operand`; a minus right before digits is the literal's own.
    fn unary(&mut self) -> Option<Parsed> {
        let mut minuses = Vec::new();
        while self.rest().starts_with('-')
            && !self
                .rest()
                .as_bytes()
                .get(1)
                .is_some_and(u8::is_ascii_digit)
        {
            minuses.push(self.at);
            self.at += 1;
            self.skip()?;
        }
        self.enter(minuses.len())?;
        let inner = self.operand();
        self.depth -= minuses.len();
        let inner = inner?;
        let end = inner.end;
        let mut expr = inner.expr;
        for &start in minuses.iter().rev() {
            expr = literal::negate(expr, self.span(start, end));
        }
        let start = minuses.first().copied().unwrap_or(inner.start);
        Some(Parsed { expr, start, end })
    }

    fn binary(
        &self,
        lhs: Parsed,
        rhs: Parsed,
        make: impl FnOnce(Box<Expr>, Box<Expr>) -> ExprKind,
    ) -> Parsed {
        let (start, end) = (lhs.start, rhs.end);
        Parsed {
            expr: Expr {
                kind: make(Box::new(lhs.expr), Box::new(rhs.expr)),
                span: self.span(start, end),
            },
            start,
            end,
        }
    }

    /// Two-character operators before their one-character prefixes.
    fn compare_op(&mut self) -> Option<CompareOp> {
        let ops = [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ];
        ops.into_iter()
            .find_map(|(token, op)| self.eat(token).then_some(op))
    }

    /// A list literal or an operand.
    fn collection(&mut self) -> Option<Parsed> {
        if !self.rest().starts_with('[') {
            return self.operand();
        }
        let start = self.at;
        self.expect("[")?;
        let mut items = Vec::new();
        while self.rest().starts_with('"') {
            let (value, from, to) = self.string()?;
            items.push(StringLiteral {
                value,
                span: self.span(from, to),
            });
            self.skip()?;
            if !self.eat(",") {
                break;
            }
            self.skip()?;
        }
        self.eat("]").then_some(())?;
        let end = self.at;
        Some(self.leaf(ExprKind::List(items), start, end))
    }

    fn operand(&mut self) -> Option<Parsed> {
        let start = self.at;
        let first = self.rest().bytes().next()?;
        let kind = match first {
            b'(' => return self.parenthesised(),
            b'"' => ExprKind::String(self.string()?.0),
            b'-' | b'0'..=b'9' => ExprKind::Number(self.number()?),
            _ if self.keyword("true") => ExprKind::Bool(true),
            _ if self.keyword("false") => ExprKind::Bool(false),
            _ => ExprKind::Name(self.ident()?.name),
        };
        let end = self.at;
        Some(self.leaf(kind, start, end))
    }

    fn leaf(&self, kind: ExprKind, start: usize, end: usize) -> Parsed {
        Parsed {
            expr: Expr {
                kind,
                span: self.span(start, end),
            },
            start,
            end,
        }
    }

    /// `( expr )`: the expression, its extent widened to the parentheses.
    fn parenthesised(&mut self) -> Option<Parsed> {
        let start = self.at;
        self.expect("(")?;
        self.enter(1)?;
        let inner = self.or();
        self.depth -= 1;
        let inner = inner?;
        self.skip()?;
        self.eat(")").then_some(())?;
        Some(Parsed {
            expr: inner.expr,
            start,
            end: self.at,
        })
    }

    /// A number literal the builder accepts: `-`? digits (`.` digits)?,
    /// finite, and exact if an integer.
    fn number(&mut self) -> Option<f64> {
        let rest = self.rest();
        let digits = |from: usize| {
            rest.get(from..).map_or(0, |tail| {
                tail.bytes().take_while(u8::is_ascii_digit).count()
            })
        };
        let sign = usize::from(rest.starts_with('-'));
        let whole = digits(sign);
        if whole == 0 {
            return None;
        }
        let mut len = sign + whole;
        let is_integer = !rest.get(len..).is_some_and(|tail| tail.starts_with('.'));
        if !is_integer {
            let fraction = digits(len + 1);
            if fraction == 0 {
                return None;
            }
            len += 1 + fraction;
        }
        let value = literal::number(rest.get(..len)?).ok()?;
        self.at += len;
        Some(value)
    }

    /// A string literal with the escapes `\"` and `\\` only: its value and
    /// extent, quotes included.
    fn string(&mut self) -> Option<(String, usize, usize)> {
        let start = self.at;
        let body = self.rest().get(1..)?.as_bytes();
        // The closing quote: the first not escaped, on the same line.
        let mut at = 0;
        let close = loop {
            match body.get(at)? {
                b'"' => break at,
                b'\n' | b'\r' => return None,
                b'\\' => at += 2,
                _ => at += 1,
            }
        };
        if close > MAX_STRING_LENGTH {
            return None;
        }
        let value = literal::unescape(self.rest().get(1..1 + close)?).ok()?;
        self.at += 1 + close + 1;
        Some((value, start, self.at))
    }
}

/// Where skipping blanks and comments stopped.
enum Stop {
    AtToken,
    AtDocComment,
}

/// A byte that continues a word: a letter, a digit or `_`.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::syntax::{parse_file, parse_file_with_pest, parser, scan};

    const FILE: FileId = FileId(0);

    /// The fast path's reading of `text` as one declaration, and pest's.
    fn both(text: &str) -> (Option<Declaration>, Option<Declaration>) {
        let mut diagnostics = Vec::new();
        let pest = parser::parse_declaration(FILE, text, 0, text.len(), &mut diagnostics);
        (parse_declaration(FILE, text, 0, text.len()), pest)
    }

    fn example_files() -> Vec<String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().extension().is_some_and(|e| e == "rules"))
            .filter_map(|entry| std::fs::read_to_string(entry.path()).ok())
            .collect();
        files.push(crate::synthetic::rule_file(300));
        files
    }

    #[test]
    fn every_declaration_of_the_example_and_a_generated_file_takes_the_fast_path() {
        let files = example_files();
        assert!(files.len() >= 2, "the example's rule files are read");
        for text in files {
            let (chunks, diagnostics) = scan::split_declarations(FILE, &text);
            assert!(diagnostics.is_empty());
            for chunk in chunks {
                let mut pest_diagnostics = Vec::new();
                let pest = parser::parse_declaration(
                    FILE,
                    &text,
                    chunk.start,
                    chunk.end,
                    &mut pest_diagnostics,
                );
                let fast = parse_declaration(FILE, &text, chunk.start, chunk.end);
                assert!(fast.is_some(), "{:?}", text.get(chunk.start..chunk.end));
                assert_eq!(fast, pest);
            }
        }
    }

    fn blank() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            " ",
            "   ",
            "\n",
            "\t",
            "\r\n",
            "\r",
            " # a comment\n",
            "\n# a line\n  ",
            " \u{feff}",
        ])
    }

    /// Blanks where a token may also touch its neighbour.
    fn maybe_blank() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just(""), blank()]
    }

    fn name() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "a",
            "troops",
            "_x",
            "order",
            "notable",
            "in_coalition",
            "rule_1",
            "android",
            "trueish",
            "f00",
        ])
    }

    fn string() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "\"x\"",
            "\"a b\"",
            "\"q\\\"t\"",
            "\"back\\\\slash\"",
            "\"\"",
            "\"été # not a comment\"",
        ])
    }

    fn atom() -> BoxedStrategy<String> {
        let number =
            prop::sample::select(vec!["0", "-1", "2.5", "10000", "-0.25", "9007199254740992"]);
        prop_oneof![
            name().prop_map(str::to_string),
            number.prop_map(str::to_string),
            string().prop_map(str::to_string),
            Just("true".to_string()),
            Just("false".to_string()),
        ]
        .boxed()
    }

    fn list() -> impl Strategy<Value = String> {
        (
            prop::collection::vec((string(), maybe_blank()), 0..3),
            maybe_blank(),
            any::<bool>(),
        )
            .prop_map(|(items, blank, trailing_comma)| {
                let items: Vec<String> = items
                    .into_iter()
                    .map(|(item, blank)| format!("{blank}{item}{blank}"))
                    .collect();
                let comma = if trailing_comma && !items.is_empty() {
                    ","
                } else {
                    ""
                };
                format!("[{blank}{}{comma}]", items.join(","))
            })
    }

    fn arithmetic_op() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["+", "-", "*", "/"])
    }

    /// Atoms joined by arithmetic, some negated (`-x`, `- 3`, `--x`).
    fn arithmetic() -> BoxedStrategy<String> {
        let operand = (
            prop::sample::select(vec!["", "-", "- ", "--", "-\n"]),
            atom(),
        )
            .prop_map(|(minus, atom)| format!("{minus}{atom}"));
        (
            operand.clone(),
            prop::collection::vec(
                (maybe_blank(), arithmetic_op(), maybe_blank(), operand),
                0..4,
            ),
        )
            .prop_map(|(first, rest)| {
                let mut text = first;
                for (b1, op, b2, operand) in rest {
                    text += &format!("{b1}{op}{b2}{operand}");
                }
                text
            })
            .boxed()
    }

    fn leaf() -> BoxedStrategy<String> {
        let op = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
        let collection = prop_oneof![name().prop_map(str::to_string), list()];
        prop_oneof![
            atom(),
            arithmetic(),
            (
                arithmetic(),
                maybe_blank(),
                op.clone(),
                maybe_blank(),
                arithmetic()
            )
                .prop_map(|(a, b1, op, b2, c)| format!("{a}{b1}{op}{b2}{c}")),
            (atom(), maybe_blank(), op, maybe_blank(), atom())
                .prop_map(|(a, b1, op, b2, c)| format!("{a}{b1}{op}{b2}{c}")),
            (atom(), blank(), any::<bool>(), blank(), collection).prop_map(
                |(a, b1, negated, b2, c)| {
                    let op = if negated { "not in" } else { "in" };
                    format!("{a}{b1}{op}{b2}{c}")
                }
            ),
        ]
        .boxed()
    }

    fn expr() -> BoxedStrategy<String> {
        leaf()
            .prop_recursive(4, 24, 3, |inner| {
                prop_oneof![
                    (maybe_blank(), inner.clone(), maybe_blank())
                        .prop_map(|(b1, e, b2)| format!("({b1}{e}{b2})")),
                    (blank(), inner.clone()).prop_map(|(b, e)| format!("not{b}{e}")),
                    (inner.clone(), blank(), blank(), inner.clone())
                        .prop_map(|(a, b1, b2, c)| format!("{a}{b1}and{b2}{c}")),
                    (inner.clone(), blank(), blank(), inner.clone())
                        .prop_map(|(a, b1, b2, c)| format!("{a}{b1}or{b2}{c}")),
                    (
                        inner.clone(),
                        maybe_blank(),
                        arithmetic_op(),
                        maybe_blank(),
                        inner.clone()
                    )
                        .prop_map(|(a, b1, op, b2, c)| format!("({a}){b1}{op}{b2}({c})")),
                    (maybe_blank(), inner).prop_map(|(b, e)| format!("-{b}({e})")),
                ]
            })
            .boxed()
    }

    fn declaration() -> impl Strategy<Value = String> {
        let docs = prop::collection::vec(
            prop::sample::select(vec!["## Doc.\n", "##\n", "##  spaced  \n", "## a\n# b\n"]),
            0..3,
        );
        let fact_type = prop_oneof![
            prop::sample::select(vec!["bool", "number", "string"]).prop_map(str::to_string),
            (maybe_blank(), maybe_blank(), maybe_blank())
                .prop_map(|(a, b, c)| format!("set{a}<{b}string{c}>")),
            (
                blank(),
                prop::sample::select(vec![
                    "from 0 to 100",
                    "from -1.5",
                    "to 7",
                    "from\n0 # c\n to 3",
                    "from 3 to 1",
                    "from -0",
                ]),
            )
                .prop_map(|(b, range)| format!("number{b}{range}")),
            (maybe_blank(), maybe_blank(), any::<bool>()).prop_map(|(a, b, set)| {
                let words = format!("one of \"x\"{a},{b}\"a b\", \"q\\\"t\"");
                if set {
                    format!("set<{a}{words}{b}>")
                } else {
                    words
                }
            }),
        ];
        let fact = (
            any::<bool>(),
            name(),
            maybe_blank(),
            maybe_blank(),
            fact_type,
            any::<bool>(),
        )
            .prop_map(|(world, name, b1, b2, ty, fixed)| {
                let world = if world { "world " } else { "" };
                let fixed = if fixed { " fixed" } else { "" };
                format!("{world}fact {name}{b1}:{b2}{ty}{fixed}")
            });
        let rule = (name(), blank(), expr(), prop::option::of((blank(), expr()))).prop_map(
            |(name, blank, requires, unless)| {
                let unless = unless
                    .map(|(blank, e)| format!("{blank}unless {e}"))
                    .unwrap_or_default();
                format!("rule {name} requires{blank}{requires}{unless}")
            },
        );
        let trailing = prop::sample::select(vec!["", "\n", " # end\n", "\n\n"]);
        (docs, prop_oneof![fact, rule], trailing)
            .prop_map(|(docs, body, trailing)| format!("{}{body}{trailing}", docs.concat()))
    }

    /// `text` with `junk` put in at the char boundary nearest `at` (a fraction).
    fn with_junk(text: &str, junk: &str, at: f64) -> String {
        let mut index = (text.len() as f64 * at) as usize;
        while !text.is_char_boundary(index) {
            index -= 1;
        }
        format!("{}{junk}{}", &text[..index], &text[index..])
    }

    fn junk() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "##",
            "#",
            "(",
            ")",
            "[",
            "]",
            ",",
            ":",
            "<",
            "=",
            "!",
            "\"",
            "\\",
            "A",
            "and",
            " not",
            "in ",
            "1.",
            "-",
            "é",
            "\r",
            "\u{2003}",
            "99999999999999999999",
            "\\x",
            "-",
            "fact",
            "unless",
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn well_formed_declarations_take_the_fast_path_and_agree_with_pest(text in declaration()) {
            let (fast, pest) = both(&text);
            prop_assert!(fast.is_some(), "the fast path gave up on {:?}", text);
            prop_assert_eq!(fast, pest, "{:?}", text);
        }

        #[test]
        fn the_fast_path_agrees_with_pest_or_gives_up(
            text in declaration(),
            junk in junk(),
            at in 0.0..1.0f64,
        ) {
            let text = with_junk(&text, junk, at);
            let (fast, pest) = both(&text);
            if fast.is_some() {
                prop_assert_eq!(fast, pest, "{:?}", text);
            }
        }

        #[test]
        fn whole_files_parse_the_same_with_and_without_the_fast_path(
            declarations in prop::collection::vec((declaration(), prop::option::of((junk(), 0.0..1.0f64))), 1..6),
        ) {
            let text: String = declarations
                .iter()
                .map(|(text, junk)| match junk {
                    Some((junk, at)) => with_junk(text, junk, *at) + "\n",
                    None => format!("{text}\n"),
                })
                .collect();
            prop_assert_eq!(parse_file(FILE, &text), parse_file_with_pest(FILE, &text), "{:?}", text);
        }
    }
}

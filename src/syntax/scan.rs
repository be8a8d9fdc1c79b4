//! A lexical pre-pass that splits a rule file into declarations.
//!
//! The keywords `fact`, `world` and `rule` are reserved and cannot occur
//! inside an expression, so every declaration starts at one of them (or at
//! the `##` doc comments right before one). Splitting there before running
//! pest lets the parser report one error per broken declaration rather than
//! stopping at the first, and keeps each pest run small.
//!
//! The same pass skips strings and comments and tracks brackets, so it can
//! report unclosed strings, unbalanced brackets and nesting deeper than
//! [`MAX_NESTING_DEPTH`] in plain words — and reject too-deep input before
//! pest's recursive descent could overflow the stack on it.
//!
//! Invariant: chunks are disjoint, in order, and start on `char` boundaries.

use crate::diagnostic::Diagnostic;
use crate::limits::{MAX_DECLARATIONS, MAX_NESTING_DEPTH};
use crate::source::{FileId, Span};

/// The text of one declaration (with its doc comments), as a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// First byte of the declaration.
    pub start: usize,
    /// One past its last byte.
    pub end: usize,
    /// Whether the pre-pass already reported an error in it (then it is not parsed).
    pub has_error: bool,
}

/// Splits `text` into declarations, reporting lexical errors.
pub(crate) fn split_declarations(file: FileId, text: &str) -> (Vec<Chunk>, Vec<Diagnostic>) {
    let mut scanner = Scanner {
        file,
        text,
        chunks: Vec::new(),
        diagnostics: Vec::new(),
        chunk: ChunkState::new(0),
    };
    scanner.run();
    (scanner.chunks, scanner.diagnostics)
}

struct ChunkState {
    start: usize,
    /// A token other than doc comments has been seen.
    has_content: bool,
    has_error: bool,
    /// Positions and characters of the brackets still open.
    open: Vec<(usize, char)>,
    /// The previous word, to see `world fact` as one declaration.
    previous_word_was_world: bool,
}

impl ChunkState {
    fn new(start: usize) -> ChunkState {
        ChunkState {
            start,
            has_content: false,
            has_error: false,
            open: Vec::new(),
            previous_word_was_world: false,
        }
    }
}

struct Scanner<'a> {
    file: FileId,
    text: &'a str,
    chunks: Vec<Chunk>,
    diagnostics: Vec<Diagnostic>,
    chunk: ChunkState,
}

impl Scanner<'_> {
    fn run(&mut self) {
        let bytes = self.text.as_bytes();
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            if self.chunks.len() >= MAX_DECLARATIONS {
                self.too_many_declarations(at);
                return;
            }
            at = match byte {
                b' ' | b'\t' | b'\r' | b'\n' => at + 1,
                // A byte order mark is a blank to the grammar: it is no
                // content, and must not split comments from the declaration.
                0xEF if self
                    .text
                    .get(at..)
                    .is_some_and(|rest| rest.starts_with('\u{feff}')) =>
                {
                    at + '\u{feff}'.len_utf8()
                }
                b'#' if bytes.get(at + 1) == Some(&b'#') => {
                    if self.chunk.has_content {
                        self.finish_chunk(at);
                    }
                    self.comment(at, "doc comment")
                }
                b'#' => self.comment(at, "comment"),
                b'"' => self.string(at),
                b'(' | b'[' => self.open_bracket(at, char::from(byte)),
                b')' | b']' => self.close_bracket(at, char::from(byte)),
                b if b.is_ascii_alphabetic() || b == b'_' => self.word(at),
                _ => {
                    self.chunk.has_content = true;
                    self.chunk.previous_word_was_world = false;
                    at + self.char_len(at)
                }
            };
        }
        self.finish_chunk(self.text.len());
    }

    fn char_len(&self, at: usize) -> usize {
        self.text
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(1, char::len_utf8)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text
            .get(at..)
            .and_then(|rest| rest.find('\n'))
            .map_or(self.text.len(), |offset| at + offset)
    }

    /// Skips a comment, refusing text-direction controls in it.
    fn comment(&mut self, at: usize, what: &str) -> usize {
        let end = self.line_end(at);
        self.refuse_bidi(at, end, what);
        end
    }

    /// Reports the first text-direction control between `start` and `end`:
    /// it would make the line show in an order other than the one it is
    /// read in ("Trojan Source"), in an editor, a diff or a review.
    fn refuse_bidi(&mut self, start: usize, end: usize, what: &str) {
        let Some((offset, c)) = self
            .text
            .get(start..end)
            .and_then(crate::text::find_bidi_control)
        else {
            return;
        };
        let at = start + offset;
        self.report(
            Diagnostic::error(
                "bidi-control",
                format!(
                    "a text-direction control (U+{:04X}) in a {what}",
                    u32::from(c)
                ),
            )
            .with_label(
                Span::new(self.file, at..at + c.len_utf8()),
                "it can make this line show in another order than it is read",
            )
            .with_help(
                "remove it: a rule file must read the same in every editor, diff and review",
            ),
        );
    }

    fn word(&mut self, at: usize) -> usize {
        let rest = self.text.get(at..).unwrap_or("");
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let word = rest.get(..len).unwrap_or("");
        let starts_declaration = match word {
            "rule" | "world" => true,
            "fact" => !self.chunk.previous_word_was_world,
            _ => false,
        };
        if starts_declaration && self.chunk.has_content {
            self.finish_chunk(at);
        }
        self.chunk.has_content = true;
        self.chunk.previous_word_was_world = word == "world";
        at + len
    }

    fn string(&mut self, at: usize) -> usize {
        self.chunk.has_content = true;
        self.chunk.previous_word_was_world = false;
        let bytes = self.text.as_bytes();
        let mut i = at + 1;
        loop {
            match bytes.get(i) {
                Some(b'"') => {
                    self.refuse_bidi(at, i, "string");
                    return i + 1;
                }
                Some(b'\\') if !matches!(bytes.get(i + 1), None | Some(b'\n' | b'\r')) => {
                    i += 1 + self.char_len(i + 1);
                }
                None | Some(b'\n' | b'\r') => {
                    self.report(
                        Diagnostic::error("unclosed-string", "this string is never closed")
                            .with_label(Span::new(self.file, at..at + 1), "the string starts here")
                            .with_help("strings end with `\"` on the same line; write `\\\"` for a quote inside one"),
                    );
                    return i;
                }
                Some(_) => i += self.char_len(i),
            }
        }
    }

    fn open_bracket(&mut self, at: usize, bracket: char) -> usize {
        self.chunk.has_content = true;
        self.chunk.previous_word_was_world = false;
        self.chunk.open.push((at, bracket));
        if self.chunk.open.len() == MAX_NESTING_DEPTH + 1 {
            self.report(
                Diagnostic::error(
                    "nesting-too-deep",
                    format!("nesting deeper than {MAX_NESTING_DEPTH} levels"),
                )
                .with_label(
                    Span::new(self.file, at..at + 1),
                    "this bracket is one level too deep",
                )
                .with_help("split the condition into smaller rules that refer to each other"),
            );
        }
        at + 1
    }

    fn close_bracket(&mut self, at: usize, bracket: char) -> usize {
        self.chunk.has_content = true;
        self.chunk.previous_word_was_world = false;
        let expected_opener = if bracket == ')' { '(' } else { '[' };
        match self.chunk.open.pop() {
            Some((_, opener)) if opener == expected_opener => {}
            Some((open_at, opener)) => {
                let closer = if opener == '(' { ')' } else { ']' };
                self.report(
                    Diagnostic::error(
                        "unbalanced-brackets",
                        format!("`{bracket}` does not close the `{opener}` before it"),
                    )
                    .with_label(
                        Span::new(self.file, at..at + 1),
                        format!("expected `{closer}` here"),
                    )
                    .with_label(Span::new(self.file, open_at..open_at + 1), "opened here"),
                );
            }
            None => self.report(
                Diagnostic::error("unbalanced-brackets", format!("`{bracket}` closes nothing"))
                    .with_label(
                        Span::new(self.file, at..at + 1),
                        "no opening bracket before it",
                    )
                    .with_help(format!(
                        "remove it, or add the `{expected_opener}` it closes"
                    )),
            ),
        }
        at + 1
    }

    /// Stops scanning: everything from `at` on is left unparsed.
    fn too_many_declarations(&mut self, at: usize) {
        self.diagnostics.push(
            Diagnostic::error(
                "too-many-declarations",
                format!("the file has more than {MAX_DECLARATIONS} declarations"),
            )
            .with_label(
                Span::new(self.file, at..at),
                "the rest of the file is not read",
            )
            .with_help("split the rules into several files"),
        );
        self.chunks.push(Chunk {
            start: at,
            end: self.text.len(),
            has_error: true,
        });
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.chunk.has_error = true;
        self.diagnostics.push(diagnostic);
    }

    fn finish_chunk(&mut self, end: usize) {
        if let Some(&(open_at, opener)) = self.chunk.open.last() {
            if !self.chunk.has_error {
                let closer = if opener == '(' { ')' } else { ']' };
                self.report(
                    Diagnostic::error(
                        "unbalanced-brackets",
                        format!("this `{opener}` is never closed"),
                    )
                    .with_label(Span::new(self.file, open_at..open_at + 1), "opened here")
                    .with_help(format!("add `{closer}` where the bracketed part ends")),
                );
            }
        }
        let text = self.text.get(self.chunk.start..end).unwrap_or("");
        if !is_blank(text) {
            self.chunks.push(Chunk {
                start: self.chunk.start,
                end,
                has_error: self.chunk.has_error,
            });
        }
        self.chunk = ChunkState::new(end);
    }
}

/// The name a declaration's text declares (`fact NAME`, `world fact NAME`,
/// `rule NAME`), read without parsing, for declarations that failed to parse.
pub(crate) fn declared_name(declaration: &str) -> Option<&str> {
    let code = declaration
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect::<Vec<_>>();
    let mut words = code
        .iter()
        .flat_map(|line| line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')))
        .filter(|word| !word.is_empty());
    let name = match words.next()? {
        "world" => words.nth(1)?,
        "fact" | "rule" => words.next()?,
        _ => return None,
    };
    let is_name = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_');
    is_name.then_some(name)
}

/// Whether a piece of text holds nothing but blanks and plain `#` comments.
fn is_blank(text: &str) -> bool {
    text.lines().all(|line| {
        let line = line.trim_start_matches([' ', '\t', '\r', '\u{feff}']);
        line.is_empty() || (line.starts_with('#') && !line.starts_with("##"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(text: &str) -> Vec<&str> {
        let (chunks, diagnostics) = split_declarations(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        chunks.iter().map(|c| text[c.start..c.end].trim()).collect()
    }

    #[test]
    fn splits_at_declaration_keywords_keeping_doc_comments_with_the_next() {
        let text = "# header\nworld fact a: bool\n## doc\nfact b: bool fixed\nrule r requires a # rule in comment\n and \"rule\" in [\"x\"]\n";
        assert_eq!(
            chunks(text),
            [
                "# header\nworld fact a: bool",
                "## doc\nfact b: bool fixed",
                "rule r requires a # rule in comment\n and \"rule\" in [\"x\"]"
            ]
        );
    }

    #[test]
    fn reports_unclosed_strings_and_brackets() {
        let (chunks, diagnostics) =
            split_declarations(FileId(0), "rule r requires (a\nrule s requires \"x\n");
        let codes: Vec<_> = diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["unbalanced-brackets", "unclosed-string"]);
        assert!(chunks.iter().all(|c| c.has_error));
    }

    #[test]
    fn reads_the_name_of_a_broken_declaration() {
        assert_eq!(declared_name("## doc\nworld fact a b c"), Some("a"));
        assert_eq!(declared_name("# c\nrule deploy requires ("), Some("deploy"));
        assert_eq!(declared_name("fact"), None);
        assert_eq!(declared_name("junk here"), None);
    }

    #[test]
    fn rejects_nesting_beyond_the_limit_once() {
        let text = format!("rule r requires {}a{}", "(".repeat(100), ")".repeat(100));
        let (_, diagnostics) = split_declarations(FileId(0), &text);
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, "nesting-too-deep");
    }
}

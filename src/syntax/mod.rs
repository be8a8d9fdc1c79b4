//! Syntax: rule text to a typed AST with spans.
//!
//! [`parse_file`] runs in three steps: a lexical pre-pass (`scan`) splits
//! the file into declarations and rejects unclosed strings, unbalanced
//! brackets and over-deep nesting; pest parses each declaration with the
//! grammar in `grammar/prereq.pest`; `parser` builds the [`ast`] from
//! pest's pairs. Errors in one declaration do not hide errors in the next.
//! A hand-written recursive descent (`fast`) reads well-formed declarations
//! first, several times faster, and leaves the rest — every declaration
//! with something to report — to pest, so pest's grammar stays the
//! definition of the language and the source of every syntax diagnostic.
//!
//! Architecture invariant: this layer knows nothing of other files, of what
//! names mean, or of facts. It never fails as a whole: it returns what it
//! could parse together with every diagnostic it found.

pub mod ast;
mod errors;
mod fast;
mod literal;
mod parser;
mod scan;

use crate::diagnostic::Diagnostic;
use crate::limits::MAX_RULE_FILE_BYTES;
use crate::source::{FileId, Span};

/// Whether a character is a blank to the grammar (`WHITESPACE`): a space,
/// a tab, a line break or a byte order mark. Other Unicode spaces are not
/// blanks there, and may only stand inside comments, which keep them.
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\u{feff}')
}

/// The grammar's reserved words (its `keyword` rule): never names.
pub(crate) const KEYWORDS: [&str; 16] = [
    "fact", "world", "rule", "requires", "unless", "and", "or", "not", "in", "true", "false",
    "fixed", "bool", "number", "string", "set",
];

/// Parses one rule file into its declarations, collecting syntax errors.
///
/// ```
/// use prereq::{Sources, syntax};
/// let mut sources = Sources::default();
/// let text = "fact legal_basis: bool\nrule deploy requires legal_basis and\n";
/// let id = sources.add("a.rules", text);
/// let (file, diagnostics) = syntax::parse_file(id, text);
/// assert_eq!(file.declarations.len(), 1);
/// assert_eq!(diagnostics[0].message, "expected an expression (a name, a value, `not`, `-` or `(`), found the end of the file");
/// ```
pub fn parse_file(id: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_file_by(id, text, Parsers::FastPathFirst)
}

/// [`parse_file`] with every declaration parsed by pest and the AST
/// builder, none by the fast path. The two must agree on every input: tests
/// and the `parse_check` fuzz target compare them.
///
/// ```
/// use prereq::{Sources, syntax};
/// let mut sources = Sources::default();
/// let text = "fact legal_basis: bool\nrule deploy requires legal_basis\n";
/// let id = sources.add("a.rules", text);
/// assert_eq!(syntax::parse_file_with_pest(id, text), syntax::parse_file(id, text));
/// ```
#[doc(hidden)]
pub fn parse_file_with_pest(id: FileId, text: &str) -> (ast::File, Vec<Diagnostic>) {
    parse_file_by(id, text, Parsers::PestOnly)
}

/// Which parsers read a declaration.
#[derive(Clone, Copy, PartialEq)]
enum Parsers {
    /// The fast path, and pest where it gives up.
    FastPathFirst,
    /// pest alone.
    PestOnly,
}

fn parse_file_by(id: FileId, text: &str, parsers: Parsers) -> (ast::File, Vec<Diagnostic>) {
    if text.len() > MAX_RULE_FILE_BYTES {
        let file = ast::File {
            id,
            declarations: Vec::new(),
            broken_names: Vec::new(),
            incomplete: true,
        };
        let too_large = Diagnostic::error(
            "file-too-large",
            format!("the file is larger than {} MiB", MAX_RULE_FILE_BYTES >> 20),
        )
        .with_label(Span::new(id, 0..0), "not parsed")
        .with_help("split the rules into several files");
        return (file, vec![too_large]);
    }
    let (chunks, mut diagnostics) = scan::split_declarations(id, text);
    let mut file = ast::File {
        id,
        declarations: Vec::with_capacity(chunks.len()),
        broken_names: Vec::new(),
        incomplete: false,
    };
    let parse = |chunk: &scan::Chunk| {
        let mut found = Vec::new();
        let fast = || match parsers {
            Parsers::FastPathFirst => fast::parse_declaration(id, text, chunk.start, chunk.end),
            Parsers::PestOnly => None,
        };
        let parsed = match chunk.has_error {
            true => None,
            false => fast().or_else(|| {
                parser::parse_declaration(id, text, chunk.start, chunk.end, &mut found)
            }),
        };
        (parsed, found)
    };
    // Declarations parse independently: on every core for large files.
    let parsed = crate::parallel::map_in_order(&chunks, parse);
    for (chunk, (parsed, found)) in chunks.iter().zip(parsed) {
        diagnostics.extend(found);
        match parsed {
            Some(declaration) => file.declarations.push(declaration),
            None => {
                file.incomplete = true;
                let chunk_text = text.get(chunk.start..chunk.end).unwrap_or("");
                file.broken_names
                    .extend(scan::declared_name(chunk_text).map(str::to_string));
            }
        }
    }
    (file, diagnostics)
}

/// The byte ranges of a file's declarations, each with the comments and
/// blank lines that follow it (the formatter lays them out again).
pub(crate) fn scan_chunks(id: FileId, text: &str) -> Vec<std::ops::Range<usize>> {
    scan::split_declarations(id, text)
        .0
        .into_iter()
        .map(|chunk| chunk.start..chunk.end)
        .collect()
}

//! Source files and byte spans.
//!
//! Every layer points into the rule text with a [`Span`]: a file id plus a
//! byte range. Line and column numbers are computed only when a diagnostic is
//! rendered ([`SourceFile::line_col`]), through a per-file table of line starts,
//! so that parsing and checking never pay for them.
//!
//! Invariant: a span's range lies on `char` boundaries of its file's text.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// Identifies one file of a rule set: an index into [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub(crate) u32);

/// A byte range in one source file.
///
/// ```
/// use prereq::{Sources, Span};
/// let mut sources = Sources::default();
/// let file = sources.add("a.rules", "fact x: bool\n");
/// let span = Span::new(file, 5..6);
/// assert_eq!(sources.snippet(span), "x");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// A span over `range` of `file`.
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span {
            file,
            start: saturating_u32(range.start),
            end: saturating_u32(range.end),
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// The byte range as `usize` indices.
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    /// Line number, from 1.
    pub line: usize,
    /// Column number in characters, from 1.
    pub column: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One source file: its name as shown to people, and its text.
#[derive(Debug)]
pub struct SourceFile {
    name: String,
    text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// The name shown in diagnostics (usually the path as given).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The full text of the file.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Line `index` (from 0) without its line break.
    ///
    /// ```
    /// let mut sources = prereq::Sources::default();
    /// let id = sources.add("f", "ab\r\ncd");
    /// let file = sources.file(id).unwrap();
    /// assert_eq!((file.line(0), file.line(1), file.line(2)), (Some("ab"), Some("cd"), None));
    /// ```
    pub fn line(&self, index: usize) -> Option<&str> {
        let start = *self.line_starts.get(index)?;
        let end = self
            .line_starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line = self.text.get(start..end)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// How many lines the text has (a final line break starts an empty last line).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The byte offset where line `index` (from 0) starts.
    pub fn line_start(&self, index: usize) -> Option<usize> {
        self.line_starts.get(index).copied()
    }

    /// Line and column of a byte offset (clamped to the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line_index = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |prefix| prefix.chars().count());
        LineCol {
            line: line_index + 1,
            column: column + 1,
        }
    }
}

/// The table of all files in a rule set, shared by every diagnostic.
#[derive(Debug, Default, Clone)]
pub struct Sources {
    files: Vec<Arc<SourceFile>>,
}

impl Sources {
    /// Adds a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(saturating_u32(self.files.len()));
        self.files
            .push(Arc::new(SourceFile::new(name.into(), text.into())));
        id
    }

    /// The file with this id.
    ///
    /// Ids come only from [`Sources::add`] on this table, so the lookup
    /// cannot fail for ids handed out by the same table.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize).map(Arc::as_ref)
    }

    /// All files with their ids, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, file)| (FileId(saturating_u32(i)), file.as_ref()))
    }

    /// The text a span covers (empty if the span does not fit its file).
    pub fn snippet(&self, span: Span) -> &str {
        self.file(span.file)
            .and_then(|file| file.text.get(span.range()))
            .unwrap_or("")
    }

    /// `name:line:column` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        match self.file(span.file) {
            Some(file) => format!("{}:{}", file.name, file.line_col(span.start as usize)),
            None => "<unknown>".to_string(),
        }
    }
}

/// Line and column of the first invalid byte of text that is not UTF-8.
pub(crate) fn utf8_error_location(error: &std::string::FromUtf8Error) -> LineCol {
    let valid = error.utf8_error().valid_up_to();
    let prefix = String::from_utf8_lossy(error.as_bytes().get(..valid).unwrap_or(&[])).into_owned();
    LineCol {
        line: prefix.matches('\n').count() + 1,
        column: prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let mut sources = Sources::default();
        let id = sources.add("f", "ab\nçd\n");
        let file = sources.file(id).unwrap();
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // 'ç' is two bytes: byte 5 is the 'd', column 2.
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(file.line_col(99), LineCol { line: 3, column: 1 });
    }
}

//! Rendering diagnostics on stderr with source snippets (miette).
//!
//! Library diagnostics carry spans into any file of the rule set; miette
//! draws one source per report, so labels in the primary file are drawn
//! there and labels in other files are listed as `file:line:col` notes.
//!
//! Two things miette does not do for us. It reads snippets by scanning a
//! source from its start, which for thousands of diagnostics in one large
//! file is quadratic: here it is handed a window of a few lines around
//! each span, found through the file's line index. And it prints source
//! lines as they are: here every file is shown escaped ([`Shown`]), with
//! the spans mapped onto the escaped text, and so are messages, help and
//! facts problems — no file can clear the screen or reorder a line.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, SourceCode, SourceSpan,
    SpanContents,
};
use prereq::text::{escape, is_unsafe};
use prereq::{
    Diagnostic, Diagnostics, FactProblem, FactsError, FileId, Severity, SourceFile, Sources,
};

/// Writes diagnostics and errors to stderr, with or without colour.
pub struct Painter {
    handler: GraphicalReportHandler,
    color: bool,
}

impl Painter {
    pub fn new(color: bool) -> Painter {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        Painter {
            handler: GraphicalReportHandler::new_themed(theme).with_width(100),
            color,
        }
    }

    /// A painter without colour, for messages outside a command's run.
    pub fn plain() -> Painter {
        Painter::new(false)
    }

    /// Renders every diagnostic; each file is escaped once for all of them.
    pub fn diagnostics(&self, diagnostics: &Diagnostics) {
        let mut shown: HashMap<FileId, Shown> = HashMap::new();
        let mut out = String::new();
        for diagnostic in diagnostics.iter() {
            out.push_str(&self.render(diagnostic, diagnostics.sources(), &mut shown));
        }
        write_stderr(&out);
    }

    /// A closing line counting errors and warnings.
    pub fn summary(&self, diagnostics: &Diagnostics) {
        let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let errors = diagnostics.errors().count();
        let warnings = diagnostics.warnings().count();
        let mut line = count(errors, "error");
        if warnings > 0 {
            line = format!("{line}, {}", count(warnings, "warning"));
        }
        write_stderr(&format!("{}: {line}\n", self.bold("failed")));
    }

    /// A one-line error with no source snippet.
    pub fn error(&self, message: &str) {
        write_stderr(&format!("{}: {}\n", self.red("error"), escape(message)));
    }

    /// A one-line error and what to do about it.
    pub fn error_with_help(&self, message: &str, help: &str) {
        self.error(message);
        write_stderr(&format!("  {}: {}\n", self.bold("help"), escape(help)));
    }

    /// A one-line note: something done that the user should know of.
    pub fn note(&self, message: &str) {
        write_stderr(&format!("{}: {}\n", self.bold("note"), escape(message)));
    }

    /// A facts problem list, one problem a line with its path.
    pub fn facts_error(&self, error: &FactsError) {
        match error {
            FactsError::Invalid { origin, problems } => {
                let mut out = self.problems("error", origin, problems);
                let n = problems.len();
                out.push_str(&format!(
                    "{}: {n} problem{} in {}\n",
                    self.bold("failed"),
                    if n == 1 { "" } else { "s" },
                    escape(origin)
                ));
                write_stderr(&out);
            }
            other => self.error(&other.to_string()),
        }
    }

    /// Warnings about facts that fit but look wrong.
    pub fn facts_warnings(&self, origin: &str, warnings: &[FactProblem]) {
        if !warnings.is_empty() {
            write_stderr(&self.problems("warning", origin, warnings));
        }
    }

    fn problems(&self, kind: &str, origin: &str, problems: &[FactProblem]) -> String {
        let label = if kind == "error" {
            self.red(kind)
        } else {
            self.bold(kind)
        };
        let mut out = String::new();
        for problem in problems {
            out.push_str(&format!(
                "{label}: {}: {}: {}\n",
                escape(origin),
                escape(&problem.path),
                escape(&problem.message)
            ));
            if let Some(help) = &problem.help {
                out.push_str(&format!("  help: {}\n", escape(help)));
            }
        }
        out
    }

    fn render(
        &self,
        diagnostic: &Diagnostic,
        sources: &Sources,
        shown: &mut HashMap<FileId, Shown>,
    ) -> String {
        let primary_file = diagnostic.primary_span().map(|span| span.file);
        let source = primary_file.and_then(|id| {
            let file = sources.file(id)?;
            Some(&*shown.entry(id).or_insert_with(|| Shown::of(file)))
        });
        let mut labels = Vec::new();
        let mut notes = Vec::new();
        for (index, label) in diagnostic.labels.iter().enumerate() {
            match source.filter(|_| Some(label.span.file) == primary_file) {
                Some(source) => {
                    let text =
                        (!label.message.is_empty()).then(|| escape(&label.message).into_owned());
                    let start = source.offset(label.span.start as usize);
                    let end = source.offset(label.span.end as usize);
                    let span = (start, end - start);
                    labels.push(if index == 0 {
                        LabeledSpan::new_primary_with_span(text, span)
                    } else {
                        LabeledSpan::new_with_span(text, span)
                    });
                }
                None => notes.push(format!(
                    "{}: {}",
                    escape(&sources.location(label.span)),
                    escape(&label.message)
                )),
            }
        }
        let mut help = diagnostic
            .help
            .as_deref()
            .map(|h| escape(h).into_owned())
            .unwrap_or_default();
        for note in notes {
            help = if help.is_empty() {
                note
            } else {
                format!("{help}\n{note}")
            };
        }
        let report = Report {
            message: escape(&diagnostic.message).into_owned(),
            code: diagnostic.code,
            severity: match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            help: (!help.is_empty()).then_some(help),
            labels,
            source,
        };
        let mut out = String::new();
        if self.handler.render_report(&mut out, &report).is_err() {
            out = diagnostic.render(sources);
        }
        out.push('\n');
        out
    }

    fn red(&self, text: &str) -> String {
        self.styled(text, "1;31")
    }

    fn bold(&self, text: &str) -> String {
        self.styled(text, "1")
    }

    fn styled(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn write_stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// One diagnostic as miette draws it.
struct Report<'a> {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    labels: Vec<LabeledSpan>,
    source: Option<&'a Shown>,
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty())
            .then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

/// A source file as the terminal may see it: every unsafe character
/// escaped except tabs and line breaks, with a map from the file's byte
/// offsets to the escaped text's, and where its lines start.
struct Shown {
    name: String,
    text: String,
    /// (offset in the file just past an escaped character, bytes added so far).
    shifts: Vec<(usize, usize)>,
    line_starts: Vec<usize>,
}

impl Shown {
    fn of(file: &SourceFile) -> Shown {
        let original = file.text();
        let mut text = String::with_capacity(original.len());
        let mut shifts = Vec::new();
        let mut chars = original.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            let line_break =
                c == '\n' || (c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n'));
            if is_unsafe(c) && c != '\t' && !line_break {
                let escaped = escape(c.encode_utf8(&mut [0; 4])).into_owned();
                let added =
                    shifts.last().map_or(0, |(_, added)| *added) + escaped.len() - c.len_utf8();
                text.push_str(&escaped);
                shifts.push((at + c.len_utf8(), added));
            } else {
                text.push(c);
            }
        }
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Shown {
            name: escape(file.name()).into_owned(),
            text,
            shifts,
            line_starts,
        }
    }

    /// Where a byte offset of the file lies in the escaped text.
    fn offset(&self, original: usize) -> usize {
        let index = self.shifts.partition_point(|(at, _)| *at <= original);
        let added = index
            .checked_sub(1)
            .and_then(|i| self.shifts.get(i))
            .map_or(0, |(_, added)| *added);
        (original + added).min(self.text.len())
    }

    /// The line (from 0) an escaped offset lies on.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|start| *start <= offset)
            .saturating_sub(1)
    }
}

impl SourceCode for Shown {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let first = self
            .line_of(span.offset())
            .saturating_sub(context_lines_before + 1);
        let last = self.line_of(span.offset() + span.len()) + context_lines_after + 2;
        let start = self.line_starts.get(first).copied().unwrap_or(0);
        let end = self
            .line_starts
            .get(last)
            .copied()
            .unwrap_or(self.text.len());
        let window = self.text.get(start..end).ok_or(MietteError::OutOfBounds)?;
        let local = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(Window {
            data: inner.data(),
            span: SourceSpan::new((inner.span().offset() + start).into(), inner.span().len()),
            line: inner.line() + first,
            column: inner.column(),
            line_count: inner.line_count() + first,
            name: &self.name,
        }))
    }
}

/// The lines around a span, placed back where they are in the file.
struct Window<'a> {
    data: &'a [u8],
    span: SourceSpan,
    line: usize,
    column: usize,
    line_count: usize,
    name: &'a str,
}

impl<'a> SpanContents<'a> for Window<'a> {
    fn data(&self) -> &'a [u8] {
        self.data
    }

    fn span(&self) -> &SourceSpan {
        &self.span
    }

    fn line(&self) -> usize {
        self.line
    }

    fn column(&self) -> usize {
        self.column
    }

    fn line_count(&self) -> usize {
        self.line_count
    }

    fn name(&self) -> Option<&str> {
        Some(self.name)
    }
}

//! Diagnostics: errors and warnings about rule files, as data.
//!
//! Every layer reports problems as [`Diagnostic`] values — a severity, a
//! stable code, a message, labelled [`Span`]s and an optional help line —
//! rather than as strings, so that embedders can inspect them, the CLI can
//! render them with source snippets, and tests can assert on them.
//!
//! [`Diagnostics`] bundles a list of them with the [`Sources`] they point
//! into; its `Display` renders a plain, rustc-like form (location, message,
//! the source line underlined, help) that needs no terminal support.

use std::fmt::{self, Write as _};

use crate::source::{Sources, Span};
use crate::text::escape;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The rule set is unusable until this is fixed.
    Error,
    /// Worth fixing, but the rule set still evaluates.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// A span with a short message shown under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What to say there (may be empty).
    pub message: String,
}

/// One error or warning, pointing into the rule text.
///
/// ```
/// use prereq::{Diagnostic, Severity, Sources, Span};
/// let mut sources = Sources::default();
/// let file = sources.add("a.rules", "rule r requires x\n");
/// let diagnostic = Diagnostic::error("undeclared-name", "`x` is not declared")
///     .with_label(Span::new(file, 16..17), "not a fact or a rule")
///     .with_help("declare it with `fact x: bool`");
/// assert_eq!(diagnostic.severity, Severity::Error);
/// assert_eq!(sources.location(diagnostic.primary_span().unwrap()), "a.rules:1:17");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case name for the kind of problem, e.g. `undeclared-name`.
    pub code: &'static str,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where; the first label is the primary location.
    pub labels: Vec<Label>,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error with no location yet.
    pub fn error(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, message)
    }

    /// A new warning with no location yet.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    /// Adds a labelled span; the first one added is the primary location.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// The primary location, if the diagnostic has one.
    pub fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|label| label.span)
    }

    /// Renders the diagnostic in the plain form used by [`Diagnostics`]'
    /// `Display`; text from the files is escaped ([`crate::text::escape`]).
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let location = match self.primary_span() {
            Some(span) => format!("{}: ", escape(&sources.location(span))),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "{location}{}[{}]: {}",
            self.severity,
            self.code,
            escape(&self.message)
        );
        for (index, label) in self.labels.iter().enumerate() {
            if index > 0 {
                let _ = writeln!(out, "  --> {}", escape(&sources.location(label.span)));
            }
            render_underline(&mut out, sources, label);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  help: {}", escape(help));
        }
        out
    }
}

/// Writes the source line of a label with carets under the labelled part.
fn render_underline(out: &mut String, sources: &Sources, label: &Label) {
    let Some(file) = sources.file(label.span.file) else {
        return;
    };
    let text = file.text();
    let start = (label.span.start as usize).min(text.len());
    let line_start = text
        .get(..start)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = text
        .get(start..)
        .and_then(|t| t.find('\n'))
        .map_or(text.len(), |i| start + i);
    let line = text.get(line_start..line_end).unwrap_or("");
    let line = line.strip_suffix('\r').unwrap_or(line);
    // The label may start on the line's trailing CR, past the trimmed line.
    let line_stop = (line_start + line.len()).max(start);
    let end = (label.span.end as usize).clamp(start, line_stop);
    let shown_width =
        |from: usize, to: usize| text.get(from..to).map_or(0, |t| escape(t).chars().count());
    let column = shown_width(line_start, start);
    let width = shown_width(start, end).max(1);
    let number = file.line_col(start).line.to_string();
    let gutter = " ".repeat(number.len());
    let _ = writeln!(out, "{number} | {}", escape(line));
    let _ = writeln!(
        out,
        "{gutter} | {}{} {}",
        " ".repeat(column),
        "^".repeat(width),
        escape(&label.message)
    );
}

/// A list of diagnostics together with the sources they point into.
///
/// This is the error type of loading a rule set: it prints every problem found,
/// each with its location, and carries them as data for programs.
#[derive(Debug, Clone, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    sources: Sources,
}

impl Diagnostics {
    /// Bundles diagnostics with their sources, ordered by file and position.
    pub fn new(mut items: Vec<Diagnostic>, sources: Sources) -> Diagnostics {
        items.sort_by_key(|d| {
            d.primary_span()
                .map(|s| (s.file, s.start))
                .unwrap_or((crate::source::FileId(u32::MAX), u32::MAX))
        });
        Diagnostics { items, sources }
    }

    /// Every diagnostic, errors and warnings, ordered by location.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.severity == Severity::Error)
    }

    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// Whether there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The sources the diagnostics point into.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, diagnostic) in self.items.iter().enumerate() {
            if index > 0 {
                f.write_char('\n')?;
            }
            f.write_str(&diagnostic.render(&self.sources))?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_underline_and_help() {
        let mut sources = Sources::default();
        let file = sources.add("a.rules", "fact a: bool\nrule r requires b\n");
        let diagnostic = Diagnostic::error("undeclared-name", "`b` is not declared")
            .with_label(Span::new(file, 29..30), "unknown name")
            .with_help("did you mean `a`?");
        assert_eq!(
            diagnostic.render(&sources),
            "a.rules:2:17: error[undeclared-name]: `b` is not declared\n\
             2 | rule r requires b\n  \
             |                 ^ unknown name\n  \
             help: did you mean `a`?\n"
        );
    }
}

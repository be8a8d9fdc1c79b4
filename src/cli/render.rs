//! Rendering diagnostics on stderr with source snippets (miette).
//!
//! Library diagnostics carry spans into any file of the rule set; miette
//! draws one source per report, so labels in the primary file are drawn
//! there and labels in other files are listed as `file:line:col` notes.

use std::io::Write;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use prereq::{Diagnostic, Diagnostics, FactsError, Severity, Sources};

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

    /// Renders every diagnostic.
    pub fn diagnostics(&self, diagnostics: &Diagnostics) {
        let mut out = String::new();
        for diagnostic in diagnostics.iter() {
            out.push_str(&self.render(diagnostic, diagnostics.sources()));
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
        write_stderr(&format!("{}: {message}\n", self.red("error")));
    }

    /// A facts problem list, one problem a line with its path.
    pub fn facts_error(&self, error: &FactsError) {
        match error {
            FactsError::Invalid { origin, problems } => {
                let mut out = String::new();
                for problem in problems {
                    out.push_str(&format!(
                        "{}: {origin}: {}: {}\n",
                        self.red("error"),
                        problem.path,
                        problem.message
                    ));
                    if let Some(help) = &problem.help {
                        out.push_str(&format!("  help: {help}\n"));
                    }
                }
                let n = problems.len();
                out.push_str(&format!(
                    "{}: {n} problem{} in {origin}\n",
                    self.bold("failed"),
                    if n == 1 { "" } else { "s" }
                ));
                write_stderr(&out);
            }
            other => self.error(&other.to_string()),
        }
    }

    fn render(&self, diagnostic: &Diagnostic, sources: &Sources) -> String {
        let primary_file = diagnostic.primary_span().map(|span| span.file);
        let mut labels = Vec::new();
        let mut notes = Vec::new();
        for (index, label) in diagnostic.labels.iter().enumerate() {
            if Some(label.span.file) == primary_file {
                let text = (!label.message.is_empty()).then(|| label.message.clone());
                let range = label.span.range();
                let span = (range.start, range.end - range.start);
                labels.push(if index == 0 {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                });
            } else {
                notes.push(format!(
                    "{}: {}",
                    sources.location(label.span),
                    label.message
                ));
            }
        }
        let mut help = diagnostic.help.clone().unwrap_or_default();
        for note in notes {
            help = if help.is_empty() {
                note
            } else {
                format!("{help}\n{note}")
            };
        }
        let mut report = MietteDiagnostic::new(diagnostic.message.clone())
            .with_code(diagnostic.code)
            .with_severity(match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            })
            .with_labels(labels);
        if !help.is_empty() {
            report = report.with_help(help);
        }
        let source = primary_file.and_then(|id| sources.file(id));
        let report = match source {
            Some(file) => miette::Report::new(report)
                .with_source_code(NamedSource::new(file.name(), file.text().to_string())),
            None => miette::Report::new(report),
        };
        let mut out = String::new();
        if self
            .handler
            .render_report(&mut out, report.as_ref())
            .is_err()
        {
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

//! `prereq fmt`: rule files rewritten in the canonical layout.

use std::path::{Path, PathBuf};

use clap::Args;

use super::files::write_file;
use super::output::Output;
use super::{ColorChoice, EXIT_INVALID, Outcome, painter, print};

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Rule files, or directories searched for *.rules files.
    #[arg(required = true, value_name = "PATHS")]
    paths: Vec<PathBuf>,

    /// Change nothing: list the files that are not formatted, and exit 1 if any.
    #[arg(long)]
    check: bool,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

pub fn run(args: &FmtArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.color);
    let mut files = Vec::new();
    for path in &args.paths {
        files.extend(prereq::rule_files_of(path).map_err(|error| {
            painter.error(&error.to_string());
            EXIT_INVALID
        })?);
    }
    let (mut unformatted, mut failed) = (0, false);
    for file in files {
        let shown = prereq::text::escape(&file.display().to_string()).into_owned();
        match format_file(&file, args.check) {
            Ok(false) => {}
            Ok(true) if args.check => {
                print(out, &format!("{shown}\n"))?;
                unformatted += 1;
            }
            Ok(true) => print(out, &format!("formatted {shown}\n"))?,
            Err(problem) => {
                painter.error(&format!("{shown}: {problem}"));
                failed = true;
            }
        }
    }
    if failed || unformatted > 0 {
        Err(EXIT_INVALID)
    } else {
        Ok(())
    }
}

/// Formats one file; returns whether it changed (or would change, with
/// `check`). A file that does not parse is never touched; the new text
/// replaces the old as [`write_file`] does it (atomically, links resolved,
/// owner and permissions kept).
fn format_file(path: &Path, check: bool) -> Result<bool, String> {
    let rules = prereq::RuleSet::read_source(path).map_err(|error| error.to_string())?;
    let formatted = prereq::format::format_source(&rules).map_err(|errors| {
        let first = errors
            .first()
            .map_or(String::new(), |e| format!(" (first: {})", e.message));
        format!("has syntax errors; not formatted{first}; run `prereq validate` for details")
    })?;
    if formatted == rules {
        return Ok(false);
    }
    if !check {
        write_file(path, |out| out.write_all(formatted.as_bytes()))?;
    }
    Ok(true)
}

//! `prereq test`: the rule tests in `*.test.toml` files.

use std::path::{Path, PathBuf};

use clap::Args;
use prereq::report::analysis;
use prereq::testing::{self, TestOutcome, TestResult};
use prereq::text::escape;

use super::output::Output;
use super::{ColorChoice, EXIT_INVALID, Outcome, painter, print};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files, or directories searched for *.test.toml files.
    #[arg(required = true, value_name = "PATHS")]
    paths: Vec<PathBuf>,

    /// The directory the paths in test files must stay under (default: the
    /// directory given, or the test file's own directory).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

pub fn run(args: &TestArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.color);
    let style = args.color.stdout_style();
    let mut files: Vec<(PathBuf, PathBuf)> = Vec::new();
    for path in &args.paths {
        let root = args.root.clone().unwrap_or_else(|| default_root(path));
        let found = testing::test_files(path).map_err(|e| {
            painter.error(&format!("{}: {e}", path.display()));
            EXIT_INVALID
        })?;
        files.extend(found.into_iter().map(|file| (file, root.clone())));
    }
    if files.is_empty() {
        painter.error("no *.test.toml files found");
        return Err(EXIT_INVALID);
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut failures = String::new();
    let mut report = String::new();
    for (file, root) in &files {
        let results = match testing::run_file(file, root) {
            Ok(results) => results,
            Err(error) => {
                painter.error(&error.to_string());
                failed += 1;
                continue;
            }
        };
        report.push_str(&format!(
            "\nrunning {} tests from {}\n",
            results.len(),
            escape(&file.display().to_string())
        ));
        for result in results {
            let name = escape(&result.name).into_owned();
            let status = match &result.outcome {
                TestOutcome::Passed => "ok",
                TestOutcome::Failed(_) => "FAILED",
                TestOutcome::Broken(_) => "BROKEN",
            };
            report.push_str(&format!("test {name} ... {status}\n"));
            match result.outcome {
                TestOutcome::Passed => passed += 1,
                _ => {
                    failed += 1;
                    failures.push_str(&failure(&name, &result, style));
                }
            }
        }
    }
    if !failures.is_empty() {
        report.push_str("\nfailures:\n");
        report.push_str(&failures);
    }
    report.push_str(&format!("\nresult: {passed} passed, {failed} failed\n"));
    print(out, report.trim_start())?;
    if failed > 0 {
        Err(EXIT_INVALID)
    } else {
        Ok(())
    }
}

/// Where a path's test files must keep their paths: the directory itself,
/// or a file's directory.
fn default_root(path: &Path) -> PathBuf {
    if path.is_dir() {
        return path.to_path_buf();
    }
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What went wrong in a test, with the explanation of each wrong verdict.
fn failure(name: &str, result: &TestResult, style: prereq::report::table::Style) -> String {
    let mut text = format!("\n---- {name} ----\n");
    match &result.outcome {
        TestOutcome::Passed => {}
        TestOutcome::Broken(reason) => {
            let lines: Vec<_> = reason.lines().map(escape).collect();
            text.push_str(&format!("the test is broken: {}\n", lines.join("\n")));
        }
        TestOutcome::Failed(mismatches) => {
            for mismatch in mismatches {
                let who = mismatch
                    .entity
                    .as_deref()
                    .map_or("the world".to_string(), |e| escape(e).into_owned());
                text.push_str(&format!(
                    "{} for {who}: expected {}, got {}\n",
                    mismatch.rule, mismatch.expected, mismatch.actual
                ));
                if let Some(why) = &mismatch.explanation {
                    text.push_str(&analysis::explanation(why, style));
                }
            }
        }
    }
    text
}

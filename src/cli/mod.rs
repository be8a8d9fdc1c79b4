//! Command-line arguments and commands.
//!
//! Each command (a module of its own here) parses its arguments with clap,
//! calls the library, and prints: results on stdout through [`Output`],
//! whose every write is checked; diagnostics on stderr through
//! [`Painter`]. Nothing here decides a verdict or checks a rule; that is
//! the library's job.
//!
//! Exit codes: [`EXIT_INVALID`] (1) for invalid or unreadable input and for
//! output that could not be written, [`EXIT_USAGE`] (2) for a wrong command
//! line, [`EXIT_BUDGET`] (3) for an analysis that stopped at its budget
//! (its partial answer is printed), [`EXIT_BEYOND`] (4) for an analysis
//! whose question holds a test it does not reason about yet (it says which,
//! and what it left out).

mod bench_data;
mod check;
mod codegen;
mod compare;
mod diff;
mod explain;
mod facts;
mod files;
mod fmt;
mod leverage;
mod lint;
mod output;
mod progress;
mod render;
mod sql;
mod test;
mod unlock;
mod validate;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use prereq::batch::Columns;
use prereq::report::table;
use prereq::{AnalysisError, LoadError, RuleSet};

use output::Output;
use render::Painter;

/// Exit code: rules or facts are invalid or unreadable, or output could not be written.
const EXIT_INVALID: u8 = 1;
/// Exit code: the command line is wrong (clap uses the same).
const EXIT_USAGE: u8 = 2;
/// Exit code: an analysis ran out of its budget; its answer is partial.
const EXIT_BUDGET: u8 = 3;
/// Exit code: an analysis met a test it does not reason about yet (the
/// product of two facts, a string fact in a set fact); its answer says
/// what it left out.
const EXIT_BEYOND: u8 = 4;

/// Checks, for every entity, whether each rule's preconditions hold.
#[derive(Debug, Parser)]
#[command(name = "prereq", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success (whatever the verdicts), 1 invalid or unreadable rules or facts (or output that could not be written), 2 wrong usage, 3 an analysis ran out of its budget (its partial answer is printed), 4 an analysis met a test it does not reason about yet (it says which)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate every rule for every entity of a facts file and print the verdicts.
    Check(check::CheckArgs),
    /// Check rule files (and optionally a facts file) without evaluating; print diagnostics.
    Validate(validate::ValidateArgs),
    /// Why a verdict is what it is: the rule as a tree of values, deciding parts marked.
    Explain(explain::ExplainArgs),
    /// What it would take: every minimal set of fact changes that satisfies a rule.
    Unlock(unlock::UnlockArgs),
    /// Which verdicts differ between two facts snapshots, and which fact changes caused it.
    #[command(override_usage = "prereq diff [OPTIONS] <RULES>... --facts <OLD> --facts <NEW>")]
    Diff(diff::DiffArgs),
    /// Which single fact change brings the most entities to satisfy a rule.
    Leverage(leverage::LeverageArgs),
    /// Warnings about valid rules that are probably not what was meant (see docs/lints.md).
    Lint(lint::LintArgs),
    /// Whether two versions of a rule set can decide differently, with a witness.
    Compare(compare::CompareArgs),
    /// Rewrite rule files in the canonical layout (comments kept in place).
    Fmt(fmt::FmtArgs),
    /// Run the rule tests in *.test.toml files.
    Test(test::TestArgs),
    /// Write synthetic facts for rules/coalition.rules, to reproduce the benchmarks.
    BenchData(bench_data::BenchDataArgs),
    /// Write the rules as a Rust module: fact structs and one function per rule.
    Codegen(codegen::CodegenArgs),
    /// Write the rules as one SQL query that decides them in DuckDB, PostgreSQL, SQLite or Spark.
    Sql(sql::SqlArgs),
}

/// The rule files every command that evaluates takes.
#[derive(Debug, Args)]
struct RulesArgs {
    /// Rule files, or directories searched for *.rules files.
    #[arg(required = true, value_name = "RULES")]
    rules: Vec<PathBuf>,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

/// The rules and the one facts snapshot a command reads.
#[derive(Debug, Args)]
struct SnapshotArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The facts snapshot: a .toml, .json, .csv or .parquet file, or - for standard input.
    #[arg(long, value_name = "FILE")]
    facts: PathBuf,

    #[command(flatten)]
    options: facts::FactsOptions,
}

/// Table for people, or JSON for programs; each command says what its JSON holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled_for(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }

    /// The style of what goes to standard output.
    fn stdout_style(self) -> table::Style {
        table::Style {
            color: self.enabled_for(std::io::stdout().is_terminal()),
        }
    }
}

/// Parses the command line and runs the command.
pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(EXIT_USAGE));
        }
    };
    let mut out = Output::stdout();
    let outcome = match cli.command {
        Command::Check(args) => check::run(&args, &mut out),
        Command::Validate(args) => validate::run(&args, &mut out),
        Command::Explain(args) => explain::run(&args, &mut out),
        Command::Unlock(args) => unlock::run(&args, &mut out),
        Command::Diff(args) => diff::run(&args, &mut out),
        Command::Leverage(args) => leverage::run(&args, &mut out),
        Command::Lint(args) => lint::run(&args, &mut out),
        Command::Compare(args) => compare::run(&args, &mut out),
        Command::Fmt(args) => fmt::run(&args, &mut out),
        Command::Test(args) => test::run(&args, &mut out),
        Command::BenchData(args) => bench_data::run(&args, &mut out),
        Command::Codegen(args) => codegen::run(&args, &mut out),
        Command::Sql(args) => sql::run(&args, &mut out),
    };
    let written = out.finish();
    match (outcome, written) {
        (Err(code), _) => ExitCode::from(code),
        (Ok(()), Err(error)) => {
            output::report_failure(&error);
            ExitCode::from(EXIT_INVALID)
        }
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
    }
}

/// What a command comes to: `Err` holds its exit code.
type Outcome = Result<(), u8>;

/// Writes to standard output, or fails with the exit code of a failed write.
fn print(out: &mut Output, text: &str) -> Outcome {
    out.write(text.as_bytes()).map_err(|error| {
        output::report_failure(&error);
        EXIT_INVALID
    })
}

/// Writes a value as one line of JSON.
fn print_json(out: &mut Output, value: &impl serde::Serialize) -> Outcome {
    let text = serde_json::to_string(value).map_err(|error| {
        Painter::plain().error(&format!("cannot write JSON: {error}"));
        EXIT_INVALID
    })?;
    print(out, &text)?;
    print(out, "\n")
}

fn painter(color: ColorChoice) -> Painter {
    Painter::new(color.enabled_for(std::io::stderr().is_terminal()))
}

fn load_rules(args: &RulesArgs, painter: &Painter) -> Result<RuleSet, u8> {
    let rules = load_quietly(&args.rules, painter)?;
    painter.diagnostics(&rules.warnings());
    Ok(rules)
}

/// Loads rules, reporting errors (but not warnings).
fn load_quietly(paths: &[PathBuf], painter: &Painter) -> Result<RuleSet, u8> {
    RuleSet::load_all(paths).map_err(|error| {
        match error {
            LoadError::Invalid(diagnostics) => {
                painter.diagnostics(&diagnostics);
                painter.summary(&diagnostics);
            }
            other => painter.error(&other.to_string()),
        }
        EXIT_INVALID
    })
}

/// Reads the rules and one facts snapshot (what-ifs applied), saying so
/// on the progress line.
fn read_inputs(
    args: &SnapshotArgs,
    painter: &Painter,
    progress: &progress::Progress,
) -> Result<(RuleSet, Columns), u8> {
    progress.phase("reading rules");
    let rules = load_rules(&args.rules, painter)?;
    progress.phase("reading facts");
    let columns = facts::load(&rules, &args.facts, &args.options, painter)?;
    Ok((rules, columns))
}

/// An analysis error: unknown names and missing entities are usage errors.
fn analysis_failed(error: AnalysisError, painter: &Painter) -> u8 {
    painter.error(&error.to_string());
    match error {
        AnalysisError::Unsupported { .. } => EXIT_BEYOND,
        AnalysisError::UnknownName(_) | AnalysisError::EntityRequired { .. } => EXIT_USAGE,
    }
}

/// The exit code of an answer: 3 if the analysis stopped at its budget.
fn budget_outcome(complete: bool) -> Outcome {
    if complete { Ok(()) } else { Err(EXIT_BUDGET) }
}

/// The exit code of an answer: 3 if the analysis stopped at its budget,
/// else 4 if it left out what it does not reason about yet.
fn answer_outcome(complete: bool, beyond_nothing: bool) -> Outcome {
    budget_outcome(complete)?;
    if beyond_nothing {
        Ok(())
    } else {
        Err(EXIT_BEYOND)
    }
}

/// Writes a command's output to `path` ([`files::write_file`]) or, without
/// one, to standard output; a failure is reported and exits 1.
fn write_output(
    path: Option<&Path>,
    out: &mut Output,
    painter: &Painter,
    write: impl Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Outcome {
    match path {
        Some(path) => files::write_file(path, |writer| write(writer)).map_err(|error| {
            painter.error(&format!("{}: {error}", path.display()));
            EXIT_INVALID
        }),
        None => write(out.writer()).map_err(|error| {
            output::report_failure(&error);
            EXIT_INVALID
        }),
    }
}

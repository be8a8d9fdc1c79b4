//! Command-line arguments and commands.
//!
//! Each command parses its arguments with clap, calls the library, and
//! prints: results on stdout, diagnostics on stderr. Nothing here decides a
//! verdict or checks a rule; that is the library's job.

mod render;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use prereq::analysis::leverage::LeverageOptions;
use prereq::analysis::unlock::UnlockOptions;
use prereq::report::{analysis as render_analysis, table};
use prereq::{AnalysisError, Facts, LoadError, RuleSet, Snapshot};
use serde::Serialize;

use render::Painter;

/// Exit code: rules or facts are invalid or unreadable.
const EXIT_INVALID: u8 = 1;
/// Exit code: the command line is wrong (clap uses the same).
const EXIT_USAGE: u8 = 2;

/// Checks, for every entity, whether each rule's preconditions hold.
#[derive(Debug, Parser)]
#[command(name = "prereq", version, about, long_about = None)]
#[command(
    after_help = "Exit codes: 0 success (whatever the verdicts), 1 invalid or unreadable rules or facts, 2 wrong usage."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Evaluate every rule for every entity of a facts file and print the verdicts.
    Check(CheckArgs),
    /// Check rule files (and optionally a facts file) without evaluating; print diagnostics.
    Validate(ValidateArgs),
    /// Why a verdict is what it is: the rule as a tree of values, deciding parts marked.
    Explain(ExplainArgs),
    /// What it would take: every minimal set of fact changes that satisfies a rule.
    Unlock(UnlockArgs),
    /// Which verdicts differ between two facts snapshots, and which fact changes caused it.
    Diff(DiffArgs),
    /// Which single fact change brings the most entities to satisfy a rule.
    Leverage(LeverageArgs),
    /// Warnings about valid rules that are probably not what was meant (see docs/lints.md).
    Lint(LintArgs),
    /// Whether two versions of a rule set can decide differently, with a witness.
    Compare(CompareArgs),
    /// Rewrite rule files in the canonical layout (comments kept in place).
    Fmt(FmtArgs),
    /// Run the rule tests in *.test.toml files.
    Test(TestArgs),
    /// Write synthetic facts for rules/coalition.rules, to reproduce the benchmarks.
    BenchData(BenchDataArgs),
    /// Write the rules as a Rust module: fact structs and one function per rule.
    Codegen(CodegenArgs),
}

#[derive(Debug, Args)]
struct CodegenArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Write to this file (replaced atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct BenchDataArgs {
    /// How many entities.
    #[arg(long, default_value_t = 1_000_000)]
    entities: usize,

    /// The seed of the pseudo-random sequence: the same seed gives the same facts.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// The chance, in percent, that a fact is left out (unknown).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=100))]
    unknown_percent: u64,

    /// The format to write.
    #[arg(long, value_enum, default_value_t = DataFormat::Json)]
    format: DataFormat,

    /// Write to this file (replaced atomically) instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DataFormat {
    Json,
    Toml,
}

#[derive(Debug, Args)]
struct TestArgs {
    /// Test files, or directories searched for *.test.toml files.
    #[arg(required = true, value_name = "PATHS")]
    paths: Vec<PathBuf>,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Debug, Args)]
struct FmtArgs {
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

#[derive(Debug, Args)]
struct LintArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Exit with code 1 if any lint fires (for CI).
    #[arg(long)]
    deny_warnings: bool,

    /// Output format: table (rendered diagnostics) or json (for editors and CI).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct CompareArgs {
    /// The old version: a rule file or a directory.
    #[arg(value_name = "OLD_RULES")]
    old: PathBuf,

    /// The new version: a rule file or a directory.
    #[arg(value_name = "NEW_RULES")]
    new: PathBuf,

    /// Compare only this rule.
    #[arg(long, value_name = "NAME")]
    rule: Option<String>,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ExplainArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The facts snapshot: a .toml or .json file.
    #[arg(long, value_name = "FILE")]
    facts: PathBuf,

    /// The entity (not needed for a world rule).
    #[arg(long, value_name = "NAME")]
    entity: Option<String>,

    /// The rule to explain.
    #[arg(long, value_name = "NAME")]
    rule: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct UnlockArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The facts snapshot: a .toml or .json file.
    #[arg(long, value_name = "FILE")]
    facts: PathBuf,

    /// The entity; without it, every entity that does not satisfy the rule.
    #[arg(long, value_name = "NAME")]
    entity: Option<String>,

    /// The rule to satisfy.
    #[arg(long, value_name = "NAME")]
    rule: String,

    /// Show at most this many change sets per entity (fewest changes first).
    #[arg(long, value_name = "N", default_value_t = 20)]
    max: usize,

    /// Work budget of the exact search; when it runs out the answer says so.
    #[arg(long, value_name = "STEPS", default_value_t = 2_000_000)]
    budget: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct DiffArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The old snapshot, then the new one: `--facts OLD --facts NEW`.
    #[arg(long, value_name = "FILE", required = true, num_args = 1)]
    facts: Vec<PathBuf>,

    /// Show only this rule (repeatable).
    #[arg(long = "rule", value_name = "NAME")]
    rule_names: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct LeverageArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The facts snapshot: a .toml or .json file.
    #[arg(long, value_name = "FILE")]
    facts: PathBuf,

    /// The rule to bring entities to.
    #[arg(long, value_name = "NAME")]
    rule: String,

    /// How many changes to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,

    /// Also list pairs of changes that bring in entities no single change does.
    #[arg(long)]
    pairs: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct RulesArgs {
    /// Rule files, or directories searched for *.rules files.
    #[arg(required = true, value_name = "RULES")]
    rules: Vec<PathBuf>,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The facts snapshot: a .toml or .json file.
    #[arg(long, value_name = "FILE")]
    facts: PathBuf,

    /// Show only this rule (repeatable); rules it depends on are still evaluated.
    #[arg(long = "rule", value_name = "NAME")]
    rule_names: Vec<String>,

    /// Show only this entity (repeatable).
    #[arg(long = "entity", value_name = "NAME")]
    entity_names: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Args)]
struct ValidateArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Also check that this facts file fits the rules.
    #[arg(long, value_name = "FILE")]
    facts: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A matrix for people: entities as rows, rules as columns.
    Table,
    /// `{"results":[{"entity":…,"rule":…,"verdict":…},…]}`
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
    let outcome = match cli.command {
        Command::Check(args) => check(&args),
        Command::Validate(args) => validate(&args),
        Command::Explain(args) => explain(&args),
        Command::Unlock(args) => unlock(&args),
        Command::Diff(args) => diff(&args),
        Command::Leverage(args) => leverage(&args),
        Command::Lint(args) => lint(&args),
        Command::Compare(args) => compare(&args),
        Command::Fmt(args) => fmt(&args),
        Command::Test(args) => test(&args),
        Command::BenchData(args) => bench_data(&args),
        Command::Codegen(args) => codegen(&args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => ExitCode::from(code),
    }
}

type Outcome = Result<(), u8>;

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

fn load_facts(path: &PathBuf, painter: &Painter) -> Result<Facts, u8> {
    Facts::load(path).map_err(|error| {
        painter.facts_error(&error);
        EXIT_INVALID
    })
}

fn check(args: &CheckArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let columns = rules.load_columns(&args.facts).map_err(|error| {
        painter.facts_error(&error);
        EXIT_INVALID
    })?;
    let report = rules
        .evaluate_columns(&columns)
        .select(&args.rule_names, &args.entity_names)
        .map_err(|error| {
            painter.error(&error.to_string());
            EXIT_USAGE
        })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = match args.format {
        Format::Json => report
            .write_json(&mut out)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n")),
        Format::Table => {
            let color = args
                .rules
                .color
                .enabled_for(std::io::stdout().is_terminal());
            out.write_all(table::render(&report, table::Style { color }).as_bytes())
        }
    };
    let _ = out.flush();
    Ok(())
}

fn validate(args: &ValidateArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    if let Some(path) = &args.facts {
        rules.load_columns(path).map_err(|error| {
            painter.facts_error(&error);
            EXIT_INVALID
        })?;
    }
    let resolved = rules.resolved();
    let warnings = rules.warnings().warnings().count();
    let files = rules.sources().iter().count();
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let mut line = format!(
        "ok: {} and {} in {}",
        count(resolved.rules.len(), "rule"),
        count(resolved.facts.len(), "fact"),
        count(files, "file")
    );
    if warnings > 0 {
        line = format!("{line}, {}", count(warnings, "warning"));
    }
    let _ = writeln!(std::io::stdout(), "{line}");
    Ok(())
}

/// Loads rules and one facts file and evaluates them.
fn open<'r>(rules: &'r RuleSet, facts: &PathBuf, painter: &Painter) -> Result<Snapshot<'r>, u8> {
    let facts = load_facts(facts, painter)?;
    rules.snapshot(&facts).map_err(|error| {
        painter.facts_error(&error);
        EXIT_INVALID
    })
}

/// An analysis error: unknown names and missing entities are usage errors.
fn analysis_failed(error: AnalysisError, painter: &Painter) -> u8 {
    painter.error(&error.to_string());
    match error {
        AnalysisError::Unsupported { .. } => EXIT_INVALID,
        AnalysisError::UnknownName(_) | AnalysisError::EntityRequired { .. } => EXIT_USAGE,
    }
}

fn print(output: &str) {
    let _ = std::io::stdout().lock().write_all(output.as_bytes());
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default() + "\n"
}

fn stdout_style(color: ColorChoice) -> table::Style {
    table::Style {
        color: color.enabled_for(std::io::stdout().is_terminal()),
    }
}

fn explain(args: &ExplainArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let snapshot = open(&rules, &args.facts, &painter)?;
    let why = snapshot
        .explain(args.entity.as_deref(), &args.rule)
        .map_err(|e| analysis_failed(e, &painter))?;
    print(&match args.format {
        Format::Json => json(&why),
        Format::Table => render_analysis::explanation(&why, stdout_style(args.rules.color)),
    });
    Ok(())
}

fn unlock(args: &UnlockArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let snapshot = open(&rules, &args.facts, &painter)?;
    let options = UnlockOptions {
        max_options: args.max,
        budget: args.budget,
    };
    let answers = match &args.entity {
        Some(entity) => vec![snapshot.unlock(Some(entity), &args.rule, options)],
        None => match snapshot.unlock_all(&args.rule, options) {
            Ok(all) => all.into_iter().map(Ok).collect(),
            Err(error) => vec![Err(error)],
        },
    };
    let answers = answers
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| analysis_failed(e, &painter))?;
    print(&match (args.format, answers.as_slice()) {
        (Format::Json, [one]) if args.entity.is_some() => json(one),
        (Format::Json, all) => json(&serde_json::json!({ "results": all })),
        (Format::Table, all) => render_analysis::unlocks(all, stdout_style(args.rules.color)),
    });
    Ok(())
}

fn diff(args: &DiffArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let [old, new] = args.facts.as_slice() else {
        painter.error("diff takes two facts files: --facts OLD --facts NEW");
        return Err(EXIT_USAGE);
    };
    let rules = load_rules(&args.rules, &painter)?;
    let (old, new) = (open(&rules, old, &painter)?, open(&rules, new, &painter)?);
    let mut diff = prereq::analysis::diff::diff(&old, &new);
    if !args.rule_names.is_empty() {
        // Selecting from a report checks the names (with a suggestion for a typo).
        new.report()
            .select(&args.rule_names, &[])
            .map_err(|error| {
                painter.error(&error.to_string());
                EXIT_USAGE
            })?;
        diff.changed
            .retain(|change| args.rule_names.contains(&change.rule));
    }
    print(&match args.format {
        Format::Json => json(&diff),
        Format::Table => render_analysis::diff(&diff, stdout_style(args.rules.color)),
    });
    Ok(())
}

fn leverage(args: &LeverageArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let snapshot = open(&rules, &args.facts, &painter)?;
    let options = LeverageOptions {
        top: args.top,
        pairs: args.pairs,
    };
    let answer = snapshot
        .leverage(&args.rule, options)
        .map_err(|e| analysis_failed(e, &painter))?;
    print(&match args.format {
        Format::Json => json(&answer),
        Format::Table => render_analysis::leverage(&answer),
    });
    Ok(())
}

fn lint(args: &LintArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_quietly(&args.rules.rules, &painter)?;
    let found = prereq::analysis::lint::lint(&rules);
    match args.format {
        Format::Json => print(&json(&render_analysis::diagnostics_json(
            &found,
            rules.sources(),
        ))),
        Format::Table => {
            let diagnostics = prereq::Diagnostics::new(found.clone(), rules.sources().clone());
            painter.diagnostics(&diagnostics);
            let count = found.len();
            print(&match count {
                0 => "no lints\n".to_string(),
                1 => "1 lint\n".to_string(),
                n => format!("{n} lints\n"),
            });
        }
    }
    if args.deny_warnings && !found.is_empty() {
        Err(EXIT_INVALID)
    } else {
        Ok(())
    }
}

fn compare(args: &CompareArgs) -> Outcome {
    let painter = painter(args.color);
    let old = load_quietly(std::slice::from_ref(&args.old), &painter)?;
    let new = load_quietly(std::slice::from_ref(&args.new), &painter)?;
    let comparison = prereq::analysis::compare::compare(&old, &new, args.rule.as_deref()).map_err(
        |message| {
            painter.error(&message);
            EXIT_USAGE
        },
    )?;
    print(&match args.format {
        Format::Json => json(&serde_json::json!({ "rules": comparison })),
        Format::Table => render_analysis::comparison(&comparison, stdout_style(args.color)),
    });
    Ok(())
}

fn fmt(args: &FmtArgs) -> Outcome {
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
        match format_file(&file, args.check) {
            Ok(false) => {}
            Ok(true) if args.check => {
                print(&format!("{}\n", file.display()));
                unformatted += 1;
            }
            Ok(true) => print(&format!("formatted {}\n", file.display())),
            Err(problem) => {
                painter.error(&format!("{}: {problem}", file.display()));
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

/// Formats one file; returns whether it changed (or would change, with `check`).
/// A file that does not parse is never touched; the new text replaces the old
/// atomically (a temporary file beside it, then a rename).
fn format_file(path: &std::path::Path, check: bool) -> Result<bool, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let text =
        String::from_utf8(bytes).map_err(|_| "not valid UTF-8; not formatted".to_string())?;
    let formatted = prereq::format::format_source(&text).map_err(|errors| {
        let first = errors
            .first()
            .map_or(String::new(), |e| format!(" (first: {})", e.message));
        format!("has syntax errors; not formatted{first}; run `prereq validate` for details")
    })?;
    if formatted == text {
        return Ok(false);
    }
    if !check {
        write_atomically(path, |out| out.write_all(formatted.as_bytes()))?;
    }
    Ok(true)
}

/// Writes a file through a temporary file beside it, renamed over it once
/// complete: readers see the old file or the new one, never half of one.
/// An existing file keeps its permissions.
fn write_atomically(
    path: &std::path::Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), String> {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".prereq-tmp");
    let temporary = path.with_file_name(name);
    let written = std::fs::File::create(&temporary).and_then(|file| {
        let mut out = std::io::BufWriter::new(file);
        write(&mut out)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()
    });
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(format!("cannot write: {error}"));
    }
    if let Ok(metadata) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temporary, metadata.permissions());
    }
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot replace the file: {e}")
    })
}

fn bench_data(args: &BenchDataArgs) -> Outcome {
    let facts = prereq::synthetic::CoalitionFacts {
        entities: args.entities,
        seed: args.seed,
        unknown_percent: args.unknown_percent,
    };
    write_output(
        args.output.as_deref(),
        &painter(ColorChoice::Auto),
        |out| match args.format {
            DataFormat::Json => facts.write_json(&mut &mut *out),
            DataFormat::Toml => facts.write_toml(&mut &mut *out),
        },
    )
}

fn codegen(args: &CodegenArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let code = prereq::codegen::rust(&rules);
    write_output(args.output.as_deref(), &painter, |out| {
        out.write_all(code.as_bytes())
    })
}

/// Writes a command's output to `path` (replaced atomically) or, without
/// one, to standard output; an error is reported and exits 1.
fn write_output(
    path: Option<&std::path::Path>,
    painter: &Painter,
    write: impl Fn(&mut dyn Write) -> std::io::Result<()>,
) -> Outcome {
    let written = match path {
        Some(path) => write_atomically(path, |out| write(out))
            .map_err(|error| format!("{}: {error}", path.display())),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)
                .and_then(|()| out.flush())
                .map_err(|error| format!("cannot write: {error}"))
        }
    };
    written.map_err(|error| {
        painter.error(&error);
        EXIT_INVALID
    })
}

fn test(args: &TestArgs) -> Outcome {
    use prereq::testing::{self, TestOutcome};
    let painter = painter(args.color);
    let style = stdout_style(args.color);
    let mut files = Vec::new();
    for path in &args.paths {
        files.extend(testing::test_files(path).map_err(|e| {
            painter.error(&format!("{}: {e}", path.display()));
            EXIT_INVALID
        })?);
    }
    if files.is_empty() {
        painter.error("no *.test.toml files found");
        return Err(EXIT_INVALID);
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut failures = String::new();
    let mut out = String::new();
    for file in &files {
        let results = match testing::run_file(file) {
            Ok(results) => results,
            Err(error) => {
                painter.error(&error.to_string());
                failed += 1;
                continue;
            }
        };
        out.push_str(&format!(
            "\nrunning {} tests from {}\n",
            results.len(),
            file.display()
        ));
        for result in results {
            let status = match &result.outcome {
                TestOutcome::Passed => "ok",
                TestOutcome::Failed(_) => "FAILED",
                TestOutcome::Broken(_) => "BROKEN",
            };
            out.push_str(&format!("test {} ... {status}\n", result.name));
            match result.outcome {
                TestOutcome::Passed => passed += 1,
                TestOutcome::Broken(reason) => {
                    failed += 1;
                    failures.push_str(&format!(
                        "\n---- {} ----\nthe test is broken: {reason}\n",
                        result.name
                    ));
                }
                TestOutcome::Failed(mismatches) => {
                    failed += 1;
                    failures.push_str(&format!("\n---- {} ----\n", result.name));
                    for mismatch in mismatches {
                        let who = mismatch
                            .entity
                            .as_deref()
                            .map_or("the world".to_string(), str::to_string);
                        failures.push_str(&format!(
                            "{} for {who}: expected {}, got {}\n",
                            mismatch.rule, mismatch.expected, mismatch.actual
                        ));
                        if let Some(why) = &mismatch.explanation {
                            failures.push_str(&render_analysis::explanation(why, style));
                        }
                    }
                }
            }
        }
    }
    if !failures.is_empty() {
        out.push_str("\nfailures:\n");
        out.push_str(&failures);
    }
    out.push_str(&format!("\nresult: {passed} passed, {failed} failed\n"));
    print(out.trim_start());
    if failed > 0 {
        Err(EXIT_INVALID)
    } else {
        Ok(())
    }
}

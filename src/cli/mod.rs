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
use prereq::report::table;
use prereq::{Facts, LoadError, RuleSet};

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
    match RuleSet::load_all(&args.rules) {
        Ok(rules) => {
            painter.diagnostics(&rules.warnings());
            Ok(rules)
        }
        Err(LoadError::Invalid(diagnostics)) => {
            painter.diagnostics(&diagnostics);
            painter.summary(&diagnostics);
            Err(EXIT_INVALID)
        }
        Err(error) => {
            painter.error(&error.to_string());
            Err(EXIT_INVALID)
        }
    }
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
    let facts = load_facts(&args.facts, &painter)?;
    let report = rules.evaluate(&facts).map_err(|error| {
        painter.facts_error(&error);
        EXIT_INVALID
    })?;
    let report = report
        .select(&args.rule_names, &args.entity_names)
        .map_err(|error| {
            painter.error(&error.to_string());
            EXIT_USAGE
        })?;
    let output = match args.format {
        Format::Json => report.to_json() + "\n",
        Format::Table => {
            let color = args
                .rules
                .color
                .enabled_for(std::io::stdout().is_terminal());
            table::render(&report, table::Style { color })
        }
    };
    let _ = std::io::stdout().lock().write_all(output.as_bytes());
    Ok(())
}

fn validate(args: &ValidateArgs) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    if let Some(path) = &args.facts {
        let facts = load_facts(path, &painter)?;
        rules.evaluate(&facts).map_err(|error| {
            painter.facts_error(&error);
            EXIT_INVALID
        })?;
    }
    let resolved = rules.resolved();
    let warnings = rules.warnings().warnings().count();
    let files = rules.sources().iter().count();
    let _ = writeln!(
        std::io::stdout(),
        "ok: {} rules and {} facts in {} file{}{}",
        resolved.rules.len(),
        resolved.facts.len(),
        files,
        if files == 1 { "" } else { "s" },
        match warnings {
            0 => String::new(),
            1 => ", 1 warning".to_string(),
            n => format!(", {n} warnings"),
        }
    );
    Ok(())
}

//! `prereq validate`: rules (and optionally facts) checked, not evaluated.

use std::path::PathBuf;

use clap::Args;

use super::facts::{self, FactsOptions};
use super::output::Output;
use super::{Outcome, RulesArgs, load_rules, painter, print};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Also check that this facts file (or - for standard input) fits the
    /// rules, and that the what-ifs do.
    #[arg(long, value_name = "FILE")]
    facts: Option<PathBuf>,

    #[command(flatten)]
    facts_options: FactsOptions,
}

pub fn run(args: &ValidateArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    match &args.facts {
        Some(path) => drop(facts::load(&rules, path, &args.facts_options, &painter)?),
        None if args.facts_options.changes_anything() => {
            painter.error("--set and --unset change a facts snapshot: give it with --facts");
            return Err(super::EXIT_USAGE);
        }
        None => {}
    }
    let resolved = rules.resolved();
    let warnings = rules.warnings().warnings().count();
    let files = rules.sources().iter().count();
    let mut line = format!(
        "ok: {} and {} in {}",
        count(resolved.rules.len(), "rule"),
        count(resolved.facts.len(), "fact"),
        count(files, "file")
    );
    if warnings > 0 {
        line = format!("{line}, {}", count(warnings, "warning"));
    }
    print(out, &format!("{line}\n"))
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

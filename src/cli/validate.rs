//! `prereq validate`: rules (and optionally facts) checked, not evaluated.

use std::path::PathBuf;

use clap::Args;

use super::output::Output;
use super::{Outcome, RulesArgs, load_columns, load_rules, painter, print};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Also check that this facts file fits the rules.
    #[arg(long, value_name = "FILE")]
    facts: Option<PathBuf>,
}

pub fn run(args: &ValidateArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    if let Some(path) = &args.facts {
        load_columns(&rules, path, &painter)?;
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

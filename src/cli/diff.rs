//! `prereq diff`: the verdicts that differ between two snapshots, and why.

use std::path::PathBuf;

use clap::Args;
use prereq::report::analysis;

use super::facts::{self, FactsOptions};
use super::output::Output;
use super::progress::Progress;
use super::{EXIT_USAGE, Format, Outcome, RulesArgs, load_rules, painter, print, print_json};

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The old snapshot, then the new one: `--facts OLD --facts NEW`; or one
    /// snapshot, compared with itself changed by --set and --unset.
    #[arg(long, value_name = "FILE", required = true, num_args = 1)]
    facts: Vec<PathBuf>,

    /// How both snapshots are read; what-ifs change the new one.
    #[command(flatten)]
    facts_options: FactsOptions,

    /// Show only this rule (repeatable).
    #[arg(long = "rule", value_name = "NAME")]
    rule_names: Vec<String>,

    /// Output format: table (each changed verdict with the fact changes
    /// that caused it) or json (`{"changed":[…],"added":[…],"removed":[…]}`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &DiffArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let options = &args.facts_options;
    let what_if = options.changes_anything();
    let (old_path, new_path) = match args.facts.as_slice() {
        [old, new] => (old, new),
        [one] if what_if => (one, one),
        _ => {
            painter.error(
                "diff takes two facts files (--facts OLD --facts NEW), or one and the what-ifs to compare it with (--set, --unset)",
            );
            return Err(EXIT_USAGE);
        }
    };
    let progress = Progress::start("reading rules");
    let rules = load_rules(&args.rules, &painter)?;
    progress.phase("reading facts");
    let old_columns = facts::load_as_given(&rules, old_path, options, &painter)?;
    let mut new_columns = match old_path == new_path {
        true => old_columns.clone(),
        false => facts::load_as_given(&rules, new_path, options, &painter)?,
    };
    facts::apply_changes(&rules, &mut new_columns, options, &painter)?;
    let (old, new) = (
        rules.snapshot_of(old_columns),
        rules.snapshot_of(new_columns),
    );
    if !args.rule_names.is_empty() {
        // Selecting from a report checks the names (with a suggestion for a typo).
        new.report()
            .select(&args.rule_names, &[])
            .map_err(|error| {
                painter.error(&error.to_string());
                EXIT_USAGE
            })?;
    }
    progress.phase("comparing");
    let mut diff = prereq::analysis::diff::diff(&old, &new);
    if !args.rule_names.is_empty() {
        diff.changed
            .retain(|change| args.rule_names.contains(&change.rule));
    }
    drop(progress);
    match args.format {
        Format::Json => print_json(out, &diff),
        Format::Table => print(out, &analysis::diff(&diff, args.rules.color.stdout_style())),
    }
}

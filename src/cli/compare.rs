//! `prereq compare`: whether two versions of a rule set decide differently.

use std::path::PathBuf;

use clap::Args;
use prereq::analysis::budget::{Budget, DEFAULT_STEPS};
use prereq::analysis::compare::Outcome as Comparison;
use prereq::report::analysis;

use super::output::Output;
use super::progress::Progress;
use super::{
    ColorChoice, EXIT_USAGE, Format, Outcome, answer_outcome, load_quietly, painter, print,
    print_json,
};

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The old version: a rule file or a directory.
    #[arg(value_name = "OLD_RULES")]
    old: PathBuf,

    /// The new version: a rule file or a directory.
    #[arg(value_name = "NEW_RULES")]
    new: PathBuf,

    /// Compare only this rule.
    #[arg(long, value_name = "NAME")]
    rule: Option<String>,

    /// Work budget of the proofs, for all rules; rules left undecided when
    /// it runs out say so and the exit code is 3.
    #[arg(long, value_name = "STEPS", default_value_t = DEFAULT_STEPS)]
    budget: u64,

    /// When to use colours: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Output format: table (each rule's verdict, with a witness where they
    /// differ) or json (`{"rules":[…],"complete":…}`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &CompareArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.color);
    let progress = Progress::start("reading rules");
    let old = load_quietly(std::slice::from_ref(&args.old), &painter)?;
    let new = load_quietly(std::slice::from_ref(&args.new), &painter)?;
    progress.phase("comparing meanings");
    let budget = Budget::new(args.budget);
    let comparison = prereq::analysis::compare::compare(&old, &new, args.rule.as_deref(), &budget)
        .map_err(|message| {
            painter.error(&message);
            EXIT_USAGE
        })?;
    drop(progress);
    let complete = !comparison
        .iter()
        .any(|rule| rule.outcome == Comparison::Undecided);
    match args.format {
        Format::Json => print_json(
            out,
            &serde_json::json!({ "rules": comparison, "complete": complete }),
        )?,
        Format::Table => print(
            out,
            &analysis::comparison(&comparison, args.color.stdout_style()),
        )?,
    }
    let beyond_nothing = !comparison
        .iter()
        .any(|rule| matches!(rule.outcome, Comparison::CannotCompare { .. }));
    answer_outcome(complete, beyond_nothing)
}

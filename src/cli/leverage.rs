//! `prereq leverage`: which single change brings in the most entities.

use clap::Args;
use prereq::analysis::budget::DEFAULT_STEPS;
use prereq::analysis::leverage::LeverageOptions;
use prereq::report::analysis;

use super::output::Output;
use super::progress::Progress;
use super::{
    Format, Outcome, SnapshotArgs, analysis_failed, answer_outcome, painter, print, print_json,
    read_inputs,
};

#[derive(Debug, Args)]
pub struct LeverageArgs {
    #[command(flatten)]
    snapshot: SnapshotArgs,

    /// The rule to bring entities to.
    #[arg(long, value_name = "NAME")]
    rule: String,

    /// How many changes to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,

    /// Also list pairs of changes that bring in entities no single change does.
    #[arg(long)]
    pairs: bool,

    /// Work budget, in steps (a node of the rules evaluated for one entity;
    /// a word of entities per rule for a world change); when it runs out the
    /// ranking says so and the exit code is 3.
    #[arg(long, value_name = "STEPS", default_value_t = DEFAULT_STEPS)]
    budget: u64,

    /// Output format: table (changes ranked by the entities they bring in)
    /// or json (the same ranking, with `"complete"`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &LeverageArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.snapshot.rules.color);
    let progress = Progress::start("starting");
    let (rules, columns) = read_inputs(&args.snapshot, &painter, &progress)?;
    let snapshot = rules.snapshot_of(columns);
    progress.phase("trying changes");
    let options = LeverageOptions {
        top: args.top,
        pairs: args.pairs,
        budget: args.budget,
    };
    let answer = snapshot
        .leverage(&args.rule, options)
        .map_err(|e| analysis_failed(e, &painter))?;
    drop(progress);
    match args.format {
        Format::Json => print_json(out, &answer)?,
        Format::Table => print(
            out,
            &analysis::leverage(&answer, args.snapshot.rules.color.stdout_style()),
        )?,
    }
    answer_outcome(answer.complete, answer.not_searched.is_empty())
}

//! `prereq unlock`: every minimal set of changes that satisfies a rule.

use clap::Args;
use prereq::analysis::budget::DEFAULT_STEPS;
use prereq::analysis::unlock::{UnlockOptions, Unlocks};
use prereq::report::analysis;

use super::output::Output;
use super::progress::Progress;
use super::{
    Format, Outcome, SnapshotArgs, analysis_failed, budget_outcome, painter, print, print_json,
    read_inputs,
};

#[derive(Debug, Args)]
pub struct UnlockArgs {
    #[command(flatten)]
    snapshot: SnapshotArgs,

    /// The entity; without it, every entity that does not satisfy the rule.
    #[arg(long, value_name = "NAME")]
    entity: Option<String>,

    /// The rule to satisfy.
    #[arg(long, value_name = "NAME")]
    rule: String,

    /// Show at most this many change sets per entity (fewest changes first).
    #[arg(long, value_name = "N", default_value_t = 20)]
    max: usize,

    /// Work budget of the exact search, for the whole command (every
    /// entity); when it runs out the answer says so and the exit code is 3.
    #[arg(long, value_name = "STEPS", default_value_t = DEFAULT_STEPS)]
    budget: u64,

    /// Output format: table (numbered change sets per entity) or json (one
    /// answer with --entity; else `{"results":[…],"complete":…,"not_analysed":…}`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &UnlockArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.snapshot.rules.color);
    let progress = Progress::start("starting");
    let (rules, columns) = read_inputs(&args.snapshot, &painter, &progress)?;
    let snapshot = rules.snapshot_of(columns);
    progress.phase("searching");
    let options = UnlockOptions {
        max_options: args.max,
        budget: args.budget,
    };
    let style = args.snapshot.rules.color.stdout_style();
    let complete = match &args.entity {
        Some(entity) => {
            let answer = snapshot
                .unlock(Some(entity), &args.rule, options)
                .map_err(|e| analysis_failed(e, &painter))?;
            drop(progress);
            match args.format {
                Format::Json => print_json(out, &answer)?,
                Format::Table => print(
                    out,
                    &analysis::unlocks(std::slice::from_ref(&answer), style),
                )?,
            }
            answer.complete
        }
        None => {
            let answers: Unlocks = snapshot
                .unlock_all(&args.rule, options)
                .map_err(|e| analysis_failed(e, &painter))?;
            drop(progress);
            match args.format {
                Format::Json => print_json(out, &answers)?,
                Format::Table => {
                    print(out, &analysis::unlocks(&answers.results, style))?;
                    if answers.not_analysed > 0 {
                        print(
                            out,
                            &format!(
                                "\nbudget exhausted: {} more entities not analysed (raise --budget)\n",
                                answers.not_analysed
                            ),
                        )?;
                    }
                }
            }
            answers.complete
        }
    };
    budget_outcome(complete)
}

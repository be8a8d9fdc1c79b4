//! `prereq lint`: warnings about valid rules, each a proof.

use clap::Args;
use prereq::analysis::budget::{Budget, DEFAULT_STEPS};
use prereq::report::analysis;

use super::output::Output;
use super::progress::Progress;
use super::{
    EXIT_INVALID, Format, Outcome, RulesArgs, answer_outcome, load_quietly, painter, print,
    print_json,
};

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Exit with code 1 if any lint fires (for CI).
    #[arg(long)]
    deny_warnings: bool,

    /// Work budget of the proofs, for the whole rule set; rules left
    /// unchecked when it runs out are listed and the exit code is 3.
    #[arg(long, value_name = "STEPS", default_value_t = DEFAULT_STEPS)]
    budget: u64,

    /// Output format: table (rendered diagnostics on stderr, a count on
    /// stdout) or json (`{"diagnostics":[…],"complete":…,"unchecked":[…]}`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &LintArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let progress = Progress::start("reading rules");
    let rules = load_quietly(&args.rules.rules, &painter)?;
    progress.phase("proving lints");
    let lints = prereq::analysis::lint::lint(&rules, &Budget::new(args.budget));
    drop(progress);
    match args.format {
        Format::Json => print_json(
            out,
            &serde_json::json!({
                "diagnostics": analysis::diagnostics_json(&lints.found, rules.sources()),
                "complete": lints.complete,
                "unchecked": lints.unchecked,
            }),
        )?,
        Format::Table => {
            let diagnostics =
                prereq::Diagnostics::new(lints.found.clone(), rules.sources().clone());
            painter.diagnostics(&diagnostics);
            let count = match lints.found.len() {
                0 => "no lints\n".to_string(),
                1 => "1 lint\n".to_string(),
                n => format!("{n} lints\n"),
            };
            print(out, &count)?;
            let unchecked: Vec<&str> = lints
                .unchecked
                .iter()
                .filter(|u| u.reason == "budget")
                .map(|u| u.rule.as_str())
                .collect();
            if !unchecked.is_empty() {
                print(
                    out,
                    &format!(
                        "budget exhausted: {} rules not checked (raise --budget): {}\n",
                        unchecked.len(),
                        unchecked.join(", ")
                    ),
                )?;
            }
            let beyond: Vec<String> = lints
                .unchecked
                .iter()
                .filter(|u| u.reason != "budget")
                .map(|u| format!("{} ({})", u.rule, u.reason))
                .collect();
            if !beyond.is_empty() {
                print(
                    out,
                    &format!(
                        "not checked: {} rules hold tests lint cannot reason about yet: {}\n",
                        beyond.len(),
                        beyond.join(", ")
                    ),
                )?;
            }
        }
    }
    if args.deny_warnings && !lints.found.is_empty() {
        return Err(EXIT_INVALID);
    }
    let beyond_nothing = lints.unchecked.iter().all(|u| u.reason == "budget");
    answer_outcome(lints.complete, beyond_nothing)
}

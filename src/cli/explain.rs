//! `prereq explain`: why a verdict is what it is.

use std::path::PathBuf;

use clap::Args;
use prereq::report::analysis;

use super::output::Output;
use super::progress::Progress;
use super::{Format, Outcome, RulesArgs, analysis_failed, painter, print, print_json, read_inputs};

#[derive(Debug, Args)]
pub struct ExplainArgs {
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

    /// Output format: table (the rule as a tree of values, deciding parts
    /// marked) or json (the same tree, with the facts each part read).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &ExplainArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let progress = Progress::start("starting");
    let (rules, columns) = read_inputs(&args.rules, &args.facts, &painter, &progress)?;
    let snapshot = rules.snapshot_of(columns);
    progress.phase("explaining");
    let why = snapshot
        .explain(args.entity.as_deref(), &args.rule)
        .map_err(|e| analysis_failed(e, &painter))?;
    drop(progress);
    match args.format {
        Format::Json => print_json(out, &why),
        Format::Table => print(
            out,
            &analysis::explanation(&why, args.rules.color.stdout_style()),
        ),
    }
}

//! `prereq explain`: why a verdict is what it is.

use clap::Args;
use prereq::report::analysis;

use super::output::Output;
use super::progress::Progress;
use super::{
    Format, Outcome, SnapshotArgs, analysis_failed, painter, print, print_json, read_inputs,
};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    snapshot: SnapshotArgs,

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
    let painter = painter(args.snapshot.rules.color);
    let progress = Progress::start("starting");
    let (rules, columns) = read_inputs(&args.snapshot, &painter, &progress)?;
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
            &analysis::explanation(&why, args.snapshot.rules.color.stdout_style()),
        ),
    }
}

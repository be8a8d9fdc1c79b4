//! `prereq check`: every rule for every entity, as a table or JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use prereq::report::table;

use super::output::{self, Output};
use super::progress::Progress;
use super::{EXIT_INVALID, EXIT_USAGE, Format, Outcome, RulesArgs, painter, print, read_inputs};

#[derive(Debug, Args)]
pub struct CheckArgs {
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

    /// Output format: table (entities as rows, rules as columns) or json
    /// (`{"results":[{"entity":…,"rule":…,"verdict":…},…]}`).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

pub fn run(args: &CheckArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let progress = Progress::start("starting");
    let (rules, columns) = read_inputs(&args.rules, &args.facts, &painter, &progress)?;
    progress.phase("evaluating");
    let report = rules
        .evaluate_columns(&columns)
        .select(&args.rule_names, &args.entity_names)
        .map_err(|error| {
            painter.error(&error.to_string());
            EXIT_USAGE
        })?;
    progress.phase("writing verdicts");
    match args.format {
        Format::Json => {
            let written = report
                .write_json(out.writer())
                .map_err(std::io::Error::from)
                .and_then(|()| out.writer().write_all(b"\n"));
            written.map_err(|error| {
                output::report_failure(&error);
                EXIT_INVALID
            })
        }
        Format::Table => print(
            out,
            &table::render(&report, args.rules.color.stdout_style()),
        ),
    }
}

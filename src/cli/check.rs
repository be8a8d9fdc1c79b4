//! `prereq check`: every rule for every entity, as a table or JSON.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use prereq::report::table;

use super::output::Output;
use super::progress::Progress;
use super::{EXIT_USAGE, Outcome, SnapshotArgs, painter, read_inputs, write_output};

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    snapshot: SnapshotArgs,

    /// Show only this rule (repeatable); rules it depends on are still evaluated.
    #[arg(long = "rule", value_name = "NAME")]
    rule_names: Vec<String>,

    /// Show only this entity (repeatable).
    #[arg(long = "entity", value_name = "NAME")]
    entity_names: Vec<String>,

    /// Output format: table (entities as rows, rules as columns), json
    /// (`{"results":[{"entity":…,"rule":…,"verdict":…},…]}`), csv
    /// (`entity`, then a column per rule, world rules included) or parquet
    /// (the same columns; needs -o).
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    format: CheckFormat,

    /// Write the verdicts to this file instead of standard output (a
    /// regular file is replaced atomically).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &CheckArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.snapshot.rules.color);
    let progress = Progress::start("starting");
    if args.format == CheckFormat::Parquet && args.output.is_none() {
        painter.error_with_help(
            "Parquet verdicts are a binary file",
            "name the file to write: --format parquet -o verdicts.parquet",
        );
        return Err(EXIT_USAGE);
    }
    let (rules, columns) = read_inputs(&args.snapshot, &painter, &progress)?;
    progress.phase("evaluating");
    let report = rules
        .evaluate_columns(&columns)
        .select(&args.rule_names, &args.entity_names)
        .map_err(|error| {
            painter.error(&error.to_string());
            EXIT_USAGE
        })?;
    progress.phase("writing verdicts");
    let style = match args.output {
        Some(_) => table::Style { color: false },
        None => args.snapshot.rules.color.stdout_style(),
    };
    write_output(args.output.as_deref(), out, &painter, |writer| {
        match args.format {
            CheckFormat::Json => {
                report.write_json(&mut *writer)?;
                writer.write_all(b"\n")
            }
            CheckFormat::Csv => report.write_csv(&mut *writer),
            CheckFormat::Parquet => {
                // The writer wants a sendable sink: the file is built in
                // memory (a few bits a verdict), then written.
                let mut file = Vec::new();
                report
                    .write_parquet(&mut file)
                    .map_err(std::io::Error::other)?;
                writer.write_all(&file)
            }
            CheckFormat::Table => writer.write_all(table::render(&report, style).as_bytes()),
        }
    })
}

/// The forms verdicts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Table,
    Json,
    Csv,
    Parquet,
}

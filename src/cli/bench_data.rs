//! `prereq bench-data`: synthetic facts for the benchmarks.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::output::Output;
use super::{ColorChoice, Outcome, painter, write_output};

#[derive(Debug, Args)]
pub struct BenchDataArgs {
    /// How many entities.
    #[arg(long, default_value_t = 1_000_000)]
    entities: usize,

    /// The seed of the pseudo-random sequence: the same seed gives the same facts.
    #[arg(long, default_value_t = 1)]
    seed: u64,

    /// The chance, in percent, that a fact is left out (unknown).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=100))]
    unknown_percent: u64,

    /// The format to write.
    #[arg(long, value_enum, default_value_t = DataFormat::Json)]
    format: DataFormat,

    /// Write to this file instead of standard output (a regular file is
    /// replaced atomically; a device or pipe is written through).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DataFormat {
    Json,
    Toml,
    /// The entities as a table (world facts are not in it).
    Csv,
    /// The entities as a Parquet file with typed columns (world facts are
    /// not in it).
    Parquet,
}

pub fn run(args: &BenchDataArgs, out: &mut Output) -> Outcome {
    let facts = prereq::synthetic::CoalitionFacts {
        entities: args.entities,
        seed: args.seed,
        unknown_percent: args.unknown_percent,
    };
    write_output(
        args.output.as_deref(),
        out,
        &painter(ColorChoice::Auto),
        |writer| match args.format {
            DataFormat::Json => facts.write_json(&mut &mut *writer),
            DataFormat::Toml => facts.write_toml(&mut &mut *writer),
            DataFormat::Csv => facts.write_csv(&mut &mut *writer),
            DataFormat::Parquet => {
                // The writer wants a sendable sink: built in memory, then written.
                let mut file = Vec::new();
                facts
                    .write_parquet(&mut file)
                    .map_err(std::io::Error::other)?;
                writer.write_all(&file)
            }
        },
    )
}

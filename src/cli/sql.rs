//! `prereq sql`: the rules as one SQL query, or the tables it reads.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use prereq::sql::{self, Dialect, SqlError, SqlOptions};

use super::output::Output;
use super::{EXIT_BEYOND, EXIT_USAGE, Outcome, RulesArgs, load_rules, painter, write_output};

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// The engine the query is written for.
    #[arg(long, value_enum, value_name = "DIALECT")]
    dialect: SqlDialect,

    /// Return only this rule (repeatable); the rules it reads are computed too.
    #[arg(long = "rule", value_name = "NAME")]
    rule_names: Vec<String>,

    /// The table of entity facts: a column `entity`, then one per entity fact.
    #[arg(long = "entities", value_name = "TABLE", default_value = "entities")]
    entities_table: String,

    /// The one-row table of world facts: one column per world fact.
    #[arg(long = "world", value_name = "TABLE", default_value = "world")]
    world_table: String,

    /// Print the CREATE TABLE statements of the two tables instead of the query.
    #[arg(long)]
    schema: bool,

    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// The dialects, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SqlDialect {
    Duckdb,
    Postgres,
    Sqlite,
    Spark,
}

impl From<SqlDialect> for Dialect {
    fn from(dialect: SqlDialect) -> Dialect {
        match dialect {
            SqlDialect::Duckdb => Dialect::DuckDb,
            SqlDialect::Postgres => Dialect::Postgres,
            SqlDialect::Sqlite => Dialect::Sqlite,
            SqlDialect::Spark => Dialect::Spark,
        }
    }
}

pub fn run(args: &SqlArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let options = SqlOptions {
        dialect: args.dialect.into(),
        rules: args.rule_names.clone(),
        entities_table: args.entities_table.clone(),
        world_table: args.world_table.clone(),
    };
    let text = match args.schema {
        true => sql::schema(&rules, &options),
        false => sql::query(&rules, &options),
    }
    .map_err(|error| {
        painter.error_with_help(&error.to_string(), error.help());
        match error {
            SqlError::Unsupported { .. } => EXIT_BEYOND,
            SqlError::UnknownRule { .. } | SqlError::TableName { .. } => EXIT_USAGE,
        }
    })?;
    write_output(args.output.as_deref(), out, &painter, |writer| {
        writer.write_all(text.as_bytes())
    })
}

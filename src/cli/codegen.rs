//! `prereq codegen`: the rules as a Rust module.

use std::path::PathBuf;

use clap::Args;

use super::output::Output;
use super::{Outcome, RulesArgs, load_rules, painter, write_output};

#[derive(Debug, Args)]
pub struct CodegenArgs {
    #[command(flatten)]
    rules: RulesArgs,

    /// Write to this file instead of standard output (a regular file is
    /// replaced atomically; a device or pipe is written through).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: &CodegenArgs, out: &mut Output) -> Outcome {
    let painter = painter(args.rules.color);
    let rules = load_rules(&args.rules, &painter)?;
    let code = prereq::codegen::rust(&rules);
    write_output(args.output.as_deref(), out, &painter, |writer| {
        writer.write_all(code.as_bytes())
    })
}

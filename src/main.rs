//! The `prereq` command-line tool: a thin shell over the library.
//!
//! Exit codes: 0 evaluated or valid (whatever the verdicts), 1 invalid or
//! unreadable rules or facts (diagnostics on stderr), 2 wrong usage.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

//! Resource limits on rule files.
//!
//! Rule files are written by people, but they can also be generated or
//! hostile. These limits keep parsing, checking and evaluation within a
//! bounded stack and memory whatever the input is; each has its own error
//! message, and the defaults sit far above anything a real rule file needs.

/// How deeply expressions may nest: parentheses, list brackets and `not`
/// prefixes together. Deeper input is rejected with "nesting deeper than
/// 64 levels" before the recursive parts of the pipeline see it. `and`/`or`
/// chains of any length do not count: they are flat lists.
pub const MAX_NESTING_DEPTH: usize = 64;

/// The largest integer magnitude a number literal or number fact may have:
/// 2^53, beyond which a 64-bit float cannot hold every integer exactly.
/// Larger integers are rejected rather than silently rounded.
pub const MAX_EXACT_INTEGER: u64 = 1 << 53;

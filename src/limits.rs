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

/// The largest rule file, in bytes (16 MiB). A file of 10,000 rules is
/// about 1 MiB. Larger files are refused: before they are read if their
/// size is known, after the limit if not (a device, a pipe).
pub const MAX_RULE_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The largest facts file, in bytes (4 GiB). A snapshot of 1,000,000
/// entities is about 200 MiB; [`MAX_ENTITIES`] of them about 2 GiB. The
/// limit holds whatever the file is (a device, a pipe): reading stops
/// there.
pub const MAX_FACTS_FILE_BYTES: u64 = 4 << 30;

/// The largest rule test file (`*.test.toml`), in bytes.
pub const MAX_TEST_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The most declarations (facts and rules) in one rule file.
pub const MAX_DECLARATIONS: usize = 200_000;

/// The longest name, in bytes.
pub const MAX_NAME_LENGTH: usize = 256;

/// The longest string literal in a rule file, in bytes.
pub const MAX_STRING_LENGTH: usize = 64 * 1024;

/// The longest chain of rules referring to rules (`a` uses `b` uses `c` …).
/// Evaluation follows chains without recursion; the limit keeps analyses
/// that walk them, and their output, bounded.
pub const MAX_RULE_CHAIN: usize = 100_000;

/// The most entities in one facts file.
pub const MAX_ENTITIES: usize = 10_000_000;

/// The most strings in one `set<string>` fact value.
pub const MAX_SET_SIZE: usize = 1_000_000;

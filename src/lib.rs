//! prereq: rule evaluation with three-valued verdicts.
//!
//! Policy authors state the preconditions of a decision as rules over facts;
//! prereq checks, for every entity, whether each rule is **satisfied**,
//! **unsatisfied**, or **undetermined** because facts it needs are unknown.
//!
//! ```
//! use prereq::{Facts, RuleSet, Verdict};
//! let rules = RuleSet::parse("coalition.rules", "
//!     world fact us_backstop: bool
//!     world fact ceasefire: bool
//!     fact legal_basis: bool
//!     rule deploy requires us_backstop and ceasefire and legal_basis
//! ")?;
//! let mut facts = Facts::new("what-if");
//! facts.set_world("us_backstop", true).set_world("ceasefire", true);
//! facts.set("UK", "legal_basis", true);
//! facts.add_entity("Ireland"); // legal basis not known yet
//! let report = rules.evaluate(&facts)?;
//! assert_eq!(report.verdict("UK", "deploy"), Some(Verdict::Satisfied));
//! assert_eq!(report.verdict("Ireland", "deploy"), Some(Verdict::Undetermined));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pipeline runs one way, one module per layer: source text →
//! [`syntax`] (typed AST with spans) → [`check`] (names, types, cycles) →
//! [`compile`] (slots) → [`eval`] (three-valued verdicts) → [`report`]
//! (table, JSON). [`facts`] loads and binds fact snapshots; [`RuleSet`] ties
//! the layers together. `ARCHITECTURE.md` has the map.

// The parser pest_derive generates without pest's `std` feature (whose
// per-call stack probe costs a sixth of parsing; the scanner bounds nesting
// before pest runs) names `alloc` from the crate root.
extern crate alloc;

pub mod analysis;
pub mod batch;
pub mod check;
pub mod codegen;
pub mod compile;
pub mod diagnostic;
pub mod eval;
pub mod facts;
pub mod format;
pub mod limits;
mod name_index;
pub mod number;
mod parallel;
mod read;
pub mod report;
mod ruleset;
pub mod source;
pub mod sql;
pub mod syntax;
pub mod synthetic;
pub mod testing;
pub mod text;

pub use analysis::{AnalysisError, Snapshot};
pub use batch::Decider;
pub use diagnostic::{Diagnostic, Diagnostics, Label, Severity};
pub use eval::{Tri, Verdict};
pub use facts::{FactProblem, FactValue, Facts, FactsError};
pub use report::{Report, Row};
pub use ruleset::{LoadError, RuleSet, rule_files_of};
pub use source::{FileId, LineCol, SourceFile, Sources, Span};

/// The README's examples, run as doctests so that they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

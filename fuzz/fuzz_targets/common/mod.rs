//! What the fuzz targets share: the coalition rules, loaded once, and the
//! check that text bound for a terminal is safe there.
#![allow(dead_code)] // each target uses what it needs

use std::sync::OnceLock;

use prereq::batch::Columns;
use prereq::{FactsError, RuleSet};

/// The coalition rules, parsed once per process.
pub fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::parse("coalition.rules", include_str!("../../../rules/coalition.rules")).expect("the example checks")
    })
}

/// Text bound for a terminal holds no control or bidi character but
/// line breaks.
pub fn assert_terminal_safe(text: &str) {
    assert!(
        text.chars().all(|c| c == '\n' || !(c.is_control() || prereq::text::is_bidi_control(c))),
        "rendered text reaches the terminal raw: {text:?}"
    );
}

/// A table loaded strictly and with extra facts allowed: refused as
/// malformed, or every problem placed (`placed` says whether a path names
/// its place in the table) and safe on a terminal, or columns whose
/// verdicts render; allowing extra facts changes nothing that loads.
pub fn assert_table_loads(
    strict: &Result<Columns, FactsError>,
    lenient: &Result<Columns, FactsError>,
    placed: impl Fn(&str) -> bool,
) {
    match strict {
        Ok(columns) => {
            assert_eq!(lenient.as_ref().ok(), Some(columns), "allowing extra facts changes nothing that loads");
            let report = rules().evaluate_columns(columns);
            assert_terminal_safe(&prereq::report::table::render(&report, Default::default()));
            assert_eq!(report.entities().count(), columns.len());
        }
        Err(FactsError::Invalid { problems, .. }) => {
            for problem in problems {
                assert!(placed(&problem.path), "{problem:?} does not say where it is in the table");
                assert_terminal_safe(&problem.to_string().replace("\n  help:", " help:"));
            }
        }
        Err(FactsError::Syntax { message, .. }) => assert_terminal_safe(message),
        Err(other) => panic!("a table fails as {other:?}"),
    }
}

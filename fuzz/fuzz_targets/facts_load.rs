//! Arbitrary bytes as TOML and as JSON facts, bound to the coalition rules.
//! Loading either fails cleanly or yields facts whose problems (if any) make
//! evaluation fail with every problem named by path. The columnar loader
//! accepts exactly what the row loader accepts, reports the same problems
//! (in document order), and its batch verdicts are the row verdicts. What
//! reaches a terminal — the table, every problem and warning — is escaped,
//! and every number accepted is one a float holds as written. The quick
//! JSON reader reads as the serde visitors alone do, into both stores.
//! The same bytes as a CSV table load cleanly or name every problem with
//! its line, and allowing extra facts only ever accepts more.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use prereq::batch::{self, Columns};
use prereq::facts::{Format, LoadOptions};
use common::{assert_table_loads, assert_terminal_safe, rules};
use prereq::{Facts, FactsError};

/// The quick JSON reader against the serde visitors: the same facts, the
/// same problems, the same syntax error.
fn assert_quick_reads_as_serde(text: &str) {
    let schema = rules().program().schema();
    let (quick, serde) = (Facts::from_json_str("fuzz.json", text), Facts::from_json_str_with_serde("fuzz.json", text));
    match (&quick, &serde) {
        (Ok(quick), Ok(serde)) => assert_eq!(quick, serde, "the JSON readers agree on the facts"),
        _ => assert_eq!(quick.err().map(|e| e.to_string()), serde.err().map(|e| e.to_string()), "the JSON readers fail alike"),
    }
    let quick = Columns::from_json_str(schema, "fuzz.json", text);
    let serde = Columns::from_json_str_with_serde(schema, "fuzz.json", text);
    match (&quick, &serde) {
        (Ok(quick), Ok(serde)) => assert_eq!(quick, serde, "the JSON readers agree on the columns"),
        _ => assert_eq!(quick.err().map(|e| e.to_string()), serde.err().map(|e| e.to_string()), "the JSON readers fail alike"),
    }
}

/// The text as a CSV table: refused as not CSV, or every problem named
/// with a path and safe on a terminal, or verdicts; with extra facts
/// allowed, the same columns or more accepted.
fn assert_csv_loads_cleanly(text: &str) {
    let schema = rules().program().schema();
    let strict = LoadOptions { format: Some(Format::Csv), allow_extra_facts: false };
    let lenient = LoadOptions { allow_extra_facts: true, ..strict };
    let (strict, lenient) = (
        Columns::from_text_with(schema, "fuzz.csv", text, &strict),
        Columns::from_text_with(schema, "fuzz.csv", text, &lenient),
    );
    assert_table_loads(&strict, &lenient, |path| path.contains("line "));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let schema = rules().program().schema();
    assert_quick_reads_as_serde(text);
    assert_csv_loads_cleanly(text);
    let loads = [
        (Facts::from_toml_str("fuzz.toml", text), Columns::from_toml_str(schema, "fuzz.toml", text)),
        (Facts::from_json_str("fuzz.json", text), Columns::from_json_str(schema, "fuzz.json", text)),
    ];
    for (loaded, columns) in loads {
        let Ok(facts) = loaded else {
            assert!(matches!(columns, Err(FactsError::Syntax { .. })), "both loaders refuse malformed text");
            continue;
        };
        match (rules().evaluate(&facts), columns) {
            (Ok(report), Ok(columns)) => {
                assert!(facts.problems().is_empty(), "facts with problems never evaluate");
                assert_terminal_safe(&prereq::report::table::render(&report, Default::default()));
                for warning in columns.warnings() {
                    assert_terminal_safe(&warning.to_string());
                }
                for entity in facts.entities() {
                    for (_, value) in &entity.facts {
                        if let prereq::FactValue::Number(n) = value {
                            assert!(n.is_finite() && n.abs() <= prereq::number::MAX_EXACT, "{n} was accepted");
                        }
                    }
                }
                assert_eq!(report.entities().count(), facts.entities().len());
                let _ = report.to_json();
                let table = prereq::facts::bind::bind(&facts, schema).expect("the facts fit");
                let rows = prereq::eval::evaluate(rules().program(), &table);
                assert_eq!(batch::evaluate(rules().program(), &columns).to_verdicts(), rows, "batch verdicts are the row verdicts");
            }
            (Err(FactsError::Invalid { problems, .. }), Err(FactsError::Invalid { problems: columnar, .. })) => {
                assert!(!problems.is_empty());
                assert!(problems.iter().all(|p| !p.path.is_empty()), "every problem names a path");
                problems.iter().for_each(|p| assert_terminal_safe(&p.to_string().replace("\n  help:", " help:")));
                // A table named by the text (`entities_from`) is refused by
                // both, each in its own words: Facts never reads tables,
                // columns read them only from a file.
                let words = |problems: &[prereq::facts::FactProblem]| -> Vec<String> {
                    problems.iter().filter(|p| p.path != "entities_from").map(ToString::to_string).collect()
                };
                let (mut rows, mut columns) = (words(&problems), words(&columnar));
                rows.sort();
                columns.sort();
                assert_eq!(rows, columns, "both loaders report the same problems");
            }
            (rows, columns) => panic!("the loaders disagree: rows {:?}, columns {:?}", rows.err(), columns.err()),
        }
    }
});

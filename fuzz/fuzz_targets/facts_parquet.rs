//! Arbitrary bytes as a Parquet file of entity facts, read into columns for
//! the coalition rules (mutations of a small synthetic table reach its
//! pages and its footer). Loading never panics: it fails with a syntax
//! error (not Parquet, no `entity` column) or with problems that each name
//! a column or a row and are safe on a terminal, or it gives columns whose
//! verdicts render; allowing extra facts only ever accepts more.
#![no_main]

mod common;

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use prereq::batch::Columns;
use prereq::facts::LoadOptions;
use common::{assert_terminal_safe, rules};
use prereq::FactsError;

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("prereq-fuzz-{}.parquet", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("a temporary file");
    file.write_all(data).expect("the bytes are written");
    drop(file);
    let schema = rules().program().schema();
    let strict = Columns::load_with(schema, &path, &LoadOptions::default());
    let lenient = LoadOptions { allow_extra_facts: true, ..LoadOptions::default() };
    let lenient = Columns::load_with(schema, &path, &lenient);
    match &strict {
        Ok(columns) => {
            assert_eq!(lenient.as_ref().ok(), Some(columns), "allowing extra facts changes nothing that loads");
            let report = rules().evaluate_columns(columns);
            assert_terminal_safe(&prereq::report::table::render(&report, Default::default()));
            assert_eq!(report.entities().count(), columns.len());
        }
        Err(FactsError::Invalid { problems, .. }) => {
            for problem in problems {
                assert!(problem.path.contains("column ") || problem.path.contains("row "), "{problem:?} names no column or row");
                assert_terminal_safe(&problem.to_string().replace("\n  help:", " help:"));
            }
        }
        Err(FactsError::Syntax { message, .. }) => assert_terminal_safe(message),
        Err(other) => panic!("a Parquet file fails as {other:?}"),
    }
});

//! Inputs the fuzzers found crashes with, replayed through the same code as
//! the fuzz targets (fuzz/fuzz_targets/). Each file under
//! tests/fuzz_regressions/<target>/ is one input; a crash becomes a file here
//! before its fix.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;

use prereq::batch::Columns;
use prereq::format::format_source;
use prereq::{Facts, FactsError, LoadError, RuleSet, Sources, syntax};

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn parse_check_regressions() {
    for (name, data) in inputs("parse_check") {
        let text = String::from_utf8_lossy(&data);
        let id = Sources::default().add("fuzz.rules", text.as_ref());
        assert_eq!(
            syntax::parse_file(id, &text),
            syntax::parse_file_with_pest(id, &text),
            "{name}: the fast path and pest disagree"
        );
        match RuleSet::parse("fuzz.rules", &text) {
            Ok(rules) => {
                let _ = rules.warnings().to_string();
            }
            Err(LoadError::Invalid(diagnostics)) => {
                assert!(diagnostics.has_errors(), "{name}");
                let _ = diagnostics.to_string();
            }
            Err(other) => panic!("{name}: {other}"),
        }
    }
}

#[test]
fn facts_load_regressions() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    for (name, data) in inputs("facts_load") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let schema = rules.program().schema();
        for (loaded, columns) in [
            (
                Facts::from_toml_str("fuzz.toml", text),
                Columns::from_toml_str(schema, "fuzz.toml", text),
            ),
            (
                Facts::from_json_str("fuzz.json", text),
                Columns::from_json_str(schema, "fuzz.json", text),
            ),
        ] {
            let Ok(facts) = loaded else {
                let refused = matches!(columns, Err(FactsError::Syntax { .. }));
                assert!(refused, "{name}: both loaders refuse malformed text");
                continue;
            };
            match rules.evaluate(&facts) {
                Ok(_) => assert!(facts.problems().is_empty(), "{name}"),
                Err(FactsError::Invalid { problems, .. }) => {
                    assert!(!problems.is_empty(), "{name}")
                }
                Err(other) => panic!("{name}: {other}"),
            }
        }
    }
}

/// Parquet files the decoder panicked on: an error naming the file as
/// corrupt, never a panic.
#[test]
fn facts_parquet_regressions() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let schema = rules.program().schema();
    for (name, _) in inputs("facts_parquet") {
        match Columns::load(schema, &name) {
            Ok(columns) => {
                let _ = rules.evaluate_columns(&columns).to_json();
            }
            Err(FactsError::Invalid { problems, .. }) => assert!(!problems.is_empty(), "{name}"),
            Err(FactsError::Syntax { message, .. }) => {
                assert!(message.contains("Parquet"), "{name}: {message}");
                assert!(
                    !message.chars().any(char::is_control),
                    "{name}: {message:?}"
                );
            }
            Err(other) => panic!("{name}: {other}"),
        }
    }
}

#[test]
fn format_roundtrip_regressions() {
    for (name, data) in inputs("format_roundtrip") {
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        let Ok(formatted) = format_source(text) else {
            continue;
        };
        let input = text.strip_prefix('\u{feff}').unwrap_or(text);
        assert_eq!(
            common::ast_without_spans(&formatted),
            common::ast_without_spans(input),
            "{name}: formatting changed the AST"
        );
        assert_eq!(
            format_source(&formatted).unwrap(),
            formatted,
            "{name}: not idempotent"
        );
        // Lines as the grammar sees them: a lone CR ends a line (and a comment) too.
        for line in text.split(['\n', '\r']) {
            if let Some(at) = line.find('#') {
                if !line[..at].contains('"') {
                    // Trailing blanks (the grammar's, a byte order mark
                    // among them) are the formatter's to drop.
                    let comment =
                        line[at..].trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
                    assert!(
                        formatted.contains(comment),
                        "{name}: lost {:?}",
                        &line[at..]
                    );
                }
            }
        }
    }
}

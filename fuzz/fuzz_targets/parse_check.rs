//! Arbitrary bytes as a rule file: parse, check, compile, and render every
//! diagnostic. Nothing may panic, overflow the stack or hang, the parser's
//! fast path must read the file exactly as pest alone does, and the
//! rendered diagnostics must be safe for a terminal (no control character
//! but newlines, no text-direction control).
#![no_main]

mod common;

use common::assert_terminal_safe;
use libfuzzer_sys::fuzz_target;
use prereq::{LoadError, RuleSet, Sources, syntax};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let id = Sources::default().add("fuzz.rules", text.as_ref());
    assert_eq!(
        syntax::parse_file(id, &text),
        syntax::parse_file_with_pest(id, &text),
        "the fast path and pest disagree"
    );
    match RuleSet::parse("fuzz.rules", &text) {
        Ok(rules) => {
            assert_terminal_safe(&rules.warnings().to_string());
            let facts = prereq::Facts::new("none");
            let report = rules.evaluate(&facts).expect("no facts fit every rule set");
            assert_terminal_safe(&prereq::report::table::render(&report, Default::default()));
        }
        Err(LoadError::Invalid(diagnostics)) => {
            assert!(diagnostics.has_errors(), "a failed load reports an error");
            assert_terminal_safe(&diagnostics.to_string());
        }
        Err(other) => panic!("parsing a string can only fail with diagnostics, got {other}"),
    }
});

//! Arbitrary bytes as a rule file: parse, check, compile, and render every
//! diagnostic. Nothing may panic, overflow the stack or hang, and the
//! parser's fast path must read the file exactly as pest alone does.
#![no_main]

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
            let _ = rules.warnings().to_string();
        }
        Err(LoadError::Invalid(diagnostics)) => {
            assert!(diagnostics.has_errors(), "a failed load reports an error");
            let _ = diagnostics.to_string();
        }
        Err(other) => panic!("parsing a string can only fail with diagnostics, got {other}"),
    }
});

//! Arbitrary bytes as a rule file: parse, check, compile, and render every
//! diagnostic. Nothing may panic, overflow the stack or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prereq::{LoadError, RuleSet};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
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

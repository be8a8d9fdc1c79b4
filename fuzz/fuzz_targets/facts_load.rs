//! Arbitrary bytes as TOML and as JSON facts, bound to the coalition rules.
//! Loading either fails cleanly or yields facts whose problems (if any) make
//! evaluation fail with every problem named by path.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use prereq::{Facts, FactsError, RuleSet};

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        RuleSet::parse("coalition.rules", include_str!("../../rules/coalition.rules")).expect("the example checks")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for loaded in [Facts::from_toml_str("fuzz.toml", text), Facts::from_json_str("fuzz.json", text)] {
        let Ok(facts) = loaded else { continue };
        match rules().evaluate(&facts) {
            Ok(report) => {
                assert!(facts.problems().is_empty(), "facts with problems never evaluate");
                assert_eq!(report.entities().count(), facts.entities().len());
                let _ = report.to_json();
            }
            Err(FactsError::Invalid { problems, .. }) => {
                assert!(!problems.is_empty());
                assert!(problems.iter().all(|p| !p.path.is_empty()), "every problem names a path");
            }
            Err(other) => panic!("binding can only fail with problems, got {other}"),
        }
    }
});

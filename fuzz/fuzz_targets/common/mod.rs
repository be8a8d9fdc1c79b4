//! What the fuzz targets share: the coalition rules, loaded once, and the
//! check that text bound for a terminal is safe there.
#![allow(dead_code)] // each target uses what it needs

use std::sync::OnceLock;

use prereq::RuleSet;

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

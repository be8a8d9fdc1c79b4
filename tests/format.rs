//! The formatter: same AST (spans aside), idempotent, no comment lost.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::ast_without_spans;
use prereq::format::format_source;
use proptest::prelude::*;

/// Rule text with comments added: whole lines, and at the ends of lines.
fn with_comments(text: &str, marks: &[u8]) -> String {
    let mut out = String::new();
    for (index, line) in text.lines().enumerate() {
        let mark = marks.get(index % marks.len().max(1)).copied().unwrap_or(0);
        if mark % 5 == 1 {
            out.push_str(&format!("# line comment {index}\n"));
        }
        out.push_str(line);
        if mark % 5 == 2 && !line.trim().is_empty() {
            out.push_str(&format!("   # end comment {index}"));
        }
        out.push('\n');
        if mark % 5 == 3 {
            out.push('\n');
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    #[test]
    fn formatting_keeps_meaning_and_comments_and_is_idempotent(rules in common::rule_set(), marks in prop::collection::vec(any::<u8>(), 1..40)) {
        let input = with_comments(&common::print_rules(&rules), &marks);
        let formatted = format_source(&input).unwrap();
        prop_assert_eq!(ast_without_spans(&formatted), ast_without_spans(&input));
        prop_assert_eq!(format_source(&formatted).unwrap(), formatted.clone(), "not idempotent");
        for comment in input.lines().filter_map(|l| l.find('#').map(|at| l[at..].trim())) {
            prop_assert!(formatted.contains(comment), "lost {:?}\n{}", comment, formatted);
        }
    }
}

#[test]
fn a_messy_file_in_canonical_layout() {
    let messy = "# Header comment.\n\n\n\
        world  fact us_backstop :bool\n\
        ##   Doc with extra spaces.\n\
        fact legal_basis:bool fixed\n\
        fact troops:number # trailing\n\
        rule deploy requires(us_backstop)and legal_basis and troops>=1000 and not(legal_basis or us_backstop) and \"x\"in[\"a\",\"b\\\"c\"]\n\
        rule kept requires us_backstop # inside\n    and legal_basis\n\
        # Attached to the next rule.\n\
        rule short requires a or b and c unless not not legal_basis\n";
    let formatted = format_source(messy).unwrap();
    insta::assert_snapshot!(formatted);
    assert_eq!(format_source(&formatted).unwrap(), formatted);
}

#[test]
fn files_with_syntax_errors_are_not_formatted() {
    assert!(format_source("rule r requires a and\n").is_err());
}

//! Arbitrary bytes as a rule file: whatever formats must parse to the same
//! AST (spans aside), format to itself, and keep every comment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prereq::format::format_source;
use prereq::{Sources, syntax};

fn ast_without_spans(text: &str) -> String {
    let mut sources = Sources::default();
    let (file, _) = syntax::parse_file(sources.add("f.rules", text), text);
    let debug = format!("{:?}", file.declarations);
    let mut out = String::new();
    let mut rest = debug.as_str();
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let close = rest[at..].find('}').expect("spans close");
        rest = &rest[at + close + 1..];
    }
    out.push_str(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(formatted) = format_source(text) else { return };
    let input = text.strip_prefix('\u{feff}').unwrap_or(text);
    assert_eq!(ast_without_spans(&formatted), ast_without_spans(input), "AST changed:\n{input}\n---\n{formatted}");
    assert_eq!(format_source(&formatted).expect("formatted text parses"), formatted, "not idempotent");
    // Lines as the grammar sees them: a lone CR ends a line (and a comment) too.
    for line in input.split(['\n', '\r']) {
        if let Some(at) = line.find('#') {
            // Trailing blanks (the grammar's, a byte order mark among them) are the formatter's to drop.
            let comment = line[at..].trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
            if !line[..at].contains('"') {
                assert!(formatted.contains(comment), "lost {comment:?}");
            }
        }
    }
});

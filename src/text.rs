//! Text from files, on its way to a terminal.
//!
//! Rule files, facts files and test files are written by people and by
//! programs, some hostile. Their text reaches people through tables,
//! explanations and diagnostics, and a terminal obeys what it is sent: an
//! escape character clears the screen or retitles the window, a newline in
//! an entity name forges a row of the table, and a bidirectional override
//! (U+202E) shows code in another order than the order it runs in (the
//! "Trojan Source" attack). Everything a renderer prints that came from a
//! file goes through [`escape`]; the syntax layer refuses bidirectional
//! controls in rule files outright ([`is_bidi_control`]).
//!
//! Architecture invariant: one definition of which characters are unsafe,
//! used by every layer that reads or prints text from files; JSON output
//! needs none of it (serde escapes control characters, and a JSON reader
//! shows no bidi effect).

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` changes the direction in which text is shown: the explicit
/// embeddings, overrides and isolates of Unicode's bidirectional algorithm
/// and the implicit marks.
///
/// ```
/// assert!(prereq::text::is_bidi_control('\u{202e}'));
/// assert!(!prereq::text::is_bidi_control('a'));
/// ```
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `c` must not reach a terminal as it is: control characters (C0,
/// DEL, C1), bidirectional controls, line and paragraph separators, and
/// the invisible characters that make two names look alike.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || is_bidi_control(c)
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200b}' | '\u{2060}' | '\u{feff}'
        )
}

/// Text with every unsafe character written as a visible escape: `\n`,
/// `\t`, `\r`, or `\u{1b}` for the others. Text with none is returned as it
/// is, without copying. Escaping escaped text changes nothing. (A
/// backslash is left as it is, so `a\nb` written with one looks like a
/// newline escaped: the terminal is safe either way, and JSON output tells
/// them apart.)
///
/// ```
/// use prereq::text::escape;
/// assert_eq!(escape("UK"), "UK");
/// assert_eq!(escape("a\x1b[2Jb"), "a\\u{1b}[2Jb");
/// assert_eq!(escape("evil\nUK  ✓"), "evil\\nUK  ✓");
/// assert_eq!(escape("\u{202e}abc"), "\\u{202e}abc");
/// assert_eq!(escape(&escape("\x07")), escape("\x07"));
/// ```
pub fn escape(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first bidirectional control in `text`, with its byte offset.
pub fn find_bidi_control(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|(_, c)| is_bidi_control(*c))
}

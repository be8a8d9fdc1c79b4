//! A quick reader for JSON facts documents of the usual shape.
//!
//! Nearly every facts file a tool writes is plain: a `world` table and an
//! `entities` table of tables whose values are `true`, `false`, numbers,
//! strings without escapes and lists of such strings. Through serde, each
//! value is scanned twice (once for its raw text, once to read it) and each
//! key goes through a visitor; this reader scans each byte once, borrows
//! every key and string from the text, and hands the values to the same
//! [`FactSink`] in the same order as the serde visitors do.
//!
//! It gives up — returns `None` — at the first thing it is not sure of: an
//! escape, a control character, `null`, a nested table, a number JSON does
//! not allow, a key given twice at the top, a blank or repeated entity, the
//! entity limit, a list beyond the set limit, anything after the document.
//! A sink may put off checking that entity names differ until the end
//! ([`FactSink::defer_name_checks`]), so a repeated one is found then.
//! The caller then reads the text again, from a fresh sink, with the serde
//! visitors ([`super::de`]), which define what a facts document means and
//! say what is wrong with it.
//!
//! Architecture invariant: where this reader answers, its sink receives
//! exactly the calls the serde visitors would make; it never reports a
//! syntax error and never decides a case differently. A differential
//! property test (`tests/facts_json.rs`) and the `facts_load` fuzz target
//! check it.

use super::FactValue;
use super::de::{FactSink, Limits, Owner, Refusal, number};

/// Reads `text` into `sink`, or gives up (`None`) and leaves `sink` to be
/// thrown away.
pub(crate) fn read<S: FactSink>(text: &str, limits: Limits, sink: &mut S) -> Option<()> {
    let mut cursor = Cursor::new(text);
    sink.defer_name_checks();
    let (mut seen_world, mut seen_entities) = (false, false);
    cursor.members(|cursor, key| {
        match key {
            "world" if !seen_world => seen_world = true,
            "entities" if !seen_entities => seen_entities = true,
            _ => return None,
        }
        match key {
            "world" => cursor.table(Owner::World, limits, sink),
            _ => cursor.entities(limits, sink),
        }
    })?;
    cursor.blank();
    (cursor.at == text.len() && sink.names_unique()).then_some(())
}

/// Reads a JSON facts file of the usual shape a chunk at a time into
/// `sink`, or gives up (`None`, the sink to be thrown away) — also where
/// the file cannot be read, is larger than `byte_limit`, is not UTF-8, or
/// holds a NUL byte, all of which the whole-file reader then words.
///
/// The document is read in frames — a top-level key, the world table, one
/// entity with its table — each whole in a buffer of about a chunk that is
/// used again and again, and read by the same [`Cursor`] as a text: a
/// million entities are read without the file's text in memory (on a
/// machine whose fresh memory is slow to hand out, a tenth of loading;
/// and most of its memory).
pub(crate) fn read_stream<S: FactSink>(
    reader: impl std::io::Read,
    chunk: usize,
    byte_limit: u64,
    limits: Limits,
    sink: &mut S,
) -> Option<()> {
    let mut stream = Stream {
        reader,
        buffer: Vec::new(),
        start: 0,
        chunk: chunk.max(1),
        left: byte_limit,
        end: false,
    };
    sink.defer_name_checks();
    stream.skip_bom()?;
    stream.expect(b'{')?;
    let (mut seen_world, mut seen_entities) = (false, false);
    if !stream.take(b'}')? {
        loop {
            let length = stream.frame(Scan::string)?;
            let key = stream.text(length).map(str::to_string)?;
            stream.consume(length);
            stream.expect(b':')?;
            match key.as_str() {
                "\"world\"" if !seen_world => {
                    seen_world = true;
                    let table = stream.frame(Scan::object)?;
                    let text = stream.text(table)?;
                    Cursor::whole(text, |cursor| cursor.table(Owner::World, limits, sink))?;
                    stream.consume(table);
                }
                "\"entities\"" if !seen_entities => {
                    seen_entities = true;
                    stream.entities(limits, sink)?;
                }
                _ => return None,
            }
            if !stream.take(b',')? {
                stream.expect(b'}')?;
                break;
            }
        }
    }
    (stream.at_end()? && sink.names_unique()).then_some(())
}

/// A file read a chunk at a time, the bytes not yet read in `buffer`
/// from `start`.
struct Stream<R> {
    reader: R,
    buffer: Vec<u8>,
    start: usize,
    chunk: usize,
    /// How many more bytes the file may hold.
    left: u64,
    /// The file has no more bytes.
    end: bool,
}

/// How far a frame reaches in the bytes at hand.
enum Reach {
    /// It ends after this many bytes.
    Whole(usize),
    /// It goes on past them.
    Beyond,
}

/// Where a run of entities read from the bytes at hand stopped.
enum StoppedAfter {
    /// After an entity: a comma or the table's end comes next.
    Entity,
    /// After an entity's comma: another entity comes next.
    Comma,
    /// After the table of entities.
    Table,
}

/// Where frames end: `None` for bytes the quick reader gives up on anyway.
struct Scan;

impl Scan {
    /// A plain string ([`string_end`]), quotes included.
    fn string(bytes: &[u8]) -> Option<Reach> {
        if bytes.first()? != &b'"' {
            return None;
        }
        let rest = bytes.get(1..)?;
        Some(match string_end(rest) {
            Some(at) if rest.get(at) == Some(&b'"') => Reach::Whole(at + 2),
            Some(_) => return None,
            None => Reach::Beyond,
        })
    }

    /// A table, to its closing brace (tables and lists in it balanced,
    /// strings without escapes).
    fn object(bytes: &[u8]) -> Option<Reach> {
        if bytes.first()? != &b'{' {
            return None;
        }
        let (mut depth, mut in_string) = (0usize, false);
        for (at, byte) in bytes.iter().enumerate() {
            match (in_string, byte) {
                (true, b'"') => in_string = false,
                (true, b'\\') => return None,
                (true, _) => {}
                (false, b'"') => in_string = true,
                (false, b'{' | b'[') => depth += 1,
                (false, b'}' | b']') => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(Reach::Whole(at + 1));
                    }
                }
                (false, _) => {}
            }
        }
        Some(Reach::Beyond)
    }
}

impl<R: std::io::Read> Stream<R> {
    fn at_hand(&self) -> &[u8] {
        self.buffer.get(self.start..).unwrap_or_default()
    }

    /// Reads another chunk after the bytes at hand; false at the end.
    fn fill(&mut self) -> Option<bool> {
        if self.end {
            return Some(false);
        }
        self.buffer.drain(..self.start);
        self.start = 0;
        let kept = self.buffer.len();
        // As much again as is kept, at least a chunk: a frame longer than a
        // chunk is scanned again after each read, so the reads double and
        // the scans add up to a few times its length, never its square.
        self.buffer.resize(kept + self.chunk.max(kept), 0);
        let read = loop {
            match self.reader.read(self.buffer.get_mut(kept..)?) {
                Ok(read) => break read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        };
        self.buffer.truncate(kept + read);
        self.left = self.left.checked_sub(read as u64)?;
        self.end = read == 0;
        Some(read > 0)
    }

    /// The length of the frame at hand that `scan` finds, read in full.
    fn frame(&mut self, scan: fn(&[u8]) -> Option<Reach>) -> Option<usize> {
        self.blank()?;
        loop {
            if !self.at_hand().is_empty() {
                if let Reach::Whole(length) = scan(self.at_hand())? {
                    return Some(length);
                }
            }
            if !self.fill()? {
                return None;
            }
        }
    }

    /// The first `length` bytes at hand, as text.
    fn text(&self, length: usize) -> Option<&str> {
        std::str::from_utf8(self.at_hand().get(..length)?).ok()
    }

    fn consume(&mut self, length: usize) {
        self.start += length;
    }

    /// Skips whitespace, reading on as needed.
    fn blank(&mut self) -> Option<()> {
        loop {
            let blank = self
                .at_hand()
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
                .count();
            self.consume(blank);
            if !self.at_hand().is_empty() || !self.fill()? {
                return Some(());
            }
        }
    }

    /// Takes `byte` after any whitespace if it is next.
    fn take(&mut self, byte: u8) -> Option<bool> {
        self.blank()?;
        let next = self.at_hand().first() == Some(&byte);
        if next {
            self.consume(1);
        }
        Some(next)
    }

    /// Takes `byte` after any whitespace, or gives up.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.take(byte)?.then_some(())
    }

    /// Skips a byte order mark at the start of the file.
    fn skip_bom(&mut self) -> Option<()> {
        while self.at_hand().len() < 3 && self.fill()? {}
        if self.at_hand().starts_with("\u{feff}".as_bytes()) {
            self.consume(3);
        }
        Some(())
    }

    /// Whether nothing but whitespace is left.
    fn at_end(&mut self) -> Option<bool> {
        self.blank()?;
        Some(self.at_hand().is_empty())
    }

    /// The entities table, as many entities at a time as the bytes at
    /// hand hold: up to the last closing brace at hand, which ends an
    /// entity unless it is in a string — and then the string runs past
    /// those bytes, and the reader gives up, never reading a part of an
    /// entity as a whole one.
    fn entities<S: FactSink>(&mut self, limits: Limits, sink: &mut S) -> Option<()> {
        self.expect(b'{')?;
        if self.take(b'}')? {
            return Some(());
        }
        let mut after_entity = false;
        loop {
            if after_entity && !self.take(b',')? {
                return self.expect(b'}');
            }
            let length = loop {
                if let Some(brace) = memchr::memrchr(b'}', self.at_hand()) {
                    break brace + 1;
                }
                if !self.fill()? {
                    return None;
                }
            };
            let text = self.text(length)?;
            let mut cursor = Cursor::new(text);
            let stop = cursor.entities_in(limits, sink)?;
            let read = cursor.at;
            self.consume(read);
            match stop {
                StoppedAfter::Table => return Some(()),
                StoppedAfter::Entity => after_entity = true,
                StoppedAfter::Comma => after_entity = false,
            }
        }
    }
}

/// A position in the text being read.
struct Cursor<'t> {
    text: &'t str,
    at: usize,
    /// The strings of the list read last, borrowed from the text.
    items: Vec<&'t str>,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Cursor<'t> {
        Cursor {
            text,
            at: 0,
            items: Vec::new(),
        }
    }

    fn bytes(&self) -> &'t [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    /// Skips JSON's whitespace: space, tab, line feed, carriage return.
    fn blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// Takes `byte` after any whitespace, or gives up.
    fn expect(&mut self, byte: u8) -> Option<()> {
        self.blank();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// Takes `byte` after any whitespace if it is next.
    fn take(&mut self, byte: u8) -> bool {
        self.blank();
        let next = self.peek() == Some(byte);
        if next {
            self.at += 1;
        }
        next
    }

    /// The members of an object, each handed to `member` with its key,
    /// the cursor left before the value.
    fn members(
        &mut self,
        mut member: impl FnMut(&mut Cursor<'t>, &'t str) -> Option<()>,
    ) -> Option<()> {
        self.expect(b'{')?;
        if self.take(b'}') {
            return Some(());
        }
        loop {
            self.blank();
            let key = self.string()?;
            self.expect(b':')?;
            member(self, key)?;
            if !self.take(b',') {
                return self.expect(b'}');
            }
        }
    }

    /// A string with no escape and no control character, without its quotes.
    fn string(&mut self) -> Option<&'t str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.at + 1;
        let rest = self.bytes().get(start..)?;
        let length = string_end(rest)?;
        if rest.get(length) != Some(&b'"') {
            return None;
        }
        self.at = start + length + 1;
        self.text.get(start..start + length)
    }

    /// The entities table: each entity's name, then its table of facts.
    fn entities<S: FactSink>(&mut self, limits: Limits, sink: &mut S) -> Option<()> {
        self.members(|cursor, name| cursor.entity(name, limits, sink))
    }

    /// Entity `name`, its table of facts next.
    fn entity<S: FactSink>(&mut self, name: &str, limits: Limits, sink: &mut S) -> Option<()> {
        if sink.entity_count() >= limits.entities || name.trim().is_empty() {
            return None;
        }
        sink.entity(name).ok()?;
        self.table(Owner::Entity(name), limits, sink)
    }

    /// The entities of a text that starts with an entity and ends after
    /// one (or after its comma), or after the table of entities.
    fn entities_in<S: FactSink>(&mut self, limits: Limits, sink: &mut S) -> Option<StoppedAfter> {
        loop {
            self.blank();
            let name = self.string()?;
            self.expect(b':')?;
            self.entity(name, limits, sink)?;
            self.blank();
            if self.at == self.text.len() {
                return Some(StoppedAfter::Entity);
            }
            if !self.take(b',') {
                self.expect(b'}')?;
                return Some(StoppedAfter::Table);
            }
            self.blank();
            if self.at == self.text.len() {
                return Some(StoppedAfter::Comma);
            }
        }
    }

    /// Reads all of `text` as the value `read` reads, or gives up.
    fn whole(text: &'t str, read: impl FnOnce(&mut Cursor<'t>) -> Option<()>) -> Option<()> {
        let mut cursor = Cursor::new(text);
        read(&mut cursor)?;
        cursor.blank();
        (cursor.at == text.len()).then_some(())
    }

    /// A table of facts, each value handed to `sink` as the serde visitors
    /// hand it, a refused one reported at its path. An entity's list goes
    /// to the sink as strings borrowed from the text.
    fn table<S: FactSink>(&mut self, owner: Owner<'_>, limits: Limits, sink: &mut S) -> Option<()> {
        self.members(|cursor, key| {
            cursor.blank();
            let taken = match (cursor.peek()?, owner) {
                (b'[', Owner::Entity(_)) => {
                    cursor.strings(limits)?;
                    sink.entity_strings(key, &cursor.items)
                }
                (b'[', Owner::World) => {
                    cursor.strings(limits)?;
                    let strings = cursor.items.iter().map(|s| s.to_string()).collect();
                    sink.world_fact(key, FactValue::Strings(strings))
                }
                _ => match cursor.value()? {
                    Ok(value) => match owner {
                        Owner::World => sink.world_fact(key, value),
                        Owner::Entity(_) => sink.entity_fact(key, value),
                    },
                    Err(refusal) => Err(refusal),
                },
            };
            if let Err(refusal) = taken {
                sink.problem(refusal.at(owner.path(Some(key))));
            }
            Some(())
        })
    }

    /// A fact value other than a list: a bool, a number (checked as
    /// written) or a plain string.
    fn value(&mut self) -> Option<Result<FactValue, Refusal>> {
        match self.peek()? {
            b't' => self.word("true").map(|()| Ok(FactValue::Bool(true))),
            b'f' => self.word("false").map(|()| Ok(FactValue::Bool(false))),
            b'"' => self.string().map(|s| Ok(FactValue::String(s.to_string()))),
            b'-' | b'0'..=b'9' => self.number().map(number),
            _ => None,
        }
    }

    /// Takes `word` if it is next.
    fn word(&mut self, word: &str) -> Option<()> {
        let rest = self.bytes().get(self.at..)?;
        rest.starts_with(word.as_bytes())
            .then(|| self.at += word.len())
    }

    /// A list of plain strings, at most the set limit of them, into `items`.
    fn strings(&mut self, limits: Limits) -> Option<()> {
        self.items.clear();
        self.expect(b'[')?;
        if self.take(b']') {
            return Some(());
        }
        loop {
            self.blank();
            if self.items.len() >= limits.set_size {
                return None;
            }
            let item = self.string()?;
            self.items.push(item);
            if !self.take(b',') {
                return self.expect(b']');
            }
        }
    }

    /// The text of a number as JSON writes one:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> Option<&'t str> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        self.text.get(start..self.at)
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    /// At least one digit.
    fn some_digits(&mut self) -> Option<()> {
        let start = self.at;
        self.digits();
        (self.at > start).then_some(())
    }
}

/// Where the first quote, backslash or control character of `bytes` is:
/// where a plain string ends, or shows it is not plain. Eight bytes at a
/// time (keys and values are short: a vector search would not pay for
/// its setup), then byte by byte.
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // The high bit of each byte below `n` (n <= 0x80); above the lowest
    // such byte, a borrow may mark others, so only the lowest is read.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGHS;
    let zero = |word: u64| below(word, 1);
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = zero(word ^ (ONES * u64::from(b'"')))
            | zero(word ^ (ONES * u64::from(b'\\')))
            | below(word, 0x20);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = bytes.get(at..)?;
    let within = tail
        .iter()
        .position(|b| matches!(b, b'"' | b'\\' | 0..0x20))?;
    Some(at + within)
}

#[cfg(test)]
mod tests {
    use super::string_end;
    use crate::facts::Facts;
    use crate::facts::de::{FactsReader, LIMITS, read_json};

    /// The document read a chunk of `chunk` bytes at a time, if the
    /// streaming reader answers.
    fn streamed(text: &str, chunk: usize) -> Option<Facts> {
        let mut reader = FactsReader::default();
        super::read_stream(text.as_bytes(), chunk, u64::MAX, LIMITS, &mut reader)?;
        Some(reader.facts)
    }

    fn read_whole(text: &str) -> Facts {
        read_json(crate::facts::without_bom(text), FactsReader::default)
            .map_or_else(|_| Facts::default(), |r| r.facts)
    }

    #[test]
    fn streaming_in_any_chunks_reads_as_the_whole_text_reads() {
        let usual = crate::synthetic::CoalitionFacts {
            entities: 40,
            seed: 3,
            unknown_percent: 20,
        }
        .json();
        let documents = [
            usual.as_str(),
            "{}",
            " {\n} ",
            "\u{feff}{\"world\": {\"a\": 1}}",
            r#"{"entities": {}, "world": {"w": true}}"#,
            r#"{"entities": {"A": {"x": "}"}, "B": {"y": [" } ", "b"]}}}"#,
            r#"{"entities": {"A": {}, "B": {"n": -1.5e3}} , "world": {}}"#,
            r#"{"entities": {"A": {}, "A": {}}}"#,
            r#"{"entities": {"A": {"s": "a\"b"}}}"#,
            r#"{"entities": {"A": {"n": null}}}"#,
            r#"{"entities": {"A": {}}} x"#,
            r#"{"entities": {"A": {}, }}"#,
            r#"{"entities": {"A": {"t": true}"#,
        ];
        for text in documents {
            let whole = read_whole(text);
            for chunk in [1, 2, 3, 7, 64, 1 << 20] {
                if let Some(streamed) = streamed(text, chunk) {
                    assert_eq!(streamed, whole, "{text:?} in chunks of {chunk}");
                }
            }
        }
        for chunk in [1, 5, 100] {
            assert!(
                streamed(&usual, chunk).is_some(),
                "the usual shape streams, in chunks of {chunk}"
            );
        }
    }

    /// Byte by byte: the definition the word-at-a-time search keeps.
    fn string_end_bytewise(bytes: &[u8]) -> Option<usize> {
        bytes
            .iter()
            .position(|b| matches!(b, b'"' | b'\\' | 0..0x20))
    }

    #[test]
    fn the_word_search_finds_what_a_byte_search_finds() {
        let fillers: [u8; 6] = [b'a', b' ', 0x7f, 0x80, 0xc3, b'!'];
        let specials: [u8; 6] = [b'"', b'\\', 0x00, 0x1f, b'\t', b'\n'];
        for length in 0..20 {
            for filler in fillers {
                let plain = vec![filler; length];
                assert_eq!(string_end(&plain), string_end_bytewise(&plain));
                for at in 0..length {
                    for special in specials {
                        for second in [None, Some(b'"'), Some(0x01)] {
                            let mut bytes = plain.clone();
                            if let Some(slot) = bytes.get_mut(at) {
                                *slot = special;
                            }
                            if let (Some(second), Some(slot)) = (second, bytes.get_mut(at + 3)) {
                                *slot = second;
                            }
                            assert_eq!(
                                string_end(&bytes),
                                string_end_bytewise(&bytes),
                                "{bytes:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}

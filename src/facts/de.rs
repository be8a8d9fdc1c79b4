//! Deserializing a facts document with serde, streaming into a sink.
//!
//! The visitors here read a document in order and hand each value to a
//! [`FactSink`] as soon as it is read, with no intermediate value tree:
//! [`Facts`] is one sink (values as written), the columnar store of
//! [`crate::batch`] another (values typed and placed in columns as they
//! arrive, so a million entities never exist as a million small maps).
//!
//! A value that can never be a fact (`null`, a table, a list with a number
//! in it, an inexact integer) does not abort the read: it is reported as a
//! [`FactProblem`] with its path, so that one run reports every problem. A
//! sink may refuse a value too (a fact given twice, or, for a sink that
//! knows the declarations, a value that does not fit); the visitor adds the
//! path. Only malformed TOML/JSON aborts.
//!
//! Numbers are checked as written ([`crate::number::exact`]): the JSON
//! reader takes each value's raw text ([`JsonText`]), the TOML reader the
//! text of its span ([`TomlText`]), so a number a float would round is
//! refused with its path instead of rounded. A generic serde deserializer
//! ([`AnyFormat`]) hands over floats only, which are checked against the
//! range.

use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{FactProblem, FactValue, Facts, Put, Table, WORLD_TABLE, entity_table, path_key};
use crate::compile::FactSlot;
use crate::limits::{MAX_ENTITIES, MAX_SET_SIZE};

/// Where the values of a facts document go, in document order.
pub(crate) trait FactSink {
    /// A fact under `[world]`.
    fn world_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal>;
    /// A new entity; the facts that follow are its own.
    fn entity(&mut self, name: &str) -> Result<(), Refusal>;
    /// A fact of the entity added last.
    fn entity_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal>;
    /// A list fact of the entity added last, its strings borrowed from the
    /// document (a sink that keeps them as ids need not copy them).
    fn entity_strings(&mut self, name: &str, strings: &[&str]) -> Result<(), Refusal> {
        let strings = strings.iter().map(|s| s.to_string()).collect();
        self.entity_fact(name, FactValue::Strings(strings))
    }
    /// A fact of the entity added last, known by its declaration rather
    /// than by name and given at most once per entity (a table's column,
    /// checked once, in its header): nothing to look up.
    fn declared_fact(&mut self, fact: &FactSlot, value: FactValue) -> Result<(), Refusal> {
        self.entity_fact(&fact.name, value)
    }
    /// A set fact of the entity added last, known by its declaration, as
    /// [`FactSink::declared_fact`]; its strings borrowed.
    fn declared_strings(&mut self, fact: &FactSlot, strings: &[&str]) -> Result<(), Refusal> {
        self.entity_strings(&fact.name, strings)
    }
    /// The document names a table of entities to read after it
    /// (`entities_from = "countries.csv"`). Only a sink that knows the
    /// rules' declarations can read a table's cells, so by default it is
    /// refused.
    fn entities_from(&mut self, table: String) -> Result<(), Refusal> {
        let _ = table;
        Err(Refusal::new(
            "`entities_from` names a table, whose cells are read by the rules' declarations",
            Some(
                "load these facts with the rules: RuleSet::load_columns (as the command line does)",
            ),
        ))
    }
    /// How many entities have been added.
    fn entity_count(&self) -> usize;
    /// A problem found in the document.
    fn problem(&mut self, problem: FactProblem);
    /// Entity names may go unchecked until [`FactSink::names_unique`]
    /// (asked by a reader that can start again if they are not).
    fn defer_name_checks(&mut self) {}
    /// Whether the entity names given since [`FactSink::defer_name_checks`]
    /// are all different: if not, the sink must be thrown away, for it
    /// took a repeated entity as a new one.
    fn names_unique(&mut self) -> bool {
        true
    }
}

/// Why a sink did not take a value or an entity; the visitor adds the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl Refusal {
    pub(crate) fn new(message: impl Into<String>, help: Option<&str>) -> Refusal {
        Refusal {
            message: message.into(),
            help: help.map(str::to_string),
        }
    }

    /// The same fact given twice for one entity, or twice under `[world]`.
    pub(crate) fn fact_twice() -> Refusal {
        Refusal::new("this fact is given twice", Some("keep one value"))
    }

    /// The same entity given twice.
    pub(crate) fn entity_twice() -> Refusal {
        Refusal::new("this entity is given twice", Some("merge the two tables"))
    }

    pub(crate) fn at(self, path: String) -> FactProblem {
        FactProblem {
            path,
            message: self.message,
            help: self.help,
        }
    }
}

/// How much a facts document may hold; beyond it, the rest is skipped and
/// reported, so memory stays bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) entities: usize,
    pub(crate) set_size: usize,
}

pub(crate) const LIMITS: Limits = Limits {
    entities: MAX_ENTITIES,
    set_size: MAX_SET_SIZE,
};

/// Reads a whole document into `sink`, its values read by `read`.
pub(crate) fn read_document<'de, D: Deserializer<'de>, S: FactSink, R: ReadValue>(
    deserializer: D,
    limits: Limits,
    read: R,
    sink: &mut S,
) -> Result<(), D::Error> {
    deserializer.deserialize_map(DocumentVisitor { limits, read, sink })
}

/// Reads facts from any serde format. Numbers come as floats, checked
/// against the range only: [`Facts::from_json_str`] and
/// [`Facts::from_toml_str`] also check them as written.
impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut reader = FactsReader::default();
        read_document(deserializer, LIMITS, AnyFormat, &mut reader)?;
        Ok(reader.facts)
    }
}

/// Reads a JSON document into a sink made by `fresh`: quickly where the
/// document has the usual shape ([`super::quick_json`]), else (into a
/// second fresh sink) with the serde visitors, which say what is wrong.
pub(crate) fn read_json<S: FactSink>(
    text: &str,
    fresh: impl Fn() -> S,
) -> Result<S, serde_json::Error> {
    let mut sink = fresh();
    if super::quick_json::read(text, LIMITS, &mut sink).is_some() {
        return Ok(sink);
    }
    read_json_with_serde(text, fresh())
}

/// Reads a JSON facts file into a sink made by `fresh`: streamed where it
/// is a regular file of the usual shape ([`super::quick_json::read_stream`]),
/// else read whole, into a fresh sink, by the serde visitors, which word
/// what is wrong (the file unreadable, too large, not UTF-8, not JSON…).
pub(crate) fn load_json<S: FactSink>(
    path: &std::path::Path,
    fresh: impl Fn() -> S,
) -> Result<S, super::FactsError> {
    if let Some((file, size)) = crate::read::regular(path) {
        let mut sink = fresh();
        let limit = crate::limits::MAX_FACTS_FILE_BYTES;
        // A small file in one read (and the read that finds its end).
        let chunk = usize::try_from(size.saturating_add(1))
            .map_or(crate::read::CHUNK, |size| size.min(crate::read::CHUNK));
        if super::quick_json::read_stream(file, chunk, limit, LIMITS, &mut sink).is_some() {
            return Ok(sink);
        }
    }
    let (origin, text, _) = super::read_facts_file(path)?;
    read_json_with_serde(super::without_bom(&text), fresh())
        .map_err(|error| super::syntax_error(&origin, error.to_string()))
}

/// Reads a JSON document into `sink` with the serde visitors alone.
pub(crate) fn read_json_with_serde<S: FactSink>(
    text: &str,
    mut sink: S,
) -> Result<S, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    read_document(&mut deserializer, LIMITS, JsonText, &mut sink)?;
    deserializer.end()?;
    Ok(sink)
}

/// Reads documents into [`Facts`]: JSON or TOML text, numbers checked as written.
pub(crate) fn facts_from_json(text: &str) -> Result<Facts, serde_json::Error> {
    Ok(read_json(text, FactsReader::default)?.facts)
}

/// Reads a JSON facts file into [`Facts`] ([`load_json`]).
pub(crate) fn facts_from_json_file(path: &std::path::Path) -> Result<Facts, super::FactsError> {
    Ok(load_json(path, FactsReader::default)?.facts)
}

/// Reads JSON into [`Facts`] with the serde visitors alone.
pub(crate) fn facts_from_json_with_serde(text: &str) -> Result<Facts, serde_json::Error> {
    Ok(read_json_with_serde(text, FactsReader::default())?.facts)
}

/// See [`facts_from_json`].
pub(crate) fn facts_from_toml(text: &str) -> Result<Facts, toml::de::Error> {
    let mut reader = FactsReader::default();
    let deserializer = toml::Deserializer::parse(text)?;
    read_document(deserializer, LIMITS, TomlText(text), &mut reader)?;
    Ok(reader.facts)
}

/// How one fact value is taken from its table, by format.
pub(crate) trait ReadValue: Copy {
    /// The next value of `map`, or why it can never be a fact.
    fn value<'de, A: MapAccess<'de>>(
        self,
        map: &mut A,
        limits: Limits,
    ) -> Result<Result<FactValue, Refusal>, A::Error>;
}

/// Any serde deserializer: numbers come as floats.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnyFormat;

impl ReadValue for AnyFormat {
    fn value<'de, A: MapAccess<'de>>(
        self,
        map: &mut A,
        limits: Limits,
    ) -> Result<Result<FactValue, Refusal>, A::Error> {
        Ok(map.next_value_seed(ValueVisitor(limits))?.0)
    }
}

/// JSON text: each value's raw text is read, numbers checked as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonText;

impl ReadValue for JsonText {
    fn value<'de, A: MapAccess<'de>>(
        self,
        map: &mut A,
        limits: Limits,
    ) -> Result<Result<FactValue, Refusal>, A::Error> {
        let raw: &'de serde_json::value::RawValue = map.next_value()?;
        let text = raw.get();
        Ok(match text.as_bytes().first() {
            Some(b'-' | b'0'..=b'9') => number(text),
            Some(b't') if text == "true" => Ok(FactValue::Bool(true)),
            Some(b'f') if text == "false" => Ok(FactValue::Bool(false)),
            Some(b'"') if !text.contains('\\') => Ok(FactValue::String(
                text.get(1..text.len() - 1).unwrap_or("").to_string(),
            )),
            Some(b'[') => match plain_strings(text) {
                Some(strings) if strings.len() <= limits.set_size => {
                    Ok(FactValue::Strings(strings))
                }
                _ => parse_whole(text, limits)?,
            },
            _ => parse_whole(text, limits)?,
        })
    }
}

/// A JSON value parsed in full, for what the quick readings leave.
fn parse_whole<E: de::Error>(text: &str, limits: Limits) -> Result<Result<FactValue, Refusal>, E> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Ok(ValueVisitor(limits)
        .deserialize(&mut deserializer)
        .map_err(de::Error::custom)?
        .0)
}

/// The strings of a JSON list (already checked to be valid JSON) whose
/// elements are all strings without escapes; `None` for any other list.
fn plain_strings(raw: &str) -> Option<Vec<String>> {
    let bytes = raw.as_bytes();
    let blank = |at: &mut usize| {
        while bytes.get(*at).is_some_and(|b| b.is_ascii_whitespace()) {
            *at += 1;
        }
    };
    let mut strings = Vec::new();
    let mut at = 1;
    blank(&mut at);
    if bytes.get(at) == Some(&b']') {
        return Some(strings);
    }
    loop {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let start = at + 1;
        let length = bytes.get(start..)?.iter().position(|b| *b == b'"')?;
        let string = raw.get(start..start + length)?;
        if string.contains('\\') {
            return None;
        }
        strings.push(string.to_string());
        at = start + length + 1;
        blank(&mut at);
        match bytes.get(at) {
            Some(b',') => {
                at += 1;
                blank(&mut at);
            }
            Some(b']') => return Some(strings),
            _ => return None,
        }
    }
}

/// TOML text: each value's span is looked up in it, numbers checked as written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TomlText<'t>(pub(crate) &'t str);

impl ReadValue for TomlText<'_> {
    fn value<'de, A: MapAccess<'de>>(
        self,
        map: &mut A,
        _: Limits,
    ) -> Result<Result<FactValue, Refusal>, A::Error> {
        let spanned: toml::Spanned<TomlValue> = map.next_value()?;
        let span = spanned.span();
        let value = spanned.into_inner().0;
        Ok(match value {
            Ok(FactValue::Number(_)) => match self.0.get(span) {
                // Hex, octal and binary integers are no decimals, and exact.
                Some(text) if crate::number::exact(text).is_some() => number(text),
                _ => value,
            },
            other => other,
        })
    }
}

/// A TOML value read with the default limits (a span needs a type, not a seed).
struct TomlValue(Result<FactValue, Refusal>);

impl<'de> Deserialize<'de> for TomlValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(TomlValue(ValueVisitor(LIMITS).deserialize(deserializer)?.0))
    }
}

/// A number as written, or why a float cannot hold it.
pub(crate) fn number(text: &str) -> Result<FactValue, Refusal> {
    match crate::number::exact(text) {
        Some(Ok(value)) => Ok(FactValue::Number(value)),
        Some(Err(inexact)) => Err(Refusal::new(inexact.message(text), Some(inexact.help()))),
        None => Err(Refusal::new(
            format!("expected a number, found {text:?}"),
            Some("write a decimal number, such as 1000 or 2.5"),
        )),
    }
}

/// Reads values into [`Facts`], as written.
#[derive(Default)]
pub(crate) struct FactsReader {
    pub(crate) facts: Facts,
}

impl FactSink for FactsReader {
    fn world_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal> {
        add_once(&mut self.facts, None, name, value)
    }

    fn entity(&mut self, name: &str) -> Result<(), Refusal> {
        if self.facts.push_entity(name) {
            Ok(())
        } else {
            Err(Refusal::entity_twice())
        }
    }

    fn entity_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal> {
        match self.facts.entities.len().checked_sub(1) {
            Some(last) => add_once(&mut self.facts, Some(last), name, value),
            None => Ok(()),
        }
    }

    fn entity_count(&self) -> usize {
        self.facts.entities.len()
    }

    fn problem(&mut self, problem: FactProblem) {
        self.facts.problems.push(problem);
    }
}

/// Adds a fact to the world's table (`None`) or an entity's, unless the
/// table has it already.
fn add_once(
    facts: &mut Facts,
    entity: Option<usize>,
    name: &str,
    value: FactValue,
) -> Result<(), Refusal> {
    let table = match entity {
        None => Table {
            id: WORLD_TABLE,
            entries: &mut facts.world,
            like: None,
        },
        Some(position) => match entity_table(&mut facts.entities, position) {
            Some(table) => table,
            None => return Ok(()),
        },
    };
    if facts.fact_index.put(table, name, value, Put::Once) {
        Ok(())
    } else {
        Err(Refusal::fact_twice())
    }
}

fn problem(path: &str, message: &str, help: Option<&str>) -> FactProblem {
    Refusal::new(message, help).at(path.to_string())
}

/// A key as read: borrowed from the input where the format allows it.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Borrowed(value)))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Owned(value.to_string())))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Key<'de>, E> {
        Ok(Key(std::borrow::Cow::Owned(value)))
    }
}

struct DocumentVisitor<'s, S, R> {
    limits: Limits,
    read: R,
    sink: &'s mut S,
}

impl<'de, S: FactSink, R: ReadValue> Visitor<'de> for DocumentVisitor<'_, S, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a facts document with `world` and `entities` tables")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (mut seen_world, mut seen_entities, mut seen_table) = (false, false, false);
        while let Some(Key(key)) = map.next_key::<Key>()? {
            match &*key {
                "world" if !seen_world => {
                    seen_world = true;
                    map.next_value_seed(TableVisitor {
                        limits: self.limits,
                        read: self.read,
                        owner: Owner::World,
                        sink: &mut *self.sink,
                    })?;
                }
                "entities" if !seen_entities => {
                    seen_entities = true;
                    map.next_value_seed(EntitiesVisitor {
                        limits: self.limits,
                        read: self.read,
                        sink: &mut *self.sink,
                    })?;
                }
                "entities_from" if !seen_table => {
                    seen_table = true;
                    let given = map.next_value::<serde_json::Value>()?;
                    let refused = match given {
                        serde_json::Value::String(table) => self.sink.entities_from(table).err(),
                        other => Some(Refusal::new(
                            format!(
                                "expected the path of a table of entities, found {}",
                                json_kind(&other)
                            ),
                            Some(
                                "write a path, relative to this file: entities_from = \"countries.csv\"",
                            ),
                        )),
                    };
                    if let Some(refusal) = refused {
                        self.sink.problem(refusal.at(key.to_string()));
                    }
                }
                "world" | "entities" | "entities_from" => {
                    map.next_value::<IgnoredAny>()?;
                    self.sink.problem(problem(
                        &key,
                        "this table is given twice",
                        Some("merge the two tables"),
                    ));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    self.sink.problem(problem(
                        &path_key(&key),
                        "unknown top-level key",
                        Some("a facts file has a `world` table and an `entities` table (or `entities_from`), nothing else"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A value's kind in words, for a refusal.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a table",
    }
}

/// Whose table of facts is being read.
#[derive(Clone, Copy)]
pub(crate) enum Owner<'n> {
    World,
    Entity(&'n str),
}

impl Owner<'_> {
    /// The path of the table, or of one of its facts.
    pub(crate) fn path(self, key: Option<&str>) -> String {
        let table = match self {
            Owner::World => "world".to_string(),
            Owner::Entity(name) => format!("entities.{}", path_key(name)),
        };
        match key {
            Some(key) => format!("{table}.{}", path_key(key)),
            None => table,
        }
    }
}

/// A table of facts (`world`, or one entity), read into the sink.
struct TableVisitor<'s, 'n, S, R> {
    limits: Limits,
    read: R,
    owner: Owner<'n>,
    sink: &'s mut S,
}

impl<'de, S: FactSink, R: ReadValue> DeserializeSeed<'de> for TableVisitor<'_, '_, S, R> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<S: FactSink, R> TableVisitor<'_, '_, S, R> {
    fn not_a_table(self, found: &str) {
        self.sink.problem(problem(
            &self.owner.path(None),
            &format!("expected a table of facts, found {found}"),
            None,
        ));
    }
}

/// Implements the scalar `visit_*` methods of a visitor that accepts anything,
/// answering each kind of value with `self.$describe(description)`.
macro_rules! accept_any_scalar {
    ($describe:ident) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(self.$describe("a bool"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(self.$describe("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(self.$describe("a number"))
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Ok(self.$describe("a number"))
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Ok(self.$describe("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(self.$describe("a number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.$describe("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(self.$describe("null"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(self.$describe("a list"))
        }
    };
}

impl<'de, S: FactSink, R: ReadValue> Visitor<'de> for TableVisitor<'_, '_, S, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of facts")
    }

    accept_any_scalar!(not_a_table);

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_a_table("a string");
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key::<Key>()? {
            let value = self.read.value(&mut map, self.limits)?;
            let taken = match (value, self.owner) {
                (Ok(value), Owner::World) => self.sink.world_fact(&key, value),
                (Ok(value), Owner::Entity(_)) => self.sink.entity_fact(&key, value),
                (Err(refusal), _) => Err(refusal),
            };
            if let Err(refusal) = taken {
                self.sink.problem(refusal.at(self.owner.path(Some(&key))));
            }
        }
        Ok(())
    }
}

/// The `entities` table: entity name to table of facts, in document order.
struct EntitiesVisitor<'s, S, R> {
    limits: Limits,
    read: R,
    sink: &'s mut S,
}

impl<'de, S: FactSink, R: ReadValue> DeserializeSeed<'de> for EntitiesVisitor<'_, S, R> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<S: FactSink, R> EntitiesVisitor<'_, S, R> {
    fn not_a_table(self, found: &str) {
        self.sink.problem(problem(
            "entities",
            &format!("expected a table of entities, found {found}"),
            Some("write each entity as `[entities.NAME]` with its facts below"),
        ));
    }
}

impl<'de, S: FactSink, R: ReadValue> Visitor<'de> for EntitiesVisitor<'_, S, R> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of entities")
    }

    accept_any_scalar!(not_a_table);

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        self.not_a_table("a string");
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(name)) = map.next_key::<Key>()? {
            if self.sink.entity_count() >= self.limits.entities {
                map.next_value::<IgnoredAny>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                self.sink.problem(problem(
                    "entities",
                    &format!(
                        "more than {} entities; the rest were not read",
                        self.limits.entities
                    ),
                    Some("split the snapshot into several facts files"),
                ));
                break;
            }
            let owner = Owner::Entity(&name);
            let added = if name.trim().is_empty() {
                Err(Refusal::new(
                    "an entity name cannot be empty or blank",
                    None,
                ))
            } else {
                self.sink.entity(&name)
            };
            match added {
                Ok(()) => map.next_value_seed(TableVisitor {
                    limits: self.limits,
                    read: self.read,
                    owner,
                    sink: &mut *self.sink,
                })?,
                Err(refusal) => {
                    map.next_value::<IgnoredAny>()?;
                    self.sink.problem(refusal.at(owner.path(None)));
                }
            }
        }
        Ok(())
    }
}

/// A fact value, or why the value can never be one.
struct ValueOrRefusal(Result<FactValue, Refusal>);

struct ValueVisitor(Limits);

impl<'de> DeserializeSeed<'de> for ValueVisitor {
    type Value = ValueOrRefusal;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<ValueOrRefusal, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn unusable(message: String, help: &str) -> ValueOrRefusal {
    ValueOrRefusal(Err(Refusal::new(message, Some(help))))
}

/// An integer fact: exact up to 2^53, a problem beyond.
fn integer(value: i128) -> ValueOrRefusal {
    match crate::number::integer(value) {
        Ok(value) => ValueOrRefusal(Ok(FactValue::Number(value))),
        Err(inexact) => unusable(inexact.message(&value.to_string()), inexact.help()),
    }
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = ValueOrRefusal;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bool, a number, a string, a list of strings or a set known in part")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<ValueOrRefusal, E> {
        Ok(ValueOrRefusal(Ok(FactValue::Bool(value))))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<ValueOrRefusal, E> {
        Ok(integer(i128::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<ValueOrRefusal, E> {
        Ok(integer(i128::from(value)))
    }

    fn visit_i128<E: de::Error>(self, value: i128) -> Result<ValueOrRefusal, E> {
        Ok(integer(value))
    }

    fn visit_u128<E: de::Error>(self, value: u128) -> Result<ValueOrRefusal, E> {
        Ok(integer(i128::try_from(value).unwrap_or(i128::MAX)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<ValueOrRefusal, E> {
        if !value.is_finite() {
            return Ok(ValueOrRefusal(Err(crate::facts::bind::not_finite(value))));
        }
        if value.abs() > crate::number::MAX_EXACT {
            let inexact = crate::number::Inexact::TooLarge { integer: false };
            return Ok(unusable(
                inexact.message(&crate::number::shown(value)),
                inexact.help(),
            ));
        }
        Ok(ValueOrRefusal(Ok(FactValue::Number(value))))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<ValueOrRefusal, E> {
        Ok(ValueOrRefusal(Ok(FactValue::String(value.to_string()))))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<ValueOrRefusal, E> {
        Ok(ValueOrRefusal(Ok(FactValue::String(value))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ValueOrRefusal, E> {
        Ok(unusable(
            "null is not a fact value".to_string(),
            "leave the fact out to say it is unknown",
        ))
    }

    fn visit_none<E: de::Error>(self) -> Result<ValueOrRefusal, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ValueOrRefusal, A::Error> {
        Ok(ValueOrRefusal(
            strings_of(seq, self.0)?.map(FactValue::Strings),
        ))
    }

    /// A table is a set known in part: `{ has = [...], lacks = [...] }`,
    /// either list left out when empty.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ValueOrRefusal, A::Error> {
        let (mut has, mut lacks) = (None, None);
        let mut refused = None;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            let part = match &*key {
                "has" => &mut has,
                "lacks" => &mut lacks,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    refused.get_or_insert_with(|| not_a_part(&key));
                    continue;
                }
            };
            match map.next_value_seed(PartVisitor(self.0))? {
                Part::Strings(strings) => *part = Some(strings),
                Part::Other(kind) => {
                    refused.get_or_insert_with(|| {
                        unusable(
                            format!("`{key}` must be a list of strings, but it is {kind}"),
                            PARTIAL_SET_FORM,
                        )
                    });
                }
                Part::Refused(refusal) => {
                    refused.get_or_insert(ValueOrRefusal(Err(refusal)));
                }
            }
        }
        Ok(refused.unwrap_or_else(|| {
            ValueOrRefusal(Ok(FactValue::PartialSet {
                has: has.unwrap_or_default(),
                lacks: lacks.unwrap_or_default(),
            }))
        }))
    }
}

/// The strings of a list, or why it is no list fact: an element that is
/// not a string, or more elements than the limit.
fn strings_of<'de, A: SeqAccess<'de>>(
    mut seq: A,
    limits: Limits,
) -> Result<Result<Vec<String>, Refusal>, A::Error> {
    let mut strings = Vec::new();
    let mut first_bad = None;
    let mut index = 0usize;
    while let Some(element) = seq.next_element::<ListElement>()? {
        if strings.len() >= limits.set_size {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            return Ok(Err(Refusal::new(
                format!("a list of more than {} strings", limits.set_size),
                Some("sets this large are not supported"),
            )));
        }
        match element {
            ListElement::String(s) => strings.push(s),
            ListElement::Other(kind) => {
                first_bad.get_or_insert((index, kind));
            }
        }
        index += 1;
    }
    Ok(match first_bad {
        None => Ok(strings),
        Some((index, kind)) => Err(Refusal::new(
            format!("a list fact holds strings only, but element {index} is {kind}"),
            Some("write every element in quotes"),
        )),
    })
}

/// A part of a set known in part: its strings, or what it is instead (a
/// list that is no list of strings is refused as any list fact is). A
/// table is skipped unread: a part holds none, however deep.
struct PartVisitor(Limits);

/// What a part of a set known in part held.
enum Part {
    Strings(Vec<String>),
    Refused(Refusal),
    Other(&'static str),
}

impl<'de> DeserializeSeed<'de> for PartVisitor {
    type Value = Part;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Part, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl PartVisitor {
    fn other(self, kind: &'static str) -> Part {
        Part::Other(kind)
    }
}

impl<'de> Visitor<'de> for PartVisitor {
    type Value = Part;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Part, E> {
        Ok(self.other("a bool"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Part, E> {
        Ok(self.other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Part, E> {
        Ok(self.other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Part, E> {
        Ok(self.other("a number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Part, E> {
        Ok(self.other("null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Part, E> {
        Ok(self.other("null"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Part, E> {
        Ok(self.other("a string"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Part, A::Error> {
        Ok(match strings_of(seq, self.0)? {
            Ok(strings) => Part::Strings(strings),
            Err(refusal) => Part::Refused(refusal),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Part, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.other("a table"))
    }
}

/// How a set known in part is written, for hints.
const PARTIAL_SET_FORM: &str = "facts are bools, numbers, strings or lists of strings; a set known in part is written `{ has = [\"a\"], lacks = [\"b\"] }`: the strings it holds, the strings it does not";

/// Why a key of a table value is refused.
fn not_a_part(key: &str) -> ValueOrRefusal {
    unusable(
        format!(
            "a table is a fact value only as a set known in part, and `{key}` is not one of its parts (`has`, `lacks`)"
        ),
        PARTIAL_SET_FORM,
    )
}

/// An element of a list: a string, or a description of what it is instead.
enum ListElement {
    String(String),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for ListElement {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListElementVisitor)
    }
}

struct ListElementVisitor;

impl ListElementVisitor {
    fn other(self, kind: &'static str) -> ListElement {
        ListElement::Other(kind)
    }
}

impl<'de> Visitor<'de> for ListElementVisitor {
    type Value = ListElement;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    accept_any_scalar!(other);

    fn visit_str<E: de::Error>(self, value: &str) -> Result<ListElement, E> {
        Ok(ListElement::String(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<ListElement, E> {
        Ok(ListElement::String(value))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ListElement, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ListElement::Other("a table"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(json: &str, limits: Limits) -> Facts {
        let mut reader = FactsReader::default();
        read_document(
            &mut serde_json::Deserializer::from_str(json),
            limits,
            JsonText,
            &mut reader,
        )
        .unwrap();
        reader.facts
    }

    #[test]
    fn entities_beyond_the_limit_are_skipped_and_reported() {
        let facts = load(
            r#"{"entities": {"a": {}, "b": {}, "c": {"x": true}}}"#,
            Limits {
                entities: 2,
                set_size: 9,
            },
        );
        assert_eq!(facts.entities.len(), 2);
        assert_eq!(
            facts.problems[0].to_string(),
            "entities: more than 2 entities; the rest were not read\n  help: split the snapshot into several facts files"
        );
    }

    #[test]
    fn sets_beyond_the_limit_are_refused() {
        let facts = load(
            r#"{"world": {"tags": ["a", "b", "c"], "ok": ["a"]}}"#,
            Limits {
                entities: 9,
                set_size: 2,
            },
        );
        assert_eq!(facts.world.len(), 1);
        assert_eq!(facts.problems[0].path, "world.tags");
        assert_eq!(facts.problems[0].message, "a list of more than 2 strings");
    }
}

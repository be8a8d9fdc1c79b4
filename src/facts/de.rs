//! Deserializing a facts document with serde.
//!
//! The visitors here read straight into [`Facts`], in document order, with
//! no intermediate value tree. A value that can never be a fact (`null`, a
//! table, a list with a number in it, an inexact integer) does not abort the
//! read: it is recorded as a [`FactProblem`] with its path, so that one run
//! reports every such problem. Only malformed TOML/JSON aborts.

use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::{EntityFacts, FactProblem, FactValue, Facts, path_key};
use crate::limits::{MAX_ENTITIES, MAX_EXACT_INTEGER, MAX_SET_SIZE};

/// How much a facts document may hold; beyond it, the rest is skipped and
/// reported, so memory stays bounded.
#[derive(Debug, Clone, Copy)]
struct Limits {
    entities: usize,
    set_size: usize,
}

const LIMITS: Limits = Limits {
    entities: MAX_ENTITIES,
    set_size: MAX_SET_SIZE,
};

impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        DocumentVisitor(LIMITS).deserialize(deserializer)
    }
}

struct DocumentVisitor(Limits);

impl<'de> DeserializeSeed<'de> for DocumentVisitor {
    type Value = Facts;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Facts, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Facts;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a facts document with `world` and `entities` tables")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Facts, A::Error> {
        let mut facts = Facts::default();
        let (mut seen_world, mut seen_entities) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "world" if !seen_world => {
                    seen_world = true;
                    let table = map.next_value_seed(TableVisitor(self.0))?;
                    facts.problems.extend(table.problems_at("world"));
                    facts.world = table.entries;
                }
                "entities" if !seen_entities => {
                    seen_entities = true;
                    let entities = map.next_value_seed(EntitiesVisitor(self.0))?;
                    facts.entities = entities.list;
                    facts.problems.extend(entities.problems);
                }
                "world" | "entities" => {
                    map.next_value::<IgnoredAny>()?;
                    facts.problems.push(problem(
                        &key,
                        "this table is given twice",
                        Some("merge the two tables"),
                    ));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    facts.problems.push(problem(
                        &path_key(&key),
                        "unknown top-level key",
                        Some("a facts file has a `world` table and an `entities` table, nothing else"),
                    ));
                }
            }
        }
        Ok(facts)
    }
}

fn problem(path: &str, message: &str, help: Option<&str>) -> FactProblem {
    FactProblem {
        path: path.to_string(),
        message: message.to_string(),
        help: help.map(str::to_string),
    }
}

/// A table of facts (`world`, or one entity), with the problems found in it.
struct Table {
    entries: Vec<(String, FactValue)>,
    /// (key, message, help); a key of `None` is a problem with the table itself.
    problems: Vec<(Option<String>, String, Option<&'static str>)>,
}

impl Table {
    fn problems_at(&self, prefix: &str) -> Vec<FactProblem> {
        self.problems
            .iter()
            .map(|(key, message, help)| FactProblem {
                path: match key {
                    Some(key) => format!("{prefix}.{}", path_key(key)),
                    None => prefix.to_string(),
                },
                message: message.clone(),
                help: help.map(str::to_string),
            })
            .collect()
    }

    fn not_a_table(found: &str) -> Table {
        Table {
            entries: Vec::new(),
            problems: vec![(
                None,
                format!("expected a table of facts, found {found}"),
                None,
            )],
        }
    }
}

struct TableVisitor(Limits);

impl<'de> DeserializeSeed<'de> for TableVisitor {
    type Value = Table;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Table, D::Error> {
        deserializer.deserialize_any(self)
    }
}

/// Implements the scalar `visit_*` methods of a visitor that accepts anything,
/// mapping each kind of value through `$make(description)`.
macro_rules! accept_any_scalar {
    ($make:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($make("a bool"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($make("a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($make("a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($make("a number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($make("null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($make("null"))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($make("a list"))
        }
    };
}

impl<'de> Visitor<'de> for TableVisitor {
    type Value = Table;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of facts")
    }

    accept_any_scalar!(Table::not_a_table);

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Table, E> {
        Ok(Table::not_a_table("a string"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table, A::Error> {
        let mut table = Table {
            entries: Vec::new(),
            problems: Vec::new(),
        };
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(ValueVisitor(self.0))?;
            if table.entries.iter().any(|(existing, _)| *existing == key) {
                table.problems.push((
                    Some(key),
                    "this fact is given twice".to_string(),
                    Some("keep one value"),
                ));
                continue;
            }
            match value.0 {
                Ok(value) => table.entries.push((key, value)),
                Err((message, help)) => table.problems.push((Some(key), message, help)),
            }
        }
        Ok(table)
    }
}

/// The `entities` table: entity name to table of facts, in document order.
struct Entities {
    list: Vec<EntityFacts>,
    problems: Vec<FactProblem>,
}

struct EntitiesVisitor(Limits);

impl<'de> DeserializeSeed<'de> for EntitiesVisitor {
    type Value = Entities;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Entities, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl Entities {
    fn not_a_table(found: &str) -> Entities {
        Entities {
            list: Vec::new(),
            problems: vec![problem(
                "entities",
                &format!("expected a table of entities, found {found}"),
                Some("write each entity as `[entities.NAME]` with its facts below"),
            )],
        }
    }
}

impl<'de> Visitor<'de> for EntitiesVisitor {
    type Value = Entities;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a table of entities")
    }

    accept_any_scalar!(Entities::not_a_table);

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Entities, E> {
        Ok(Entities::not_a_table("a string"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entities, A::Error> {
        let mut entities = Entities {
            list: Vec::new(),
            problems: Vec::new(),
        };
        while let Some(name) = map.next_key::<String>()? {
            if entities.list.len() >= self.0.entities {
                map.next_value::<IgnoredAny>()?;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                entities.problems.push(problem(
                    "entities",
                    &format!(
                        "more than {} entities; the rest were not read",
                        self.0.entities
                    ),
                    Some("split the snapshot into several facts files"),
                ));
                break;
            }
            let table = map.next_value_seed(TableVisitor(self.0))?;
            let path = format!("entities.{}", path_key(&name));
            if name.trim().is_empty() {
                entities.problems.push(problem(
                    &path,
                    "an entity name cannot be empty or blank",
                    None,
                ));
                continue;
            }
            if entities.list.iter().any(|e| e.name == name) {
                entities.problems.push(problem(
                    &path,
                    "this entity is given twice",
                    Some("merge the two tables"),
                ));
                continue;
            }
            entities.problems.extend(table.problems_at(&path));
            entities.list.push(EntityFacts {
                name,
                facts: table.entries,
            });
        }
        Ok(entities)
    }
}

/// A fact value, or why the value can never be one.
struct ValueOrProblem(Result<FactValue, (String, Option<&'static str>)>);

struct ValueVisitor(Limits);

impl<'de> DeserializeSeed<'de> for ValueVisitor {
    type Value = ValueOrProblem;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<ValueOrProblem, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn unusable(message: String, help: &'static str) -> ValueOrProblem {
    ValueOrProblem(Err((message, Some(help))))
}

/// An integer fact: exact up to 2^53, a problem beyond.
fn integer(magnitude: u64, value: f64, written: impl fmt::Display) -> ValueOrProblem {
    if magnitude > MAX_EXACT_INTEGER {
        return unusable(
            format!("the integer {written} is beyond 2^53 and cannot be held exactly"),
            "numbers are 64-bit floats: integers are exact up to 9007199254740992",
        );
    }
    ValueOrProblem(Ok(FactValue::Number(value)))
}

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = ValueOrProblem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bool, a number, a string or a list of strings")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<ValueOrProblem, E> {
        Ok(ValueOrProblem(Ok(FactValue::Bool(value))))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<ValueOrProblem, E> {
        Ok(integer(value.unsigned_abs(), value as f64, value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<ValueOrProblem, E> {
        Ok(integer(value, value as f64, value))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<ValueOrProblem, E> {
        if value.is_finite() {
            return Ok(ValueOrProblem(Ok(FactValue::Number(value))));
        }
        Ok(unusable(
            format!("{value} is not a finite number"),
            "numbers must be finite: leave the fact out if it is unknown",
        ))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<ValueOrProblem, E> {
        Ok(ValueOrProblem(Ok(FactValue::String(value.to_string()))))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<ValueOrProblem, E> {
        Ok(ValueOrProblem(Ok(FactValue::String(value))))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ValueOrProblem, E> {
        Ok(unusable(
            "null is not a fact value".to_string(),
            "leave the fact out to say it is unknown",
        ))
    }

    fn visit_none<E: de::Error>(self) -> Result<ValueOrProblem, E> {
        self.visit_unit()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueOrProblem, A::Error> {
        let mut strings = Vec::new();
        let mut first_bad = None;
        let mut index = 0usize;
        while let Some(element) = seq.next_element::<ListElement>()? {
            if strings.len() >= self.0.set_size {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                return Ok(unusable(
                    format!("a list of more than {} strings", self.0.set_size),
                    "sets this large are not supported",
                ));
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
            None => ValueOrProblem(Ok(FactValue::Strings(strings))),
            Some((index, kind)) => unusable(
                format!("a list fact holds strings only, but element {index} is {kind}"),
                "write every element in quotes",
            ),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ValueOrProblem, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(unusable(
            "a table is not a fact value".to_string(),
            "facts are bools, numbers, strings or lists of strings",
        ))
    }
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

impl<'de> Visitor<'de> for ListElementVisitor {
    type Value = ListElement;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    accept_any_scalar!(ListElement::Other);

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
        DocumentVisitor(limits)
            .deserialize(&mut serde_json::Deserializer::from_str(json))
            .unwrap()
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

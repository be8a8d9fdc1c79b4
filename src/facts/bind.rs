//! Binding facts to a compiled rule set.
//!
//! Checks every value against the declarations — the name is declared, the
//! scope is right (world facts under `[world]`, entity facts under each
//! entity), the type matches — and places it in its slot. The result, a
//! [`FactTable`], is what the evaluator reads: rows of optional values by
//! slot, `None` meaning unknown.

use super::de::Refusal;
use super::{FactProblem, FactValue, Facts, FactsError, path_key};
use crate::compile::{FactSlot, Schema, Slot};
use crate::number::Inexact;
use crate::syntax::ast::FactType;

/// A fact value in its declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A `bool` fact.
    Bool(bool),
    /// A `number` fact.
    Number(f64),
    /// A `string` fact.
    String(Box<str>),
    /// A `set<string>` fact: sorted, without duplicates.
    Set(Box<[Box<str>]>),
    /// A `set<string>` fact known in part: the strings it holds and those
    /// it does not, each sorted, without duplicates, none in both; of any
    /// other string, whether the set holds it is unknown.
    PartialSet {
        /// Strings the set holds.
        has: Box<[Box<str>]>,
        /// Strings the set does not hold.
        lacks: Box<[Box<str>]>,
    },
}

impl Value {
    /// Whether a set holds `string`: known for a set given whole, and for
    /// a set known in part when `string` is among its parts.
    pub(crate) fn set_holds(&self, string: &str) -> Option<bool> {
        let among =
            |items: &[Box<str>]| items.binary_search_by(|item| (**item).cmp(string)).is_ok();
        match self {
            Value::Set(items) => Some(among(items)),
            Value::PartialSet { has, lacks } => {
                crate::eval::member(among(has), among(lacks), true).known()
            }
            _ => None,
        }
    }
}

/// Facts placed in slots: one world row, and one row per entity in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FactTable {
    world: Vec<Option<Value>>,
    entity_names: Vec<String>,
    entity_rows: Vec<Vec<Option<Value>>>,
}

impl FactTable {
    /// The world row.
    pub fn world(&self) -> &[Option<Value>] {
        &self.world
    }

    /// Entity names, in file order.
    pub fn entity_names(&self) -> &[String] {
        &self.entity_names
    }

    /// Each entity's row, in file order.
    pub fn entity_rows(&self) -> &[Vec<Option<Value>>] {
        &self.entity_rows
    }
}

/// Checks `facts` against the schema and places the values in slots.
pub fn bind(facts: &Facts, schema: &Schema) -> Result<FactTable, FactsError> {
    let mut problems = facts.problems.clone();
    let mut table = FactTable {
        world: vec![None; schema.world_len()],
        entity_names: Vec::with_capacity(facts.entities.len()),
        entity_rows: Vec::with_capacity(facts.entities.len()),
    };
    for (name, value) in &facts.world {
        let path = || format!("world.{}", path_key(name));
        if let Some((slot, value)) = place(schema, name, value, path, false, &mut problems) {
            if let Some(cell) = table.world.get_mut(slot) {
                *cell = Some(value);
            }
        }
    }
    for entity in &facts.entities {
        let mut row = vec![None; schema.entity_len()];
        for (name, value) in &entity.facts {
            let path = || format!("entities.{}.{}", path_key(&entity.name), path_key(name));
            if let Some((slot, value)) = place(schema, name, value, path, true, &mut problems) {
                if let Some(cell) = row.get_mut(slot) {
                    *cell = Some(value);
                }
            }
        }
        table.entity_names.push(entity.name.clone());
        table.entity_rows.push(row);
    }
    if problems.is_empty() {
        Ok(table)
    } else {
        Err(FactsError::Invalid {
            origin: facts.origin.clone(),
            problems,
        })
    }
}

/// Finds the slot for one value and converts it, or records why it does
/// not fit under its path (written only then).
fn place(
    schema: &Schema,
    name: &str,
    value: &FactValue,
    path: impl FnOnce() -> String,
    under_entity: bool,
    problems: &mut Vec<FactProblem>,
) -> Option<(usize, Value)> {
    let placed =
        locate(schema, name, under_entity).and_then(|(slot, fact)| Ok((slot, typed(fact, value)?)));
    match placed {
        Ok(placed) => Some(placed),
        Err(refusal) => {
            problems.push(FactProblem {
                path: path(),
                message: refusal.message,
                help: refusal.help,
            });
            None
        }
    }
}

/// Why a fact named `name` is refused when the rules do not declare it,
/// with the nearest declared name if one is close.
pub(crate) fn undeclared(schema: &Schema, name: &str) -> Refusal {
    let names = schema.facts().iter().map(|f| f.name.as_str());
    let help = match crate::check::suggest(name, names) {
        Some(near) => format!("did you mean `{near}`?"),
        None => "declare it in the rules with `fact NAME: TYPE`, or remove it (facts shared by several rule sets: --allow-extra-facts)".to_string(),
    };
    Refusal::new(format!("`{name}` is not a declared fact"), Some(&help))
}

/// The slot of a fact given in a facts file (in the world row, or in an
/// entity's row when `under_entity`), or why it has none: the name is not
/// declared, or the fact belongs to the other scope.
pub(crate) fn locate<'s>(
    schema: &'s Schema,
    name: &str,
    under_entity: bool,
) -> Result<(usize, &'s FactSlot), Refusal> {
    let Some(fact) = schema.fact(name) else {
        return Err(undeclared(schema, name));
    };
    match (fact.slot, under_entity) {
        (Slot::Entity(slot), true) | (Slot::World(slot), false) => Ok((slot as usize, fact)),
        (Slot::World(_), true) => Err(Refusal::new(
            format!("`{name}` is a world fact, but it is given for an entity"),
            Some("set it once, under [world]"),
        )),
        (Slot::Entity(_), false) => Err(Refusal::new(
            format!("`{name}` is an entity fact, but it is given under [world]"),
            Some("set it for each entity, under [entities.NAME]"),
        )),
    }
}

/// A value in the fact's declared type, or why it is not of that type (or,
/// for a number, why a float cannot hold it exactly).
pub(crate) fn typed(fact: &FactSlot, value: &FactValue) -> Result<Value, Refusal> {
    if let (FactType::Number, FactValue::Number(n)) = (fact.ty, value) {
        if !n.is_finite() {
            return Err(not_finite(*n));
        }
    }
    if let (FactType::Number, Some(Err(inexact))) = (fact.ty, exact_number(value)) {
        let written = match value {
            FactValue::Integer(n) => n.to_string(),
            other => other
                .describe()
                .trim_start_matches("the number ")
                .to_string(),
        };
        return Err(Refusal::new(
            inexact.message(&written),
            Some(inexact.help()),
        ));
    }
    let converted = convert(fact.ty, value).ok_or_else(|| {
        Refusal::new(
            format!("expected {}, found {}", expected(fact.ty), value.describe()),
            Some(&format!(
                "`{}` is declared as `{}`",
                fact.name,
                declared_type(fact)
            )),
        )
    })?;
    match &converted {
        Value::Number(n) if !fact.range.contains(*n) => Err(outside(fact, *n)),
        Value::String(s) => words_of(fact, std::iter::once(&**s)).map(|()| converted),
        Value::Set(items) => words_of(fact, items.iter().map(|s| &**s)).map(|()| converted),
        Value::PartialSet { has, lacks } => {
            words_of(fact, has.iter().chain(lacks.iter()).map(|s| &**s))?;
            whole_if_covered(fact, converted)
        }
        _ => Ok(converted),
    }
}

/// A set known in part that holds none of the strings it lacks, given
/// whole where its parts cover the fact's vocabulary (it then says of
/// every word whether the set holds it).
fn whole_if_covered(fact: &FactSlot, set: Value) -> Result<Value, Refusal> {
    let Value::PartialSet { has, lacks } = set else {
        return Ok(set);
    };
    if let Some(both) = has.iter().find(|s| lacks.binary_search(s).is_ok()) {
        return Err(Refusal::new(
            format!("{both:?} is both in `has` and in `lacks`"),
            Some("a set either holds a string or not: keep it in one of the two lists"),
        ));
    }
    match &fact.vocabulary {
        Some(words) if has.len() + lacks.len() == words.len() => Ok(Value::Set(has)),
        _ => Ok(Value::PartialSet { has, lacks }),
    }
}

/// Checks that every string is a word of the fact's vocabulary, if it has
/// one; the first that is not is refused, with the nearest word.
pub(crate) fn words_of<'s>(
    fact: &FactSlot,
    strings: impl IntoIterator<Item = &'s str>,
) -> Result<(), Refusal> {
    let Some(words) = &fact.vocabulary else {
        return Ok(());
    };
    for string in strings {
        if words.binary_search_by(|w| (**w).cmp(string)).is_err() {
            let help = match crate::check::suggest(string, words.iter().map(|w| &**w)) {
                Some(near) => format!("did you mean {near:?}?"),
                None => {
                    let shown: Vec<String> =
                        words.iter().take(8).map(|w| format!("{w:?}")).collect();
                    let more = if words.len() > 8 { ", …" } else { "" };
                    format!(
                        "the words of `{}` are {}{more}",
                        fact.name,
                        shown.join(", ")
                    )
                }
            };
            return Err(Refusal::new(
                format!("{string:?} is not a word of `{}`", fact.name),
                Some(&help),
            ));
        }
    }
    Ok(())
}

/// A fact's type as declared: with its range or vocabulary (the first
/// words of a long one).
fn declared_type(fact: &FactSlot) -> String {
    let words = |words: &[Box<str>]| {
        let shown: Vec<String> = words.iter().take(8).map(|w| format!("{w:?}")).collect();
        let more = if words.len() > 8 { ", …" } else { "" };
        format!("one of {}{more}", shown.join(", "))
    };
    match (fact.ty, &fact.vocabulary) {
        (FactType::Number, _) if !fact.range.is_any() => format!("number {}", fact.range),
        (FactType::String, Some(vocabulary)) => words(vocabulary),
        (FactType::StringSet, Some(vocabulary)) => format!("set<{}>", words(vocabulary)),
        (ty, _) => ty.keyword().to_string(),
    }
}

/// Why a number is not a value of its fact's range.
fn outside(fact: &FactSlot, value: f64) -> Refusal {
    Refusal::new(
        format!("{value} is outside the range of `{}`", fact.name),
        Some(&format!(
            "`{}` is declared as `{}`: give a value in it, or leave the fact out if it is unknown",
            fact.name,
            declared_type(fact)
        )),
    )
}

/// Why a float that is not finite is no number fact.
pub(crate) fn not_finite(value: f64) -> Refusal {
    Refusal::new(
        format!("{value} is not a finite number"),
        Some("numbers must be finite: leave the fact out if it is unknown"),
    )
}

fn expected(ty: FactType) -> &'static str {
    match ty {
        FactType::Bool => "a bool",
        FactType::Number => "a number",
        FactType::String => "a string",
        FactType::StringSet => "a list of strings",
    }
}

/// A number value checked against what a float holds exactly (`None` for
/// other values). Numbers read from files were checked as written; these
/// checks catch values given in code.
fn exact_number(value: &FactValue) -> Option<Result<f64, Inexact>> {
    match value {
        FactValue::Integer(n) => Some(crate::number::integer(*n)),
        FactValue::Number(n) if !n.is_finite() || n.abs() > crate::number::MAX_EXACT => {
            Some(Err(Inexact::TooLarge { integer: false }))
        }
        FactValue::Number(n) => Some(Ok(*n)),
        _ => None,
    }
}

fn convert(ty: FactType, value: &FactValue) -> Option<Value> {
    Some(match (ty, value) {
        (FactType::Bool, FactValue::Bool(b)) => Value::Bool(*b),
        (FactType::Number, FactValue::Number(_) | FactValue::Integer(_)) => {
            Value::Number(exact_number(value)?.ok()?)
        }
        (FactType::String, FactValue::String(s)) => Value::String(s.as_str().into()),
        (FactType::StringSet, FactValue::Strings(items)) => Value::Set(sorted(items)),
        (FactType::StringSet, FactValue::PartialSet { has, lacks }) => Value::PartialSet {
            has: sorted(has),
            lacks: sorted(lacks),
        },
        _ => return None,
    })
}

/// A value as its own form says, whatever its fact's type: numbers as
/// floats (an integer beyond 2^53 rounded), lists and sets sorted.
pub(crate) fn untyped(value: &FactValue) -> Value {
    match value {
        FactValue::Bool(b) => Value::Bool(*b),
        FactValue::Number(n) => Value::Number(*n),
        FactValue::Integer(n) => Value::Number(*n as f64),
        FactValue::String(s) => Value::String(s.as_str().into()),
        FactValue::Strings(items) => Value::Set(sorted(items)),
        FactValue::PartialSet { has, lacks } => Value::PartialSet {
            has: sorted(has),
            lacks: sorted(lacks),
        },
    }
}

/// Strings sorted, without duplicates.
fn sorted(strings: &[String]) -> Box<[Box<str>]> {
    let mut items: Vec<Box<str>> = strings.iter().map(|s| s.as_str().into()).collect();
    items.sort();
    items.dedup();
    items.into_boxed_slice()
}

//! The columnar fact store: one column per entity fact, one bit per entity.
//!
//! A `bool` fact is two bitsets (value, known); a `number` fact a vector of
//! floats and a known bitset; a `string` fact interned ids; a `set<string>`
//! fact the interned ids of every entity's strings end to end, with where
//! each entity's run ends. World facts stay one row of values: they are the
//! same for every entity, and the batch evaluator folds them into constants.
//!
//! [`Columns`] is filled straight from a facts document by the same serde
//! visitors as [`crate::Facts`] (the [`FactSink`] they stream into), checking
//! each value against the declarations as it arrives: a million entities
//! never exist as a million small maps, and every problem is reported with
//! its path, in the same words as [`crate::RuleSet::evaluate`] uses.

use std::collections::HashMap;

use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex, OnceLock};

use fixedbitset::FixedBitSet;

use crate::compile::{FactSlot, Schema, Slot};
use crate::facts::bind::{Value, locate, typed, words_of};
use crate::facts::de::{FactSink, Refusal};
use crate::facts::{FactProblem, FactValue, Facts, FactsError, path_key};
use crate::name_index::NameIndex;
use crate::syntax::ast::FactType;

#[cfg(feature = "parquet")]
mod table;
#[cfg(feature = "parquet")]
pub(super) use table::{TableColumns, TableNames};

/// One entity fact for every entity.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Column {
    /// A `bool` fact.
    Bool {
        value: FixedBitSet,
        known: FixedBitSet,
    },
    /// A `number` fact (0 where unknown).
    Number { value: Vec<f64>, known: FixedBitSet },
    /// A `string` fact, as interned ids (0 where unknown).
    String { value: Vec<u32>, known: FixedBitSet },
    /// A `set<string>` fact: entity `i`'s ids are `items[ends[i-1]..ends[i]]`;
    /// `partial` holds the sets known in part, once there is one.
    Set {
        ends: Vec<usize>,
        items: Vec<u32>,
        known: FixedBitSet,
        partial: Option<Box<PartialSets>>,
    },
}

/// The sets of a column that are known in part: which entities' sets are,
/// and the strings each set lacks, end to end as the column's items are.
/// A set known in part holds its items, lacks these, and of any other
/// string it is unknown ([`crate::eval::member`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct PartialSets {
    /// The entities whose set is known in part.
    pub(crate) open: FixedBitSet,
    /// Entity `i`'s lacked ids are `items[ends[i-1]..ends[i]]`.
    pub(crate) ends: Vec<usize>,
    pub(crate) items: Vec<u32>,
}

impl PartialSets {
    /// Room for `entities` entities, none known in part.
    fn for_entities(entities: usize) -> PartialSets {
        PartialSets {
            open: FixedBitSet::with_capacity(entities),
            ends: vec![0; entities],
            items: Vec::new(),
        }
    }

    /// Whether entity `entity`'s set is known in part.
    pub(crate) fn is_open(&self, entity: usize) -> bool {
        self.open.contains(entity)
    }

    /// The ids entity `entity`'s set lacks (none for a set given whole).
    pub(crate) fn lacks(&self, entity: usize) -> &[u32] {
        set_items(&self.ends, &self.items, entity)
    }
}

impl Column {
    fn new(ty: FactType) -> Column {
        match ty {
            FactType::Bool => Column::Bool {
                value: FixedBitSet::new(),
                known: FixedBitSet::new(),
            },
            FactType::Number => Column::Number {
                value: Vec::new(),
                known: FixedBitSet::new(),
            },
            FactType::String => Column::String {
                value: Vec::new(),
                known: FixedBitSet::new(),
            },
            FactType::StringSet => Column::Set {
                ends: Vec::new(),
                items: Vec::new(),
                known: FixedBitSet::new(),
                partial: None,
            },
        }
    }

    /// Which entities have a value.
    pub(crate) fn known(&self) -> &FixedBitSet {
        match self {
            Column::Bool { known, .. }
            | Column::Number { known, .. }
            | Column::String { known, .. }
            | Column::Set { known, .. } => known,
        }
    }

    /// Room for `entities` entities in all, so that adding them one by one
    /// never grows the column again.
    fn reserve(&mut self, entities: usize) {
        match self {
            Column::Bool { value, known } => {
                grow(value, entities);
                grow(known, entities);
            }
            Column::Number { value, known } => {
                value.reserve(entities.saturating_sub(value.len()));
                grow(known, entities);
            }
            Column::String { value, known } => {
                value.reserve(entities.saturating_sub(value.len()));
                grow(known, entities);
            }
            Column::Set { ends, known, .. } => {
                ends.reserve(entities.saturating_sub(ends.len()));
                grow(known, entities);
            }
        }
    }

    /// Adds entities whose value is unknown until the column holds `len`
    /// (one, the entity just added, when a document is read entity by
    /// entity).
    pub(super) fn pad_to(&mut self, len: usize) {
        match self {
            Column::Bool { value, known } => {
                grow(value, len);
                grow(known, len);
            }
            Column::Number { value, known } => {
                value.resize(len.max(value.len()), 0.0);
                grow(known, len);
            }
            Column::String { value, known } => {
                value.resize(len.max(value.len()), 0);
                grow(known, len);
            }
            Column::Set {
                ends,
                items,
                known,
                partial,
            } => {
                ends.resize(len.max(ends.len()), items.len());
                grow(known, len);
                if let Some(partial) = partial {
                    let end = partial.items.len();
                    partial.ends.resize(len.max(partial.ends.len()), end);
                }
            }
        }
    }

    /// Sets the value of the last entity, `entity`, whose value is unknown so far.
    pub(super) fn set_last(&mut self, entity: usize, value: Value, strings: &mut Interner) {
        match (self, value) {
            (Column::Bool { value, known }, Value::Bool(b)) => {
                value.set(entity, b);
                known.insert(entity);
            }
            (Column::Number { value, known }, Value::Number(n)) => {
                if let Some(cell) = value.last_mut() {
                    *cell = n;
                }
                known.insert(entity);
            }
            (Column::String { value, known }, Value::String(s)) => {
                if let Some(cell) = value.last_mut() {
                    *cell = strings.intern(&s);
                }
                known.insert(entity);
            }
            (column @ Column::Set { .. }, Value::Set(set)) => {
                column.set_strings(entity, &set, strings)
            }
            (column @ Column::Set { .. }, Value::PartialSet { has, lacks }) => {
                column.set_partly(entity, &has, &lacks, strings)
            }
            _ => {}
        }
    }

    /// Sets the last entity's set, `entity`, known in part: it holds
    /// `has`, it lacks `lacks`.
    fn set_partly(
        &mut self,
        entity: usize,
        has: &[impl AsRef<str>],
        lacks: &[impl AsRef<str>],
        strings: &mut Interner,
    ) {
        self.set_strings(entity, has, strings);
        if let Column::Set { ends, partial, .. } = self {
            let partial =
                partial.get_or_insert_with(|| Box::new(PartialSets::for_entities(ends.len())));
            let start = partial.items.len();
            partial
                .items
                .extend(lacks.iter().map(|s| strings.intern(s.as_ref())));
            sort_unique_from(&mut partial.items, start);
            if let Some(end) = partial.ends.last_mut() {
                *end = partial.items.len();
            }
            grow(&mut partial.open, entity + 1);
            partial.open.insert(entity);
        }
    }

    /// Sets the last entity's set, `entity`, from its strings as written.
    fn set_strings(&mut self, entity: usize, set: &[impl AsRef<str>], strings: &mut Interner) {
        self.set_ids(entity, set.iter().map(|s| strings.intern(s.as_ref())));
    }

    /// Sets the last entity's set, `entity`, from its strings' interned
    /// ids, in any order, repeated or not.
    pub(super) fn set_ids(&mut self, entity: usize, ids: impl Iterator<Item = u32>) {
        if let Column::Set {
            ends, items, known, ..
        } = self
        {
            let start = items.len();
            items.extend(ids);
            sort_unique_from(items, start);
            if let Some(end) = ends.last_mut() {
                *end = items.len();
            }
            known.insert(entity);
        }
    }

    /// Replaces entity `entity`'s value, of any entity of the column, by
    /// `value` (`None`: unknown). A set is spliced in place, the ends of
    /// the sets after it shifted.
    fn replace(&mut self, entity: usize, value: Option<Value>, strings: &mut Interner) {
        match (self, value) {
            (Column::Bool { value, known }, value_given) => {
                value.set(entity, matches!(value_given, Some(Value::Bool(true))));
                known.set(entity, matches!(value_given, Some(Value::Bool(_))));
            }
            (Column::Number { value, known }, given) => {
                let number = match given {
                    Some(Value::Number(n)) => Some(n),
                    _ => None,
                };
                if let Some(cell) = value.get_mut(entity) {
                    *cell = number.unwrap_or(0.0);
                }
                known.set(entity, number.is_some());
            }
            (Column::String { value, known }, given) => {
                let id = match given {
                    Some(Value::String(s)) => Some(strings.intern(&s)),
                    _ => None,
                };
                if let Some(cell) = value.get_mut(entity) {
                    *cell = id.unwrap_or(0);
                }
                known.set(entity, id.is_some());
            }
            (
                Column::Set {
                    ends,
                    items,
                    known,
                    partial,
                },
                given,
            ) => {
                let (has, lacks, known_now, open) = match given {
                    Some(Value::Set(has)) => (has, None, true, false),
                    Some(Value::PartialSet { has, lacks }) => (has, Some(lacks), true, true),
                    _ => (Box::default(), None, false, false),
                };
                splice(ends, items, entity, ids_of(&has, strings));
                known.set(entity, known_now);
                if open && partial.is_none() {
                    *partial = Some(Box::new(PartialSets::for_entities(ends.len())));
                }
                if let Some(partial) = partial {
                    let lacked = ids_of(lacks.as_deref().unwrap_or_default(), strings);
                    splice(&mut partial.ends, &mut partial.items, entity, lacked);
                    grow(&mut partial.open, entity + 1);
                    partial.open.set(entity, open);
                }
            }
        }
    }

    /// Entity `entity`'s value, if known.
    fn value(&self, entity: usize, strings: &Interner) -> Option<Value> {
        if !self.known().contains(entity) {
            return None;
        }
        Some(match self {
            Column::Bool { value, .. } => Value::Bool(value.contains(entity)),
            Column::Number { value, .. } => Value::Number(*value.get(entity)?),
            Column::String { value, .. } => Value::String(strings.name(*value.get(entity)?).into()),
            Column::Set {
                ends,
                items,
                partial,
                ..
            } => {
                let named = |ids: &[u32]| {
                    let mut set: Vec<Box<str>> =
                        ids.iter().map(|&id| strings.name(id).into()).collect();
                    set.sort();
                    set.into_boxed_slice()
                };
                let has = named(set_items(ends, items, entity));
                match partial.as_deref().filter(|p| p.is_open(entity)) {
                    Some(partial) => Value::PartialSet {
                        has,
                        lacks: named(partial.lacks(entity)),
                    },
                    None => Value::Set(has),
                }
            }
        })
    }
}

/// Makes room for `len` bits, doubling the room each time: growing a bitset
/// one entity at a time would cost a call per entity and column, and a
/// fixed step would cost kilobytes per column of a snapshot of one entity
/// (rules with a hundred thousand facts). Bits past the last entity stay
/// zero (unknown), so the extra length changes nothing.
fn grow(bits: &mut FixedBitSet, len: usize) {
    if bits.len() < len {
        bits.grow(len.max(bits.len() * 2).next_multiple_of(64));
    }
}

/// Sorts `items[start..]` and drops its duplicates, in place: one
/// entity's set, appended to the column's items.
fn sort_unique_from(items: &mut Vec<u32>, start: usize) {
    match items.get_mut(start..) {
        Some(tail) if tail.len() <= SMALL_SET => insertion_sort(tail),
        Some(tail) => tail.sort_unstable(),
        None => {}
    }
    let mut kept = start;
    for read in start..items.len() {
        let Some(&id) = items.get(read) else { break };
        let fresh = kept == start || items.get(kept - 1) != Some(&id);
        if fresh {
            if let Some(slot) = items.get_mut(kept) {
                *slot = id;
            }
            kept += 1;
        }
    }
    items.truncate(kept);
}

/// The most items of a set sorted by insertion: most sets hold a few
/// strings, and a general sort's set-up costs more than sorting them.
const SMALL_SET: usize = 16;

/// Sorts a few items in place.
fn insertion_sort(items: &mut [u32]) {
    for sorted in 1..items.len() {
        let mut at = sorted;
        while at > 0 && items.get(at - 1) > items.get(at) {
            items.swap(at - 1, at);
            at -= 1;
        }
    }
}

/// The interned ids of `strings`, sorted, without duplicates.
fn ids_of(set: &[Box<str>], strings: &mut Interner) -> Vec<u32> {
    let mut ids: Vec<u32> = set.iter().map(|s| strings.intern(s)).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Replaces entity `entity`'s ids, of sets stored end to end, by `ids`,
/// shifting the ends of the entities after it.
fn splice(ends: &mut [usize], items: &mut Vec<u32>, entity: usize, ids: Vec<u32>) {
    let start = match entity.checked_sub(1) {
        Some(previous) => ends.get(previous).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(entity).copied().unwrap_or(start);
    let added = ids.len();
    items.splice(start..end, ids);
    for later in ends.iter_mut().skip(entity) {
        *later = *later - (end - start) + added;
    }
}

/// The interned ids of entity `entity`'s set.
pub(crate) fn set_items<'a>(ends: &[usize], items: &'a [u32], entity: usize) -> &'a [u32] {
    let start = match entity.checked_sub(1) {
        Some(previous) => ends.get(previous).copied().unwrap_or(0),
        None => 0,
    };
    let end = ends.get(entity).copied().unwrap_or(start);
    items.get(start..end).unwrap_or(&[])
}

/// Every distinct string of the facts, numbered.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub(super) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// The id of a string, if any entity's facts hold it.
    #[inline]
    pub(crate) fn get(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    /// How many strings there are: one more than the highest id.
    pub(crate) fn len(&self) -> usize {
        self.names.len()
    }

    fn name(&self, id: u32) -> &str {
        self.names.get(id as usize).map_or("", |name| name)
    }
}

/// The names of a snapshot's entities, in file order: end to end in one
/// buffer, with a hash index to find them. Cheap to clone (shared), so that
/// a [`crate::Report`] can name entities without copying a million strings.
///
/// ```
/// use prereq::{RuleSet, batch::Columns};
/// let rules = RuleSet::parse("r.rules", "fact ready: bool\nrule go requires ready")?;
/// let columns = Columns::from_json_str(rules.program().schema(), "f.json",
///     r#"{"entities": {"UK": {}, "Ireland": {}}}"#)?;
/// let names = columns.names();
/// assert_eq!(names.find("Ireland"), Some(1));
/// assert_eq!(names.iter().collect::<Vec<_>>(), ["UK", "Ireland"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EntityNames(Arc<Names>);

#[derive(Debug, Clone, Default, PartialEq)]
struct Names {
    text: String,
    ends: Vec<usize>,
    index: NameIndex,
}

impl Names {
    fn get(&self, index: usize) -> Option<&str> {
        name_at(&self.text, &self.ends, index)
    }
}

/// Name `index` of names written end to end in `text`, ending at `ends`.
fn name_at<'t>(text: &'t str, ends: &[usize], index: usize) -> Option<&'t str> {
    let start = match index.checked_sub(1) {
        Some(previous) => *ends.get(previous)?,
        None => 0,
    };
    text.get(start..*ends.get(index)?)
}

impl EntityNames {
    /// How many names there are.
    pub fn len(&self) -> usize {
        self.0.ends.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of entity `index`.
    pub fn get(&self, index: usize) -> Option<&str> {
        self.0.get(index)
    }

    /// The names in file order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|index| self.get(index))
    }

    /// The index of the entity with this name, in constant time.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.0.index.find(name, |at| self.0.get(at))
    }

    /// No names, keeping the room the buffers have grown to.
    pub(crate) fn clear(&mut self) {
        let names = Arc::make_mut(&mut self.0);
        names.text.clear();
        names.ends.clear();
        names.index.clear();
    }

    /// Adds a name without looking for it first: the index is left for
    /// [`EntityNames::index_all`] to build.
    fn push_unindexed(&mut self, name: &str) {
        let names = Arc::make_mut(&mut self.0);
        names.text.push_str(name);
        names.ends.push(names.text.len());
    }

    /// Indexes every name, in one go; false if a name is there twice.
    fn index_all(&mut self) -> bool {
        let Names { text, ends, index } = Arc::make_mut(&mut self.0);
        match NameIndex::of_all(ends.len(), |at| name_at(text, ends, at)) {
            Ok(all) => {
                *index = all;
                true
            }
            Err(_) => false,
        }
    }

    /// Adds a name; false if it is there already.
    pub(crate) fn add(&mut self, name: &str) -> bool {
        let Names { text, ends, index } = Arc::make_mut(&mut self.0);
        let position = ends.len();
        if index
            .insert(name, position, |at| name_at(text, ends, at))
            .is_err()
        {
            return false;
        }
        text.push_str(name);
        ends.push(text.len());
        true
    }

    fn heap_bytes(&self) -> usize {
        let names = &self.0;
        names.text.capacity() + names.ends.capacity() * 8 + names.index.heap_bytes()
    }
}

/// Facts stored column by column, checked against a rule set's declarations.
///
/// ```
/// use prereq::{RuleSet, Tri};
/// use prereq::batch::Columns;
/// let rules = RuleSet::parse("r.rules", "
///     world fact ceasefire: bool
///     fact troops_offered: number
///     rule deploy requires ceasefire and troops_offered >= 1000
/// ")?;
/// let columns = Columns::from_json_str(rules.program().schema(), "facts.json", r#"
///     {"world": {"ceasefire": true},
///      "entities": {"UK": {"troops_offered": 10000}, "Ireland": {}}}
/// "#)?;
/// assert_eq!(columns.len(), 2);
/// assert_eq!(columns.entity_name(1), Some("Ireland"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    origin: String,
    world: Vec<Option<Value>>,
    names: EntityNames,
    columns: Vec<Column>,
    strings: Interner,
    /// Per entity slot: for a set column, its postings, built on first use.
    postings: Vec<Cache<OnceLock<Inverted>>>,
    /// Membership bitsets built so far, by (set column, string id).
    memberships: Cache<Mutex<MembershipBits>>,
    /// What is suspicious but not wrong: entity names that look alike.
    warnings: Vec<FactProblem>,
    /// The facts given that the rules do not declare, ignored (with
    /// [`crate::facts::LoadOptions::allow_extra_facts`]).
    ignored: Vec<String>,
}

/// Membership bitsets by (set column, string id).
type MembershipBits = HashMap<(u32, u32), Arc<FixedBitSet>>;

/// Something a snapshot computes on first use and keeps: it changes no
/// result, so a clone starts without it and snapshots compare equal whether
/// or not they have built it.
#[derive(Debug, Default)]
struct Cache<T>(T);

impl<T: Default> Clone for Cache<T> {
    fn clone(&self) -> Cache<T> {
        Cache::default()
    }
}

impl<T> PartialEq for Cache<T> {
    fn eq(&self, _: &Cache<T>) -> bool {
        true
    }
}

/// The most bytes of membership bitsets a snapshot keeps (bitsets of the
/// entities whose set holds a string a rule asks about, so that evaluations
/// after the first read them as they read a `bool` column): beyond it, a
/// membership test reads the postings at every evaluation instead.
const MEMBERSHIP_CACHE_BYTES: usize = 256 << 20;

/// For each string of a set column, the entities whose set holds it, in
/// order: the column inverted. Built the first time a rule asks whether a
/// set holds a string, and kept with the snapshot, so that membership tests
/// cost the entities that hold the string, not every string of every set.
#[derive(Debug, Default)]
struct Inverted {
    /// By interned id: where its entities start in `entities` (one more at the end).
    starts: Vec<usize>,
    entities: Vec<u32>,
}

impl Inverted {
    fn of(ends: &[usize], items: &[u32], ids: usize) -> Inverted {
        let mut starts = vec![0; ids + 1];
        for &id in items {
            if let Some(count) = starts.get_mut(id as usize + 1) {
                *count += 1;
            }
        }
        for index in 1..starts.len() {
            let before = starts.get(index - 1).copied().unwrap_or(0);
            if let Some(start) = starts.get_mut(index) {
                *start += before;
            }
        }
        let mut next = starts.clone();
        let mut entities = vec![0; items.len()];
        let mut start = 0;
        for (entity, &end) in ends.iter().enumerate() {
            for &id in items.get(start..end).unwrap_or(&[]) {
                if let Some(at) = next.get_mut(id as usize) {
                    if let Some(cell) = entities.get_mut(*at) {
                        *cell = u32::try_from(entity).unwrap_or(u32::MAX);
                    }
                    *at += 1;
                }
            }
            start = end;
        }
        Inverted { starts, entities }
    }

    fn holders(&self, id: u32) -> &[u32] {
        let start = self.starts.get(id as usize).copied().unwrap_or(0);
        let end = self.starts.get(id as usize + 1).copied().unwrap_or(start);
        self.entities.get(start..end).unwrap_or(&[])
    }
}

impl Columns {
    /// An empty store for facts of the given layout.
    fn empty(schema: &Schema, origin: &str) -> Columns {
        let mut columns = vec![Column::new(FactType::Bool); schema.entity_len()];
        for fact in schema.facts() {
            if let Slot::Entity(slot) = fact.slot {
                if let Some(column) = columns.get_mut(slot as usize) {
                    *column = Column::new(fact.ty);
                }
            }
        }
        Columns {
            origin: origin.to_string(),
            world: vec![None; schema.world_len()],
            names: EntityNames::default(),
            columns,
            strings: Interner::default(),
            postings: (0..schema.entity_len()).map(|_| Cache::default()).collect(),
            memberships: Cache::default(),
            warnings: Vec::new(),
            ignored: Vec::new(),
        }
    }

    /// Replaces one fact's value (`None`: unknown): a world fact's, or
    /// entity `entity`'s. The caches built from the old values are dropped.
    pub(super) fn put(&mut self, slot: Slot, entity: Option<usize>, value: Option<Value>) {
        match (slot, entity) {
            (Slot::World(slot), _) => {
                if let Some(cell) = self.world.get_mut(slot as usize) {
                    *cell = value;
                }
            }
            (Slot::Entity(slot), Some(entity)) => {
                if let Some(column) = self.columns.get_mut(slot as usize) {
                    column.replace(entity, value, &mut self.strings);
                }
                if let Some(postings) = self.postings.get_mut(slot as usize) {
                    *postings = Cache::default();
                }
                self.memberships = Cache::default();
            }
            (Slot::Entity(_), None) => {}
        }
    }

    /// Reads JSON facts; `origin` names the source in errors.
    pub fn from_json_str(schema: &Schema, origin: &str, text: &str) -> Result<Columns, FactsError> {
        let options = crate::facts::LoadOptions {
            format: Some(crate::facts::Format::Json),
            ..Default::default()
        };
        Columns::from_text_with(schema, origin, text, &options)
    }

    /// Reads JSON facts with the serde visitors alone: the reference
    /// [`Columns::from_json_str`] is tested against.
    ///
    /// ```
    /// use prereq::RuleSet;
    /// use prereq::batch::Columns;
    /// let rules = RuleSet::parse("r.rules", "fact troops: number\nrule big requires troops > 10")?;
    /// let text = r#"{"entities": {"UK": {"troops": 10000}, "UK": {}}}"#;
    /// let schema = rules.program().schema();
    /// let quick = Columns::from_json_str(schema, "f.json", text).unwrap_err().to_string();
    /// let serde = Columns::from_json_str_with_serde(schema, "f.json", text).unwrap_err().to_string();
    /// assert_eq!(quick, serde);
    /// assert!(quick.contains("entities.UK: this entity is given twice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[doc(hidden)]
    pub fn from_json_str_with_serde(
        schema: &Schema,
        origin: &str,
        text: &str,
    ) -> Result<Columns, FactsError> {
        let text = crate::facts::without_bom(text);
        crate::facts::de::read_json_with_serde(text, Builder::new(schema, origin))
            .map_err(|error| crate::facts::syntax_error(origin, error.to_string()))?
            .finish()
    }

    /// Reads TOML facts; `origin` names the source in errors.
    pub fn from_toml_str(schema: &Schema, origin: &str, text: &str) -> Result<Columns, FactsError> {
        Columns::from_text_with(schema, origin, text, &crate::facts::LoadOptions::default())
    }

    /// Checks facts built in code (or read before) and stores them by
    /// column, value by value into the same builder as the file readers:
    /// no row of values is made on the way, and a value's path is written
    /// only when there is something wrong with it.
    pub fn from_facts(schema: &Schema, facts: &Facts) -> Result<Columns, FactsError> {
        // A `Facts` holds each entity once: its names are indexed in one
        // go at the end, and checked then all the same.
        let mut builder = Builder::with_world_of(schema, facts);
        builder.defer_name_checks();
        builder.add_entities_of(facts);
        if builder.names_unique() {
            return builder.finish();
        }
        // A repeated name (which a `Facts` never holds): again, each name
        // checked as it comes, to report it as the file readers do.
        let mut builder = Builder::with_world_of(schema, facts);
        builder.add_entities_of(facts);
        builder.finish()
    }

    /// A snapshot of no entities for deciding one entity at a time: the
    /// world facts of `facts` (its entities are not read), checked as
    /// [`Columns::from_facts`] checks them, and every string the rules can
    /// compare an entity's strings with interned first — `constants`, then
    /// the world's strings — so that their ids do not depend on any entity.
    pub(crate) fn world_only<'a>(
        schema: &Schema,
        facts: &Facts,
        constants: impl IntoIterator<Item = &'a str>,
    ) -> Result<Columns, FactsError> {
        let mut columns = Builder::with_world_of(schema, facts).finish()?;
        for constant in constants {
            columns.strings.intern(constant);
        }
        for value in columns.world.iter().flatten() {
            match value {
                Value::String(s) => {
                    columns.strings.intern(s);
                }
                Value::Set(items) => {
                    for item in items {
                        columns.strings.intern(item);
                    }
                }
                Value::PartialSet { has, lacks } => {
                    for item in has.iter().chain(lacks.iter()) {
                        columns.strings.intern(item);
                    }
                }
                Value::Bool(_) | Value::Number(_) => {}
            }
        }
        Ok(columns)
    }

    /// Where the facts came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The facts given that the rules do not declare, ignored because
    /// extra facts were allowed ([`crate::facts::LoadOptions`]), by name.
    pub fn ignored_facts(&self) -> &[String] {
        &self.ignored
    }

    /// What was suspicious but not wrong in the facts: entity names that
    /// differ only by Unicode normalisation (they look the same, but are
    /// two entities), each with its path.
    pub fn warnings(&self) -> &[FactProblem] {
        &self.warnings
    }

    /// How many entities there are.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there is no entity.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of entity `index` (file order).
    pub fn entity_name(&self, index: usize) -> Option<&str> {
        self.names.get(index)
    }

    /// The index of the entity with this name.
    pub fn entity_index(&self, name: &str) -> Option<usize> {
        self.names.find(name)
    }

    /// Entity names, in file order.
    pub fn entity_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter()
    }

    /// Entity names, shared: a handle that outlives the store.
    pub fn names(&self) -> &EntityNames {
        &self.names
    }

    /// The world row.
    pub(crate) fn world(&self) -> &[Option<Value>] {
        &self.world
    }

    /// The column of entity slot `slot`.
    pub(crate) fn column(&self, slot: u32) -> Option<&Column> {
        self.columns.get(slot as usize)
    }

    /// How many entity columns there are (one per entity fact).
    pub(crate) fn column_count(&self) -> usize {
        self.columns.len()
    }

    /// The entities whose set (in set column `column`) holds string `id`,
    /// in order; the column's postings are built on the first call.
    pub(crate) fn holders(&self, column: u32, id: u32) -> &[u32] {
        let (Some(Column::Set { ends, items, .. }), Some(postings)) = (
            self.columns.get(column as usize),
            self.postings.get(column as usize),
        ) else {
            return &[];
        };
        postings
            .0
            .get_or_init(|| Inverted::of(ends, items, self.strings.names.len()))
            .holders(id)
    }

    /// The entities whose set (in set column `column`) holds string `id`, as
    /// a bitset built on first use and kept; `None` once the snapshot keeps
    /// [`MEMBERSHIP_CACHE_BYTES`] of them already.
    pub(crate) fn membership(&self, column: u32, id: u32) -> Option<Arc<FixedBitSet>> {
        let mut cache = self.memberships.0.lock().ok()?;
        if let Some(bits) = cache.get(&(column, id)) {
            return Some(bits.clone());
        }
        let bytes = self.len().div_ceil(8);
        if (cache.len() + 1) * bytes > MEMBERSHIP_CACHE_BYTES {
            return None;
        }
        let mut bits = FixedBitSet::with_capacity(self.len());
        for &entity in self.holders(column, id) {
            bits.insert(entity as usize);
        }
        let bits = Arc::new(bits);
        cache.insert((column, id), bits.clone());
        Some(bits)
    }

    pub(crate) fn strings(&self) -> &Interner {
        &self.strings
    }

    /// The value of the fact in `slot`: a world fact's, or entity `entity`'s.
    pub(crate) fn value(&self, entity: usize, slot: Slot) -> Option<Value> {
        match slot {
            Slot::World(index) => self.world.get(index as usize)?.clone(),
            Slot::Entity(index) => self.column(index)?.value(entity, &self.strings),
        }
    }

    /// Entity `index`'s row, as the single-entity evaluator reads it.
    pub fn entity_row(&self, index: usize) -> Vec<Option<Value>> {
        self.columns
            .iter()
            .map(|column| column.value(index, &self.strings))
            .collect()
    }

    /// The bytes the store holds (capacity of its buffers), for memory figures.
    pub fn heap_bytes(&self) -> usize {
        let bits = |set: &FixedBitSet| std::mem::size_of_val(set.as_slice());
        let columns: usize = self
            .columns
            .iter()
            .map(|column| match column {
                Column::Bool { value, known } => bits(value) + bits(known),
                Column::Number { value, known } => value.capacity() * 8 + bits(known),
                Column::String { value, known } => value.capacity() * 4 + bits(known),
                Column::Set {
                    ends,
                    items,
                    known,
                    partial,
                } => {
                    let partial = partial.as_deref().map_or(0, |p| {
                        p.ends.capacity() * 8 + p.items.capacity() * 4 + bits(&p.open)
                    });
                    ends.capacity() * 8 + items.capacity() * 4 + bits(known) + partial
                }
            })
            .sum();
        columns + self.names.heap_bytes()
    }
}

/// Entity names that are not their own compatibility normal form (NFKC),
/// to find names that look alike: `Côte d'Ivoire` written with a
/// combining accent, or `ＵＫ` in full-width letters. ASCII names are their
/// own normal form and cost nothing; the others are compared, once every
/// name is known, with the names they normalise to.
#[derive(Default)]
struct LookAlikes {
    /// Each non-ASCII name with its normal form, in file order.
    names: Vec<(String, String)>,
}

impl LookAlikes {
    fn add(&mut self, name: &str) {
        use unicode_normalization::UnicodeNormalization;
        if !name.is_ascii() {
            self.names.push((name.to_string(), name.nfkc().collect()));
        }
    }

    /// A warning for each name not in normal form that looks like another
    /// entity's: one written in normal form, or an earlier one that
    /// normalises alike. (A name in normal form is the one to keep, and
    /// gets no warning of its own.)
    fn warnings(self, entities: &EntityNames) -> Vec<FactProblem> {
        let mut first: HashMap<&str, &str> = HashMap::new();
        let mut warnings = Vec::new();
        for (name, normal) in &self.names {
            let earlier = *first.entry(normal).or_insert(name);
            let other = match (normal == name, entities.find(normal)) {
                (true, _) => None,
                (false, Some(_)) => Some(normal.as_str()),
                (false, None) => (earlier != name).then_some(earlier),
            };
            if let Some(other) = other {
                warnings.push(FactProblem {
                    path: format!("entities.{}", crate::facts::path_key(name)),
                    message: format!(
                        "this entity's name differs from `entities.{}` only by Unicode normalisation: they look alike, but are two entities",
                        crate::facts::path_key(other)
                    ),
                    help: Some(
                        "write both names with the same characters, or merge the entities"
                            .to_string(),
                    ),
                });
            }
        }
        warnings
    }
}

/// Fills [`Columns`] from a facts document, checking each value on arrival.
///
/// A key given twice in one table is refused the second time whether or
/// not its first value fitted, as [`Facts`] refuses it: both loaders report
/// the same problems.
pub(super) struct Builder<'s> {
    schema: &'s Schema,
    /// With extra facts allowed: the undeclared facts met, ignored.
    extra: Option<std::collections::BTreeSet<String>>,
    columns: Columns,
    problems: Vec<FactProblem>,
    /// Per world slot: given already.
    world_seen: Vec<bool>,
    /// Per entity slot: 1 + the last entity that gave it.
    entity_seen: Vec<usize>,
    /// Keys with no slot given under `[world]`, and for the current entity.
    stray_world_keys: Vec<String>,
    stray_keys: Vec<String>,
    look_alikes: LookAlikes,
    /// Entity names go unchecked until the end of the document.
    names_deferred: bool,
    /// The declared facts the previous entity gave, by place: the facts
    /// of the current entity are nearly always the same ones in the same
    /// order, so each key is first compared with the fact given in its
    /// place before, and looked up only if it is another.
    previous_order: Vec<&'s FactSlot>,
    /// How many keys the current entity has given.
    keys_given: usize,
    /// The table of entities the document named, to read after it.
    pub(super) entities_from: Option<String>,
}

impl<'s> Builder<'s> {
    pub(super) fn new(schema: &'s Schema, origin: &str) -> Builder<'s> {
        Builder {
            schema,
            extra: None,
            columns: Columns::empty(schema, origin),
            problems: Vec::new(),
            world_seen: vec![false; schema.world_len()],
            entity_seen: vec![0; schema.entity_len()],
            stray_world_keys: Vec::new(),
            stray_keys: Vec::new(),
            look_alikes: LookAlikes::default(),
            names_deferred: false,
            previous_order: Vec::new(),
            keys_given: 0,
            entities_from: None,
        }
    }

    /// A builder holding the world facts of `facts` (and the problems it
    /// was read with), each checked as it is stored.
    fn with_world_of(schema: &'s Schema, facts: &Facts) -> Builder<'s> {
        let mut builder = Builder::new(schema, facts.origin());
        builder.problems.extend(facts.problems().iter().cloned());
        for (name, value) in facts.world() {
            if let Err(refusal) = builder.world_value(name, value) {
                builder.problem(refusal.at(format!("world.{}", path_key(name))));
            }
        }
        builder
    }

    /// Adds the entities of `facts`, each value checked as it is stored.
    fn add_entities_of(&mut self, facts: &Facts) {
        self.reserve(facts.entities());
        for entity in facts.entities() {
            let entity_path = || format!("entities.{}", path_key(&entity.name));
            if let Err(refusal) = self.entity(&entity.name) {
                self.problem(refusal.at(entity_path()));
                continue;
            }
            for (name, value) in &entity.facts {
                if let Err(refusal) = self.entity_value(name, value) {
                    let path = format!("{}.{}", entity_path(), path_key(name));
                    self.problem(refusal.at(path));
                }
            }
        }
    }

    /// Room for these entities' names and values.
    fn reserve(&mut self, entities: &[crate::facts::EntityFacts]) {
        let names = Arc::make_mut(&mut self.columns.names.0);
        names
            .text
            .reserve(entities.iter().map(|e| e.name.len()).sum());
        names.ends.reserve(entities.len());
        for column in &mut self.columns.columns {
            column.reserve(entities.len());
        }
    }

    /// Whether `name` is given for the first time in the current table.
    fn first_time(&mut self, name: &str, slot: Option<usize>, under_entity: bool) -> bool {
        let mark = self.columns.len();
        let seen = match (slot, under_entity) {
            (Some(slot), false) => self
                .world_seen
                .get_mut(slot)
                .map(|seen| std::mem::replace(seen, true)),
            (Some(slot), true) => self
                .entity_seen
                .get_mut(slot)
                .map(|seen| std::mem::replace(seen, mark) == mark),
            (None, _) => None,
        };
        let stray = if under_entity {
            &mut self.stray_keys
        } else {
            &mut self.stray_world_keys
        };
        match seen {
            Some(seen) => !seen,
            None if stray.iter().any(|key| key == name) => false,
            None => {
                stray.push(name.to_string());
                true
            }
        }
    }

    /// Places one value of the world (`under_entity` false) or of the last entity.
    fn place(&mut self, name: &str, under_entity: bool) -> Result<(usize, &'s FactSlot), Refusal> {
        let located = match self.as_before(name, under_entity) {
            Some(fact) => Ok(fact),
            None => locate(self.schema, name, under_entity),
        };
        if under_entity {
            self.remember_order(located.as_ref().ok().map(|(_, fact)| *fact));
        }
        let slot = located.as_ref().ok().map(|(slot, _)| *slot);
        if !self.first_time(name, slot, under_entity) {
            return Err(Refusal::fact_twice());
        }
        located
    }

    /// The entity fact given in this key's place by the previous entity,
    /// if it is the fact named `name`.
    fn as_before(&self, name: &str, under_entity: bool) -> Option<(usize, &'s FactSlot)> {
        let fact = *self
            .previous_order
            .get(self.keys_given)
            .filter(|_| under_entity)?;
        match fact.slot {
            Slot::Entity(slot) if fact.name == name => Some((slot as usize, fact)),
            _ => None,
        }
    }

    /// Notes the fact of the current entity's next key (`None` for a key
    /// that is no declared entity fact), for the next entity to compare with.
    fn remember_order(&mut self, fact: Option<&'s FactSlot>) {
        let place = self.keys_given;
        self.keys_given += 1;
        let Some(fact) = fact else { return };
        if place == self.previous_order.len() {
            self.previous_order.push(fact);
        } else if let Some(before) = self.previous_order.get_mut(place) {
            *before = fact;
        }
    }

    /// Checks and stores a world fact.
    fn world_value(&mut self, name: &str, value: &FactValue) -> Result<(), Refusal> {
        if self.ignores(name) {
            return Ok(());
        }
        let (slot, fact) = self.place(name, false)?;
        let value = typed(fact, value)?;
        if let Some(cell) = self.columns.world.get_mut(slot) {
            *cell = Some(value);
        }
        Ok(())
    }

    /// Checks and stores a fact of the entity added last.
    fn entity_value(&mut self, name: &str, value: &FactValue) -> Result<(), Refusal> {
        if self.ignores(name) {
            return Ok(());
        }
        let (slot, fact) = self.place(name, true)?;
        let entity = self.columns.len().saturating_sub(1);
        let Some(column) = self.columns.columns.get_mut(slot) else {
            return Ok(());
        };
        match (fact.ty, value) {
            // Straight into ids: no sorted copy of the strings on the way.
            (FactType::StringSet, FactValue::Strings(set)) => {
                words_of(fact, set.iter().map(String::as_str))?;
                column.set_strings(entity, set, &mut self.columns.strings);
            }
            (_, value) => column.set_last(entity, typed(fact, value)?, &mut self.columns.strings),
        }
        Ok(())
    }

    /// The column of an entity fact, with the strings interned so far.
    fn declared_column(&mut self, fact: &FactSlot) -> Option<(&mut Column, &mut Interner)> {
        let Slot::Entity(slot) = fact.slot else {
            return None;
        };
        let column = self.columns.columns.get_mut(slot as usize)?;
        Some((column, &mut self.columns.strings))
    }

    /// The declarations the builder reads by.
    pub(super) fn schema(&self) -> &'s Schema {
        self.schema
    }

    /// The builder, ignoring facts the rules do not declare when `allow`.
    pub(super) fn allowing_extra_facts(mut self, allow: bool) -> Builder<'s> {
        self.extra = allow.then(Default::default);
        self
    }

    /// Notes facts ignored by a reader that skipped them itself (a CSV
    /// table's columns).
    pub(super) fn ignoring(mut self, names: Vec<String>) -> Builder<'s> {
        if let Some(extra) = &mut self.extra {
            extra.extend(names);
        }
        self
    }

    /// Whether a fact named `name` is ignored: extra facts are allowed,
    /// and the rules do not declare it.
    fn ignores(&mut self, name: &str) -> bool {
        let ignored = self.extra.is_some() && self.schema.fact(name).is_none();
        if let (true, Some(extra)) = (ignored, &mut self.extra) {
            if !extra.contains(name) {
                extra.insert(name.to_string());
            }
        }
        ignored
    }

    pub(super) fn finish(mut self) -> Result<Columns, FactsError> {
        self.columns.ignored = self.extra.take().unwrap_or_default().into_iter().collect();
        if self.problems.is_empty() {
            self.columns.warnings = self.look_alikes.warnings(&self.columns.names);
            Ok(self.columns)
        } else {
            Err(FactsError::Invalid {
                origin: self.columns.origin,
                problems: self.problems,
            })
        }
    }
}

impl FactSink for Builder<'_> {
    fn world_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal> {
        self.world_value(name, &value)
    }

    fn entity(&mut self, name: &str) -> Result<(), Refusal> {
        if self.names_deferred {
            self.columns.names.push_unindexed(name);
        } else if !self.columns.names.add(name) {
            return Err(Refusal::entity_twice());
        }
        self.look_alikes.add(name);
        self.stray_keys.clear();
        self.keys_given = 0;
        let len = self.columns.names.len();
        for column in &mut self.columns.columns {
            column.pad_to(len);
        }
        Ok(())
    }

    fn entity_fact(&mut self, name: &str, value: FactValue) -> Result<(), Refusal> {
        self.entity_value(name, &value)
    }

    fn entity_strings(&mut self, name: &str, strings: &[&str]) -> Result<(), Refusal> {
        if self.ignores(name) {
            return Ok(());
        }
        let (slot, fact) = self.place(name, true)?;
        if fact.ty != FactType::StringSet {
            // Refused in the words of any other value.
            let strings = strings.iter().map(|s| s.to_string()).collect();
            return typed(fact, &FactValue::Strings(strings)).map(|_| ());
        }
        words_of(fact, strings.iter().copied())?;
        let entity = self.columns.len().saturating_sub(1);
        if let Some(column) = self.columns.columns.get_mut(slot) {
            column.set_strings(entity, strings, &mut self.columns.strings);
        }
        Ok(())
    }

    fn declared_fact(&mut self, fact: &FactSlot, value: FactValue) -> Result<(), Refusal> {
        let value = typed(fact, &value)?;
        let entity = self.columns.len().saturating_sub(1);
        if let Some((column, strings)) = self.declared_column(fact) {
            column.set_last(entity, value, strings);
        }
        Ok(())
    }

    fn declared_strings(&mut self, fact: &FactSlot, strings: &[&str]) -> Result<(), Refusal> {
        if fact.ty != FactType::StringSet {
            return self.entity_strings(&fact.name, strings);
        }
        words_of(fact, strings.iter().copied())?;
        let entity = self.columns.len().saturating_sub(1);
        if let Some((column, interned)) = self.declared_column(fact) {
            column.set_strings(entity, strings, interned);
        }
        Ok(())
    }

    fn entities_from(&mut self, table: String) -> Result<(), Refusal> {
        self.entities_from = Some(table);
        Ok(())
    }

    fn entity_count(&self) -> usize {
        self.columns.len()
    }

    fn problem(&mut self, problem: FactProblem) {
        self.problems.push(problem);
    }

    fn defer_name_checks(&mut self) {
        self.names_deferred = self.columns.names.is_empty();
    }

    fn names_unique(&mut self) -> bool {
        !std::mem::take(&mut self.names_deferred) || self.columns.names.index_all()
    }
}

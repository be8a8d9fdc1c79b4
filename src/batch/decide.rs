//! Deciding one entity at a time: for a service that gets one request per
//! entity and answers it at once.
//!
//! A [`Decider`] is prepared once from the rules and the world facts: the
//! world is folded into the rules (the batch lowering, over a snapshot of
//! no entities), every rule is flattened into a [`Plan`], every string the
//! rules compare an entity's strings with is numbered, and each entity
//! fact's name is resolved to a column of one [`Row`]. A [`Request`] then
//! fills that row — through a typed handle that is just the column
//! ([`BoolFact`], [`NumberFact`], [`StringFact`], [`SetFact`]), or by name —
//! and runs the plans: no rule or fact is looked up, and nothing is
//! allocated once the row's buffers have grown to the largest request.
//!
//! A string an entity gives that no rule names needs no id of its own
//! unless some rule compares two of the entity's strings (`a == b`,
//! `a in b`): then each distinct string of the request gets a request-local
//! id past the rules' ones.
//!
//! Architecture invariant: a request's verdicts are those of
//! [`super::evaluate`] on a snapshot of that one entity with the same world
//! (a property test compares them on random rule sets); deciding reads only
//! the plans and the row.

use rustc_hash::FxHashMap;

use super::Word;
use super::columns::{Columns, EntityNames, Interner};
use super::plan::{Plan, Row};
use crate::RuleSet;
use crate::check::RuleId;
use crate::compile::{Arg, FactSlot, Node, Program, Schema, SetArg, Slot};
use crate::eval::Verdict;
use crate::facts::bind::{Value, locate, typed, words_of};
use crate::facts::{FactProblem, FactValue, Facts, FactsError};
use crate::report::UnknownName;
use crate::syntax::ast::{FactType, NumberRange};

/// The rules and the world facts prepared for deciding one entity at a
/// time (see the [module](self) documentation). A request borrows the
/// decider, so a service deciding on several threads clones one per
/// thread (the clone shares nothing; preparing costs what compiling the
/// rules against a snapshot does).
///
/// ```
/// use prereq::{Facts, RuleSet, Verdict};
/// let rules = RuleSet::parse("coalition.rules", r#"
///     world fact ceasefire: bool
///     fact in_coalition: bool
///     fact troops_offered: number
///     fact contributions: set<string>
///     rule deploy requires ceasefire and in_coalition and troops_offered >= 1000
///     rule contribute requires deploy or "logistics" in contributions
/// "#)?;
/// let mut world = Facts::new("today");
/// world.set_world("ceasefire", true);
/// let mut decider = rules.decider(&world)?;
///
/// // Once: each fact's handle and each rule's id.
/// let in_coalition = decider.bool_fact("in_coalition")?;
/// let troops = decider.number_fact("troops_offered")?;
/// let contributions = decider.set_fact("contributions")?;
/// let deploy = decider.rule("deploy")?;
///
/// // Per request: every fact starts unknown.
/// let mut uk = decider.request();
/// uk.set_bool(in_coalition, true).set_number(troops, 10_000.0)?;
/// assert_eq!(uk.decide(deploy), Verdict::Satisfied);
///
/// let mut sweden = decider.request();
/// sweden.set_strings(contributions, ["logistics"])?;
/// sweden.set("in_coalition", true)?; // by name: a lookup, still no allocation
/// assert_eq!(sweden.decide(deploy), Verdict::Undetermined); // troops unknown
/// let all: Vec<_> = sweden.verdicts().collect();
/// assert_eq!(all, [("deploy", Verdict::Undetermined), ("contribute", Verdict::Satisfied)]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decider {
    schema: Schema,
    /// By rule id: the rule's plan (a constant for a world rule).
    plans: Vec<Plan>,
    /// By rule id: the rule's name.
    rule_names: Vec<Box<str>>,
    rule_ids: FxHashMap<Box<str>, RuleId>,
    /// The strings the rules compare entity strings with, numbered.
    constants: Interner,
    /// Some rule compares two of an entity's strings with each other.
    distinguish_strings: bool,
    row: Row,
    registers: Vec<(Word, Word)>,
    request_strings: RequestStrings,
}

/// A `bool` entity fact of a [`Decider`]: the column it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoolFact(u32);

/// A `number` entity fact of a [`Decider`]: the column it fills, and the
/// range its values must lie in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NumberFact(u32, NumberRange);

/// A `string` entity fact of a [`Decider`]: the column it fills, and
/// whether the fact has a vocabulary its values are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringFact(u32, bool);

/// A `set<string>` entity fact of a [`Decider`]: the column it fills, and
/// whether the fact has a vocabulary its strings are checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetFact(u32, bool);

impl Decider {
    /// Prepares `rules` for deciding entities one at a time, in the world
    /// of `world` (its world facts; its entities are not read). Fails, as
    /// [`RuleSet::evaluate`] does, when a world fact does not fit the
    /// declarations. To decide in another world, prepare another decider.
    pub fn new(rules: &RuleSet, world: &Facts) -> Result<Decider, FactsError> {
        let program = rules.program();
        let (constants, distinguish_strings) = rule_strings(program);
        let columns = Columns::world_only(
            program.schema(),
            world,
            constants.iter().map(|constant| &**constant),
        )?;
        let compiled = super::compile(program, &columns);
        let plans = (0..program.rule_count())
            .map(|index| compiled.plan(rule_id(index)))
            .collect();
        let rule_names: Vec<Box<str>> = rules
            .resolved()
            .rules
            .iter()
            .map(|rule| rule.name.as_str().into())
            .collect();
        let rule_ids = rule_names
            .iter()
            .enumerate()
            .map(|(index, name)| (name.clone(), rule_id(index)))
            .collect();
        Ok(Decider {
            schema: program.schema().clone(),
            plans,
            rule_names,
            rule_ids,
            constants: columns.strings().clone(),
            distinguish_strings,
            row: Row::unknown(columns.column_count()),
            registers: Vec::new(),
            request_strings: RequestStrings::default(),
        })
    }

    /// The rule named `name`, for [`Request::decide`].
    pub fn rule(&self, name: &str) -> Result<RuleId, UnknownName> {
        self.rule_ids.get(name).copied().ok_or_else(|| UnknownName {
            kind: "rule",
            name: name.to_string(),
            suggestion: crate::check::suggest(name, self.rule_names.iter().map(|n| &**n))
                .map(str::to_string),
        })
    }

    /// The `bool` entity fact named `name`.
    pub fn bool_fact(&self, name: &str) -> Result<BoolFact, FactProblem> {
        self.column(name, FactType::Bool).map(BoolFact)
    }

    /// The `number` entity fact named `name`.
    pub fn number_fact(&self, name: &str) -> Result<NumberFact, FactProblem> {
        let column = self.column(name, FactType::Number)?;
        let range = self.declared(column).map(|fact| fact.range);
        Ok(NumberFact(column, range.unwrap_or_default()))
    }

    /// The `string` entity fact named `name`.
    pub fn string_fact(&self, name: &str) -> Result<StringFact, FactProblem> {
        let column = self.column(name, FactType::String)?;
        Ok(StringFact(column, self.has_vocabulary(column)))
    }

    /// The `set<string>` entity fact named `name`.
    pub fn set_fact(&self, name: &str) -> Result<SetFact, FactProblem> {
        let column = self.column(name, FactType::StringSet)?;
        Ok(SetFact(column, self.has_vocabulary(column)))
    }

    fn has_vocabulary(&self, column: u32) -> bool {
        self.declared(column)
            .is_some_and(|fact| fact.vocabulary.is_some())
    }

    /// The names of the rules, in declaration order: the order of
    /// [`Request::verdicts`].
    pub fn rule_names(&self) -> impl Iterator<Item = &str> {
        self.rule_names.iter().map(|name| &**name)
    }

    /// A new entity to decide, every fact unknown until it is set.
    #[inline]
    pub fn request(&mut self) -> Request<'_> {
        self.row.forget_all();
        self.request_strings.clear();
        Request { decider: self }
    }

    /// The column of entity fact `name`, if it is declared with type `ty`.
    fn column(&self, name: &str, ty: FactType) -> Result<u32, FactProblem> {
        let (column, declared) = entity_fact(&self.schema, name)?;
        if declared.ty != ty {
            return Err(FactProblem {
                path: name.to_string(),
                message: format!(
                    "`{name}` is declared as `{}`, not `{}`",
                    declared.ty.keyword(),
                    ty.keyword()
                ),
                help: Some(format!(
                    "take its handle with `Decider::{}`",
                    handle_method(declared.ty)
                )),
            });
        }
        Ok(column)
    }

    /// The declaration of the entity fact in `column`.
    fn declared(&self, column: u32) -> Option<&FactSlot> {
        declared_in(&self.schema, column)
    }

    /// Refuses a string of `strings` outside the vocabulary of the fact in
    /// `column`, naming the fact.
    fn check_words<'s>(
        &self,
        column: u32,
        strings: impl IntoIterator<Item = &'s str>,
    ) -> Result<(), FactProblem> {
        match self.declared(column) {
            Some(declared) => {
                words_of(declared, strings).map_err(|refusal| refusal.at(declared.name.clone()))
            }
            None => Ok(()),
        }
    }
}

/// The column and declaration of entity fact `name`, or why it is none.
/// The declaration of the entity fact in `column`.
fn declared_in(schema: &Schema, column: u32) -> Option<&FactSlot> {
    schema
        .facts()
        .iter()
        .find(|fact| fact.slot == Slot::Entity(column))
}

fn entity_fact<'s>(schema: &'s Schema, name: &str) -> Result<(u32, &'s FactSlot), FactProblem> {
    match locate(schema, name, true) {
        Ok((column, declared)) => Ok((u32::try_from(column).unwrap_or(u32::MAX), declared)),
        Err(_) if matches!(schema.fact(name), Some(fact) if matches!(fact.slot, Slot::World(_))) => {
            Err(FactProblem {
                path: name.to_string(),
                message: format!(
                    "`{name}` is a world fact: a decider's world is fixed when it is prepared"
                ),
                help: Some(
                    "give it with the world facts to `RuleSet::decider`; prepare another decider for another world"
                        .to_string(),
                ),
            })
        }
        Err(refusal) => Err(refusal.at(name.to_string())),
    }
}

/// The id of the rule at `index` in declaration order.
fn rule_id(index: usize) -> RuleId {
    RuleId(u32::try_from(index).unwrap_or(u32::MAX))
}

/// The `Decider` method that gives a handle for facts of type `ty`.
fn handle_method(ty: FactType) -> &'static str {
    match ty {
        FactType::Bool => "bool_fact",
        FactType::Number => "number_fact",
        FactType::String => "string_fact",
        FactType::StringSet => "set_fact",
    }
}

/// One entity's facts being given to a [`Decider`], and its verdicts.
/// Setting a fact again replaces its value; a fact not set is unknown.
#[derive(Debug)]
pub struct Request<'d> {
    decider: &'d mut Decider,
}

impl Request<'_> {
    /// Sets a `bool` fact.
    #[inline]
    pub fn set_bool(&mut self, fact: BoolFact, value: bool) -> &mut Self {
        self.decider.row.set_bool(fact.0, value);
        self
    }

    /// Sets a `number` fact. Fails, naming the fact, for a value a float
    /// does not hold exactly as a fact (not finite, beyond 2^53) or outside
    /// the fact's range, as the facts readers do.
    #[inline]
    pub fn set_number(&mut self, fact: NumberFact, value: f64) -> Result<&mut Self, FactProblem> {
        if value.is_finite() && value.abs() <= crate::number::MAX_EXACT && fact.1.contains(value) {
            self.decider.row.set_scalar(fact.0, value.to_bits());
            return Ok(self);
        }
        let problem = match self.decider.declared(fact.0) {
            Some(declared) => match typed(declared, &FactValue::Number(value)) {
                Err(refusal) => refusal.at(declared.name.clone()),
                Ok(_) => foreign_number(value),
            },
            None => foreign_number(value),
        };
        Err(problem)
    }

    /// Sets a `string` fact. Fails, naming the fact, for a string outside
    /// the fact's vocabulary (the fact stays as it was).
    #[inline]
    pub fn set_string(&mut self, fact: StringFact, value: &str) -> Result<&mut Self, FactProblem> {
        let decider = &mut *self.decider;
        if fact.1 {
            decider.check_words(fact.0, [value])?;
        }
        let id = decider
            .request_strings
            .id(&decider.constants, decider.distinguish_strings, value);
        decider.row.set_scalar(fact.0, u64::from(id));
        Ok(self)
    }

    /// Sets a `set<string>` fact (duplicates change nothing). Fails, naming
    /// the fact, for a string outside the fact's vocabulary (the fact is
    /// then unknown).
    #[inline]
    pub fn set_strings<S: AsRef<str>>(
        &mut self,
        fact: SetFact,
        items: impl IntoIterator<Item = S>,
    ) -> Result<&mut Self, FactProblem> {
        let Decider {
            row,
            constants,
            distinguish_strings,
            request_strings,
            schema,
            ..
        } = &mut *self.decider;
        let declared = fact.1.then(|| declared_in(schema, fact.0)).flatten();
        let mut refused = None;
        let ids = items.into_iter().map(|item| {
            let item = item.as_ref();
            if let (Some(declared), None) = (declared, &refused) {
                if let Err(refusal) = words_of(declared, [item]) {
                    refused = Some(refusal.at(declared.name.clone()));
                }
            }
            request_strings.id(constants, *distinguish_strings, item)
        });
        row.set_items(fact.0, ids);
        match refused {
            Some(problem) => {
                row.forget(fact.0);
                Err(problem)
            }
            None => Ok(self),
        }
    }

    /// Sets a `set<string>` fact known in part: it holds `has`, it lacks
    /// `lacks`, and of any other string it is unknown. Checked as a facts
    /// file's value is (vocabulary, no string in both lists); unlike the
    /// other setters, it allocates.
    ///
    /// ```
    /// use prereq::{Facts, RuleSet, Verdict};
    /// let rules = RuleSet::parse("r.rules", "
    ///     fact offers: set<string>
    ///     rule jets requires \"fast_jets\" in offers")?;
    /// let mut decider = rules.decider(&Facts::new("world"))?;
    /// let (jets, offers) = (decider.rule("jets")?, decider.set_fact("offers")?);
    /// let mut request = decider.request();
    /// request.set_partly(offers, ["troops"], ["logistics"])?;
    /// assert_eq!(request.decide(jets), Verdict::Undetermined);
    /// request.set_partly(offers, ["troops"], ["fast_jets"])?;
    /// assert_eq!(request.decide(jets), Verdict::Unsatisfied);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn set_partly<H: AsRef<str>, L: AsRef<str>>(
        &mut self,
        fact: SetFact,
        has: impl IntoIterator<Item = H>,
        lacks: impl IntoIterator<Item = L>,
    ) -> Result<&mut Self, FactProblem> {
        let value = FactValue::partial_set(
            has.into_iter().map(|s| s.as_ref().to_string()),
            lacks.into_iter().map(|s| s.as_ref().to_string()),
        );
        let Some(declared) = declared_in(&self.decider.schema, fact.0) else {
            return Ok(self);
        };
        match typed(declared, &value) {
            Ok(typed) => self.set_value(fact.0, &typed),
            Err(refusal) => {
                let problem = refusal.at(declared.name.clone());
                self.decider.row.forget(fact.0);
                Err(problem)
            }
        }
    }

    /// Sets the entity fact named `fact`, checked against its declaration
    /// as a facts file's value is: an undeclared fact, a world fact or a
    /// value of the wrong type is refused, naming the fact, with a hint.
    pub fn set(
        &mut self,
        fact: &str,
        value: impl Into<FactValue>,
    ) -> Result<&mut Self, FactProblem> {
        let value = value.into();
        let decider = &*self.decider;
        let (column, declared) = entity_fact(&decider.schema, fact)?;
        match (declared.ty, &value) {
            (FactType::Bool, FactValue::Bool(b)) => Ok(self.set_bool(BoolFact(column), *b)),
            (FactType::String, FactValue::String(s)) => {
                words_of(declared, [s.as_str()]).map_err(|r| r.at(fact.to_string()))?;
                self.set_string(StringFact(column, false), s)
            }
            (FactType::StringSet, FactValue::Strings(items)) => {
                words_of(declared, items.iter().map(String::as_str))
                    .map_err(|r| r.at(fact.to_string()))?;
                self.set_strings(SetFact(column, false), items)
            }
            // Numbers, and values of the wrong type (refused with the reason).
            _ => match typed(declared, &value) {
                Ok(typed) => self.set_value(column, &typed),
                Err(refusal) => Err(refusal.at(fact.to_string())),
            },
        }
    }

    /// Sets a value already checked against its declaration.
    fn set_value(&mut self, column: u32, value: &Value) -> Result<&mut Self, FactProblem> {
        match value {
            Value::Bool(b) => Ok(self.set_bool(BoolFact(column), *b)),
            Value::Number(n) => {
                self.decider.row.set_scalar(column, n.to_bits());
                Ok(self)
            }
            Value::String(s) => self.set_string(StringFact(column, false), s),
            Value::Set(items) => self.set_strings(SetFact(column, false), items.iter()),
            Value::PartialSet { has, lacks } => {
                let Decider {
                    row,
                    constants,
                    distinguish_strings,
                    request_strings,
                    ..
                } = &mut *self.decider;
                let mut id = |item: &str| request_strings.id(constants, *distinguish_strings, item);
                let has: Vec<u32> = has.iter().map(|s| id(s)).collect();
                let lacks: Vec<u32> = lacks.iter().map(|s| id(s)).collect();
                row.set_partly(column, has, lacks);
                Ok(self)
            }
        }
    }

    /// The verdict of rule `rule` (from [`Decider::rule`]) for this entity;
    /// the entity rules it reads are decided on the way.
    #[inline]
    pub fn decide(&mut self, rule: RuleId) -> Verdict {
        let decider = &mut *self.decider;
        match decider.plans.get(rule.index()) {
            Some(plan) => Verdict::from(plan.run(&decider.row, &mut decider.registers)),
            None => Verdict::Undetermined,
        }
    }

    /// Every rule's verdict for this entity, world rules included, in
    /// declaration order: (rule name, verdict).
    pub fn verdicts(&mut self) -> impl Iterator<Item = (&str, Verdict)> + '_ {
        let Decider {
            plans,
            rule_names,
            row,
            registers,
            ..
        } = &mut *self.decider;
        let row = &*row;
        plans
            .iter()
            .zip(rule_names.iter())
            .map(move |(plan, name)| (&**name, Verdict::from(plan.run(row, registers))))
    }
}

/// A number given through a handle of another decider's facts.
fn foreign_number(value: f64) -> FactProblem {
    FactProblem {
        path: String::new(),
        message: format!("the number {value} was given for a fact this decider does not have"),
        help: Some("take the handle from the same Decider".to_string()),
    }
}

/// The strings a request gives that are not among the rules' constants,
/// numbered in the order given (the store of entity names serves: strings
/// end to end with a hash index, no allocation once it has grown).
#[derive(Debug, Clone, Default)]
struct RequestStrings(EntityNames);

impl RequestStrings {
    fn clear(&mut self) {
        if !self.0.is_empty() {
            self.0.clear();
        }
    }

    /// The id of `s`: a constant's own; else, past the constants, one id
    /// for every other string when no rule compares an entity's strings
    /// with each other (`distinguish` false), or one per distinct string of
    /// the request.
    #[inline]
    fn id(&mut self, constants: &Interner, distinguish: bool, s: &str) -> u32 {
        if let Some(id) = constants.get(s) {
            return id;
        }
        let index = if distinguish { self.index(s) } else { 0 };
        u32::try_from(constants.len() + index).unwrap_or(u32::MAX)
    }

    /// The position of `s` among the request's strings, added if new.
    fn index(&mut self, s: &str) -> usize {
        self.0.find(s).unwrap_or_else(|| {
            self.0.add(s);
            self.0.len() - 1
        })
    }
}

/// Every string constant of the entity rules, and whether any rule compares
/// two entity strings with each other.
fn rule_strings(program: &Program) -> (Vec<Box<str>>, bool) {
    let mut constants = Vec::new();
    let mut distinguish = false;
    let entity = |slot: &Slot| matches!(slot, Slot::Entity(_));
    for rule in program.entity_rules() {
        rule.condition.each(|node| match node {
            Node::Strings { lhs, rhs, .. } => {
                for side in [lhs, rhs] {
                    if let Arg::Const(s) = side {
                        constants.push(s.clone());
                    }
                }
                distinguish |=
                    matches!((lhs, rhs), (Arg::Slot(a), Arg::Slot(b)) if entity(a) && entity(b));
            }
            Node::Member { element, set, .. } => {
                if let Arg::Const(s) = element {
                    constants.push(s.clone());
                }
                match set {
                    SetArg::List(items) => constants.extend(items.iter().cloned()),
                    SetArg::Slot(set) => {
                        distinguish |= matches!(element, Arg::Slot(e) if entity(e)) && entity(set);
                    }
                }
            }
            _ => {}
        });
    }
    (constants, distinguish)
}

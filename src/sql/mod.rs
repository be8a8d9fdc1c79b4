//! SQL: a rule set compiled to one `SELECT` that decides, in the engine
//! that holds the facts, what prereq decides.
//!
//! The facts are two tables: `entities` (a column `entity`, then a column
//! per entity fact named as the fact) and the one-row `world` (a column
//! per world fact); `NULL` is an unknown fact. The query returns `entity`
//! and a column per rule, world rules included, holding `'satisfied'`,
//! `'unsatisfied'` or `'undetermined'`:
//!
//! ```sql
//! WITH
//!   "prereq_world" AS (SELECT (SELECT "ceasefire" FROM "world") AS "ceasefire"),
//!   "prereq_entities_1" AS (SELECT e.*, (w."ceasefire" AND e."legal_basis") AS "rule deploy"
//!     FROM "entities" e CROSS JOIN "prereq_world" w)
//! SELECT e."entity" AS "entity", CASE WHEN … END AS "deploy" FROM "prereq_entities_1" e CROSS JOIN "prereq_world" w
//! ```
//!
//! Each condition becomes an expression that is `TRUE`, `FALSE` or `NULL`
//! ([`condition`]): SQL's three-valued logic is Kleene's, as prereq's is.
//! Rules that read other rules are computed a layer at a time, each layer
//! a common table expression that adds its rules' columns to the one
//! before, so a rule read by many is computed once per row and the query
//! grows with the rule set, not with the paths through it. World facts are
//! read with scalar subqueries, so an empty `world` table is a world of
//! unknown facts (and one of two rows an error of the engine, not a
//! doubled answer).
//!
//! Architecture invariant: reads only the compiled program and the
//! resolved names; every name is quoted and every string escaped by the
//! [`Dialect`]; a construct it cannot compile exactly is an error naming
//! the rule, never an approximation. `tests/sql_engines.rs` runs the
//! queries on the real engines against the evaluator.

mod condition;
mod dialect;

use rustc_hash::FxHashMap;

pub use dialect::Dialect;

use crate::RuleSet;
use crate::check::{RuleId, RuleKind};
use crate::compile::{Arg, Node, SetArg, Slot};
use crate::syntax::ast::Scope;

/// What to compile, and for which engine and tables.
///
/// ```
/// use prereq::sql::{Dialect, SqlOptions};
/// let options = SqlOptions::new(Dialect::DuckDb);
/// assert_eq!((options.entities_table.as_str(), options.world_table.as_str()), ("entities", "world"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlOptions {
    /// The engine.
    pub dialect: Dialect,
    /// The rules to return (with the rules they read); none: every rule.
    pub rules: Vec<String>,
    /// The table of entity facts, `schema.table` as the engine names it.
    pub entities_table: String,
    /// The one-row table of world facts.
    pub world_table: String,
}

impl SqlOptions {
    /// Every rule, from the tables `entities` and `world`.
    pub fn new(dialect: Dialect) -> SqlOptions {
        SqlOptions {
            dialect,
            rules: Vec::new(),
            entities_table: "entities".to_string(),
            world_table: "world".to_string(),
        }
    }
}

/// Why a rule set does not compile to SQL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SqlError {
    /// `--rule` names no rule.
    #[error("there is no rule named `{}`{}", crate::text::escape(name), suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    UnknownRule {
        /// The name given.
        name: String,
        /// A rule named nearly so.
        suggestion: Option<String>,
    },
    /// A rule uses a construct the compiler does not write in SQL.
    #[error("rule `{rule}` uses {construct}, which does not compile to SQL yet")]
    Unsupported {
        /// The rule.
        rule: String,
        /// The construct, in words.
        construct: String,
    },
    /// A table name that is empty, or has an empty part.
    #[error("`{}` is not a table name", crate::text::escape(name))]
    TableName {
        /// The name given.
        name: String,
    },
}

impl SqlError {
    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            SqlError::UnknownRule { .. } => "name a rule of the rule set",
            SqlError::Unsupported { .. } => {
                "decide this rule with `prereq check` (leave it out with --rule), or compute the number in a column of its own"
            }
            SqlError::TableName { .. } => {
                "give the table as the engine names it: `entities` or `schema.entities`"
            }
        }
    }
}

/// One `SELECT` that returns `entity` and each rule's verdict.
///
/// ```
/// use prereq::RuleSet;
/// use prereq::sql::{Dialect, SqlOptions, query};
/// let rules = RuleSet::parse("r.rules", "
///     world fact ceasefire: bool
///     fact legal_basis: bool
///     rule deploy requires ceasefire and legal_basis")?;
/// let sql = query(&rules, &SqlOptions::new(Dialect::Postgres))?;
/// assert!(sql.contains(r#"(w."ceasefire" AND e."legal_basis") AS "rule deploy""#));
/// assert!(sql.contains(r#"AS "deploy""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn query(rules: &RuleSet, options: &SqlOptions) -> Result<String, SqlError> {
    let shown = shown_rules(rules, &options.rules)?;
    let needed = needed_rules(rules, &shown);
    let d = options.dialect;
    let tables = (
        table_name(d, &options.entities_table)?,
        table_name(d, &options.world_table)?,
    );
    let mut ctes: Vec<String> = Vec::new();
    let world = world_ctes(rules, &needed, d, &tables.1, &mut ctes)?;
    let join = world
        .as_ref()
        .map(|world| format!(" CROSS JOIN {world} w"))
        .unwrap_or_default();
    let mut entities = tables.0;
    for (level, layer) in layers(rules, &needed, RuleKind::Entity).iter().enumerate() {
        let name = d.name(&format!("prereq_entities_{}", level + 1));
        let columns = rule_columns(rules, layer, d)?;
        ctes.push(format!(
            "  {name} AS (\n    SELECT e.*,\n{columns}\n    FROM {entities} e{join}\n  )"
        ));
        entities = name;
    }
    let mut select = vec![format!("  e.{} AS {}", d.name("entity"), d.name("entity"))];
    for id in &shown {
        let (scope, name) = rule_scope(rules, *id);
        let value = format!("{scope}.{}", d.name(&rule_column(name)));
        let (yes, no) = (d.string("satisfied"), d.string("unsatisfied"));
        let unknown = d.string("undetermined");
        select.push(format!(
            "  CASE WHEN {value} THEN {yes} WHEN NOT {value} THEN {no} ELSE {unknown} END AS {}",
            d.name(name)
        ));
    }
    let with = match ctes.is_empty() {
        true => String::new(),
        false => format!("WITH\n{}\n", ctes.join(",\n")),
    };
    Ok(format!(
        "{with}SELECT\n{}\nFROM {entities} e{join}\n",
        select.join(",\n")
    ))
}

/// The `CREATE TABLE` statements of the tables a query reads: `entities`
/// with every entity fact, and `world` with every world fact (left out
/// when the rules declare none).
///
/// ```
/// use prereq::RuleSet;
/// use prereq::sql::{Dialect, SqlOptions, schema};
/// let rules = RuleSet::parse("r.rules", "
///     fact contributions: set<string>
///     rule jets requires \"fast_jets\" in contributions")?;
/// let sql = schema(&rules, &SqlOptions::new(Dialect::DuckDb))?;
/// assert!(sql.contains("\"contributions\" VARCHAR[]"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn schema(rules: &RuleSet, options: &SqlOptions) -> Result<String, SqlError> {
    let d = options.dialect;
    let facts = &rules.resolved().facts;
    let key = match d {
        Dialect::Spark => "",
        _ => " NOT NULL PRIMARY KEY",
    };
    let mut entity_columns = vec![format!(
        "  {} {}{key}",
        d.name("entity"),
        d.column_type(crate::syntax::ast::FactType::String)
    )];
    let mut world_columns = Vec::new();
    for fact in facts {
        let column = d.name(&fact.name);
        let check = d
            .column_check(&column, fact.ty)
            .map(|check| format!(" {check}"))
            .unwrap_or_default();
        let line = format!("  {column} {}{check}", d.column_type(fact.ty));
        match fact.scope {
            Scope::Entity => entity_columns.push(line),
            Scope::World => world_columns.push(line),
        }
    }
    let create = |table: &str, columns: &[String]| {
        format!("CREATE TABLE {table} (\n{}\n);\n", columns.join(",\n"))
    };
    let mut text = create(&table_name(d, &options.entities_table)?, &entity_columns);
    if !world_columns.is_empty() {
        text.push_str(&create(
            &table_name(d, &options.world_table)?,
            &world_columns,
        ));
    }
    Ok(text)
}

/// The rules the query returns: those asked for, else all; world rules
/// first, each kind in declaration order.
fn shown_rules(rules: &RuleSet, asked: &[String]) -> Result<Vec<RuleId>, SqlError> {
    let resolved = rules.resolved();
    let mut ids = Vec::new();
    for name in asked {
        match resolved.rule_id(name) {
            Some(id) => ids.push(id),
            None => {
                let names = resolved.rules.iter().map(|rule| rule.name.as_str());
                return Err(SqlError::UnknownRule {
                    name: name.clone(),
                    suggestion: crate::check::suggest(name, names).map(str::to_string),
                });
            }
        }
    }
    if asked.is_empty() {
        ids = (0..resolved.rules.len())
            .filter_map(|index| u32::try_from(index).ok().map(RuleId))
            .collect();
    }
    ids.sort_by_key(|id| (rule_kind(rules, *id) == RuleKind::Entity, id.index()));
    ids.dedup();
    Ok(ids)
}

/// The rules to compute: those shown and every rule they read.
fn needed_rules(rules: &RuleSet, shown: &[RuleId]) -> Vec<bool> {
    let program = rules.program();
    let mut needed = vec![false; program.rule_count()];
    let mut pending = shown.to_vec();
    while let Some(id) = pending.pop() {
        match needed.get_mut(id.index()) {
            Some(cell) if !*cell => *cell = true,
            _ => continue,
        }
        if let Some(rule) = program.rule(id) {
            rule.condition.each(|node| {
                if let Node::Rule(read) = node {
                    pending.push(*read);
                }
            });
        }
    }
    needed
}

/// The needed rules of one kind in layers: each rule in the layer after
/// the last rule of its kind it reads.
fn layers(rules: &RuleSet, needed: &[bool], kind: RuleKind) -> Vec<Vec<RuleId>> {
    let program = rules.program();
    let compiled = match kind {
        RuleKind::World => program.world_rules(),
        RuleKind::Entity => program.entity_rules(),
    };
    let mut layer_of: FxHashMap<RuleId, usize> = FxHashMap::default();
    let mut layers: Vec<Vec<RuleId>> = Vec::new();
    for rule in compiled {
        if !needed.get(rule.id.index()).copied().unwrap_or(false) {
            continue;
        }
        let mut layer = 0;
        rule.condition.each(|node| {
            if let Node::Rule(read) = node {
                if let Some(below) = layer_of.get(read) {
                    layer = layer.max(below + 1);
                }
            }
        });
        layer_of.insert(rule.id, layer);
        if layers.len() <= layer {
            layers.resize_with(layer + 1, Vec::new);
        }
        if let Some(rules) = layers.get_mut(layer) {
            rules.push(rule.id);
        }
    }
    layers
}

/// The common table expressions of the world: its facts, read once, then
/// its rules layer by layer. Returns the name of the last, or `None` when
/// the needed rules read nothing of the world.
fn world_ctes(
    rules: &RuleSet,
    needed: &[bool],
    d: Dialect,
    world_table: &str,
    ctes: &mut Vec<String>,
) -> Result<Option<String>, SqlError> {
    let facts = world_facts_read(rules, needed);
    let layers = layers(rules, needed, RuleKind::World);
    if facts.is_empty() && layers.is_empty() {
        return Ok(None);
    }
    let mut columns: Vec<String> = facts
        .iter()
        .map(|fact| {
            let column = d.name(fact);
            format!("      (SELECT {column} FROM {world_table}) AS {column}")
        })
        .collect();
    if columns.is_empty() {
        columns.push(format!("      1 AS {}", d.name("prereq_world")));
    }
    let mut world = d.name("prereq_world");
    ctes.push(format!(
        "  {world} AS (\n    SELECT\n{}\n  )",
        columns.join(",\n")
    ));
    for (level, layer) in layers.iter().enumerate() {
        let name = d.name(&format!("prereq_world_{}", level + 1));
        let columns = rule_columns(rules, layer, d)?;
        ctes.push(format!(
            "  {name} AS (\n    SELECT w.*,\n{columns}\n    FROM {world} w\n  )"
        ));
        world = name;
    }
    Ok(Some(world))
}

/// The world facts the needed rules read, in declaration order.
fn world_facts_read(rules: &RuleSet, needed: &[bool]) -> Vec<String> {
    let program = rules.program();
    let mut read = vec![false; program.schema().world_len()];
    let mut mark = |slot: Slot| {
        if let Slot::World(index) = slot {
            if let Some(cell) = read.get_mut(index as usize) {
                *cell = true;
            }
        }
    };
    let compiled = program.world_rules().iter().chain(program.entity_rules());
    for rule in compiled.filter(|rule| needed.get(rule.id.index()).copied().unwrap_or(false)) {
        rule.condition.each(|node| slots_of(node, &mut mark));
    }
    program
        .schema()
        .facts()
        .iter()
        .filter(|fact| matches!(fact.slot, Slot::World(i) if read.get(i as usize) == Some(&true)))
        .map(|fact| fact.name.clone())
        .collect()
}

/// Calls `visit` on each fact slot a node reads itself (not its parts).
fn slots_of(node: &Node, visit: &mut impl FnMut(Slot)) {
    let mut arg = |arg: &Arg<Box<str>>| {
        if let Arg::Slot(slot) = arg {
            visit(*slot);
        }
    };
    match node {
        Node::Bool(slot) => visit(*slot),
        Node::Numbers { lhs, rhs, .. } => {
            lhs.each_slot(visit);
            rhs.each_slot(visit);
        }
        Node::Strings { lhs, rhs, .. } => {
            arg(lhs);
            arg(rhs);
        }
        Node::Member { element, set, .. } => {
            arg(element);
            if let SetArg::Slot(slot) = set {
                visit(*slot);
            }
        }
        Node::Const(_)
        | Node::Rule(_)
        | Node::Not(_)
        | Node::And(_)
        | Node::Or(_)
        | Node::Conds { .. } => {}
    }
}

/// The columns a layer adds: each rule's condition, as `"rule NAME"`.
fn rule_columns(rules: &RuleSet, layer: &[RuleId], d: Dialect) -> Result<String, SqlError> {
    let program = rules.program();
    let schema = program.schema();
    let fact_names: FxHashMap<Slot, &str> = schema
        .facts()
        .iter()
        .map(|fact| (fact.slot, fact.name.as_str()))
        .collect();
    let fact = |slot: Slot| {
        let alias = if matches!(slot, Slot::World(_)) {
            "w"
        } else {
            "e"
        };
        format!(
            "{alias}.{}",
            d.name(fact_names.get(&slot).copied().unwrap_or_default())
        )
    };
    let rule = |id: RuleId| {
        let (alias, name) = rule_scope(rules, id);
        format!("{alias}.{}", d.name(&rule_column(name)))
    };
    let names = condition::Names {
        dialect: d,
        fact: &fact,
        rule: &rule,
    };
    let mut columns = Vec::new();
    for id in layer {
        let (Some(compiled), (_, name)) = (program.rule(*id), rule_scope(rules, *id)) else {
            continue;
        };
        let sql = names.condition(&compiled.condition, name)?;
        columns.push(format!("      {sql} AS {}", d.name(&rule_column(name))));
    }
    Ok(columns.join(",\n"))
}

/// The column a rule's three-valued verdict is kept in while the query
/// runs: a name no fact can have (names have no spaces).
fn rule_column(name: &str) -> String {
    format!("rule {name}")
}

/// The alias a rule's column is read through (`w` for the world, `e` for
/// an entity), and the rule's name.
fn rule_scope(rules: &RuleSet, id: RuleId) -> (&'static str, &str) {
    let name = rules
        .resolved()
        .rule(id)
        .map_or("", |rule| rule.name.as_str());
    match rule_kind(rules, id) {
        RuleKind::World => ("w", name),
        RuleKind::Entity => ("e", name),
    }
}

fn rule_kind(rules: &RuleSet, id: RuleId) -> RuleKind {
    rules
        .resolved()
        .rule(id)
        .map_or(RuleKind::Entity, |rule| rule.kind)
}

/// A table name as given (`schema.table`), each part quoted.
fn table_name(d: Dialect, name: &str) -> Result<String, SqlError> {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.iter().any(|part| part.trim().is_empty()) {
        return Err(SqlError::TableName {
            name: name.to_string(),
        });
    }
    Ok(parts
        .iter()
        .map(|part| d.name(part))
        .collect::<Vec<_>>()
        .join("."))
}

//! Report: verdicts with names, ready to read, serialize or render.
//!
//! A [`Report`] pairs the evaluator's verdicts with rule names, doc comments
//! and entity names. It can be narrowed to some rules and entities
//! ([`Report::select`]), walked as rows ([`Report::rows`]: world rules first
//! with no entity, then each entity's rules, entities in facts-file order
//! and rules in declaration order), and rendered as a terminal table
//! ([`table`]) or as JSON ([`Report::to_json`]).
//!
//! Architecture invariant: a report is plain data derived from one
//! evaluation; rendering never evaluates anything.

pub mod analysis;
pub mod table;

use serde::Serialize;

use crate::check::{ResolvedRules, RuleId, RuleKind};
use crate::eval::{Verdict, Verdicts};

/// A rule as shown in reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleColumn {
    /// The rule's name.
    pub name: String,
    /// World or entity rule.
    pub kind: RuleKind,
    /// Its doc comment lines.
    pub docs: Vec<String>,
    #[serde(skip)]
    id: RuleId,
}

/// One verdict: an entity (none for a world rule), a rule and its verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Row<'a> {
    /// The entity, or `None` for a world rule.
    pub entity: Option<&'a str>,
    /// The rule.
    pub rule: &'a str,
    /// Its verdict.
    pub verdict: Verdict,
}

/// The verdicts of one evaluation.
///
/// ```
/// use prereq::{Facts, RuleSet, Verdict};
/// let rules = RuleSet::parse("coalition.rules", "
///     world fact ceasefire: bool
///     fact legal_basis: bool
///     rule deploy requires ceasefire and legal_basis
/// ")?;
/// let mut facts = Facts::new("inline");
/// facts.set_world("ceasefire", true);
/// facts.set("UK", "legal_basis", true);
/// facts.add_entity("Ireland");
/// let report = rules.evaluate(&facts)?;
/// assert_eq!(report.verdict("UK", "deploy"), Some(Verdict::Satisfied));
/// assert_eq!(report.verdict("Ireland", "deploy"), Some(Verdict::Undetermined));
/// assert_eq!(report.to_json(), r#"{"results":[{"entity":"UK","rule":"deploy","verdict":"satisfied"},{"entity":"Ireland","rule":"deploy","verdict":"undetermined"}]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    rules: Vec<RuleColumn>,
    entities: Vec<String>,
    verdicts: Verdicts,
    /// Indices into `rules` and `entities` that are shown.
    shown_rules: Vec<usize>,
    shown_entities: Vec<usize>,
}

/// A name given to [`Report::select`] that the report does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no {kind} named `{name}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
pub struct UnknownName {
    /// `rule` or `entity`.
    pub kind: &'static str,
    /// The name asked for.
    pub name: String,
    /// The nearest existing name, if one is close.
    pub suggestion: Option<String>,
}

impl Report {
    pub(crate) fn new(
        resolved: &ResolvedRules,
        entities: Vec<String>,
        verdicts: Verdicts,
    ) -> Report {
        let rules: Vec<RuleColumn> = resolved
            .rules
            .iter()
            .enumerate()
            .map(|(index, rule)| RuleColumn {
                name: rule.name.clone(),
                kind: rule.kind,
                docs: rule.docs.clone(),
                id: RuleId(u32::try_from(index).unwrap_or(u32::MAX)),
            })
            .collect();
        Report {
            shown_rules: (0..rules.len()).collect(),
            shown_entities: (0..entities.len()).collect(),
            rules,
            entities,
            verdicts,
        }
    }

    /// Narrows the report to the named rules and entities (all, when a list is empty),
    /// in the order of the report.
    pub fn select(&self, rules: &[String], entities: &[String]) -> Result<Report, UnknownName> {
        let rule_names: Vec<&str> = self.rules.iter().map(|r| r.name.as_str()).collect();
        let entity_names: Vec<&str> = self.entities.iter().map(String::as_str).collect();
        Ok(Report {
            shown_rules: pick("rule", &rule_names, rules)?,
            shown_entities: pick("entity", &entity_names, entities)?,
            ..self.clone()
        })
    }

    /// The rules shown, in declaration order.
    pub fn rules(&self) -> impl Iterator<Item = &RuleColumn> {
        self.shown_rules
            .iter()
            .filter_map(|&index| self.rules.get(index))
    }

    /// The entities shown, in facts-file order.
    pub fn entities(&self) -> impl Iterator<Item = &str> {
        self.shown_entities
            .iter()
            .filter_map(|&index| self.entities.get(index).map(String::as_str))
    }

    /// The verdict of `rule` for `entity`; for a world rule, the world's verdict
    /// (the same for every entity). `None` if either name is unknown.
    pub fn verdict(&self, entity: &str, rule: &str) -> Option<Verdict> {
        let entity = self.entities.iter().position(|e| e == entity)?;
        let rule = self.rules.iter().find(|r| r.name == rule)?;
        self.cell(Some(entity), rule)
    }

    /// The verdict of a world rule (`None` for an unknown or an entity rule).
    pub fn world_verdict(&self, rule: &str) -> Option<Verdict> {
        let rule = self
            .rules
            .iter()
            .find(|r| r.name == rule && r.kind == RuleKind::World)?;
        self.cell(None, rule)
    }

    fn cell(&self, entity: Option<usize>, rule: &RuleColumn) -> Option<Verdict> {
        let row = match (rule.kind, entity) {
            (RuleKind::World, _) => self.verdicts.world(),
            (RuleKind::Entity, Some(entity)) => self.verdicts.entity(entity)?,
            (RuleKind::Entity, None) => return None,
        };
        row.get(rule.id.index()).map(|&tri| Verdict::from(tri))
    }

    /// Every verdict shown: world rules first (no entity), then each entity's rules.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        let world = self
            .rules()
            .filter(|rule| rule.kind == RuleKind::World)
            .filter_map(|rule| self.row(None, rule));
        let entities = self.shown_entities.iter().flat_map(move |&entity| {
            self.rules()
                .filter(|rule| rule.kind == RuleKind::Entity)
                .filter_map(move |rule| self.row(Some(entity), rule))
        });
        world.chain(entities)
    }

    fn row<'a>(&'a self, entity: Option<usize>, rule: &'a RuleColumn) -> Option<Row<'a>> {
        Some(Row {
            entity: match entity {
                Some(index) => Some(self.entities.get(index)?.as_str()),
                None => None,
            },
            rule: &rule.name,
            verdict: self.cell(entity, rule)?,
        })
    }

    /// The report as JSON: `{"results":[{"entity":…,"rule":…,"verdict":…},…]}`.
    pub fn to_json(&self) -> String {
        let mut bytes = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_json(&mut bytes);
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Writes [`Report::to_json`]'s text row by row, never holding it whole:
    /// a million entities' verdicts go out in constant memory.
    pub fn write_json(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        struct Rows<'r>(&'r Report);
        impl Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.rows())
            }
        }
        #[derive(Serialize)]
        struct Results<'r> {
            results: Rows<'r>,
        }
        serde_json::to_writer(
            out,
            &Results {
                results: Rows(self),
            },
        )
    }
}

fn pick(kind: &'static str, names: &[&str], wanted: &[String]) -> Result<Vec<usize>, UnknownName> {
    if wanted.is_empty() {
        return Ok((0..names.len()).collect());
    }
    for name in wanted {
        if !names.contains(&name.as_str()) {
            return Err(UnknownName {
                kind,
                name: name.clone(),
                suggestion: crate::check::suggest(name, names.iter().copied()).map(str::to_string),
            });
        }
    }
    Ok((0..names.len())
        .filter(|&index| {
            names
                .get(index)
                .is_some_and(|name| wanted.iter().any(|w| w == name))
        })
        .collect())
}

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
mod csv;
#[cfg(feature = "parquet")]
mod parquet;
pub mod table;

use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::batch::{BatchVerdicts, EntityNames};
use crate::check::{ResolvedRules, RuleId, RuleKind};
use crate::eval::Verdict;

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
/// A report shares the evaluation's verdicts and entity names rather than
/// copying them: building one, narrowing it and looking up a verdict by
/// name each cost the same whether there are ten entities or ten million.
/// It serializes as the JSON of [`Report::to_json`].
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
/// assert_eq!(serde_json::to_string(&report)?, report.to_json());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    rules: Arc<Rules>,
    entities: EntityNames,
    verdicts: Arc<BatchVerdicts>,
    /// Indices into `rules` and `entities` that are shown.
    shown_rules: Vec<usize>,
    shown_entities: Vec<usize>,
}

/// The rules of a report, with an index by name.
#[derive(Debug, PartialEq)]
struct Rules {
    columns: Vec<RuleColumn>,
    by_name: FxHashMap<String, usize>,
}

/// A name given to [`Report::select`] that the report does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("there is no {kind} named `{}`{}", crate::text::escape(name), suggestion.as_ref().map(|s| format!("; did you mean `{}`?", crate::text::escape(s))).unwrap_or_default())]
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
        entities: EntityNames,
        verdicts: Arc<BatchVerdicts>,
    ) -> Report {
        let columns: Vec<RuleColumn> = resolved
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
        let by_name = columns
            .iter()
            .enumerate()
            .map(|(index, rule)| (rule.name.clone(), index))
            .collect();
        Report {
            shown_rules: (0..columns.len()).collect(),
            shown_entities: (0..entities.len()).collect(),
            rules: Arc::new(Rules { columns, by_name }),
            entities,
            verdicts,
        }
    }

    /// Narrows the report to the named rules and entities (all, when a list is empty),
    /// in the order of the report.
    pub fn select(&self, rules: &[String], entities: &[String]) -> Result<Report, UnknownName> {
        let shown_rules = match rules {
            [] => (0..self.rules.columns.len()).collect(),
            wanted => {
                let names = self.rules.columns.iter().map(|r| r.name.as_str());
                pick("rule", wanted, names, |name| {
                    self.rules.by_name.get(name).copied()
                })?
            }
        };
        let shown_entities = match entities {
            [] => (0..self.entities.len()).collect(),
            wanted => pick("entity", wanted, self.entities.iter(), |name| {
                self.entities.find(name)
            })?,
        };
        Ok(Report {
            shown_rules,
            shown_entities,
            ..self.clone()
        })
    }

    /// The rules shown, in declaration order.
    pub fn rules(&self) -> impl Iterator<Item = &RuleColumn> {
        self.shown_rules
            .iter()
            .filter_map(|&index| self.rules.columns.get(index))
    }

    /// The entities shown, in facts-file order.
    pub fn entities(&self) -> impl Iterator<Item = &str> {
        self.shown_entities
            .iter()
            .filter_map(|&index| self.entities.get(index))
    }

    /// The entities shown, with their index in the snapshot.
    pub(crate) fn indexed_entities(&self) -> impl Iterator<Item = (usize, &str)> {
        self.shown_entities
            .iter()
            .filter_map(|&index| Some((index, self.entities.get(index)?)))
    }

    /// The verdict of `rule` for `entity`; for a world rule, the world's verdict
    /// (the same for every entity). `None` if either name is unknown.
    pub fn verdict(&self, entity: &str, rule: &str) -> Option<Verdict> {
        let entity = self.entities.find(entity)?;
        self.cell(Some(entity), self.rule(rule)?)
    }

    /// The verdict of a world rule (`None` for an unknown or an entity rule).
    pub fn world_verdict(&self, rule: &str) -> Option<Verdict> {
        let rule = self.rule(rule).filter(|r| r.kind == RuleKind::World)?;
        self.cell(None, rule)
    }

    fn rule(&self, name: &str) -> Option<&RuleColumn> {
        let index = *self.rules.by_name.get(name)?;
        self.rules.columns.get(index)
    }

    /// The verdict of a rule for entity `entity` (by index), or the world's.
    pub(crate) fn cell(&self, entity: Option<usize>, rule: &RuleColumn) -> Option<Verdict> {
        match (rule.kind, entity) {
            (RuleKind::Entity, None) => None,
            (RuleKind::Entity, Some(entity)) if entity >= self.entities.len() => None,
            (_, entity) => Some(Verdict::from(
                self.verdicts.get(entity.unwrap_or(0), rule.id),
            )),
        }
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
                Some(index) => Some(self.entities.get(index)?),
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
    /// a million entities' verdicts go out in constant memory. Each name is
    /// escaped once — a rule's for the whole report, an entity's for all its
    /// rows — and the rows are assembled from the escaped names, in the
    /// bytes serde would write ([`Report`]'s `Serialize` gives the same
    /// text, and a test holds them to it).
    pub fn write_json(&self, out: impl std::io::Write) -> serde_json::Result<()> {
        let quoted = |name: &str| serde_json::to_string(name);
        let rules = self
            .rules()
            .map(|rule| Ok((RowEnds::new(&quoted(&rule.name)?), rule)))
            .collect::<serde_json::Result<Vec<_>>>()?;
        let of_kind = |kind: RuleKind| rules.iter().filter(move |(_, rule)| rule.kind == kind);
        let mut rows = JsonRows::new(out);
        for (ends, rule) in of_kind(RuleKind::World) {
            if let Some(verdict) = self.cell(None, rule) {
                rows.row("null", ends.of(verdict))?;
            }
        }
        for (index, entity) in self.indexed_entities() {
            let entity = quoted(entity)?;
            for (ends, rule) in of_kind(RuleKind::Entity) {
                if let Some(verdict) = self.cell(Some(index), rule) {
                    rows.row(&entity, ends.of(verdict))?;
                }
            }
        }
        rows.finish()
    }
}

/// What follows the entity in a rule's rows, one text per verdict:
/// `,"rule":"deploy","verdict":"satisfied"}`.
struct RowEnds([String; 3]);

impl RowEnds {
    fn new(quoted_rule: &str) -> RowEnds {
        let end = |verdict: Verdict| {
            format!(
                r#","rule":{quoted_rule},"verdict":"{}"}}"#,
                verdict.as_str()
            )
        };
        RowEnds([
            end(Verdict::Satisfied),
            end(Verdict::Unsatisfied),
            end(Verdict::Undetermined),
        ])
    }

    fn of(&self, verdict: Verdict) -> &str {
        let [satisfied, unsatisfied, undetermined] = &self.0;
        match verdict {
            Verdict::Satisfied => satisfied,
            Verdict::Unsatisfied => unsatisfied,
            Verdict::Undetermined => undetermined,
        }
    }
}

/// The rows of a report's JSON, gathered in a buffer and written out a
/// block at a time.
struct JsonRows<W: std::io::Write> {
    out: W,
    buffer: Vec<u8>,
    rows: usize,
}

impl<W: std::io::Write> JsonRows<W> {
    /// How much is gathered before it is written out.
    const BLOCK: usize = 1 << 16;

    fn new(out: W) -> JsonRows<W> {
        let mut buffer = Vec::with_capacity(JsonRows::<W>::BLOCK + 256);
        buffer.extend_from_slice(br#"{"results":["#);
        JsonRows {
            out,
            buffer,
            rows: 0,
        }
    }

    /// One row, from its entity (`null` or a quoted name) and what follows.
    fn row(&mut self, entity: &str, end: &str) -> serde_json::Result<()> {
        if self.rows > 0 {
            self.buffer.push(b',');
        }
        self.rows += 1;
        self.buffer.extend_from_slice(br#"{"entity":"#);
        self.buffer.extend_from_slice(entity.as_bytes());
        self.buffer.extend_from_slice(end.as_bytes());
        if self.buffer.len() >= JsonRows::<W>::BLOCK {
            self.out
                .write_all(&self.buffer)
                .map_err(serde_json::Error::io)?;
            self.buffer.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> serde_json::Result<()> {
        self.buffer.extend_from_slice(b"]}");
        self.out
            .write_all(&self.buffer)
            .and_then(|()| self.out.flush())
            .map_err(serde_json::Error::io)
    }
}

impl Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Rows<'r>(&'r Report);
        impl Serialize for Rows<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.rows())
            }
        }
        use serde::ser::SerializeStruct;
        let mut results = serializer.serialize_struct("Report", 1)?;
        results.serialize_field("results", &Rows(self))?;
        results.end()
    }
}

/// The indices of the wanted names, in the order of `names`; each found by `find`.
fn pick<'a>(
    kind: &'static str,
    wanted: &[String],
    names: impl Iterator<Item = &'a str>,
    find: impl Fn(&str) -> Option<usize>,
) -> Result<Vec<usize>, UnknownName> {
    let mut indices = Vec::with_capacity(wanted.len());
    for name in wanted {
        match find(name) {
            Some(index) => indices.push(index),
            None => {
                return Err(UnknownName {
                    kind,
                    name: name.clone(),
                    suggestion: crate::check::suggest(name, names).map(str::to_string),
                });
            }
        }
    }
    indices.sort_unstable();
    indices.dedup();
    Ok(indices)
}

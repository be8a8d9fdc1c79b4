//! Verdicts as a CSV table: a row per entity, a column per rule.
//!
//! The table a spreadsheet or a data pipeline reads: `entity`, then each
//! rule shown, in declaration order, each cell `satisfied`, `unsatisfied`
//! or `undetermined`. A world rule is a column too, its one verdict on
//! every row, so that every rule can be read beside each entity (as the
//! SQL a rule set compiles to returns it). Names are quoted as CSV
//! requires; nothing else is changed.
//!
//! Architecture invariant: written row by row, never held whole.

use super::Report;
use crate::check::RuleKind;

impl Report {
    /// Writes the verdicts as CSV: a header (`entity`, then the rules
    /// shown), then a row per entity shown.
    ///
    /// ```
    /// use prereq::{Facts, RuleSet};
    /// let rules = RuleSet::parse("r.rules", "
    ///     world fact ceasefire: bool
    ///     fact legal_basis: bool
    ///     rule peace requires ceasefire
    ///     rule deploy requires peace and legal_basis")?;
    /// let mut facts = Facts::new("inline");
    /// facts.set_world("ceasefire", true);
    /// facts.set("UK", "legal_basis", true);
    /// facts.add_entity("Bosnia, Herzegovina");
    /// let mut table = Vec::new();
    /// rules.evaluate(&facts)?.write_csv(&mut table)?;
    /// assert_eq!(String::from_utf8(table)?, "\
    /// entity,peace,deploy
    /// UK,satisfied,satisfied
    /// \"Bosnia, Herzegovina\",satisfied,undetermined
    /// ");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_csv(&self, out: impl std::io::Write) -> std::io::Result<()> {
        let mut table = ::csv::WriterBuilder::new()
            .buffer_capacity(1 << 16)
            .from_writer(out);
        let rules: Vec<_> = self.rules().collect();
        let header = std::iter::once("entity").chain(rules.iter().map(|rule| rule.name.as_str()));
        table.write_record(header)?;
        let world: Vec<Option<&str>> = rules
            .iter()
            .map(|rule| match rule.kind {
                RuleKind::World => self.cell(None, rule).map(|verdict| verdict.as_str()),
                RuleKind::Entity => None,
            })
            .collect();
        for (index, entity) in self.indexed_entities() {
            table.write_field(entity)?;
            for (rule, world_verdict) in rules.iter().zip(&world) {
                let verdict = match world_verdict {
                    Some(verdict) => verdict,
                    None => self.cell(Some(index), rule).map_or("", |v| v.as_str()),
                };
                table.write_field(verdict)?;
            }
            table.write_record(None::<&[u8]>)?;
        }
        table.flush()
    }
}

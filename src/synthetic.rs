//! Synthetic inputs of any size, the same on every machine: facts for the
//! coalition rules and large generated rule files. Benchmarks measure on
//! them, and `prereq bench-data` writes them so anyone can reproduce the
//! figures.
//!
//! The generator is a fixed pseudo-random sequence (SplitMix64) seeded by
//! the caller: the same seed and size always give the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

/// SplitMix64: small, fast, and good enough to spread synthetic facts.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

/// The contributions a synthetic entity may offer besides troops.
const CONTRIBUTIONS: [&str; 5] = [
    "troops",
    "fast_jets",
    "logistics",
    "engineering",
    "backfill",
];

/// Synthetic facts for `rules/coalition.rules`: a world with a US backstop
/// and a ceasefire, and entities whose eight facts are each unknown with
/// probability `unknown_percent`.
///
/// ```
/// use prereq::synthetic::CoalitionFacts;
/// let json = CoalitionFacts { entities: 3, seed: 7, unknown_percent: 10 }.json();
/// assert!(json.starts_with(r#"{"world":{"us_backstop":true,"ceasefire":true},"entities":{"#));
/// assert_eq!(json, CoalitionFacts { entities: 3, seed: 7, unknown_percent: 10 }.json());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoalitionFacts {
    /// How many entities (named `c0000000`, `c0000001`, …).
    pub entities: usize,
    /// The seed of the pseudo-random sequence.
    pub seed: u64,
    /// The chance, in percent, that any one fact is left out (unknown).
    pub unknown_percent: u64,
}

impl CoalitionFacts {
    /// Writes the facts as JSON, one entity a line.
    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(br#"{"world":{"us_backstop":true,"ceasefire":true},"entities":{"#)?;
        let mut random = SplitMix(self.seed);
        let mut line = String::new();
        for index in 0..self.entities {
            line.clear();
            let separator = if index == 0 { "\n" } else { ",\n" };
            let _ = write!(line, "{separator}\"c{index:07}\":{{");
            let fields = self.entity_fields(&mut random);
            for (position, (name, value)) in fields.iter().enumerate() {
                let comma = if position == 0 { "" } else { "," };
                let _ = write!(line, "{comma}\"{name}\":{value}");
            }
            line.push('}');
            out.write_all(line.as_bytes())?;
        }
        out.write_all(b"\n}}\n")
    }

    /// Writes the facts as TOML, a table an entity.
    pub fn write_toml(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(b"[world]\nus_backstop = true\nceasefire = true\n")?;
        let mut random = SplitMix(self.seed);
        let mut table = String::new();
        for index in 0..self.entities {
            table.clear();
            let _ = writeln!(table, "\n[entities.c{index:07}]");
            for (name, value) in self.entity_fields(&mut random) {
                let _ = writeln!(table, "{name} = {value}");
            }
            out.write_all(table.as_bytes())?;
        }
        Ok(())
    }

    /// Writes the entities as a CSV table (a header, a row an entity, an
    /// empty cell for an unknown fact); the world facts, which a table
    /// does not hold, are left to `--set us_backstop=true --set
    /// ceasefire=true`.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        let mut random = SplitMix(self.seed);
        out.write_all(b"entity")?;
        for column in ENTITY_FACTS {
            write!(out, ",{column}")?;
        }
        let mut row = String::new();
        for index in 0..self.entities {
            row.clear();
            let _ = write!(row, "\nc{index:07}");
            let fields = self.entity_fields(&mut random);
            for column in ENTITY_FACTS {
                row.push(',');
                if let Some((_, value)) = fields.iter().find(|(name, _)| *name == column) {
                    row.push_str(&csv_cell(value));
                }
            }
            out.write_all(row.as_bytes())?;
        }
        out.write_all(b"\n")
    }

    /// Writes the entities as a Parquet file with typed columns (BOOLEAN,
    /// BIGINT for the troops, a LIST of text for the contributions; null
    /// for an unknown fact), as a data team's export would hold them; the
    /// world facts are left to `--set`, as for [`CoalitionFacts::write_csv`].
    #[cfg(feature = "parquet")]
    pub fn write_parquet(
        &self,
        out: impl Write + Send,
    ) -> Result<(), parquet::errors::ParquetError> {
        use arrow_array::builder::{BooleanBuilder, Int64Builder, ListBuilder, StringBuilder};
        use arrow_array::{ArrayRef, RecordBatch};
        use arrow_schema::{DataType, Field, Schema};
        use std::sync::Arc;

        let text_list = DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        let fields: Vec<Field> = std::iter::once(Field::new("entity", DataType::Utf8, false))
            .chain(ENTITY_FACTS.iter().map(|&name| {
                let ty = match name {
                    "troops_offered" => DataType::Int64,
                    "contributions" => text_list.clone(),
                    _ => DataType::Boolean,
                };
                Field::new(name, ty, true)
            }))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        // Snappy, as DuckDB, Spark and Polars write by default.
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let mut writer =
            parquet::arrow::ArrowWriter::try_new(out, schema.clone(), Some(properties))?;
        let mut random = SplitMix(self.seed);
        let mut start = 0;
        while start < self.entities {
            let end = (start + 65_536).min(self.entities);
            let mut names = StringBuilder::new();
            let mut flags: Vec<BooleanBuilder> = (0..6).map(|_| BooleanBuilder::new()).collect();
            let mut troops = Int64Builder::new();
            let mut contributions = ListBuilder::new(StringBuilder::new());
            for index in start..end {
                names.append_value(format!("c{index:07}"));
                let fields = self.entity_fields(&mut random);
                let value = |column: &str| {
                    fields
                        .iter()
                        .find(|(name, _)| *name == column)
                        .map(|(_, value)| value.as_str())
                };
                let bools = ENTITY_FACTS
                    .iter()
                    .filter(|&&name| name != "troops_offered" && name != "contributions");
                for (builder, name) in flags.iter_mut().zip(bools) {
                    builder.append_option(value(name).map(|v| v == "true"));
                }
                troops.append_option(value("troops_offered").and_then(|v| v.parse().ok()));
                match value("contributions") {
                    Some(list) => {
                        let items = list.trim_matches(|c| c == '[' || c == ']');
                        for item in items.split(',').filter(|item| !item.is_empty()) {
                            contributions.values().append_value(item.trim_matches('"'));
                        }
                        contributions.append(true);
                    }
                    None => contributions.append(false),
                }
            }
            let mut columns: Vec<ArrayRef> = vec![Arc::new(names.finish())];
            let mut flags = flags.into_iter();
            for name in ENTITY_FACTS {
                columns.push(match name {
                    "troops_offered" => Arc::new(troops.finish()),
                    "contributions" => Arc::new(contributions.finish()),
                    _ => match flags.next() {
                        Some(mut builder) => Arc::new(builder.finish()),
                        None => break,
                    },
                });
            }
            writer.write(&RecordBatch::try_new(schema.clone(), columns)?)?;
            start = end;
        }
        writer.close()?;
        Ok(())
    }

    /// The JSON document as a string.
    pub fn json(&self) -> String {
        let mut bytes = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = self.write_json(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// One entity's known facts, as (name, JSON/TOML value) pairs.
    fn entity_fields(&self, random: &mut SplitMix) -> Vec<(&'static str, String)> {
        let borders_russia = random.chance(8);
        let troops = if random.chance(25) {
            0
        } else {
            random.below(30) * 500
        };
        let mut contributions: Vec<&str> = CONTRIBUTIONS
            .iter()
            .copied()
            .filter(|_| random.chance(35))
            .collect();
        if troops > 0 {
            contributions.insert(0, "troops");
            contributions.dedup();
        }
        let list = contributions
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(",");
        let candidates = [
            ("in_coalition", random.chance(85).to_string()),
            ("legal_basis", random.chance(60).to_string()),
            ("rules_of_engagement", random.chance(55).to_string()),
            ("needs_us_backstop", random.chance(50).to_string()),
            ("borders_russia", borders_russia.to_string()),
            ("troops_offered", troops.to_string()),
            ("contributions", format!("[{list}]")),
            ("resists_asset_seizure", random.chance(20).to_string()),
        ];
        candidates
            .into_iter()
            .filter(|_| !random.chance(self.unknown_percent))
            .collect()
    }
}

/// The entity facts of the coalition, in the order of a table's columns.
const ENTITY_FACTS: [&str; 8] = [
    "in_coalition",
    "legal_basis",
    "rules_of_engagement",
    "needs_us_backstop",
    "borders_russia",
    "troops_offered",
    "contributions",
    "resists_asset_seizure",
];

/// A JSON value as a CSV cell: a list's strings separated by `;`, `[]`
/// for none; anything else as it is.
fn csv_cell(value: &str) -> String {
    match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        Some("") => "[]".to_string(),
        Some(items) => items.replace('"', "").replace(',', ";"),
        None => value.to_string(),
    }
}

/// A rule file of `rules` generated rules over a few dozen facts: each rule
/// combines facts, comparisons, memberships and earlier rules, as real rule
/// files do. It checks without errors.
///
/// ```
/// let text = prereq::synthetic::rule_file(100);
/// let rules = prereq::RuleSet::parse("generated.rules", &text)?;
/// assert_eq!(rules.resolved().rules.len(), 100);
/// # Ok::<(), prereq::LoadError>(())
/// ```
pub fn rule_file(rules: usize) -> String {
    const FACTS: usize = 32;
    let mut text = String::from("## Generated by prereq::synthetic::rule_file.\n");
    text.push_str("world fact season_open: bool\n");
    for index in 0..FACTS {
        let _ = writeln!(text, "fact flag_{index}: bool");
        let _ = writeln!(text, "fact amount_{index}: number");
    }
    text.push_str("fact tags: set<string>\nfact region: string\n\n");
    let mut random = SplitMix(rules as u64);
    for index in 0..rules {
        let flag = random.below(FACTS as u64);
        let amount = random.below(FACTS as u64);
        let threshold = random.below(10_000);
        let _ = writeln!(text, "## Rule {index}.");
        let _ = write!(
            text,
            "rule rule_{index} requires flag_{flag} and amount_{amount} >= {threshold}"
        );
        match index.checked_sub(1 + random.below(8) as usize) {
            Some(earlier) => {
                let _ = write!(
                    text,
                    "\n    and (rule_{earlier} or \"tag_{}\" in tags)",
                    random.below(50)
                );
            }
            None => text.push_str(" and season_open"),
        }
        if random.chance(30) {
            let _ = write!(
                text,
                "\n    unless region == \"region_{}\"",
                random.below(20)
            );
        }
        text.push_str("\n\n");
    }
    text
}

//! Facts from Parquet, and verdicts written as Parquet.
//!
//! Random facts written as typed columns give, read back, the verdicts
//! the same facts give as `Facts`; every column that cannot be read as
//! its fact is one problem naming it; `check --format parquet` writes the
//! CSV table's columns.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use common::run::{prereq, prereq_in};
use common::sql::with_whole_sets;
use common::{entity_rows, facts_of, print_rules, rule_set, world_row};
use parquet::arrow::ArrowWriter;
use prereq::batch::Columns;
use prereq::syntax::ast::{FactType, Scope};
use prereq::{FactValue, Facts, RuleSet};
use proptest::prelude::*;

/// Writes columns as a Parquet file.
fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// The entities of `facts` as typed columns, one per entity fact the
/// rules declare.
fn entity_columns(rules: &RuleSet, facts: &Facts) -> Vec<(String, ArrayRef)> {
    let entities = facts.entities();
    let names: StringArray = entities.iter().map(|e| Some(e.name.as_str())).collect();
    let mut columns: Vec<(String, ArrayRef)> = vec![("entity".to_string(), Arc::new(names))];
    for fact in rules
        .resolved()
        .facts
        .iter()
        .filter(|f| f.scope == Scope::Entity)
    {
        let values: Vec<Option<&FactValue>> = entities
            .iter()
            .map(|e| {
                e.facts
                    .iter()
                    .find(|(n, _)| **n == *fact.name)
                    .map(|(_, v)| v)
            })
            .collect();
        let array: ArrayRef = match fact.ty {
            FactType::Bool => Arc::new(
                values
                    .iter()
                    .map(|v| v.map(|v| matches!(v, FactValue::Bool(true))))
                    .collect::<BooleanArray>(),
            ),
            FactType::Number => Arc::new(
                values
                    .iter()
                    .map(|v| match v {
                        Some(FactValue::Number(n)) => Some(*n),
                        _ => None,
                    })
                    .collect::<Float64Array>(),
            ),
            FactType::String => Arc::new(
                values
                    .iter()
                    .map(|v| match v {
                        Some(FactValue::String(s)) => Some(s.as_str()),
                        _ => None,
                    })
                    .collect::<StringArray>(),
            ),
            FactType::StringSet => {
                let mut lists = ListBuilder::new(StringBuilder::new());
                for value in &values {
                    match value {
                        Some(FactValue::Strings(items)) => {
                            items.iter().for_each(|i| lists.values().append_value(i));
                            lists.append(true);
                        }
                        _ => lists.append(false),
                    }
                }
                Arc::new(lists.finish())
            }
        };
        columns.push((fact.name.clone(), array));
    }
    columns
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Facts written as Parquet and read back into columns give the
    /// verdicts the facts give as written (sets given whole).
    #[test]
    fn parquet_facts_decide_as_the_facts_do(
        rules in rule_set(),
        world in world_row(),
        entities in entity_rows(),
    ) {
        let rules = RuleSet::parse("generated.rules", &print_rules(&rules)).unwrap();
        let facts = with_whole_sets(&facts_of(&world, &entities));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("entities.parquet");
        let columns = entity_columns(&rules, &facts);
        write_parquet(&path, columns.iter().map(|(n, a)| (n.as_str(), a.clone())).collect());
        let mut from_parquet = Columns::load(rules.program().schema(), &path).unwrap();
        // The world is not in the table: given as the what-ifs would.
        let changes: Vec<_> = facts
            .world()
            .iter()
            .map(|(name, value)| prereq::batch::FactChange::set(&format!("{name}={}", cell(value))).unwrap())
            .collect();
        from_parquet.apply(rules.program().schema(), &changes).unwrap();
        let expected = rules.evaluate(&facts).unwrap().to_json();
        prop_assert_eq!(rules.evaluate_columns(&from_parquet).to_json(), expected);
    }
}

/// A value as a what-if writes it.
fn cell(value: &FactValue) -> String {
    match value {
        FactValue::Bool(b) => b.to_string(),
        FactValue::Number(n) => n.to_string(),
        FactValue::String(s) => s.clone(),
        FactValue::Strings(items) if items.is_empty() => "[]".to_string(),
        FactValue::Strings(items) => items.join(";"),
        other => panic!("no what-if for {other:?}"),
    }
}

/// Integers of any width and decimals are numbers, checked as written;
/// the example's entities as a Parquet file give its verdicts.
#[test]
fn integers_and_decimals_are_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let names: ArrayRef = Arc::new(StringArray::from(vec!["UK", "France"]));
    let troops: ArrayRef = Arc::new(Int64Array::from(vec![Some(10_000), None]));
    write_parquet(
        &dir.path().join("ints.parquet"),
        vec![("entity", names.clone()), ("troops_offered", troops)],
    );
    let decimals = Decimal128Array::from(vec![Some(100_005), Some(0)])
        .with_precision_and_scale(9, 1)
        .unwrap();
    write_parquet(
        &dir.path().join("decimals.parquet"),
        vec![("entity", names), ("troops_offered", Arc::new(decimals))],
    );
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    for (file, uk) in [("ints.parquet", "10000"), ("decimals.parquet", "10000.5")] {
        let run = prereq_in(
            dir.path(),
            &[
                "explain", rules, "--facts", file, "--entity", "UK", "--rule", "willing",
            ],
        );
        assert_eq!(run.code, 0, "{file}: {}", run.stderr);
        assert!(
            run.stdout.contains(&format!("troops_offered = {uk}")),
            "{}",
            run.stdout
        );
    }
}

/// Every column that cannot be its fact, and every row that cannot be an
/// entity: one problem each, naming it, with a hint.
#[test]
fn parquet_problems_name_their_column_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let names: ArrayRef = Arc::new(StringArray::from(vec![
        Some("UK"),
        Some("UK"),
        Some(""),
        Some("France"),
    ]));
    let mut lists = ListBuilder::new(StringBuilder::new());
    lists.values().append_value("troops");
    lists.values().append_null();
    lists.append(true);
    lists.append(false);
    lists.append(false);
    lists.values().append_value("logistics");
    lists.values().append_value("tanks");
    lists.append(true);
    write_parquet(
        &dir.path().join("bad.parquet"),
        vec![
            ("entity", names),
            (
                "in_coalition",
                Arc::new(StringArray::from(vec!["yes", "no", "no", "no"])),
            ),
            (
                "us_backstop",
                Arc::new(BooleanArray::from(vec![true, true, true, true])),
            ),
            (
                "colour",
                Arc::new(StringArray::from(vec!["red", "blue", "green", "blue"])),
            ),
            ("contributions", Arc::new(lists.finish())),
            (
                "troops_offered",
                Arc::new(Int64Array::from(vec![Some(1 << 60), None, None, Some(-5)])),
            ),
            (
                "troops_offered",
                Arc::new(Int64Array::from(vec![None, None, None, None])),
            ),
        ],
    );
    write_parquet(
        &dir.path().join("no_entity.parquet"),
        vec![("name", Arc::new(StringArray::from(vec!["UK"])))],
    );
    std::fs::write(
        dir.path().join("not.parquet"),
        "entity,in_coalition\nUK,true\n",
    )
    .unwrap();
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let mut transcript = String::new();
    for file in ["bad.parquet", "no_entity.parquet", "not.parquet"] {
        let run = prereq_in(dir.path(), &["validate", rules, "--facts", file]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        transcript.push_str(&format!("$ --facts {file}\n{}\n", run.stderr));
    }
    insta::assert_snapshot!(transcript);
}

/// `check --format parquet -o` writes the CSV table's columns and cells.
#[test]
fn verdicts_as_parquet_are_the_csv_table() {
    let facts = "rules/facts/2025-03-17.toml";
    let csv = prereq(&["check", "rules/", "--facts", facts, "--format", "csv"]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("verdicts.parquet");
    let out = out.to_str().unwrap();
    let run = prereq(&[
        "check", "rules/", "--facts", facts, "--format", "parquet", "-o", out,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let file = std::fs::File::open(out).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut table = String::new();
    for batch in reader {
        let batch = batch.unwrap();
        if table.is_empty() {
            let header: Vec<&str> = batch
                .schema_ref()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            table.push_str(&header.join(","));
            table.push('\n');
        }
        let columns: Vec<ArrayRef> = (0..batch.num_columns())
            .map(|i| arrow_cast_to_strings(batch.column(i)))
            .collect();
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = columns
                .iter()
                .map(|c| {
                    c.as_any()
                        .downcast_ref::<StringArray>()
                        .unwrap()
                        .value(row)
                        .to_string()
                })
                .collect();
            table.push_str(&cells.join(","));
            table.push('\n');
        }
    }
    assert_eq!(table, csv.stdout);
    let no_file = prereq(&["check", "rules/", "--facts", facts, "--format", "parquet"]);
    assert_eq!(no_file.code, 2);
    assert!(
        no_file.stderr.contains("-o verdicts.parquet"),
        "{}",
        no_file.stderr
    );
}

/// A column of plain or dictionary-encoded strings as plain strings.
fn arrow_cast_to_strings(array: &ArrayRef) -> ArrayRef {
    use arrow_array::cast::AsArray;
    if let Some(strings) = array.as_any().downcast_ref::<StringArray>() {
        return Arc::new(strings.clone());
    }
    let dictionary = array.as_dictionary::<arrow_array::types::Int8Type>();
    let values = dictionary.values().as_string::<i32>();
    let strings: StringArray = dictionary
        .keys()
        .iter()
        .map(|key| key.map(|k| values.value(k as usize)))
        .collect();
    Arc::new(strings)
}

/// A TOML file gives the world and names its Parquet table of entities.
#[test]
fn a_document_names_its_parquet_table() {
    let dir = tempfile::tempdir().unwrap();
    let names: ArrayRef = Arc::new(StringArray::from(vec!["UK"]));
    let coalition: ArrayRef = Arc::new(BooleanArray::from(vec![true]));
    write_parquet(
        &dir.path().join("countries.parquet"),
        vec![("entity", names), ("in_coalition", coalition)],
    );
    std::fs::write(
        dir.path().join("now.toml"),
        "entities_from = \"countries.parquet\"\n[world]\nus_backstop = true\n",
    )
    .unwrap();
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let run = prereq_in(
        dir.path(),
        &[
            "check",
            rules,
            "--facts",
            "now.toml",
            "--format",
            "csv",
            "--rule",
            "backing_met",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "entity,backing_met\nUK,satisfied\n");
}

/// With no entities, the verdicts file holds the header and no rows, as
/// the CSV table does.
#[test]
fn no_entities_make_an_empty_verdicts_file() {
    let rules = RuleSet::parse(
        "r.rules",
        "world fact ceasefire: bool\nfact legal_basis: bool\nrule deploy requires legal_basis and ceasefire",
    )
    .unwrap();
    let mut facts = Facts::new("inline");
    facts.set_world("ceasefire", true);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("verdicts.parquet");
    let file = std::fs::File::create(&path).unwrap();
    rules.evaluate(&facts).unwrap().write_parquet(file).unwrap();
    let file = std::fs::File::open(&path).unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
    let fields: Vec<&str> = reader
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(fields, ["entity", "deploy"]);
    let rows: usize = reader.build().unwrap().map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(rows, 0);
}

/// A synthetic table of several batches and unaligned ends reads as the
/// same facts given as JSON: every entity's every value, and every verdict.
#[test]
fn a_large_table_reads_as_its_json() {
    let rules = RuleSet::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap();
    let schema = rules.program().schema();
    let facts = prereq::synthetic::CoalitionFacts {
        entities: 40_003,
        seed: 9,
        unknown_percent: 15,
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("countries.parquet");
    facts
        .write_parquet(std::fs::File::create(&path).unwrap())
        .unwrap();
    let mut from_parquet = Columns::load(schema, &path).unwrap();
    let world = [
        prereq::batch::FactChange::set("us_backstop=true").unwrap(),
        prereq::batch::FactChange::set("ceasefire=true").unwrap(),
    ];
    from_parquet.apply(schema, &world).unwrap();
    let from_json = Columns::from_json_str(schema, "synthetic.json", &facts.json()).unwrap();
    assert_eq!(from_parquet.len(), from_json.len());
    for entity in 0..from_json.len() {
        assert_eq!(
            from_parquet.entity_name(entity),
            from_json.entity_name(entity)
        );
        assert_eq!(
            from_parquet.entity_row(entity),
            from_json.entity_row(entity),
            "entity {entity}"
        );
    }
    assert_eq!(
        rules.evaluate_columns(&from_parquet).to_json(),
        rules.evaluate_columns(&from_json).to_json()
    );
}

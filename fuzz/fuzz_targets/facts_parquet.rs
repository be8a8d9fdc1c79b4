//! Arbitrary bytes as a Parquet file of entity facts, read into columns for
//! the coalition rules (mutations of a small synthetic table reach its
//! pages and its footer). Loading never panics: it fails with a syntax
//! error (not Parquet, no `entity` column) or with problems that each name
//! a column or a row and are safe on a terminal, or it gives columns whose
//! verdicts render; allowing extra facts only ever accepts more.
#![no_main]

mod common;

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use prereq::batch::Columns;
use prereq::facts::LoadOptions;
use common::{assert_table_loads, rules};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("prereq-fuzz-{}.parquet", std::process::id()));
    let mut file = std::fs::File::create(&path).expect("a temporary file");
    file.write_all(data).expect("the bytes are written");
    drop(file);
    let schema = rules().program().schema();
    let strict = Columns::load_with(schema, &path, &LoadOptions::default());
    let lenient = LoadOptions { allow_extra_facts: true, ..LoadOptions::default() };
    let lenient = Columns::load_with(schema, &path, &lenient);
    assert_table_loads(&strict, &lenient, |path| path.contains("column ") || path.contains("row "));
});
